// The staff's side of the relevé de connexions in Chromium: an adviser
// opens Suivi from the sessions page, sees their learner (not another
// OPCA's) with the figures of the API, the gap flagged in words, and opens
// the learner's relevé; both pages pass axe-core and load under the real
// Content-Security-Policy.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertAccessible, launchBrowser, loginAs, watchedPage } from '../lib/browser.mjs';
import { BIN, request, startDaemon, stopCleanly } from '../lib/daemon.mjs';
import { enrolInCourse } from '../lib/course.mjs';
import { validPackage } from '../data/hostile.mjs';

const PW = 'Suivre-Sans-Surveiller-9';
const ADVISER = { email: 'conseil@unifaf.test', name: 'Camille Roussel' };
const LEARNER = { email: 'lea.durand@boulangerie.test', name: 'Léa Durand' };
const OTHER = { email: 'karim.benali@fromagerie.test', name: 'Karim Benali' };
const T = { timeout: 90000 };

let daemon;
let cohort;
let staff;
const browsers = new Set();

function cli(args, input) {
  const r = spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `assidu ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function session(email) {
  const r = await request(`${daemon.url}/api/v1/login`, { method: 'POST',
    body: { email, password: PW } });
  assert.equal(r.status, 200, r.body);
  return { Cookie: r.headers['set-cookie'][0].split(';')[0], 'X-CSRF-Token': r.json.csrf };
}

const post = async (headers, p, body) => {
  const r = await request(`${daemon.url}${p}`, { method: 'POST', body, headers });
  assert.ok(r.status < 300, r.body);
  return r.json;
};

// The same words as the pages (www/js/spoc-ui.js duration()).
function duration(ms) {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}\u00a0min${s % 60 ? `\u00a0${String(s % 60).padStart(2, '0')}\u00a0s` : ''}` :
    `${s}\u00a0s`;
}

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const [u, role, opca] of [[ADVISER, 'adviser', 'unifaf'], [LEARNER, 'learner', 'unifaf'],
    [OTHER, 'learner', 'opcalim']])
    cli(['user', 'add', u.email, '--name', u.name, '--role', role, '--opca', opca,
      '--password-stdin'], `${PW}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-e2e-suivi-'));
  fs.writeFileSync(path.join(dir, 'p.zip'), validPackage('1.2'));
  cli(['import', path.join(dir, 'p.zip')]);
  fs.rmSync(dir, { recursive: true, force: true });
  cohort = enrolInCourse(cli, [{ package: 1, item: 'ITEM-1' }, { package: 1, item: 'ITEM-2' }],
    [LEARNER.email, OTHER.email], 'suivi');
  // Léa plays unit 1 for two minutes; the unit says thirty.
  const lea = await session(LEARNER.email);
  const o = await post(lea, '/api/v1/runtime/sessions', { package: 1, item: 'ITEM-1' });
  for (let i = 1; i <= 4; i++) {
    await post({}, '/api/v1/test/clock', { offset_ms: i * 30000 });
    await post(lea, `/api/v1/runtime/sessions/${o.session}/beats`, { active: true });
  }
  await post(lea, `/api/v1/runtime/sessions/${o.session}/commits`, { seq: 1, finish: true,
    values: [['cmi.core.lesson_status', 'completed'], ['cmi.core.session_time', '00:30:00']] });
  staff = await session(ADVISER.email);
  const r = await request(`${daemon.url}/api/v1/me`, { headers: staff });
  assert.equal(r.status, 200);
});

after(async () => {
  for (const b of browsers)
    await b.close();
  await stopCleanly(daemon);
});

// axe-core goes in with a script tag, which our CSP refuses: the flow runs
// with bypassCSP, and the last test loads the pages under the real CSP.
async function browser(opts = { bypassCSP: true }) {
  const b = await launchBrowser(opts);
  browsers.add(b);
  return b;
}

const login = (page, u) => loginAs(page, daemon.url, u.email, PW);

test('an adviser follows their learner and opens the relevé', T, async () => {
  const cohorts = await request(`${daemon.url}/api/v1/cohorts`, { headers: staff });
  const cid = cohorts.json.find((c) => c.name === cohort).id;
  const list = await request(`${daemon.url}/api/v1/cohorts/${cid}/releve`, { headers: staff });
  assert.equal(list.status, 200, list.body);
  assert.equal(list.json.enrolments.length, 1, 'only the adviser\'s OPCA');
  const t = list.json.enrolments[0].totals;

  const page = await watchedPage(await browser());
  await login(page, ADVISER);
  await page.goto(daemon.url + '/admin/sessions.html');
  await page.getByRole('row', { name: new RegExp(cohort) })
    .getByRole('link', { name: `Suivi — ${cohort}` }).click();
  await page.waitForURL(/\/admin\/suivi\.html\?session=\d+$/);
  await page.getByRole('heading', { name: `Session « ${cohort} »` }).waitFor();
  const row = page.getByRole('row', { name: new RegExp(LEARNER.name) });
  await row.waitFor();
  const cells = (await row.locator('th, td').allTextContents()).map((c) => c.trim());
  // No OPCA column for an adviser: they see their own OPCA only.
  assert.deepEqual(cells.slice(1, 11), ['Boulangerie d\'essai', '1/2', '—', '—', '—', '1/2',
    duration(t.measured_ms), duration(t.reported_ms), '⚠\u00a0déclaré > mesuré',
    new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short',
      timeZone: 'Europe/Paris' }).format(new Date(list.json.enrolments[0].last_at))]);
  assert.equal(cells[11], 'Non renseigné');
  assert.equal(duration(t.reported_ms), '30\u00a0min');
  assert.equal(await page.getByRole('row', { name: new RegExp(OTHER.name) }).count(), 0);
  assert.match(await page.getByRole('main').textContent(), /Écart\u00a0: le temps déclaré par l'unité/);
  assert.equal(await page.getByRole('link', { name: 'Télécharger le relevé (CSV)' })
    .getAttribute('href'), `/api/v1/cohorts/${cid}/releve.csv`);
  await assertAccessible(page, 'suivi');

  await row.getByRole('link', { name: `Relevé de ${LEARNER.name}` }).click();
  await page.waitForURL(/\/admin\/releve\.html\?inscription=\d+$/);
  await page.getByRole('heading', { name: LEARNER.name }).waitFor();
  const totals = page.getByRole('region', { name: 'Totaux' });
  assert.match(await totals.textContent(), /Unités terminées1 sur 2/);
  assert.match(await totals.textContent(), /Durée certifiée15\u00a0min/);
  const week = page.getByRole('region', { name: 'Semaine 1 de Léa Durand', exact: false });
  const unit = week.getByRole('row', { name: /Unité 1 : le courriel professionnel/ });
  assert.match(await unit.textContent(), /déclaré > mesuré\s*Terminée/);
  assert.match(await page.locator('#info-entreprise').textContent(),
    /Boulangerie d'essai — SIRET 888\u00a0123\u00a0456\u00a000012/);
  assert.match(await page.getByRole('link', { name: 'Télécharger le relevé (CSV)' })
    .getAttribute('href'), /^\/api\/v1\/enrolments\/\d+\/releve\.csv$/);
  await assertAccessible(page, 'relevé');
  assert.deepEqual(page.problems, []);
});

test('both pages load under the real CSP without errors', T, async () => {
  const page = await watchedPage(await browser({}));
  await login(page, ADVISER);
  await page.goto(daemon.url + '/admin/suivi.html');
  await page.getByRole('heading', { name: 'Avancement et temps de connexion' }).waitFor();
  await page.getByRole('link', { name: `Relevé de ${LEARNER.name}` }).click();
  await page.getByRole('heading', { name: 'Totaux' }).waitFor();
  assert.deepEqual(page.problems, []);
});
