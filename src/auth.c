/*
 * Accounts and sessions: password hashing (scrypt), the password policy,
 * random tokens, login throttling, and the account changes that the CLI and
 * the HTTP handlers share. Every change appends an audit row in the same
 * transaction.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "assidu.h"

#define AUTH_SALT_LEN		16
#define AUTH_KEY_LEN		32
#define AUTH_MIN_PASSWORD	12
#define AUTH_MAX_PASSWORD	256

/* Throttling: failures before a lock, first lock, longest lock, memory. */
#define AUTH_ACCOUNT_FAILURES	5
#define AUTH_IP_FAILURES	20
#define AUTH_LOCK_MS		(30 * 1000LL)
#define AUTH_LOCK_MAX_MS	(15 * 60 * 1000LL)
#define AUTH_FORGET_MS		(60 * 60 * 1000LL)

/* Passwords people pick first; refused whatever their length. */
static const char *auth_common[] = {
	"123456789012", "1234567890123", "12345678901234", "azertyuiop12",
	"azertyuiopqsdf", "qwertyuiop12", "qwertyuiopasdf", "motdepasse12",
	"motdepasse123", "motdepasse1234", "password1234", "password12345",
	"passwordpassword", "iloveyou1234", "jetaime123456", "soleil123456",
	"bonjour123456", "doudou123456", "chouchou1234", "marseille1234",
	"football1234", "nicolas12345", "changeme1234", "welcome12345",
	"administrator", "administrateur", "aaaaaaaaaaaa", "abcdefghijkl",
	"abc123abc123", "000000000000", "111111111111", "azerty123456",
	"qwerty123456", "formation2026", "formation123", "assidu123456",
	"motdepasse!!", "password!!!!", "0123456789ab", "1q2w3e4r5t6y",
};

static void
auth_b64(const unsigned char *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int
auth_unb64(const char *in, unsigned char *out, size_t want)
{
	unsigned char	 buf[128];
	size_t		 len = strlen(in);
	int		 n;

	if (len == 0 || len > 4 * ((sizeof buf) / 3))
		return (-1);
	n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len);
	if (n < 0)
		return (-1);
	/* EVP_DecodeBlock counts padding bytes as data. */
	while (len > 0 && in[len - 1] == '=') {
		len--;
		n--;
	}
	if ((size_t)n != want)
		return (-1);
	memcpy(out, buf, want);
	return (0);
}

static int
auth_scrypt(const char *pw, const unsigned char *salt, uint64_t n,
    uint32_t r, uint32_t p, unsigned char *key)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 params[6], *q = params;
	int		 rc;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return (-1);
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return (-1);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pw, strlen(pw));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, AUTH_SALT_LEN);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(ctx, key, AUTH_KEY_LEN, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(ctx);
	return (rc);
}

/* "scrypt$LOG2N$R$P$SALT$KEY", salt and key in base64. Slow: not on the
 * event thread. */
int
auth_password_hash(const char *pw, int log2n, char **out, char **cause)
{
	unsigned char	 salt[AUTH_SALT_LEN], key[AUTH_KEY_LEN];
	char		 s64[32], k64[48];

	if (log2n < 10 || log2n > 20) {
		xasprintf(cause, "scrypt_log2n %d out of range", log2n);
		return (-1);
	}
	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    auth_scrypt(pw, salt, 1ULL << log2n, 8, 1, key) != 0) {
		xasprintf(cause, "scrypt failed");
		return (-1);
	}
	auth_b64(salt, sizeof salt, s64);
	auth_b64(key, sizeof key, k64);
	xasprintf(out, "scrypt$%d$8$1$%s$%s", log2n, s64, k64);
	OPENSSL_cleanse(key, sizeof key);
	return (0);
}

