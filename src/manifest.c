/*
 * imsmanifest.xml: from bytes to the list of what a package can launch
 * (DESIGN §4). libxml2 parses without network, entity substitution or DTD
 * loading, and a manifest with a DOCTYPE at all is refused: real manifests
 * have none, and it is where XXE and entity bombs live. Errors name the
 * file and line, in French, for the administrator who imports.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "assidu.h"

#define MF_FILE		"imsmanifest.xml"
#define MF_MAX_ITEMS	10000
#define MF_MAX_DEPTH	16

struct mf_state {
	struct manifest	*m;
	xmlNodePtr	 resources;
	char		*cause;
	int		 line;
	size_t		 aitems;
	size_t		 arefs;
};

static void
mf_quiet(void *ctx, const xmlError *e)
{
	/* Errors are read from the parser context, never printed. */
}

static xmlParserInputPtr
mf_no_entities(const char *url, const char *id, xmlParserCtxtPtr ctx)
{
	return (NULL);
}

static int
mf_fail(struct mf_state *st, xmlNodePtr n, const char *fmt, ...)
    printflike(3, 4);
static int
mf_fail(struct mf_state *st, xmlNodePtr n, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (st->cause != NULL)
		return (-1);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&st->cause, "%s:%ld: %s", MF_FILE,
	    n != NULL ? xmlGetLineNo(n) : 1L, msg);
	free(msg);
	return (-1);
}

/* Element names compare on their local part: packages vary prefixes. */
static int
mf_is(xmlNodePtr n, const char *name)
{
	return (n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcasecmp((const char *)n->name, name) == 0);
}

static xmlNodePtr
mf_child(xmlNodePtr n, const char *name)
{
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next) {
		if (mf_is(n, name))
			return (n);
	}
	return (NULL);
}

/* An attribute by local name, whatever its namespace (scormtype/Type). */
static char *
mf_attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr	 a;
	xmlChar		*v;
	char		*s;

	for (a = n->properties; a != NULL; a = a->next) {
		if (strcasecmp((const char *)a->name, name) != 0)
			continue;
		if (a->ns != NULL && strcmp((const char *)a->ns->href,
		    (const char *)XML_XML_NAMESPACE) == 0 &&
		    strcmp(name, "base") != 0)
			continue;
		v = xmlNodeListGetString(n->doc, a->children, 1);
		s = xstrdup(v != NULL ? (const char *)v : "");
		xmlFree(v);
		return (s);
	}
	return (NULL);
}

