// Black-box tests of the course, cohorts, companies, enrolments and the
// regroupement's attendance against a real daemon: course building and bad
// bindings, cohort calendars, SIRET and eligibility, OPCA scoping and IDOR,
// read-only funders, CSV imports that are all or nothing (checked in the
// sqlite file), audited and append-only attendance marks, weeks that open
// with the (test) clock, and an audit chain that stays intact.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';

const PW = 'Assiduite-Sans-Faille-7';
const DAY = 86400 * 1000;
let d;
const sess = {};
const ids = {};
const pkg = {};
let course;
let cohort;

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(d.dataDir, 'assidu.conf'),
    '--data', d.dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(d.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

const count = (table, where = '1') => Number(sql(`SELECT count(*) FROM ${table} WHERE ${where}`));

async function login(email) {
  const r = await request(`${d.url}/api/v1/login`, { method: 'POST', body: { email, password: PW } });
  assert.equal(r.status, 200, r.body);
  return { cookie: r.headers['set-cookie'][0].split(';')[0], csrf: r.json.csrf };
}

function call(s, method, p, body, headers = {}) {
  return request(`${d.url}${p}`, { method, body,
    headers: s ? { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, ...headers } : headers });
}

function csv(s, text, id = cohort.id) {
  return call(s, 'POST', `/api/v1/cohorts/${id}/enrolments/csv`, text,
    { 'Content-Type': 'text/csv; charset=utf-8' });
}

// A calendar date in Paris, days from now: YYYY-MM-DD.
function parisDate(days) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' })
    .format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// "lundi 7 décembre 2026", "mardi 1er juin 2027".
function frenchDate(iso) {
  const [y, m, dd] = iso.split('-').map(Number);
  const s = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long',
    day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(Date.UTC(y, m - 1, dd)));
  return s.replace(/^(\S+) 1 /, '$1 1er ');
}

// Moves the server's clock; sessions expire over days, so log in again.
async function setClock(offsetMs, who = []) {
  const r = await request(`${d.url}/api/v1/test/clock`, { method: 'POST',
    body: { offset_ms: Math.round(offsetMs) } });
  assert.equal(r.status, 200, r.body);
  for (const key of who)
    sess[key] = await login(ids[`${key}Email`]);
}

