/*
 * Unit tests of pdf.c: both documents rendered from tests/data's sample
 * facts and read back with poppler (pdftotext, pdfinfo, pdftoppm) and zbar;
 * page breaks, two threads at once, bad facts, and the information
 * dictionary parser on cairo's output, on hand-made files and on damage.
 */
#include "config.h"

#include <sys/wait.h>

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "assidu.h"

#define URL	"http://127.0.0.1:8080/verify/AS-2026-000123"

static char	 tmpdir[256];
static char	 sig[128];

static json_t *
facts_load(void)
{
	const char	*src = getenv("ASSIDU_SRCDIR");
	char		 path[1024];
	json_t		*j;

	snprintf(path, sizeof path, "%s/tests/data/attest-facts.json",
	    src != NULL ? src : ".");
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return (j);
}

static char *
b64(const char *s, size_t n)
{
	char	*out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return (out);
}

static char *
canonical(json_t *facts)
{
	return (json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS));
}

static void
render(json_t *facts, char **pdf, size_t *len)
{
	char	*canon = canonical(facts), *cause = NULL;
	int	 rc;

	rc = pdf_render(facts, canon, sig, URL, pdf, len, &cause);
	if (rc != 0)
		print_error("pdf_render: %s\n", cause);
	assert_int_equal(rc, 0);
	assert_non_null(*pdf);
	assert_true(*len > 1000);
	assert_memory_equal(*pdf, "%PDF-", 5);
	free(canon);
}

