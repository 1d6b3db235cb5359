/*
 * The two attestation documents of DESIGN §7 as PDF: the attestation de
 * présence with its relevé de connexions, and the certificat de réalisation
 * after the Ministère du Travail's model. A4, DejaVu Sans, real text, dates
 * in Paris time. The signed facts, the signature and the key id travel in
 * the document information dictionary, so that a downloaded file can be
 * checked offline; pdf_metadata() reads them back.
 *
 * Runs on worker threads: every call has its own surface, cairo context and
 * pango font map. The document is laid out twice, first without drawing, to
 * know the page count that every footer prints.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <openssl/evp.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "assidu.h"

#define PDF_W		595.276		/* A4, in points */
#define PDF_H		841.89
#define PDF_MARGIN	56.693		/* 2 cm */
#define PDF_X		PDF_MARGIN
#define PDF_TW		(PDF_W - 2 * PDF_MARGIN)
#define PDF_BOTTOM	(PDF_H - PDF_MARGIN)
#define PDF_QR		85.039		/* 3 cm, quiet zone included */
#define PDF_QR_BOX	180.0		/* the QR code and its URL */
#define PDF_LABEL_W	140.0		/* labels of the field blocks */
#define PDF_PAD		3.0		/* inside table cells, left and right */
#define PDF_VPAD	2.5		/* above and below */
#define PDF_BAD		SIZE_MAX	/* PDF syntax: not what was expected */
#define PDF_DEPTH	32		/* nested arrays and dictionaries */
#define PDF_COUNT_MAX	1000000000LL	/* seconds, minutes or units */

#define NBSP		"\xc2\xa0"		/* before ":" and in "n° 12" */
#define NNBSP		"\xe2\x80\xaf"		/* before ";" */
#define APOS		"\xe2\x80\x99"

enum pdf_font {
	PDF_BODY,
	PDF_BOLD,
	PDF_LABEL,
	PDF_TITLE,
	PDF_HEAD,
	PDF_WEEK,
	PDF_CELL,
	PDF_CELL_HEAD,
	PDF_SMALL,
	PDF_LEAD,
	PDF_NOTE,
	PDF_BANNER,
	PDF_NFONTS
};

static const double pdf_ink[3] = { 0.08, 0.08, 0.10 };
static const double pdf_accent[3] = { 0.11, 0.22, 0.40 };
static const double pdf_grey[3] = { 0.38, 0.38, 0.42 };
static const double pdf_brown[3] = { 0.45, 0.25, 0.00 };

static const struct pdf_style {
	const char	*font;
	double		 spacing;	/* line spacing factor, 0: the font's */
	const double	*rgb;
} pdf_styles[] = {
	[PDF_BODY] = { "DejaVu Sans 10", 0, pdf_ink },
	[PDF_BOLD] = { "DejaVu Sans Bold 10", 0, pdf_ink },
	[PDF_LABEL] = { "DejaVu Sans 9", 0, pdf_grey },
	[PDF_TITLE] = { "DejaVu Sans Bold 17", 0, pdf_accent },
	[PDF_HEAD] = { "DejaVu Sans Bold 11", 0, pdf_accent },
	[PDF_WEEK] = { "DejaVu Sans Bold 9.5", 0, pdf_ink },
	[PDF_CELL] = { "DejaVu Sans 8", 0, pdf_ink },
	[PDF_CELL_HEAD] = { "DejaVu Sans Bold 7.5", 0, pdf_ink },
	[PDF_SMALL] = { "DejaVu Sans 7.5", 0, pdf_grey },
	[PDF_LEAD] = { "DejaVu Sans 11", 1.3, pdf_ink },
	[PDF_NOTE] = { "DejaVu Sans Oblique 9", 1.2, pdf_grey },
	[PDF_BANNER] = { "DejaVu Sans Bold 9.5", 0, pdf_brown },
};

/* The relevé's columns; their widths add up to the text width. */
static const struct pdf_col {
	const char	*head;
	double		 w;
	PangoAlignment	 align;
} pdf_cols[] = {
	{ "Unité", 140.9, PANGO_ALIGN_LEFT },
	{ "Durée estimée", 42, PANGO_ALIGN_RIGHT },
	{ "Première connexion", 55, PANGO_ALIGN_LEFT },
	{ "Dernière connexion", 55, PANGO_ALIGN_LEFT },
	{ "Connexions", 56, PANGO_ALIGN_RIGHT },
	{ "Temps mesuré", 58, PANGO_ALIGN_RIGHT },
	{ "Statut", 75, PANGO_ALIGN_LEFT },
};
#define PDF_NCOLS	nitems(pdf_cols)

/* Facts every document needs, as strings. */
static const char *pdf_required[] = {
	"number", "kind", "issued_at", "key", "organisation.name",
	"organisation.city", "organisation.representative", "learner.name",
	"company.name", "course.title", "cohort.start_date", "cohort.end_date",
};
static const char *pdf_totals[] = {
	"totals.units", "totals.completed", "totals.measured_s",
	"totals.reported_s", "totals.certified_minutes",
};

/* The natures of the official model, in its order. */
static const char *pdf_natures[] = {
	"action de formation", "bilan de compétences", "action de VAE",
	"action de formation par apprentissage",
};

static const struct {
	const char	*en;
	const char	*fr;
} pdf_statuses[] = {
	{ "not attempted", "non commencée" },
	{ "incomplete", "en cours" },
	{ "completed", "terminée" },
	{ "passed", "réussie" },
	{ "failed", "échouée" },
};

struct pdf;
struct pdf_kind {
	const char	*kind;
	const char	*title;
	void		(*body)(struct pdf *);
};

struct pdf {
	json_t			*facts;
	const struct pdf_kind	*kind;
	const char		*url;
	QRcode			*qr;
	PangoFontMap		*fontmap;
	PangoContext		*pango;
	PangoFontDescription	*fonts[PDF_NFONTS];
	cairo_t			*cr;		/* NULL when dry */
	int			 page;
	int			 pages;
	double			 y;		/* top of the free space */
};

struct pdf_row {
	PangoLayout	*cells[PDF_NCOLS];
	double		 h;
};

static void	pdf_presence(struct pdf *);
static void	pdf_realisation(struct pdf *);

static const struct pdf_kind pdf_kinds[] = {
	{ "presence", "Attestation de présence — relevé de connexions",
	    pdf_presence },
	{ "realisation", "Certificat de réalisation", pdf_realisation },
};

/* Facts. */

/* The value at a dotted path ("learner.name"), or NULL. */
static json_t *
pdf_get(json_t *j, const char *path)
{
	const char	*dot;
	char		 key[64];

	while (j != NULL && (dot = strchr(path, '.')) != NULL) {
		if ((size_t)(dot - path) >= sizeof key)
			return (NULL);
		memcpy(key, path, dot - path);
		key[dot - path] = '\0';
		j = json_object_get(j, key);
		path = dot + 1;
	}
	return (j != NULL ? json_object_get(j, path) : NULL);
}

static const char *
pdf_str(json_t *j, const char *path)
{
	return (json_string_value(pdf_get(j, path)));
}

static long long
pdf_int(json_t *j, const char *path)
{
	return ((long long)json_integer_value(pdf_get(j, path)));
}

