// One `webox leads export` run, whatever the destination: the leads read page
// by page (row_source) and written or sent as they come, the checkpoint of an
// interrupted remote export resumed, and the destination's state advanced
// only when every lead was taken.
//
// The CLI checks the flags, hands over an ExportJob and prints the summary;
// what the run needs from outside (the store, the config, HTTP settings,
// secrets) comes through ExportServices, asked for only when needed: a file
// export reads no config and looks up no key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/export/destination.hpp"
#include "lib/export/fields.hpp"
#include "lib/export/record_writer.hpp"
#include "lib/export/rejection.hpp"
#include "lib/export/sink.hpp"
#include "lib/leads/query/lead_query.hpp"
#include "lib/net/http_client.hpp"
#include "lib/store/db.hpp"

namespace webox::exporting {

// The lead filters as typed: a checkpoint is valid for the same text.
struct LeadSelection {
  std::string platform, status, since;
  std::optional<int> min_score;
  bool has_phone = false;
  int limit = 0;
};

struct ExportJob {
  LeadSelection selection;
  leads::LeadFilter filter; // lead_filter(selection)
  std::vector<const Field *> fields;
  Format format = Format::csv;
  bool bom = false;
  std::optional<Destination> destination; // none: stdout
  std::string notion_map;                 // --map; "" = leads.export config, then the default map
  bool since_last = false;
  int batch = 0;                          // leads per request; 0 = the destination's default
};

struct ExportServices {
  std::function<store::Db &()> db;
  // The config file, once loaded and checked (Notion settings).
  std::function<std::filesystem::path()> config_file;
  std::function<net::HttpSettings()> http_settings;
  // A credential by name (environment, then the key store).
  std::function<std::optional<std::string>(const std::string &name)> secret;
  // Where an export without destination writes.
  ByteSink *stdout_sink = nullptr;
  // A lead the destination refused: "lead 12 (@name)" and the reason, redacted.
  std::function<void(const std::string &who, const std::string &reason)> on_refused;
};

struct ExportSummary {
  std::string destination; // the state key, or "stdout"
  int64_t rows = 0, sent = 0, requests = 0;
  std::vector<Rejection> rejected;
  std::optional<std::string> since;        // the window's lower bound (--since-last)
  std::optional<int64_t> resumed_after;    // the checkpoint resumed
  std::string watermark;
  bool state_advanced = false;
  int64_t elapsed_ms = 0;
};

// The filter of `selection`; throws UsageError naming the flag.
leads::LeadFilter lead_filter(const LeadSelection &selection);

// Throws webox::Error: 4 for missing credentials, 75 for an unreachable
// destination, Interrupted on Ctrl-C (what was acknowledged stays recorded).
ExportSummary export_leads(const ExportJob &job, const ExportServices &services);

} // namespace webox::exporting
