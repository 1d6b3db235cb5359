// Black-box harness: starts a real `assidu serve` on a random port and a
// temporary data dir, and speaks plain HTTP to it.
//
// make check exports ASSIDU_BIN, ASSIDU_SRCDIR and ASSIDU_BUILDDIR; by hand,
// `node --test tests/http/x.test.mjs` uses build/test/assidu (./dev build test).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SRCDIR = process.env.ASSIDU_SRCDIR || REPO;
export const BUILDDIR = process.env.ASSIDU_BUILDDIR || path.join(REPO, 'build/test');
export const BIN = process.env.ASSIDU_BIN || path.join(REPO, 'build/test/assidu');

const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 15000;

// Daemons still running and temp dirs not yet removed, for the exit hook.
const running = new Set();
const tempDirs = new Set();

// A test that forgets stop() or throws must not leave a daemon behind.
process.on('exit', () => {
  for (const proc of running) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  if (!process.env.ASSIDU_KEEP)
    for (const dir of tempDirs)
      fs.rmSync(dir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const proc of running)
      proc.kill('SIGKILL');
    running.clear();
    process.kill(process.pid, sig);
  });
}

function writeConfig(file, config) {
  const lines = Object.entries(config).map(([key, value]) => {
    if (value === null || typeof value === 'object')
      throw new TypeError(`config ${key}: scalar value expected`);
    return `${key} = ${value}\n`;
  });
  fs.writeFileSync(file, lines.join(''), { mode: 0o600 });
}

