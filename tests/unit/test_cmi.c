/*
 * Unit tests of cmi.c. The shared vectors of tests/data/cmi-vectors.json
 * (one test per type and per scenario; www/js/cmi.js runs the same ones in
 * tests/js/cmi.test.mjs), then what only C can be given: invalid UTF-8,
 * round trips of the time formats, the model JSON.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assidu.h"

#define VECTORS "tests/data/cmi-vectors.json"

static json_t	*vectors;

/* A vector's value: a string, or {"repeat": s, "times": n}. */
static char *
expand(json_t *v)
{
	const char	*s;
	char		*out;
	size_t		 len, n, i;

	if (json_is_string(v))
		return (xstrdup(json_string_value(v)));
	s = json_string_value(json_object_get(v, "repeat"));
	n = (size_t)json_integer_value(json_object_get(v, "times"));
	if (s == NULL)
		fail_msg("bad value in the vectors");
	len = strlen(s);
	out = xmalloc(len * n + 1);
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return (out);
}

/* s with every "{i}" replaced by i. */
static char *
with_index(const char *s, long i)
{
	char	*out, *o, num[24];
	size_t	 k;

	k = (size_t)snprintf(num, sizeof num, "%ld", i);
	out = o = xmalloc(strlen(s) * (k + 1) + 1);
	while (*s != '\0') {
		if (strncmp(s, "{i}", 3) == 0) {
			memcpy(o, num, k);
			o += k;
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return (out);
}

/* A short, printable form of a value for the messages. */
static const char *
shown(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%.60s%s", s, strlen(s) > 60 ? "..." : "");
	return (buf);
}

static void
test_validator(void **state)
{
	json_t		*g = *state, *list, *v;
	const char	*type, *itype, *keys[] = { "valid", "invalid" };
	char		*s, buf[80];
	size_t		 i, k;
	int		 r, fails = 0, n = 0;

	type = json_string_value(json_object_get(g, "type"));
	itype = json_string_value(json_object_get(g, "itype"));
	for (k = 0; k < 2; k++) {
		list = json_object_get(g, keys[k]);
		json_array_foreach(list, i, v) {
			s = expand(v);
			r = cmi_valid(type, itype, s);
			n++;
			if (r != (k == 0)) {
				print_message("# %s%s%s: \"%s\" should be %s "
				    "(got %d)\n", type, itype ? " " : "",
				    itype ? itype : "", shown(s, buf,
				    sizeof buf), keys[k], r);
				fails++;
			}
			free(s);
		}
	}
	if (fails > 0)
		fail_msg("%d of %d vectors failed", fails, n);
}

static void
launch_of(json_t *o, struct cmi_launch *l)
{
	json_t	*v;

	memset(l, 0, sizeof *l);
	l->learner_id = json_string_value(json_object_get(o, "learner_id"));
	l->learner_name = json_string_value(json_object_get(o,
	    "learner_name"));
	l->entry = json_string_value(json_object_get(o, "entry"));
	l->credit = json_string_value(json_object_get(o, "credit"));
	l->mode = json_string_value(json_object_get(o, "mode"));
	l->total_cs = json_integer_value(json_object_get(o, "total_cs"));
	v = json_object_get(o, "mastery");
	l->mastery = v != NULL ? json_number_value(v) : -1;
	v = json_object_get(o, "completion");
	l->completion = v != NULL ? json_number_value(v) : -1;
	l->max_time = json_string_value(json_object_get(o, "max_time"));
	l->time_action = json_string_value(json_object_get(o, "time_action"));
	l->launch_data = json_string_value(json_object_get(o, "launch_data"));
}

/* Where name is among the stored values, or -1. */
static ssize_t
find_value(struct cmi *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < cmi_count(c); i++) {
		if (strcmp(cmi_name(c, i), name) == 0)
			return ((ssize_t)i);
	}
	return (-1);
}

/* One step of a scenario: the number of failed checks (0 or 1). */
static int
run_step(struct cmi *c, json_t *st, size_t n)
{
	struct cmi_launch	 l;
	const char		*op, *name, *got, *want;
	char			*value, *nm, *val, buf[80];
	ssize_t			 k;
	long			 i, from, to;
	int			 code, expect, fails = 0;

	op = json_string_value(json_array_get(st, 0));
	name = json_string_value(json_array_get(st, 1));
	if (strcmp(op, "finish") == 0) {
		cmi_finish(c);
		return (0);
	}
	if (strcmp(op, "clean") == 0) {
		cmi_clean(c);
		return (0);
	}
	if (strcmp(op, "begin") == 0) {
		launch_of(json_array_get(st, 1), &l);
		cmi_begin(c, &l);
		return (0);
	}
	if (strcmp(op, "put") == 0) {
		value = expand(json_array_get(st, 2));
		cmi_put(c, name, value);
		free(value);
		return (0);
	}
	if (strcmp(op, "set") == 0) {
		value = expand(json_array_get(st, 2));
		code = cmi_set(c, name, value);
		expect = (int)json_integer_value(json_array_get(st, 3));
		if (code != expect) {
			print_message("# step %zu: set %s \"%s\": %d, not %d "
			    "(%s)\n", n, name, shown(value, buf, sizeof buf),
			    code, expect, cmi_diagnostic(c));
			fails++;
		}
		free(value);
		return (fails);
	}
	if (strcmp(op, "setmany") == 0) {
		from = (long)json_integer_value(json_array_get(st, 3));
		to = (long)json_integer_value(json_array_get(st, 4));
		expect = (int)json_integer_value(json_array_get(st, 5));
		for (i = from; i <= to && fails == 0; i++) {
			nm = with_index(name, i);
			val = with_index(json_string_value(json_array_get(st,
			    2)), i);
			if ((code = cmi_set(c, nm, val)) != expect) {
				print_message("# step %zu: set %s \"%s\": %d, "
				    "not %d (%s)\n", n, nm, val, code, expect,
				    cmi_diagnostic(c));
				fails++;
			}
			free(nm);
			free(val);
		}
		return (fails);
	}
	if (strcmp(op, "get") == 0) {
		code = cmi_get(c, name, &got);
		expect = (int)json_integer_value(json_array_get(st, 2));
		want = json_string_value(json_array_get(st, 3));
		if (code != expect ||
		    (want != NULL && strcmp(got, want) != 0)) {
			print_message("# step %zu: get %s: %d \"%s\", not %d "
			    "\"%s\"\n", n, name, code, shown(got, buf,
			    sizeof buf), expect, want != NULL ? want : "");
			fails++;
		}
		return (fails);
	}
	if (strcmp(op, "value") == 0) {
		k = find_value(c, name);
		want = json_string_value(json_array_get(st, 2));
		got = k >= 0 ? cmi_value(c, k) : NULL;
		if ((want == NULL) != (got == NULL) ||
		    (want != NULL && strcmp(want, got) != 0)) {
			print_message("# step %zu: value of %s: %s, not %s\n",
			    n, name, got != NULL ? got : "(none)",
			    want != NULL ? want : "(none)");
			fails++;
		}
		return (fails);
	}
	if (strcmp(op, "dirty") == 0) {
		k = find_value(c, name);
		expect = json_is_true(json_array_get(st, 2));
		if (k < 0 || cmi_dirty(c, k) != expect) {
			print_message("# step %zu: %s is %s, not %s\n", n, name,
			    k < 0 ? "absent" : cmi_dirty(c, k) ? "dirty" :
			    "clean", expect ? "dirty" : "clean");
			fails++;
		}
		return (fails);
	}
	print_message("# step %zu: unknown operation %s\n", n, op);
	return (1);
}

static void
test_scenario(void **state)
{
	json_t		*sc = *state, *st;
	struct cmi	*c;
	size_t		 n;
	int		 fails = 0;

	c = cmi_create((int)json_integer_value(json_object_get(sc,
	    "version")));
	json_array_foreach(json_object_get(sc, "steps"), n, st)
		fails += run_step(c, st, n + 1);
	cmi_free(c);
	if (fails > 0)
		fail_msg("%d steps failed", fails);
}

static void
test_cs(void **state)
{
	json_t		*cs, *v;
	char		 buf[64];
	size_t		 i;

	cs = json_object_get(vectors, "cs");
	json_array_foreach(json_object_get(cs, "timespan_cs"), i, v)
		assert_int_equal(cmi_timespan_cs(json_string_value(
		    json_array_get(v, 0))), json_integer_value(
		    json_array_get(v, 1)));
	json_array_foreach(json_object_get(cs, "duration_cs"), i, v)
		assert_int_equal(cmi_duration_cs(json_string_value(
		    json_array_get(v, 0))), json_integer_value(
		    json_array_get(v, 1)));
	json_array_foreach(json_object_get(cs, "format_timespan"), i, v) {
		cmi_format_timespan(json_integer_value(json_array_get(v, 0)),
		    buf, sizeof buf);
		assert_string_equal(buf, json_string_value(json_array_get(v,
		    1)));
	}
	json_array_foreach(json_object_get(cs, "format_duration"), i, v) {
		cmi_format_duration(json_integer_value(json_array_get(v, 0)),
		    buf, sizeof buf);
		assert_string_equal(buf, json_string_value(json_array_get(v,
		    1)));
	}
}

static void
test_stored_and_errors(void **state)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(vectors, "stored"), i, v) {
		if (cmi_stored(json_string_value(json_array_get(v, 0))) !=
		    json_is_true(json_array_get(v, 1)))
			fail_msg("cmi_stored(%s)",
			    json_string_value(json_array_get(v, 0)));
	}
	json_array_foreach(json_object_get(vectors, "errors"), i, v)
		assert_string_equal(cmi_error_string(
		    (int)json_integer_value(json_array_get(v, 0)),
		    (int)json_integer_value(json_array_get(v, 1))),
		    json_string_value(json_array_get(v, 2)));
}

