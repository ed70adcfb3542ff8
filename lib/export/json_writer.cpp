// JSON and JSONL files: one flat object per lead, keys in --fields order,
// integers as numbers, lists as arrays, booleans as true/false, times as
// ISO 8601 strings, absent values as null. JSON is one array written element by element (never held
// whole in memory); JSONL is one object per line.
#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/export/record_writer.hpp"

namespace webox::exporting {

std::unique_ptr<RecordWriter> make_csv_writer(ByteSink &sink, std::vector<const Field *> fields, bool bom);

bool RecordWriter::flush() {
  if (m_open && !m_buf.empty()) m_open = m_sink.write(m_buf);
  m_buf.clear();
  return m_open;
}

Format parse_format(std::string_view name) {
  if (name == "csv") return Format::csv;
  if (name == "json") return Format::json;
  if (name == "jsonl") return Format::jsonl;
  throw UsageError("--format: '" + std::string(name) + "' is not csv, json or jsonl");
}

// Most exported values (handles, phone numbers, ISO times, ids) are ASCII
// with nothing to escape: those are copied between quotes. Anything else
// (a quote, a backslash, a control byte, any non-ASCII byte, which may be
// invalid UTF-8 to replace) goes through nlohmann's serializer.
void append_json_string(std::string &out, std::string_view text) {
  bool plain = true;
  for (unsigned char c : text) plain = plain && c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json_object(std::string &out, const std::vector<const Field *> &fields, std::span<const Cell> cells) {
  out += '{';
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, fields[i]->name);
    out += ':';
    if (cells[i].null) {
      out += "null";
    } else if (fields[i]->type == FieldType::integer || fields[i]->type == FieldType::list ||
               fields[i]->type == FieldType::boolean) {
      out += cells[i].text; // SQLite's integer text, the stored JSON array, or true/false
    } else {
      append_json_string(out, cells[i].text);
    }
  }
  out += '}';
}

namespace {

class JsonWriter : public RecordWriter {
public:
  JsonWriter(ByteSink &sink, std::vector<const Field *> fields, bool lines)
      : RecordWriter(sink, std::move(fields)), m_lines(lines) {}

  bool begin() override {
    if (!m_lines) m_buf += "[";
    return true;
  }

  bool row(std::span<const Cell> cells) override {
    if (!m_lines) m_buf += m_first ? "\n" : ",\n";
    m_first = false;
    append_json_object(m_buf, m_fields, cells);
    if (m_lines) m_buf += '\n';
    return flush_if_full();
  }

  bool finish() override {
    if (!m_lines) m_buf += m_first ? "]\n" : "\n]\n";
    return flush();
  }

private:
  bool m_lines;
  bool m_first = true;
};

} // namespace

std::unique_ptr<RecordWriter> make_writer(Format format, ByteSink &sink, std::vector<const Field *> fields, bool bom) {
  switch (format) {
  case Format::csv:
    return make_csv_writer(sink, std::move(fields), bom);
  case Format::json:
    return std::make_unique<JsonWriter>(sink, std::move(fields), false);
  case Format::jsonl:
    break;
  }
  return std::make_unique<JsonWriter>(sink, std::move(fields), true);
}

} // namespace webox::exporting
