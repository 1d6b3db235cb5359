/*
 * raw_evhttp PORT MODE: the baseline of DESIGN §9, a libevent 2.1 evhttp
 * server with nothing of assidu in it (no router, no logging, no request
 * ids, no connection table), listening on 127.0.0.1:PORT.
 *
 *   hello  GET (any path) answers 200 with a 44-byte JSON body, the size of
 *          assidu's /healthz reply.
 *   post   POST (any path) reads the whole body and answers 201 with a
 *          small JSON body, the size of assidu's /api/v1/test/probe reply.
 *
 * Anything else answers 405. SIGTERM or SIGINT stops it.
 *
 * Built by bench/run: cc -O2 raw_evhttp.c $(pkg-config --cflags --libs
 * libevent).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static const char hello_body[] =
    "{\"status\":\"ok\",\"version\":\"0.1.0\",\"schema\":1}";
/* About the size of assidu's {"key":"…","created_at":…} reply. */
static const char post_body[] =
    "{\"key\":\"k\",\"created_at\":1700000000000}";

static int mode_post;

static void
reply(struct evhttp_request *req, int status, const char *body, size_t len)
{
	struct evbuffer	*buf;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	buf = evbuffer_new();
	evbuffer_add_reference(buf, body, len, NULL, NULL);
	evhttp_send_reply(req, status, status == 201 ? "Created" : "OK", buf);
	evbuffer_free(buf);
}

static void
handle(struct evhttp_request *req, void *arg)
{
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct evbuffer		*in;
	size_t			 len;
	volatile unsigned char	 sink;

	if (!mode_post && cmd == EVHTTP_REQ_GET) {
		reply(req, 200, hello_body, sizeof hello_body - 1);
		return;
	}
	if (mode_post && cmd == EVHTTP_REQ_POST) {
		/* Read the body the way a handler would: contiguous. */
		in = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(in);
		if (len > 0)
			sink = evbuffer_pullup(in, len)[len - 1];
		(void)sink;
		evbuffer_drain(in, len);
		reply(req, 201, post_body, sizeof post_body - 1);
		return;
	}
	evhttp_send_error(req, 405, NULL);
}

static void
on_signal(evutil_socket_t sig, short events, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*sterm, *sint;
	int			 port;

	if (argc != 3 || (strcmp(argv[2], "hello") != 0 &&
	    strcmp(argv[2], "post") != 0) || (port = atoi(argv[1])) <= 0 ||
	    port > 65535) {
		fprintf(stderr, "usage: raw_evhttp PORT hello|post\n");
		return (2);
	}
	mode_post = strcmp(argv[2], "post") == 0;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL) {
		fprintf(stderr, "raw_evhttp: libevent setup failed\n");
		return (1);
	}
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(http, handle, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "raw_evhttp: cannot listen on 127.0.0.1:%d\n",
		    port);
		return (1);
	}
	sterm = evsignal_new(base, SIGTERM, on_signal, base);
	sint = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(sterm, NULL);
	evsignal_add(sint, NULL);
	event_base_dispatch(base);
	event_free(sterm);
	event_free(sint);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}
