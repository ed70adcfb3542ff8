// lib/export/leads_export: one run, moved out of cli/cmd_leads_export.cpp.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/export/leads_export.hpp"

using namespace webox;
using namespace webox::exporting;

namespace {

void seed_leads(store::Db &db, int n) {
  for (int i = 1; i <= n; ++i) {
    webox::store::Statement p(db, "INSERT INTO people(platform, platform_user_id, username, score, created_at) "
                                  "VALUES('instagram', ?, ?, ?, 't') RETURNING id");
    p.bind(1, std::to_string(i));
    p.bind(2, "user" + std::to_string(i));
    p.bind(3, i);
    const int64_t person_id = webox::store::returned_id(p).value_or(0);
    webox::store::Statement l(db, "INSERT INTO leads(person_id, score, created_at, updated_at) VALUES(?, ?, 't', '2026-11-01T10:00:00Z')");
    l.bind(1, person_id);
    l.bind(2, i * 10);
    l.exec();
  }
}

} // namespace

TEST_CASE("leads export run: stdout reads no config, no HTTP settings, no secret", "[export]") {
  store::Db db(":memory:");
  seed_leads(db, 3);
  std::string written;
  FunctionSink sink([&](std::string_view bytes) {
    written += bytes;
    return true;
  });
  ExportServices services;
  services.db = [&]() -> store::Db & { return db; };
  services.config_file = []() -> std::filesystem::path { throw std::logic_error("config read by a file export"); };
  services.http_settings = []() -> net::HttpSettings { throw std::logic_error("HTTP set up by a file export"); };
  services.secret = [](const std::string &) -> std::optional<std::string> { throw std::logic_error("secret looked up"); };
  services.stdout_sink = &sink;

  ExportJob job;
  job.selection.min_score = 20;
  job.filter = lead_filter(job.selection);
  job.fields = parse_fields("id,username,score");
  ExportSummary s = export_leads(job, services);
  CHECK(written == "id,username,score\r\n2,user2,20\r\n3,user3,30\r\n");
  CHECK(s.destination == "stdout");
  CHECK(s.rows == 2);
  CHECK(s.sent == 2);
  CHECK(s.rejected.empty());
  CHECK_FALSE(s.state_advanced); // stdout keeps no state
}

TEST_CASE("leads export run: the filter flags are checked", "[export]") {
  LeadSelection bad;
  bad.status = "maybe";
  CHECK_THROWS_AS(lead_filter(bad), UsageError);
}
