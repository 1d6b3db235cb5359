/*
 * The SCORM run-time on the server: opening a session on a SCO (which
 * attempt, which entry, the saved state to resume) and applying the
 * browser's commits. Every value is checked again with cmi.c, the same table
 * the browser used: the server is the authority. Runs inside the writer's
 * transaction, so a commit is all or nothing. Then what the records
 * say: each unit's progress, an enrolment's relevé and a cohort's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assidu.h"

#define RTE_MAX_VALUES	10000	/* per commit; a real SCO sends dozens */

/* What a funder checks: changes of these go to the audit log. */
static const char *rte_audited_12[] = {
	"cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min",
	"cmi.core.score.max", NULL
};
static const char *rte_audited_2004[] = {
	"cmi.completion_status", "cmi.success_status", "cmi.score.scaled",
	"cmi.score.raw", "cmi.score.min", "cmi.score.max",
	"cmi.progress_measure", NULL
};

void
rte_attempt_clear(struct rte_attempt *a)
{
	free(a->item);
	free(a->max_time);
	free(a->time_action);
	free(a->launch_data);
	memset(a, 0, sizeof *a);
}

void
rte_session_clear(struct rte_session *se)
{
	free(se->entry);
	free(se->exit);
	memset(se, 0, sizeof *se);
}

void
rte_opened_clear(struct rte_opened *o)
{
	free(o->entry);
	json_decref(o->values);
	memset(o, 0, sizeof *o);
}

void
rte_commit_clear(struct rte_commit *c)
{
	json_decref(c->values);
	free(c->element);
	memset(c, 0, sizeof *c);
}

/* SCORM 1.2 wants "Last, First"; a name without a space stays as it is. */
static char *
rte_learner_name(const char *name)
{
	const char	*sp = strrchr(name, ' ');
	char		*out;

	if (sp == NULL || sp == name || sp[1] == '\0')
		return (xstrdup(name));
	xasprintf(&out, "%s, %.*s", sp + 1, (int)(sp - name), name);
	return (out);
}

/* A stored value as it is, without GetValue's rules; NULL when unset. */
static const char *
rte_raw(const struct cmi *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < cmi_count(c); i++) {
		if (strcmp(cmi_name(c, i), name) == 0)
			return (cmi_value(c, i));
	}
	return (NULL);
}

static double
rte_json_real(json_t *item, const char *key)
{
	json_t	*v = json_object_get(item, key);

	return (json_is_number(v) ? json_number_value(v) : -1);
}

static char *
rte_json_dup(json_t *item, const char *key)
{
	const char	*v = json_string_value(json_object_get(item, key));

	return (v != NULL ? xstrdup(v) : NULL);
}

/* The item of a package's table of contents, or NULL. */
static json_t *
rte_find_item(json_t *pkg, const char *item)
{
	json_t	*it;
	size_t	 i;

	json_array_foreach(json_object_get(pkg, "items"), i, it) {
		if (strcmp(json_string_value(json_object_get(it,
		    "identifier")), item) == 0)
			return (it);
	}
	return (NULL);
}

/*
 * Which attempt a launch continues, and with what entry. A suspended
 * session resumes. A session closed without suspend ends a SCORM 2004
 * attempt (the next launch starts afresh, the old one stays on record);
 * SCORM 1.2 has no attempts and keeps its data. A session that was never
 * terminated (tab closed, crash) keeps its attempt and data.
 */
static int
rte_choose_attempt(struct db *db, const struct actor *a, int64_t package_id,
    const char *item, json_t *it, int version, int64_t now,
    struct rte_attempt *att, char **entry, char **cause)
{
	struct rte_session	 last;
	json_t			*d;
	char			*object;
	int			 rc, fresh = 0, number = 1;

	memset(&last, 0, sizeof last);
	if ((rc = store_attempt_last(db, a->id, package_id, item, att,
	    cause)) == -1)
		return (ERR_INTERNAL);
	if (rc == 0)
		fresh = 1;
	else {
		number = att->number + 1;
		if ((rc = store_rte_session_last(db, att->id, &last,
		    cause)) == -1)
			return (ERR_INTERNAL);
		if (rc == 0)
			*entry = xstrdup("ab-initio");
		else if (last.exit != NULL && strcmp(last.exit, "suspend") == 0)
			*entry = xstrdup("resume");
		else if (last.finished_at != 0 && version == SCORM_2004)
			fresh = 1;
		else
			*entry = xstrdup("");
		rte_session_clear(&last);
	}
	if (!fresh)
		return (ERR_OK);

