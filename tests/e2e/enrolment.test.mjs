// The course, sessions and enrolments in Chromium: an adviser uploads a CSV
// file on the enrolment page and reads the per-line report (a faulty file
// imports nothing, a good one enrols everyone); a learner sees "Mon
// parcours" with weeks 3-4 locked until their date; an admin adds a unit in
// the course builder and marks attendance on the regroupement's day; every
// page passes axe-core.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, launchBrowser, watchedPage } from '../lib/browser.mjs';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';

const PW = 'Inscrire-Sans-Erreur-42';
const ADMIN = { email: 'direction@organisme.test', name: 'Aline Martin' };
const ADVISER = { email: 'conseil@unifaf.test', name: 'Camille Roussel' };
const LEARNER = { email: 'lea.durand@boulangerie.test', name: 'Léa Durand' };
const DAY = 86400 * 1000;
const T = { timeout: 90000 };

let daemon;
let cohortId;
const browsers = new Set();

function cli(args, input) {
  const r = spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `assidu ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(daemon.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

function parisDate(days) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' })
    .format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const [u, role, opca] of [[ADMIN, 'admin'], [ADVISER, 'adviser', 'unifaf'],
    [LEARNER, 'learner', 'unifaf']]) {
    const args = ['user', 'add', u.email, '--name', u.name, '--role', role, '--password-stdin'];
    if (opca)
      args.push('--opca', opca);
    cli(args, `${PW}\n`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-e2e-spoc-'));
  for (const [name, v] of [['Semaines communes', '1.2'], ['Parcours Unifaf', '2004']]) {
    const file = path.join(dir, `${v}.zip`);
    fs.writeFileSync(file, validPackage(v, { title: name }));
    cli(['import', file]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  cli(['course', 'add', '--code', 'tpe', '--title', 'Le numérique au service des TPE-PME']);
  cli(['course', 'track', 'tpe', '--opca', 'unifaf']);
  cli(['course', 'unit', 'add', 'tpe', '--track', 'commun', '--week', '1', '--package', '1',
    '--item', 'ITEM-1']);
  cli(['course', 'unit', 'add', 'tpe', '--track', 'commun', '--week', '2', '--package', '1',
    '--item', 'ITEM-2', '--minutes', '20']);
  cli(['course', 'unit', 'add', 'tpe', '--track', 'unifaf', '--week', '3', '--package', '2',
    '--item', 'ITEM-1']);
  const out = cli(['cohort', 'add', '--course', 'tpe', '--name', 'Session de démonstration',
    '--start', parisDate(-8), '--end', parisDate(30), '--meeting-date', parisDate(25),
    '--meeting-mode', 'onsite', '--meeting-place', 'Unifaf, 31 rue Anatole France, Levallois']);
  cohortId = Number(/^cohort (\d+):/.exec(out)[1]);
  cli(['enrol', LEARNER.email, '--cohort', String(cohortId), '--company', '73282932000074',
    '--company-name', 'Boulangerie Durand', '--headcount', '12']);
});

after(async () => {
  for (const b of browsers)
    await b.close();
  if (!daemon)
    return;
  try {
    const st = await daemon.stop('SIGTERM');
    assert.deepEqual(st, { code: 0, signal: null }, 'assidu exits 0 on SIGTERM');
  } finally {
    await daemon.cleanup();
  }
});

// axe-core goes in with a script tag, which our CSP refuses: the flows run
// with bypassCSP, and the last test loads every page under the real CSP.
async function browser(opts = { bypassCSP: true }) {
  const b = await launchBrowser(opts);
  browsers.add(b);
  return b;
}

async function login(page, u) {
  await page.goto(daemon.url + '/login.html');
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(u.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PW);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/compte\.html$/);
}

async function assertAccessible(page, what) {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `${what}: ${JSON.stringify(v, null, 1)}`);
}

test('an adviser uploads a CSV and reads the per-line report', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, ADVISER);
  await page.getByRole('navigation', { name: 'Compte' })
    .getByRole('link', { name: 'Sessions' }).click();
  await page.waitForURL(/\/admin\/sessions\.html$/);
  const row = page.getByRole('row', { name: /Session de démonstration/ });
  await row.waitFor();
  assert.match(await row.textContent(), /En cours : semaine 2 ouverte/);
  await assertAccessible(page, 'sessions');
  await row.getByRole('link', { name: /Inscriptions/ }).click();
  await page.waitForURL(/\/admin\/inscriptions\.html\?session=\d+$/);
  await page.getByRole('heading', { name: 'Session « Session de démonstration »' }).waitFor();

  const enrolments = () => Number(sql('SELECT count(*) FROM enrolments'));
  const users = () => Number(sql('SELECT count(*) FROM users'));
  const [e0, u0] = [enrolments(), users()];
  const bad = 'e-mail;nom;prénom;siret;entreprise;effectif\n' +
    'marc@garage.test;Martin;Marc;443 061 841 00047;Garage Martin;8\n' +
    'pas-une-adresse;Faux;Ana;44306184100047;;\n' +
    'max@usine.test;Gros;Max;55208131766522;Grosse Industrie;300\n';
  await page.getByLabel('Fichier CSV', { exact: true }).setInputFiles({ name: 'inscriptions.csv',
    mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByRole('button', { name: 'Importer le fichier' }).click();
  const report = page.getByRole('heading', { name: 'Rapport d\'import : rien n\'a été importé' });
  await report.waitFor();
  const errors = page.getByRole('region', { name: 'Erreurs par ligne' });
  const rows = await errors.getByRole('row').allTextContents();
  assert.equal(rows.length, 3, rows.join('\n'));
  assert.match(rows[1], /^3\s*e-mail\s*L'adresse e-mail « pas-une-adresse » n'est pas valide\./);
  assert.match(rows[2], /^4\s*effectif\s*Entreprise non éligible : elle compte 300 salariés/);
  assert.match(await page.locator('#message-import').textContent(), /rien n'a été importé/);
  assert.equal(enrolments(), e0, 'nothing written');
  assert.equal(users(), u0, 'no account created');
  await assertAccessible(page, 'inscriptions, report of a refused file');

  const good = '\uFEFFe-mail;nom;prénom;siret;entreprise;effectif\r\n' +
    'marc@garage.test;Martin;Marc;443 061 841 00047;Garage Martin;8\r\n' +
    `${LEARNER.email};Durand;Léa;73282932000074;;\r\n`;
  await page.getByLabel('Fichier CSV', { exact: true }).setInputFiles({ name: 'inscriptions.csv',
    mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByRole('button', { name: 'Importer le fichier' }).click();
  await page.getByRole('heading', { name: 'Rapport d\'import : fichier importé' }).waitFor();
  assert.match(await page.locator('#rapport-resume').textContent(),
    /1 inscription\(s\), 1 personne\(s\) déjà inscrite\(s\), 1 compte\(s\) créé\(s\)/);
  const result = await page.getByRole('region', { name: 'Résultat par ligne' })
    .getByRole('row').allTextContents();
  assert.match(result[1], /2\s*marc@garage\.test\s*Inscription faite, compte créé/);
  assert.match(result[2], /3\s*lea\.durand@boulangerie\.test\s*Déjà inscrit·e/);
  await page.getByRole('row', { name: /Marc Martin/ }).waitFor();
  assert.equal(enrolments(), e0 + 1);
  assert.equal(sql("SELECT o.code FROM users u JOIN opca o ON o.id = u.opca_id " +
    "WHERE u.email = 'marc@garage.test'"), 'unifaf');
  await assertAccessible(page, 'inscriptions, report of an imported file');
  assert.deepEqual(page.problems, []);
});

test('a learner sees Mon parcours: weeks 1-2 open, 3-4 locked until their date', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, LEARNER);
  await page.goto(daemon.url + '/');
  await page.getByRole('link', { name: 'Mon parcours' }).first().click();
  await page.waitForURL(/\/parcours\.html$/);
  await page.getByRole('heading', { name: 'Le numérique au service des TPE-PME' }).waitFor();
  const week = (n) => page.getByRole('region', { name: new RegExp(`^Semaine ${n} —`) });
  assert.equal(await week(1).getByRole('heading').textContent(), 'Semaine 1 — ouverte');
  assert.equal(await week(2).getByRole('heading').textContent(), 'Semaine 2 — ouverte');
  assert.equal(await week(3).getByRole('heading').textContent(), 'Semaine 3 — pas encore ouverte');
  const link = week(1).getByRole('link', { name: 'Unité 1 : le courriel professionnel' });
  assert.equal(await link.getAttribute('href'), '/lecteur.html?paquet=1&element=ITEM-1');
  assert.match(await week(2).textContent(), /20\u00a0min/);
  // A locked week names its unit but offers no link, and says when it opens.
  assert.equal(await week(3).getByRole('link').count(), 0);
  assert.match(await week(3).textContent(), /Unité 1 : le courriel professionnel/);
  const opens = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long',
    day: 'numeric', month: 'long', year: 'numeric' })
    .format(new Date(`${parisDate(6)}T00:00:00Z`)).replace(/^(\S+) 1 /, '$1 1er ');
  assert.match(await week(3).textContent(), new RegExp(`Cette semaine ouvre le ${opens}\\.`));
  assert.match(await week(4).textContent(), /Pas encore d'unité/);
  assert.match(await page.getByRole('main').textContent(),
    /sur place, le .* — Unifaf, 31 rue Anatole France, Levallois/);
  await assertAccessible(page, 'Mon parcours');
  // The link opens the player on that unit.
  await link.click();
  await page.waitForURL(/\/lecteur\.html\?paquet=1&element=ITEM-1$/);
  assert.deepEqual(page.problems, []);
});

test('an admin adds a unit in the course builder; companies page is accessible', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, ADMIN);
  await page.getByRole('link', { name: 'Formations' }).click();
  await page.waitForURL(/\/admin\/formations\.html$/);
  await page.getByRole('heading', { name: 'Le numérique au service des TPE-PME (tpe)' }).waitFor();
  await assertAccessible(page, 'formations');
  await page.getByLabel('Parcours', { exact: true }).selectOption('unifaf');
  await page.getByLabel('Semaine', { exact: true }).selectOption('4');
  await page.getByLabel('Paquet SCORM').selectOption({ label: 'Parcours Unifaf (SCORM 2004)' });
  await page.getByLabel('SCO du paquet').selectOption('ITEM-2');
  await page.getByLabel('Durée estimée (minutes)').fill('30');
  await page.getByRole('button', { name: 'Ajouter l\'unité' }).click();
  await page.getByText('Unité ajoutée en semaine 4.').waitFor();
  const table = page.getByRole('region', { name: 'Parcours Unifaf, semaine 4' });
  assert.match(await table.textContent(), /Unité 2 : sauvegarder ses données.*30 min/);
  assert.equal(sql("SELECT week || '|' || minutes FROM units WHERE item = 'ITEM-2' " +
    'AND package_id = 2'), '4|30');
  // A bad binding is refused with the server's French reason.
  await page.getByLabel('Parcours', { exact: true }).selectOption('commun');
  await page.getByLabel('Semaine', { exact: true }).selectOption('1');
  await page.getByLabel('Paquet SCORM').selectOption({ label: 'Semaines communes (SCORM 1.2)' });
  await page.getByLabel('SCO du paquet').selectOption('ITEM-1');
  await page.getByRole('button', { name: 'Ajouter l\'unité' }).click();
  await page.getByText('Ce SCO est déjà une unité de cette formation.').waitFor();
  await page.goto(daemon.url + '/admin/sessions.html');
  await page.getByRole('heading', { name: 'Ouvrir une session' }).waitFor();
  await assertAccessible(page, 'sessions (admin, with the form)');
  await page.goto(daemon.url + '/admin/entreprises.html');
  await page.getByRole('row', { name: /Boulangerie Durand/ }).waitFor();
  assert.match(await page.getByRole('row', { name: /Boulangerie Durand/ }).textContent(),
    /732\u00a0829\u00a0320\u00a000074/);
  await assertAccessible(page, 'entreprises');
  assert.deepEqual(page.problems, []);
});

test('on the regroupement\'s day an admin marks attendance on the sheet', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, ADMIN);
  await page.goto(`${daemon.url}/admin/emargement.html?session=${cohortId}`);
  await page.getByText(/L'émargement ouvre le jour du regroupement/).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0);
  await assertAccessible(page, 'émargement before the day');
  const clock = await request(`${daemon.url}/api/v1/test/clock`, { method: 'POST',
    body: { offset_ms: 25.5 * DAY } });
  assert.equal(clock.status, 200);
  try {
    await login(page, ADMIN);
    await page.goto(`${daemon.url}/admin/emargement.html?session=${cohortId}`);
    const group = page.getByRole('group', { name: `Présence de ${LEARNER.name}` });
    await group.getByLabel('Présent·e').check();
    await page.getByRole('button', { name: 'Enregistrer l\'émargement' }).click();
    await page.getByText('1 saisie(s) enregistrée(s).').waitFor();
    const row = page.getByRole('row', { name: new RegExp(LEARNER.name) });
    assert.match(await row.textContent(), /Présent·e.*par direction@organisme\.test/);
    await assertAccessible(page, 'émargement');
    assert.equal(sql('SELECT present || by_label FROM attendance'), '1direction@organisme.test');
  } finally {
    await request(`${daemon.url}/api/v1/test/clock`, { method: 'POST', body: { offset_ms: 0 } });
  }
  assert.deepEqual(page.problems, []);
});

test('every page loads under the real CSP without errors', T, async () => {
  const b = await browser({});
  for (const [who, pages] of [
    [ADMIN, [['/admin/formations.html', 'Le numérique au service des TPE-PME (tpe)'],
      ['/admin/sessions.html', 'Sessions'], ['/admin/entreprises.html', 'Entreprises enregistrées'],
      [`/admin/inscriptions.html?session=${cohortId}`, 'Personnes inscrites'],
      [`/admin/emargement.html?session=${cohortId}`, 'Feuille d\'émargement']]],
    [LEARNER, [['/parcours.html', 'Le numérique au service des TPE-PME']]],
  ]) {
    const page = await watchedPage(b);
    await login(page, who);
    for (const [p, heading] of pages) {
      await page.goto(daemon.url + p);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    }
    assert.deepEqual(page.problems, [], who.email);
    await page.close();
  }
});
