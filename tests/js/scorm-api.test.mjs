// www/js/scorm-api.js in node, against a real daemon: the SCORM 1.2 and
// 2004 API state machines and every error code the API layer produces, then
// the delivery (DESIGN §4): numbered cumulative batches, the localStorage
// journal, back-off to 391 and back, beacons on hide and pagehide, the
// server's refusals, and the replay of what a closed tab left behind.
// The browser's globals are injected: node's fetch with the learner's cookie
// (and the Origin a page would send), a sendBeacon made of it, an in-memory
// localStorage, and a clock the tests move by hand.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';
import { BACKOFF_MS, JOURNAL_PREFIX, KEEPALIVE_MAX, MAX_ATTEMPTS, Runtime,
  createApi, replayJournal } from '../../www/js/scorm-api.js';
import { Cmi } from '../../www/js/cmi.js';

const PW = 'Reprendre-La-Ou-Jen-Etais-7';
let d;
let model;
const pkg = {};
const lea = {};

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(d.dataDir, 'assidu.conf'),
    '--data', d.dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(d.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

// What the server stored for a session: its commits, in order.
function commits(session) {
  const out = sql(`SELECT seq || ' ' || finish || ' ' || data FROM rte_commits
    WHERE session_id = ${session} ORDER BY seq`);
  return out === '' ? [] : out.split('\n').map((line) => {
    const [seq, finish, ...rest] = line.split(' ');
    return { seq: Number(seq), finish: finish === '1', data: rest.join(' ') };
  });
}

function stored(session, name) {
  return sql(`SELECT v.value FROM cmi_values v JOIN rte_sessions s
    ON s.attempt_id = v.attempt_id WHERE s.id = ${session} AND v.name = '${name}'`);
}

// localStorage as the module sees it.
class MemoryStorage {
  #m = new Map();
  get length() { return this.#m.size; }
  key(i) { return [...this.#m.keys()][i] ?? null; }
  getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
  setItem(k, v) { this.#m.set(String(k), String(v)); }
  removeItem(k) { this.#m.delete(String(k)); }
  journal() {
    return [...this.#m].filter(([k]) => k.startsWith(JOURNAL_PREFIX))
      .map(([, v]) => JSON.parse(v));
  }
}

// Timers that fire when a test says so: back-off without waiting.
class FakeClock {
  t = 0;
  #id = 0;
  timers = new Map();
  setTimeout = (f, ms) => {
    this.timers.set(++this.#id, { f, at: this.t + ms, ms, every: 0 });
    return this.#id;
  };
  clearTimeout = (id) => { this.timers.delete(id); };
  setInterval = (f, ms) => {
    this.timers.set(++this.#id, { f, at: this.t + ms, ms, every: ms });
    return this.#id;
  };
  clearInterval = (id) => { this.timers.delete(id); };
  now = () => 1790000000000 + this.t;
  // Delays of the one-shot timers waiting, shortest first.
  waiting() {
    return [...this.timers.values()].filter((x) => !x.every).map((x) => x.ms)
      .sort((a, b) => a - b);
  }
  // Moves time to the next one-shot timer and runs it.
  next() {
    const [id, x] = [...this.timers].filter(([, v]) => !v.every)
      .sort((a, b) => a[1].at - b[1].at)[0] || [];
    assert.ok(x, 'a timer is waiting');
    this.t = x.at;
    this.timers.delete(id);
    x.f();
  }
  // Moves time by ms, running the timers due, intervals included.
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, v]) => v.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due)
        break;
      const [id, x] = due;
      this.t = x.at;
      if (x.every)
        x.at += x.every;
      else
        this.timers.delete(id);
      x.f();
    }
    this.t = end;
  }
}

// The network between the page and the daemon: node's fetch with what the
// browser adds (the session cookie, Origin), a log of every request, and
// switches to go offline or to put a failing proxy in between.
function network(who) {
  const net = { log: [], offline: false, proxy: 0, retryAfter: '', beaconRefuses: false,
    inflight: new Set() };
  const track = (p) => {
    net.inflight.add(p);
    p.catch(() => {}).finally(() => net.inflight.delete(p));
    return p;
  };
  const headers = (h = {}) => ({ ...h, Origin: d.url, ...(who?.cookie ? { Cookie: who.cookie } : {}) });
  const parse = (b) => { try { return JSON.parse(b); } catch { return b; } };
  net.fetch = (url, init = {}) => {
    net.log.push({ kind: 'fetch', url, method: init.method, keepalive: !!init.keepalive,
      body: init.body === undefined ? undefined : parse(init.body) });
    return track((async () => {
      if (net.offline)
        throw new TypeError('fetch failed');
      if (net.proxy)
        return new Response('<h1>Bad gateway</h1>', { status: net.proxy,
          headers: net.retryAfter ? { 'Retry-After': net.retryAfter } : {} });
      const { keepalive, ...rest } = init;
      const res = await fetch(url, { ...rest, headers: headers(init.headers) });
      // Read here, so that settle() knows when the page has its answer.
      return new Response(await res.text(), { status: res.status, headers: res.headers });
    })());
  };
  net.sendBeacon = (url, data) => {
    net.log.push({ kind: 'beacon', url, body: parse(data) });
    if (net.beaconRefuses)
      return false;
    if (!net.offline)   // offline: queued by the browser, lost on the way
      track(fetch(url, { method: 'POST', body: data,
        headers: headers({ 'Content-Type': 'text/plain;charset=UTF-8' }) }).then((r) => r.text()));
    return true;
  };
  // Resolves once no request is on its way and the page has handled the answers.
  net.settle = async () => {
    for (let quiet = 0; quiet < 3;) {
      if (net.inflight.size) {
        quiet = 0;
        await Promise.allSettled([...net.inflight]);
      } else {
        quiet++;
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  net.commits = () => net.log.filter((e) => /\/commits$/.test(e.url));
  return net;
}

// A player page: window, document, storage, clock and network of its own.
function page(opts = {}) {
  const clock = new FakeClock();
  const net = network(opts.who === undefined ? lea : opts.who);
  const storage = opts.storage || new MemoryStorage();
  const window = new EventTarget();
  const document = new EventTarget();
  document.visibilityState = 'visible';
  const statuses = [];
  const env = { window, document, storage, fetch: net.fetch, sendBeacon: net.sendBeacon,
    setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    setInterval: clock.setInterval, clearInterval: clock.clearInterval, now: clock.now,
    base: d.url, csrf: () => lea.csrf, user: lea.id };
  const rt = new Runtime({ ...env, model, unloadContent: opts.unloadContent,
    onStatus: (s) => statuses.push(s.kind) });
  return { rt, clock, net, storage, window, document, statuses, env };
}

async function launch(version, item = 'ITEM-1', opts = {}) {
  const p = page(opts);
  const info = await p.rt.open(pkg[version], item);
  return { ...p, ...info };
}

function hide(p) {
  p.document.visibilityState = 'hidden';
  p.document.dispatchEvent(new Event('visibilitychange'));
}

function pagehide(p, persisted = false) {
  const ev = new Event('pagehide');
  ev.persisted = persisted;
  p.window.dispatchEvent(ev);
}

// Every function of an API, called in every way a SCO may: the answers are
// always strings.
function assertStrings(api) {
  for (const [name, f] of Object.entries(api))
    for (const args of [[], [''], ['cmi.inconnu'], ['0']])
      assert.equal(typeof f(...args), 'string', `${name}(${args}) returns a string`);
}

const API12 = ['LMSInitialize', 'LMSFinish', 'LMSGetValue', 'LMSSetValue', 'LMSCommit',
  'LMSGetLastError', 'LMSGetErrorString', 'LMSGetDiagnostic'];
const API2004 = ['Initialize', 'Terminate', 'GetValue', 'SetValue', 'Commit',
  'GetLastError', 'GetErrorString', 'GetDiagnostic'];

test('set up: a learner, one package of each version, the data model', async () => {
  d = await startDaemon({ config: { scrypt_log2n: 10 } });
  const r = cli(['user', 'add', 'lea@boulangerie.fr', '--name', 'Léa Durand', '--role',
    'learner', '--opca', 'unifaf', '--password-stdin'], `${PW}\n`);
  assert.equal(r.status, 0, r.stderr);
  const login = await request(`${d.url}/api/v1/login`, { method: 'POST',
    body: { email: 'lea@boulangerie.fr', password: PW } });
  assert.equal(login.status, 200, login.body);
  Object.assign(lea, { cookie: login.headers['set-cookie'][0].split(';')[0],
    csrf: login.json.csrf, id: login.json.user.id });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-scorm-api-'));
  for (const v of ['1.2', '2004']) {
    const file = path.join(dir, `essai-${v}.zip`);
    fs.writeFileSync(file, validPackage(v));
    const imp = cli(['import', file]);
    assert.equal(imp.status, 0, imp.stderr);
    pkg[v] = Number(sql(`SELECT id FROM packages WHERE version = ${v === '1.2' ? 12 : 2004}`));
  }
  fs.rmSync(dir, { recursive: true });
  enrolInCourse(cli, [{ package: pkg['1.2'], item: 'ITEM-1' },
    { package: pkg['1.2'], item: 'ITEM-2' }, { package: pkg['2004'], item: 'ITEM-1' },
    { package: pkg['2004'], item: 'ITEM-2' }], ['lea@boulangerie.fr']);
  const m = await request(`${d.url}/api/v1/runtime/datamodel`, { headers: { Cookie: lea.cookie } });
  assert.equal(m.status, 200);
  model = m.json;
  assert.deepEqual(model, JSON.parse(cli(['datamodel', '--json']).stdout));
});

test('a launch installs its version\'s API only, a fresh object each time, and close() removes it', async () => {
  const p = page();
  const a = await p.rt.open(pkg['1.2'], 'ITEM-1');
  assert.equal(a.version, 12);
  assert.equal(p.window.API, a.api);
  assert.equal('API_1484_11' in p.window, false);
  assert.deepEqual(Object.keys(a.api).sort(), [...API12].sort());
  assert.equal(a.api.LMSInitialize(''), 'true');
  assert.equal(a.api.LMSGetValue('cmi.core.entry'), 'ab-initio');
  const b = await p.rt.open(pkg['2004'], 'ITEM-1');
  assert.equal(b.version, 2004);
  assert.equal(p.window.API_1484_11, b.api);
  assert.equal('API' in p.window, false, 'the 1.2 API left with its launch');
  assert.deepEqual(Object.keys(b.api).sort(), [...API2004].sort());
  assert.equal(b.api.Initialize(''), 'true');
  assert.equal(b.api.GetValue('cmi.entry'), 'ab-initio');
  const c = await p.rt.open(pkg['2004'], 'ITEM-1');
  assert.notEqual(c.api, b.api);
  assert.notEqual(c.session, b.session);
  // The earlier launches, never terminated, were finished for them.
  await p.net.settle();
  for (const s of [a.session, b.session])
    assert.deepEqual(commits(s).map((x) => x.finish), [true]);
  p.rt.close();
  assert.equal('API_1484_11' in p.window, false);
  assert.equal('API' in p.window, false);
  await p.net.settle();
  p.rt.dispose();
});

test('opening a session for an asset or an unknown item fails with the server\'s French message', async () => {
  const p = page();
  await assert.rejects(p.rt.open(pkg['1.2'], 'ITEM-3'), (err) => {
    assert.equal(err.status, 422);
    assert.match(err.message, /[éèàç]|SCO/);
    return true;
  });
  await assert.rejects(p.rt.open(pkg['1.2'], 'ITEM-404'), { status: 404 });
  assert.equal('API' in p.window, false);
  p.rt.dispose();
});

test('SCORM 1.2: before LMSInitialize every call is 301; LMSInitialize("") opens once, then 101', async () => {
  const p = await launch('1.2');
  const api = p.api;
  assert.equal(api.LMSGetLastError(), '0');
  assert.equal(api.LMSGetValue('cmi.core.student_id'), '');
  assert.equal(api.LMSGetLastError(), '301');
  assert.equal(api.LMSSetValue('cmi.core.lesson_location', '2'), 'false');
  assert.equal(api.LMSGetLastError(), '301');
  assert.equal(api.LMSCommit(''), 'false');
  assert.equal(api.LMSGetLastError(), '301');
  assert.equal(api.LMSFinish(''), 'false');
  assert.equal(api.LMSGetLastError(), '301');
  assert.equal(api.LMSInitialize('x'), 'false');
  assert.equal(api.LMSGetLastError(), '201');
  assert.equal(api.LMSInitialize(''), 'true');
  assert.equal(api.LMSGetLastError(), '0');
  assert.equal(api.LMSInitialize(''), 'false');
  assert.equal(api.LMSGetLastError(), '101');
  // Initialize answered without a request: the state came with the session.
  assert.equal(p.net.commits().length, 0);
  assert.equal(api.LMSGetValue('cmi.core.student_id'), String(lea.id));
  assert.equal(api.LMSGetLastError(), '0');
  assert.equal(api.LMSGetValue('cmi.core.student_name'), 'Durand, Léa');
  p.rt.close();
  await p.net.settle();
  p.rt.dispose();
});

test('SCORM 1.2: parameters must be "", elements must be named (201); a missing argument counts as ""', async () => {
  const p = await launch('1.2');
  const api = p.api;
  assert.equal(api.LMSInitialize(), 'true', 'LMSInitialize() without argument');
  for (const [call, ret] of [
    [() => api.LMSCommit('x'), 'false'],
    [() => api.LMSCommit('0'), 'false'],
    [() => api.LMSFinish('false'), 'false'],
    [() => api.LMSGetValue(''), ''],
    [() => api.LMSGetValue(), ''],
    [() => api.LMSSetValue('', 'x'), 'false'],
  ]) {
    assert.equal(call(), ret);
    assert.equal(api.LMSGetLastError(), '201', String(call));
  }
  // A refused LMSFinish leaves the session running.
  assert.equal(api.LMSSetValue('cmi.core.lesson_location', '3'), 'true');
  assert.equal(api.LMSCommit(''), 'true');
  assert.equal(api.LMSGetLastError(), '0');
  assert.equal(api.LMSFinish(''), 'true');
  await p.net.settle();
  p.rt.dispose();
});

test('SCORM 1.2: data-model errors come from the data model (201, 202, 203, 402, 403, 404, 405)', async () => {
  const p = await launch('1.2');
  const api = p.api;
  api.LMSInitialize('');
  for (const [call, ret, code] of [
    [() => api.LMSGetValue('cmi.inconnu'), '', '201'],
    [() => api.LMSGetValue('cmi.core.student_id._children'), '', '202'],
    [() => api.LMSGetValue('cmi.core._count'), '', '203'],
    [() => api.LMSSetValue('cmi.core._children', 'x'), 'false', '402'],
    [() => api.LMSSetValue('cmi.core.student_id', 'quelquun'), 'false', '403'],
    [() => api.LMSGetValue('cmi.core.session_time'), '', '404'],
    [() => api.LMSSetValue('cmi.core.score.raw', 'beaucoup'), 'false', '405'],
    [() => api.LMSSetValue('cmi.core.lesson_status', 'réussi'), 'false', '405'],
  ]) {
    assert.equal(call(), ret, String(call));
    assert.equal(api.LMSGetLastError(), code, String(call));
    assert.notEqual(api.LMSGetErrorString(code), '', `error string of ${code}`);
    assert.notEqual(api.LMSGetDiagnostic(''), '', `diagnostic of ${code}`);
  }
  assert.match(api.LMSGetValue('cmi.core._children'), /student_id/);
  assert.equal(api.LMSGetLastError(), '0');
  assert.equal(api.LMSGetValue('cmi.interactions._count'), '0');
  // Refused values are not sent.
  assert.equal(api.LMSCommit(''), 'true');
  await p.net.settle();
  assert.equal(p.net.commits().length, 0, 'nothing valid was set: nothing to send');
  api.LMSFinish('');
  await p.net.settle();
  assert.deepEqual(p.net.commits().map((c) => c.body.values), [[]]);
  p.rt.dispose();
});

test('SCORM 1.2: after LMSFinish every call is 301 and LMSInitialize is 101; answers are strings', async () => {
  const p = await launch('1.2');
  const api = p.api;
  assert.equal(api.LMSInitialize(''), 'true');
  assert.equal(api.LMSSetValue('cmi.core.lesson_status', 'incomplete'), 'true');
  assert.equal(api.LMSFinish(''), 'true');
  assert.equal(api.LMSGetLastError(), '0');
  for (const call of [() => api.LMSGetValue('cmi.core.lesson_status'),
    () => api.LMSSetValue('cmi.core.lesson_status', 'completed'), () => api.LMSCommit(''),
    () => api.LMSFinish('')]) {
    assert.ok(['', 'false'].includes(call()));
    assert.equal(api.LMSGetLastError(), '301', String(call));
  }
  assert.equal(api.LMSInitialize(''), 'false');
  assert.equal(api.LMSGetLastError(), '101');
  assert.equal(api.LMSGetErrorString('301'), api.LMSGetErrorString(301));
  assertStrings(api);
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.core.lesson_status'), 'incomplete');
  assert.deepEqual(commits(p.session).map((c) => [c.seq, c.finish]), [[1, true]]);
  p.rt.dispose();
});

test('SCORM 2004: before Initialize 122, 132, 142, 112; Initialize("") opens once, then 103', async () => {
  const p = await launch('2004');
  const api = p.api;
  for (const [call, ret, code] of [
    [() => api.GetValue('cmi.learner_id'), '', '122'],
    [() => api.SetValue('cmi.location', '2'), 'false', '132'],
    [() => api.Commit(''), 'false', '142'],
    [() => api.Terminate(''), 'false', '112'],
    // ADL's order: the parameter before the state.
    [() => api.GetValue(''), '', '301'],
    [() => api.Commit('x'), 'false', '201'],
    [() => api.Initialize('x'), 'false', '201'],
  ]) {
    assert.equal(call(), ret, String(call));
    assert.equal(api.GetLastError(), code, String(call));
  }
  assert.equal(api.Initialize(''), 'true');
  assert.equal(api.GetLastError(), '0');
  assert.equal(api.Initialize(''), 'false');
  assert.equal(api.GetLastError(), '103');
  assert.equal(api.GetValue('cmi.learner_id'), String(lea.id));
  assert.equal(api.GetValue('cmi.learner_name'), 'Durand, Léa');
  assert.equal(api.GetValue('cmi.mode'), 'normal');
  assert.equal(api.GetLastError(), '0');
  assert.equal(p.net.commits().length, 0);
  p.rt.close();
  await p.net.settle();
  p.rt.dispose();
});

test('SCORM 2004: arguments: 201 for a parameter, 301 and 351 for an unnamed element', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  for (const [call, ret, code] of [
    [() => api.Commit('x'), 'false', '201'],
    [() => api.Terminate('x'), 'false', '201'],
    [() => api.GetValue(''), '', '301'],
    [() => api.GetValue(), '', '301'],
    [() => api.SetValue('', 'x'), 'false', '351'],
  ]) {
    assert.equal(call(), ret, String(call));
    assert.equal(api.GetLastError(), code, String(call));
  }
  assert.equal(api.Commit(), 'true', 'Commit() without argument');
  assert.equal(api.Terminate(''), 'true');
  await p.net.settle();
  p.rt.dispose();
});

test('SCORM 2004: data-model errors come from the data model (301, 351, 401, 403-408)', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  for (const [call, ret, code] of [
    [() => api.GetValue('cmi.core.student_id'), '', '401'],
    [() => api.GetValue('cmi.location'), '', '403'],
    [() => api.SetValue('cmi.learner_id', 'quelquun'), 'false', '404'],
    [() => api.GetValue('cmi.session_time'), '', '405'],
    [() => api.SetValue('cmi.score.raw', 'beaucoup'), 'false', '406'],
    [() => api.SetValue('cmi.score.scaled', '2'), 'false', '407'],
    [() => api.SetValue('cmi.interactions.0.type', 'choice'), 'false', '408'],
    [() => api.GetValue('cmi.learner_id._children'), '', '301'],
    [() => api.SetValue('cmi.interactions.3.id', 'q3'), 'false', '351'],
  ]) {
    assert.equal(call(), ret, String(call));
    assert.equal(api.GetLastError(), code, String(call));
    assert.notEqual(api.GetErrorString(code), '', `error string of ${code}`);
    assert.notEqual(api.GetDiagnostic(''), '', `diagnostic of ${code}`);
  }
  assert.equal(api.SetValue('cmi.interactions.0.id', 'q1'), 'true');
  assert.equal(api.SetValue('cmi.interactions.0.type', 'choice'), 'true');
  assert.equal(api.GetValue('cmi.interactions._count'), '1');
  assert.equal(api.Terminate(''), 'true');
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.interactions.0.type'), 'choice');
  p.rt.dispose();
});

test('SCORM 2004: after Terminate 123, 133, 143, 113 and Initialize 104; answers are strings', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  api.SetValue('cmi.location', 'p2');
  assert.equal(api.Terminate(''), 'true');
  for (const [call, ret, code] of [
    [() => api.GetValue('cmi.location'), '', '123'],
    [() => api.GetValue(''), '', '123'],
    [() => api.SetValue('cmi.location', 'p3'), 'false', '133'],
    [() => api.Commit(''), 'false', '143'],
    [() => api.Commit('x'), 'false', '143'],
    [() => api.Terminate(''), 'false', '113'],
    [() => api.Initialize(''), 'false', '104'],
    [() => api.Initialize('x'), 'false', '104'],
  ]) {
    assert.equal(call(), ret, String(call));
    assert.equal(api.GetLastError(), code, String(call));
  }
  assertStrings(api);
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.location'), 'p2');
  p.rt.dispose();
});

test('GetErrorString and GetDiagnostic: texts of up to 255 characters, "" for an unknown code, the error state untouched', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  api.SetValue('cmi.score.raw', 'beaucoup');
  assert.equal(api.GetLastError(), '406');
  const diag = api.GetDiagnostic('');
  assert.ok(diag.length > 0 && diag.length <= 255, diag);
  assert.equal(api.GetDiagnostic('406'), diag, 'the last error\'s code: its diagnostic');
  assert.equal(api.GetErrorString('999'), '');
  assert.equal(api.GetErrorString(''), '');
  for (const code of ['0', '101', '103', '104', '112', '113', '122', '123', '132', '133',
    '142', '143', '201', '301', '351', '391', '401', '402', '403', '404', '405', '406', '407',
    '408']) {
    const s = api.GetErrorString(code);
    assert.ok(s.length > 0 && s.length <= 255, `${code}: ${s}`);
    assert.ok(api.GetDiagnostic(code).length <= 255);
  }
  assert.equal(api.GetLastError(), '406', 'GetErrorString and GetDiagnostic change nothing');
  const p12 = await launch('1.2');
  for (const code of ['0', '101', '201', '202', '203', '301', '401', '402', '403', '404', '405'])
    assert.notEqual(p12.api.LMSGetErrorString(code), '', code);
  assert.equal(p12.api.LMSGetErrorString('999'), '');
  p.rt.close();
  p12.rt.close();
  await Promise.all([p.net.settle(), p12.net.settle()]);
  p.rt.dispose();
  p12.rt.dispose();
});

test('createApi over any Cmi: the same answers without a runtime', () => {
  const cmi = new Cmi(model, 2004);
  cmi.put('cmi.learner_id', '42');
  const sent = [];
  const delivery = { set: (n, v) => sent.push([n, v]), commit: () => true, diagnostic: () => '' };
  const { api } = createApi(model, 2004, cmi, delivery);
  assert.equal(api.Initialize(''), 'true');
  assert.equal(api.GetValue('cmi.learner_id'), '42');
  assert.equal(api.SetValue('cmi.location', 'x'), 'true');
  assert.equal(api.SetValue('cmi.learner_id', 'y'), 'false');
  assert.deepEqual(sent, [['cmi.location', 'x']]);
});

test('Commit journals the values set since the last acknowledged batch, then sends them with seq 1, 2, …', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  api.SetValue('cmi.location', 'p1');
  api.SetValue('cmi.suspend_data', 'état=1');
  api.SetValue('cmi.location', 'p2');	// set twice: once, at its first place, last value
  assert.equal(api.Commit(''), 'true');
  // Journaled before it left, synchronously.
  assert.deepEqual(p.storage.journal().map(({ session, seq, values, finish, user }) =>
    ({ session, seq, values, finish, user })), [{ session: p.session, seq: 1,
    values: [['cmi.location', 'p2'], ['cmi.suspend_data', 'état=1']], finish: false,
    user: lea.id }]);
  await p.net.settle();
  const [c1] = p.net.commits();
  assert.equal(c1.keepalive, true);
  assert.equal(c1.body.csrf, lea.csrf, 'the token travels in the body');
  assert.deepEqual(c1.body, { seq: 1, values: [['cmi.location', 'p2'],
    ['cmi.suspend_data', 'état=1']], finish: false, csrf: lea.csrf });
  assert.deepEqual(p.storage.journal(), [], 'acknowledged: out of the journal');
  assert.equal(stored(p.session, 'cmi.suspend_data'), 'état=1');
  // Only what changed since goes next.
  assert.equal(api.Commit(''), 'true');
  api.SetValue('cmi.location', 'p3');
  assert.equal(api.Commit(''), 'true');
  await p.net.settle();
  assert.deepEqual(p.net.commits().map((c) => [c.body.seq, c.body.values]),
    [[1, c1.body.values], [2, [['cmi.location', 'p3']]]]);
  assert.equal(api.Terminate(''), 'true');
  await p.net.settle();
  assert.deepEqual(commits(p.session).map((c) => [c.seq, c.finish]),
    [[1, false], [2, false], [3, true]]);
  assert.deepEqual(p.statuses, ['saved']);
  p.rt.dispose();
});

test('a batch not acknowledged goes again inside the next one: batches are cumulative', async () => {
  const p = await launch('1.2');
  const api = p.api;
  api.LMSInitialize('');
  p.net.offline = true;
  api.LMSSetValue('cmi.core.lesson_location', 'p1');
  assert.equal(api.LMSCommit(''), 'true', 'journaled and queued');
  await p.net.settle();
  assert.deepEqual(p.clock.waiting(), [BACKOFF_MS]);
  api.LMSSetValue('cmi.suspend_data', 'a=1');
  assert.equal(api.LMSCommit(''), 'true');
  assert.deepEqual(p.storage.journal().map((e) => [e.seq, e.values]),
    [[2, [['cmi.core.lesson_location', 'p1'], ['cmi.suspend_data', 'a=1']]]]);
  // The back-off is kept: no request before its timer.
  await p.net.settle();
  assert.equal(p.net.commits().length, 1);
  p.net.offline = false;
  p.clock.next();
  await p.net.settle();
  assert.deepEqual(p.net.commits().map((c) => [c.body.seq, c.body.values.length]),
    [[1, 1], [2, 2]]);
  assert.deepEqual(commits(p.session).map((c) => c.seq), [2]);
  assert.equal(stored(p.session, 'cmi.core.lesson_location'), 'p1');
  assert.equal(stored(p.session, 'cmi.suspend_data'), 'a=1');
  assert.deepEqual(p.storage.journal(), []);
  api.LMSFinish('');
  await p.net.settle();
  p.rt.dispose();
});

test('back-off 1, 2, 4, 8 s: after 5 failed sends Commit answers false with 391; a later success clears it', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  p.net.offline = true;
  api.SetValue('cmi.location', 'hors-ligne');
  assert.equal(api.Commit(''), 'true');
  const delays = [];
  for (let i = 1; i < MAX_ATTEMPTS; i++) {
    await p.net.settle();
    delays.push(...p.clock.waiting());
    assert.equal(api.Commit(''), 'true', `still hoping after ${i} failures`);
    p.clock.next();
  }
  await p.net.settle();
  assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  assert.equal(p.net.commits().length, MAX_ATTEMPTS);
  assert.equal(api.Commit(''), 'false');
  assert.equal(api.GetLastError(), '391');
  assert.match(api.GetDiagnostic(''), /5 attempts/);
  assert.deepEqual(p.statuses, ['retrying', 'retrying', 'retrying', 'retrying', 'failed']);
  // It keeps trying, every minute at most.
  assert.deepEqual(p.clock.waiting(), [16000]);
  p.clock.next();
  await p.net.settle();
  assert.equal(api.Commit(''), 'false');
  assert.deepEqual(p.clock.waiting(), [32000]);
  assert.equal(p.storage.journal().length, 1, 'kept for a later load');
  p.net.offline = false;
  p.clock.next();
  await p.net.settle();
  assert.equal(p.statuses.at(-1), 'saved');
  assert.equal(api.Commit(''), 'true');
  assert.equal(api.GetLastError(), '0');
  assert.deepEqual(p.storage.journal(), []);
  assert.equal(stored(p.session, 'cmi.location'), 'hors-ligne');
  api.Terminate('');
  await p.net.settle();
  p.rt.dispose();
});

test('SCORM 1.2: a save that keeps failing makes LMSCommit and LMSFinish answer false with 101', async () => {
  const p = await launch('1.2');
  const api = p.api;
  api.LMSInitialize('');
  p.net.offline = true;
  api.LMSSetValue('cmi.core.lesson_location', 'p9');
  api.LMSCommit('');
  for (let i = 1; i < MAX_ATTEMPTS; i++) {
    await p.net.settle();
    p.clock.next();
  }
  await p.net.settle();
  assert.equal(api.LMSCommit(''), 'false');
  assert.equal(api.LMSGetLastError(), '101');
  assert.notEqual(api.LMSGetDiagnostic(''), '');
  assert.equal(api.LMSFinish(''), 'false');
  assert.equal(api.LMSGetLastError(), '101');
  assert.equal(api.LMSGetValue('cmi.core.lesson_location'), '', 'finished all the same');
  assert.equal(api.LMSGetLastError(), '301');
  const [entry] = p.storage.journal();
  assert.equal(entry.finish, true);
  // The tab closes before the network comes back: the next load replays it.
  p.rt.dispose();
  const next = page({ storage: p.storage });
  assert.deepEqual(await replayJournal(next.env), { sent: 1, dropped: 0, kept: 0 });
  assert.deepEqual(p.storage.journal(), []);
  assert.equal(stored(p.session, 'cmi.core.lesson_location'), 'p9');
  assert.deepEqual(commits(p.session).map((c) => [c.seq, c.finish]), [[entry.seq, true]]);
});

test('5xx and 429 from a proxy are retried, Retry-After is honoured', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  p.net.proxy = 503;
  api.SetValue('cmi.location', 'p5');
  api.Commit('');
  await p.net.settle();
  assert.deepEqual(p.clock.waiting(), [1000]);
  p.net.proxy = 429;
  p.net.retryAfter = '7';
  p.clock.next();
  await p.net.settle();
  assert.deepEqual(p.clock.waiting(), [7000]);
  p.net.proxy = 0;
  p.clock.next();
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.location'), 'p5');
  assert.deepEqual(p.statuses, ['retrying', 'retrying', 'saved']);
  api.Terminate('');
  await p.net.settle();
  p.rt.dispose();
});