	rte_attempt_clear(att);
	att->user_id = a->id;
	att->package_id = package_id;
	att->item = xstrdup(item);
	att->number = number;
	att->version = version;
	att->mastery = rte_json_real(it, "mastery");
	att->completion = rte_json_real(it, "completion_threshold");
	att->max_time = rte_json_dup(it, "max_time");
	att->time_action = rte_json_dup(it, "time_limit_action");
	att->launch_data = rte_json_dup(it, "launch_data");
	if (store_attempt_insert(db, att, now, cause) != 0)
		return (ERR_INTERNAL);
	free(*entry);
	*entry = xstrdup("ab-initio");
	d = json_pack("{s:I,s:s,s:i,s:i}", "package", (json_int_t)package_id,
	    "item", item, "number", number, "version", version);
	xasprintf(&object, "attempt:%lld", (long long)att->id);
	rc = audit_append(db, a, "rte.attempt.start", object, d, now, cause);
	free(object);
	return (rc == 0 ? ERR_OK : ERR_INTERNAL);
}

/* The launch values cmi_begin() sets, from an attempt and a session. */
static void
rte_launch(struct cmi_launch *l, const struct rte_attempt *att,
    const char *learner_id, const char *learner_name, const char *entry,
    int64_t total_cs)
{
	memset(l, 0, sizeof *l);
	l->learner_id = learner_id;
	l->learner_name = learner_name;
	l->entry = entry;
	l->credit = "credit";
	l->mode = "normal";
	l->total_cs = total_cs;
	l->mastery = att->mastery;
	l->completion = att->completion;
	l->max_time = att->max_time;
	l->time_action = att->time_action;
	l->launch_data = att->launch_data;
}

/*
 * Open a run-time session of learner a (named name) on one SCO of a
 * package: the attempt it continues or starts, and every value the browser
 * must know before the SCO calls Initialize.
 */
int
rte_open(struct db *db, const struct actor *a, const char *name,
    int64_t package_id, const char *item, int64_t now, struct rte_opened *out,
    char **cause)
{
	struct rte_attempt	 att;
	struct rte_session	 se;
	struct cmi_launch	 l;
	struct spoc_access	 access;
	struct cmi		*c = NULL;
	json_t			*pkg = NULL, *it;
	char			*entry = NULL, *lname = NULL, lid[32];
	int64_t			 total;
	size_t			 i;
	int			 rc, version;

	memset(&att, 0, sizeof att);
	memset(&se, 0, sizeof se);
	if ((rc = store_package_get(db, package_id, &pkg, cause)) != 1) {
		if (rc == 0)
			xasprintf(cause, "Paquet inconnu.");
		return (rc == 0 ? ERR_NOT_FOUND : ERR_INTERNAL);
	}
	version = (int)json_integer_value(json_object_get(pkg, "version"));
	if ((it = rte_find_item(pkg, item)) == NULL) {
		xasprintf(cause, "Ce paquet n'a pas d'élément « %s ».", item);
		rc = ERR_NOT_FOUND;
		goto out;
	}
	if (!json_is_true(json_object_get(it, "sco"))) {
		xasprintf(cause, "« %s » est une ressource sans suivi SCORM "
		    "(asset), pas un SCO.", item);
		rc = ERR_INVALID;
		goto out;
	}
	/* A learner plays only the units of their enrolment, once open. */
	if ((rc = spoc_unit_access(db, a, package_id, item, now, &access,
	    cause)) != ERR_OK)
		goto out;
	if ((rc = rte_choose_attempt(db, a, package_id, item, it, version,
	    now, &att, &entry, cause)) != ERR_OK)
		goto out;
	se.attempt_id = att.id;
	se.user_id = a->id;
	se.entry = xstrdup(entry);
	rc = ERR_INTERNAL;
	if (store_rte_session_insert(db, &se, now, cause) != 0 ||
	    store_rte_total(db, att.id, &total, cause) != 0)
		goto out;
	c = cmi_create(version);
	if (store_cmi_load(db, att.id, c, cause) != 0)
		goto out;
	snprintf(lid, sizeof lid, "%lld", (long long)a->id);
	lname = rte_learner_name(name);
	rte_launch(&l, &att, lid, lname, entry, total);
	cmi_begin(c, &l);

	out->session_id = se.id;
	out->attempt_id = att.id;
	out->version = version;
	out->entry = entry;
	entry = NULL;
	out->values = json_array();
	for (i = 0; i < cmi_count(c); i++)
		json_array_append_new(out->values, json_pack("[s,s]",
		    cmi_name(c, i), cmi_value(c, i)));
	rc = ERR_OK;
out:
	cmi_free(c);
	free(lname);
	free(entry);
	json_decref(pkg);
	rte_attempt_clear(&att);
	rte_session_clear(&se);
	return (rc);
}

