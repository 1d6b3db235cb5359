// Black-box tests of accounts, roles and web security against a real
// daemon: each role's allowed and forbidden calls, IDOR across learners and
// OPCAs, CSRF, brute force, session expiry, invitations, audit chain, TLS.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';

const FAST = { scrypt_log2n: 10 };
const PW = {
  admin: 'Ronde-de-nuit-1642', funder: 'Audit-Annuel-77x-Ok',
  a1: 'Conseil-Unifaf-2026', a2: 'Conseil-Unifor-2026',
  l1: 'Lea-Apprend-Vite-1', l2: 'Moteur-Apprend-Bien-2', l3: 'Zoe-Apprend-Loin-3',
};

// The CLI on the daemon's data, with its settings (fast scrypt).
function cli(d, args, input) {
  const conf = path.join(d.dataDir, 'assidu.conf');
  const pre = fs.existsSync(conf) ? ['--config', conf] : [];
  return spawnSync(BIN, [...pre, '--data', d.dataDir, ...args], { encoding: 'utf8', input });
}

function addUser(d, email, name, role, opca, password) {
  const args = ['user', 'add', email, '--name', name, '--role', role];
  if (opca)
    args.push('--opca', opca);
  if (password)
    args.push('--password-stdin');
  const r = cli(d, args, password ? `${password}\n` : undefined);
  assert.equal(r.status, 0, r.stderr);
  return Number(/^user (\d+):/.exec(r.stdout)[1]);
}

