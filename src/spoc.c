/*
 * The course and the people in it (DESIGN §6): courses made of tracks (the
 * common trunk, one per OPCA), weeks and units bound to SCOs; cohorts and
 * their calendar; companies; enrolments, one at a time or from a CSV file;
 * the regroupement's attendance sheet; and the rule that says whether a
 * learner may open a unit now. The CLI and the HTTP handlers call the same
 * functions; every change appends its audit row in the same transaction.
 *
 * Dates are French calendar dates. A week opens at midnight in Paris: the
 * conversion is done here, with the EU summer-time rule, so that it does
 * not depend on the server's TZ or time zone database.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "assidu.h"

#define SPOC_NAME_MAX	200
#define SPOC_PLACE_MAX	500
#define SPOC_FIELD_MAX	1000	/* bytes in one CSV field */
#define SPOC_DAY_MS	(86400 * 1000LL)
#define SPOC_NONE	INT64_MIN	/* spoc_int: the field is required */

static const char *spoc_weekdays[] = {
	"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
	"samedi"
};
static const char *spoc_months[] = {
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"
};

/* Calendar arithmetic (proleptic Gregorian, days since 1970-01-01). */

static int64_t
spoc_floordiv(int64_t a, int64_t b)
{
	return (a / b - (a % b != 0 && (a < 0) != (b < 0)));
}

int64_t
spoc_day(int y, int m, int d)
{
	int64_t		 era;
	unsigned int	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

void
spoc_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t		 era;
	unsigned int	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

/* 0 is Sunday; 1970-01-01 was a Thursday. */
int
spoc_weekday(int64_t day)
{
	return ((int)(((day % 7) + 7 + 4) % 7));
}

/* YYYY-MM-DD, a real date between 2000 and 2199; 0 or -1. */
int
spoc_date_parse(const char *s, int64_t *day)
{
	int	 y, m, d, y2, m2, d2, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (-1);
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return (-1);
	}
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
		return (-1);
	*day = spoc_day(y, m, d);
	spoc_civil(*day, &y2, &m2, &d2);
	return (y2 == y && m2 == m && d2 == d ? 0 : -1);
}

void
spoc_date_format(int64_t day, char *buf, size_t len)
{
	int	 y, m, d;

	spoc_civil(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* "lundi 7 décembre 2026", "mardi 1er juin 2027". */
void
spoc_date_fr(int64_t day, char *buf, size_t len)
{
	int	 y, m, d;

	spoc_civil(day, &y, &m, &d);
	snprintf(buf, len, "%s %d%s %s %d", spoc_weekdays[spoc_weekday(day)],
	    d, d == 1 ? "er" : "", spoc_months[m - 1], y);
}

/*
 * Seconds east of UTC in Paris at an instant: +2 h from the last Sunday
 * of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC (the EU
 * rule since 1996), +1 h otherwise.
 */
int
spoc_paris_offset(int64_t ms)
{
	int64_t	 t = spoc_floordiv(ms, 1000), day, mar, oct;
	int	 y, m, d;

	day = spoc_floordiv(t, 86400);
	spoc_civil(day, &y, &m, &d);
	mar = spoc_day(y, 3, 31);
	mar -= spoc_weekday(mar);
	oct = spoc_day(y, 10, 31);
	oct -= spoc_weekday(oct);
	if (t >= mar * 86400 + 3600 && t < oct * 86400 + 3600)
		return (7200);
	return (3600);
}

/*
 * The instant (ms) of midnight in Paris at the start of a day. Midnight is
 * never in the hour that summer time skips or repeats (02:00-03:00), so it
 * is the summer-time candidate if summer time is in force then, else the
 * winter one.
 */
int64_t
spoc_day_start(int64_t day)
{
	int64_t	 summer = (day * 86400 - 7200) * 1000;

	if (spoc_paris_offset(summer) == 7200)
		return (summer);
	return ((day * 86400 - 3600) * 1000);
}

/* The day in Paris at an instant. */
int64_t
spoc_today(int64_t ms)
{
	return (spoc_floordiv(spoc_floordiv(ms, 1000) +
	    spoc_paris_offset(ms), 86400));
}

/* Week n (from 1) opens at midnight, Paris time, on start + 7(n - 1). */
int64_t
spoc_week_opens(int64_t start, int week)
{
	return (spoc_day_start(start + 7 * (week - 1)));
}

/* Companies. */

static int
spoc_luhn(const char *digits)
{
	size_t	 i, n = strlen(digits);
	int	 sum = 0, v;

	for (i = 0; i < n; i++) {
		v = digits[n - 1 - i] - '0';
		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return (sum % 10 == 0);
}

/*
 * A SIRET: 14 digits (spaces allowed between them) whose Luhn key is
 * right. La Poste's establishments (SIREN 356000000) are the known
 * exception: their key makes the sum of the 14 digits a multiple of 5;
 * only the head office, 356 000 000 00048, follows Luhn. out gets the 14
 * digits.
 */
int
spoc_siret_check(const char *in, char *out, char **cause)
{
	const unsigned char	*p;
	size_t			 n = 0;
	int			 sum = 0, ok;

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (isdigit(*p)) {
			if (n == 14)
				break;
			out[n++] = (char)*p;
			sum += *p - '0';
		} else if (*p == ' ' || *p == '.')
			continue;
		else if (p[0] == 0xc2 && p[1] == 0xa0)	/* no-break space */
			p++;
		else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xaf)
			p += 2;				/* narrow one */
		else
			break;
	}
	out[n] = '\0';
	if (*p != '\0' || n != 14)
		return (xfail(cause, ERR_INVALID, "Le SIRET « %s » doit "
		    "comporter 14 chiffres.", in));
	if (strncmp(out, "356000000", 9) == 0 &&
	    strcmp(out, "35600000000048") != 0)
		ok = sum % 5 == 0;
	else
		ok = spoc_luhn(out) && sum != 0;
	if (!ok)
		return (xfail(cause, ERR_INVALID, "Le SIRET « %s » n'est "
		    "pas valide : sa clé de contrôle ne correspond pas. "
		    "Vérifiez les chiffres.", in));
	return (ERR_OK);
}

int
spoc_eligible(int64_t headcount, char **cause)
{
	if (headcount < 0)
		return (xfail(cause, ERR_INVALID, "L'effectif doit être un "
		    "nombre de salariés, positif ou nul."));
	if (headcount > SPOC_HEADCOUNT_MAX)
		return (xfail(cause, ERR_INVALID, "Entreprise non "
		    "éligible : elle compte %lld salariés, et cette formation "
		    "est réservée aux entreprises de moins de %d salariés.",
		    (long long)headcount, SPOC_HEADCOUNT_MAX + 1));
	return (ERR_OK);
}

/* CSV files. */

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t
spoc_utf8_seq(const unsigned char *p, size_t left)
{
	unsigned int	 c = p[0], cp;
	size_t		 n, i;

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else
		return (0);
	if (left < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return (0);
	return (n);
}

/* Windows-1252 at 0x80-0x9f; 0 where it has no character. */
static const unsigned short spoc_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/*
 * Excel saves "CSV (séparateur : point-virgule)" in Windows-1252: a file
 * that is not UTF-8 is read as that. NULL when it is no text at all.
 */
static char *
spoc_from_cp1252(const unsigned char *in, size_t len, size_t *outlen)
{
	char		*out, *o;
	unsigned int	 cp;
	size_t		 i;

	o = out = xmalloc(3 * len + 1);
	for (i = 0; i < len; i++) {
		cp = in[i];
		if (cp >= 0x80 && cp < 0xa0)
			cp = spoc_cp1252[cp - 0x80];
		if (cp == 0) {
			free(out);
			return (NULL);
		}
		if (cp < 0x80)
			*o++ = (char)cp;
		else if (cp < 0x800) {
			*o++ = (char)(0xc0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*o++ = (char)(0xe0 | cp >> 12);
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*o++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	*o = '\0';
	*outlen = o - out;
	return (out);
}

void
spoc_csv_free(struct spoc_csv *csv)
{
	size_t	 i, j;

	if (csv == NULL)
		return;
	for (i = 0; i < csv->nrecs; i++) {
		for (j = 0; j < csv->recs[i].nfields; j++)
			free(csv->recs[i].fields[j]);
		free(csv->recs[i].fields);
	}
	free(csv->recs);
	free(csv);
}

struct spoc_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void
spoc_buf_add(struct spoc_buf *b, char c)
{
	if (b->len + 2 > b->size) {
		b->size = b->size == 0 ? 64 : b->size * 2;
		b->s = xreallocarray(b->s, 1, b->size);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
spoc_csv_field(struct spoc_csv_record *r, struct spoc_buf *b)
{
	r->fields = xreallocarray(r->fields, r->nfields + 1,
	    sizeof *r->fields);
	r->fields[r->nfields++] = b->s != NULL ? b->s : xstrdup("");
	memset(b, 0, sizeof *b);
}

/* Keep a record unless every field is empty (Excel's ";;;;" lines). */
static void
spoc_csv_record(struct spoc_csv *csv, struct spoc_csv_record *r)
{
	size_t	 i;

	for (i = 0; i < r->nfields && *r->fields[i] == '\0'; i++)
		continue;
	if (i == r->nfields) {
		for (i = 0; i < r->nfields; i++)
			free(r->fields[i]);
		free(r->fields);
	} else {
		csv->recs = xreallocarray(csv->recs, csv->nrecs + 1,
		    sizeof *csv->recs);
		csv->recs[csv->nrecs++] = *r;
	}
	memset(r, 0, sizeof *r);
}

/* ';' unless the first line has more ',' (or only tabs) outside quotes. */
static char
spoc_csv_separator(const char *s, size_t len)
{
	size_t	 i, semi = 0, comma = 0, tab = 0;
	int	 quoted = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == '\n' || s[i] == '\r')
			break;
		else if (s[i] == ';')
			semi++;
		else if (s[i] == ',')
			comma++;
		else if (s[i] == '\t')
			tab++;
	}
	if (comma > semi && comma >= tab)
		return (',');
	if (tab > semi && tab > comma)
		return ('\t');
	return (';');
}

/*
 * Split a CSV file (RFC 4180 quoting, CRLF, LF or CR line ends) into
 * records, each with the line it starts on. UTF-8 with or without a byte
 * order mark; Windows-1252 otherwise. Empty records are dropped.
 */
int
spoc_csv_parse(const char *in, size_t inlen, struct spoc_csv **out,
    char **cause)
{
	struct spoc_csv		*csv;
	struct spoc_csv_record	 r;
	struct spoc_buf		 b;
	const unsigned char	*u = (const unsigned char *)in;
	char			*conv = NULL;
	const char		*s;
	size_t			 i, n, len;
	int			 line = 1, quoted = 0, utf8 = 1;

	*out = NULL;
	if (memchr(in, '\0', inlen) != NULL)
		return (xfail(cause, ERR_INVALID, "Ce fichier n'est pas un "
		    "fichier texte (il contient un caractère nul) : "
		    "enregistrez-le au format CSV."));
	for (i = 0; i < inlen; i += n) {
		if ((n = spoc_utf8_seq(u + i, inlen - i)) == 0) {
			utf8 = 0;
			break;
		}
	}
	s = in;
	len = inlen;
	if (!utf8 && (s = conv = spoc_from_cp1252(u, inlen, &len)) == NULL)
		return (xfail(cause, ERR_INVALID, "Ce fichier n'est ni en "
		    "UTF-8 ni en Windows-1252 : enregistrez-le au format « CSV "
		    "UTF-8 »."));
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	csv = xcalloc(1, sizeof *csv);
	csv->encoding = utf8 ? "utf-8" : "windows-1252";
	csv->sep = spoc_csv_separator(s, len);
	memset(&r, 0, sizeof r);
	memset(&b, 0, sizeof b);
	r.line = 1;
	for (i = 0; i < len; i++) {
		if (b.len > SPOC_FIELD_MAX) {
			free(b.s);
			free(conv);
			spoc_csv_record(csv, &r);
			spoc_csv_free(csv);
			return (xfail(cause, ERR_INVALID, "Ligne %d : un "
			    "champ dépasse %d caractères.", line,
			    SPOC_FIELD_MAX));
		}
		if (quoted) {
			if (s[i] == '"' && i + 1 < len && s[i + 1] == '"')
				spoc_buf_add(&b, s[i++]);
			else if (s[i] == '"')
				quoted = 0;
			else {
				if (s[i] == '\n' || (s[i] == '\r' &&
				    (i + 1 == len || s[i + 1] != '\n')))
					line++;
				spoc_buf_add(&b, s[i]);
			}
		} else if (s[i] == '"' && b.len == 0)
			quoted = 1;
		else if (s[i] == csv->sep)
			spoc_csv_field(&r, &b);
		else if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			spoc_csv_field(&r, &b);
			spoc_csv_record(csv, &r);
			r.line = ++line;
		} else
			spoc_buf_add(&b, s[i]);
	}
	free(conv);
	if (quoted) {
		line = r.line;
		free(b.s);
		spoc_csv_record(csv, &r);
		spoc_csv_free(csv);
		return (xfail(cause, ERR_INVALID, "Ligne %d : un guillemet "
		    "ouvert n'est jamais refermé.", line));
	}
	if (b.len > 0 || r.nfields > 0) {
		spoc_csv_field(&r, &b);
		spoc_csv_record(csv, &r);
	}
	free(b.s);
	*out = csv;
	return (ERR_OK);
}

/* Reading the fields of a request (JSON from the API or the CLI). */

static int
spoc_text_ok(const char *s, size_t max)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
		if ((*p & 0xc0) != 0x80)
			n++;
	}
	return (n <= max);
}

/* A copy without the blanks around it (spaces, tabs, no-break spaces). */
static char *
spoc_trim(const char *s)
{
	const char	*e;

	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (strncmp(s, "\xc2\xa0", 2) == 0)
			s += 2;
		else
			break;
	}
	e = s + strlen(s);
	for (;;) {
		if (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		else if (e - s >= 2 && strncmp(e - 2, "\xc2\xa0", 2) == 0)
			e -= 2;
		else
			break;
	}
	return (xstrndup(s, e - s));
}

/*
 * A text field: a trimmed copy in *out, NULL when absent or empty (an
 * error if required). label names it in French.
 */
static int
spoc_str(json_t *in, const char *key, const char *label, int required,
    size_t max, char **out, char **cause)
{
	json_t	*v = json_object_get(in, key);

	*out = NULL;
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		return (xfail(cause, ERR_INVALID, "Le champ « %s » doit "
		    "être un texte.", label));
	if (v != NULL && json_is_string(v))
		*out = spoc_trim(json_string_value(v));
	if (*out != NULL && **out == '\0') {
		free(*out);
		*out = NULL;
	}
	if (*out == NULL)
		return (required ? xfail(cause, ERR_INVALID, "Le champ "
		    "« %s » est requis.", label) : ERR_OK);
	if (!spoc_text_ok(*out, max)) {
		free(*out);
		*out = NULL;
		return (xfail(cause, ERR_INVALID, "Le champ « %s » ne doit "
		    "pas dépasser %zu caractères ni contenir de caractère de "
		    "contrôle.", label, max));
	}
	return (ERR_OK);
}

/* An integer given as a number or as digits ("12", "1 200"); -1 if not. */
static int
spoc_parse_int(const char *s, int64_t *out)
{
	int64_t	 v = 0;
	int	 digits = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s)) {
			if (v > (INT64_MAX - 9) / 10)
				return (-1);
			v = v * 10 + (*s - '0');
			digits++;
		} else if (strncmp(s, "\xc2\xa0", 2) == 0)
			s++;
		else if (*s != ' ')
			return (-1);
	}
	if (digits == 0)
		return (-1);
	*out = v;
	return (0);
}