static void
save(const char *name, const char *pdf, size_t len, char *path, size_t size)
{
	FILE	*f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(pdf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The output of a shell command that must succeed. */
static char	*run(const char *, ...) printflike(1, 2);
static char *
run(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, *out = NULL;
	size_t	 size = 0;
	FILE	*p, *o;
	int	 c, status;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(o = open_memstream(&out, &size));
	while ((c = fgetc(p)) != EOF)
		fputc(c, o);
	fclose(o);
	status = pclose(p);
	if (status != 0)
		print_error("%s: exit %d\n", cmd, status);
	assert_int_equal(status, 0);
	free(cmd);
	return (out);
}

/* Text with NBSPs as spaces, ’ as ', runs of white space as one space. */
static char *
flat(char *s)
{
	char	*r = s, *w = s;
	int	 sp = 0;

	while (*r != '\0') {
		if (memcmp(r, "\xc2\xa0", 2) == 0 || (r[0] == ' ' ||
		    r[0] == '\n' || r[0] == '\t' || r[0] == '\f' ||
		    r[0] == '\r')) {
			r += r[0] == '\xc2' ? 2 : 1;
			sp = 1;
			continue;
		}
		if (memcmp(r, "\xe2\x80\xaf", 3) == 0) {
			r += 3;
			sp = 1;
			continue;
		}
		if (sp && w != s)
			*w++ = ' ';
		sp = 0;
		if (memcmp(r, "\xe2\x80\x99", 3) == 0) {
			*w++ = '\'';
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (s);
}

static char *
text(const char *path, const char *mode)
{
	return (flat(run("pdftotext %s -enc UTF-8 '%s' -", mode, path)));
}

#define has(t, s)	has_(t, s, 1, __LINE__)
#define lacks(t, s)	has_(t, s, 0, __LINE__)
static void
has_(const char *t, const char *s, int want, int line)
{
	if ((strstr(t, s) != NULL) != want) {
		print_error("line %d: %s \"%s\"\n", line, want ? "missing" :
		    "unexpected", s);
		fail();
	}
}

/* Independent of pdf.c: "1 h 05 min 12 s", "13 min 32 s", "45 s". */
static void
duration(long long s, char *buf, size_t len)
{
	char	 h[32] = "", m[32] = "", sec[32] = "";

	if (s >= 3600)
		snprintf(h, sizeof h, "%lld h ", s / 3600);
	if (s >= 60)
		snprintf(m, sizeof m, s >= 3600 ? "%02lld min " : "%lld min ",
		    s / 60 % 60);
	if (s % 60 != 0 || s < 60)
		snprintf(sec, sizeof sec, s >= 60 ? "%02lld s" : "%lld s",
		    s % 60);
	snprintf(buf, len, "%s%s%s", h, m, sec);
	if (buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
}

/* "1,25 heure", "4 heures": two decimals at most, plural from 2. */
static void
hours(long long minutes, char *buf, size_t len)
{
	double	 h = minutes / 60.0;
	char	*p;

	snprintf(buf, len, "%.2f", h);
	p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	if ((p = strchr(buf, '.')) != NULL)
		*p = ',';
	strncat(buf, h >= 2 ? " heures" : " heure", len - strlen(buf) - 1);
}

static long long
total(json_t *facts, const char *key)
{
	return ((long long)json_integer_value(json_object_get(
	    json_object_get(facts, "totals"), key)));
}

static void
test_presence(void **state)
{
	json_t	*f = facts_load();
	char	*pdf, *t, path[512], buf[128];
	size_t	 len;

	render(f, &pdf, &len);
	save("presence.pdf", pdf, len, path, sizeof path);
	t = text(path, "-raw");
	has(t, "Attestation de présence — relevé de connexions");
	has(t, "Document intermédiaire : la session n'est pas terminée ; "
	    "ce relevé sera complété.");
	has(t, "Organisme de démonstration");
	has(t, "Numéro de déclaration d'activité : 11 75 54321 75");
	has(t, "SIRET : 888 123 456 00012");
	has(t, "Document n° AS-2026-000123 émis le 24/11/2026 à 11:15");
	has(t, "Apprenant(e) Léa Durand");
	has(t, "Entreprise Résidence Les Tilleuls (SSIAD & EHPAD) "
	    "SIRET 442 318 765 00009");
	has(t, "OPCO Unifaf");
	has(t, "Formation Le numérique au service des TPE-PME");
	has(t, "Modalité Formation ouverte et à distance (FOAD)");
	has(t, "Session Session de démonstration, du 16 novembre 2026 au 28 "
	    "décembre 2026");
	has(t, "Semaine 1 — Tronc commun");
	has(t, "Semaine 4 — Parcours Unifaf");
	has(t, "1. Le numérique dans l'entreprise : de quoi parle-t-on ? "
	    "15 min 16/11/2026 à 09:01 16/11/2026 à 09:20 1 19 min 39 s "
	    "terminée, réussie");
	has(t, "terminée, échouée");
	has(t, "en cours");
	has(t, "non commencée");
	snprintf(buf, sizeof buf, "Unités terminées %lld sur %lld",
	    total(f, "completed"), total(f, "units"));
	has(t, buf);
	duration(total(f, "measured_s"), buf, sizeof buf);
	has(t, "Temps de connexion mesuré par le serveur");
	has(t, buf);
	duration(total(f, "reported_s"), buf, sizeof buf);
	has(t, "Temps déclaré par les unités");
	has(t, buf);
	duration(total(f, "certified_minutes") * 60, buf, sizeof buf);
	has(t, "Durée certifiée");
	has(t, buf);
	has(t, "règle FOAD : activités terminées × durée estimée");
	has(t, "Date mardi 22 décembre 2026 à 14:00");
	has(t, "Modalité à distance");
	has(t, "Lieu https://visio.example.org/tpe-numerique-demo");
	has(t, "Émargement non émargé");
	has(t, "Fait à Paris, le 24 novembre 2026 Aline Martin, Directrice");
	has(t, "Document signé électroniquement (Ed25519), n° AS-2026-000123");
	has(t, "Document n° AS-2026-000123 — page 1 / ");
	has(t, "Vérifiez ce document sur " URL " ou hors ligne avec la clé "
	    "publique de l'organisme (clé 3f9a0c1d2e4b5a69).");
	lacks(t, "Remplace le document");
	lacks(t, "Émis avant la fin");
	free(t);
	/* -layout too: what a reader copies from a viewer. */
	t = text(path, "-layout");
	has(t, "Attestation de présence — relevé de connexions");
	has(t, "Léa Durand");
	free(t);
	free(pdf);

	/* Final: no banner; a re-issue says what it replaces. */
	json_object_set_new(f, "interim", json_false());
	json_object_set_new(f, "supersedes", json_string("AS-2026-000100"));
	json_object_set_new(json_object_get(f, "regroupement"), "present",
	    json_true());
	json_object_set_new(json_object_get(f, "regroupement"), "mode",
	    json_string("onsite"));
	render(f, &pdf, &len);
	save("presence-final.pdf", pdf, len, path, sizeof path);
	t = text(path, "-raw");
	lacks(t, "Document intermédiaire");
	has(t, "Remplace le document n° AS-2026-000100.");
	has(t, "Émargement présent(e)");
	has(t, "Modalité sur site");
	free(t);
	free(pdf);
	json_decref(f);
}

static void
test_realisation(void **state)
{
	json_t	*f = facts_load();
	char	*pdf, *t, path[512], buf[128], h[64];
	size_t	 len;

	json_object_set_new(f, "kind", json_string("realisation"));
	json_object_set_new(f, "interim", json_false());
	render(f, &pdf, &len);
	save("realisation.pdf", pdf, len, path, sizeof path);
	t = text(path, "-raw");
	has(t, "Certificat de réalisation");
	has(t, "Numéro de déclaration d'activité : 11 75 54321 75");
	has(t, "Je soussigné(e) Aline Martin, représentant(e) légal(e) du "
	    "dispensateur de l'action concourant au développement des "
	    "compétences Organisme de démonstration,");
	has(t, "atteste que : Léa Durand");
	has(t, "salarié(e) de l'entreprise Résidence Les Tilleuls (SSIAD & "
	    "EHPAD)");
	has(t, "a suivi l'action Le numérique au service des TPE-PME");
	has(t, "Nature de l'action concourant au développement des "
	    "compétences : ☒ action de formation ☐ bilan de compétences "
	    "☐ action de VAE ☐ action de formation par apprentissage");
	has(t, "qui s'est déroulée du 16 novembre 2026 au 28 décembre 2026,");
	hours(total(f, "certified_minutes"), h, sizeof h);
	snprintf(buf, sizeof buf, "pour une durée de %s.", h);
	has(t, buf);
	has(t, "Pour les formations à distance, la durée tient compte de la "
	    "réalisation des activités pédagogiques et du temps estimé pour "
	    "les réaliser.");
	has(t, "Sans préjudice des délais imposés par les règles fiscales, "
	    "comptables ou commerciales, je m'engage à conserver l'ensemble "
	    "des pièces justificatives qui ont permis d'établir le présent "
	    "certificat pour une durée de 3 ans à compter de la fin de "
	    "l'année du dernier paiement. En cas de contrôle, je m'engage à "
	    "fournir les documents et pièces de nature à justifier la "
	    "réalité de l'action.");
	has(t, "Fait à Paris, le 24 novembre 2026");
	has(t, "Document signé électroniquement (Ed25519), n° AS-2026-000123");
	has(t, "Document n° AS-2026-000123 — page 1 / 1");
	lacks(t, "Document intermédiaire");
	lacks(t, "Émis avant la fin");
	lacks(t, "Remplace le document");
	free(t);
	free(pdf);

	json_object_set_new(f, "decision", json_string("admin"));
	json_object_set_new(f, "supersedes", json_string("AS-2026-000099"));
	json_object_set_new(json_object_get(f, "totals"),
	    "certified_minutes", json_integer(225));
	render(f, &pdf, &len);
	save("realisation-admin.pdf", pdf, len, path, sizeof path);
	t = text(path, "-raw");
	has(t, "Émis avant la fin de la session sur décision de "
	    "l'organisme.");
	has(t, "Remplace le document n° AS-2026-000099.");
	has(t, "pour une durée de 3,75 heures.");
	free(t);
	free(pdf);
	json_decref(f);
}

/* Every object in use is where the cross-reference table says. */
static void
xref_check(const char *pdf, size_t len)
{
	const char	*sx, *p;
	char		 obj[32];
	size_t		 xref, first, count, i, off;

	for (sx = pdf + len - 9; memcmp(sx, "startxref", 9) != 0; sx--)
		assert_true(sx > pdf);
	xref = strtoul(sx + 9, NULL, 10);
	assert_memory_equal(pdf + xref, "xref\n", 5);
	p = pdf + xref + 5;
	assert_int_equal(sscanf(p, "%zu %zu", &first, &count), 2);
	p = strchr(p, '\n') + 1;
	for (i = 0; i < count; i++, p += 20) {
		if (p[17] != 'n')
			continue;
		off = strtoul(p, NULL, 10);
		assert_true(off < len);
		snprintf(obj, sizeof obj, "%zu 0 obj", first + i);
		if (strncmp(pdf + off, obj, strlen(obj)) != 0) {
			print_error("xref: %s not at %zu\n", obj, off);
			fail();
		}
	}
	assert_memory_equal(p, "trailer", 7);
}

/* The value of a "Key: value" line of pdfinfo. */
static char *
info_line(const char *out, const char *key)
{
	const char	*p = out, *e;
	size_t		 n = strlen(key);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p,
	    '\n') + 1 : NULL) {
		if (strncmp(p, key, n) == 0 && p[n] == ':') {
			p += n + 1;
			p += strspn(p, " ");
			e = strchr(p, '\n');
			return (xstrndup(p, e != NULL ? (size_t)(e - p) :
			    strlen(p)));
		}
	}
	return (NULL);
}

static void
test_metadata(void **state)
{
	static const char	*keys[][2] = {
		{ "AssiduNumber", "AS-2026-000123" },
		{ "AssiduKey", "3f9a0c1d2e4b5a69" },
		{ "AssiduFacts", NULL },
		{ "AssiduSignature", sig },
		{ "Title", "Attestation de présence — relevé de connexions" },
		{ "Author", "Organisme de démonstration" },
	};
	json_t			*f = facts_load();
	char			*pdf, *out, *v, *canon, *facts64, path[512];
	double			 w, h;
	size_t			 len, i;

	canon = canonical(f);
	facts64 = b64(canon, strlen(canon));
	assert_non_null(strchr(sig, '+'));
	assert_non_null(strchr(sig, '/'));
	render(f, &pdf, &len);
	xref_check(pdf, len);
	save("meta.pdf", pdf, len, path, sizeof path);

	out = run("pdfinfo '%s'", path);
	v = info_line(out, "Page size");
	assert_non_null(v);
	assert_int_equal(sscanf(v, "%lf x %lf", &w, &h), 2);
	assert_true(fabs(w - 595.28) < 0.01 && fabs(h - 841.89) < 0.01);
	assert_non_null(strstr(v, "(A4)"));
	free(v);
	v = info_line(out, "CreationDate");
	assert_non_null(v);
	assert_non_null(strstr(v, "2026"));
	free(v);
	free(out);

	out = run("pdfinfo -custom '%s'", path);
	for (i = 0; i < nitems(keys); i++) {
		v = info_line(out, keys[i][0]);
		if (v == NULL)
			print_error("pdfinfo: no %s\n", keys[i][0]);
		assert_non_null(v);
		assert_string_equal(v, keys[i][1] != NULL ? keys[i][1] :
		    facts64);
		free(v);
		assert_int_equal(pdf_metadata(pdf, len, keys[i][0], &v), 1);
		assert_string_equal(v, keys[i][1] != NULL ? keys[i][1] :
		    facts64);
		free(v);
	}
	free(out);
	assert_int_equal(pdf_metadata(pdf, len, "AssiduNope", &v), 0);
	assert_null(v);
	assert_int_equal(pdf_metadata("not a pdf", 9, "AssiduFacts", &v), -1);
	assert_int_equal(pdf_metadata(pdf, len / 2, "AssiduFacts", &v), -1);
	assert_null(v);

	/* The same facts render the same bytes. */
	free(pdf);
	render(f, &pdf, &len);
	{
		char	*again;
		size_t	 alen;

		render(f, &again, &alen);
		assert_int_equal(alen, len);
		assert_memory_equal(again, pdf, len);
		free(again);
	}
	free(pdf);
	free(facts64);
	free(canon);
	json_decref(f);
}

/* A hand-made file: escapes, hex, UTF-16, comments, CRLF xref entries. */
static void
test_metadata_parser(void **state)
{
	static const char	*objs =
	    "%PDF-1.4\n"
	    "1 0 obj\n<< /Type /Catalog >>\nendobj\n";
	static const char	*info =
	    "2 0 obj\n"
	    "<< /A (x\\(y\\)z \\\\ \\101\\0533 (nested) end)\n"
	    "   /B <48 65 6c6C6f> /C [1 2 0 R /N] /D 2 0 R\n"
	    "   /E <FEFF00E9D83DDE00> % a comment\n"
	    "   /F (li\\\nne) /G (a\r\nb) /H <414> /I (a\\000b)\n"
	    "   /J << /K (inner) >> /Type /A >>\nendobj\n";
	char			 pdf[2048], *v, *upd;
	size_t			 len, o1, o2, x;
	int			 n;
	size_t			 i;
	static const char	*want[][2] = {
		{ "A", "x(y)z \\ A+3 (nested) end" },
		{ "B", "Hello" },
		{ "E", "\xc3\xa9\xf0\x9f\x98\x80" },
		{ "F", "line" },
		{ "G", "a\nb" },
		{ "H", "A@" },
	};

	o1 = 9;
	o2 = strlen(objs);
	n = snprintf(pdf, sizeof pdf, "%s%s", objs, info);
	x = (size_t)n;
	n += snprintf(pdf + n, sizeof pdf - n, "xref\n0 3\n"
	    "0000000000 65535 f\r\n%010zu 00000 n\r\n%010zu 00000 n\r\n"
	    "trailer\n<< /Size 3 /Root 1 0 R /Info 2 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n", o1, o2, x);
	len = (size_t)n;
	for (i = 0; i < nitems(want); i++) {
		assert_int_equal(pdf_metadata(pdf, len, want[i][0], &v), 1);
		assert_string_equal(v, want[i][1]);
		free(v);
	}
	assert_int_equal(pdf_metadata(pdf, len, "C", &v), -1);	/* array */
	assert_int_equal(pdf_metadata(pdf, len, "D", &v), -1);	/* ref */
	assert_int_equal(pdf_metadata(pdf, len, "I", &v), -1);	/* NUL */
	assert_int_equal(pdf_metadata(pdf, len, "J", &v), -1);	/* dict */
	assert_int_equal(pdf_metadata(pdf, len, "K", &v), 0);	/* nested */
	assert_int_equal(pdf_metadata(pdf, len, "N", &v), 0);	/* a value */
	assert_null(v);

	/* An update appended: the dictionary is in the previous table. */
	upd = xmalloc(len + 512);
	memcpy(upd, pdf, len);
	n = snprintf(upd + len, 512, "1 0 obj\n<< /Type /Catalog /X 1 >>\n"
	    "endobj\n");
	n += snprintf(upd + len + n, 512 - n, "xref\n1 1\n%010zu 00000 n \n"
	    "trailer\n<< /Size 3 /Root 1 0 R /Info 2 0 R /Prev %zu >>\n"
	    "startxref\n%zu\n%%%%EOF\n", len, x, len + n);
	assert_int_equal(pdf_metadata(upd, len + n, "B", &v), 1);
	assert_string_equal(v, "Hello");
	free(v);
	free(upd);

	/* No /Info in the trailer: nothing found, no error. */
	memcpy(strstr(pdf, "/Info 2 0 R"), "/Ifno", 5);
	assert_int_equal(pdf_metadata(pdf, len, "A", &v), 0);
	/* The entry of object 2 points at object 1. */
	memcpy(strstr(pdf, "/Ifno"), "/Info", 5);
	memcpy(strstr(pdf, "trailer") - 20, "0000000009", 10);
	assert_int_equal(pdf_metadata(pdf, len, "A", &v), -1);
}

/* Damaged files: any answer but no crash, and no leak when found. */
static void
test_metadata_damage(void **state)
{
	static const char	 bytes[] = "()<>[]/\\0 \n";
	json_t			*f = facts_load();
	char			*pdf, *copy, *v;
	size_t			 len, i, j, from;
	int			 r;

	render(f, &pdf, &len);
	for (i = 0; i < len; i += 53) {
		r = pdf_metadata(pdf, i, "AssiduFacts", &v);
		assert_true(r >= -1 && r <= 1);
		free(v);
	}
	copy = xmalloc(len);
	from = len > 9000 ? len - 9000 : 0;
	for (i = from; i < len; i += 7) {
		for (j = 0; j < sizeof bytes - 1; j++) {
			memcpy(copy, pdf, len);
			copy[i] = bytes[j];
			r = pdf_metadata(copy, len, "AssiduSignature", &v);
			assert_true(r >= -1 && r <= 1);
			free(v);
		}
	}
	free(copy);
	free(pdf);
	json_decref(f);
}

static void
test_qr(void **state)
{
	static const char	*kinds[] = { "presence", "realisation" };
	json_t			*f = facts_load();
	char			*pdf, *out, *n, path[512], png[512];
	size_t			 len, i;

	/* ./dev deps installs zbar-tools: its absence is a failure. */
	if (system("command -v zbarimg >/dev/null 2>&1") != 0) {
		json_decref(f);
		fail_msg("zbarimg not found: install zbar-tools (./dev deps)");
	}
	for (i = 0; i < nitems(kinds); i++) {
		json_object_set_new(f, "kind", json_string(kinds[i]));
		render(f, &pdf, &len);
		save("qr.pdf", pdf, len, path, sizeof path);
		free(pdf);
		out = run("pdfinfo '%s'", path);
		n = info_line(out, "Pages");
		free(out);
		snprintf(png, sizeof png, "%s/qr", tmpdir);
		free(run("pdftoppm -r 150 -png -singlefile -f %s -l %s '%s' "
		    "'%s'", n, n, path, png));
		free(n);
		out = run("zbarimg --raw -q '%s.png' 2>/dev/null", png);
		out[strcspn(out, "\n")] = '\0';
		assert_string_equal(out, URL);
		free(out);
	}
	json_decref(f);
}

/* Long titles: the tables go on over pages, nothing lost. */
static void
test_page_break(void **state)
{
	json_t	*f = facts_load(), *w, *u;
	char	*pdf, *t, *out, *v, path[512], buf[512];
	size_t	 len, i, j;
	int	 pages, p;

	json_array_foreach(json_object_get(f, "weeks"), i, w) {
		json_array_foreach(json_object_get(w, "units"), j, u) {
			snprintf(buf, sizeof buf, "Unité %zu.%zu : %s, avec "
			    "un intitulé très long qui décrit par le menu les "
			    "objectifs pédagogiques de l'activité", i + 1,
			    j + 1, json_string_value(json_object_get(u,
			    "title")));
			json_object_set_new(u, "title", json_string(buf));
		}
	}
	render(f, &pdf, &len);
	save("long.pdf", pdf, len, path, sizeof path);
	free(pdf);
	out = run("pdfinfo '%s'", path);
	v = info_line(out, "Pages");
	pages = atoi(v);
	free(v);
	free(out);
	assert_true(pages >= 2);
	t = text(path, "-raw");
	json_array_foreach(json_object_get(f, "weeks"), i, w) {
		json_array_foreach(json_object_get(w, "units"), j, u) {
			snprintf(buf, sizeof buf, "%zu. %s", j + 1,
			    json_string_value(json_object_get(u, "title")));
			has(t, flat(buf));
		}
	}
	for (p = 1; p <= pages; p++) {
		snprintf(buf, sizeof buf, "Document n° AS-2026-000123 — page "
		    "%d / %d", p, pages);
		has(t, buf);
	}
	snprintf(buf, sizeof buf, "page %d / %d", pages + 1, pages);
	lacks(t, buf);
	has(t, "(suite)");
	has(t, "Fait à Paris, le 24 novembre 2026");
	free(t);
	json_decref(f);
}

struct job {
	json_t	*facts;
	char	*pdf;
	size_t	 len;
	int	 rc;
};

static void *
job_run(void *arg)
{
	struct job	*j = arg;
	char		*canon = canonical(j->facts), *cause = NULL, *pdf;
	size_t		 len;
	int		 i;

	for (i = 0; i < 3; i++) {
		j->rc |= pdf_render(j->facts, canon, sig, URL, &pdf, &len,
		    &cause);
		if (i < 2)
			free(pdf);
	}
	j->pdf = pdf;
	j->len = len;
	free(cause);
	free(canon);
	return (NULL);
}

static void
test_threads(void **state)
{
	struct job	 jobs[2];
	pthread_t	 th[2];
	char		*ref, *t, path[512];
	size_t		 reflen, i;

	for (i = 0; i < 2; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].facts = facts_load();
	}
	json_object_set_new(jobs[1].facts, "kind",
	    json_string("realisation"));
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, job_run,
		    &jobs[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(jobs[i].rc, 0);
		render(jobs[i].facts, &ref, &reflen);
		assert_int_equal(jobs[i].len, reflen);
		assert_memory_equal(jobs[i].pdf, ref, reflen);
		save("thread.pdf", jobs[i].pdf, jobs[i].len, path,
		    sizeof path);
		t = text(path, "-layout");
		has(t, "Léa Durand");
		free(t);
		free(ref);
		free(jobs[i].pdf);
		json_decref(jobs[i].facts);
	}
}

static void
test_bad_input(void **state)
{
	static const char	*cases[][2] = {
		{ "kind", "\"diplome\"" },
		{ "learner", "null" },
		{ "learner", "{\"email\": \"x@y.fr\"}" },
		{ "issued_at", "\"2026-11-24 10:15\"" },
		{ "weeks", "{}" },
		{ "totals", "{\"units\": 1}" },
		{ "course", "{\"title\": \"T\", \"nature\": \"stage\"}" },
		{ "cohort", "{\"start_date\": \"2026-02-30\", "
		    "\"end_date\": \"2026-03-01\"}" },
		{ "regroupement", "{\"date\": \"demain\"}" },
		{ "company", "{\"name\": \"A\\u0001B\"}" },
		{ "totals", "{\"units\": 1, \"completed\": 1, "
		    "\"measured_s\": 1, \"reported_s\": 1, "
		    "\"certified_minutes\": 9223372036854775807}" },
	};
	json_t			*f;
	char			*pdf, *cause, *canon;
	size_t			 len, i;

	for (i = 0; i < nitems(cases); i++) {
		f = facts_load();
		json_object_set_new(f, cases[i][0], json_loads(cases[i][1],
		    JSON_DECODE_ANY, NULL));
		canon = canonical(f);
		cause = NULL;
		pdf = (char *)1;
		assert_int_equal(pdf_render(f, canon, sig, URL, &pdf, &len,
		    &cause), -1);
		assert_null(pdf);
		assert_non_null(cause);
		free(cause);
		free(canon);
		json_decref(f);
	}
	f = facts_load();
	json_array_append_new(json_object_get(json_array_get(
	    json_object_get(f, "weeks"), 0), "units"),
	    json_pack("{s:s, s:s}", "title", "X", "first_access", "hier"));
	cause = NULL;
	assert_int_equal(pdf_render(f, "{}", sig, URL, &pdf, &len, &cause),
	    -1);
	free(cause);
	json_decref(f);
	cause = NULL;
	f = json_array();
	assert_int_equal(pdf_render(f, "{}", sig, URL, &pdf, &len, &cause),
	    -1);
	free(cause);
	json_decref(f);
}

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");
	unsigned char	 raw[64];
	size_t		 i;

	snprintf(tmpdir, sizeof tmpdir, "%s/assidu-pdf-XXXXXX",
	    t != NULL ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	/* A stand-in signature whose base64 has both '+' and '/'. */
	for (i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(0xfb + i * 37);
	memcpy(raw, "\xfb\xff\xbf", 3);		/* "+/+/" */
	EVP_EncodeBlock((unsigned char *)sig, raw, sizeof raw);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd;

	if (getenv("ASSIDU_KEEP_PDF") != NULL) {
		fprintf(stderr, "# PDFs kept in %s\n", tmpdir);
		return (0);
	}
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", tmpdir);
	free(cmd);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presence),
		cmocka_unit_test(test_realisation),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_metadata_parser),
		cmocka_unit_test(test_metadata_damage),
		cmocka_unit_test(test_qr),
		cmocka_unit_test(test_page_break),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_bad_input),
	};

	return (cmocka_run_group_tests_name("pdf", tests, setup, teardown));
}