/* "2026-11-24T10:15:00Z" in milliseconds; 0 or -1. */
static int
pdf_instant(const char *s, int64_t *ms)
{
	static const int	 digits[] = { 11, 12, 14, 15, 17, 18 };
	char			 date[11];
	int64_t			 day;
	size_t			 i;
	int			 h, m, sec;

	if (s == NULL || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return (-1);
	for (i = 0; i < nitems(digits); i++) {
		if (s[digits[i]] < '0' || s[digits[i]] > '9')
			return (-1);
	}
	memcpy(date, s, 10);
	date[10] = '\0';
	if (spoc_date_parse(date, &day) == -1)
		return (-1);
	h = (s[11] - '0') * 10 + s[12] - '0';
	m = (s[14] - '0') * 10 + s[15] - '0';
	sec = (s[17] - '0') * 10 + s[18] - '0';
	if (h > 23 || m > 59 || sec > 59)
		return (-1);
	*ms = (day * 86400 + h * 3600 + m * 60 + sec) * 1000;
	return (0);
}

/* "24/11/2026 à 11:15" in Paris; NBSP keeps "à 11:15" on one line. */
static void
pdf_when(const char *iso, char *buf, size_t len)
{
	int64_t	 ms, day, t;
	int	 y, m, d;

	if (pdf_instant(iso, &ms) == -1) {
		snprintf(buf, len, "—");
		return;
	}
	day = spoc_today(ms);
	t = ms / 1000 + spoc_paris_offset(ms) - day * 86400;
	spoc_civil(day, &y, &m, &d);
	snprintf(buf, len, "%02d/%02d/%04d à" NBSP "%02d:%02d", d, m, y,
	    (int)(t / 3600), (int)(t / 60 % 60));
}

/* "24 novembre 2026", or with the weekday "mardi 22 décembre 2026". */
static void
pdf_day(int64_t day, int weekday, char *buf, size_t len)
{
	char	*sp;

	spoc_date_fr(day, buf, len);
	if (!weekday && (sp = strchr(buf, ' ')) != NULL)
		memmove(buf, sp + 1, strlen(sp + 1) + 1);
}

static void
pdf_date(const char *ymd, int weekday, char *buf, size_t len)
{
	int64_t	 day;

	if (spoc_date_parse(ymd, &day) == -1)
		snprintf(buf, len, "—");
	else
		pdf_day(day, weekday, buf, len);
}

/* "1 h 05 min 12 s", "13 min 32 s", "45 s". */
static void
pdf_duration(long long s, char *buf, size_t len)
{
	long long	 h;
	int		 m, sec;

	if (s < 0)
		s = 0;
	h = s / 3600;
	m = (int)(s / 60 % 60);
	sec = (int)(s % 60);
	if (h > 0 && sec == 0)
		snprintf(buf, len, "%lld" NBSP "h %02d" NBSP "min", h, m);
	else if (h > 0)
		snprintf(buf, len, "%lld" NBSP "h %02d" NBSP "min %02d" NBSP
		    "s", h, m, sec);
	else if (m > 0 && sec == 0)
		snprintf(buf, len, "%d" NBSP "min", m);
	else if (m > 0)
		snprintf(buf, len, "%d" NBSP "min %02d" NBSP "s", m, sec);
	else
		snprintf(buf, len, "%d" NBSP "s", sec);
}

/* Minutes as French hours: "4 heures", "3,75 heures", "1,25 heure". */
static void
pdf_hours(long long minutes, char *buf, size_t len)
{
	long long	 c = (minutes * 100 + 30) / 60;	/* hundredths */
	const char	*unit = c < 200 ? "heure" : "heures";

	if (c % 100 == 0)
		snprintf(buf, len, "%lld" NBSP "%s", c / 100, unit);
	else if (c % 10 == 0)
		snprintf(buf, len, "%lld,%lld" NBSP "%s", c / 100,
		    c % 100 / 10, unit);
	else
		snprintf(buf, len, "%lld,%02lld" NBSP "%s", c / 100, c % 100,
		    unit);
}

/* "888 123 456 00012"; anything else as it is. */
static const char *
pdf_siret(const char *s, char *buf, size_t len)
{
	if (s == NULL)
		return ("—");
	if (strlen(s) != 14 || strspn(s, "0123456789") != 14)
		return (s);
	snprintf(buf, len, "%.3s" NBSP "%.3s" NBSP "%.3s" NBSP "%.5s", s,
	    s + 3, s + 6, s + 9);
	return (buf);
}

static const char *
pdf_status(const char *en)
{
	size_t	 i;

	for (i = 0; en != NULL && i < nitems(pdf_statuses); i++) {
		if (strcmp(pdf_statuses[i].en, en) == 0)
			return (pdf_statuses[i].fr);
	}
	return (NULL);
}

static const char *
pdf_nature(json_t *facts)
{
	const char	*n = pdf_str(facts, "course.nature");

	return (n != NULL ? n : pdf_natures[0]);
}

static int
pdf_check_units(json_t *facts, char **cause)
{
	static const char	*dates[] = { "first_access", "last_access" };
	json_t			*weeks = json_object_get(facts, "weeks");
	json_t			*w, *units, *u, *v;
	size_t			 i, j, k;
	int64_t			 ms;

	if (!json_is_array(weeks))
		return (xfail(cause, -1, "facts: weeks is not an array"));
	json_array_foreach(weeks, i, w) {
		units = json_object_get(w, "units");
		if (!json_is_integer(json_object_get(w, "week")) ||
		    !json_is_array(units))
			return (xfail(cause, -1, "facts: bad week %zu", i));
		json_array_foreach(units, j, u) {
			if (!json_is_string(json_object_get(u, "title")))
				return (xfail(cause, -1, "facts: week %zu unit "
				    "%zu has no title", i, j));
			for (k = 0; k < nitems(dates); k++) {
				v = json_object_get(u, dates[k]);
				if (!json_is_null(v) && v != NULL &&
				    pdf_instant(json_string_value(v),
				    &ms) == -1)
					return (xfail(cause, -1, "facts: "
					    "bad %s in week %zu unit %zu",
					    dates[k], i, j));
			}
		}
	}
	return (0);
}

/* No control characters, which pango's markup parser would refuse. */
static int
pdf_printable(json_t *j, int depth)
{
	const char	*s, *key;
	json_t		*v;
	size_t		 i;

	if (depth > PDF_DEPTH)
		return (0);
	if ((s = json_string_value(j)) != NULL) {
		for (; *s != '\0'; s++) {
			if ((unsigned char)*s < 0x20 && *s != '\n')
				return (0);
		}
	}
	json_array_foreach(j, i, v) {
		if (!pdf_printable(v, depth + 1))
			return (0);
	}
	json_object_foreach(j, key, v) {
		if (!pdf_printable(v, depth + 1))
			return (0);
	}
	return (1);
}

/* The facts a document needs are there and well formed; its kind. */
static const struct pdf_kind *
pdf_check(json_t *facts, char **cause)
{
	const struct pdf_kind	*k = NULL;
	const char		*kind, *nature;
	json_t			*r;
	int64_t			 ms, day;
	size_t			 i;

	if (!json_is_object(facts)) {
		xfail(cause, -1, "facts: not an object");
		return (NULL);
	}
	if (!pdf_printable(facts, 0)) {
		xfail(cause, -1, "facts: control character in a string");
		return (NULL);
	}
	for (i = 0; i < nitems(pdf_required); i++) {
		if (pdf_str(facts, pdf_required[i]) == NULL) {
			xfail(cause, -1, "facts: %s is missing",
			    pdf_required[i]);
			return (NULL);
		}
	}
	kind = pdf_str(facts, "kind");
	for (i = 0; i < nitems(pdf_kinds); i++) {
		if (strcmp(pdf_kinds[i].kind, kind) == 0)
			k = &pdf_kinds[i];
	}
	if (k == NULL) {
		xfail(cause, -1, "facts: unknown kind \"%s\"", kind);
		return (NULL);
	}
	for (i = 0; i < nitems(pdf_totals); i++) {
		if (!json_is_integer(pdf_get(facts, pdf_totals[i])) ||
		    pdf_int(facts, pdf_totals[i]) < 0 ||
		    pdf_int(facts, pdf_totals[i]) > PDF_COUNT_MAX) {
			xfail(cause, -1, "facts: %s is not a count",
			    pdf_totals[i]);
			return (NULL);
		}
	}
	if (pdf_instant(pdf_str(facts, "issued_at"), &ms) == -1 ||
	    spoc_date_parse(pdf_str(facts, "cohort.start_date"), &day) == -1 ||
	    spoc_date_parse(pdf_str(facts, "cohort.end_date"), &day) == -1) {
		xfail(cause, -1, "facts: bad issued_at or cohort dates");
		return (NULL);
	}
	nature = pdf_nature(facts);
	for (i = 0; i < nitems(pdf_natures); i++) {
		if (strcmp(pdf_natures[i], nature) == 0)
			break;
	}
	if (i == nitems(pdf_natures)) {
		xfail(cause, -1, "facts: unknown nature \"%s\"", nature);
		return (NULL);
	}
	r = json_object_get(facts, "regroupement");
	if (json_is_object(r) &&
	    spoc_date_parse(pdf_str(r, "date"), &day) == -1) {
		xfail(cause, -1, "facts: bad regroupement date");
		return (NULL);
	}
	if (k->body == pdf_presence && pdf_check_units(facts, cause) == -1)
		return (NULL);
	return (k);
}

/* Text. */

static PangoLayout *
pdf_layout(struct pdf *p, enum pdf_font f, double w, PangoAlignment align,
    const char *markup)
{
	PangoLayout	*l;

	l = pango_layout_new(p->pango);
	pango_layout_set_font_description(l, p->fonts[f]);
	pango_layout_set_width(l, pango_units_from_double(w));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	if (pdf_styles[f].spacing != 0)
		pango_layout_set_line_spacing(l, pdf_styles[f].spacing);
	pango_layout_set_markup(l, markup, -1);
	return (l);
}

static double
pdf_height(PangoLayout *l)
{
	int	 h;

	pango_layout_get_size(l, NULL, &h);
	return ((double)h / PANGO_SCALE);
}

static void
pdf_show(struct pdf *p, enum pdf_font f, PangoLayout *l, double x, double y)
{
	const double	*c = pdf_styles[f].rgb;

	if (p->cr == NULL)
		return;
	cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

/* A block of text at (x, y); its height. */
static double
pdf_text(struct pdf *p, enum pdf_font f, double x, double y, double w,
    PangoAlignment align, const char *markup)
{
	PangoLayout	*l;
	double		 h;

	l = pdf_layout(p, f, w, align, markup);
	h = pdf_height(l);
	pdf_show(p, f, l, x, y);
	g_object_unref(l);
	return (h);
}

static void
pdf_rule(struct pdf *p, double x0, double x1, double y, double width,
    double grey)
{
	if (p->cr == NULL)
		return;
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, x0, y);
	cairo_line_to(p->cr, x1, y);
	cairo_stroke(p->cr);
}

/* Pages. */

static void
pdf_page_begin(struct pdf *p)
{
	char	*m;
	double	 h;

	p->page++;
	p->y = PDF_MARGIN;
	if (p->page == 1)
		return;
	/* Continuation pages say whose document they belong to. */
	m = g_markup_printf_escaped("%s · %s", p->kind->title,
	    pdf_str(p->facts, "learner.name"));
	h = pdf_text(p, PDF_SMALL, PDF_X, p->y, PDF_TW - 150,
	    PANGO_ALIGN_LEFT, m);
	g_free(m);
	m = g_markup_printf_escaped("n°" NBSP "%s",
	    pdf_str(p->facts, "number"));
	pdf_text(p, PDF_SMALL, PDF_X + PDF_TW - 150, p->y, 150,
	    PANGO_ALIGN_RIGHT, m);
	g_free(m);
	pdf_rule(p, PDF_X, PDF_X + PDF_TW, p->y + h + 3, 0.5, 0.75);
	p->y += h + 16;
}

static void
pdf_page_end(struct pdf *p)
{
	double	 y = PDF_BOTTOM + 10;
	char	*m;

	if (p->cr == NULL)
		return;		/* the footer takes no room in the flow */
	pdf_rule(p, PDF_X, PDF_X + PDF_TW, y, 0.5, 0.75);
	m = g_markup_printf_escaped("<b>Document n°" NBSP "%s — page %d"
	    NBSP "/" NBSP "%d</b>", pdf_str(p->facts, "number"), p->page,
	    p->pages);
	y += 4 + pdf_text(p, PDF_SMALL, PDF_X, y + 4, PDF_TW,
	    PANGO_ALIGN_LEFT, m);
	g_free(m);
	m = g_markup_printf_escaped("Vérifiez ce document sur %s ou hors "
	    "ligne avec la clé publique de l" APOS "organisme (clé %s).",
	    p->url, pdf_str(p->facts, "key"));
	pdf_text(p, PDF_SMALL, PDF_X, y + 1, PDF_TW, PANGO_ALIGN_LEFT, m);
	g_free(m);
	cairo_show_page(p->cr);
}

/* Room for h points, or a new page; 1 if a page was begun. */
static int
pdf_room(struct pdf *p, double h)
{
	if (p->y + h <= PDF_BOTTOM)
		return (0);
	pdf_page_end(p);
	pdf_page_begin(p);
	return (1);
}

/* Blocks of the flow. */

static void
pdf_para(struct pdf *p, enum pdf_font f, double indent, double after,
    const char *fmt, ...) printflike(5, 6);
static void
pdf_para(struct pdf *p, enum pdf_font f, double indent, double after,
    const char *fmt, ...)
{
	PangoLayout	*l;
	va_list		 ap;
	char		*m;
	double		 h;

	va_start(ap, fmt);
	m = g_markup_vprintf_escaped(fmt, ap);
	va_end(ap);
	l = pdf_layout(p, f, PDF_TW - indent, PANGO_ALIGN_LEFT, m);
	g_free(m);
	h = pdf_height(l);
	pdf_room(p, h);
	pdf_show(p, f, l, PDF_X + indent, p->y);
	g_object_unref(l);
	p->y += h + after;
}

/* A label and its value, side by side. */
static void
pdf_field(struct pdf *p, const char *label, const char *fmt, ...)
    printflike(3, 4);
static void
pdf_field(struct pdf *p, const char *label, const char *fmt, ...)
{
	PangoLayout	*l, *v;
	va_list		 ap;
	char		*m;
	double		 h;

	va_start(ap, fmt);
	m = g_markup_vprintf_escaped(fmt, ap);
	va_end(ap);
	l = pdf_layout(p, PDF_LABEL, PDF_LABEL_W - 10, PANGO_ALIGN_LEFT,
	    label);
	v = pdf_layout(p, PDF_BODY, PDF_TW - PDF_LABEL_W, PANGO_ALIGN_LEFT,
	    m);
	g_free(m);
	h = MAX(pdf_height(l) + 1, pdf_height(v));
	pdf_room(p, h);
	pdf_show(p, PDF_LABEL, l, PDF_X, p->y + 1);
	pdf_show(p, PDF_BODY, v, PDF_X + PDF_LABEL_W, p->y);
	g_object_unref(l);
	g_object_unref(v);
	p->y += h + 4;
}

/* A section heading, kept on the page of the keep points that follow. */
static void
pdf_heading(struct pdf *p, const char *text, double keep)
{
	PangoLayout	*l;
	double		 h;

	l = pdf_layout(p, PDF_HEAD, PDF_TW, PANGO_ALIGN_LEFT, text);
	h = pdf_height(l);
	if (!pdf_room(p, 14 + h + 8 + keep))
		p->y += 14;
	pdf_show(p, PDF_HEAD, l, PDF_X, p->y);
	g_object_unref(l);
	pdf_rule(p, PDF_X, PDF_X + PDF_TW, p->y + h + 2, 0.8, 0.35);
	p->y += h + 9;
}

static void
pdf_banner(struct pdf *p, const char *text)
{
	PangoLayout	*l;
	double		 h;

	l = pdf_layout(p, PDF_BANNER, PDF_TW - 24, PANGO_ALIGN_CENTER, text);
	h = pdf_height(l) + 16;
	pdf_room(p, h);
	if (p->cr != NULL) {
		cairo_rectangle(p->cr, PDF_X, p->y, PDF_TW, h);
		cairo_set_source_rgb(p->cr, 1.0, 0.95, 0.82);
		cairo_fill_preserve(p->cr);
		cairo_set_source_rgb(p->cr, 0.80, 0.50, 0.05);
		cairo_set_line_width(p->cr, 1.2);
		cairo_stroke(p->cr);
	}
	pdf_show(p, PDF_BANNER, l, PDF_X + 12, p->y + 8);
	g_object_unref(l);
	p->y += h + 6;
}

/* The letterhead, the title and the lines that qualify the document. */
static void
pdf_top(struct pdf *p)
{
	json_t		*f = p->facts, *sup = json_object_get(f, "supersedes");
	const char	*nda = pdf_str(f, "organisation.nda");
	const char	*siret = pdf_str(f, "organisation.siret");
	const char	*decision = pdf_str(f, "decision");
	char		 when[64], s[64], *m;
	double		 hl, hr;

	m = g_markup_printf_escaped("<b>%s</b>", pdf_str(f,
	    "organisation.name"));
	hl = pdf_text(p, PDF_BODY, PDF_X, p->y, PDF_TW - 170,
	    PANGO_ALIGN_LEFT, m);
	g_free(m);
	if (nda != NULL) {
		m = g_markup_printf_escaped("Numéro de déclaration d" APOS
		    "activité" NBSP ": %s", nda);
		hl += 2 + pdf_text(p, PDF_LABEL, PDF_X, p->y + hl + 2,
		    PDF_TW - 170, PANGO_ALIGN_LEFT, m);
		g_free(m);
	}
	if (siret != NULL) {
		m = g_markup_printf_escaped("SIRET" NBSP ": %s",
		    pdf_siret(siret, s, sizeof s));
		hl += 1 + pdf_text(p, PDF_LABEL, PDF_X, p->y + hl + 1,
		    PDF_TW - 170, PANGO_ALIGN_LEFT, m);
		g_free(m);
	}
	pdf_when(pdf_str(f, "issued_at"), when, sizeof when);
	m = g_markup_printf_escaped("<b>Document n°" NBSP "%s</b>\n"
	    "émis le %s", pdf_str(f, "number"), when);
	hr = pdf_text(p, PDF_LABEL, PDF_X + PDF_TW - 170, p->y, 170,
	    PANGO_ALIGN_RIGHT, m);
	g_free(m);
	p->y += MAX(hl, hr) + 8;
	pdf_rule(p, PDF_X, PDF_X + PDF_TW, p->y, 0.8, 0.35);
	p->y += 26;

	m = g_markup_escape_text(p->kind->title, -1);
	p->y += pdf_text(p, PDF_TITLE, PDF_X, p->y, PDF_TW,
	    PANGO_ALIGN_CENTER, m) + 8;
	g_free(m);
	if (json_is_integer(sup))
		m = g_markup_printf_escaped("Remplace le document n°" NBSP
		    "%lld.", (long long)json_integer_value(sup));
	else if (json_is_string(sup))
		m = g_markup_printf_escaped("Remplace le document n°" NBSP
		    "%s.", json_string_value(sup));
	else
		m = NULL;
	if (m != NULL) {
		p->y += pdf_text(p, PDF_BOLD, PDF_X, p->y, PDF_TW,
		    PANGO_ALIGN_CENTER, m) + 4;
		g_free(m);
	}
	if (decision != NULL && strcmp(decision, "admin") == 0)
		p->y += pdf_text(p, PDF_BOLD, PDF_X, p->y, PDF_TW,
		    PANGO_ALIGN_CENTER, "Émis avant la fin de la session sur "
		    "décision de l" APOS "organisme.") + 4;
	p->y += 14;
}

/* The QR code of the verification URL, as vector squares. */
static void
pdf_qr(struct pdf *p, double x, double y)
{
	QRcode	*q = p->qr;
	double	 m = PDF_QR / (q->width + 8);
	int	 r, c, c0;

	if (p->cr == NULL)
		return;
	cairo_rectangle(p->cr, x, y, PDF_QR, PDF_QR);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_fill(p->cr);
	/* One path of runs, filled once: no seams between modules. */
	for (r = 0; r < q->width; r++) {
		for (c = 0; c < q->width; c++) {
			if (!(q->data[r * q->width + c] & 1))
				continue;
			for (c0 = c; c < q->width &&
			    (q->data[r * q->width + c] & 1); c++)
				;
			cairo_rectangle(p->cr, x + (c0 + 4) * m,
			    y + (r + 4) * m, (c - c0) * m, m);
		}
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_fill(p->cr);
}

/* "Fait à …, le …", who signs, and the QR code to verify. */
static void
pdf_signature(struct pdf *p)
{
	json_t		*f = p->facts;
	const char	*title;
	PangoLayout	*l, *u;
	int64_t		 ms;
	double		 h, x = PDF_X + PDF_TW - PDF_QR_BOX;
	char		 date[64], *m;

	title = pdf_str(f, "organisation.representative_title");
	pdf_instant(pdf_str(f, "issued_at"), &ms);
	pdf_day(spoc_today(ms), 0, date, sizeof date);
	m = g_markup_printf_escaped("Fait à %s, le %s\n\n<b>%s</b>%s%s\n"
	    "<span size=\"small\" foreground=\"#5f5f6b\">Document signé "
	    "électroniquement (Ed25519), n°" NBSP "%s</span>",
	    pdf_str(f, "organisation.city"), date,
	    pdf_str(f, "organisation.representative"),
	    title != NULL ? ", " : "", title != NULL ? title : "",
	    pdf_str(f, "number"));
	l = pdf_layout(p, PDF_BODY, PDF_TW - PDF_QR_BOX - 16,
	    PANGO_ALIGN_LEFT, m);
	g_free(m);
	m = g_markup_escape_text(p->url, -1);
	u = pdf_layout(p, PDF_SMALL, PDF_QR_BOX, PANGO_ALIGN_CENTER, m);
	g_free(m);
	h = MAX(pdf_height(l), PDF_QR + 2 + pdf_height(u));
	if (!pdf_room(p, 20 + h))
		p->y += 20;
	pdf_show(p, PDF_BODY, l, PDF_X, p->y);
	pdf_qr(p, x + (PDF_QR_BOX - PDF_QR) / 2, p->y);
	pdf_show(p, PDF_SMALL, u, x, p->y + PDF_QR + 2);
	g_object_unref(l);
	g_object_unref(u);
	p->y += h;
}

/* The attestation de présence. */

static void
pdf_row_prepare(struct pdf *p, struct pdf_row *row, enum pdf_font f,
    char *const *cells)
{
	size_t	 i;

	row->h = 0;
	for (i = 0; i < PDF_NCOLS; i++) {
		row->cells[i] = pdf_layout(p, f, pdf_cols[i].w - 2 * PDF_PAD,
		    pdf_cols[i].align, cells[i]);
		row->h = MAX(row->h, pdf_height(row->cells[i]));
	}
	row->h += 2 * PDF_VPAD + 1;
}

static void
pdf_row_draw(struct pdf *p, struct pdf_row *row, enum pdf_font f, int head)
{
	double	 x = PDF_X;
	size_t	 i;

	if (head && p->cr != NULL) {
		cairo_rectangle(p->cr, PDF_X, p->y, PDF_TW, row->h);
		cairo_set_source_rgb(p->cr, 0.92, 0.93, 0.95);
		cairo_fill(p->cr);
	}
	for (i = 0; i < PDF_NCOLS; i++) {
		pdf_show(p, f, row->cells[i], x + PDF_PAD, p->y + PDF_VPAD);
		x += pdf_cols[i].w;
	}
	p->y += row->h;
	pdf_rule(p, PDF_X, PDF_X + PDF_TW, p->y, head ? 0.8 : 0.4,
	    head ? 0.45 : 0.78);
}

static void
pdf_row_clear(struct pdf_row *row)
{
	size_t	 i;

	for (i = 0; i < PDF_NCOLS; i++)
		g_object_unref(row->cells[i]);
}

/* The markup of a unit's cells. */
static void
pdf_unit_cells(json_t *u, char **cells)
{
	const char	*status, *success;
	char		 first[64], last[64], meas[64];
	json_t		*v;

	v = json_object_get(u, "first_access");
	pdf_when(json_string_value(v), first, sizeof first);
	v = json_object_get(u, "last_access");
	pdf_when(json_string_value(v), last, sizeof last);
	pdf_duration(pdf_int(u, "measured_s"), meas, sizeof meas);
	status = pdf_status(pdf_str(u, "status"));
	success = pdf_status(pdf_str(u, "success"));
	cells[0] = g_markup_printf_escaped("%lld. %s", pdf_int(u, "position"),
	    pdf_str(u, "title"));
	cells[1] = g_markup_printf_escaped("%lld" NBSP "min",
	    pdf_int(u, "minutes"));
	cells[2] = g_markup_escape_text(first, -1);
	cells[3] = g_markup_escape_text(last, -1);
	cells[4] = g_markup_printf_escaped("%lld", pdf_int(u, "sessions"));
	cells[5] = g_markup_escape_text(meas, -1);
	cells[6] = g_markup_printf_escaped("%s%s%s",
	    status != NULL ? status : "—", success != NULL ? ", " : "",
	    success != NULL ? success : "");
}

static void
pdf_week_head(struct pdf *p, struct pdf_row *head, PangoLayout *title)
{
	double	 h = pdf_height(title);

	pdf_show(p, PDF_WEEK, title, PDF_X, p->y);
	p->y += h + 4;
	pdf_row_draw(p, head, PDF_CELL_HEAD, 1);
}

static void
pdf_week(struct pdf *p, json_t *w)
{
	struct pdf_row	 head, row;
	PangoLayout	*title, *more;
	json_t		*units = json_object_get(w, "units"), *u;
	const char	*track = pdf_str(w, "track");
	char		*cells[PDF_NCOLS], *m, *suite;
	size_t		 i, j;

	for (i = 0; i < PDF_NCOLS; i++)
		cells[i] = (char *)pdf_cols[i].head;
	pdf_row_prepare(p, &head, PDF_CELL_HEAD, cells);
	m = g_markup_printf_escaped("Semaine %lld%s%s", pdf_int(w, "week"),
	    track != NULL ? " — " : "", track != NULL ? track : "");
	title = pdf_layout(p, PDF_WEEK, PDF_TW, PANGO_ALIGN_LEFT, m);
	suite = g_strconcat(m, " (suite)", NULL);
	more = pdf_layout(p, PDF_WEEK, PDF_TW, PANGO_ALIGN_LEFT, suite);
	g_free(suite);
	g_free(m);

	json_array_foreach(units, i, u) {
		pdf_unit_cells(u, cells);
		pdf_row_prepare(p, &row, PDF_CELL, cells);
		for (j = 0; j < PDF_NCOLS; j++)
			g_free(cells[j]);
		if (i == 0) {
			/* The heading never ends a page. */
			if (!pdf_room(p, 10 + pdf_height(title) + 4 +
			    head.h + row.h))
				p->y += 10;
			pdf_week_head(p, &head, title);
		} else if (pdf_room(p, row.h))
			pdf_week_head(p, &head, more);
		pdf_row_draw(p, &row, PDF_CELL, 0);
		pdf_row_clear(&row);
	}
	pdf_row_clear(&head);
	g_object_unref(title);
	g_object_unref(more);
}

static void
pdf_regroupement(struct pdf *p, json_t *r)
{
	const char	*mode = pdf_str(r, "mode"), *place, *hour;
	json_t		*present = json_object_get(r, "present");
	char		 date[64];

	pdf_heading(p, "Regroupement", 60);
	if (!json_is_object(r)) {
		pdf_para(p, PDF_BODY, 0, 0, "Aucun regroupement n" APOS "est "
		    "prévu pour cette session.");
		return;
	}
	pdf_date(pdf_str(r, "date"), 1, date, sizeof date);
	hour = pdf_str(r, "time");
	place = pdf_str(r, "place");
	if (hour != NULL)
		pdf_field(p, "Date", "%s à %s", date, hour);
	else
		pdf_field(p, "Date", "%s", date);
	if (mode != NULL && strcmp(mode, "online") == 0)
		pdf_field(p, "Modalité", "à distance");
	else if (mode != NULL && strcmp(mode, "onsite") == 0)
		pdf_field(p, "Modalité", "sur site");
	if (place != NULL)
		pdf_field(p, "Lieu", "%s", place);
	pdf_field(p, "Émargement", "%s", json_is_true(present) ?
	    "présent(e)" : json_is_false(present) ? "absent(e)" :
	    "non émargé");
}

static void
pdf_presence(struct pdf *p)
{
	json_t		*f = p->facts, *w;
	const char	*s;
	char		 a[64], b[64], siret[64];
	size_t		 i;

	pdf_top(p);
	if (json_is_true(json_object_get(f, "interim")))
		pdf_banner(p, "Document intermédiaire" NBSP ": la session "
		    "n" APOS "est pas terminée" NNBSP "; ce relevé sera "
		    "complété.");

	pdf_heading(p, "Identification", 60);
	pdf_field(p, "Organisme de formation", "%s",
	    pdf_str(f, "organisation.name"));
	pdf_field(p, "Apprenant(e)", "<b>%s</b>", pdf_str(f, "learner.name"));
	if ((s = pdf_str(f, "company.siret")) != NULL)
		pdf_field(p, "Entreprise", "%s\nSIRET" NBSP "%s",
		    pdf_str(f, "company.name"), pdf_siret(s, siret,
		    sizeof siret));
	else
		pdf_field(p, "Entreprise", "%s", pdf_str(f, "company.name"));
	if ((s = pdf_str(f, "opca.name")) != NULL)
		pdf_field(p, "OPCO", "%s", s);
	pdf_field(p, "Formation", "%s", pdf_str(f, "course.title"));
	if ((s = pdf_str(f, "course.modality")) != NULL)
		pdf_field(p, "Modalité", "%s", s);
	pdf_date(pdf_str(f, "cohort.start_date"), 0, a, sizeof a);
	pdf_date(pdf_str(f, "cohort.end_date"), 0, b, sizeof b);
	s = pdf_str(f, "cohort.name");
	pdf_field(p, "Session", "%s%sdu %s au %s", s != NULL ? s : "",
	    s != NULL ? ", " : "", a, b);

	pdf_heading(p, "Relevé de connexions", 90);
	pdf_para(p, PDF_NOTE, 0, 0, "Heures de Paris. Une connexion est une "
	    "ouverture de l" APOS "unité" NNBSP "; le temps mesuré est le "
	    "temps de connexion enregistré par le serveur.");
	json_array_foreach(json_object_get(f, "weeks"), i, w)
		pdf_week(p, w);

	pdf_heading(p, "Bilan", 70);
	pdf_field(p, "Unités terminées", "%lld sur %lld",
	    pdf_int(f, "totals.completed"), pdf_int(f, "totals.units"));
	pdf_duration(pdf_int(f, "totals.measured_s"), a, sizeof a);
	pdf_field(p, "Temps de connexion mesuré par le serveur", "%s", a);
	pdf_duration(pdf_int(f, "totals.reported_s"), a, sizeof a);
	pdf_field(p, "Temps déclaré par les unités", "%s", a);
	pdf_duration(pdf_int(f, "totals.certified_minutes") * 60, a,
	    sizeof a);
	pdf_field(p, "<b>Durée certifiée</b>", "<b>%s</b>\n<span size=\"small\""
	    " foreground=\"#5f5f6b\">règle FOAD" NBSP ": activités terminées "
	    "× durée estimée</span>", a);

	pdf_regroupement(p, json_object_get(f, "regroupement"));
	pdf_signature(p);
}

/* The certificat de réalisation. */

static void
pdf_realisation(struct pdf *p)
{
	json_t		*f = p->facts;
	const char	*nature = pdf_nature(f);
	char		 a[64], b[64];
	size_t		 i;

	pdf_top(p);
	p->y += 6;
	pdf_para(p, PDF_LEAD, 0, 12, "Je soussigné(e) <b>%s</b>, "
	    "représentant(e) légal(e) du dispensateur de l" APOS "action "
	    "concourant au développement des compétences <b>%s</b>,",
	    pdf_str(f, "organisation.representative"),
	    pdf_str(f, "organisation.name"));
	pdf_para(p, PDF_LEAD, 0, 6, "atteste que" NBSP ":");
	pdf_para(p, PDF_LEAD, 24, 12, "<b>%s</b>", pdf_str(f, "learner.name"));
	pdf_para(p, PDF_LEAD, 0, 12, "salarié(e) de l" APOS "entreprise "
	    "<b>%s</b>", pdf_str(f, "company.name"));
	pdf_para(p, PDF_LEAD, 0, 12, "a suivi l" APOS "action <b>%s</b>",
	    pdf_str(f, "course.title"));
	pdf_para(p, PDF_LEAD, 0, 6, "Nature de l" APOS "action concourant au "
	    "développement des compétences" NBSP ":");
	for (i = 0; i < nitems(pdf_natures); i++)
		pdf_para(p, PDF_LEAD, 24, i + 1 < nitems(pdf_natures) ? 2 : 12,
		    "%s" NBSP "%s", strcmp(nature, pdf_natures[i]) == 0 ?
		    "☒" : "☐", pdf_natures[i]);
	pdf_date(pdf_str(f, "cohort.start_date"), 0, a, sizeof a);
	pdf_date(pdf_str(f, "cohort.end_date"), 0, b, sizeof b);
	pdf_para(p, PDF_LEAD, 0, 12, "qui s" APOS "est déroulée du <b>%s</b> "
	    "au <b>%s</b>,", a, b);
	pdf_hours(pdf_int(f, "totals.certified_minutes"), a, sizeof a);
	pdf_para(p, PDF_LEAD, 0, 8, "pour une durée de <b>%s</b>.", a);
	pdf_para(p, PDF_NOTE, 0, 18, "Pour les formations à distance, la "
	    "durée tient compte de la réalisation des activités pédagogiques "
	    "et du temps estimé pour les réaliser.");
	pdf_para(p, PDF_BODY, 0, 0, "Sans préjudice des délais imposés par "
	    "les règles fiscales, comptables ou commerciales, je m" APOS
	    "engage à conserver l" APOS "ensemble des pièces justificatives "
	    "qui ont permis d" APOS "établir le présent certificat pour une "
	    "durée de 3 ans à compter de la fin de l" APOS "année du dernier "
	    "paiement. En cas de contrôle, je m" APOS "engage à fournir les "
	    "documents et pièces de nature à justifier la réalité de "
	    "l" APOS "action.");
	pdf_signature(p);
}

/* Rendering. */

static void
pdf_document(struct pdf *p)
{
	p->page = 0;
	pdf_page_begin(p);
	p->kind->body(p);
	pdf_page_end(p);
}

static cairo_status_t
pdf_write(void *arg, const unsigned char *data, unsigned int len)
{
	if (fwrite(data, 1, len, arg) != len)
		return (CAIRO_STATUS_WRITE_ERROR);
	return (CAIRO_STATUS_SUCCESS);
}

/*
 * fontconfig keeps part of its configuration unreachable once loaded:
 * LeakSanitizer (in ASan builds, which link this file whenever they can
 * render) is told it is not ours. Unused in other builds.
 */
const char	*__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return ("leak:libfontconfig.so\n");
}

static pthread_key_t	pdf_fontmap_key;
static pthread_once_t	pdf_fontmap_once = PTHREAD_ONCE_INIT;

static void
pdf_fontmap_free(void *map)
{
	g_object_unref(map);
}

static void
pdf_fontmap_init(void)
{
	if (pthread_key_create(&pdf_fontmap_key, pdf_fontmap_free) != 0)
		fatalx("pdf: pthread_key_create failed");
}

/*
 * The calling thread's font map, kept for its next documents: a new one
 * starts fontconfig again (with a thread of its own) and loads the faces
 * again, which cost two thirds of a render. A font map is not shared
 * between threads.
 */
static PangoFontMap *
pdf_fontmap(void)
{
	PangoFontMap	*map;

	pthread_once(&pdf_fontmap_once, pdf_fontmap_init);
	if ((map = pthread_getspecific(pdf_fontmap_key)) == NULL) {
		map = pango_cairo_font_map_new();
		pthread_setspecific(pdf_fontmap_key, map);
	}
	return (map);
}

static void
pdf_fonts(struct pdf *p)
{
	cairo_font_options_t	*o;
	size_t			 i;

	p->fontmap = pdf_fontmap();
	p->pango = pango_font_map_create_context(p->fontmap);
	pango_cairo_context_set_resolution(p->pango, 72);
	/* Unhinted metrics: the layout is the same on paper and screen. */
	o = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p->pango, o);
	cairo_font_options_destroy(o);
	pango_context_set_round_glyph_positions(p->pango, FALSE);
	pango_context_set_language(p->pango, pango_language_from_string("fr"));
	for (i = 0; i < PDF_NFONTS; i++)
		p->fonts[i] = pango_font_description_from_string(
		    pdf_styles[i].font);
}

