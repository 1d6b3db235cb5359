/*
 * The HTTP front door: listener, evhttp limits, per-connection guards,
 * signals and graceful shutdown (DESIGN §2, §9).
 *
 * libevent 2.1's evhttp has no hook for "connection opened/closed" and only
 * an inactivity timeout, which a client sending one byte a second resets
 * forever. So every connection's bufferevent is created here (bevcb), kept
 * alive with an extra reference, and tracked in a table: a sweep every
 * SERVER_SWEEP_MS reaps the ones evhttp has released (their callbacks are
 * cleared), and shuts down those that have not delivered a complete request
 * within request_timeout. The count drives the connection cap: at the cap
 * the listener is paused and queued clients wait in the backlog instead of
 * being refused. libevent 2.1 retries accept() on EMFILE in a busy loop, so
 * the cap is also bounded by the descriptor limit (two descriptors per
 * connection: its socket and a file being sent), keeping accept from ever
 * running out.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "assidu.h"

#define SERVER_SWEEP_MS		250
#define SERVER_MAX_WRITE	(1024 * 1024)
#define SERVER_DRAIN_MS		20
#define SERVER_FD_RESERVE	256	/* asked for beyond 2 per connection */
#define SERVER_FD_SPARE		16	/* never handed to connections */

#define PAUSE_CAP		0x1
#define PAUSE_EMFILE		0x2

struct conn {
	struct bufferevent	*bev;
	uint64_t		 since_us;	/* idle or reading since */
	int			 busy;		/* requests being handled */
	int			 dead;		/* released by evhttp */
	int			 cut;		/* shut down by us */
	TAILQ_ENTRY(conn)	 entry;
};
TAILQ_HEAD(conn_list, conn);

struct server {
	struct config			*cfg;
	struct event_base		*base;
	struct evhttp			*http;
	struct evconnlistener		*listener;
	struct evhttp_bound_socket	*bound;
	struct event			*sweep_ev;
	struct event			*drain_ev;
	struct event			*writer_ev;
	struct event			*sig_ev[3];
	struct writer			*writer;
	struct pool			*pool;
	struct event			*pool_ev;
	struct db			*ro;
	SSL_CTX				*ssl;

	struct conn_list		 conns;
	struct conn			**slots;	/* open addressing */
	size_t				 nslots;
	size_t				 nconns;
	size_t				 max_conns;
	int				 fd_bound;	/* capped by fd limit */
	int				 paused;

	int				 stopping;
	uint64_t			 stop_deadline;
	size_t				 inflight;
	uint64_t			 req_seq;
	char				 id_prefix[9];
};

struct config *
server_config(struct server *srv)
{
	return (srv->cfg);
}

struct writer *
server_writer(struct server *srv)
{
	return (srv->writer);
}

struct pool *
server_pool(struct server *srv)
{
	return (srv->pool);
}

int
server_tls(struct server *srv)
{
	return (srv->ssl != NULL);
}

struct db *
server_db(struct server *srv)
{
	return (srv->ro);
}

int
server_stopping(struct server *srv)
{
	return (srv->stopping);
}

/* Connection table: a hash set keyed by bufferevent address. */
static size_t
server_slot(struct server *srv, const struct bufferevent *bev)
{
	uintptr_t	 h = (uintptr_t)bev;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ULL;
	return ((size_t)(h >> 20) & (srv->nslots - 1));
}

static void
server_conn_insert(struct server *srv, struct conn *c)
{
	struct conn	**old;
	size_t		  i, n;

	if ((srv->nconns + 1) * 2 > srv->nslots) {
		old = srv->slots;
		n = srv->nslots;
		srv->nslots = n == 0 ? 64 : n * 2;
		srv->slots = xcalloc(srv->nslots, sizeof *srv->slots);
		for (i = 0; i < n; i++) {
			if (old[i] != NULL) {
				size_t j = server_slot(srv, old[i]->bev);
				while (srv->slots[j] != NULL)
					j = (j + 1) & (srv->nslots - 1);
				srv->slots[j] = old[i];
			}
		}
		free(old);
	}
	i = server_slot(srv, c->bev);
	while (srv->slots[i] != NULL)
		i = (i + 1) & (srv->nslots - 1);
	srv->slots[i] = c;
	srv->nconns++;
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
}

static struct conn *
server_conn_find(struct server *srv, const struct bufferevent *bev)
{
	size_t	 i;

	if (srv->nslots == 0)
		return (NULL);
	for (i = server_slot(srv, bev); srv->slots[i] != NULL;
	    i = (i + 1) & (srv->nslots - 1)) {
		if (srv->slots[i]->bev == bev)
			return (srv->slots[i]);
	}
	return (NULL);
}