function sql(d, query) {
  return execFileSync('sqlite3', [path.join(d.dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

async function login(d, email, password, extra = {}) {
  const r = await request(`${d.url}/api/v1/login`, { method: 'POST',
    body: { email, password }, ...extra });
  if (r.status !== 200)
    return { status: r.status, r };
  const cookie = /^assidu_session=([^;]+)/.exec(r.headers['set-cookie'][0])[1];
  return { status: 200, r, cookie: `assidu_session=${cookie}`, csrf: r.json.csrf,
    user: r.json.user };
}

function as(d, s) {
  return (method, p, body, extra = {}) => request(`${d.url}${p}`, {
    method, body,
    headers: { ...(s ? { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } : {}),
      ...(extra.headers || {}) },
    origin: extra.origin,
  });
}

// One daemon with the whole cast, shared by the role and IDOR tests.
let d;
const ids = {};
const sess = {};
test('set up: accounts of every role in two OPCAs', async () => {
  d = await startDaemon({ config: FAST });
  ids.admin = addUser(d, 'direction@organisme.fr', 'Dominique Direction', 'admin', null, PW.admin);
  ids.funder = addUser(d, 'controle@financeur.fr', 'Florence Contrôle', 'funder', null, PW.funder);
  ids.a1 = addUser(d, 'claire@unifaf.fr', 'Claire Unifaf', 'adviser', 'unifaf', PW.a1);
  ids.a2 = addUser(d, 'ugo@uniformation.fr', 'Ugo Uniformation', 'adviser', 'uniformation', PW.a2);
  ids.l1 = addUser(d, 'lea@boulangerie.fr', 'Léa Boulangère', 'learner', 'unifaf', PW.l1);
  ids.l2 = addUser(d, 'marc@garage.fr', 'Marc Garagiste', 'learner', 'unifaf', PW.l2);
  ids.l3 = addUser(d, 'zoe@creche.fr', 'Zoé Crèche', 'learner', 'uniformation', PW.l3);
  for (const [k, email] of [['admin', 'direction@organisme.fr'], ['funder', 'controle@financeur.fr'],
    ['a1', 'claire@unifaf.fr'], ['a2', 'ugo@uniformation.fr'], ['l1', 'lea@boulangerie.fr'],
    ['l3', 'zoe@creche.fr']]) {
    sess[k] = await login(d, email, PW[k]);
    assert.equal(sess[k].status, 200, `${k}: ${sess[k].r?.body}`);
  }
});

test('login sets an HttpOnly SameSite=Lax cookie and never logs the token', async () => {
  const s = await login(d, 'lea@boulangerie.fr', PW.l1);
  const c = s.r.headers['set-cookie'][0];
  assert.match(c, /; HttpOnly/);
  assert.match(c, /; SameSite=Lax/);
  assert.match(c, /; Path=\//);
  assert.doesNotMatch(c, /; Secure/);
  const token = s.cookie.split('=')[1];
  assert.equal(token.length, 43);
  assert.equal(s.user.email, 'lea@boulangerie.fr');
  assert.equal(s.user.password_hash, undefined);
  // Only the token's hash is stored.
  assert.equal(sql(d, `SELECT count(*) FROM sessions WHERE token_hash = '${token}'`), '0');
  assert.equal(sql(d, `SELECT length(token_hash) FROM sessions LIMIT 1`), '32');
  const me = await as(d, s)('GET', '/api/v1/me');
  assert.equal(me.status, 200);
  assert.doesNotMatch(d.log(), new RegExp(token));
  assert.doesNotMatch(d.log(), new RegExp(PW.l1));
  assert.doesNotMatch(d.log(), new RegExp(s.csrf));
});

test('wrong password and unknown account get the same French 401', async () => {
  const a = await login(d, 'lea@boulangerie.fr', 'pas-le-bon-mot-de-passe');
  const b = await login(d, 'personne@nulle-part.fr', 'pas-le-bon-mot-de-passe');
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.r.json.error.detail, 'Adresse e-mail ou mot de passe incorrect.');
  assert.equal(b.r.json.error.detail, a.r.json.error.detail);
});

test('each role gets exactly its calls', async () => {
  const matrix = [
    // method, path, body, { role: status }
    ['GET', '/api/v1/me', undefined, { anon: 401, l1: 200, a1: 200, funder: 200, admin: 200 }],
    ['GET', '/api/v1/users', undefined, { anon: 401, l1: 403, a1: 200, funder: 200, admin: 200 }],
    ['GET', '/api/v1/opcas', undefined, { anon: 401, l1: 200, funder: 200 }],
    ['POST', '/api/v1/users', { email: 'x1@pme.fr', name: 'X', role: 'learner', opca: 'unifaf' },
      { anon: 401, l1: 403, funder: 403 }],
    ['POST', `/api/v1/users/${ids.l2}/disable`, { disabled: true },
      { anon: 401, l1: 403, a1: 403, funder: 403 }],
    ['POST', `/api/v1/users/${ids.l2}/password`, { password: 'Nouveau-Secret-99' },
      { l1: 403, a1: 403, funder: 403 }],
    ['POST', `/api/v1/users/${ids.l2}/invitation`, undefined, { anon: 401, l1: 403, funder: 403 }],
  ];
  for (const [method, p, body, expect] of matrix) {
    for (const [who, status] of Object.entries(expect)) {
      const r = await as(d, who === 'anon' ? null : sess[who])(method, p, body);
      assert.equal(r.status, status, `${who} ${method} ${p}: ${r.body}`);
    }
  }
  // Nothing that was refused happened.
  assert.equal(sql(d, "SELECT count(*) FROM users WHERE email = 'x1@pme.fr'"), '0');
  assert.equal(sql(d, `SELECT disabled FROM users WHERE id = ${ids.l2}`), '0');
  assert.equal(sql(d, `SELECT count(*) FROM invitations WHERE user_id = ${ids.l2}`), '0');
});

test('advisers see and manage only their own OPCA\'s learners', async () => {
  const a1 = as(d, sess.a1);
  const list = (await a1('GET', '/api/v1/users')).json;
  const emails = list.map((u) => u.email).sort();
  assert.deepEqual(emails, ['claire@unifaf.fr', 'lea@boulangerie.fr', 'marc@garage.fr']);
  // Another OPCA's learner, another adviser, the admin: as if they did not exist.
  for (const id of [ids.l3, ids.a2, ids.admin]) {
    const r = await a1('GET', `/api/v1/users/${id}`);
    assert.equal(r.status, 404, `adviser read user ${id}`);
    const inv = await a1('POST', `/api/v1/users/${id}/invitation`);
    assert.equal(inv.status, 404, `adviser invited user ${id}`);
  }
  assert.equal(sql(d, `SELECT count(*) FROM invitations WHERE user_id IN (${ids.l3}, ${ids.a2}, ${ids.admin})`), '0');
  // An adviser creates learners, always in their own OPCA, nothing else.
  const made = await a1('POST', '/api/v1/users', { email: 'nina@fleuriste.fr', name: 'Nina Fleuriste',
    role: 'learner', opca: 'uniformation' });
  assert.equal(made.status, 201, made.body);
  assert.equal(made.json.opca, 'unifaf');
  const adv = await a1('POST', '/api/v1/users', { email: 'pirate@unifaf.fr', name: 'P', role: 'admin' });
  assert.equal(adv.status, 403);
  assert.equal(sql(d, "SELECT count(*) FROM users WHERE email = 'pirate@unifaf.fr'"), '0');
  // The other adviser sees none of this OPCA's learners.
  const l2 = (await as(d, sess.a2)('GET', '/api/v1/users')).json.map((u) => u.email).sort();
  assert.deepEqual(l2, ['ugo@uniformation.fr', 'zoe@creche.fr']);
});

test('funders read everything and write nothing; learners read only themselves', async () => {
  const all = (await as(d, sess.funder)('GET', '/api/v1/users')).json;
  assert.ok(all.length >= 7);
  const before = sql(d, 'SELECT count(*) FROM audit');
  const f = as(d, sess.funder);
  assert.equal((await f('POST', '/api/v1/users', { email: 'f@x.fr', name: 'F', role: 'learner', opca: 'unifaf' })).status, 403);
  assert.equal((await f('POST', `/api/v1/users/${ids.l1}/disable`, { disabled: true })).status, 403);
  assert.equal(sql(d, 'SELECT count(*) FROM audit'), before);
  const l1 = as(d, sess.l1);
  assert.equal((await l1('GET', `/api/v1/users/${ids.l2}`)).status, 403);
  assert.equal((await l1('GET', `/api/v1/users/${ids.l1}`)).status, 403);
  assert.equal((await l1('GET', '/api/v1/me')).json.user.id, ids.l1);
});

test('CSRF: writes without the token or from another origin are refused', async () => {
  const s = sess.admin;
  const body = { email: 'csrf@pme.fr', name: 'C', role: 'learner', opca: 'unifaf' };
  const tries = [
    { headers: { Cookie: s.cookie } },  // no token
    { headers: { Cookie: s.cookie, 'X-CSRF-Token': 'x'.repeat(43) } },
    { headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf }, origin: false },
    { headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, Origin: 'http://evil.example' } },
    { headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, Referer: 'http://evil.example/x' }, origin: false },
    { headers: { Cookie: sess.l1.cookie, 'X-CSRF-Token': s.csrf } },  // someone else's token
  ];
  for (const t of tries) {
    const r = await request(`${d.url}/api/v1/users`, { method: 'POST', body, ...t });
    assert.ok(r.status === 403, `${JSON.stringify(t.headers)} got ${r.status}`);
  }
  assert.equal(sql(d, "SELECT count(*) FROM users WHERE email = 'csrf@pme.fr'"), '0');
  // A same-origin Referer is accepted when Origin is absent.
  const ok = await request(`${d.url}/api/v1/users`, { method: 'POST', body, origin: false,
    headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf, Referer: `${d.url}/admin/utilisateurs.html` } });
  assert.equal(ok.status, 201, ok.body);
  // Login from another site is refused too (login CSRF).
  const evil = await login(d, 'lea@boulangerie.fr', PW.l1, { headers: { Origin: 'http://evil.example' } });
  assert.equal(evil.status, 403);
});

