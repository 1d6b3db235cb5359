/*
 * Unit tests of spoc.c: calendar arithmetic and the Paris time zone (checked
 * against the system's tz database), week opening dates across summer-time
 * changes, SIRET keys, eligibility, CSV parsing, and on a scratch database
 * the access rule and the all-or-nothing CSV enrolment.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "assidu.h"

#define S(ms)	((int64_t)(ms) * 1000)

static void
test_civil(void **state)
{
	int64_t	 d;
	int	 y, m, dd, y2, m2, d2;

	assert_int_equal(spoc_day(1970, 1, 1), 0);
	assert_int_equal(spoc_day(2000, 3, 1), 11017);
	assert_int_equal(spoc_day(1969, 12, 31), -1);
	/* Every day of two centuries goes there and back. */
	for (d = spoc_day(2000, 1, 1); d < spoc_day(2200, 1, 1); d++) {
		spoc_civil(d, &y, &m, &dd);
		assert_int_equal(spoc_day(y, m, dd), d);
		spoc_civil(d + 1, &y2, &m2, &d2);
		assert_true(d2 == dd + 1 || (d2 == 1 && (m2 == m + 1 ||
		    (m2 == 1 && y2 == y + 1))));
	}
	assert_int_equal(spoc_weekday(0), 4);			/* Thursday */
	assert_int_equal(spoc_weekday(spoc_day(2026, 12, 7)), 1);
	assert_int_equal(spoc_weekday(spoc_day(2026, 3, 29)), 0);
	assert_int_equal(spoc_weekday(-1), 3);
}

static void
test_date_parse(void **state)
{
	static const char	*bad[] = {
		"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
		"2026-1-01", "26-12-07", "2026-12-07x", "2026/12/07",
		"1999-12-31", "2200-01-01", "", "2026-12-0a", " 2026-12-07",
	};
	char	 buf[64];
	int64_t	 d;
	size_t	 i;

	assert_int_equal(spoc_date_parse("2024-02-29", &d), 0);
	assert_int_equal(d, spoc_day(2024, 2, 29));
	assert_int_equal(spoc_date_parse("2026-12-07", &d), 0);
	spoc_date_format(d, buf, sizeof buf);
	assert_string_equal(buf, "2026-12-07");
	for (i = 0; i < nitems(bad); i++)
		assert_int_equal(spoc_date_parse(bad[i], &d), -1);
	assert_int_equal(spoc_date_parse(NULL, &d), -1);

	spoc_date_fr(spoc_day(2026, 12, 7), buf, sizeof buf);
	assert_string_equal(buf, "lundi 7 décembre 2026");
	spoc_date_fr(spoc_day(2027, 6, 1), buf, sizeof buf);
	assert_string_equal(buf, "mardi 1er juin 2027");
	spoc_date_fr(spoc_day(2026, 8, 15), buf, sizeof buf);
	assert_string_equal(buf, "samedi 15 août 2026");
	spoc_date_fr(spoc_day(2026, 2, 1), buf, sizeof buf);
	assert_string_equal(buf, "dimanche 1er février 2026");
}

/* Summer time starts and ends at 01:00 UTC on the last Sundays. */
static void
test_paris_offset(void **state)
{
	assert_int_equal(spoc_paris_offset(S(1774746000) - 1), 3600);
	assert_int_equal(spoc_paris_offset(S(1774746000)), 7200);
	assert_int_equal(spoc_paris_offset(S(1792890000) - 1), 7200);
	assert_int_equal(spoc_paris_offset(S(1792890000)), 3600);
	assert_int_equal(spoc_paris_offset(S(1767225600)), 3600);  /* Jan */
	assert_int_equal(spoc_paris_offset(S(1783036800)), 7200);  /* Jul */
}

