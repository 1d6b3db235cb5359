/*
 * Request and response helpers. Every request gets a struct req, an id and
 * a route; every reply goes through http_send, which logs one line and
 * frees the request; every error goes through http_error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "assidu.h"

/* Error codes with the text shown to users (French) and logged (English). */
static const struct http_error_text {
	const char	*code;
	int		 status;
	const char	*fr;
	const char	*en;
} http_errors[] = {
	{ "moved", 301, "Cette page a changé d'adresse.", "Moved" },
	{ "bad_request", 400, "Requête invalide.", "Bad request" },
	{ "bad_json", 400, "Le corps de la requête n'est pas un JSON valide.",
	    "Body is not valid JSON" },
	{ "bad_form", 400, "Le formulaire envoyé est invalide.",
	    "Invalid form body" },
	{ "unauthorized", 401, "Veuillez vous connecter.",
	    "Authentication required" },
	{ "forbidden", 403, "Accès refusé.", "Forbidden" },
	{ "not_found", 404, "Page introuvable.", "Not found" },
	{ "method_not_allowed", 405, "Méthode non autorisée.",
	    "Method not allowed" },
	{ "csrf", 403, "Requête refusée : origine non vérifiée. Rechargez la "
	    "page.", "Cross-site request refused" },
	{ "conflict", 409, "Conflit avec l'état actuel.", "Conflict" },
	{ "gone", 410, "Ce lien n'est plus valable.", "Gone" },
	{ "body_too_large", 413, "Le contenu envoyé est trop volumineux.",
	    "Body too large" },
	{ "unsupported_media_type", 415, "Type de contenu non pris en charge.",
	    "Unsupported media type" },
	{ "range", 416, "Plage demandée invalide.", "Range not satisfiable" },
	{ "unprocessable", 422, "Les données envoyées sont invalides.",
	    "Unprocessable entity" },
	{ "cmi", 422, "Une valeur SCORM envoyée par l'unité a été refusée.",
	    "SCORM value refused" },
	{ "too_many_requests", 429,
	    "Trop de tentatives. Veuillez patienter.", "Too many requests" },
	{ "internal", 500, "Erreur interne du serveur.",
	    "Internal server error" },
	{ "unavailable", 503,
	    "Service momentanément indisponible. Réessayez dans un instant.",
	    "Service unavailable" },
};

static const struct http_error_text *
http_error_find(int status, const char *code)
{
	size_t	 i;

	for (i = 0; i < nitems(http_errors); i++) {
		if (code != NULL && strcmp(http_errors[i].code, code) == 0)
			return (&http_errors[i]);
	}
	for (i = 0; i < nitems(http_errors); i++) {
		if (http_errors[i].status == status)
			return (&http_errors[i]);
	}
	return (&http_errors[0]);
}

const char *
http_method_name(int method)
{
	switch (method) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_OPTIONS:
		return ("OPTIONS");
	case EVHTTP_REQ_PATCH:
		return ("PATCH");
	default:
		return ("OTHER");
	}
}

#define HTTP_SMALL_FILE (64 * 1024)	/* read, not sent with sendfile */

static const char http_csp[] = "default-src 'self'; script-src 'self'; "
    "style-src 'self'; img-src 'self' data:; frame-ancestors 'self'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'";

static struct evkeyvalq *http_prologue(struct req *, int, size_t);
static int	 http_wants_json(struct req *);
static void	 http_epilogue(struct req *);

static void
http_free(struct req *req)
{
	size_t	 i;

	for (i = 0; i < req->nparams; i++)
		free(req->params[i]);
	free(req->path);
	session_free(req->sess);
	free(req);
}

static void
http_log(struct req *req)
{
	const char			*ip = http_peer(req);
	char				*path;
	uint64_t			 dur;

	dur = clock_mono_us() - req->start_us;
	/* The path only: query strings may carry tokens. */
	path = log_value(req->path);
	log_info("event=request id=%s method=%s path=%s status=%d bytes=%zu "
	    "dur_ms=%llu.%03llu ip=%s user=%lld", req->id,
	    http_method_name(req->method), path, req->status, req->bytes,
	    (unsigned long long)(dur / 1000), (unsigned long long)(dur % 1000),
	    ip, (long long)req->actor.id);
	free(path);
}

