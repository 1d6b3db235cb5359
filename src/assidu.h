/*
 * assidu: one header for the whole program. Shared types first, then the
 * prototypes grouped by the file that defines them, lowest layer first.
 */
#ifndef ASSIDU_H
#define ASSIDU_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <zip.h>

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#define printflike(a, b) __attribute__((__format__(__printf__, a, b)))
#define nitems(a) (sizeof(a) / sizeof((a)[0]))

struct bufferevent;
struct evhttp_request;
struct evkeyvalq;
struct db;
struct writer;
struct server;

/* Error codes of the services; http.c maps them to statuses. */
enum err {
	ERR_OK = 0,
	ERR_INTERNAL = -1,
	ERR_INVALID = -2,
	ERR_FORBIDDEN = -3,
	ERR_NOT_FOUND = -4,
	ERR_CONFLICT = -5,
	ERR_GONE = -6,
	ERR_UNAUTHORIZED = -7,
	ERR_TOO_MANY = -8
};

/* Roles are bits so that routes can allow several. */
enum role {
	ROLE_NONE = 0,
	ROLE_LEARNER = 0x1,
	ROLE_ADVISER = 0x2,
	ROLE_FUNDER = 0x4,
	ROLE_ADMIN = 0x8
};
#define ROLE_ANY (ROLE_LEARNER | ROLE_ADVISER | ROLE_FUNDER | ROLE_ADMIN)
#define ROLE_STAFF (ROLE_ADVISER | ROLE_FUNDER | ROLE_ADMIN)

struct user {
	int64_t		 id;
	char		*email;
	char		*name;
	enum role	 role;
	int64_t		 opca_id;
	char		*opca;		/* OPCA code, or NULL */
	char		*password_hash;	/* NULL until set */
	int		 disabled;
	int64_t		 created_at;
};

/* Who acts: the scope of every store read and the author of audit rows. */
struct actor {
	int64_t		 id;		/* 0 for the command line */
	enum role	 role;
	int64_t		 opca_id;
	const char	*label;		/* e-mail, or "cli" */
};

#define SESSION_HASH_LEN 32
struct session {
	uint8_t		 token_hash[SESSION_HASH_LEN];
	char		*csrf;
	int64_t		 created_at;
	int64_t		 last_seen;
	int64_t		 expires_at;
	char		*ip;
	char		*user_agent;
	struct user	*user;
};

struct audit_row {
	int64_t		 id;
	int64_t		 at;
	int64_t		 actor_id;
	const char	*actor;
	const char	*action;
	const char	*object;
	const char	*details;	/* canonical JSON */
	const char	*prev_hash;
	const char	*hash;
};

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...) printflike(2, 3);
int		 xvasprintf(char **, const char *, va_list) printflike(2, 0);
int		 xfail(char **, int, const char *, ...) printflike(3, 4);

/* log.c */
enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
};
int		 log_open(const char *, char **);
int		 log_reopen(char **);
void		 log_close(void);
void		 log_set_level(enum log_level);
int		 log_parse_level(const char *, enum log_level *);
void		 log_error(const char *, ...) printflike(1, 2);
void		 log_warn(const char *, ...) printflike(1, 2);
void		 log_info(const char *, ...) printflike(1, 2);
void		 log_debug(const char *, ...) printflike(1, 2);
__dead void	 fatal(const char *, ...) printflike(1, 2);
__dead void	 fatalx(const char *, ...) printflike(1, 2);
char		*log_value(const char *);

/* clock.c */
int64_t		 clock_now_ms(void);
void		 clock_set_offset(int64_t);
int64_t		 clock_offset(void);
#define CLOCK_BEAT_CAP_MS	60000	/* most one heartbeat can earn */
#define CLOCK_SILENCE_MS	90000	/* silence that ends a visit */
int64_t		 clock_credit(int64_t, int64_t, int64_t, int, int *);
#define CLOCK_GAP_MIN_MS	300000	/* two clocks may differ this much */
#define CLOCK_GAP_SHARE		25	/* or this % of the larger one */
int		 clock_gap(int64_t, int64_t);
uint64_t	 clock_mono_us(void);
void		 clock_format_iso(int64_t, char *, size_t);

/* user.c */
const char	*role_name(enum role);
enum role	 role_parse(const char *);
void		 user_free(struct user *);
json_t		*user_json(const struct user *);
void		 session_free(struct session *);
void		 user_actor(const struct user *, struct actor *);

/* path.c */
int		 path_check(const char *, int, char **);

