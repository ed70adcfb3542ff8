// Feeding the store: a JSONL file, or the event stream of a social-collect
// plugin, turned into pages (one transaction each).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/collect/import_lines.hpp"
#include "lib/leads/collect/page_writer.hpp"

namespace webox::leads {

// Called after each committed page (progress display).
using PageCallback = std::function<void(const RunCounts &)>;

// Imports one record a line (format: record.hpp, webox-scrape-interactions(1)).
// Blank lines are skipped; a line that does not parse or validate is
// reported in `errors` with its number and the rest goes on. Records older
// than `since` (Unix seconds, 0 = none) are skipped. Commits every
// `page_lines` lines; 0 = WEBOX_IMPORT_BATCH from the environment (tests use
// small batches to put kill points between many commits), else
// kDefaultImportBatch. Throws Interrupted on Ctrl-C (the current page rolled back).
//
// Why 20,000: the interaction and people indexes take keys in random order,
// so every transaction rewrites most of their leaf pages (WAL frames, then
// the checkpoint); fewer, larger transactions write less (measured on 50,000
// lines: 16,852 page writes with 5,000-line transactions, 11,701 with
// 20,000). A killed run loses at most one batch of work, which the rerun redoes.
//
// `input_bytes`: the input's size when known (a file), 0 otherwise. From it
// the import estimates its rows; a bulk one builds the person index after
// its rows instead of row by row (person_index.hpp).
constexpr int kDefaultImportBatch = 20000;
void import_jsonl(LeadsStore &store, std::istream &in, std::vector<LineError> &errors, int64_t since = 0,
                  const PageCallback &on_page = {}, int page_lines = 0, int64_t input_bytes = 0);

// Turns a plugin's social_collect events into pages: items accumulate in an
// open PageWriter, a checkpoint stores its cursor and commits. Items left
// after the last checkpoint are committed by finish() (they are idempotent,
// so keeping them after a failure loses nothing and duplicates nothing).
class EventSink {
public:
  EventSink(LeadsStore &store, int64_t account_id, std::string platform, PageCallback on_page = {});
  ~EventSink();
  // Returns false to stop the plugin (never, today: errors throw).
  bool on_event(const nlohmann::json &event);
  void finish();
  const std::vector<std::string> &warnings() const { return m_warnings; }

private:
  PageWriter &writer();
  LeadsStore &m_store;
  int64_t m_account;
  std::string m_platform;
  PageCallback m_on_page;
  std::unique_ptr<PageWriter> m_writer;
  std::vector<std::string> m_warnings;
};

} // namespace webox::leads
