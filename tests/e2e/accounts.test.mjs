// Accounts in the browser: login, my account, the accounts page, invitation
// links, logout, and an axe-core accessibility pass on the main pages.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, launchBrowser, watchedPage } from '../lib/browser.mjs';
import { BIN, startDaemon } from '../lib/daemon.mjs';

const ADMIN = { email: 'admin@assidu.test', name: 'Claire Dubois',
  role: 'admin', password: 'correct horse battery staple' };
const LEARNER = { email: 'lea.martin@example.test', name: 'Léa Martin',
  role: 'learner', opca: 'unifaf', password: 'pommes de terre sautées' };
const LEAVER = { email: 'paul.roux@example.test', name: 'Paul Roux',
  role: 'learner', opca: 'fafih', password: 'vingt mille lieues sous les mers' };
const INVITED = { email: 'ines.garcia@example.test', name: 'Inès García',
  password: 'un été au bord du lac bleu' };

const T = { timeout: 60000 };

let daemon;
const browsers = new Set();

function addUser(u) {
  const args = ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, 'user', 'add', u.email, '--name', u.name,
    '--role', u.role];
  if (u.opca)
    args.push('--opca', u.opca);
  args.push('--password-stdin');
  const r = spawnSync(BIN, args, { input: u.password + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, `assidu user add ${u.email}: ${r.stderr}`);
}

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  for (const u of [ADMIN, LEARNER, LEAVER])
    addUser(u);
});

// A graceful stop, so that a crash or leak report at shutdown fails the file.
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

// A fresh profile: its own cookies and sessionStorage.
async function browser(opts) {
  const b = await launchBrowser(opts);
  browsers.add(b);
  return b;
}

