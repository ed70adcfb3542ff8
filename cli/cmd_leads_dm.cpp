// `webox leads dm`: templated (or model-drafted) direct messages to leads,
// within a daily quota, paced, and never twice to the same person per
// campaign.
//
//   webox leads dm --template NAME | --draft-model MODEL [--campaign NAME]
//                  [--min-score N] [--status S] [--platform P] [--limit N]
//                  [--send] [--json]
//   webox leads dm --uncertain [--campaign NAME] [--json]
//   webox leads dm --resolve LEDGER_ID=sent|unsent
//
// Dry run by default: every message is printed, nothing is written. With
// --send each message goes through the platform's `social-send` plugin
// under the ledger's rules (lib/leads/dm/ledger.hpp). On Instagram the
// campaign chooses the path per lead (lib/leads/dm/private_reply.hpp): a
// private reply to a recent comment, else a direct message in the 24-hour
// window; the request says which (`recipient.comment_id`), the plugin builds
// the wire body. On the Facebook Login host the plugin sends from the Page
// (INSTAGRAM_PAGE_ID), checked here before anything leaves. Registered under the
// existing `leads` command from this file (order after cmd_leads.cpp).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/turn.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/front_matter.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/template.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/ledger.hpp"
#include "lib/leads/dm/settings.hpp"
#include "lib/leads/dm/targets.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct DmOptions {
  std::string template_name, draft_model, campaign, platform, status = "new", resolve;
  std::optional<int> min_score;
  int limit = 0;
  bool send = false, json = false, uncertain = false;
};

constexpr const char *kDmExamples = R"(
Examples:
  webox leads dm --template bienvenue --min-score 15 --limit 50     # dry run: prints every message
  webox leads dm --template bienvenue --min-score 15 --send
  webox leads dm --template welcome --platform x --send --json
  webox leads dm --draft-model openai:gpt-4o-mini --campaign relance-dec --min-score 30
  webox leads dm --template bienvenue --platform instagram   # shows each lead's path:
                                                  #   private reply to a comment, or direct message
  webox leads dm --uncertain                        # intents a crash left: check them by hand
  webox leads dm --resolve 17=sent                  # ... then say what happened

Templates are prompts/dm/NAME.md (Mustache: {{username}}, {{first_name}},
{{platform}}, any lead field); yours in ~/.config/webox/prompts/dm/ win.
On Instagram a lead who commented in the last 7 days gets a private reply to
their newest comment not answered yet (one per comment, ever); otherwise a
direct message, only within 24 hours of their last interaction. With
Facebook Login (META_GRAPH_BASE_URL) set INSTAGRAM_PAGE_ID and use the
Page's token as INSTAGRAM_ACCESS_TOKEN.
Exit status: 0 done; 2 usage, or a template field some lead lacks (nothing
sent); 3 some leads skipped, refused or uncertain; 4 token missing or
expired; 5 daily quota reached (the leads left are listed); 75 the platform
throttled or restricted the account, or a send's outcome is unknown. See
webox-leads-dm(1).)";

// The body of prompts/dm/NAME.md (Markdown with YAML front matter).
std::string prompt_body(const std::filesystem::path &file) {
  FrontMatterDoc doc = read_front_matter_file(file);
  if (doc.body.empty()) throw UsageError(file.string() + ": the template is empty");
  return doc.body;
}

// prompts/dm/NAME.md: the user's copy first, then the shipped one.
std::filesystem::path find_prompt(const std::string &name) {
  for (const auto &dir : {paths::config_dir() / "prompts" / "dm", paths::shared_data_dir() / "prompts" / "dm"}) {
    std::error_code ec;
    if (std::filesystem::exists(dir / (name + ".md"), ec)) return dir / (name + ".md");
  }
  std::string known;
  for (const auto &dir : {paths::config_dir() / "prompts" / "dm", paths::shared_data_dir() / "prompts" / "dm"}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".md" && e.path().stem() != "draft") known += (known.empty() ? "" : ", ") + e.path().stem().string();
  }
  throw UsageError("no DM template '" + name + "' in prompts/dm/ (available: " + (known.empty() ? "none" : known) + ")");
}

// <PLATFORM>_USER_ID > social.<platform>.user_id > "me" (as scrape-interactions).
std::string account_for(const std::filesystem::path &config_file, const std::string &platform) {
  std::string id = leads::platform_user_id(platform, leads::load_platform_settings(config_file, platform));
  return id.empty() ? "me" : id;
}

