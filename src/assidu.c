/*
 * main and the subcommands. Each subcommand is a thin front door over the
 * same service functions the HTTP handlers use.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <termios.h>
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
static int	cmd_user(struct config *, int, char **);
static int	cmd_audit(struct config *, int, char **);
static int	cmd_import(struct config *, int, char **);
static int	cmd_version(struct config *, int, char **);
static int	cmd_help(struct config *, int, char **);

static const struct cmd cmds[] = {
	{ "serve", cmd_serve, "serve [--listen ADDR] [--test-mode]",
	    "run the HTTP server" },
	{ "migrate", cmd_migrate, "migrate [--status]",
	    "bring the database schema up to date" },
	{ "config", cmd_config, "config",
	    "print the effective settings as JSON" },
	{ "user", cmd_user, "user add EMAIL --name NAME --role ROLE "
	    "[--opca CODE] [--password-stdin]\n"
	    "  user passwd|disable|enable|invite EMAIL\n  user list",
	    "manage accounts" },
	{ "import", cmd_import, "import FILE.zip [--title TITLE]",
	    "import a SCORM 1.2 or 2004 package" },
	{ "audit", cmd_audit, "audit verify",
	    "recompute the audit log's hash chain" },
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
		fprintf(f, "  %s\n      %s\n", cmds[i].usage, cmds[i].help);
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
	if (!status && mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "assidu: cannot create %s: %s\n",
		    cfg->data_dir, strerror(errno));
		return (1);
	}
	path = config_db_path(cfg);
	/* --status looks without touching: no file is created. */
	db = db_open(path, status, &cause);
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

/* The command line acts as an administrator, and says so in the audit. */
static const struct actor cmd_actor = { 0, ROLE_ADMIN, 0, "cli" };

static struct db *
cmd_open(struct config *cfg)
{
	struct db	*db;
	char		*path, *cause;
	int		 version;

	if (mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "assidu: cannot create %s: %s\n",
		    cfg->data_dir, strerror(errno));
		return (NULL);
	}
	path = config_db_path(cfg);
	db = db_open(path, 0, &cause);
	free(path);
	if (db == NULL || db_migrate(db, &version, &cause) != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		db_close(db);
		return (NULL);
	}
	return (db);
}

/* A password from standard input: one line, without echo on a terminal. */
static char *
cmd_read_password(void)
{
	struct termios	 old, quiet;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;
	int		 tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "Mot de passe : ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	len = getline(&line, &size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (len <= 0) {
		free(line);
		return (NULL);
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return (line);
}

/* Run fn in one transaction: the change and its audit row, or neither. */
static int
cmd_transaction(struct db *db, int rc, char *cause)
{
	char	*why = NULL;

	if (rc == ERR_OK && db_commit(db, &why) == 0)
		return (0);
	db_rollback(db);
	fprintf(stderr, "assidu: %s\n", why != NULL ? why : cause != NULL ?
	    cause : "failed");
	free(why);
	return (1);
}

static int
cmd_user_add(struct config *cfg, struct db *db, int argc, char **argv)
{
	struct user	 u;
	const char	*name = NULL, *role = NULL, *opca = NULL;
	char		*pw = NULL, *hash = NULL, *cause = NULL;
	int		 i, stdin_pw = 0, rc;

	memset(&u, 0, sizeof u);
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "--opca") == 0 && i + 1 < argc)
			opca = argv[++i];
		else if (strcmp(argv[i], "--password-stdin") == 0)
			stdin_pw = 1;
		else {
			fprintf(stderr, "assidu user add: unexpected %s\n",
			    argv[i]);
			return (2);
		}
	}
	if (name == NULL || role == NULL || role_parse(role) == ROLE_NONE) {
		fprintf(stderr, "assidu user add: --name and --role "
		    "(learner, adviser, funder, admin) are required\n");
		return (2);
	}
	if (auth_email_check(argv[2], &cause) != 0)
		goto fail;
	if (stdin_pw) {
		if ((pw = cmd_read_password()) == NULL) {
			fprintf(stderr, "assidu: no password on stdin\n");
			return (1);
		}
		if (auth_password_check(pw, argv[2], &cause) != 0 ||
		    auth_password_hash(pw, cfg->scrypt_log2n, &hash,
		    &cause) != 0)
			goto fail;
	}
	u.email = argv[2];
	u.name = (char *)name;
	u.role = role_parse(role);
	u.opca = (char *)opca;
	if (db_begin(db, &cause) != 0)
		goto fail;
	rc = auth_user_create(db, &cmd_actor, &u, hash, clock_now_ms(),
	    &cause);
	if (cmd_transaction(db, rc, cause) != 0) {
		free(cause);
		free(pw);
		free(hash);
		return (1);
	}
	printf("user %lld: %s (%s)\n", (long long)u.id, u.email,
	    role_name(u.role));
	free(pw);
	free(hash);
	return (0);
