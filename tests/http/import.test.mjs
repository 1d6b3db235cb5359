// Black-box tests of SCORM package import and content serving (DESIGN §4,
// §10; issue 5): every hostile or broken package of tests/data/hostile.mjs
// is refused by `assidu import` with its French message and leaves nothing
// behind, inside the data dir or outside; valid SCORM 1.2 and 2004 packages
// import, content-addressed and idempotently; their files are served under
// /content/SHA256/PATH to signed-in users only, with immutable caching,
// ETag/304, byte ranges, and no way out of the package.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { buildCorpus, validEntries, validPackage } from '../data/hostile.mjs';

const FAST = { scrypt_log2n: 10 };
const ADMIN = { email: 'admin@x.fr', password: 'Import-Paquets-2026' };
const IMPORTED = /^package ([0-9a-f]{64}) imported: 2 SCOs \(SCORM (1\.2|2004 4th Edition)\)/m;
const ALREADY = /^package ([0-9a-f]{64}) already imported: 2 SCOs \(SCORM (1\.2|2004 4th Edition)\)/m;
const SANITIZER = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

// Everything this file writes lives under one sandbox, removed at the end.
const SANDBOX = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-import-'));
const CORPUS = buildCorpus(path.join(SANDBOX, 'corpus'));
const OUTSIDE = new Set();  // directories an escape may have reached
after(() => {
  // Should a check ever fail, do not leave its planted files around.
  for (const dir of OUTSIDE)
    for (const c of CORPUS)
      for (const name of c.escapes)
        fs.rmSync(path.join(dir, name), { force: true });
  if (process.env.ASSIDU_KEEP)
    process.stderr.write(`ASSIDU_KEEP: import sandbox kept at ${SANDBOX}\n`);
  else
    fs.rmSync(SANDBOX, { recursive: true, force: true });
});

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

// `assidu import` on a data dir, from a working directory of its own (so
// that a path relative to the cwd lands somewhere we look).
function runImport(dataDir, file, extra = []) {
  const cwd = path.join(dataDir, '..', 'cwd');
  fs.mkdirSync(cwd, { recursive: true });
  const r = spawnSync(BIN, ['--data', dataDir, 'import', file, ...extra], {
    cwd, encoding: 'utf8', timeout: 120000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error)
    throw new Error(`cannot run ${BIN} (${r.error.code || r.error.message}); ` +
      'build it with ./dev build test or set ASSIDU_BIN');
  assert.doesNotMatch(r.stderr, SANITIZER, r.stderr);
  return { ...r, cwd };
}

function sql(dataDir, query) {
  return execFileSync('sqlite3', [path.join(dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

// Every path under dir, relative, directories with a final '/'; symlinks
// are listed (never followed) with a final '@'.
function tree(dir) {
  const out = [];
  (function walk(rel) {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isSymbolicLink())
        out.push(`${r}@`);
      else if (d.isDirectory()) {
        out.push(`${r}/`);
        walk(r);
      } else
        out.push(r);
    }
  })('');
  return out.sort();
}

function ancestors(dir) {
  const out = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d))
      return out;
  }
}

// A failed import left nothing: no package directory, nothing staged, no
// row, no audit entry, and none of the names it tried to plant anywhere
// we can think of.
function assertNothingLeft(dataDir, cwd, c, before = { packages: [], rows: '0' }) {
  const inside = tree(dataDir);
  const places = new Set([...ancestors(dataDir), ...ancestors(cwd), os.tmpdir(), '/tmp',
    path.dirname(c.file)]);
  for (const dir of places)
    OUTSIDE.add(dir);
  for (const name of c.escapes) {
    for (const dir of places)
      assert.ok(!fs.existsSync(path.join(dir, name)),
        `${c.name}: ${path.join(dir, name)} was written`);
    assert.deepEqual(inside.filter((p) => path.basename(p) === name), [],
      `${c.name}: ${name} was written inside the data dir`);
  }
  assert.deepEqual(inside.filter((p) => p.endsWith('@')), [],
    `${c.name}: a symlink was created`);
  const pkgs = path.join(dataDir, 'packages');
  if (fs.existsSync(pkgs))
    assert.deepEqual(fs.readdirSync(pkgs).sort(), before.packages,
      `${c.name}: something was stored under packages/`);
  const tmp = path.join(dataDir, 'tmp');
  if (fs.existsSync(tmp))
    assert.deepEqual(tree(tmp), [], `${c.name}: staging left under tmp/`);
  if (fs.existsSync(path.join(dataDir, 'assidu.db'))) {
    assert.equal(sql(dataDir, 'SELECT count(*) FROM packages'), before.rows,
      `${c.name}: a package row was written`);
    assert.equal(sql(dataDir, "SELECT count(*) FROM audit WHERE action LIKE 'package.%'"),
      before.rows, `${c.name}: an import was audited`);
  }
}

