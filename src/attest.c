/*
 * Attestations (DESIGN §7): the attestation de présence (relevé de
 * connexions) and the certificat de réalisation of an enrolment.
 *
 * Issuing freezes the facts of the enrolment's record as canonical JSON,
 * numbers it AS-YYYY-NNNNNN without gaps (the next number of the year is
 * taken inside the writer's transaction, so a rolled back issue leaves no
 * hole), signs it with the server's Ed25519 key and appends it with an
 * audit row. Re-issuing appends a new document that names the one it
 * supersedes; nothing is updated or deleted. PDFs are rendered from the
 * frozen facts on demand (pdf.c), on a worker thread.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <zip.h>

#include "assidu.h"

static const char *
attest_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

static int64_t
attest_int(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
}

int
attest_kind_ok(const char *kind)
{
	return (kind != NULL && (strcmp(kind, ATTEST_PRESENCE) == 0 ||
	    strcmp(kind, ATTEST_REALISATION) == 0));
}

/* An instant as UTC ISO 8601 to the second, or JSON null for 0. */
static json_t *
attest_instant(int64_t ms)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ms / 1000);
	char		 buf[32];

	if (ms == 0)
		return (json_null());
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (json_string(buf));
}

static json_t *
attest_opt_string(json_t *o, const char *key)
{
	const char	*s = attest_str(o, key);

	return (s != NULL && *s != '\0' ? json_string(s) : json_null());
}

/* The training organisation, from assidu.conf; all fields required. */
static int
attest_organisation(const struct config *cfg, json_t **out, char **cause)
{
	const char	*v[] = { cfg->organisation_name, cfg->organisation_nda,
			    cfg->organisation_siret, cfg->organisation_city,
			    cfg->organisation_representative,
			    cfg->organisation_representative_title };
	const char	*k[] = { "organisation_name", "organisation_nda",
			    "organisation_siret", "organisation_city",
			    "organisation_representative",
			    "organisation_representative_title" };
	size_t		 i;

	for (i = 0; i < nitems(v); i++) {
		if (v[i] == NULL || *v[i] == '\0')
			return (xfail(cause, ERR_INVALID, "L'identité "
			    "de l'organisme de formation n'est pas "
			    "renseignée : indiquez %s dans assidu.conf.",
			    k[i]));
	}
	*out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", v[0], "nda",
	    v[1], "siret", v[2], "city", v[3], "representative", v[4],
	    "representative_title", v[5]);
	return (ERR_OK);
}

/* One unit of the record as frozen facts. */
static json_t *
attest_unit(json_t *u)
{
	json_t	*p = json_object_get(u, "progress");

	return (json_pack("{s:I,s:s,s:I,s:o,s:o,s:I,s:I,s:I,s:s,s:s,s:o}",
	    "position", (json_int_t)attest_int(u, "position"),
	    "title", attest_str(u, "title"),
	    "minutes", (json_int_t)attest_int(u, "minutes"),
	    "first_access", attest_instant(attest_int(p, "first_at")),
	    "last_access", attest_instant(attest_int(p, "last_at")),
	    "sessions", (json_int_t)attest_int(p, "visits"),
	    "measured_s", (json_int_t)(attest_int(p, "measured_ms") / 1000),
	    "reported_s", (json_int_t)(attest_int(p, "reported_ms") / 1000),
	    "status", attest_str(p, "completion"),
	    "success", attest_str(p, "success"),
	    "score", attest_opt_string(p, "score")));
}

/*
 * The facts of a document, from the enrolment's record (see
 * rte_enrolment_record), without its number: kind, dates, parties,
 * the table per week and unit, totals and the regroupement. Takes org.
 */