/*
 * Check a commit's body: {"seq": N, "values": [[name, value], ...],
 * "finish": bool}. Fills c (values referenced); ERR_INVALID with a French
 * cause otherwise.
 */
int
rte_commit_check(json_t *body, struct rte_commit *c, char **cause)
{
	json_t	*seq, *values, *finish, *pair;
	size_t	 i;

	seq = json_object_get(body, "seq");
	values = json_object_get(body, "values");
	finish = json_object_get(body, "finish");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
		xasprintf(cause, "« seq » doit être un entier positif.");
		return (ERR_INVALID);
	}
	if (!json_is_array(values) ||
	    json_array_size(values) > RTE_MAX_VALUES) {
		xasprintf(cause, "« values » doit être une liste d'au plus %d "
		    "paires [élément, valeur].", RTE_MAX_VALUES);
		return (ERR_INVALID);
	}
	json_array_foreach(values, i, pair) {
		if (!json_is_array(pair) || json_array_size(pair) != 2 ||
		    !json_is_string(json_array_get(pair, 0)) ||
		    !json_is_string(json_array_get(pair, 1))) {
			xasprintf(cause, "« values » : l'entrée %zu n'est pas "
			    "une paire de chaînes [élément, valeur].", i);
			return (ERR_INVALID);
		}
	}
	if (finish != NULL && !json_is_boolean(finish)) {
		xasprintf(cause, "« finish » doit valoir true ou false.");
		return (ERR_INVALID);
	}
	c->seq = json_integer_value(seq);
	c->values = json_incref(values);
	c->finish = json_is_true(finish);
	return (ERR_OK);
}

static int
rte_audited(int version, const char *name)
{
	const char	**p;

	p = version == SCORM_12 ? rte_audited_12 : rte_audited_2004;
	for (; *p != NULL; p++) {
		if (strcmp(*p, name) == 0)
			return (1);
	}
	return (0);
}

/* Keep what the commit changed: saved state, or the session's own. */
static int
rte_persist(struct db *db, struct cmi *c, struct rte_session *se,
    json_t *changes, char **cause)
{
	const char	*name, *value;
	size_t		 i;
	int64_t		 cs;

	for (i = 0; i < cmi_count(c); i++) {
		if (!cmi_dirty(c, i))
			continue;
		name = cmi_name(c, i);
		value = cmi_value(c, i);
		if (cmi_stored(name)) {
			if (store_cmi_put(db, se->attempt_id, name, value,
			    (int64_t)i, cause) != 0)
				return (-1);
			if (rte_audited(cmi_version(c), name))
				json_object_set_new(changes, name,
				    json_string(value));
		} else if (strcmp(name, "cmi.exit") == 0 ||
		    strcmp(name, "cmi.core.exit") == 0) {
			free(se->exit);
			se->exit = xstrdup(value);
		} else if (strcmp(name, "cmi.session_time") == 0 ||
		    strcmp(name, "cmi.core.session_time") == 0) {
			cs = cmi_version(c) == SCORM_12 ?
			    cmi_timespan_cs(value) : cmi_duration_cs(value);
			if (cs >= 0)
				se->session_cs = cs;
			json_object_set_new(changes, name, json_string(value));
		}
	}
	return (0);
}

/*
 * Apply one commit of learner a. A seq at or below the last applied one is
 * a retry: nothing changes and it succeeds. Otherwise every value goes
 * through cmi_set(), and the first refused one refuses the whole commit.
 */
