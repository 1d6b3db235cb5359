/*
 * A small pool of worker threads for work that must not block the event
 * loop: password hashing now, PDFs, zips and heavy reads later (DESIGN §2).
 * Like the writer, finished jobs go back to the event thread through the
 * notify callback and run their done callback there.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "assidu.h"

struct pool_job {
	pool_work_cb		 work;
	pool_done_cb		 done;
	void			*arg;
	TAILQ_ENTRY(pool_job)	 entry;
};
TAILQ_HEAD(pool_queue, pool_job);

struct pool {
	pthread_t		*threads;
	int			 nthreads;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct pool_queue	 queue;
	struct pool_queue	 done;
	size_t			 pending;
	int			 stopping;
	void			(*notify)(void *);
	void			*notify_arg;
};

static void *
pool_main(void *arg)
{
	struct pool	*p = arg;
	struct pool_job	*job;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (TAILQ_EMPTY(&p->queue) && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if ((job = TAILQ_FIRST(&p->queue)) == NULL) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		TAILQ_REMOVE(&p->queue, job, entry);
		pthread_mutex_unlock(&p->lock);

		job->work(job->arg);

		pthread_mutex_lock(&p->lock);
		TAILQ_INSERT_TAIL(&p->done, job, entry);
		pthread_mutex_unlock(&p->lock);
		p->notify(p->notify_arg);
	}
	return (NULL);
}

struct pool *
pool_create(int nthreads, void (*notify)(void *), void *notify_arg)
{
	struct pool	*p;
	int		 i;

	p = xcalloc(1, sizeof *p);
	p->nthreads = nthreads > 0 ? nthreads : 1;
	p->threads = xcalloc(p->nthreads, sizeof *p->threads);
	p->notify = notify;
	p->notify_arg = notify_arg;
	TAILQ_INIT(&p->queue);
	TAILQ_INIT(&p->done);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < p->nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
			fatal("pthread_create");
	}
	return (p);
}

void
pool_submit(struct pool *p, pool_work_cb work, pool_done_cb done, void *arg)
{
	struct pool_job	*job;

	job = xcalloc(1, sizeof *job);
	job->work = work;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&p->lock);
	TAILQ_INSERT_TAIL(&p->queue, job, entry);
	p->pending++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* On the event thread: run the done callbacks of finished jobs. */
void
pool_complete(struct pool *p)
{
	struct pool_queue	 done;
	struct pool_job		*job;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&p->lock);
	TAILQ_CONCAT(&done, &p->done, entry);
	pthread_mutex_unlock(&p->lock);
	while ((job = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, job, entry);
		pthread_mutex_lock(&p->lock);
		p->pending--;
		pthread_mutex_unlock(&p->lock);
		job->done(job->arg);
		free(job);
	}
}

size_t
pool_pending(struct pool *p)
{
	size_t	 n;

	pthread_mutex_lock(&p->lock);
	n = p->pending;
	pthread_mutex_unlock(&p->lock);
	return (n);
}

/* Finish queued work, answer it, stop the threads. */
void
pool_free(struct pool *p)
{
	int	 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pool_complete(p);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->threads);
	free(p);
}
