// Black-box tests of the SCORM run-time endpoints against a real daemon:
// opening sessions (entry, resume, new attempts), commits (validation by
// the server, idempotent retries, all or nothing), derived values, beacons,
// CSRF, other learners' sessions, and durability across kill -9.
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
const sess = {};
const pkg = {};
const users = {};

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
  return { cookie: r.headers['set-cookie'][0].split(';')[0], csrf: r.json.csrf, id: r.json.user.id };
}

const call = (s, method, p, body, headers = {}, extra = {}) => request(`${d.url}${p}`, {
  method, body, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...headers }, ...extra });

async function open(s, packageId, item) {
  return call(s, 'POST', '/api/v1/runtime/sessions', { package: packageId, item });
}

function commit(s, session, seq, values, finish = false) {
  return call(s, 'POST', `/api/v1/runtime/sessions/${session}/commits`, { seq, values, finish });
}

const valuesOf = (r) => Object.fromEntries(r.json.values);

// A CMITimespan or an ISO 8601 duration in seconds (what total_time holds).
function seconds(t) {
  let m = /^(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)$/.exec(t);
  if (m)
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(t);
  assert.ok(m, `not a duration: ${t}`);
  return Number(m[1] || 0) * 86400 + Number(m[2] || 0) * 3600 + Number(m[3] || 0) * 60 +
    Number(m[4] || 0);
}

test('set up learners, a funder and one package of each version', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const [key, email, name, role, opca] of [
    ['lea', 'lea@boulangerie.fr', 'Léa Durand', 'learner', 'unifaf'],
    ['karim', 'karim@garage.fr', 'Karim Benali', 'learner', 'unifaf'],
    ['funder', 'controle@financeur.fr', 'Sophie Bernard', 'funder', null],
    ['zoe', 'zoe@fleuriste.fr', 'Zoé Martin', 'learner', 'unifaf'],
  ]) {
    const args = ['user', 'add', email, '--name', name, '--role', role, '--password-stdin'];
    if (opca)
      args.push('--opca', opca);
    const r = cli(args, `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
    sess[key] = await login(email);
    users[key] = email;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-rte-'));
  for (const v of ['1.2', '2004']) {
    const file = path.join(dir, `essai-${v}.zip`);
    fs.writeFileSync(file, validPackage(v));
    const r = cli(['import', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported/);
    pkg[v] = Number(sql(`SELECT id FROM packages WHERE version = ${v === '1.2' ? 12 : 2004}`));
  }
  fs.rmSync(dir, { recursive: true });
  enrolInCourse(cli, [{ package: pkg['1.2'], item: 'ITEM-1' },
    { package: pkg['1.2'], item: 'ITEM-2' }, { package: pkg['2004'], item: 'ITEM-1' },
    { package: pkg['2004'], item: 'ITEM-2', week: 2 }], [users.lea, users.karim]);
});

test('a learner opens only the units of their enrolment, once their week is open', async () => {
  const before = sql('SELECT count(*) FROM rte_sessions');
  let r = await open(sess.zoe, pkg['1.2'], 'ITEM-1');
  assert.equal(r.status, 403, r.body);
  assert.match(r.json.error.detail, /ne fait pas partie de votre parcours/);
  r = await open(sess.lea, pkg['2004'], 'ITEM-2');
  assert.equal(r.status, 403, r.body);
  assert.match(r.json.error.detail, /ouvre le/);
  assert.equal(sql('SELECT count(*) FROM rte_sessions'), before);
});

test('the data model is served to signed-in users and matches the CLI export', async () => {
  const r = await call(sess.lea, 'GET', '/api/v1/runtime/datamodel');
  assert.equal(r.status, 200);
  const cli12 = JSON.parse(cli(['datamodel', '--json']).stdout);
  assert.deepEqual(r.json, cli12);
  for (const name of ['cmi.core.lesson_status', 'cmi.suspend_data', 'cmi.completion_status',
    'adl.nav.request'])
    assert.ok(r.body.includes(`"${name}"`), `${name} in the model`);
  assert.equal((await request(`${d.url}/api/v1/runtime/datamodel`)).status, 401);
});

test('SCORM 1.2: first launch is ab-initio with the learner and the LMS values', async () => {
  const r = await open(sess.lea, pkg['1.2'], 'ITEM-1');
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.version, 12);
  assert.equal(r.json.entry, 'ab-initio');
  assert.equal(r.json.seq, 0);
  const v = valuesOf(r);
  assert.equal(v['cmi.core.student_id'], String(sess.lea.id));
  assert.equal(v['cmi.core.student_name'], 'Durand, Léa');
  assert.equal(v['cmi.core.entry'], 'ab-initio');
  assert.equal(v['cmi.core.credit'], 'credit');
  assert.equal(v['cmi.core.lesson_mode'], 'normal');
  assert.equal(v['cmi.core.lesson_status'], 'not attempted');
  assert.equal(seconds(v['cmi.core.total_time']), 0);
  sess.lea.s12 = r.json.session;
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'rte.attempt.start'`), '1');
});

