/*
 * Handlers of the core routes: health, the web UI's static files, and the
 * test-mode routes the black-box tests use to drive the writer.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "assidu.h"

void
api_healthz(struct req *req)
{
	int	 version;
	char	*cause, *v;

	if (db_schema_version(server_db(req->srv), &version, &cause) != 0) {
		http_error(req, 503, NULL, "Base de données indisponible.");
		v = log_value(cause);
		log_error("event=healthz_failed error=%s", v);
		free(v);
		free(cause);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s,s:s,s:i}", "status", "ok",
	    "version", PACKAGE_VERSION, "schema", version));
}

void
api_www(struct req *req)
{
	content_serve(req, server_config(req->srv)->www_dir,
	    http_param(req, 0), NULL);
}

/*
 * A file of an imported package: /content/SHA256/PATH. SCORM content is
 * authored elsewhere and full of inline scripts: its pages get a policy of
 * their own, still same-origin only and never framed by another site.
 */
void
api_content(struct req *req)
{
	const char	*sha = http_param(req, 0);
	char		*root;
	size_t		 i;

	for (i = 0; sha[i] != '\0'; i++) {
		if (!((sha[i] >= '0' && sha[i] <= '9') ||
		    (sha[i] >= 'a' && sha[i] <= 'f')))
			break;
	}
	if (i != 64 || sha[i] != '\0') {
		http_error(req, 404, NULL, "Paquet inconnu.");
		return;
	}
	xasprintf(&root, "%s/packages/%s", server_config(req->srv)->data_dir,
	    sha);
	http_set_header(req, "Content-Security-Policy", "default-src 'self' "
	    "'unsafe-inline' 'unsafe-eval' data: blob:; frame-ancestors "
	    "'self'; form-action 'self'; base-uri 'self'; object-src 'none'");
	content_serve(req, root, http_param(req, 1), sha);
	free(root);
}

void
api_packages(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_package_list(server_db(req->srv), &list, &cause);
	http_reply_read(req, rc, list, cause);
}

/* A package and its table of contents, for the player. */
void
api_package_get(struct req *req)
{
	json_t		*pkg;
	char		*cause;
	int64_t		 id;
	int		 rc;

	if (http_param_id(req, 0, &id, "Paquet inconnu.") != 0)
		return;
	rc = store_package_get(server_db(req->srv), id, &pkg, &cause);
	if (rc == -1) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
	} else if (rc == 0)
		http_error(req, 404, NULL, "Paquet inconnu.");
	else
		http_reply_json(req, 200, pkg);
}

struct api_probe {
	struct req	*req;
	char		*key;
	char		*value;
	int64_t		 now;
};

static int
api_probe_run(struct db *db, void *arg, char **cause)
{
	struct api_probe	*p = arg;

	return (store_probe_put(db, p->key, p->value, p->now, cause));
}

static void
api_probe_done(void *arg, int error, const char *cause)
{
	struct api_probe	*p = arg;

	if (error)
		http_fail(p->req, error, cause);
	else
		http_reply_json(p->req, 201, json_pack("{s:s,s:I}", "key",
		    p->key, "created_at", (json_int_t)p->now));
	free(p->key);
	free(p->value);
	free(p);
}