/* An integer field in [min, max]; dflt when absent (SPOC_NONE: required). */
static int
spoc_int(json_t *in, const char *key, const char *label, int64_t min,
    int64_t max, int64_t dflt, int64_t *out, char **cause)
{
	json_t	*v = json_object_get(in, key);
	int	 ok = 1;

	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    *json_string_value(v) == '\0')) {
		if (dflt == SPOC_NONE)
			return (xfail(cause, ERR_INVALID, "Le champ « %s » "
			    "est requis.", label));
		*out = dflt;
		return (ERR_OK);
	}
	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (!json_is_string(v) ||
	    spoc_parse_int(json_string_value(v), out) != 0)
		ok = 0;
	if (!ok || *out < min || *out > max)
		return (xfail(cause, ERR_INVALID, "Le champ « %s » doit "
		    "être un nombre entier entre %lld et %lld.", label,
		    (long long)min, (long long)max));
	return (ERR_OK);
}

static int
spoc_date(json_t *in, const char *key, const char *label, int required,
    char **text, int64_t *day, char **cause)
{
	int	 rc;

	if ((rc = spoc_str(in, key, label, required, 10, text, cause)) != 0)
		return (rc);
	if (*text != NULL && spoc_date_parse(*text, day) != 0) {
		rc = xfail(cause, ERR_INVALID, "La date « %s » (%s) n'est "
		    "pas valide : écrivez-la AAAA-MM-JJ, par exemple "
		    "2026-12-07.", *text, label);
		free(*text);
		*text = NULL;
	}
	return (rc);
}

static char *
spoc_object(const char *kind, int64_t id)
{
	char	*s;

	xasprintf(&s, "%s:%lld", kind, (long long)id);
	return (s);
}

static int
spoc_audit(struct db *db, const struct actor *a, const char *action,
    const char *kind, int64_t id, json_t *details, int64_t now, char **cause)
{
	char	*obj = spoc_object(kind, id);
	int	 rc;

	rc = audit_append(db, a, action, obj, details, now, cause);
	free(obj);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

static int64_t
spoc_jint(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
}

static const char *
spoc_jstr(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* Store results (1 found, 0 not, -1 error) as ERR_* codes. */
static int
spoc_found(int rc, char **cause, const char *missing)
{
	if (rc == -1)
		return (ERR_INTERNAL);
	if (rc == 0)
		return (xfail(cause, ERR_NOT_FOUND, "%s", missing));
	return (ERR_OK);
}

static int
spoc_is_number(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return (0);
	}
	return (1);
}

/* A course by number or code. */
int
spoc_course_find(struct db *db, const char *key, int64_t *id, char **cause)
{
	json_t	*c = NULL;
	int	 rc;

	if (spoc_is_number(key)) {
		*id = strtoll(key, NULL, 10);
		rc = store_course_get(db, *id, &c, cause);
		json_decref(c);
	} else
		rc = store_course_by_code(db, key, id, cause);
	if (rc == 0)
		return (xfail(cause, ERR_NOT_FOUND, "Formation inconnue : "
		    "« %s ».", key));
	return (rc == 1 ? ERR_OK : ERR_INTERNAL);
}

/* A cohort by number or by name (which must then be unambiguous). */
int
spoc_cohort_find(struct db *db, const char *key, int64_t *id, char **cause)
{
	json_t	*c = NULL;
	int	 rc;

	if (spoc_is_number(key)) {
		*id = strtoll(key, NULL, 10);
		rc = store_cohort_get(db, *id, &c, cause);
		json_decref(c);
		return (spoc_found(rc, cause, "Session introuvable."));
	}
	if (store_cohort_by_name(db, key, &c, cause) != 0)
		return (ERR_INTERNAL);
	rc = (int)json_array_size(c);
	*id = rc == 1 ? spoc_jint(json_array_get(c, 0), "id") : 0;
	json_decref(c);
	if (rc == 0)
		return (xfail(cause, ERR_NOT_FOUND, "Session inconnue : "
		    "« %s ».", key));
	if (rc > 1)
		return (xfail(cause, ERR_INVALID, "Plusieurs sessions "
		    "s'appellent « %s » : indiquez son numéro.", key));
	return (ERR_OK);
}

/* The course value of a request: a number or a code. */
static int
spoc_course_arg(struct db *db, json_t *in, int64_t *id, char **cause)
{
	json_t	*v = json_object_get(in, "course");
	char	 num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld",
		    (long long)json_integer_value(v));
		return (spoc_course_find(db, num, id, cause));
	}
	if (json_is_string(v) && *json_string_value(v) != '\0')
		return (spoc_course_find(db, json_string_value(v), id, cause));
	return (xfail(cause, ERR_INVALID, "Le champ « formation » est "
	    "requis."));
}

/* The course. */

static int
spoc_admin(const struct actor *a, char **cause)
{
	if (a->role != ROLE_ADMIN)
		return (xfail(cause, ERR_FORBIDDEN, "Seule "
		    "l'administration construit les formations et ouvre les "
		    "sessions."));
	return (ERR_OK);
}

static int
spoc_manager(const struct actor *a, char **cause)
{
	if (a->role != ROLE_ADMIN && a->role != ROLE_ADVISER)
		return (xfail(cause, ERR_FORBIDDEN, "Seuls "
		    "l'administration et les conseiller·ères OPCA peuvent "
		    "faire cette modification."));
	return (ERR_OK);
}

static int
spoc_code_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 40 || s[0] == '-')
		return (0);
	for (i = 0; i < n; i++) {
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return (0);
	}
	return (1);
}