/* Linear-probing delete with backward shift, so lookups stay correct. */
static void
server_conn_remove(struct server *srv, struct conn *c)
{
	size_t	 i, j, k;

	for (i = server_slot(srv, c->bev); srv->slots[i] != c;
	    i = (i + 1) & (srv->nslots - 1))
		;
	srv->slots[i] = NULL;
	for (j = (i + 1) & (srv->nslots - 1); srv->slots[j] != NULL;
	    j = (j + 1) & (srv->nslots - 1)) {
		k = server_slot(srv, srv->slots[j]->bev);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			srv->slots[i] = srv->slots[j];
			srv->slots[j] = NULL;
			i = j;
		}
	}
	srv->nconns--;
	TAILQ_REMOVE(&srv->conns, c, entry);
}

static void
server_pause(struct server *srv, int why)
{
	if (srv->listener == NULL)
		return;
	if (srv->paused == 0) {
		evconnlistener_disable(srv->listener);
		log_warn("event=accept_paused reason=%s conns=%zu",
		    why == PAUSE_CAP && !srv->fd_bound ? "max_connections" :
		    "fd_limit", srv->nconns);
	}
	srv->paused |= why;
}

static void
server_resume(struct server *srv, int why)
{
	if (srv->listener == NULL || (srv->paused & why) == 0)
		return;
	srv->paused &= ~why;
	if (srv->paused == 0) {
		evconnlistener_enable(srv->listener);
		log_info("event=accept_resumed conns=%zu", srv->nconns);
	}
}

static struct bufferevent *
server_bevcb(struct event_base *base, void *arg)
{
	struct server		*srv = arg;
	struct bufferevent	*bev;
	struct conn		*c;

	if (srv->ssl != NULL) {
		bev = bufferevent_openssl_socket_new(base, -1,
		    SSL_new(srv->ssl), BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
		if (bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("bufferevent_socket_new failed");
	/* Large bodies in few system calls (the default is 16 KiB). */
	bufferevent_set_max_single_write(bev, SERVER_MAX_WRITE);
	/* Our reference: the bufferevent outlives evhttp's use of it. */
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof *c);
	c->bev = bev;
	c->since_us = clock_mono_us();
	server_conn_insert(srv, c);
	if (srv->nconns >= srv->max_conns)
		server_pause(srv, PAUSE_CAP);
	return (bev);
}

static void
server_conn_release(struct server *srv, struct conn *c)
{
	server_conn_remove(srv, c);
	bufferevent_decref(c->bev);
	if (c->busy == 0)
		free(c);
	else
		c->dead = 1;	/* freed by the last server_request_end */
}

static int
server_conn_released(struct bufferevent *bev)
{
	bufferevent_data_cb	 r, w;
	bufferevent_event_cb	 e;
	void			*arg;

	bufferevent_getcb(bev, &r, &w, &e, &arg);
	return (r == NULL && w == NULL && e == NULL && arg == NULL);
}

static int
server_conn_quiet(struct conn *c)
{
	return (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0);
}

static void
server_sweep(evutil_socket_t fd, short events, void *arg)
{
	struct server	*srv = arg;
	struct conn	*c, *next;
	uint64_t	 now = clock_mono_us(), limit;
	evutil_socket_t	 s;

	limit = (uint64_t)srv->cfg->request_timeout * 1000000;
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (server_conn_released(c->bev)) {
			server_conn_release(srv, c);
			continue;
		}
		if (c->busy > 0 || c->cut)
			continue;
		if (!server_conn_quiet(c)) {
			c->since_us = now;	/* still sending a reply */
			continue;
		}
		if (now - c->since_us < limit)
			continue;
		/* No complete request in time: slow client, or idle. */
		if ((s = bufferevent_getfd(c->bev)) != -1) {
			log_info("event=conn_timeout fd=%d waited_s=%llu",
			    (int)s, (unsigned long long)
			    ((now - c->since_us) / 1000000));
			shutdown(s, SHUT_RDWR);
		}
		c->cut = 1;
	}
	if (srv->nconns < srv->max_conns)
		server_resume(srv, PAUSE_CAP);
	server_resume(srv, PAUSE_EMFILE);
}

/*
 * evhttp_bind_listener makes the listener's argument the struct evhttp, so
 * the accept error callback finds the server here: one per process.
 */
static struct server	*server_self;

static void
server_accept_error(struct evconnlistener *lev, void *arg)
{
	struct server	*srv = server_self;
	int		 err = EVUTIL_SOCKET_ERROR();
	char		*v;

	if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) {
		/* Retry on the next sweep instead of spinning on accept. */
		server_pause(srv, PAUSE_EMFILE);
		return;
	}
	v = log_value(strerror(err));
	log_error("event=accept_error error=%s", v);
	free(v);
}

