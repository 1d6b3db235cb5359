// Uploading a package through the server, in pieces: only admins, offsets
// checked, hostile packages refused with nothing kept.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { buildCorpus, validPackage } from '../data/hostile.mjs';

let d;
const sess = {};

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(d.dataDir, 'assidu.conf'),
    '--data', d.dataDir, ...args], { input, encoding: 'utf8' });
}

async function login(email, password) {
  const r = await request(`${d.url}/api/v1/login`, { method: 'POST', body: { email, password } });
  assert.equal(r.status, 200, r.body);
  return { cookie: r.headers['set-cookie'][0].split(';')[0], csrf: r.json.csrf };
}

const call = (s, method, p, body, headers = {}) => request(`${d.url}${p}`, {
  method, body, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...headers } });

async function upload(s, bytes, pieces = 3) {
  const start = await call(s, 'POST', '/api/v1/uploads', {});
  assert.equal(start.status, 201, start.body);
  const id = start.json.id;
  const size = Math.ceil(bytes.length / pieces);
  for (let off = 0; off < bytes.length; off += size) {
    const r = await call(s, 'PUT', `/api/v1/uploads/${id}`, bytes.subarray(off, off + size),
      { 'Content-Type': 'application/octet-stream', 'X-Upload-Offset': String(off) });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.size, Math.min(off + size, bytes.length));
  }
  return id;
}

test('set up an admin and a learner', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  assert.equal(cli(['user', 'add', 'adm@organisme.fr', '--name', 'A', '--role', 'admin',
    '--password-stdin'], 'Admin-Des-Paquets-1\n').status, 0);
  assert.equal(cli(['user', 'add', 'lea@boulangerie.fr', '--name', 'L', '--role', 'learner',
    '--opca', 'unifaf', '--password-stdin'], 'Lea-Apprend-Vite-1\n').status, 0);
  sess.admin = await login('adm@organisme.fr', 'Admin-Des-Paquets-1');
  sess.learner = await login('lea@boulangerie.fr', 'Lea-Apprend-Vite-1');
});

test('an admin uploads a package in pieces and imports it; again is "already"', async () => {
  const zip = validPackage('2004');
  const id = await upload(sess.admin, zip);
  const r = await call(sess.admin, 'POST', `/api/v1/uploads/${id}/import`, { title: 'Essai 2004' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.already, false);
  assert.equal(r.json.package.title, 'Essai 2004');
  assert.equal(r.json.package.edition, '2004 4th Edition');
  assert.equal(r.json.package.scos, 2);
  assert.match(r.json.package.sha256, /^[0-9a-f]{64}$/);
  assert.ok(fs.existsSync(path.join(d.dataDir, 'packages', r.json.package.sha256, 'imsmanifest.xml')));
  // The upload is consumed.
  assert.equal((await call(sess.admin, 'POST', `/api/v1/uploads/${id}/import`, {})).status, 404);
  const list = await call(sess.admin, 'GET', '/api/v1/packages');
  assert.equal(list.json.length, 1);
  assert.equal(list.json[0].id, r.json.package.id);
  const again = await call(sess.admin, 'POST', `/api/v1/uploads/${await upload(sess.admin, zip, 1)}/import`, {});
  assert.equal(again.status, 201);
  assert.equal(again.json.already, true);
  assert.equal(again.json.package.id, r.json.package.id);
});

test('a wrong offset is refused with the size to resume from', async () => {
  const start = await call(sess.admin, 'POST', '/api/v1/uploads', {});
  const id = start.json.id;
  let r = await call(sess.admin, 'PUT', `/api/v1/uploads/${id}`, 'abcd',
    { 'Content-Type': 'application/octet-stream', 'X-Upload-Offset': '0' });
  assert.equal(r.status, 200);
  r = await call(sess.admin, 'PUT', `/api/v1/uploads/${id}`, 'abcd',
    { 'Content-Type': 'application/octet-stream', 'X-Upload-Offset': '0' });
  assert.equal(r.status, 409);
  assert.equal(r.headers['x-upload-offset'], '4');
  r = await call(sess.admin, 'PUT', `/api/v1/uploads/../../assidu.db`, 'x',
    { 'Content-Type': 'application/octet-stream', 'X-Upload-Offset': '0' });
  assert.equal(r.status, 404);
  r = await call(sess.admin, 'PUT', `/api/v1/uploads/${'a'.repeat(32)}`, 'x',
    { 'Content-Type': 'application/octet-stream', 'X-Upload-Offset': '0' });
  assert.equal(r.status, 404);
});

test('only admins upload', async () => {
  assert.equal((await call(sess.learner, 'POST', '/api/v1/uploads', {})).status, 403);
  assert.equal((await call(sess.learner, 'GET', '/api/v1/packages')).status, 403);
  assert.equal((await request(`${d.url}/api/v1/uploads`, { method: 'POST', body: {} })).status, 401);
});

test('a hostile upload is refused in French and leaves nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-up-'));
  try {
    const cases = buildCorpus(dir).filter((c) => /slip|XXE|symlink|bomb/i.test(c.name)).slice(0, 4);
    assert.ok(cases.length >= 3);
    const ids = [];
    for (const c of cases) {
      const id = await upload(sess.admin, fs.readFileSync(c.file), 2);
      ids.push(id);
      const r = await call(sess.admin, 'POST', `/api/v1/uploads/${id}/import`, {});
      assert.equal(r.status, 422, `${c.name}: ${r.body}`);
      assert.match(r.json.error.detail, c.expect, c.name);
    }
    assert.equal(fs.readdirSync(path.join(d.dataDir, 'packages')).length, 1);
    // No staging directory, and the refused uploads are gone (only the
    // one abandoned by the offset test stays, until a purge).
    const left = fs.readdirSync(path.join(d.dataDir, 'tmp'));
    assert.deepEqual(left.filter((f) => f.startsWith('import-')), []);
    for (const id of ids)
      assert.ok(!left.includes(`upload-${id}.zip`), `upload ${id} kept`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await d.cleanup();
  }
});