/* manifest.c */
enum scorm_version {
	SCORM_NONE = 0,
	SCORM_12 = 12,
	SCORM_2004 = 2004
};
struct mf_item {
	char		*identifier;
	char		*title;
	int		 depth;		/* 0 for top-level items */
	char		*resource;	/* NULL for a heading */
	char		*href;		/* launch path, xml:base applied */
	char		*parameters;
	int		 sco;		/* SCO, or asset */
	double		 mastery;	/* 0..1, or -1 */
	double		 completion;	/* 2004 threshold 0..1, or -1 */
	char		*max_time;
	char		*time_action;
	char		*launch_data;
	int		 line;
};
struct mf_ref {
	char		*path;		/* a file a resource needs */
	int		 line;
};
struct manifest {
	enum scorm_version version;
	char		*edition;
	char		*identifier;
	char		*title;
	struct mf_item	*items;
	size_t		 nitems;
	struct mf_ref	*refs;
	size_t		 nrefs;
};
int		 manifest_parse(const char *, size_t, struct manifest **,
		     char **);
void		 manifest_init(void);
void		 manifest_free(struct manifest *);
size_t		 manifest_launchable(const struct manifest *);
json_t		*manifest_json(const struct manifest *);

/* cmi.c */
/*
 * The run-time data of one attempt of one SCO, with the SCORM data model's
 * GetValue/SetValue semantics for both versions. The same table drives the
 * browser (www/js/cmi.js reads cmi_model_json()).
 */
struct cmi;
struct cmi_launch {
	const char	*learner_id;
	const char	*learner_name;
	const char	*entry;		/* "ab-initio", "resume" or "" */
	const char	*credit;	/* "credit" or "no-credit" */
	const char	*mode;		/* "normal", "review" or "browse" */
	int64_t		 total_cs;	/* previous sessions, centiseconds */
	double		 mastery;	/* manifest's, 0..1, or -1 */
	double		 completion;	/* 2004 threshold 0..1, or -1 */
	const char	*max_time;	/* manifest text, or NULL */
	const char	*time_action;	/* manifest text, or NULL */
	const char	*launch_data;	/* manifest text, or NULL */
};
struct cmi	*cmi_create(int);
void		 cmi_free(struct cmi *);
int		 cmi_version(const struct cmi *);
void		 cmi_put(struct cmi *, const char *, const char *);
void		 cmi_begin(struct cmi *, const struct cmi_launch *);
int		 cmi_get(struct cmi *, const char *, const char **);
int		 cmi_set(struct cmi *, const char *, const char *);
void		 cmi_finish(struct cmi *);
size_t		 cmi_count(const struct cmi *);
const char	*cmi_name(const struct cmi *, size_t);
const char	*cmi_value(const struct cmi *, size_t);
int		 cmi_stored(const char *);
int		 cmi_dirty(const struct cmi *, size_t);
void		 cmi_clean(struct cmi *);
const char	*cmi_diagnostic(const struct cmi *);
int		 cmi_valid(const char *, const char *, const char *);
const char	*cmi_error_string(int, int);
json_t		*cmi_model_json(void);
int64_t		 cmi_timespan_cs(const char *);
int64_t		 cmi_duration_cs(const char *);
void		 cmi_format_timespan(int64_t, char *, size_t);
void		 cmi_format_duration(int64_t, char *, size_t);

/* config.c */
struct config {
	char		*path;
	char		*listen;
	char		*data_dir;
	char		*www_dir;
	char		*log_file;
	int		 log_level;
	int		 max_body_size;
	int		 max_header_size;
	int		 idle_timeout;
	int		 request_timeout;
	int		 max_connections;
	int		 backlog;
	int		 shutdown_timeout;
	int		 writer_max_batch;
	int		 workers;
	int		 test_mode;
	char		*public_url;
	/* The training organisation, as printed on attestations. */
	char		*organisation_name;
	char		*organisation_nda;	/* déclaration d'activité */
	char		*organisation_siret;
	char		*organisation_city;
	char		*organisation_representative;
	char		*organisation_representative_title;
	char		*tls_cert;
	char		*tls_key;
	int		 cookie_secure;
	int		 session_idle;
	int		 session_lifetime;
	int		 scrypt_log2n;
};
void		 config_init(struct config *);
void		 config_free(struct config *);
int		 config_load(struct config *, const char *, char **);
int		 config_set(struct config *, const char *, const char *,
		     char **);
char		*config_db_path(const struct config *);
int		 config_split_listen(const char *, char **, int *, char **);
void		 config_dump(const struct config *, json_t *);

/* db.c */
#define DB_FILE "assidu.db"
struct db	*db_open(const char *, int, char **);
void		 db_close(struct db *);
int		 db_migrate(struct db *, int *, char **);
int		 db_schema_version(struct db *, int *, char **);
int		 db_schema_latest(void);
int		 db_begin(struct db *, char **);
int		 db_commit(struct db *, char **);
int		 db_begin_read(struct db *, char **);
void		 db_rollback(struct db *);
int		 db_savepoint(struct db *, char **);
int		 db_release(struct db *, char **);
void		 db_rollback_to(struct db *);
int		 store_probe_put(struct db *, const char *, const char *,
		     int64_t, char **);
int		 store_probe_get(struct db *, const char *, char **, int64_t *,
		     char **);