static void
pdf_clear(struct pdf *p)
{
	size_t	 i;

	for (i = 0; i < PDF_NFONTS; i++) {
		if (p->fonts[i] != NULL)
			pango_font_description_free(p->fonts[i]);
	}
	if (p->pango != NULL)
		g_object_unref(p->pango);
	if (p->qr != NULL)
		QRcode_free(p->qr);
}

/* A PDF literal string: ( ) and \ escaped, other bytes in octal. */
static void
pdf_literal(FILE *f, const char *s)
{
	const unsigned char	*u;

	fputc('(', f);
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if (*u == '(' || *u == ')' || *u == '\\')
			fprintf(f, "\\%c", *u);
		else if (*u < 0x20 || *u > 0x7e)
			fprintf(f, "\\%03o", *u);
		else
			fputc(*u, f);
	}
	fputc(')', f);
}

/* PDF syntax: as much as reading cairo's information dictionary needs. */

static int
pdf_space(int c)
{
	return (c == '\0' || c == '\t' || c == '\n' || c == '\f' ||
	    c == '\r' || c == ' ');
}

static int
pdf_delim(int c)
{
	return (c != '\0' && strchr("()<>[]{}/%", c) != NULL);
}

static size_t
pdf_ws(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == '%') {
			while (i < len && s[i] != '\n' && s[i] != '\r')
				i++;
		} else if (pdf_space((unsigned char)s[i]))
			i++;
		else
			break;
	}
	return (i);
}

