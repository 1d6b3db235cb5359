// Debian's Chromium driven by playwright-core, for the e2e tests.
// Playwright never downloads a browser here: we always use /usr/bin/chromium.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.ASSIDU_CHROMIUM || '/usr/bin/chromium';

// Keep Chromium off the network and away from any profile but its own.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Playwright refuses a --user-data-dir argument in chromium.launch(), so a
// fresh profile means a persistent context on a temporary directory.
export async function launchBrowser(opts = {}) {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'assidu-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      ...opts,
    });
  } catch (err) {
    await fs.rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    userDataDir,
    newPage: () => context.newPage(),
    async close() {
      if (closed)
        return;
      closed = true;
      try {
        await context.close();
      } finally {
        await fs.rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

// Shared by the browser tests.

const AXE = path.join(path.dirname(createRequire(import.meta.url)
  .resolve('axe-core')), 'axe.min.js');

// A page that records script errors and Content-Security-Policy refusals
// in page.problems, for tests to assert it stays empty.
export async function watchedPage(b) {
  const page = await b.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text()))
      page.problems.push(`console: ${msg.text()}`);
  });
  return page;
}

// axe-core's serious and critical violations on the page as it is now.
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact,
      help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Fails with the list of axe-core's serious and critical violations.
export async function assertAccessible(page, what) {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `${what}: ${JSON.stringify(v, null, 1)}`);
}

// Logs in through the form; the browser lands on "Mon compte".
export async function loginAs(page, url, email, password) {
  await page.goto(url + '/login.html');
  await page.getByLabel('Adresse e-mail', { exact: true }).fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/compte\.html$/);
}