int		 store_probe_count(struct db *, int64_t *, char **);
int		 store_opca_list(struct db *, json_t **, char **);
int		 store_opca_by_code(struct db *, const char *, int64_t *,
		     char **);
int		 store_user_insert(struct db *, const struct user *,
		     const char *, int64_t, int64_t *, char **);
int		 store_user_by_email(struct db *, const char *, struct user **,
		     char **);
int		 store_user_by_id(struct db *, const struct actor *, int64_t,
		     struct user **, char **);
int		 store_user_list(struct db *, const struct actor *, json_t **,
		     char **);
int		 store_user_set_password(struct db *, int64_t, const char *,
		     int64_t, char **);
int		 store_user_set_disabled(struct db *, int64_t, int, int64_t,
		     char **);
int		 store_session_insert(struct db *, const struct session *,
		     char **);
int		 store_session_get(struct db *, const uint8_t *,
		     struct session **, char **);
int		 store_session_touch(struct db *, const uint8_t *, int64_t,
		     char **);
int		 store_session_delete(struct db *, const uint8_t *, char **);
int		 store_session_delete_user(struct db *, int64_t,
		     const uint8_t *, int *, char **);
int		 store_invitation_insert(struct db *, const uint8_t *, int64_t,
		     int64_t, int64_t, int64_t, char **);
int		 store_invitation_get(struct db *, const uint8_t *, int64_t,
		     int64_t *, const char **, char **);
int		 store_invitation_use(struct db *, const uint8_t *, int64_t,
		     char **);
int		 store_failure_get(struct db *, const char *, int *, int64_t *,
		     int64_t *, char **);
int		 store_failure_put(struct db *, const char *, int, int64_t,
		     int64_t, char **);
int		 store_failure_clear(struct db *, const char *, char **);
int		 store_package_insert(struct db *, const char *, const char *,
		     int, const char *, const char *, int64_t, int64_t,
		     int64_t, int64_t, int64_t *, char **);
int		 store_package_exists(struct db *, const char *, int64_t *,
		     char **);
int		 store_package_list(struct db *, json_t **, char **);
int		 store_package_get(struct db *, int64_t, json_t **, char **);
struct rte_attempt;
struct rte_session;
int		 store_attempt_last(struct db *, int64_t, int64_t,
		     const char *, struct rte_attempt *, char **);
int		 store_attempt_insert(struct db *, struct rte_attempt *,
		     int64_t, char **);
int		 store_rte_session_last(struct db *, int64_t,
		     struct rte_session *, char **);
int		 store_rte_session_insert(struct db *, struct rte_session *,
		     int64_t, char **);
int		 store_rte_session_get(struct db *, int64_t, int64_t,
		     struct rte_session *, struct rte_attempt *, char **);
int		 store_rte_session_update(struct db *,
		     const struct rte_session *, int64_t, char **);
int		 store_rte_total(struct db *, int64_t, int64_t *, char **);
int		 store_rte_commit_insert(struct db *, int64_t, int64_t, int64_t,
		     int, const char *, char **);
int		 store_cmi_load(struct db *, int64_t, struct cmi *, char **);
struct rte_beat;
struct rte_progress;
int		 store_key_insert(struct db *, const char *, const char *,
		     int64_t, char **);
int		 store_key_latest(struct db *, json_t **, char **);
int		 store_key_get(struct db *, const char *, json_t **, char **);
int		 store_key_list(struct db *, json_t **, char **);
int		 store_attest_next(struct db *, int, int64_t *, char **);
int		 store_attest_current(struct db *, int64_t, const char *,
		     int64_t *, char **, char **);
int		 store_attest_insert(struct db *, const char *, int, int64_t,
		     const char *, int64_t, int64_t, int64_t, const char *,
		     const char *, const char *, int64_t, int64_t *, char **);
int		 store_attest_by_number(struct db *, const char *, json_t **,
		     char **);
int		 store_attest_scoped(struct db *, const struct actor *,
		     const char *, json_t **, char **);
int		 store_attest_list(struct db *, const struct actor *, int64_t,
		     int64_t, int, json_t **, char **);
int		 store_attest_cohort_docs(struct db *, const struct actor *,
		     int64_t, json_t **, char **);
/* Whose enrolments store_spoc_course and store_progress read. */
enum store_by {
	STORE_BY_LEARNER,	/* the id is a learner's */
	STORE_BY_ENROLMENT,
	STORE_BY_COHORT
};
int		 store_progress(struct db *, const struct actor *,
		     enum store_by, int64_t,
		     struct rte_progress *(*)(void *, int64_t, int64_t),
		     void (*)(struct rte_progress *, const char *,
		     const char *), void *, char **);
int		 store_beat_state(struct db *, int64_t, int64_t,
		     struct rte_beat *, char **);
int		 store_beat_insert(struct db *, int64_t, int64_t, int64_t,
		     const struct rte_beat *, char **);
int		 store_cmi_put(struct db *, int64_t, const char *, const char *,
		     int64_t, char **);