/* An unsigned integer at s[*i]; 0 or -1. */
static int
pdf_uint(const char *s, size_t len, size_t *i, size_t *v)
{
	size_t	 n = 0;

	*v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9' && n < 18) {
		*v = *v * 10 + (size_t)(s[*i] - '0');
		(*i)++;
		n++;
	}
	if (n == 0 || (*i < len && s[*i] >= '0' && s[*i] <= '9'))
		return (-1);
	return (0);
}

static int
pdf_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* The end of a regular token (a name, number or keyword). */
static size_t
pdf_token(const char *s, size_t len, size_t i)
{
	while (i < len && !pdf_space((unsigned char)s[i]) &&
	    !pdf_delim((unsigned char)s[i]))
		i++;
	return (i);
}

/* "N G R" at s[i]: the end of the reference, or PDF_BAD. */
static size_t
pdf_ref(const char *s, size_t len, size_t i, size_t *num)
{
	size_t	 gen;

	if (pdf_uint(s, len, &i, num) == -1)
		return (PDF_BAD);
	i = pdf_ws(s, len, i);
	if (pdf_uint(s, len, &i, &gen) == -1)
		return (PDF_BAD);
	i = pdf_ws(s, len, i);
	if (i >= len || s[i] != 'R' || pdf_token(s, len, i) != i + 1)
		return (PDF_BAD);
	return (i + 1);
}