void
server_request_start(struct server *srv, struct req *req)
{
	struct evhttp_connection	*evcon;
	struct conn			*c;

	snprintf(req->id, sizeof req->id, "%s%08llx", srv->id_prefix,
	    (unsigned long long)(++srv->req_seq & 0xffffffffULL));
	srv->inflight++;
	evcon = evhttp_request_get_connection(req->ev);
	if (evcon == NULL)
		return;
	c = server_conn_find(srv, evhttp_connection_get_bufferevent(evcon));
	if (c != NULL) {
		c->busy++;
		req->conn = c;
	}
}

void
server_request_end(struct server *srv, struct req *req)
{
	struct conn	*c = req->conn;

	srv->inflight--;
	if (c == NULL)
		return;
	req->conn = NULL;
	if (--c->busy > 0)
		return;
	if (c->dead)
		free(c);
	else
		c->since_us = clock_mono_us();
}

static int
server_drained(struct server *srv)
{
	struct writer_stats	 st;
	struct conn		*c;

	if (srv->inflight > 0 ||
	    (srv->pool != NULL && pool_pending(srv->pool) > 0))
		return (0);
	writer_get_stats(srv->writer, &st);
	if (st.pending > 0)
		return (0);
	TAILQ_FOREACH(c, &srv->conns, entry) {
		if (!server_conn_released(c->bev) && !server_conn_quiet(c))
			return (0);
	}
	return (1);
}

static void
server_drain(evutil_socket_t fd, short events, void *arg)
{
	struct server	*srv = arg;

	if (server_drained(srv)) {
		log_info("event=drained");
		event_base_loopexit(srv->base, NULL);
	} else if (clock_mono_us() > srv->stop_deadline) {
		log_warn("event=shutdown_timeout inflight=%zu", srv->inflight);
		event_base_loopexit(srv->base, NULL);
	}
}

static void
server_stop(struct server *srv, const char *why)
{
	struct timeval	 tv = { 0, SERVER_DRAIN_MS * 1000 };

	if (srv->stopping) {
		/* Asked twice: stop now. Committed writes are still answered
		 * on the way out, and nothing acknowledged is lost. */
		log_warn("event=stop_now signal=%s", why);
		event_base_loopexit(srv->base, NULL);
		return;
	}
	srv->stopping = 1;
	srv->stop_deadline = clock_mono_us() +
	    (uint64_t)srv->cfg->shutdown_timeout * 1000000;
	log_info("event=stopping signal=%s inflight=%zu conns=%zu", why,
	    srv->inflight, srv->nconns);
	/* Refuse new connections; finish what was accepted. */
	if (srv->bound != NULL) {
		evhttp_del_accept_socket(srv->http, srv->bound);
		srv->bound = NULL;
		srv->listener = NULL;
	}
	evtimer_add(srv->drain_ev, &tv);
}

static void
server_signal(evutil_socket_t sig, short events, void *arg)
{
	struct server	*srv = arg;
	char		*cause, *v;

	switch (sig) {
	case SIGHUP:
		if (log_reopen(&cause) != 0) {
			v = log_value(cause);
			log_error("event=log_reopen_failed error=%s", v);
			free(v);
			free(cause);
		} else
			log_info("event=log_reopened");
		break;
	case SIGTERM:
		server_stop(srv, "TERM");
		break;
	case SIGINT:
		server_stop(srv, "INT");
		break;
	}
}

/* From the writer or a worker thread: wake the event thread's event. */
static void
server_notify(void *ev)
{
	event_active(ev, EV_READ, 0);
}

static void
server_writer_ready(evutil_socket_t fd, short events, void *arg)
{
	struct server	*srv = arg;

	writer_complete(srv->writer);
}

static void
server_pool_ready(evutil_socket_t fd, short events, void *arg)
{
	struct server	*srv = arg;

	pool_complete(srv->pool);
}

