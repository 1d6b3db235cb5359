/*
 * Handlers of the course, cohorts, companies, enrolments and attendance.
 * Reads answer from the read-only connection; every change is a writer
 * job that calls the spoc.c function the CLI calls too, and the reply
 * waits for the commit.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "assidu.h"

struct api_spoc_job;
typedef int	(*api_spoc_fn)(struct db *, struct api_spoc_job *, char **);

/* One change on its way through the writer. */
struct api_spoc_job {
	struct req	*req;
	int64_t		 now;
	int64_t		 id;		/* from the path, or 0 */
	json_t		*in;		/* the JSON body */
	char		*text;		/* a CSV body */
	size_t		 len;
	api_spoc_fn	 fn;
	int		 status;	/* of a success */
	json_t		*reply;		/* the answer, or a CSV report */
};

static int
api_spoc_run(struct db *db, void *arg, char **cause)
{
	struct api_spoc_job	*j = arg;

	return (j->fn(db, j, cause));
}

static void
api_spoc_done(void *arg, int error, const char *cause)
{
	struct api_spoc_job	*j = arg;
	json_t			*body;

	if (error == 0) {
		http_reply_json(j->req, j->status, j->reply);
		j->reply = NULL;
	} else if (error == ERR_INVALID && j->reply != NULL) {
		/* A refused CSV file: the report says what to correct. */
		body = http_error_body(j->req, 422, NULL, cause);
		json_object_set(body, "report", j->reply);
		http_reply_json(j->req, 422, body);
	} else
		http_fail(j->req, error, cause);
	json_decref(j->in);
	json_decref(j->reply);
	free(j->text);
	free(j);
}

/* A job for fn; the caller fills its input, then api_spoc_queue(). */
static struct api_spoc_job *
api_spoc_job(struct req *req, int64_t id, api_spoc_fn fn, int status)
{
	struct api_spoc_job	*j;

	j = xcalloc(1, sizeof *j);
	j->req = req;
	j->now = clock_now_ms();
	j->id = id;
	j->fn = fn;
	j->status = status;
	return (j);
}

static void
api_spoc_queue(struct api_spoc_job *j)
{
	http_hold(j->req);
	writer_submit(server_writer(j->req->srv), api_spoc_run, api_spoc_done,
	    j);
}

/* Queue fn with the request's JSON body (and path id, if any). */
static void
api_spoc_submit(struct req *req, int64_t id, api_spoc_fn fn, int status)
{
	struct api_spoc_job	*j;
	json_t			*body;
	char			*cause;

	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		http_error(req, 400, "bad_json", "Un objet JSON est attendu.");
		return;
	}
	j = api_spoc_job(req, id, fn, status);
	j->in = body;
	api_spoc_queue(j);
}

/* The same for a path whose first number is the id; 404 with missing. */
static void
api_spoc_submit_at(struct req *req, const char *missing, api_spoc_fn fn,
    int status)
{
	int64_t	 id;

	if (http_param_id(req, 0, &id, missing) == 0)
		api_spoc_submit(req, id, fn, status);
}

/* Courses. */

void
api_spoc_courses(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_course_list(server_db(req->srv), &list, &cause);
	http_reply_read(req, rc, list, cause);
}

