// The JSONL import's worker threads; see import_lines.hpp.
#include "lib/leads/collect/import_lines.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/leads/collect/record_fast.hpp"
#include "lib/leads/score/scoring.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::leads {

int ImportLines::default_workers() {
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores - 1, 1, 4);
}

ImportLines::ImportLines(std::istream &in, PhoneDetector &phones, int64_t since, int workers)
    : m_in(in), m_phones(phones), m_since(since) {
  workers = std::max(1, workers);
  // Two chunks a worker (one parsed, one being parsed) and the writer's.
  m_slots.resize(static_cast<size_t>(2 * workers + 2));
  for (int i = 0; i < workers; ++i) m_workers.emplace_back([this] { work(); });
}

ImportLines::~ImportLines() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_workers.clear(); // joins
}

void ImportLines::work() {
  FastRecordReader fast;
  try {
    for (;;) {
      Slot *slot = nullptr;
      {
        // Holding the read lock from taking a sequence number to the end of
        // the read keeps chunk n+1 after chunk n in the input.
        std::lock_guard read_lock(m_read_mutex);
        {
          std::unique_lock lock(m_mutex);
          slot = &m_slots[m_next_read % m_slots.size()];
          m_changed.wait(lock, [&] { return m_stop || m_eof || slot->state == State::free; });
          if (m_stop || m_eof) return;
          slot->state = State::busy;
          slot->first_line = m_lines_read + 1;
          ++m_next_read;
        }
        if (slot->lines.size() < kChunkLines) slot->lines.resize(kChunkLines);
        size_t n = 0;
        while (n < kChunkLines && std::getline(m_in, slot->lines[n])) ++n;
        slot->line_count = n;
        slot->read_failed = m_in.bad();
        std::lock_guard lock(m_mutex);
        m_lines_read += static_cast<int64_t>(n);
        if (n < kChunkLines) m_eof = true;
      }
      parse(*slot, fast);
      {
        std::lock_guard lock(m_mutex);
        slot->state = State::ready;
      }
      m_changed.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard lock(m_mutex);
      if (!m_error) m_error = std::current_exception();
      m_stop = true;
    }
    m_changed.notify_all();
  }
}

// What import_jsonl did line by line before it had workers, minus the
// store: the fast parser, else the reference parser and its message.
void ImportLines::parse(Slot &slot, FastRecordReader &fast) {
  ParsedChunk &out = slot.chunk;
  out.count = 0;
  out.errors.clear();
  for (size_t i = 0; i < slot.line_count; ++i) {
    std::string &line = slot.lines[i];
    const int64_t line_no = slot.first_line + static_cast<int64_t>(i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (out.rows.size() <= out.count) out.rows.resize(out.count + 1);
    ParsedLine &row = out.rows[out.count];
    if (!fast.read(line, row.it)) {
      // Not the plain case: the reference parser accepts it or says why not.
      bounded_json::Parsed parsed = bounded_json::parse(line);
      if (parsed.value.is_discarded()) {
        out.errors.push_back({line_no, parsed.too_deep ? "JSON " + bounded_json::too_deep_text() : "not valid JSON"});
        continue;
      }
      const nlohmann::json &doc = parsed.value;
      try {
        row.it = interaction_from_json(doc);
      } catch (const RecordError &e) {
        out.errors.push_back({line_no, e.what()});
        continue;
      }
    }
    if (m_since && row.it.timestamp < m_since) continue;
    row.intent = has_intent(row.it.text);
    // Scanned whether or not the interaction turns out new: the writer
    // knows that only later, and an import is mostly new lines.
    row.contacts = find_contacts(m_phones, row.it.text);
    ++out.count;
  }
}

const ParsedChunk *ImportLines::next() {
  std::unique_lock lock(m_mutex);
  if (m_handed) {
    m_slots[(m_next_out - 1) % m_slots.size()].state = State::free;
    m_handed = false;
    m_changed.notify_all();
  }
  Slot &slot = m_slots[m_next_out % m_slots.size()];
  m_changed.wait(lock, [&] { return m_error || slot.state == State::ready || (m_eof && m_next_out == m_next_read); });
  if (m_error) std::rethrow_exception(m_error);
  if (slot.state != State::ready) return nullptr; // the end of the input
  if (slot.read_failed) throw Error("read error in the input");
  ++m_next_out;
  m_handed = true;
  return &slot.chunk;
}

} // namespace webox::leads