/* The end of the object at s[i], or PDF_BAD. */
static size_t
pdf_skip(const char *s, size_t len, size_t i, int depth)
{
	size_t	 n, e;
	int	 nest = 0;

	if (i >= len || depth > PDF_DEPTH)
		return (PDF_BAD);
	switch (s[i]) {
	case '(':
		for (; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '(')
				nest++;
			else if (s[i] == ')' && --nest == 0)
				return (i + 1);
		}
		return (PDF_BAD);
	case '<':
		if (i + 1 < len && s[i + 1] == '<') {
			for (i += 2;;) {
				i = pdf_ws(s, len, i);
				if (i + 1 < len && s[i] == '>' &&
				    s[i + 1] == '>')
					return (i + 2);
				if ((i = pdf_skip(s, len, i, depth + 1)) ==
				    PDF_BAD)
					return (PDF_BAD);
			}
		}
		for (i++; i < len && s[i] != '>'; i++) {
			if (pdf_hex((unsigned char)s[i]) == -1 &&
			    !pdf_space((unsigned char)s[i]))
				return (PDF_BAD);
		}
		return (i < len ? i + 1 : PDF_BAD);
	case '[':
		for (i++;;) {
			i = pdf_ws(s, len, i);
			if (i < len && s[i] == ']')
				return (i + 1);
			if ((i = pdf_skip(s, len, i, depth + 1)) == PDF_BAD)
				return (PDF_BAD);
		}
	case '/':
		return (pdf_token(s, len, i + 1));
	}
	if (pdf_delim((unsigned char)s[i]))
		return (PDF_BAD);
	if ((e = pdf_ref(s, len, i, &n)) != PDF_BAD)
		return (e);
	return (pdf_token(s, len, i));
}

