// `webox scrape-interactions`: collect comments, replies, mentions, likes and
// DMs of the user's own accounts into the store; score people; detect
// phones and e-mails; create leads.
//
//   webox scrape-interactions --platform instagram [--since DATE] [--account ID]
//   webox scrape-interactions --platform instagram-export --from export.zip
//   webox scrape-interactions --from interactions.jsonl      (or - for stdin)
//
// Platforms are social-collect plugins; the JSONL import is built in. Every
// page is one transaction with its resume cursor, so a run killed at any
// moment resumes where it stopped; a per-account flock keeps cron runs from
// overlapping (the second exits 75).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "lib/auth/lifecycle.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/collect.hpp"
#include "lib/leads/collect/plugin_collect.hpp"
#include "lib/leads/leads_store.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/privacy/privacy.hpp"
#include "lib/leads/contacts/phone_asker_chat.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct ScrapeOptions {
  std::string platform;
  std::string since;
  std::string from;
  std::string account;
  bool quiet = false;
  bool json = false;
};

constexpr const char *kScrapeExamples = R"(
Examples:
  webox scrape-interactions --platform instagram                 # only what is new
  webox scrape-interactions --platform x --since 2026-11-01
  webox scrape-interactions --platform instagram-export --from ~/Downloads/instagram-export.zip
  webox scrape-interactions --from interactions.jsonl            # the documented JSONL format
  */15 * * * * webox scrape-interactions --platform instagram --quiet   # safe under cron

Exit codes: 0 ok, 2 bad usage, 3 some JSONL lines were rejected (the others
were imported), 4 missing or expired token, 75 rate limited or another run
holds the account's lock (retry later), 130 interrupted. See
webox-scrape-interactions(1).)";

// Shows items, pages and rate on one stderr line, redrawn at most 10 times
// a second; only on a terminal and never under --quiet.
class ScrapeProgress {
public:
  ScrapeProgress(bool enabled, std::string label) : m_enabled(enabled), m_label(std::move(label)) {}
  ~ScrapeProgress() {
    if (m_drawn) std::fputs("\r\033[K", stderr);
  }
  void update(const leads::RunCounts &c) {
    if (!m_enabled) return;
    auto now = clock::now();
    if (m_drawn && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    double secs = std::chrono::duration<double>(now - m_start).count();
    std::fprintf(stderr, "\r\033[K%s: %lld items, %lld new, %lld pages, %.0f items/s", m_label.c_str(),
                 static_cast<long long>(c.items), static_cast<long long>(c.new_interactions),
                 static_cast<long long>(c.pages), secs > 0 ? static_cast<double>(c.items) / secs : 0.0);
    m_drawn = true;
  }

private:
  using clock = std::chrono::steady_clock;
  bool m_enabled;
  std::string m_label;
  bool m_drawn = false;
  clock::time_point m_start = clock::now();
  clock::time_point m_last{};
};

json summary_json(const leads::RunCounts &c, int64_t elapsed_ms) {
  return {{"new_interactions", c.new_interactions}, {"new_people", c.new_people}, {"new_leads", c.new_leads},
          {"new_contacts", c.new_contacts},         {"new_optouts", c.new_optouts}, {"pages", c.pages},           {"items", c.items},
          {"elapsed_ms", elapsed_ms}, {"model_calls", c.model_calls}, {"model_phones", c.model_phones}};
}

void print_summary(const ScrapeOptions &opt, const std::string &label, const leads::RunCounts &c, int64_t elapsed_ms,
                   const std::vector<leads::LineError> &bad) {
  if (opt.json) {
    json doc = summary_json(c, elapsed_ms);
    if (!bad.empty()) {
      doc["bad_lines"] = json::array();
      for (const auto &b : bad) doc["bad_lines"].push_back({{"line", b.line}, {"error", b.message}});
    }
    out::line(doc.dump());
    return;
  }
  if (opt.quiet) return;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %lld new interactions, %lld new people, %lld new leads, %lld contacts (%lld pages, %.1f s)",
                label.c_str(), static_cast<long long>(c.new_interactions), static_cast<long long>(c.new_people),
                static_cast<long long>(c.new_leads), static_cast<long long>(c.new_contacts), static_cast<long long>(c.pages),
                static_cast<double>(elapsed_ms) / 1000.0);
  out::line(buf);
}

int64_t parse_since(const std::string &since) {
  if (since.empty()) return 0;
  try {
    return leads::parse_timestamp_text(since);
  } catch (const leads::RecordError &) {
    throw UsageError("--since: '" + since + "' is not a date (2026-11-01 or 2026-11-01T10:00:00Z)");
  }
}

// What is left to read of a regular file on `fd` (a redirect, `< file`),
// 0 for a pipe or a terminal: the import sizes its work from it.
int64_t bytes_left(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  off_t at = ::lseek(fd, 0, SEEK_CUR);
  return st.st_size > at && at >= 0 ? static_cast<int64_t>(st.st_size - at) : 0;
}