/* POST {"key": "...", "value": "..."}: one durable write through the writer. */
void
api_test_probe_put(struct req *req)
{
	struct api_probe	*p;
	json_t			*body;
	const char		*key, *value;
	char			*cause;

	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	key = json_string_value(json_object_get(body, "key"));
	value = json_string_value(json_object_get(body, "value"));
	if (key == NULL || *key == '\0' || strlen(key) > 128 ||
	    value == NULL) {
		json_decref(body);
		http_error(req, 422, NULL, "Les champs key (1 à 128 "
		    "caractères) et value sont requis.");
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->req = req;
	p->key = xstrdup(key);
	p->value = xstrdup(value);
	p->now = clock_now_ms();
	json_decref(body);
	http_hold(req);
	writer_submit(server_writer(req->srv), api_probe_run, api_probe_done,
	    p);
}

void
api_test_probe_get(struct req *req)
{
	char	*value, *cause;
	int64_t	 at;
	int	 rc;

	rc = store_probe_get(server_db(req->srv), http_param(req, 0), &value,
	    &at, &cause);
	if (rc == -1) {
		http_error(req, 500, NULL, "%s", cause);
		free(cause);
	} else if (rc == 0)
		http_error(req, 404, NULL, "Clé inconnue.");
	else {
		http_reply_json(req, 200, json_pack("{s:s,s:s,s:I}", "key",
		    http_param(req, 0), "value", value, "created_at",
		    (json_int_t)at));
		free(value);
	}
}

void
api_test_writer(struct req *req)
{
	struct writer_stats	 st;

	writer_get_stats(server_writer(req->srv), &st);
	http_reply_json(req, 200, json_pack("{s:I,s:I,s:I,s:I,s:I}",
	    "transactions", (json_int_t)st.transactions,
	    "jobs", (json_int_t)st.jobs, "failed", (json_int_t)st.failed,
	    "max_batch", (json_int_t)st.max_batch,
	    "pending", (json_int_t)st.pending));
}

/*
 * POST /api/v1/test/clock {"advance_ms": N} or {"offset_ms": N}: moves the
 * server's clock for the tests of time rules. Test mode only.
 */
void
api_test_clock(struct req *req)
{
	json_t	*body, *adv, *off;
	char	*cause;

	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	adv = json_object_get(body, "advance_ms");
	off = json_object_get(body, "offset_ms");
	if (json_is_integer(adv))
		clock_set_offset(clock_offset() + json_integer_value(adv));
	else if (json_is_integer(off))
		clock_set_offset(json_integer_value(off));
	else {
		json_decref(body);
		http_error(req, 422, NULL, "advance_ms ou offset_ms attendu.");
		return;
	}
	json_decref(body);
	http_reply_json(req, 200, json_pack("{s:I,s:I}", "now",
	    (json_int_t)clock_now_ms(), "offset_ms",
	    (json_int_t)clock_offset()));
}

/*
 * Package uploads, in pieces: evhttp 2.1 has one body limit for every
 * route, and it stays small (max_body_size), so a package arrives as a
 * series of PUTs appended to DATA/tmp/upload-ID.zip, each saying at which
 * offset it starts (a retry of a piece already written is refused with the
 * size the server has, to resume from). Nothing about an upload lives in
 * memory.
 */
#define API_UPLOAD_ID_LEN	32
#define API_UPLOAD_MAX		(1024LL * 1024 * 1024)

static char *
api_upload_path(struct req *req, const char *id)
{
	char	*path;
	size_t	 i;

	for (i = 0; id[i] != '\0'; i++) {
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return (NULL);
	}
	if (i != API_UPLOAD_ID_LEN)
		return (NULL);
	xasprintf(&path, "%s/tmp/upload-%s.zip",
	    server_config(req->srv)->data_dir, id);
	return (path);
}

void
api_upload_new(struct req *req)
{
	char	 id[API_UPLOAD_ID_LEN + 1], *dir, *path;
	int	 fd;

	auth_random_string(id, API_UPLOAD_ID_LEN);
	xasprintf(&dir, "%s/tmp", server_config(req->srv)->data_dir);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		http_fail(req, ERR_INTERNAL, strerror(errno));
		free(dir);
		return;
	}
	free(dir);
	path = api_upload_path(req, id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1) {
		http_fail(req, ERR_INTERNAL, strerror(errno));
		return;
	}
	close(fd);
	http_reply_json(req, 201, json_pack("{s:s,s:I}", "id", id,
	    "max_bytes", (json_int_t)API_UPLOAD_MAX));
}