test('a value the server refuses (422) is dropped, the others saved, and the next Commit answers 391', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  api.SetValue('cmi.location', 'p7');
  // A client that disagrees with the server (or cheats) sends a bad value.
  p.rt.launch.delivery.set('cmi.score.raw', 'beaucoup');
  api.SetValue('cmi.suspend_data', 'x=7');
  assert.equal(api.Commit(''), 'true');
  await p.net.settle();
  const sent = p.net.commits();
  assert.deepEqual(sent.map((c) => [c.body.seq, c.body.values.map(([n]) => n)]), [
    [1, ['cmi.location', 'cmi.score.raw', 'cmi.suspend_data']],
    [2, ['cmi.location', 'cmi.suspend_data']]]);
  assert.deepEqual(commits(p.session).map((c) => c.seq), [2]);
  assert.equal(stored(p.session, 'cmi.location'), 'p7');
  assert.equal(stored(p.session, 'cmi.score.raw'), '');
  assert.equal(api.Commit(''), 'false', 'the SCO is told once');
  assert.equal(api.GetLastError(), '391');
  assert.match(api.GetDiagnostic(''), /cmi\.score\.raw/);
  assert.equal(api.Commit(''), 'true');
  assert.deepEqual(p.statuses, ['refused', 'saved']);
  assert.deepEqual(p.storage.journal(), []);
  api.Terminate('');
  await p.net.settle();
  p.rt.dispose();
});

