/*
 * Storage: the only file that speaks SQL. Connections, ordered migrations
 * (PRAGMA user_version is the schema version), a table of prepared
 * statements, and the store_* functions the services call.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "assidu.h"

/* Ordered list: entry i brings the schema from version i to i + 1. */
static const char *db_migrations[] = {
	/* 1: a table the health and durability tests write through. */
	"CREATE TABLE probe ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL"
	") STRICT;",

	/* 2: accounts, sessions, invitations, login throttling, audit. */
	"CREATE TABLE opca ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL"
	") STRICT;"
	"INSERT INTO opca (code, name) VALUES ('unifaf', 'Unifaf'),"
	"  ('uniformation', 'Uniformation'), ('fafih', 'Fafih'),"
	"  ('opcabaia', 'Opcabaia'), ('opcalim', 'Opcalim');"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL"
	"    CHECK (role IN ('learner', 'adviser', 'funder', 'admin')),"
	"  opca_id INTEGER REFERENCES opca (id),"
	"  password_hash TEXT,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  CHECK (role <> 'adviser' OR opca_id IS NOT NULL),"
	"  CHECK (role NOT IN ('funder', 'admin') OR opca_id IS NULL)"
	") STRICT;"
	"CREATE INDEX users_opca ON users (opca_id, role);"
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  ip TEXT,"
	"  user_agent TEXT"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE invitations ("
	"  token_hash BLOB PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  created_by INTEGER REFERENCES users (id),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE login_failures ("
	"  key TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  last_at INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor_id INTEGER,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  details TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	") STRICT;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE (ABORT, 'audit rows are append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE (ABORT, 'audit rows are append-only'); END;",

	/* 3: SCORM packages, stored by the SHA-256 of their zip. */
	"CREATE TABLE packages ("
	"  id INTEGER PRIMARY KEY,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  version INTEGER NOT NULL CHECK (version IN (12, 2004)),"
	"  edition TEXT NOT NULL,"
	"  manifest TEXT NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  files INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER REFERENCES users (id)"
	") STRICT;",

	/*
	 * 4: the SCORM run-time. rte_commits is the evidence, append-only;
	 * cmi_values (an attempt's current data) and the summary columns of
	 * rte_sessions are projections of it, rebuilt as commits arrive.
	 * An attempt freezes the manifest rules it was launched with.
	 */
	"CREATE TABLE attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  package_id INTEGER NOT NULL REFERENCES packages (id),"
	"  item TEXT NOT NULL,"
	"  number INTEGER NOT NULL,"
	"  version INTEGER NOT NULL CHECK (version IN (12, 2004)),"
	"  mastery REAL,"
	"  completion REAL,"
	"  max_time TEXT,"
	"  time_action TEXT,"
	"  launch_data TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (user_id, package_id, item, number)"
	") STRICT;"
	"CREATE TABLE rte_sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  attempt_id INTEGER NOT NULL REFERENCES attempts (id),"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  entry TEXT NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  last_at INTEGER,"
	"  finished_at INTEGER,"
	"  exit TEXT,"
	"  session_cs INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX rte_sessions_attempt ON rte_sessions (attempt_id, id);"
	"CREATE TABLE rte_commits ("
	"  session_id INTEGER NOT NULL REFERENCES rte_sessions (id),"
	"  seq INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  finish INTEGER NOT NULL,"
	"  data TEXT NOT NULL,"
	"  PRIMARY KEY (session_id, seq)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TRIGGER rte_commits_no_update BEFORE UPDATE ON rte_commits"
	"  BEGIN SELECT RAISE (ABORT, 'commits are append-only'); END;"
	"CREATE TRIGGER rte_commits_no_delete BEFORE DELETE ON rte_commits"
	"  BEGIN SELECT RAISE (ABORT, 'commits are append-only'); END;"
	"CREATE TABLE cmi_values ("
	"  attempt_id INTEGER NOT NULL REFERENCES attempts (id),"
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  ord INTEGER NOT NULL,"
	"  PRIMARY KEY (attempt_id, name)"
	") STRICT, WITHOUT ROWID;",

	/*
	 * 5: the course (tracks, weeks, units bound to SCOs), cohorts,
	 * companies, enrolments and the regroupement's attendance marks.
	 * Enrolments and marks are evidence: append-only, a correction is
	 * a new mark that names the one it supersedes. Dates are French
	 * calendar dates (YYYY-MM-DD); spoc.c turns them into instants.
	 */
	"CREATE TABLE courses ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER REFERENCES users (id)"
	") STRICT;"
	"CREATE TABLE tracks ("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL REFERENCES courses (id),"
	"  opca_id INTEGER REFERENCES opca (id),"
	"  title TEXT NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX tracks_course_opca"
	"  ON tracks (course_id, coalesce(opca_id, 0));"
	"CREATE TABLE units ("
	"  id INTEGER PRIMARY KEY,"
	"  track_id INTEGER NOT NULL REFERENCES tracks (id),"
	"  week INTEGER NOT NULL CHECK (week BETWEEN 1 AND 4),"
	"  position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 4),"
	"  package_id INTEGER NOT NULL REFERENCES packages (id),"
	"  item TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),"
	"  UNIQUE (track_id, week, position)"
	") STRICT;"
	"CREATE INDEX units_sco ON units (package_id, item);"
	"CREATE TABLE cohorts ("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL REFERENCES courses (id),"
	"  name TEXT NOT NULL,"
	"  start_date TEXT NOT NULL,"
	"  end_date TEXT NOT NULL,"
	"  meeting_date TEXT NOT NULL,"
	"  meeting_time TEXT,"
	"  meeting_mode TEXT NOT NULL"
	"    CHECK (meeting_mode IN ('online', 'onsite')),"
	"  meeting_place TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER REFERENCES users (id),"
	"  UNIQUE (course_id, name),"
	"  CHECK (end_date >= start_date)"
	") STRICT;"
	"CREATE TABLE companies ("
	"  id INTEGER PRIMARY KEY,"
	"  siret TEXT NOT NULL UNIQUE CHECK (length(siret) = 14),"
	"  name TEXT NOT NULL,"
	"  headcount INTEGER NOT NULL CHECK (headcount BETWEEN 0 AND 249),"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER REFERENCES users (id)"
	") STRICT;"
	"CREATE TABLE enrolments ("
	"  id INTEGER PRIMARY KEY,"
	"  cohort_id INTEGER NOT NULL REFERENCES cohorts (id),"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  company_id INTEGER NOT NULL REFERENCES companies (id),"
	"  opca_id INTEGER NOT NULL REFERENCES opca (id),"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER REFERENCES users (id),"
	"  UNIQUE (cohort_id, user_id)"
	") STRICT;"
	"CREATE INDEX enrolments_user ON enrolments (user_id);"
	"CREATE INDEX enrolments_opca ON enrolments (opca_id, cohort_id);"
	"CREATE TRIGGER enrolments_no_update BEFORE UPDATE ON enrolments"
	"  BEGIN SELECT RAISE (ABORT, 'enrolments are append-only'); END;"
	"CREATE TRIGGER enrolments_no_delete BEFORE DELETE ON enrolments"
	"  BEGIN SELECT RAISE (ABORT, 'enrolments are append-only'); END;"
	"CREATE TABLE attendance ("
	"  id INTEGER PRIMARY KEY,"
	"  enrolment_id INTEGER NOT NULL REFERENCES enrolments (id),"
	"  present INTEGER NOT NULL CHECK (present IN (0, 1)),"
	"  at INTEGER NOT NULL,"
	"  by_id INTEGER REFERENCES users (id),"
	"  by_label TEXT NOT NULL,"
	"  supersedes INTEGER REFERENCES attendance (id)"
	") STRICT;"
	"CREATE INDEX attendance_enrolment ON attendance (enrolment_id, id);"
	"CREATE TRIGGER attendance_no_update BEFORE UPDATE ON attendance"
	"  BEGIN SELECT RAISE (ABORT, 'marks are append-only'); END;"
	"CREATE TRIGGER attendance_no_delete BEFORE DELETE ON attendance"
	"  BEGIN SELECT RAISE (ABORT, 'marks are append-only'); END;",

	/*
	 * 6: connection time. Every heartbeat is evidence (append-only);
	 * rte_sessions sums them. learner_clock is how far a learner's time
	 * has been credited, so that two tabs are not credited twice.
	 */
	"CREATE TABLE beats ("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES rte_sessions (id),"
	"  at INTEGER NOT NULL,"
	"  active INTEGER NOT NULL,"
	"  credited_ms INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX beats_session ON beats (session_id, id);"
	"CREATE TRIGGER beats_no_update BEFORE UPDATE ON beats"
	"  BEGIN SELECT RAISE (ABORT, 'heartbeats are append-only'); END;"
	"CREATE TRIGGER beats_no_delete BEFORE DELETE ON beats"
	"  BEGIN SELECT RAISE (ABORT, 'heartbeats are append-only'); END;"
	"ALTER TABLE rte_sessions ADD COLUMN last_beat INTEGER;"
	"ALTER TABLE rte_sessions ADD COLUMN measured_ms INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE rte_sessions ADD COLUMN visits INTEGER NOT NULL DEFAULT 1;"
	"CREATE TABLE learner_clock ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users (id),"
	"  credited_until INTEGER NOT NULL"
	") STRICT;",

	/*
	 * 7: attestations (DESIGN §7). Signing keys and documents are
	 * append-only: a rotated key stays to verify what it signed, a
	 * re-issued document names the one it supersedes. Numbers run
	 * without gaps per year: AS-YYYY-NNNNNN.
	 */
	"CREATE TABLE signing_keys ("
	"  id TEXT PRIMARY KEY CHECK (length(id) = 16),"
	"  public_pem TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TRIGGER signing_keys_no_update BEFORE UPDATE ON signing_keys"
	"  BEGIN SELECT RAISE (ABORT, 'signing keys are append-only'); END;"
	"CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys"
	"  BEGIN SELECT RAISE (ABORT, 'signing keys are append-only'); END;"
	"CREATE TABLE attestations ("
	"  id INTEGER PRIMARY KEY,"
	"  number TEXT NOT NULL UNIQUE,"
	"  year INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL CHECK (seq > 0),"
	"  kind TEXT NOT NULL CHECK (kind IN ('presence', 'realisation')),"
	"  enrolment_id INTEGER NOT NULL REFERENCES enrolments (id),"
	"  issued_at INTEGER NOT NULL,"
	"  issued_by INTEGER REFERENCES users (id),"
	"  key_id TEXT NOT NULL REFERENCES signing_keys (id),"
	"  facts TEXT NOT NULL,"
	"  signature TEXT NOT NULL,"
	"  supersedes INTEGER UNIQUE REFERENCES attestations (id),"
	"  UNIQUE (year, seq),"
	"  CHECK (number = printf('AS-%04d-%06d', year, seq))"
	") STRICT;"
	"CREATE INDEX attestations_enrolment"
	"  ON attestations (enrolment_id, kind, id);"
	"CREATE TRIGGER attestations_no_update BEFORE UPDATE ON attestations"
	"  BEGIN SELECT RAISE (ABORT, 'attestations are append-only'); END;"
	"CREATE TRIGGER attestations_no_delete BEFORE DELETE ON attestations"
	"  BEGIN SELECT RAISE (ABORT, 'attestations are append-only'); END;",
};

enum db_stmt {
	STMT_SCHEMA_VERSION,
	STMT_PROBE_PUT,
	STMT_PROBE_GET,
	STMT_PROBE_COUNT,
	STMT_OPCA_LIST,
	STMT_OPCA_BY_CODE,
	STMT_USER_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_USER_BY_ID,
	STMT_USER_LIST,
	STMT_USER_SET_PASSWORD,
	STMT_USER_SET_DISABLED,
	STMT_SESSION_INSERT,
	STMT_SESSION_GET,
	STMT_SESSION_TOUCH,
	STMT_SESSION_DELETE,
	STMT_SESSION_DELETE_USER,
	STMT_SESSION_DELETE_OTHERS,
	STMT_INVITATION_INSERT,
	STMT_INVITATION_GET,
	STMT_INVITATION_USE,
	STMT_FAILURE_GET,
	STMT_FAILURE_PUT,
	STMT_FAILURE_CLEAR,
	STMT_PACKAGE_INSERT,
	STMT_PACKAGE_EXISTS,
	STMT_PACKAGE_LIST,
	STMT_PACKAGE_GET,
	STMT_ATTEMPT_LAST,
	STMT_ATTEMPT_INSERT,
	STMT_RTE_SESSION_LAST,
	STMT_RTE_SESSION_INSERT,
	STMT_RTE_SESSION_GET,
	STMT_RTE_SESSION_UPDATE,
	STMT_RTE_TOTAL,
	STMT_RTE_COMMIT_INSERT,
	STMT_CMI_LOAD,
	STMT_CMI_PUT,
	STMT_BEAT_STATE,
	STMT_PROGRESS_LEARNER,
	STMT_PROGRESS_LEARNER_VALUES,
	STMT_PROGRESS_ENROLMENT,
	STMT_PROGRESS_ENROLMENT_VALUES,
	STMT_PROGRESS_COHORT,
	STMT_PROGRESS_COHORT_VALUES,
	STMT_BEAT_INSERT,
	STMT_BEAT_SESSION,
	STMT_BEAT_LEARNER,
	STMT_AUDIT_LAST,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_ALL,
	STMT_OPCA_GET,
	STMT_COURSE_INSERT,
	STMT_COURSE_BY_CODE,
	STMT_COURSE_GET,
	STMT_COURSE_LIST,
	STMT_COURSE_TREE,
	STMT_TRACK_INSERT,
	STMT_TRACK_FIND,
	STMT_UNIT_INSERT,
	STMT_UNIT_POSITIONS,
	STMT_UNIT_SCO,
	STMT_UNIT_GET,
	STMT_UNIT_UPDATE,
	STMT_UNIT_DELETE,
	STMT_COHORT_INSERT,
	STMT_COHORT_GET,
	STMT_COHORT_LIST,
	STMT_COHORT_BY_NAME,
	STMT_COMPANY_INSERT,
	STMT_COMPANY_BY_SIRET,
	STMT_COMPANY_LIST,
	STMT_ENROLMENT_INSERT,
	STMT_ENROLMENT_FIND,
	STMT_ENROLMENT_GET,
	STMT_ENROLMENT_LIST,
	STMT_ATTENDANCE_LAST,
	STMT_ATTENDANCE_INSERT,
	STMT_ATTENDANCE_LIST,
	STMT_SPOC_ACCESS,
	STMT_SPOC_LEARNER,
	STMT_SPOC_ENROLMENT,
	STMT_SPOC_COHORT,
	STMT_KEY_INSERT,
	STMT_KEY_LATEST,
	STMT_KEY_GET,
	STMT_KEY_LIST,
	STMT_ATTEST_NEXT,
	STMT_ATTEST_CURRENT,
	STMT_ATTEST_INSERT,
	STMT_ATTEST_BY_NUMBER,
	STMT_ATTEST_SCOPED,
	STMT_ATTEST_LIST,
	STMT_ATTEST_COHORT_DOCS,
	STMT_COUNT
};

/* The columns every user query returns, in this order. */
#define USER_COLUMNS \
	"u.id, u.email, u.name, u.role, u.opca_id, o.code, u.password_hash, " \
	"u.disabled, u.created_at "
#define USER_FROM " FROM users u LEFT JOIN opca o ON o.id = u.opca_id "
/*
 * Row-level scope: ?1 actor id, ?2 actor role, ?3 actor OPCA. Admins and
 * funders see everyone, advisers the learners of their OPCA and themselves,
 * learners themselves only.
 */
#define USER_SCOPE \
	" (?2 IN ('admin', 'funder') OR u.id = ?1 OR " \
	"  (?2 = 'adviser' AND u.role = 'learner' AND u.opca_id = ?3)) "


#define DB_ATTEMPT_COLUMNS \
	"a.id, a.user_id, a.package_id, a.item, a.number, a.version, " \
	"a.mastery, a.completion, a.max_time, a.time_action, a.launch_data"
#define DB_RTE_SESSION_COLUMNS \
	"s.id, s.attempt_id, s.user_id, s.entry, s.last_seq, " \
	"s.finished_at, s.exit, s.session_cs"

/* Enrolments have the same scope as their learners: see USER_SCOPE. */
#define ENROLMENT_SCOPE \
	" (?2 IN ('admin', 'funder') OR e.user_id = ?1 OR " \
	"  (?2 = 'adviser' AND e.opca_id = ?3)) "
/* A document with its learner and what supersedes it (s). */
#define DB_ATTEST_COLUMNS \
	"a.id, a.number, a.kind, a.enrolment_id, a.issued_at, a.key_id, " \
	"e.cohort_id, u.name AS learner, u.email, cm.name AS company, " \
	"cm.siret, o.code AS opca, p.number AS supersedes_number, " \
	"s.number AS superseded_by, ib.email AS issued_by"
#define DB_ATTEST_FROM \
	"attestations a JOIN enrolments e ON e.id = a.enrolment_id " \
	"JOIN users u ON u.id = e.user_id " \
	"JOIN companies cm ON cm.id = e.company_id " \
	"JOIN opca o ON o.id = e.opca_id " \
	"LEFT JOIN attestations p ON p.id = a.supersedes " \
	"LEFT JOIN attestations s ON s.supersedes = a.id " \
	"LEFT JOIN users ib ON ib.id = a.issued_by"
#define DB_COHORT_COLUMNS \
	"h.id, h.course_id, c.code AS course_code, c.title AS course_title, " \
	"h.name, h.start_date, h.end_date, h.meeting_date, h.meeting_time, " \
	"h.meeting_mode, h.meeting_place, h.created_at"
#define DB_COHORT_FROM " FROM cohorts h JOIN courses c ON c.id = h.course_id "
/*
 * An enrolment's record (spoc.c): the learner, cohort, company, OPCA and
 * latest attendance mark, then one row per unit of its tracks.
 */
#define DB_SPOC_COURSE \
	"SELECT e.id AS enrolment_id, e.user_id, lu.name AS learner, " \
	"lu.email, h.id AS cohort_id, h.name AS cohort, h.start_date, " \
	"h.end_date, h.meeting_date, h.meeting_time, h.meeting_mode, " \
	"h.meeting_place, c.id AS course_id, c.title AS course, " \
	"cm.name AS company, cm.siret, o.code AS opca, " \
	"o.name AS opca_name, m.present, m.at AS marked_at, " \
	"m.by_label AS marked_by, t.opca_id IS NULL AS trunk, " \
	"t.title AS track, u.id AS unit_id, u.week, u.position, u.title, " \
	"u.minutes, u.package_id, u.item, p.version FROM enrolments e " \
	"JOIN users lu ON lu.id = e.user_id " \
	"JOIN cohorts h ON h.id = e.cohort_id " \
	"JOIN courses c ON c.id = h.course_id " \
	"JOIN companies cm ON cm.id = e.company_id " \
	"JOIN opca o ON o.id = e.opca_id " \
	"LEFT JOIN attendance m ON m.id = (SELECT max(y.id) FROM " \
	"attendance y WHERE y.enrolment_id = e.id) " \
	"LEFT JOIN tracks t ON t.course_id = c.id " \
	"AND (t.opca_id IS NULL OR t.opca_id = e.opca_id) " \
	"LEFT JOIN units u ON u.track_id = t.id " \
	"LEFT JOIN packages p ON p.id = u.package_id "
/*
 * The relevé (rte.c), aggregated in SQL: per enrolment and unit of its
 * tracks, the learner's attempts on the unit's SCO (over all attempts, as
 * the run-time keys them by learner, package and item), their sessions'
 * count, first and last access, visits, measured and reported time; then
 * the statuses and scores of those attempts, oldest first.
 */
#define DB_PROGRESS_FROM \
	" FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id " \
	"JOIN tracks t ON t.course_id = h.course_id " \
	"AND (t.opca_id IS NULL OR t.opca_id = e.opca_id) " \
	"JOIN units u ON u.track_id = t.id "
#define DB_PROGRESS_ATTEMPTS \
	"attempts a ON a.user_id = e.user_id AND a.package_id = u.package_id " \
	"AND a.item = u.item "
#define DB_PROGRESS_TIME \
	"SELECT e.id, u.id, count(s.id), coalesce(min(s.opened_at), 0), " \
	"coalesce(max(coalesce(s.last_beat, s.opened_at)), 0), " \
	"coalesce(sum(s.visits), 0), coalesce(sum(s.measured_ms), 0), " \
	"coalesce(sum(s.session_cs), 0)" DB_PROGRESS_FROM \
	"LEFT JOIN " DB_PROGRESS_ATTEMPTS \
	"LEFT JOIN rte_sessions s ON s.attempt_id = a.id "
#define DB_PROGRESS_TIME_END "GROUP BY e.id, u.id ORDER BY e.id, u.id"
#define DB_PROGRESS_VALUES \
	"SELECT e.id, u.id, v.name, v.value" DB_PROGRESS_FROM \
	"JOIN " DB_PROGRESS_ATTEMPTS \
	"JOIN cmi_values v ON v.attempt_id = a.id AND v.name IN (" \
	"'cmi.core.lesson_status', 'cmi.completion_status', " \
	"'cmi.success_status', 'cmi.core.score.raw', 'cmi.score.raw', " \
	"'cmi.score.scaled') "
#define DB_PROGRESS_VALUES_END "ORDER BY e.id, u.id, a.number, v.name"

static const char *db_sql[STMT_COUNT] = {
	[STMT_SCHEMA_VERSION] = "PRAGMA user_version",
	[STMT_PROBE_PUT] =
	    ("INSERT INTO probe (key, value, created_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (key) DO NOTHING"),
	[STMT_PROBE_GET] = "SELECT value, created_at FROM probe WHERE key = ?1",
	[STMT_PROBE_COUNT] = "SELECT count(*) FROM probe",
	[STMT_OPCA_LIST] = "SELECT id, code, name FROM opca ORDER BY name",
	[STMT_OPCA_BY_CODE] = "SELECT id FROM opca WHERE code = ?1",
	[STMT_USER_INSERT] =
	    ("INSERT INTO users (email, name, role, opca_id, password_hash, "
	    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"),
	[STMT_USER_BY_EMAIL] =
	    "SELECT " USER_COLUMNS USER_FROM "WHERE u.email = ?1",
	[STMT_USER_BY_ID] =
	    "SELECT " USER_COLUMNS USER_FROM "WHERE u.id = ?4 AND " USER_SCOPE,
	[STMT_USER_LIST] =
	    ("SELECT " USER_COLUMNS USER_FROM "WHERE " USER_SCOPE
	    "ORDER BY u.role, u.name, u.id"),
	[STMT_USER_SET_PASSWORD] =
	    ("UPDATE users SET password_hash = ?2, updated_at = ?3 "
	    "WHERE id = ?1"),
	[STMT_USER_SET_DISABLED] =
	    "UPDATE users SET disabled = ?2, updated_at = ?3 WHERE id = ?1",
	[STMT_SESSION_INSERT] =
	    ("INSERT INTO sessions (token_hash, user_id, csrf, created_at, "
	    "last_seen, expires_at, ip, user_agent) "
	    "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)"),
	[STMT_SESSION_GET] =
	    ("SELECT s.csrf, s.created_at, s.last_seen, s.expires_at, "
	    USER_COLUMNS "FROM sessions s JOIN users u ON u.id = s.user_id "
	    "LEFT JOIN opca o ON o.id = u.opca_id WHERE s.token_hash = ?1"),
	[STMT_SESSION_TOUCH] =
	    "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
	[STMT_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[STMT_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[STMT_SESSION_DELETE_OTHERS] =
	    ("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2"),
	[STMT_INVITATION_INSERT] =
	    ("INSERT INTO invitations (token_hash, user_id, created_by, "
	    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)"),
	[STMT_INVITATION_GET] =
	    ("SELECT user_id, expires_at, used_at FROM invitations "
	    "WHERE token_hash = ?1"),
	[STMT_INVITATION_USE] =
	    ("UPDATE invitations SET used_at = ?2 "
	    "WHERE token_hash = ?1 AND used_at IS NULL"),
	[STMT_FAILURE_GET] =
	    ("SELECT failures, last_at, locked_until FROM login_failures "
	    "WHERE key = ?1"),
	[STMT_FAILURE_PUT] =
	    ("INSERT INTO login_failures (key, failures, last_at, locked_until)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET "
	    "failures = ?2, last_at = ?3, locked_until = ?4"),
	[STMT_FAILURE_CLEAR] = "DELETE FROM login_failures WHERE key = ?1",
	[STMT_PACKAGE_INSERT] =
	    ("INSERT INTO packages (sha256, title, version, edition, manifest, "
	    "bytes, files, created_at, created_by) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
	[STMT_PACKAGE_EXISTS] = "SELECT id FROM packages WHERE sha256 = ?1",
	[STMT_PACKAGE_LIST] =
	    ("SELECT id, sha256, title, version, edition, bytes, files, "
	    "created_at, manifest FROM packages ORDER BY title, id"),
	[STMT_PACKAGE_GET] =
	    ("SELECT id, sha256, title, version, edition, bytes, files, "
	    "created_at, manifest FROM packages WHERE id = ?1"),
	[STMT_ATTEMPT_LAST] =
	    ("SELECT " DB_ATTEMPT_COLUMNS " FROM attempts a "
	    "WHERE user_id = ?1 AND package_id = ?2 AND item = ?3 "
	    "ORDER BY number DESC LIMIT 1"),
	[STMT_ATTEMPT_INSERT] =
	    ("INSERT INTO attempts (user_id, package_id, item, number, version,"
	    " mastery, completion, max_time, time_action, launch_data, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11)"),
	[STMT_RTE_SESSION_LAST] =
	    ("SELECT " DB_RTE_SESSION_COLUMNS " FROM rte_sessions s "
	    "WHERE attempt_id = ?1 ORDER BY id DESC LIMIT 1"),
	[STMT_RTE_SESSION_INSERT] =
	    ("INSERT INTO rte_sessions (attempt_id, user_id, entry, opened_at)"
	    " VALUES (?1, ?2, ?3, ?4)"),
	[STMT_RTE_SESSION_GET] =
	    ("SELECT " DB_RTE_SESSION_COLUMNS ", " DB_ATTEMPT_COLUMNS
	    " FROM rte_sessions s JOIN attempts a ON a.id = s.attempt_id "
	    "WHERE s.id = ?1 AND s.user_id = ?2"),
	[STMT_RTE_SESSION_UPDATE] =
	    ("UPDATE rte_sessions SET last_seq = ?2, last_at = ?3, "
	    "finished_at = ?4, exit = ?5, session_cs = ?6 WHERE id = ?1"),
	[STMT_RTE_TOTAL] =
	    ("SELECT coalesce(sum(session_cs), 0) FROM rte_sessions "
	    "WHERE attempt_id = ?1"),
	[STMT_RTE_COMMIT_INSERT] =
	    ("INSERT INTO rte_commits (session_id, seq, at, finish, data) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)"),
	[STMT_CMI_LOAD] =
	    ("SELECT name, value FROM cmi_values WHERE attempt_id = ?1 "
	    "ORDER BY ord"),
	[STMT_PROGRESS_LEARNER] =
	    (DB_PROGRESS_TIME "WHERE e.user_id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_TIME_END),
	[STMT_PROGRESS_LEARNER_VALUES] =
	    (DB_PROGRESS_VALUES "WHERE e.user_id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_VALUES_END),
	[STMT_PROGRESS_ENROLMENT] =
	    (DB_PROGRESS_TIME "WHERE e.id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_TIME_END),
	[STMT_PROGRESS_ENROLMENT_VALUES] =
	    (DB_PROGRESS_VALUES "WHERE e.id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_VALUES_END),
	[STMT_PROGRESS_COHORT] =
	    (DB_PROGRESS_TIME "WHERE e.cohort_id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_TIME_END),
	[STMT_PROGRESS_COHORT_VALUES] =
	    (DB_PROGRESS_VALUES "WHERE e.cohort_id = ?4 AND " ENROLMENT_SCOPE
	    DB_PROGRESS_VALUES_END),
	[STMT_BEAT_STATE] =
	    ("SELECT coalesce(s.last_beat, s.opened_at), s.finished_at, "
	    "s.measured_ms, coalesce(c.credited_until, 0) FROM rte_sessions s "
	    "LEFT JOIN learner_clock c ON c.user_id = s.user_id "
	    "WHERE s.id = ?1 AND s.user_id = ?2"),
	[STMT_BEAT_INSERT] =
	    ("INSERT INTO beats (session_id, at, active, credited_ms) "
	    "VALUES (?1, ?2, ?3, ?4)"),
	[STMT_BEAT_SESSION] =
	    ("UPDATE rte_sessions SET last_beat = ?2, measured_ms = "
	    "measured_ms + ?3, visits = visits + ?4 WHERE id = ?1"),
	[STMT_BEAT_LEARNER] =
	    ("INSERT INTO learner_clock (user_id, credited_until) "
	    "VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET "
	    "credited_until = max(credited_until, ?2)"),
	[STMT_CMI_PUT] =
	    ("INSERT INTO cmi_values (attempt_id, name, value, ord) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (attempt_id, name) "
	    "DO UPDATE SET value = ?3"),
	[STMT_AUDIT_LAST] = "SELECT hash FROM audit ORDER BY id DESC LIMIT 1",
	[STMT_AUDIT_INSERT] =
	    ("INSERT INTO audit (at, actor_id, actor, action, object, details, "
	    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
	[STMT_AUDIT_ALL] =
	    ("SELECT id, at, actor_id, actor, action, object, details, "
	    "prev_hash, hash FROM audit ORDER BY id"),
	[STMT_OPCA_GET] = "SELECT id, code, name FROM opca WHERE id = ?1",
	[STMT_COURSE_INSERT] =
	    ("INSERT INTO courses (code, title, created_at, created_by) "
	    "VALUES (?1, ?2, ?3, ?4)"),
	[STMT_COURSE_BY_CODE] = "SELECT id FROM courses WHERE code = ?1",
	[STMT_COURSE_GET] =
	    "SELECT id, code, title, created_at FROM courses WHERE id = ?1",
	[STMT_COURSE_LIST] =
	    ("SELECT c.id, c.code, c.title, c.created_at, "
	    "(SELECT count(*) FROM tracks t JOIN units u ON u.track_id = t.id "
	    "WHERE t.course_id = c.id) AS units, "
	    "(SELECT count(*) FROM cohorts h WHERE h.course_id = c.id) "
	    "AS cohorts FROM courses c ORDER BY c.title, c.id"),
	[STMT_COURSE_TREE] =
	    ("SELECT t.id AS track_id, o.code AS opca, o.name AS opca_name, "
	    "t.title AS track_title, u.id AS unit_id, u.week, u.position, "
	    "u.title, u.minutes, u.package_id, u.item, "
	    "p.title AS package_title, p.version FROM tracks t "
	    "LEFT JOIN opca o ON o.id = t.opca_id "
	    "LEFT JOIN units u ON u.track_id = t.id "
	    "LEFT JOIN packages p ON p.id = u.package_id "
	    "WHERE t.course_id = ?1 "
	    "ORDER BY t.opca_id IS NOT NULL, o.name, t.id, u.week, u.position"),
	[STMT_TRACK_INSERT] =
	    ("INSERT INTO tracks (course_id, opca_id, title) "
	    "VALUES (?1, ?2, ?3)"),
	[STMT_TRACK_FIND] =
	    ("SELECT id FROM tracks WHERE course_id = ?1 "
	    "AND coalesce(opca_id, 0) = ?2"),
	[STMT_UNIT_INSERT] =
	    ("INSERT INTO units (track_id, week, position, package_id, item, "
	    "title, minutes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
	[STMT_UNIT_POSITIONS] =
	    "SELECT position FROM units WHERE track_id = ?1 AND week = ?2",
	[STMT_UNIT_SCO] =
	    ("SELECT u.id FROM units u JOIN tracks t ON t.id = u.track_id "
	    "WHERE t.course_id = ?1 AND u.package_id = ?2 AND u.item = ?3"),
	[STMT_UNIT_GET] =
	    ("SELECT u.id, u.track_id, t.course_id, o.code AS opca, u.week, "
	    "u.position, u.package_id, u.item, u.title, u.minutes FROM units u "
	    "JOIN tracks t ON t.id = u.track_id "
	    "LEFT JOIN opca o ON o.id = t.opca_id WHERE u.id = ?1"),
	[STMT_UNIT_UPDATE] =
	    "UPDATE units SET title = ?2, minutes = ?3 WHERE id = ?1",
	[STMT_UNIT_DELETE] = "DELETE FROM units WHERE id = ?1",
	[STMT_COHORT_INSERT] =
	    ("INSERT INTO cohorts (course_id, name, start_date, end_date, "
	    "meeting_date, meeting_time, meeting_mode, meeting_place, "
	    "created_at, created_by) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
	[STMT_COHORT_GET] =
	    "SELECT " DB_COHORT_COLUMNS DB_COHORT_FROM "WHERE h.id = ?1",
	[STMT_COHORT_LIST] =
	    ("SELECT " DB_COHORT_COLUMNS ", (SELECT count(*) FROM enrolments "
	    "e WHERE e.cohort_id = h.id AND " ENROLMENT_SCOPE ") AS enrolled"
	    DB_COHORT_FROM "ORDER BY h.start_date DESC, h.id DESC"),
	[STMT_COHORT_BY_NAME] = "SELECT id FROM cohorts WHERE name = ?1",
	[STMT_COMPANY_INSERT] =
	    ("INSERT INTO companies (siret, name, headcount, created_at, "
	    "created_by) VALUES (?1, ?2, ?3, ?4, ?5)"),
	[STMT_COMPANY_BY_SIRET] =
	    ("SELECT id, siret, name, headcount, created_at FROM companies "
	    "WHERE siret = ?1"),
	[STMT_COMPANY_LIST] =
	    ("SELECT id, siret, name, headcount, created_at FROM companies "
	    "ORDER BY name, id"),
	[STMT_ENROLMENT_INSERT] =
	    ("INSERT INTO enrolments (cohort_id, user_id, company_id, opca_id, "
	    "created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
	[STMT_ENROLMENT_FIND] =
	    "SELECT id FROM enrolments WHERE cohort_id = ?1 AND user_id = ?2",
	[STMT_ENROLMENT_GET] =
	    ("SELECT e.id, e.cohort_id, e.user_id, e.opca_id FROM enrolments e "
	    "WHERE e.id = ?4 AND " ENROLMENT_SCOPE),
	[STMT_ENROLMENT_LIST] =
	    ("SELECT e.id, e.cohort_id, e.user_id, u.name, u.email, "
	    "e.company_id, cm.name AS company, cm.siret, o.code AS opca, "
	    "o.name AS opca_name, e.created_at, a.present, a.at AS marked_at, "
	    "a.by_label AS marked_by, (SELECT count(*) FROM attendance x "
	    "WHERE x.enrolment_id = e.id) AS marks FROM enrolments e "
	    "JOIN users u ON u.id = e.user_id "
	    "JOIN companies cm ON cm.id = e.company_id "
	    "JOIN opca o ON o.id = e.opca_id "
	    "LEFT JOIN attendance a ON a.id = (SELECT max(y.id) FROM "
	    "attendance y WHERE y.enrolment_id = e.id) "
	    "WHERE e.cohort_id = ?4 AND " ENROLMENT_SCOPE
	    "ORDER BY u.name, e.id"),
	[STMT_ATTENDANCE_LAST] =
	    ("SELECT id FROM attendance WHERE enrolment_id = ?1 "
	    "ORDER BY id DESC LIMIT 1"),
	[STMT_ATTENDANCE_INSERT] =
	    ("INSERT INTO attendance (enrolment_id, present, at, by_id, "
	    "by_label, supersedes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
	[STMT_ATTENDANCE_LIST] =
	    ("SELECT a.id, a.enrolment_id, a.present, a.at, a.by_label, "
	    "a.supersedes FROM attendance a "
	    "JOIN enrolments e ON e.id = a.enrolment_id "
	    "WHERE e.cohort_id = ?4 AND " ENROLMENT_SCOPE "ORDER BY a.id"),
	[STMT_SPOC_ACCESS] =
	    ("SELECT e.id AS enrolment_id, h.id AS cohort_id, "
	    "h.name AS cohort, h.start_date, h.end_date, u.id AS unit_id, "
	    "u.week, u.minutes "
	    "FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id "
	    "JOIN tracks t ON t.course_id = h.course_id "
	    "AND (t.opca_id IS NULL OR t.opca_id = e.opca_id) "
	    "JOIN units u ON u.track_id = t.id WHERE e.user_id = ?1 "
	    "AND u.package_id = ?2 AND u.item = ?3 "
	    "ORDER BY h.start_date, e.id"),
	[STMT_SPOC_LEARNER] =
	    (DB_SPOC_COURSE "WHERE e.user_id = ?4 AND " ENROLMENT_SCOPE
	    "ORDER BY h.start_date DESC, e.id, u.week, u.position"),
	[STMT_SPOC_ENROLMENT] =
	    (DB_SPOC_COURSE "WHERE e.id = ?4 AND " ENROLMENT_SCOPE
	    "ORDER BY u.week, u.position"),
	[STMT_SPOC_COHORT] =
	    (DB_SPOC_COURSE "WHERE e.cohort_id = ?4 AND " ENROLMENT_SCOPE
	    "ORDER BY lu.name, e.id, u.week, u.position"),
	[STMT_KEY_INSERT] =
	    ("INSERT INTO signing_keys (id, public_pem, created_at) "
	    "VALUES (?1, ?2, ?3)"),
	[STMT_KEY_LATEST] =
	    ("SELECT id, public_pem, created_at FROM signing_keys "
	    "ORDER BY created_at DESC, rowid DESC LIMIT 1"),
	[STMT_KEY_GET] =
	    "SELECT id, public_pem, created_at FROM signing_keys WHERE id = ?1",
	[STMT_KEY_LIST] =
	    ("SELECT id, public_pem, created_at FROM signing_keys "
	    "ORDER BY created_at DESC, rowid DESC"),
	[STMT_ATTEST_NEXT] =
	    ("SELECT coalesce(max(seq), 0) + 1 FROM attestations "
	    "WHERE year = ?1"),
	[STMT_ATTEST_CURRENT] =
	    ("SELECT a.id, a.number FROM attestations a "
	    "WHERE a.enrolment_id = ?1 AND a.kind = ?2 AND NOT EXISTS "
	    "(SELECT 1 FROM attestations b WHERE b.supersedes = a.id) "
	    "ORDER BY a.id DESC LIMIT 1"),
	[STMT_ATTEST_INSERT] =
	    ("INSERT INTO attestations (number, year, seq, kind, enrolment_id, "
	    "issued_at, issued_by, key_id, facts, signature, supersedes) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
	[STMT_ATTEST_BY_NUMBER] =
	    ("SELECT " DB_ATTEST_COLUMNS ", a.facts, a.signature, k.public_pem "
	    "FROM " DB_ATTEST_FROM " JOIN signing_keys k ON k.id = a.key_id "
	    "WHERE a.number = ?1"),
	[STMT_ATTEST_SCOPED] =
	    ("SELECT " DB_ATTEST_COLUMNS ", a.facts, a.signature "
	    "FROM " DB_ATTEST_FROM " WHERE a.number = ?4 AND "
	    ENROLMENT_SCOPE),
	[STMT_ATTEST_LIST] =
	    ("SELECT " DB_ATTEST_COLUMNS " FROM " DB_ATTEST_FROM
	    " WHERE (?4 = 0 OR e.cohort_id = ?4) AND (?5 = 0 OR e.id = ?5) "
	    "AND (?6 = 0 OR e.user_id = ?1) AND " ENROLMENT_SCOPE
	    "ORDER BY a.id DESC"),
	[STMT_ATTEST_COHORT_DOCS] =
	    ("SELECT " DB_ATTEST_COLUMNS ", a.facts, a.signature "
	    "FROM " DB_ATTEST_FROM " WHERE e.cohort_id = ?4 "
	    "AND s.id IS NULL AND " ENROLMENT_SCOPE
	    "ORDER BY u.name, a.kind, a.id"),
};

struct db {
	sqlite3		*h;
	int		 readonly;
	sqlite3_stmt	*stmts[STMT_COUNT];
};

static int
db_exec(struct db *db, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "database: %s", err != NULL ? err :
		    sqlite3_errmsg(db->h));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

struct db *
db_open(const char *path, int readonly, char **cause)
{
	struct db	*db;
	int		 flags;

	db = xcalloc(1, sizeof *db);
	db->readonly = readonly;
	flags = SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		xasprintf(cause, "cannot open database %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		db_close(db);
		return (NULL);
	}
	sqlite3_extended_result_codes(db->h, 1);
	/* Readers run on the event thread: never wait long on a lock. */
	sqlite3_busy_timeout(db->h, readonly ? 100 : 5000);
	/* WAL for concurrent readers; FULL so a commit is on disk. */
	if (!readonly && db_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;", cause) != 0) {
		db_close(db);
		return (NULL);
	}
	if (db_exec(db, "PRAGMA foreign_keys = ON;", cause) != 0) {
		db_close(db);
		return (NULL);
	}
	return (db);
}

void
db_close(struct db *db)
{
	size_t	 i;

	if (db == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(db->stmts[i]);
	sqlite3_close(db->h);
	free(db);
}

static sqlite3_stmt *
db_stmt(struct db *db, enum db_stmt id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db->stmts[id]) != NULL) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return (s);
	}
	if (sqlite3_prepare_v3(db->h, db_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		xasprintf(cause, "database: preparing statement %d: %s",
		    (int)id, sqlite3_errmsg(db->h));
		return (NULL);
	}
	db->stmts[id] = s;
	return (s);
}

static int
db_fail(struct db *db, sqlite3_stmt *s, char **cause)
{
	xasprintf(cause, "database: %s", sqlite3_errmsg(db->h));
	sqlite3_reset(s);
	return (-1);
}

/*
 * Step a lookup once: 1 with a row to read (the caller resets), 0 when
 * there is none (already reset), -1 on error.
 */
static int
db_row(struct db *db, sqlite3_stmt *s, char **cause)
{
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		return (1);
	case SQLITE_DONE:
		sqlite3_reset(s);
		return (0);
	default:
		return (db_fail(db, s, cause));
	}
}

int
db_schema_latest(void)
{
	return ((int)nitems(db_migrations));
}

int
db_schema_version(struct db *db, int *version, char **cause)
{
	sqlite3_stmt	*s;

	/* Prepared once: /healthz asks on every call. */
	if ((s = db_stmt(db, STMT_SCHEMA_VERSION, cause)) == NULL)
		return (-1);
	if (db_row(db, s, cause) != 1)
		return (-1);
	*version = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return (0);
}

/*
 * Apply every migration above the stored version, each in its own
 * transaction with the version bump, so a crash leaves a known version.
 */
int
db_migrate(struct db *db, int *version, char **cause)
{
	char	*sql;
	int	 v, latest = db_schema_latest();

	if (db_schema_version(db, &v, cause) != 0)
		return (-1);
	if (v > latest) {
		xasprintf(cause, "database schema version %d is newer than "
		    "this program (%d): upgrade assidu", v, latest);
		return (-1);
	}
	for (; v < latest; v++) {
		if (db_exec(db, "BEGIN IMMEDIATE", cause) != 0)
			return (-1);
		xasprintf(&sql, "%s PRAGMA user_version = %d;",
		    db_migrations[v], v + 1);
		if (db_exec(db, sql, cause) != 0) {
			free(sql);
			db_rollback(db);
			return (-1);
		}
		free(sql);
		if (db_commit(db, cause) != 0) {
			db_rollback(db);
			return (-1);
		}
		log_info("event=migrated schema=%d", v + 1);
	}
	*version = v;
	return (0);
}

int
db_begin(struct db *db, char **cause)
{
	return (db_exec(db, "BEGIN IMMEDIATE", cause));
}

int
db_commit(struct db *db, char **cause)
{
	return (db_exec(db, "COMMIT", cause));
}

/* A snapshot for a read-only connection's reads, until db_rollback. */
int
db_begin_read(struct db *db, char **cause)
{
	return (db_exec(db, "BEGIN", cause));
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
db_savepoint(struct db *db, char **cause)
{
	return (db_exec(db, "SAVEPOINT job", cause));
}

int
db_release(struct db *db, char **cause)
{
	return (db_exec(db, "RELEASE job", cause));
}

void
db_rollback_to(struct db *db)
{
	sqlite3_exec(db->h, "ROLLBACK TO job; RELEASE job", NULL, NULL, NULL);
}

int
store_probe_put(struct db *db, const char *key, const char *value,
    int64_t now, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_PROBE_PUT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	if (sqlite3_changes(db->h) == 0) {
		xasprintf(cause, "La clé %s existe déjà.", key);
		return (ERR_CONFLICT);
	}
	return (0);
}

/* Returns 1 when found, 0 when not, -1 on error. */
int
store_probe_get(struct db *db, const char *key, char **value, int64_t *at,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_PROBE_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*value = xstrdup((const char *)sqlite3_column_text(s, 0));
	*at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return (1);
}

int
store_probe_count(struct db *db, int64_t *count, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_PROBE_COUNT, cause)) == NULL)
		return (-1);
	if (sqlite3_step(s) != SQLITE_ROW)
		return (db_fail(db, s, cause));
	*count = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return (0);
}

/* Accounts. */

static const char *
db_text(sqlite3_stmt *s, int col)
{
	const char	*t = (const char *)sqlite3_column_text(s, col);

	return (t != NULL ? t : "");
}

static char *
db_text_dup(sqlite3_stmt *s, int col)
{
	const char	*t = (const char *)sqlite3_column_text(s, col);

	return (t != NULL ? xstrdup(t) : NULL);
}

static struct user *
db_user_row(sqlite3_stmt *s, int col)
{
	struct user	*u;

	u = xcalloc(1, sizeof *u);
	u->id = sqlite3_column_int64(s, col);
	u->email = xstrdup(db_text(s, col + 1));
	u->name = xstrdup(db_text(s, col + 2));
	u->role = role_parse(db_text(s, col + 3));
	u->opca_id = sqlite3_column_int64(s, col + 4);
	u->opca = db_text_dup(s, col + 5);
	u->password_hash = db_text_dup(s, col + 6);
	u->disabled = sqlite3_column_int(s, col + 7);
	u->created_at = sqlite3_column_int64(s, col + 8);
	return (u);
}

static void
db_bind_scope(sqlite3_stmt *s, const struct actor *a)
{
	sqlite3_bind_int64(s, 1, a->id);
	sqlite3_bind_text(s, 2, role_name(a->role), -1, SQLITE_STATIC);
	if (a->opca_id != 0)
		sqlite3_bind_int64(s, 3, a->opca_id);
	else
		sqlite3_bind_null(s, 3);
}

static void
db_bind_optional_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t != NULL)
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Step a statement that returns no row; -1 on error. */
static int
db_step_done(struct db *db, sqlite3_stmt *s, char **cause)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

int
store_opca_list(struct db *db, json_t **out, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_OPCA_LIST, cause)) == NULL)
		return (-1);
	*out = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_array_append_new(*out, json_pack("{s:I,s:s,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(s, 0), "code",
		    db_text(s, 1), "name", db_text(s, 2)));
	}
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return (db_fail(db, s, cause));
	}
	sqlite3_reset(s);
	return (0);
}

/* 1 and the id when the OPCA exists, 0 when not, -1 on error. */
int
store_opca_by_code(struct db *db, const char *code, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_OPCA_BY_CODE, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return (1);
}

/* -2 when the email is taken. */
int
store_user_insert(struct db *db, const struct user *u,
    const char *password_hash, int64_t now, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_USER_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, u->email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, u->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, role_name(u->role), -1, SQLITE_STATIC);
	if (u->opca_id != 0)
		sqlite3_bind_int64(s, 4, u->opca_id);
	else
		sqlite3_bind_null(s, 4);
	db_bind_optional_text(s, 5, password_hash);
	sqlite3_bind_int64(s, 6, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		sqlite3_reset(s);
		return (-2);
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->h);
	return (0);
}

static int
db_user_one(struct db *db, sqlite3_stmt *s, struct user **out, char **cause)
{
	int	 rc;

	*out = NULL;
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*out = db_user_row(s, 0);
	sqlite3_reset(s);
	return (1);
}

/* Unscoped: for login and the CLI only. */
int
store_user_by_email(struct db *db, const char *email, struct user **out,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_USER_BY_EMAIL, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, email, -1, SQLITE_TRANSIENT);
	return (db_user_one(db, s, out, cause));
}

/* Scoped: a user the actor may not see does not exist for them. */
int
store_user_by_id(struct db *db, const struct actor *a, int64_t id,
    struct user **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_USER_BY_ID, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	return (db_user_one(db, s, out, cause));
}

int
store_user_list(struct db *db, const struct actor *a, json_t **out,
    char **cause)
{
	sqlite3_stmt	*s;
	struct user	*u;
	int		 rc;

	if ((s = db_stmt(db, STMT_USER_LIST, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	*out = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u = db_user_row(s, 0);
		json_array_append_new(*out, user_json(u));
		user_free(u);
	}
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return (db_fail(db, s, cause));
	}
	sqlite3_reset(s);
	return (0);
}

int
store_user_set_password(struct db *db, int64_t id, const char *hash,
    int64_t now, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_USER_SET_PASSWORD, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	return (db_step_done(db, s, cause));
}

int
store_user_set_disabled(struct db *db, int64_t id, int disabled,
    int64_t now, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_USER_SET_DISABLED, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, disabled);
	sqlite3_bind_int64(s, 3, now);
	return (db_step_done(db, s, cause));
}

int
store_session_insert(struct db *db, const struct session *se, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_SESSION_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, se->token_hash, sizeof se->token_hash,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, se->user->id);
	sqlite3_bind_text(s, 3, se->csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, se->created_at);
	sqlite3_bind_int64(s, 5, se->expires_at);
	db_bind_optional_text(s, 6, se->ip);
	db_bind_optional_text(s, 7, se->user_agent);
	return (db_step_done(db, s, cause));
}

/* 1 and the session (with its user) when the token is known. */
int
store_session_get(struct db *db, const uint8_t *hash, struct session **out,
    char **cause)
{
	sqlite3_stmt	*s;
	struct session	*se;
	int		 rc;

	*out = NULL;
	if ((s = db_stmt(db, STMT_SESSION_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	se = xcalloc(1, sizeof *se);
	memcpy(se->token_hash, hash, SESSION_HASH_LEN);
	se->csrf = xstrdup(db_text(s, 0));
	se->created_at = sqlite3_column_int64(s, 1);
	se->last_seen = sqlite3_column_int64(s, 2);
	se->expires_at = sqlite3_column_int64(s, 3);
	se->user = db_user_row(s, 4);
	sqlite3_reset(s);
	*out = se;
	return (1);
}

int
store_session_touch(struct db *db, const uint8_t *hash, int64_t now,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_SESSION_TOUCH, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	return (db_step_done(db, s, cause));
}

int
store_session_delete(struct db *db, const uint8_t *hash, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_SESSION_DELETE, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	return (db_step_done(db, s, cause));
}

/* Every session of the user but the one whose hash is keep (if any). */
int
store_session_delete_user(struct db *db, int64_t user_id,
    const uint8_t *keep, int *count, char **cause)
{
	sqlite3_stmt	*s;

	s = db_stmt(db, keep != NULL ? STMT_SESSION_DELETE_OTHERS :
	    STMT_SESSION_DELETE_USER, cause);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, user_id);
	if (keep != NULL)
		sqlite3_bind_blob(s, 2, keep, SESSION_HASH_LEN,
		    SQLITE_TRANSIENT);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	*count = sqlite3_changes(db->h);
	return (0);
}

int
store_invitation_insert(struct db *db, const uint8_t *hash, int64_t user_id,
    int64_t by, int64_t now, int64_t expires, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_INVITATION_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, user_id);
	if (by != 0)
		sqlite3_bind_int64(s, 3, by);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, expires);
	return (db_step_done(db, s, cause));
}

/*
 * Look an invitation up: 1 with its user when it can still be used, 0 when
 * unknown, used or expired (*why says which, in French), -1 on error.
 */
int
store_invitation_get(struct db *db, const uint8_t *hash, int64_t now,
    int64_t *user_id, const char **why, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_INVITATION_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1) {
		*why = "Ce lien d'invitation est inconnu.";
		return (rc);
	}
	*user_id = sqlite3_column_int64(s, 0);
	rc = 1;
	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		*why = "Ce lien d'invitation a déjà été utilisé.";
		rc = 0;
	} else if (sqlite3_column_int64(s, 1) < now) {
		*why = "Ce lien d'invitation a expiré : demandez-en un "
		    "nouveau.";
		rc = 0;
	}
	sqlite3_reset(s);
	return (rc);
}

/* Mark used; 0 when it was already used (a race lost), 1 when taken. */
int
store_invitation_use(struct db *db, const uint8_t *hash, int64_t now,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_INVITATION_USE, cause)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hash, SESSION_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	return (sqlite3_changes(db->h) == 1);
}