test('set up: every role, two OPCAs, four packages', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const [key, email, name, role, opca] of [
    ['admin', 'direction@organisme.fr', 'Aline Direction', 'admin', null],
    ['funder', 'controle@financeur.fr', 'Sophie Contrôle', 'funder', null],
    ['a1', 'conseil@unifaf.fr', 'Camille Unifaf', 'adviser', 'unifaf'],
    ['a2', 'conseil@opcalim.fr', 'Hugo Opcalim', 'adviser', 'opcalim'],
    ['lea', 'lea@boulangerie.fr', 'Léa Durand', 'learner', 'unifaf'],
    ['zoe', 'zoe@fromagerie.fr', 'Zoé Martin', 'learner', 'opcalim'],
    ['ugo', 'ugo@creche.fr', 'Ugo Crèche', 'learner', 'uniformation'],
  ]) {
    const args = ['user', 'add', email, '--name', name, '--role', role, '--password-stdin'];
    if (opca)
      args.push('--opca', opca);
    const r = cli(args, `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
    ids[key] = Number(/^user (\d+):/.exec(r.stdout)[1]);
    ids[`${key}Email`] = email;
    sess[key] = await login(email);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-spoc-'));
  for (const [key, v] of [['w1', '1.2'], ['w2', '2004'], ['unifaf', '1.2'], ['opcalim', '2004']]) {
    const file = path.join(dir, `${key}.zip`);
    fs.writeFileSync(file, validPackage(v, { title: `Paquet ${key}` }));
    const r = cli(['import', file]);
    assert.equal(r.status, 0, r.stderr);
    pkg[key] = Number(sql(`SELECT id FROM packages WHERE title = 'Paquet ${key}'`));
    assert.ok(pkg[key] > 0);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('admins build a course: trunk weeks 1-2, an OPCA track for weeks 3-4', async () => {
  for (const who of ['a1', 'funder', 'lea']) {
    const r = await call(sess[who], 'POST', '/api/v1/courses', { code: 'x', title: 'X' });
    assert.equal(r.status, 403, `${who}: ${r.body}`);
  }
  assert.equal((await call(null, 'POST', '/api/v1/courses', { code: 'x', title: 'X' })).status, 401);
  let r = await call(sess.admin, 'POST', '/api/v1/courses',
    { code: 'tpe-numerique', title: 'Le numérique au service des TPE-PME' });
  assert.equal(r.status, 201, r.body);
  course = r.json;
  assert.equal(course.tracks.length, 1);
  assert.equal(course.tracks[0].title, 'Tronc commun');
  assert.deepEqual(course.tracks[0].weeks.map((w) => w.week), [1, 2]);
  for (const opca of ['unifaf', 'opcalim']) {
    r = await call(sess.admin, 'POST', `/api/v1/courses/${course.id}/tracks`, { opca });
    assert.equal(r.status, 201, r.body);
  }
  const units = [
    { track: 'commun', week: 1, package: pkg.w1, item: 'ITEM-1' },
    { track: 'commun', week: 1, package: pkg.w1, item: 'ITEM-2', minutes: 20 },
    { track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-1', title: 'Sauvegarder' },
    { track: 'unifaf', week: 3, package: pkg.unifaf, item: 'ITEM-1' },
    { track: 'unifaf', week: 4, package: pkg.unifaf, item: 'ITEM-2' },
    { track: 'opcalim', week: 3, package: pkg.opcalim, item: 'ITEM-1' },
  ];
  for (const u of units) {
    r = await call(sess.admin, 'POST', `/api/v1/courses/${course.id}/units`, u);
    assert.equal(r.status, 201, `${JSON.stringify(u)}: ${r.body}`);
  }
  course = (await call(sess.funder, 'GET', `/api/v1/courses/${course.id}`)).json;
  const [trunk, unifaf] = [course.tracks[0], course.tracks.find((t) => t.opca === 'unifaf')];
  assert.deepEqual(trunk.weeks[0].units.map((u) => [u.position, u.item, u.minutes]),
    [[1, 'ITEM-1', 15], [2, 'ITEM-2', 20]]);
  assert.equal(trunk.weeks[0].units[0].title, 'Unité 1 : le courriel professionnel');
  assert.equal(trunk.weeks[1].units[0].title, 'Sauvegarder');
  assert.equal(trunk.weeks[1].units[0].version, 2004);
  assert.deepEqual(unifaf.weeks.map((w) => w.week), [3, 4]);
  assert.equal(unifaf.title, 'Parcours Unifaf');
  assert.equal(count('units'), 6);
  const list = (await call(sess.a1, 'GET', '/api/v1/courses')).json;
  assert.deepEqual(list.map((c) => [c.code, c.units]), [['tpe-numerique', 6]]);
  assert.equal((await call(sess.lea, 'GET', '/api/v1/courses')).status, 403);
});

test('bad bindings are refused in French and change nothing', async () => {
  const before = count('units');
  const audit = count('audit');
  const cases = [
    [{ track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-3' }, 422, /n'est pas un SCO/],
    [{ track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-9' }, 422, /n'existe pas dans le paquet/],
    [{ track: 'commun', week: 2, package: 9999, item: 'ITEM-1' }, 422, /Paquet inconnu/],
    [{ track: 'commun', week: 2, package: pkg.w2 }, 422, /indiquez lequel/],
    [{ track: 'commun', week: 3, package: pkg.w2, item: 'ITEM-2' }, 422, /tronc commun couvre les semaines 1 et 2/],
    [{ track: 'unifaf', week: 2, package: pkg.w2, item: 'ITEM-2' }, 422, /couvrent les semaines 3 et 4/],
    [{ track: 'fafih', week: 3, package: pkg.w2, item: 'ITEM-2' }, 422, /pas encore de parcours pour l'OPCA Fafih/],
    [{ track: 'nulle-part', week: 3, package: pkg.w2, item: 'ITEM-2' }, 422, /OPCA inconnu/],
    [{ track: 'commun', week: 5, package: pkg.w2, item: 'ITEM-2' }, 422, /semaine/],
    [{ track: 'commun', week: 2, package: pkg.w1, item: 'ITEM-1' }, 409, /déjà une unité/],
    [{ track: 'commun', week: 1, position: 1, package: pkg.w2, item: 'ITEM-2' }, 409, /place 1 de la semaine 1/],
    [{ track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-2', minutes: 0 }, 422, /durée estimée/],
  ];
  for (const [body, status, message] of cases) {
    const r = await call(sess.admin, 'POST', `/api/v1/courses/${course.id}/units`, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.body}`);
    assert.match(r.json.error.detail, message);
  }
  let r = await call(sess.admin, 'POST', '/api/v1/courses', { code: 'Avec Espaces', title: 'X' });
  assert.equal(r.status, 422);
  r = await call(sess.admin, 'POST', '/api/v1/courses', { code: 'tpe-numerique', title: 'Encore' });
  assert.equal(r.status, 409);
  r = await call(sess.admin, 'POST', `/api/v1/courses/${course.id}/tracks`, { opca: 'unifaf' });
  assert.equal(r.status, 409);
  assert.equal((await call(sess.admin, 'GET', '/api/v1/courses/999')).status, 404);
  assert.equal(count('units'), before);
  assert.equal(count('courses'), 1);
  assert.equal(count('audit'), audit);
});

