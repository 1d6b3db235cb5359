/*
 * main and the subcommands. Each subcommand is a thin front door over the
 * same service functions the HTTP handlers use.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <event2/event.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <pango/pango.h>
#include <qrencode.h>
#include <sqlite3.h>
#include <zip.h>

#include "assidu.h"

#ifndef ASSIDU_SYSCONF_FILE
#define ASSIDU_SYSCONF_FILE "/etc/assidu/assidu.conf"
#endif

struct cmd {
	const char	*name;
	int		(*fn)(struct config *, int, char **);
	const char	*usage;
	const char	*help;
};

static int	cmd_serve(struct config *, int, char **);
static int	cmd_migrate(struct config *, int, char **);
static int	cmd_config(struct config *, int, char **);
static int	cmd_version(struct config *, int, char **);
static int	cmd_help(struct config *, int, char **);

static const struct cmd cmds[] = {
	{ "serve", cmd_serve, "serve [--listen ADDR] [--test-mode]",
	    "run the HTTP server" },
	{ "migrate", cmd_migrate, "migrate [--status]",
	    "bring the database schema up to date" },
	{ "config", cmd_config, "config",
	    "print the effective settings as JSON" },
	{ "version", cmd_version, "version",
	    "print the version and the libraries in use" },
	{ "help", cmd_help, "help", "this list" },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: assidu [--config FILE] [--data DIR] COMMAND "
	    "[options]\n\ncommands:\n");
	for (i = 0; i < nitems(cmds); i++)
		fprintf(f, "  %-40s %s\n", cmds[i].usage, cmds[i].help);
	fprintf(f, "\nsee assidu(8) and assidu.conf(5)\n");
}

static int
cmd_help(struct config *cfg, int argc, char **argv)
{
	usage(stdout);
	return (0);
}

static int
cmd_version(struct config *cfg, int argc, char **argv)
{
	printf("assidu %s\n", PACKAGE_VERSION);
	printf("libevent %s, sqlite %s, libxml2 %s, %s, jansson %s, "
	    "libzip %s, cairo %s, pango %s\n", event_get_version(),
	    sqlite3_libversion(), LIBXML_DOTTED_VERSION,
	    OpenSSL_version(OPENSSL_VERSION), JANSSON_VERSION,
	    zip_libzip_version(), cairo_version_string(),
	    pango_version_string());
	return (0);
}

static int
cmd_config(struct config *cfg, int argc, char **argv)
{
	json_t	*j;

	j = json_object();
	config_dump(cfg, j);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
	return (0);
}

static int
cmd_migrate(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	char		*path, *cause;
	int		 version, status = 0, rc;

	if (argc > 1 && strcmp(argv[1], "--status") == 0)
		status = 1;
	else if (argc > 1) {
		fprintf(stderr, "assidu migrate: unknown argument %s\n",
		    argv[1]);
		return (2);
	}
	if (mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "assidu: cannot create %s: %s\n",
		    cfg->data_dir, strerror(errno));
		return (1);
	}
	path = config_db_path(cfg);
	db = db_open(path, 0, &cause);
	free(path);
	if (db == NULL) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		return (1);
	}
	rc = status ? db_schema_version(db, &version, &cause) :
	    db_migrate(db, &version, &cause);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		return (1);
	}
	printf("schema version %d (this program: %d)\n", version,
	    db_schema_latest());
	return (0);
}

static int
cmd_serve(struct config *cfg, int argc, char **argv)
{
	char	*cause;

	if (argc > 1) {
		fprintf(stderr, "assidu serve: unexpected argument %s\n",
		    argv[1]);
		return (2);
	}
	if (log_open(cfg->log_file, &cause) != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		return (1);
	}
	if (server_run(cfg, &cause) != 0) {
		log_error("event=fatal error=\"%s\"", cause);
		if (cfg->log_file != NULL)
			fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		log_close();
		return (1);
	}
	log_close();
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "test-mode", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 cfg;
	const struct cmd *cmd = NULL;
	const char	*conf = NULL, *data = NULL, *listen = NULL;
	const char	*logfile = NULL;
	char		*cause, **rest;
	int		 ch, test_mode = 0, nrest, rc, i;
	size_t		 j;

	/* Options may come before or after the command name. */
	rest = xcalloc(argc + 1, sizeof *rest);
	nrest = 0;
	opterr = 0;
	while (optind < argc) {
		ch = getopt_long(argc, argv, "+c:d:l:h", longopts, NULL);
		if (ch == -1) {
			rest[nrest++] = argv[optind++];
			continue;
		}
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'L':
			logfile = optarg;
			break;
		case 'T':
			test_mode = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			if (optopt == 0 && optind > 0) {
				/* Unknown long option: the command's. */
				rest[nrest++] = argv[optind - 1];
				break;
			}
			fprintf(stderr, "assidu: option -%c needs a value or "
			    "is unknown\n", optopt);
			usage(stderr);
			return (2);
		}
	}
	if (nrest == 0) {
		usage(stderr);
		return (2);
	}
	for (j = 0; j < nitems(cmds); j++) {
		if (strcmp(rest[0], cmds[j].name) == 0)
			cmd = &cmds[j];
	}
	if (cmd == NULL) {
		fprintf(stderr, "assidu: unknown command '%s'\n", rest[0]);
		usage(stderr);
		return (2);
	}

	/* Defaults, then the file, then the command line. */
	config_init(&cfg);
	if (conf == NULL && access(ASSIDU_SYSCONF_FILE, R_OK) == 0)
		conf = ASSIDU_SYSCONF_FILE;
	if (conf != NULL && config_load(&cfg, conf, &cause) != 0)
		goto bad;
	if (data != NULL && config_set(&cfg, "data_dir", data, &cause) != 0)
		goto bad;
	if (listen != NULL && config_set(&cfg, "listen", listen, &cause) != 0)
		goto bad;
	if (logfile != NULL &&
	    config_set(&cfg, "log_file", logfile, &cause) != 0)
		goto bad;
	if (test_mode)
		cfg.test_mode = 1;
	log_set_level(cfg.log_level);

	rc = cmd->fn(&cfg, nrest, rest);
	for (i = 0; i < nrest; i++)
		rest[i] = NULL;
	free(rest);
	config_free(&cfg);
	return (rc);
bad:
	fprintf(stderr, "assidu: %s\n", cause);
	free(cause);
	free(rest);
	config_free(&cfg);
	return (2);
}