int
store_failure_get(struct db *db, const char *key, int *failures,
    int64_t *last_at, int64_t *locked_until, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	*failures = 0;
	*last_at = *locked_until = 0;
	if ((s = db_stmt(db, STMT_FAILURE_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*failures = sqlite3_column_int(s, 0);
	*last_at = sqlite3_column_int64(s, 1);
	*locked_until = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	return (0);
}

int
store_failure_put(struct db *db, const char *key, int failures,
    int64_t last_at, int64_t locked_until, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_FAILURE_PUT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, failures);
	sqlite3_bind_int64(s, 3, last_at);
	sqlite3_bind_int64(s, 4, locked_until);
	return (db_step_done(db, s, cause));
}

int
store_failure_clear(struct db *db, const char *key, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_FAILURE_CLEAR, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	return (db_step_done(db, s, cause));
}

/* The hash of the newest audit row, or "" when there is none. */
int
store_audit_last(struct db *db, char **hash, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_AUDIT_LAST, cause)) == NULL)
		return (-1);
	if ((rc = db_row(db, s, cause)) == -1)
		return (-1);
	*hash = xstrdup(rc == 1 ? db_text(s, 0) : "");
	sqlite3_reset(s);
	return (0);
}

int
store_audit_insert(struct db *db, const struct audit_row *r, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_AUDIT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, r->at);
	if (r->actor_id != 0)
		sqlite3_bind_int64(s, 2, r->actor_id);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_text(s, 3, r->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, r->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, r->object, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, r->details, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, r->prev_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 8, r->hash, -1, SQLITE_TRANSIENT);
	return (db_step_done(db, s, cause));
}