/* Formatting then parsing gives the same centiseconds back. */
static void
test_round_trips(void **state)
{
	static const int64_t cs[] = {
		0, 1, 9, 10, 99, 100, 5999, 6000, 359999, 360000, 8640000,
		123456789, 3599999999LL, 987654321012LL
	};
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < nitems(cs); i++) {
		cmi_format_duration(cs[i], buf, sizeof buf);
		assert_int_equal(cmi_duration_cs(buf), cs[i]);
		assert_int_equal(cmi_valid("duration", NULL, buf), 1);
		if (cs[i] > 3599999999LL)
			continue;
		cmi_format_timespan(cs[i], buf, sizeof buf);
		assert_int_equal(cmi_timespan_cs(buf), cs[i]);
	}
}

/* What JSON cannot carry: bytes that are not UTF-8. */
static void
test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "ab\xe2\x82"
	};
	struct cmi	*c12, *c04;
	const char	*v;
	char		 four[4 * 256 + 1];
	size_t		 i;

	c12 = cmi_create(SCORM_12);
	c04 = cmi_create(SCORM_2004);
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(cmi_valid("string", NULL, bad[i]), 0);
		assert_int_equal(cmi_set(c12, "cmi.core.lesson_location",
		    bad[i]), 405);
		assert_int_equal(cmi_set(c12, "cmi.suspend_data", bad[i]),
		    405);
		assert_int_equal(cmi_set(c04, "cmi.location", bad[i]), 406);
		assert_int_equal(cmi_set(c04, "cmi.suspend_data", bad[i]),
		    406);
	}
	assert_int_equal(cmi_set(c04, "cmi.\xff", "x"), 401);
	assert_int_equal(cmi_get(c04, "cmi.loc\xc3", &v), 401);
	assert_int_equal(cmi_set(c12, "cmi.\xff", "x"), 201);
	assert_int_equal(cmi_get(c12, "\xff.x", &v), 401);
	assert_string_equal(cmi_diagnostic(c12), "element: not an element "
	    "of this data model");
	assert_int_equal(cmi_count(c12) + cmi_count(c04), 0);

	/* Four-byte characters count one each. */
	for (i = 0; i < 256; i++)
		memcpy(four + 4 * i, "\xf0\x9f\x98\x80", 4);
	four[4 * 255] = '\0';
	assert_int_equal(cmi_set(c12, "cmi.core.lesson_location", four), 0);
	four[4 * 255] = '\xf0';
	four[4 * 256] = '\0';
	assert_int_equal(cmi_set(c12, "cmi.core.lesson_location", four), 405);
	cmi_free(c12);
	cmi_free(c04);
}

