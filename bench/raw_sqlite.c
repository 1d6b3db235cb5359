/*
 * raw_sqlite DB BATCH SECONDS VALUE_BYTES [savepoints]: the raw SQLite
 * baseline of DESIGN §9. One connection, WAL, synchronous=FULL, a table of
 * the same shape as assidu's probe table; rows are inserted BATCH at a
 * time, one transaction per batch, for SECONDS seconds. With "savepoints"
 * every row gets its own SAVEPOINT/RELEASE, as assidu's writer does.
 *
 * Prints one line:
 *   RAW_SQLITE rows=N txns=N seconds=S rows_per_s=R commit_p50_us=U
 *       commit_p99_us=U cpu_us_per_row=U
 * where commit_* is the time of a whole transaction (BEGIN to COMMIT) and
 * cpu_us_per_row the process's CPU time (user + system) per row.
 *
 * Built by bench/run: cc -O2 raw_sqlite.c -lsqlite3.
 */
#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

static uint64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "raw_sqlite: %s: %s\n", sql, err);
		exit(1);
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	sqlite3_stmt	*ins;
	struct rusage	 ru;
	uint64_t	 start, end, t0, cpu, *lat = NULL;
	size_t		 nlat = 0, alat = 0;
	long		 batch, seconds, vbytes, rows = 0, i;
	int		 savepoints;
	char		 key[64], *value;

	if (argc < 5 || argc > 6 || (batch = atol(argv[2])) < 1 ||
	    (seconds = atol(argv[3])) < 1 || (vbytes = atol(argv[4])) < 0 ||
	    (argc == 6 && strcmp(argv[5], "savepoints") != 0)) {
		fprintf(stderr, "usage: raw_sqlite DB BATCH SECONDS VALUE_BYTES "
		    "[savepoints]\n");
		return (2);
	}
	savepoints = argc == 6;
	value = malloc(vbytes + 1);
	memset(value, 'v', vbytes);
	value[vbytes] = '\0';

	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "raw_sqlite: %s: %s\n", argv[1],
		    sqlite3_errmsg(db));
		return (1);
	}
	/* The pragmas and table of assidu's db.c (db_open, migration 1). */
	exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;");
	exec(db, "CREATE TABLE IF NOT EXISTS probe ("
	    "  key TEXT PRIMARY KEY NOT NULL,"
	    "  value TEXT NOT NULL,"
	    "  created_at INTEGER NOT NULL"
	    ") STRICT;");
	if (sqlite3_prepare_v2(db, "INSERT INTO probe (key, value, created_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING", -1, &ins,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "raw_sqlite: %s\n", sqlite3_errmsg(db));
		return (1);
	}

	start = now_us();
	end = start + (uint64_t)seconds * 1000000;
	do {
		t0 = now_us();
		exec(db, "BEGIN");
		for (i = 0; i < batch; i++) {
			if (savepoints)
				exec(db, "SAVEPOINT job");
			/* Keys shaped like the wrk script's: run-thread-n. */
			snprintf(key, sizeof key, "raw%08lx-%ld-%ld",
			    (long)t0 & 0xffffffffL, i % 2 + 1, rows + i);
			sqlite3_bind_text(ins, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 2, value, (int)vbytes,
			    SQLITE_STATIC);
			sqlite3_bind_int64(ins, 3, (sqlite3_int64)(t0 / 1000));
			if (sqlite3_step(ins) != SQLITE_DONE) {
				fprintf(stderr, "raw_sqlite: insert: %s\n",
				    sqlite3_errmsg(db));
				return (1);
			}
			sqlite3_reset(ins);
			if (savepoints)
				exec(db, "RELEASE job");
		}
		exec(db, "COMMIT");
		rows += batch;
		if (nlat == alat) {
			alat = alat ? alat * 2 : 1024;
			if ((lat = realloc(lat, alat * sizeof *lat)) == NULL)
				return (1);
		}
		lat[nlat++] = now_us() - t0;
	} while (now_us() < end);
	end = now_us();

	getrusage(RUSAGE_SELF, &ru);
	cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);

	qsort(lat, nlat, sizeof *lat, cmp_u64);
	printf("RAW_SQLITE rows=%ld txns=%zu seconds=%.3f rows_per_s=%.1f "
	    "commit_p50_us=%llu commit_p99_us=%llu cpu_us_per_row=%.1f\n",
	    rows, nlat, (end - start) / 1e6, rows / ((end - start) / 1e6),
	    (unsigned long long)lat[nlat / 2],
	    (unsigned long long)lat[(nlat * 99) / 100 < nlat ?
	    (nlat * 99) / 100 : nlat - 1], (double)cpu / rows);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	free(lat);
	free(value);
	return (0);
}
