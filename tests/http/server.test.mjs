// Black-box tests of the HTTP front door against a real `assidu serve`:
// health, logging, errors, limits, slow clients, the connection cap,
// static files, configuration and signals.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';

// Raw socket helpers: tests that need exact bytes on the wire.
function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(sock) {
  return new Promise((resolve) => {
    if (sock.destroyed)
      return resolve();
    sock.once('close', resolve);
  });
}


test('healthz answers JSON with version and schema, with a request id', async () => {
  const d = await startDaemon();
  try {
    const r = await request(`${d.url}/healthz`);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.equal(r.json.status, 'ok');
    assert.match(r.json.version, /^\d+\.\d+\.\d+$/);
    assert.ok(r.json.schema >= 1);
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    const m = await d.waitForLog(new RegExp(
      `event=request id=${r.headers['x-request-id']} method=GET ` +
      'path=/healthz status=200 bytes=\\d+ dur_ms=\\d+\\.\\d{3} ip=127\\.0\\.0\\.1 user=0$'));
    assert.ok(m);
  } finally {
    await d.cleanup();
  }
});

test('request ids are unique and query strings are never logged', async () => {
  const d = await startDaemon();
  try {
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      const r = await request(`${d.url}/healthz?token=s3cr3t-${i}`);
      assert.equal(r.status, 200);
      ids.add(r.headers['x-request-id']);
    }
    assert.equal(ids.size, 5);
    await d.waitForLog(/path=\/healthz status=200/);
    assert.doesNotMatch(d.log(), /s3cr3t/);
  } finally {
    await d.cleanup();
  }
});