/* Call fn on every audit row in order; stops early when fn returns 1. */
int
store_audit_each(struct db *db, int (*fn)(const struct audit_row *, void *),
    void *arg, char **cause)
{
	struct audit_row	 r;
	sqlite3_stmt		*s;
	int			 rc;

	if ((s = db_stmt(db, STMT_AUDIT_ALL, cause)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.at = sqlite3_column_int64(s, 1);
		r.actor_id = sqlite3_column_int64(s, 2);
		r.actor = db_text(s, 3);
		r.action = db_text(s, 4);
		r.object = db_text(s, 5);
		r.details = db_text(s, 6);
		r.prev_hash = db_text(s, 7);
		r.hash = db_text(s, 8);
		if (fn(&r, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

/* Packages. */

int
store_package_insert(struct db *db, const char *sha, const char *title,
    int version, const char *edition, const char *manifest, int64_t bytes,
    int64_t files, int64_t now, int64_t by, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_PACKAGE_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, version);
	sqlite3_bind_text(s, 4, edition, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, manifest, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, bytes);
	sqlite3_bind_int64(s, 7, files);
	sqlite3_bind_int64(s, 8, now);
	if (by != 0)
		sqlite3_bind_int64(s, 9, by);
	else
		sqlite3_bind_null(s, 9);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	*id = sqlite3_last_insert_rowid(db->h);
	return (0);
}

/* 1 and its id when a package with these bytes is known, 0 when not. */
int
store_package_exists(struct db *db, const char *sha, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_PACKAGE_EXISTS, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, sha, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) == 1) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return (rc);
}

/* A package row as clients see it; with its table of contents if toc. */
static json_t *
db_package_row(sqlite3_stmt *s, int toc)
{
	json_t	*j, *m;

	j = json_pack("{s:I,s:s,s:s,s:i,s:s,s:I,s:I,s:I}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0),
	    "sha256", db_text(s, 1), "title", db_text(s, 2),
	    "version", sqlite3_column_int(s, 3), "edition", db_text(s, 4),
	    "bytes", (json_int_t)sqlite3_column_int64(s, 5),
	    "files", (json_int_t)sqlite3_column_int64(s, 6),
	    "created_at", (json_int_t)sqlite3_column_int64(s, 7));
	m = json_loads(db_text(s, 8), 0, NULL);
	if (m != NULL && toc)
		json_object_set(j, "items", json_object_get(m, "items"));
	json_decref(m);
	return (j);
}

int
store_package_list(struct db *db, json_t **out, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_PACKAGE_LIST, cause)) == NULL)
		return (-1);
	*out = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(*out, db_package_row(s, 0));
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return (db_fail(db, s, cause));
	}
	sqlite3_reset(s);
	return (0);
}