test('a session the server closed (409) takes nothing more: Commit answers 391, the journal is cleared', async () => {
  const p = await launch('1.2');
  const api = p.api;
  api.LMSInitialize('');
  // Finished behind the page's back (another tab, a timeout).
  const r = await request(`${d.url}/api/v1/runtime/sessions/${p.session}/commits`, {
    method: 'POST', headers: { Cookie: lea.cookie },
    body: { seq: 5, values: [], finish: true, csrf: lea.csrf } });
  assert.equal(r.status, 200, r.body);
  api.LMSSetValue('cmi.core.lesson_location', 'trop-tard');
  assert.equal(api.LMSCommit(''), 'true');
  await p.net.settle();
  assert.deepEqual(p.statuses, ['closed']);
  assert.deepEqual(p.storage.journal(), []);
  assert.deepEqual(p.clock.waiting(), [], 'no retry');
  assert.equal(api.LMSCommit(''), 'false');
  assert.equal(api.LMSGetLastError(), '101');
  assert.match(api.LMSGetDiagnostic(''), /409/);
  p.rt.dispose();
});

test('signed out (401): the journal is kept, and replayJournal sends it once signed in', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  const who = p.net;
  // The session cookie is gone (expired, logged out elsewhere).
  const out = page({ who: null, storage: p.storage });
  p.rt.launch.delivery.env.fetch = out.net.fetch;
  api.SetValue('cmi.location', 'apres-expiration');
  assert.equal(api.Commit(''), 'true');
  await out.net.settle();
  assert.equal(out.net.log.at(-1).kind, 'fetch');
  assert.deepEqual(p.statuses, ['login']);
  assert.equal(api.Commit(''), 'false');
  assert.equal(api.GetLastError(), '391');
  const [entry] = p.storage.journal();
  assert.deepEqual(entry.values, [['cmi.location', 'apres-expiration']]);
  // Not signed in, a replay keeps the entry.
  assert.deepEqual(await replayJournal(out.env), { sent: 0, dropped: 0, kept: 1 });
  // Another learner's entries are not theirs to send.
  assert.deepEqual(await replayJournal({ ...page({ storage: p.storage }).env, user: 999 }),
    { sent: 0, dropped: 0, kept: 1 });
  assert.deepEqual(await replayJournal(page({ storage: p.storage }).env),
    { sent: 1, dropped: 0, kept: 0 });
  assert.equal(stored(p.session, 'cmi.location'), 'apres-expiration');
  assert.equal(who.commits().length, 0);
  p.rt.dispose();
});