/*
 * The value of key (a name with its slash) in the dictionary at s[at]: 1
 * and its offset in *val, 0 if absent, -1 if this is not a dictionary.
 * *end is the offset of the dictionary's closing ">>".
 */
static int
pdf_dict_get(const char *s, size_t len, size_t at, const char *key,
    size_t *val, size_t *end)
{
	size_t	 i, k, klen = strlen(key);
	int	 found = 0;

	if (at + 2 > len || s[at] != '<' || s[at + 1] != '<')
		return (-1);
	for (i = at + 2;;) {
		i = pdf_ws(s, len, i);
		if (i + 1 < len && s[i] == '>' && s[i + 1] == '>') {
			*end = i;
			return (found);
		}
		if (i >= len || s[i] != '/')
			return (-1);
		k = i;
		i = pdf_token(s, len, i + 1);
		if (!found && i - k == klen && memcmp(s + k, key, klen) == 0) {
			found = 1;
			*val = pdf_ws(s, len, i);
		}
		i = pdf_ws(s, len, i);
		if ((i = pdf_skip(s, len, i, 0)) == PDF_BAD)
			return (-1);
	}
}

/* The last "startxref": the offset of the cross-reference table. */
static int
pdf_startxref(const char *s, size_t len, size_t *sx, size_t *xref)
{
	size_t	 i;

	if (len < 9)
		return (-1);
	for (i = len - 9; memcmp(s + i, "startxref", 9) != 0; i--) {
		if (i == 0)
			return (-1);
	}
	*sx = i;
	i = pdf_ws(s, len, i + 9);
	if (pdf_uint(s, len, &i, xref) == -1 || *xref + 4 > len ||
	    memcmp(s + *xref, "xref", 4) != 0)
		return (-1);
	return (0);
}