/* Midnight in Paris, on ordinary days and around both changes. */
static void
test_day_start(void **state)
{
	assert_int_equal(spoc_day_start(spoc_day(2026, 12, 7)),
	    S(1796598000));
	assert_int_equal(spoc_day_start(spoc_day(2026, 3, 29)),
	    S(1774738800));		/* still winter at midnight */
	assert_int_equal(spoc_day_start(spoc_day(2026, 3, 30)),
	    S(1774821600));		/* first summer midnight */
	assert_int_equal(spoc_day_start(spoc_day(2026, 10, 25)),
	    S(1792879200));		/* last summer midnight */
	assert_int_equal(spoc_day_start(spoc_day(2026, 10, 26)),
	    S(1792969200));
	/* The day an instant falls on, either side of midnight. */
	assert_int_equal(spoc_today(S(1796598000) - 1),
	    spoc_day(2026, 12, 6));
	assert_int_equal(spoc_today(S(1796598000)), spoc_day(2026, 12, 7));
	assert_int_equal(spoc_today(S(1774821600) - 1),
	    spoc_day(2026, 3, 29));
	assert_int_equal(spoc_today(S(1774821600)), spoc_day(2026, 3, 30));
}

/* The same answer as the system's tz database, every day of a century. */
static void
test_day_start_matches_tzdata(void **state)
{
	struct tm	 tm;
	char		*old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	int64_t		 d;
	time_t		 t;
	int		 y, m, dd;

	assert_int_equal(access("/usr/share/zoneinfo/Europe/Paris", R_OK), 0);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	for (d = spoc_day(2000, 1, 1); d < spoc_day(2100, 1, 1); d++) {
		spoc_civil(d, &y, &m, &dd);
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = dd;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		assert_int_equal(spoc_day_start(d), S(t));
		assert_int_equal(spoc_today(S(t)), d);
		assert_int_equal(spoc_today(S(t) - 1), d - 1);
	}
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* Weeks open 7 days apart, which is 167 or 169 hours across a change. */
static void
test_week_opens(void **state)
{
	int64_t	 spring = spoc_day(2026, 3, 16);
	int64_t	 autumn = spoc_day(2026, 10, 12);

	assert_int_equal(spoc_week_opens(spring, 1), S(1773615600));
	assert_int_equal(spoc_week_opens(spring, 2), S(1774220400));
	assert_int_equal(spoc_week_opens(spring, 3), S(1774821600));
	assert_int_equal(spoc_week_opens(spring, 4), S(1775426400));
	assert_int_equal(spoc_week_opens(spring, 3) - spoc_week_opens(spring,
	    2), S(167 * 3600));
	assert_int_equal(spoc_week_opens(autumn, 2), S(1792360800));
	assert_int_equal(spoc_week_opens(autumn, 3), S(1792969200));
	assert_int_equal(spoc_week_opens(autumn, 3) - spoc_week_opens(autumn,
	    2), S(169 * 3600));
	assert_int_equal(spoc_week_opens(spoc_day(2026, 11, 16), 4),
	    spoc_day_start(spoc_day(2026, 12, 7)));
}

static void
test_siret(void **state)
{
	static const char	*good[] = {
		"73282932000074", "732 829 320 00074", "44306184100047",
		"732\xc2\xa0" "829\xc2\xa0" "320\xc2\xa0" "00074",
		"35600000049837",	/* La Poste: digit sum multiple of 5 */
		"35600000000048",	/* its head office: Luhn */
		"88812345600012",
	};
	static const char	*bad[] = {
		"73282932000075", "7328293200007", "732829320000744",
		"7328293200007A", "35600000049838", "35600000000049",
		"00000000000000", "", "732-829-320-00074",
	};
	char	 out[15], *cause = NULL;
	size_t	 i;

	for (i = 0; i < nitems(good); i++) {
		assert_int_equal(spoc_siret_check(good[i], out, &cause), 0);
		assert_int_equal(strlen(out), 14);
	}
	assert_int_equal(spoc_siret_check("732 829 320 00074", out, &cause),
	    0);
	assert_string_equal(out, "73282932000074");
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(spoc_siret_check(bad[i], out, &cause),
		    ERR_INVALID);
		assert_non_null(strstr(cause, "SIRET"));
		free(cause);
		cause = NULL;
	}
}

