/* Unit tests of router.c and of content.c's path checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>

#include "assidu.h"

static void h_a(struct req *r) { (void)r; }
static void h_b(struct req *r) { (void)r; }
static void h_c(struct req *r) { (void)r; }
static void h_t(struct req *r) { (void)r; }
static void h_w(struct req *r) { (void)r; }

static const struct route table[] = {
	{ EVHTTP_REQ_GET, "/healthz", 0, 0, h_a },
	{ EVHTTP_REQ_GET, "/api/v1/units/:id", 0, ROLE_ANY, h_b },
	{ EVHTTP_REQ_POST, "/api/v1/units/:id/commit", 0, ROLE_LEARNER, h_c },
	{ EVHTTP_REQ_GET, "/api/v1/test/x", ROUTE_TEST, 0, h_t },
	{ EVHTTP_REQ_GET, "/*", 0, 0, h_w },
};

static enum router_result
match(int method, const char *path, int test, const struct route **r,
    char **params, size_t *n)
{
	return (router_match(table, nitems(table), method, path, test, r,
	    params, n));
}

static void
free_params(char **params, size_t n)
{
	while (n > 0)
		free(params[--n]);
}

static void
test_literal_and_params(void **state)
{
	const struct route	*r = NULL;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 n = 0;

	assert_int_equal(match(EVHTTP_REQ_GET, "/healthz", 0, &r, params, &n),
	    ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_a);
	assert_int_equal(n, 0);

	assert_int_equal(match(EVHTTP_REQ_GET, "/api/v1/units/caf%C3%A9", 0,
	    &r, params, &n), ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_b);
	assert_int_equal(n, 1);
	assert_string_equal(params[0], "café");
	free_params(params, n);

	assert_int_equal(match(EVHTTP_REQ_POST, "/api/v1/units/42/commit", 0,
	    &r, params, &n), ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_c);
	assert_string_equal(params[0], "42");
	free_params(params, n);
}

static void
test_head_and_methods(void **state)
{
	const struct route	*r = NULL;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 n = 0;

	assert_int_equal(match(EVHTTP_REQ_HEAD, "/healthz", 0, &r, params, &n),
	    ROUTER_FOUND);
	assert_int_equal(match(EVHTTP_REQ_POST, "/healthz", 0, &r, params, &n),
	    ROUTER_BAD_METHOD);
	assert_int_equal(n, 0);
	assert_int_equal(match(EVHTTP_REQ_DELETE, "/anything", 0, &r, params,
	    &n), ROUTER_NOT_FOUND);
}

static void
test_encoded_slash_and_empty_segment(void **state)
{
	const struct route	*r = NULL;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 n = 0;

	/* %2F must not smuggle a slash into a ":id" segment. */
	assert_int_equal(match(EVHTTP_REQ_POST, "/api/v1/units/a%2Fb/commit",
	    0, &r, params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(match(EVHTTP_REQ_POST, "/api/v1/units//commit", 0,
	    &r, params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(match(EVHTTP_REQ_POST, "/api/v1/units/%00/commit", 0,
	    &r, params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(n, 0);
}

static void
test_test_routes_and_wildcard(void **state)
{
	const struct route	*r = NULL;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 n = 0;

	/* Without test mode the test route falls through to the catch-all. */
	assert_int_equal(match(EVHTTP_REQ_GET, "/api/v1/test/x", 0, &r, params,
	    &n), ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_w);
	assert_string_equal(params[0], "api/v1/test/x");
	free_params(params, n);
	assert_int_equal(match(EVHTTP_REQ_GET, "/api/v1/test/x", 1, &r, params,
	    &n), ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_t);

	assert_int_equal(match(EVHTTP_REQ_GET, "/", 0, &r, params, &n),
	    ROUTER_FOUND);
	assert_ptr_equal(r->handler, h_w);
	assert_string_equal(params[0], "");
	free_params(params, n);
}

static void
test_safe_path(void **state)
{
	static const char *bad[] = {
		"../etc/passwd", "a/../../b", "%2e%2e/etc/passwd",
		"%2E%2E%2Fsecret", "a/%2e/b", "a//b", "a\\..\\b", "a%5cb",
		"%c0%ae%c0%ae/etc", "%e0%80%ae", "x%00y", "a/./b", "%ff",
		"ok/%0a", "%ed%a0%80",
	};
	char	*out, *cause;
	size_t	 i;

	for (i = 0; i < nitems(bad); i++) {
		out = NULL;
		cause = NULL;
		if (content_safe_path(bad[i], &out, &cause) == 0)
			fail_msg("accepted %s as %s", bad[i], out);
		assert_null(out);
		assert_non_null(cause);
		free(cause);
	}
	assert_int_equal(content_safe_path("/css/a%20b.css", &out, &cause), 0);
	assert_string_equal(out, "css/a b.css");
	free(out);
	assert_int_equal(content_safe_path("unit/%C3%A9t%C3%A9.html", &out,
	    &cause), 0);
	assert_string_equal(out, "unit/été.html");
	free(out);
	/* Double encoding decodes once: "%2e" stays a literal name. */
	assert_int_equal(content_safe_path("%252e%252e/x", &out, &cause), 0);
	assert_string_equal(out, "%2e%2e/x");
	free(out);
}

static void
test_mime_types(void **state)
{
	assert_string_equal(content_mime_type("a/index.HTML"),
	    "text/html; charset=utf-8");
	assert_string_equal(content_mime_type("x.js"),
	    "text/javascript; charset=utf-8");
	assert_string_equal(content_mime_type("x.woff2"), "font/woff2");
	assert_string_equal(content_mime_type("a.b/noext"),
	    "application/octet-stream");
	assert_string_equal(content_mime_type("x.unknown"),
	    "application/octet-stream");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_params),
		cmocka_unit_test(test_head_and_methods),
		cmocka_unit_test(test_encoded_slash_and_empty_segment),
		cmocka_unit_test(test_test_routes_and_wildcard),
		cmocka_unit_test(test_safe_path),
		cmocka_unit_test(test_mime_types),
	};

	return (cmocka_run_group_tests_name("router", tests, NULL, NULL));
}
