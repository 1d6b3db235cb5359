/*
 * Relative paths from outside: URL paths (after decoding) and the names
 * inside a zip. One check for both, so that nothing a package could hold
 * is something the content server would refuse, or the reverse.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "assidu.h"

/* Strict UTF-8: no overlong forms (%c0%ae is not '.'), no surrogates. */
static int
path_utf8_valid(const unsigned char *s)
{
	unsigned int	 c;
	int		 n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 1, c = *s & 0x1f;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2, c = *s & 0x0f;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3, c = *s & 0x07;
		else
			return (0);
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return (0);
			c = (c << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
			return (0);
		s += n + 1;
	}
	return (1);
}

/*
 * A relative path that stays below its root: not absolute, no backslash,
 * no control byte, valid UTF-8, no ".", ".." or empty segment. A final
 * '/' (a directory) is allowed when dir is set. *cause is French.
 */
int
path_check(const char *p, int dir, char **cause)
{
	const char	*seg, *e;

	if (*p == '/' || (isalpha((unsigned char)p[0]) && p[1] == ':')) {
		xasprintf(cause, "« %s » : chemin absolu interdit", p);
		return (-1);
	}
	if (strchr(p, '\\') != NULL) {
		xasprintf(cause, "« %s » : barre oblique inverse interdite", p);
		return (-1);
	}
	for (e = p; *e != '\0'; e++) {
		if ((unsigned char)*e < 0x20 || *e == 0x7f) {
			xasprintf(cause, "nom de fichier invalide "
			    "(caractère de contrôle)");
			return (-1);
		}
	}
	if (!path_utf8_valid((const unsigned char *)p)) {
		xasprintf(cause, "nom de fichier invalide (UTF-8 attendu)");
		return (-1);
	}
	for (seg = p; *seg != '\0'; seg = *e == '\0' ? e : e + 1) {
		e = strchrnul(seg, '/');
		if (e - seg == 2 && seg[0] == '.' && seg[1] == '.') {
			xasprintf(cause, "« %s » : chemin remontant (..) "
			    "interdit", p);
			return (-1);
		}
		if ((e == seg && !(dir && *e == '/' && e[1] == '\0')) ||
		    (e - seg == 1 && seg[0] == '.')) {
			xasprintf(cause, "« %s » : nom de fichier invalide "
			    "(segment vide ou « . »)", p);
			return (-1);
		}
	}
	return (0);
}