/* 1 and the package with its table of contents, 0 when unknown, -1. */
int
store_package_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_PACKAGE_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*out = db_package_row(s, 1);
	sqlite3_reset(s);
	return (1);
}

/* The SCORM run-time. */

static double
db_real_or(sqlite3_stmt *s, int col, double none)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return (none);
	return (sqlite3_column_double(s, col));
}

static void
db_attempt_row(sqlite3_stmt *s, int col, struct rte_attempt *a)
{
	a->id = sqlite3_column_int64(s, col);
	a->user_id = sqlite3_column_int64(s, col + 1);
	a->package_id = sqlite3_column_int64(s, col + 2);
	a->item = db_text_dup(s, col + 3);
	a->number = sqlite3_column_int(s, col + 4);
	a->version = sqlite3_column_int(s, col + 5);
	a->mastery = db_real_or(s, col + 6, -1);
	a->completion = db_real_or(s, col + 7, -1);
	a->max_time = db_text_dup(s, col + 8);
	a->time_action = db_text_dup(s, col + 9);
	a->launch_data = db_text_dup(s, col + 10);
}

static void
db_rte_session_row(sqlite3_stmt *s, struct rte_session *se)
{
	se->id = sqlite3_column_int64(s, 0);
	se->attempt_id = sqlite3_column_int64(s, 1);
	se->user_id = sqlite3_column_int64(s, 2);
	se->entry = xstrdup(db_text(s, 3));
	se->last_seq = sqlite3_column_int64(s, 4);
	se->finished_at = sqlite3_column_int64(s, 5);
	se->exit = db_text_dup(s, 6);
	se->session_cs = sqlite3_column_int64(s, 7);
}