test('SCORM 1.2: a commit is stored once, a retry of its seq is a duplicate', async () => {
  const values = [['cmi.core.lesson_location', 'page-3'], ['cmi.suspend_data', 'p=3;q=1,0,1'],
    ['cmi.core.lesson_status', 'incomplete'], ['cmi.core.session_time', '00:05:30']];
  let r = await commit(sess.lea, sess.lea.s12, 1, values);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { seq: 1, duplicate: false });
  r = await commit(sess.lea, sess.lea.s12, 1, values);
  assert.deepEqual(r.json, { seq: 1, duplicate: true });
  assert.equal(sql(`SELECT count(*) FROM rte_commits WHERE session_id = ${sess.lea.s12}`), '1');
  assert.equal(sql(`SELECT value FROM cmi_values WHERE name = 'cmi.core.lesson_location'`),
    'page-3');
  assert.equal(sql(`SELECT session_cs FROM rte_sessions WHERE id = ${sess.lea.s12}`), '33000');
});

test('SCORM 1.2: a refused value refuses the whole commit and changes nothing', async () => {
  const before = sql(`SELECT group_concat(name || '=' || value, '|') FROM cmi_values`);
  for (const [values, code] of [
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core.score.raw', 'beaucoup']], 405],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core.score.raw', '101']], 405],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core.lesson_status', 'réussi']], 405],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core.student_id', 'quelquun']], 403],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core._children', 'x']], 402],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.core.session_time', '5 minutes']], 405],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.interactions.5.id', 'q5']], 201],
    [[['cmi.core.lesson_location', 'page-9'], ['cmi.inconnu', 'x']], 201],
  ]) {
    const r = await commit(sess.lea, sess.lea.s12, 2, values);
    assert.equal(r.status, 422, `${values[1][0]}=${values[1][1]}: ${r.body}`);
    assert.equal(r.json.error.code, 'cmi');
    assert.equal(r.json.element, values[1][0]);
    assert.equal(r.json.scorm_error, code, values[1].join('='));
    assert.match(r.json.error.detail, /refusée/);
  }
  assert.equal(sql(`SELECT group_concat(name || '=' || value, '|') FROM cmi_values`), before);
  assert.equal(sql(`SELECT last_seq FROM rte_sessions WHERE id = ${sess.lea.s12}`), '1');
  // The same seq, now valid, is applied: refused commits use no number.
  const r = await commit(sess.lea, sess.lea.s12, 2, [['cmi.interactions.0.id', 'q1'],
    ['cmi.interactions.0.type', 'choice'], ['cmi.interactions.0.student_response', 'a'],
    ['cmi.interactions.0.result', 'correct']]);
  assert.equal(r.status, 200, r.body);
});

test('SCORM 1.2: exit=suspend then reopening resumes with the saved data and time', async () => {
  let r = await commit(sess.lea, sess.lea.s12, 3, [['cmi.core.exit', 'suspend'],
    ['cmi.core.session_time', '00:06:00']], true);
  assert.equal(r.status, 200, r.body);
  r = await commit(sess.lea, sess.lea.s12, 4, [['cmi.core.lesson_location', 'page-4']]);
  assert.equal(r.status, 409, 'no commit after the session finished');
  assert.deepEqual((await commit(sess.lea, sess.lea.s12, 3, [])).json,
    { seq: 3, duplicate: true }, 'but a retry of the finishing one is fine');

  r = await open(sess.lea, pkg['1.2'], 'ITEM-1');
  assert.equal(r.status, 201);
  assert.equal(r.json.entry, 'resume');
  const v = valuesOf(r);
  assert.equal(v['cmi.core.entry'], 'resume');
  assert.equal(v['cmi.core.lesson_location'], 'page-3');
  assert.equal(v['cmi.suspend_data'], 'p=3;q=1,0,1');
  assert.equal(v['cmi.core.lesson_status'], 'incomplete');
  assert.equal(v['cmi.interactions.0.id'], 'q1');
  assert.equal(seconds(v['cmi.core.total_time']), 360);
  assert.equal(v['cmi.core.exit'], undefined, 'exit belongs to the last session');
  assert.equal(v['cmi.core.session_time'], undefined);
  assert.equal(sql(`SELECT count(DISTINCT attempt_id) FROM rte_sessions s JOIN attempts a
    ON a.id = s.attempt_id WHERE a.user_id = ${sess.lea.id} AND a.item = 'ITEM-1'`), '1');
  sess.lea.s12b = r.json.session;
});