static json_t *
attest_facts(json_t *rec, json_t *org, const char *kind, int interim,
    int early, int64_t now)
{
	json_t	*weeks, *w, *units, *u, *c, *t, *att, *f;
	size_t	 i, j;

	weeks = json_array();
	json_array_foreach(json_object_get(rec, "weeks"), i, w) {
		units = json_array();
		json_array_foreach(json_object_get(w, "units"), j, u)
			json_array_append_new(units, attest_unit(u));
		json_array_append_new(weeks, json_pack("{s:I,s:o,s:o}",
		    "week", (json_int_t)attest_int(w, "week"),
		    "track", attest_opt_string(w, "track"), "units", units));
	}
	c = json_object_get(rec, "cohort");
	t = json_object_get(rec, "totals");
	att = json_object_get(json_object_get(rec, "attendance"), "present");
	f = json_pack("{s:i,s:s,s:o,s:b,s:o,s:o,"
	    "s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},"
	    "s:{s:s,s:s,s:s},s:{s:s,s:s,s:s},s:o,"
	    "s:{s:I,s:I,s:I,s:I,s:I},s:{s:s,s:o,s:s,s:o,s:O}}",
	    "v", 1, "kind", kind, "issued_at", attest_instant(now),
	    "interim", interim,
	    "decision", early ? json_string("admin") : json_null(),
	    "organisation", org,
	    "learner", "name", attest_str(json_object_get(rec, "learner"),
	    "name"), "email", attest_str(json_object_get(rec, "learner"),
	    "email"),
	    "company", "name", attest_str(json_object_get(rec, "company"),
	    "name"), "siret", attest_str(json_object_get(rec, "company"),
	    "siret"),
	    "opca", "code", attest_str(json_object_get(rec, "opca"), "code"),
	    "name", attest_str(json_object_get(rec, "opca"), "name"),
	    "course", "title", attest_str(json_object_get(rec, "course"),
	    "title"), "nature", "action de formation", "modality",
	    "Formation ouverte et à distance (FOAD)",
	    "cohort", "name", attest_str(c, "name"), "start_date",
	    attest_str(c, "start_date"), "end_date", attest_str(c, "end_date"),
	    "weeks", weeks,
	    "totals", "units", (json_int_t)attest_int(t, "units"),
	    "completed", (json_int_t)attest_int(t, "completed"),
	    "measured_s", (json_int_t)(attest_int(t, "measured_ms") / 1000),
	    "reported_s", (json_int_t)(attest_int(t, "reported_ms") / 1000),
	    "certified_minutes", (json_int_t)attest_int(t,
	    "certified_minutes"),
	    "regroupement", "date", attest_str(c, "meeting_date"),
	    "time", attest_opt_string(c, "meeting_time"),
	    "mode", attest_str(c, "meeting_mode"),
	    "place", attest_opt_string(c, "meeting_place"),
	    "present", json_is_boolean(att) ? att : json_null());
	return (f);
}

/* May this actor issue this kind of document (early or not)? */
static int
attest_may_issue(const struct actor *a, const char *kind, int early,
    char **cause)
{
	if (a->role != ROLE_ADVISER && a->role != ROLE_ADMIN)
		return (xfail(cause, ERR_FORBIDDEN, "Seuls les "
		    "conseillers et l'organisme émettent les attestations."));
	if (!attest_kind_ok(kind))
		return (xfail(cause, ERR_INVALID, "Type de document "
		    "inconnu : « presence » ou « realisation »."));
	if (early && a->role != ROLE_ADMIN)
		return (xfail(cause, ERR_FORBIDDEN, "Seul l'organisme "
		    "peut émettre un certificat avant la fin de la session."));
	if (sign_key_id() == NULL)
		return (xfail(cause, ERR_INTERNAL, "no signing key"));
	return (ERR_OK);
}

/* Does the record certify anything (a completed unit)? */
static int
attest_certifies(json_t *rec)
{
	return (attest_int(json_object_get(rec, "totals"), "completed") > 0);
}