/* The one way out: send, log, release. buf may be NULL. */
static void
http_send(struct req *req, int status, struct evbuffer *buf)
{
	struct evkeyvalq	*h;
	char			 len[32];

	h = http_prologue(req, status, buf != NULL ?
	    evbuffer_get_length(buf) : 0);
	if (req->method == EVHTTP_REQ_HEAD && buf != NULL) {
		/* evhttp 2.1 would send the body: announce its length only. */
		snprintf(len, sizeof len, "%zu", req->bytes);
		evhttp_add_header(h, "Content-Length", len);
		evbuffer_drain(buf, req->bytes);
	}
	evhttp_send_reply(req->ev, status, NULL, buf);
	http_epilogue(req);
}

/* What every reply carries, and its log line. */
static struct evkeyvalq *
http_prologue(struct req *req, int status, size_t bytes)
{
	struct evkeyvalq	*h;

	h = evhttp_request_get_output_headers(req->ev);
	evhttp_add_header(h, "X-Request-Id", req->id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "X-Frame-Options", "SAMEORIGIN");
	if (evhttp_find_header(h, "Content-Security-Policy") == NULL)
		evhttp_add_header(h, "Content-Security-Policy", http_csp);
	if (server_stopping(req->srv))
		evhttp_add_header(h, "Connection", "close");
	req->status = status;
	req->bytes = bytes;
	http_log(req);
	return (h);
}

static void
http_epilogue(struct req *req)
{
	req->ev = NULL;
	server_request_end(req->srv, req);
	http_free(req);
}

static int	http_authorize(struct req *);

void
http_dispatch(struct evhttp_request *ev, void *arg)
{
	struct server		*srv = arg;
	struct req		*req;
	const struct evhttp_uri	*uri;
	const char		*path;
	enum router_result	 rr;
	char			 allow[64];

	req = xcalloc(1, sizeof *req);
	req->ev = ev;
	req->srv = srv;
	req->start_us = clock_mono_us();
	req->method = evhttp_request_get_command(ev);
	uri = evhttp_request_get_evhttp_uri(ev);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req->path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	server_request_start(srv, req);

	if (server_stopping(srv)) {
		http_error(req, 503, NULL, "Le serveur s'arrête.");
		return;
	}
	rr = router_find(req->method, req->path,
	    server_config(srv)->test_mode, &req->route, req->params,
	    &req->nparams);
	switch (rr) {
	case ROUTER_FOUND:
		if (http_authorize(req) == 0)
			req->route->handler(req);
		break;
	case ROUTER_BAD_METHOD:
		router_allow(req->path, server_config(srv)->test_mode, allow,
		    sizeof allow);
		http_set_header(req, "Allow", allow);
		http_error(req, 405, NULL, NULL);
		break;
	case ROUTER_NOT_FOUND:
		http_error(req, 404, NULL, NULL);
		break;
	}
}

/* The origin this server is reached at: public_url, or the Host header. */
char *
http_origin(struct req *req)
{
	const char	*pub = server_config(req->srv)->public_url, *host;
	char		*o;
	size_t		 len;

	if (pub != NULL) {
		o = xstrdup(pub);
		len = strlen(o);
		while (len > 0 && o[len - 1] == '/')
			o[--len] = '\0';
		return (o);
	}
	if ((host = http_header(req, "Host")) == NULL)
		return (NULL);
	xasprintf(&o, "%s://%s", http_is_tls(req) ? "https" : "http", host);
	return (o);
}

/*
 * A state-changing request must come from our own pages: its Origin (or,
 * failing that, its Referer) must be our origin.
 */