test('SCORM 1.2: the mastery score decides passed or failed at LMSFinish', async () => {
  let r = await open(sess.lea, pkg['1.2'], 'ITEM-2');
  assert.equal(valuesOf(r)['cmi.student_data.mastery_score'], '70');
  r = await commit(sess.lea, r.json.session, 1, [['cmi.core.score.raw', '85'],
    ['cmi.core.lesson_status', 'completed']], true);
  assert.equal(r.status, 200, r.body);
  r = await open(sess.lea, pkg['1.2'], 'ITEM-2');
  assert.equal(valuesOf(r)['cmi.core.lesson_status'], 'passed');
  r = await commit(sess.lea, r.json.session, 1, [['cmi.core.score.raw', '40']], true);
  r = await open(sess.lea, pkg['1.2'], 'ITEM-2');
  assert.equal(valuesOf(r)['cmi.core.lesson_status'], 'failed');
  const audit = sql(`SELECT details FROM audit WHERE action = 'rte.session.finish'
    ORDER BY id DESC LIMIT 1`);
  assert.match(audit, /"cmi.core.lesson_status":"failed"/);
  assert.match(audit, /"cmi.core.score.raw":"40"/);
});

test('SCORM 2004: suspend resumes; a normal exit starts a new attempt', async () => {
  let r = await open(sess.karim, pkg['2004'], 'ITEM-1');
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.version, 2004);
  let v = valuesOf(r);
  assert.equal(v['cmi.entry'], 'ab-initio');
  assert.equal(v['cmi.learner_name'], 'Benali, Karim');
  assert.equal(Number(v['cmi.scaled_passing_score']), 0.8);
  assert.equal(v['cmi.completion_status'], 'unknown');
  const first = r.json.attempt;
  r = await commit(sess.karim, r.json.session, 1, [['cmi.location', 'écran-2'],
    ['cmi.suspend_data', '{"vu":[1,2]}'], ['cmi.completion_status', 'incomplete'],
    ['cmi.session_time', 'PT1M30S'], ['cmi.exit', 'suspend']], true);
  assert.equal(r.status, 200, r.body);

  r = await open(sess.karim, pkg['2004'], 'ITEM-1');
  v = valuesOf(r);
  assert.equal(r.json.attempt, first);
  assert.equal(v['cmi.entry'], 'resume');
  assert.equal(v['cmi.location'], 'écran-2');
  assert.equal(v['cmi.suspend_data'], '{"vu":[1,2]}');
  assert.equal(seconds(v['cmi.total_time']), 90);
  r = await commit(sess.karim, r.json.session, 1, [['cmi.score.scaled', '0.9'],
    ['cmi.completion_status', 'completed'], ['cmi.session_time', 'PT2M'],
    ['cmi.exit', 'normal']], true);
  assert.equal(r.status, 200, r.body);
  // The finished attempt keeps its evaluated success status on record.
  assert.equal(sql(`SELECT value FROM cmi_values WHERE attempt_id = ${first}
    AND name = 'cmi.success_status'`), 'passed');

  r = await open(sess.karim, pkg['2004'], 'ITEM-1');
  v = valuesOf(r);
  assert.notEqual(r.json.attempt, first);
  assert.equal(v['cmi.entry'], 'ab-initio');
  assert.equal(v['cmi.location'], undefined);
  assert.equal(seconds(v['cmi.total_time']), 0);
  sess.karim.s2004 = r.json.session;
});

test('SCORM 2004: type and range errors are 406 and 407, dependencies 408', async () => {
  for (const [values, code] of [
    [[['cmi.score.scaled', '2']], 407],
    [[['cmi.score.scaled', 'un']], 406],
    [[['cmi.session_time', '00:01:00']], 406],
    [[['cmi.interactions.0.type', 'choice']], 408],
    [[['cmi.completion_threshold', '0.5']], 404],
    [[['cmi.interactions.3.id', 'q3']], 351],
  ]) {
    const r = await commit(sess.karim, sess.karim.s2004, 1, values);
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json.scorm_error, code, values[0].join('='));
  }
});

