// Every package of the demo SPOC builds and imports, in both SCORM
// versions, and its content is served.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, SRCDIR } from '../lib/daemon.mjs';

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
