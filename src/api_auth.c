/*
 * Handlers of accounts and sessions. Slow work (scrypt) runs on the worker
 * pool, writes on the writer; a handler holds its request until the last
 * step answers it. The rules themselves live in auth.c, shared with the CLI.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "assidu.h"

#define API_TOUCH_MS	(60 * 1000)	/* last_seen precision */
#define API_NAME_MAX	200

/* Unscoped reads that no user asked for (invitations). */
static const struct actor api_system = { 0, ROLE_ADMIN, 0, "système" };

/* One request's way through the pool and the writer. */
struct api_job {
	struct req	*req;
	int64_t		 now;
	int64_t		 id;
	char		*email;
	char		*current;	/* current password, to check */
	char		*password;	/* cleared as soon as hashed */
	char		*hash;		/* new password hash */
	int		 ok;
	int		 flag;
	struct user	*user;
	struct session	*sess;
	uint8_t		 token_hash[SESSION_HASH_LEN];
	char		 token[AUTH_TOKEN_LEN + 1];
	json_t		*reply;
};

static struct api_job *
api_job_new(struct req *req)
{
	struct api_job	*j;

	j = xcalloc(1, sizeof *j);
	j->req = req;
	j->now = clock_now_ms();
	http_hold(req);
	return (j);
}

static void
api_job_free(struct api_job *j)
{
	if (j->password != NULL) {
		OPENSSL_cleanse(j->password, strlen(j->password));
		free(j->password);
	}
	if (j->current != NULL) {
		OPENSSL_cleanse(j->current, strlen(j->current));
		free(j->current);
	}
	free(j->email);
	free(j->hash);
	user_free(j->user);
	session_free(j->sess);
	json_decref(j->reply);
	OPENSSL_cleanse(j->token, sizeof j->token);
	free(j);
}

static int
api_cookie_flags(struct req *req)
{
	return (HTTP_COOKIE_HTTPONLY | (http_is_tls(req) ||
	    server_config(req->srv)->cookie_secure ? HTTP_COOKIE_SECURE : 0));
}

static void
api_clear_cookie(struct req *req)
{
	http_cookie_set(req, AUTH_COOKIE, "", -1, api_cookie_flags(req));
}

/* Reply with the job's JSON, or with the writer's error. */
static void
api_done_reply(void *arg, int error, const char *cause)
{
	struct api_job	*j = arg;

	if (error != 0)
		http_fail(j->req, error, cause);
	else {
		http_reply_json(j->req, j->flag != 0 ? j->flag : 200,
		    j->reply);
		j->reply = NULL;
	}
	api_job_free(j);
}

static json_t *
api_body(struct req *req)
{
	json_t	*body;
	char	*cause;

	if ((body = http_body_json(req, &cause)) == NULL) {
		http_error(req, 400, "bad_json", "%s", cause);
		free(cause);
	}
	return (body);
}

/* A required string field; answers 422 and returns NULL when missing. */
static const char *
api_string(struct req *req, json_t *body, const char *name, const char *fr)
{
	const char	*v = json_string_value(json_object_get(body, name));

	if (v == NULL || *v == '\0') {
		http_error(req, 422, NULL, "Le champ « %s » est requis.", fr);
		return (NULL);
	}
	return (v);
}

static int
api_name_ok(const char *name)
{
	const unsigned char	*p;

	if (strlen(name) > API_NAME_MAX)
		return (0);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
	}
	return (1);
}

/* Sessions. */

static int
api_touch_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;

	return (store_session_touch(db, j->token_hash, j->now, cause));
}

static void
api_touch_done(void *arg, int error, const char *cause)
{
	free(arg);
}

/*
 * Find the session of the request's cookie, if any, valid and not idle for
 * too long. Returns -1 only when it answered the request (internal error).
 */