fail:
	fprintf(stderr, "assidu: %s\n", cause);
	free(cause);
	free(pw);
	free(hash);
	return (1);
}

static int
cmd_user_list(struct db *db)
{
	json_t	*list, *u;
	char	*cause;
	size_t	 i;

	if (store_user_list(db, &cmd_actor, &list, &cause) != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		return (1);
	}
	json_array_foreach(list, i, u) {
		printf("%-5lld %-32s %-8s %-13s %s%s\n", (long long)
		    json_integer_value(json_object_get(u, "id")),
		    json_string_value(json_object_get(u, "email")),
		    json_string_value(json_object_get(u, "role")),
		    json_is_string(json_object_get(u, "opca")) ?
		    json_string_value(json_object_get(u, "opca")) : "-",
		    json_is_true(json_object_get(u, "disabled")) ?
		    "disabled" : "active",
		    json_is_true(json_object_get(u, "has_password")) ?
		    "" : " (no password yet)");
	}
	json_decref(list);
	return (0);
}

static int
cmd_user(struct config *cfg, int argc, char **argv)
{
	struct user	*u = NULL;
	struct db	*db;
	const char	*verb = argc > 1 ? argv[1] : "";
	char		*cause = NULL, *pw = NULL, *hash = NULL;
	char		 token[AUTH_TOKEN_LEN + 1];
	int64_t		 now = clock_now_ms();
	int		 rc = 1, err;

	if (strcmp(verb, "list") != 0 && argc < 3) {
		fprintf(stderr, "usage: assidu user add|passwd|disable|enable|"
		    "invite EMAIL, or assidu user list\n");
		return (2);
	}
	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	if (strcmp(verb, "list") == 0) {
		rc = cmd_user_list(db);
		goto out;
	}
	if (strcmp(verb, "add") == 0) {
		rc = cmd_user_add(cfg, db, argc, argv);
		goto out;
	}
	if (store_user_by_email(db, argv[2], &u, &cause) != 1) {
		fprintf(stderr, "assidu: %s\n", cause != NULL ? cause :
		    "no such user");
		goto out;
	}
	if (strcmp(verb, "passwd") == 0) {
		if ((pw = cmd_read_password()) == NULL ||
		    auth_password_check(pw, u->email, &cause) != 0 ||
		    auth_password_hash(pw, cfg->scrypt_log2n, &hash,
		    &cause) != 0) {
			fprintf(stderr, "assidu: %s\n", cause != NULL ? cause :
			    "no password on stdin");
			goto out;
		}
	} else if (strcmp(verb, "disable") != 0 &&
	    strcmp(verb, "enable") != 0 && strcmp(verb, "invite") != 0) {
		fprintf(stderr, "assidu user: unknown action %s\n", verb);
		rc = 2;
		goto out;
	}
	if (db_begin(db, &cause) != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		goto out;
	}
	if (strcmp(verb, "passwd") == 0)
		err = auth_user_set_password(db, &cmd_actor, u->id, hash, NULL,
		    now, &cause);
	else if (strcmp(verb, "invite") == 0)
		err = auth_invitation_create(db, &cmd_actor, u->id, now, token,
		    &cause);
	else
		err = auth_user_set_disabled(db, &cmd_actor, u->id,
		    strcmp(verb, "disable") == 0, now, &cause);
	rc = cmd_transaction(db, err, cause);
	if (rc == 0 && strcmp(verb, "invite") == 0) {
		if (cfg->public_url != NULL)
			printf("%s/invitation.html#%s\n", cfg->public_url,
			    token);
		else
			printf("http://%s/invitation.html#%s\n", cfg->listen,
			    token);
	} else if (rc == 0)
		printf("user %lld: %s done\n", (long long)u->id, verb);
out:
	if (pw != NULL)
		OPENSSL_cleanse(pw, strlen(pw));
	free(pw);
	free(hash);
	free(cause);
	user_free(u);
	db_close(db);
	return (rc);
}

