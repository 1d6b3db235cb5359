// A learner may open a SCO only through an enrolment whose week is open
// (spoc_unit_access). Tests of the run-time enrol theirs with this: a
// course whose common trunk holds the given SCOs (weeks 1-2, four a week),
// a cohort open since yesterday, a small company, through the real CLI.
import assert from 'node:assert/strict';

const SIRET = '88812345600012';

function day(offsetDays) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

// cli: (args) => spawnSync result; units: [{package: ID, item, week}] (week
// 1 or 2, default 1; four a week); emails: learners to enrol. Week 2 opens in
// six days; the regroupement is in `meeting` days (50; 0: today, so that
// attendance can be marked). Returns the cohort's name.
export function enrolInCourse(cli, units, emails, code = 'essai-rte', { meeting = 50 } = {}) {
  const run = (args) => {
    const r = cli(args);
    assert.equal(r.status, 0, `assidu ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run(['course', 'add', '--code', code, '--title', 'Cours d\'essai du run-time']);
  // Enrolment needs the learner's OPCA to have a (here empty) weeks 3-4 track.
  for (const opca of ['unifaf', 'uniformation', 'fafih', 'opcabaia', 'opcalim'])
    run(['course', 'track', code, '--opca', opca]);
  const used = { 1: 0, 2: 0 };
  for (const u of units) {
    const week = u.week || 1;
    used[week] += 1;
    assert.ok(used[week] <= 4, 'four units a week');
    run(['course', 'unit', 'add', code, '--track', 'commun', '--week', String(week),
      '--position', String(used[week]), '--package', String(u.package), '--item', u.item]);
  }
  const cohort = `Session ${code}`;
  run(['cohort', 'add', '--course', code, '--name', cohort, '--start', day(-1),
    '--end', day(60), '--meeting-date', day(meeting), '--meeting-mode', 'online']);
  if (!run(['company', 'list']).includes(SIRET))
    run(['company', 'add', '--siret', SIRET, '--name', 'Boulangerie d\'essai', '--headcount', '12']);
  for (const email of emails)
    run(['enrol', email, '--cohort', cohort, '--company', SIRET]);
  return cohort;
}