int
spoc_course_create(struct db *db, const struct actor *a, json_t *in,
    int64_t now, json_t **out, char **cause)
{
	char	*code = NULL, *title = NULL;
	int64_t	 id, trunk;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_admin(a, cause)) != 0 ||
	    (rc = spoc_str(in, "code", "code", 1, 40, &code, cause)) != 0 ||
	    (rc = spoc_str(in, "title", "titre", 1, SPOC_NAME_MAX, &title,
	    cause)) != 0)
		goto out;
	if (!spoc_code_ok(code)) {
		rc = xfail(cause, ERR_INVALID, "Le code « %s » ne doit "
		    "contenir que des minuscules sans accent, des chiffres et "
		    "des tirets (par exemple tpe-numerique).", code);
		goto out;
	}
	rc = store_course_insert(db, code, title, now, a->id, &id, cause);
	if (rc == -2) {
		rc = xfail(cause, ERR_CONFLICT, "Une formation porte déjà "
		    "le code « %s ».", code);
		goto out;
	}
	if (rc != 0 || store_track_insert(db, id, 0, "Tronc commun", &trunk,
	    cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if ((rc = spoc_audit(db, a, "course.create", "course", id,
	    json_pack("{s:s,s:s,s:I}", "code", code, "title", title,
	    "trunk_track", (json_int_t)trunk), now, cause)) == 0)
		rc = spoc_course_get(db, id, out, cause);
out:
	free(code);
	free(title);
	return (rc);
}

/* The weeks of a track: 1-2 for the trunk, 3-4 for an OPCA's. */
static json_t *
spoc_track_weeks(int trunk)
{
	json_t	*weeks = json_array();
	int	 w;

	for (w = 1; w <= SPOC_WEEKS; w++) {
		if ((w <= SPOC_TRUNK_WEEKS) == (trunk != 0))
			json_array_append_new(weeks, json_pack("{s:i,s:[]}",
			    "week", w, "units"));
	}
	return (weeks);
}

static json_t *
spoc_unit_json(json_t *row)
{
	return (json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}",
	    "id", json_object_get(row, "unit_id"),
	    "week", json_object_get(row, "week"),
	    "position", json_object_get(row, "position"),
	    "title", json_object_get(row, "title"),
	    "minutes", json_object_get(row, "minutes"),
	    "package_id", json_object_get(row, "package_id"),
	    "package_title", json_object_get(row, "package_title"),
	    "version", json_object_get(row, "version"),
	    "item", json_object_get(row, "item")));
}

/* A course with its tracks, their weeks and units, in order. */
int
spoc_course_get(struct db *db, int64_t id, json_t **out, char **cause)
{
	json_t	*course, *rows, *row, *tracks, *track = NULL, *week;
	int64_t	 tid, cur = 0;
	size_t	 i;
	int	 rc, trunk;

	*out = NULL;
	rc = store_course_get(db, id, &course, cause);
	if ((rc = spoc_found(rc, cause, "Formation introuvable.")) != 0)
		return (rc);
	if (store_course_tree(db, id, &rows, cause) != 0) {
		json_decref(course);
		return (ERR_INTERNAL);
	}
	tracks = json_array();
	json_array_foreach(rows, i, row) {
		tid = spoc_jint(row, "track_id");
		trunk = json_is_null(json_object_get(row, "opca"));
		if (track == NULL || tid != cur) {
			track = json_pack("{s:I,s:O,s:O,s:O,s:b,s:o}", "id",
			    (json_int_t)tid, "opca", json_object_get(row,
			    "opca"), "opca_name", json_object_get(row,
			    "opca_name"), "title", json_object_get(row,
			    "track_title"), "trunk", trunk, "weeks",
			    spoc_track_weeks(trunk));
			json_array_append_new(tracks, track);
			cur = tid;
		}
		if (json_is_null(json_object_get(row, "unit_id")))
			continue;
		week = json_array_get(json_object_get(track, "weeks"),
		    spoc_jint(row, "week") - 1 - (trunk ? 0 :
		    SPOC_TRUNK_WEEKS));
		if (week != NULL)
			json_array_append_new(json_object_get(week, "units"),
			    spoc_unit_json(row));
	}
	json_decref(rows);
	json_object_set_new(course, "tracks", tracks);
	*out = course;
	return (ERR_OK);
}

/* The OPCA of a request by code: its id and name, or a French refusal. */
static int
spoc_opca(struct db *db, const char *code, int64_t *id, char **name,
    char **cause)
{
	json_t	*o;
	int	 rc;

	if ((rc = store_opca_by_code(db, code, id, cause)) == 0)
		return (xfail(cause, ERR_INVALID, "OPCA inconnu : « %s ».",
		    code));
	if (rc != 1 || store_opca_get(db, *id, &o, cause) != 1)
		return (ERR_INTERNAL);
	if (name != NULL)
		*name = xstrdup(spoc_jstr(o, "name"));
	json_decref(o);
	return (ERR_OK);
}

int
spoc_track_create(struct db *db, const struct actor *a, int64_t course_id,
    json_t *in, int64_t now, json_t **out, char **cause)
{
	json_t	*course = NULL;
	char	*code = NULL, *title = NULL, *name = NULL;
	int64_t	 opca_id, id;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_admin(a, cause)) != 0)
		return (rc);
	rc = store_course_get(db, course_id, &course, cause);
	json_decref(course);
	if ((rc = spoc_found(rc, cause, "Formation introuvable.")) != 0 ||
	    (rc = spoc_str(in, "opca", "OPCA", 1, 40, &code, cause)) != 0 ||
	    (rc = spoc_str(in, "title", "titre", 0, SPOC_NAME_MAX, &title,
	    cause)) != 0 ||
	    (rc = spoc_opca(db, code, &opca_id, &name, cause)) != 0)
		goto out;
	if (title == NULL)
		xasprintf(&title, "Parcours %s", name);
	rc = store_track_insert(db, course_id, opca_id, title, &id, cause);
	if (rc == -2)
		rc = xfail(cause, ERR_CONFLICT, "Cette formation a déjà un "
		    "parcours pour l'OPCA %s.", name);
	else if (rc != 0)
		rc = ERR_INTERNAL;
	else if ((rc = spoc_audit(db, a, "course.track", "course", course_id,
	    json_pack("{s:I,s:s,s:s}", "track_id", (json_int_t)id, "opca",
	    code, "title", title), now, cause)) == 0)
		rc = spoc_course_get(db, course_id, out, cause);
out:
	free(code);
	free(title);
	free(name);
	return (rc);
}

/* A package by number or by the SHA-256 of its zip. */
static int
spoc_package(struct db *db, json_t *in, int64_t *id, json_t **pkg,
    char **cause)
{
	json_t		*v = json_object_get(in, "package");
	const char	*s = json_string_value(v);
	char		 num[32];
	int		 rc;

	*pkg = NULL;
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld",
		    (long long)json_integer_value(v));
		s = num;
	}
	if (s == NULL || *s == '\0')
		return (xfail(cause, ERR_INVALID, "Le champ « paquet » est "
		    "requis."));
	if (spoc_is_number(s) && strlen(s) < 19) {
		*id = strtoll(s, NULL, 10);
		rc = 1;
	} else if (strlen(s) == 64)
		rc = store_package_exists(db, s, id, cause);
	else
		rc = 0;
	if (rc == 1)
		rc = store_package_get(db, *id, pkg, cause);
	if (rc == 0)
		return (xfail(cause, ERR_INVALID, "Paquet inconnu : « %s » "
		    "(numéro ou empreinte SHA-256 d'un paquet importé).", s));
	return (rc == 1 ? ERR_OK : ERR_INTERNAL);
}

/* The SCO of a package a unit is bound to; item may be NULL if only one. */
static int
spoc_sco(json_t *pkg, const char *item, json_t **found, char **cause)
{
	json_t	*it, *only = NULL;
	size_t	 i, scos = 0;

	*found = NULL;
	json_array_foreach(json_object_get(pkg, "items"), i, it) {
		if (json_is_true(json_object_get(it, "sco"))) {
			scos++;
			only = it;
		}
		if (item != NULL && strcmp(spoc_jstr(it, "identifier"),
		    item) == 0)
			*found = it;
	}
	if (item == NULL) {
		if (scos == 1) {
			*found = only;
			return (ERR_OK);
		}
		return (xfail(cause, ERR_INVALID, "Ce paquet contient %zu "
		    "SCO : indiquez lequel (identifiant de l'élément).",
		    scos));
	}
	if (*found == NULL)
		return (xfail(cause, ERR_INVALID, "L'élément « %s » "
		    "n'existe pas dans le paquet %lld.", item,
		    (long long)spoc_jint(pkg, "id")));
	if (!json_is_true(json_object_get(*found, "sco")))
		return (xfail(cause, ERR_INVALID, "L'élément « %s » n'est "
		    "pas un SCO (c'est une ressource ou un titre, sans "
		    "suivi) : il ne peut pas être une unité.", item));
	return (ERR_OK);
}

/* The track of a request: "commun" (the trunk) or an OPCA's code. */
static int
spoc_track_arg(struct db *db, int64_t course_id, const char *code,
    int64_t *track_id, int64_t *opca_id, char **cause)
{
	char	*name = NULL;
	int	 rc;

	*opca_id = 0;
	if (strcasecmp(code, "commun") != 0 &&
	    strcasecmp(code, "tronc commun") != 0 &&
	    (rc = spoc_opca(db, code, opca_id, &name, cause)) != 0)
		return (rc);
	rc = store_track_find(db, course_id, *opca_id, track_id, cause);
	if (rc == 0)
		rc = xfail(cause, ERR_INVALID, "Cette formation n'a pas "
		    "encore de parcours pour l'OPCA %s : ajoutez-le d'abord.",
		    name);
	else
		rc = rc == 1 ? ERR_OK : ERR_INTERNAL;
	free(name);
	return (rc);
}

static json_t *
spoc_unit_details(const struct spoc_unit *u, int64_t course_id,
    const char *track)
{
	return (json_pack("{s:I,s:s,s:i,s:i,s:I,s:s,s:s,s:i}", "course_id",
	    (json_int_t)course_id, "track", track, "week", u->week,
	    "position", u->position, "package_id", (json_int_t)u->package_id,
	    "item", u->item, "title", u->title, "minutes", u->minutes));
}

/*
 * Bind a SCO to a place of the course: a track, a week of that track, a
 * position (the first free one by default).
 */
