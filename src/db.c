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
};

enum db_stmt {
	STMT_PROBE_PUT,
	STMT_PROBE_GET,
	STMT_PROBE_COUNT,
	STMT_COUNT
};

static const char *db_sql[STMT_COUNT] = {
	[STMT_PROBE_PUT] =
	    ("INSERT INTO probe (key, value, created_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (key) DO NOTHING"),
	[STMT_PROBE_GET] = "SELECT value, created_at FROM probe WHERE key = ?1",
	[STMT_PROBE_COUNT] = "SELECT count(*) FROM probe",
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
	sqlite3_busy_timeout(db->h, 5000);
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

int
db_schema_latest(void)
{
	return ((int)nitems(db_migrations));
}

int
db_schema_version(struct db *db, int *version, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK) {
		xasprintf(cause, "database: %s", sqlite3_errmsg(db->h));
		return (-1);
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		xasprintf(cause, "database: %s", sqlite3_errmsg(db->h));
		sqlite3_finalize(s);
		return (-1);
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
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
		if (db_commit(db, cause) != 0)
			return (-1);
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
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return (0);
	}
	if (rc != SQLITE_ROW)
		return (db_fail(db, s, cause));
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