/* The latest attempt of a learner on one SCO: 1, 0 when none, -1. */
int
store_attempt_last(struct db *db, int64_t user_id, int64_t package_id,
    const char *item, struct rte_attempt *a, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_ATTEMPT_LAST, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, package_id);
	sqlite3_bind_text(s, 3, item, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	db_attempt_row(s, 0, a);
	sqlite3_reset(s);
	return (1);
}

static void
db_bind_real_or_null(sqlite3_stmt *s, int i, double v)
{
	if (v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_double(s, i, v);
}

int
store_attempt_insert(struct db *db, struct rte_attempt *a, int64_t now,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTEMPT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, a->user_id);
	sqlite3_bind_int64(s, 2, a->package_id);
	sqlite3_bind_text(s, 3, a->item, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, a->number);
	sqlite3_bind_int(s, 5, a->version);
	db_bind_real_or_null(s, 6, a->mastery);
	db_bind_real_or_null(s, 7, a->completion);
	db_bind_optional_text(s, 8, a->max_time);
	db_bind_optional_text(s, 9, a->time_action);
	db_bind_optional_text(s, 10, a->launch_data);
	sqlite3_bind_int64(s, 11, now);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	a->id = sqlite3_last_insert_rowid(db->h);
	return (0);
}

/* The newest session of an attempt: 1, 0 when none, -1. */
int
store_rte_session_last(struct db *db, int64_t attempt_id,
    struct rte_session *se, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_RTE_SESSION_LAST, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, attempt_id);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	db_rte_session_row(s, se);
	sqlite3_reset(s);
	return (1);
}