int
spoc_unit_add(struct db *db, const struct actor *a, int64_t course_id,
    json_t *in, int64_t now, json_t **out, char **cause)
{
	struct spoc_unit	 u;
	json_t			*pkg = NULL, *sco, *course = NULL;
	char			*track = NULL, *item = NULL, *title = NULL;
	int64_t			 v, opca_id, id;
	unsigned int		 taken;
	int			 rc;

	*out = NULL;
	memset(&u, 0, sizeof u);
	if ((rc = spoc_admin(a, cause)) != 0)
		return (rc);
	rc = store_course_get(db, course_id, &course, cause);
	json_decref(course);
	if ((rc = spoc_found(rc, cause, "Formation introuvable.")) != 0 ||
	    (rc = spoc_str(in, "track", "parcours", 1, 40, &track,
	    cause)) != 0 ||
	    (rc = spoc_track_arg(db, course_id, track, &u.track_id, &opca_id,
	    cause)) != 0 ||
	    (rc = spoc_int(in, "week", "semaine", 1, SPOC_WEEKS, SPOC_NONE,
	    &v, cause)) != 0)
		goto out;
	u.week = (int)v;
	if (opca_id == 0 && u.week > SPOC_TRUNK_WEEKS) {
		rc = xfail(cause, ERR_INVALID, "Le tronc commun couvre les "
		    "semaines 1 et 2 : la semaine %d relève des parcours des "
		    "OPCA.", u.week);
		goto out;
	}
	if (opca_id != 0 && u.week <= SPOC_TRUNK_WEEKS) {
		rc = xfail(cause, ERR_INVALID, "Les parcours des OPCA "
		    "couvrent les semaines 3 et 4 ; les semaines 1 et 2 sont "
		    "le tronc commun.");
		goto out;
	}
	if ((rc = spoc_int(in, "minutes", "durée estimée (minutes)", 1, 600,
	    SPOC_MINUTES, &v, cause)) != 0)
		goto out;
	u.minutes = (int)v;
	if ((rc = spoc_int(in, "position", "position", 1, SPOC_UNITS_PER_WEEK,
	    0, &v, cause)) != 0 ||
	    (rc = spoc_str(in, "item", "élément", 0, 255, &item, cause)) != 0 ||
	    (rc = spoc_str(in, "title", "titre", 0, SPOC_NAME_MAX, &title,
	    cause)) != 0 ||
	    (rc = spoc_package(db, in, &u.package_id, &pkg, cause)) != 0 ||
	    (rc = spoc_sco(pkg, item, &sco, cause)) != 0)
		goto out;
	u.position = (int)v;
	u.item = spoc_jstr(sco, "identifier");
	u.title = title != NULL ? title : spoc_jstr(sco, "title");
	if ((rc = store_unit_sco(db, course_id, u.package_id, u.item, &id,
	    cause)) != 0) {
		rc = rc == 1 ? xfail(cause, ERR_CONFLICT, "Ce SCO est déjà "
		    "une unité de cette formation.") : ERR_INTERNAL;
		goto out;
	}
	if (store_unit_positions(db, u.track_id, u.week, &taken, cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	for (v = 1; u.position == 0 && v <= SPOC_UNITS_PER_WEEK; v++) {
		if ((taken & (1U << v)) == 0)
			u.position = (int)v;
	}
	if (u.position == 0) {
		rc = xfail(cause, ERR_CONFLICT, "La semaine %d de ce "
		    "parcours a déjà ses %d unités.", u.week,
		    SPOC_UNITS_PER_WEEK);
		goto out;
	}
	if ((taken & (1U << u.position)) != 0) {
		rc = xfail(cause, ERR_CONFLICT, "La place %d de la semaine "
		    "%d est déjà prise.", u.position, u.week);
		goto out;
	}
	if ((rc = store_unit_insert(db, &u, &id, cause)) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if ((rc = spoc_audit(db, a, "course.unit_add", "unit", id,
	    spoc_unit_details(&u, course_id, track), now, cause)) == 0)
		rc = spoc_course_get(db, course_id, out, cause);
out:
	json_decref(pkg);
	free(track);
	free(item);
	free(title);
	return (rc);
}

/* Change a unit's title or estimated time; the binding stays. */
int
spoc_unit_update(struct db *db, const struct actor *a, int64_t id,
    json_t *in, int64_t now, json_t **out, char **cause)
{
	json_t	*unit = NULL;
	char	*title = NULL;
	int64_t	 minutes;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_admin(a, cause)) != 0)
		return (rc);
	rc = store_unit_get(db, id, &unit, cause);
	if ((rc = spoc_found(rc, cause, "Unité introuvable.")) != 0 ||
	    (rc = spoc_str(in, "title", "titre", 0, SPOC_NAME_MAX, &title,
	    cause)) != 0 ||
	    (rc = spoc_int(in, "minutes", "durée estimée (minutes)", 1, 600,
	    spoc_jint(unit, "minutes"), &minutes, cause)) != 0)
		goto out;
	if (store_unit_update(db, id, title != NULL ? title :
	    spoc_jstr(unit, "title"), (int)minutes, cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if ((rc = spoc_audit(db, a, "course.unit_update", "unit", id,
	    json_pack("{s:I,s:{s:O,s:O},s:{s:s,s:I}}", "course_id",
	    (json_int_t)spoc_jint(unit, "course_id"), "before", "title",
	    json_object_get(unit, "title"), "minutes",
	    json_object_get(unit, "minutes"), "after", "title",
	    title != NULL ? title : spoc_jstr(unit, "title"), "minutes",
	    (json_int_t)minutes), now, cause)) == 0)
		rc = spoc_course_get(db, spoc_jint(unit, "course_id"), out,
		    cause);
out:
	json_decref(unit);
	free(title);
	return (rc);
}

/* Remove a unit from the course; the learners' records stay. */
int
spoc_unit_delete(struct db *db, const struct actor *a, int64_t id,
    int64_t now, json_t **out, char **cause)
{
	json_t	*unit = NULL;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_admin(a, cause)) != 0)
		return (rc);
	rc = store_unit_get(db, id, &unit, cause);
	if ((rc = spoc_found(rc, cause, "Unité introuvable.")) != 0)
		return (rc);
	if (store_unit_delete(db, id, cause) != 0)
		rc = ERR_INTERNAL;
	else if ((rc = spoc_audit(db, a, "course.unit_delete", "unit", id,
	    json_deep_copy(unit), now, cause)) == 0)
		rc = spoc_course_get(db, spoc_jint(unit, "course_id"), out,
		    cause);
	json_decref(unit);
	return (rc);
}

/* Cohorts. */

/* The four weeks of a cohort: opening day and instant, open or not. */
static json_t *
spoc_weeks_json(int64_t start, int64_t end, int64_t now)
{
	json_t	*weeks = json_array();
	char	 iso[16], fr[64];
	int64_t	 opens, day;
	int	 w;

	for (w = 1; w <= SPOC_WEEKS; w++) {
		day = start + 7 * (w - 1);
		opens = spoc_week_opens(start, w);
		spoc_date_format(day, iso, sizeof iso);
		spoc_date_fr(day, fr, sizeof fr);
		json_array_append_new(weeks, json_pack("{s:i,s:s,s:s,s:I,s:b}",
		    "week", w, "opens", iso, "opens_fr", fr, "opens_at",
		    (json_int_t)opens, "open", now >= opens &&
		    now < spoc_day_start(end + 1)));
	}
	return (weeks);
}

/* Add the calendar to a cohort row: weeks, state, regroupement. */
static void
spoc_cohort_calendar(json_t *c, int64_t now)
{
	int64_t	 start = 0, end = 0, meeting = 0, today = spoc_today(now);
	char	 fr[64];

	spoc_date_parse(spoc_jstr(c, "start_date"), &start);
	spoc_date_parse(spoc_jstr(c, "end_date"), &end);
	spoc_date_parse(spoc_jstr(c, "meeting_date"), &meeting);
	json_object_set_new(c, "weeks", spoc_weeks_json(start, end, now));
	json_object_set_new(c, "state", json_string(today < start ?
	    "upcoming" : today > end ? "ended" : "running"));
	spoc_date_fr(start, fr, sizeof fr);
	json_object_set_new(c, "start_fr", json_string(fr));
	spoc_date_fr(end, fr, sizeof fr);
	json_object_set_new(c, "end_fr", json_string(fr));
	spoc_date_fr(meeting, fr, sizeof fr);
	json_object_set_new(c, "meeting_fr", json_string(fr));
	json_object_set_new(c, "attendance_open", json_boolean(today >=
	    meeting));
}

static int
spoc_time_ok(const char *t)
{
	return (strlen(t) == 5 && isdigit((unsigned char)t[0]) &&
	    isdigit((unsigned char)t[1]) && t[2] == ':' &&
	    isdigit((unsigned char)t[3]) && isdigit((unsigned char)t[4]) &&
	    atoi(t) < 24 && atoi(t + 3) < 60);
}

int
spoc_cohort_create(struct db *db, const struct actor *a, json_t *in,
    int64_t now, json_t **out, char **cause)
{
	struct spoc_cohort	 c;
	char			*name = NULL, *start = NULL, *end = NULL;
	char			*mdate = NULL, *mtime = NULL, *mode = NULL;
	char			*place = NULL, fr[64];
	int64_t			 id, sday, eday, mday;
	int			 rc;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if ((rc = spoc_admin(a, cause)) != 0 ||
	    (rc = spoc_course_arg(db, in, &c.course_id, cause)) != 0 ||
	    (rc = spoc_str(in, "name", "nom", 1, SPOC_NAME_MAX, &name,
	    cause)) != 0 ||
	    (rc = spoc_date(in, "start", "date de début", 1, &start, &sday,
	    cause)) != 0 ||
	    (rc = spoc_date(in, "end", "date de fin", 1, &end, &eday,
	    cause)) != 0 ||
	    (rc = spoc_date(in, "meeting_date", "date du regroupement", 1,
	    &mdate, &mday, cause)) != 0 ||
	    (rc = spoc_str(in, "meeting_time", "heure du regroupement", 0, 5,
	    &mtime, cause)) != 0 ||
	    (rc = spoc_str(in, "meeting_mode", "modalité du regroupement", 1,
	    10, &mode, cause)) != 0 ||
	    (rc = spoc_str(in, "meeting_place", "lieu ou lien du regroupement",
	    0, SPOC_PLACE_MAX, &place, cause)) != 0)
		goto out;
	if (eday < sday + 7 * (SPOC_WEEKS - 1)) {
		spoc_date_fr(sday + 7 * (SPOC_WEEKS - 1), fr, sizeof fr);
		rc = xfail(cause, ERR_INVALID, "La date de fin doit tomber "
		    "au plus tôt le jour où s'ouvre la semaine %d, le %s.",
		    SPOC_WEEKS, fr);
		goto out;
	}
	if (mday < sday || mday > eday) {
		rc = xfail(cause, ERR_INVALID, "Le regroupement doit avoir "
		    "lieu entre le début et la fin de la session.");
		goto out;
	}
	if (mtime != NULL && !spoc_time_ok(mtime)) {
		rc = xfail(cause, ERR_INVALID, "L'heure du regroupement "
		    "« %s » n'est pas valide : écrivez-la HH:MM, par exemple "
		    "14:00.", mtime);
		goto out;
	}
	if (strcmp(mode, "online") != 0 && strcmp(mode, "onsite") != 0) {
		rc = xfail(cause, ERR_INVALID, "La modalité du "
		    "regroupement est « online » (à distance) ou « onsite » "
		    "(sur place).");
		goto out;
	}
	c.name = name;
	c.start = start;
	c.end = end;
	c.meeting_date = mdate;
	c.meeting_time = mtime;
	c.meeting_mode = mode;
	c.meeting_place = place;
	rc = store_cohort_insert(db, &c, now, a->id, &id, cause);
	if (rc == -2) {
		rc = xfail(cause, ERR_CONFLICT, "Cette formation a déjà "
		    "une session nommée « %s ».", name);
		goto out;
	}
	if (rc != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if ((rc = spoc_audit(db, a, "cohort.create", "cohort", id,
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:s,s:s?}", "course_id",
	    (json_int_t)c.course_id, "name", name, "start", start, "end", end,
	    "meeting_date", mdate, "meeting_time", mtime, "meeting_mode", mode,
	    "meeting_place", place), now, cause)) == 0)
		rc = spoc_cohort_get(db, a, id, now, out, cause);
out:
	free(name);
	free(start);
	free(end);
	free(mdate);
	free(mtime);
	free(mode);
	free(place);
	return (rc);
}

/* Attendance marks: 0/1 as JSON booleans. */
static void
spoc_present_bool(json_t *rows)
{
	json_t	*row, *p;
	size_t	 i;

	json_array_foreach(rows, i, row) {
		p = json_object_get(row, "present");
		if (json_is_integer(p))
			json_object_set_new(row, "present",
			    json_boolean(json_integer_value(p) != 0));
	}
}

