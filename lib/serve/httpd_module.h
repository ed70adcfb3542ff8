/* webox-httpd.so: the HTTP server of `webox serve` (cpp-httplib), loaded by
 * dlopen (lib/serve/httpd.cpp) only by that command: libcpp-httplib.so is a
 * NEEDED library of its own, which `webox --version` and `webox chat` must
 * not pay for. Pure C between the two sides, like the PDF module.
 *
 * The server calls `handler` on its own threads, several at a time, once
 * per request whose body it read whole (at most `max_body` bytes: a larger
 * Content-Length is refused before reading, a body growing past it while
 * read is cut). What it refuses itself (413, a truncated or unreadable
 * request: 400) goes to `refused` instead, with no handler call. */
#ifndef WEBOX_HTTPD_MODULE_H
#define WEBOX_HTTPD_MODULE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct webox_httpd_request {
  const char *method;
  const char *path;
  const char *body;
  size_t body_size;
  void *impl;
  /* NULL when absent; valid during the handler call */
  const char *(*header)(const struct webox_httpd_request *r, const char *name);
  const char *(*param)(const struct webox_httpd_request *r, const char *name);
} webox_httpd_request;

typedef struct webox_httpd_reply {
  void *impl;
  /* copies everything; retry_after_s 0 = no Retry-After header */
  void (*send)(struct webox_httpd_reply *r, int status, const char *content_type, const char *body, size_t size,
               int retry_after_s);
} webox_httpd_reply;

typedef struct webox_httpd_config {
  const char *host;
  int port; /* 0 = any free port */
  size_t max_body;
  int threads;
  int read_timeout_s;
  void (*handler)(void *user, const webox_httpd_request *req, webox_httpd_reply *reply);
  void (*refused)(void *user, int status);
  void *user;
} webox_httpd_config;

/* Binds and starts serving on a thread of its own; NULL on failure with the
 * reason in `error`. */
typedef void *(*webox_httpd_start_fn)(const webox_httpd_config *config, char *error, size_t error_size);
/* The port bound. */
typedef int (*webox_httpd_port_fn)(void *server);
/* Stops accepting, lets the requests in flight finish, joins, frees. */
typedef void (*webox_httpd_stop_fn)(void *server);

#ifdef __cplusplus
}
#endif

#endif