static int
http_same_origin(struct req *req)
{
	const char	*origin, *referer;
	char		*own;
	size_t		 len;
	int		 ok = 0;

	if ((own = http_origin(req)) == NULL)
		return (0);
	len = strlen(own);
	if ((origin = http_header(req, "Origin")) != NULL)
		ok = strcmp(origin, own) == 0;
	else if ((referer = http_header(req, "Referer")) != NULL)
		ok = strncmp(referer, own, len) == 0 && referer[len] == '/';
	free(own);
	return (ok);
}

static int
http_safe_method(int method)
{
	return (method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD ||
	    method == EVHTTP_REQ_OPTIONS);
}

/*
 * Who is asking, may they, and did the request come from our pages.
 * Answers and returns -1 when the request must go no further.
 */
static int
http_authorize(struct req *req)
{
	const struct route	*r = req->route;
	const char		*tok;

	if (api_auth_load_session(req) != 0)
		return (-1);
	if (r->roles != 0) {
		if (req->sess == NULL) {
			http_error(req, 401, NULL, NULL);
			return (-1);
		}
		if ((req->actor.role & r->roles) == 0) {
			http_error(req, 403, NULL, NULL);
			return (-1);
		}
	}
	if (http_safe_method(req->method))
		return (0);
	if (!http_same_origin(req)) {
		http_error(req, 403, "csrf", NULL);
		return (-1);
	}
	if (r->roles == 0)
		return (0);	/* a public write (login): Origin is enough */
	/* Our pages send the session's token with every write. */
	tok = http_header(req, "X-CSRF-Token");
	if (tok == NULL && (r->flags & ROUTE_CSRF_BODY) && req->sess != NULL) {
		req->csrf_in_body = 1;	/* a beacon: the handler checks */
		return (0);
	}
	if (http_csrf_check(req, tok) != 0) {
		http_error(req, 403, "csrf", NULL);
		return (-1);
	}
	return (0);
}

/* 0 when tok is the session's CSRF token (compared in constant time). */
int
http_csrf_check(struct req *req, const char *tok)
{
	if (req->sess == NULL || tok == NULL ||
	    strlen(tok) != strlen(req->sess->csrf) ||
	    CRYPTO_memcmp(tok, req->sess->csrf, strlen(tok)) != 0)
		return (-1);
	return (0);
}

const char *
http_peer(struct req *req)
{
	struct evhttp_connection	*evcon;
	char				*ip = NULL;
	ev_uint16_t			 port;

	evcon = evhttp_request_get_connection(req->ev);
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &ip, &port);
	return (ip != NULL ? ip : "-");
}

int
http_is_tls(struct req *req)
{
	return (server_tls(req->srv));
}

/* Answer a store read: 200 with its JSON, or 500 with the cause logged. */
void
http_reply_read(struct req *req, int rc, json_t *j, char *cause)
{
	if (rc != 0) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	http_reply_json(req, 200, j);
}

/* Answer a service error code (ERR_*) with its status and French cause. */
void
http_fail(struct req *req, int code, const char *cause)
{
	static const struct {
		int	 code;
		int	 status;
	} map[] = {
		{ ERR_INVALID, 422 }, { ERR_FORBIDDEN, 403 },
		{ ERR_NOT_FOUND, 404 }, { ERR_CONFLICT, 409 },
		{ ERR_GONE, 410 }, { ERR_UNAUTHORIZED, 401 },
		{ ERR_TOO_MANY, 429 },
	};
	size_t	 i;

	for (i = 0; i < nitems(map); i++) {
		if (map[i].code == code) {
			http_error(req, map[i].status, NULL, "%s",
			    cause != NULL ? cause : "");
			return;
		}
	}
	/* Internal causes are for the log, not for the user. */
	if (cause != NULL) {
		char *v = log_value(cause);
		log_error("event=internal_error id=%s error=%s", req->id, v);
		free(v);
	}
	http_error(req, 500, NULL, NULL);
}

/* The handler answers later (after the writer committed, say). */
void
http_hold(struct req *req)
{
	req->held = 1;
}

const char *
http_param(struct req *req, size_t i)
{
	return (i < req->nparams ? req->params[i] : NULL);
}