test('units can be retitled, re-timed and removed; every course change is audited', async () => {
  const u = course.tracks[0].weeks[0].units[1];
  let r = await call(sess.admin, 'PATCH', `/api/v1/units/${u.id}`, { minutes: 25 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.tracks[0].weeks[0].units[1].minutes, 25);
  assert.equal((await call(sess.a1, 'PATCH', `/api/v1/units/${u.id}`, { minutes: 5 })).status, 403);
  assert.equal((await call(sess.admin, 'PATCH', '/api/v1/units/999', { minutes: 5 })).status, 404);
  const extra = await call(sess.admin, 'POST', `/api/v1/courses/${course.id}/units`,
    { track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-2' });
  assert.equal(extra.status, 201, extra.body);
  const added = extra.json.tracks[0].weeks[1].units.find((x) => x.item === 'ITEM-2');
  r = await call(sess.admin, 'DELETE', `/api/v1/units/${added.id}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(count('units', `id = ${added.id}`), 0);
  const actions = sql("SELECT action FROM audit WHERE action LIKE 'course.%' ORDER BY id").split('\n');
  assert.deepEqual(actions, ['course.create', 'course.track', 'course.track',
    ...Array(6).fill('course.unit_add'), 'course.unit_update', 'course.unit_add',
    'course.unit_delete']);
  assert.match(sql(`SELECT details FROM audit WHERE action = 'course.unit_update'`),
    /"after":\{"minutes":25/);
  assert.equal(sql(`SELECT actor FROM audit WHERE action = 'course.create'`), 'direction@organisme.fr');
});

test('cohorts: admins open them; weeks open at start + 7(n-1) days', async () => {
  const body = { course: course.id, name: 'Session test', start: parisDate(-8),
    end: parisDate(30), meeting_date: parisDate(25), meeting_time: '14:00',
    meeting_mode: 'online', meeting_place: 'https://visio.example.fr/assidu' };
  assert.equal((await call(sess.a1, 'POST', '/api/v1/cohorts', body)).status, 403);
  assert.equal((await call(sess.funder, 'POST', '/api/v1/cohorts', body)).status, 403);
  const bad = [
    [{ end: parisDate(10) }, /semaine 4/],
    [{ meeting_date: parisDate(40) }, /entre le début et la fin/],
    [{ start: '2026-02-30' }, /AAAA-MM-JJ/],
    [{ meeting_mode: 'visio' }, /online/],
    [{ meeting_time: '25:00' }, /HH:MM/],
    [{ course: 'inconnu' }, /Formation inconnue/],
  ];
  for (const [change, message] of bad) {
    const r = await call(sess.admin, 'POST', '/api/v1/cohorts', { ...body, ...change });
    assert.equal(r.status, change.course ? 404 : 422, `${JSON.stringify(change)}: ${r.body}`);
    assert.match(r.json.error.detail, message);
  }
  const r = await call(sess.admin, 'POST', '/api/v1/cohorts', body);
  assert.equal(r.status, 201, r.body);
  cohort = r.json;
  assert.equal(cohort.state, 'running');
  assert.deepEqual(cohort.weeks.map((w) => w.open), [true, true, false, false]);
  assert.deepEqual(cohort.weeks.map((w) => w.opens),
    [parisDate(-8), parisDate(-1), parisDate(6), parisDate(13)]);
  assert.equal(cohort.weeks[2].opens_fr, frenchDate(parisDate(6)));
  assert.equal(cohort.meeting_mode, 'online');
  assert.equal(cohort.attendance_open, false);
  assert.equal((await call(sess.admin, 'POST', '/api/v1/cohorts', body)).status, 409);
  const list = (await call(sess.funder, 'GET', '/api/v1/cohorts')).json;
  assert.deepEqual(list.map((c) => c.name), ['Session test']);
  assert.match(sql(`SELECT details FROM audit WHERE action = 'cohort.create'`), /"meeting_mode":"online"/);
});

test('companies: SIRET checked with Luhn, 250 employees or more refused', async () => {
  const cases = [
    [sess.admin, { siret: '443 061 841 00047', name: 'Fournil du Centre', headcount: 12 }, 201],
    [sess.a1, { siret: '35600000049837', name: 'La Poste, bureau de Pontoise', headcount: 40 }, 201],
    [sess.admin, { siret: '44306184100048', name: 'Clé fausse', headcount: 3 }, 422, /clé de contrôle/],
    [sess.admin, { siret: '4430618410004', name: 'Trop court', headcount: 3 }, 422, /14 chiffres/],
    [sess.admin, { siret: '35600000049838', name: 'Faux bureau', headcount: 3 }, 422, /clé de contrôle/],
    [sess.admin, { siret: '55208131766522', name: 'Grande Industrie', headcount: 250 }, 422,
      /Entreprise non éligible : elle compte 250 salariés.*moins de 250 salariés/],
    [sess.admin, { siret: '55208131766522', name: 'Grande Industrie', headcount: '1 200' }, 422, /non éligible/],
    [sess.admin, { siret: '44306184100047', name: 'Doublon', headcount: 3 }, 409, /Fournil du Centre/],
    [sess.funder, { siret: '73282932000074', name: 'X', headcount: 3 }, 403],
    [sess.lea, { siret: '73282932000074', name: 'X', headcount: 3 }, 403],
  ];
  for (const [s, body, status, message] of cases) {
    const r = await call(s, 'POST', '/api/v1/companies', body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.body}`);
    if (message)
      assert.match(r.json.error.detail, message);
  }
  assert.deepEqual(sql('SELECT siret, headcount FROM companies ORDER BY id').split('\n'),
    ['44306184100047|12', '35600000049837|40']);
  const list = (await call(sess.funder, 'GET', '/api/v1/companies')).json;
  assert.equal(list.length, 2);
  assert.equal(count('audit', "action = 'company.create'"), 2);
});

test('enrolment from the form: the OPCA picks the track, or is refused', async () => {
  let r = await call(sess.admin, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: ids.leaEmail, siret: '44306184100047' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.status, 'enrolled');
  assert.equal(r.json.account_created, false);
  r = await call(sess.admin, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: ids.leaEmail, siret: '44306184100047' });
  assert.equal(r.status, 409);
  assert.match(r.json.error.detail, /déjà inscrit·e/);
  r = await call(sess.admin, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: ids.ugoEmail, siret: '44306184100047' });
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail,
    /L'OPCA Uniformation n'a pas de parcours pour les semaines 3 et 4 dans la formation « Le numérique au service des TPE-PME »/);
  r = await call(sess.admin, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: 'nouvelle@pme.fr', name: 'Nouvelle Personne', siret: '44306184100047' });
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail, /Indiquez l'OPCA/);
  r = await call(sess.admin, 'POST', '/api/v1/cohorts/999/enrolments',
    { email: ids.leaEmail, siret: '44306184100047' });
  assert.equal(r.status, 404);
  assert.equal(count('enrolments'), 1);
  assert.equal(count('users', "email = 'nouvelle@pme.fr'"), 0);
});