/* A cohort with its calendar; ERR_NOT_FOUND with a cause. */
int
spoc_cohort_info(struct db *db, int64_t id, int64_t now, json_t **out,
    char **cause)
{
	int	 rc;

	*out = NULL;
	rc = store_cohort_get(db, id, out, cause);
	if ((rc = spoc_found(rc, cause, "Session introuvable.")) != 0)
		return (rc);
	spoc_cohort_calendar(*out, now);
	return (ERR_OK);
}

/* A cohort with its calendar and the enrolments the actor may see. */
int
spoc_cohort_get(struct db *db, const struct actor *a, int64_t id,
    int64_t now, json_t **out, char **cause)
{
	json_t	*c, *list;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_cohort_info(db, id, now, &c, cause)) != ERR_OK)
		return (rc);
	if (store_enrolment_list(db, a, id, &list, cause) != 0) {
		json_decref(c);
		return (ERR_INTERNAL);
	}
	spoc_present_bool(list);
	json_object_set_new(c, "enrolments", list);
	*out = c;
	return (ERR_OK);
}

int
spoc_cohort_list(struct db *db, const struct actor *a, int64_t now,
    json_t **out, char **cause)
{
	json_t	*c;
	size_t	 i;

	if (store_cohort_list(db, a, out, cause) != 0)
		return (ERR_INTERNAL);
	json_array_foreach(*out, i, c)
		spoc_cohort_calendar(c, now);
	return (ERR_OK);
}

/* Companies. */

int
spoc_company_create(struct db *db, const struct actor *a, json_t *in,
    int64_t now, json_t **out, char **cause)
{
	json_t	*known = NULL;
	char	*raw = NULL, *name = NULL, siret[15];
	int64_t	 headcount, id;
	int	 rc;

	*out = NULL;
	if ((rc = spoc_manager(a, cause)) != 0 ||
	    (rc = spoc_str(in, "siret", "SIRET", 1, 40, &raw, cause)) != 0 ||
	    (rc = spoc_siret_check(raw, siret, cause)) != 0 ||
	    (rc = spoc_str(in, "name", "raison sociale", 1, SPOC_NAME_MAX,
	    &name, cause)) != 0 ||
	    (rc = spoc_int(in, "headcount", "effectif", 0, 10000000,
	    SPOC_NONE, &headcount, cause)) != 0 ||
	    (rc = spoc_eligible(headcount, cause)) != 0)
		goto out;
	rc = store_company_insert(db, siret, name, headcount, now, a->id, &id,
	    cause);
	if (rc == -2) {
		if (store_company_by_siret(db, siret, &known, cause) != 1)
			rc = ERR_INTERNAL;
		else
			rc = xfail(cause, ERR_CONFLICT, "L'entreprise de "
			    "SIRET %s est déjà enregistrée (%s).", siret,
			    spoc_jstr(known, "name"));
		goto out;
	}
	if (rc != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if ((rc = spoc_audit(db, a, "company.create", "company", id,
	    json_pack("{s:s,s:s,s:I}", "siret", siret, "name", name,
	    "headcount", (json_int_t)headcount), now, cause)) == 0 &&
	    store_company_by_siret(db, siret, out, cause) != 1)
		rc = ERR_INTERNAL;
out:
	json_decref(known);
	free(raw);
	free(name);
	return (rc);
}

/* Enrolment: a form and a CSV file's lines go through the same checks. */

enum spoc_col {
	COL_EMAIL,
	COL_FIRST,
	COL_NAME,
	COL_SIRET,
	COL_COMPANY,
	COL_HEADCOUNT,
	COL_OPCA,
	COL_COUNT
};

/*
 * The fields of an enrolment: the JSON key of the form, the French name,
 * and the CSV headers that mean it, normalised (lower case, no accents,
 * other characters as single spaces), separated by '|'.
 */
static const struct spoc_column {
	const char	*key;
	const char	*label;
	int		 required;	/* a CSV file must have the column */
	const char	*aliases;
} spoc_columns[COL_COUNT] = {
	[COL_EMAIL] = { "email", "e-mail", 1, "e mail|email|mail|courriel|"
	    "adresse e mail|adresse email|adresse mail|adresse electronique" },
	[COL_FIRST] = { "first_name", "prénom", 0, "prenom" },
	[COL_NAME] = { "name", "nom", 1, "nom|nom complet|nom et prenom|"
	    "nom prenom|prenom nom|apprenant|apprenante|stagiaire" },
	[COL_SIRET] = { "siret", "siret", 1, "siret|n siret|no siret|"
	    "numero siret|numero de siret" },
	[COL_COMPANY] = { "company", "entreprise", 0, "entreprise|"
	    "raison sociale|societe|employeur|nom de l entreprise|"
	    "nom entreprise" },
	[COL_HEADCOUNT] = { "headcount", "effectif", 0, "effectif|effectifs|"
	    "salaries|nombre de salaries|nb salaries" },
	[COL_OPCA] = { "opca", "opca", 0, "opca|opco" },
};

/* One line to enrol: values (NULL when empty) and column names. */
struct spoc_line {
	int		 line;		/* 0 for a form */
	char		*v[COL_COUNT];
	const char	*col[COL_COUNT];
};

/* What checking a line decided, for the second pass to write. */
struct spoc_plan {
	int		 line;
	char		*email;
	char		*name;
	char		 siret[15];
	char		*company;
	int64_t		 headcount;	/* -1 when not given */
	int64_t		 user_id;	/* 0: create the account */
	int64_t		 opca_id;
	char		*opca;
	int64_t		 company_id;	/* 0: created by this import */
	int		 already;	/* enrolled in the cohort before */
};

struct spoc_enrolling {
	struct db		*db;
	const struct actor	*a;
	int64_t			 now;
	int64_t			 cohort_id;
	int64_t			 course_id;
	const char		*course;
	const char		*via;
	json_t			*errors;
	struct spoc_plan	*plans;
	size_t			 nplans;
};

static void
spoc_error(struct spoc_enrolling *e, const struct spoc_line *l, int col,
    const char *fmt, ...) printflike(4, 5);
static void
spoc_error(struct spoc_enrolling *e, const struct spoc_line *l, int col,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	json_array_append_new(e->errors, json_pack("{s:i,s:s?,s:s}", "line",
	    l->line, "column", col >= 0 ? l->col[col] : NULL, "message",
	    msg));
	free(msg);
}

static void
spoc_plan_clear(struct spoc_plan *p)
{
	free(p->email);
	free(p->name);
	free(p->company);
	free(p->opca);
}

static void
spoc_enrolling_clear(struct spoc_enrolling *e)
{
	size_t	 i;

	for (i = 0; i < e->nplans; i++)
		spoc_plan_clear(&e->plans[i]);
	free(e->plans);
	json_decref(e->errors);
}

/* The account part of a line: an existing learner or one to create. */
static int
spoc_check_account(struct spoc_enrolling *e, const struct spoc_line *l,
    struct spoc_plan *p, char **cause)
{
	struct user	*u = NULL;
	const char	*code = l->v[COL_OPCA];
	char		*why = NULL;
	int64_t		 opca_id;
	int		 rc;

	if ((rc = store_user_by_email(e->db, p->email, &u, cause)) == -1)
		return (-1);
	if (rc == 1) {
		if (u->role != ROLE_LEARNER)
			spoc_error(e, l, COL_EMAIL, "L'adresse %s est celle "
			    "d'un compte qui n'est pas un compte "
			    "d'apprenant·e.", p->email);
		else if (e->a->role == ROLE_ADVISER &&
		    u->opca_id != e->a->opca_id)
			spoc_error(e, l, COL_EMAIL, "Un compte existe déjà "
			    "pour l'adresse %s et vous ne le gérez pas (autre "
			    "OPCA).", p->email);
		else if (u->disabled)
			spoc_error(e, l, COL_EMAIL, "Le compte %s est "
			    "désactivé.", p->email);
		else if (u->opca == NULL)
			spoc_error(e, l, COL_EMAIL, "Le compte %s n'est "
			    "rattaché à aucun OPCA.", p->email);
		else if (code != NULL && strcasecmp(code, u->opca) != 0)
			spoc_error(e, l, COL_OPCA, "Le compte %s est rattaché "
			    "à l'OPCA %s, pas à « %s ».", p->email, u->opca,
			    code);
		else {
			p->user_id = u->id;
			p->opca_id = u->opca_id;
			p->opca = xstrdup(u->opca);
		}
		user_free(u);
		return (0);
	}
	if (l->v[COL_NAME] == NULL)
		spoc_error(e, l, COL_NAME, "Le nom est manquant : il faut un "
		    "nom pour créer le compte de %s.", p->email);
	else if (!spoc_text_ok(p->name, SPOC_NAME_MAX))
		spoc_error(e, l, COL_NAME, "Le nom ne doit pas dépasser %d "
		    "caractères ni contenir de caractère de contrôle.",
		    SPOC_NAME_MAX);
	if (e->a->role == ROLE_ADVISER) {
		if (code != NULL && (rc = store_opca_by_code(e->db, code,
		    &opca_id, cause)) == -1)
			return (-1);
		if (code != NULL && (rc == 0 || opca_id != e->a->opca_id)) {
			spoc_error(e, l, COL_OPCA, "Vous ne pouvez inscrire "
			    "que des apprenant·es de votre OPCA.");
			return (0);
		}
		p->opca_id = e->a->opca_id;
	} else if (code == NULL) {
		spoc_error(e, l, COL_OPCA, "Indiquez l'OPCA de %s (colonne "
		    "« opca ») : son compte sera créé.", p->email);
		return (0);
	} else if ((rc = spoc_opca(e->db, code, &p->opca_id, NULL,
	    &why)) != 0) {
		if (rc == ERR_INTERNAL) {
			*cause = why;
			return (-1);
		}
		spoc_error(e, l, COL_OPCA, "%s", why);
		free(why);
		return (0);
	}
	return (0);
}

/* The company part: known by its SIRET, or to create. */
static int
spoc_check_company(struct spoc_enrolling *e, const struct spoc_line *l,
    struct spoc_plan *p, char **cause)
{
	json_t	*c = NULL;
	char	*why = NULL;
	size_t	 i;
	int	 rc;

	if (l->v[COL_SIRET] == NULL) {
		spoc_error(e, l, COL_SIRET, "Le SIRET de l'entreprise est "
		    "manquant.");
		return (0);
	}
	if (spoc_siret_check(l->v[COL_SIRET], p->siret, &why) != 0) {
		spoc_error(e, l, COL_SIRET, "%s", why);
		free(why);
		return (0);
	}
	p->headcount = -1;
	if (l->v[COL_HEADCOUNT] != NULL) {
		if (spoc_parse_int(l->v[COL_HEADCOUNT], &p->headcount) != 0) {
			spoc_error(e, l, COL_HEADCOUNT, "L'effectif « %s » "
			    "doit être un nombre entier de salariés.",
			    l->v[COL_HEADCOUNT]);
			return (0);
		}
		if (spoc_eligible(p->headcount, &why) != 0) {
			spoc_error(e, l, COL_HEADCOUNT, "%s", why);
			free(why);
			return (0);
		}
	}
	if ((rc = store_company_by_siret(e->db, p->siret, &c, cause)) == -1)
		return (-1);
	if (rc == 1) {
		p->company_id = spoc_jint(c, "id");
		json_decref(c);
		return (0);
	}
	/* New, unless an earlier line of the file creates it. */
	for (i = 0; i < e->nplans; i++) {
		if (strcmp(e->plans[i].siret, p->siret) == 0 &&
		    e->plans[i].company != NULL)
			return (0);
	}
	if (l->v[COL_COMPANY] == NULL || p->headcount < 0)
		spoc_error(e, l, l->v[COL_COMPANY] == NULL ? COL_COMPANY :
		    COL_HEADCOUNT, "Entreprise inconnue (SIRET %s) : indiquez "
		    "sa raison sociale (colonne « entreprise ») et son "
		    "effectif (colonne « effectif ») pour l'enregistrer.",
		    p->siret);
	else if (!spoc_text_ok(l->v[COL_COMPANY], SPOC_NAME_MAX))
		spoc_error(e, l, COL_COMPANY, "La raison sociale ne doit pas "
		    "dépasser %d caractères.", SPOC_NAME_MAX);
	else
		p->company = xstrdup(l->v[COL_COMPANY]);
	return (0);
}

/*
 * Check one line without writing anything; its plan joins e->plans when
 * it holds no error. Returns -1 on a database error.
 */
static int
spoc_check_line(struct spoc_enrolling *e, struct spoc_line *l, char **cause)
{
	struct spoc_plan	 p;
	size_t			 before = json_array_size(e->errors), i;
	int64_t			 track, enrolment;
	json_t			*o;
	char			*why = NULL;
	int			 rc;

	memset(&p, 0, sizeof p);
	p.line = l->line;
	if (l->v[COL_EMAIL] == NULL)
		spoc_error(e, l, COL_EMAIL, "L'adresse e-mail est manquante.");
	else if (auth_email_check(l->v[COL_EMAIL], &why) != 0) {
		spoc_error(e, l, COL_EMAIL, "%s", why);
		free(why);
	}
	if (json_array_size(e->errors) != before) {
		/* Still say what else is wrong with the line. */
		rc = spoc_check_company(e, l, &p, cause);
		spoc_plan_clear(&p);
		return (rc);
	}
	p.email = xstrdup(l->v[COL_EMAIL]);
	for (i = 0; i < e->nplans; i++) {
		if (strcasecmp(e->plans[i].email, p.email) == 0) {
			spoc_error(e, l, COL_EMAIL, "L'adresse %s figure déjà "
			    "à la ligne %d.", p.email, e->plans[i].line);
			goto done;
		}
	}
	if (l->v[COL_FIRST] != NULL && l->v[COL_NAME] != NULL)
		xasprintf(&p.name, "%s %s", l->v[COL_FIRST], l->v[COL_NAME]);
	else if (l->v[COL_NAME] != NULL)
		p.name = xstrdup(l->v[COL_NAME]);
	if (spoc_check_account(e, l, &p, cause) != 0 ||
	    spoc_check_company(e, l, &p, cause) != 0)
		goto fail;
	if (p.opca_id != 0) {
		rc = store_track_find(e->db, e->course_id, p.opca_id, &track,
		    cause);
		if (rc == -1 || store_opca_get(e->db, p.opca_id, &o,
		    cause) != 1)
			goto fail;
		if (rc == 0)
			spoc_error(e, l, COL_OPCA, "L'OPCA %s n'a pas de "
			    "parcours pour les semaines 3 et 4 dans la "
			    "formation « %s » : impossible d'y inscrire %s.",
			    spoc_jstr(o, "name"), e->course, p.email);
		free(p.opca);
		p.opca = xstrdup(spoc_jstr(o, "code"));
		json_decref(o);
	}
	if (p.user_id != 0) {
		rc = store_enrolment_find(e->db, e->cohort_id, p.user_id,
		    &enrolment, cause);
		if (rc == -1)
			goto fail;
		p.already = rc == 1;
	}
done:
	if (json_array_size(e->errors) != before) {
		/* A faulty line keeps its e-mail only, for duplicates. */
		why = p.email;
		p.email = NULL;
		spoc_plan_clear(&p);
		memset(&p, 0, sizeof p);
		p.line = l->line;
		p.email = why;
	}
	e->plans = xreallocarray(e->plans, e->nplans + 1, sizeof *e->plans);
	e->plans[e->nplans++] = p;
	return (0);
fail:
	spoc_plan_clear(&p);
	return (-1);
}

/* Write what the checks planned: accounts, companies, enrolments. */
static int
spoc_apply(struct spoc_enrolling *e, json_t *results, char **cause)
{
	struct spoc_plan	*p;
	struct user		 u;
	json_t			*c;
	int64_t			 id;
	size_t			 i;
	int			 rc, account, company;

	for (i = 0; i < e->nplans; i++) {
		p = &e->plans[i];
		account = company = 0;
		if (p->already) {
			json_array_append_new(results, json_pack("{s:i,s:s,"
			    "s:s}", "line", p->line, "email", p->email,
			    "status", "already"));
			continue;
		}
		if (p->user_id == 0) {
			memset(&u, 0, sizeof u);
			u.email = p->email;
			u.name = p->name;
			u.role = ROLE_LEARNER;
			u.opca = p->opca;
			if ((rc = auth_user_create(e->db, e->a, &u, NULL,
			    e->now, cause)) != ERR_OK)
				return (rc);
			p->user_id = u.id;
			account = 1;
		}
		if (p->company_id == 0) {
			rc = store_company_by_siret(e->db, p->siret, &c, cause);
			if (rc == -1)
				return (ERR_INTERNAL);
			if (rc == 1) {
				p->company_id = spoc_jint(c, "id");
				json_decref(c);
			} else if (store_company_insert(e->db, p->siret,
			    p->company, p->headcount, e->now, e->a->id,
			    &p->company_id, cause) != 0 ||
			    spoc_audit(e->db, e->a, "company.create", "company",
			    p->company_id, json_pack("{s:s,s:s,s:I}", "siret",
			    p->siret, "name", p->company, "headcount",
			    (json_int_t)p->headcount), e->now, cause) != 0)
				return (ERR_INTERNAL);
			else
				company = 1;
		}
		rc = store_enrolment_insert(e->db, e->cohort_id, p->user_id,
		    p->company_id, p->opca_id, e->now, e->a->id, &id, cause);
		if (rc == -2) {
			json_array_append_new(results, json_pack("{s:i,s:s,"
			    "s:s}", "line", p->line, "email", p->email,
			    "status", "already"));
			continue;
		}
		if (rc != 0 || spoc_audit(e->db, e->a, "enrolment.create",
		    "enrolment", id, json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s}",
		    "cohort_id", (json_int_t)e->cohort_id, "user_id",
		    (json_int_t)p->user_id, "email", p->email, "company_id",
		    (json_int_t)p->company_id, "siret", p->siret, "opca",
		    p->opca, "via", e->via), e->now, cause) != 0)
			return (ERR_INTERNAL);
		json_array_append_new(results, json_pack("{s:i,s:s,s:s,s:I,"
		    "s:I,s:b,s:b}", "line", p->line, "email", p->email,
		    "status", "enrolled", "enrolment_id", (json_int_t)id,
		    "user_id", (json_int_t)p->user_id, "account_created",
		    account, "company_created", company));
	}
	return (ERR_OK);
}

