/*
 * Unit tests of writer.c against a real SQLite file: group commit batches
 * concurrent writers, a job is answered only once a fresh connection can
 * read it, a failing job does not undo its batch-mates, stop drains.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "assidu.h"

#define THREADS		8
#define PER_THREAD	250

struct fixture {
	char		 dir[64];
	char		*path;
	struct writer	*w;
	struct db	*reader;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 ready;
	int		 done;
	int		 errors;
	int		 unseen;
};

struct job {
	struct fixture	*f;
	char		 key[32];
	int		 fail;
};

static void
notify(void *arg)
{
	struct fixture	*f = arg;

	pthread_mutex_lock(&f->lock);
	f->ready = 1;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static int
run(struct db *db, void *arg, char **cause)
{
	struct job	*j = arg;

	if (store_probe_put(db, j->key, "v", 1, cause) != 0)
		return (-1);
	if (j->fail) {
		xasprintf(cause, "refused on purpose");
		return (-1);
	}
	return (0);
}

/* Runs on the test's main thread, like the event thread in the server. */
static void
done(void *arg, int error, const char *cause)
{
	struct job	*j = arg;
	char		*value = NULL, *why = NULL;
	int64_t		 at;

	j->f->done++;
	if (error) {
		j->f->errors++;
	} else if (store_probe_get(j->f->reader, j->key, &value, &at,
	    &why) != 1)
		j->f->unseen++;	/* acknowledged but not durable: a bug */
	free(value);
	free(why);
	free(j);
}

static void
wait_done(struct fixture *f, int want)
{
	while (f->done < want) {
		pthread_mutex_lock(&f->lock);
		while (!f->ready)
			pthread_cond_wait(&f->cond, &f->lock);
		f->ready = 0;
		pthread_mutex_unlock(&f->lock);
		writer_complete(f->w);
	}
}

static int
setup(void **state)
{
	struct fixture	*f;
	char		*cause = NULL;

	f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/assidu-writer-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	xasprintf(&f->path, "%s/%s", f->dir, DB_FILE);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->w = writer_create(f->path, 1000, notify, f, &cause);
	if (f->w == NULL)
		fail_msg("writer_create: %s", cause);
	f->reader = db_open(f->path, 1, &cause);
	assert_non_null(f->reader);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		*cmd;

	writer_free(f->w);
	db_close(f->reader);
	xasprintf(&cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->path);
	free(f);
	return (0);
}

struct submitter {
	struct fixture	*f;
	int		 id;
};

static void *
submit_many(void *arg)
{
	struct submitter	*s = arg;
	struct job		*j;
	int			 i;

	for (i = 0; i < PER_THREAD; i++) {
		j = xcalloc(1, sizeof *j);
		j->f = s->f;
		snprintf(j->key, sizeof j->key, "t%d-%d", s->id, i);
		writer_submit(s->f->w, run, done, j);
	}
	return (NULL);
}

static void
test_group_commit_batches(void **state)
{
	struct fixture		*f = *state;
	struct submitter	 subs[THREADS];
	pthread_t		 th[THREADS];
	struct writer_stats	 st;
	int64_t			 count;
	char			*cause;
	int			 i;

	for (i = 0; i < THREADS; i++) {
		subs[i].f = f;
		subs[i].id = i;
		pthread_create(&th[i], NULL, submit_many, &subs[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	wait_done(f, THREADS * PER_THREAD);

	writer_get_stats(f->w, &st);
	print_message("# %llu jobs in %llu transactions, largest batch %llu\n",
	    (unsigned long long)st.jobs, (unsigned long long)st.transactions,
	    (unsigned long long)st.max_batch);
	assert_int_equal(f->errors, 0);
	assert_int_equal(f->unseen, 0);
	assert_int_equal(st.jobs, THREADS * PER_THREAD);
	assert_int_equal(st.pending, 0);
	/* Group commit: far fewer transactions than jobs. */
	assert_true(st.transactions * 4 <= st.jobs);
	assert_true(st.max_batch > 1);
	assert_int_equal(store_probe_count(f->reader, &count, &cause), 0);
	assert_int_equal(count, THREADS * PER_THREAD);
}

static void
test_failed_job_keeps_batch(void **state)
{
	struct fixture	*f = *state;
	struct job	*j;
	int64_t		 count;
	char		*cause, *v;
	int64_t		 at;
	int		 i;

	/* Queue the three before the writer can take them one by one. */
	for (i = 0; i < 3; i++) {
		j = xcalloc(1, sizeof *j);
		j->f = f;
		snprintf(j->key, sizeof j->key, "k%d", i);
		j->fail = (i == 1);
		writer_submit(f->w, run, done, j);
	}
	wait_done(f, 3);
	assert_int_equal(f->errors, 1);
	assert_int_equal(f->unseen, 0);
	assert_int_equal(store_probe_count(f->reader, &count, &cause), 0);
	assert_int_equal(count, 2);
	/* The failed job's own insert was rolled back. */
	assert_int_equal(store_probe_get(f->reader, "k1", &v, &at, &cause), 0);
}

static void
test_stop_drains_queue(void **state)
{
	struct fixture	*f = *state;
	struct job	*j;
	int64_t		 count;
	char		*cause;
	int		 i;

	for (i = 0; i < 100; i++) {
		j = xcalloc(1, sizeof *j);
		j->f = f;
		snprintf(j->key, sizeof j->key, "s%d", i);
		writer_submit(f->w, run, done, j);
	}
	writer_stop(f->w);
	writer_complete(f->w);
	assert_int_equal(f->done, 100);
	assert_int_equal(f->unseen, 0);
	assert_int_equal(store_probe_count(f->reader, &count, &cause), 0);
	assert_int_equal(count, 100);
}

static void
test_migrations_are_idempotent(void **state)
{
	struct fixture	*f = *state;
	struct db	*db;
	char		*cause = NULL;
	int		 v = -1;

	db = db_open(f->path, 0, &cause);
	assert_non_null(db);
	assert_int_equal(db_migrate(db, &v, &cause), 0);
	assert_int_equal(v, db_schema_latest());
	assert_int_equal(db_migrate(db, &v, &cause), 0);
	assert_int_equal(v, db_schema_latest());
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit_batches,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_job_keeps_batch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains_queue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations_are_idempotent,
		    setup, teardown),
	};

	return (cmocka_run_group_tests_name("writer", tests, NULL, NULL));
}
