/*
 * Handlers of the attestations (DESIGN §7): issue through the writer,
 * render PDFs and zips on the worker pool, and the public verification
 * (no login) of a number or of a downloaded PDF.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "assidu.h"

/* One attestation request on its way through the writer or a worker. */
struct api_attest_job {
	struct req	*req;
	int64_t		 now;
	int64_t		 id;		/* enrolment or cohort */
	char		*kind;
	int		 early;
	json_t		*row;		/* a document to render */
	char		*base;		/* the site's origin, for QR codes */
	char		*path;		/* a zip being built */
	int		 error;
	char		*cause;
	json_t		*reply;
	char		*data;		/* a rendered PDF */
	size_t		 len;
	size_t		 count;
};

static void
api_attest_free(struct api_attest_job *j)
{
	if (j->path != NULL)
		unlink(j->path);
	free(j->kind);
	json_decref(j->row);
	free(j->base);
	free(j->path);
	free(j->cause);
	json_decref(j->reply);
	free(j->data);
	free(j);
}

static struct api_attest_job *
api_attest_job(struct req *req, int64_t id)
{
	struct api_attest_job	*j;
	const char		*pub = server_config(req->srv)->public_url;

	j = xcalloc(1, sizeof *j);
	j->req = req;
	j->now = clock_now_ms();
	j->id = id;
	/* http_origin() is allocated (public_url or the Host header). */
	if (pub != NULL && *pub != '\0')
		j->base = xstrdup(pub);
	else if ((j->base = (char *)http_origin(req)) == NULL)
		j->base = attest_base_url(server_config(req->srv));
	return (j);
}

/* Issue: {"kind": "presence"|"realisation", "early": bool}. */

static int
api_attest_issue_run(struct db *db, void *arg, char **cause)
{
	struct api_attest_job	*j = arg;

	return (attest_issue(db, &j->req->actor, server_config(j->req->srv),
	    j->id, j->kind, j->early, j->now, &j->reply, cause));
}

static int
api_attest_cohort_run(struct db *db, void *arg, char **cause)
{
	struct api_attest_job	*j = arg;

	return (attest_issue_cohort(db, &j->req->actor,
	    server_config(j->req->srv), j->id, j->kind, j->early, j->now,
	    &j->reply, cause));
}

static void
api_attest_issued(void *arg, int error, const char *cause)
{
	struct api_attest_job	*j = arg;

	if (error == 0) {
		http_reply_json(j->req, 201, j->reply);
		j->reply = NULL;
	} else
		http_fail(j->req, error, cause);
	api_attest_free(j);
}

static void
api_attest_submit(struct req *req, const char *missing, writer_run_cb run)
{
	struct api_attest_job	*j;
	json_t			*body;
	const char		*kind;
	char			*cause;
	int64_t			 id;

	if (http_param_id(req, 0, &id, missing) != 0)
		return;
	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	kind = json_string_value(json_object_get(body, "kind"));
	if (!attest_kind_ok(kind) || (json_object_get(body, "early") != NULL &&
	    !json_is_boolean(json_object_get(body, "early")))) {
		json_decref(body);
		http_error(req, 422, NULL, "Indiquez le document : « kind » "
		    "vaut « presence » (attestation de présence) ou "
		    "« realisation » (certificat de réalisation) ; « early » "
		    "est un booléen.");
		return;
	}
	j = api_attest_job(req, id);
	j->kind = xstrdup(kind);
	j->early = json_is_true(json_object_get(body, "early"));
	json_decref(body);
	http_hold(req);
	writer_submit(server_writer(req->srv), run, api_attest_issued, j);
}

void
api_attest_issue(struct req *req)
{
	api_attest_submit(req, "Inscription introuvable.",
	    api_attest_issue_run);
}

void
api_attest_issue_cohort(struct req *req)
{
	api_attest_submit(req, "Session introuvable.", api_attest_cohort_run);
}

/* Lists: of an enrolment, of a cohort, the learner's own. */

static void
api_attest_list(struct req *req, int64_t cohort, int64_t enrolment,
    int mine)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_attest_list(server_db(req->srv), &req->actor, cohort,
	    enrolment, mine, &list, &cause);
	http_reply_read(req, rc, list, cause);
}

void
api_attest_enrolment_list(struct req *req)
{
	int64_t	 id;

	if (http_param_id(req, 0, &id, "Inscription introuvable.") == 0)
		api_attest_list(req, 0, id, 0);
}

void
api_attest_cohort_list(struct req *req)
{
	int64_t	 id;

	if (http_param_id(req, 0, &id, "Session introuvable.") == 0)
		api_attest_list(req, id, 0, 0);
}

void
api_attest_mine(struct req *req)
{
	api_attest_list(req, 0, 0, 1);
}

/* One document's PDF, rendered on a worker. */

static void
api_attest_render(void *arg)
{
	struct api_attest_job	*j = arg;

	j->error = attest_pdf(j->base, j->row, &j->data, &j->len, &j->cause);
}

static void
api_attest_rendered(void *arg)
{
	struct api_attest_job	*j = arg;
	char			 name[160], *disp;

	if (j->error != ERR_OK) {
		http_fail(j->req, j->error, j->cause);
		api_attest_free(j);
		return;
	}
	attest_file_name(j->row, name, sizeof name);
	xasprintf(&disp, "attachment; filename=\"%s\"", name);
	http_set_header(j->req, "Content-Disposition", disp);
	free(disp);
	http_set_header(j->req, "Cache-Control", "private, no-store");
	http_reply_data(j->req, 200, "application/pdf", j->data, j->len);
	j->data = NULL;
	api_attest_free(j);
}