/*
 * Walks the cross-reference table at s[xref] (20-byte entries), calling
 * cb with the offset of every entry in use and its object number; *trailer
 * is the offset of the trailer dictionary.
 */
static int
pdf_xref(const char *s, size_t len, size_t xref,
    void (*cb)(size_t, size_t, void *), void *arg, size_t *trailer)
{
	size_t	 i = xref + 4, first, count, n, e, off;

	for (;;) {
		i = pdf_ws(s, len, i);
		if (i + 7 <= len && memcmp(s + i, "trailer", 7) == 0) {
			*trailer = pdf_ws(s, len, i + 7);
			return (0);
		}
		if (pdf_uint(s, len, &i, &first) == -1)
			return (-1);
		i = pdf_ws(s, len, i);
		if (pdf_uint(s, len, &i, &count) == -1)
			return (-1);
		i = pdf_ws(s, len, i);
		if (count > (len - i) / 20)
			return (-1);
		for (n = 0; n < count; n++, i += 20) {
			e = i;
			if (pdf_uint(s, len, &e, &off) == -1 || e != i + 10)
				return (-1);
			if (s[i + 17] == 'n')
				cb(i, first + n, arg);
			else if (s[i + 17] != 'f')
				return (-1);
		}
	}
}

struct pdf_find {
	size_t	 num;
	size_t	 entry;
	int	 found;
};

static void
pdf_find_cb(size_t entry, size_t num, void *arg)
{
	struct pdf_find	*f = arg;

	if (num == f->num) {
		f->entry = entry;
		f->found = 1;
	}
}

static void
pdf_none_cb(size_t entry, size_t num, void *arg)
{
}

/*
 * The offset of the information dictionary (1), 0 if the trailer names
 * none, -1 if this is not a PDF with cross-reference tables (as cairo
 * writes them, not streams). Also the offsets of the last table and of
 * the last "startxref".
 */
static int
pdf_info(const char *s, size_t len, size_t *info, size_t *xref, size_t *sx)
{
	struct pdf_find	 f = { 0, 0, 0 };
	size_t		 trailer, v, end, i, off, num, gen, x;
	int		 r, hops;

	if (pdf_startxref(s, len, sx, xref) == -1 ||
	    pdf_xref(s, len, *xref, pdf_none_cb, NULL, &trailer) == -1)
		return (-1);
	if ((r = pdf_dict_get(s, len, trailer, "/Info", &v, &end)) != 1)
		return (r);
	if (pdf_ref(s, len, v, &f.num) == PDF_BAD)
		return (-1);
	/* The newest table that has it; updates chain theirs by /Prev. */
	for (x = *xref, hops = 0;; hops++) {
		if (hops == PDF_DEPTH ||
		    pdf_xref(s, len, x, pdf_find_cb, &f, &trailer) == -1)
			return (-1);
		if (f.found)
			break;
		if (pdf_dict_get(s, len, trailer, "/Prev", &v, &end) != 1)
			return (-1);
		i = v;
		if (pdf_uint(s, len, &i, &x) == -1 || x + 4 > len ||
		    memcmp(s + x, "xref", 4) != 0)
			return (-1);
	}
	i = f.entry;
	if (pdf_uint(s, len, &i, &off) == -1 || off >= len)
		return (-1);
	i = off;
	if (pdf_uint(s, len, &i, &num) == -1 || num != f.num)
		return (-1);
	i = pdf_ws(s, len, i);
	if (pdf_uint(s, len, &i, &gen) == -1)
		return (-1);
	i = pdf_ws(s, len, i);
	if (i + 3 > len || memcmp(s + i, "obj", 3) != 0)
		return (-1);
	*info = pdf_ws(s, len, i + 3);
	return (1);
}

