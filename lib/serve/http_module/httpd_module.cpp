// webox-httpd.so: cpp-httplib behind the C interface of lib/serve/httpd_module.h.
#include "lib/serve/httpd_module.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <thread>

#define WEBOX_HTTPD_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct Server {
  httplib::Server http;
  std::thread thread;
  int port = 0;
};

// Set for each request before its body is read: the error handler tells a
// refusal of the server (no handler ran) from an answer of ours.
thread_local bool t_handled = false;

const char *request_header(const webox_httpd_request *r, const char *name) {
  const auto *req = static_cast<const httplib::Request *>(r->impl);
  auto it = req->headers.find(name);
  return it == req->headers.end() ? nullptr : it->second.c_str();
}

const char *request_param(const webox_httpd_request *r, const char *name) {
  const auto *req = static_cast<const httplib::Request *>(r->impl);
  auto it = req->params.find(name);
  return it == req->params.end() ? nullptr : it->second.c_str();
}

void reply_send(webox_httpd_reply *r, int status, const char *content_type, const char *body, size_t size, int retry_after_s) {
  auto *res = static_cast<httplib::Response *>(r->impl);
  res->status = status;
  res->set_content(std::string(body ? body : "", body ? size : 0), content_type ? content_type : "text/plain");
  if (retry_after_s > 0) res->set_header("Retry-After", std::to_string(retry_after_s));
}

void dispatch(const webox_httpd_config &cfg, const httplib::Request &req, const std::string &body, httplib::Response &res) {
  t_handled = true;
  webox_httpd_request r{req.method.c_str(), req.path.c_str(), body.data(), body.size(),
                        const_cast<httplib::Request *>(&req), request_header, request_param};
  webox_httpd_reply reply{&res, reply_send};
  res.status = 500;
  cfg.handler(cfg.user, &r, &reply);
}

// A POST body read by us rather than by httplib: its payload limit covers a
// Content-Length (refused before reading), but a chunked body would grow
// unchecked. Too large -> 413, unreadable or cut short -> 400; the
// connection is closed, since the rest of the body was not read.
void read_then_dispatch(const webox_httpd_config &cfg, const httplib::Request &req, httplib::Response &res,
                        const httplib::ContentReader &reader) {
  t_handled = true;
  auto refuse = [&](int status) {
    cfg.refused(cfg.user, status);
    res.status = status;
    res.set_header("Connection", "close");
    res.set_content(status == 413 ? "payload too large\n" : "bad request\n", "text/plain");
  };
  // Refused from Content-Length alone, before a byte of the body is read
  // (httplib would first skip it all).
  const std::string declared = req.get_header_value("Content-Length");
  if (!declared.empty()) {
    if (declared.find_first_not_of("0123456789") != std::string::npos) return refuse(400);
    if (declared.size() > 18 || std::stoull(declared) > cfg.max_body) return refuse(413);
  }
  std::string body;
  bool too_big = false;
  res.status = -1;
  const bool read = reader([&](const char *data, size_t size) {
    if (body.size() + size > cfg.max_body) {
      too_big = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (!read || too_big) return refuse(too_big || res.status == 413 ? 413 : 400);
  dispatch(cfg, req, body, res);
}

} // namespace

WEBOX_HTTPD_EXPORT void *webox_httpd_start_v1(const webox_httpd_config *config, char *error, size_t error_size) {
  auto fail = [&](const std::string &why) -> void * {
    std::snprintf(error, error_size, "%s", why.c_str());
    return nullptr;
  };
  try {
    auto s = std::make_unique<Server>();
    const webox_httpd_config cfg = *config;
    s->http.set_payload_max_length(cfg.max_body);
    s->http.set_read_timeout(cfg.read_timeout_s > 0 ? cfg.read_timeout_s : 5, 0);
    s->http.set_keep_alive_max_count(1000);
    // The status line and the body leave in two writes: with Nagle on, the
    // second waits for the client's delayed ACK (40 ms a delivery).
    s->http.set_tcp_nodelay(true);
    const int threads = cfg.threads > 0 ? cfg.threads : 8;
    s->http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    s->http.set_pre_routing_handler([](const httplib::Request &, httplib::Response &) {
      t_handled = false;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    s->http.Get(".*", [cfg](const httplib::Request &req, httplib::Response &res) { dispatch(cfg, req, req.body, res); });
    s->http.Post(".*", [cfg](const httplib::Request &req, httplib::Response &res, const httplib::ContentReader &reader) {
      read_then_dispatch(cfg, req, res, reader);
    });
    s->http.set_error_handler(httplib::Server::HandlerWithResponse([cfg](const httplib::Request &, httplib::Response &res) {
      if (t_handled) return httplib::Server::HandlerResponse::Unhandled;
      cfg.refused(cfg.user, res.status);
      res.set_content(res.status == 413 ? "payload too large\n" : res.status == 404 ? "not found\n" : "bad request\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }));
    const std::string host = cfg.host ? cfg.host : "127.0.0.1";
    if (cfg.port == 0) s->port = s->http.bind_to_any_port(host);
    else s->port = s->http.bind_to_port(host, cfg.port) ? cfg.port : -1;
    if (s->port <= 0) return fail("cannot listen on " + host + ":" + std::to_string(cfg.port));
    Server *raw = s.get();
    s->thread = std::thread([raw] { raw->http.listen_after_bind(); });
    // httplib's stop() does nothing before its accept loop has begun (it
    // acts only while is_running()), and the loop begins on that thread: a
    // SIGTERM right after "listening" was then lost and serve never ended
    // (seen under ASan). Started means running, within a bounded wait.
    for (int i = 0; i < 5000 && !raw->http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return s.release();
  } catch (const std::exception &e) {
    return fail(e.what());
  }
}

WEBOX_HTTPD_EXPORT int webox_httpd_port_v1(void *server) { return static_cast<Server *>(server)->port; }

WEBOX_HTTPD_EXPORT void webox_httpd_stop_v1(void *server) {
  std::unique_ptr<Server> s(static_cast<Server *>(server));
  s->http.stop();
  if (s->thread.joinable()) s->thread.join();
}
