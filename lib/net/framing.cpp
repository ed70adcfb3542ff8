#include "lib/net/framing.hpp"

namespace webox::net {

bool SseDecoder::feed(std::string_view bytes) {
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (m_after_cr) {
      m_after_cr = false;
      if (c == '\n') { // second half of a CRLF split across reads or not
        start = i + 1;
        continue;
      }
    }
    if (c != '\n' && c != '\r') continue;
    m_pending.append(bytes.substr(start, i - start));
    start = i + 1;
    m_after_cr = (c == '\r');
    std::string complete;
    complete.swap(m_pending);
    if (!line(complete)) return false;
  }
  m_pending.append(bytes.substr(start));
  return true;
}

bool SseDecoder::line(std::string_view text) {
  if (text.empty()) return dispatch();
  if (text.front() == ':') return true; // comment / keep-alive
  size_t colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (m_has_data) m_data += '\n';
    m_data.append(value);
    m_has_data = true;
  } else if (field == "event") {
    m_event.assign(value);
  }
  // "id" and "retry" matter to browsers that reconnect; webox never does,
  // because replaying a half-answered completion would duplicate text.
  return true;
}

bool SseDecoder::dispatch() {
  bool keep_going = true;
  if (m_has_data) keep_going = m_sink(m_data);
  m_data.clear();
  m_has_data = false;
  m_event.clear();
  return keep_going;
}

bool SseDecoder::finish() {
  // The spec discards an event that was not terminated by an empty line: a
  // stream cut in the middle of an event must not look complete.
  m_pending.clear();
  m_data.clear();
  m_has_data = false;
  return true;
}

bool NdjsonDecoder::feed(std::string_view bytes) {
  size_t start = 0;
  for (size_t nl = bytes.find('\n'); nl != std::string_view::npos; nl = bytes.find('\n', start)) {
    m_pending.append(bytes.substr(start, nl - start));
    start = nl + 1;
    std::string complete;
    complete.swap(m_pending);
    if (!emit(complete)) return false;
  }
  m_pending.append(bytes.substr(start));
  return true;
}

bool NdjsonDecoder::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
  return blank || m_sink(line);
}

bool NdjsonDecoder::finish() {
  std::string rest;
  rest.swap(m_pending);
  return emit(rest);
}

} // namespace webox::net