/* 1 when pw matches, 0 when not (or the stored hash is malformed). */
int
auth_password_verify(const char *pw, const char *stored)
{
	unsigned char	 salt[AUTH_SALT_LEN], want[AUTH_KEY_LEN];
	unsigned char	 got[AUTH_KEY_LEN];
	char		 s64[64], k64[64];
	unsigned int	 log2n, r, p;
	int		 ok;

	if (stored == NULL || sscanf(stored, "scrypt$%u$%u$%u$%63[^$]$%63s",
	    &log2n, &r, &p, s64, k64) != 5)
		return (0);
	if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16)
		return (0);
	if (auth_unb64(s64, salt, sizeof salt) != 0 ||
	    auth_unb64(k64, want, sizeof want) != 0)
		return (0);
	if (auth_scrypt(pw, salt, 1ULL << log2n, r, p, got) != 0)
		return (0);
	ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return (ok);
}

/* The password policy; *cause is a French sentence for the user. */
int
auth_password_check(const char *pw, const char *email, char **cause)
{
	char	 local[128];
	size_t	 i, len = strlen(pw), llen;
	int	 same = 1;

	if (len < AUTH_MIN_PASSWORD) {
		xasprintf(cause, "Le mot de passe doit contenir au moins %d "
		    "caractères.", AUTH_MIN_PASSWORD);
		return (-1);
	}
	if (len > AUTH_MAX_PASSWORD) {
		xasprintf(cause, "Le mot de passe ne doit pas dépasser %d "
		    "caractères.", AUTH_MAX_PASSWORD);
		return (-1);
	}
	for (i = 1; i < len; i++)
		same &= pw[i] == pw[0];
	for (i = 0; i < nitems(auth_common) && !same; i++) {
		if (strcasecmp(pw, auth_common[i]) == 0)
			same = 1;
	}
	if (same) {
		xasprintf(cause, "Ce mot de passe est trop courant : "
		    "choisissez-en un autre.");
		return (-1);
	}
	if (email != NULL) {
		llen = strcspn(email, "@");
		if (llen >= 4 && llen < sizeof local) {
			memcpy(local, email, llen);
			local[llen] = '\0';
			if (strcasestr(pw, local) != NULL) {
				xasprintf(cause, "Le mot de passe ne doit pas "
				    "contenir votre adresse e-mail.");
				return (-1);
			}
		}
	}
	return (0);
}

int
auth_email_check(const char *email, char **cause)
{
	const char	*at, *p;
	size_t		 len = strlen(email);

	at = strchr(email, '@');
	if (len < 3 || len > 254 || at == NULL || at == email ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    at[1] == '.' || email[len - 1] == '.')
		goto bad;
	for (p = email; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' ||
		    *p == '>' || *p == '"' || *p == ',' || *p == ';')
			goto bad;
	}
	return (0);
bad:
	xasprintf(cause, "L'adresse e-mail « %s » n'est pas valide.", email);
	return (-1);
}

/* A random unpadded base64url string of len characters. */
void
auth_random_string(char *out, size_t len)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		 b[64];
	size_t			 i;

	if (len > sizeof b || RAND_bytes(b, (int)len) != 1)
		fatalx("auth_random_string: RAND_bytes failed");
	for (i = 0; i < len; i++)
		out[i] = abc[b[i] & 63];	/* 64 symbols: no bias */
	out[len] = '\0';
}

/* 256 random bits as 43 characters, and the SHA-256 that is stored. */
void
auth_token_new(char *token, uint8_t *hash)
{
	auth_random_string(token, AUTH_TOKEN_LEN);
	auth_token_hash(token, hash);
}

int
auth_token_hash(const char *token, uint8_t *hash)
{
	unsigned int	 len;

	if (strlen(token) != AUTH_TOKEN_LEN)
		return (-1);
	EVP_Digest(token, AUTH_TOKEN_LEN, hash, &len, EVP_sha256(), NULL);
	return (0);
}