test('replayJournal: a duplicate or a finished session leaves the journal, a server error or no network keeps it', async () => {
  const storage = new MemoryStorage();
  const a = await launch('2004', 'ITEM-1', { storage });
  a.api.Initialize('');
  a.api.SetValue('cmi.location', 'deja-la');
  a.api.Commit('');
  await a.net.settle();
  // What a beacon left behind although it arrived: a duplicate.
  storage.setItem(JOURNAL_PREFIX + a.session, JSON.stringify({ v: 1, session: a.session,
    seq: 1, values: [['cmi.location', 'deja-la']], finish: false, user: lea.id, at: 1 }));
  // Garbage, and an entry of a session that is not hers.
  storage.setItem(JOURNAL_PREFIX + 'x', '{');
  storage.setItem(JOURNAL_PREFIX + 999999, JSON.stringify({ v: 1, session: 999999, seq: 1,
    values: [], finish: true, user: lea.id, at: 2 }));
  const offline = page({ storage });
  offline.net.offline = true;
  assert.deepEqual(await replayJournal(offline.env), { sent: 0, dropped: 1, kept: 2 });
  const proxy = page({ storage });
  proxy.net.proxy = 502;
  assert.deepEqual(await replayJournal(proxy.env), { sent: 0, dropped: 0, kept: 2 });
  const online = page({ storage });
  assert.deepEqual(await replayJournal(online.env), { sent: 1, dropped: 1, kept: 0 });
  assert.deepEqual(storage.journal(), []);
  assert.deepEqual(commits(a.session).map((c) => c.seq), [1]);
  a.api.Terminate('');
  await a.net.settle();
  a.rt.dispose();
});

