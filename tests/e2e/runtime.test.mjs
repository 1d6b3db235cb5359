// The SCORM run-time in Chromium (DESIGN §4): a learner plays a demo unit of
// each version (scorm/units, built by scorm/build), closes the tab in the
// middle, and finds everything on the server afterwards (page, suspend_data,
// session time, score and interactions), then resumes on the same page.
// Offline, the page turns wait in the local journal, and the next load of
// the player sends them before the unit opens again.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axeViolations, launchBrowser, watchedPage } from '../lib/browser.mjs';
import { BIN, SRCDIR, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const T = { timeout: 120000 };
const UNIT = 's1u1';
const LEARNER = { email: 'lea@boulangerie.fr', password: 'Reprendre-Son-Unite-2026' };
let daemon;
let browser;
let learnerId;
const pkg = {};

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(daemon.dataDir, 'assidu.conf'),
    '--data', daemon.dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(daemon.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

// The learner's last runtime session on a package, as the server has it.
function lastSession(packageId) {
  const row = sql(`SELECT s.id, s.attempt_id, coalesce(s.finished_at, ''),
    coalesce(s.exit, ''), s.session_cs, s.last_seq FROM rte_sessions s
    JOIN attempts a ON a.id = s.attempt_id
    WHERE a.package_id = ${packageId} AND s.user_id = ${learnerId}
    ORDER BY s.id DESC LIMIT 1`);
  if (row === '')
    return null;
  const [id, attempt, finished, exit, cs, seq] = row.split('|');
  return { id: Number(id), attempt: Number(attempt), finished: finished !== '',
    exit, sessionCs: Number(cs), lastSeq: Number(seq) };
}

function value(attempt, name) {
  return sql(`SELECT value FROM cmi_values WHERE attempt_id = ${attempt}
    AND name = '${name}'`);
}

async function until(what, check, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = check();
    if (got)
      return got;
    if (Date.now() > end)
      assert.fail(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Signed in once: every tab of the browser's context has the cookie.
async function signIn(b) {
  const page = await b.newPage();
  await page.goto(`${daemon.url}/login.html`);
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(LEARNER.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(LEARNER.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.close();
}

// The unit in the player's frame, with its position line ("Page 2 sur 6 : …").
async function openUnit(version) {
  const page = await watchedPage(browser);
  await page.goto(`${daemon.url}/lecteur.html?paquet=${pkg[version]}`);
  const frame = page.frameLocator('#sco');
  await frame.locator('#position').filter({ hasText: /^Page \d+ sur \d+/ }).waitFor();
  return { page, frame };
}

async function position(frame) {
  const m = /^Page (\d+) sur (\d+)/.exec(await frame.locator('#position').textContent());
  return { page: Number(m[1]), pages: Number(m[2]) };
}

async function turnTo(frame, n) {
  for (let p = (await position(frame)).page; p < n; p++) {
    await frame.locator('#next').click();
    await frame.locator('#position').filter({ hasText: new RegExp(`^Page ${p + 1} sur`) })
      .waitFor();
  }
}

// What the SCO reads through the player's API (same object it uses).
function apiGet(page, version, name) {
  return page.evaluate(([v, n]) => v === '1.2' ? window.API.LMSGetValue(n) :
    window.API_1484_11.GetValue(n), [version, name]);
}

function seconds(t) {
  let m = /^(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)$/.exec(t);
  if (m)
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(t);
  assert.ok(m, `not a duration: ${t}`);
  return Number(m[1] || 0) * 86400 + Number(m[2] || 0) * 3600 +
    Number(m[3] || 0) * 60 + Number(m[4] || 0);
}

const KEYS = {
  '1.2': { location: 'cmi.core.lesson_location', entry: 'cmi.core.entry',
    total: 'cmi.core.total_time', status: 'cmi.core.lesson_status' },
  '2004': { location: 'cmi.location', entry: 'cmi.entry', total: 'cmi.total_time',
    status: 'cmi.completion_status' },
};

before(async () => {
  daemon = await startDaemon({ config: { scrypt_log2n: 10 } });
  const r = cli(['user', 'add', LEARNER.email, '--name', 'Léa Durand', '--role', 'learner',
    '--opca', 'unifaf', '--password-stdin'], `${LEARNER.password}\n`);
  assert.equal(r.status, 0, r.stderr);
  learnerId = Number(/^user (\d+):/.exec(r.stdout)[1]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-rte-e2e-'));
  try {
    execFileSync(path.join(SRCDIR, 'scorm/build'), [dir, UNIT], { encoding: 'utf8' });
    for (const [v, suffix] of [['1.2', 'scorm12'], ['2004', 'scorm2004']]) {
      const imp = cli(['import', path.join(dir, `${UNIT}-${suffix}.zip`)]);
      assert.equal(imp.status, 0, imp.stderr);
      pkg[v] = Number(sql(`SELECT id FROM packages WHERE version = ${v === '1.2' ? 12 : 2004}`));
    }
    // Two SCOs and an asset (a glossary).
    fs.writeFileSync(path.join(dir, 'essai.zip'), validPackage('1.2'));
    const imp = cli(['import', path.join(dir, 'essai.zip')]);
    assert.equal(imp.status, 0, imp.stderr);
    pkg.mixed = Number(sql('SELECT max(id) FROM packages'));
    enrolInCourse(cli, [{ package: pkg['1.2'], item: `ITEM-${UNIT}` },
      { package: pkg['2004'], item: `ITEM-${UNIT}` }, { package: pkg.mixed, item: 'ITEM-1' },
      { package: pkg.mixed, item: 'ITEM-2' }], [LEARNER.email]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  browser = await launchBrowser();
  await signIn(browser);
});

after(async () => {
  await browser?.close();
  if (daemon) {
    const st = await daemon.stop('SIGTERM');
    assert.deepEqual(st, { code: 0, signal: null });
    await daemon.cleanup();
  }
});

// Plays the unit to page 3 (2004: and the quiz), closes the tab without a
// word to the LMS, checks the server, then opens the unit again.
async function closeMidUnit(version) {
  const k = KEYS[version];
  const { page, frame } = await openUnit(version);
  assert.equal(await apiGet(page, version, k.entry), 'ab-initio');
  const other = version === '1.2' ? 'API_1484_11' : 'API';
  assert.equal(await page.evaluate((n) => n in window, other), false,
    'only the API of the package\'s version');
  await turnTo(frame, 3);
  const first = lastSession(pkg[version]);
  // Each page turn commits: on the server before the tab closes.
  await until('page 3 on the server', () => value(first.attempt, k.location) === '3');
  assert.match(value(first.attempt, 'cmi.suspend_data'), /"p":2/);
  if (version === '2004') {
    // The quiz, all right: score, status and interactions.
    const { pages } = await position(frame);
    await turnTo(frame, pages);
    for (const q of await frame.locator('.question').all()) {
      const right = await q.getAttribute('data-correct');
      await q.locator(`input[value="${right}"]`).check();
    }
    await frame.getByRole('button', { name: 'Valider mes réponses' }).click();
    await frame.locator('#quiz-result').filter({ hasText: 'Votre score' }).waitFor();
    await until('the score on the server', () =>
      value(first.attempt, 'cmi.score.scaled') === '1');
  }
  await page.waitForTimeout(300);
  const at = (await position(frame)).page;
  assert.deepEqual(page.problems, []);
  await page.close();   // no Terminate by hand: the SCO's pagehide does it

  const s = await until('the session finished by the closed tab', () => {
    const x = lastSession(pkg[version]);
    return x.id === first.id && x.finished ? x : null;
  });
  assert.equal(s.exit, 'suspend');
  assert.ok(s.sessionCs > 0, `session time ${s.sessionCs} cs`);
  assert.equal(value(s.attempt, k.location), String(at));
  assert.match(value(s.attempt, 'cmi.suspend_data'), new RegExp(`"p":${at - 1}`));
  if (version === '2004') {
    assert.equal(value(s.attempt, 'cmi.success_status'), 'passed');
    assert.equal(value(s.attempt, 'cmi.completion_status'), 'completed');
    assert.ok(Number(sql(`SELECT count(*) FROM cmi_values WHERE attempt_id = ${s.attempt}
      AND name LIKE 'cmi.interactions.%.id'`)) >= 4, 'one interaction per question');
  } else {
    assert.equal(value(s.attempt, k.status), 'incomplete');
  }

  // Opening the unit again: a new session that resumes on the same page.
  const again = await openUnit(version);
  assert.equal((await position(again.frame)).page, at);
  await again.frame.locator('#notice-resume')
    .filter({ hasText: `Vous reprenez là où vous en étiez (page ${at} sur` }).waitFor();
  assert.equal(await apiGet(again.page, version, k.entry), 'resume');
  assert.equal(await apiGet(again.page, version, k.location), String(at));
  assert.ok(seconds(await apiGet(again.page, version, k.total)) > 0);
  const next = lastSession(pkg[version]);
  assert.notEqual(next.id, s.id);
  assert.equal(next.attempt, s.attempt, 'the same attempt goes on');
  assert.deepEqual(again.page.problems, []);
  await again.page.close();
  await until('the second session finished', () =>
    lastSession(pkg[version]).finished);
}

test('SCORM 1.2: the tab closed mid-unit, page, data and time are on the server; the unit resumes',
  T, () => closeMidUnit('1.2'));

test('SCORM 2004: the tab closed after the quiz, score and interactions too; the unit resumes',
  T, () => closeMidUnit('2004'));

test('offline: page turns wait in the journal, with a French notice, and reach the server on the next load', T, async () => {
  const { page, frame } = await openUnit('1.2');
  const start = (await position(frame)).page;
  const s = lastSession(pkg['1.2']);
  await browser.context.setOffline(true);
  try {
    await frame.locator('#next').click();
    await frame.locator('#position').filter({ hasText: new RegExp(`^Page ${start + 1} sur`) })
      .waitFor();
    await page.locator('#message').filter({ hasText: 'Vos réponses n\'ont pas pu être ' +
      'enregistrées\u00a0; nouvel essai en cours…' }).waitFor();
    const journal = await page.evaluate(() => Object.keys(localStorage)
      .filter((k) => k.startsWith('assidu.rte.')));
    assert.deepEqual(journal, [`assidu.rte.${s.id}`]);
    await page.close();
  } finally {
    await browser.context.setOffline(false);
  }
  assert.equal(value(s.attempt, 'cmi.core.lesson_location'), String(start),
    'nothing reached the server');
  assert.equal(lastSession(pkg['1.2']).finished, false);

  const again = await openUnit('1.2');
  // Replayed before the new session opened: it resumes on the offline page.
  assert.equal(value(s.attempt, 'cmi.core.lesson_location'), String(start + 1));
  const old = sql(`SELECT coalesce(finished_at, ''), coalesce(exit, '')
    FROM rte_sessions WHERE id = ${s.id}`).split('|');
  assert.notEqual(old[0], '', 'the offline session was finished by the replay');
  assert.equal(old[1], 'suspend');
  assert.equal((await position(again.frame)).page, start + 1);
  assert.equal(await again.page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('assidu.rte.')).length), 0);
  assert.deepEqual(again.page.problems, []);
  await again.page.close();
});

test('an asset runs without an API; the SCO next to it gets one', T, async () => {
  const page = await watchedPage(browser);
  await page.goto(`${daemon.url}/lecteur.html?paquet=${pkg.mixed}&element=ITEM-3`);
  await page.waitForFunction(() => /glossaire\.html$/.test(document.querySelector('#sco')
    ?.getAttribute('src') || ''));
  assert.deepEqual(await page.evaluate(() => ['API', 'API_1484_11'].filter((n) => n in window)),
    []);
  const before = Number(sql('SELECT count(*) FROM rte_sessions'));
  await page.locator('#sommaire a[data-index="0"]').click();
  await page.waitForFunction(() => /sco1\/index\.html$/.test(document.querySelector('#sco')
    ?.getAttribute('src') || ''));
  assert.equal(await page.evaluate(() => typeof window.API?.LMSInitialize), 'function');
  assert.equal(Number(sql('SELECT count(*) FROM rte_sessions')), before + 1);
  await page.close();
});

test('the player with a unit, and with its saving notice, passes axe-core', T, async () => {
  // axe is injected as a script: a browser of its own that ignores the CSP.
  const b = await launchBrowser({ bypassCSP: true });
  try {
    await signIn(b);
    const page = await b.newPage();
    await page.goto(`${daemon.url}/lecteur.html?paquet=${pkg['2004']}`);
    await page.frameLocator('#sco').locator('#position').filter({ hasText: /^Page / }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'lecteur.html with a SCO');
    await b.context.setOffline(true);
    await page.frameLocator('#sco').locator('#prev').click();
    await page.locator('#message.info').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'lecteur.html, saving notice');
    await b.context.setOffline(false);
    await page.close();
  } finally {
    await b.close();
  }
});