static void
auth_throttle_keys(const char *email, const char *ip, char **acct, char **addr)
{
	char	*p;

	xasprintf(acct, "acct:%s", email != NULL ? email : "");
	for (p = *acct; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	xasprintf(addr, "ip:%s", ip != NULL ? ip : "-");
}

/* 1 with *retry_ms when the account or the address is locked now. */
int
auth_throttle_check(struct db *db, const char *email, const char *ip,
    int64_t now, int64_t *retry_ms, char **cause)
{
	char	*keys[2];
	int	 i, failures, rc = 0;
	int64_t	 last, until;

	*retry_ms = 0;
	auth_throttle_keys(email, ip, &keys[0], &keys[1]);
	for (i = 0; i < 2 && rc == 0; i++) {
		if (store_failure_get(db, keys[i], &failures, &last, &until,
		    cause) != 0)
			rc = -1;
		else if (until > now && until - now > *retry_ms)
			*retry_ms = until - now;
	}
	free(keys[0]);
	free(keys[1]);
	if (rc != 0)
		return (-1);
	return (*retry_ms > 0);
}

/* Count a failure against both keys; lock with doubling back-off. */
int
auth_throttle_fail(struct db *db, const char *email, const char *ip,
    int64_t now, char **cause)
{
	static const int	 limits[2] = { AUTH_ACCOUNT_FAILURES,
				    AUTH_IP_FAILURES };
	char			*keys[2], *v;
	int			 i, failures, rc = 0, over;
	int64_t			 last, until, lock;

	auth_throttle_keys(email, ip, &keys[0], &keys[1]);
	for (i = 0; i < 2 && rc == 0; i++) {
		if (store_failure_get(db, keys[i], &failures, &last, &until,
		    cause) != 0) {
			rc = -1;
			break;
		}
		if (last < now - AUTH_FORGET_MS)
			failures = 0;
		failures++;
		until = 0;
		if ((over = failures - limits[i]) >= 0) {
			lock = AUTH_LOCK_MS << (over > 10 ? 10 : over);
			until = now + (lock < AUTH_LOCK_MAX_MS ? lock :
			    AUTH_LOCK_MAX_MS);
			v = log_value(keys[i]);
			log_warn("event=login_locked key=%s failures=%d "
			    "seconds=%lld", v, failures,
			    (long long)((until - now) / 1000));
			free(v);
		}
		rc = store_failure_put(db, keys[i], failures, now, until,
		    cause);
	}
	free(keys[0]);
	free(keys[1]);
	return (rc);
}

int
auth_throttle_clear(struct db *db, const char *email, char **cause)
{
	char	*acct, *addr;
	int	 rc;

	auth_throttle_keys(email, NULL, &acct, &addr);
	rc = store_failure_clear(db, acct, cause);
	free(acct);
	free(addr);
	return (rc);
}

static char *
auth_object(int64_t id)
{
	char	*s;

	xasprintf(&s, "user:%lld", (long long)id);
	return (s);
}

/*
 * Create an account. Admins create any role; advisers create learners of
 * their own OPCA; nobody else creates accounts. u->opca names the OPCA by
 * code; u->id is set on success. Returns ERR_*.
 */
int
auth_user_create(struct db *db, const struct actor *a, struct user *u,
    const char *password_hash, int64_t now, char **cause)
{
	char	*obj;
	int	 rc;

	if (a->role == ROLE_ADVISER) {
		if (u->role != ROLE_LEARNER)
			return (xfail(cause, ERR_FORBIDDEN, "Un conseiller "
			    "ne peut créer que des comptes d'apprenants."));
		u->opca_id = a->opca_id;
	} else if (a->role != ROLE_ADMIN)
		return (xfail(cause, ERR_FORBIDDEN,
		    "Vous ne pouvez pas créer de compte."));
	else if (u->role == ROLE_LEARNER || u->role == ROLE_ADVISER) {
		if (u->opca == NULL || *u->opca == '\0')
			return (xfail(cause, ERR_INVALID, "Indiquez l'OPCA "
			    "de ce compte."));
		rc = store_opca_by_code(db, u->opca, &u->opca_id, cause);
		if (rc == -1)
			return (ERR_INTERNAL);
		if (rc == 0)
			return (xfail(cause, ERR_INVALID,
			    "OPCA inconnu : « %s ».", u->opca));
	} else if (u->role == ROLE_FUNDER || u->role == ROLE_ADMIN)
		u->opca_id = 0;
	else
		return (xfail(cause, ERR_INVALID, "Rôle inconnu."));

	rc = store_user_insert(db, u, password_hash, now, &u->id, cause);
	if (rc == -2)
		return (xfail(cause, ERR_CONFLICT, "Un compte existe déjà "
		    "pour l'adresse %s.", u->email));
	if (rc != 0)
		return (ERR_INTERNAL);
	obj = auth_object(u->id);
	rc = audit_append(db, a, "user.create", obj, json_pack(
	    "{s:s,s:s,s:s,s:I,s:b}", "email", u->email, "name", u->name,
	    "role", role_name(u->role), "opca_id", (json_int_t)u->opca_id,
	    "password_set", password_hash != NULL), now, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/* The target as the actor sees it; ERR_NOT_FOUND outside their scope. */
static int
auth_target(struct db *db, const struct actor *a, int64_t id,
    struct user **u, char **cause)
{
	int	 rc;

	rc = store_user_by_id(db, a, id, u, cause);
	if (rc == -1)
		return (ERR_INTERNAL);
	if (rc == 0)
		return (xfail(cause, ERR_NOT_FOUND, "Compte introuvable."));
	return (ERR_OK);
}

/*
 * Admins reset anyone's password, users their own. Every other session of
 * the account closes: all of them on a reset, all but keep (the session
 * that made the change, or NULL) on one's own change.
 */
int
auth_user_set_password(struct db *db, const struct actor *a, int64_t id,
    const char *hash, const uint8_t *keep, int64_t now, char **cause)
{
	struct user	*u;
	char		*obj;
	int		 rc, n = 0;

	if (a->role != ROLE_ADMIN && a->id != id)
		return (xfail(cause, ERR_FORBIDDEN, "Vous ne pouvez pas "
		    "changer le mot de passe de ce compte."));
	if ((rc = auth_target(db, a, id, &u, cause)) != ERR_OK)
		return (rc);
	user_free(u);
	if (store_user_set_password(db, id, hash, now, cause) != 0)
		return (ERR_INTERNAL);
	if (store_session_delete_user(db, id, a->id == id ? keep : NULL, &n,
	    cause) != 0)
		return (ERR_INTERNAL);
	obj = auth_object(id);
	rc = audit_append(db, a, "user.password", obj, json_pack("{s:i}",
	    "sessions_closed", n), now, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

int
auth_user_set_disabled(struct db *db, const struct actor *a, int64_t id,
    int disabled, int64_t now, char **cause)
{
	struct user	*u;
	char		*obj;
	int		 rc, n = 0;

	if (a->role != ROLE_ADMIN)
		return (xfail(cause, ERR_FORBIDDEN, "Seule "
		    "l'administration peut désactiver un compte."));
	if (a->id == id)
		return (xfail(cause, ERR_INVALID, "Vous ne pouvez pas "
		    "désactiver votre propre compte."));
	if ((rc = auth_target(db, a, id, &u, cause)) != ERR_OK)
		return (rc);
	user_free(u);
	if (store_user_set_disabled(db, id, disabled != 0, now, cause) != 0)
		return (ERR_INTERNAL);
	if (disabled &&
	    store_session_delete_user(db, id, NULL, &n, cause) != 0)
		return (ERR_INTERNAL);
	obj = auth_object(id);
	rc = audit_append(db, a, disabled ? "user.disable" : "user.enable",
	    obj, json_pack("{s:i}", "sessions_closed", n), now, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/*
 * An invitation (or password reset) link for an account the actor manages:
 * admins for anyone, advisers for the learners of their OPCA. token gets
 * AUTH_TOKEN_LEN + 1 bytes; only its hash is stored.
 */
int
auth_invitation_create(struct db *db, const struct actor *a, int64_t id,
    int64_t now, char *token, char **cause)
{
	struct user	*u;
	uint8_t		 hash[SESSION_HASH_LEN];
	char		*obj;
	int		 rc;

	if (a->role != ROLE_ADMIN && a->role != ROLE_ADVISER)
		return (xfail(cause, ERR_FORBIDDEN, "Vous ne pouvez pas "
		    "inviter de compte."));
	if ((rc = auth_target(db, a, id, &u, cause)) != ERR_OK)
		return (rc);
	rc = (a->role == ROLE_ADVISER && u->role != ROLE_LEARNER) ||
	    u->disabled;
	user_free(u);
	if (rc)
		return (xfail(cause, ERR_FORBIDDEN, "Impossible d'inviter "
		    "ce compte."));
	auth_token_new(token, hash);
	if (store_invitation_insert(db, hash, id, a->id, now,
	    now + AUTH_INVITATION_TTL, cause) != 0)
		return (ERR_INTERNAL);
	obj = auth_object(id);
	rc = audit_append(db, a, "user.invite", obj, json_pack("{s:I}",
	    "expires_at", (json_int_t)(now + AUTH_INVITATION_TTL)), now,
	    cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/*
 * Use an invitation: check it again inside the transaction (two tabs may
 * race), mark it used, set the password. *user_id says whose it was.
 */
int
auth_invitation_accept(struct db *db, const uint8_t *hash,
    const char *password_hash, int64_t now, int64_t *user_id, char **cause)
{
	struct actor	 a = { 0, ROLE_NONE, 0, "invitation" };
	const char	*why = NULL;
	char		*obj;
	int		 rc, n;

	rc = store_invitation_get(db, hash, now, user_id, &why, cause);
	if (rc == -1)
		return (ERR_INTERNAL);
	if (rc == 0)
		return (xfail(cause, ERR_GONE, "%s", why));
	if ((rc = store_invitation_use(db, hash, now, cause)) != 1)
		return (rc == -1 ? ERR_INTERNAL : xfail(cause, ERR_GONE,
		    "Ce lien d'invitation a déjà été utilisé."));
	/* Also a password reset: whoever held the old one is logged out. */
	if (store_user_set_password(db, *user_id, password_hash, now,
	    cause) != 0 ||
	    store_session_delete_user(db, *user_id, NULL, &n, cause) != 0)
		return (ERR_INTERNAL);
	a.id = *user_id;
	obj = auth_object(*user_id);
	rc = audit_append(db, &a, "user.invitation_accepted", obj,
	    json_pack("{s:i}", "sessions_closed", n), now, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/*
 * Open a session for s->user: fills the token (AUTH_TOKEN_LEN + 1 bytes),
 * its hash and the CSRF token.
 */
int
auth_session_open(struct db *db, struct session *s, int64_t lifetime_ms,
    const char *why, char *token, char **cause)
{
	struct actor	 a;
	char		 csrf[AUTH_TOKEN_LEN + 1], *obj;
	int		 rc;

	auth_token_new(token, s->token_hash);
	auth_random_string(csrf, AUTH_TOKEN_LEN);
	free(s->csrf);
	s->csrf = xstrdup(csrf);
	s->last_seen = s->created_at;
	s->expires_at = s->created_at + lifetime_ms;
	if (store_session_insert(db, s, cause) != 0)
		return (ERR_INTERNAL);
	user_actor(s->user, &a);
	obj = auth_object(s->user->id);
	rc = audit_append(db, &a, "session.open", obj, json_pack("{s:s}",
	    "by", why), s->created_at, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/* Close this session, or every session of the actor. */
int
auth_session_close(struct db *db, const struct actor *a, const uint8_t *hash,
    int all, int *count, char **cause)
{
	char	*obj;
	int	 rc;

	*count = 1;
	if (all)
		rc = store_session_delete_user(db, a->id, NULL, count, cause);
	else
		rc = store_session_delete(db, hash, cause);
	if (rc != 0)
		return (ERR_INTERNAL);
	obj = auth_object(a->id);
	rc = audit_append(db, a, all ? "session.close_all" : "session.close",
	    obj, json_pack("{s:i}", "sessions_closed", *count),
	    clock_now_ms(), cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}
