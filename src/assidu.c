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
static int	cmd_course(struct config *, int, char **);
static int	cmd_cohort(struct config *, int, char **);
static int	cmd_company(struct config *, int, char **);
static int	cmd_enrol(struct config *, int, char **);
static int	cmd_attend(struct config *, int, char **);
static int	cmd_attest(struct config *, int, char **);
static int	cmd_verify(struct config *, int, char **);
static int	cmd_key(struct config *, int, char **);
static int	cmd_datamodel(struct config *, int, char **);
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
	{ "course", cmd_course, "course add --code CODE --title TITLE\n"
	    "  course list | course show COURSE\n"
	    "  course track COURSE --opca CODE [--title TITLE]\n"
	    "  course unit add COURSE --track commun|OPCA --week N "
	    "--package ID|SHA256\n"
	    "      [--item ITEM] [--position N] [--minutes N] [--title TITLE]\n"
	    "  course unit set UNIT [--minutes N] [--title TITLE]\n"
	    "  course unit delete UNIT",
	    "build a course: tracks, weeks 1-4, units bound to SCOs" },
	{ "cohort", cmd_cohort, "cohort add --course COURSE --name NAME "
	    "--start DATE --end DATE\n"
	    "      --meeting-date DATE --meeting-mode online|onsite "
	    "[--meeting-time HH:MM]\n"
	    "      [--meeting-place TEXT]\n"
	    "  cohort list | cohort show COHORT",
	    "open cohorts (sessions) and show their calendar" },
	{ "company", cmd_company, "company add --siret SIRET --name NAME "
	    "--headcount N\n  company list",
	    "register companies (eligible: fewer than 250 employees)" },
	{ "enrol", cmd_enrol, "enrol EMAIL --cohort COHORT --company SIRET "
	    "[--name NAME] [--opca CODE]\n"
	    "      [--company-name NAME --headcount N]\n"
	    "  enrol --csv FILE --cohort COHORT",
	    "enrol a learner, or every learner of a CSV file (all or none)" },
	{ "attend", cmd_attend, "attend COHORT EMAIL present|absent",
	    "mark attendance at a cohort's regroupement (émargement)" },
	{ "attest", cmd_attest, "attest issue --cohort COHORT [--email EMAIL] "
	    "--kind presence|realisation\n      [--early yes]\n"
	    "  attest list [--cohort COHORT] | attest show NUMBER "
	    "[--pdf FILE]",
	    "issue, list and show signed attestations" },
	{ "verify", cmd_verify, "verify [--key PUBLIC.pem] FILE.pdf",
	    "check an attestation's signature (offline with --key)" },
	{ "key", cmd_key, "key list | key rotate",
	    "list the signing keys, or create a new current one" },
	{ "datamodel", cmd_datamodel, "datamodel --json",
	    "print the SCORM data model table (for www/js/cmi.js)" },
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
cmd_datamodel(struct config *cfg, int argc, char **argv)
{
	json_t	*j;

	if (argc != 2 || strcmp(argv[1], "--json") != 0) {
		fprintf(stderr, "usage: assidu datamodel --json\n");
		return (2);
	}
	j = cmi_model_json();
	json_dumpf(j, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
	return (0);
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

/*
 * The course, cohorts, companies, enrolments and attendance: each change
 * is one spoc_* call in one transaction, as the HTTP handlers make it.
 */

/* An option of a command that becomes a field of the service's request. */
struct cmd_opt {
	const char	*flag;
	const char	*key;
};

static int
cmd_opts(const char *cmd, int argc, char **argv, int first,
    const struct cmd_opt *opts, size_t n, json_t *in)
{
	json_t	*v;
	size_t	 k;
	int	 i;

	for (i = first; i < argc; i++) {
		for (k = 0; k < n; k++) {
			if (strcmp(argv[i], opts[k].flag) == 0)
				break;
		}
		if (k == n || i + 1 >= argc) {
			fprintf(stderr, "assidu %s: unexpected %s\n", cmd,
			    argv[i]);
			return (2);
		}
		if ((v = json_string(argv[++i])) == NULL) {
			fprintf(stderr, "assidu %s: %s is not UTF-8\n", cmd,
			    opts[k].flag);
			return (2);
		}
		json_object_set_new(in, opts[k].key, v);
	}
	return (0);
}

/* Print a failure's cause (freed by the caller) and return 1. */
static int
cmd_fail(const char *cause)
{
	fprintf(stderr, "assidu: %s\n", cause != NULL ? cause : "failed");
	return (1);
}

/* Run a spoc_*_create in its own transaction: 0, or 1 once shown why. */
static int
cmd_create(struct db *db, int (*fn)(struct db *, const struct actor *,
    json_t *, int64_t, json_t **, char **), json_t *in, int64_t now,
    json_t **out)
{
	char	*cause = NULL;
	int	 rc;

	if (db_begin(db, &cause) != 0)
		rc = cmd_fail(cause);
	else {
		rc = fn(db, &cmd_actor, in, now, out, &cause);
		rc = cmd_transaction(db, rc, cause);
	}
	free(cause);
	return (rc);
}

static const char *
cmd_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "-");
}