/* UTF-16BE after its byte order mark to UTF-8; the length written. */
static size_t
pdf_utf16(const unsigned char *in, size_t n, char *out)
{
	unsigned int	 c, lo;
	size_t		 i, o = 0;

	for (i = 2; i + 1 < n; i += 2) {
		c = (unsigned int)in[i] << 8 | in[i + 1];
		lo = i + 3 < n ? (unsigned int)in[i + 2] << 8 | in[i + 3] : 0;
		if (c >= 0xd800 && c < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		if (c < 0x80)
			out[o++] = (char)c;
		else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | (c >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return (o);
}

/* A literal string's bytes, escapes undone; the length written. */
static size_t
pdf_unescape(const char *s, size_t i, size_t e, unsigned char *b)
{
	size_t	 n = 0, k;
	int	 c;

	for (i++; i < e - 1; i++) {
		c = (unsigned char)s[i];
		if (c == '\r') {
			if (s[i + 1] == '\n')
				i++;
			c = '\n';
		} else if (c == '\\') {
			/* pdf_skip saw to it that an escape never ends it. */
			switch ((c = (unsigned char)s[++i])) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '\r':
				if (s[i + 1] == '\n')
					i++;
				continue;
			case '\n':
				continue;
			}
			if (c >= '0' && c <= '7') {
				c -= '0';
				for (k = 1; k < 3 && i + 1 < e - 1 &&
				    s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					c = c * 8 + s[++i] - '0';
				c &= 0xff;
			}
		}
		b[n++] = (unsigned char)c;
	}
	return (n);
}

/*
 * The string at s[i], literal or hexadecimal, decoded (from UTF-16BE when
 * it begins with a byte order mark, as cairo writes non-ASCII text); -1 if
 * there is no string there or it holds a NUL.
 */
static int
pdf_string(const char *s, size_t len, size_t i, char **out)
{
	unsigned char	*b;
	size_t		 e, n = 0;
	int		 hi = -1, d;

	*out = NULL;
	if (i >= len || (s[i] != '(' && s[i] != '<') ||
	    (e = pdf_skip(s, len, i, 0)) == PDF_BAD ||
	    (s[i] == '<' && s[i + 1] == '<'))
		return (-1);
	b = xmalloc(e - i);
	if (s[i] == '(')
		n = pdf_unescape(s, i, e, b);
	else {
		for (i++; i < e - 1; i++) {
			if ((d = pdf_hex((unsigned char)s[i])) == -1)
				continue;
			if (hi == -1)
				hi = d;
			else {
				b[n++] = (unsigned char)(hi << 4 | d);
				hi = -1;
			}
		}
		if (hi != -1)
			b[n++] = (unsigned char)(hi << 4);
	}
	*out = xmalloc(2 * n + 1);
	if (n >= 2 && b[0] == 0xfe && b[1] == 0xff)
		n = pdf_utf16(b, n, *out);
	else
		memcpy(*out, b, n);
	(*out)[n] = '\0';
	free(b);
	if (strlen(*out) != n) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	return (0);
}

/*
 * The value of an entry of a PDF's information dictionary, such as
 * "AssiduFacts": 1 and a string to free in *value, 0 if there is no such
 * entry, -1 if the file is not a PDF this function can read.
 */
int
pdf_metadata(const char *pdf, size_t len, const char *key, char **value)
{
	size_t	 info, xref, sx, v, end;
	char	 name[128];
	int	 r;

	*value = NULL;
	if (snprintf(name, sizeof name, "/%s", key) >= (int)sizeof name)
		return (-1);
	if ((r = pdf_info(pdf, len, &info, &xref, &sx)) != 1)
		return (r);
	if ((r = pdf_dict_get(pdf, len, info, name, &v, &end)) != 1)
		return (r);
	return (pdf_string(pdf, len, v, value) == -1 ? -1 : 1);
}

struct pdf_shift {
	char	*s;
	size_t	 after;
	size_t	 delta;
	int	 bad;
};

static void
pdf_shift_cb(size_t entry, size_t num, void *arg)
{
	struct pdf_shift	*sh = arg;
	size_t			 i = entry, off;
	char			 d[16];

	if (pdf_uint(sh->s, entry + 10, &i, &off) == -1 || off <= sh->after)
		return;
	off += sh->delta;
	if (off > 9999999999ULL) {
		sh->bad = 1;
		return;
	}
	snprintf(d, sizeof d, "%010zu", off);
	memcpy(sh->s + entry, d, 10);
}

/*
 * cairo 1.16 writes no custom metadata: add the entries to the end of its
 * information dictionary and shift the offsets of what follows.
 */
static int
pdf_splice(const char *in, size_t len, const char *add, size_t addlen,
    char **out, size_t *outlen)
{
	struct pdf_shift	 sh;
	size_t			 info, xref, sx, v, end, trailer;
	char			 tail[64];
	int			 n;

	if (pdf_info(in, len, &info, &xref, &sx) != 1 ||
	    pdf_dict_get(in, len, info, "/Title", &v, &end) == -1 ||
	    xref < end || sx < xref)
		return (-1);
	n = snprintf(tail, sizeof tail, "startxref\n%zu\n%%%%EOF\n",
	    xref + addlen);
	*outlen = sx + addlen + (size_t)n;
	*out = xmalloc(*outlen);
	memcpy(*out, in, end);
	memcpy(*out + end, add, addlen);
	memcpy(*out + end + addlen, in + end, sx - end);
	memcpy(*out + sx + addlen, tail, n);
	sh.s = *out;
	sh.after = end;
	sh.delta = addlen;
	sh.bad = 0;
	if (pdf_xref(*out, *outlen, xref + addlen, pdf_shift_cb, &sh,
	    &trailer) == -1 || sh.bad) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return (-1);
	}
	return (0);
}

/* The entries for the verifier, formatted as cairo writes its own. */
static char *
pdf_entries(json_t *facts, const char *canonical, const char *sig,
    size_t *len)
{
	const char	*keys[] = { "AssiduNumber", "AssiduKey", "AssiduFacts",
			    "AssiduSignature" };
	const char	*values[nitems(keys)];
	char		*b64, *add = NULL;
	size_t		 n = strlen(canonical), i;
	FILE		*f;

	b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)canonical,
	    (int)n);
	values[0] = pdf_str(facts, "number");
	values[1] = pdf_str(facts, "key");
	values[2] = b64;
	values[3] = sig;
	if ((f = open_memstream(&add, len)) == NULL)
		fatal("open_memstream");
	for (i = 0; i < nitems(keys); i++) {
		fprintf(f, "   /%s ", keys[i]);
		pdf_literal(f, values[i]);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	free(b64);
	return (add);
}

/*
 * The document of the facts' kind, as a PDF to free in *pdf. canonical is
 * what sig_b64 signs; verify_url goes in the QR code.
 */
int
pdf_render(json_t *facts, const char *canonical, const char *sig_b64,
    const char *verify_url, char **pdf, size_t *len, char **cause)
{
	struct pdf		 p;
	cairo_surface_t		*surface;
	cairo_status_t		 st;
	FILE			*f;
	char			*raw = NULL, *add = NULL, *subject;
	size_t			 rawlen = 0, addlen;
	int			 rc = -1;

	*pdf = NULL;
	*len = 0;
	if (canonical == NULL || sig_b64 == NULL || verify_url == NULL)
		return (xfail(cause, -1, "pdf_render: missing argument"));
	if (strlen(canonical) > 64 * 1024 * 1024)
		return (xfail(cause, -1, "pdf_render: facts too long"));
	memset(&p, 0, sizeof p);
	if ((p.kind = pdf_check(facts, cause)) == NULL)
		return (-1);
	p.facts = facts;
	p.url = verify_url;
	p.qr = QRcode_encodeString(verify_url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (p.qr == NULL) {
		xfail(cause, -1, "QR code of %s: %s", verify_url,
		    strerror(errno));
		goto out;
	}
	pdf_fonts(&p);
	pdf_document(&p);	/* dry, to count the pages */
	p.pages = p.page;

	if ((f = open_memstream(&raw, &rawlen)) == NULL)
		fatal("open_memstream");
	surface = cairo_pdf_surface_create_for_stream(pdf_write, f, PDF_W,
	    PDF_H);
	xasprintf(&subject, "%s — %s — %s", p.kind->title,
	    pdf_str(facts, "learner.name"), pdf_str(facts, "course.title"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
	    p.kind->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR,
	    pdf_str(facts, "organisation.name"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT,
	    subject);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
	    PACKAGE_NAME " " PACKAGE_VERSION);
	cairo_pdf_surface_set_metadata(surface,
	    CAIRO_PDF_METADATA_CREATE_DATE, pdf_str(facts, "issued_at"));
	free(subject);
	p.cr = cairo_create(surface);
	pdf_document(&p);
	cairo_destroy(p.cr);
	cairo_surface_finish(surface);
	st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (fclose(f) != 0 && st == CAIRO_STATUS_SUCCESS)
		st = CAIRO_STATUS_WRITE_ERROR;
	if (st != CAIRO_STATUS_SUCCESS) {
		xfail(cause, -1, "cairo: %s", cairo_status_to_string(st));
		goto out;
	}
	if (p.page != p.pages) {
		xfail(cause, -1, "pdf: %d pages laid out, %d drawn", p.pages,
		    p.page);
		goto out;
	}

	add = pdf_entries(facts, canonical, sig_b64, &addlen);
	if (pdf_splice(raw, rawlen, add, addlen, pdf, len) == -1) {
		xfail(cause, -1, "pdf: cairo wrote no information dictionary "
		    "this file can extend");
		goto out;
	}
	rc = 0;
out:
	free(raw);
	free(add);
	pdf_clear(&p);
	return (rc);
}
