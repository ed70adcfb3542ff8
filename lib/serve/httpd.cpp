#include "lib/serve/httpd.hpp"

#include <filesystem>
#include <mutex>

#include <dlfcn.h>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/serve/httpd_module.h"

namespace webox::serve {
namespace {

namespace fs = std::filesystem;

struct HttpdModule {
  void *handle = nullptr;
  webox_httpd_start_fn start = nullptr;
  webox_httpd_port_fn port = nullptr;
  webox_httpd_stop_fn stop = nullptr;
  std::string problem;
};

fs::path find_httpd_module() {
  std::string env = paths::env("WEBOX_HTTPD_MODULE");
  if (!env.empty()) return env;
  std::error_code ec;
  fs::path beside = paths::exe_dir().parent_path() / "lib" / "webox" / "modules" / "webox-httpd.so";
  if (fs::exists(beside, ec)) return beside;
#ifdef WEBOX_INSTALL_PLUGIN_DIR
  fs::path installed = fs::path(WEBOX_INSTALL_PLUGIN_DIR).parent_path() / "modules" / "webox-httpd.so";
  if (fs::exists(installed, ec)) return installed;
#endif
  return {};
}

// Loaded once, kept until the process ends.
const HttpdModule &httpd_module() {
  static HttpdModule m;
  static std::once_flag once;
  std::call_once(once, [] {
    fs::path path = find_httpd_module();
    if (path.empty()) {
      m.problem = "webox-httpd.so is not installed (this webox was built without libcpp-httplib-dev)";
      return;
    }
    m.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m.handle) {
      m.problem = "cannot load " + path.string() + ": " + ::dlerror();
      return;
    }
    m.start = reinterpret_cast<webox_httpd_start_fn>(::dlsym(m.handle, "webox_httpd_start_v1"));
    m.port = reinterpret_cast<webox_httpd_port_fn>(::dlsym(m.handle, "webox_httpd_port_v1"));
    m.stop = reinterpret_cast<webox_httpd_stop_fn>(::dlsym(m.handle, "webox_httpd_stop_v1"));
    if (!m.start || !m.port || !m.stop) m.problem = path.string() + " is not a webox HTTP module";
  });
  return m;
}

std::optional<std::string> httpd_lookup(const char *value) {
  return value ? std::optional<std::string>(value) : std::nullopt;
}

extern "C" void httpd_handle(void *user, const webox_httpd_request *req, webox_httpd_reply *reply) {
  auto *service = static_cast<WebhookService *>(user);
  HttpRequestView view{req->method, req->path, std::string_view(req->body, req->body_size),
                       [req](const char *name) { return httpd_lookup(req->header(req, name)); },
                       [req](const char *name) { return httpd_lookup(req->param(req, name)); }};
  HttpReply r;
  try {
    r = service->handle(view);
  } catch (const std::exception &) {
    r.status = 500;
    r.body = "internal error\n";
  }
  reply->send(reply, r.status, r.content_type.c_str(), r.body.data(), r.body.size(), r.retry_after_s);
}

extern "C" void httpd_refused(void *user, int status) { static_cast<WebhookService *>(user)->refused_by_server(status); }

} // namespace

Httpd::Httpd(const HttpdOptions &options, WebhookService &service) : m_service(service) {
  const HttpdModule &m = httpd_module();
  if (!m.problem.empty()) throw Error("serve: " + m.problem);
  webox_httpd_config cfg{options.host.c_str(), options.port, options.max_body, options.threads, 10,
                         httpd_handle,        httpd_refused, &m_service};
  char error[256] = {0};
  m_server = m.start(&cfg, error, sizeof error);
  if (!m_server) throw Error(std::string("serve: ") + error, ExitCode::temporary);
}

Httpd::~Httpd() { stop(); }

int Httpd::port() const { return m_server ? httpd_module().port(m_server) : 0; }

void Httpd::stop() {
  if (!m_server) return;
  httpd_module().stop(m_server);
  m_server = nullptr;
}

} // namespace webox::serve
