// Attestations (DESIGN §7) against a real daemon: the signing key created
// on first run (0600, published), documents numbered without gaps, facts
// frozen as canonical JSON and signed with Ed25519 (checked with plain
// openssl), PDFs whose text is right (pdftotext) and whose embedded facts
// verify offline (assidu verify --key), one changed byte detected, a
// register row changed behind our back detected, re-issue that supersedes
// and deletes nothing, the certificat's end-of-cohort rule, OPCA scoping,
// key rotation, and the zip of a cohort with its index.
// Flat top-level test() calls: automake's tap-driver counts only top-level
// TAP points of `node --test --test-reporter=tap`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, request, startDaemon } from '../lib/daemon.mjs';
import { validPackage } from '../data/hostile.mjs';
import { enrolInCourse } from '../lib/course.mjs';

const PW = 'Attester-Sans-Trembler-3';
const ORG = {
  organisation_name: 'Organisme d\'essai Édition',
  organisation_nda: '11 75 12345 75',
  organisation_siret: '99912345600009',
  organisation_city: 'Lyon',
  organisation_representative: 'Aline Martin',
  organisation_representative_title: 'Directrice',
};
const CONFIG = { scrypt_log2n: 10, ...ORG };
let d;
let dataDir;
let tmp;
const s = {};
let cohortId;
let pkgId;
const docs = {};

function cli(args, input) {
  return spawnSync(BIN, ['--config', path.join(dataDir, 'assidu.conf'),
    '--data', dataDir, ...args], { input, encoding: 'utf8' });
}

function sql(query) {
  return execFileSync('sqlite3', [path.join(dataDir, 'assidu.db'), query],
    { encoding: 'utf8' }).trim();
}

async function login(email) {
  const r = await request(`${d.url}/api/v1/login`, { method: 'POST', body: { email, password: PW } });
  assert.equal(r.status, 200, r.body);
  return { cookie: r.headers['set-cookie'][0].split(';')[0], csrf: r.json.csrf };
}

function call(who, method, p, body, opts = {}) {
  return request(`${d.url}${p}`, { method, body, ...opts,
    headers: who ? { Cookie: who.cookie, 'X-CSRF-Token': who.csrf } : {} });
}

const issue = (who, enrolment, kind, early) =>
  call(who, 'POST', `/api/v1/enrolments/${enrolment}/attestations`,
    early === undefined ? { kind } : { kind, early });

async function pdf(who, number) {
  const r = await call(who, 'GET', `/api/v1/attestations/${number}/pdf`, undefined, { raw: true });
  assert.equal(r.status, 200, String(r.body));
  assert.equal(r.headers['content-type'], 'application/pdf');
  const file = path.join(tmp, `${number}.pdf`);
  fs.writeFileSync(file, r.body);
  return file;
}

// The PDF prints typographic apostrophes; the tests compare plain ones.
const text = (file) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })
  .replace(/\u2019/g, "'");

function custom(file, key) {
  const out = execFileSync('pdfinfo', ['-custom', file], { encoding: 'utf8' });
  const m = new RegExp(`^${key}:\\s*(\\S+)$`, 'm').exec(out);
  assert.ok(m, `${key} in pdfinfo -custom:\n${out}`);
  return m[1];
}

// The check of docs/evidence.md, with nothing but openssl.
function opensslVerify(factsBytes, sigB64, pemFile) {
  const f = path.join(tmp, 'facts.json');
  const sig = path.join(tmp, 'sig.bin');
  fs.writeFileSync(f, factsBytes);
  fs.writeFileSync(sig, Buffer.from(sigB64, 'base64'));
  return spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pemFile,
    '-rawin', '-in', f, '-sigfile', sig], { encoding: 'utf8' });
}

// A document's verification code (docs/evidence.md): 16 hex digits of
// the SHA-256 of its base64 signature, printed with its QR code.
function code(number) {
  const sig = sql(`SELECT signature FROM attestations WHERE number = '${number}'`);
  return crypto.createHash('sha256').update(sig).digest('hex').slice(0, 16);
}