static long long
cmd_int(json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

static void
cmd_course_print(json_t *c)
{
	json_t	*t, *w, *u;
	size_t	 i, j, k;

	printf("course %lld %s: %s\n", cmd_int(c, "id"), cmd_str(c, "code"),
	    cmd_str(c, "title"));
	json_array_foreach(json_object_get(c, "tracks"), i, t) {
		printf("track %lld %s: %s\n", cmd_int(t, "id"),
		    json_is_true(json_object_get(t, "trunk")) ? "commun" :
		    cmd_str(t, "opca"), cmd_str(t, "title"));
		json_array_foreach(json_object_get(t, "weeks"), j, w) {
			printf("  week %lld\n", cmd_int(w, "week"));
			json_array_foreach(json_object_get(w, "units"), k, u)
				printf("    %lld. unit %lld  package %lld %s  "
				    "%lld min  %s\n", cmd_int(u, "position"),
				    cmd_int(u, "id"), cmd_int(u, "package_id"),
				    cmd_str(u, "item"), cmd_int(u, "minutes"),
				    cmd_str(u, "title"));
		}
	}
}

/* The unit with the highest id: the one just added. */
static json_t *
cmd_newest_unit(json_t *c)
{
	json_t	*t, *w, *u, *best = NULL;
	size_t	 i, j, k;

	json_array_foreach(json_object_get(c, "tracks"), i, t) {
		json_array_foreach(json_object_get(t, "weeks"), j, w) {
			json_array_foreach(json_object_get(w, "units"), k, u) {
				if (best == NULL ||
				    cmd_int(u, "id") > cmd_int(best, "id"))
					best = u;
			}
		}
	}
	return (best);
}

static int
cmd_course(struct config *cfg, int argc, char **argv)
{
	static const struct cmd_opt add_opts[] = {
		{ "--code", "code" }, { "--title", "title" },
	};
	static const struct cmd_opt track_opts[] = {
		{ "--opca", "opca" }, { "--title", "title" },
	};
	static const struct cmd_opt unit_opts[] = {
		{ "--track", "track" }, { "--week", "week" },
		{ "--position", "position" }, { "--package", "package" },
		{ "--item", "item" }, { "--minutes", "minutes" },
		{ "--title", "title" },
	};
	struct db	*db;
	const char	*verb = argc > 1 ? argv[1] : "";
	const char	*sub = argc > 2 ? argv[2] : "";
	json_t		*in, *out = NULL, *list, *c, *u;
	char		*cause = NULL;
	int64_t		 id = 0, now = clock_now_ms();
	size_t		 i;
	int		 rc = 2;

	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	in = json_object();
	if (strcmp(verb, "list") == 0) {
		if (store_course_list(db, &list, &cause) != 0) {
			rc = cmd_fail(cause);
			goto out;
		}
		json_array_foreach(list, i, c)
			printf("%-4lld %-24s %3lld units %3lld cohorts  %s\n",
			    cmd_int(c, "id"), cmd_str(c, "code"),
			    cmd_int(c, "units"), cmd_int(c, "cohorts"),
			    cmd_str(c, "title"));
		json_decref(list);
		rc = 0;
		goto out;
	}
	if (strcmp(verb, "add") == 0) {
		if ((rc = cmd_opts("course add", argc, argv, 2, add_opts,
		    nitems(add_opts), in)) != 0)
			goto out;
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "track") == 0) {
		if (argc < 3)
			goto usage;
		if (spoc_course_find(db, argv[2], &id, &cause) != 0) {
			rc = cmd_fail(cause);
			goto out;
		}
		if (strcmp(verb, "track") == 0 && (rc = cmd_opts("course track",
		    argc, argv, 3, track_opts, nitems(track_opts), in)) != 0)
			goto out;
	} else if (strcmp(verb, "unit") == 0 && argc > 3) {
		if (strcmp(sub, "add") == 0) {
			if (spoc_course_find(db, argv[3], &id, &cause) != 0) {
				rc = cmd_fail(cause);
				goto out;
			}
		} else if ((id = strtoll(argv[3], NULL, 10)) <= 0)
			goto usage;
		if ((rc = cmd_opts("course unit", argc, argv, 4, unit_opts,
		    nitems(unit_opts), in)) != 0)
			goto out;
	} else
		goto usage;
	if (strcmp(verb, "show") == 0) {
		if ((rc = spoc_course_get(db, id, &out, &cause)) != ERR_OK) {
			rc = cmd_fail(cause);
			goto out;
		}
		cmd_course_print(out);
		rc = 0;
		goto out;
	}
	if (db_begin(db, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	if (strcmp(verb, "add") == 0)
		rc = spoc_course_create(db, &cmd_actor, in, now, &out, &cause);
	else if (strcmp(verb, "track") == 0)
		rc = spoc_track_create(db, &cmd_actor, id, in, now, &out,
		    &cause);
	else if (strcmp(sub, "add") == 0)
		rc = spoc_unit_add(db, &cmd_actor, id, in, now, &out, &cause);
	else if (strcmp(sub, "set") == 0)
		rc = spoc_unit_update(db, &cmd_actor, id, in, now, &out,
		    &cause);
	else if (strcmp(sub, "delete") == 0)
		rc = spoc_unit_delete(db, &cmd_actor, id, now, &out, &cause);
	else {
		db_rollback(db);
		goto usage;
	}
	if ((rc = cmd_transaction(db, rc, cause)) != 0)
		goto out;
	if (strcmp(verb, "add") == 0)
		printf("course %lld: %s\n", cmd_int(out, "id"),
		    cmd_str(out, "code"));
	else if (strcmp(sub, "add") == 0 &&
	    (u = cmd_newest_unit(out)) != NULL)
		printf("unit %lld: week %lld, position %lld, %s\n",
		    cmd_int(u, "id"), cmd_int(u, "week"),
		    cmd_int(u, "position"), cmd_str(u, "title"));
	else
		cmd_course_print(out);
	goto out;
usage:
	fprintf(stderr, "usage: assidu course add|list|show|track|unit ... "
	    "(see assidu help)\n");
	rc = 2;
out:
	free(cause);
	json_decref(in);
	json_decref(out);
	db_close(db);
	return (rc);
}

static void
cmd_cohort_print(json_t *c)
{
	json_t	*w, *e;
	size_t	 i;

	printf("cohort %lld: %s\ncourse %lld %s: %s\n", cmd_int(c, "id"),
	    cmd_str(c, "name"), cmd_int(c, "course_id"),
	    cmd_str(c, "course_code"), cmd_str(c, "course_title"));
	printf("from %s to %s (%s)\n", cmd_str(c, "start_date"),
	    cmd_str(c, "end_date"), cmd_str(c, "state"));
	json_array_foreach(json_object_get(c, "weeks"), i, w)
		printf("week %lld opens %s%s\n", cmd_int(w, "week"),
		    cmd_str(w, "opens"), json_is_true(json_object_get(w,
		    "open")) ? " (open)" : "");
	printf("regroupement %s %s %s: %s\n", cmd_str(c, "meeting_date"),
	    cmd_str(c, "meeting_time"), cmd_str(c, "meeting_mode"),
	    cmd_str(c, "meeting_place"));
	json_array_foreach(json_object_get(c, "enrolments"), i, e)
		printf("enrolment %lld  %-32s %-13s %s  %s\n",
		    cmd_int(e, "id"), cmd_str(e, "email"), cmd_str(e, "opca"),
		    cmd_str(e, "siret"),
		    json_is_true(json_object_get(e, "present")) ? "present" :
		    json_is_false(json_object_get(e, "present")) ? "absent" :
		    "");
}

static int
cmd_cohort(struct config *cfg, int argc, char **argv)
{
	static const struct cmd_opt opts[] = {
		{ "--course", "course" }, { "--name", "name" },
		{ "--start", "start" }, { "--end", "end" },
		{ "--meeting-date", "meeting_date" },
		{ "--meeting-time", "meeting_time" },
		{ "--meeting-mode", "meeting_mode" },
		{ "--meeting-place", "meeting_place" },
	};
	struct db	*db;
	const char	*verb = argc > 1 ? argv[1] : "";
	json_t		*in, *out = NULL, *c;
	char		*cause = NULL;
	int64_t		 id, now = clock_now_ms();
	size_t		 i;
	int		 rc;

	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	in = json_object();
	if (strcmp(verb, "list") == 0) {
		if ((rc = spoc_cohort_list(db, &cmd_actor, now, &out,
		    &cause)) != 0) {
			rc = cmd_fail(cause);
			goto out;
		}
		json_array_foreach(out, i, c)
			printf("%-4lld %s %s %-8s %4lld enrolled  %s  (%s)\n",
			    cmd_int(c, "id"), cmd_str(c, "start_date"),
			    cmd_str(c, "end_date"), cmd_str(c, "state"),
			    cmd_int(c, "enrolled"), cmd_str(c, "name"),
			    cmd_str(c, "course_code"));
	} else if (strcmp(verb, "show") == 0 && argc == 3) {
		if (spoc_cohort_find(db, argv[2], &id, &cause) != 0 ||
		    spoc_cohort_get(db, &cmd_actor, id, now, &out,
		    &cause) != 0) {
			rc = cmd_fail(cause);
			goto out;
		}
		cmd_cohort_print(out);
		rc = 0;
	} else if (strcmp(verb, "add") == 0) {
		if ((rc = cmd_opts("cohort add", argc, argv, 2, opts,
		    nitems(opts), in)) != 0)
			goto out;
		if ((rc = cmd_create(db, spoc_cohort_create, in, now,
		    &out)) == 0)
			printf("cohort %lld: %s (%s to %s)\n",
			    cmd_int(out, "id"), cmd_str(out, "name"),
			    cmd_str(out, "start_date"),
			    cmd_str(out, "end_date"));
	} else {
		fprintf(stderr, "usage: assidu cohort add|list|show ... "
		    "(see assidu help)\n");
		rc = 2;
	}
out:
	free(cause);
	json_decref(in);
	json_decref(out);
	db_close(db);
	return (rc);
}

static int
cmd_company(struct config *cfg, int argc, char **argv)
{
	static const struct cmd_opt opts[] = {
		{ "--siret", "siret" }, { "--name", "name" },
		{ "--headcount", "headcount" },
	};
	struct db	*db;
	const char	*verb = argc > 1 ? argv[1] : "";
	json_t		*in, *out = NULL, *c;
	char		*cause = NULL;
	size_t		 i;
	int		 rc;

	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	in = json_object();
	if (strcmp(verb, "list") == 0) {
		if (store_company_list(db, &out, &cause) != 0) {
			rc = cmd_fail(cause);
			goto out;
		}
		json_array_foreach(out, i, c)
			printf("%-4lld %s %5lld  %s\n", cmd_int(c, "id"),
			    cmd_str(c, "siret"), cmd_int(c, "headcount"),
			    cmd_str(c, "name"));
		rc = 0;
	} else if (strcmp(verb, "add") == 0) {
		if ((rc = cmd_opts("company add", argc, argv, 2, opts,
		    nitems(opts), in)) != 0)
			goto out;
		if ((rc = cmd_create(db, spoc_company_create, in,
		    clock_now_ms(), &out)) == 0)
			printf("company %lld: %s %s\n", cmd_int(out, "id"),
			    cmd_str(out, "siret"), cmd_str(out, "name"));
	} else {
		fprintf(stderr, "usage: assidu company add|list ... "
		    "(see assidu help)\n");
		rc = 2;
	}
out:
	free(cause);
	json_decref(in);
	json_decref(out);
	db_close(db);
	return (rc);
}

/* A whole file in memory (a CSV of learners: small). */
static char *
cmd_slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 size = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "assidu: %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	*len = 0;
	for (;;) {
		if (*len + 65536 + 1 > size) {
			size = size == 0 ? 65536 + 1 : size * 2;
			buf = xreallocarray(buf, 1, size);
		}
		n = fread(buf + *len, 1, size - *len - 1, f);
		*len += n;
		if (n == 0 || *len > 64 * 1024 * 1024)
			break;
	}
	if (ferror(f) || *len > 64 * 1024 * 1024) {
		fprintf(stderr, "assidu: %s: %s\n", path, ferror(f) ?
		    strerror(errno) : "too large");
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	buf[*len] = '\0';
	return (buf);
}

static void
cmd_report_print(json_t *r)
{
	json_t	*x;
	size_t	 i;

	json_array_foreach(json_object_get(r, "errors"), i, x) {
		if (json_is_integer(json_object_get(x, "line")))
			fprintf(stderr, "line %lld", cmd_int(x, "line"));
		else
			fprintf(stderr, "file");
		if (json_is_string(json_object_get(x, "column")))
			fprintf(stderr, ", column %s", cmd_str(x, "column"));
		fprintf(stderr, ": %s\n", cmd_str(x, "message"));
	}
	json_array_foreach(json_object_get(r, "results"), i, x)
		printf("line %lld: %s %s%s\n", cmd_int(x, "line"),
		    cmd_str(x, "email"), strcmp(cmd_str(x, "status"),
		    "already") == 0 ? "already enrolled" : "enrolled",
		    json_is_true(json_object_get(x, "account_created")) ?
		    " (account created)" : "");
	json_array_foreach(json_object_get(r, "ignored_columns"), i, x)
		printf("column ignored: %s\n", json_string_value(x));
}

static int
cmd_enrol(struct config *cfg, int argc, char **argv)
{
	static const struct cmd_opt opts[] = {
		{ "--cohort", "cohort" }, { "--company", "siret" },
		{ "--name", "name" }, { "--opca", "opca" },
		{ "--company-name", "company" },
		{ "--headcount", "headcount" }, { "--csv", "csv" },
	};
	struct db	*db;
	json_t		*in, *out = NULL;
	const char	*csv, *cohort;
	char		*cause = NULL, *buf = NULL;
	size_t		 len;
	int64_t		 id;
	int		 rc, first = argc > 1 && argv[1][0] != '-' ? 2 : 1;

	in = json_object();
	if (first == 2)
		json_object_set_new(in, "email", json_string(argv[1]));
	if ((rc = cmd_opts("enrol", argc, argv, first, opts, nitems(opts),
	    in)) != 0) {
		json_decref(in);
		return (rc);
	}
	csv = json_string_value(json_object_get(in, "csv"));
	cohort = json_string_value(json_object_get(in, "cohort"));
	if (cohort == NULL || (csv == NULL) == (first == 1)) {
		fprintf(stderr, "usage: assidu enrol EMAIL --cohort COHORT "
		    "--company SIRET ..., or assidu enrol --csv FILE --cohort "
		    "COHORT\n");
		json_decref(in);
		return (2);
	}
	if (csv != NULL && (buf = cmd_slurp(csv, &len)) == NULL) {
		json_decref(in);
		return (1);
	}
	if ((db = cmd_open(cfg)) == NULL) {
		free(buf);
		json_decref(in);
		return (1);
	}
	if (spoc_cohort_find(db, cohort, &id, &cause) != 0 ||
	    db_begin(db, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	if (csv != NULL)
		rc = spoc_enrol_csv(db, &cmd_actor, id, buf, len,
		    clock_now_ms(), &out, &cause);
	else
		rc = spoc_enrol(db, &cmd_actor, id, in, clock_now_ms(), &out,
		    &cause);
	if (out != NULL && csv != NULL)
		cmd_report_print(out);
	if ((rc = cmd_transaction(db, rc, cause)) != 0)
		goto out;
	if (csv == NULL)
		printf("%s enrolled in cohort %lld (enrolment %lld)%s\n",
		    cmd_str(out, "email"), (long long)id,
		    cmd_int(out, "enrolment_id"), json_is_true(json_object_get(
		    out, "account_created")) ? ", account created" : "");
	else
		printf("%lld enrolled, %lld already enrolled, %lld accounts "
		    "created\n", cmd_int(out, "enrolled"),
		    cmd_int(out, "already"), cmd_int(out, "accounts_created"));
out:
	free(cause);
	free(buf);
	json_decref(in);
	json_decref(out);
	db_close(db);
	return (rc);
}

static int
cmd_attend(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	struct user	*u = NULL;
	json_t		*in = NULL, *out = NULL;
	char		*cause = NULL;
	int64_t		 id, eid;
	int		 rc, present;

	if (argc != 4 || (strcmp(argv[3], "present") != 0 &&
	    strcmp(argv[3], "absent") != 0)) {
		fprintf(stderr, "usage: assidu attend COHORT EMAIL "
		    "present|absent\n");
		return (2);
	}
	present = strcmp(argv[3], "present") == 0;
	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	if (spoc_cohort_find(db, argv[1], &id, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	if (store_user_by_email(db, argv[2], &u, &cause) != 1 ||
	    store_enrolment_find(db, id, u->id, &eid, &cause) != 1) {
		rc = cmd_fail(cause != NULL ? cause : "not enrolled in this "
		    "cohort");
		goto out;
	}
	in = json_pack("{s:[{s:I,s:b}]}", "marks", "enrolment",
	    (json_int_t)eid, "present", present);
	if (db_begin(db, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	rc = spoc_attendance_mark(db, &cmd_actor, id, in, clock_now_ms(),
	    &out, &cause);
	if ((rc = cmd_transaction(db, rc, cause)) == 0)
		printf("%s: %s\n", u->email, argv[3]);
out:
	free(cause);
	user_free(u);
	json_decref(in);
	json_decref(out);
	db_close(db);
	return (rc);
}

/*
 * Attestations and keys: issue (one learner or a whole cohort, in one
 * transaction), list, show (with the PDF), and verify a PDF offline.
 */

/* The signing key for a command that signs: loaded or created. */
static int
cmd_sign_key(struct config *cfg)
{
	char	*path, *cause = NULL;
	int	 rc;

	path = config_db_path(cfg);
	rc = sign_ensure(path, cfg->data_dir, clock_now_ms(), &cause);
	free(path);
	if (rc != 0) {
		cmd_fail(cause);
		free(cause);
		return (1);
	}
	return (0);
}

static void
cmd_attest_print(json_t *doc)
{
	printf("%s %-11s %s%s%s\n", cmd_str(doc, "number"), cmd_str(doc,
	    "kind"), cmd_str(doc, "learner"), json_is_string(json_object_get(
	    doc, "supersedes")) ? " (remplace " : "",
	    json_is_string(json_object_get(doc, "supersedes")) ?
	    cmd_str(doc, "supersedes") : "");
	if (json_is_string(json_object_get(doc, "supersedes")))
		fputs(")", stdout);
}

static int
cmd_attest_issue(struct config *cfg, struct db *db, int argc, char **argv)
{
	static const struct cmd_opt opts[] = {
		{ "--cohort", "cohort" }, { "--email", "email" },
		{ "--kind", "kind" }, { "--early", "early" },
	};
	struct user	*u = NULL;
	json_t		*in, *out = NULL, *d;
	const char	*kind, *email;
	char		*cause = NULL;
	int64_t		 cid, eid;
	size_t		 i;
	int		 rc;

	in = json_object();
	if ((rc = cmd_opts("attest issue", argc, argv, 2, opts, nitems(opts),
	    in)) != 0)
		goto out;
	kind = json_string_value(json_object_get(in, "kind"));
	email = json_string_value(json_object_get(in, "email"));
	if (json_object_get(in, "cohort") == NULL || !attest_kind_ok(kind) ||
	    (json_object_get(in, "early") != NULL && strcmp(cmd_str(in,
	    "early"), "yes") != 0)) {
		fprintf(stderr, "usage: assidu attest issue --cohort COHORT "
		    "[--email EMAIL] --kind presence|realisation "
		    "[--early yes]\n");
		rc = 2;
		goto out;
	}
	if (cmd_sign_key(cfg) != 0 || spoc_cohort_find(db, cmd_str(in,
	    "cohort"), &cid, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	if (email != NULL && (store_user_by_email(db, email, &u,
	    &cause) != 1 || store_enrolment_find(db, cid, u->id, &eid,
	    &cause) != 1)) {
		rc = cmd_fail(cause != NULL ? cause : "not enrolled in this "
		    "cohort");
		goto out;
	}
	if (db_begin(db, &cause) != 0) {
		rc = cmd_fail(cause);
		goto out;
	}
	if (email != NULL)
		rc = attest_issue(db, &cmd_actor, cfg, eid, kind,
		    json_object_get(in, "early") != NULL, clock_now_ms(), &out,
		    &cause);
	else
		rc = attest_issue_cohort(db, &cmd_actor, cfg, cid, kind,
		    json_object_get(in, "early") != NULL, clock_now_ms(), &out,
		    &cause);
	if ((rc = cmd_transaction(db, rc, cause)) != 0)
		goto out;
	if (email != NULL) {
		cmd_attest_print(out);
		putchar('\n');
	} else {
		json_array_foreach(json_object_get(out, "documents"), i, d) {
			cmd_attest_print(d);
			putchar('\n');
		}
		printf("%lld documents issued\n", cmd_int(out, "issued"));
		json_array_foreach(json_object_get(out, "skipped"), i, d)
			printf("skipped %s: no completed unit to certify\n",
			    cmd_str(d, "learner"));
	}
out:
	free(cause);
	user_free(u);
	json_decref(in);
	json_decref(out);
	return (rc);
}

static int
cmd_attest_list(struct db *db, int argc, char **argv)
{
	json_t	*list = NULL, *d;
	char	*cause = NULL;
	int64_t	 cid = 0;
	size_t	 i;
	int	 rc = 0;

	if (argc == 4 && strcmp(argv[2], "--cohort") == 0) {
		if (spoc_cohort_find(db, argv[3], &cid, &cause) != 0)
			rc = cmd_fail(cause);
	} else if (argc != 2) {
		fprintf(stderr, "usage: assidu attest list "
		    "[--cohort COHORT]\n");
		return (2);
	}
	if (rc == 0 && store_attest_list(db, &cmd_actor, cid, 0, 0, &list,
	    &cause) != 0)
		rc = cmd_fail(cause);
	json_array_foreach(list, i, d) {
		printf("%s %-11s %-28s %s%s\n", cmd_str(d, "number"),
		    cmd_str(d, "kind"), cmd_str(d, "learner"),
		    json_is_string(json_object_get(d, "superseded_by")) ?
		    "remplacé par " : "en vigueur",
		    json_is_string(json_object_get(d, "superseded_by")) ?
		    cmd_str(d, "superseded_by") : "");
	}
	free(cause);
	json_decref(list);
	return (rc);
}

/* Write a file whole, or say why. */
static int
cmd_write_file(const char *path, const char *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "assidu: %s: %s\n", path, strerror(errno));
		return (1);
	}
	return (0);
}

static int
cmd_attest_show(struct config *cfg, struct db *db, int argc, char **argv)
{
	json_t	*out = NULL, *row = NULL;
	char	*cause = NULL, *pdf = NULL, *base;
	char	 code[ATTEST_CODE_LEN + 1] = "";
	size_t	 len;
	int	 rc = 0;

	if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--pdf") == 0)) {
		fprintf(stderr, "usage: assidu attest show NUMBER "
		    "[--pdf FILE]\n");
		return (2);
	}
	/* The command line holds the register: it shows the facts. */
	if (store_attest_by_number(db, argv[2], &row, &cause) == 1)
		attest_code(json_string_value(json_object_get(row,
		    "signature")), code);
	if (attest_verify_number(db, argv[2], code, &out, &cause) != ERR_OK) {
		json_decref(row);
		return (cmd_fail(cause));
	}
	printf("%s: %s\n", argv[2], cmd_str(out, "status"));
	if (json_object_get(out, "facts") != NULL) {
		json_dumpf(json_object_get(out, "facts"), stdout,
		    JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	}
	if (argc == 5 && json_object_get(out, "facts") != NULL) {
		base = attest_base_url(cfg);
		if (row == NULL || attest_pdf(base, row, &pdf, &len,
		    &cause) != ERR_OK)
			rc = cmd_fail(cause);
		else
			rc = cmd_write_file(argv[4], pdf, len);
		free(base);
	}
	free(cause);
	free(pdf);
	json_decref(row);
	json_decref(out);
	return (rc);
}

static int
cmd_attest(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	int		 rc;

	if (argc < 2 || (strcmp(argv[1], "issue") != 0 &&
	    strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0)) {
		fprintf(stderr, "usage: assidu attest issue|list|show ...\n");
		return (2);
	}
	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	if (strcmp(argv[1], "issue") == 0)
		rc = cmd_attest_issue(cfg, db, argc, argv);
	else if (strcmp(argv[1], "list") == 0)
		rc = cmd_attest_list(db, argc, argv);
	else
		rc = cmd_attest_show(cfg, db, argc, argv);
	db_close(db);
	return (rc);
}

/*
 * assidu verify [--key PEM] FILE.pdf: with --key, offline, nothing but the
 * public key; without, with the keys and the register of the data dir.
 * Exit 0 when valid, 1 otherwise.
 */
static int
cmd_verify(struct config *cfg, int argc, char **argv)
{
	struct db	*db = NULL;
	json_t		*out = NULL;
	char		*pdf, *pem = NULL, *cause = NULL, *path;
	const char	*file, *status;
	size_t		 len, plen;
	int		 rc;

	if (argc == 4 && strcmp(argv[1], "--key") == 0)
		file = argv[3];
	else if (argc == 2)
		file = argv[1];
	else {
		fprintf(stderr, "usage: assidu verify [--key PUBLIC.pem] "
		    "FILE.pdf\n");
		return (2);
	}
	if ((pdf = cmd_slurp(file, &len)) == NULL)
		return (1);
	if (argc == 4 && (pem = cmd_slurp(argv[2], &plen)) == NULL) {
		free(pdf);
		return (1);
	}
	if (pem == NULL) {
		path = config_db_path(cfg);
		db = db_open(path, 1, &cause);
		free(path);
		if (db == NULL) {
			rc = cmd_fail(cause);
			goto out;
		}
	}
	if (attest_verify_pdf(db, pem, pdf, len, &out, &cause) != ERR_OK) {
		printf("INVALIDE : %s\n", cause != NULL ? cause : "");
		rc = 1;
		goto out;
	}
	status = cmd_str(out, "status");
	printf("%s %s : %s\n", strcmp(status, "valid") == 0 ? "VALIDE" :
	    strcmp(status, "superseded") == 0 ? "REMPLACÉ" :
	    strcmp(status, "unknown") == 0 ? "INCONNU" : "ALTÉRÉ",
	    cmd_str(out, "number"), cmd_str(out, "message"));
	if (json_is_object(json_object_get(out, "facts"))) {
		json_dumpf(json_object_get(out, "facts"), stdout,
		    JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	}
	rc = strcmp(status, "valid") == 0 ? 0 : 1;
out:
	free(cause);
	free(pdf);
	free(pem);
	json_decref(out);
	db_close(db);
	return (rc);
}

/* assidu key list | key rotate. */
static int
cmd_key(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	json_t		*list = NULL, *k;
	char		*cause = NULL, *id = NULL;
	size_t		 i;
	int		 rc = 0;

	if (argc != 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "rotate") != 0)) {
		fprintf(stderr, "usage: assidu key list|rotate\n");
		return (2);
	}
	if ((db = cmd_open(cfg)) == NULL)
		return (1);
	if (strcmp(argv[1], "rotate") == 0) {
		if (db_begin(db, &cause) != 0)
			rc = cmd_fail(cause);
		else {
			rc = sign_create(db, cfg->data_dir, &cmd_actor,
			    clock_now_ms(), &id, &cause) == 0 ? ERR_OK :
			    ERR_INTERNAL;
			if ((rc = cmd_transaction(db, rc, cause)) == 0)
				printf("new signing key %s; older keys still "
				    "verify what they signed\n", id);
		}
	} else if (store_key_list(db, &list, &cause) != 0)
		rc = cmd_fail(cause);
	json_array_foreach(list, i, k)
		printf("%s %s%s\n", cmd_str(k, "id"), i == 0 ? "current" :
		    "retired", "");
	free(id);
	free(cause);
	json_decref(list);
	db_close(db);
	return (rc);
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