int
rte_commit(struct db *db, const struct actor *a, struct rte_commit *cm,
    int64_t now, char **cause)
{
	struct rte_attempt	 att;
	struct rte_session	 se;
	struct cmi_launch	 l;
	struct cmi		*c = NULL;
	json_t			*pair, *changes = NULL, *d;
	const char		*name, *value, *old;
	char			*data = NULL, *object = NULL;
	size_t			 i;
	int			 rc, e, changed = 0;

	memset(&att, 0, sizeof att);
	memset(&se, 0, sizeof se);
	if ((rc = store_rte_session_get(db, cm->session_id, a->id, &se, &att,
	    cause)) != 1) {
		if (rc == 0)
			xasprintf(cause, "Session SCORM inconnue.");
		return (rc == 0 ? ERR_NOT_FOUND : ERR_INTERNAL);
	}
	if (cm->seq <= se.last_seq) {
		cm->duplicate = 1;
		cm->last_seq = se.last_seq;
		rc = ERR_OK;
		goto out;
	}
	if (se.finished_at != 0) {
		xasprintf(cause, "Cette session SCORM est terminée : ouvrez "
		    "l'unité de nouveau.");
		rc = ERR_CONFLICT;
		goto out;
	}
	rc = ERR_INTERNAL;
	c = cmi_create(att.version);
	if (store_cmi_load(db, att.id, c, cause) != 0)
		goto out;
	rte_launch(&l, &att, "", "", se.entry, 0);
	cmi_begin(c, &l);
	changes = json_object();
	json_array_foreach(cm->values, i, pair) {
		name = json_string_value(json_array_get(pair, 0));
		value = json_string_value(json_array_get(pair, 1));
		/* Only audited elements need their old value (a scan). */
		if (rte_audited(att.version, name) &&
		    ((old = rte_raw(c, name)) == NULL ||
		    strcmp(old, value) != 0)) {
			json_object_set_new(changes, name, json_string(value));
			changed = 1;
		}
		if ((e = cmi_set(c, name, value)) != 0) {
			cm->element = xstrdup(name);
			cm->scorm_error = e;
			xasprintf(cause, "Valeur refusée pour « %s » (erreur "
			    "SCORM %d : %s).", name, e,
			    cmi_error_string(att.version, e));
			rc = ERR_INVALID;
			goto out;
		}
	}
	if (cm->finish)
		cmi_finish(c);
	if (rte_persist(db, c, &se, changes, cause) != 0)
		goto out;
	data = json_dumps(cm->values, JSON_COMPACT);
	if (store_rte_commit_insert(db, se.id, cm->seq, now, cm->finish,
	    data, cause) != 0)
		goto out;
	se.last_seq = cm->seq;
	if (cm->finish)
		se.finished_at = now;
	if (store_rte_session_update(db, &se, now, cause) != 0)
		goto out;
	if (cm->finish || changed) {
		d = json_pack("{s:I,s:I,s:I,s:b,s:O}", "attempt",
		    (json_int_t)att.id, "session", (json_int_t)se.id, "seq",
		    (json_int_t)cm->seq, "finish", cm->finish, "values",
		    changes);
		xasprintf(&object, "attempt:%lld", (long long)att.id);
		if (audit_append(db, a, cm->finish ? "rte.session.finish" :
		    "rte.commit", object, d, now, cause) != 0)
			goto out;
	}
	cm->last_seq = cm->seq;
	rc = ERR_OK;
out:
	free(object);
	free(data);
	json_decref(changes);
	cmi_free(c);
	rte_attempt_clear(&att);
	rte_session_clear(&se);
	return (rc);
}

/*
 * A heartbeat of learner a on one of their sessions: credit the time
 * since the previous one (clock_credit) and record it. A finished session
 * takes none: it closed at its last heartbeat.
 */
int
rte_beat(struct db *db, const struct actor *a, int64_t session_id,
    int active, int64_t now, struct rte_beat *b, char **cause)
{
	int	 rc;

	memset(b, 0, sizeof *b);
	if ((rc = store_beat_state(db, session_id, a->id, b, cause)) != 1) {
		if (rc == 0)
			xasprintf(cause, "Session SCORM inconnue.");
		return (rc == 0 ? ERR_NOT_FOUND : ERR_INTERNAL);
	}
	if (b->finished_at != 0) {
		xasprintf(cause, "Cette session SCORM est terminée : ouvrez "
		    "l'unité de nouveau.");
		return (ERR_CONFLICT);
	}
	b->active = active != 0;
	b->credited_ms = clock_credit(b->last_beat, now, b->credited_until,
	    b->active, &b->new_visit);
	if (store_beat_insert(db, session_id, a->id, now, b, cause) != 0)
		return (ERR_INTERNAL);
	b->measured_ms += b->credited_ms;
	return (ERR_OK);
}

