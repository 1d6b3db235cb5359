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

test('the learner\'s course carries each unit\'s record; the relevé de connexions is a French CSV',
  async () => {
    const s = await open('ITEM-2');
    await advance(30000);
    await beat(s);
    const c = await call(lea, `/api/v1/runtime/sessions/${s}/commits`, { seq: 1, finish: true,
      values: [['cmi.core.score.raw', '85'], ['cmi.core.lesson_status', 'completed'],
        ['cmi.core.session_time', '00:01:10']] });
    assert.equal(c.status, 200, c.body);
    const r = await request(`${d.url}/api/v1/me/course`, { headers: { Cookie: lea.cookie } });
    assert.equal(r.status, 200, r.body);
    const e = r.json.enrolments[0];
    const units = e.weeks[0].units;
    const byItem = Object.fromEntries(units.map((u) => [u.item, u]));
    const two = byItem['ITEM-2'].progress;
    const dbTwo = sql(`SELECT count(s.id) || ' ' || sum(s.measured_ms) || ' ' || sum(s.visits)
      FROM rte_sessions s JOIN attempts a ON a.id = s.attempt_id
      WHERE a.item = 'ITEM-2' AND a.user_id = (SELECT id FROM users WHERE email = 'lea@boulangerie.fr')`);
    assert.equal(`${two.sessions} ${two.measured_ms} ${two.visits}`, dbTwo);
    assert.equal(two.completion, 'completed');
    assert.equal(two.score, '85');
    assert.ok(two.reported_ms >= 70000, `reported ${two.reported_ms}`);
    assert.match(two.first_access, /^\d{4}-\d\d-\d\dT/);
    assert.equal(byItem['ITEM-1'].progress.completion, 'not attempted');
    assert.equal(e.weeks[0].done, 1);
    assert.equal(e.next.item, 'ITEM-1', 'what is next: the open unit not completed');

    const csv = await request(`${d.url}/api/v1/me/releve.csv`, { headers: { Cookie: lea.cookie },
      raw: true });
    assert.equal(csv.status, 200);
    assert.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
    assert.match(csv.headers['content-disposition'], /attachment; filename="releve-connexions.csv"/);
    const bytes = csv.body;
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines.pop(), '', 'CRLF line ends, the last one too');
    assert.equal(lines[0], 'Session;Semaine;Unité;Durée estimée (min);Première connexion;' +
      'Dernière connexion;Connexions;Temps mesuré;Temps déclaré par l\'unité;Écart;' +
      'Avancement;Réussite;Score');
    assert.equal(lines.length, 1 + units.length);
    const row = lines.find((l) => l.split(';')[2] === byItem['ITEM-2'].title).split(';');
    assert.match(row[4], /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
    assert.equal(row[6], String(two.visits));
    const [h, m, sec] = row[7].split(':').map(Number);
    assert.equal(h * 3600 + m * 60 + sec, Math.floor(two.measured_ms / 1000));
    assert.equal(row[9], '', 'no gap: the two clocks differ by less than 5 minutes');
    assert.equal(row[10], 'terminé');
    assert.equal(row[12], '85');
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