test('security headers on pages and API', async () => {
  for (const p of ['/', '/api/v1/me', '/nope']) {
    const r = await request(`${d.url}${p}`);
    assert.match(r.headers['content-security-policy'], /default-src 'self'/);
    assert.match(r.headers['content-security-policy'], /frame-ancestors 'self'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'same-origin');
  }
});

test('invitation: single use, policy enforced, opens a session', async () => {
  const inv = await as(d, sess.a1)('POST', `/api/v1/users/${ids.l2}/invitation`);
  assert.equal(inv.status, 201, inv.body);
  const token = /#([A-Za-z0-9_-]{43})$/.exec(inv.json.url)[1];
  assert.ok(inv.json.url.startsWith(`${d.url}/invitation.html#`));
  assert.equal(sql(d, `SELECT count(*) FROM invitations WHERE token_hash = '${token}'`), '0');
  const check = await request(`${d.url}/api/v1/invitations/check`, { method: 'POST', body: { token } });
  assert.equal(check.status, 200);
  assert.equal(check.json.name, 'Marc Garagiste');
  const weak = await request(`${d.url}/api/v1/invitations/accept`, { method: 'POST',
    body: { token, password: 'court' } });
  assert.equal(weak.status, 422);
  assert.match(weak.json.error.detail, /au moins 12 caractères/);
  const common = await request(`${d.url}/api/v1/invitations/accept`, { method: 'POST',
    body: { token, password: 'azerty123456' } });
  assert.equal(common.status, 422);
  const ok = await request(`${d.url}/api/v1/invitations/accept`, { method: 'POST',
    body: { token, password: 'Choisi-Par-Lui-Meme' } });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.user.id, ids.l2);
  assert.match(ok.headers['set-cookie'][0], /^assidu_session=/);
  const again = await request(`${d.url}/api/v1/invitations/accept`, { method: 'POST',
    body: { token, password: 'Un-Autre-Essai-123' } });
  assert.equal(again.status, 410);
  assert.equal((await login(d, 'marc@garage.fr', 'Un-Autre-Essai-123')).status, 401);
  assert.equal((await login(d, 'marc@garage.fr', 'Choisi-Par-Lui-Meme')).status, 200);
  const unknown = await request(`${d.url}/api/v1/invitations/check`, { method: 'POST',
    body: { token: 'A'.repeat(43) } });
  assert.equal(unknown.status, 404);
});

