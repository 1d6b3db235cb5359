// The package player in Chromium: an imported package's table of contents,
// its SCO in an iframe served from /content, previous and next.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { BIN, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const T = { timeout: 60000 };
const LEARNER = { email: 'lea@boulangerie.fr', password: 'Farine-Et-Levain-2026' };
let daemon;
let browser;
let packageId;

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
}

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  const r = cli(['user', 'add', LEARNER.email, '--name', 'Léa', '--role', 'learner',
    '--opca', 'unifaf', '--password-stdin'], `${LEARNER.password}\n`);
  assert.equal(r.status, 0, r.stderr);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-player-'));
  const zip = path.join(dir, 'paquet.zip');
  fs.writeFileSync(zip, validPackage('2004'));
  const imp = cli(['import', zip]);
  assert.equal(imp.status, 0, imp.stderr);
  fs.rmSync(dir, { recursive: true, force: true });
  enrolInCourse(cli, [{ package: 1, item: 'ITEM-1' }, { package: 1, item: 'ITEM-2' }],
    [LEARNER.email]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (daemon) {
    const st = await daemon.stop('SIGTERM');
    assert.deepEqual(st, { code: 0, signal: null });
    await daemon.cleanup();
  }
});

test('a learner plays a package: contents, SCO in the frame, next and previous', T, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Without a session the player sends to the login page.
  await page.goto(`${daemon.url}/lecteur.html?paquet=1`);
  await page.waitForURL(/\/login\.html\?suite=/);
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(LEARNER.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(LEARNER.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/lecteur\.html\?paquet=1/);
  const toc = page.getByRole('navigation', { name: /./ }).filter({ has: page.locator('#sommaire') });
  await toc.locator('a').first().waitFor();
  const links = await page.locator('#sommaire a').allTextContents();
  assert.ok(links.length >= 2, `contents: ${links}`);
  assert.match(await page.locator('#version').textContent(), /SCORM 2004 4th Edition/);
  // The first SCO is loaded from the package's immutable URL, once its
  // run-time session is open.
  await page.waitForFunction(() =>
    /^\/content\//.test(document.querySelector('#sco').getAttribute('src')));
  const src = await page.locator('#sco').getAttribute('src');
  assert.match(src, /^\/content\/[0-9a-f]{64}\//);
  const frame = page.frameLocator('#sco');
  await frame.locator('body').waitFor();
  assert.ok((await frame.locator('body').textContent()).length > 0);
  assert.equal(await page.locator('#precedent').isDisabled(), true);
  await page.locator('#suivant').click();
  await page.waitForFunction(() => document.querySelector('#sommaire a[aria-current="page"]')
    ?.dataset.index === '1');
  await page.waitForFunction((s) => /^\/content\//.test(
    document.querySelector('#sco').getAttribute('src')) &&
    document.querySelector('#sco').getAttribute('src') !== s, src);
  assert.match(page.url(), /element=/);
  await page.locator('#precedent').click();
  await page.waitForFunction((s) => document.querySelector('#sco').getAttribute('src') === s, src);
  assert.deepEqual(errors, []);
});

test('an unknown package shows a French error', T, async () => {
  const page = await browser.newPage();
  await page.goto(`${daemon.url}/lecteur.html?paquet=999`);
  await page.locator('#message.error').waitFor();
  assert.match(await page.locator('#message').textContent(), /Paquet inconnu/);
});