static void
test_eligible(void **state)
{
	char	*cause = NULL;

	assert_int_equal(spoc_eligible(0, &cause), 0);
	assert_int_equal(spoc_eligible(12, &cause), 0);
	assert_int_equal(spoc_eligible(249, &cause), 0);
	assert_int_equal(spoc_eligible(250, &cause), ERR_INVALID);
	assert_non_null(strstr(cause, "moins de 250 salariés"));
	assert_non_null(strstr(cause, "250 salariés,"));
	free(cause);
	assert_int_equal(spoc_eligible(5000, &cause), ERR_INVALID);
	free(cause);
	assert_int_equal(spoc_eligible(-1, &cause), ERR_INVALID);
	free(cause);
}

static void
test_csv_parse(void **state)
{
	static const char	 semi[] = "\xef\xbb\xbf" "e-mail;nom\r\n"
	    "a@b.fr;\"Dupont; Jean\"\r\n\r\n;;\r\n"
	    "\"c@d.fr\";\"dit \"\"Jo\"\"\r\nsur deux lignes\"\r\n"
	    "last@x.fr;Fin";
	struct spoc_csv		*csv;
	char			*cause = NULL;

	assert_int_equal(spoc_csv_parse(semi, strlen(semi), &csv, &cause), 0);
	assert_int_equal(csv->sep, ';');
	assert_string_equal(csv->encoding, "utf-8");
	assert_int_equal(csv->nrecs, 4);
	assert_string_equal(csv->recs[0].fields[0], "e-mail");
	assert_int_equal(csv->recs[1].line, 2);
	assert_string_equal(csv->recs[1].fields[1], "Dupont; Jean");
	assert_int_equal(csv->recs[2].line, 5);
	assert_string_equal(csv->recs[2].fields[1],
	    "dit \"Jo\"\r\nsur deux lignes");
	assert_int_equal(csv->recs[3].line, 7);
	assert_string_equal(csv->recs[3].fields[1], "Fin");
	spoc_csv_free(csv);

	assert_int_equal(spoc_csv_parse("email,nom,siret\nx@y.fr,\"A, B\",1\n",
	    32, &csv, &cause), 0);
	assert_int_equal(csv->sep, ',');
	assert_int_equal(csv->nrecs, 2);
	assert_int_equal(csv->recs[1].nfields, 3);
	assert_string_equal(csv->recs[1].fields[1], "A, B");
	spoc_csv_free(csv);

	/* Windows-1252 (Excel's "CSV"): é is 0xe9, œ 0x9c. */
	assert_int_equal(spoc_csv_parse("nom;pr\xe9nom\nC\x9cur;L\xe9" "a\n",
	    20, &csv, &cause), 0);
	assert_string_equal(csv->encoding, "windows-1252");
	assert_string_equal(csv->recs[0].fields[1], "prénom");
	assert_string_equal(csv->recs[1].fields[0], "Cœur");
	assert_string_equal(csv->recs[1].fields[1], "Léa");
	spoc_csv_free(csv);

	assert_int_equal(spoc_csv_parse("a\tb\n1\t2\n", 8, &csv, &cause), 0);
	assert_int_equal(csv->sep, '\t');
	spoc_csv_free(csv);

	assert_int_equal(spoc_csv_parse("a;b\n\"x;y\n", 9, &csv, &cause),
	    ERR_INVALID);
	assert_non_null(strstr(cause, "Ligne 2"));
	free(cause);
	assert_int_equal(spoc_csv_parse("a;b\n\0;y\n", 8, &csv, &cause),
	    ERR_INVALID);
	free(cause);
	/* 0x81 has no character in Windows-1252 either. */
	assert_int_equal(spoc_csv_parse("a;\x81\n", 4, &csv, &cause),
	    ERR_INVALID);
	free(cause);
	assert_int_equal(spoc_csv_parse("", 0, &csv, &cause), 0);
	assert_int_equal(csv->nrecs, 0);
	spoc_csv_free(csv);
}

/* A scratch database with one course, one cohort, one learner. */

static const struct actor admin = { 0, ROLE_ADMIN, 0, "cli" };

struct fixture {
	char		 dir[64];
	struct db	*db;
	int64_t		 course;
	int64_t		 cohort;
	struct actor	 learner;
	int64_t		 unifaf;
};

