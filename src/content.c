/*
 * Static files: the web UI from www/ now, package content later. Paths
 * arrive raw (percent-encoded) and are decoded exactly once here; anything
 * that could climb out of the root is refused.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/http.h>

#include "assidu.h"

static const struct {
	const char	*ext;
	const char	*type;
} content_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "xsd", "application/xml" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "vtt", "text/vtt; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "mp3", "audio/mpeg" },
	{ "m4a", "audio/mp4" },
	{ "wav", "audio/wav" },
	{ "ogg", "audio/ogg" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "pdf", "application/pdf" },
	{ "zip", "application/zip" },
	{ "wasm", "application/wasm" },
};

const char *
content_mime_type(const char *path)
{
	const char	*dot, *slash;
	size_t		 i;

	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot == NULL || (slash != NULL && dot < slash))
		return ("application/octet-stream");
	for (i = 0; i < nitems(content_types); i++) {
		if (strcasecmp(dot + 1, content_types[i].ext) == 0)
			return (content_types[i].type);
	}
	return ("application/octet-stream");
}

/*
 * Decode a raw relative path and check it: no NUL, no backslash, no control
 * bytes, valid UTF-8, no "." or ".." segment, no empty segment. The result
 * has no leading slash.
 */
int
content_safe_path(const char *raw, char **out, char **cause)
{
	char		*dec;
	size_t		 len;

	*out = NULL;
	while (*raw == '/')
		raw++;
	if ((dec = evhttp_uridecode(raw, 0, &len)) == NULL) {
		xasprintf(cause, "chemin mal encodé");
		return (-1);
	}
	if (strlen(dec) != len) {
		xasprintf(cause, "caractère nul dans le chemin");
		goto bad;
	}
	if (path_check(dec, 1, cause) != 0)
		goto bad;
	*out = dec;
	return (0);
bad:
	free(dec);
	return (-1);
}

static int
content_etag_matches(const char *inm, const char *etag)
{
	if (inm == NULL)
		return (0);
	return (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

/*
 * One "bytes=" range of a file of size bytes: 1 and the span when it is
 * satisfiable, 0 to ignore the header (absent, malformed, several
 * ranges: the whole file is sent), -1 when unsatisfiable.
 */
static int
content_range(const char *h, off_t size, off_t *from, off_t *len)
{
	long long	 a, b;
	char		*end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 ||
	    strchr(h, ',') != NULL)
		return (0);
	h += 6;
	if (*h == '-') {
		b = strtoll(h + 1, &end, 10);
		if (*end != '\0' || end == h + 1 || b < 0)
			return (0);
		if (b == 0 || size == 0)
			return (-1);
		*from = b > size ? 0 : size - b;
		*len = size - *from;
		return (1);
	}
	a = strtoll(h, &end, 10);
	if (end == h || *end != '-' || a < 0)
		return (0);
	h = end + 1;
	b = *h == '\0' ? size - 1 : strtoll(h, &end, 10);
	if (*h != '\0' && (*end != '\0' || b < a))
		return (0);
	if (a >= size)
		return (-1);
	if (b >= size)
		b = size - 1;
	*from = a;
	*len = b - a + 1;
	return (1);
}

/*
 * Serve root/raw. Directories answer with their index.html; symlinks and
 * anything but a regular file are not served. tag, when set, makes the
 * file immutable: its URL changes whenever its bytes do.
 */
void
content_serve(struct req *req, const char *root, const char *raw,
    const char *tag)
{
	struct stat	 sb;
	char		*rel, *cause, *path, etag[64], range[96];
	off_t		 from, len;
	int		 fd;

	if (content_safe_path(raw, &rel, &cause) != 0) {
		http_error(req, 404, NULL, "Chemin refusé : %s.", cause);
		free(cause);
		return;
	}
	if (*rel == '\0' || rel[strlen(rel) - 1] == '/')
		xasprintf(&path, "%s/%sindex.html", root, rel);
	else
		xasprintf(&path, "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 && fstat(fd, &sb) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd != -1 && S_ISDIR(sb.st_mode)) {
		/* A directory: its index, at a URL ending in '/'. */
		close(fd);
		free(path);
		free(rel);
		xasprintf(&path, "%s/", req->path);
		http_set_header(req, "Location", path);
		free(path);
		http_error(req, 301, NULL, NULL);
		return;
	}
	if (fd == -1 || !S_ISREG(sb.st_mode)) {
		if (fd != -1)
			close(fd);
		free(path);
		free(rel);
		http_error(req, 404, NULL, NULL);
		return;
	}
	if (tag != NULL)
		snprintf(etag, sizeof etag, "\"%.16s-%llx\"", tag,
		    (unsigned long long)sb.st_size);
	else
		snprintf(etag, sizeof etag, "\"%llx-%llx\"",
		    (unsigned long long)sb.st_size,
		    (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL +
		    (unsigned long long)sb.st_mtim.tv_nsec);
	http_set_header(req, "ETag", etag);
	http_set_header(req, "Cache-Control", tag != NULL ?
	    "private, max-age=31536000, immutable" : "no-cache");
	http_set_header(req, "Accept-Ranges", "bytes");
	if (content_etag_matches(http_header(req, "If-None-Match"), etag)) {
		close(fd);
		free(path);
		free(rel);
		http_reply_status(req, 304);
		return;
	}
	switch (content_range(http_header(req, "Range"), sb.st_size, &from,
	    &len)) {
	case -1:
		close(fd);
		snprintf(range, sizeof range, "bytes */%lld",
		    (long long)sb.st_size);
		http_set_header(req, "Content-Range", range);
		http_error(req, 416, NULL, "Plage demandée hors du fichier.");
		break;
	case 1:
		snprintf(range, sizeof range, "bytes %lld-%lld/%lld",
		    (long long)from, (long long)(from + len - 1),
		    (long long)sb.st_size);
		http_set_header(req, "Content-Range", range);
		http_reply_file(req, 206, content_mime_type(path), fd, from,
		    len);
		break;
	default:
		http_reply_file(req, 200, content_mime_type(path), fd, 0,
		    sb.st_size);
		break;
	}
	free(path);
	free(rel);
}
