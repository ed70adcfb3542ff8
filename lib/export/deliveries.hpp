// The four ways leads leave (lib/export/leads_export.cpp chooses one): a
// file or stdout, Google Sheets, Notion, a signed webhook. Each reads the row
// source to its end, batch by batch; a remote one records every acknowledged
// batch in the checkpoint and reports each lead the destination refused.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/export/destination.hpp"
#include "lib/export/export_state.hpp"
#include "lib/export/notion_client.hpp"
#include "lib/export/record_writer.hpp"
#include "lib/export/rejection.hpp"
#include "lib/export/row_source.hpp"
#include "lib/export/sink.hpp"
#include "lib/net/http_client.hpp"
#include "lib/store/db.hpp"

namespace webox::exporting {

// What an export did, for the summary.
struct Delivery {
  int64_t rows = 0, sent = 0, requests = 0;
  std::vector<Rejection> rejected;
};

using SecretLookup = std::function<std::optional<std::string>(const std::string &name)>;
// Called for each refused lead, with what the destination answered.
using RefusalReport = std::function<void(Delivery &out, int64_t lead_id, const std::string &message)>;

// What every remote destination is given.
struct Remote {
  RowSource &rows;
  const Destination &destination;
  const net::HttpClient &http;
  store::Db &db;
  Checkpoint &checkpoint;
  int batch = 0; // 0 = the destination's default
  const RefusalReport &refuse;
};

Delivery deliver_file(RowSource &rows, Format format, ByteSink &sink, bool bom);
Delivery deliver_sheets(const Remote &r);
Delivery deliver_notion(const Remote &r, const SecretLookup &secret, const std::string &notion_version,
                        const std::vector<PropertyMapping> &map);
Delivery deliver_webhook(const Remote &r, const SecretLookup &secret);

} // namespace webox::exporting
