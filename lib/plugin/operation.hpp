// What every Provider operation does around the plugin's slot (provider.cpp,
// provider_social.cpp, provider_social_send.cpp): the C request borrowed
// from the JSON text, a zeroed result whose buffers are released exactly
// once, and, for streamed operations, the one adapter from a C sink to a C++
// handler. Internal to lib/plugin.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>
#include <webox/plugin.h>

#include "lib/core/json_limits.hpp"

namespace webox::plugin::detail {

// Releases a webox_buf exactly once, whatever happens.
struct BufGuard {
  webox_buf &buf;
  ~BufGuard() {
    if (buf.data && buf.release) buf.release(&buf);
    buf = webox_buf{};
  }
  std::string text() const { return buf.data ? std::string(buf.data, buf.size) : std::string(); }
};

struct ResultGuard {
  webox_result &r;
  BufGuard json{r.json}, blob{r.blob}, error{r.error};
};

// One call's C documents: `req` points into `body`, so neither may move.
struct Exchange {
  // Text that reached a request is UTF-8 already (lib/core/text_input);
  // replacing what is not keeps one stray byte from failing a whole call.
  explicit Exchange(const nlohmann::json &request)
      : body(request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
    req.struct_size = sizeof req;
    req.json = body.data();
    req.json_size = body.size();
    result.struct_size = sizeof result;
  }
  Exchange(const Exchange &) = delete;
  Exchange &operator=(const Exchange &) = delete;

  std::string body;
  webox_request req{};
  webox_result result{};
};

// A C sink over a C++ handler. The plugin calls it synchronously; whatever
// the handler throws (a store failure while committing a page) stops the
// plugin and is kept until the plugin has returned: nothing may be thrown
// through a plugin. `Unit` is a JSON event (`const nlohmann::json &`: the
// text is parsed; a malformed event is the plugin's bug and is skipped, the
// run goes on) or the raw bytes of `tts` (`std::string_view`).
template <class Unit>
class SinkAdapter {
public:
  using Handler = std::function<bool(Unit)>;
  explicit SinkAdapter(const Handler &handler) : m_handler(&handler) {}
  SinkAdapter(const SinkAdapter &) = delete;
  SinkAdapter &operator=(const SinkAdapter &) = delete;

  static int sink(void *user, const char *data, size_t size) {
    auto *self = static_cast<SinkAdapter *>(user);
    try {
      if constexpr (std::is_same_v<Unit, std::string_view>) {
        return (*self->m_handler)(std::string_view(data, size)) ? 0 : 1;
      } else {
        auto event = parse_json_or_discarded(std::string_view(data, size));
        if (event.is_discarded()) return 0;
        return (*self->m_handler)(event) ? 0 : 1;
      }
    } catch (...) {
      self->m_error = std::current_exception();
      return 1;
    }
  }
  void *user() { return this; }
  bool failed() const { return static_cast<bool>(m_error); }
  // What the handler threw, once the plugin has returned; the result's
  // buffers are released first (the plugin's answer no longer matters).
  void rethrow_if_failed(webox_result &result) const {
    if (!m_error) return;
    ResultGuard release{result};
    std::rethrow_exception(m_error);
  }

private:
  const Handler *m_handler;
  std::exception_ptr m_error;
};

using EventSink = SinkAdapter<const nlohmann::json &>;
using AudioSink = SinkAdapter<std::string_view>;

} // namespace webox::plugin::detail