int		 store_audit_last(struct db *, char **, char **);
int		 store_audit_insert(struct db *, const struct audit_row *,
		     char **);
int		 store_audit_each(struct db *,
		     int (*)(const struct audit_row *, void *), void *,
		     char **);
struct spoc_unit;
struct spoc_cohort;
int		 store_opca_get(struct db *, int64_t, json_t **, char **);
int		 store_course_insert(struct db *, const char *, const char *,
		     int64_t, int64_t, int64_t *, char **);
int		 store_course_by_code(struct db *, const char *, int64_t *,
		     char **);
int		 store_course_get(struct db *, int64_t, json_t **, char **);
int		 store_course_list(struct db *, json_t **, char **);
int		 store_course_tree(struct db *, int64_t, json_t **, char **);
int		 store_track_insert(struct db *, int64_t, int64_t, const char *,
		     int64_t *, char **);
int		 store_track_find(struct db *, int64_t, int64_t, int64_t *,
		     char **);
int		 store_unit_insert(struct db *, const struct spoc_unit *,
		     int64_t *, char **);
int		 store_unit_positions(struct db *, int64_t, int, unsigned int *,
		     char **);
int		 store_unit_sco(struct db *, int64_t, int64_t, const char *,
		     int64_t *, char **);
int		 store_unit_get(struct db *, int64_t, json_t **, char **);
int		 store_unit_update(struct db *, int64_t, const char *, int,
		     char **);
int		 store_unit_delete(struct db *, int64_t, char **);
int		 store_cohort_insert(struct db *, const struct spoc_cohort *,
		     int64_t, int64_t, int64_t *, char **);
int		 store_cohort_get(struct db *, int64_t, json_t **, char **);
int		 store_cohort_list(struct db *, const struct actor *, json_t **,
		     char **);
int		 store_cohort_by_name(struct db *, const char *, json_t **,
		     char **);
int		 store_company_insert(struct db *, const char *, const char *,
		     int64_t, int64_t, int64_t, int64_t *, char **);
int		 store_company_by_siret(struct db *, const char *, json_t **,
		     char **);
int		 store_company_list(struct db *, json_t **, char **);
int		 store_enrolment_insert(struct db *, int64_t, int64_t, int64_t,
		     int64_t, int64_t, int64_t, int64_t *, char **);
int		 store_enrolment_find(struct db *, int64_t, int64_t, int64_t *,
		     char **);
int		 store_enrolment_get(struct db *, const struct actor *, int64_t,
		     json_t **, char **);
int		 store_enrolment_list(struct db *, const struct actor *,
		     int64_t, json_t **, char **);
int		 store_attendance_last(struct db *, int64_t, int64_t *,
		     char **);
int		 store_attendance_insert(struct db *, int64_t, int, int64_t,
		     const struct actor *, int64_t, int64_t *, char **);
int		 store_attendance_list(struct db *, const struct actor *,
		     int64_t, json_t **, char **);
int		 store_spoc_access(struct db *, int64_t, int64_t, const char *,
		     json_t **, char **);
int		 store_spoc_course(struct db *, const struct actor *,
		     enum store_by, int64_t, int (*)(json_t *, void *, char **),
		     void *, char **);

/* writer.c */
typedef int	(*writer_run_cb)(struct db *, void *, char **);
typedef void	(*writer_done_cb)(void *, int, const char *);
struct writer_stats {
	uint64_t	 transactions;
	uint64_t	 jobs;
	uint64_t	 failed;
	uint64_t	 max_batch;
	uint64_t	 pending;
};
struct writer	*writer_create(const char *, int, void (*)(void *), void *,
		     char **);
void		 writer_submit(struct writer *, writer_run_cb, writer_done_cb,
		     void *);
void		 writer_complete(struct writer *);
void		 writer_stop(struct writer *);
void		 writer_free(struct writer *);
void		 writer_get_stats(struct writer *, struct writer_stats *);

/* pool.c */
typedef void	(*pool_work_cb)(void *);
typedef void	(*pool_done_cb)(void *);
struct pool;
struct pool	*pool_create(int, void (*)(void *), void *);
void		 pool_submit(struct pool *, pool_work_cb, pool_done_cb, void *);
void		 pool_complete(struct pool *);
size_t		 pool_pending(struct pool *);
void		 pool_free(struct pool *);

/* sign.c */
#define SIGN_ID_LEN	16
void		 sign_sha256_hex(const void *, size_t, char[65]);
char		*sign_b64(const void *, size_t);
int		 sign_unb64(const char *, unsigned char **, size_t *);
char		*sign_canonical(json_t *);
int		 sign_create(struct db *, const char *, const struct actor *,
		     int64_t, char **, char **);
int		 sign_load(struct db *, const char *, char **);
int		 sign_ensure(const char *, const char *, int64_t, char **);
const char	*sign_key_id(void);
void		 sign_unload(void);
int		 sign_data(const void *, size_t, char **, char **);
int		 sign_pem_id(const char *, char[SIGN_ID_LEN + 1], char **);
int		 sign_check(const char *, const void *, size_t, const char *,
		     char **);

