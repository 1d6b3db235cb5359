/*
 * One-line key=value logging. Every line is formatted in full and written
 * with a single write(2) on an O_APPEND descriptor, so lines from the event
 * thread and the writer thread never interleave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assidu.h"

static int		 log_fd = STDERR_FILENO;
static char		*log_path;
static enum log_level	 log_level = LOG_INFO;

static const char *log_names[] = { "error", "warn", "info", "debug" };

int
log_open(const char *path, char **cause)
{
	int	 fd;

	if (path == NULL || strcmp(path, "-") == 0 || *path == '\0') {
		free(log_path);
		log_path = NULL;
		log_fd = STDERR_FILENO;
		return (0);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		xasprintf(cause, "cannot open log file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	if (log_path != path) {
		free(log_path);
		log_path = xstrdup(path);
	}
	return (0);
}

/* Called on SIGHUP after logrotate moved the file away. */
int
log_reopen(char **cause)
{
	int	 fd;

	if (log_path == NULL)
		return (0);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		xasprintf(cause, "cannot reopen log file %s: %s", log_path,
		    strerror(errno));
		return (-1);
	}
	/* dup2 swaps the descriptor atomically for the writer thread. */
	if (dup2(fd, log_fd) == -1) {
		xasprintf(cause, "dup2: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	free(log_path);
	log_path = NULL;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_parse_level(const char *s, enum log_level *level)
{
	size_t	 i;

	for (i = 0; i < nitems(log_names); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*level = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

static void printflike(2, 0)
log_vwrite(enum log_level level, const char *fmt, va_list ap,
    const char *suffix)
{
	char	 line[4096], ts[32];
	int	 n, m;

	if (level > log_level)
		return;
	clock_format_iso(clock_now_ms(), ts, sizeof ts);
	n = snprintf(line, sizeof line, "ts=%s level=%s ", ts,
	    log_names[level]);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof line - 1)
		n = sizeof line - 2;
	if (suffix != NULL) {
		m = snprintf(line + n, sizeof line - n - 1,
		    " error=%s", suffix);
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof line - 1)
			n = sizeof line - 2;
	}
	line[n++] = '\n';
	(void)write(log_fd, line, n);
}

#define LOG_FUNCTION(name, level)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	 ap;							\
									\
	va_start(ap, fmt);						\
	log_vwrite(level, fmt, ap, NULL);				\
	va_end(ap);							\
}
LOG_FUNCTION(log_error, LOG_ERROR)
LOG_FUNCTION(log_warn, LOG_WARN)
LOG_FUNCTION(log_info, LOG_INFO)
LOG_FUNCTION(log_debug, LOG_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	*err;

	err = log_value(strerror(errno));
	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, err);
	va_end(ap);
	free(err);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, NULL);
	va_end(ap);
	abort();
}

/*
 * Make a string safe as a log value: quoted when it holds spaces, with
 * quotes, backslashes and control bytes escaped so one event stays one line.
 */
char *
log_value(const char *s)
{
	const unsigned char	*p;
	char			*out, *o;
	int			 quote = 0;

	if (s == NULL)
		return (xstrdup("-"));
	if (*s == '\0')
		return (xstrdup("\"\""));
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' ||
		    *p == 0x7f)
			quote = 1;
	}
	o = out = xmalloc(strlen(s) * 4 + 3);
	if (quote)
		*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = *p;
		} else if (*p < ' ' || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = *p;
	}
	if (quote)
		*o++ = '"';
	*o = '\0';
	return (out);
}
