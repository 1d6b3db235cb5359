// Every package of the demo SPOC builds and imports, in both SCORM
// versions, and its content is served.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, SRCDIR, request, startDaemon } from '../lib/daemon.mjs';

test('the 24 demo units build as 48 packages that all import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-demo-'));
  try {
    execFileSync(path.join(SRCDIR, 'scorm/build'), [path.join(dir, 'zips')], { stdio: 'ignore' });
    const zips = fs.readdirSync(path.join(dir, 'zips')).filter((f) => f.endsWith('.zip')).sort();
    assert.equal(zips.length, 48);
    const editions = { '1.2': 0, '2004 4th Edition': 0 };
    for (const z of zips) {
      const r = spawnSync(BIN, ['--data', path.join(dir, 'data'), 'import',
        path.join(dir, 'zips', z)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${z}: ${r.stderr}`);
      const m = /^package [0-9a-f]{64} imported: 1 SCOs \(SCORM (1\.2|2004 4th Edition)\) (.+)$/m
        .exec(r.stdout);
      assert.ok(m, `${z}: ${r.stdout}`);
      assert.equal(m[1], z.endsWith('-scorm12.zip') ? '1.2' : '2004 4th Edition');
      assert.match(m[2], /[a-zà-ÿ]/i);
      editions[m[1]]++;
    }
    assert.deepEqual(editions, { '1.2': 24, '2004 4th Edition': 24 });
    const pkgs = fs.readdirSync(path.join(dir, 'data', 'packages'));
    assert.equal(pkgs.length, 48);
    for (const p of pkgs)
      assert.ok(fs.existsSync(path.join(dir, 'data', 'packages', p, 'content.html')));
    const audit = spawnSync(BIN, ['--data', path.join(dir, 'data'), 'audit', 'verify'],
      { encoding: 'utf8' });
    assert.match(audit.stdout, /audit chain intact: 48 rows/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The demo as ./dev run loads it (./dev demo, with this build's binary):
// every document of the demo learners renders, and its text says what the
// register holds: names, company, course, and every unit of the track.
test('the demo learners\' attestations render with their text', { timeout: 300000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assidu-demo-attest-'));
  let d;
  try {
    const data = path.join(dir, 'data');
    execFileSync(path.join(SRCDIR, 'dev'), ['demo'], { stdio: 'ignore',
      env: { ...process.env, DEMO_BIN: BIN, DEMO_DATA: data, DEMO_ZIPS: path.join(dir, 'zips') } });
    const config = Object.fromEntries(fs.readFileSync(path.join(data, 'assidu.conf'), 'utf8')
      .split('\n').filter((l) => /^\w+\s*=/.test(l)).map((l) => l.split(/\s*=\s*/)));
    assert.equal(config.organisation_city, 'Paris');
    d = await startDaemon({ dataDir: data, config });
    const login = async (email) => {
      const r = await request(`${d.url}/api/v1/login`, { method: 'POST',
        body: { email, password: 'Demo-Assidu-2026' } });
      assert.equal(r.status, 200, r.body);
      return { Cookie: r.headers['set-cookie'][0].split(';')[0], 'X-CSRF-Token': r.json.csrf };
    };
    const post = (h, p, body) => request(`${d.url}${p}`, { method: 'POST', body, headers: h });
    const get = (h, p, raw) => request(`${d.url}${p}`, { headers: h, raw });
    // Léa completes her first unit, so that there is a duration to certify.
    const lea = await login('lea.durand@demo.assidu.fr');
    const course = (await get(lea, '/api/v1/me/course')).json;
    const first = course.enrolments[0].weeks[0].units[0];
    let r = await post(lea, '/api/v1/runtime/sessions', { package: first.package_id, item: first.item });
    assert.equal(r.status, 201, r.body);
    r = await post(lea, `/api/v1/runtime/sessions/${r.json.session}/commits`,
      { seq: 1, values: [['cmi.core.lesson_status', 'completed']], finish: true });
    assert.equal(r.status, 200, r.body);
    const admin = await login('direction@demo.assidu.fr');
    const enrolments = (await get(admin, `/api/v1/cohorts/${course.enrolments[0].cohort.id}`))
      .json.enrolments;
    assert.equal(enrolments.length, 2);
    const advisers = { unifaf: await login('conseil.unifaf@demo.assidu.fr'),
      opcalim: await login('conseil.opcalim@demo.assidu.fr') };
    for (const e of enrolments) {
      const record = (await get(advisers[e.opca], `/api/v1/enrolments/${e.id}/releve`)).json;
      const docs = [await post(advisers[e.opca], `/api/v1/enrolments/${e.id}/attestations`,
        { kind: 'presence' })];
      if (record.totals.completed > 0)
        docs.push(await post(admin, `/api/v1/enrolments/${e.id}/attestations`,
          { kind: 'realisation', early: true }));
      for (const doc of docs) {
        assert.equal(doc.status, 201, doc.body);
        const pdf = await get(advisers[e.opca], `/api/v1/attestations/${doc.json.number}/pdf`, true);
        assert.equal(pdf.status, 200);
        const file = path.join(dir, `${doc.json.number}.pdf`);
        fs.writeFileSync(file, pdf.body);
        const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' })
          .replace(/\u2019/g, '\'').replace(/\s+/g, ' ');
        const want = [e.name, e.company, record.course.title, doc.json.number];
        if (doc.json.kind === 'presence') {
          want.push('Attestation de présence', record.opca.name, 'Document intermédiaire');
          for (const w of record.weeks)
            for (const u of w.units)
              want.push(u.title);
        } else
          want.push('Certificat de réalisation', 'atteste que', 'Fait à Paris');
        for (const s of want)
          assert.ok(text.includes(s.replace(/\u2019/g, '\'')), `« ${s} » in ${doc.json.kind} of ${e.name}`);
      }
    }
  } finally {
    if (d)
      await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