void run_jsonl(const ScrapeOptions &opt, Context &ctx, leads::LeadsStore &store, int64_t since, ScrapeProgress &progress) {
  std::vector<leads::LineError> bad;
  auto start = std::chrono::steady_clock::now();
  auto on_page = [&](const leads::RunCounts &c) { progress.update(c); };
  if (opt.from == "-") {
    leads::import_jsonl(store, std::cin, bad, since, on_page, 0, bytes_left(STDIN_FILENO));
  } else {
    std::ifstream in(opt.from, std::ios::binary);
    if (!in) throw UsageError("cannot read " + opt.from);
    std::error_code ec;
    auto size = std::filesystem::file_size(opt.from, ec);
    leads::import_jsonl(store, in, bad, since, on_page, 0, ec ? 0 : static_cast<int64_t>(size));
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  for (const auto &b : bad) std::fprintf(stderr, "webox: %s:%lld: %s\n", opt.from.c_str(), static_cast<long long>(b.line), b.message.c_str());
  print_summary(opt, "jsonl", store.counts(), elapsed, bad);
  if (!bad.empty()) {
    std::fprintf(stderr, "webox: %zu line(s) rejected, the others imported\n", bad.size());
    ctx.exit_code = static_cast<int>(ExitCode::partial);
  }
}

void run_plugin(const ScrapeOptions &opt, Context &ctx, leads::LeadsStore &store, int64_t since, ScrapeProgress &progress) {
  leads::PlatformSettings settings = leads::load_platform_settings(ctx.config().source, opt.platform);
  auto bind = [&ctx](const std::string &platform) { return auth::bind_platform(ctx.plugins(), ctx.config(), platform); };
  int64_t elapsed = leads::collect_from_plugin(store, {opt.platform, opt.account, opt.from, since}, settings, bind,
                                               [&](const leads::RunCounts &c) { progress.update(c); });
  print_summary(opt, opt.platform, store.counts(), elapsed, {});
}

void run_scrape(ScrapeOptions opt, Context &ctx) {
  if (opt.platform.empty() && opt.from.empty()) throw UsageError("say what to collect: --platform NAME, or --from FILE.jsonl");
  if (opt.platform == "jsonl") opt.platform.clear();
  // A JSONL file is read here (a folder would only give "read error");
  // a file-source plugin (instagram-export) takes a folder too and says why not.
  if (opt.platform.empty() && !opt.from.empty() && opt.from != "-") text::require_readable_file(opt.from, "--from");
  if (opt.platform.empty() && opt.from.ends_with(".zip"))
    throw UsageError("--from " + opt.from + ": a zip is read with --platform instagram-export");
  int64_t since = parse_since(opt.since);
  leads::LeadsSettings settings = leads::load_leads_settings(ctx.config().source);
  leads::LeadsStore store(ctx.db(), settings);
  if (!settings.phone_fallback_model.empty())
    store.set_phone_asker(leads::make_chat_phone_asker(settings.phone_fallback_model, ctx.config(), ctx.plugins()));
  ScrapeProgress progress(!opt.quiet && !opt.json && ::isatty(2), opt.platform.empty() ? "jsonl" : opt.platform);
  if (opt.platform.empty()) run_jsonl(opt, ctx, store, since, progress);
  else run_plugin(opt, ctx, store, since, progress);
  // leads.retention_days: the cron job that collects also forgets the old texts.
  if (settings.retention_days > 0) leads::purge_interactions(ctx.db(), settings.retention_days, leads::unix_now());
}

} // namespace

void setup_scrape_interactions(CLI::App *cmd, Context &ctx) {
  auto opt = std::make_shared<ScrapeOptions>();
  cmd->add_option("--platform", opt->platform, "instagram, x, instagram-export (a social-collect plugin), or jsonl");
  add_deprecated_short(cmd, 'p', "platform", opt->platform, "PLATFORM"); // -p is --provider (models)
  cmd->add_option("--since", opt->since, "Ignore interactions before DATE (2026-11-01 or ISO 8601)");
  cmd->add_option("--from", opt->from, "Read FILE: JSONL records (- = stdin), or an export for --platform instagram-export")
      ->type_name("FILE");
  cmd->add_option("--account", opt->account, "The platform's id of your account (default: <PLATFORM>_USER_ID, then config)");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress and no summary");
  cmd->add_flag("--json", opt->json, "Print a JSON summary: new_interactions, new_people, new_leads, pages, elapsed_ms");
  cmd->footer(kScrapeExamples);
  cmd->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_scrape(*opt, ctx); }; });
}

WEBOX_COMMAND(30, "scrape-interactions",
              "Collect interactions of your social accounts into leads", setup_scrape_interactions);

} // namespace webox::cli