static int
server_tls_setup(struct server *srv, char **cause)
{
	struct config	*cfg = srv->cfg;
	unsigned long	 e;

	if (cfg->tls_cert == NULL && cfg->tls_key == NULL)
		return (0);
	if (cfg->tls_cert == NULL || cfg->tls_key == NULL) {
		xasprintf(cause, "TLS needs both tls_cert and tls_key");
		return (-1);
	}
	srv->ssl = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(srv->ssl, TLS1_2_VERSION);
	SSL_CTX_set_options(srv->ssl, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(srv->ssl, cfg->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(srv->ssl, cfg->tls_key,
	    SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(srv->ssl) != 1) {
		e = ERR_get_error();
		xasprintf(cause, "TLS certificate %s or key %s: %s",
		    cfg->tls_cert, cfg->tls_key, ERR_reason_error_string(e) ?
		    ERR_reason_error_string(e) : "unusable");
		return (-1);
	}
	return (0);
}

static size_t
server_open_fds(void)
{
	DIR	*d;
	size_t	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (64);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n > 3 ? n - 3 : n);	/* ".", ".." and d itself */
}

/*
 * Raise the descriptor limit to what the connection cap needs; where the
 * hard limit is lower, lower the cap instead. Called once everything but
 * the connections is open.
 */
static int
server_set_fd_limit(struct server *srv, char **cause)
{
	struct rlimit	 rl;
	rlim_t		 want;
	size_t		 used, fit;

	srv->max_conns = (size_t)srv->cfg->max_connections;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (0);
	want = (rlim_t)srv->max_conns * 2 + SERVER_FD_RESERVE;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	used = server_open_fds() + SERVER_FD_SPARE;
	fit = rl.rlim_cur > used ? (rl.rlim_cur - used) / 2 : 0;
	if (fit == 0) {
		xasprintf(cause, "descriptor limit %llu is too low: raise "
		    "ulimit -n", (unsigned long long)rl.rlim_cur);
		return (-1);
	}
	if (fit < srv->max_conns) {
		/* Worth a warning only when much of the cap is lost. */
		(fit * 10 < srv->max_conns * 9 ? log_warn : log_info)(
		    "event=fd_limit limit=%llu max_connections=%zu "
		    "note=\"raise ulimit -n for more\"",
		    (unsigned long long)rl.rlim_cur, fit);
		srv->max_conns = fit;
		srv->fd_bound = 1;
	}
	return (0);
}

static int
server_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	if (ss->ss_family == AF_INET6)
		return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	return (0);
}

static int
server_listen(struct server *srv, char **cause)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	int			 sslen, port, one;
	char			*host, addr[INET6_ADDRSTRLEN];
	evutil_socket_t		 fd;

	if (config_split_listen(srv->cfg->listen, &host, &port, cause) != 0)
		return (-1);
	memset(&ss, 0, sizeof ss);
	sin = (struct sockaddr_in *)&ss;
	sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sslen = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sslen = sizeof *sin6;
	} else {
		xasprintf(cause, "listen: '%s' is not a numeric IPv4 or IPv6 "
		    "address", host);
		free(host);
		return (-1);
	}
	free(host);
	if (srv->cfg->test_mode && !server_is_loopback(&ss)) {
		xasprintf(cause, "test_mode only listens on a loopback "
		    "address, not %s", srv->cfg->listen);
		return (-1);
	}
	srv->listener = evconnlistener_new_bind(srv->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    srv->cfg->backlog, (struct sockaddr *)&ss, sslen);
	if (srv->listener == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", srv->cfg->listen,
		    strerror(errno));
		return (-1);
	}
	srv->bound = evhttp_bind_listener(srv->http, srv->listener);
	if (srv->bound == NULL) {
		xasprintf(cause, "evhttp_bind_listener failed");
		return (-1);
	}
	/* Should accept fail for lack of memory or descriptors: pause. */
	evconnlistener_set_error_cb(srv->listener, server_accept_error);

	/* Accepted sockets inherit it: a reply's last segment never waits
	 * for the client's delayed ACK. */
	fd = evconnlistener_get_fd(srv->listener);
	one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	sslen = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, (socklen_t *)&sslen);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof addr);
		log_info("event=listening addr=[%s]:%d", addr,
		    ntohs(sin6->sin6_port));
	} else {
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof addr);
		log_info("event=listening addr=%s:%d", addr,
		    ntohs(sin->sin_port));
	}
	return (0);
}

static int
server_prepare_data_dir(const char *dir, char **cause)
{
	struct stat	 sb;

	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		xasprintf(cause, "cannot create data directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "data directory %s is not a directory", dir);
		return (-1);
	}
	return (0);
}