static int64_t
add_package(struct db *db, const char *sha, const char *items)
{
	char	*manifest, *cause = NULL;
	int64_t	 id;

	xasprintf(&manifest, "{\"version\":12,\"edition\":\"1.2\","
	    "\"title\":\"T\",\"items\":[%s]}", items);
	assert_int_equal(store_package_insert(db, sha, "Paquet", 12, "1.2",
	    manifest, 1, 1, 0, 0, &id, &cause), 0);
	free(manifest);
	return (id);
}

static int
setup(void **state)
{
	struct fixture	*f = xcalloc(1, sizeof *f);
	struct user	 u;
	json_t		*in, *out;
	char		*path, *cause = NULL;
	int64_t		 p1, p2;
	int		 v;

	snprintf(f->dir, sizeof f->dir, "/tmp/assidu-spoc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	xasprintf(&path, "%s/assidu.db", f->dir);
	assert_non_null(f->db = db_open(path, 0, &cause));
	free(path);
	assert_int_equal(db_migrate(f->db, &v, &cause), 0);
	p1 = add_package(f->db, "a", "{\"identifier\":\"S1\",\"title\":"
	    "\"Semaine un\",\"sco\":true},{\"identifier\":\"G\",\"title\":"
	    "\"Glossaire\",\"sco\":false}");
	p2 = add_package(f->db, "b", "{\"identifier\":\"S3\",\"title\":"
	    "\"Semaine trois\",\"sco\":true},{\"identifier\":\"O3\","
	    "\"title\":\"Autre\",\"sco\":true}");
	in = json_pack("{s:s,s:s}", "code", "c", "title", "Cours");
	assert_int_equal(spoc_course_create(f->db, &admin, in, 0, &out,
	    &cause), 0);
	f->course = json_integer_value(json_object_get(out, "id"));
	json_decref(in);
	json_decref(out);
	in = json_pack("{s:s}", "opca", "unifaf");
	assert_int_equal(spoc_track_create(f->db, &admin, f->course, in, 0,
	    &out, &cause), 0);
	json_decref(in);
	json_decref(out);
	in = json_pack("{s:s}", "opca", "opcalim");
	assert_int_equal(spoc_track_create(f->db, &admin, f->course, in, 0,
	    &out, &cause), 0);
	json_decref(in);
	json_decref(out);
	in = json_pack("{s:s,s:i,s:I}", "track", "commun", "week", 1,
	    "package", (json_int_t)p1);
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), 0);
	json_decref(in);
	json_decref(out);
	in = json_pack("{s:s,s:i,s:I,s:s}", "track", "unifaf", "week", 3,
	    "package", (json_int_t)p2, "item", "S3");
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), 0);
	json_decref(in);
	json_decref(out);
	in = json_pack("{s:s,s:i,s:I,s:s}", "track", "opcalim", "week", 3,
	    "package", (json_int_t)p2, "item", "O3");
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), 0);
	json_decref(in);
	json_decref(out);
	/* Starts on the Monday before the spring change. */
	in = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "course",
	    (json_int_t)f->course, "name", "Printemps", "start", "2026-03-23",
	    "end", "2026-04-19", "meeting_date", "2026-04-17", "meeting_mode",
	    "onsite");
	assert_int_equal(spoc_cohort_create(f->db, &admin, in, 0, &out,
	    &cause), 0);
	f->cohort = json_integer_value(json_object_get(out, "id"));
	json_decref(in);
	json_decref(out);
	memset(&u, 0, sizeof u);
	u.email = "lea@exemple.fr";
	u.name = "Léa";
	u.role = ROLE_LEARNER;
	u.opca = "unifaf";
	assert_int_equal(auth_user_create(f->db, &admin, &u, NULL, 0,
	    &cause), 0);
	f->learner.id = u.id;
	f->learner.role = ROLE_LEARNER;
	f->learner.opca_id = u.opca_id;
	f->learner.label = "lea@exemple.fr";
	f->unifaf = u.opca_id;
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		*cmd;

	db_close(f->db);
	xasprintf(&cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return (0);
}