int
store_rte_session_insert(struct db *db, struct rte_session *se,
    int64_t now, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_RTE_SESSION_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, se->attempt_id);
	sqlite3_bind_int64(s, 2, se->user_id);
	sqlite3_bind_text(s, 3, se->entry, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	se->id = sqlite3_last_insert_rowid(db->h);
	return (0);
}

/* A session of this user with its attempt: 1, 0 when unknown, -1. */
int
store_rte_session_get(struct db *db, int64_t id, int64_t user_id,
    struct rte_session *se, struct rte_attempt *a, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_RTE_SESSION_GET, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, user_id);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	db_rte_session_row(s, se);
	db_attempt_row(s, 8, a);
	sqlite3_reset(s);
	return (1);
}

int
store_rte_session_update(struct db *db, const struct rte_session *se,
    int64_t now, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_RTE_SESSION_UPDATE, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, se->id);
	sqlite3_bind_int64(s, 2, se->last_seq);
	sqlite3_bind_int64(s, 3, now);
	if (se->finished_at != 0)
		sqlite3_bind_int64(s, 4, se->finished_at);
	else
		sqlite3_bind_null(s, 4);
	db_bind_optional_text(s, 5, se->exit);
	sqlite3_bind_int64(s, 6, se->session_cs);
	return (db_step_done(db, s, cause));
}