/* Issue one document from an enrolment's record (rte_enrolment_record). */
static int
attest_issue_record(struct db *db, const struct actor *a,
    const struct config *cfg, json_t *rec, const char *kind, int early,
    int64_t now, json_t **out, char **cause)
{
	json_t	*org = NULL, *facts = NULL;
	char	*canon = NULL, *sig = NULL, number[32], fr[64], sha[65];
	int64_t	 end = 0, seq = 0, prev_id = 0, id;
	int64_t	 enrolment_id = attest_int(rec, "id");
	char	*prev_number = NULL;
	int	 rc, year, m, d, ended;

	*out = NULL;
	if ((rc = attest_organisation(cfg, &org, cause)) != ERR_OK)
		goto out;
	spoc_date_parse(attest_str(json_object_get(rec, "cohort"),
	    "end_date"), &end);
	ended = spoc_today(now) > end;
	if (strcmp(kind, ATTEST_REALISATION) == 0) {
		if (ended)
			early = 0;
		else if (!early) {
			spoc_date_fr(end, fr, sizeof fr);
			rc = xfail(cause, ERR_INVALID, "Le certificat de "
			    "réalisation s'émet à la fin de la session, après "
			    "le %s. L'attestation de présence, elle, peut être "
			    "émise dès maintenant.", fr);
			goto out;
		}
		if (!attest_certifies(rec)) {
			rc = xfail(cause, ERR_INVALID, "Aucune unité "
			    "n'est terminée : il n'y a pas de durée à "
			    "certifier.");
			goto out;
		}
	} else
		early = 0;
	facts = attest_facts(rec, org, kind, !ended &&
	    strcmp(kind, ATTEST_PRESENCE) == 0, early, now);
	org = NULL;

	/* The next number of the year, in this transaction. */
	spoc_civil(spoc_today(now), &year, &m, &d);
	if (store_attest_next(db, year, &seq, cause) != 0 ||
	    store_attest_current(db, enrolment_id, kind, &prev_id,
	    &prev_number, cause) == -1) {
		rc = ERR_INTERNAL;
		goto out;
	}
	snprintf(number, sizeof number, "AS-%04d-%06lld", year,
	    (long long)seq);
	json_object_set_new(facts, "number", json_string(number));
	json_object_set_new(facts, "key", json_string(sign_key_id()));
	json_object_set_new(facts, "supersedes", prev_number != NULL ?
	    json_string(prev_number) : json_null());
	canon = sign_canonical(facts);
	if (sign_data(canon, strlen(canon), &sig, cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	sign_sha256_hex(canon, strlen(canon), sha);
	if (store_attest_insert(db, number, year, seq, kind, enrolment_id,
	    now, a->id, sign_key_id(), canon, sig, prev_id, &id,
	    cause) != 0 ||
	    audit_append(db, a, "attest.issue", number, json_pack(
	    "{s:s,s:s,s:I,s:s,s:s,s:o,s:o}", "number", number, "kind", kind,
	    "enrolment_id", (json_int_t)enrolment_id, "facts_sha256", sha,
	    "key_id", sign_key_id(), "supersedes", prev_number != NULL ?
	    json_string(prev_number) : json_null(), "decision", early ?
	    json_string("admin") : json_null()), now, cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	*out = json_pack("{s:I,s:s,s:s,s:I,s:I,s:s,s:b,s:o,s:s}", "id",
	    (json_int_t)id, "number", number, "kind", kind, "enrolment_id",
	    (json_int_t)enrolment_id, "issued_at", (json_int_t)now,
	    "status", "valid", "interim", json_is_true(json_object_get(facts,
	    "interim")), "supersedes", prev_number != NULL ?
	    json_string(prev_number) : json_null(), "learner",
	    attest_str(json_object_get(rec, "learner"), "name"));
	rc = ERR_OK;
out:
	json_decref(org);
	json_decref(facts);
	free(canon);
	free(sig);
	free(prev_number);
	return (rc);
}

/*
 * Issue one document of an enrolment. Advisers (their OPCA's learners)
 * and admins issue; the certificat de réalisation waits for the end of
 * the cohort unless an admin decides otherwise (early), which the facts
 * and the audit row record, and needs a completed unit. Runs in a write
 * transaction.
 */
int
attest_issue(struct db *db, const struct actor *a, const struct config *cfg,
    int64_t enrolment_id, const char *kind, int early, int64_t now,
    json_t **out, char **cause)
{
	json_t	*rec = NULL;
	int	 rc;

	*out = NULL;
	if ((rc = attest_may_issue(a, kind, early, cause)) != ERR_OK ||
	    (rc = rte_enrolment_record(db, a, enrolment_id, now, &rec,
	    cause)) != ERR_OK)
		return (rc);
	rc = attest_issue_record(db, a, cfg, rec, kind, early, now, out,
	    cause);
	json_decref(rec);
	return (rc);
}

/*
 * Issue a document for every enrolment of a cohort the actor may see, in
 * one transaction: all or nothing. Certificats skip the learners who
 * completed no unit (nothing to certify): they are listed as skipped.
 */
int
attest_issue_cohort(struct db *db, const struct actor *a,
    const struct config *cfg, int64_t cohort_id, const char *kind,
    int early, int64_t now, json_t **out, char **cause)
{
	json_t	*list = NULL, *e, *doc, *done, *skipped, *rec;
	size_t	 i;
	int	 rc;

	*out = NULL;
	if ((rc = attest_may_issue(a, kind, early, cause)) != ERR_OK)
		return (rc);
	if ((rc = store_cohort_get(db, cohort_id, &e, cause)) != 1)
		return (rc == 0 ? xfail(cause, ERR_NOT_FOUND,
		    "Session introuvable.") : ERR_INTERNAL);
	json_decref(e);
	if (store_enrolment_list(db, a, cohort_id, &list, cause) != 0)
		return (ERR_INTERNAL);
	done = json_array();
	skipped = json_array();
	json_array_foreach(list, i, e) {
		if ((rc = rte_enrolment_record(db, a, attest_int(e, "id"), now,
		    &rec, cause)) == ERR_OK) {
			if (strcmp(kind, ATTEST_REALISATION) == 0 &&
			    !attest_certifies(rec)) {
				json_array_append_new(skipped, json_pack(
				    "{s:O,s:O}", "enrolment_id",
				    json_object_get(e, "id"), "learner",
				    json_object_get(e, "name")));
				json_decref(rec);
				continue;
			}
			rc = attest_issue_record(db, a, cfg, rec, kind, early,
			    now, &doc, cause);
			json_decref(rec);
		}
		if (rc != ERR_OK) {
			char	*why = *cause;

			xasprintf(cause, "%s : %s", attest_str(e, "name"),
			    why != NULL ? why : "erreur");
			free(why);
			json_decref(done);
			json_decref(skipped);
			json_decref(list);
			return (rc);
		}
		json_array_append_new(done, doc);
	}
	json_decref(list);
	*out = json_pack("{s:I,s:o,s:o}", "issued", (json_int_t)
	    json_array_size(done), "documents", done, "skipped", skipped);
	return (ERR_OK);
}

/* The status of a stored document: valid, superseded or tampered. */
static const char *
attest_status(json_t *row, char **cause)
{
	const char	*facts = attest_str(row, "facts");
	json_t		*f;
	int		 ok;

	ok = sign_check(attest_str(row, "public_pem"), facts, strlen(facts),
	    attest_str(row, "signature"), cause);
	if (ok != 1)
		return ("tampered");
	f = json_loads(facts, 0, NULL);
	ok = f != NULL && attest_str(f, "number") != NULL &&
	    strcmp(attest_str(f, "number"), attest_str(row, "number")) == 0 &&
	    attest_str(f, "kind") != NULL &&
	    strcmp(attest_str(f, "kind"), attest_str(row, "kind")) == 0;
	json_decref(f);
	if (!ok)
		return ("tampered");
	return (json_is_string(json_object_get(row, "superseded_by")) ?
	    "superseded" : "valid");
}

static const char *
attest_status_fr(const char *status)
{
	if (strcmp(status, "valid") == 0)
		return ("Document authentique et en vigueur : la signature de "
		    "l'organisme est valide.");
	if (strcmp(status, "superseded") == 0)
		return ("Document authentique mais remplacé par un document "
		    "plus récent.");
	if (strcmp(status, "tampered") == 0)
		return ("Document altéré : son contenu ne correspond pas à la "
		    "signature. Ne vous y fiez pas.");
	return ("Aucun document ne porte ce numéro.");
}

/*
 * A document's verification code: 16 hex digits of the SHA-256 of its
 * base64 signature. Printed with the QR code's address, it shows the
 * facts to whoever holds the document; the number alone, which anyone
 * can guess, shows the verdict but no personal data.
 */
void
attest_code(const char *sig_b64, char code[ATTEST_CODE_LEN + 1])
{
	char	 hex[65];

	sign_sha256_hex(sig_b64, strlen(sig_b64), hex);
	memcpy(code, hex, ATTEST_CODE_LEN);
	code[ATTEST_CODE_LEN] = '\0';
}

/*
 * The public answer about one document, without the raw row: the facts
 * only with the document's code (see attest_code).
 */
static json_t *
attest_public(json_t *row, const char *status, const char *code)
{
	json_t	*out;
	char	 want[ATTEST_CODE_LEN + 1];

	out = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:O,s:O}", "number",
	    attest_str(row, "number"), "status", status, "message",
	    attest_status_fr(status), "kind", attest_str(row, "kind"),
	    "issued_at", (json_int_t)attest_int(row, "issued_at"), "key_id",
	    attest_str(row, "key_id"), "superseded_by",
	    json_object_get(row, "superseded_by"), "supersedes",
	    json_object_get(row, "supersedes_number"));
	attest_code(attest_str(row, "signature"), want);
	if (code == NULL || strlen(code) != ATTEST_CODE_LEN ||
	    CRYPTO_memcmp(code, want, ATTEST_CODE_LEN) != 0) {
		json_object_set_new(out, "code_needed", json_true());
		return (out);
	}
	json_object_set_new(out, "facts", json_loads(attest_str(row,
	    "facts"), 0, NULL));
	json_object_set_new(out, "facts_json", json_string(attest_str(row,
	    "facts")));
	json_object_set_new(out, "signature", json_string(attest_str(row,
	    "signature")));
	return (out);
}

/*
 * What the verification page says about a number, without a login:
 * unknown, or valid, superseded or tampered, with the facts when code is
 * the document's code.
 */
int
attest_verify_number(struct db *db, const char *number, const char *code,
    json_t **out, char **cause)
{
	json_t	*row;
	int	 rc;

	*out = NULL;
	if ((rc = store_attest_by_number(db, number, &row, cause)) == -1)
		return (ERR_INTERNAL);
	if (rc == 0) {
		*out = json_pack("{s:s,s:s,s:s}", "number", number, "status",
		    "unknown", "message", attest_status_fr("unknown"));
		return (ERR_OK);
	}
	*out = attest_public(row, attest_status(row, cause), code);
	free(*cause);
	*cause = NULL;
	json_decref(row);
	return (ERR_OK);
}

/*
 * Verify a PDF we issued: its embedded facts and signature against the
 * public key named in the facts (pem, or else db's keys), then, with a
 * database, against the register. The answer has status valid,
 * superseded, unknown (well signed but not in this register) or tampered.
 */
int
attest_verify_pdf(struct db *db, const char *pem, const char *pdf,
    size_t len, json_t **out, char **cause)
{
	json_t		*facts = NULL, *key = NULL, *row = NULL;
	char		*b64 = NULL, *sig = NULL, kid[SIGN_ID_LEN + 1];
	char		*b64num = NULL;
	unsigned char	*canon = NULL;
	const char	*status, *number;
	size_t		 clen = 0;
	int		 rc = ERR_INVALID, ok;

	*out = NULL;
	if (len < 5 || memcmp(pdf, "%PDF-", 5) != 0)
		return (xfail(cause, ERR_INVALID, "Ce fichier n'est pas "
		    "un PDF."));
	if (pdf_metadata(pdf, len, "AssiduFacts", &b64) != 1 ||
	    pdf_metadata(pdf, len, "AssiduSignature", &sig) != 1 ||
	    sign_unb64(b64, &canon, &clen) != 0) {
		rc = xfail(cause, ERR_INVALID, "Ce PDF ne contient pas "
		    "de faits signés par assidu.");
		goto out;
	}
	canon[clen] = '\0';
	if (strlen((char *)canon) != clen || (facts = json_loads(
	    (char *)canon, 0, NULL)) == NULL ||
	    (number = attest_str(facts, "number")) == NULL ||
	    attest_str(facts, "key") == NULL) {
		/* Signed facts that no longer parse were changed. */
		pdf_metadata(pdf, len, "AssiduNumber", &b64num);
		*out = json_pack("{s:s?,s:s,s:s,s:n}", "number", b64num,
		    "status", "tampered", "message",
		    attest_status_fr("tampered"), "facts");
		rc = ERR_OK;
		goto out;
	}
	if (pem == NULL) {
		if ((ok = store_key_get(db, attest_str(facts, "key"), &key,
		    cause)) != 1) {
			rc = ok == 0 ? xfail(cause, ERR_INVALID,
			    "Ce document est signé par une clé inconnue ici "
			    "(%s).", attest_str(facts, "key")) : ERR_INTERNAL;
			goto out;
		}
		pem = attest_str(key, "public_pem");
	} else {
		if (sign_pem_id(pem, kid, cause) != 0) {
			rc = ERR_INVALID;
			goto out;
		}
		if (strcmp(kid, attest_str(facts, "key")) != 0) {
			rc = xfail(cause, ERR_INVALID, "Ce document est "
			    "signé par la clé %s, pas par la clé %s donnée.",
			    attest_str(facts, "key"), kid);
			goto out;
		}
	}
	if ((ok = sign_check(pem, canon, clen, sig, cause)) == -1) {
		rc = ERR_INVALID;
		goto out;
	}
	status = ok ? "valid" : "tampered";
	if (ok && db != NULL) {
		if ((ok = store_attest_by_number(db, number, &row,
		    cause)) == -1) {
			rc = ERR_INTERNAL;
			goto out;
		}
		if (ok == 0)
			status = "unknown";
		else if (strcmp(attest_str(row, "facts"), (char *)canon) != 0)
			status = "tampered";
		else
			status = attest_status(row, cause);
	}
	*out = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O}", "number", number,
	    "status", status, "message", strcmp(status, "unknown") == 0 ?
	    "Signature valide, mais ce numéro n'est pas dans ce registre." :
	    attest_status_fr(status), "key_id", attest_str(facts, "key"),
	    "superseded_by", row != NULL ? json_object_get(row,
	    "superseded_by") : json_null(), "facts", facts);
	rc = ERR_OK;
out:
	json_decref(facts);
	json_decref(key);
	json_decref(row);
	free(b64);
	free(b64num);
	free(sig);
	free(canon);
	return (rc);
}