static int64_t
count(struct fixture *f, int (*list)(struct db *, json_t **, char **))
{
	json_t	*out;
	char	*cause = NULL;
	int64_t	 n;

	assert_int_equal(list(f->db, &out, &cause), 0);
	n = (int64_t)json_array_size(out);
	json_decref(out);
	return (n);
}

static int64_t
enrolled(struct fixture *f)
{
	json_t	*out;
	char	*cause = NULL;
	int64_t	 n;

	assert_int_equal(store_enrolment_list(f->db, &admin, f->cohort, &out,
	    &cause), 0);
	n = (int64_t)json_array_size(out);
	json_decref(out);
	return (n);
}

static void
test_bindings(void **state)
{
	struct fixture	*f = *state;
	json_t		*in, *out = NULL;
	char		*cause = NULL;

	/* An asset is no unit; nor is an unknown item or package. */
	in = json_pack("{s:s,s:i,s:i,s:s}", "track", "commun", "week", 2,
	    "package", 1, "item", "G");
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), ERR_INVALID);
	assert_non_null(strstr(cause, "n'est pas un SCO"));
	free(cause);
	json_object_set_new(in, "item", json_string("NOPE"));
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), ERR_INVALID);
	assert_non_null(strstr(cause, "n'existe pas"));
	free(cause);
	json_object_set_new(in, "package", json_integer(99));
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), ERR_INVALID);
	assert_non_null(strstr(cause, "Paquet inconnu"));
	free(cause);
	/* Two SCOs and no item: which one? */
	json_object_set_new(in, "package", json_integer(2));
	json_object_del(in, "item");
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), ERR_INVALID);
	free(cause);
	/* The trunk holds weeks 1-2 only. */
	json_object_set_new(in, "item", json_string("O3"));
	json_object_set_new(in, "week", json_integer(3));
	assert_int_equal(spoc_unit_add(f->db, &admin, f->course, in, 0, &out,
	    &cause), ERR_INVALID);
	free(cause);
	/* Only admins build courses. */
	assert_int_equal(spoc_unit_add(f->db, &f->learner, f->course, in, 0,
	    &out, &cause), ERR_FORBIDDEN);
	free(cause);
	json_decref(in);
	assert_null(out);
}

static void
test_access(void **state)
{
	struct fixture		*f = *state;
	struct spoc_access	 acc;
	struct actor		 staff = { 7, ROLE_ADVISER, 1, "c@o.fr" };
	struct actor		 funder = { 8, ROLE_FUNDER, 0, "f@o.fr" };
	json_t			*in, *out;
	char			*why = NULL;
	int64_t			 w1 = spoc_week_opens(spoc_day(2026, 3, 23), 1);
	int64_t			 w3 = spoc_week_opens(spoc_day(2026, 3, 23), 3);
	int64_t			 end = spoc_day_start(spoc_day(2026, 4, 20));

	/* Not enrolled yet. */
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 1, "S1", w1,
	    &acc, &why), ERR_FORBIDDEN);
	assert_string_equal(why, "Cette unité ne fait pas partie de votre "
	    "parcours.");
	free(why);
	in = json_pack("{s:s,s:s}", "email", "lea@exemple.fr", "siret",
	    "732 829 320 00074");
	json_object_set_new(in, "company", json_string("Boulangerie"));
	json_object_set_new(in, "headcount", json_integer(4));
	assert_int_equal(spoc_enrol(f->db, &admin, f->cohort, in, 0, &out,
	    &why), 0);
	json_decref(in);
	json_decref(out);

	assert_int_equal(spoc_unit_access(f->db, &f->learner, 1, "S1", w1 - 1,
	    &acc, &why), ERR_FORBIDDEN);
	assert_string_equal(why, "Cette unité ouvre le lundi 23 mars 2026.");
	free(why);
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 1, "S1", w1,
	    &acc, &why), 0);
	assert_int_equal(acc.week, 1);
	assert_int_equal(acc.minutes, SPOC_MINUTES);
	assert_true(acc.enrolment_id > 0);
	/* Week 3 opens on the first Monday of summer time. */
	assert_int_equal(w3, S(1775426400));
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 2, "S3", w3 - 1,
	    &acc, &why), ERR_FORBIDDEN);
	assert_string_equal(why, "Cette unité ouvre le lundi 6 avril 2026.");
	free(why);
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 2, "S3", w3,
	    &acc, &why), 0);
	assert_int_equal(acc.week, 3);
	/* Another OPCA's track is not hers. */
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 2, "O3", w3,
	    &acc, &why), ERR_FORBIDDEN);
	assert_non_null(strstr(why, "ne fait pas partie"));
	free(why);
	/* Closed from midnight after the end date. */
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 1, "S1", end - 1,
	    &acc, &why), 0);
	assert_int_equal(spoc_unit_access(f->db, &f->learner, 1, "S1", end,
	    &acc, &why), ERR_FORBIDDEN);
	assert_non_null(strstr(why, "terminée le dimanche 19 avril 2026"));
	free(why);
	/* Staff open anything, funders nothing. */
	assert_int_equal(spoc_unit_access(f->db, &staff, 2, "O3", 0, &acc,
	    &why), 0);
	assert_int_equal(acc.enrolment_id, 0);
	assert_int_equal(spoc_unit_access(f->db, &funder, 1, "S1", w1, NULL,
	    &why), ERR_FORBIDDEN);
	free(why);
}