int
api_auth_load_session(struct req *req)
{
	struct config	*cfg = server_config(req->srv);
	struct session	*s;
	struct api_job	*touch;
	uint8_t		 hash[SESSION_HASH_LEN];
	char		*tok, *cause;
	int64_t		 now;
	int		 rc;

	if ((tok = http_cookie_get(req, AUTH_COOKIE)) == NULL)
		return (0);
	rc = auth_token_hash(tok, hash);
	free(tok);
	if (rc != 0) {
		api_clear_cookie(req);
		return (0);
	}
	rc = store_session_get(server_db(req->srv), hash, &s, &cause);
	if (rc == -1) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return (-1);
	}
	now = clock_now_ms();
	if (rc == 0 || s->user->disabled || now >= s->expires_at ||
	    now - s->last_seen >= (int64_t)cfg->session_idle * 1000) {
		session_free(rc == 1 ? s : NULL);
		api_clear_cookie(req);
		return (0);
	}
	req->sess = s;
	user_actor(s->user, &req->actor);
	if (now - s->last_seen >= API_TOUCH_MS) {
		/* Not waited for: a lost touch costs a minute of idle time. */
		touch = xcalloc(1, sizeof *touch);
		memcpy(touch->token_hash, hash, sizeof hash);
		touch->now = now;
		writer_submit(server_writer(req->srv), api_touch_run,
		    api_touch_done, touch);
	}
	return (0);
}

static void
api_session_reply(struct api_job *j, int status)
{
	http_cookie_set(j->req, AUTH_COOKIE, j->token,
	    server_config(j->req->srv)->session_lifetime,
	    api_cookie_flags(j->req));
	http_reply_json(j->req, status, json_pack("{s:o,s:s}", "user",
	    user_json(j->sess->user), "csrf", j->sess->csrf));
}

static struct session *
api_session_for(struct req *req, struct user *u, int64_t now)
{
	struct session	*s;
	const char	*ua = http_header(req, "User-Agent");

	s = xcalloc(1, sizeof *s);
	s->user = u;
	s->created_at = now;
	s->ip = xstrdup(http_peer(req));
	s->user_agent = ua != NULL ? xstrndup(ua, 200) : NULL;
	return (s);
}

/* Login: throttle, scrypt on the pool, then session or failure on the
 * writer. */

static void
api_login_hash(void *arg)
{
	struct api_job	*j = arg;
	struct config	*cfg = server_config(j->req->srv);
	char		*dummy = NULL, *cause = NULL;

	if (j->user != NULL && !j->user->disabled &&
	    j->user->password_hash != NULL)
		j->ok = auth_password_verify(j->password,
		    j->user->password_hash);
	else {
		/* Same work for unknown accounts: no timing oracle. */
		auth_password_hash(j->password, cfg->scrypt_log2n, &dummy,
		    &cause);
		free(dummy);
		free(cause);
		j->ok = 0;
	}
	OPENSSL_cleanse(j->password, strlen(j->password));
}

static int
api_login_open_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;

	if (auth_throttle_clear(db, j->email, cause) != 0)
		return (ERR_INTERNAL);
	return (auth_session_open(db, j->sess,
	    (int64_t)server_config(j->req->srv)->session_lifetime * 1000,
	    "password", j->token, cause));
}

static void
api_login_open_done(void *arg, int error, const char *cause)
{
	struct api_job	*j = arg;

	if (error != 0)
		http_fail(j->req, error, cause);
	else
		api_session_reply(j, 200);
	api_job_free(j);
}

static int
api_login_fail_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;

	return (auth_throttle_fail(db, j->email, http_peer(j->req), j->now,
	    cause) == 0 ? ERR_OK : ERR_INTERNAL);
}

static void
api_login_fail_done(void *arg, int error, const char *cause)
{
	struct api_job	*j = arg;

	if (error != 0)
		http_fail(j->req, error, cause);
	else
		http_error(j->req, 401, NULL, "Adresse e-mail ou mot de passe "
		    "incorrect.");
	api_job_free(j);
}

static void
api_login_hashed(void *arg)
{
	struct api_job	*j = arg;
	struct writer	*w = server_writer(j->req->srv);

	if (j->ok) {
		j->sess = api_session_for(j->req, j->user, j->now);
		j->user = NULL;
		writer_submit(w, api_login_open_run, api_login_open_done, j);
	} else {
		log_info("event=login_failed id=%s user=%lld", j->req->id,
		    (long long)(j->user != NULL ? j->user->id : 0));
		writer_submit(w, api_login_fail_run, api_login_fail_done, j);
	}
}

