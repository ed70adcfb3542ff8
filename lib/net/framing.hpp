// Cutting a streamed HTTP body into the units providers send.
//
// Server-Sent Events (WHATWG HTML, "Server-sent events"): the body is UTF-8
// text made of lines ended by LF, CRLF or a lone CR. A line starting with ':'
// is a comment (OpenRouter sends ": OPENROUTER PROCESSING" keep-alives). A
// line "field:value" sets a field, one space after the colon being dropped.
// Several "data" lines of one event are joined with "\n". An empty line ends
// the event; an event whose data is empty is not dispatched. Bytes arrive in
// reads that bear no relation to any of this: a read may end inside "data:",
// between the CR and the LF of a CRLF pair (Gemini frames with CRLF), or in
// the middle of a multi-byte UTF-8 character, so the decoder keeps whatever
// is incomplete and only ever hands out whole events.
//
// NDJSON (Ollama): one JSON document per line, LF-terminated (CRLF tolerated);
// empty lines are skipped and a last line without its LF is still handed out
// when the body ends.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace webox::net {

// Receives one framed unit; returns false to stop the stream.
using UnitSink = std::function<bool(std::string_view unit)>;

class Framer {
public:
  virtual ~Framer() = default;
  // Feeds bytes; returns false as soon as the sink asked to stop.
  virtual bool feed(std::string_view bytes) = 0;
  // The body ended: flushes what the format allows. Returns false if stopped.
  virtual bool finish() = 0;
};

class SseDecoder final : public Framer {
public:
  explicit SseDecoder(UnitSink sink) : m_sink(std::move(sink)) {}
  bool feed(std::string_view bytes) override;
  bool finish() override;

  // The "event:" name of the event being dispatched ("" when none was given).
  const std::string &event_name() const { return m_event; }

private:
  bool line(std::string_view text);
  bool dispatch();

  UnitSink m_sink;
  std::string m_pending;     // bytes of an incomplete line
  bool m_after_cr = false;   // the previous byte was a CR: skip one LF
  std::string m_data;
  bool m_has_data = false;
  std::string m_event;
};

class NdjsonDecoder final : public Framer {
public:
  explicit NdjsonDecoder(UnitSink sink) : m_sink(std::move(sink)) {}
  bool feed(std::string_view bytes) override;
  bool finish() override;

private:
  bool emit(std::string_view line);
  UnitSink m_sink;
  std::string m_pending;
};

// Passes bytes through unchanged (binary bodies).
class RawPassThrough final : public Framer {
public:
  explicit RawPassThrough(UnitSink sink) : m_sink(std::move(sink)) {}
  bool feed(std::string_view bytes) override { return bytes.empty() || m_sink(bytes); }
  bool finish() override { return true; }

private:
  UnitSink m_sink;
};

} // namespace webox::net
