/*
 * Exports for French spreadsheets: CSV in UTF-8 with a byte order mark,
 * ';' between fields and CRLF line ends, which Excel opens as is. Dates in
 * Paris time, durations as h:mm:ss.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assidu.h"

struct export_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
export_add(struct export_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* One field, quoted when it holds a separator, a quote or a line end. */
static void
export_field(struct export_buf *b, const char *s, int last)
{
	const char	*p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ";\"\r\n") == NULL)
		export_add(b, s, strlen(s));
	else {
		export_add(b, "\"", 1);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				export_add(b, "\"", 1);
			export_add(b, p, 1);
		}
		export_add(b, "\"", 1);
	}
	export_add(b, last ? "\r\n" : ";", last ? 2 : 1);
}

static void
export_date(int64_t ms, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t;

	if (ms == 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	t = (time_t)((ms / 1000) + spoc_paris_offset(ms));
	gmtime_r(&t, &tm);
	strftime(buf, len, "%d/%m/%Y %H:%M", &tm);
}

static void
export_duration(int64_t ms, char *buf, size_t len)
{
	int64_t	 s = ms / 1000;

	snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
}

static const char *
export_fr(const char *v)
{
	static const struct {
		const char	*en;
		const char	*fr;
	} t[] = {
		{ "not attempted", "non commencé" },
		{ "incomplete", "en cours" },
		{ "completed", "terminé" },
		{ "unknown", "" },
		{ "failed", "échoué" },
		{ "passed", "réussi" },
	};
	size_t	 i;

	for (i = 0; v != NULL && i < nitems(t); i++) {
		if (strcmp(t[i].en, v) == 0)
			return (t[i].fr);
	}
	return ("");
}

static const char *
export_gap(int gap)
{
	if (gap > 0)
		return ("déclaré > mesuré");
	if (gap < 0)
		return ("mesuré > déclaré");
	return ("");
}

/* The relevé de connexions as it is being written. */
struct export_csv {
	struct export_buf	 b;
	int			 kind;		/* EXPORT_LEARNER, _COHORT */
};

static const char *export_head_learner[] = { "Session" };
static const char *export_head_cohort[] = { "Apprenant·e", "E-mail",
    "Entreprise", "SIRET", "OPCA" };
static const char *export_head_unit[] = { "Semaine", "Unité",
    "Durée estimée (min)", "Première connexion", "Dernière connexion",
    "Connexions", "Temps mesuré", "Temps déclaré par l'unité", "Écart",
    "Avancement", "Réussite", "Score" };

/*
 * A relevé de connexions in CSV, one line per unit: a learner's own
 * (EXPORT_LEARNER: the session first) or a cohort's (EXPORT_COHORT: the
 * learner, e-mail, company, SIRET and OPCA first). Records go in with
 * export_releve_add, the file comes out of export_releve_end.
 */
struct export_csv *
export_releve_begin(int kind)
{
	struct export_csv	*c;
	const char		**head;
	size_t			 i, n;

	c = xcalloc(1, sizeof *c);
	c->kind = kind;
	export_add(&c->b, "\xef\xbb\xbf", 3);
	head = kind == EXPORT_COHORT ? export_head_cohort : export_head_learner;
	n = kind == EXPORT_COHORT ? nitems(export_head_cohort) :
	    nitems(export_head_learner);
	for (i = 0; i < n; i++)
		export_field(&c->b, head[i], 0);
	for (i = 0; i < nitems(export_head_unit); i++)
		export_field(&c->b, export_head_unit[i],
		    i == nitems(export_head_unit) - 1);
	return (c);
}

/* The fields of one unit of a week, with its record ("progress"). */
static void
export_unit(struct export_buf *b, json_t *w, json_t *u)
{
	json_t	*p = json_object_get(u, "progress");
	char	 num[32], first[32], last[32], meas[32], rep[32];

	snprintf(num, sizeof num, "%lld", (long long)json_integer_value(
	    json_object_get(w, "week")));
	export_field(b, num, 0);
	export_field(b, json_string_value(json_object_get(u, "title")), 0);
	snprintf(num, sizeof num, "%lld", (long long)json_integer_value(
	    json_object_get(u, "minutes")));
	export_field(b, num, 0);
	export_date(json_integer_value(json_object_get(p, "first_at")), first,
	    sizeof first);
	export_date(json_integer_value(json_object_get(p, "last_at")), last,
	    sizeof last);
	export_field(b, first, 0);
	export_field(b, last, 0);
	snprintf(num, sizeof num, "%lld", (long long)json_integer_value(
	    json_object_get(p, "visits")));
	export_field(b, num, 0);
	export_duration(json_integer_value(json_object_get(p, "measured_ms")),
	    meas, sizeof meas);
	export_duration(json_integer_value(json_object_get(p, "reported_ms")),
	    rep, sizeof rep);
	export_field(b, meas, 0);
	export_field(b, rep, 0);
	export_field(b, export_gap((int)json_integer_value(json_object_get(p,
	    "gap"))), 0);
	export_field(b, export_fr(json_string_value(json_object_get(p,
	    "completion"))), 0);
	export_field(b, export_fr(json_string_value(json_object_get(p,
	    "success"))), 0);
	export_field(b, json_string_value(json_object_get(p, "score")), 1);
}

/*
 * The lines of one enrolment's record (rte_enrolment_record); its
 * signature lets rte_cohort_records call it for each of a cohort's.
 */
int
export_releve_add(json_t *e, void *arg, char **cause)
{
	struct export_csv	*c = arg;
	json_t			*w, *u, *x;
	size_t			 i, j;

	json_array_foreach(json_object_get(e, "weeks"), i, w) {
		json_array_foreach(json_object_get(w, "units"), j, u) {
			if (c->kind == EXPORT_COHORT) {
				x = json_object_get(e, "learner");
				export_field(&c->b, json_string_value(
				    json_object_get(x, "name")), 0);
				export_field(&c->b, json_string_value(
				    json_object_get(x, "email")), 0);
				x = json_object_get(e, "company");
				export_field(&c->b, json_string_value(
				    json_object_get(x, "name")), 0);
				export_field(&c->b, json_string_value(
				    json_object_get(x, "siret")), 0);
				export_field(&c->b, json_string_value(
				    json_object_get(json_object_get(e, "opca"),
				    "name")), 0);
			} else
				export_field(&c->b, json_string_value(
				    json_object_get(json_object_get(e,
				    "cohort"), "name")), 0);
			export_unit(&c->b, w, u);
		}
	}
	return (ERR_OK);
}

/* The file written, and its length; c is freed. */
char *
export_releve_end(struct export_csv *c, size_t *len)
{
	char	*s = c->b.s;

	*len = c->b.len;
	free(c);
	return (s);
}

/* A learner's relevé de connexions (spoc_learner_course's JSON). */
char *
export_releve_csv(json_t *course, size_t *len)
{
	struct export_csv	*c = export_releve_begin(EXPORT_LEARNER);
	json_t			*e;
	size_t			 i;

	json_array_foreach(json_object_get(course, "enrolments"), i, e)
		export_releve_add(e, c, NULL);
	return (export_releve_end(c, len));
}

/*
 * "releve-<name>.csv" with name in lower-case ASCII: accented Latin
 * letters lose their accents, anything else becomes a dash. A header
 * value stays plain ASCII and no browser or OS has to guess.
 */
void
export_filename(const char *name, char *buf, size_t len)
{
	/* U+00C0 to U+00FF, upper and lower case, without accents. */
	static const char	 latin1[] = "aaaaaaaceeeeiiiidnooooo-ouuuuy-s"
				    "aaaaaaaceeeeiiiidnooooo-ouuuuy-y";
	const unsigned char	*p = (const unsigned char *)name;
	char			 slug[64];
	size_t			 n = 0;
	int			 c;

	while (*p != '\0' && n < sizeof slug - 1) {
		if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			c = latin1[p[1] - 0x80];
			p += 2;
		} else if (*p < 0x80) {
			c = tolower(*p);
			p++;
		} else {
			c = '-';
			for (p++; (*p & 0xc0) == 0x80; p++)
				;
		}
		if (!isalnum(c))
			c = '-';
		if (c != '-' || (n > 0 && slug[n - 1] != '-'))
			slug[n++] = (char)c;
	}
	while (n > 0 && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	snprintf(buf, len, "releve%s%s.csv", n > 0 ? "-" : "", slug);
}

/*
 * The index of a zip of attestations (rows of store_attest_cohort_docs,
 * each with "file" and "pdf_sha256" added): one line per document.
 */
char *
export_attest_index_csv(json_t *rows, size_t *len)
{
	static const char	*head[] = { "Numéro", "Document", "Apprenant",
				    "E-mail", "Entreprise", "SIRET", "OPCO",
				    "Émis le", "Remplace", "Durée certifiée",
				    "Temps mesuré", "Fichier",
				    "Empreinte SHA-256 du PDF",
				    "Adresse de vérification" };
	struct export_buf	 b = { NULL, 0, 0 };
	json_t			*row, *facts, *t;
	char			 at[32], cert[32], meas[32];
	size_t			 i;

	export_add(&b, "\xef\xbb\xbf", 3);
	for (i = 0; i < nitems(head); i++)
		export_field(&b, head[i], i == nitems(head) - 1);
	json_array_foreach(rows, i, row) {
		facts = json_loads(json_string_value(json_object_get(row,
		    "facts")), 0, NULL);
		t = json_object_get(facts, "totals");
		export_date(json_integer_value(json_object_get(row,
		    "issued_at")), at, sizeof at);
		export_duration(json_integer_value(json_object_get(t,
		    "certified_minutes")) * 60000, cert, sizeof cert);
		export_duration(json_integer_value(json_object_get(t,
		    "measured_s")) * 1000, meas, sizeof meas);
		export_field(&b, json_string_value(json_object_get(row,
		    "number")), 0);
		export_field(&b, strcmp(json_string_value(json_object_get(row,
		    "kind")), "presence") == 0 ? "Attestation de présence" :
		    "Certificat de réalisation", 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "learner")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "email")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "company")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "siret")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "opca")), 0);
		export_field(&b, at, 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "supersedes_number")), 0);
		export_field(&b, cert, 0);
		export_field(&b, meas, 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "file")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "pdf_sha256")), 0);
		export_field(&b, json_string_value(json_object_get(row,
		    "verify_url")), 1);
		json_decref(facts);
	}
	*len = b.len;
	return (b.s);
}