/* Who may enrol, in which cohort, and the cohort's course. */
static int
spoc_enrolling_init(struct spoc_enrolling *e, struct db *db,
    const struct actor *a, int64_t cohort_id, int64_t now, json_t **cohort,
    char **cause)
{
	int64_t	 end = 0;
	char	 fr[64];
	int	 rc;

	memset(e, 0, sizeof *e);
	*cohort = NULL;
	if ((rc = spoc_manager(a, cause)) != 0)
		return (rc);
	rc = store_cohort_get(db, cohort_id, cohort, cause);
	if ((rc = spoc_found(rc, cause, "Session introuvable.")) != 0)
		return (rc);
	spoc_date_parse(spoc_jstr(*cohort, "end_date"), &end);
	if (spoc_today(now) > end) {
		spoc_date_fr(end, fr, sizeof fr);
		return (xfail(cause, ERR_INVALID, "La session « %s » est "
		    "terminée depuis le %s : on ne peut plus s'y inscrire.",
		    spoc_jstr(*cohort, "name"), fr));
	}
	e->db = db;
	e->a = a;
	e->now = now;
	e->cohort_id = cohort_id;
	e->course_id = spoc_jint(*cohort, "course_id");
	e->course = spoc_jstr(*cohort, "course_title");
	e->errors = json_array();
	return (ERR_OK);
}

static void
spoc_line_clear(struct spoc_line *l)
{
	int	 c;

	for (c = 0; c < COL_COUNT; c++)
		free(l->v[c]);
	memset(l, 0, sizeof *l);
}

/*
 * Enrol one learner from a form: {email, name, siret, company, headcount,
 * opca}, the account created when missing. *out is the result.
 */
int
spoc_enrol(struct db *db, const struct actor *a, int64_t cohort_id,
    json_t *in, int64_t now, json_t **out, char **cause)
{
	struct spoc_enrolling	 e;
	struct spoc_line	 l;
	json_t			*cohort, *results = NULL, *v;
	int			 c, rc;

	*out = NULL;
	memset(&l, 0, sizeof l);
	if ((rc = spoc_enrolling_init(&e, db, a, cohort_id, now, &cohort,
	    cause)) != 0)
		goto out;
	e.via = "form";
	for (c = 0; c < COL_COUNT; c++) {
		l.col[c] = spoc_columns[c].key;
		v = json_object_get(in, spoc_columns[c].key);
		if (json_is_integer(v))
			xasprintf(&l.v[c], "%lld",
			    (long long)json_integer_value(v));
		else if ((rc = spoc_str(in, spoc_columns[c].key,
		    spoc_columns[c].label, 0, SPOC_FIELD_MAX, &l.v[c],
		    cause)) != 0)
			goto out;
	}
	if (spoc_check_line(&e, &l, cause) != 0) {
		rc = ERR_INTERNAL;
		goto out;
	}
	if (json_array_size(e.errors) > 0) {
		rc = xfail(cause, ERR_INVALID, "%s", spoc_jstr(
		    json_array_get(e.errors, 0), "message"));
		goto out;
	}
	if (e.plans[0].already) {
		rc = xfail(cause, ERR_CONFLICT, "%s est déjà inscrit·e à "
		    "cette session.", e.plans[0].email);
		goto out;
	}
	results = json_array();
	if ((rc = spoc_apply(&e, results, cause)) == 0)
		*out = json_incref(json_array_get(results, 0));
out:
	json_decref(results);
	spoc_line_clear(&l);
	spoc_enrolling_clear(&e);
	json_decref(cohort);
	return (rc);
}

