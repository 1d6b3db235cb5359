// Attestations in Chromium: an adviser issues the attestations de présence
// of a session from the attestations page and downloads one; a visitor
// without an account opens its verification page (from the QR code's
// address) and reads « Document authentique »; the same page, given a PDF
// with one changed byte, says « Document altéré »; the learner finds the
// document under « Mes attestations »; every page passes axe-core.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertAccessible, launchBrowser, loginAs, watchedPage } from '../lib/browser.mjs';
import { BIN, startDaemon, stopCleanly } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const PW = 'Attester-Dans-Le-Navigateur-9';
const ADVISER = { email: 'conseil@unifaf.test', name: 'Camille Roussel' };
const LEARNER = { email: 'lea.durand@boulangerie.test', name: 'Léa Durand' };
const T = { timeout: 90000 };

let daemon;
let tmp;
let number;
const browsers = new Set();

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(daemon.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-e2e-attest-'));
  daemon = await startDaemon({ config: { scrypt_log2n: 10,
    organisation_name: 'Organisme de démonstration', organisation_nda: '11 75 99999 75',
    organisation_siret: '99912345600009', organisation_city: 'Paris',
    organisation_representative: 'Aline Martin', organisation_representative_title: 'Directrice' } });
  for (const [u, role] of [[ADVISER, 'adviser'], [LEARNER, 'learner']]) {
    const r = cli(['user', 'add', u.email, '--name', u.name, '--role', role, '--opca', 'unifaf',
      '--password-stdin'], `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
  }
  fs.writeFileSync(path.join(tmp, 'p.zip'), validPackage('1.2'));
  assert.equal(cli(['import', path.join(tmp, 'p.zip')]).status, 0);
  enrolInCourse(cli, [{ package: 1, item: 'ITEM-1' }], [LEARNER.email], 'attest-e2e');
});

after(async () => {
  for (const b of browsers)
    await b.close();
  await stopCleanly(daemon);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function browser() {
  const b = await launchBrowser({ bypassCSP: true, acceptDownloads: true });
  browsers.add(b);
  return b;
}

const login = (page, u) => loginAs(page, daemon.url, u.email, PW);

test('an adviser issues the session\'s attestations and downloads one', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, ADVISER);
  await page.goto(daemon.url + '/admin/attestations.html');
  await page.getByRole('heading', { name: 'Session « Session attest-e2e »' }).waitFor();
  await assertAccessible(page, 'attestations, before');
  // The certificat cannot be issued before the end: the button says so.
  await page.getByLabel('Certificat de réalisation').check();
  assert.equal(await page.getByRole('button', { name: /Émettre pour chaque/ }).isDisabled(), true);
  await page.getByLabel(/Attestation de présence/).check();
  await page.getByRole('button', { name: /Émettre pour chaque/ }).click();
  await page.getByText('1 document(s) émis et signé(s).').waitFor();
  number = sql('SELECT number FROM attestations');
  assert.match(number, /^AS-\d{4}-000001$/);
  const row = page.getByRole('region', { name: 'Documents en vigueur par apprenant·e' })
    .getByRole('row', { name: /Léa Durand/ });
  const [download] = await Promise.all([page.waitForEvent('download'),
    row.getByRole('link', { name: new RegExp(`n° ${number}`) }).click()]);
  assert.match(download.suggestedFilename(), new RegExp(`^${number}-attestation-presence-lea-durand\\.pdf$`));
  const file = path.join(tmp, 'doc.pdf');
  await download.saveAs(file);
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  assert.match(text, /Attestation de présence/);
  assert.match(text, /Léa Durand/);
  await assertAccessible(page, 'attestations, after');
  assert.deepEqual(page.problems, []);
});

test('anyone verifies the document from its address, and a changed PDF reads as altered', T, async () => {
  const page = await watchedPage(await browser());
  // The number alone: the verdict, but no personal data.
  await page.goto(`${daemon.url}/verify/${number}`);
  await page.getByRole('heading', { name: `Document authentique — ${number}` }).waitFor();
  assert.doesNotMatch(await page.locator('main').textContent(), /Léa Durand/);
  // The address printed under the QR code shows the facts.
  const printed = execFileSync('pdftotext', [path.join(tmp, 'doc.pdf'), '-'], { encoding: 'utf8' })
    .replace(/\s+/g, '');
  const url = new RegExp(`http://127\\.0\\.0\\.1:\\d+/verify/${number}\\?c=[0-9a-f]{16}`).exec(printed)[0];
  await page.goto(url);
  await page.locator('#faits').getByText('Léa Durand').waitFor();
  await assertAccessible(page, 'verification, valid');
  const bytes = fs.readFileSync(path.join(tmp, 'doc.pdf'));
  const b64 = execFileSync('pdfinfo', ['-custom', path.join(tmp, 'doc.pdf')], { encoding: 'utf8' })
    .match(/^AssiduFacts:\s*(\S+)$/m)[1];
  const at = bytes.indexOf(Buffer.from(b64.slice(0, 40))) + 120;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  await page.getByLabel(/Ou déposez le PDF reçu/).setInputFiles({ name: 'doc.pdf',
    mimeType: 'application/pdf', buffer: bytes });
  await page.getByRole('button', { name: 'Vérifier ce PDF' }).click();
  await page.getByRole('heading', { name: /^Document altéré/ }).waitFor();
  await page.goto(`${daemon.url}/verify/AS-2001-000042`);
  await page.getByRole('heading', { name: 'Document inconnu — AS-2001-000042' }).waitFor();
  await assertAccessible(page, 'verification, unknown');
  assert.deepEqual(page.problems, []);
});

test('the learner finds the document under Mes attestations', T, async () => {
  const page = await watchedPage(await browser());
  await login(page, LEARNER);
  await page.goto(daemon.url + '/parcours.html');
  const section = page.locator('#mes-attestations');
  await section.getByRole('heading', { name: 'Mes attestations' }).waitFor();
  const link = section.getByRole('link', { name: `Attestation de présence n° ${number} (PDF)` });
  assert.equal(await link.getAttribute('href'), `/api/v1/attestations/${number}/pdf`);
  await assertAccessible(page, 'Mon parcours with attestations');
  assert.deepEqual(page.problems, []);
});
