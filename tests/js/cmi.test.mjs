// Tests of www/js/cmi.js: the shared vectors of tests/data/cmi-vectors.json
// (one test per type and per scenario, as tests/unit/test_cmi.c runs them
// through src/cmi.c) on the model the real binary exports, so that the
// browser and the server give the same answers. Then what only JavaScript
// can be given: lone surrogates and NUL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, SRCDIR } from '../lib/daemon.mjs';
import {
  Cmi, durationCs, errorString, formatDuration, formatTimespan, stored,
  timespanCs, valid,
} from '../../www/js/cmi.js';

const model = JSON.parse(execFileSync(BIN, ['datamodel', '--json'],
  { encoding: 'utf8' }));
const vectors = JSON.parse(fs.readFileSync(
  path.join(SRCDIR, 'tests/data/cmi-vectors.json'), 'utf8'));

// A vector's value: a string, or {"repeat": s, "times": n}.
function expand(v) {
  return typeof v === 'string' ? v : v.repeat.repeat(v.times);
}

function shown(s) {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}

for (const g of vectors.validators) {
  test(`type ${g.type}${g.itype ? ` ${g.itype}` : ''}`, () => {
    const fails = [];
    for (const [key, want] of [['valid', true], ['invalid', false]]) {
      for (const v of g[key]) {
        const s = expand(v);
        const got = valid(model, g.type, g.itype, s);
        if (got !== want)
          fails.push(`${shown(s)} should be ${key} (got ${got})`);
      }
    }
    assert.deepEqual(fails, []);
  });
}

function launchOf(o) {
  return { mastery: -1, completion: -1, total_cs: 0, ...o };
}

function runStep(c, st, n) {
  const [op, name] = st;
  switch (op) {
  case 'finish':
    c.finish();
    return [];
  case 'clean':
    c.clean();
    return [];
  case 'begin':
    c.begin(launchOf(st[1]));
    return [];
  case 'put':
    c.put(name, expand(st[2]));
    return [];
  case 'set': {
    const value = expand(st[2]);
    const code = c.set(name, value);
    if (code !== st[3])
      return [`step ${n}: set ${name} ${shown(value)}: ${code}, not ${st[3]}` +
        ` (${c.diagnostic})`];
    return [];
  }
  case 'setmany':
    for (let i = st[3]; i <= st[4]; i++) {
      const nm = name.replaceAll('{i}', i);
      const value = st[2].replaceAll('{i}', i);
      const code = c.set(nm, value);
      if (code !== st[5])
        return [`step ${n}: set ${nm} ${shown(value)}: ${code}, ` +
          `not ${st[5]} (${c.diagnostic})`];
    }
    return [];
  case 'get': {
    const [code, value] = c.get(name);
    if (code !== st[2] || (st.length > 3 && value !== st[3]))
      return [`step ${n}: get ${name}: ${code} ${shown(value)}, ` +
        `not ${st[2]} ${shown(st[3] ?? '')}`];
    return [];
  }
  case 'value': {
    const got = c.entries().find((x) => x[0] === name)?.[1] ?? null;
    if (got !== st[2])
      return [`step ${n}: value of ${name}: ${got}, not ${st[2]}`];
    return [];
  }
  case 'dirty': {
    const e = c.entries().find((x) => x[0] === name);
    if (e === undefined || e[2] !== st[2])
      return [`step ${n}: ${name} is ${e === undefined ? 'absent' :
        e[2] ? 'dirty' : 'clean'}, not ${st[2] ? 'dirty' : 'clean'}`];
    return [];
  }
  default:
    return [`step ${n}: unknown operation ${op}`];
  }
}

for (const sc of vectors.scenarios) {
  test(`scenario: ${sc.name}`, () => {
    const c = new Cmi(model, sc.version);
    const fails = sc.steps.flatMap((st, i) => runStep(c, st, i + 1));
    assert.deepEqual(fails, []);
  });
}

test('centiseconds: parsed and formatted as cmi.c does', () => {
  const cs = vectors.cs;
  for (const [s, want] of cs.timespan_cs)
    assert.equal(timespanCs(s), want, s);
  for (const [s, want] of cs.duration_cs)
    assert.equal(durationCs(s), want, s);
  for (const [v, want] of cs.format_timespan)
    assert.equal(formatTimespan(v), want, String(v));
  for (const [v, want] of cs.format_duration)
    assert.equal(formatDuration(v), want, String(v));
});

test('saved elements and error texts as in cmi.c', () => {
  for (const [name, want] of vectors.stored)
    assert.equal(stored(model, name), want, name);
  for (const [version, code, want] of vectors.errors)
    assert.equal(errorString(model, version, code), want,
      `${version} ${code}`);
  assert.equal(errorString(model, 2004, 406, 'fr'), 'Type de donnée incorrect');
  assert.equal(errorString(model, 12, 403, 'fr'), 'Élément en lecture seule');
});

test('what JSON from the server cannot hold is refused: lone surrogates, NUL', () => {
  const c12 = new Cmi(model, 12);
  const c04 = new Cmi(model, 2004);
  for (const bad of ['\udcff', 'a\ud800', '\ud800\ud800', 'a\u0000b']) {
    assert.equal(valid(model, 'string', null, bad), false);
    assert.equal(c12.set('cmi.core.lesson_location', bad), 405);
    assert.equal(c04.set('cmi.location', bad), 406);
    assert.equal(c04.set('cmi.suspend_data', bad), 406);
  }
  assert.equal(c04.set('cmi.\udcff', 'x'), 401);
  assert.equal(c12.set('cmi.\udcff', 'x'), 201);
  assert.equal(c04.entries().length + c12.entries().length, 0);
  assert.equal(c04.set('cmi.location', '\ud83d\ude00'), 0, 'a pair is fine');
});

test('the diagnostic names the element and the rule', () => {
  const c = new Cmi(model, 2004);
  assert.equal(c.set('cmi.score.scaled', 'x'), 406);
  assert.equal(c.diagnostic,
    'cmi.score.scaled: not a valid value of its type (real)');
  assert.equal(c.set('cmi.score.scaled', '0.5'), 0);
  assert.equal(c.diagnostic, '');
  assert.deepEqual(c.changes(), [['cmi.score.scaled', '0.5']]);
  c.clean();
  assert.deepEqual(c.changes(), []);
  assert.throws(() => new Cmi(model, 13), /no SCORM version 13/);
});
