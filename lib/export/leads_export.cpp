#include "lib/export/leads_export.hpp"

#include <algorithm>
#include <chrono>

#include "lib/core/crypto.hpp"
#include "lib/core/logging.hpp"
#include "lib/export/deliveries.hpp"
#include "lib/export/destination_lock.hpp"
#include "lib/export/export_settings.hpp"
#include "lib/export/export_state.hpp"
#include "lib/export/notion_client.hpp"
#include "lib/export/row_source.hpp"

namespace webox::exporting {
namespace {

// What a checkpoint is valid for: the same filters and fields (a resumed
// export must skip only leads the interrupted one sent).
std::string export_scope(const LeadSelection &s, const std::vector<const Field *> &fields) {
  std::string text = s.platform + '\n' + s.status + '\n' + s.since + '\n' +
                     (s.min_score ? std::to_string(*s.min_score) : "-") + '\n' + (s.has_phone ? "phone" : "-") + '\n' +
                     std::to_string(s.limit) + '\n';
  for (const Field *f : fields) text.append(f->name).append(",");
  return crypto::hex_encode(crypto::sha256(text)).substr(0, 32);
}

// The checkpoint an interrupted export to `key` left, when this run may
// resume it: same scope, and a window starting where this one starts (or
// earlier: it then delivered a superset of this run's leads up to its id).
std::optional<ExportProgress> resumable(store::Db &db, const std::string &key, const std::string &scope,
                                        const std::optional<std::string> &since) {
  auto p = load_progress(db, key);
  if (!p || p->scope != scope) return std::nullopt;
  if (p->since && p->since != since) return std::nullopt;
  return p;
}

// "lead 12 (@marie.dupont)": the lead a destination refused, as people know it.
std::string who(store::Db &db, int64_t lead_id) {
  std::string s = "lead " + std::to_string(lead_id);
  if (auto lead = leads::show_lead(db, std::to_string(lead_id))) {
    std::string u = (*lead).value("username", "");
    if (!u.empty()) s += " (@" + u + ")";
  }
  return s;
}

bool is_remote(const ExportJob &job) {
  return job.destination && job.destination->kind != DestinationKind::file;
}

// What one run reads: the window, where an interrupted run got to, the rows.
struct RunPlan {
  std::vector<const Field *> fields;
  std::vector<PropertyMapping> notion_map;
  std::string scope;
  std::optional<std::string> changed_after;
  std::optional<ExportProgress> resumed;
};

// Notion: the mapping (--map, else config, else the default) decides the fields read.
void map_notion_fields(const ExportJob &job, const ExportServices &services, RunPlan &plan) {
  if (!job.destination || job.destination->kind != DestinationKind::notion) return;
  std::string spec = job.notion_map.empty() ? load_export_settings(services.config_file()).notion_map : job.notion_map;
  plan.notion_map = spec.empty() ? default_property_map() : parse_property_map(spec);
  plan.fields.clear();
  for (const auto &m : plan.notion_map)
    if (std::find(plan.fields.begin(), plan.fields.end(), m.field) == plan.fields.end()) plan.fields.push_back(m.field);
}

void find_window(const ExportJob &job, store::Db &db, RunPlan &plan) {
  if (job.destination && job.since_last)
    if (auto previous = load_state(db, job.destination->state_key)) plan.changed_after = previous->watermark;
  plan.scope = export_scope(job.selection, plan.fields);
  if (is_remote(job) && job.since_last)
    plan.resumed = resumable(db, job.destination->state_key, plan.scope, plan.changed_after);
}

// Lists are JSON arrays where the output is JSON (json/jsonl files, webhook
// bodies), space-separated text in cells (CSV, Sheets, Notion text).
bool lists_joined(const ExportJob &job) {
  return is_remote(job) ? job.destination->kind != DestinationKind::webhook : job.format == Format::csv;
}

Delivery deliver_remote(const ExportJob &job, const ExportServices &services, const RunPlan &plan, RowSource &rows) {
  store::Db &db = services.db();
  net::HttpClient http(services.http_settings());
  const Destination &d = *job.destination;
  Checkpoint checkpoint(db, d.state_key, {plan.scope, plan.changed_after, rows.watermark(), 0, 0}, plan.resumed);
  RefusalReport refuse = [&](Delivery &out, int64_t lead_id, const std::string &message) {
    // A receiver's answer may echo the URL it was called with, credentials included.
    std::string shown = logging::redact(message);
    if (services.on_refused) services.on_refused(who(db, lead_id), shown);
    out.rejected.push_back({lead_id, shown});
  };
  Remote remote{rows, d, http, db, checkpoint, job.batch, refuse};
  if (d.kind == DestinationKind::sheets) return deliver_sheets(remote);
  if (d.kind == DestinationKind::notion) {
    std::string version = load_export_settings(services.config_file()).notion_version;
    return deliver_notion(remote, services.secret, version, plan.notion_map);
  }
  return deliver_webhook(remote, services.secret);
}

Delivery deliver(const ExportJob &job, const ExportServices &services, const RunPlan &plan, RowSource &rows) {
  if (!job.destination) return deliver_file(rows, job.format, *services.stdout_sink, job.bom);
  if (job.destination->kind == DestinationKind::file) {
    FileSink sink(job.destination->target);
    Delivery out = deliver_file(rows, job.format, sink, job.bom);
    sink.commit();
    return out;
  }
  return deliver_remote(job, services, plan, rows);
}

} // namespace

leads::LeadFilter lead_filter(const LeadSelection &s) {
  return leads::lead_filter_from_flags(s.platform, s.status, s.min_score, s.has_phone, s.since, s.limit);
}

ExportSummary export_leads(const ExportJob &job, const ExportServices &services) {
  RunPlan plan;
  plan.fields = job.fields;
  map_notion_fields(job, services, plan);

  store::Db &db = services.db();
  std::optional<DestinationLock> lock;
  if (job.destination) lock.emplace(db, job.destination->state_key);
  find_window(job, db, plan);
  std::optional<Delivered> delivered;
  if (plan.resumed) delivered = Delivered{plan.resumed->watermark, plan.resumed->after_id};
  RowSource rows(db, job.filter, plan.fields, lists_joined(job), plan.changed_after, 2000, delivered);

  auto start = std::chrono::steady_clock::now();
  Delivery result = deliver(job, services, plan, rows);
  ExportSummary summary;
  summary.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();

  // Only a complete export moves the watermark: refused leads go again next time.
  if (job.destination && result.rejected.empty() && !rows.watermark().empty()) {
    save_state(db, job.destination->state_key, rows.watermark(), result.sent);
    summary.state_advanced = true;
  }
  summary.destination = job.destination ? job.destination->state_key : "stdout";
  summary.rows = result.rows;
  summary.sent = result.sent;
  summary.requests = result.requests;
  summary.rejected = std::move(result.rejected);
  summary.since = plan.changed_after;
  if (plan.resumed) summary.resumed_after = plan.resumed->after_id;
  summary.watermark = rows.watermark();
  return summary;
}

} // namespace webox::exporting