void
api_attest_pdf(struct req *req)
{
	struct api_attest_job	*j;
	json_t			*row = NULL;
	char			*cause = NULL;
	int			 rc;

	rc = store_attest_scoped(server_db(req->srv), &req->actor,
	    http_param(req, 0), &row, &cause);
	if (rc != 1) {
		if (rc == 0)
			http_error(req, 404, NULL, "Document introuvable.");
		else
			http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	j = api_attest_job(req, 0);
	j->row = row;
	http_hold(req);
	pool_submit(server_pool(req->srv), api_attest_render,
	    api_attest_rendered, j);
}

/* Every document in force of a cohort, as a zip with an index CSV. */

static void
api_attest_zip_build(void *arg)
{
	struct api_attest_job	*j = arg;
	struct db		*db;
	char			*dbpath;

	dbpath = config_db_path(server_config(j->req->srv));
	db = db_open(dbpath, 1, &j->cause);
	free(dbpath);
	if (db == NULL) {
		j->error = ERR_INTERNAL;
		return;
	}
	j->error = attest_zip(db, &j->req->actor, j->base, j->id, j->path,
	    &j->count, &j->cause);
	db_close(db);
}

static void
api_attest_zip_built(void *arg)
{
	struct api_attest_job	*j = arg;
	struct stat		 sb;
	char			 disp[96];
	int			 fd;

	if (j->error != ERR_OK) {
		http_fail(j->req, j->error, j->cause);
		api_attest_free(j);
		return;
	}
	if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		if (fd != -1)
			close(fd);
		xasprintf(&j->cause, "%s: %s", j->path, strerror(errno));
		http_fail(j->req, ERR_INTERNAL, j->cause);
		api_attest_free(j);
		return;
	}
	/* The open descriptor keeps the file until it is sent. */
	snprintf(disp, sizeof disp, "attachment; filename=\"attestations-"
	    "session-%lld.zip\"", (long long)j->id);
	http_set_header(j->req, "Content-Disposition", disp);
	http_set_header(j->req, "Cache-Control", "private, no-store");
	http_reply_file(j->req, 200, "application/zip", fd, 0, sb.st_size);
	api_attest_free(j);
}

void
api_attest_zip(struct req *req)
{
	struct api_attest_job	*j;
	json_t			*c = NULL;
	char			*cause = NULL;
	int64_t			 id;
	int			 fd, rc;

	if (http_param_id(req, 0, &id, "Session introuvable.") != 0)
		return;
	rc = store_cohort_get(server_db(req->srv), id, &c, &cause);
	json_decref(c);
	if (rc != 1) {
		if (rc == 0)
			http_error(req, 404, NULL, "Session introuvable.");
		else
			http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	j = api_attest_job(req, id);
	xasprintf(&j->path, "%s/tmp-zip-XXXXXX",
	    server_config(req->srv)->data_dir);
	if ((fd = mkstemp(j->path)) == -1) {
		xasprintf(&j->cause, "mkstemp %s: %s", j->path,
		    strerror(errno));
		http_fail(req, ERR_INTERNAL, j->cause);
		free(j->path);
		j->path = NULL;
		api_attest_free(j);
		return;
	}
	close(fd);
	http_hold(req);
	pool_submit(server_pool(req->srv), api_attest_zip_build,
	    api_attest_zip_built, j);
}

/* Public: verification and keys. */

void
api_attest_verify(struct req *req)
{
	json_t	*out = NULL;
	char	*cause = NULL, *code;
	int	 rc;

	code = http_query(req, "c");
	rc = attest_verify_number(server_db(req->srv), http_param(req, 0),
	    code, &out, &cause);
	free(code);
	http_set_header(req, "Cache-Control", "no-store");
	http_reply_result(req, rc, out, cause);
}

/* POST /api/v1/verify with a PDF as the body. */
void
api_attest_verify_pdf(struct req *req)
{
	struct evbuffer	*in;
	json_t		*out = NULL;
	char		*cause = NULL;
	const char	*pdf;
	size_t		 len;
	int		 rc;

	in = evhttp_request_get_input_buffer(req->ev);
	len = evbuffer_get_length(in);
	pdf = (const char *)evbuffer_pullup(in, -1);
	rc = attest_verify_pdf(server_db(req->srv), NULL, pdf != NULL ? pdf :
	    "", len, &out, &cause);
	http_set_header(req, "Cache-Control", "no-store");
	http_reply_result(req, rc, out, cause);
}

/* The verification page of /verify/NUMBER (the page asks the API). */
void
api_attest_page(struct req *req)
{
	content_serve(req, server_config(req->srv)->www_dir,
	    "verification.html", NULL);
}

/* The current public key, as PEM. */
void
api_attest_key(struct req *req)
{
	json_t	*key = NULL;
	char	*cause = NULL, *pem;
	int	 rc;

	rc = store_key_latest(server_db(req->srv), &key, &cause);
	if (rc != 1) {
		if (rc == 0)
			http_error(req, 404, NULL, "Aucune clé de signature.");
		else
			http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	pem = xstrdup(json_string_value(json_object_get(key, "public_pem")));
	json_decref(key);
	http_reply_data(req, 200, "application/x-pem-file", pem, strlen(pem));
}

/* Every public key, current first: old ones still verify. */
void
api_attest_keys(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_key_list(server_db(req->srv), &list, &cause);
	http_reply_read(req, rc, list, cause);
}
