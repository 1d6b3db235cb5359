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

/* xmalloc.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...) printflike(2, 3);
int		 xvasprintf(char **, const char *, va_list) printflike(2, 0);

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
uint64_t	 clock_mono_us(void);
void		 clock_format_iso(int64_t, char *, size_t);

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
	int		 test_mode;
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
void		 db_rollback(struct db *);
int		 db_savepoint(struct db *, char **);
int		 db_release(struct db *, char **);
void		 db_rollback_to(struct db *);
int		 store_probe_put(struct db *, const char *, const char *,
		     int64_t, char **);
int		 store_probe_get(struct db *, const char *, char **, int64_t *,
		     char **);
int		 store_probe_count(struct db *, int64_t *, char **);

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

/* router.c */
#define ROUTER_MAX_PARAMS 4
#define ROUTE_TEST 0x1		/* only registered in test mode */
struct req;
struct route {
	int		 method;
	const char	*pattern;
	int		 flags;
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

/* http.c */
#define HTTP_COOKIE_HTTPONLY 0x1
#define HTTP_COOKIE_SECURE 0x2
struct req {
	struct evhttp_request	*ev;
	struct server		*srv;
	char			 id[17];
	int			 method;
	char			*path;
	struct evkeyvalq	*query;
	const struct route	*route;
	char			*params[ROUTER_MAX_PARAMS];
	size_t			 nparams;
	uint64_t		 start_us;
	int			 status;
	size_t			 bytes;
	int			 held;
	struct conn		*conn;
};
void		 http_dispatch(struct evhttp_request *, void *);
const char	*http_method_name(int);
const char	*http_param(struct req *, size_t);
const char	*http_query(struct req *, const char *);
const char	*http_header(struct req *, const char *);
void		 http_set_header(struct req *, const char *, const char *);
int		 http_wants_json(struct req *);
json_t		*http_body_json(struct req *, char **);
int		 http_body_form(struct req *, struct evkeyvalq *, char **);
char		*http_cookie_get(struct req *, const char *);
void		 http_cookie_set(struct req *, const char *, const char *, int,
		     int);
void		 http_reply_json(struct req *, int, json_t *);
void		 http_reply_text(struct req *, int, const char *,
		     const char *);
void		 http_reply_file(struct req *, int, const char *, int, off_t,
		     off_t);
void		 http_reply_status(struct req *, int);
void		 http_error(struct req *, int, const char *, const char *, ...)
		     printflike(4, 5);
void		 http_hold(struct req *);

/* content.c */
const char	*content_mime_type(const char *);
int		 content_safe_path(const char *, char **, char **);
void		 content_serve(struct req *, const char *, const char *);

/* api.c */
void		 api_healthz(struct req *);
void		 api_www(struct req *);
void		 api_test_probe_put(struct req *);
void		 api_test_probe_get(struct req *);
void		 api_test_writer(struct req *);

/* server.c */
int		 server_run(struct config *, char **);
struct config	*server_config(struct server *);
struct writer	*server_writer(struct server *);
struct db	*server_db(struct server *);
int		 server_stopping(struct server *);
void		 server_request_start(struct server *, struct req *);
void		 server_request_end(struct server *, struct req *);

#endif /* ASSIDU_H */
