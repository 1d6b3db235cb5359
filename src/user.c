/* The user model: roles, their names, and the JSON shown to clients. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "assidu.h"

static const struct {
	enum role	 role;
	const char	*name;
} roles[] = {
	{ ROLE_LEARNER, "learner" },
	{ ROLE_ADVISER, "adviser" },
	{ ROLE_FUNDER, "funder" },
	{ ROLE_ADMIN, "admin" },
};

const char *
role_name(enum role r)
{
	size_t	 i;

	for (i = 0; i < nitems(roles); i++) {
		if (roles[i].role == r)
			return (roles[i].name);
	}
	return ("none");
}


enum role
role_parse(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < nitems(roles); i++) {
		if (strcmp(roles[i].name, s) == 0)
			return (roles[i].role);
	}
	return (ROLE_NONE);
}

void
user_free(struct user *u)
{
	if (u == NULL)
		return;
	free(u->email);
	free(u->name);
	free(u->opca);
	free(u->password_hash);
	free(u);
}

/* What clients see of a user: never the password hash. */
json_t *
user_json(const struct user *u)
{
	return (json_pack("{s:I,s:s,s:s,s:s,s:s?,s:b,s:b,s:I}",
	    "id", (json_int_t)u->id, "email", u->email, "name", u->name,
	    "role", role_name(u->role), "opca", u->opca,
	    "disabled", u->disabled != 0,
	    "has_password", u->password_hash != NULL,
	    "created_at", (json_int_t)u->created_at));
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	free(s->csrf);
	free(s->ip);
	free(s->user_agent);
	user_free(s->user);
	free(s);
}

void
user_actor(const struct user *u, struct actor *a)
{
	a->id = u->id;
	a->role = u->role;
	a->opca_id = u->opca_id;
	a->label = u->email;
}