test('password change: current checked, policy applied, old one dead', async () => {
  const s = await login(d, 'zoe@creche.fr', PW.l3);
  const other = await login(d, 'zoe@creche.fr', PW.l3);
  const z = as(d, s);
  assert.equal((await z('POST', '/api/v1/me/password', { current: 'faux-faux-faux', password: 'Zoe-Nouveau-Depart-4' })).status, 403);
  assert.equal((await z('POST', '/api/v1/me/password', { current: PW.l3, password: 'trop-court' })).status, 422);
  assert.equal((await z('POST', '/api/v1/me/password', { current: PW.l3, password: 'Zoe-Nouveau-Depart-4' })).status, 200);
  // The session that changed it stays; every other one is closed.
  assert.equal((await z('GET', '/api/v1/me')).status, 200);
  assert.equal((await as(d, other)('GET', '/api/v1/me')).status, 401);
  assert.equal((await login(d, 'zoe@creche.fr', PW.l3)).status, 401);
  assert.equal((await login(d, 'zoe@creche.fr', 'Zoe-Nouveau-Depart-4')).status, 200);
});

test('logout, logout everywhere, and disabling close sessions', async () => {
  const one = await login(d, 'lea@boulangerie.fr', PW.l1);
  const two = await login(d, 'lea@boulangerie.fr', PW.l1);
  let r = await as(d, one)('POST', '/api/v1/logout', {});
  assert.equal(r.status, 200);
  assert.match(r.headers['set-cookie'][0], /Max-Age=0/);
  assert.equal((await as(d, one)('GET', '/api/v1/me')).status, 401);
  assert.equal((await as(d, two)('GET', '/api/v1/me')).status, 200);
  r = await as(d, two)('POST', '/api/v1/logout', { all: true });
  assert.equal(r.status, 200);
  assert.ok(r.json.sessions_closed >= 2);
  assert.equal((await as(d, sess.l1)('GET', '/api/v1/me')).status, 401);

  const m = await login(d, 'marc@garage.fr', 'Choisi-Par-Lui-Meme');
  r = await as(d, sess.admin)('POST', `/api/v1/users/${ids.l2}/disable`, { disabled: true });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.disabled, true);
  assert.equal((await as(d, m)('GET', '/api/v1/me')).status, 401);
  assert.equal((await login(d, 'marc@garage.fr', 'Choisi-Par-Lui-Meme')).status, 401);
  r = await as(d, sess.admin)('POST', `/api/v1/users/${ids.admin}/disable`, { disabled: true });
  assert.equal(r.status, 422);
});

