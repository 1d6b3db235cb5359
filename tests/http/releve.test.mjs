// The relevé de connexions for staff (DESIGN §5, §8): one enrolment's
// record and a cohort's, as JSON and CSV, with the figures the database
// holds; each actor sees only their scope (an adviser their OPCA's
// learners, funders and admins everyone, a learner their own enrolment);
// a unit whose reported time is far from its measured time is flagged.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const PW = 'Relever-Chaque-Minute-7';
const LEA = 'lea.durand@boulangerie.test';
const ZOE = 'zoe.martin@boulangerie.test';
const KARIM = 'karim.benali@fromagerie.test';
const HEAD_UNITS = 'Semaine;Unité;Durée estimée (min);Première connexion;Dernière connexion;' +
  'Connexions;Temps mesuré;Temps déclaré par l\'unité;Écart;Avancement;Réussite;Score';
let d;
let cohort;
const s = {};       // logged-in sessions by name
const eid = {};     // enrolment ids by e-mail
let offset = 0;

function cli(args, input) {
  const r = spawnSync(BIN, ['--config', path.join(d.dataDir, 'assidu.conf'),
    '--data', d.dataDir, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `assidu ${args.join(' ')}: ${r.stderr}`);
  return r;
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

const post = (who, p, body) => request(`${d.url}${p}`, { method: 'POST', body,
  headers: { Cookie: who.cookie, 'X-CSRF-Token': who.csrf } });
const get = (who, p, raw = false) => request(`${d.url}${p}`, { headers: { Cookie: who.cookie }, raw });

async function advance(ms) {
  offset += ms;
  const r = await request(`${d.url}/api/v1/test/clock`, { method: 'POST', body: { offset_ms: offset } });
  assert.equal(r.status, 200, r.body);
}

// A visit of `beats` active heartbeats `every` ms apart, then a commit.
async function visit(who, item, beats, every, values) {
  const o = await post(who, '/api/v1/runtime/sessions', { package: 1, item });
  assert.equal(o.status, 201, o.body);
  for (let i = 0; i < beats; i++) {
    await advance(every);
    const b = await post(who, `/api/v1/runtime/sessions/${o.json.session}/beats`, { active: true });
    assert.equal(b.status, 200, b.body);
  }
  if (values) {
    const c = await post(who, `/api/v1/runtime/sessions/${o.json.session}/commits`,
      { seq: 1, finish: true, values });
    assert.equal(c.status, 200, c.body);
  }
}

// What the database holds for a learner, per SCO or over the course.
function dbFigures(email, item) {
  const where = `a.user_id = (SELECT id FROM users WHERE email = '${email}')` +
    (item ? ` AND a.item = '${item}'` : '');
  const [sessions, first, last, visits, measured, reported] = sql(
    'SELECT count(s.id), coalesce(min(s.opened_at), 0), ' +
    'coalesce(max(coalesce(s.last_beat, s.opened_at)), 0), coalesce(sum(s.visits), 0), ' +
    'coalesce(sum(s.measured_ms), 0), coalesce(sum(s.session_cs), 0) * 10 ' +
    `FROM attempts a JOIN rte_sessions s ON s.attempt_id = a.id WHERE ${where}`)
    .split('|').map(Number);
  return { sessions, first_at: first, last_at: last, visits, measured_ms: measured,
    reported_ms: reported };
}

const pick = (p) => ({ sessions: p.sessions, first_at: p.first_at, last_at: p.last_at,
  visits: p.visits, measured_ms: p.measured_ms, reported_ms: p.reported_ms });

function units(record) {
  return Object.fromEntries(record.weeks.flatMap((w) => w.units).map((u) => [u.item, u]));
}

// "07/12/2026 08:37" in Paris time, as the CSV writes dates.
function parisDate(ms) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris',
    day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

function hms(ms) {
  const t = Math.floor(ms / 1000);
  return `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:` +
    String(t % 60).padStart(2, '0');
}

// The lines of a CSV reply: a BOM, CRLF line ends (the last one too).
function csvLines(r) {
  assert.equal(r.status, 200, r.body.toString());
  assert.match(r.headers['content-type'], /^text\/csv; charset=utf-8/);
  assert.deepEqual([...r.body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
  const text = r.body.subarray(3).toString('utf8');
  assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
  const lines = text.split('\r\n');
  assert.equal(lines.pop(), '');
  return lines;
}

test('set up: a cohort, three learners of two OPCA, their connection time', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const [email, name, role, opca] of [
    [LEA, 'Léa Durand', 'learner', 'unifaf'], [ZOE, 'Zoé Martin', 'learner', 'unifaf'],
    [KARIM, 'Karim Benali', 'learner', 'opcalim'],
    ['conseil@unifaf.test', 'Camille Roussel', 'adviser', 'unifaf'],
    ['conseil@opcalim.test', 'Hugo Lefèvre', 'adviser', 'opcalim'],
    ['controle@dreets.test', 'Sophie Bernard', 'funder'],
    ['direction@organisme.test', 'Aline Martin', 'admin']]) {
    const args = ['user', 'add', email, '--name', name, '--role', role, '--password-stdin'];
    if (opca)
      args.push('--opca', opca);
    cli(args, `${PW}\n`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-releve-'));
  fs.writeFileSync(path.join(dir, 'p.zip'), validPackage('1.2'));
  cli(['import', path.join(dir, 'p.zip')]);
  fs.rmSync(dir, { recursive: true });
  cohort = enrolInCourse(cli, [{ package: 1, item: 'ITEM-1' }, { package: 1, item: 'ITEM-2' }],
    [LEA, ZOE, KARIM], 'releve', { meeting: 0 });
  for (const email of [LEA, ZOE, KARIM])
    eid[email] = Number(sql(`SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id ` +
      `WHERE u.email = '${email}'`));
  s.lea = await login(LEA);
  s.zoe = await login(ZOE);
  s.karim = await login(KARIM);
  // Léa: 2 minutes measured on unit 1, which says 30: a gap; 2 on unit
  // 2, which says 3: within the tolerance. Zoé: 8 minutes measured on
  // unit 1, which reports nothing: the other way round.
  await visit(s.lea, 'ITEM-1', 4, 30000, [['cmi.core.lesson_status', 'completed'],
    ['cmi.core.score.raw', '80'], ['cmi.core.session_time', '00:30:00']]);
  await visit(s.lea, 'ITEM-2', 4, 30000, [['cmi.core.lesson_status', 'incomplete'],
    ['cmi.core.session_time', '00:03:00']]);
  await visit(s.zoe, 'ITEM-1', 8, 60000);
  await visit(s.karim, 'ITEM-1', 2, 30000);
  cli(['attend', cohort, LEA, 'present']);
  s.unifaf = await login('conseil@unifaf.test');
  s.opcalim = await login('conseil@opcalim.test');
  s.funder = await login('controle@dreets.test');
  s.admin = await login('direction@organisme.test');
});

test('one enrolment\'s relevé holds the figures of the database', async () => {
  const r = await get(s.unifaf, `/api/v1/enrolments/${eid[LEA]}/releve`);
  assert.equal(r.status, 200, r.body);
  const rec = r.json;
  assert.equal(rec.id, eid[LEA]);
  assert.deepEqual(rec.learner, { id: Number(sql(`SELECT id FROM users WHERE email = '${LEA}'`)),
    name: 'Léa Durand', email: LEA });
  assert.equal(rec.company.siret, '88812345600012');
  assert.equal(rec.opca.code, 'unifaf');
  assert.equal(rec.cohort.name, cohort);
  assert.equal(rec.weeks.length, 4);
  const u = units(rec);
  for (const item of ['ITEM-1', 'ITEM-2'])
    assert.deepEqual(pick(u[item].progress), dbFigures(LEA, item), item);
  assert.equal(u['ITEM-1'].progress.completion, 'completed');
  assert.equal(u['ITEM-1'].progress.score, '80');
  assert.equal(u['ITEM-2'].progress.completion, 'incomplete');
  assert.equal(rec.weeks[0].done, 1);
  const all = dbFigures(LEA);
  assert.deepEqual(rec.totals, { units: 2, completed: 1, measured_ms: all.measured_ms,
    reported_ms: all.reported_ms, certified_minutes: 15, gap: 1 });
  const [present, at, by] = sql('SELECT present, at, by_label FROM attendance').split('|');
  assert.deepEqual(rec.attendance, { present: present === '1', at: Number(at), by_label: by });
  const zoe = (await get(s.unifaf, `/api/v1/enrolments/${eid[ZOE]}/releve`)).json;
  assert.deepEqual(zoe.attendance, { present: null, at: null, by_label: null });
  assert.equal(zoe.totals.certified_minutes, 0);
});

test('a unit whose clocks disagree is flagged, one within the tolerance is not', async () => {
  const lea = units((await get(s.admin, `/api/v1/enrolments/${eid[LEA]}/releve`)).json);
  const one = lea['ITEM-1'].progress;
  assert.ok(one.measured_ms < 3 * 60000 && one.reported_ms === 30 * 60000);
  assert.equal(one.gap, 1, 'the unit says 30 min, the server measured 2');
  const two = lea['ITEM-2'].progress;
  assert.ok(Math.abs(two.reported_ms - two.measured_ms) < 5 * 60000);
  assert.equal(two.gap, 0, '3 min said, 2 measured: within 5 minutes');
  const zoe = units((await get(s.admin, `/api/v1/enrolments/${eid[ZOE]}/releve`)).json);
  assert.ok(zoe['ITEM-1'].progress.measured_ms >= 8 * 60000);
  assert.equal(zoe['ITEM-1'].progress.gap, -1, 'measured 8 min, nothing reported');
  assert.equal(zoe['ITEM-2'].progress.gap, 0, 'never opened: 0 and 0');
});

test('scope: other OPCA 404, funders read, learners only their own', async () => {
  const path1 = `/api/v1/enrolments/${eid[LEA]}/releve`;
  const ref = (await get(s.unifaf, path1)).json;
  assert.equal((await get(s.opcalim, path1)).status, 404, 'another OPCA\'s learner');
  assert.equal((await get(s.opcalim, `${path1}.csv`, true)).status, 404);
  assert.equal((await get(s.unifaf, `/api/v1/enrolments/${eid[KARIM]}/releve`)).status, 404);
  assert.equal((await get(s.opcalim, `/api/v1/enrolments/${eid[KARIM]}/releve`)).status, 200);
  const f = await get(s.funder, path1);
  assert.equal(f.status, 200);
  assert.deepEqual(f.json, ref);
  const own = await get(s.lea, path1);
  assert.equal(own.status, 200);
  assert.deepEqual(own.json, ref);
  assert.equal((await get(s.lea, `/api/v1/enrolments/${eid[KARIM]}/releve`)).status, 404);
  assert.equal((await get(s.lea, `/api/v1/enrolments/${eid[KARIM]}/releve.csv`, true)).status, 404);
  const cid = ref.cohort.id;
  assert.equal((await get(s.lea, `/api/v1/cohorts/${cid}/releve`)).status, 403);
  assert.equal((await get(s.lea, `/api/v1/cohorts/${cid}/releve.csv`, true)).status, 403);
  assert.equal((await get(s.admin, '/api/v1/enrolments/999999/releve')).status, 404);
  assert.equal((await get(s.admin, '/api/v1/cohorts/999999/releve')).status, 404);
  assert.equal((await get(s.admin, '/api/v1/cohorts/999999/releve.csv', true)).status, 404);
  assert.equal((await get(s.admin, '/api/v1/enrolments/abc/releve')).status, 404);
});

test('a cohort\'s relevé: one line per learner in scope, the figures of the database',
  async () => {
    const cid = Number(sql(`SELECT id FROM cohorts WHERE name = '${cohort}'`));
    const r = await get(s.unifaf, `/api/v1/cohorts/${cid}/releve`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.cohort.name, cohort);
    const list = r.json.enrolments;
    assert.deepEqual(list.map((e) => e.learner.email), [LEA, ZOE], 'by name, not Karim');
    for (const e of list) {
      const db = dbFigures(e.learner.email);
      assert.equal(e.totals.measured_ms, db.measured_ms, e.learner.email);
      assert.equal(e.totals.reported_ms, db.reported_ms, e.learner.email);
      assert.equal(e.last_at, db.last_at, e.learner.email);
      const rec = (await get(s.unifaf, `/api/v1/enrolments/${e.id}/releve`)).json;
      assert.deepEqual(e.totals, rec.totals, 'the same totals as the learner\'s relevé');
      assert.deepEqual(e.attendance, rec.attendance);
    }
    assert.deepEqual(list[0].weeks.map((w) => [w.week, w.done, w.units]),
      [[1, 1, 2], [2, 0, 0], [3, 0, 0], [4, 0, 0]]);
    assert.deepEqual([list[0].company.name, list[0].opca.code, list[0].attendance.present],
      ['Boulangerie d\'essai', 'unifaf', true]);
    assert.deepEqual(list.map((e) => e.totals.gap), [1, -1]);
    const all = await get(s.funder, `/api/v1/cohorts/${cid}/releve`);
    assert.deepEqual(all.json.enrolments.map((e) => e.learner.email), [KARIM, LEA, ZOE]);
    assert.equal(all.json.enrolments[0].last_at, dbFigures(KARIM).last_at);
  });

test('the cohort\'s CSV: BOM, CRLF, French headers, one line per learner and unit', async () => {
  const cid = Number(sql(`SELECT id FROM cohorts WHERE name = '${cohort}'`));
  const r = await get(s.unifaf, `/api/v1/cohorts/${cid}/releve.csv`, true);
  const lines = csvLines(r);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="releve-session-releve.csv"');
  assert.equal(lines[0], `Apprenant·e;E-mail;Entreprise;SIRET;OPCA;${HEAD_UNITS}`);
  assert.equal(lines.length, 1 + 2 * 2, 'Léa and Zoé, two units each');
  assert.ok(!lines.some((l) => l.includes(KARIM)), 'not another OPCA\'s learner');
  const rec = (await get(s.unifaf, `/api/v1/enrolments/${eid[LEA]}/releve`)).json;
  const one = units(rec)['ITEM-1'];
  const p = one.progress;
  assert.deepEqual(lines[1].split(';'), ['Léa Durand', LEA, 'Boulangerie d\'essai',
    '88812345600012', 'Unifaf', '1', one.title, '15', parisDate(p.first_at),
    parisDate(p.last_at), String(p.visits), hms(p.measured_ms), '0:30:00',
    'déclaré > mesuré', 'terminé', { passed: 'réussi', failed: 'échoué', unknown: '' }[p.success],
    '80']);
  assert.equal(lines[2].split(';')[13], '', 'unit 2: within the tolerance');
  assert.equal(lines[3].split(';')[13], 'mesuré > déclaré', 'Zoé\'s unit 1');
  const all = csvLines(await get(s.funder, `/api/v1/cohorts/${cid}/releve.csv`, true));
  assert.equal(all.length, 1 + 3 * 2);
  assert.match(all[1], /^Karim Benali;/);
});

test('one learner\'s CSV: the learner\'s own columns and the gap', async () => {
  const r = await get(s.funder, `/api/v1/enrolments/${eid[LEA]}/releve.csv`, true);
  const lines = csvLines(r);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="releve-lea-durand.csv"');
  assert.equal(lines[0], `Session;${HEAD_UNITS}`);
  assert.equal(lines.length, 3);
  const row = lines[1].split(';');
  assert.deepEqual([row[0], row[1], row[9], row[10]], [cohort, '1', 'déclaré > mesuré', 'terminé']);
  const own = csvLines(await get(s.lea, '/api/v1/me/releve.csv', true));
  assert.deepEqual(own, lines, 'the same as the learner\'s own relevé');
  await d.stop();
});