// Where Instagram messages go (social-apis.md §1.9): with Instagram Login,
// /{ig-user or me}/messages on the plugin's own host; with Facebook Login,
// /{page-id}/messages on the Facebook host, with the Page's token.
struct InstagramHost {
  std::string base_url; // "" = the plugin's own (Instagram Login)
  std::string page_id;  // INSTAGRAM_PAGE_ID > key store > social.instagram.page_id
  bool facebook() const { return !base_url.empty(); }
};

InstagramHost instagram_host(const std::filesystem::path &config_file) {
  leads::PlatformSettings settings = leads::load_platform_settings(config_file, "instagram");
  InstagramHost h;
  h.base_url = leads::instagram_base_override(settings);
  if (!h.facebook()) return h;
  h.page_id = plugin::lookup_secret("INSTAGRAM_PAGE_ID", "", "").value_or("");
  if (h.page_id.empty()) {
    auto it = settings.find("page_id");
    if (it != settings.end()) h.page_id = it->second;
  }
  return h;
}

// The plugin's failure turned into the ledger's vocabulary.
leads::SendOutcome outcome_of(const plugin::ProviderError &e) {
  leads::SendOutcome r;
  r.message = e.what();
  const json &d = e.detail();
  if (d.is_object() && d.contains("code") && d["code"].is_string()) r.code = d["code"].get<std::string>();
  if (d.is_object() && d.contains("retry_after_ms") && d["retry_after_ms"].is_number()) r.retry_after_ms = d["retry_after_ms"].get<int64_t>();
  if (r.code.empty()) {
    switch (e.status()) {
      case WEBOX_E_AUTH: r.code = "auth"; break;
      case WEBOX_E_RATE_LIMITED: r.code = "rate_limited"; break;
      case WEBOX_E_QUOTA: r.code = "blocked"; break;
      case WEBOX_E_INVALID: r.code = "invalid"; break;
      default: r.code = "ambiguous"; // no answer, or an answer we cannot read: it may have left
    }
  }
  return r;
}

// One Provider per platform, created on first use.
class Senders {
public:
  Senders(Context &ctx, InstagramHost instagram) : m_ctx(ctx), m_instagram(std::move(instagram)) {}

  bool can_send(const std::string &platform) {
    try {
      return provider(platform).can(WEBOX_CAP_SOCIAL_SEND);
    } catch (const Error &) {
      return false;
    }
  }

  leads::SendOutcome send(const leads::DmTarget &t, const std::string &text, const std::string &comment_id) {
    json recipient = {{"id", t.recipient_id}, {"username", t.context.value("username", "")}};
    if (!comment_id.empty()) recipient["comment_id"] = comment_id; // a private reply (Instagram)
    json request = {{"account_id", t.account == "me" ? "" : t.account},
                    {"recipient", recipient},
                    {"text", text},
                    {"options", leads::load_platform_settings(m_ctx.config().source, t.platform)}};
    if (t.platform == "instagram" && m_instagram.facebook()) {
      request["base_url"] = m_instagram.base_url;
      request["login"] = "facebook";
      request["page_id"] = m_instagram.page_id;
    }
    try {
      json r = provider(t.platform).social_send(request);
      leads::SendOutcome out;
      out.sent = true;
      out.message_id = r.value("message_id", "");
      if (r.contains("platform_remaining") && r["platform_remaining"].is_number()) out.platform_remaining = r["platform_remaining"].get<int64_t>();
      return out;
    } catch (const plugin::ProviderError &e) {
      if (e.status() == WEBOX_E_CANCELLED && cancel::requested()) throw Interrupted();
      return outcome_of(e);
    }
  }

private:
  plugin::Provider &provider(const std::string &platform) {
    auto it = m_providers.find(platform);
    if (it == m_providers.end())
      it = m_providers
               .emplace(platform, std::make_unique<plugin::Provider>(plugin::bind_provider(m_ctx.plugins(), m_ctx.config(), platform)))
               .first;
    return *it->second;
  }
  Context &m_ctx;
  InstagramHost m_instagram;
  std::map<std::string, std::unique_ptr<plugin::Provider>> m_providers;
};

// --draft-model: one chat call per lead with prompts/dm/draft.md as the
// system prompt and what we know of the lead as the user message.
class Drafter {
public:
  Drafter(Context &ctx, const std::string &model)
      : m_model(chat::resolve_model(model, ctx.config(), ctx.plugins())),
        m_provider(plugin::bind_provider(ctx.plugins(), ctx.config(), m_model.provider)),
        m_system(prompt_body(find_prompt("draft"))) {}