const char *
http_header(struct req *req, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(req->ev),
	    name));
}

void
http_set_header(struct req *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), name,
	    value);
}

static json_t	*http_body_parse(struct req *, char **);

static int
http_wants_json(struct req *req)
{
	const char	*accept;

	if (strncmp(req->path, "/api/", 5) == 0 ||
	    strcmp(req->path, "/healthz") == 0)
		return (1);
	accept = http_header(req, "Accept");
	return (accept != NULL && strstr(accept, "application/json") != NULL &&
	    strstr(accept, "text/html") == NULL);
}

static int
http_content_type_is(struct req *req, const char *type)
{
	const char	*ct;
	size_t		 len = strlen(type);

	if ((ct = http_header(req, "Content-Type")) == NULL)
		return (0);
	return (strncasecmp(ct, type, len) == 0 &&
	    (ct[len] == '\0' || ct[len] == ';' || ct[len] == ' '));
}

/* The body as a NUL-terminated string; NULL if it holds a NUL byte. */
static char *
http_body_string(struct req *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req->ev);
	size_t		 len = evbuffer_get_length(in);
	char		*s;

	s = xmalloc(len + 1);
	evbuffer_copyout(in, s, len);
	s[len] = '\0';
	if (strlen(s) != len) {
		free(s);
		return (NULL);
	}
	return (s);
}

json_t *
http_body_json(struct req *req, char **cause)
{
	if (!http_content_type_is(req, "application/json")) {
		xasprintf(cause, "Le contenu doit être de type "
		    "application/json.");
		return (NULL);
	}
	return (http_body_parse(req, cause));
}

/* navigator.sendBeacon() sends a string as text/plain: take JSON in that. */
json_t *
http_body_json_beacon(struct req *req, char **cause)
{
	if (!http_content_type_is(req, "application/json") &&
	    !http_content_type_is(req, "text/plain")) {
		xasprintf(cause, "Le contenu doit être de type "
		    "application/json ou text/plain.");
		return (NULL);
	}
	return (http_body_parse(req, cause));
}

static json_t *
http_body_parse(struct req *req, char **cause)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req->ev);
	json_error_t	 err;
	json_t		*j;
	size_t		 len;

	len = evbuffer_get_length(in);
	j = json_loadb((const char *)evbuffer_pullup(in, len), len,
	    JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		xasprintf(cause, "JSON invalide (ligne %d, colonne %d) : %s",
		    err.line, err.column, err.text);
		return (NULL);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		xasprintf(cause, "Un objet JSON est attendu.");
		return (NULL);
	}
	return (j);
}

int
http_body_form(struct req *req, struct evkeyvalq *out, char **cause)
{
	char	*s;

	TAILQ_INIT(out);
	if (!http_content_type_is(req, "application/x-www-form-urlencoded")) {
		xasprintf(cause, "Le formulaire doit être de type "
		    "application/x-www-form-urlencoded.");
		return (-1);
	}
	if ((s = http_body_string(req)) == NULL ||
	    evhttp_parse_query_str(s, out) != 0) {
		free(s);
		evhttp_clear_headers(out);
		xasprintf(cause, "Formulaire mal formé.");
		return (-1);
	}
	free(s);
	return (0);
}

char *
http_cookie_get(struct req *req, const char *name)
{
	const char	*h, *p, *end, *eq;
	size_t		 nlen = strlen(name);

	if ((h = http_header(req, "Cookie")) == NULL)
		return (NULL);
	for (p = h; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ';');
		eq = memchr(p, '=', end - p);
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    strncmp(p, name, nlen) == 0)
			return (xstrndup(eq + 1, end - eq - 1));
	}
	return (NULL);
}

