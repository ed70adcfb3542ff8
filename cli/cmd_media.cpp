// `webox media`: the gallery of generated images and audio.
//
//   webox media list [--kind image|audio] [-n N] [--json]
//   webox media show ID [--json]
#include <cstdio>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/media/gallery.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct MediaListOptions {
  std::string kind;
  int count = 20;
  bool json = false;
};

struct MediaShowOptions {
  int64_t id = 0;
  bool json = false;
};

json to_json(const media::MediaRecord &r) {
  json options = parse_json_or_discarded(r.options_json);
  std::error_code ec;
  bool exists = r.file_path != "-" && fs::exists(r.file_path, ec);
  return {{"id", r.id},
          {"kind", r.kind},
          {"model", r.provider + ":" + r.model},
          {"prompt", r.prompt},
          {"options", options.is_discarded() ? json(r.options_json) : options},
          {"file", r.file_path},
          {"exists", exists},
          {"media_type", r.media_type},
          {"sha256", r.sha256},
          {"bytes", r.bytes},
          {"cost", r.cost < 0 ? json(nullptr) : json(r.cost)},
          {"created_at", r.created_at}};
}

std::string one_line(std::string s, size_t max) {
  for (auto &c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // never inside a character
  return s.substr(0, cut) + "\u2026";
}

void run_list(Context &ctx, const MediaListOptions &o) {
  std::vector<media::MediaRecord> rows;
  if (ctx.has_database()) rows = media::Gallery(ctx.db()).list(o.kind, o.count);
  if (o.json) {
    json doc = json::array();
    for (const auto &r : rows) doc.push_back(to_json(r));
    out::line(out::json_text(doc, 2));
    return;
  }
  if (rows.empty()) {
    std::fputs("no media yet: webox tts and webox generate-image record what they write\n", stderr);
    return;
  }
  for (const auto &r : rows) {
    char head[160];
    std::snprintf(head, sizeof head, "%-5lld %-5s %-19.19s %-28s ", static_cast<long long>(r.id), r.kind.c_str(),
                  r.created_at.c_str(), one_line(r.provider + ":" + r.model, 28).c_str());
    if (!out::line(head + one_line(r.prompt, 50) + "  " + r.file_path)) return;
  }
}

void run_show(Context &ctx, const MediaShowOptions &o) {
  std::optional<media::MediaRecord> rec;
  if (ctx.has_database()) rec = media::Gallery(ctx.db()).get(o.id);
  if (!rec) throw UsageError("no media " + std::to_string(o.id) + " ('webox media list' shows them)");
  json doc = to_json(*rec);
  if (o.json) {
    out::line(out::json_text(doc, 2));
    return;
  }
  std::string s;
  s += "id:         " + std::to_string(rec->id) + "\n";
  s += "kind:       " + rec->kind + "\n";
  s += "model:      " + rec->provider + ":" + rec->model + "\n";
  s += "file:       " + rec->file_path + (doc["exists"].get<bool>() || rec->file_path == "-" ? "" : "  (missing)") + "\n";
  s += "type:       " + rec->media_type + ", " + std::to_string(rec->bytes) + " bytes\n";
  s += "sha256:     " + rec->sha256 + "\n";
  s += "options:    " + rec->options_json + "\n";
  if (rec->cost >= 0) s += "cost:       $" + std::to_string(rec->cost) + "\n";
  s += "created:    " + rec->created_at + "\n";
  s += "prompt:\n" + rec->prompt + (rec->prompt.empty() || rec->prompt.back() == '\n' ? "" : "\n");
  out::write(s);
}

} // namespace

void setup_media(CLI::App *media_cmd, Context &ctx) {
  media_cmd->require_subcommand(1);
  media_cmd->footer(R"EX(
Examples:
  webox media list
  webox media list --kind image --json | jq -r '.[].file'
  webox media show 12)EX");

  auto lopt = std::make_shared<MediaListOptions>();
  CLI::App *list = media_cmd->add_subcommand("list", "List generated media, newest first");
  list->add_option("--kind", lopt->kind, "image or audio")->check(CLI::IsMember({"image", "audio"}));
  list->add_option("-n,--count", lopt->count, "How many (0 = all)")->capture_default_str()->check(CLI::NonNegativeNumber);
  list->add_flag("--json", lopt->json, "Print one JSON array");
  list->callback([lopt, &ctx] { ctx.command = [lopt, &ctx] { run_list(ctx, *lopt); }; });

  auto sopt = std::make_shared<MediaShowOptions>();
  CLI::App *show = media_cmd->add_subcommand("show", "Show one gallery entry: prompt, model, options, file, digest");
  show->add_option("ID", sopt->id, "Gallery id (from 'webox media list')")->required();
  show->add_flag("--json", sopt->json, "Print one JSON object");
  show->callback([sopt, &ctx] { ctx.command = [sopt, &ctx] { run_show(ctx, *sopt); }; });
}

WEBOX_COMMAND(26, "media", "The gallery of generated images and audio", setup_media);

} // namespace webox::cli
