/*
 * The single writer thread (DESIGN §2). It owns the read-write connection,
 * takes every job queued since its last round and runs them all in one
 * transaction (group commit), each inside a savepoint so one failing job
 * does not undo the others. Only after COMMIT returns, which with
 * synchronous=FULL means the WAL is on disk, are the jobs handed back to
 * the event thread through the notify callback; the event thread then runs
 * their done callbacks and replies. A reply therefore never precedes
 * durability.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "assidu.h"

struct writer_job {
	writer_run_cb		 run;
	writer_done_cb		 done;
	void			*arg;
	int			 error;
	char			*cause;
	TAILQ_ENTRY(writer_job)	 entry;
};
TAILQ_HEAD(writer_queue, writer_job);

struct writer {
	struct db		*db;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct writer_queue	 queue;		/* submitted, not yet run */
	struct writer_queue	 done;		/* committed, unanswered */
	int			 stopping;
	int			 started;
	size_t			 max_batch;
	void			(*notify)(void *);
	void			*notify_arg;
	struct writer_stats	 stats;
};

static void
writer_fail_all(struct writer_queue *batch, const char *cause)
{
	struct writer_job	*job;

	TAILQ_FOREACH(job, batch, entry) {
		if (job->error)
			continue;
		job->error = ERR_INTERNAL;
		job->cause = xstrdup(cause);
	}
}

static void
writer_run_batch(struct writer *w, struct writer_queue *batch)
{
	struct writer_job	*job;
	char			*cause = NULL, *v;

	if (db_begin(w->db, &cause) != 0) {
		writer_fail_all(batch, cause);
		free(cause);
		return;
	}
	TAILQ_FOREACH(job, batch, entry) {
		if (db_savepoint(w->db, &job->cause) != 0) {
			job->error = ERR_INTERNAL;
			continue;
		}
		/* A job returns 0 or an ERR_* code, which its done gets. */
		job->error = job->run(w->db, job->arg, &job->cause);
		if (job->error != 0) {
			if (job->error > 0)
				job->error = ERR_INTERNAL;
			db_rollback_to(w->db);
		} else if (db_release(w->db, &job->cause) != 0) {
			job->error = ERR_INTERNAL;
			db_rollback_to(w->db);
		}
	}
	if (db_commit(w->db, &cause) != 0) {
		v = log_value(cause);
		log_error("event=writer_commit_failed error=%s", v);
		free(v);
		db_rollback(w->db);
		/* Nothing of this batch is on disk: every job fails. */
		TAILQ_FOREACH(job, batch, entry) {
			free(job->cause);
			job->cause = NULL;
			job->error = 0;
		}
		writer_fail_all(batch, cause);
		free(cause);
	}
}

static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct writer_queue	 batch;
	struct writer_job	*job;
	size_t			 n;
	uint64_t		 failed;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (TAILQ_EMPTY(&w->queue) && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (TAILQ_EMPTY(&w->queue) && w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		TAILQ_INIT(&batch);
		for (n = 0; n < w->max_batch &&
		    (job = TAILQ_FIRST(&w->queue)) != NULL; n++) {
			TAILQ_REMOVE(&w->queue, job, entry);
			TAILQ_INSERT_TAIL(&batch, job, entry);
		}
		pthread_mutex_unlock(&w->lock);

		writer_run_batch(w, &batch);

		failed = 0;
		TAILQ_FOREACH(job, &batch, entry)
			failed += job->error != 0;
		pthread_mutex_lock(&w->lock);
		w->stats.transactions++;
		w->stats.jobs += n;
		w->stats.failed += failed;
		if (n > w->stats.max_batch)
			w->stats.max_batch = n;
		TAILQ_CONCAT(&w->done, &batch, entry);
		pthread_mutex_unlock(&w->lock);
		w->notify(w->notify_arg);
	}
	return (NULL);
}

/*
 * Open the read-write connection, bring the schema up to date and start the
 * thread. notify is called from the writer thread whenever finished jobs
 * wait for writer_complete.
 */
struct writer *
writer_create(const char *path, int max_batch, void (*notify)(void *),
    void *notify_arg, char **cause)
{
	struct writer	*w;
	int		 version;

	w = xcalloc(1, sizeof *w);
	if ((w->db = db_open(path, 0, cause)) == NULL) {
		free(w);
		return (NULL);
	}
	if (db_migrate(w->db, &version, cause) != 0) {
		db_close(w->db);
		free(w);
		return (NULL);
	}
	TAILQ_INIT(&w->queue);
	TAILQ_INIT(&w->done);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->max_batch = max_batch > 0 ? (size_t)max_batch : 1000;
	w->notify = notify;
	w->notify_arg = notify_arg;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		fatal("pthread_create");
	w->started = 1;
	return (w);
}

void
writer_submit(struct writer *w, writer_run_cb run, writer_done_cb done,
    void *arg)
{
	struct writer_job	*job;

	job = xcalloc(1, sizeof *job);
	job->run = run;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->stopping)
		fatalx("writer_submit after writer_stop");
	TAILQ_INSERT_TAIL(&w->queue, job, entry);
	w->stats.pending++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* On the submitting thread: answer every job the writer has committed. */
void
writer_complete(struct writer *w)
{
	struct writer_queue	 done;
	struct writer_job	*job;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&done, &w->done, entry);
	pthread_mutex_unlock(&w->lock);
	while ((job = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, job, entry);
		pthread_mutex_lock(&w->lock);
		w->stats.pending--;
		pthread_mutex_unlock(&w->lock);
		if (job->done != NULL)
			job->done(job->arg, job->error, job->cause);
		free(job->cause);
		free(job);
	}
}

/* Run what is queued, then stop the thread. */
void
writer_stop(struct writer *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	writer_stop(w);
	writer_complete(w);
	db_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void
writer_get_stats(struct writer *w, struct writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->stats;
	pthread_mutex_unlock(&w->lock);
}