test('autocommit: values set without Commit leave within 60 s', async () => {
  const p = await launch('2004');
  const api = p.api;
  api.Initialize('');
  api.SetValue('cmi.progress_measure', '0.5');
  p.clock.advance(59000);
  await p.net.settle();
  assert.equal(p.net.commits().length, 0);
  p.clock.advance(1000);
  await p.net.settle();
  assert.deepEqual(p.net.commits().map((c) => c.body.values),
    [[['cmi.progress_measure', '0.5']]]);
  p.clock.advance(60000);
  await p.net.settle();
  assert.equal(p.net.commits().length, 1, 'nothing new, nothing sent');
  api.Terminate('');
  await p.net.settle();
  p.rt.dispose();
});

test('hidden page: pending values leave by beacon; the next fetch confirms them and clears the journal', async () => {
  const p = await launch('1.2');
  const api = p.api;
  api.LMSInitialize('');
  api.LMSSetValue('cmi.core.lesson_location', 'p4');
  hide(p);
  assert.deepEqual(p.net.commits().map((e) => [e.kind, e.body.seq]), [['beacon', 1]]);
  const beacon = p.net.log.at(-1);
  assert.match(beacon.url, new RegExp(`/api/v1/runtime/sessions/${p.session}/commits$`));
  assert.deepEqual(beacon.body, { seq: 1, values: [['cmi.core.lesson_location', 'p4']],
    finish: false, csrf: lea.csrf });
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.core.lesson_location'), 'p4');
  assert.equal(p.storage.journal().length, 1, 'a beacon has no answer');
  hide(p);
  assert.equal(p.net.commits().length, 1, 'the same batch is not beaconed twice');
  p.clock.advance(60000);
  await p.net.settle();
  assert.deepEqual(p.net.commits().map((c) => [c.kind, c.body.seq]),
    [['beacon', 1], ['fetch', 1]]);
  assert.deepEqual(p.storage.journal(), []);
  api.LMSFinish('');
  await p.net.settle();
  p.rt.dispose();
});

