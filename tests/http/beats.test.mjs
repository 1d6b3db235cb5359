// Connection time on the server (DESIGN §5), with the test clock: only
// active intervals earn, at most 60 s each; silence over 90 s ends a visit
// and earns nothing; a crash loses at most one interval; two tabs are not
// credited twice; a finished session takes no heartbeat.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const PW = 'Apprendre-Sans-Perdre-1';
let d;
let lea;
let other;
const pkg = {};

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(d.dataDir, 'assidu.conf'),
    '--data', d.dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(d.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

async function login(email) {
  const r = await request(`${d.url}/api/v1/login`, { method: 'POST', body: { email, password: PW } });
  assert.equal(r.status, 200, r.body);
  return { cookie: r.headers['set-cookie'][0].split(';')[0], csrf: r.json.csrf };
}

const call = (s, p, body) => request(`${d.url}${p}`, { method: 'POST', body,
  headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });

async function open(item) {
  const r = await call(lea, '/api/v1/runtime/sessions', { package: pkg.id, item });
  assert.equal(r.status, 201, r.body);
  return r.json.session;
}

let offset = 0;
async function advance(ms) {
  offset += ms;
  const r = await request(`${d.url}/api/v1/test/clock`, { method: 'POST', body: { offset_ms: offset } });
  assert.equal(r.status, 200, r.body);
}

async function beat(session, active = true, who = lea) {
  const r = await call(who, `/api/v1/runtime/sessions/${session}/beats`, { active });
  return r;
}

// Real time passes too between the test's steps: allow 2 s per interval.
function near(actual, expected, intervals = 1, what = '') {
  assert.ok(actual >= expected && actual <= expected + 2000 * intervals,
    `${what} ${actual} ms, expected ${expected} ms`);
}

const measured = (session) => Number(sql(`SELECT measured_ms FROM rte_sessions WHERE id = ${session}`));

test('set up a learner enrolled in a package with two SCOs', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const email of ['lea@boulangerie.fr', 'karim@garage.fr']) {
    const r = cli(['user', 'add', email, '--name', 'X Y', '--role', 'learner', '--opca', 'unifaf',
      '--password-stdin'], `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-beats-'));
  fs.writeFileSync(path.join(dir, 'p.zip'), validPackage('1.2'));
  assert.equal(cli(['import', path.join(dir, 'p.zip')]).status, 0);
  fs.rmSync(dir, { recursive: true });
  pkg.id = Number(sql('SELECT id FROM packages'));
  enrolInCourse(cli, [{ package: pkg.id, item: 'ITEM-1' }, { package: pkg.id, item: 'ITEM-2' }],
    ['lea@boulangerie.fr']);
  lea = await login('lea@boulangerie.fr');
  other = await login('karim@garage.fr');
});

test('active intervals earn their length on the server clock, capped at 60 s', async () => {
  const s = await open('ITEM-1');
  await advance(30000);
  let r = await beat(s);
  assert.equal(r.status, 200, r.body);
  near(r.json.credited_ms, 30000);
  await advance(75000);
  r = await beat(s);
  assert.equal(r.json.credited_ms, 60000, 'one interval earns 60 s at most');
  near(measured(s), 90000);
  assert.equal(r.json.measured_ms, measured(s));
});

test('an idle or hidden tab earns nothing; 90 s of silence starts a new visit', async () => {
  const s = await open('ITEM-1');
  await advance(30000);
  let r = await beat(s, false);
  assert.equal(r.json.credited_ms, 0, 'inactive: the learner did nothing for 5 minutes');
  await advance(10 * 60000);   // a hidden tab sends nothing
  r = await beat(s);
  assert.equal(r.json.credited_ms, 0, 'after silence nothing is earned');
  assert.equal(r.json.new_visit, true);
  await advance(30000);
  r = await beat(s);
  near(r.json.credited_ms, 30000);
  assert.equal(measured(s), r.json.credited_ms);
  assert.equal(sql(`SELECT visits FROM rte_sessions WHERE id = ${s}`), '2');
});

test('a crash loses at most the interval after the last heartbeat', async () => {
  const s = await open('ITEM-2');
  for (let i = 0; i < 4; i++) {
    await advance(30000);
    near((await beat(s)).json.credited_ms, 30000);
  }
  const acknowledged = measured(s);
  await advance(25000);   // the browser dies here: no more heartbeats
  await d.kill9();
  d = await startDaemon({ dataDir: d.dataDir, config: { scrypt_log2n: 10 } });
  await advance(0);   // the restarted server's test clock where it was
  assert.equal(measured(s), acknowledged, 'every acknowledged heartbeat is kept');
  near(acknowledged, 120000, 4, 'and only those: the last 25 s are lost');
});

test('two tabs open at once are not credited twice', async () => {
  const before = Number(sql('SELECT sum(measured_ms) FROM rte_sessions'));
  const a = await open('ITEM-1');
  const b = await open('ITEM-2');
  // Both tabs active, their heartbeats interleaved every 15 s for 2 min.
  let total = 0;
  for (let i = 0; i < 8; i++) {
    await advance(15000);
    const r = await beat(i % 2 === 0 ? a : b);
    assert.equal(r.status, 200, r.body);
    total += r.json.credited_ms;
  }
  assert.ok(total <= 120000 + 8 * 2000, `two tabs earned ${total} ms in 120 s`);
  assert.ok(total >= 105000, `but the learner was there: ${total} ms`);
  assert.equal(Number(sql('SELECT sum(measured_ms) FROM rte_sessions')) - before, total);
});

test('a finished session, another learner and a bad body are refused; heartbeats are append-only',
  async () => {
    const s = await open('ITEM-1');
    await advance(20000);
    await beat(s);
    const c = await call(lea, `/api/v1/runtime/sessions/${s}/commits`,
      { seq: 1, values: [['cmi.core.exit', 'suspend']], finish: true });
    assert.equal(c.status, 200, c.body);
    const rows = sql('SELECT count(*) FROM beats');
    await advance(20000);
    assert.equal((await beat(s)).status, 409);
    assert.equal((await beat(s, true, other)).status, 404);
    const bad = await call(lea, `/api/v1/runtime/sessions/${s}/beats`, { active: 'oui' });
    assert.equal(bad.status, 422);
    assert.equal(sql('SELECT count(*) FROM beats'), rows);
    assert.throws(() => sql('UPDATE beats SET credited_ms = 999999'), /append-only/);
    assert.throws(() => sql('DELETE FROM beats'), /append-only/);
    await d.stop();
  });