/* Fold one stored status or score into a unit's record: best status. */
static void
rte_progress_value(struct rte_progress *p, const char *name,
    const char *value)
{
	int	 c = -1, s = -1;
	double	 v;

	if (strcmp(name, "cmi.core.lesson_status") == 0) {
		if (strcmp(value, "passed") == 0)
			c = RTE_COMPLETED, s = RTE_PASSED;
		else if (strcmp(value, "failed") == 0)
			c = RTE_COMPLETED, s = RTE_FAILED;
		else if (strcmp(value, "completed") == 0)
			c = RTE_COMPLETED;
		else if (strcmp(value, "incomplete") == 0 ||
		    strcmp(value, "browsed") == 0)
			c = RTE_INCOMPLETE;
	} else if (strcmp(name, "cmi.completion_status") == 0) {
		if (strcmp(value, "completed") == 0)
			c = RTE_COMPLETED;
		else if (strcmp(value, "incomplete") == 0)
			c = RTE_INCOMPLETE;
	} else if (strcmp(name, "cmi.success_status") == 0) {
		if (strcmp(value, "passed") == 0)
			s = RTE_PASSED;
		else if (strcmp(value, "failed") == 0)
			s = RTE_FAILED;
	} else if (strcmp(name, "cmi.score.scaled") == 0) {
		v = strtod(value, NULL);
		snprintf(p->score, sizeof p->score, "%.0f", v * 100);
	} else if (*value != '\0' && (p->score[0] == '\0' ||
	    strcmp(name, "cmi.core.score.raw") == 0))
		snprintf(p->score, sizeof p->score, "%s", value);
	if (c > p->completion)
		p->completion = c;
	if (s > p->success)
		p->success = s;
}

static json_t *
rte_progress_json(const struct rte_progress *p)
{
	static const char	*completion[] = { "not attempted", "incomplete",
				    "completed" };
	static const char	*success[] = { "unknown", "failed", "passed" };
	char			 first[32] = "", last[32] = "";

	if (p->first_at != 0) {
		clock_format_iso(p->first_at, first, sizeof first);
		clock_format_iso(p->last_at, last, sizeof last);
	}
	return (json_pack("{s:I,s:I,s:I,s:s?,s:s?,s:I,s:I,s:I,s:i,s:s,s:s,"
	    "s:s?}",
	    "sessions", (json_int_t)p->sessions,
	    "first_at", (json_int_t)p->first_at,
	    "last_at", (json_int_t)p->last_at,
	    "first_access", p->first_at != 0 ? first : NULL,
	    "last_access", p->first_at != 0 ? last : NULL,
	    "visits", (json_int_t)(p->sessions != 0 ? p->visits : 0),
	    "measured_ms", (json_int_t)p->measured_ms,
	    "reported_ms", (json_int_t)p->reported_cs * 10,
	    "gap", clock_gap(p->measured_ms, p->reported_cs * 10),
	    "completion", completion[p->completion],
	    "success", success[p->success],
	    "score", p->score[0] != '\0' ? p->score : NULL));
}

/* The units' records, by enrolment and unit, in that order. */
struct rte_slot {
	int64_t			 enrolment_id;
	int64_t			 unit_id;
	struct rte_progress	 p;
};
struct rte_slots {
	struct rte_slot		*v;
	size_t			 n;
	size_t			 size;
};

static int
rte_slot_cmp(const struct rte_slot *s, int64_t e, int64_t u)
{
	if (s->enrolment_id != e)
		return (s->enrolment_id < e ? -1 : 1);
	if (s->unit_id != u)
		return (s->unit_id < u ? -1 : 1);
	return (0);
}

static struct rte_progress *
rte_slot_find(const struct rte_slots *t, int64_t e, int64_t u)
{
	size_t	 lo = 0, hi = t->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = rte_slot_cmp(&t->v[mid], e, u)) == 0)
			return (&t->v[mid].p);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/* store_progress's slot: appended in order, or found when already in. */
