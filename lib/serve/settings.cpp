#include "lib/serve/settings.hpp"

#include <charconv>

#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"

namespace webox::serve {
ListenAddress parse_listen(const std::string &text, const std::string &where) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw UsageError(where + ": '" + text + "' is not HOST:PORT (for example 127.0.0.1:8787)");
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (ec != std::errc() || end != port.data() + port.size() || a.port < 0 || a.port > 65535)
    throw UsageError(where + ": port '" + port + "' is not a number from 0 to 65535");
  return a;
}

ServeSettings load_serve_settings(const std::filesystem::path &file) {
  ServeSettings out;
  const YAML::Node serve = config_section(file, "serve");
  if (!serve || serve.IsNull()) return out;
  if (!serve.IsMap()) fail_config_at(file, serve.Mark(), "'serve' must be a mapping");
  for (const auto &kv : serve) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node &v = kv.second;
    if (key == "listen") {
      if (!v.IsScalar()) fail_config_at(file, v.Mark(), "'serve.listen' must be HOST:PORT");
      out.listen = v.as<std::string>();
      try {
        parse_listen(out.listen, "serve.listen");
      } catch (const UsageError &e) {
        fail_config_at(file, v.Mark(), e.what());
      }
    } else if (key == "max_body_bytes") {
      out.max_body_bytes = config_integer(file, v, "serve.max_body_bytes", 1024, int64_t{64} << 20);
    } else if (key == "max_pending") {
      out.max_pending = config_integer(file, v, "serve.max_pending", 1, 10000000);
    } else if (key == "max_attempts") {
      out.max_attempts = static_cast<int>(config_integer(file, v, "serve.max_attempts", 1, 100));
    } else if (key == "drain_seconds") {
      out.drain_ms = config_integer(file, v, "serve.drain_seconds", 0, 3600) * 1000;
    } else if (key == "threads") {
      out.threads = static_cast<int>(config_integer(file, v, "serve.threads", 1, 256));
    } else {
      fail_config_at(file, kv.first.Mark(),
                     "unknown setting 'serve." + key +
                         "' (known: listen, max_body_bytes, max_pending, max_attempts, drain_seconds, threads)");
    }
  }
  return out;
}

} // namespace webox::serve