test('a beacon (text/plain, CSRF token in the body) is accepted; without a token it is not',
  async () => {
    const url = `/api/v1/runtime/sessions/${sess.karim.s2004}/commits`;
    const beacon = (body, headers = {}) => request(`${d.url}${url}`, { method: 'POST',
      body: JSON.stringify(body), headers: { Cookie: sess.karim.cookie,
        'Content-Type': 'text/plain;charset=UTF-8', ...headers } });
    const values = [['cmi.location', 'balise']];
    let r = await beacon({ seq: 1, values });
    assert.equal(r.status, 403, 'no token');
    r = await beacon({ seq: 1, values, csrf: sess.lea.csrf });
    assert.equal(r.status, 403, 'another session\'s token');
    r = await beacon({ seq: 1, values, csrf: sess.karim.csrf }, { Origin: 'http://evil.example' });
    assert.equal(r.status, 403, 'foreign origin');
    assert.equal(sql(`SELECT last_seq FROM rte_sessions WHERE id = ${sess.karim.s2004}`), '0');
    r = await beacon({ seq: 1, values, csrf: sess.karim.csrf });
    assert.equal(r.status, 200, r.body);
    assert.equal(sql(`SELECT value FROM cmi_values WHERE name = 'cmi.location'
      AND attempt_id = (SELECT attempt_id FROM rte_sessions WHERE id = ${sess.karim.s2004})`),
    'balise');
  });

test('nobody writes into another learner\'s session; funders open none', async () => {
  const before = sql('SELECT count(*) FROM rte_commits');
  let r = await commit(sess.karim, sess.lea.s12b, 1, [['cmi.core.lesson_location', 'piratage']]);
  assert.equal(r.status, 404);
  r = await commit(sess.funder, sess.lea.s12b, 1, [['cmi.core.lesson_location', 'x']]);
  assert.equal(r.status, 403);
  r = await open(sess.funder, pkg['1.2'], 'ITEM-1');
  assert.equal(r.status, 403);
  assert.equal(sql('SELECT count(*) FROM rte_commits'), before);
});

test('malformed opens and commits get clear errors', async () => {
  const cases = [
    [await open(sess.lea, 999999, 'ITEM-1'), 404, /Paquet inconnu/],
    [await open(sess.lea, pkg['1.2'], 'ITEM-9'), 404, /ITEM-9/],
    [await open(sess.lea, pkg['1.2'], 'ITEM-3'), 422, /asset/],
    [await open(sess.lea, '1', 'ITEM-1'), 422, /package/],
    [await commit(sess.lea, sess.lea.s12b, 0, []), 422, /seq/],
    [await commit(sess.lea, sess.lea.s12b, 1, [['cmi.core.lesson_location']]), 422, /paire/],
    [await commit(sess.lea, sess.lea.s12b, 1, [['cmi.core.lesson_location', 3]]), 422, /paire/],
    [await commit(sess.lea, sess.lea.s12b, 1, {}), 422, /values/],
    [await commit(sess.lea, 'abc', 1, []), 404, /inconnue/],
  ];
  for (const [r, status, detail] of cases) {
    assert.equal(r.status, status, r.body);
    assert.match(r.json.error.detail, detail);
  }
  const r = await call(sess.lea, 'POST', `/api/v1/runtime/sessions/${sess.lea.s12b}/commits`,
    '{"seq": 1, "values": [', { 'Content-Type': 'application/json' });
  assert.equal(r.status, 400);
});

test('an acknowledged commit survives kill -9; the audit chain verifies', async () => {
  const r = await commit(sess.lea, sess.lea.s12b, 1, [['cmi.core.lesson_location', 'page-5'],
    ['cmi.suspend_data', 'x'.repeat(60000)]]);
  assert.equal(r.status, 200, r.body);
  await d.kill9();
  d = await startDaemon({ dataDir: d.dataDir, config: { scrypt_log2n: 10 } });
  const again = await open(sess.lea, pkg['1.2'], 'ITEM-1');
  assert.equal(again.status, 201, again.body);
  const v = valuesOf(again);
  assert.equal(v['cmi.core.lesson_location'], 'page-5');
  assert.equal(v['cmi.suspend_data'].length, 60000);
  const verify = cli(['audit', 'verify']);
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(sql("SELECT count(*) FROM audit WHERE action LIKE 'rte.%'"), /^[1-9]/);
  // Commits are evidence: the database refuses to rewrite them.
  assert.throws(() => sql('UPDATE rte_commits SET data = \'[]\''), /append-only/);
  assert.throws(() => sql('DELETE FROM rte_commits'), /append-only/);
  await d.stop();
});
