// What has been exported where (migration "export state" in
// lib/store/db.cpp): per destination, the watermark of the last complete
// export, and per (destination, lead) the id the destination gave the lead
// (a Notion page), so a changed lead updates its page instead of adding one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/store/db.hpp"

namespace webox::exporting {

struct ExportState {
  std::string watermark; // leads.updated_at of the last complete export
  int64_t rows = 0;      // rows that export sent
  std::string exported_at;
};

std::optional<ExportState> load_state(store::Db &db, const std::string &destination);
// Called only after a complete export: a failed or partial one leaves the
// previous state, so the next --since-last run sends those leads again.
void save_state(store::Db &db, const std::string &destination, const std::string &watermark, int64_t rows);

std::optional<std::string> remote_id(store::Db &db, const std::string &destination, int64_t lead_id);
void save_remote_id(store::Db &db, const std::string &destination, int64_t lead_id, const std::string &id);

} // namespace webox::exporting
