/*
 * Handlers of the core routes: health, the web UI's static files, and the
 * test-mode routes the black-box tests use to drive the writer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
	json_t	*list;
	char	*cause;

	if (store_package_list(server_db(req->srv), &list, &cause) != 0) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	http_reply_json(req, 200, list);
}

/* A package and its table of contents, for the player. */
void
api_package_get(struct req *req)
{
	const char	*p = http_param(req, 0);
	json_t		*pkg;
	char		*cause, *end;
	long long	 id;
	int		 rc;

	id = strtoll(p, &end, 10);
	if (*p == '\0' || *end != '\0' || id <= 0) {
		http_error(req, 404, NULL, "Paquet inconnu.");
		return;
	}
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
