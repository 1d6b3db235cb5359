/*
 * The server's signing keys (DESIGN §7): Ed25519, created on first run.
 * Private keys live in DATA/keys/ID.pem (directory 0700, files 0600); the
 * public keys are rows of signing_keys, which is append-only, so that a
 * rotated key still verifies what it signed. A key's id is the first 16
 * hex digits of the SHA-256 of its raw 32-byte public key.
 *
 * The current key is loaded once, before the writer and the workers
 * start, and only read afterwards (EVP_PKEY is safe to share read-only).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "assidu.h"

static EVP_PKEY	*sign_pkey;
static char	 sign_id[SIGN_ID_LEN + 1];

void
sign_sha256_hex(const void *buf, size_t len, char hex[65])
{
	unsigned char	 md[32];
	unsigned int	 n;
	int		 i;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Standard base64 with padding, no line breaks; the caller frees. */
char *
sign_b64(const void *in, size_t len)
{
	char	*out;

	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return (out);
}

/* Decode standard base64 (no spaces); 0 and *out (freed by caller), -1. */
int
sign_unb64(const char *in, unsigned char **out, size_t *outlen)
{
	size_t	 len = strlen(in), pad = 0;
	int	 n;

	*out = NULL;
	if (len == 0 || len % 4 != 0 || len > 64 * 1024 * 1024)
		return (-1);
	*out = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock(*out, (const unsigned char *)in, (int)len);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	/* EVP_DecodeBlock counts padding bytes as data. */
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	*outlen = (size_t)n - pad;
	return (0);
}

/* Canonical JSON (DESIGN §7): sorted keys, UTF-8, no spaces. */
char *
sign_canonical(json_t *j)
{
	return (audit_canonical(j));
}

/* The id and the PEM of a key's public half. */
static int
sign_public(EVP_PKEY *pkey, char id[SIGN_ID_LEN + 1], char **pem,
    char **cause)
{
	unsigned char	 raw[32];
	size_t		 rawlen = sizeof raw;
	char		 hex[65], *p;
	BIO		*bio;
	long		 n;

	if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 ||
	    rawlen != sizeof raw)
		return (xfail(cause, -1, "signing key: not an Ed25519 key"));
	sign_sha256_hex(raw, rawlen, hex);
	memcpy(id, hex, SIGN_ID_LEN);
	id[SIGN_ID_LEN] = '\0';
	if (pem == NULL)
		return (0);
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, pkey) != 1) {
		BIO_free(bio);
		return (xfail(cause, -1, "signing key: cannot write PEM"));
	}
	n = BIO_get_mem_data(bio, &p);
	*pem = xstrndup(p, (size_t)n);
	BIO_free(bio);
	return (0);
}

static char *
sign_key_path(const char *dir, const char *id)
{
	char	*path;

	xasprintf(&path, "%s/keys/%s.pem", dir, id);
	return (path);
}

static EVP_PKEY *
sign_load_private(const char *path, char **cause)
{
	EVP_PKEY	*pkey;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL) {
		xfail(cause, -1, "signing key %s: %s", path, strerror(errno));
		return (NULL);
	}
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL)
		xfail(cause, -1, "signing key %s: not a PEM private key", path);
	return (pkey);
}