  std::string draft(const leads::DmTarget &t) {
    json lead = t.context;
    lead.erase("campaign");
    json messages = json::array({{{"role", "system"}, {"content", m_system}},
                                 {{"role", "user"}, {"content", "Lead:\n" + out::json_text(lead, 2)}}});
    chat::TurnResult r = chat::run_turn(m_provider, m_model, messages, json::object(), chat::Streaming::no, [](std::string_view) {});
    std::string text = r.text;
    size_t first = text.find_first_not_of(" \n\r\t\"");
    size_t last = text.find_last_not_of(" \n\r\t\"");
    text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    if (text.empty()) throw Error(m_model.text() + " drafted an empty message for lead " + std::to_string(t.lead_id));
    return text;
  }

private:
  chat::ModelRef m_model;
  plugin::Provider m_provider;
  std::string m_system;
};

json entry_json(const leads::DmEntry &e) {
  json j = {{"lead_id", e.target->lead_id},
            {"platform", e.target->platform},
            {"handle", e.target->handle},
            {"status", leads::status_name(e.status)}};
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.text.empty()) j["text"] = e.text;
  if (!e.message_id.empty()) j["message_id"] = e.message_id;
  if (e.status == leads::DmStatus::would_send || e.status == leads::DmStatus::sent || !e.comment_id.empty()) {
    j["via"] = e.comment_id.empty() ? "direct_message" : "private_reply";
    if (!e.comment_id.empty()) j["comment_id"] = e.comment_id;
  }
  return j;
}

void print_entry(const leads::DmEntry &e) {
  const leads::DmTarget &t = *e.target;
  std::string who = t.handle + " (" + t.platform + ", lead " + std::to_string(t.lead_id) + ")";
  switch (e.status) {
    case leads::DmStatus::would_send:
    case leads::DmStatus::sent: {
      std::string body;
      for (size_t pos = 0; pos <= e.text.size();) {
        size_t nl = e.text.find('\n', pos);
        if (nl == std::string::npos) nl = e.text.size();
        body += "    " + e.text.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
      }
      // The path after the person: which one Instagram's rules left (§1.9).
      std::string via = e.comment_id.empty() ? "direct message" : "private reply to comment " + e.comment_id;
      out::write(std::string(e.status == leads::DmStatus::sent ? "sent " : "to   ") + who + ", " + via + "\n" + body);
      break;
    }
    case leads::DmStatus::already_sent: out::line("done " + who + ": already messaged by this campaign"); break;
    case leads::DmStatus::not_reached: break; // listed with the stop reason
    default: out::line(std::string(leads::status_name(e.status)) + " " + who + ": " + e.detail);
  }
}

void run_uncertain(const DmOptions &o, Context &ctx) {
  std::vector<leads::LedgerRow> rows;
  std::error_code ec;
  if (std::filesystem::exists(paths::database(), ec)) rows = leads::DmLedger(ctx.db()).uncertain(o.campaign);
  if (o.json) {
    json list = json::array();
    for (const auto &r : rows)
      list.push_back({{"ledger_id", r.id}, {"campaign", r.campaign}, {"platform", r.platform}, {"lead_id", r.lead_id},
                      {"text", r.text}, {"since", r.updated_at}});
    out::line(out::json_text(list, 2));
    return;
  }
  if (rows.empty()) {
    std::fputs("no uncertain messages\n", stderr);
    return;
  }
  for (const auto &r : rows)
    out::line(std::to_string(r.id) + "  " + r.campaign + "  " + r.platform + "  lead " + std::to_string(r.lead_id) + "  since " + r.updated_at);
  std::fputs("check each conversation, then: webox leads dm --resolve ID=sent (or =unsent to allow a new attempt)\n", stderr);
}

void run_resolve(const DmOptions &o, Context &ctx) {
  size_t eq = o.resolve.find('=');
  std::string what = eq == std::string::npos ? "" : o.resolve.substr(eq + 1);
  int64_t id = 0;
  try {
    id = std::stoll(o.resolve.substr(0, eq));
  } catch (const std::exception &) {
  }
  if (id <= 0 || (what != "sent" && what != "unsent")) throw UsageError("--resolve: expected LEDGER_ID=sent or LEDGER_ID=unsent, got '" + o.resolve + "'");
  leads::DmLedger ledger(ctx.db());
  auto rows = ledger.uncertain("");
  if (std::none_of(rows.begin(), rows.end(), [&](const leads::LedgerRow &r) { return r.id == id; }))
    throw UsageError("--resolve: " + std::to_string(id) + " is not an uncertain message (see webox leads dm --uncertain)");
  ledger.resolve(id, what == "sent");
  out::line("ledger " + std::to_string(id) + ": " + what);
}