// What the public verification says, with the document's code.
const verify = (number) => request(`${d.url}/api/v1/verify/${number}?c=${code(number)}`);

const enrolmentOf = (email) => Number(sql(`SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id
  WHERE u.email = '${email}' AND e.cohort_id = ${cohortId}`));

test('first run: the signing key is created 0600 and published', async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-attest-'));
  d = await startDaemon({ config: CONFIG });
  dataDir = d.dataDir;
  const id = sql('SELECT id FROM signing_keys');
  assert.match(id, /^[0-9a-f]{16}$/);
  const keyFile = path.join(dataDir, 'keys', `${id}.pem`);
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.join(dataDir, 'keys')).mode & 0o777, 0o700);
  const r = await request(`${d.url}/.well-known/assidu-signing-key.pem`);
  assert.equal(r.status, 200);
  assert.match(r.body, /^-----BEGIN PUBLIC KEY-----\n/);
  // The published key is the private key's public half.
  const pub = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout'], { encoding: 'utf8' });
  assert.equal(r.body, pub);
  fs.writeFileSync(path.join(tmp, 'key.pem'), r.body);
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'key.create'"), '1');
});

test('set up: a cohort with learners of two OPCAs and their advisers', async () => {
  const users = [['lea@boulangerie.fr', 'Léa Durand', 'learner', 'unifaf'],
    ['karim@fromagerie.fr', 'Karim Benali', 'learner', 'opcalim'],
    ['conseil@unifaf.fr', 'Camille Roussel', 'adviser', 'unifaf'],
    ['conseil@opcalim.fr', 'Hugo Lefèvre', 'adviser', 'opcalim'],
    ['controle@dreets.fr', 'Sophie Bernard', 'funder', null],
    ['direction@organisme.fr', 'Aline Martin', 'admin', null]];
  for (const [email, name, role, opca] of users) {
    const r = cli(['user', 'add', email, '--name', name, '--role', role,
      ...(opca ? ['--opca', opca] : []), '--password-stdin'], `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
  }
  fs.writeFileSync(path.join(tmp, 'p.zip'), validPackage('1.2'));
  assert.equal(cli(['import', path.join(tmp, 'p.zip')]).status, 0);
  pkgId = Number(sql('SELECT id FROM packages'));
  enrolInCourse(cli, [{ package: pkgId, item: 'ITEM-1' }, { package: pkgId, item: 'ITEM-2' }],
    ['lea@boulangerie.fr', 'karim@fromagerie.fr'], 'attest');
  cohortId = Number(sql("SELECT id FROM cohorts WHERE name = 'Session attest'"));
  s.lea = await login('lea@boulangerie.fr');
  s.karim = await login('karim@fromagerie.fr');
  s.unifaf = await login('conseil@unifaf.fr');
  s.opcalim = await login('conseil@opcalim.fr');
  s.funder = await login('controle@dreets.fr');
  s.admin = await login('direction@organisme.fr');
  // Léa completes the first unit, with some measured time.
  let r = await call(s.lea, 'POST', '/api/v1/runtime/sessions', { package: pkgId, item: 'ITEM-1' });
  assert.equal(r.status, 201, r.body);
  const session = r.json.session;
  r = await call(s.lea, 'POST', `/api/v1/runtime/sessions/${session}/commits`,
    { seq: 1, values: [['cmi.core.lesson_status', 'completed'],
      ['cmi.core.session_time', '0000:12:00']], finish: true });
  assert.equal(r.status, 200, r.body);
});

test('an adviser issues an interim attestation de présence; openssl verifies its signature', async () => {
  const lea = enrolmentOf('lea@boulangerie.fr');
  const r = await issue(s.unifaf, lea, 'presence');
  assert.equal(r.status, 201, r.body);
  const year = new Date().getUTCFullYear();
  assert.match(r.json.number, new RegExp(`^AS-(${year}|${year + 1})-000001$`));
  assert.equal(r.json.interim, true);
  docs.presence1 = r.json.number;
  const row = sql(`SELECT facts FROM attestations WHERE number = '${docs.presence1}'`);
  const facts = JSON.parse(row);
  assert.equal(facts.kind, 'presence');
  assert.equal(facts.learner.name, 'Léa Durand');
  assert.equal(facts.organisation.nda, ORG.organisation_nda);
  assert.equal(facts.totals.completed, 1);
  assert.equal(facts.totals.certified_minutes, 15);
  assert.equal(facts.weeks[0].units[0].status, 'completed');
  assert.equal(facts.weeks[0].units[0].reported_s, 720);
  assert.equal(facts.key, sql('SELECT id FROM signing_keys'));
  // Canonical: what is stored is exactly the sorted, compact form.
  const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ?
    Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
  assert.equal(row, JSON.stringify(sortKeys(facts)));
  // The number alone, which anyone can guess, shows no personal data.
  for (const c of ['', '?c=0123456789abcdef']) {
    const bare = await request(`${d.url}/api/v1/verify/${docs.presence1}${c}`);
    assert.equal(bare.status, 200);
    assert.equal(bare.json.status, 'valid');
    assert.equal(bare.json.code_needed, true);
    assert.equal(bare.json.facts, undefined);
    assert.ok(!bare.body.includes('Durand'), bare.body);
  }
  const v = await verify(docs.presence1);
  assert.equal(v.status, 200);
  assert.equal(v.json.status, 'valid');
  assert.equal(v.json.facts_json, row);
  const ok = opensslVerify(Buffer.from(v.json.facts_json), v.json.signature, path.join(tmp, 'key.pem'));
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /Signature Verified Successfully/);
  const bad = opensslVerify(Buffer.from(v.json.facts_json.replace('Léa', 'Léo')), v.json.signature,
    path.join(tmp, 'key.pem'));
  assert.notEqual(bad.status, 0);
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'attest.issue' AND object = '${docs.presence1}'`), '1');
});

