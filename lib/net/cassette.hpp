// Record and replay of HTTP exchanges (`webox workflow run --record FILE` /
// `--replay FILE`), so a pipeline that ran once against real providers runs
// again in CI with no network and no key, with the same results.
//
// The file is JSONL, one exchange per line, in the order the requests were
// made:
//   {"method":"POST","url":"https://api.openai.com/v1/chat/completions",
//    "request":"{...}","status":200,"headers":"content-type: ...\r\n",
//    "body":"data: {...}\n\n"}
// A body that is not UTF-8 text (audio, images) is stored base64 under
// "body_base64" instead. A request that got no response at all stores
// "failure" ("network", "timeout") and "message".
//
// Secrets never reach the file: request headers are not stored at all (they
// carry the keys), and every secret the program has seen is replaced by
// "[REDACTED]" in the URL (Gemini's ?key=), the request body and the
// response. Matching on replay uses the same redaction, so a recording made
// with a real key is found again by a run with no key at all.
//
// On replay a request is matched by method, URL and body; identical
// requests are served in recorded order (then the last one again, as a
// retry would get). A request that is not in the file is not sent anywhere:
// it fails with a message naming it.
#pragma once

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "lib/core/atomic_file.hpp"
#include "lib/net/http_client.hpp"

namespace webox::net {

struct Exchange {
  std::string method;
  std::string url;
  std::string request_body;
  int status = 0;
  std::string headers;
  std::string body;
  std::string failure; // "", "network", "timeout"
  std::string message;
};

class Cassette {
public:
  // Starts a recording; the file appears complete (renamed from a temporary
  // name) when finish() is called or the cassette is destroyed.
  static std::unique_ptr<Cassette> record_to(const std::filesystem::path &file);
  // Loads a recording. Throws webox::UsageError for a missing or malformed
  // file (with the line number).
  static std::unique_ptr<Cassette> replay_from(const std::filesystem::path &file);

  ~Cassette();
  Cassette(const Cassette &) = delete;
  Cassette &operator=(const Cassette &) = delete;

  bool replaying() const { return m_replay; }

  // Sends `request` (record) or looks it up (replay). `sink` set = a stream
  // whose 2xx body goes through `framing` to it. Thread-safe.
  Outcome exchange(const HttpClient &client, const Request &request, Framing framing, const UnitSink *sink);

  void finish();
  size_t recorded() const;

private:
  Cassette() = default;
  Outcome replay(const Request &request, Framing framing, const UnitSink *sink);
  Outcome record(const HttpClient &client, const Request &request, Framing framing, const UnitSink *sink);

  bool m_replay = false;
  std::filesystem::path m_file;
  mutable std::mutex m_mutex;
  std::unique_ptr<AtomicFile> m_out; // recording: appears complete at finish()
  size_t m_count = 0;
  bool m_finished = false;
  struct Served {
    std::deque<Exchange> left;
    std::optional<Exchange> last;
  };
  std::map<std::string, Served> m_by_key;
};

// The key a request is matched by: method, redacted URL, redacted body.
std::string exchange_key(const std::string &method, const std::string &url, std::string_view body);

} // namespace webox::net