test('errors: JSON for the API, a French page for browsers, 405 for a wrong method', async () => {
  const d = await startDaemon();
  try {
    let r = await request(`${d.url}/api/v1/nothing-here`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'not_found');
    assert.equal(r.json.error.message, 'Page introuvable.');
    assert.equal(r.json.error.request_id, r.headers['x-request-id']);

    r = await request(`${d.url}/nulle-part.html`, { headers: { Accept: 'text/html' } });
    assert.equal(r.status, 404);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(r.body, /<html lang="fr">/);
    assert.match(r.body, /Page introuvable\./);
    assert.match(r.body, /Retour à l'accueil/);

    r = await request(`${d.url}/healthz`, { method: 'POST', body: {} });
    assert.equal(r.status, 405);
    assert.equal(r.json.error.code, 'method_not_allowed');
    assert.equal(r.headers.allow, 'GET, HEAD');

    // A second write of the same key is a conflict, not a silent success.
    r = await request(`${d.url}/api/v1/test/probe`, { method: 'POST', body: { key: 'once', value: 'a' } });
    assert.equal(r.status, 201);
    r = await request(`${d.url}/api/v1/test/probe`, { method: 'POST', body: { key: 'once', value: 'b' } });
    assert.equal(r.status, 409);
    assert.equal((await request(`${d.url}/api/v1/test/probe/once`)).json.value, 'a');

    r = await request(`${d.url}/api/v1/test/probe`, {
      method: 'POST', body: '{"key": "a", "key": "b"}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'bad_json');

    r = await request(`${d.url}/api/v1/test/probe`, {
      method: 'POST', body: 'key=a', headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(r.status, 400);
    assert.match(r.json.error.detail, /application\/json/);
  } finally {
    await d.cleanup();
  }
});

test('an oversized body gets 413 and stores nothing', async () => {
  const d = await startDaemon({ config: { max_body_size: 2048 } });
  try {
    const body = JSON.stringify({ key: 'big', value: 'x'.repeat(4096) });
    let r = await request(`${d.url}/api/v1/test/probe`, { method: 'POST', body,
      headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 413);
    r = await request(`${d.url}/api/v1/test/probe/big`);
    assert.equal(r.status, 404);

    // Announced length over the limit: refused, the rest read and dropped
    // so that the client sees the 413 rather than a reset.
    const s = await connect(d.port);
    let reply = '';
    s.on('data', (c) => { reply += c; });
    s.on('error', () => {});
    s.write('POST /api/v1/test/probe HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/json\r\nContent-Length: 200000\r\n\r\n');
    s.write('x'.repeat(200000));
    await closed(s);
    assert.match(reply, /^HTTP\/1\.1 413 /);

    // Just under the limit is fine.
    r = await request(`${d.url}/api/v1/test/probe`, { method: 'POST',
      body: { key: 'small', value: 'y'.repeat(1500) } });
    assert.equal(r.status, 201);
  } finally {
    await d.cleanup();
  }
});

test('oversized headers are refused and the connection closed', async () => {
  const d = await startDaemon({ config: { max_header_size: 2048 } });
  try {
    const s = await connect(d.port);
    let reply = '';
    s.on('data', (c) => { reply += c; });
    s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
    await closed(s);
    assert.doesNotMatch(reply, /^HTTP\/1\.1 200/);
    const r = await request(`${d.url}/healthz`);
    assert.equal(r.status, 200);
  } finally {
    await d.cleanup();
  }
});

test('a client sending its headers one byte per second is cut off', async () => {
  const d = await startDaemon({ config: { request_timeout: 2, idle_timeout: 30 } });
  try {
    const s = await connect(d.port);
    let reply = '';
    let sent = 0;
    s.on('data', (c) => { reply += c; });
    s.on('error', () => {});
    const start = Date.now();
    const head = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' +
      'a'.repeat(100) + '\r\n\r\n';
    const dripping = (async () => {
      while (!s.destroyed && sent < head.length) {
        s.write(head[sent++]);
        await sleep(1000);
      }
    })();
    // Meanwhile, normal clients are served.
    const r = await request(`${d.url}/healthz`);
    assert.equal(r.status, 200);
    await closed(s);
    const elapsed = Date.now() - start;
    await dripping;
    assert.ok(elapsed >= 1900, `cut after ${elapsed} ms, before the deadline`);
    assert.ok(elapsed < 6000, `still open after ${elapsed} ms`);
    assert.ok(sent < head.length, 'the whole request got through');
    assert.equal(reply, '');
    await d.waitForLog(/event=conn_timeout/);
  } finally {
    await d.cleanup();
  }
});

test('at the connection cap new clients wait in the backlog, then are served', async () => {
  const d = await startDaemon({ config: { max_connections: 5 } });
  try {
    const idle = [];
    for (let i = 0; i < 5; i++)
      idle.push(await connect(d.port));
    await d.waitForLog(/event=accept_paused reason=max_connections/);
    let answered = false;
    const pending = request(`${d.url}/healthz`, { timeout: 10000 }).then((r) => {
      answered = true;
      return r;
    });
    await sleep(700);
    assert.equal(answered, false, 'served beyond the cap');
    for (const s of idle)
      s.destroy();
    const r = await pending;
    assert.equal(r.status, 200);
    await d.waitForLog(/event=accept_resumed/);
  } finally {
    await d.cleanup();
  }
});

test('out of file descriptors, accept pauses instead of spinning, then recovers', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-emfile-'));
  const proc = spawn('sh', ['-c', `ulimit -n 48 && exec "$0" "$@"`, BIN, 'serve',
    '--listen', '127.0.0.1:0', '--data', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c) => { log += c; });
  const socks = [];
  try {
    let port;
    for (let i = 0; i < 100 && !port; i++) {
      await sleep(100);
      port = /event=listening addr=127\.0\.0\.1:(\d+)/.exec(log)?.[1];
    }
    assert.ok(port, log);
    for (let i = 0; i < 80; i++) {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('error', () => {});
      socks.push(s);
    }
    await sleep(500);
    assert.match(log, /event=accept_paused reason=fd_limit/);
    const stat = () => {
      const f = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return Number(v[11]) + Number(v[12]);  // utime + stime, in ticks
    };
    const before = stat();
    await sleep(2000);
    const ticks = stat() - before;
    assert.ok(ticks < 50, `used ${ticks} ticks of CPU in 2 s while out of descriptors`);
    for (const s of socks)
      s.destroy();
    const r = await request(`http://127.0.0.1:${port}/healthz`, { timeout: 10000 });
    assert.equal(r.status, 200);
  } finally {
    for (const s of socks)
      s.destroy();
    proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('static pages: French home page, ETag and 304, HEAD, no traversal', async () => {
  const d = await startDaemon();
  try {
    let r = await request(`${d.url}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(r.body, /<html lang="fr">/);
    const etag = r.headers.etag;
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    r = await request(`${d.url}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(r.status, 304);
    assert.equal(r.body, '');
    r = await request(`${d.url}/css/assidu.css`, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/css/);
    assert.ok(Number(r.headers['content-length']) > 100);
    assert.equal(r.body, '');
    // A directory answers with a redirect to its slash form.
    r = await request(`${d.url}/css`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/css/');
    for (const p of ['/../configure.ac', '/%2e%2e/configure.ac', '/css/..%2f..%2fconfigure.ac',
      '/css/%2e%2e/%2e%2e/configure.ac', '/%c0%ae%c0%ae/configure.ac', '/css\\..\\index.html',
      '/index.html%00.css', '/..%5c..%5cconfigure.ac']) {
      r = await request(`${d.url}${p}`);
      assert.equal(r.status, 404, `${p} answered ${r.status}`);
      assert.doesNotMatch(r.body, /AC_INIT/);
    }
  } finally {
    await d.cleanup();
  }
});

test('the command line overrides the config file; bad settings name their line', async () => {
  // The file asks for an address that cannot be bound: only the override lets it start.
  const d = await startDaemon({ config: { listen: '192.0.2.1:80', max_body_size: 4096 } });
  try {
    const r = await request(`${d.url}/healthz`);
    assert.equal(r.status, 200);
  } finally {
    await d.cleanup();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-conf-'));
  try {
    const conf = path.join(dir, 'bad.conf');
    fs.writeFileSync(conf, 'listen = 127.0.0.1:0\nmax_connections = lots\n');
    const out = spawnSync(BIN, ['--config', conf, '--data', dir, 'config'], { encoding: 'utf8' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /bad\.conf:2: max_connections: 'lots' is not a number/);
    fs.writeFileSync(conf, 'idle_timeout = 7\n');
    const ok = spawnSync(BIN, ['--config', conf, '--data', dir, '--listen', '127.0.0.1:9',
      'config'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const eff = JSON.parse(ok.stdout);
    assert.equal(eff.idle_timeout, 7);
    assert.equal(eff.listen, '127.0.0.1:9');
    assert.equal(eff.data_dir, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('test routes exist only in test mode, and test mode only on loopback', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-prod-'));
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c) => { log += c; });
  try {
    let port;
    for (let i = 0; i < 100 && !port; i++) {
      await sleep(100);
      port = /event=listening addr=127\.0\.0\.1:(\d+)/.exec(log)?.[1];
    }
    assert.ok(port, log);
    const r = await request(`http://127.0.0.1:${port}/api/v1/test/writer`);
    assert.equal(r.status, 404);
    const w = await request(`http://127.0.0.1:${port}/api/v1/test/probe`,
      { method: 'POST', body: { key: 'k', value: 'v' } });
    assert.notEqual(w.status, 201);
  } finally {
    proc.kill('SIGKILL');
  }
  const out = spawnSync(BIN, ['serve', '--listen', '0.0.0.0:0', '--data', dir, '--test-mode'],
    { encoding: 'utf8', timeout: 10000 });
  assert.equal(out.status, 1);
  assert.match(out.stderr, /test_mode only listens on a loopback address/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGHUP reopens the log file after rotation', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-log-'));
  const logFile = path.join(dir, 'assidu.log');
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', dir,
    '--log-file', logFile], { stdio: 'ignore' });
  const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  try {
    let port;
    for (let i = 0; i < 100 && !port; i++) {
      await sleep(100);
      port = /event=listening addr=127\.0\.0\.1:(\d+)/.exec(read(logFile))?.[1];
    }
    assert.ok(port, 'no listening line in the log file');
    const url = `http://127.0.0.1:${port}/healthz`;
    const a = await request(url);
    fs.renameSync(logFile, `${logFile}.1`);
    proc.kill('SIGHUP');
    for (let i = 0; i < 50 && !/event=log_reopened/.test(read(logFile)); i++)
      await sleep(100);
    const b = await request(url);
    await sleep(200);
    const old = read(`${logFile}.1`);
    const now = read(logFile);
    assert.match(old, new RegExp(`id=${a.headers['x-request-id']}`));
    assert.doesNotMatch(old, new RegExp(`id=${b.headers['x-request-id']}`));
    assert.match(now, /event=log_reopened/);
    assert.match(now, new RegExp(`id=${b.headers['x-request-id']}`));
  } finally {
    proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('large files go out whole with sendfile, also twice on one kept-alive connection', async () => {
  const { createHash, randomBytes } = await import('node:crypto');
  const http = await import('node:http');
  const { spawn: spawnTrace } = await import('node:child_process');
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-www-'));
  const data = randomBytes(3 * 1024 * 1024 + 17);
  fs.writeFileSync(path.join(www, 'gros.bin'), data);
  fs.writeFileSync(path.join(www, 'petit.css'), 'body { color: #123; }\n');
  const d = await startDaemon({ config: { www_dir: www } });
  const trace = path.join(www, 'strace.out');
  const st = spawnTrace('strace', ['-f', '-qq', '-o', trace, '-p', String(d.proc.pid),
    '-e', 'trace=sendfile'], { stdio: 'ignore' });
  try {
    await sleep(800);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (p) => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: d.port, path: p, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    for (const p of ['/gros.bin', '/petit.css', '/gros.bin']) {
      const { res, body } = await get(p);
      assert.equal(res.statusCode, 200);
      const want = fs.readFileSync(path.join(www, p.slice(1)));
      assert.equal(Number(res.headers['content-length']), want.length);
      assert.equal(sha(body), sha(want), `${p} differs`);
    }
    agent.destroy();
    await sleep(200);
    st.kill('SIGINT');
    await new Promise((resolve) => st.once('exit', resolve));
    const calls = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /sendfile\(/.test(l));
    // At least one per large file; the small one is read and sent with its headers.
    assert.ok(calls.length >= 2, `only ${calls.length} sendfile calls`);
    assert.equal(d.log().match(/event=request .*path=\/gros\.bin status=200/g).length, 2);
  } finally {
    st.kill('SIGKILL');
    await d.cleanup();
    fs.rmSync(www, { recursive: true, force: true });
  }
});