test('advisers enrol only their own OPCA\'s learners; other enrolments are 404 to them', async () => {
  let r = await call(sess.a1, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: 'marc@garage.fr', name: 'Marc Garage', siret: '35600000049837' });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.account_created, true);
  assert.equal(sql("SELECT o.code FROM users u JOIN opca o ON o.id = u.opca_id WHERE email = 'marc@garage.fr'"),
    'unifaf');
  // Someone else's learner, or a learner placed in another OPCA: refused.
  r = await call(sess.a1, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: ids.zoeEmail, siret: '35600000049837' });
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail, /vous ne le gérez pas/);
  r = await call(sess.a1, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: 'autre@pme.fr', name: 'Autre', siret: '35600000049837', opca: 'opcalim' });
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail, /votre OPCA/);
  r = await call(sess.a2, 'POST', `/api/v1/cohorts/${cohort.id}/enrolments`,
    { email: ids.zoeEmail, siret: '44306184100047' });
  assert.equal(r.status, 201, r.body);
  assert.equal(count('users', "email = 'autre@pme.fr'"), 0);
  // Each adviser sees their OPCA's enrolments only; admins and funders all.
  const seen = async (s) => (await call(s, 'GET', `/api/v1/cohorts/${cohort.id}`)).json
    .enrolments.map((e) => e.email).sort();
  assert.deepEqual(await seen(sess.a1), [ids.leaEmail, 'marc@garage.fr']);
  assert.deepEqual(await seen(sess.a2), [ids.zoeEmail]);
  assert.deepEqual(await seen(sess.funder), [ids.leaEmail, 'marc@garage.fr', ids.zoeEmail].sort());
  const cohorts = (await call(sess.a2, 'GET', '/api/v1/cohorts')).json;
  assert.equal(cohorts[0].enrolled, 1);
  assert.equal((await call(sess.lea, 'GET', `/api/v1/cohorts/${cohort.id}`)).status, 403);
});