/* attest.c */
#define ATTEST_PRESENCE		"presence"
#define ATTEST_REALISATION	"realisation"
#define ATTEST_CODE_LEN		16
int		 attest_kind_ok(const char *);
int		 attest_issue(struct db *, const struct actor *,
		     const struct config *, int64_t, const char *, int,
		     int64_t, json_t **, char **);
int		 attest_issue_cohort(struct db *, const struct actor *,
		     const struct config *, int64_t, const char *, int,
		     int64_t, json_t **, char **);
void		 attest_code(const char *, char[ATTEST_CODE_LEN + 1]);
int		 attest_verify_number(struct db *, const char *, const char *,
		     json_t **, char **);
int		 attest_verify_pdf(struct db *, const char *, const char *,
		     size_t, json_t **, char **);
char		*attest_base_url(const struct config *);
char		*attest_verify_url(const char *, const char *);
int		 attest_pdf(const char *, json_t *, char **, size_t *,
		     char **);
void		 attest_file_name(json_t *, char *, size_t);
int		 attest_zip(struct db *, const struct actor *, const char *,
		     int64_t, const char *, size_t *, char **);

/* audit.c */
int		 audit_append(struct db *, const struct actor *, const char *,
		     const char *, json_t *, int64_t, char **);
int		 audit_verify(struct db *, int64_t *, int64_t *, char **);
char		*audit_canonical(json_t *);

/* auth.c */
#define AUTH_TOKEN_LEN 43	/* 32 random bytes in unpadded base64url */
#define AUTH_COOKIE "assidu_session"
#define AUTH_INVITATION_TTL (7 * 24 * 3600 * 1000LL)
int		 auth_password_hash(const char *, int, char **, char **);
int		 auth_password_verify(const char *, const char *);
int		 auth_password_check(const char *, const char *, char **);
void		 auth_token_new(char *, uint8_t *);
int		 auth_token_hash(const char *, uint8_t *);
void		 auth_random_string(char *, size_t);
int		 auth_email_check(const char *, char **);
int		 auth_throttle_check(struct db *, const char *, const char *,
		     int64_t, int64_t *, char **);
int		 auth_throttle_fail(struct db *, const char *, const char *,
		     int64_t, char **);
int		 auth_throttle_clear(struct db *, const char *, char **);
int		 auth_user_create(struct db *, const struct actor *,
		     struct user *, const char *, int64_t, char **);
int		 auth_user_set_password(struct db *, const struct actor *,
		     int64_t, const char *, const uint8_t *, int64_t, char **);
int		 auth_user_set_disabled(struct db *, const struct actor *,
		     int64_t, int, int64_t, char **);
int		 auth_invitation_create(struct db *, const struct actor *,
		     int64_t, int64_t, char *, char **);
int		 auth_session_open(struct db *, struct session *, int64_t,
		     const char *, char *, char **);
int		 auth_invitation_accept(struct db *, const uint8_t *,
		     const char *, int64_t, int64_t *, char **);
int		 auth_session_close(struct db *, const struct actor *,
		     const uint8_t *, int, int *, char **);

/* pkg.c */
struct pkg_result {
	char		 sha256[65];
	int64_t		 id;		/* set by pkg_commit */
	int		 already;	/* same bytes imported before */
	int		 scos;
	enum scorm_version version;
	char		*edition;
	char		*title;
	char		*toc;		/* canonical JSON of the manifest */
	char		*stage;		/* extracted, not yet installed */
	long long	 bytes;
	zip_int64_t	 files;
};
int		 pkg_prepare(const char *, const char *, const char *,
		     struct pkg_result *, char **);
int		 pkg_commit(struct db *, const struct actor *, const char *,
		     struct pkg_result *, char **);
void		 pkg_result_clear(struct pkg_result *);