static int
cmd_import(struct config *cfg, int argc, char **argv)
{
	struct pkg_result	 r;
	struct db		*db;
	const char		*title = NULL;
	char			*cause = NULL;
	int			 rc;

	if (argc == 4 && strcmp(argv[2], "--title") == 0)
		title = argv[3];
	else if (argc != 2) {
		fprintf(stderr, "usage: assidu import FILE.zip "
		    "[--title TITLE]\n");
		return (2);
	}
	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	rc = pkg_prepare(cfg->data_dir, argv[1], title, &r, &cause);
	if (rc == ERR_OK && db_begin(db, &cause) != 0)
		rc = ERR_INTERNAL;
	if (rc == ERR_OK)
		rc = pkg_commit(db, &cmd_actor, cfg->data_dir, &r, &cause);
	if (rc != ERR_OK) {
		db_rollback(db);
		fprintf(stderr, "assidu: %s: %s\n", argv[1], cause);
		free(cause);
		pkg_result_clear(&r);
		db_close(db);
		return (1);
	}
	rc = cmd_transaction(db, ERR_OK, NULL);
	if (rc == 0)
		printf("package %s %s: %d SCOs (SCORM %s) %s\n", r.sha256,
		    r.already ? "already imported" : "imported", r.scos,
		    r.edition, r.title);
	pkg_result_clear(&r);
	db_close(db);
	return (rc);
}

static int
cmd_audit(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	char		*path, *cause;
	int64_t		 rows, bad;

	if (argc != 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: assidu audit verify\n");
		return (2);
	}
	path = config_db_path(cfg);
	db = db_open(path, 1, &cause);
	free(path);
	if (db == NULL || audit_verify(db, &rows, &bad, &cause) != 0) {
		fprintf(stderr, "assidu: %s\n", cause);
		free(cause);
		db_close(db);
		return (1);
	}
	db_close(db);
	if (bad != 0) {
		printf("audit chain broken at row %lld (%lld rows intact "
		    "before it)\n", (long long)bad, (long long)rows);
		return (1);
	}
	printf("audit chain intact: %lld rows\n", (long long)rows);
	return (0);
}

static int
cmd_serve(struct config *cfg, int argc, char **argv)
{
	char	*cause, *v;

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
		v = log_value(cause);
		log_error("event=fatal error=%s", v);
		free(v);
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
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 cfg;
	const struct cmd *cmd = NULL;
	const char	*conf = NULL, *data = NULL, *listen = NULL;
	const char	*logfile = NULL, *cert = NULL, *key = NULL;
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
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'h':
			usage(stdout);
			free(rest);
			return (0);
		default:
			if (optopt == 0 && optind > 0) {
				/* Unknown long option: the command's. */
				rest[nrest++] = argv[optind - 1];
				break;
			}
			fprintf(stderr, "assidu: option %s needs a value or "
			    "is unknown\n", argv[optind - 1]);
			usage(stderr);
			free(rest);
			return (2);
		}
	}
	if (nrest == 0) {
		usage(stderr);
		free(rest);
		return (2);
	}
	for (j = 0; j < nitems(cmds); j++) {
		if (strcmp(rest[0], cmds[j].name) == 0)
			cmd = &cmds[j];
	}
	if (cmd == NULL) {
		fprintf(stderr, "assidu: unknown command '%s'\n", rest[0]);
		usage(stderr);
		free(rest);
		return (2);
	}

	manifest_init();

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
	if (cert != NULL && config_set(&cfg, "tls_cert", cert, &cause) != 0)
		goto bad;
	if (key != NULL && config_set(&cfg, "tls_key", key, &cause) != 0)
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