/* The trimmed text of a child element, or NULL. */
static char *
mf_text(xmlNodePtr n, const char *name)
{
	xmlNodePtr	 c;
	xmlChar		*v;
	char		*s, *b, *e;

	if ((c = name != NULL ? mf_child(n, name) : n) == NULL)
		return (NULL);
	v = xmlNodeGetContent(c);
	b = (char *)(v != NULL ? v : (xmlChar *)"");
	while (isspace((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	s = xstrndup(b, e - b);
	xmlFree(v);
	return (s);
}

static double
mf_number(const char *s, double lo, double hi)
{
	char	*end;
	double	 v;

	if (s == NULL || *s == '\0')
		return (-1);
	v = strtod(s, &end);
	if (*end != '\0' || v < lo || v > hi)
		return (-2);
	return (v);
}

static char *
mf_join(const char *a, const char *b)
{
	char	*s;

	xasprintf(&s, "%s%s", a != NULL ? a : "", b != NULL ? b : "");
	return (s);
}

static void
mf_add_ref(struct mf_state *st, const char *base, const char *href, int line)
{
	struct manifest	*m = st->m;
	char		*path, *q;

	if (href == NULL || *href == '\0')
		return;
	path = mf_join(base, href);
	/* A launch URL may carry a query or fragment; the file does not. */
	if ((q = strpbrk(path, "?#")) != NULL)
		*q = '\0';
	if (m->nrefs == st->arefs) {
		st->arefs = st->arefs == 0 ? 16 : st->arefs * 2;
		m->refs = xreallocarray(m->refs, st->arefs, sizeof *m->refs);
	}
	m->refs[m->nrefs].path = path;
	m->refs[m->nrefs].line = line;
	m->nrefs++;
}

static xmlNodePtr
mf_resource(struct mf_state *st, const char *id)
{
	xmlNodePtr	 r;
	char		*rid;
	int		 same;

	for (r = st->resources != NULL ? st->resources->children : NULL;
	    r != NULL; r = r->next) {
		if (!mf_is(r, "resource") || (rid = mf_attr(r, "identifier")) ==
		    NULL)
			continue;
		same = strcmp(rid, id) == 0;
		free(rid);
		if (same)
			return (r);
	}
	return (NULL);
}

/* What an item launches: its resource's href under every xml:base. */
static int
mf_launch(struct mf_state *st, xmlNodePtr item, struct mf_item *it)
{
	xmlNodePtr	 r;
	char		*type, *href, *b1, *b2, *base;

	if ((r = mf_resource(st, it->resource)) == NULL)
		return (mf_fail(st, item, "l'élément « %s » renvoie à la "
		    "ressource « %s », qui n'existe pas.", it->identifier,
		    it->resource));
	if ((href = mf_attr(r, "href")) == NULL || *href == '\0') {
		free(href);
		return (mf_fail(st, r, "la ressource « %s » n'a pas d'attribut "
		    "href.", it->resource));
	}
	b1 = mf_attr(st->resources, "base");
	b2 = mf_attr(r, "base");
	base = mf_join(b1, b2);
	it->href = mf_join(base, href);
	free(b1);
	free(b2);
	free(base);
	free(href);
	type = mf_attr(r, "scormtype");
	it->sco = type != NULL && strcasecmp(type, "sco") == 0;
	free(type);
	return (0);
}

/* SCORM 2004: mastery from the primary objective, limits, threshold. */
static int
mf_sequencing(struct mf_state *st, xmlNodePtr item, struct mf_item *it)
{
	xmlNodePtr	 seq, obj, lim, ct;
	char		*s, *by;

	if ((ct = mf_child(item, "completionThreshold")) != NULL) {
		/* 4th edition: an attribute; 3rd: the element's text. */
		s = mf_attr(ct, "minProgressMeasure");
		if (s == NULL)
			s = mf_text(ct, NULL);
		it->completion = mf_number(s, 0, 1);
		free(s);
		if (it->completion == -2)
			return (mf_fail(st, ct, "seuil d'achèvement "
			    "invalide."));
	}
	if ((seq = mf_child(item, "sequencing")) == NULL)
		return (0);
	if ((lim = mf_child(seq, "limitConditions")) != NULL)
		it->max_time = mf_attr(lim, "attemptAbsoluteDurationLimit");
	if ((obj = mf_child(seq, "objectives")) != NULL &&
	    (obj = mf_child(obj, "primaryObjective")) != NULL) {
		by = mf_attr(obj, "satisfiedByMeasure");
		if (by != NULL && strcmp(by, "true") == 0) {
			s = mf_text(obj, "minNormalizedMeasure");
			it->mastery = s != NULL ? mf_number(s, -1, 1) : 1.0;
			free(s);
			if (it->mastery == -2) {
				free(by);
				return (mf_fail(st, obj, "minNormalizedMeasure "
				    "invalide."));
			}
		}
		free(by);
	}
	return (0);
}

static int
mf_items(struct mf_state *st, xmlNodePtr parent, int depth)
{
	struct manifest	*m = st->m;
	struct mf_item	*it;
	xmlNodePtr	 n;
	char		*s;

	if (depth > MF_MAX_DEPTH)
		return (mf_fail(st, parent, "arborescence trop profonde."));
	for (n = parent->children; n != NULL; n = n->next) {
		if (!mf_is(n, "item"))
			continue;
		if (m->nitems == MF_MAX_ITEMS)
			return (mf_fail(st, n, "trop d'éléments."));
		if (m->nitems == st->aitems) {
			st->aitems = st->aitems == 0 ? 16 : st->aitems * 2;
			m->items = xreallocarray(m->items, st->aitems,
			    sizeof *m->items);
		}
		it = &m->items[m->nitems++];
		memset(it, 0, sizeof *it);
		it->depth = depth;
		it->line = (int)xmlGetLineNo(n);
		it->mastery = it->completion = -1;
		it->identifier = mf_attr(n, "identifier");
		if (it->identifier == NULL)
			return (mf_fail(st, n, "élément sans identifiant."));
		it->title = mf_text(n, "title");
		if (it->title == NULL || *it->title == '\0') {
			free(it->title);
			it->title = xstrdup(it->identifier);
		}
		it->parameters = mf_attr(n, "parameters");
		it->resource = mf_attr(n, "identifierref");
		if (it->resource != NULL && mf_launch(st, n, it) != 0)
			return (-1);
		if (m->version == SCORM_12) {
			s = mf_text(n, "masteryscore");
			it->mastery = mf_number(s, 0, 100);
			free(s);
			if (it->mastery == -2)
				return (mf_fail(st, n, "masteryscore invalide "
				    "(0 à 100 attendu)."));
			if (it->mastery >= 0)
				it->mastery /= 100;
			it->max_time = mf_text(n, "maxtimeallowed");
			it->time_action = mf_text(n, "timelimitaction");
			it->launch_data = mf_text(n, "datafromlms");
		} else {
			it->time_action = mf_text(n, "timeLimitAction");
			it->launch_data = mf_text(n, "dataFromLMS");
			if (mf_sequencing(st, n, it) != 0)
				return (-1);
		}
		if (mf_items(st, n, depth + 1) != 0)
			return (-1);
	}
	return (0);
}

/* Every file a resource lists must be in the package: collect them. */
static void
mf_files(struct mf_state *st)
{
	xmlNodePtr	 r, f;
	char		*b1, *b2, *base, *href;

	b1 = st->resources != NULL ? mf_attr(st->resources, "base") : NULL;
	for (r = st->resources != NULL ? st->resources->children : NULL;
	    r != NULL; r = r->next) {
		if (!mf_is(r, "resource"))
			continue;
		b2 = mf_attr(r, "base");
		base = mf_join(b1, b2);
		href = mf_attr(r, "href");
		mf_add_ref(st, base, href, (int)xmlGetLineNo(r));
		free(href);
		for (f = r->children; f != NULL; f = f->next) {
			if (!mf_is(f, "file"))
				continue;
			href = mf_attr(f, "href");
			mf_add_ref(st, base, href, (int)xmlGetLineNo(f));
			free(href);
		}
		free(b2);
		free(base);
	}
	free(b1);
}

static enum scorm_version
mf_version(xmlNodePtr root, char **edition)
{
	xmlNsPtr	 ns;
	xmlNodePtr	 meta;
	char		*sv;

	meta = mf_child(root, "metadata");
	sv = meta != NULL ? mf_text(meta, "schemaversion") : NULL;
	if (sv != NULL && strcmp(sv, "1.2") == 0) {
		*edition = sv;
		return (SCORM_12);
	}
	if (sv != NULL && (strstr(sv, "2004") != NULL ||
	    strcmp(sv, "CAM 1.3") == 0)) {
		*edition = sv;
		return (SCORM_2004);
	}
	free(sv);
	/* No usable schemaversion: the ADL namespace tells. */
	for (ns = root->nsDef; ns != NULL; ns = ns->next) {
		if (strstr((const char *)ns->href, "adlcp_rootv1p2") != NULL ||
		    strstr((const char *)ns->href, "imscp_rootv1p1p2") !=
		    NULL) {
			*edition = xstrdup("1.2");
			return (SCORM_12);
		}
		if (strstr((const char *)ns->href, "adlcp_v1p3") != NULL) {
			*edition = xstrdup("2004");
			return (SCORM_2004);
		}
	}
	return (SCORM_NONE);
}

static int
mf_walk(struct mf_state *st, xmlDocPtr doc)
{
	struct manifest	*m = st->m;
	xmlNodePtr	 root, orgs, org;
	char		*def, *id;

	root = xmlDocGetRootElement(doc);
	if (root == NULL || !mf_is(root, "manifest"))
		return (mf_fail(st, root, "l'élément racine doit être "
		    "<manifest>."));
	if ((m->version = mf_version(root, &m->edition)) == SCORM_NONE)
		return (mf_fail(st, root, "espace de noms inconnu « %s » : ni "
		    "SCORM 1.2 ni SCORM 2004.", root->ns != NULL ?
		    (const char *)root->ns->href : "aucun"));
	m->identifier = mf_attr(root, "identifier");
	st->resources = mf_child(root, "resources");
	if ((orgs = mf_child(root, "organizations")) == NULL)
		return (mf_fail(st, root, "aucun élément <organizations>."));
	/* The default organization, else the first. */
	def = mf_attr(orgs, "default");
	for (org = orgs->children; org != NULL; org = org->next) {
		if (!mf_is(org, "organization"))
			continue;
		if (def == NULL || *def == '\0')
			break;
		id = mf_attr(org, "identifier");
		if (id != NULL && strcmp(id, def) == 0) {
			free(id);
			break;
		}
		free(id);
	}
	if (org == NULL && def != NULL && *def != '\0') {
		free(def);
		return (mf_fail(st, orgs, "l'organisation par défaut n'existe "
		    "pas."));
	}
	free(def);
	if (org == NULL)
		return (mf_fail(st, orgs, "aucune organisation."));
	m->title = mf_text(org, "title");
	if (mf_items(st, org, 0) != 0)
		return (-1);
	if (manifest_launchable(m) == 0)
		return (mf_fail(st, org, "aucune unité à lancer."));
	mf_files(st);
	return (0);
}

/* Once, on the main thread, before workers parse manifests. */
void
manifest_init(void)
{
	xmlInitParser();
}

int
manifest_parse(const char *buf, size_t len, struct manifest **out,
    char **cause)
{
	struct mf_state		 st;
	xmlParserCtxtPtr	 ctx;
	xmlDocPtr		 doc;
	const xmlError		*e;
	const char		*dt, *p;
	char			*msg, *nl;
	int			 line;

	*out = NULL;
	memset(&st, 0, sizeof st);
	/* Refused before the parser sees it: no entity is ever declared. */
	if ((dt = memmem(buf, len, "<!DOCTYPE", 9)) != NULL) {
		for (p = buf, line = 1; p < dt; p++)
			line += *p == '\n';
		xasprintf(cause, "%s:%d: déclaration DOCTYPE interdite dans un "
		    "manifeste (risque XXE).", MF_FILE, line);
		return (-1);
	}
	xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)mf_quiet);
	xmlSetExternalEntityLoader(mf_no_entities);
	if ((ctx = xmlNewParserCtxt()) == NULL)
		fatalx("xmlNewParserCtxt failed");
	doc = xmlCtxtReadMemory(ctx, buf, (int)len, MF_FILE, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		e = xmlCtxtGetLastError(ctx);
		msg = xstrdup(e != NULL && e->message != NULL ? e->message :
		    "erreur inconnue");
		if ((nl = strchr(msg, '\n')) != NULL)
			*nl = '\0';
		xasprintf(cause, "%s:%d: XML mal formé : %s", MF_FILE,
		    e != NULL ? e->line : 0, msg);
		free(msg);
		xmlFreeParserCtxt(ctx);
		return (-1);
	}
	xmlFreeParserCtxt(ctx);
	st.m = xcalloc(1, sizeof *st.m);
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		mf_fail(&st, (xmlNodePtr)doc->intSubset, "déclaration DOCTYPE "
		    "interdite dans un manifeste (risque XXE).");
	else
		mf_walk(&st, doc);
	xmlFreeDoc(doc);
	if (st.cause != NULL) {
		*cause = st.cause;
		manifest_free(st.m);
		return (-1);
	}
	*out = st.m;
	return (0);
}

void
manifest_free(struct manifest *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nitems; i++) {
		free(m->items[i].identifier);
		free(m->items[i].title);
		free(m->items[i].resource);
		free(m->items[i].href);
		free(m->items[i].parameters);
		free(m->items[i].max_time);
		free(m->items[i].time_action);
		free(m->items[i].launch_data);
	}
	for (i = 0; i < m->nrefs; i++)
		free(m->refs[i].path);
	free(m->items);
	free(m->refs);
	free(m->edition);
	free(m->identifier);
	free(m->title);
	free(m);
}