/* rte.c */
struct rte_attempt {
	int64_t		 id;
	int64_t		 user_id;
	int64_t		 package_id;
	char		*item;
	int		 number;
	int		 version;
	double		 mastery;	/* -1 when the manifest has none */
	double		 completion;	/* -1 when the manifest has none */
	char		*max_time;
	char		*time_action;
	char		*launch_data;
};
struct rte_session {
	int64_t		 id;
	int64_t		 attempt_id;
	int64_t		 user_id;
	char		*entry;
	int64_t		 last_seq;
	int64_t		 finished_at;	/* 0 while open */
	char		*exit;		/* NULL until the SCO sets it */
	int64_t		 session_cs;	/* session_time the SCO reported */
};
struct rte_opened {
	int64_t		 session_id;
	int64_t		 attempt_id;
	int		 version;
	char		*entry;
	json_t		*values;	/* [[name, value], ...] */
};
struct rte_commit {
	int64_t		 session_id;
	int64_t		 seq;
	json_t		*values;	/* [[name, value], ...] */
	int		 finish;
	int64_t		 last_seq;	/* out */
	int		 duplicate;	/* out: seq was applied before */
	char		*element;	/* out: the refused element */
	int		 scorm_error;	/* out: its SCORM error code */
};
struct rte_beat {
	int64_t		 last_beat;	/* or the session's opening */
	int64_t		 finished_at;
	int64_t		 measured_ms;
	int64_t		 credited_until; /* the learner's, all sessions */
	int		 active;
	int64_t		 credited_ms;	/* out: what this heartbeat earned */
	int		 new_visit;	/* out: it came after a silence */
};
/* A learner's record on one unit, over all its attempts. */
struct rte_progress {
	int64_t		 sessions;
	int64_t		 first_at;	/* 0 when never opened */
	int64_t		 last_at;
	int64_t		 visits;
	int64_t		 measured_ms;	/* the server's clock */
	int64_t		 reported_cs;	/* the SCO's session_time, summed */
	int		 completion;	/* RTE_NOT_ATTEMPTED..COMPLETED */
	int		 success;	/* RTE_UNKNOWN, _FAILED, _PASSED */
	char		 score[32];	/* the latest, as a percentage, or "" */
};
#define RTE_NOT_ATTEMPTED	0
#define RTE_INCOMPLETE		1
#define RTE_COMPLETED		2
#define RTE_UNKNOWN		0
#define RTE_FAILED		1
#define RTE_PASSED		2
void		 rte_attempt_clear(struct rte_attempt *);
void		 rte_session_clear(struct rte_session *);
int		 rte_open(struct db *, const struct actor *, const char *,
		     int64_t, const char *, int64_t, struct rte_opened *,
		     char **);
void		 rte_opened_clear(struct rte_opened *);
int		 rte_commit_check(json_t *, struct rte_commit *, char **);
int		 rte_commit(struct db *, const struct actor *,
		     struct rte_commit *, int64_t, char **);
void		 rte_commit_clear(struct rte_commit *);
int		 rte_beat(struct db *, const struct actor *, int64_t, int,
		     int64_t, struct rte_beat *, char **);
int		 rte_course_progress(struct db *, const struct actor *,
		     json_t *, char **);
int		 rte_enrolment_record(struct db *, const struct actor *,
		     int64_t, int64_t, json_t **, char **);
int		 rte_cohort_records(struct db *, const struct actor *, int64_t,
		     int64_t, json_t **, int (*)(json_t *, void *, char **),
		     void *, char **);
int		 rte_cohort_releve(struct db *, const struct actor *, int64_t,
		     int64_t, json_t **, char **);

/* spoc.c */
#define SPOC_WEEKS		4
#define SPOC_TRUNK_WEEKS	2	/* weeks 1-2: the common trunk */
#define SPOC_UNITS_PER_WEEK	4
#define SPOC_MINUTES		15	/* a unit's estimated time by default */
#define SPOC_HEADCOUNT_MAX	249	/* eligible: fewer than 250 staff */
#define SPOC_CSV_MAX_LINES	10000
struct spoc_unit {
	int64_t		 track_id;
	int		 week;
	int		 position;
	int64_t		 package_id;
	const char	*item;
	const char	*title;
	int		 minutes;
};
struct spoc_cohort {
	int64_t		 course_id;
	const char	*name;
	const char	*start;		/* YYYY-MM-DD, calendar of Paris */
	const char	*end;
	const char	*meeting_date;	/* the regroupement */
	const char	*meeting_time;	/* HH:MM, or NULL */
	const char	*meeting_mode;	/* "online" or "onsite" */
	const char	*meeting_place;	/* address or link, or NULL */
};
/* Why a learner may open a SCO (spoc_unit_access); zeros for staff. */
struct spoc_access {
	int64_t		 enrolment_id;
	int64_t		 cohort_id;
	int64_t		 unit_id;
	int		 week;
	int		 minutes;
};
struct spoc_csv_record {
	int		 line;		/* where the record starts, from 1 */
	size_t		 nfields;
	char		**fields;
};
struct spoc_csv {
	char		 sep;
	const char	*encoding;	/* "utf-8" or "windows-1252" */
	size_t		 nrecs;
	struct spoc_csv_record *recs;
};
int64_t		 spoc_day(int, int, int);
void		 spoc_civil(int64_t, int *, int *, int *);
int		 spoc_weekday(int64_t);
int		 spoc_date_parse(const char *, int64_t *);
void		 spoc_date_format(int64_t, char *, size_t);
void		 spoc_date_fr(int64_t, char *, size_t);
int		 spoc_paris_offset(int64_t);
int64_t		 spoc_day_start(int64_t);
int64_t		 spoc_today(int64_t);
int64_t		 spoc_week_opens(int64_t, int);
int		 spoc_siret_check(const char *, char *, char **);
int		 spoc_eligible(int64_t, char **);
int		 spoc_csv_parse(const char *, size_t, struct spoc_csv **,
		     char **);
