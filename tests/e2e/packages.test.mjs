// The packages page in Chromium: an admin uploads a .zip in slices and
// imports it, opens it in the player; a hostile zip is refused in French; a
// learner is refused the page; axe-core finds no serious violation.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, launchBrowser, watchedPage } from '../lib/browser.mjs';
import { BIN, startDaemon } from '../lib/daemon.mjs';
import { buildCorpus, validPackage } from '../data/hostile.mjs';

const T = { timeout: 60000 };
const ADMIN = { email: 'admin@assidu.test', name: 'Claire Dubois', role: 'admin',
  password: 'correct horse battery staple' };
const LEARNER = { email: 'lea@boulangerie.fr', name: 'Léa', role: 'learner',
  opca: 'unifaf', password: 'Farine-Et-Levain-2026' };

let daemon;
let dir;
const browsers = new Set();

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
}

function addUser(u) {
  const args = ['user', 'add', u.email, '--name', u.name, '--role', u.role];
  if (u.opca)
    args.push('--opca', u.opca);
  const r = cli([...args, '--password-stdin'], `${u.password}\n`);
  assert.equal(r.status, 0, `assidu user add ${u.email}: ${r.stderr}`);
}

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  addUser(ADMIN);
  addUser(LEARNER);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-packages-'));
});

after(async () => {
  for (const b of browsers)
    await b.close();
  if (dir)
    fs.rmSync(dir, { recursive: true, force: true });
  if (!daemon)
    return;
  try {
    const st = await daemon.stop('SIGTERM');
    assert.deepEqual(st, { code: 0, signal: null }, 'assidu exits 0 on SIGTERM');
  } finally {
    await daemon.cleanup();
  }
});

async function browser(opts) {
  const b = await launchBrowser(opts);
  browsers.add(b);
  return b;
}

async function login(page, u) {
  await page.goto(daemon.url + '/login.html');
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(u.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(u.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(daemon.url + '/compte.html');
}

async function importFile(page, file) {
  await page.getByLabel('Fichier du paquet (.zip)').setInputFiles(file);
  await page.getByRole('button', { name: 'Importer' }).click();
  const msg = page.locator('#message-import');
  await page.locator('#message-import.ok, #message-import.error').waitFor();
  return msg;
}

test('an admin uploads a package, sees it listed and opens it in the player', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, ADMIN);
  await page.getByRole('link', { name: 'Paquets SCORM' }).click();
  await page.waitForURL(daemon.url + '/admin/paquets.html');
  await page.getByRole('heading', { name: 'Importer un paquet' }).waitFor();

  const zip = path.join(dir, 'valide-1.2.zip');
  fs.writeFileSync(zip, validPackage('1.2'));
  const msg = await importFile(page, zip);
  assert.match(await msg.getAttribute('class'), /\bok\b/, await msg.textContent());
  assert.match(await msg.textContent(), /^Paquet importé : .+ \(SCORM 1\.2\)\.$/);

  const row = page.locator('#tableau tbody tr[data-id]');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  const cells = await row.first().textContent();
  assert.match(cells, /SCORM 1\.2/);
  assert.match(cells, /\d+(,\d)? Mo/);

  // The same file again: already there, still one row.
  const again = await importFile(page, zip);
  assert.match(await again.textContent(), /déjà importé/);
  assert.equal(await row.count(), 1);

  await row.first().getByRole('link').click();
  await page.waitForURL(/\/lecteur\.html\?paquet=\d+$/);
  await page.locator('#sommaire a').first().waitFor();
  assert.match(await page.locator('#version').textContent(), /SCORM 1\.2/);
  assert.deepEqual(page.problems, []);
  await b.close();
});

test('a package larger than one piece goes up in several PUTs', T, async () => {
  const { randomBytes } = await import('node:crypto');
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, ADMIN);
  await page.goto(daemon.url + '/admin/paquets.html');
  await page.getByRole('heading', { name: 'Importer un paquet' }).waitFor();
  const zip = path.join(dir, 'gros-2004.zip');
  fs.writeFileSync(zip, validPackage('2004', { extra: [
    { name: 'commun/video.bin', data: randomBytes(2600 * 1024), method: 'store' }] }));
  const since = daemon.log().length;
  const msg = await importFile(page, zip);
  assert.match(await msg.textContent(), /^Paquet importé : .+ \(SCORM 2004 4th Edition\)\.$/,
    await msg.textContent());
  const puts = daemon.log().slice(since).match(/method=PUT path=\/api\/v1\/uploads\/\S+ status=200/g);
  assert.ok(puts && puts.length >= 3, `only ${puts?.length} pieces`);
  assert.deepEqual(page.problems, []);
});

test('a zip-slip package is refused with the French reason', T, async () => {
  const corpus = buildCorpus(path.join(dir, 'corpus'));
  const slip = corpus.find((c) => c.id === 'zip-slip') ||
    corpus.find((c) => /zip-slip|\.\./.test(c.name));
  assert.ok(slip, 'the corpus has a zip-slip case');
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, ADMIN);
  await page.goto(daemon.url + '/admin/paquets.html');
  await page.getByRole('heading', { name: 'Importer un paquet' }).waitFor();
  const msg = await importFile(page, slip.file);
  assert.match(await msg.getAttribute('class'), /\berror\b/);
  assert.match(await msg.textContent(), /chemin remontant/);
  assert.deepEqual(page.problems, []);
  await b.close();
});

test('a learner opening the packages page is refused in French', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, LEARNER);
  assert.equal(await page.getByRole('link', { name: 'Paquets SCORM' }).isVisible(), false);
  await page.goto(daemon.url + '/admin/paquets.html');
  await page.getByRole('alert').filter({ hasText: "Accès réservé à l'administration." })
    .waitFor();
  assert.equal(await page.locator('#form-import').isVisible(), false);
  assert.equal(await page.locator('table').count(), 0);
  assert.deepEqual(page.problems, []);
  await b.close();
});

// axe-core is injected as a script: this browser ignores the CSP.
test('the packages page has no serious axe violations', T, async () => {
  const b = await browser({ bypassCSP: true });
  const page = await b.newPage();
  await login(page, ADMIN);
  await page.goto(daemon.url + '/admin/paquets.html');
  await page.locator('#tableau table').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'admin/paquets.html');
  await b.close();
});