/* max_age < 0 deletes the cookie; 0 makes it a session cookie. */
void
http_cookie_set(struct req *req, const char *name, const char *value,
    int max_age, int flags)
{
	char	*s, age[32] = "";

	if (max_age > 0)
		snprintf(age, sizeof age, "; Max-Age=%d", max_age);
	else if (max_age < 0)
		snprintf(age, sizeof age, "; Max-Age=0");
	xasprintf(&s, "%s=%s; Path=/; SameSite=Lax%s%s%s", name, value, age,
	    (flags & HTTP_COOKIE_HTTPONLY) ? "; HttpOnly" : "",
	    (flags & HTTP_COOKIE_SECURE) ? "; Secure" : "");
	http_set_header(req, "Set-Cookie", s);
	free(s);
}

static void
http_free_dump(const void *data, size_t len, void *arg)
{
	free(arg);
}

void
http_reply_json(struct req *req, int status, json_t *j)
{
	struct evbuffer	*buf;
	char		*s;

	/* NULL (a json_pack that failed on bad input) is a 500, not a crash. */
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL) {
		log_error("event=json_failed id=%s", req->id);
		s = xstrdup("{\"error\":{\"code\":\"internal\"}}");
		status = 500;
	}
	buf = evbuffer_new();
	evbuffer_add_reference(buf, s, strlen(s), http_free_dump, s);
	http_set_header(req, "Content-Type", "application/json");
	http_set_header(req, "Cache-Control", "no-store");
	http_send(req, status, buf);
	evbuffer_free(buf);
}


/*
 * Send size bytes of fd from offset; takes fd. libevent only uses sendfile
 * for a file added to the connection's own output buffer (a private
 * buffer maps the file instead, then copies it): so the headers go first
 * with the length, then the file straight into that buffer.
 */
void
http_reply_file(struct req *req, int status, const char *ctype, int fd,
    off_t offset, off_t size)
{
	struct evhttp_connection	*evcon;
	struct evkeyvalq		*h;
	struct evbuffer			*buf;
	struct evbuffer_iovec		 v;
	char				 len[32];

	evcon = evhttp_request_get_connection(req->ev);
	if (evcon != NULL && size > HTTP_SMALL_FILE &&
	    req->method != EVHTTP_REQ_HEAD && !http_is_tls(req)) {
		if (ctype != NULL)
			http_set_header(req, "Content-Type", ctype);
		h = http_prologue(req, status, (size_t)size);
		snprintf(len, sizeof len, "%lld", (long long)size);
		evhttp_add_header(h, "Content-Length", len);
		evhttp_send_reply_start(req->ev, status, NULL);
		buf = bufferevent_get_output(
		    evhttp_connection_get_bufferevent(evcon));
		evbuffer_add_file(buf, fd, offset, size);
		evhttp_send_reply_end(req->ev);
		http_epilogue(req);
		return;
	}
	/* Small files: one read, sent with the headers in one write. */
	buf = evbuffer_new();
	if (size > 0 && size <= HTTP_SMALL_FILE &&
	    evbuffer_reserve_space(buf, size, &v, 1) == 1 &&
	    pread(fd, v.iov_base, size, offset) == size) {
		v.iov_len = size;
		evbuffer_commit_space(buf, &v, 1);
		close(fd);
	} else if (size > 0)
		evbuffer_add_file(buf, fd, offset, size);
	else
		close(fd);
	if (ctype != NULL)
		http_set_header(req, "Content-Type", ctype);
	http_send(req, status, buf);
	evbuffer_free(buf);
}

void
http_reply_status(struct req *req, int status)
{
	http_send(req, status, NULL);
}

/* A body held in memory (an export): data is freed once sent. */
void
http_reply_data(struct req *req, int status, const char *ctype, char *data,
    size_t len)
{
	struct evbuffer	*buf = evbuffer_new();

	evbuffer_add_reference(buf, data, len, http_free_dump, data);
	http_set_header(req, "Content-Type", ctype);
	http_send(req, status, buf);
	evbuffer_free(buf);
}

static void
http_html_escape(struct evbuffer *buf, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			evbuffer_add(buf, "&lt;", 4);
			break;
		case '>':
			evbuffer_add(buf, "&gt;", 4);
			break;
		case '&':
			evbuffer_add(buf, "&amp;", 5);
			break;
		case '"':
			evbuffer_add(buf, "&quot;", 6);
			break;
		default:
			evbuffer_add(buf, s, 1);
			break;
		}
	}
}