void
api_auth_login(struct req *req)
{
	struct api_job	*j;
	struct user	*u = NULL;
	json_t		*body;
	const char	*email, *password;
	char		*cause, retry[32];
	int64_t		 now = clock_now_ms(), wait_ms;
	int		 rc;

	if ((body = api_body(req)) == NULL)
		return;
	if ((email = api_string(req, body, "email", "e-mail")) == NULL ||
	    (password = api_string(req, body, "password",
	    "mot de passe")) == NULL) {
		json_decref(body);
		return;
	}
	rc = auth_throttle_check(server_db(req->srv), email, http_peer(req),
	    now, &wait_ms, &cause);
	if (rc == 0)
		rc = store_user_by_email(server_db(req->srv), email, &u,
		    &cause) == -1 ? -1 : 0;
	if (rc == -1) {
		json_decref(body);
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return;
	}
	if (rc == 1) {
		json_decref(body);
		snprintf(retry, sizeof retry, "%lld",
		    (long long)((wait_ms + 999) / 1000));
		http_set_header(req, "Retry-After", retry);
		http_error(req, 429, NULL, "Trop de tentatives de connexion : "
		    "réessayez dans %s s.", retry);
		return;
	}
	j = api_job_new(req);
	j->email = xstrdup(email);
	j->password = xstrdup(password);
	j->user = u;
	json_decref(body);
	pool_submit(server_pool(req->srv), api_login_hash, api_login_hashed,
	    j);
}

static int
api_logout_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;
	int		 n;

	if (auth_session_close(db, &j->req->actor, j->req->sess->token_hash,
	    j->flag, &n, cause) != ERR_OK)
		return (ERR_INTERNAL);
	j->reply = json_pack("{s:i}", "sessions_closed", n);
	return (ERR_OK);
}

static void
api_logout_done(void *arg, int error, const char *cause)
{
	struct api_job	*j = arg;

	if (error == 0)
		api_clear_cookie(j->req);
	j->flag = 0;
	api_done_reply(j, error, cause);
}

void
api_auth_logout(struct req *req)
{
	struct api_job	*j;
	json_t		*body;
	int		 all = 0;

	/* An empty body is a plain logout. */
	if (http_header(req, "Content-Type") != NULL) {
		if ((body = api_body(req)) == NULL)
			return;
		all = json_is_true(json_object_get(body, "all"));
		json_decref(body);
	}
	j = api_job_new(req);
	j->flag = all;
	writer_submit(server_writer(req->srv), api_logout_run, api_logout_done,
	    j);
}

void
api_auth_me(struct req *req)
{
	http_reply_json(req, 200, json_pack("{s:o,s:s}", "user",
	    user_json(req->sess->user), "csrf", req->sess->csrf));
}

/* Changing one's own password: check the current one, hash the new one. */

static void
api_me_password_hash(void *arg)
{
	struct api_job	*j = arg;
	char		*cause = NULL;

	j->ok = auth_password_verify(j->current, j->user->password_hash);
	OPENSSL_cleanse(j->current, strlen(j->current));
	if (j->ok && auth_password_hash(j->password,
	    server_config(j->req->srv)->scrypt_log2n, &j->hash, &cause) != 0)
		j->ok = 0;
	free(cause);
	OPENSSL_cleanse(j->password, strlen(j->password));
}

static int
api_password_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;

	j->reply = json_object();
	return (auth_user_set_password(db, &j->req->actor, j->id, j->hash,
	    j->req->sess->token_hash, j->now, cause));
}

static void
api_me_password_hashed(void *arg)
{
	struct api_job	*j = arg;

	if (!j->ok) {
		http_error(j->req, 403, NULL, "Le mot de passe actuel est "
		    "incorrect.");
		api_job_free(j);
		return;
	}
	writer_submit(server_writer(j->req->srv), api_password_run,
	    api_done_reply, j);
}