static struct rte_progress *
rte_slot(void *arg, int64_t e, int64_t u)
{
	struct rte_slots	*t = arg;
	struct rte_slot		*s;

	if (t->n != 0 && rte_slot_cmp(&t->v[t->n - 1], e, u) >= 0)
		return (rte_slot_find(t, e, u));
	if (t->n == t->size) {
		t->size = t->size != 0 ? t->size * 2 : 64;
		t->v = xreallocarray(t->v, t->size, sizeof *t->v);
	}
	s = &t->v[t->n++];
	memset(s, 0, sizeof *s);
	s->enrolment_id = e;
	s->unit_id = u;
	return (&s->p);
}

/* Every unit's record of the enrolments by selects (store_progress). */
static int
rte_slots_load(struct db *db, const struct actor *a, enum store_by by,
    int64_t id, struct rte_slots *t, char **cause)
{
	memset(t, 0, sizeof *t);
	if (store_progress(db, a, by, id, rte_slot, rte_progress_value, t,
	    cause) != 0) {
		free(t->v);
		memset(t, 0, sizeof *t);
		return (ERR_INTERNAL);
	}
	return (ERR_OK);
}

/*
 * Complete an enrolment's record (spoc_records) with its units' records:
 * each unit's "progress", each week's count of completed units ("done"),
 * the next unit to play ("next": the first open one not completed) and
 * the "totals". The certified duration counts each completed unit at its
 * estimated minutes, whatever the time spent (the FOAD rule, DESIGN §5).
 */
static void
rte_record_fill(json_t *e, const struct rte_slots *t)
{
	struct rte_progress	 none, *p;
	json_t			*w, *u, *next = NULL;
	int64_t			 eid, done, units = 0, completed = 0;
	int64_t			 measured = 0, reported = 0, certified = 0;
	size_t			 i, j;

	memset(&none, 0, sizeof none);
	eid = json_integer_value(json_object_get(e, "id"));
	json_array_foreach(json_object_get(e, "weeks"), i, w) {
		done = 0;
		json_array_foreach(json_object_get(w, "units"), j, u) {
			p = rte_slot_find(t, eid, json_integer_value(
			    json_object_get(u, "id")));
			if (p == NULL)
				p = &none;
			json_object_set_new(u, "progress",
			    rte_progress_json(p));
			units++;
			measured += p->measured_ms;
			reported += p->reported_cs * 10;
			if (p->completion == RTE_COMPLETED) {
				done++;
				certified += json_integer_value(
				    json_object_get(u, "minutes"));
			} else if (next == NULL && strcmp(json_string_value(
			    json_object_get(w, "state")), "open") == 0)
				next = u;
		}
		json_object_set_new(w, "done", json_integer(done));
		completed += done;
	}
	json_object_set(e, "next", next != NULL ? next : json_null());
	json_object_set_new(e, "totals", json_pack("{s:I,s:I,s:I,s:I,s:I,s:i}",
	    "units", (json_int_t)units, "completed", (json_int_t)completed,
	    "measured_ms", (json_int_t)measured, "reported_ms",
	    (json_int_t)reported, "certified_minutes", (json_int_t)certified,
	    "gap", clock_gap(measured, reported)));
}

/* Complete the records of a learner's course (spoc_learner_course). */
int
rte_course_progress(struct db *db, const struct actor *a, json_t *course,
    char **cause)
{
	struct rte_slots	 t;
	json_t			*e;
	size_t			 i;
	int			 rc;

	if ((rc = rte_slots_load(db, a, STORE_BY_LEARNER, a->id, &t,
	    cause)) != ERR_OK)
		return (rc);
	json_array_foreach(json_object_get(course, "enrolments"), i, e)
		rte_record_fill(e, &t);
	free(t.v);
	return (ERR_OK);
}

static int
rte_record_keep(json_t *e, void *out, char **cause)
{
	*(json_t **)out = json_incref(e);
	return (ERR_OK);
}

/*
 * The relevé of one enrolment: its record (spoc_records) with its units'
 * records, totals and attendance (rte_record_fill). In the actor's
 * scope: a learner's own enrolment, their OPCA's for an adviser, any for
 * admins and funders; ERR_NOT_FOUND otherwise, as for one that does not
 * exist. Reads through the connection it is given (the writer's too).
 */