/*
 * The site's address for QR codes: public_url, else the listen address
 * (the server passes the request's own origin instead).
 */
char *
attest_base_url(const struct config *cfg)
{
	char	*url;

	if (cfg->public_url != NULL && *cfg->public_url != '\0')
		return (xstrdup(cfg->public_url));
	xasprintf(&url, "http://%s", cfg->listen != NULL ? cfg->listen :
	    "127.0.0.1:8080");
	return (url);
}

/* Where the QR code of a document points. */
char *
attest_verify_url(const char *base, const char *number)
{
	size_t	 n = strlen(base);
	char	*url;

	while (n > 0 && base[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s/verify/%s", (int)n, base, number);
	return (url);
}

/*
 * Render a stored document ({number, facts, signature}) as PDF. Needs no
 * database: runs on a worker.
 */
int
attest_pdf(const char *base, json_t *row, char **pdf, size_t *len,
    char **cause)
{
	json_t	*facts;
	char	*url, *with, code[ATTEST_CODE_LEN + 1];
	int	 rc;

	if ((facts = json_loads(attest_str(row, "facts"), 0, NULL)) == NULL)
		return (xfail(cause, ERR_INTERNAL, "stored facts of %s "
		    "do not parse", attest_str(row, "number")));
	url = attest_verify_url(base, attest_str(row, "number"));
	attest_code(attest_str(row, "signature"), code);
	xasprintf(&with, "%s?c=%s", url, code);
	free(url);
	url = with;
	rc = pdf_render(facts, attest_str(row, "facts"),
	    attest_str(row, "signature"), url, pdf, len, cause) == 0 ?
	    ERR_OK : ERR_INTERNAL;
	free(url);
	json_decref(facts);
	return (rc);
}

/*
 * The ASCII letter(s) of a Latin accented letter in UTF-8 (2 bytes at s),
 * or NULL: "é" -> "e", "Œ" -> "oe".
 */
static const char *
attest_ascii(const unsigned char *s)
{
	/* U+00C0 to U+00FF, lowercased. */
	static const char	*latin1[64] = {
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
		"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
		"o", "u", "u", "u", "u", "y", NULL, "ss",
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
		"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
		"o", "u", "u", "u", "u", "y", NULL, "y",
	};

	if (s[0] == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf)
		return (latin1[s[1] - 0x80]);
	if (s[0] == 0xc5 && (s[1] == 0x92 || s[1] == 0x93))
		return ("oe");
	return (NULL);
}

/* A file name for a document: NUMBER-kind-learner.pdf, ASCII only. */
void
attest_file_name(json_t *row, char *buf, size_t len)
{
	const unsigned char	*s;
	const char		*a;
	char			 slug[48];
	size_t			 n = 0;

	s = (const unsigned char *)attest_str(row, "learner");
	for (; s != NULL && *s != '\0' && n + 3 < sizeof slug; s++) {
		if (*s < 0x80 && isalnum(*s))
			slug[n++] = (char)tolower(*s);
		else if (s[1] != '\0' && (a = attest_ascii(s)) != NULL) {
			while (*a != '\0')
				slug[n++] = *a++;
			s++;
		} else if (n > 0 && slug[n - 1] != '-')
			slug[n++] = '-';
	}
	while (n > 0 && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	snprintf(buf, len, "%s-%s%s%s.pdf", attest_str(row, "number"),
	    strcmp(attest_str(row, "kind"), ATTEST_PRESENCE) == 0 ?
	    "attestation-presence" : "certificat-realisation",
	    n > 0 ? "-" : "", slug);
}

/* Remove the n PDFs staged for a zip, and their directory. */
static void
attest_unstage(const char *dir, size_t n)
{
	char	*f;
	size_t	 i;

	for (i = 0; i < n; i++) {
		xasprintf(&f, "%s/%zu.pdf", dir, i);
		unlink(f);
		free(f);
	}
	rmdir(dir);
}

/*
 * Render a document for a zip into dir/i.pdf, so that memory holds one
 * PDF at a time whatever the cohort's size (libzip reads sources when it
 * writes the archive, at zip_close). Adds its file name, SHA-256 and
 * verification address to row, for the index.
 */
static int
attest_stage(const char *base, json_t *row, const char *dir, size_t i,
    char **file, char **cause)
{
	char	*pdf, *url, name[160], sha[65], code[ATTEST_CODE_LEN + 1];
	size_t	 len;
	FILE	*f;
	int	 rc;

	if ((rc = attest_pdf(base, row, &pdf, &len, cause)) != ERR_OK)
		return (rc);
	sign_sha256_hex(pdf, len, sha);
	json_object_set_new(row, "pdf_sha256", json_string(sha));
	attest_file_name(row, name, sizeof name);
	json_object_set_new(row, "file", json_string(name));
	url = attest_verify_url(base, attest_str(row, "number"));
	attest_code(attest_str(row, "signature"), code);
	json_object_set_new(row, "verify_url", json_pack("s++", url, "?c=",
	    code));
	free(url);
	xasprintf(file, "%s/%zu.pdf", dir, i);
	if ((f = fopen(*file, "wbx")) == NULL || fwrite(pdf, 1, len,
	    f) != len || fclose(f) != 0) {
		rc = xfail(cause, ERR_INTERNAL, "%s: %s", *file,
		    strerror(errno));
		if (f != NULL)
			fclose(f);
	}
	free(pdf);
	return (rc);
}

/*
 * Build the zip of a cohort's current documents the actor may see, with
 * an index CSV, into the file path (on a worker, with its own read-only
 * connection). *count is the number of documents.
 */
int
attest_zip(struct db *db, const struct actor *a, const char *base,
    int64_t cohort_id, const char *path, size_t *count, char **cause)
{
	json_t		*rows = NULL, *row;
	zip_t		*z = NULL;
	zip_source_t	*src;
	char		*csv, *dir, *file = NULL;
	size_t		 i, csvlen;
	zip_int64_t	 idx;
	int		 err, rc = ERR_INTERNAL;

	*count = 0;
	if (store_attest_cohort_docs(db, a, cohort_id, &rows, cause) != 0)
		return (ERR_INTERNAL);
	xasprintf(&dir, "%s.d", path);
	if (mkdir(dir, 0700) != 0) {
		rc = xfail(cause, ERR_INTERNAL, "%s: %s", dir,
		    strerror(errno));
		free(dir);
		json_decref(rows);
		return (rc);
	}
	if ((z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err)) == NULL) {
		rc = xfail(cause, ERR_INTERNAL, "zip_open %s: %d", path, err);
		goto out;
	}
	for (i = 0; i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		if ((rc = attest_stage(base, row, dir, i, &file,
		    cause)) != ERR_OK)
			goto out;
		rc = ERR_INTERNAL;
		if ((src = zip_source_file(z, file, 0, -1)) == NULL ||
		    (idx = zip_file_add(z, json_string_value(json_object_get(
		    row, "file")), src, ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(src);
			goto zfail;
		}
		/* PDFs are compressed already. */
		zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE,
		    0);
		free(file);
		file = NULL;
	}
	csv = export_attest_index_csv(rows, &csvlen);
	if ((src = zip_source_buffer(z, csv, csvlen, 1)) == NULL) {
		free(csv);
		goto zfail;
	}
	if (zip_file_add(z, "index.csv", src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		goto zfail;
	}
	if (zip_close(z) != 0)
		goto zfail;
	z = NULL;
	*count = json_array_size(rows);
	rc = ERR_OK;
	goto out;
zfail:
	rc = xfail(cause, ERR_INTERNAL, "zip %s: %s", path, zip_strerror(z));
out:
	if (z != NULL) {
		zip_discard(z);
		unlink(path);
	}
	/* Every staged name: unlinking one never written is harmless. */
	attest_unstage(dir, json_array_size(rows));
	free(dir);
	free(file);
	json_decref(rows);
	return (rc);
}
