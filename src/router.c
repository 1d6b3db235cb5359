/*
 * The route table: method, pattern, flags, handler. Patterns are literal
 * segments, ":name" for one percent-decoded segment, and a final "*" for
 * the raw rest of the path (content.c checks it).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "assidu.h"

static const struct route router_table[] = {
	{ EVHTTP_REQ_GET, "/healthz", 0, 0, api_healthz },

	{ EVHTTP_REQ_POST, "/api/v1/login", 0, 0,
	    api_auth_login },
	{ EVHTTP_REQ_POST, "/api/v1/logout", 0, ROLE_ANY, api_auth_logout },
	{ EVHTTP_REQ_GET, "/api/v1/me", 0, ROLE_ANY, api_auth_me },
	{ EVHTTP_REQ_POST, "/api/v1/me/password", 0, ROLE_ANY,
	    api_auth_me_password },
	{ EVHTTP_REQ_GET, "/api/v1/opcas", 0, ROLE_ANY, api_auth_opcas },
	{ EVHTTP_REQ_GET, "/api/v1/users", 0, ROLE_STAFF, api_auth_users },
	{ EVHTTP_REQ_POST, "/api/v1/users", 0, ROLE_ADVISER | ROLE_ADMIN,
	    api_auth_user_create },
	{ EVHTTP_REQ_GET, "/api/v1/users/:id", 0, ROLE_STAFF,
	    api_auth_user_get },
	{ EVHTTP_REQ_POST, "/api/v1/users/:id/disable", 0, ROLE_ADMIN,
	    api_auth_user_disable },
	{ EVHTTP_REQ_POST, "/api/v1/users/:id/password", 0, ROLE_ADMIN,
	    api_auth_user_password },
	{ EVHTTP_REQ_POST, "/api/v1/users/:id/invitation", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_auth_user_invite },
	{ EVHTTP_REQ_POST, "/api/v1/invitations/check", 0, 0,
	    api_auth_invitation_check },
	{ EVHTTP_REQ_POST, "/api/v1/invitations/accept", 0, 0,
	    api_auth_invitation_accept },

	{ EVHTTP_REQ_GET, "/api/v1/packages", 0, ROLE_STAFF, api_packages },
	{ EVHTTP_REQ_GET, "/api/v1/packages/:id", 0, ROLE_ANY,
	    api_package_get },
	{ EVHTTP_REQ_POST, "/api/v1/uploads", 0, ROLE_ADMIN, api_upload_new },
	{ EVHTTP_REQ_PUT, "/api/v1/uploads/:id", 0, ROLE_ADMIN,
	    api_upload_put },
	{ EVHTTP_REQ_POST, "/api/v1/uploads/:id/import", 0, ROLE_ADMIN,
	    api_upload_import },
	{ EVHTTP_REQ_GET, "/content/:sha/*", 0, ROLE_ANY, api_content },

	{ EVHTTP_REQ_GET, "/api/v1/runtime/datamodel", 0, ROLE_ANY,
	    api_rte_datamodel },
	{ EVHTTP_REQ_POST, "/api/v1/runtime/sessions", 0, API_RTE_ROLES,
	    api_rte_open },
	{ EVHTTP_REQ_POST, "/api/v1/runtime/sessions/:id/commits",
	    ROUTE_CSRF_BODY, API_RTE_ROLES, api_rte_commit },
	{ EVHTTP_REQ_POST, "/api/v1/runtime/sessions/:id/beats", 0,
	    API_RTE_ROLES, api_rte_beat },

	{ EVHTTP_REQ_GET, "/api/v1/me/course", 0, ROLE_ANY,
	    api_spoc_me_course },
	{ EVHTTP_REQ_GET, "/api/v1/me/releve.csv", 0, ROLE_ANY,
	    api_spoc_me_releve },
	{ EVHTTP_REQ_GET, "/api/v1/courses", 0, ROLE_STAFF, api_spoc_courses },
	{ EVHTTP_REQ_POST, "/api/v1/courses", 0, ROLE_ADMIN,
	    api_spoc_course_create },
	{ EVHTTP_REQ_GET, "/api/v1/courses/:id", 0, ROLE_STAFF,
	    api_spoc_course_get },
	{ EVHTTP_REQ_POST, "/api/v1/courses/:id/tracks", 0, ROLE_ADMIN,
	    api_spoc_track_create },
	{ EVHTTP_REQ_POST, "/api/v1/courses/:id/units", 0, ROLE_ADMIN,
	    api_spoc_unit_add },
	{ EVHTTP_REQ_PATCH, "/api/v1/units/:id", 0, ROLE_ADMIN,
	    api_spoc_unit_update },
	{ EVHTTP_REQ_DELETE, "/api/v1/units/:id", 0, ROLE_ADMIN,
	    api_spoc_unit_delete },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts", 0, ROLE_STAFF, api_spoc_cohorts },
	{ EVHTTP_REQ_POST, "/api/v1/cohorts", 0, ROLE_ADMIN,
	    api_spoc_cohort_create },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id", 0, ROLE_STAFF,
	    api_spoc_cohort_get },
	{ EVHTTP_REQ_POST, "/api/v1/cohorts/:id/enrolments", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_spoc_enrol },
	{ EVHTTP_REQ_POST, "/api/v1/cohorts/:id/enrolments/csv", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_spoc_enrol_csv },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id/attendance", 0, ROLE_STAFF,
	    api_spoc_attendance },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id/releve", 0, ROLE_STAFF,
	    api_spoc_cohort_releve },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id/releve.csv", 0, ROLE_STAFF,
	    api_spoc_cohort_releve_csv },
	{ EVHTTP_REQ_GET, "/api/v1/enrolments/:id/releve", 0, ROLE_ANY,
	    api_spoc_enrolment_releve },
	{ EVHTTP_REQ_GET, "/api/v1/enrolments/:id/releve.csv", 0, ROLE_ANY,
	    api_spoc_enrolment_releve_csv },
	{ EVHTTP_REQ_POST, "/api/v1/cohorts/:id/attendance", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_spoc_attendance_mark },
	{ EVHTTP_REQ_GET, "/api/v1/companies", 0, ROLE_STAFF,
	    api_spoc_companies },
	{ EVHTTP_REQ_POST, "/api/v1/companies", 0, ROLE_ADVISER | ROLE_ADMIN,
	    api_spoc_company_create },

	{ EVHTTP_REQ_POST, "/api/v1/enrolments/:id/attestations", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_attest_issue },
	{ EVHTTP_REQ_GET, "/api/v1/enrolments/:id/attestations", 0, ROLE_ANY,
	    api_attest_enrolment_list },
	{ EVHTTP_REQ_POST, "/api/v1/cohorts/:id/attestations", 0,
	    ROLE_ADVISER | ROLE_ADMIN, api_attest_issue_cohort },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id/attestations", 0, ROLE_STAFF,
	    api_attest_cohort_list },
	{ EVHTTP_REQ_GET, "/api/v1/cohorts/:id/attestations.zip", 0,
	    ROLE_STAFF, api_attest_zip },
	{ EVHTTP_REQ_GET, "/api/v1/me/attestations", 0, ROLE_ANY,
	    api_attest_mine },
	{ EVHTTP_REQ_GET, "/api/v1/attestations/:number/pdf", 0, ROLE_ANY,
	    api_attest_pdf },
	{ EVHTTP_REQ_GET, "/api/v1/verify/:number", 0, 0, api_attest_verify },
	{ EVHTTP_REQ_POST, "/api/v1/verify", 0, 0, api_attest_verify_pdf },
	{ EVHTTP_REQ_GET, "/api/v1/keys", 0, 0, api_attest_keys },
	{ EVHTTP_REQ_GET, "/.well-known/assidu-signing-key.pem", 0, 0,
	    api_attest_key },
	{ EVHTTP_REQ_GET, "/verify", 0, 0, api_attest_page },
	{ EVHTTP_REQ_GET, "/verify/:number", 0, 0, api_attest_page },
	{ EVHTTP_REQ_POST, "/api/v1/test/probe", ROUTE_TEST, 0,
	    api_test_probe_put },
	{ EVHTTP_REQ_GET, "/api/v1/test/probe/:key", ROUTE_TEST, 0,
	    api_test_probe_get },
	{ EVHTTP_REQ_GET, "/api/v1/test/writer", ROUTE_TEST, 0,
	    api_test_writer },
	{ EVHTTP_REQ_POST, "/api/v1/test/clock", ROUTE_TEST, 0,
	    api_test_clock },
	{ EVHTTP_REQ_GET, "/*", 0, 0, api_www },
};

static void
router_free_params(char **params, size_t *nparams)
{
	size_t	 i;

	for (i = 0; i < *nparams; i++) {
		free(params[i]);
		params[i] = NULL;
	}
	*nparams = 0;
}

/*
 * Match one pattern against a raw path. On success the captured values are
 * in params (allocated); a ":name" segment that decodes to something with a
 * '/' or a NUL does not match.
 */