void run_dm(const DmOptions &o, Context &ctx) {
  if (o.uncertain) return run_uncertain(o, ctx);
  if (!o.resolve.empty()) return run_resolve(o, ctx);
  if (o.template_name.empty() == o.draft_model.empty()) throw UsageError("say how to write the messages: --template NAME or --draft-model MODEL");
  if (!o.status.empty() && o.status != "any" && !leads::is_status(o.status))
    throw UsageError("--status: '" + o.status + "' is not one of new, contacted, in_progress, converted, refused, any");

  const Config &config = ctx.config();
  leads::DmSettings settings = leads::load_dm_settings(config.source);

  std::string campaign = o.campaign;
  std::optional<Template> tpl;
  std::unique_ptr<Drafter> drafter;
  if (!o.template_name.empty()) {
    std::filesystem::path file = find_prompt(o.template_name);
    try {
      tpl.emplace(prompt_body(file));
    } catch (const TemplateError &e) {
      throw UsageError(file.string() + ": " + e.what());
    }
    if (campaign.empty()) campaign = o.template_name;
  } else {
    drafter = std::make_unique<Drafter>(ctx, o.draft_model);
    if (campaign.empty()) campaign = "draft:" + o.draft_model;
  }

  std::error_code ec;
  std::vector<leads::DmTarget> targets;
  if (std::filesystem::exists(paths::database(), ec)) {
    leads::LeadFilter f;
    f.platform = o.platform;
    f.status = o.status == "any" ? "" : o.status;
    f.min_score = o.min_score;
    targets = leads::select_targets(ctx.db(), f, campaign, [&](const std::string &p) { return account_for(config.source, p); });
  }
  if (tpl) {
    // Render once per lead before anything is sent: a field the lead lacks
    // would go out as "Bonjour ," (sections over it are fine: they are false).
    std::vector<std::string> missing;
    for (const auto &t : targets) {
      std::set<std::string> lacks;
      tpl->render(t.context, &lacks);
      if (lacks.empty()) continue;
      std::string names;
      for (const auto &n : lacks) names += (names.empty() ? "" : ", ") + n;
      missing.push_back("lead " + std::to_string(t.lead_id) + " (" + t.handle + "): " + names);
    }
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size() && i < 10; ++i) list += "\n  " + missing[i];
      if (missing.size() > 10) list += "\n  ... and " + std::to_string(missing.size() - 10) + " more";
      throw UsageError("template '" + o.template_name + "' uses fields some leads do not have; nothing was sent (narrow the "
                       "selection or change the template):" + list);
    }
  }

  InstagramHost instagram = instagram_host(config.source);
  Senders senders(ctx, instagram);
  leads::CampaignOptions co;
  co.campaign = campaign;
  co.send = o.send;
  co.limit = o.limit;
  co.settings = settings;
  std::map<std::string, bool> checked;
  for (const auto &t : targets)
    if (!checked.count(t.platform) && !(checked[t.platform] = senders.can_send(t.platform))) co.unsendable_platforms.push_back(t.platform);

  leads::Composer compose = [&](const leads::DmTarget &t) { return tpl ? tpl->render(t.context) : drafter->draft(t); };
  const bool any_instagram = std::any_of(targets.begin(), targets.end(), [](const leads::DmTarget &t) { return t.platform == "instagram"; });
  if (any_instagram && instagram.facebook() && instagram.page_id.empty()) {
    // Facebook Login sends from the Page: without its id every send would be
    // refused, so nothing starts (a dry run only says so).
    std::string why = "instagram: the Facebook Login host (" + instagram.base_url +
                      ") sends direct messages as /{page-id}/messages: set INSTAGRAM_PAGE_ID (or `webox keys set "
                      "INSTAGRAM_PAGE_ID`, or social.instagram.page_id) to the Facebook Page linked to the Instagram account, "
                      "and INSTAGRAM_ACCESS_TOKEN to that Page's access token";
    if (o.send) throw Error(why + "; nothing was sent", ExitCode::config);
    std::fprintf(stderr, "webox: warning: %s\n", why.c_str());
  }
  leads::Sender send = [&](const leads::DmTarget &t, const std::string &text, const std::string &comment_id) {
    return senders.send(t, text, comment_id);
  };
  leads::Pacer pacer(settings.pace_min_ms, settings.pace_max_ms);
  if (!o.json && !o.send) std::fprintf(stderr, "campaign %s: dry run, nothing is sent (add --send)\n", campaign.c_str());
  leads::DmReport report = leads::run_campaign(ctx.db(), targets, co, compose, send, pacer, [&](const leads::DmEntry &e) {
    if (!o.json) print_entry(e);
  });

  std::map<std::string, int> counts;
  json remaining = json::array();
  std::string remaining_text;
  for (const auto &e : report.entries) {
    ++counts[leads::status_name(e.status)];
    if (e.status == leads::DmStatus::not_reached) {
      remaining.push_back({{"lead_id", e.target->lead_id}, {"handle", e.target->handle}, {"platform", e.target->platform}});
      remaining_text += "\n  lead " + std::to_string(e.target->lead_id) + " " + e.target->handle + " (" + e.target->platform + ")";
    }
  }
  static const std::map<leads::StopReason, const char *> kStop = {{leads::StopReason::quota, "quota"},
                                                                 {leads::StopReason::rate_limited, "rate_limited"},
                                                                 {leads::StopReason::blocked, "blocked"},
                                                                 {leads::StopReason::auth, "auth"},
                                                                 {leads::StopReason::ambiguous, "ambiguous"}};
  if (o.json) {
    json doc = {{"campaign", campaign}, {"dry_run", !o.send}, {"entries", json::array()}, {"counts", counts}, {"remaining", remaining}};
    for (const auto &e : report.entries) doc["entries"].push_back(entry_json(e));
    doc["stopped"] = report.stop == leads::StopReason::none ? json(nullptr) : json(kStop.at(report.stop));
    if (report.stop != leads::StopReason::none) doc["stop_detail"] = report.stop_detail;
    out::line(out::json_text(doc, 2));
  } else {
    std::string line;
    for (const auto &[k, n] : counts) line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    std::fprintf(stderr, "campaign %s: %s\n", campaign.c_str(), line.empty() ? "no leads match" : line.c_str());
  }
  if (report.stop != leads::StopReason::none) {
    ExitCode code = report.stop == leads::StopReason::quota ? ExitCode::quota
                    : report.stop == leads::StopReason::auth ? ExitCode::config
                                                             : ExitCode::temporary;
    throw Error(report.stop_detail + (remaining_text.empty() ? "" : "; not messaged:" + remaining_text), code);
  }
  if (o.send && (counts.count("skipped") || counts.count("failed") || counts.count("uncertain"))) ctx.exit_code = static_cast<int>(ExitCode::partial);
}

} // namespace