void
api_upload_put(struct req *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req->ev);
	struct stat	 sb;
	const char	*h = http_header(req, "X-Upload-Offset");
	char		*path, *end, size[32];
	long long	 offset;
	size_t		 len = evbuffer_get_length(in);
	int		 fd;

	if ((path = api_upload_path(req, http_param(req, 0))) == NULL) {
		http_error(req, 404, NULL, "Envoi inconnu.");
		return;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd == -1 || fstat(fd, &sb) != 0) {
		if (fd != -1)
			close(fd);
		http_error(req, 404, NULL, "Envoi inconnu ou terminé.");
		return;
	}
	offset = h != NULL ? strtoll(h, &end, 10) : -1;
	if (h == NULL || *h == '\0' || *end != '\0' || offset != sb.st_size) {
		close(fd);
		snprintf(size, sizeof size, "%lld", (long long)sb.st_size);
		http_set_header(req, "X-Upload-Offset", size);
		http_error(req, 409, NULL, "Ce morceau ne commence pas où "
		    "l'envoi en est (%s octets reçus) : reprenez à partir de "
		    "là.", size);
		return;
	}
	if (sb.st_size + (long long)len > API_UPLOAD_MAX) {
		close(fd);
		http_error(req, 413, NULL, "Paquet trop volumineux (maximum "
		    "%lld Mo).", API_UPLOAD_MAX / (1024 * 1024));
		return;
	}
	while (evbuffer_get_length(in) > 0) {
		if (evbuffer_write(in, fd) <= 0) {
			close(fd);
			http_fail(req, ERR_INTERNAL, strerror(errno));
			return;
		}
	}
	close(fd);
	http_reply_json(req, 200, json_pack("{s:I}", "size",
	    (json_int_t)(sb.st_size + (long long)len)));
}

struct api_import {
	struct req		*req;
	char			*path;
	char			*title;
	int			 error;
	char			*cause;
	struct pkg_result	 r;
};

static void
api_import_free(struct api_import *im)
{
	pkg_result_clear(&im->r);
	free(im->path);
	free(im->title);
	free(im->cause);
	free(im);
}

static int
api_import_commit(struct db *db, void *arg, char **cause)
{
	struct api_import	*im = arg;

	return (pkg_commit(db, &im->req->actor,
	    server_config(im->req->srv)->data_dir, &im->r, cause));
}

static void
api_import_done(void *arg, int error, const char *cause)
{
	struct api_import	*im = arg;

	if (error != 0)
		http_fail(im->req, error, cause);
	else {
		unlink(im->path);
		http_reply_json(im->req, 201, json_pack(
		    "{s:{s:I,s:s,s:s,s:i,s:s,s:i},s:b}", "package", "id",
		    (json_int_t)im->r.id, "sha256", im->r.sha256, "title",
		    im->r.title, "version", im->r.version, "edition",
		    im->r.edition, "scos", im->r.scos, "already",
		    im->r.already));
	}
	api_import_free(im);
}

/* On a worker: hash, check and extract, without the database. */
static void
api_import_prepare(void *arg)
{
	struct api_import	*im = arg;

	im->error = pkg_prepare(server_config(im->req->srv)->data_dir,
	    im->path, im->title, &im->r, &im->cause);
}

static void
api_import_prepared(void *arg)
{
	struct api_import	*im = arg;

	if (im->error != ERR_OK) {
		log_info("event=import_refused id=%s", im->req->id);
		http_fail(im->req, im->error, im->cause);
		unlink(im->path);
		api_import_free(im);
		return;
	}
	writer_submit(server_writer(im->req->srv), api_import_commit,
	    api_import_done, im);
}

void
api_upload_import(struct req *req)
{
	struct api_import	*im;
	struct stat		 sb;
	json_t			*body = NULL;
	const char		*title;
	char			*path, *cause;

	if ((path = api_upload_path(req, http_param(req, 0))) == NULL ||
	    stat(path, &sb) != 0) {
		free(path);
		http_error(req, 404, NULL, "Envoi inconnu ou terminé.");
		return;
	}
	if (http_header(req, "Content-Type") != NULL &&
	    (body = http_body_json(req, &cause)) == NULL) {
		free(path);
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
		return;
	}
	title = json_string_value(json_object_get(body, "title"));
	im = xcalloc(1, sizeof *im);
	im->req = req;
	im->path = path;
	im->title = title != NULL && *title != '\0' ? xstrdup(title) : NULL;
	json_decref(body);
	http_hold(req);
	pool_submit(server_pool(req->srv), api_import_prepare,
	    api_import_prepared, im);
}