test('pagehide: the SCO unloads first and terminates through its API; its last values leave by beacon', async () => {
  let p;
  const sco = () => {
    // What a SCO does in its own pagehide handler (scorm/common/sco.js).
    p.api.SetValue('cmi.session_time', 'PT1M30S');
    p.api.SetValue('cmi.exit', 'suspend');
    p.api.Commit('');
    p.api.Terminate('');
  };
  p = await launch('2004', 'ITEM-2', { unloadContent: sco });
  p.api.Initialize('');
  p.api.SetValue('cmi.location', 'p6');
  p.api.SetValue('cmi.suspend_data', '{"p":5}');
  p.api.Commit('');
  await p.net.settle();
  pagehide(p);
  assert.deepEqual(p.net.commits().slice(1).map((e) => [e.kind, e.body.seq, e.body.finish]),
    [['beacon', 2, false], ['beacon', 3, true]]);
  assert.deepEqual(p.net.commits()[2].body.values.map(([n]) => n),
    ['cmi.session_time', 'cmi.exit'], 'the last beacon carries the one before');
  assert.equal('API_1484_11' in p.window, false);
  await p.net.settle();
  // Beacons may arrive in any order: the last one carries everything.
  assert.deepEqual(commits(p.session).at(-1), { seq: 3, finish: true,
    data: commits(p.session).at(-1).data });
  const again = await launch('2004', 'ITEM-2');
  again.api.Initialize('');
  assert.equal(again.api.GetValue('cmi.entry'), 'resume');
  assert.equal(again.api.GetValue('cmi.location'), 'p6');
  assert.equal(again.api.GetValue('cmi.suspend_data'), '{"p":5}');
  const total = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/
    .exec(again.api.GetValue('cmi.total_time'));
  assert.equal(Number(total[1] || 0) * 3600 + Number(total[2] || 0) * 60 + Number(total[3] || 0),
    90, 'total_time: the session time the SCO reported');
  again.api.Terminate('');
  await again.net.settle();
  again.rt.dispose();
  p.rt.dispose();
});

