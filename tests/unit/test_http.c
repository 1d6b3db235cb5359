/* Unit tests of http.c helpers and log.c's value escaping. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "assidu.h"

static struct req *
make_req(const char *ctype, const char *body, size_t len)
{
	struct req	*req = xcalloc(1, sizeof *req);

	req->ev = evhttp_request_new(NULL, NULL);
	req->path = xstrdup("/api/v1/x");
	if (ctype != NULL)
		evhttp_add_header(evhttp_request_get_input_headers(req->ev),
		    "Content-Type", ctype);
	if (body != NULL)
		evbuffer_add(evhttp_request_get_input_buffer(req->ev), body,
		    len);
	return (req);
}

static void
free_req(struct req *req)
{
	evhttp_request_free(req->ev);
	free(req->path);
	free(req);
}

static void
test_cookies(void **state)
{
	struct req	*req = make_req(NULL, NULL, 0);
	char		*v;

	evhttp_add_header(evhttp_request_get_input_headers(req->ev), "Cookie",
	    "a=1; sid=abc=def; xsid=no;empty=");
	v = http_cookie_get(req, "sid");
	assert_string_equal(v, "abc=def");
	free(v);
	v = http_cookie_get(req, "empty");
	assert_string_equal(v, "");
	free(v);
	assert_null(http_cookie_get(req, "id"));
	assert_null(http_cookie_get(req, "xs"));

	http_cookie_set(req, "sid", "tok", 3600, HTTP_COOKIE_HTTPONLY);
	assert_string_equal(evhttp_find_header(
	    evhttp_request_get_output_headers(req->ev), "Set-Cookie"),
	    "sid=tok; Path=/; SameSite=Lax; Max-Age=3600; HttpOnly");
	free_req(req);
}

static void
test_json_body(void **state)
{
	struct req	*req;
	json_t		*j;
	char		*cause = NULL;

	req = make_req("application/json; charset=utf-8",
	    "{\"a\":\"\xc3\xa9\"}", 10);
	j = http_body_json(req, &cause);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "é");
	json_decref(j);
	free_req(req);

	req = make_req("text/plain", "{}", 2);
	assert_null(http_body_json(req, &cause));
	assert_non_null(strstr(cause, "application/json"));
	free(cause);
	free_req(req);

	/* Invalid UTF-8, duplicate keys, arrays and NULs are refused. */
	req = make_req("application/json", "{\"a\":\"\xc3\"}", 8);
	assert_null(http_body_json(req, &cause));
	free(cause);
	free_req(req);
	req = make_req("application/json", "{\"a\":1,\"a\":2}", 13);
	assert_null(http_body_json(req, &cause));
	free(cause);
	free_req(req);
	req = make_req("application/json", "[1]", 3);
	assert_null(http_body_json(req, &cause));
	free(cause);
	free_req(req);
	req = make_req("application/json", "{\"a\":\0\"}", 8);
	assert_null(http_body_json(req, &cause));
	free(cause);
	free_req(req);
}

static void
test_form_body(void **state)
{
	struct evkeyvalq	 kv;
	struct req		*req;
	char			*cause = NULL;

	req = make_req("application/x-www-form-urlencoded",
	    "nom=Fran%C3%A7oise&ville=Saint+%C3%89tienne", 43);
	assert_int_equal(http_body_form(req, &kv, &cause), 0);
	assert_string_equal(evhttp_find_header(&kv, "nom"), "Françoise");
	assert_string_equal(evhttp_find_header(&kv, "ville"),
	    "Saint Étienne");
	evhttp_clear_headers(&kv);
	free_req(req);

	req = make_req("application/x-www-form-urlencoded", "a=1\0b=2", 7);
	assert_int_equal(http_body_form(req, &kv, &cause), -1);
	free(cause);
	free_req(req);

	req = make_req("application/json", "a=1", 3);
	assert_int_equal(http_body_form(req, &kv, &cause), -1);
	free(cause);
	free_req(req);
}

static void
test_log_value(void **state)
{
	char	*v;

	v = log_value("plain");
	assert_string_equal(v, "plain");
	free(v);
	v = log_value("two words");
	assert_string_equal(v, "\"two words\"");
	free(v);
	v = log_value("a\"b\\c\nd");
	assert_string_equal(v, "\"a\\\"b\\\\c\\x0ad\"");
	free(v);
	v = log_value("k=v");
	assert_string_equal(v, "\"k=v\"");
	free(v);
	v = log_value(NULL);
	assert_string_equal(v, "-");
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_form_body),
		cmocka_unit_test(test_log_value),
	};

	return (cmocka_run_group_tests_name("http", tests, NULL, NULL));
}
