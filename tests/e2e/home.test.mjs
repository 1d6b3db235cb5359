// The home page loads in Chromium, in French, and the server reports healthy.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser } from '../lib/browser.mjs';
import { startDaemon } from '../lib/daemon.mjs';

let daemon;
let browser;
let page;

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  page = await browser.newPage();
});

// A graceful stop, so that a crash or leak report at shutdown fails the file.
after(async () => {
  await browser?.close();
  if (!daemon)
    return;
  try {
    const st = await daemon.stop('SIGTERM');
    assert.deepEqual(st, { code: 0, signal: null }, 'assidu exits 0 on SIGTERM');
  } finally {
    await daemon.cleanup();
  }
});

test('home page is in French and titled assidu', { timeout: 30000 }, async () => {
  const res = await page.goto(daemon.url + '/');
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.match(await page.title(), /assidu/i);
});

test('/healthz answers 200 {"status":"ok"} to the page', { timeout: 30000 }, async () => {
  // Same origin as the server even if the previous test failed early.
  if (!page.url().startsWith(daemon.url + '/'))
    await page.goto(daemon.url + '/healthz');
  const res = await page.evaluate(async () => {
    const r = await fetch('/healthz', { cache: 'no-store' });
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  });
  assert.equal(res.status, 200);
  assert.match(res.type ?? '', /^application\/json\b/);
  // Other fields (version, schema) are informative; status is the contract.
  assert.equal(JSON.parse(res.text).status, 'ok');
});
