/* Unit tests of config.c: defaults, file parsing, bounds, listen syntax. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "assidu.h"

static char *
write_temp(const char *text)
{
	char	*path = xstrdup("/tmp/assidu-conf-XXXXXX");
	int	 fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

static void
test_defaults(void **state)
{
	struct config	 cfg;

	config_init(&cfg);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.backlog, 1024);
	assert_int_equal(cfg.max_connections, 10000);
	assert_int_equal(cfg.test_mode, 0);
	config_free(&cfg);
}

static void
test_load_file(void **state)
{
	struct config	 cfg;
	char		*path, *cause = NULL;

	path = write_temp("# comment\n\nlisten = 127.0.0.1:9000  # trailing\n"
	    "  max_body_size=2048\ntest_mode = yes\nlog_level = debug\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:9000");
	assert_int_equal(cfg.max_body_size, 2048);
	assert_int_equal(cfg.test_mode, 1);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_string_equal(cfg.path, path);
	/* The command line overrides the file. */
	assert_int_equal(config_set(&cfg, "listen", "127.0.0.1:1", &cause), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:1");
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void
test_errors_name_the_line(void **state)
{
	struct config	 cfg;
	char		*path, *cause = NULL;

	path = write_temp("listen = 127.0.0.1:9000\nbacklog = 3\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), -1);
	assert_non_null(strstr(cause, ":2:"));
	assert_non_null(strstr(cause, "backlog"));
	free(cause);
	unlink(path);
	free(path);

	path = write_temp("no_such_key = 1\n");
	assert_int_equal(config_load(&cfg, path, &cause), -1);
	assert_non_null(strstr(cause, "unknown setting 'no_such_key'"));
	free(cause);
	unlink(path);
	free(path);

	path = write_temp("just words\n");
	assert_int_equal(config_load(&cfg, path, &cause), -1);
	assert_non_null(strstr(cause, ":1: expected"));
	free(cause);
	unlink(path);
	free(path);

	assert_int_equal(config_set(&cfg, "test_mode", "maybe", &cause), -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "max_connections", "12x", &cause),
	    -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "log_level", "loud", &cause), -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "public_url",
	    "https://formation.example.fr/", &cause), -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "public_url", "formation.fr",
	    &cause), -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "public_url",
	    "https://Formation.fr", &cause), -1);
	free(cause);
	assert_int_equal(config_set(&cfg, "public_url",
	    "https://formation.example.fr:8443", &cause), 0);
	assert_int_equal(config_load(&cfg, "/nonexistent/assidu.conf",
	    &cause), -1);
	free(cause);
	config_free(&cfg);
}

static void
test_split_listen(void **state)
{
	char	*host = NULL, *cause = NULL;
	int	 port = -1;

	assert_int_equal(config_split_listen("127.0.0.1:8080", &host, &port,
	    &cause), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	free(host);
	assert_int_equal(config_split_listen("[::1]:0", &host, &port, &cause),
	    0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	free(host);
	assert_int_equal(config_split_listen("localhost", &host, &port,
	    &cause), -1);
	free(cause);
	assert_int_equal(config_split_listen("1.2.3.4:70000", &host, &port,
	    &cause), -1);
	free(cause);
	assert_int_equal(config_split_listen(":80", &host, &port, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_split_listen),
	};

	return (cmocka_run_group_tests_name("config", tests, NULL, NULL));
}