// opts: dataDir (reuse, e.g. to restart on the same data), config (object
// written to <dataDir>/assidu.conf and passed with --config), args (extra
// arguments after the fixed ones), env (extra environment variables).
export async function startDaemon(opts = {}) {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ||
    await fsp.mkdtemp(path.join(os.tmpdir(), 'assidu-test-'));
  if (ownDir)
    tempDirs.add(dataDir);

  const args = ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--test-mode'];
  if (opts.config) {
    const file = path.join(dataDir, 'assidu.conf');
    writeConfig(file, opts.config);
    args.push('--config', file);
  }
  args.push(...(opts.args || []));

  const proc = spawn(BIN, args, {
    cwd: dataDir,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(proc);

  let output = '';
  const partial = { stdout: '', stderr: '' };  // line being written, per stream
  const lineWatchers = new Set();
  const exitWatchers = new Set();
  let exited = null;          // {code, signal} once the process is gone
  let expectedSignal = null;  // signal we sent ourselves
  let started = false;        // until then, failures carry the log

  for (const name of ['stdout', 'stderr']) {
    proc[name].setEncoding('utf8');
    proc[name].on('data', (text) => {
      output += text;
      const lines = (partial[name] + text).split('\n');
      partial[name] = lines.pop();
      for (const line of lines)
        for (const watch of lineWatchers)
          watch(line);
    });
  }

  proc.on('close', (code, signal) => {
    running.delete(proc);
    exited = { code, signal };
    for (const name of ['stdout', 'stderr']) {
      if (partial[name] !== '')
        for (const watch of lineWatchers)
          watch(partial[name]);
      partial[name] = '';
    }
    // A crash or sanitizer report must reach the test's log even if the
    // test never looks at log().
    const clean = !started || code === 0 ||
        (signal !== null && signal === expectedSignal);
    if (!clean)
      process.stderr.write(`assidu exited (code=${code} signal=${signal}); ` +
          `its output:\n${output}`);
    for (const watch of exitWatchers)
      watch(exited);
  });

  // A forgotten daemon must not keep the test process alive: the exit hook
  // kills it instead.
  proc.unref();
  proc.stdin.unref?.();
  proc.stdout.unref?.();
  proc.stderr.unref?.();

  const log = () => output;

  // Resolves with the regex match of the first complete line (already
  // printed or to come, from byte offset `since`) that matches.
  function waitForLog(pattern, timeoutMs = 5000, { since = 0 } = {}) {
    const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return new Promise((resolve, reject) => {
      const done = output.slice(since).split('\n');
      if (!exited)
        done.pop();  // still being written
      for (const line of done) {
        const m = regex.exec(line);
        if (m)
          return resolve(m);
      }
      if (exited)
        return reject(new Error(`assidu exited before logging ${regex}:\n${output}`));
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${regex} in assidu log after ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const onLine = (line) => {
        const m = regex.exec(line);
        if (m) {
          finish();
          resolve(m);
        }
      };
      const onExit = (st) => {
        finish();
        reject(new Error(`assidu exited (code=${st.code} signal=${st.signal}) ` +
            `before logging ${regex}:\n${output}`));
      };
      function finish() {
        clearTimeout(timer);
        lineWatchers.delete(onLine);
        exitWatchers.delete(onExit);
      }
      lineWatchers.add(onLine);
      exitWatchers.add(onExit);
    });
  }

  function waitForExit() {
    return new Promise((resolve) => {
      if (exited)
        resolve(exited);
      else
        exitWatchers.add(function once(st) {
          exitWatchers.delete(once);
          resolve(st);
        });
    });
  }

  // Resolves {code, signal} once the process has exited and its output is
  // all in log(); after timeoutMs it kills -9 and rejects.
  async function stop(signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS) {
    if (exited)
      return exited;
    expectedSignal = signal;
    proc.kill(signal);
    let timer;
    const late = new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`assidu still running ${timeoutMs} ms after ${signal}:\n${output}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([waitForExit(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const kill9 = () => stop('SIGKILL');

  // Stops the daemon if still running, then removes the data dir we made.
  async function cleanup() {
    if (!exited)
      await kill9();
    if (!ownDir)
      return;
    if (process.env.ASSIDU_KEEP) {
      process.stderr.write(`ASSIDU_KEEP: data dir kept at ${dataDir}\n`);
      return;
    }
    await fsp.rm(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  }

  const spawnFailed = new Promise((resolve, reject) => {
    proc.once('error', (err) => {
      running.delete(proc);
      reject(new Error(`cannot run ${BIN} (${err.code || err.message}); ` +
          'build it with ./dev build test or set ASSIDU_BIN'));
    });
  });

  let port;
  try {
    const m = await Promise.race([
      waitForLog(/\bevent=listening\b.*\baddr=(?:\[[^\]]*\]|[^\s:]+):(\d+)/,
          START_TIMEOUT_MS),
      spawnFailed,
    ]);
    port = Number(m[1]);
    started = true;
  } catch (err) {
    if (!exited)
      proc.kill('SIGKILL');
    if (ownDir && !process.env.ASSIDU_KEEP) {
      await fsp.rm(dataDir, { recursive: true, force: true });
      tempDirs.delete(dataDir);
    }
    throw err;
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    proc,
    log,
    waitForLog,
    stop,
    kill9,
    cleanup,
  };
}

// One HTTP request on a fresh connection (no keep-alive, no shared agent).
// The path is sent exactly as written in url, so tests can send `..` or
// percent-encoded segments that URL parsing would normalise away.
// opts: method (GET), headers, body (string, Buffer, or object sent as JSON),
// raw (true: body is resolved as a Buffer and json is left undefined),
// timeout (ms, 10000), origin (false: send no Origin header on a write).
// Resolves {status, headers (lower-case names), body, json} for any status.
export function request(url, opts = {}) {
  const { method = 'GET', headers = {}, raw = false, timeout = 10000 } = opts;
  const m = /^http:\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(.*)$/.exec(String(url));
  if (!m)
    throw new TypeError(`request: not an http:// URL: ${url}`);
  const [, host, port = '80', rest] = m;
  const reqPath = rest === '' ? '/' : (rest.startsWith('/') ? rest : '/' + rest);

  let body = opts.body;
  const hdrs = { ...headers };
  const has = (name) => Object.keys(hdrs).some((k) => k.toLowerCase() === name);
  // Like a browser, a write carries its page's Origin; origin: false (or an
  // explicit Origin header) lets CSRF tests send something else.
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method) && opts.origin !== false && !has('origin'))
    hdrs.Origin = `http://${host}:${port}`;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    body = JSON.stringify(body);
    if (!has('content-type'))
      hdrs['Content-Type'] = 'application/json';
  }
  if (body !== undefined && !has('content-length') && !has('transfer-encoding'))
    hdrs['Content-Length'] = Buffer.byteLength(body);

  return new Promise((resolve, reject) => {
    const req = http.request({
      host: host.replace(/^\[|\]$/g, ''),
      port: Number(port),
      method,
      path: reqPath,
      headers: hdrs,
      agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        if (raw)
          return resolve({ status: res.statusCode, headers: res.headers,
            body: buf, json: undefined });
        const text = buf.toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.setTimeout(timeout, () => {
      req.destroy(new Error(`request ${method} ${url}: no answer after ${timeout} ms`));
    });
    req.on('error', reject);
    if (body !== undefined)
      req.write(body);
    req.end();
  });
}

// A graceful stop at the end of a test file, so that a crash or a leak
// report at shutdown fails it; then the data dir goes.
export async function stopCleanly(daemon) {
  if (!daemon)
    return;
  try {
    const st = await daemon.stop('SIGTERM');
    if (st.code !== 0 || st.signal !== null)
      throw new Error(`assidu exited with code ${st.code} and signal ${st.signal} ` +
        `on SIGTERM:\n${daemon.log()}`);
  } finally {
    await daemon.cleanup();
  }
}
