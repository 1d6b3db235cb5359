/*
 * The audit log: every change of evidence, account, course or key appends a
 * row whose hash covers the previous row's hash, so that removing or
 * editing a row breaks the chain from there on (DESIGN §8). Rows are
 * written inside the same transaction as the change they describe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "assidu.h"

/* Canonical JSON: sorted keys, no spaces, UTF-8 as is. */
char *
audit_canonical(json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		fatalx("audit_canonical: json_dumps failed");
	return (s);
}

static void
audit_hash(const struct audit_row *r, char out[65])
{
	unsigned char	 md[32];
	unsigned int	 len;
	json_t		*j, *details;
	char		*canon;
	int		 i;

	details = json_loads(r->details, JSON_DECODE_ANY, NULL);
	j = json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:s}", "at", (json_int_t)r->at,
	    "actor_id", (json_int_t)r->actor_id, "actor", r->actor,
	    "action", r->action, "object", r->object,
	    "details", details != NULL ? details : json_string(r->details),
	    "prev", r->prev_hash);
	canon = audit_canonical(j);
	json_decref(j);
	EVP_Digest(canon, strlen(canon), md, &len, EVP_sha256(), NULL);
	free(canon);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * Append one row. details is stolen (may be NULL). Must run inside the
 * transaction of the change it records.
 */
int
audit_append(struct db *db, const struct actor *a, const char *action,
    const char *object, json_t *details, int64_t now, char **cause)
{
	struct audit_row	 r;
	char			*prev, *canon, hash[65];
	int			 rc;

	if (store_audit_last(db, &prev, cause) != 0) {
		json_decref(details);
		return (-1);
	}
	canon = audit_canonical(details != NULL ? details : json_object());
	json_decref(details);
	memset(&r, 0, sizeof r);
	r.at = now;
	r.actor_id = a->id;
	r.actor = a->label != NULL ? a->label : "cli";
	r.action = action;
	r.object = object;
	r.details = canon;
	r.prev_hash = prev;
	audit_hash(&r, hash);
	r.hash = hash;
	rc = store_audit_insert(db, &r, cause);
	free(canon);
	free(prev);
	return (rc);
}

struct audit_check {
	char		 prev[65];
	int64_t		 rows;
	int64_t		 bad;
};

static int
audit_check_row(const struct audit_row *r, void *arg)
{
	struct audit_check	*c = arg;
	char			 hash[65];

	audit_hash(r, hash);
	if (strcmp(r->prev_hash, c->prev) != 0 || strcmp(r->hash, hash) != 0) {
		c->bad = r->id;
		return (1);
	}
	snprintf(c->prev, sizeof c->prev, "%s", r->hash);
	c->rows++;
	return (0);
}

/* Recompute the chain; *bad is the first broken row's id, or 0. */
int
audit_verify(struct db *db, int64_t *rows, int64_t *bad, char **cause)
{
	struct audit_check	 c;

	memset(&c, 0, sizeof c);
	if (store_audit_each(db, audit_check_row, &c, cause) != 0)
		return (-1);
	*rows = c.rows;
	*bad = c.bad;
	return (0);
}