async function login(page, u) {
  if (!page.url().includes('/login.html'))
    await page.goto(daemon.url + '/login.html');
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(u.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(u.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

test('an admin creates a learner and the invitation link lets them in', T, async () => {
  const b = await browser();
  await b.context.grantPermissions(['clipboard-read', 'clipboard-write'],
    { origin: daemon.url });
  const page = await watchedPage(b);

  await login(page, ADMIN);
  await page.waitForURL(daemon.url + '/compte.html');
  await page.getByRole('main').getByText(ADMIN.name, { exact: true }).waitFor();
  assert.equal(await page.getByRole('main').getByText('Administration', { exact: true })
    .count(), 1, 'role shown in French');

  await page.getByRole('link', { name: 'Comptes' }).click();
  await page.waitForURL(daemon.url + '/admin/utilisateurs.html');
  await page.getByRole('heading', { name: 'Créer un compte' }).waitFor();
  await page.getByLabel('Nom et prénom').fill(INVITED.name);
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(INVITED.email);
  await page.getByLabel('Rôle').selectOption('learner');
  await page.getByLabel('OPCA', { exact: true }).selectOption('opcalim');
  await page.getByRole('button', { name: 'Créer le compte' }).click();

  const row = page.getByRole('row', { name: new RegExp(INVITED.name) });
  await row.waitFor();
  const cells = await row.textContent();
  assert.match(cells, /ines\.garcia@example\.test/);
  assert.match(cells, /Apprenant·e/);
  assert.match(cells, /Opcalim/);
  assert.match(cells, /Invitation en attente/);
  await page.getByText(`Compte créé pour ${INVITED.name}`).waitFor();
  // An account with a password gets a reset link instead (forgotten password).
  assert.equal(await page.getByRole('row', { name: new RegExp(LEARNER.name) })
    .getByRole('button', { name: /Lien de réinitialisation/ }).count(), 1);

  await row.getByRole('button', { name: /Lien d'invitation/ }).click();
  await page.getByRole('heading', { name: `Lien d'invitation pour ${INVITED.name}` })
    .waitFor();
  const link = await page.getByLabel('Lien à transmettre').inputValue();
  assert.match(link, /^http:\/\/[^/]+\/invitation\.html#[^?#]+$/,
    'the token travels in the fragment, never in the query string');
  assert.match(await page.getByRole('main').textContent(), /7 jours/);

  await page.getByRole('button', { name: 'Copier le lien' }).click();
  await page.getByText(/Lien copié|copiez-le avec Ctrl\+C/).waitFor();
  assert.deepEqual(page.problems, []);

  // The invited person, on another computer.
  const b2 = await browser();
  const page2 = await watchedPage(b2);
  await page2.goto(link.replace(/^http:\/\/[^/]+/, daemon.url));
  await page2.getByRole('heading', { name: `Bienvenue, ${INVITED.name}` }).waitFor();
  assert.ok(!page2.url().includes('#'), 'token removed from the address bar');
  assert.equal(await page2.getByLabel(/Adresse e-mail/).inputValue(), INVITED.email);
  await page2.getByLabel('Mot de passe', { exact: true }).fill(INVITED.password);
  await page2.getByLabel('Confirmez le mot de passe').fill(INVITED.password);
  await page2.getByRole('button', { name: 'Enregistrer et me connecter' }).click();
  await page2.waitForURL(daemon.url + '/compte.html');
  await page2.getByRole('main').getByText(INVITED.name, { exact: true }).waitFor();
  assert.equal(await page2.getByRole('main').getByText('Apprenant·e', { exact: true })
    .count(), 1);
  assert.equal(await page2.getByRole('main').getByText('Opcalim', { exact: true })
    .count(), 1);
  assert.deepEqual(page2.problems, []);

  // The link served once.
  await page2.goto(link.replace(/^http:\/\/[^/]+/, daemon.url));
  await page2.getByRole('heading', { name: "Lien d'invitation inutilisable" }).waitFor();
  assert.equal(await page2.getByLabel('Mot de passe', { exact: true }).isVisible(), false);
  await b2.close();
  await b.close();
});

test('a wrong password shows a French error and stays on the login page', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, { email: ADMIN.email, password: 'pas le bon mot de passe' });
  const alert = page.getByRole('alert').filter({ hasText: /incorrect/ });
  await alert.waitFor();
  assert.match(await alert.textContent(), /Adresse e-mail ou mot de passe incorrect\./);
  assert.equal(new URL(page.url()).pathname, '/login.html');
  assert.equal(await page.getByLabel('Mot de passe', { exact: true }).inputValue(), '',
    'password field cleared');
  assert.deepEqual(page.problems, []);
  await b.close();
});

test('a learner sent to the accounts page gets "Accès refusé" and no table', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await page.goto(daemon.url + '/admin/utilisateurs.html');
  await page.waitForURL(daemon.url + '/login.html?suite=%2Fadmin%2Futilisateurs.html');
  await login(page, LEARNER);
  // Back where they wanted to go, then refused.
  await page.waitForURL(daemon.url + '/admin/utilisateurs.html');
  const refusal = page.getByRole('alert').filter({ hasText: 'Accès refusé' });
  await refusal.waitFor();
  assert.equal(await page.locator('table').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Créer le compte' }).isVisible(), false);
  assert.deepEqual(page.problems, []);
  await b.close();
});

test('after logout, /compte.html sends to login.html?suite=%2Fcompte.html', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await login(page, LEAVER);
  await page.waitForURL(daemon.url + '/compte.html');
  await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
  await page.waitForURL(daemon.url + '/login.html');
  await page.getByText('Vous êtes déconnecté·e.').waitFor();
  await page.goto(daemon.url + '/compte.html');
  await page.waitForURL(daemon.url + '/login.html?suite=%2Fcompte.html');
  assert.deepEqual(page.problems, []);
  await b.close();
});

test('"Se déconnecter de tous les appareils" closes the other browsers too', T, async () => {
  const here = await browser();
  const there = await browser();
  const p1 = await watchedPage(here);
  const p2 = await watchedPage(there);
  for (const p of [p1, p2]) {
    await login(p, LEAVER);
    await p.waitForURL(daemon.url + '/compte.html');
  }
  await p1.getByRole('button', { name: 'Se déconnecter de tous les appareils' }).click();
  await p1.waitForURL(daemon.url + '/login.html');
  await p2.reload();
  await p2.waitForURL(daemon.url + '/login.html?suite=%2Fcompte.html');
  assert.deepEqual(p1.problems, []);
  await here.close();
  await there.close();
});

test('the suite parameter only leads to a page of this site', T, async () => {
  const b = await browser();
  const page = await watchedPage(b);
  await page.goto(daemon.url + '/login.html?suite=' +
    encodeURIComponent('//evil.example/compte.html'));
  await login(page, LEARNER);
  await page.waitForURL(daemon.url + '/compte.html');
  await b.close();
});

// axe-core is injected as a script: this browser ignores the CSP.
test('login, account and accounts pages have no serious axe violations', T, async () => {
  const b = await browser({ bypassCSP: true });
  const page = await b.newPage();

  await page.goto(daemon.url + '/login.html');
  await page.getByLabel('Adresse e-mail').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'login.html');

  await login(page, ADMIN);
  await page.waitForURL(daemon.url + '/compte.html');
  await page.getByRole('main').getByText(ADMIN.name, { exact: true }).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'compte.html');

  await page.goto(daemon.url + '/admin/utilisateurs.html');
  await page.getByRole('row', { name: new RegExp(LEARNER.name) }).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'admin/utilisateurs.html');
  await b.close();
});