static void
test_csv_all_or_nothing(void **state)
{
	static const char	 bad[] = "e-mail;nom;siret;entreprise;effectif;"
	    "opca\nmarc@ex.fr;Marc;44306184100047;Garage;8;unifaf\n"
	    "zoe@ex.fr;Zoé;12345678900014;Crèche;3;unifaf\n"
	    "anne@ex.fr;Anne;55208131766522;Grosse;300;unifaf\n"
	    "kim@ex.fr;Kim;88812345600012;Atelier;5;uniformation\n";
	static const char	 good[] = "e-mail;nom;siret;entreprise;"
	    "effectif;opca\nmarc@ex.fr;Marc;44306184100047;Garage;8;unifaf\n"
	    "nina@ex.fr;Nina;44306184100047;;;unifaf\n"
	    "kim@ex.fr;Kim;88812345600012;Atelier;5;opcalim\n";
	struct fixture		*f = *state;
	json_t			*report, *e;
	char			*cause = NULL;
	int64_t			 companies = count(f, store_company_list);

	assert_int_equal(spoc_enrol_csv(f->db, &admin, f->cohort, bad,
	    strlen(bad), 0, &report, &cause), ERR_INVALID);
	assert_non_null(strstr(cause, "rien n'a été importé"));
	free(cause);
	e = json_object_get(report, "errors");
	assert_int_equal(json_array_size(e), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e,
	    0), "line")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e,
	    0), "column")), "siret");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e,
	    1), "line")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e,
	    2), "line")), 5);
	json_decref(report);
	/* Line 2 was right, yet nothing of it was written. */
	assert_int_equal(enrolled(f), 0);
	assert_int_equal(count(f, store_company_list), companies);

	assert_int_equal(spoc_enrol_csv(f->db, &admin, f->cohort, good,
	    strlen(good), 0, &report, &cause), 0);
	assert_int_equal(json_integer_value(json_object_get(report,
	    "enrolled")), 3);
	assert_int_equal(json_integer_value(json_object_get(report,
	    "accounts_created")), 3);
	assert_int_equal(json_integer_value(json_object_get(report,
	    "companies_created")), 2);
	json_decref(report);
	assert_int_equal(enrolled(f), 3);
	/* The same file again changes nothing. */
	assert_int_equal(spoc_enrol_csv(f->db, &admin, f->cohort, good,
	    strlen(good), 0, &report, &cause), 0);
	assert_int_equal(json_integer_value(json_object_get(report,
	    "already")), 3);
	json_decref(report);
	assert_int_equal(enrolled(f), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_paris_offset),
		cmocka_unit_test(test_day_start),
		cmocka_unit_test(test_day_start_matches_tzdata),
		cmocka_unit_test(test_week_opens),
		cmocka_unit_test(test_siret),
		cmocka_unit_test(test_eligible),
		cmocka_unit_test(test_csv_parse),
		cmocka_unit_test_setup_teardown(test_bindings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_all_or_nothing, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("spoc", tests, NULL, NULL));
}
