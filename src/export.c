/*
 * Exports for French spreadsheets: CSV in UTF-8 with a byte order mark,
 * ';' between fields and CRLF line ends, which Excel opens as is. Dates in
 * Paris time, durations as h:mm:ss.
 */
#include "config.h"

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

/*
 * The relevé de connexions of a learner's course (the JSON of
 * spoc_learner_course with rte_course_progress): one line per unit.
 */
char *
export_releve_csv(json_t *course, size_t *len)
{
	static const char	*head[] = { "Session", "Semaine", "Unité",
				    "Durée estimée (min)", "Première connexion",
				    "Dernière connexion", "Connexions",
				    "Temps mesuré", "Temps déclaré par l'unité",
				    "Avancement", "Réussite", "Score" };
	struct export_buf	 b = { NULL, 0, 0 };
	json_t			*e, *w, *u, *p;
	char			 num[32], first[32], last[32], meas[32];
	char			 rep[32], minutes[32];
	size_t			 i, j, k;

	export_add(&b, "\xef\xbb\xbf", 3);
	for (i = 0; i < nitems(head); i++)
		export_field(&b, head[i], i == nitems(head) - 1);
	json_array_foreach(json_object_get(course, "enrolments"), i, e) {
		json_array_foreach(json_object_get(e, "weeks"), j, w) {
			json_array_foreach(json_object_get(w, "units"), k, u) {
				p = json_object_get(u, "progress");
				snprintf(num, sizeof num, "%lld", (long long)
				    json_integer_value(json_object_get(w,
				    "week")));
				snprintf(minutes, sizeof minutes, "%lld",
				    (long long)json_integer_value(
				    json_object_get(u, "minutes")));
				export_date(json_integer_value(
				    json_object_get(p, "first_at")), first,
				    sizeof first);
				export_date(json_integer_value(
				    json_object_get(p, "last_at")), last,
				    sizeof last);
				export_duration(json_integer_value(
				    json_object_get(p, "measured_ms")), meas,
				    sizeof meas);
				export_duration(json_integer_value(
				    json_object_get(p, "reported_ms")), rep,
				    sizeof rep);
				export_field(&b, json_string_value(
				    json_object_get(json_object_get(e,
				    "cohort"), "name")), 0);
				export_field(&b, num, 0);
				export_field(&b, json_string_value(
				    json_object_get(u, "title")), 0);
				export_field(&b, minutes, 0);
				export_field(&b, first, 0);
				export_field(&b, last, 0);
				snprintf(num, sizeof num, "%lld", (long long)
				    json_integer_value(json_object_get(p,
				    "visits")));
				export_field(&b, num, 0);
				export_field(&b, meas, 0);
				export_field(&b, rep, 0);
				export_field(&b, export_fr(json_string_value(
				    json_object_get(p, "completion"))), 0);
				export_field(&b, export_fr(json_string_value(
				    json_object_get(p, "success"))), 0);
				export_field(&b, json_string_value(
				    json_object_get(p, "score")), 1);
			}
		}
	}
	*len = b.len;
	return (b.s);
}