void
api_auth_me_password(struct req *req)
{
	struct api_job	*j;
	json_t		*body;
	const char	*cur, *pw;
	char		*cause;

	if ((body = api_body(req)) == NULL)
		return;
	if ((cur = api_string(req, body, "current",
	    "mot de passe actuel")) == NULL ||
	    (pw = api_string(req, body, "password",
	    "nouveau mot de passe")) == NULL) {
		json_decref(body);
		return;
	}
	if (auth_password_check(pw, req->sess->user->email, &cause) != 0) {
		json_decref(body);
		http_error(req, 422, NULL, "%s", cause);
		free(cause);
		return;
	}
	if (req->sess->user->password_hash == NULL) {
		json_decref(body);
		http_error(req, 403, NULL, "Le mot de passe actuel est "
		    "incorrect.");
		return;
	}
	j = api_job_new(req);
	j->id = req->actor.id;
	j->current = xstrdup(cur);
	j->password = xstrdup(pw);
	j->user = xcalloc(1, sizeof *j->user);
	j->user->password_hash = xstrdup(req->sess->user->password_hash);
	json_decref(body);
	pool_submit(server_pool(req->srv), api_me_password_hash,
	    api_me_password_hashed, j);
}

void
api_auth_opcas(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_opca_list(server_db(req->srv), &list, &cause);
	http_reply_read(req, rc, list, cause);
}

/* Users. */

void
api_auth_users(struct req *req)
{
	json_t	*list = NULL;
	char	*cause = NULL;
	int	 rc;

	rc = store_user_list(server_db(req->srv), &req->actor, &list, &cause);
	http_reply_read(req, rc, list, cause);
}

void
api_auth_user_get(struct req *req)
{
	struct user	*u;
	int64_t		 id;
	char		*cause;
	int		 rc;

	if (http_param_id(req, 0, &id, "Compte introuvable.") != 0)
		return;
	rc = store_user_by_id(server_db(req->srv), &req->actor, id, &u,
	    &cause);
	if (rc == -1) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
	} else if (rc == 0)
		http_error(req, 404, NULL, "Compte introuvable.");
	else {
		http_reply_json(req, 200, user_json(u));
		user_free(u);
	}
}

/* Reply with the account as it is after the job's change. */
static int
api_user_reply(struct db *db, struct api_job *j, char **cause)
{
	struct user	*u;
	int		 rc;

	rc = store_user_by_id(db, &j->req->actor, j->id, &u, cause);
	if (rc != 1)
		return (ERR_INTERNAL);
	j->reply = user_json(u);
	user_free(u);
	return (ERR_OK);
}

static int
api_user_create_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;
	int		 rc;

	rc = auth_user_create(db, &j->req->actor, j->user, j->hash, j->now,
	    cause);
	if (rc != ERR_OK)
		return (rc);
	j->id = j->user->id;
	return (api_user_reply(db, j, cause));
}

static void
api_user_create_hashed(void *arg)
{
	struct api_job	*j = arg;

	if (j->password != NULL && j->hash == NULL) {
		http_fail(j->req, ERR_INTERNAL, "password hashing failed");
		api_job_free(j);
		return;
	}
	writer_submit(server_writer(j->req->srv), api_user_create_run,
	    api_done_reply, j);
}

static void
api_hash_password(void *arg)
{
	struct api_job	*j = arg;
	char		*cause = NULL;

	if (auth_password_hash(j->password,
	    server_config(j->req->srv)->scrypt_log2n, &j->hash, &cause) != 0)
		log_error("event=hash_failed error=%s", cause);
	free(cause);
	OPENSSL_cleanse(j->password, strlen(j->password));
}