static int
router_match_one(const char *pattern, const char *path, char **params,
    size_t *nparams)
{
	const char	*p = pattern, *s = path, *pe, *se;
	char		*raw, *dec;
	size_t		 declen;

	*nparams = 0;
	for (;;) {
		if (*p == '\0' && *s == '\0')
			return (1);
		if (*p != '/' || *s != '/')
			break;
		p++;
		s++;
		if (p[0] == '*' && p[1] == '\0') {
			if (*nparams == ROUTER_MAX_PARAMS)
				break;
			params[(*nparams)++] = xstrdup(s);
			return (1);
		}
		pe = strchrnul(p, '/');
		se = strchrnul(s, '/');
		if (*p == ':') {
			if (se == s || *nparams == ROUTER_MAX_PARAMS)
				break;
			raw = xstrndup(s, se - s);
			dec = evhttp_uridecode(raw, 0, &declen);
			free(raw);
			if (dec == NULL || strlen(dec) != declen ||
			    strchr(dec, '/') != NULL) {
				free(dec);
				break;
			}
			params[(*nparams)++] = xstrdup(dec);
			free(dec);
		} else if (pe - p != se - s || strncmp(p, s, pe - p) != 0)
			break;
		p = pe;
		s = se;
	}
	router_free_params(params, nparams);
	return (0);
}