/* The session time the SCO reported over all sessions of an attempt. */
int
store_rte_total(struct db *db, int64_t attempt_id, int64_t *cs,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_RTE_TOTAL, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, attempt_id);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc == 0 ? db_fail(db, s, cause) : -1);
	*cs = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return (0);
}

int
store_rte_commit_insert(struct db *db, int64_t session_id, int64_t seq,
    int64_t now, int finish, const char *data, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_RTE_COMMIT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, session_id);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int(s, 4, finish != 0);
	sqlite3_bind_text(s, 5, data, -1, SQLITE_TRANSIENT);
	return (db_step_done(db, s, cause));
}

/* Put an attempt's saved values into c, in the order they were first set. */
int
store_cmi_load(struct db *db, int64_t attempt_id, struct cmi *c,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_CMI_LOAD, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, attempt_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cmi_put(c, db_text(s, 0), db_text(s, 1));
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

int
store_cmi_put(struct db *db, int64_t attempt_id, const char *name,
    const char *value, int64_t ord, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_CMI_PUT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, attempt_id);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, ord);
	return (db_step_done(db, s, cause));
}

/* The course, cohorts, companies, enrolments and attendance (spoc.c). */

static json_t *
db_value(sqlite3_stmt *s, int col)
{
	json_t	*v;

	switch (sqlite3_column_type(s, col)) {
	case SQLITE_INTEGER:
		return (json_integer(sqlite3_column_int64(s, col)));
	case SQLITE_FLOAT:
		return (json_real(sqlite3_column_double(s, col)));
	case SQLITE_NULL:
		return (json_null());
	default:
		v = json_string(db_text(s, col));
		return (v != NULL ? v : json_null());
	}
}

static json_t *
db_object(sqlite3_stmt *s)
{
	json_t	*o = json_object();
	int	 i, n = sqlite3_column_count(s);

	for (i = 0; i < n; i++)
		json_object_set_new(o, sqlite3_column_name(s, i),
		    db_value(s, i));
	return (o);
}

/* Every row as an object keyed by column name. */
static int
db_rows(struct db *db, sqlite3_stmt *s, json_t **out, char **cause)
{
	int	 rc;

	*out = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		json_array_append_new(*out, db_object(s));
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return (db_fail(db, s, cause));
	}
	sqlite3_reset(s);
	return (0);
}

/*
 * Every row as an object passed to fn, one at a time (a large result
 * never sits in memory); fn must not use this connection. Stops at fn's
 * first nonzero return, which it returns; -1 on a database error.
 */
static int
db_each(struct db *db, sqlite3_stmt *s, int (*fn)(json_t *, void *, char **),
    void *arg, char **cause)
{
	json_t	*row;
	int	 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row = db_object(s);
		rc = fn(row, arg, cause);
		json_decref(row);
		if (rc != 0) {
			sqlite3_reset(s);
			return (rc);
		}
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

/* The first row as an object: 1, 0 when there is none, -1. */
static int
db_one(struct db *db, sqlite3_stmt *s, json_t **out, char **cause)
{
	int	 rc;

	*out = NULL;
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*out = db_object(s);
	sqlite3_reset(s);
	return (1);
}

/* The first column of the first row as an id: 1, 0 when none, -1. */
static int
db_one_id(struct db *db, sqlite3_stmt *s, int64_t *id, char **cause)
{
	int	 rc;

	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return (1);
}

/* Step an INSERT: 0 and the new id, -2 on a UNIQUE conflict, -1. */
static int
db_insert(struct db *db, sqlite3_stmt *s, int64_t *id, char **cause)
{
	int	 rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		sqlite3_reset(s);
		return (-2);
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->h);
	return (0);
}

static void
db_bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id != 0)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

/* A statement whose one parameter is an id: its first row, 1, 0, -1. */
static int
db_id_one(struct db *db, enum db_stmt stmt, int64_t id, json_t **out,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	return (db_one(db, s, out, cause));
}

/* A statement whose one parameter is an id: every row, 0 or -1. */
static int
db_id_rows(struct db *db, enum db_stmt stmt, int64_t id, json_t **out,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	return (db_rows(db, s, out, cause));
}

/* A statement whose one parameter is a text: its first row, 1, 0, -1. */
static int
db_text_one(struct db *db, enum db_stmt stmt, const char *text,
    json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
	return (db_one(db, s, out, cause));
}

/* A statement without parameters: its first row, 1, 0, -1. */
static int
db_first(struct db *db, enum db_stmt stmt, json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	return (db_one(db, s, out, cause));
}

/* A statement without parameters: every row, 0 or -1. */
static int
db_all_rows(struct db *db, enum db_stmt stmt, json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	return (db_rows(db, s, out, cause));
}

/* The actor's scope (parameters 1-3) and an id (4): every row, 0 or -1. */
static int
db_scoped_rows(struct db *db, enum db_stmt stmt, const struct actor *a,
    int64_t id, json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, stmt, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	return (db_rows(db, s, out, cause));
}

/* {id, code, name} of an OPCA: 1, 0 when unknown, -1. */
int
store_opca_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	return (db_id_one(db, STMT_OPCA_GET, id, out, cause));
}

int
store_course_insert(struct db *db, const char *code, const char *title,
    int64_t now, int64_t by, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COURSE_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	db_bind_id(s, 4, by);
	return (db_insert(db, s, id, cause));
}

int
store_course_by_code(struct db *db, const char *code, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COURSE_BY_CODE, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	return (db_one_id(db, s, id, cause));
}

int
store_course_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	return (db_id_one(db, STMT_COURSE_GET, id, out, cause));
}

int
store_course_list(struct db *db, json_t **out, char **cause)
{
	return (db_all_rows(db, STMT_COURSE_LIST, out, cause));
}

/* One row per unit of each track (a track without units: one row). */
int
store_course_tree(struct db *db, int64_t id, json_t **out, char **cause)
{
	return (db_id_rows(db, STMT_COURSE_TREE, id, out, cause));
}

/* opca_id 0 is the common trunk. -2 when the course has that track. */
int
store_track_insert(struct db *db, int64_t course_id, int64_t opca_id,
    const char *title, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_TRACK_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, course_id);
	db_bind_id(s, 2, opca_id);
	sqlite3_bind_text(s, 3, title, -1, SQLITE_TRANSIENT);
	return (db_insert(db, s, id, cause));
}

int
store_track_find(struct db *db, int64_t course_id, int64_t opca_id,
    int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_TRACK_FIND, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, course_id);
	sqlite3_bind_int64(s, 2, opca_id);
	return (db_one_id(db, s, id, cause));
}

/* -2 when the slot (track, week, position) is taken. */
int
store_unit_insert(struct db *db, const struct spoc_unit *u, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_UNIT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, u->track_id);
	sqlite3_bind_int(s, 2, u->week);
	sqlite3_bind_int(s, 3, u->position);
	sqlite3_bind_int64(s, 4, u->package_id);
	sqlite3_bind_text(s, 5, u->item, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, u->title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 7, u->minutes);
	return (db_insert(db, s, id, cause));
}

/* The positions taken in a week of a track, as a bit mask (bit n). */
int
store_unit_positions(struct db *db, int64_t track_id, int week,
    unsigned int *mask, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc, p;

	*mask = 0;
	if ((s = db_stmt(db, STMT_UNIT_POSITIONS, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, track_id);
	sqlite3_bind_int(s, 2, week);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		p = sqlite3_column_int(s, 0);
		if (p >= 0 && p < 32)
			*mask |= 1U << p;
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

/* The unit of a course bound to this SCO: 1, 0 when none, -1. */
int
store_unit_sco(struct db *db, int64_t course_id, int64_t package_id,
    const char *item, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_UNIT_SCO, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, course_id);
	sqlite3_bind_int64(s, 2, package_id);
	sqlite3_bind_text(s, 3, item, -1, SQLITE_TRANSIENT);
	return (db_one_id(db, s, id, cause));
}

int
store_unit_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	return (db_id_one(db, STMT_UNIT_GET, id, out, cause));
}

int
store_unit_update(struct db *db, int64_t id, const char *title,
    int minutes, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_UNIT_UPDATE, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, minutes);
	return (db_step_done(db, s, cause));
}

int
store_unit_delete(struct db *db, int64_t id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_UNIT_DELETE, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	return (db_step_done(db, s, cause));
}

/* -2 when the course has a cohort of that name. */
int
store_cohort_insert(struct db *db, const struct spoc_cohort *c, int64_t now,
    int64_t by, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COHORT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, c->course_id);
	sqlite3_bind_text(s, 2, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, c->start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, c->end, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, c->meeting_date, -1, SQLITE_TRANSIENT);
	db_bind_optional_text(s, 6, c->meeting_time);
	sqlite3_bind_text(s, 7, c->meeting_mode, -1, SQLITE_TRANSIENT);
	db_bind_optional_text(s, 8, c->meeting_place);
	sqlite3_bind_int64(s, 9, now);
	db_bind_id(s, 10, by);
	return (db_insert(db, s, id, cause));
}

int
store_cohort_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	return (db_id_one(db, STMT_COHORT_GET, id, out, cause));
}

/* Every cohort, with the number of enrolments the actor may see. */
int
store_cohort_list(struct db *db, const struct actor *a, json_t **out,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COHORT_LIST, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	return (db_rows(db, s, out, cause));
}

/* The ids of the cohorts with this name, as [{"id": N}, ...]. */
int
store_cohort_by_name(struct db *db, const char *name, json_t **out,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COHORT_BY_NAME, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	return (db_rows(db, s, out, cause));
}

/* -2 when the SIRET is known. */
int
store_company_insert(struct db *db, const char *siret, const char *name,
    int64_t headcount, int64_t now, int64_t by, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_COMPANY_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, siret, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, headcount);
	sqlite3_bind_int64(s, 4, now);
	db_bind_id(s, 5, by);
	return (db_insert(db, s, id, cause));
}

int
store_company_by_siret(struct db *db, const char *siret, json_t **out,
    char **cause)
{
	return (db_text_one(db, STMT_COMPANY_BY_SIRET, siret, out, cause));
}

int
store_company_list(struct db *db, json_t **out, char **cause)
{
	return (db_all_rows(db, STMT_COMPANY_LIST, out, cause));
}

/* -2 when the learner is already enrolled in the cohort. */
int
store_enrolment_insert(struct db *db, int64_t cohort_id, int64_t user_id,
    int64_t company_id, int64_t opca_id, int64_t now, int64_t by,
    int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ENROLMENT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, cohort_id);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, company_id);
	sqlite3_bind_int64(s, 4, opca_id);
	sqlite3_bind_int64(s, 5, now);
	db_bind_id(s, 6, by);
	return (db_insert(db, s, id, cause));
}