void
api_auth_user_create(struct req *req)
{
	struct api_job	*j;
	struct user	*u;
	json_t		*body;
	const char	*email, *name, *role, *opca, *pw;
	char		*cause;

	if ((body = api_body(req)) == NULL)
		return;
	if ((email = api_string(req, body, "email", "e-mail")) == NULL ||
	    (name = api_string(req, body, "name", "nom")) == NULL ||
	    (role = api_string(req, body, "role", "rôle")) == NULL)
		goto out;
	opca = json_string_value(json_object_get(body, "opca"));
	pw = json_string_value(json_object_get(body, "password"));
	if (auth_email_check(email, &cause) != 0 ||
	    (pw != NULL && *pw != '\0' &&
	    auth_password_check(pw, email, &cause) != 0)) {
		http_error(req, 422, NULL, "%s", cause);
		free(cause);
		goto out;
	}
	if (!api_name_ok(name)) {
		http_error(req, 422, NULL, "Le nom ne doit pas dépasser %d "
		    "caractères ni contenir de caractère de contrôle.",
		    API_NAME_MAX);
		goto out;
	}
	if (role_parse(role) == ROLE_NONE) {
		http_error(req, 422, NULL, "Rôle inconnu : « %s ».", role);
		goto out;
	}
	j = api_job_new(req);
	j->flag = 201;
	u = j->user = xcalloc(1, sizeof *u);
	u->email = xstrdup(email);
	u->name = xstrdup(name);
	u->role = role_parse(role);
	u->opca = opca != NULL ? xstrdup(opca) : NULL;
	if (pw != NULL && *pw != '\0') {
		j->password = xstrdup(pw);
		pool_submit(server_pool(req->srv), api_hash_password,
		    api_user_create_hashed, j);
	} else
		api_user_create_hashed(j);
out:
	json_decref(body);
}

static int
api_user_disable_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;
	int		 rc;

	rc = auth_user_set_disabled(db, &j->req->actor, j->id, j->ok, j->now,
	    cause);
	return (rc != ERR_OK ? rc : api_user_reply(db, j, cause));
}

void
api_auth_user_disable(struct req *req)
{
	struct api_job	*j;
	json_t		*body, *v;
	int64_t		 id;

	if (http_param_id(req, 0, &id, "Compte introuvable.") != 0 ||
	    (body = api_body(req)) == NULL)
		return;
	v = json_object_get(body, "disabled");
	if (!json_is_boolean(v)) {
		json_decref(body);
		http_error(req, 422, NULL, "Le champ « disabled » doit valoir "
		    "true ou false.");
		return;
	}
	j = api_job_new(req);
	j->id = id;
	j->ok = json_is_true(v);
	json_decref(body);
	writer_submit(server_writer(req->srv), api_user_disable_run,
	    api_done_reply, j);
}

static void
api_user_password_hashed(void *arg)
{
	struct api_job	*j = arg;

	if (j->hash == NULL) {
		http_fail(j->req, ERR_INTERNAL, "password hashing failed");
		api_job_free(j);
		return;
	}
	writer_submit(server_writer(j->req->srv), api_password_run,
	    api_done_reply, j);
}

/* An administrator sets someone's password. */
void
api_auth_user_password(struct req *req)
{
	struct api_job	*j;
	struct user	*u;
	json_t		*body;
	const char	*pw;
	char		*cause;
	int64_t		 id;
	int		 rc;

	if (http_param_id(req, 0, &id, "Compte introuvable.") != 0 ||
	    (body = api_body(req)) == NULL)
		return;
	if ((pw = api_string(req, body, "password", "mot de passe")) == NULL) {
		json_decref(body);
		return;
	}
	rc = store_user_by_id(server_db(req->srv), &req->actor, id, &u,
	    &cause);
	if (rc != 1) {
		json_decref(body);
		if (rc == -1)
			http_fail(req, ERR_INTERNAL, cause);
		else
			http_error(req, 404, NULL, "Compte introuvable.");
		free(rc == -1 ? cause : NULL);
		return;
	}
	rc = auth_password_check(pw, u->email, &cause);
	user_free(u);
	if (rc != 0) {
		json_decref(body);
		http_error(req, 422, NULL, "%s", cause);
		free(cause);
		return;
	}
	j = api_job_new(req);
	j->id = id;
	j->password = xstrdup(pw);
	json_decref(body);
	pool_submit(server_pool(req->srv), api_hash_password,
	    api_user_password_hashed, j);
}

static int
api_invite_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;
	char		*origin, *url;
	int		 rc;

	rc = auth_invitation_create(db, &j->req->actor, j->id, j->now,
	    j->token, cause);
	if (rc != ERR_OK)
		return (rc);
	origin = http_origin(j->req);
	/* The token travels in the fragment: never sent back to servers. */
	xasprintf(&url, "%s/invitation.html#%s", origin != NULL ? origin : "",
	    j->token);
	j->reply = json_pack("{s:s,s:I}", "url", url, "expires_at",
	    (json_int_t)(j->now + AUTH_INVITATION_TTL));
	free(url);
	free(origin);
	return (ERR_OK);
}

