/*
 * Handlers of the SCORM run-time: the data model for the browser, opening
 * a session on a SCO, and commits. The rules live in rte.c and cmi.c; both
 * writes go through the writer, and the reply leaves only once committed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "assidu.h"

struct api_rte_job {
	struct req		*req;
	int64_t			 now;
	int64_t			 package_id;
	char			*item;
	char			*name;
	struct rte_opened	 opened;
	struct rte_commit	 commit;
	int64_t			 session_id;	/* a heartbeat's */
	struct rte_beat		 beat;
	int			 active;
};

static struct api_rte_job *
api_rte_job_new(struct req *req)
{
	struct api_rte_job	*j;

	j = xcalloc(1, sizeof *j);
	j->req = req;
	j->now = clock_now_ms();
	http_hold(req);
	return (j);
}

static void
api_rte_job_free(struct api_rte_job *j)
{
	free(j->item);
	free(j->name);
	rte_opened_clear(&j->opened);
	rte_commit_clear(&j->commit);
	free(j);
}

/* The table of cmi.c, for www/js/cmi.js. Built once: it never changes. */
void
api_rte_datamodel(struct req *req)
{
	static json_t	*model;

	if (model == NULL)
		model = cmi_model_json();
	http_set_header(req, "Cache-Control", "private, max-age=3600");
	http_reply_json(req, 200, json_incref(model));
}

static int
api_rte_open_run(struct db *db, void *arg, char **cause)
{
	struct api_rte_job	*j = arg;

	return (rte_open(db, &j->req->actor, j->name, j->package_id, j->item,
	    j->now, &j->opened, cause));
}

static void
api_rte_open_done(void *arg, int error, const char *cause)
{
	struct api_rte_job	*j = arg;
	struct rte_opened	*o = &j->opened;

	if (error != 0)
		http_fail(j->req, error, cause);
	else {
		http_reply_json(j->req, 201, json_pack("{s:I,s:I,s:i,s:s,"
		    "s:i,s:O}", "session", (json_int_t)o->session_id,
		    "attempt", (json_int_t)o->attempt_id, "version",
		    o->version, "entry", o->entry, "seq", 0, "values",
		    o->values));
	}
	api_rte_job_free(j);
}

/* POST /api/v1/runtime/sessions {"package": ID, "item": "IDENT"} */
void
api_rte_open(struct req *req)
{
	struct api_rte_job	*j;
	json_t			*body, *pkg;
	const char		*item;
	char			*cause;

	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	pkg = json_object_get(body, "package");
	item = json_string_value(json_object_get(body, "item"));
	if (!json_is_integer(pkg) || json_integer_value(pkg) <= 0 ||
	    item == NULL || *item == '\0') {
		json_decref(body);
		http_error(req, 422, NULL, "Indiquez le paquet (« package », "
		    "un entier) et l'élément (« item »).");
		return;
	}
	j = api_rte_job_new(req);
	j->package_id = json_integer_value(pkg);
	j->item = xstrdup(item);
	j->name = xstrdup(req->sess->user->name);
	json_decref(body);
	writer_submit(server_writer(req->srv), api_rte_open_run,
	    api_rte_open_done, j);
}

static int
api_rte_commit_run(struct db *db, void *arg, char **cause)
{
	struct api_rte_job	*j = arg;

	return (rte_commit(db, &j->req->actor, &j->commit, j->now, cause));
}

static void
api_rte_commit_done(void *arg, int error, const char *cause)
{
	struct api_rte_job	*j = arg;
	struct rte_commit	*c = &j->commit;
	json_t			*body;

	if (error == ERR_INVALID && c->element != NULL) {
		/* The browser shows the SCO the SCORM error it would get. */
		body = http_error_body(j->req, 422, "cmi", cause);
		json_object_set_new(body, "element", json_string(c->element));
		json_object_set_new(body, "scorm_error",
		    json_integer(c->scorm_error));
		http_reply_json(j->req, 422, body);
	} else if (error != 0)
		http_fail(j->req, error, cause);
	else
		http_reply_json(j->req, 200, json_pack("{s:I,s:b}", "seq",
		    (json_int_t)c->last_seq, "duplicate", c->duplicate));
	api_rte_job_free(j);
}

/*
 * POST /api/v1/runtime/sessions/:id/commits. Beacons cannot set headers,
 * so the CSRF token may come in the body ("csrf"), and text/plain is taken.
 */
void
api_rte_commit(struct req *req)
{
	struct api_rte_job	*j;
	struct rte_commit	 c;
	json_t			*body;
	int64_t			 id;
	char			*cause;

	if (http_param_id(req, 0, &id, "Session SCORM inconnue.") != 0)
		return;
	if ((body = http_body_json_beacon(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	if (req->csrf_in_body && http_csrf_check(req,
	    json_string_value(json_object_get(body, "csrf"))) != 0) {
		json_decref(body);
		http_error(req, 403, "csrf", NULL);
		return;
	}
	memset(&c, 0, sizeof c);
	if (rte_commit_check(body, &c, &cause) != ERR_OK) {
		json_decref(body);
		http_error(req, 422, NULL, "%s", cause);
		free(cause);
		return;
	}
	json_decref(body);
	j = api_rte_job_new(req);
	j->commit = c;
	j->commit.session_id = id;
	writer_submit(server_writer(req->srv), api_rte_commit_run,
	    api_rte_commit_done, j);
}

static int
api_rte_beat_run(struct db *db, void *arg, char **cause)
{
	struct api_rte_job	*j = arg;

	return (rte_beat(db, &j->req->actor, j->session_id, j->active,
	    j->now, &j->beat, cause));
}

static void
api_rte_beat_done(void *arg, int error, const char *cause)
{
	struct api_rte_job	*j = arg;

	if (error != 0)
		http_fail(j->req, error, cause);
	else
		http_reply_json(j->req, 200, json_pack("{s:I,s:I,s:b}",
		    "credited_ms", (json_int_t)j->beat.credited_ms,
		    "measured_ms", (json_int_t)j->beat.measured_ms,
		    "new_visit", j->beat.new_visit));
	api_rte_job_free(j);
}

/*
 * POST /api/v1/runtime/sessions/:id/beats {"active": bool}: the player's
 * heartbeat, every 30 s while the unit is visible. The time is the
 * server's, never the browser's.
 */
void
api_rte_beat(struct req *req)
{
	struct api_rte_job	*j;
	json_t			*body, *active;
	int64_t			 id;
	char			*cause;

	if (http_param_id(req, 0, &id, "Session SCORM inconnue.") != 0)
		return;
	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	active = json_object_get(body, "active");
	if (!json_is_boolean(active)) {
		json_decref(body);
		http_error(req, 422, NULL, "« active » doit valoir true ou "
		    "false.");
		return;
	}
	j = api_rte_job_new(req);
	j->session_id = id;
	j->active = json_is_true(active);
	json_decref(body);
	writer_submit(server_writer(req->srv), api_rte_beat_run,
	    api_rte_beat_done, j);
}