static void
test_diagnostic(void **state)
{
	struct cmi	*c;

	c = cmi_create(SCORM_2004);
	assert_int_equal(cmi_set(c, "cmi.score.scaled", "x"), 406);
	assert_string_equal(cmi_diagnostic(c), "cmi.score.scaled: not a "
	    "valid value of its type (real)");
	assert_int_equal(cmi_set(c, "cmi.score.scaled", "0.5"), 0);
	assert_string_equal(cmi_diagnostic(c), "");
	cmi_free(c);
	cmi_free(NULL);
}

/* The model for the browser: every element described, every text there. */
static void
test_model_json(void **state)
{
	json_t		*m, *v, *e, *err, *cond;
	const char	*ver, *key, *access;
	size_t		 i;

	m = cmi_model_json();
	assert_int_equal(json_integer_value(json_object_get(m, "format")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "cap")), 64000);
	json_object_foreach(json_object_get(m, "versions"), ver, v) {
		assert_true(json_array_size(json_object_get(v, "elements")) >
		    40);
		json_array_foreach(json_object_get(v, "elements"), i, e) {
			assert_non_null(json_string_value(json_object_get(e,
			    "name")));
			assert_non_null(json_string_value(json_object_get(e,
			    "type")));
			access = json_string_value(json_object_get(e,
			    "access"));
			assert_true(strcmp(access, "ro") == 0 ||
			    strcmp(access, "wo") == 0 ||
			    strcmp(access, "rw") == 0);
		}
		json_object_foreach(json_object_get(v, "errors"), key, err) {
			assert_non_null(json_string_value(json_object_get(err,
			    "en")));
			assert_non_null(json_string_value(json_object_get(err,
			    "fr")));
			assert_string_equal(cmi_error_string(atoi(ver),
			    atoi(key)), json_string_value(json_object_get(err,
			    "en")));
		}
	}
	assert_int_equal(json_object_size(json_object_get(json_object_get(m,
	    "versions"), "2004")) > 0, 1);
	json_object_foreach(json_object_get(m, "conditions"), key, cond) {
		assert_true(json_is_integer(json_object_get(cond, "12")));
		assert_true(json_is_integer(json_object_get(cond, "2004")));
	}
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(m, "itypes"), "choice"), "responses")), 10);
	json_decref(m);
}