test('pagehide of a SCO that never terminated: its values and the end of the session leave for it', async () => {
  const p = await launch('1.2');
  p.api.LMSInitialize('');
  p.api.LMSSetValue('cmi.core.lesson_location', 'p8');
  pagehide(p);
  assert.deepEqual(p.net.commits().map((e) => [e.kind, e.body.seq, e.body.finish]),
    [['beacon', 1, true]]);
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.core.lesson_location'), 'p8');
  assert.deepEqual(commits(p.session).map((c) => c.finish), [true]);
  p.rt.dispose();
});

test('into the back-forward cache (persisted pagehide): values leave, the session stays open', async () => {
  const p = await launch('2004');
  p.api.Initialize('');
  p.api.SetValue('cmi.location', 'bfcache');
  pagehide(p, true);
  assert.deepEqual(p.net.commits().map((e) => [e.kind, e.body.finish]), [['beacon', false]]);
  assert.equal(p.window.API_1484_11, p.api);
  await p.net.settle();
  assert.equal(p.api.Terminate(''), 'true');
  await p.net.settle();
  assert.deepEqual(commits(p.session).map((c) => c.finish), [false, true]);
  p.rt.dispose();
});

test('a refused beacon falls back to a keepalive fetch; a batch over 60 KiB goes by a plain fetch', async () => {
  const p = await launch('2004');
  p.api.Initialize('');
  p.net.beaconRefuses = true;
  p.api.SetValue('cmi.location', 'secours');
  hide(p);
  assert.deepEqual(p.net.commits().map((e) => [e.kind, e.keepalive ?? null]),
    [['beacon', null], ['fetch', true]]);
  await p.net.settle();
  assert.equal(stored(p.session, 'cmi.location'), 'secours');
  assert.deepEqual(p.storage.journal(), [], 'a fetch gets an answer');
  p.document.visibilityState = 'visible';
  // 64000 characters, accented: some 125 KB of JSON.
  const big = 'é'.repeat(64000);
  assert.equal(p.api.SetValue('cmi.suspend_data', big), 'true');
  p.api.Commit('');
  await p.net.settle();
  const last = p.net.log.at(-1);
  assert.ok(Buffer.byteLength(JSON.stringify(last.body)) > KEEPALIVE_MAX);
  assert.equal(last.keepalive, false);
  assert.equal(stored(p.session, 'cmi.suspend_data'), big);
  p.api.Terminate('');
  await p.net.settle();
  p.rt.dispose();
});

