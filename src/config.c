/*
 * assidu.conf: "key = value" lines, '#' comments. One table lists every key
 * with its type and bounds; the command line overrides through config_set.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assidu.h"

#ifndef ASSIDU_WWW_DIR
#define ASSIDU_WWW_DIR "/usr/local/share/assidu/www"
#endif

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_BOOL,
	CONFIG_LEVEL
};

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
	long			 min;
	long			 max;
};

#define S(f) CONFIG_STRING, offsetof(struct config, f), 0, 0
#define I(f, lo, hi) CONFIG_INT, offsetof(struct config, f), lo, hi
#define B(f) CONFIG_BOOL, offsetof(struct config, f), 0, 1
static const struct config_key config_keys[] = {
	{ "listen", S(listen) },
	{ "data_dir", S(data_dir) },
	{ "www_dir", S(www_dir) },
	{ "log_file", S(log_file) },
	{ "log_level", CONFIG_LEVEL, offsetof(struct config, log_level), 0, 0 },
	{ "max_body_size", I(max_body_size, 1024, 1024 * 1024 * 1024) },
	{ "max_header_size", I(max_header_size, 1024, 1024 * 1024) },
	{ "idle_timeout", I(idle_timeout, 1, 3600) },
	{ "request_timeout", I(request_timeout, 1, 3600) },
	{ "max_connections", I(max_connections, 1, 1000000) },
	{ "backlog", I(backlog, 16, 65535) },
	{ "shutdown_timeout", I(shutdown_timeout, 1, 600) },
	{ "writer_max_batch", I(writer_max_batch, 1, 100000) },
	{ "workers", I(workers, 1, 64) },
	{ "test_mode", B(test_mode) },
	{ "public_url", S(public_url) },
	{ "organisation_name", S(organisation_name) },
	{ "organisation_nda", S(organisation_nda) },
	{ "organisation_siret", S(organisation_siret) },
	{ "organisation_city", S(organisation_city) },
	{ "organisation_representative", S(organisation_representative) },
	{ "organisation_representative_title",
	    S(organisation_representative_title) },
	{ "tls_cert", S(tls_cert) },
	{ "tls_key", S(tls_key) },
	{ "cookie_secure", B(cookie_secure) },
	{ "session_idle", I(session_idle, 1, 30 * 24 * 3600) },
	{ "session_lifetime", I(session_lifetime, 1, 90 * 24 * 3600) },
	{ "scrypt_log2n", I(scrypt_log2n, 10, 20) },
};
#undef S
#undef I
#undef B

void
config_init(struct config *cfg)
{
	struct stat	 sb;

	memset(cfg, 0, sizeof *cfg);
	cfg->listen = xstrdup("127.0.0.1:8080");
	cfg->data_dir = xstrdup("/var/lib/assidu");
	/* Prefer the installed pages; an uninstalled build uses the tree's. */
	if (stat(ASSIDU_WWW_DIR, &sb) == 0 || ASSIDU_SRC_WWW_DIR[0] == '\0')
		cfg->www_dir = xstrdup(ASSIDU_WWW_DIR);
	else
		cfg->www_dir = xstrdup(ASSIDU_SRC_WWW_DIR);
	cfg->log_level = LOG_INFO;
	cfg->max_body_size = 1024 * 1024;
	cfg->max_header_size = 16 * 1024;
	cfg->idle_timeout = 30;
	cfg->request_timeout = 30;
	cfg->max_connections = 10000;
	cfg->backlog = 1024;
	cfg->shutdown_timeout = 10;
	cfg->writer_max_batch = 1000;
	cfg->workers = 2;
	cfg->session_idle = 2 * 3600;
	cfg->session_lifetime = 12 * 3600;
	cfg->scrypt_log2n = 15;
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < nitems(config_keys); i++) {
		if (config_keys[i].type == CONFIG_STRING)
			free(*(char **)((char *)cfg + config_keys[i].offset));
	}
	free(cfg->path);
	memset(cfg, 0, sizeof *cfg);
}