static void
server_free(struct server *srv)
{
	struct conn	*c;
	size_t		 i;

	if (srv->drain_ev != NULL)
		event_del(srv->drain_ev);
	/* Finish pool work (it may queue writes), then commit and answer. */
	if (srv->pool != NULL) {
		pool_free(srv->pool);
		srv->pool = NULL;
	}
	if (srv->writer != NULL) {
		writer_stop(srv->writer);
		writer_complete(srv->writer);
	}
	if (srv->base != NULL) {
		for (i = 0; i < 10; i++)
			event_base_loop(srv->base, EVLOOP_NONBLOCK);
	}
	if (srv->http != NULL)
		evhttp_free(srv->http);
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL) {
		c->busy = 0;
		server_conn_release(srv, c);
	}
	free(srv->slots);
	server_self = NULL;
	/* The reader first: the writer's close, last, checkpoints the WAL. */
	db_close(srv->ro);
	writer_free(srv->writer);
	for (i = 0; i < nitems(srv->sig_ev); i++) {
		if (srv->sig_ev[i] != NULL)
			event_free(srv->sig_ev[i]);
	}
	if (srv->sweep_ev != NULL)
		event_free(srv->sweep_ev);
	if (srv->drain_ev != NULL)
		event_free(srv->drain_ev);
	if (srv->writer_ev != NULL)
		event_free(srv->writer_ev);
	if (srv->pool_ev != NULL)
		event_free(srv->pool_ev);
	if (srv->ssl != NULL)
		SSL_CTX_free(srv->ssl);
	if (srv->base != NULL)
		event_base_free(srv->base);
	free(srv);
}

int
server_run(struct config *cfg, char **cause)
{
	struct server	*srv;
	struct timeval	 tv = { 0, SERVER_SWEEP_MS * 1000 };
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	unsigned char	 rnd[4];
	char		*dbpath;
	size_t		 i;
	int		 rc = -1;

	if (server_prepare_data_dir(cfg->data_dir, cause) != 0)
		return (-1);
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0) {
		xasprintf(cause, "evthread_use_pthreads failed");
		return (-1);
	}

	srv = xcalloc(1, sizeof *srv);
	srv->cfg = cfg;
	server_self = srv;
	TAILQ_INIT(&srv->conns);
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("RAND_bytes failed");
	snprintf(srv->id_prefix, sizeof srv->id_prefix, "%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3]);
	if ((srv->base = event_base_new()) == NULL) {
		xasprintf(cause, "event_base_new failed");
		goto out;
	}

	dbpath = config_db_path(cfg);
	srv->writer_ev = event_new(srv->base, -1, 0, server_writer_ready, srv);
	srv->writer = writer_create(dbpath, cfg->writer_max_batch,
	    server_notify, srv->writer_ev, cause);
	if (srv->writer != NULL)
		srv->ro = db_open(dbpath, 1, cause);
	/* The signing key: loaded, or created on the first run. */
	if (srv->ro != NULL && sign_ensure(dbpath, cfg->data_dir,
	    clock_now_ms(), cause) != 0) {
		free(dbpath);
		goto out;
	}
	free(dbpath);
	if (srv->writer == NULL || srv->ro == NULL)
		goto out;
	srv->pool_ev = event_new(srv->base, -1, 0, server_pool_ready, srv);
	srv->pool = pool_create(cfg->workers, server_notify, srv->pool_ev);
	if (server_tls_setup(srv, cause) != 0)
		goto out;

	srv->http = evhttp_new(srv->base);
	evhttp_set_timeout(srv->http, cfg->idle_timeout);
	evhttp_set_max_headers_size(srv->http, cfg->max_header_size);
	evhttp_set_max_body_size(srv->http, cfg->max_body_size);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	/* Read the rest of a refused body so the client sees the 413. */
	evhttp_set_flags(srv->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_bevcb(srv->http, server_bevcb, srv);
	evhttp_set_gencb(srv->http, http_dispatch, srv);
	if (server_listen(srv, cause) != 0 ||
	    server_set_fd_limit(srv, cause) != 0)
		goto out;

	srv->sweep_ev = event_new(srv->base, -1, EV_PERSIST, server_sweep,
	    srv);
	evtimer_add(srv->sweep_ev, &tv);
	srv->drain_ev = event_new(srv->base, -1, EV_PERSIST, server_drain,
	    srv);
	for (i = 0; i < nitems(sigs); i++) {
		srv->sig_ev[i] = evsignal_new(srv->base, sigs[i],
		    server_signal, srv);
		evsignal_add(srv->sig_ev[i], NULL);
	}

	log_info("event=started version=%s pid=%ld data=%s max_connections=%zu "
	    "test_mode=%d", PACKAGE_VERSION, (long)getpid(), cfg->data_dir,
	    srv->max_conns, cfg->test_mode);
	event_base_dispatch(srv->base);
	rc = 0;
out:
	server_free(srv);
	if (rc == 0)
		log_info("event=stopped");
	return (rc);
}