test('a tab closed offline: the journal holds the last batch and the next load replays it before opening', async () => {
  const storage = new MemoryStorage();
  const p = await launch('1.2', 'ITEM-2', { storage });
  p.api.LMSInitialize('');
  p.net.offline = true;
  p.api.LMSSetValue('cmi.core.lesson_location', 'p3');
  p.api.LMSSetValue('cmi.suspend_data', 'hors-ligne');
  p.api.LMSSetValue('cmi.core.exit', 'suspend');
  p.api.LMSCommit('');
  pagehide(p);	// beacons queued, lost on the way
  await p.net.settle();
  p.rt.dispose();
  assert.deepEqual(storage.journal().map((e) => [e.session, e.finish, e.values.length]),
    [[p.session, true, 3]]);
  assert.equal(commits(p.session).length, 0);
  // The next load of the player.
  const next = page({ storage });
  assert.deepEqual(await replayJournal(next.env), { sent: 1, dropped: 0, kept: 0 });
  const { api } = await next.rt.open(pkg['1.2'], 'ITEM-2');
  api.LMSInitialize('');
  assert.equal(api.LMSGetValue('cmi.core.entry'), 'resume');
  assert.equal(api.LMSGetValue('cmi.core.lesson_location'), 'p3');
  assert.equal(api.LMSGetValue('cmi.suspend_data'), 'hors-ligne');
  api.LMSFinish('');
  await next.net.settle();
  next.rt.dispose();
});

test('heartbeats: every 30 s while visible, active only after recent input, none while hidden', async () => {
  const p = await launch('1.2', 'ITEM-1');
  p.api.LMSInitialize('');
  const beats = () => p.net.log.filter((e) => /\/beats$/.test(e.url));
  p.clock.advance(30000);
  await p.net.settle();
  assert.equal(beats().length, 1);
  assert.deepEqual(beats()[0].body, { active: true }, 'the launch itself is activity');
  assert.equal(beats()[0].keepalive, true);
  // In 30 s steps: the fake clock would otherwise fire the requests'
  // time-outs before the real server answers.
  for (let i = 0; i < 10; i++) {
    p.clock.advance(30000);
    await p.net.settle();
  }
  assert.equal(beats().length, 11);
  assert.deepEqual(beats().at(-1).body, { active: false }, 'five minutes without input');
  p.window.dispatchEvent(new Event('keydown'));
  p.clock.advance(30000);
  await p.net.settle();
  assert.deepEqual(beats().at(-1).body, { active: true });
  hide(p);
  const n = beats().length;
  for (let i = 0; i < 4; i++) {
    p.clock.advance(30000);
    await p.net.settle();
  }
  assert.equal(beats().length, n, 'a hidden tab sends none');
  // The server recorded each one, as sent.
  assert.equal(sql(`SELECT group_concat(active, '') FROM (SELECT active FROM beats
    WHERE session_id = ${p.session} ORDER BY id)`),
  beats().map((b) => (b.body.active ? '1' : '0')).join(''));
  p.api.LMSFinish('');
  await p.net.settle();
  p.rt.dispose();
});

test('tear down: the daemon stops cleanly', async () => {
  const st = await d.stop('SIGTERM');
  assert.deepEqual(st, { code: 0, signal: null });
  assert.doesNotMatch(d.log(), /AddressSanitizer|runtime error:/);
  await d.cleanup();
});