test('funders read everything and change nothing', async () => {
  const before = [count('enrolments'), count('users'), count('companies'), count('audit')];
  for (const p of ['/api/v1/courses', `/api/v1/courses/${course.id}`, '/api/v1/cohorts',
    `/api/v1/cohorts/${cohort.id}`, `/api/v1/cohorts/${cohort.id}/attendance`, '/api/v1/companies'])
    assert.equal((await call(sess.funder, 'GET', p)).status, 200, p);
  const zoe = sql(`SELECT id FROM enrolments WHERE user_id = ${ids.zoe}`);
  for (const [method, p, body] of [
    ['POST', `/api/v1/cohorts/${cohort.id}/enrolments`, { email: 'f@pme.fr', name: 'F', siret: '44306184100047', opca: 'unifaf' }],
    ['POST', `/api/v1/cohorts/${cohort.id}/enrolments/csv`, 'e-mail;nom;siret\nf@pme.fr;F;44306184100047\n'],
    ['POST', `/api/v1/cohorts/${cohort.id}/attendance`, { marks: [{ enrolment: Number(zoe), present: true }] }],
    ['POST', `/api/v1/courses/${course.id}/units`, { track: 'commun', week: 2, package: pkg.w2, item: 'ITEM-2' }],
    ['DELETE', `/api/v1/units/${course.tracks[0].weeks[0].units[0].id}`],
  ]) {
    const r = await call(sess.funder, method, p, body);
    assert.equal(r.status, 403, `${method} ${p}: ${r.body}`);
  }
  assert.deepEqual([count('enrolments'), count('users'), count('companies'), count('audit')], before);
});