static int
config_parse_bool(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

/* public_url is an origin: scheme and host[:port], nothing after. */
static int
config_check_url(const char *v, char **cause)
{
	const char	*host, *p;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		goto bad;
	if (*host == '\0')
		goto bad;
	for (p = host; *p != '\0'; p++) {
		if (*p == '/' || *p == '?' || *p == '#' || *p == '@' ||
		    isupper((unsigned char)*p) || isspace((unsigned char)*p))
			goto bad;
	}
	return (0);
bad:
	xasprintf(cause, "public_url: '%s' is not an origin such as "
	    "https://formation.example.fr (lower case, no path, no trailing "
	    "slash)", v);
	return (-1);
}

int
config_set(struct config *cfg, const char *key, const char *value,
    char **cause)
{
	const struct config_key	*k = NULL;
	enum log_level		 level;
	size_t			 i;
	char			*end, **sp;
	long			 n;

	for (i = 0; i < nitems(config_keys); i++) {
		if (strcmp(config_keys[i].name, key) == 0) {
			k = &config_keys[i];
			break;
		}
	}
	if (k == NULL) {
		xasprintf(cause, "unknown setting '%s'", key);
		return (-1);
	}
	switch (k->type) {
	case CONFIG_STRING:
		if (*value == '\0') {
			xasprintf(cause, "%s: empty value", key);
			return (-1);
		}
		if (strcmp(key, "public_url") == 0 &&
		    config_check_url(value, cause) != 0)
			return (-1);
		sp = (char **)((char *)cfg + k->offset);
		free(*sp);
		*sp = xstrdup(value);
		break;
	case CONFIG_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    n < k->min || n > k->max) {
			xasprintf(cause, "%s: '%s' is not a number between "
			    "%ld and %ld", key, value, k->min, k->max);
			return (-1);
		}
		*(int *)((char *)cfg + k->offset) = (int)n;
		break;
	case CONFIG_BOOL:
		if (config_parse_bool(value,
		    (int *)((char *)cfg + k->offset)) != 0) {
			xasprintf(cause, "%s: '%s' is not yes or no", key,
			    value);
			return (-1);
		}
		break;
	case CONFIG_LEVEL:
		if (log_parse_level(value, &level) != 0) {
			xasprintf(cause, "%s: '%s' is not one of error, warn, "
			    "info, debug", key, value);
			return (-1);
		}
		*(int *)((char *)cfg + k->offset) = (int)level;
		break;
	}
	return (0);
}

static char *
config_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

int
config_load(struct config *cfg, const char *path, char **cause)
{
	FILE	*f;
	char	*line = NULL, *key, *value, *eq, *why;
	size_t	 size = 0;
	ssize_t	 len;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	while ((len = getline(&line, &size, f)) != -1) {
		lineno++;
		if ((key = strchr(line, '#')) != NULL)
			*key = '\0';
		key = config_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			xasprintf(cause, "%s:%d: expected 'key = value'", path,
			    lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		value = config_trim(eq + 1);
		key = config_trim(key);
		if (config_set(cfg, key, value, &why) != 0) {
			xasprintf(cause, "%s:%d: %s", path, lineno, why);
			free(why);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc == 0) {
		free(cfg->path);
		cfg->path = xstrdup(path);
	}
	return (rc);
}

char *
config_db_path(const struct config *cfg)
{
	char	*path;

	xasprintf(&path, "%s/%s", cfg->data_dir, DB_FILE);
	return (path);
}

/*
 * Split "host:port" or "[v6]:port". Port 0 asks the kernel for a free port,
 * which the tests use.
 */
int
config_split_listen(const char *listen, char **host, int *port, char **cause)
{
	const char	*colon, *h, *he;
	char		*end;
	long		 n;

	if (listen[0] == '[') {
		if ((he = strchr(listen, ']')) == NULL || he[1] != ':')
			goto bad;
		h = listen + 1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL)
			goto bad;
		h = listen;
		he = colon;
	}
	if (he == h)
		goto bad;
	errno = 0;
	n = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || n < 0 ||
	    n > 65535)
		goto bad;
	*host = xstrndup(h, he - h);
	*port = (int)n;
	return (0);
bad:
	xasprintf(cause, "listen: '%s' is not HOST:PORT", listen);
	return (-1);
}

/* The effective settings, for "assidu serve --check" style output. */
void
config_dump(const struct config *cfg, json_t *out)
{
	const struct config_key	*k;
	size_t			 i;
	const char		*s;

	for (i = 0; i < nitems(config_keys); i++) {
		k = &config_keys[i];
		switch (k->type) {
		case CONFIG_STRING:
			s = *(char **)((char *)cfg + k->offset);
			json_object_set_new(out, k->name,
			    s != NULL ? json_string(s) : json_null());
			break;
		case CONFIG_INT:
			json_object_set_new(out, k->name, json_integer(
			    *(int *)((char *)cfg + k->offset)));
			break;
		case CONFIG_BOOL:
			json_object_set_new(out, k->name, json_boolean(
			    *(int *)((char *)cfg + k->offset)));
			break;
		case CONFIG_LEVEL:
			json_object_set_new(out, k->name, json_string(
			    (const char *[]){ "error", "warn", "info",
			    "debug" }[cfg->log_level]));
			break;
		}
	}
}