/* A CSV header as it is compared: lower case, no accents, single spaces. */
static void
spoc_header_norm(const char *in, char *out, size_t len)
{
	static const char	 fold[] = "aaaaaaaceeeeiiiidnooooo ouuuuy s";
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 n = 0;
	char			 c;

	for (; *p != '\0' && n + 1 < len; p++) {
		if (isalnum(*p))
			c = (char)tolower(*p);
		else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			c = fold[(p[1] - 0x80) % 32];
			p++;
		} else
			c = ' ';
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int
spoc_header_column(const char *name)
{
	char		 norm[128];
	const char	*a, *bar;
	size_t		 n;
	int		 c;

	spoc_header_norm(name, norm, sizeof norm);
	n = strlen(norm);
	for (c = 0; c < COL_COUNT; c++) {
		for (a = spoc_columns[c].aliases; *a != '\0'; a = bar + 1) {
			bar = strchrnul(a, '|');
			if ((size_t)(bar - a) == n && strncmp(a, norm, n) == 0)
				return (c);
			if (*bar == '\0')
				break;
		}
	}
	return (-1);
}

static void
spoc_file_error(json_t *errors, int line, const char *column,
    const char *msg)
{
	json_array_append_new(errors, json_pack("{s:o,s:s?,s:s}", "line",
	    line > 0 ? json_integer(line) : json_null(), "column", column,
	    "message", msg));
}

/* Which field holds which column; unknown columns are reported, ignored. */
static void
spoc_csv_header(struct spoc_csv_record *h, int *map, json_t *ignored,
    json_t *errors)
{
	char	*msg;
	size_t	 i;
	int	 c, seen[COL_COUNT];

	memset(seen, 0, sizeof seen);
	for (i = 0; i < h->nfields; i++) {
		map[i] = spoc_header_column(h->fields[i]);
		if (map[i] == -1) {
			if (*h->fields[i] != '\0')
				json_array_append_new(ignored,
				    json_string(h->fields[i]));
			continue;
		}
		if (seen[map[i]]++) {
			xasprintf(&msg, "La colonne « %s » apparaît deux fois.",
			    h->fields[i]);
			spoc_file_error(errors, h->line, h->fields[i], msg);
			free(msg);
		}
	}
	for (c = 0; c < COL_COUNT; c++) {
		if (!spoc_columns[c].required || seen[c])
			continue;
		xasprintf(&msg, "Colonne obligatoire manquante : « %s ». "
		    "L'en-tête doit nommer au moins les colonnes e-mail, nom "
		    "et siret.", spoc_columns[c].label);
		spoc_file_error(errors, h->line, NULL, msg);
		free(msg);
	}
}

static int
spoc_count(json_t *results, const char *key, const char *value)
{
	json_t	*r, *v;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(results, i, r) {
		v = json_object_get(r, key);
		if (value != NULL ? strcmp(spoc_jstr(r, key), value) == 0 :
		    json_is_true(v))
			n++;
	}
	return (n);
}

/* Check record i of a file, its fields placed by the header's map. */
static int
spoc_csv_line(struct spoc_enrolling *e, struct spoc_csv *csv, size_t i,
    const int *map, char **cause)
{
	struct spoc_csv_record	*h = &csv->recs[0], *r = &csv->recs[i];
	struct spoc_line	 l;
	size_t			 f;
	int			 c, rc = 0;

	memset(&l, 0, sizeof l);
	l.line = r->line;
	for (c = 0; c < COL_COUNT; c++)
		l.col[c] = spoc_columns[c].label;
	for (f = 0; f < r->nfields; f++) {
		if (f >= h->nfields) {
			if (*r->fields[f] == '\0')
				continue;
			spoc_error(e, &l, -1, "La ligne a plus de colonnes que "
			    "l'en-tête (%zu) : un séparateur en trop ?",
			    h->nfields);
			goto out;
		}
		if ((c = map[f]) == -1)
			continue;
		l.col[c] = h->fields[f];
		l.v[c] = spoc_trim(r->fields[f]);
		if (*l.v[c] == '\0') {
			free(l.v[c]);
			l.v[c] = NULL;
		}
	}
	rc = spoc_check_line(e, &l, cause);
out:
	spoc_line_clear(&l);
	return (rc);
}

/*
 * Enrol the learners of a CSV file in a cohort: a header line naming the
 * columns (e-mail, nom, siret, and prénom, entreprise, effectif, opca),
 * then one learner per line. Every line is checked first; if any is wrong
 * nothing is written and the report lists each error (line, column,
 * message). Otherwise accounts, companies and enrolments are created, each
 * with its audit row, plus one row for the import. The caller's
 * transaction makes it all or nothing.
 */
int
spoc_enrol_csv(struct db *db, const struct actor *a, int64_t cohort_id,
    const char *buf, size_t len, int64_t now, json_t **report, char **cause)
{
	struct spoc_enrolling	 e;
	struct spoc_csv		*csv = NULL;
	json_t			*cohort, *ignored, *results;
	char			*why = NULL, sha[65], sep[2];
	int			*map = NULL, rc, header_bad = 0;
	size_t			 i, lines = 0;

	*report = NULL;
	if ((rc = spoc_enrolling_init(&e, db, a, cohort_id, now, &cohort,
	    cause)) != 0) {
		spoc_enrolling_clear(&e);
		return (rc);
	}
	e.via = "csv";
	ignored = json_array();
	results = json_array();
	sign_sha256_hex(buf, len, sha);
	if (spoc_csv_parse(buf, len, &csv, &why) != 0) {
		spoc_file_error(e.errors, 0, NULL, why);
		free(why);
	} else if (csv->nrecs < 2)
		spoc_file_error(e.errors, 0, NULL, csv->nrecs == 0 ?
		    "Le fichier est vide." : "Le fichier ne contient que "
		    "l'en-tête : aucune personne à inscrire.");
	else if (csv->nrecs - 1 > SPOC_CSV_MAX_LINES) {
		xasprintf(&why, "Le fichier compte plus de %d lignes : "
		    "découpez-le.", SPOC_CSV_MAX_LINES);
		spoc_file_error(e.errors, 0, NULL, why);
		free(why);
	} else {
		map = xreallocarray(NULL, csv->recs[0].nfields, sizeof *map);
		spoc_csv_header(&csv->recs[0], map, ignored, e.errors);
		header_bad = json_array_size(e.errors) > 0;
	}
	/* Lines are checked only under a usable header, but all of them. */
	for (i = 1; map != NULL && !header_bad && i < csv->nrecs; i++) {
		lines++;
		if (spoc_csv_line(&e, csv, i, map, cause) != 0) {
			rc = ERR_INTERNAL;
			goto out;
		}
	}
	if (json_array_size(e.errors) > 0)
		rc = xfail(cause, ERR_INVALID, "Le fichier contient %zu "
		    "erreur(s) : rien n'a été importé. Corrigez-les puis "
		    "envoyez le fichier de nouveau.",
		    json_array_size(e.errors));
	else if ((rc = spoc_apply(&e, results, cause)) == 0)
		rc = spoc_audit(db, a, "enrolment.import", "cohort", cohort_id,
		    json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i}", "file_sha256",
		    sha, "encoding", csv->encoding, "lines", (int)lines,
		    "enrolled", spoc_count(results, "status", "enrolled"),
		    "already", spoc_count(results, "status", "already"),
		    "accounts_created", spoc_count(results, "account_created",
		    NULL), "companies_created", spoc_count(results,
		    "company_created", NULL)), now, cause);
out:
	sep[0] = csv != NULL ? csv->sep : ';';
	sep[1] = '\0';
	*report = json_pack("{s:I,s:s,s:s?,s:s,s:i,s:i,s:i,s:i,s:i,s:o,s:O,"
	    "s:o}", "cohort_id", (json_int_t)cohort_id, "file_sha256", sha,
	    "encoding", csv != NULL ? csv->encoding : NULL, "separator", sep,
	    "lines", (int)lines,
	    "enrolled", spoc_count(results, "status", "enrolled"),
	    "already", spoc_count(results, "status", "already"),
	    "accounts_created", spoc_count(results, "account_created", NULL),
	    "companies_created", spoc_count(results, "company_created", NULL),
	    "ignored_columns", ignored, "errors", e.errors, "results",
	    results);
	free(map);
	spoc_csv_free(csv);
	spoc_enrolling_clear(&e);
	json_decref(cohort);
	return (rc);
}

/* The regroupement's attendance sheet (émargement). */

static int
spoc_present_arg(json_t *v, int *present)
{
	const char	*s = json_string_value(v);

	if (json_is_boolean(v))
		*present = json_is_true(v);
	else if (s != NULL && (strcmp(s, "present") == 0 ||
	    strcmp(s, "présent") == 0))
		*present = 1;
	else if (s != NULL && strcmp(s, "absent") == 0)
		*present = 0;
	else
		return (-1);
	return (0);
}

/*
 * Mark learners of a cohort present or absent: {"marks": [{"enrolment": N,
 * "present": true}, ...]}. Each mark is a new row with its time and author
 * that names the mark it supersedes; the latest one counts. Advisers mark
 * their OPCA's learners, admins anyone, from the regroupement's day on.
 */
int
spoc_attendance_mark(struct db *db, const struct actor *a, int64_t cohort_id,
    json_t *in, int64_t now, json_t **out, char **cause)
{
	json_t	*cohort = NULL, *marks, *m, *enr, *done = NULL;
	int64_t	 day = 0, eid, last, id;
	char	 fr[64];
	size_t	 i;
	int	 rc, present;

	*out = NULL;
	if ((rc = spoc_manager(a, cause)) != 0)
		return (rc);
	rc = store_cohort_get(db, cohort_id, &cohort, cause);
	if ((rc = spoc_found(rc, cause, "Session introuvable.")) != 0)
		return (rc);
	spoc_date_parse(spoc_jstr(cohort, "meeting_date"), &day);
	json_decref(cohort);
	if (spoc_today(now) < day) {
		spoc_date_fr(day, fr, sizeof fr);
		return (xfail(cause, ERR_INVALID, "Le regroupement a lieu "
		    "le %s : l'émargement ouvre ce jour-là.", fr));
	}
	marks = json_object_get(in, "marks");
	if (!json_is_array(marks) || json_array_size(marks) == 0 ||
	    json_array_size(marks) > SPOC_CSV_MAX_LINES)
		return (xfail(cause, ERR_INVALID, "Indiquez au moins une "
		    "présence ou une absence (champ « marks »)."));
	done = json_array();
	json_array_foreach(marks, i, m) {
		if (!json_is_integer(json_object_get(m, "enrolment")) ||
		    spoc_present_arg(json_object_get(m, "present"),
		    &present) != 0) {
			rc = xfail(cause, ERR_INVALID, "Chaque émargement "
			    "indique une inscription (« enrolment ») et "
			    "« present » (true ou false).");
			goto out;
		}
		eid = spoc_jint(m, "enrolment");
		rc = store_enrolment_get(db, a, eid, &enr, cause);
		if (rc == 1 && spoc_jint(enr, "cohort_id") != cohort_id) {
			json_decref(enr);
			rc = 0;
		}
		if ((rc = spoc_found(rc, cause, "Inscription introuvable dans "
		    "cette session.")) != 0)
			goto out;
		last = 0;
		if (store_attendance_last(db, eid, &last, cause) == -1 ||
		    store_attendance_insert(db, eid, present, now, a, last,
		    &id, cause) != 0 ||
		    spoc_audit(db, a, "attendance.mark", "enrolment", eid,
		    json_pack("{s:I,s:I,s:I,s:b,s:o}", "mark_id",
		    (json_int_t)id, "cohort_id", (json_int_t)cohort_id,
		    "user_id", (json_int_t)spoc_jint(enr, "user_id"),
		    "present", present, "supersedes", last != 0 ?
		    json_integer(last) : json_null()), now, cause) != 0) {
			json_decref(enr);
			rc = ERR_INTERNAL;
			goto out;
		}
		json_decref(enr);
		json_array_append_new(done, json_pack("{s:I,s:I,s:b,s:I,s:s,"
		    "s:o}", "id", (json_int_t)id, "enrolment_id",
		    (json_int_t)eid, "present", present, "at", (json_int_t)now,
		    "by_label", a->label != NULL ? a->label : "cli",
		    "supersedes", last != 0 ? json_integer(last) :
		    json_null()));
	}
	*out = json_pack("{s:O}", "marks", done);
out:
	json_decref(done);
	return (rc);
}

