#include "lib/core/logging.hpp"

#include <cstdio>
#include <mutex>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "lib/core/url_redact.hpp"

namespace webox::logging {
namespace {

std::mutex g_secrets_mutex;
std::vector<std::string> g_secrets;

// Formats like any sink, then redacts, then writes the line to stderr.
class RedactingStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
  void sink_it_(const spdlog::details::log_msg &msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line = redact(std::string_view(formatted.data(), formatted.size()));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

} // namespace

void init(int verbosity) {
  auto sink = std::make_shared<RedactingStderrSink>();
  auto logger = std::make_shared<spdlog::logger>("webox", sink);
  logger->set_pattern("webox: %l: %v");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (verbosity < 0) level = spdlog::level::err;
  else if (verbosity == 1) level = spdlog::level::info;
  else if (verbosity == 2) level = spdlog::level::debug;
  else if (verbosity >= 3) level = spdlog::level::trace;
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void register_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(g_secrets_mutex);
  for (const auto &s : g_secrets)
    if (s == secret) return;
  g_secrets.emplace_back(secret);
}

std::string redact(std::string_view text) {
  std::string out = url::redact_in_text(text);
  std::lock_guard lock(g_secrets_mutex);
  for (const auto &s : g_secrets) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos))
      out.replace(pos, s.size(), "[REDACTED]");
  }
  return out;
}

} // namespace webox::logging