void		 spoc_csv_free(struct spoc_csv *);
int		 spoc_course_find(struct db *, const char *, int64_t *,
		     char **);
int		 spoc_cohort_find(struct db *, const char *, int64_t *,
		     char **);
int		 spoc_course_create(struct db *, const struct actor *, json_t *,
		     int64_t, json_t **, char **);
int		 spoc_course_get(struct db *, int64_t, json_t **, char **);
int		 spoc_track_create(struct db *, const struct actor *, int64_t,
		     json_t *, int64_t, json_t **, char **);
int		 spoc_unit_add(struct db *, const struct actor *, int64_t,
		     json_t *, int64_t, json_t **, char **);
int		 spoc_unit_update(struct db *, const struct actor *, int64_t,
		     json_t *, int64_t, json_t **, char **);
int		 spoc_unit_delete(struct db *, const struct actor *, int64_t,
		     int64_t, json_t **, char **);
int		 spoc_cohort_create(struct db *, const struct actor *, json_t *,
		     int64_t, json_t **, char **);
int		 spoc_cohort_get(struct db *, const struct actor *, int64_t,
		     int64_t, json_t **, char **);
int		 spoc_cohort_list(struct db *, const struct actor *, int64_t,
		     json_t **, char **);
int		 spoc_company_create(struct db *, const struct actor *,
		     json_t *, int64_t, json_t **, char **);
int		 spoc_enrol(struct db *, const struct actor *, int64_t,
		     json_t *, int64_t, json_t **, char **);
int		 spoc_enrol_csv(struct db *, const struct actor *, int64_t,
		     const char *, size_t, int64_t, json_t **, char **);
int		 spoc_attendance_mark(struct db *, const struct actor *,
		     int64_t, json_t *, int64_t, json_t **, char **);
int		 spoc_attendance_list(struct db *, const struct actor *,
		     int64_t, json_t **, char **);
int		 spoc_unit_access(struct db *, const struct actor *, int64_t,
		     const char *, int64_t, struct spoc_access *, char **);
int		 spoc_cohort_info(struct db *, int64_t, int64_t, json_t **,
		     char **);
int		 spoc_records(struct db *, const struct actor *, enum store_by,
		     int64_t, int64_t, int (*)(json_t *, void *, char **),
		     void *, char **);
int		 spoc_learner_course(struct db *, const struct actor *, int64_t,
		     json_t **, char **);

/* pdf.c */
int		 pdf_render(json_t *, const char *, const char *, const char *,
		     char **, size_t *, char **);
int		 pdf_metadata(const char *, size_t, const char *, char **);

/* export.c */
#define EXPORT_LEARNER	0	/* a learner's relevé: the session first */
#define EXPORT_COHORT	1	/* a cohort's: the learner and company first */
struct export_csv;
struct export_csv *export_releve_begin(int);
int		 export_releve_add(json_t *, void *, char **);
char		*export_releve_end(struct export_csv *, size_t *);
char		*export_releve_csv(json_t *, size_t *);
void		 export_filename(const char *, char *, size_t);
char		*export_attest_index_csv(json_t *, size_t *);

/* router.c */
#define ROUTER_MAX_PARAMS 4
#define ROUTE_TEST 0x1		/* only registered in test mode */
#define ROUTE_CSRF_BODY 0x2	/* the CSRF token may come in the body */
struct req;
struct route {
	int		 method;
	const char	*pattern;
	int		 flags;
	int		 roles;		/* ROLE_* bits; 0 is public */
	void		(*handler)(struct req *);
};
enum router_result {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_BAD_METHOD
};
enum router_result router_match(const struct route *, size_t, int,
		     const char *, int, const struct route **, char **,
		     size_t *);
enum router_result router_find(int, const char *, int,
		     const struct route **, char **, size_t *);
void		 router_allow(const char *, int, char *, size_t);

/* http.c */
#define HTTP_COOKIE_HTTPONLY 0x1
#define HTTP_COOKIE_SECURE 0x2
struct req {
	struct evhttp_request	*ev;
	struct server		*srv;
	char			 id[17];
	int			 method;
	char			*path;
	const struct route	*route;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 nparams;
	uint64_t		 start_us;
	int			 status;
	size_t			 bytes;
	int			 held;
	struct conn		*conn;
	struct session		*sess;
	struct actor		 actor;
	int			 csrf_in_body;	/* ROUTE_CSRF_BODY: check it */
};
void		 http_dispatch(struct evhttp_request *, void *);
const char	*http_method_name(int);
const char	*http_param(struct req *, size_t);
char		*http_query(struct req *, const char *);
const char	*http_header(struct req *, const char *);
void		 http_set_header(struct req *, const char *, const char *);
json_t		*http_body_json(struct req *, char **);
json_t		*http_body_json_beacon(struct req *, char **);
int		 http_csrf_check(struct req *, const char *);
json_t		*http_error_body(struct req *, int, const char *,
		     const char *);