void
api_auth_user_invite(struct req *req)
{
	struct api_job	*j;
	int64_t		 id;

	if (http_param_id(req, 0, &id, "Compte introuvable.") != 0)
		return;
	j = api_job_new(req);
	j->id = id;
	j->flag = 201;
	writer_submit(server_writer(req->srv), api_invite_run, api_done_reply,
	    j);
}

/* Invitations, from the link's page (no session yet). */

static int
api_invitation_find(struct req *req, json_t *body, uint8_t *hash,
    struct user **u)
{
	const char	*token, *why = NULL;
	char		*cause;
	int64_t		 uid;
	int		 rc;

	if ((token = api_string(req, body, "token", "jeton")) == NULL)
		return (-1);
	if (auth_token_hash(token, hash) != 0) {
		http_error(req, 404, NULL, "Ce lien d'invitation est inconnu.");
		return (-1);
	}
	rc = store_invitation_get(server_db(req->srv), hash, clock_now_ms(),
	    &uid, &why, &cause);
	if (rc == 1)
		rc = store_user_by_id(server_db(req->srv), &api_system, uid, u,
		    &cause);
	if (rc == -1) {
		http_fail(req, ERR_INTERNAL, cause);
		free(cause);
		return (-1);
	}
	if (rc == 0) {
		if (why != NULL && strstr(why, "inconnu") == NULL)
			http_error(req, 410, NULL, "%s", why);
		else
			http_error(req, 404, NULL, "%s", why != NULL ? why :
			    "Compte introuvable.");
		return (-1);
	}
	if ((*u)->disabled) {
		user_free(*u);
		http_error(req, 410, NULL, "Ce compte est désactivé.");
		return (-1);
	}
	return (0);
}

void
api_auth_invitation_check(struct req *req)
{
	struct user	*u;
	uint8_t		 hash[SESSION_HASH_LEN];
	json_t		*body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_invitation_find(req, body, hash, &u) == 0) {
		http_reply_json(req, 200, json_pack("{s:s,s:s}", "name",
		    u->name, "email", u->email));
		user_free(u);
	}
	json_decref(body);
}

static int
api_accept_run(struct db *db, void *arg, char **cause)
{
	struct api_job	*j = arg;
	int64_t		 uid;
	int		 rc;

	rc = auth_invitation_accept(db, j->token_hash, j->hash, j->now, &uid,
	    cause);
	if (rc != ERR_OK)
		return (rc);
	/* The account as it is now, with its new password. */
	user_free(j->sess->user);
	if (store_user_by_id(db, &api_system, uid, &j->sess->user, cause) != 1)
		return (ERR_INTERNAL);
	return (auth_session_open(db, j->sess,
	    (int64_t)server_config(j->req->srv)->session_lifetime * 1000,
	    "invitation", j->token, cause));
}

static void
api_accept_hashed(void *arg)
{
	struct api_job	*j = arg;

	if (j->hash == NULL) {
		http_fail(j->req, ERR_INTERNAL, "password hashing failed");
		api_job_free(j);
		return;
	}
	writer_submit(server_writer(j->req->srv), api_accept_run,
	    api_login_open_done, j);
}

void
api_auth_invitation_accept(struct req *req)
{
	struct api_job	*j;
	struct user	*u;
	uint8_t		 hash[SESSION_HASH_LEN];
	json_t		*body;
	const char	*pw;
	char		*cause;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_invitation_find(req, body, hash, &u) != 0) {
		json_decref(body);
		return;
	}
	if ((pw = api_string(req, body, "password", "mot de passe")) == NULL ||
	    auth_password_check(pw, u->email, &cause) != 0) {
		if (pw != NULL) {
			http_error(req, 422, NULL, "%s", cause);
			free(cause);
		}
		user_free(u);
		json_decref(body);
		return;
	}
	j = api_job_new(req);
	memcpy(j->token_hash, hash, sizeof hash);
	j->password = xstrdup(pw);
	j->sess = api_session_for(req, u, j->now);
	json_decref(body);
	pool_submit(server_pool(req->srv), api_hash_password,
	    api_accept_hashed, j);
}