test('a CSV with several bad lines: a per-line report, and nothing written', async () => {
  const before = [count('enrolments'), count('users'), count('companies'), count('audit')];
  const file = '\uFEFFE-mail;Nom;Prénom;N° SIRET;Entreprise;Effectif;Téléphone\r\n' +
    'jean@fournil.fr;Petit;Jean;732 829 320 00074;Boulangerie Petit;12;0102030405\r\n' +
    'pas-une-adresse;Faux;Ana;73282932000074;;;\r\n' +
    'max@usine.fr;Gros;Max;55208131766522;Grosse Industrie;300;\r\n' +
    'eve@atelier.fr;Cle;Eve;73282932000075;Atelier;4;\r\n' +
    `${ids.zoeEmail};Martin;Zoé;73282932000074;;;\r\n` +
    'jean@fournil.fr;Petit;Jean;73282932000074;;;\r\n' +
    ';;;;;;\r\n';
  const r = await csv(sess.a1, file);
  assert.equal(r.status, 422, r.body);
  assert.match(r.json.error.detail, /5 erreur\(s\) : rien n'a été importé/);
  const report = r.json.report;
  assert.deepEqual(report.errors.map((e) => [e.line, e.column]), [
    [3, 'E-mail'], [4, 'Effectif'], [5, 'N° SIRET'], [6, 'E-mail'], [7, 'E-mail']]);
  assert.match(report.errors[0].message, /« pas-une-adresse » n'est pas valide/);
  assert.match(report.errors[1].message, /non éligible : elle compte 300 salariés/);
  assert.match(report.errors[2].message, /clé de contrôle/);
  assert.match(report.errors[3].message, /vous ne le gérez pas/);
  assert.match(report.errors[4].message, /figure déjà à la ligne 2/);
  assert.deepEqual(report.ignored_columns, ['Téléphone']);
  assert.equal(report.encoding, 'utf-8');
  assert.equal(report.separator, ';');
  // Line 2 was right: still, nothing at all reached the database file.
  assert.deepEqual([count('enrolments'), count('users'), count('companies'), count('audit')], before);
  assert.equal(count('users', "email = 'jean@fournil.fr'"), 0);
  assert.equal(count('companies', "siret = '73282932000074'"), 0);

  // A file without the required columns says so on line 1.
  const h = await csv(sess.a1, 'courriel;téléphone\nx@y.fr;01\n');
  assert.equal(h.status, 422);
  assert.deepEqual(h.json.report.errors.map((e) => e.line), [1, 1]);
  assert.match(h.json.report.errors[0].message, /Colonne obligatoire manquante : « nom »/);
  const e = await csv(sess.a1, '');
  assert.equal(e.status, 422);
  assert.match(e.json.report.errors[0].message, /vide/);
  assert.deepEqual([count('enrolments'), count('users'), count('companies'), count('audit')], before);
});

test('a good CSV enrols everyone, creates what is missing, and is audited', async () => {
  const before = { enrolments: count('enrolments'), users: count('users'),
    audit: Number(sql('SELECT max(id) FROM audit')) };
  const file = 'email,nom,siret,entreprise,effectif\n' +
    'jean@fournil.fr,"Petit, Jean",732 829 320 00074,Boulangerie Petit,12\n' +
    'paul@garage.fr,Paul Durand,44306184100047,,\n' +
    'ines@garage.fr,Inès Dupont,73282932000074,,\n' +
    `${ids.leaEmail},Léa Durand,44306184100047,,\n`;
  const r = await csv(sess.a1, file);
  assert.equal(r.status, 201, r.body);
  const rep = r.json;
  assert.equal(rep.separator, ',');
  assert.deepEqual([rep.lines, rep.enrolled, rep.already, rep.accounts_created, rep.companies_created],
    [4, 3, 1, 3, 1]);
  assert.deepEqual(rep.results.map((x) => [x.line, x.status]),
    [[2, 'enrolled'], [3, 'enrolled'], [4, 'enrolled'], [5, 'already']]);
  assert.equal(count('enrolments'), before.enrolments + 3);
  assert.equal(count('users'), before.users + 3);
  assert.equal(sql("SELECT name || '|' || role FROM users WHERE email = 'jean@fournil.fr'"),
    'Petit, Jean|learner');
  assert.equal(Number(sql(`SELECT count(*) FROM users u JOIN opca o ON o.id = u.opca_id
    WHERE o.code = 'unifaf' AND email IN ('jean@fournil.fr', 'paul@garage.fr', 'ines@garage.fr')`)), 3);
  assert.equal(sql("SELECT name FROM companies WHERE siret = '73282932000074'"), 'Boulangerie Petit');
  // One audit row per account, company and enrolment, and one for the file.
  const rows = sql(`SELECT action FROM audit WHERE id > ${before.audit} ORDER BY id`).split('\n');
  assert.equal(rows.filter((a) => a === 'user.create').length, 3);
  assert.equal(rows.filter((a) => a === 'company.create').length, 1);
  assert.equal(rows.filter((a) => a === 'enrolment.create').length, 3);
  assert.equal(rows.at(-1), 'enrolment.import');
  assert.equal(rows.length, 8);
  const imp = JSON.parse(sql("SELECT details FROM audit WHERE action = 'enrolment.import'"));
  assert.equal(imp.enrolled, 3);
  assert.match(imp.file_sha256, /^[0-9a-f]{64}$/);
  assert.equal(sql("SELECT actor FROM audit WHERE action = 'enrolment.import'"), 'conseil@unifaf.fr');
  // The same file again: nothing new.
  const again = await csv(sess.a1, file);
  assert.equal(again.status, 201);
  assert.equal(again.json.already, 4);
  assert.equal(count('enrolments'), before.enrolments + 3);
  // Enrolments are evidence: the database refuses to change or remove one.
  const upd = spawnSync('sqlite3', [path.join(d.dataDir, 'assidu.db'),
    'UPDATE enrolments SET company_id = 1'], { encoding: 'utf8' });
  assert.match(upd.stderr, /append-only/);
  const del = spawnSync('sqlite3', [path.join(d.dataDir, 'assidu.db'),
    'DELETE FROM enrolments'], { encoding: 'utf8' });
  assert.match(del.stderr, /append-only/);
});

test('a learner\'s course: weeks 1-2 open, 3-4 locked with their opening date', async () => {
  const r = await call(sess.lea, 'GET', '/api/v1/me/course');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.enrolments.length, 1);
  const e = r.json.enrolments[0];
  assert.equal(e.cohort.name, 'Session test');
  assert.equal(e.course.title, 'Le numérique au service des TPE-PME');
  assert.equal(e.opca.code, 'unifaf');
  assert.equal(e.company.siret, '44306184100047');
  assert.deepEqual(e.weeks.map((w) => w.state), ['open', 'open', 'locked', 'locked']);
  assert.deepEqual(e.weeks.map((w) => w.track), ['Tronc commun', 'Tronc commun',
    'Parcours Unifaf', 'Parcours Unifaf']);
  assert.equal(e.weeks[2].opens_fr, frenchDate(parisDate(6)));
  assert.deepEqual(e.weeks.map((w) => w.units.map((u) => `${u.package_id}/${u.item}`)), [
    [`${pkg.w1}/ITEM-1`, `${pkg.w1}/ITEM-2`], [`${pkg.w2}/ITEM-1`],
    [`${pkg.unifaf}/ITEM-1`], [`${pkg.unifaf}/ITEM-2`]]);
  assert.equal(e.weeks[0].units[1].minutes, 25);
  // Zoé (Opcalim) gets the Opcalim track, not Unifaf's.
  const z = (await call(sess.zoe, 'GET', '/api/v1/me/course')).json.enrolments[0];
  assert.deepEqual(z.weeks[2].units.map((u) => u.package_id), [pkg.opcalim]);
  assert.deepEqual(z.weeks[3].units, []);
  // Not enrolled: an empty list. Not logged in: 401.
  assert.deepEqual((await call(sess.ugo, 'GET', '/api/v1/me/course')).json.enrolments, []);
  assert.equal((await call(null, 'GET', '/api/v1/me/course')).status, 401);
});

test('week 3 opens at midnight, Paris time, as the test clock passes it', async () => {
  const e = () => call(sess.lea, 'GET', '/api/v1/me/course').then((r) => r.json.enrolments[0]);
  const opensAt = (await e()).weeks[2].opens_at;
  try {
    await setClock(opensAt - Date.now() - 2000, ['lea']);
    let w = (await e()).weeks;
    assert.deepEqual(w.map((x) => x.state), ['open', 'open', 'locked', 'locked']);
    await setClock(opensAt - Date.now() + 2000, ['lea']);
    w = (await e()).weeks;
    assert.deepEqual(w.map((x) => x.state), ['open', 'open', 'open', 'locked']);
    // Midnight in Paris is 23:00 or 22:00 UTC the day before.
    const utc = new Date(opensAt);
    assert.equal(utc.getUTCMinutes(), 0);
    assert.ok([22, 23].includes(utc.getUTCHours()), utc.toISOString());
    // After the end date every week is closed.
    await setClock(32 * DAY, ['lea']);
    w = (await e()).weeks;
    assert.deepEqual(w.map((x) => x.state), ['ended', 'ended', 'ended', 'ended']);
  } finally {
    await setClock(0, ['lea']);
  }
});

test('émargement: from the regroupement\'s day, scoped, audited and append-only', async () => {
  const enr = (email) => Number(sql(`SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id
    WHERE u.email = '${email}'`));
  const lea = enr(ids.leaEmail);
  const zoe = enr(ids.zoeEmail);
  const mark = (s, enrolment, present) => call(s, 'POST',
    `/api/v1/cohorts/${cohort.id}/attendance`, { marks: [{ enrolment, present }] });
  let r = await mark(sess.a1, lea, true);
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail, /Le regroupement a lieu le .* : l'émargement ouvre ce jour-là/);
  try {
    await setClock(25.5 * DAY, ['a1', 'a2', 'admin', 'funder', 'lea']);
    r = await mark(sess.a1, lea, true);
    assert.equal(r.status, 201, r.body);
    const first = r.json.marks[0];
    assert.equal(first.supersedes, null);
    assert.equal(first.by_label, 'conseil@unifaf.fr');
    // Another OPCA's learner does not exist for this adviser.
    r = await mark(sess.a1, zoe, true);
    assert.equal(r.status, 404);
    // Nor does an enrolment of another cohort, or none at all.
    r = await mark(sess.a1, 99999, true);
    assert.equal(r.status, 404);
    assert.equal((await mark(sess.funder, lea, false)).status, 403);
    assert.equal((await mark(sess.lea, lea, false)).status, 403);
    // A correction is a new mark that names the one it supersedes.
    r = await mark(sess.admin, lea, false);
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.marks[0].supersedes, first.id);
    assert.equal(count('attendance'), 2);
    assert.equal(sql(`SELECT group_concat(present || ':' || coalesce(supersedes, '-') || ':' || by_label)
      FROM attendance ORDER BY id`), `1:-:conseil@unifaf.fr,0:${first.id}:direction@organisme.fr`);
    const c = (await call(sess.a1, 'GET', `/api/v1/cohorts/${cohort.id}`)).json;
    const row = c.enrolments.find((x) => x.id === lea);
    assert.equal(row.present, false);
    assert.equal(row.marks, 2);
    assert.equal(row.marked_by, 'direction@organisme.fr');
    assert.equal(c.attendance_open, true);
    const hist = (await call(sess.a2, 'GET', `/api/v1/cohorts/${cohort.id}/attendance`)).json;
    assert.deepEqual(hist, [], 'an Opcalim adviser sees no Unifaf marks');
    assert.equal((await call(sess.funder, 'GET', `/api/v1/cohorts/${cohort.id}/attendance`)).json.length, 2);
    assert.deepEqual(sql("SELECT object FROM audit WHERE action = 'attendance.mark' ORDER BY id").split('\n'),
      [`enrolment:${lea}`, `enrolment:${lea}`]);
    const upd = spawnSync('sqlite3', [path.join(d.dataDir, 'assidu.db'),
      'UPDATE attendance SET present = 1'], { encoding: 'utf8' });
    assert.match(upd.stderr, /append-only/);
    assert.equal(sql('SELECT present FROM attendance ORDER BY id DESC LIMIT 1'), '0');
  } finally {
    await setClock(0, ['a1', 'a2', 'admin', 'funder', 'lea']);
  }
});

test('the command line does the same, and the audit chain is intact', async () => {
  let r = cli(['course', 'show', 'tpe-numerique']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /track \d+ unifaf: Parcours Unifaf/);
  r = cli(['company', 'add', '--siret', '55208131766522', '--name', 'Grande', '--headcount', '300']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /non éligible/);
  r = cli(['cohort', 'show', 'Session test']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /enrolment \d+ +lea@boulangerie\.fr +unifaf/);
  r = cli(['audit', 'verify']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^audit chain intact: \d+ rows$/m);
  const st = await d.stop('SIGTERM');
  assert.deepEqual(st, { code: 0, signal: null });
  await d.cleanup();
});