enum router_result
router_match(const struct route *table, size_t n, int method,
    const char *path, int test_mode, const struct route **found,
    char **params, size_t *nparams)
{
	enum router_result	 result = ROUTER_NOT_FOUND;
	size_t			 i;
	int			 m;

	/* HEAD is answered by the GET handler; evhttp drops the body. */
	m = method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : method;
	for (i = 0; i < n; i++) {
		if ((table[i].flags & ROUTE_TEST) && !test_mode)
			continue;
		if (!router_match_one(table[i].pattern, path, params, nparams))
			continue;
		if (table[i].method == m) {
			*found = &table[i];
			return (ROUTER_FOUND);
		}
		router_free_params(params, nparams);
		/* A catch-all on another method does not make this a 405. */
		if (strcmp(table[i].pattern, "/*") != 0)
			result = ROUTER_BAD_METHOD;
	}
	return (result);
}

/* The methods a path answers to, for the Allow header of a 405. */
void
router_allow(const char *path, int test_mode, char *buf, size_t len)
{
	static const int	 methods[] = { EVHTTP_REQ_GET, EVHTTP_REQ_POST,
				    EVHTTP_REQ_PUT, EVHTTP_REQ_PATCH,
				    EVHTTP_REQ_DELETE };
	const struct route	*r;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 i, n, used;

	*buf = '\0';
	for (i = 0; i < nitems(methods); i++) {
		if (router_find(methods[i], path, test_mode, &r, params,
		    &n) != ROUTER_FOUND || strcmp(r->pattern, "/*") == 0)
			continue;
		while (n > 0)
			free(params[--n]);
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s%s", used > 0 ? ", " : "",
		    http_method_name(methods[i]),
		    methods[i] == EVHTTP_REQ_GET ? ", HEAD" : "");
	}
}

enum router_result
router_find(int method, const char *path, int test_mode,
    const struct route **found, char **params, size_t *nparams)
{
	return (router_match(router_table, nitems(router_table), method, path,
	    test_mode, found, params, nparams));
}