size_t
manifest_launchable(const struct manifest *m)
{
	size_t	 i, n = 0;

	for (i = 0; i < m->nitems; i++)
		n += m->items[i].href != NULL;
	return (n);
}

/* The table of contents as stored with the package and sent to players. */
json_t *
manifest_json(const struct manifest *m)
{
	const struct mf_item	*it;
	json_t			*items, *j;
	size_t			 i;

	items = json_array();
	for (i = 0; i < m->nitems; i++) {
		it = &m->items[i];
		j = json_pack("{s:s,s:s,s:i,s:s?,s:s?,s:b}", "identifier",
		    it->identifier, "title", it->title, "depth", it->depth,
		    "href", it->href, "parameters", it->parameters,
		    "sco", it->sco);
		if (it->mastery >= 0)
			json_object_set_new(j, "mastery",
			    json_real(it->mastery));
		if (it->completion >= 0)
			json_object_set_new(j, "completion_threshold",
			    json_real(it->completion));
		if (it->max_time != NULL && *it->max_time != '\0')
			json_object_set_new(j, "max_time",
			    json_string(it->max_time));
		if (it->time_action != NULL && *it->time_action != '\0')
			json_object_set_new(j, "time_limit_action",
			    json_string(it->time_action));
		if (it->launch_data != NULL && *it->launch_data != '\0')
			json_object_set_new(j, "launch_data",
			    json_string(it->launch_data));
		json_array_append_new(items, j);
	}
	return (json_pack("{s:i,s:s,s:s?,s:s?,s:o}", "version", m->version,
	    "edition", m->edition, "identifier", m->identifier, "title",
	    m->title, "items", items));
}