/* The JSON body of an error, for handlers that add fields to it. */
json_t *
http_error_body(struct req *req, int status, const char *code,
    const char *detail)
{
	const struct http_error_text	*e = http_error_find(status, code);
	json_t				*j;

	j = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", e->code,
	    "message", e->fr, "request_id", req->id);
	if (detail != NULL)
		json_object_set_new(json_object_get(j, "error"), "detail",
		    json_string(detail));
	return (j);
}

/*
 * The one error path: a JSON object for the API, a small French page for
 * browsers. detail (French, may be NULL) says what exactly was wrong.
 */
void
http_error(struct req *req, int status, const char *code, const char *fmt,
    ...)
{
	const struct http_error_text	*e;
	struct evbuffer			*buf;
	va_list				 ap;
	char				*detail = NULL, *v;
	json_t				*j;

	e = http_error_find(status, code);
	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&detail, fmt, ap);
		va_end(ap);
	}
	if (status >= 500 && status != 503) {
		v = log_value(detail);
		log_warn("event=error id=%s status=%d code=%s detail=%s",
		    req->id, status, e->code, v);
		free(v);
	}
	if (http_wants_json(req)) {
		j = http_error_body(req, status, code, detail);
		free(detail);
		http_reply_json(req, status, j);
		return;
	}
	buf = evbuffer_new();
	evbuffer_add_printf(buf, "<!doctype html>\n<html lang=\"fr\"><head>"
	    "<meta charset=\"utf-8\"><title>Erreur %d — assidu</title>"
	    "<link rel=\"stylesheet\" href=\"/css/assidu.css\"></head>"
	    "<body><main class=\"error\"><h1>", status);
	http_html_escape(buf, e->fr);
	evbuffer_add_printf(buf, "</h1>");
	if (detail != NULL) {
		evbuffer_add_printf(buf, "<p>");
		http_html_escape(buf, detail);
		evbuffer_add_printf(buf, "</p>");
	}
	evbuffer_add_printf(buf, "<p class=\"muted\">Code %d, référence %s."
	    "</p><p><a href=\"/\">Retour à l'accueil</a></p></main></body>"
	    "</html>\n", status, req->id);
	free(detail);
	http_set_header(req, "Content-Type", "text/html; charset=utf-8");
	http_set_header(req, "Cache-Control", "no-store");
	http_send(req, status, buf);
	evbuffer_free(buf);
}

/*
 * The path's i-th parameter as a positive id; answers 404 with missing
 * and returns -1 when it is not one.
 */
int
http_param_id(struct req *req, size_t i, int64_t *id, const char *missing)
{
	const char	*s = http_param(req, i);
	char		*end;

	errno = 0;
	*id = s != NULL ? strtoll(s, &end, 10) : 0;
	if (s == NULL || errno != 0 || *s == '\0' || *end != '\0' ||
	    *id <= 0) {
		http_error(req, 404, NULL, "%s", missing);
		return (-1);
	}
	return (0);
}

/* Answer a service's result (ERR_*): 200 with out, or the error; frees. */
void
http_reply_result(struct req *req, int rc, json_t *out, char *cause)
{
	if (rc != ERR_OK) {
		json_decref(out);
		http_fail(req, rc, cause);
	} else
		http_reply_json(req, 200, out);
	free(cause);
}

/* The value of ?name= in the request's URI, allocated, or NULL. */
char *
http_query(struct req *req, const char *name)
{
	const struct evhttp_uri	*uri;
	struct evkeyvalq	 q;
	const char		*s, *v;
	char			*out = NULL;

	uri = evhttp_request_get_evhttp_uri(req->ev);
	if (uri == NULL || (s = evhttp_uri_get_query(uri)) == NULL)
		return (NULL);
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(s, &q) == 0 &&
	    (v = evhttp_find_header(&q, name)) != NULL)
		out = xstrdup(v);
	evhttp_clear_headers(&q);
	return (out);
}