for (const c of CORPUS) {
  test(`refused: ${c.name}`, () => {
    const dataDir = path.join(SANDBOX, 'hostile', c.id, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const r = runImport(dataDir, c.file);
    assert.equal(r.status, 1, `exit status ${r.status} (signal ${r.signal})\n` +
      `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.ok(r.stderr.split('\n').some((line) => c.expect.test(line)),
      `no line matching ${c.expect} in stderr:\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /imported/);
    assertNothingLeft(dataDir, r.cwd, c);
  });
}

// One data dir for the valid packages and the daemon that serves them.
const DATA = path.join(SANDBOX, 'valid', 'data');
fs.mkdirSync(DATA, { recursive: true });
const PKG = {};   // version -> { file, zip, entries, sha }

for (const [version, edition] of [['1.2', '1.2'], ['2004', '2004 4th Edition']]) {
  test(`a valid SCORM ${edition} package imports, stored by its SHA-256`, () => {
    const zip = validPackage(version);
    const file = path.join(SANDBOX, `valid-${version}.zip`);
    fs.writeFileSync(file, zip);
    const r = runImport(DATA, file);
    assert.equal(r.status, 0, r.stderr);
    const m = IMPORTED.exec(r.stdout);
    assert.ok(m, `stdout does not match ${IMPORTED}: ${r.stdout}`);
    assert.equal(m[2], edition);
    const sha = m[1];
    assert.equal(sha, sha256(zip), 'the package is named by the SHA-256 of its zip');
    const entries = validEntries(version);
    PKG[version] = { file, zip, entries, sha };

    // Exactly the zip's entries, byte for byte.
    const dir = path.join(DATA, 'packages', sha);
    assert.ok(fs.existsSync(path.join(dir, 'imsmanifest.xml')));
    assert.deepEqual(tree(dir), entries.map((e) => e.name).sort());
    for (const e of entries) {
      if (e.name.endsWith('/'))
        continue;
      const want = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
      assert.ok(fs.readFileSync(path.join(dir, e.name)).equals(want), `${e.name} differs`);
    }
    assert.deepEqual(tree(path.join(DATA, 'tmp')), [], 'staging left under tmp/');
    assert.equal(sql(DATA, `SELECT count(*) FROM packages WHERE sha256 = '${sha}'`), '1');
  });
}

test('the two versions are two packages', () => {
  assert.notEqual(PKG['1.2'].sha, PKG['2004'].sha);
  assert.deepEqual(fs.readdirSync(path.join(DATA, 'packages')).sort(),
    [PKG['1.2'].sha, PKG['2004'].sha].sort());
  assert.equal(sql(DATA, 'SELECT count(*) FROM packages'), '2');
});

test('importing the same file again is idempotent', () => {
  const audits = sql(DATA, "SELECT count(*) FROM audit WHERE action LIKE 'package.%'");
  for (const version of ['1.2', '2004']) {
    const p = PKG[version];
    const dir = path.join(DATA, 'packages', p.sha);
    const mtime = fs.statSync(path.join(dir, 'imsmanifest.xml')).mtimeMs;
    const r = runImport(DATA, p.file);
    assert.equal(r.status, 0, r.stderr);
    const m = ALREADY.exec(r.stdout);
    assert.ok(m, `stdout does not say "already imported": ${r.stdout}`);
    assert.equal(m[1], p.sha);
    assert.equal(fs.statSync(path.join(dir, 'imsmanifest.xml')).mtimeMs, mtime,
      'the stored files were rewritten');
  }
  assert.equal(sql(DATA, 'SELECT count(*) FROM packages'), '2');
  assert.equal(sql(DATA, "SELECT count(*) FROM audit WHERE action LIKE 'package.%'"), audits);
  assert.deepEqual(fs.readdirSync(path.join(DATA, 'packages')).sort(),
    [PKG['1.2'].sha, PKG['2004'].sha].sort());
  assert.deepEqual(tree(path.join(DATA, 'tmp')), []);
});

test('a hostile package next to imported ones changes nothing', () => {
  const before = {
    packages: fs.readdirSync(path.join(DATA, 'packages')).sort(),
    rows: sql(DATA, 'SELECT count(*) FROM packages'),
  };
  const listing = tree(path.join(DATA, 'packages'));
  for (const id of ['zip-slip', 'symlink-through', 'bomb-lying', 'missing-resource']) {
    const c = CORPUS.find((x) => x.id === id);
    const r = runImport(DATA, c.file);
    assert.equal(r.status, 1, `${c.name}: exit ${r.status}\n${r.stderr}`);
    assert.ok(r.stderr.split('\n').some((line) => c.expect.test(line)), r.stderr);
    assertNothingLeft(DATA, r.cwd, c, before);
    assert.deepEqual(tree(path.join(DATA, 'packages')), listing);
  }
});

// The daemon on the same data, an admin signed in.
let d;
let cookie;

function get(p, headers = {}, withCookie = true) {
  return request(`${d.url}${p}`, { raw: true,
    headers: { ...(withCookie ? { Cookie: cookie } : {}), ...headers } });
}

test('set up: daemon on the imported packages, an admin signed in', async () => {
  d = await startDaemon({ dataDir: DATA, config: FAST });
  const r = spawnSync(BIN, ['--config', path.join(DATA, 'assidu.conf'), '--data', DATA,
    'user', 'add', ADMIN.email, '--name', 'A', '--role', 'admin', '--password-stdin'],
  { encoding: 'utf8', input: `${ADMIN.password}\n` });
  assert.equal(r.status, 0, r.stderr);
  const login = await request(`${d.url}/api/v1/login`, { method: 'POST',
    body: { email: ADMIN.email, password: ADMIN.password } });
  assert.equal(login.status, 200, login.body);
  cookie = `assidu_session=${/^assidu_session=([^;]+)/.exec(login.headers['set-cookie'][0])[1]}`;
});

test('package content needs a session', async () => {
  const sha = PKG['1.2'].sha;
  for (const p of [`/content/${sha}/sco1/index.html`, `/content/${sha}/imsmanifest.xml`,
    `/content/${sha}/commun/logo.png`]) {
    const r = await get(p, {}, false);
    assert.equal(r.status, 401, p);
    assert.ok(!r.body.includes('LMSInitialize'), `${p}: content sent without a session`);
  }
  const bad = await get(`/content/${sha}/sco1/index.html`,
    { Cookie: 'assidu_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, false);
  assert.equal(bad.status, 401);
});

const MIME = [
  ['sco1/index.html', /^text\/html\b/],
  ['sco2/index.html', /^text\/html\b/],
  ['commun/glossaire.html', /^text\/html\b/],
  ['commun/style.css', /^text\/css\b/],
  ['commun/logo.png', /^image\/png$/],
  ['commun/résumé.txt', /^text\/plain\b/],
  ['commun/données.xyz', /^application\/octet-stream$/],
  ['imsmanifest.xml', /^(application|text)\/xml\b/],
];

function url(sha, name) {
  return `/content/${sha}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

test('package files are served with their bytes and MIME type', async () => {
  for (const version of ['1.2', '2004']) {
    const { sha, entries } = PKG[version];
    for (const [name, type] of MIME) {
      const e = entries.find((x) => x.name === name);
      const r = await get(url(sha, name));
      assert.equal(r.status, 200, `${version} ${name}`);
      assert.match(r.headers['content-type'], type, `${version} ${name}`);
      const want = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
      assert.ok(r.body.equals(want), `${version} ${name}: wrong bytes`);
      assert.equal(Number(r.headers['content-length']), want.length);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
  }
});

test('package files are immutable: Cache-Control, ETag, 304', async () => {
  const { sha } = PKG['2004'];
  const etags = new Set();
  for (const name of ['sco1/index.html', 'commun/style.css', 'commun/logo.png']) {
    const r = await get(url(sha, name));
    assert.equal(r.status, 200);
    assert.match(r.headers['cache-control'], /\bimmutable\b/);
    assert.match(r.headers['cache-control'], /\bmax-age=\d{7,}\b/);
    const etag = r.headers.etag;
    assert.match(etag, /^(W\/)?"[^"]+"$/);
    etags.add(etag);
    const again = await get(url(sha, name));
    assert.equal(again.headers.etag, etag, 'the ETag is stable');
    const nm = await get(url(sha, name), { 'If-None-Match': etag });
    assert.equal(nm.status, 304, name);
    assert.equal(nm.body.length, 0);
    assert.equal(nm.headers.etag, etag);
    const other = await get(url(sha, name), { 'If-None-Match': '"autre-chose"' });
    assert.equal(other.status, 200);
  }
  assert.equal(etags.size, 3, 'each file has its own ETag');
});

test('byte ranges: 206 with Content-Range, 416 out of the file', async () => {
  const { sha, entries } = PKG['1.2'];
  for (const name of ['sco1/index.html', 'commun/logo.png']) {
    const e = entries.find((x) => x.name === name);
    const want = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const n = want.length;
    const r = await get(url(sha, name), { Range: 'bytes=0-9' });
    assert.equal(r.status, 206, name);
    assert.equal(r.headers['content-range'], `bytes 0-9/${n}`);
    assert.equal(r.body.length, 10);
    assert.ok(r.body.equals(want.subarray(0, 10)));
    const tail = await get(url(sha, name), { Range: 'bytes=-5' });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers['content-range'], `bytes ${n - 5}-${n - 1}/${n}`);
    assert.ok(tail.body.equals(want.subarray(n - 5)));
    const out = await get(url(sha, name), { Range: `bytes=${n}-` });
    assert.equal(out.status, 416, name);
    assert.equal(out.headers['content-range'], `bytes */${n}`);
    const far = await get(url(sha, name), { Range: 'bytes=1000000-1000009' });
    assert.equal(far.status, 416);
  }
});

test('no way out of a package: traversal, encoded or not, is a 404', async () => {
  const { sha } = PKG['1.2'];
  const attempts = [
    `/content/${sha}/../../assidu.db`,
    `/content/${sha}/sco1/../../../assidu.db`,
    `/content/${sha}/%2e%2e/%2e%2e/assidu.db`,
    `/content/${sha}/%2E%2E/%2E%2E/assidu.db`,
    `/content/${sha}/..%2f..%2fassidu.db`,
    `/content/${sha}/%2e%2e%2f%2e%2e%2fassidu.db`,
    `/content/${sha}/..%5c..%5cassidu.db`,
    `/content/${sha}/%c0%ae%c0%ae/%c0%ae%c0%ae/assidu.db`,
    `/content/${sha}/%252e%252e/%252e%252e/assidu.db`,
    `/content/${sha}//etc/passwd`,
    `/content/${sha}/%2fetc%2fpasswd`,
    `/content/${sha}/sco1/index.html%00.png`,
    `/content/${sha}/..`,
    `/content/..%2f..%2fassidu.db/x`,
  ];
  for (const p of attempts) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.ok(!r.body.includes('SQLite format 3'), `${p}: the database was served`);
    assert.ok(!r.body.includes('root:'), `${p}: /etc/passwd was served`);
  }
});

test('an unknown package is a 404', async () => {
  for (const p of [`/content/${'0'.repeat(64)}/sco1/index.html`,
    `/content/${'0'.repeat(64)}/imsmanifest.xml`,
    `/content/${PKG['1.2'].sha.slice(0, 63)}/sco1/index.html`,
    `/content/${PKG['1.2'].sha}0/sco1/index.html`,
    '/content/abc/sco1/index.html']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
  }
  // A file that is not in a known package.
  const r = await get(`/content/${PKG['1.2'].sha}/sco3/index.html`);
  assert.equal(r.status, 404);
});

test('tear down', async () => {
  if (!d)
    return;
  await d.stop();
  assert.doesNotMatch(d.log(), SANITIZER);
});