void setup_leads_dm(CLI::App &app, Context &ctx) {
  CLI::App *leads_cmd = app.get_subcommand("leads");
  auto o = std::make_shared<DmOptions>();
  CLI::App *dm = leads_cmd->add_subcommand("dm", "Direct messages to leads: templated or drafted, quota-bound, never twice");
  auto *tpl = dm->add_option("-t,--template", o->template_name, "prompts/dm/NAME.md, rendered per lead (Mustache)");
  auto *draft = dm->add_option("--draft-model", o->draft_model, "Draft each message with this model (provider:model)");
  tpl->excludes(draft);
  dm->add_option("--campaign", o->campaign, "Campaign name in the ledger (default: the template's name)");
  dm->add_option("--min-score", o->min_score, "Only leads scoring at least N (0-100)")->check(CLI::Range(0, 100));
  dm->add_option("--status", o->status, "Only leads with this status (default new; any = all)");
  dm->add_option("--platform", o->platform, "Only this platform (instagram, x, ...)");
  dm->add_option("-n,--limit", o->limit, "At most N messages this run (0 = no limit)")->check(CLI::NonNegativeNumber);
  dm->add_flag("--send", o->send, "Really send (default: dry run, print every message)");
  dm->add_flag("--json", o->json, "One JSON report");
  dm->add_flag("--uncertain", o->uncertain, "List messages whose outcome a crash left unknown");
  dm->add_option("--resolve", o->resolve, "Settle an uncertain message: LEDGER_ID=sent or LEDGER_ID=unsent");
  dm->footer(kDmExamples);
  dm->callback([o, &ctx] { ctx.command = [o, &ctx] { run_dm(*o, ctx); }; });
}

WEBOX_COMMAND(32, setup_leads_dm);

} // namespace webox::cli