int
store_enrolment_find(struct db *db, int64_t cohort_id, int64_t user_id,
    int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ENROLMENT_FIND, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, cohort_id);
	sqlite3_bind_int64(s, 2, user_id);
	return (db_one_id(db, s, id, cause));
}

/* Scoped: an enrolment the actor may not see does not exist for them. */
int
store_enrolment_get(struct db *db, const struct actor *a, int64_t id,
    json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ENROLMENT_GET, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	return (db_one(db, s, out, cause));
}

/* A cohort's enrolments in the actor's scope, with their latest mark. */
int
store_enrolment_list(struct db *db, const struct actor *a, int64_t cohort_id,
    json_t **out, char **cause)
{
	return (db_scoped_rows(db, STMT_ENROLMENT_LIST, a, cohort_id, out,
	    cause));
}

/* The newest mark of an enrolment: 1 and its id, 0 when none, -1. */
int
store_attendance_last(struct db *db, int64_t enrolment_id, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTENDANCE_LAST, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, enrolment_id);
	return (db_one_id(db, s, id, cause));
}

int
store_attendance_insert(struct db *db, int64_t enrolment_id, int present,
    int64_t now, const struct actor *a, int64_t supersedes, int64_t *id,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTENDANCE_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, enrolment_id);
	sqlite3_bind_int(s, 2, present != 0);
	sqlite3_bind_int64(s, 3, now);
	db_bind_id(s, 4, a->id);
	sqlite3_bind_text(s, 5, a->label != NULL ? a->label : "cli", -1,
	    SQLITE_TRANSIENT);
	db_bind_id(s, 6, supersedes);
	return (db_insert(db, s, id, cause));
}

/* Every mark of a cohort in the actor's scope, oldest first. */
int
store_attendance_list(struct db *db, const struct actor *a,
    int64_t cohort_id, json_t **out, char **cause)
{
	return (db_scoped_rows(db, STMT_ATTENDANCE_LIST, a, cohort_id, out,
	    cause));
}

/* The learner's enrolments whose tracks hold this SCO, one row each. */
int
store_spoc_access(struct db *db, int64_t user_id, int64_t package_id,
    const char *item, json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_SPOC_ACCESS, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, package_id);
	sqlite3_bind_text(s, 3, item, -1, SQLITE_TRANSIENT);
	return (db_rows(db, s, out, cause));
}

/*
 * The enrolments by selects in the actor's scope (a learner's, one, or a
 * cohort's): one row per unit of their tracks (a row without a unit for
 * an empty track), grouped by enrolment, each passed to fn.
 */
int
store_spoc_course(struct db *db, const struct actor *a, enum store_by by,
    int64_t id, int (*fn)(json_t *, void *, char **), void *arg,
    char **cause)
{
	static const enum db_stmt	 stmt[] = { STMT_SPOC_LEARNER,
					    STMT_SPOC_ENROLMENT,
					    STMT_SPOC_COHORT };
	sqlite3_stmt			*s;

	if ((s = db_stmt(db, stmt[by], cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	return (db_each(db, s, fn, arg, cause));
}

/* Connection time. */

/*
 * Where a session's time stands: its last heartbeat (or its opening), its
 * end (0 while open), its measured time, and how far its learner's time
 * is already credited. 1, 0 when not this user's session, -1.
 */
int
store_beat_state(struct db *db, int64_t session_id, int64_t user_id,
    struct rte_beat *b, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = db_stmt(db, STMT_BEAT_STATE, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, session_id);
	sqlite3_bind_int64(s, 2, user_id);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	b->last_beat = sqlite3_column_int64(s, 0);
	b->finished_at = sqlite3_column_int64(s, 1);
	b->measured_ms = sqlite3_column_int64(s, 2);
	b->credited_until = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return (1);
}

/* Record one heartbeat and what it earned. */
int
store_beat_insert(struct db *db, int64_t session_id, int64_t user_id,
    int64_t now, const struct rte_beat *b, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_BEAT_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, session_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, b->active);
	sqlite3_bind_int64(s, 4, b->credited_ms);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	if ((s = db_stmt(db, STMT_BEAT_SESSION, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, session_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, b->credited_ms);
	sqlite3_bind_int(s, 4, b->new_visit);
	if (db_step_done(db, s, cause) != 0)
		return (-1);
	if (b->credited_ms == 0)
		return (0);
	if ((s = db_stmt(db, STMT_BEAT_LEARNER, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, now);
	return (db_step_done(db, s, cause));
}

/*
 * The records of the units of the enrolments by selects, in the actor's
 * scope, aggregated in SQL. slot(arg, enrolment, unit) says where each
 * goes (NULL: nowhere); it is asked in order of enrolment and unit for
 * the times, then again for each status or score, which fn folds in,
 * oldest attempt first.
 */
int
store_progress(struct db *db, const struct actor *a, enum store_by by,
    int64_t id, struct rte_progress *(*slot)(void *, int64_t, int64_t),
    void (*fn)(struct rte_progress *, const char *, const char *),
    void *arg, char **cause)
{
	static const enum db_stmt	 times[] = { STMT_PROGRESS_LEARNER,
					    STMT_PROGRESS_ENROLMENT,
					    STMT_PROGRESS_COHORT };
	static const enum db_stmt	 values[] = {
					    STMT_PROGRESS_LEARNER_VALUES,
					    STMT_PROGRESS_ENROLMENT_VALUES,
					    STMT_PROGRESS_COHORT_VALUES };
	sqlite3_stmt			*s;
	struct rte_progress		*p;
	int				 rc;

	if ((s = db_stmt(db, times[by], cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = slot(arg, sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 1))) == NULL)
			continue;
		p->sessions = sqlite3_column_int64(s, 2);
		p->first_at = sqlite3_column_int64(s, 3);
		p->last_at = sqlite3_column_int64(s, 4);
		p->visits = sqlite3_column_int64(s, 5);
		p->measured_ms = sqlite3_column_int64(s, 6);
		p->reported_cs = sqlite3_column_int64(s, 7);
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	if ((s = db_stmt(db, values[by], cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = slot(arg, sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 1))) != NULL)
			fn(p, db_text(s, 2), db_text(s, 3));
	}
	if (rc != SQLITE_DONE)
		return (db_fail(db, s, cause));
	sqlite3_reset(s);
	return (0);
}

/* Signing keys and attestations (DESIGN §7). */

int
store_key_insert(struct db *db, const char *id, const char *pem, int64_t now,
    char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_KEY_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, pem, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	return (db_step_done(db, s, cause));
}

/* The current key {id, public_pem, created_at}: 1, 0 when none, -1. */
int
store_key_latest(struct db *db, json_t **out, char **cause)
{
	return (db_first(db, STMT_KEY_LATEST, out, cause));
}

int
store_key_get(struct db *db, const char *id, json_t **out, char **cause)
{
	return (db_text_one(db, STMT_KEY_GET, id, out, cause));
}

/* Every key, newest first. */
int
store_key_list(struct db *db, json_t **out, char **cause)
{
	return (db_all_rows(db, STMT_KEY_LIST, out, cause));
}

/* The next number of a year. */
int
store_attest_next(struct db *db, int year, int64_t *seq, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTEST_NEXT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int(s, 1, year);
	return (db_one_id(db, s, seq, cause) == 1 ? 0 : -1);
}

/*
 * The document in force of an enrolment and kind: 1 with its id and
 * number (caller frees), 0 when none, -1.
 */
int
store_attest_current(struct db *db, int64_t enrolment_id, const char *kind,
    int64_t *id, char **number, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	*number = NULL;
	if ((s = db_stmt(db, STMT_ATTEST_CURRENT, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, enrolment_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
	if ((rc = db_row(db, s, cause)) != 1)
		return (rc);
	*id = sqlite3_column_int64(s, 0);
	*number = db_text_dup(s, 1);
	sqlite3_reset(s);
	return (1);
}

int
store_attest_insert(struct db *db, const char *number, int year, int64_t seq,
    const char *kind, int64_t enrolment_id, int64_t now, int64_t by,
    const char *key_id, const char *facts, const char *sig,
    int64_t supersedes, int64_t *id, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTEST_INSERT, cause)) == NULL)
		return (-1);
	sqlite3_bind_text(s, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, year);
	sqlite3_bind_int64(s, 3, seq);
	sqlite3_bind_text(s, 4, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, enrolment_id);
	sqlite3_bind_int64(s, 6, now);
	db_bind_id(s, 7, by);
	sqlite3_bind_text(s, 8, key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 9, facts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 10, sig, -1, SQLITE_TRANSIENT);
	db_bind_id(s, 11, supersedes);
	return (db_insert(db, s, id, cause) == 0 ? 0 : -1);
}

/* A document with its key, for anyone (verification): 1, 0, -1. */
int
store_attest_by_number(struct db *db, const char *number, json_t **out,
    char **cause)
{
	return (db_text_one(db, STMT_ATTEST_BY_NUMBER, number, out, cause));
}

/* A document the actor may download: 1, 0 (unknown or not theirs), -1. */
int
store_attest_scoped(struct db *db, const struct actor *a, const char *number,
    json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTEST_SCOPED, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_text(s, 4, number, -1, SQLITE_TRANSIENT);
	return (db_one(db, s, out, cause));
}

/*
 * Documents the actor may see, newest first: of a cohort, of an
 * enrolment, or the actor's own (mine), each filter 0 when unused.
 */
int
store_attest_list(struct db *db, const struct actor *a, int64_t cohort_id,
    int64_t enrolment_id, int mine, json_t **out, char **cause)
{
	sqlite3_stmt	*s;

	if ((s = db_stmt(db, STMT_ATTEST_LIST, cause)) == NULL)
		return (-1);
	db_bind_scope(s, a);
	sqlite3_bind_int64(s, 4, cohort_id);
	sqlite3_bind_int64(s, 5, enrolment_id);
	sqlite3_bind_int(s, 6, mine);
	return (db_rows(db, s, out, cause));
}

/* The documents in force of a cohort, with their facts, for a zip. */
int
store_attest_cohort_docs(struct db *db, const struct actor *a,
    int64_t cohort_id, json_t **out, char **cause)
{
	return (db_scoped_rows(db, STMT_ATTEST_COHORT_DOCS, a, cohort_id, out,
	    cause));
}