test('the PDF: A4, French text with accents, its QR target, and facts that verify offline', async () => {
  const file = await pdf(s.unifaf, docs.presence1);
  const t = text(file);
  for (const want of ['Attestation de présence', 'Léa Durand', 'Boulangerie d\'essai',
    'Organisme d\'essai Édition', 'Document intermédiaire', docs.presence1])
    assert.ok(t.includes(want), `« ${want} » in the PDF text:\n${t}`);
  // The QR code's address, printed under it, carries the code.
  assert.ok(t.replace(/\s+/g, '').includes(`${d.url}/verify/${docs.presence1}?c=${code(docs.presence1)}`),
    t);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  assert.match(info, /Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)/);
  const factsB64 = custom(file, 'AssiduFacts');
  assert.equal(Buffer.from(factsB64, 'base64').toString('utf8'),
    sql(`SELECT facts FROM attestations WHERE number = '${docs.presence1}'`));
  const ok = opensslVerify(Buffer.from(factsB64, 'base64'), custom(file, 'AssiduSignature'),
    path.join(tmp, 'key.pem'));
  assert.equal(ok.status, 0, ok.stderr);
  // assidu verify with nothing but the public key.
  let r = spawnSync(BIN, ['verify', '--key', path.join(tmp, 'key.pem'), file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^VALIDE ${docs.presence1}`));
  // One byte of the embedded facts changed: detected, offline and online.
  const bytes = fs.readFileSync(file);
  const at = bytes.indexOf(Buffer.from(factsB64.slice(0, 40)));
  assert.ok(at > 0);
  const forged = Buffer.from(bytes);
  const i = at + 200;
  forged[i] = forged[i] === 0x41 ? 0x42 : 0x41;
  const forgedFile = path.join(tmp, 'forged.pdf');
  fs.writeFileSync(forgedFile, forged);
  r = spawnSync(BIN, ['verify', '--key', path.join(tmp, 'key.pem'), forgedFile], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^ALTÉRÉ/);
  const online = await request(`${d.url}/api/v1/verify`, { method: 'POST', body: forged,
    headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(online.status, 200, online.body);
  assert.equal(online.json.status, 'tampered');
  const good = await request(`${d.url}/api/v1/verify`, { method: 'POST', body: bytes,
    headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(good.status, 200, good.body);
  assert.equal(good.json.status, 'valid');
  assert.equal(good.json.number, docs.presence1);
});

test('scoping: another OPCA\'s adviser can neither issue, list nor download; the learner can download', async () => {
  const lea = enrolmentOf('lea@boulangerie.fr');
  let r = await issue(s.opcalim, lea, 'presence');
  assert.equal(r.status, 404, r.body);
  r = await call(s.opcalim, 'GET', `/api/v1/attestations/${docs.presence1}/pdf`);
  assert.equal(r.status, 404);
  r = await call(s.opcalim, 'GET', `/api/v1/cohorts/${cohortId}/attestations`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, []);
  r = await call(s.karim, 'GET', `/api/v1/attestations/${docs.presence1}/pdf`);
  assert.equal(r.status, 404);
  r = await issue(s.funder, lea, 'presence');
  assert.equal(r.status, 403);
  r = await issue(s.lea, lea, 'presence');
  assert.equal(r.status, 403);
  await pdf(s.lea, docs.presence1);
  await pdf(s.funder, docs.presence1);
  r = await call(s.lea, 'GET', '/api/v1/me/attestations');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.map((x) => x.number), [docs.presence1]);
  r = await call(s.karim, 'GET', '/api/v1/me/attestations');
  assert.deepEqual(r.json, []);
});

test('the certificat waits for the end of the cohort unless an admin decides, and uses no number when refused', async () => {
  const lea = enrolmentOf('lea@boulangerie.fr');
  const before = sql('SELECT count(*) FROM attestations');
  let r = await issue(s.unifaf, lea, 'realisation');
  assert.equal(r.status, 422);
  assert.match(r.json.error.detail, /fin de la session/);
  r = await issue(s.unifaf, lea, 'realisation', true);
  assert.equal(r.status, 403);
  r = await issue(s.unifaf, lea, 'nonsense');
  assert.equal(r.status, 422);
  assert.equal(sql('SELECT count(*) FROM attestations'), before);
  // For the whole cohort: Karim completed nothing, so he gets no
  // certificat (listed as skipped); Léa gets hers.
  r = await call(s.admin, 'POST', `/api/v1/cohorts/${cohortId}/attestations`,
    { kind: 'realisation', early: true });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.issued, 1);
  assert.deepEqual(r.json.skipped.map((x) => x.learner), ['Karim Benali']);
  docs.realisation = r.json.documents[0].number;
  assert.equal(r.json.documents[0].learner, 'Léa Durand');
  assert.match(docs.realisation, /-000002$/);
  const facts = JSON.parse(sql(`SELECT facts FROM attestations WHERE number = '${docs.realisation}'`));
  assert.equal(facts.decision, 'admin');
  assert.equal(facts.interim, false);
  const details = JSON.parse(sql(`SELECT details FROM audit WHERE object = '${docs.realisation}'`));
  assert.equal(details.decision, 'admin');
  const t = text(await pdf(s.admin, docs.realisation));
  for (const want of ['Certificat de réalisation', 'atteste que', 'Léa Durand',
    'salarié(e) de l\'entreprise', 'action de formation', '11 75 12345 75', 'Lyon'])
    assert.ok(t.includes(want), `« ${want} » in the certificat:\n${t}`);
});

test('re-issuing supersedes and deletes nothing; numbers have no gap', async () => {
  const lea = enrolmentOf('lea@boulangerie.fr');
  const r = await issue(s.unifaf, lea, 'presence');
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.supersedes, docs.presence1);
  docs.presence2 = r.json.number;
  let v = await verify(docs.presence1);
  assert.equal(v.json.status, 'superseded');
  assert.equal(v.json.superseded_by, docs.presence2);
  v = await verify(docs.presence2);
  assert.equal(v.json.status, 'valid');
  assert.equal(v.json.facts.supersedes, docs.presence1);
  const seqs = sql('SELECT seq FROM attestations ORDER BY seq').split('\n').map(Number);
  assert.deepEqual(seqs, [1, 2, 3]);
  v = await request(`${d.url}/api/v1/verify/AS-2001-999999`);
  assert.equal(v.status, 200);
  assert.equal(v.json.status, 'unknown');
  for (const stmt of [`UPDATE attestations SET facts = '{}' WHERE seq = 1`,
    'DELETE FROM attestations WHERE seq = 1', "DELETE FROM signing_keys"]) {
    const x = spawnSync('sqlite3', [path.join(dataDir, 'assidu.db'), stmt], { encoding: 'utf8' });
    assert.notEqual(x.status, 0, stmt);
    assert.match(x.stderr, /append-only/);
  }
  // The verification page needs no login.
  const page = await request(`${d.url}/verify/${docs.presence2}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Vérifier une attestation/);
});

