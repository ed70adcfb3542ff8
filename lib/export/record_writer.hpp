// Turns exported rows into bytes for a file format. Output is buffered and
// handed to the sink in blocks of about 64 KiB.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/export/fields.hpp"
#include "lib/export/row_source.hpp"
#include "lib/export/sink.hpp"

namespace webox::exporting {

// A scoped enumerator cannot clash with nlohmann::json, but -Wshadow still
// warns when a unity batch puts this header after a `using nlohmann::json;`
// of another source in this namespace (batches shift as files are added).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
enum class Format { csv, json, jsonl };
#pragma GCC diagnostic pop

// "csv", "json", "jsonl"; throws UsageError otherwise.
Format parse_format(std::string_view name);

class RecordWriter {
public:
  RecordWriter(ByteSink &sink, std::vector<const Field *> fields) : m_sink(sink), m_fields(std::move(fields)) {}
  virtual ~RecordWriter() = default;
  // Returns false once the sink stopped accepting bytes (closed pipe).
  virtual bool begin() = 0;
  virtual bool row(std::span<const Cell> cells) = 0;
  virtual bool finish() = 0;

protected:
  bool flush_if_full() { return m_buf.size() < (1u << 16) || flush(); }
  bool flush();
  ByteSink &m_sink;
  std::vector<const Field *> m_fields;
  std::string m_buf;
  bool m_open = true;
};

// `bom`: a UTF-8 byte order mark first (CSV only), for spreadsheet programs
// that otherwise guess a legacy code page.
std::unique_ptr<RecordWriter> make_writer(Format format, ByteSink &sink, std::vector<const Field *> fields, bool bom);

} // namespace webox::exporting

namespace webox::exporting {

// `text` as a JSON string (invalid UTF-8 replaced by U+FFFD).
void append_json_string(std::string &out, std::string_view text);

// One lead as a flat JSON object (the JSON/JSONL line, a webhook item).
void append_json_object(std::string &out, const std::vector<const Field *> &fields, std::span<const Cell> cells);

} // namespace webox::exporting