int
rte_enrolment_record(struct db *db, const struct actor *a,
    int64_t enrolment_id, int64_t now, json_t **out, char **cause)
{
	struct rte_slots	 t;
	int			 rc;

	*out = NULL;
	rc = spoc_records(db, a, STORE_BY_ENROLMENT, enrolment_id, now,
	    rte_record_keep, out, cause);
	if (rc == ERR_OK && *out == NULL) {
		xasprintf(cause, "Inscription introuvable.");
		rc = ERR_NOT_FOUND;
	}
	if (rc == ERR_OK && (rc = rte_slots_load(db, a, STORE_BY_ENROLMENT,
	    enrolment_id, &t, cause)) == ERR_OK) {
		rte_record_fill(*out, &t);
		free(t.v);
	}
	if (rc != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return (rc);
}

struct rte_cohort {
	struct rte_slots	 t;
	int			(*fn)(json_t *, void *, char **);
	void			*arg;
};

static int
rte_cohort_record(json_t *e, void *arg, char **cause)
{
	struct rte_cohort	*c = arg;

	rte_record_fill(e, &c->t);
	return (c->fn(e, c->arg, cause));
}

/*
 * The relevé of every enrolment of a cohort in the actor's scope, each as
 * rte_enrolment_record gives it, passed to fn one at a time (by learner's
 * name), and in *cohort the cohort with its calendar. Two aggregate
 * queries for the whole cohort and its records one by one: a large
 * cohort costs time on a worker, not memory.
 */
int
rte_cohort_records(struct db *db, const struct actor *a, int64_t cohort_id,
    int64_t now, json_t **cohort, int (*fn)(json_t *, void *, char **),
    void *arg, char **cause)
{
	struct rte_cohort	 c;
	int			 rc;

	if ((rc = spoc_cohort_info(db, cohort_id, now, cohort,
	    cause)) != ERR_OK)
		return (rc);
	c.fn = fn;
	c.arg = arg;
	if ((rc = rte_slots_load(db, a, STORE_BY_COHORT, cohort_id, &c.t,
	    cause)) == ERR_OK) {
		rc = spoc_records(db, a, STORE_BY_COHORT, cohort_id, now,
		    rte_cohort_record, &c, cause);
		free(c.t.v);
	}
	if (rc != ERR_OK) {
		json_decref(*cohort);
		*cohort = NULL;
	}
	return (rc);
}

/* A learner's line in a cohort's relevé, from their record. */
static int
rte_cohort_line(json_t *e, void *list, char **cause)
{
	json_t	*weeks = json_array(), *w, *units, *u;
	int64_t	 last = 0, at;
	size_t	 i, j;

	json_array_foreach(json_object_get(e, "weeks"), i, w) {
		units = json_object_get(w, "units");
		json_array_foreach(units, j, u) {
			at = json_integer_value(json_object_get(
			    json_object_get(u, "progress"), "last_at"));
			if (at > last)
				last = at;
		}
		json_array_append_new(weeks, json_pack("{s:O,s:I,s:O}",
		    "week", json_object_get(w, "week"), "units",
		    (json_int_t)json_array_size(units), "done",
		    json_object_get(w, "done")));
	}
	json_array_append_new(list, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,"
	    "s:o,s:o}", "id", json_object_get(e, "id"), "learner",
	    json_object_get(e, "learner"), "company",
	    json_object_get(e, "company"), "opca", json_object_get(e, "opca"),
	    "attendance", json_object_get(e, "attendance"), "totals",
	    json_object_get(e, "totals"), "weeks", weeks, "last_at",
	    last != 0 ? json_integer(last) : json_null()));
	return (ERR_OK);
}

/*
 * A cohort's relevé for staff: the cohort with its calendar and, for each
 * enrolment in the actor's scope, the learner, company, OPCA, units and
 * completed units per week, totals, last access and attendance.
 */
int
rte_cohort_releve(struct db *db, const struct actor *a, int64_t cohort_id,
    int64_t now, json_t **out, char **cause)
{
	json_t	*cohort, *list = json_array();
	int	 rc;

	*out = NULL;
	if ((rc = rte_cohort_records(db, a, cohort_id, now, &cohort,
	    rte_cohort_line, list, cause)) != ERR_OK) {
		json_decref(list);
		return (rc);
	}
	*out = json_pack("{s:o,s:I,s:o}", "cohort", cohort, "now",
	    (json_int_t)now, "enrolments", list);
	return (ERR_OK);
}