int		 http_body_form(struct req *, struct evkeyvalq *, char **);
char		*http_cookie_get(struct req *, const char *);
void		 http_cookie_set(struct req *, const char *, const char *, int,
		     int);
void		 http_reply_json(struct req *, int, json_t *);
void		 http_reply_file(struct req *, int, const char *, int, off_t,
		     off_t);
void		 http_reply_status(struct req *, int);
void		 http_reply_data(struct req *, int, const char *, char *,
		     size_t);
void		 http_error(struct req *, int, const char *, const char *, ...)
		     printflike(4, 5);
void		 http_hold(struct req *);
int		 http_param_id(struct req *, size_t, int64_t *, const char *);
void		 http_reply_result(struct req *, int, json_t *, char *);
void		 http_fail(struct req *, int, const char *);
void		 http_reply_read(struct req *, int, json_t *, char *);
const char	*http_peer(struct req *);
char		*http_origin(struct req *);
int		 http_is_tls(struct req *);

/* content.c */
const char	*content_mime_type(const char *);
int		 content_safe_path(const char *, char **, char **);
void		 content_serve(struct req *, const char *, const char *,
		     const char *);

/* api.c */
void		 api_healthz(struct req *);
void		 api_www(struct req *);
void		 api_content(struct req *);
void		 api_packages(struct req *);
void		 api_package_get(struct req *);
void		 api_upload_new(struct req *);
void		 api_upload_put(struct req *);
void		 api_upload_import(struct req *);
void		 api_test_probe_put(struct req *);
void		 api_test_probe_get(struct req *);
void		 api_test_writer(struct req *);
void		 api_test_clock(struct req *);

/* api_rte.c */
/* Who records SCORM data: funders only read. */
#define API_RTE_ROLES (ROLE_LEARNER | ROLE_ADVISER | ROLE_ADMIN)
void		 api_rte_datamodel(struct req *);
void		 api_rte_open(struct req *);
void		 api_rte_commit(struct req *);
void		 api_rte_beat(struct req *);

/* api_spoc.c */
void		 api_spoc_courses(struct req *);
void		 api_spoc_course_create(struct req *);
void		 api_spoc_course_get(struct req *);
void		 api_spoc_track_create(struct req *);
void		 api_spoc_unit_add(struct req *);
void		 api_spoc_unit_update(struct req *);
void		 api_spoc_unit_delete(struct req *);
void		 api_spoc_cohorts(struct req *);
void		 api_spoc_cohort_create(struct req *);
void		 api_spoc_cohort_get(struct req *);
void		 api_spoc_companies(struct req *);
void		 api_spoc_company_create(struct req *);
void		 api_spoc_enrol(struct req *);
void		 api_spoc_enrol_csv(struct req *);
void		 api_spoc_attendance(struct req *);
void		 api_spoc_attendance_mark(struct req *);
void		 api_spoc_me_course(struct req *);
void		 api_spoc_me_releve(struct req *);
void		 api_spoc_enrolment_releve(struct req *);
void		 api_spoc_enrolment_releve_csv(struct req *);
void		 api_spoc_cohort_releve(struct req *);
void		 api_spoc_cohort_releve_csv(struct req *);

/* api_attest.c */
void		 api_attest_issue(struct req *);
void		 api_attest_issue_cohort(struct req *);
void		 api_attest_enrolment_list(struct req *);
void		 api_attest_cohort_list(struct req *);
void		 api_attest_mine(struct req *);
void		 api_attest_pdf(struct req *);
void		 api_attest_zip(struct req *);
void		 api_attest_verify(struct req *);
void		 api_attest_verify_pdf(struct req *);
void		 api_attest_page(struct req *);
void		 api_attest_key(struct req *);
void		 api_attest_keys(struct req *);

/* api_auth.c */
void		 api_auth_login(struct req *);
void		 api_auth_logout(struct req *);
void		 api_auth_me(struct req *);
void		 api_auth_me_password(struct req *);
void		 api_auth_opcas(struct req *);
void		 api_auth_users(struct req *);
void		 api_auth_user_create(struct req *);
void		 api_auth_user_get(struct req *);
void		 api_auth_user_disable(struct req *);
void		 api_auth_user_password(struct req *);
void		 api_auth_user_invite(struct req *);
void		 api_auth_invitation_check(struct req *);
void		 api_auth_invitation_accept(struct req *);
int		 api_auth_load_session(struct req *);

/* server.c */
int		 server_run(struct config *, char **);
struct config	*server_config(struct server *);
struct writer	*server_writer(struct server *);
struct pool	*server_pool(struct server *);
int		 server_tls(struct server *);
struct db	*server_db(struct server *);
int		 server_stopping(struct server *);
void		 server_request_start(struct server *, struct req *);
void		 server_request_end(struct server *, struct req *);

#endif /* ASSIDU_H */