/* Write a new private key, mode 0600, never over an existing file. */
static int
sign_write_private(const char *dir, EVP_PKEY *pkey, const char *id,
    char **cause)
{
	char	*kdir, *path;
	FILE	*f;
	int	 fd, rc = -1;

	xasprintf(&kdir, "%s/keys", dir);
	if (mkdir(kdir, 0700) == -1 && errno != EEXIST) {
		xfail(cause, -1, "%s: %s", kdir, strerror(errno));
		free(kdir);
		return (-1);
	}
	path = sign_key_path(dir, id);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		xfail(cause, -1, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		xfail(cause, -1, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(path);
		xfail(cause, -1, "%s: cannot write the key", path);
		goto out;
	}
	fclose(f);
	/* The key's directory entry must be on disk before we use it. */
	if ((fd = open(kdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	free(path);
	free(kdir);
	return (rc);
}

/*
 * Create a key, store its private half in DATA/keys and its public half
 * in signing_keys, with an audit row; it becomes the current key. The
 * caller holds a write transaction on db.
 */
int
sign_create(struct db *db, const char *dir, const struct actor *a,
    int64_t now, char **id, char **cause)
{
	EVP_PKEY	*pkey;
	char		 kid[SIGN_ID_LEN + 1], *pem = NULL;
	int		 rc = -1;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return (xfail(cause, -1, "cannot generate an Ed25519 key"));
	if (sign_public(pkey, kid, &pem, cause) != 0 ||
	    sign_write_private(dir, pkey, kid, cause) != 0)
		goto out;
	if (store_key_insert(db, kid, pem, now, cause) != 0 ||
	    audit_append(db, a, "key.create", "key", json_pack("{s:s,s:s}",
	    "key_id", kid, "public_key", pem), now, cause) != 0)
		goto out;
	EVP_PKEY_free(sign_pkey);
	sign_pkey = pkey;
	pkey = NULL;
	memcpy(sign_id, kid, sizeof sign_id);
	if (id != NULL)
		*id = xstrdup(kid);
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	free(pem);
	return (rc);
}

/*
 * Load the current key (the newest of signing_keys) from DATA/keys.
 * 1 when loaded, 0 when there is no key yet, -1 when the private key is
 * missing or does not match its public half.
 */
int
sign_load(struct db *db, const char *dir, char **cause)
{
	EVP_PKEY	*pkey;
	json_t		*key;
	char		 kid[SIGN_ID_LEN + 1], *path;
	int		 rc;

	if ((rc = store_key_latest(db, &key, cause)) != 1)
		return (rc);
	path = sign_key_path(dir, json_string_value(json_object_get(key,
	    "id")));
	pkey = sign_load_private(path, cause);
	free(path);
	if (pkey == NULL) {
		json_decref(key);
		return (-1);
	}
	if (sign_public(pkey, kid, NULL, cause) != 0 || strcmp(kid,
	    json_string_value(json_object_get(key, "id"))) != 0) {
		if (*cause == NULL)
			xfail(cause, -1, "signing key %s: the private key "
			    "does not match", kid);
		EVP_PKEY_free(pkey);
		json_decref(key);
		return (-1);
	}
	json_decref(key);
	EVP_PKEY_free(sign_pkey);
	sign_pkey = pkey;
	memcpy(sign_id, kid, sizeof sign_id);
	return (1);
}

/* The current key's id, or NULL before sign_load/sign_create. */
const char *
sign_key_id(void)
{
	return (sign_pkey != NULL ? sign_id : NULL);
}

void
sign_unload(void)
{
	EVP_PKEY_free(sign_pkey);
	sign_pkey = NULL;
	sign_id[0] = '\0';
}

/* Sign msg with the current key: the base64 signature (caller frees). */
int
sign_data(const void *msg, size_t len, char **sig_b64, char **cause)
{
	unsigned char	 sig[64];
	size_t		 siglen = sizeof sig;
	EVP_MD_CTX	*ctx;
	int		 ok;

	if (sign_pkey == NULL)
		return (xfail(cause, -1, "no signing key loaded"));
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (xfail(cause, -1, "out of memory"));
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, sign_pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (xfail(cause, -1, "Ed25519 signature failed"));
	*sig_b64 = sign_b64(sig, siglen);
	return (0);
}

/* The id of a public key in PEM: 0, or -1 when it is not Ed25519. */
int
sign_pem_id(const char *pem, char id[SIGN_ID_LEN + 1], char **cause)
{
	EVP_PKEY	*pkey;
	BIO		*bio;
	int		 rc;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return (xfail(cause, -1, "out of memory"));
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return (xfail(cause, -1, "not a PEM public key"));
	rc = sign_public(pkey, id, NULL, cause);
	EVP_PKEY_free(pkey);
	return (rc);
}

/*
 * Check a base64 Ed25519 signature of msg with a PEM public key: 1 valid,
 * 0 not (wrong signature, bad base64), -1 when the key is unusable.
 */
int
sign_check(const char *pem, const void *msg, size_t len,
    const char *sig_b64, char **cause)
{
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*ctx;
	BIO		*bio;
	unsigned char	*sig;
	size_t		 siglen;
	int		 ok;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return (xfail(cause, -1, "out of memory"));
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return (xfail(cause, -1, "not an Ed25519 public key"));
	}
	if (sign_unb64(sig_b64, &sig, &siglen) != 0 || siglen != 64) {
		free(sig);
		EVP_PKEY_free(pkey);
		return (0);
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		free(sig);
		EVP_PKEY_free(pkey);
		return (xfail(cause, -1, "out of memory"));
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	free(sig);
	return (ok);
}

/*
 * Load the current key, creating the first one if there is none (first
 * run). Opens its own connection to the database at dbpath.
 */
int
sign_ensure(const char *dbpath, const char *dir, int64_t now, char **cause)
{
	static const struct actor system = { 0, ROLE_ADMIN, 0, "system" };
	struct db	*db;
	int		 rc;

	if ((db = db_open(dbpath, 0, cause)) == NULL)
		return (-1);
	if (db_begin(db, cause) != 0) {
		db_close(db);
		return (-1);
	}
	if ((rc = sign_load(db, dir, cause)) == 0)
		rc = sign_create(db, dir, &system, now, NULL, cause) == 0 ?
		    1 : -1;
	if (rc == 1 && db_commit(db, cause) != 0)
		rc = -1;
	if (rc != 1)
		db_rollback(db);
	db_close(db);
	return (rc == 1 ? 0 : -1);
}