/* Every mark of a cohort the actor may see, oldest first. */
int
spoc_attendance_list(struct db *db, const struct actor *a, int64_t cohort_id,
    json_t **out, char **cause)
{
	json_t	*c = NULL;
	int	 rc;

	*out = NULL;
	rc = store_cohort_get(db, cohort_id, &c, cause);
	json_decref(c);
	if ((rc = spoc_found(rc, cause, "Session introuvable.")) != 0)
		return (rc);
	if (store_attendance_list(db, a, cohort_id, out, cause) != 0)
		return (ERR_INTERNAL);
	spoc_present_bool(*out);
	return (ERR_OK);
}

/* The learner's side. */

/*
 * May this actor open this SCO now? Staff who run the course (advisers,
 * admins) may open any. A learner needs an enrolment in a cohort whose
 * course has the SCO in the trunk or in the learner's OPCA track, the
 * unit's week open (from midnight, Paris time, of its first day) and the
 * cohort not ended (until midnight after its end date). Returns ERR_OK
 * (with *out, when given, saying which enrolment and unit), ERR_FORBIDDEN
 * with a French reason in *why, or ERR_INTERNAL with the cause in *why.
 */
int
spoc_unit_access(struct db *db, const struct actor *a, int64_t package_id,
    const char *item, int64_t now, struct spoc_access *out, char **why)
{
	struct spoc_access	 none;
	json_t			*rows, *row, *ended = NULL;
	int64_t			 start, end, opens, soonest = 0, sday = 0;
	size_t			 i;
	char			 fr[64];

	if (out == NULL)
		out = &none;
	memset(out, 0, sizeof *out);
	if (a->role == ROLE_ADVISER || a->role == ROLE_ADMIN)
		return (ERR_OK);
	if (a->role != ROLE_LEARNER)
		return (xfail(why, ERR_FORBIDDEN, "Votre rôle permet de "
		    "consulter les relevés, pas d'ouvrir les unités."));
	if (store_spoc_access(db, a->id, package_id, item, &rows, why) != 0)
		return (ERR_INTERNAL);
	json_array_foreach(rows, i, row) {
		if (spoc_date_parse(spoc_jstr(row, "start_date"),
		    &start) != 0 ||
		    spoc_date_parse(spoc_jstr(row, "end_date"), &end) != 0)
			continue;
		opens = spoc_week_opens(start, (int)spoc_jint(row, "week"));
		if (now >= opens && now < spoc_day_start(end + 1)) {
			out->enrolment_id = spoc_jint(row, "enrolment_id");
			out->cohort_id = spoc_jint(row, "cohort_id");
			out->unit_id = spoc_jint(row, "unit_id");
			out->week = (int)spoc_jint(row, "week");
			out->minutes = (int)spoc_jint(row, "minutes");
			json_decref(rows);
			return (ERR_OK);
		}
		if (now < opens && (soonest == 0 || opens < soonest)) {
			soonest = opens;
			sday = start + 7 * (spoc_jint(row, "week") - 1);
		} else if (now >= opens)
			ended = row;
	}
	if (soonest != 0) {
		spoc_date_fr(sday, fr, sizeof fr);
		xfail(why, ERR_FORBIDDEN, "Cette unité ouvre le %s.", fr);
	} else if (ended != NULL) {
		spoc_date_parse(spoc_jstr(ended, "end_date"), &end);
		spoc_date_fr(end, fr, sizeof fr);
		xfail(why, ERR_FORBIDDEN, "La session « %s » s'est "
		    "terminée le %s : cette unité n'est plus accessible.",
		    spoc_jstr(ended, "cohort"), fr);
	} else
		xfail(why, ERR_FORBIDDEN, "Cette unité ne fait pas partie "
		    "de votre parcours.");
	json_decref(rows);
	return (ERR_FORBIDDEN);
}

/* A new enrolment's record from its first row (see spoc_records). */
static json_t *
spoc_record_new(json_t *row, int64_t now)
{
	json_t	*e, *cohort, *weeks, *w, *present;
	int64_t	 end = 0, today = spoc_today(now);
	size_t	 i;

	cohort = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id",
	    json_object_get(row, "cohort_id"), "name",
	    json_object_get(row, "cohort"), "start_date",
	    json_object_get(row, "start_date"), "end_date",
	    json_object_get(row, "end_date"), "meeting_date",
	    json_object_get(row, "meeting_date"), "meeting_time",
	    json_object_get(row, "meeting_time"), "meeting_mode",
	    json_object_get(row, "meeting_mode"), "meeting_place",
	    json_object_get(row, "meeting_place"));
	spoc_cohort_calendar(cohort, now);
	spoc_date_parse(spoc_jstr(row, "end_date"), &end);
	weeks = json_object_get(cohort, "weeks");
	json_array_foreach(weeks, i, w) {
		json_object_set_new(w, "state", json_string(today > end ?
		    "ended" : json_is_true(json_object_get(w, "open")) ?
		    "open" : "locked"));
		json_object_set_new(w, "units", json_array());
	}
	json_incref(weeks);
	json_object_del(cohort, "weeks");
	present = json_object_get(row, "present");
	e = json_pack("{s:O,s:{s:O,s:O,s:O},s:o,s:{s:O,s:O},s:{s:O,s:O},"
	    "s:{s:O,s:O},s:{s:o,s:O,s:O},s:o}",
	    "id", json_object_get(row, "enrolment_id"),
	    "learner", "id", json_object_get(row, "user_id"), "name",
	    json_object_get(row, "learner"), "email",
	    json_object_get(row, "email"), "cohort", cohort,
	    "course", "id", json_object_get(row, "course_id"), "title",
	    json_object_get(row, "course"), "company", "name",
	    json_object_get(row, "company"), "siret",
	    json_object_get(row, "siret"), "opca", "code",
	    json_object_get(row, "opca"), "name",
	    json_object_get(row, "opca_name"), "attendance", "present",
	    json_is_integer(present) ? json_boolean(json_integer_value(
	    present) != 0) : json_null(), "at",
	    json_object_get(row, "marked_at"), "by_label",
	    json_object_get(row, "marked_by"), "weeks", weeks);
	return (e);
}

/* Enrolments' records built from their rows, one at a time. */
struct spoc_records {
	int64_t		 now;
	json_t		*e;		/* the one being built */
	int		(*fn)(json_t *, void *, char **);
	void		*arg;
};

/* Hand the enrolment built to fn. */
static int
spoc_record_end(struct spoc_records *r, char **cause)
{
	int	 rc = ERR_OK;

	if (r->e != NULL) {
		rc = r->fn(r->e, r->arg, cause);
		json_decref(r->e);
		r->e = NULL;
	}
	return (rc);
}

/* One row: the first of an enrolment, then one per unit of its tracks. */
static int
spoc_record_row(json_t *row, void *arg, char **cause)
{
	struct spoc_records	*r = arg;
	json_t			*w;
	int64_t			 week;
	int			 trunk, n, rc;

	if (r->e == NULL || spoc_jint(row, "enrolment_id") !=
	    spoc_jint(r->e, "id")) {
		if ((rc = spoc_record_end(r, cause)) != ERR_OK)
			return (rc);
		r->e = spoc_record_new(row, r->now);
	}
	if (json_is_null(json_object_get(row, "track")))
		return (ERR_OK);
	trunk = spoc_jint(row, "trunk") != 0;
	for (n = 1; n <= SPOC_WEEKS; n++) {
		if ((n <= SPOC_TRUNK_WEEKS) != (trunk != 0))
			continue;
		w = json_array_get(json_object_get(r->e, "weeks"), n - 1);
		json_object_set(w, "track", json_object_get(row, "track"));
	}
	week = spoc_jint(row, "week");
	if (json_is_null(json_object_get(row, "unit_id")) ||
	    week < 1 || week > SPOC_WEEKS)
		return (ERR_OK);
	w = json_array_get(json_object_get(r->e, "weeks"), week - 1);
	json_array_append_new(json_object_get(w, "units"), json_pack(
	    "{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id",
	    json_object_get(row, "unit_id"), "position",
	    json_object_get(row, "position"), "title",
	    json_object_get(row, "title"), "minutes",
	    json_object_get(row, "minutes"), "package_id",
	    json_object_get(row, "package_id"), "item",
	    json_object_get(row, "item"), "version",
	    json_object_get(row, "version")));
	return (ERR_OK);
}

/*
 * The record of each enrolment by selects in the actor's scope (a
 * learner's, one, or a cohort's), passed to fn one at a time (fn takes a
 * reference to keep it): its learner, cohort with the calendar, course,
 * company, OPCA, latest attendance mark ("attendance": present, at,
 * by_label, null without a mark), and four weeks, each with its opening
 * date, state (open, locked, ended), track and units. Stops at fn's first
 * error, which it returns.
 */
int
spoc_records(struct db *db, const struct actor *a, enum store_by by,
    int64_t id, int64_t now, int (*fn)(json_t *, void *, char **),
    void *arg, char **cause)
{
	struct spoc_records	 r = { now, NULL, fn, arg };
	int			 rc;

	rc = store_spoc_course(db, a, by, id, spoc_record_row, &r, cause);
	if (rc == ERR_OK)
		rc = spoc_record_end(&r, cause);
	json_decref(r.e);
	return (rc);
}

static int
spoc_record_append(json_t *e, void *list, char **cause)
{
	json_array_append(list, e);
	return (ERR_OK);
}

/* A learner's course: the records of their enrolments (spoc_records). */
int
spoc_learner_course(struct db *db, const struct actor *a, int64_t now,
    json_t **out, char **cause)
{
	json_t	*list = json_array();
	char	 today[16];
	int	 rc;

	*out = NULL;
	if ((rc = spoc_records(db, a, STORE_BY_LEARNER, a->id, now,
	    spoc_record_append, list, cause)) != ERR_OK) {
		json_decref(list);
		return (rc);
	}
	spoc_date_format(spoc_today(now), today, sizeof today);
	*out = json_pack("{s:s,s:I,s:o}", "today", today, "now",
	    (json_int_t)now, "enrolments", list);
	return (ERR_OK);
}