static char *
test_name(json_t *o, const char *kind)
{
	const char	*type, *itype;
	char		*s;

	if (strcmp(kind, "scenario") == 0) {
		xasprintf(&s, "scenario: %s",
		    json_string_value(json_object_get(o, "name")));
		return (s);
	}
	type = json_string_value(json_object_get(o, "type"));
	itype = json_string_value(json_object_get(o, "itype"));
	xasprintf(&s, "type %s%s%s", type, itype != NULL ? " " : "",
	    itype != NULL ? itype : "");
	return (s);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_cs),
		cmocka_unit_test(test_stored_and_errors),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_diagnostic),
		cmocka_unit_test(test_model_json),
	};
	struct CMUnitTest	*tests;
	json_error_t		 jerr;
	json_t			*o, *validators, *scenarios;
	const char		*top;
	char			*path;
	size_t			 n = 0, i;
	int			 rc;

	if ((top = getenv("ASSIDU_SRCDIR")) == NULL)
		top = "../..";
	xasprintf(&path, "%s/%s", top, VECTORS);
	if ((vectors = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return (1);
	}
	free(path);
	validators = json_object_get(vectors, "validators");
	scenarios = json_object_get(vectors, "scenarios");
	tests = xcalloc(json_array_size(validators) +
	    json_array_size(scenarios) + nitems(fixed), sizeof *tests);
	json_array_foreach(validators, i, o) {
		tests[n].name = test_name(o, "type");
		tests[n].test_func = test_validator;
		tests[n++].initial_state = o;
	}
	json_array_foreach(scenarios, i, o) {
		tests[n].name = test_name(o, "scenario");
		tests[n].test_func = test_scenario;
		tests[n++].initial_state = o;
	}
	for (i = 0; i < nitems(fixed); i++)
		tests[n++] = fixed[i];
	rc = _cmocka_run_group_tests("cmi", tests, n, NULL, NULL);
	for (i = 0; i < n - nitems(fixed); i++)
		free((char *)tests[i].name);
	free(tests);
	json_decref(vectors);
	return (rc);
}
