// What has been exported where (migration "export state" in
// lib/store/db.cpp): per destination, the watermark of the last complete
// export, and per (destination, lead) the id the destination gave the lead
// (a Notion page), so a changed lead updates its page instead of adding one.
//
// Checkpoints (migration "export progress"): a remote export (Sheets,
// Notion, webhook) records after every acknowledged batch how far it got —
// every lead of its window with id <= after_id and updated_at <= watermark
// was acknowledged. An interrupted export (Ctrl-C, kill -9, a network
// failure) is resumed by the next --since-last run with the same filters:
// it skips those leads instead of sending them all again. Only the batch in
// flight when it stopped goes twice (a webhook receiver drops it by its
// webhook-id, which is the same for the same batch).
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
// Drops the destination's checkpoint in the same transaction.
void save_state(store::Db &db, const std::string &destination, const std::string &watermark, int64_t rows);

// How far an unfinished export got (see above).
struct ExportProgress {
  std::string scope;                // fingerprint of the filters and fields
  std::optional<std::string> since; // the window's lower bound; none = from the start
  std::string watermark;            // the window's upper bound
  int64_t after_id = 0;             // every lead of the window up to this id was acknowledged
  int64_t rows = 0;
};

std::optional<ExportProgress> load_progress(store::Db &db, const std::string &destination);

// Records acknowledged batches of one export run. A batch with a refused
// lead stops the checkpoint where it is: that lead must go again.
class Checkpoint {
public:
  // `resumed`: the checkpoint this run started from, if any. It is only
  // replaced once this run got at least as far, so that an export stopped
  // again early does not forget what the first one delivered.
  Checkpoint(store::Db &db, std::string destination, ExportProgress run, std::optional<ExportProgress> resumed);
  void acknowledged(int64_t last_id, int64_t rows);
  void refused() { m_frozen = true; }

private:
  store::Db &m_db;
  std::string m_destination;
  ExportProgress m_run;
  int64_t m_floor = 0; // the resumed checkpoint's after_id
  bool m_frozen = false;
};

std::optional<std::string> remote_id(store::Db &db, const std::string &destination, int64_t lead_id);
void save_remote_id(store::Db &db, const std::string &destination, int64_t lead_id, const std::string &id);

} // namespace webox::exporting