test('a register row changed behind our back reads as tampered', async () => {
  const db = path.join(dataDir, 'assidu.db');
  execFileSync('sqlite3', [db, `DROP TRIGGER attestations_no_update;
    UPDATE attestations SET facts = replace(facts, '"completed":1', '"completed":4')
    WHERE number = '${docs.presence2}';`]);
  const v = await verify(docs.presence2);
  assert.equal(v.json.status, 'tampered');
  const r = cli(['audit', 'verify']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the zip of a cohort holds the documents in force and an index CSV', async () => {
  const lea = enrolmentOf('lea@boulangerie.fr');
  const karim = enrolmentOf('karim@fromagerie.fr');
  // Léa's presence attestation is tampered with in the register above:
  // issue a fresh one, and one for Karim.
  let r = await issue(s.unifaf, lea, 'presence');
  assert.equal(r.status, 201, r.body);
  r = await issue(s.opcalim, karim, 'presence');
  assert.equal(r.status, 201, r.body);
  r = await call(s.admin, 'GET', `/api/v1/cohorts/${cohortId}/attestations.zip`, undefined,
    { raw: true, timeout: 60000 });
  assert.equal(r.status, 200, String(r.body));
  assert.equal(r.headers['content-type'], 'application/zip');
  const zip = path.join(tmp, 'all.zip');
  fs.writeFileSync(zip, r.body);
  const list = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(list.length, 4, list.join('\n'));	// 3 documents in force + index
  assert.ok(list.includes('index.csv'));
  const index = execFileSync('unzip', ['-p', zip, 'index.csv']);
  assert.deepEqual([...index.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = index.toString('utf8').slice(1).split('\r\n');
  assert.match(lines[0], /^Numéro;Document;Apprenant;/);
  assert.equal(lines.filter((l) => l !== '').length, 4);
  // Each PDF of the zip is the one the index names, with its hash.
  for (const line of lines.slice(1).filter((l) => l !== '')) {
    const f = line.split(';');
    const bytes = execFileSync('unzip', ['-p', zip, f[11]]);
    const sha = execFileSync('sha256sum', { input: bytes, encoding: 'utf8' }).slice(0, 64);
    assert.equal(f[12], sha);
    assert.equal(f[13], `${d.url}/verify/${f[0]}?c=${code(f[0])}`);
  }
  // An adviser's zip holds their OPCA's learners only.
  r = await call(s.opcalim, 'GET', `/api/v1/cohorts/${cohortId}/attestations.zip`, undefined,
    { raw: true, timeout: 60000 });
  assert.equal(r.status, 200);
  fs.writeFileSync(zip, r.body);
  const theirs = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(theirs.length, 2, theirs.join('\n'));
  assert.ok(theirs.some((n) => n.includes('karim-benali')));
});

test('a zip of 1,000 learners is built on a worker while the server keeps answering',
  { timeout: 600000 }, async () => {
  const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  let r = cli(['cohort', 'add', '--course', 'attest', '--name', 'Grande session', '--start', day(-1),
    '--end', day(60), '--meeting-date', day(50), '--meeting-mode', 'online']);
  assert.equal(r.status, 0, r.stderr);
  const big = Number(sql("SELECT id FROM cohorts WHERE name = 'Grande session'"));
  const lines = ['e-mail;nom;siret;entreprise;effectif;opca'];
  for (let i = 0; i < 1000; i++)
    lines.push(`apprenant${i}@tpe.fr;Apprenant ${i};88812345600012;Boulangerie d'essai;12;unifaf`);
  fs.writeFileSync(path.join(tmp, 'big.csv'), lines.join('\n') + '\n');
  r = cli(['enrol', '--csv', path.join(tmp, 'big.csv'), '--cohort', 'Grande session']);
  assert.equal(r.status, 0, r.stderr);
  let t0 = Date.now();
  r = await call(s.admin, 'POST', `/api/v1/cohorts/${big}/attestations`, { kind: 'presence' },
    { timeout: 300000 });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.json.issued, 1000);
  const issueMs = Date.now() - t0;
  const seqs = sql('SELECT count(*), max(seq) - min(seq) + 1 FROM attestations');
  assert.equal(seqs.split('|')[0], seqs.split('|')[1], 'no gap in the numbers');
  // The zip is built on a worker: meanwhile the event loop answers.
  let done = false;
  t0 = Date.now();
  const zip = call(s.admin, 'GET', `/api/v1/cohorts/${big}/attestations.zip`, undefined,
    { raw: true, timeout: 300000 }).finally(() => { done = true; });
  const lat = [];
  while (!done) {
    const t = Date.now();
    const x = await call(s.unifaf, 'GET', '/api/v1/me');
    assert.equal(x.status, 200);
    lat.push(Date.now() - t);
    await new Promise((ok) => setTimeout(ok, 20));
  }
  const z = await zip;
  const zipMs = Date.now() - t0;
  assert.equal(z.status, 200, String(z.body).slice(0, 300));
  fs.writeFileSync(path.join(tmp, 'big.zip'), z.body);
  const names = execFileSync('unzip', ['-Z1', path.join(tmp, 'big.zip')],
    { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n');
  assert.equal(names.length, 1001);
  // Nothing staged stays behind: no temporary zip, no PDF directory.
  assert.deepEqual(fs.readdirSync(dataDir).filter((n) => n.startsWith('tmp-zip')), []);
  lat.sort((a, b) => a - b);
  const max = lat[lat.length - 1];
  console.log(`# 1,000 attestations: issued in ${issueMs} ms; zip of ${z.body.length} bytes ` +
    `built and sent in ${zipMs} ms; ${lat.length} requests answered meanwhile, ` +
    `median ${lat[lat.length >> 1]} ms, max ${max} ms`);
  assert.ok(lat.length >= 10, `only ${lat.length} requests answered during the build`);
  assert.ok(max < 1000, `a request waited ${max} ms during the build`);
});

test('key rotation: new documents use the new key, old ones still verify', async () => {
  // Stopped cleanly: no leak, no crash after rendering and zipping.
  assert.deepEqual(await d.stop(), { code: 0, signal: null }, d.log());
  const r = cli(['key', 'rotate']);
  assert.equal(r.status, 0, r.stderr);
  d = await startDaemon({ dataDir, config: CONFIG });
  const keys = sql('SELECT id FROM signing_keys ORDER BY rowid').split('\n');
  assert.equal(keys.length, 2);
  const lea = enrolmentOf('lea@boulangerie.fr');
  s.unifaf = await login('conseil@unifaf.fr');
  const x = await issue(s.unifaf, lea, 'presence');
  assert.equal(x.status, 201, x.body);
  const facts = JSON.parse(sql(`SELECT facts FROM attestations WHERE number = '${x.json.number}'`));
  assert.equal(facts.key, keys[1]);
  const v = await verify(docs.realisation);
  assert.equal(v.json.status, 'valid');
  assert.equal(v.json.key_id, keys[0]);
  const pub = await request(`${d.url}/api/v1/keys`);
  assert.deepEqual(pub.json.map((k) => k.id).sort(), [...keys].sort());
  assert.equal(sql("SELECT count(*) FROM audit WHERE action = 'key.create'"), '2');
  assert.deepEqual(await d.stop(), { code: 0, signal: null }, d.log());
  fs.rmSync(tmp, { recursive: true, force: true });
});