test('brute force is slowed: the account locks after 5 failures, then 429', async () => {
  for (let i = 0; i < 5; i++)
    assert.equal((await login(d, 'claire@unifaf.fr', `mauvais-essai-${i}-xx`)).status, 401);
  const locked = await login(d, 'claire@unifaf.fr', PW.a1);
  assert.equal(locked.status, 429);
  const wait = Number(locked.r.headers['retry-after']);
  assert.ok(wait >= 1 && wait <= 30, `Retry-After ${wait}`);
  assert.match(locked.r.json.error.detail, /Trop de tentatives/);
  assert.match(d.log(), /event=login_locked key=acct:claire@unifaf\.fr failures=5/);
  // Another account from the same address still logs in.
  assert.equal((await login(d, 'controle@financeur.fr', PW.funder)).status, 200);
});

test('every account change is in the audit log and the chain verifies', async () => {
  const actions = sql(d, 'SELECT DISTINCT action FROM audit ORDER BY action').split('\n');
  for (const a of ['session.close', 'session.close_all', 'session.open', 'user.create',
    'user.disable', 'user.invitation_accepted', 'user.invite', 'user.password'])
    assert.ok(actions.includes(a), `no ${a} in ${actions}`);
  let r = cli(d, ['audit', 'verify']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit chain intact: \d+ rows/);
  assert.throws(() => sql(d, 'UPDATE audit SET actor = \'x\' WHERE id = 1'), /append-only/);
  // Tamper behind the triggers' back: verification names the row.
  sql(d, 'DROP TRIGGER audit_no_update; UPDATE audit SET details = \'{"email":"autre@x.fr"}\' WHERE id = 3');
  r = cli(d, ['audit', 'verify']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /audit chain broken at row 3 \(2 rows intact/);
  await d.cleanup();
});

test('sessions expire when idle', async () => {
  const e = await startDaemon({ config: { ...FAST, session_idle: 2 } });
  try {
    addUser(e, 'lea@boulangerie.fr', 'Léa', 'learner', 'unifaf', PW.l1);
    const s = await login(e, 'lea@boulangerie.fr', PW.l1);
    assert.equal((await as(e, s)('GET', '/api/v1/me')).status, 200);
    await sleep(2300);
    const r = await as(e, s)('GET', '/api/v1/me');
    assert.equal(r.status, 401);
    assert.match(r.headers['set-cookie'][0], /^assidu_session=; .*Max-Age=0/);
  } finally {
    await e.cleanup();
  }
});

test('sessions end at their absolute lifetime even when active', async () => {
  const e = await startDaemon({ config: { ...FAST, session_idle: 600, session_lifetime: 2 } });
  try {
    addUser(e, 'lea@boulangerie.fr', 'Léa', 'learner', 'unifaf', PW.l1);
    const s = await login(e, 'lea@boulangerie.fr', PW.l1);
    assert.match(s.r.headers['set-cookie'][0], /Max-Age=2;/);
    for (let i = 0; i < 3; i++) {
      assert.equal((await as(e, s)('GET', '/api/v1/me')).status, 200);
      await sleep(500);
    }
    await sleep(700);
    assert.equal((await as(e, s)('GET', '/api/v1/me')).status, 401);
  } finally {
    await e.cleanup();
  }
});

test('TLS in process: HTTPS works and the session cookie is Secure', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', `${dir}/key.pem`,
    '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
  const e = await startDaemon({ config: FAST, args: ['--tls-cert', `${dir}/cert.pem`,
    '--tls-key', `${dir}/key.pem`] });
  const get = (p, opts = {}) => new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: e.port, path: p, rejectUnauthorized: false,
      method: opts.method || 'GET', headers: opts.headers || {}, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body)
      req.write(opts.body);
    req.end();
  });
  try {
    addUser(e, 'lea@boulangerie.fr', 'Léa', 'learner', 'unifaf', PW.l1);
    const h = await get('/healthz');
    assert.equal(h.status, 200);
    assert.equal(JSON.parse(h.body).status, 'ok');
    const body = JSON.stringify({ email: 'lea@boulangerie.fr', password: PW.l1 });
    const r = await get('/api/v1/login', { method: 'POST', body, headers: {
      'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
      Origin: `https://127.0.0.1:${e.port}` } });
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers['set-cookie'][0], /; Secure/);
    // Plain HTTP on the TLS port gets nothing useful.
    await assert.rejects(request(`${e.url}/healthz`, { timeout: 3000 }));
  } finally {
    await e.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