static int
api_course_create_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_course_create(db, &j->req->actor, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_course_create(struct req *req)
{
	api_spoc_submit(req, 0, api_course_create_run, 201);
}

void
api_spoc_course_get(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL;
	int64_t	 id;
	int	 rc;

	if (http_param_id(req, 0, &id, "Formation introuvable.") != 0)
		return;
	rc = spoc_course_get(server_db(req->srv), id, &out, &cause);
	http_reply_result(req, rc, out, cause);
}

static int
api_track_create_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_track_create(db, &j->req->actor, j->id, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_track_create(struct req *req)
{
	api_spoc_submit_at(req, "Formation introuvable.", api_track_create_run,
	    201);
}

static int
api_unit_add_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_unit_add(db, &j->req->actor, j->id, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_unit_add(struct req *req)
{
	api_spoc_submit_at(req, "Formation introuvable.", api_unit_add_run,
	    201);
}

static int
api_unit_update_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_unit_update(db, &j->req->actor, j->id, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_unit_update(struct req *req)
{
	api_spoc_submit_at(req, "Unité introuvable.", api_unit_update_run, 200);
}

static int
api_unit_delete_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_unit_delete(db, &j->req->actor, j->id, j->now, &j->reply,
	    cause));
}

/* DELETE has no body. */
void
api_spoc_unit_delete(struct req *req)
{
	int64_t	 id;

	if (http_param_id(req, 0, &id, "Unité introuvable.") == 0)
		api_spoc_queue(api_spoc_job(req, id, api_unit_delete_run, 200));
}

/* Cohorts. */

void
api_spoc_cohorts(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = spoc_cohort_list(server_db(req->srv), &req->actor,
	    clock_now_ms(), &out, &cause);
	http_reply_result(req, rc, out, cause);
}

static int
api_cohort_create_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_cohort_create(db, &j->req->actor, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_cohort_create(struct req *req)
{
	api_spoc_submit(req, 0, api_cohort_create_run, 201);
}

void
api_spoc_cohort_get(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL;
	int64_t	 id;
	int	 rc;

	if (http_param_id(req, 0, &id, "Session introuvable.") != 0)
		return;
	rc = spoc_cohort_get(server_db(req->srv), &req->actor, id,
	    clock_now_ms(), &out, &cause);
	http_reply_result(req, rc, out, cause);
}

/* Companies. */

void
api_spoc_companies(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_company_list(server_db(req->srv), &list, &cause);
	http_reply_read(req, rc, list, cause);
}

static int
api_company_create_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_company_create(db, &j->req->actor, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_company_create(struct req *req)
{
	api_spoc_submit(req, 0, api_company_create_run, 201);
}

/* Enrolments. */

static int
api_enrol_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_enrol(db, &j->req->actor, j->id, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_enrol(struct req *req)
{
	api_spoc_submit_at(req, "Session introuvable.", api_enrol_run, 201);
}

static int
api_enrol_csv_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_enrol_csv(db, &j->req->actor, j->id, j->text, j->len,
	    j->now, &j->reply, cause));
}

/*
 * The body is the file as it is (text/csv): parsed and checked in the
 * writer's transaction, so that a refused file leaves nothing behind.
 */
void
api_spoc_enrol_csv(struct req *req)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req->ev);
	struct api_spoc_job	*j;
	int64_t			 id;

	if (http_param_id(req, 0, &id, "Session introuvable.") != 0)
		return;
	j = api_spoc_job(req, id, api_enrol_csv_run, 201);
	j->len = evbuffer_get_length(in);
	j->text = xmalloc(j->len + 1);
	evbuffer_copyout(in, j->text, j->len);
	j->text[j->len] = '\0';
	api_spoc_queue(j);
}

/* Attendance. */

void
api_spoc_attendance(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL;
	int64_t	 id;
	int	 rc;

	if (http_param_id(req, 0, &id, "Session introuvable.") != 0)
		return;
	rc = spoc_attendance_list(server_db(req->srv), &req->actor, id, &out,
	    &cause);
	http_reply_result(req, rc, out, cause);
}

static int
api_attendance_run(struct db *db, struct api_spoc_job *j, char **cause)
{
	return (spoc_attendance_mark(db, &j->req->actor, j->id, j->in, j->now,
	    &j->reply, cause));
}

void
api_spoc_attendance_mark(struct req *req)
{
	api_spoc_submit_at(req, "Session introuvable.", api_attendance_run,
	    201);
}

/* The learner's course, with every week's opening date and state. */
void
api_spoc_me_course(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = spoc_learner_course(server_db(req->srv), &req->actor,
	    clock_now_ms(), &out, &cause);
	if (rc == ERR_OK)
		rc = rte_course_progress(server_db(req->srv), &req->actor, out,
		    &cause);
	http_reply_result(req, rc, out, cause);
}

/* A CSV file to download under filename (ASCII, see export_filename). */
static void
api_spoc_csv(struct req *req, const char *filename, char *csv, size_t len)
{
	char	*disposition;

	xasprintf(&disposition, "attachment; filename=\"%s\"", filename);
	http_set_header(req, "Content-Disposition", disposition);
	free(disposition);
	http_set_header(req, "Cache-Control", "no-store");
	http_reply_data(req, 200, "text/csv; charset=utf-8", csv, len);
}

/* GET /api/v1/me/releve.csv: the learner's relevé de connexions. */
void
api_spoc_me_releve(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL, *csv;
	size_t	 len;
	int	 rc;

	rc = spoc_learner_course(server_db(req->srv), &req->actor,
	    clock_now_ms(), &out, &cause);
	if (rc == ERR_OK)
		rc = rte_course_progress(server_db(req->srv), &req->actor, out,
		    &cause);
	if (rc != ERR_OK) {
		http_reply_result(req, rc, out, cause);
		return;
	}
	csv = export_releve_csv(out, &len);
	json_decref(out);
	api_spoc_csv(req, "releve-connexions.csv", csv, len);
}

/* The relevé of one enrolment (the path's), in the actor's scope. */
static int
api_spoc_record(struct req *req, json_t **out, char **cause)
{
	int64_t	 id;

	*out = NULL;
	if (http_param_id(req, 0, &id, "Inscription introuvable.") != 0)
		return (-1);
	return (rte_enrolment_record(server_db(req->srv), &req->actor, id,
	    clock_now_ms(), out, cause));
}

/* GET /api/v1/enrolments/:id/releve: staff, or the learner it is. */
void
api_spoc_enrolment_releve(struct req *req)
{
	json_t	*out;
	char	*cause = NULL;
	int	 rc;

	if ((rc = api_spoc_record(req, &out, &cause)) != -1)
		http_reply_result(req, rc, out, cause);
}

/* The same as a CSV file: the learner's own columns. */
void
api_spoc_enrolment_releve_csv(struct req *req)
{
	struct export_csv	*c;
	json_t			*out;
	char			*cause = NULL, *csv, name[96];
	size_t			 len;
	int			 rc;

	if ((rc = api_spoc_record(req, &out, &cause)) == -1)
		return;
	if (rc != ERR_OK) {
		http_reply_result(req, rc, out, cause);
		return;
	}
	c = export_releve_begin(EXPORT_LEARNER);
	export_releve_add(out, c, NULL);
	csv = export_releve_end(c, &len);
	export_filename(json_string_value(json_object_get(json_object_get(out,
	    "learner"), "name")), name, sizeof name);
	json_decref(out);
	api_spoc_csv(req, name, csv, len);
}

/*
 * A cohort's relevé can cover thousands of learners: it is read on a
 * worker, through a read-only connection of its own (statements are
 * prepared as they are first used, so it costs an open and two queries)
 * in one snapshot, and the reply goes from the event thread.
 */
struct api_releve {
	struct req	*req;
	char		*path;		/* the database file */
	int64_t		 id;
	int64_t		 now;
	int		 csv;
	int		 rc;
	char		*cause;
	json_t		*out;		/* the JSON, or the CSV's cohort */
	char		*data;		/* the reply's body */
	size_t		 len;
};

static void
api_releve_work(void *arg)
{
	struct api_releve	*j = arg;
	struct export_csv	*c;
	struct db		*db;

	j->rc = ERR_INTERNAL;
	if ((db = db_open(j->path, 1, &j->cause)) == NULL)
		return;
	if (db_begin_read(db, &j->cause) == 0) {
		if (j->csv) {
			c = export_releve_begin(EXPORT_COHORT);
			j->rc = rte_cohort_records(db, &j->req->actor, j->id,
			    j->now, &j->out, export_releve_add, c, &j->cause);
			j->data = export_releve_end(c, &j->len);
		} else if ((j->rc = rte_cohort_releve(db, &j->req->actor,
		    j->id, j->now, &j->out, &j->cause)) == ERR_OK) {
			/* Megabytes for a large cohort: dumped here, not on the
			 * event thread. */
			j->data = json_dumps(j->out, JSON_COMPACT);
			j->len = j->data != NULL ? strlen(j->data) : 0;
		}
		db_rollback(db);
	}
	db_close(db);
}

static void
api_releve_done(void *arg)
{
	struct api_releve	*j = arg;
	char			 name[96];

	if (j->rc != ERR_OK || j->data == NULL)
		http_fail(j->req, j->rc != ERR_OK ? j->rc : ERR_INTERNAL,
		    j->cause);
	else if (j->csv) {
		export_filename(json_string_value(json_object_get(j->out,
		    "name")), name, sizeof name);
		api_spoc_csv(j->req, name, j->data, j->len);
		j->data = NULL;
	} else {
		http_set_header(j->req, "Cache-Control", "no-store");
		http_reply_data(j->req, 200, "application/json", j->data,
		    j->len);
		j->data = NULL;
	}
	json_decref(j->out);
	free(j->data);
	free(j->cause);
	free(j->path);
	free(j);
}

static void
api_releve_submit(struct req *req, int csv)
{
	struct api_releve	*j;
	int64_t			 id;

	if (http_param_id(req, 0, &id, "Session introuvable.") != 0)
		return;
	j = xcalloc(1, sizeof *j);
	j->req = req;
	j->path = config_db_path(server_config(req->srv));
	j->id = id;
	j->now = clock_now_ms();
	j->csv = csv;
	http_hold(req);
	pool_submit(server_pool(req->srv), api_releve_work, api_releve_done,
	    j);
}

/* GET /api/v1/cohorts/:id/releve: one line per learner in scope. */
void
api_spoc_cohort_releve(struct req *req)
{
	api_releve_submit(req, 0);
}

/* GET /api/v1/cohorts/:id/releve.csv: one line per learner and unit. */
void
api_spoc_cohort_releve_csv(struct req *req)
{
	api_releve_submit(req, 1);
}
