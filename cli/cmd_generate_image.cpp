// `webox generate-image`: images from a prompt, checked, written, recorded.
//
//   webox generate-image PROMPT... [-m MODEL] [--size WxH] [-n N]
//                        [--quality Q] [--seed S] [--output FILE|DIR/] [--json]
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/media/gallery.hpp"
#include "lib/media/generate.hpp"
#include "lib/media/media_budget.hpp"
#include "lib/media/media_prices.hpp"
#include "lib/media/produce.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ImageOptions {
  std::string model;
  std::string size;
  int count = 1;
  std::string quality;
  std::optional<int64_t> seed;
  std::string output;
  std::vector<std::string> options;
  std::optional<double> max_cost;
  bool json = false;
  std::vector<std::string> words;
};

constexpr const char *kImageExamples = R"(
Examples:
  webox generate-image -m openai:gpt-image-1 --size 1024x1024 -n 2 --output images/ "un refuge en montagne, aquarelle"
  webox generate-image -m stability:sd3.5-large "une affiche rétro" --output affiche.png
  webox generate-image -m sdwebui:default --seed 42 "a lighthouse at dusk" --output local.png
  webox generate-image -m openai:dall-e-3 --quality hd "..." --json | jq -r '.images[].file'
  webox generate-image -m openai:gpt-image-1 -n 4 --max-cost 0.20 "..."   # exit 5 if 4 images could cost more

The prompt is the arguments, else standard input. Without --output the images go
to the gallery folder ($XDG_DATA_HOME/webox/media) as <prompt>-<sha8>.<ext>;
every path written is printed. Without -m the model is $WEBOX_IMAGE_MODEL,
else media.image_model in the config, else openai:gpt-image-1. --max-cost and
the config's budgets are checked before the request, at the prices of
data/prices.json (no --quality: the dearest one). See webox-generate-image(1).)";

// The prompt: the arguments, else standard input, without its last newline.
std::string read_image_prompt(const ImageOptions &o) {
  std::string prompt = text::join_words(o.words);
  if (prompt.empty() && !out::stdin_is_tty())
    prompt = text::prompt_with_stdin({});
  while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
  if (prompt.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError("no prompt: give it as arguments or on standard input");
  return prompt;
}

void check_size(const std::string &size) {
  if (size.empty()) return;
  size_t x = size.find('x');
  if (size != "auto" && (x == std::string::npos || x == 0 || x + 1 == size.size() ||
                         size.find_first_not_of("0123456789x") != std::string::npos))
    throw UsageError("--size expects WIDTHxHEIGHT such as 1024x1024 (or auto), got '" + size + "'");
}

media::Target image_target(const ImageOptions &o) {
  media::Target target = media::parse_target(o.output);
  if (target.kind == media::Target::Kind::standard_output) {
    if (o.count > 1) throw UsageError("--output - writes one image; use --output DIR/ for several");
    if (o.json) throw UsageError("--json and --output - both want standard output; give --output FILE or DIR/");
    if (out::is_tty()) throw UsageError("refusing to write an image to a terminal; redirect standard output or give --output FILE");
  }
  return target;
}

// What an image budget check counted: "2 images, quality hd, 1792x1024".
std::string image_basis(const ImageOptions &o) {
  return std::to_string(o.count) + (o.count == 1 ? " image" : " images") + ", quality " +
         (o.quality.empty() ? "the dearest" : o.quality) + ", " + (o.size.empty() ? "1024x1024" : o.size);
}

json image_request(const ImageOptions &o, const chat::ModelRef &ref, const std::string &prompt) {
  json request = {
      {"model", ref.model}, {"prompt", prompt}, {"n", o.count}, {"options", media::options_from_pairs(o.options)}};
  if (!o.size.empty()) request["size"] = o.size;
  if (!o.quality.empty()) request["quality"] = o.quality;
  if (o.seed) request["seed"] = *o.seed;
  return request;
}

// What the images were generated with, as the gallery records it.
json gallery_options(const ImageOptions &o, const json &request) {
  json options = {{"size", o.size}, {"n", o.count}, {"quality", o.quality}};
  if (o.seed) options["seed"] = *o.seed;
  if (!request["options"].empty()) options["options"] = request["options"];
  return options;
}

// Writes one image where the target says (or to standard output).
media::MediaRecord write_one(const media::GeneratedImage &img, const media::Target &target, size_t i, size_t count,
                             const std::string &prompt) {
  if (target.kind != media::Target::Kind::standard_output) return media::write_image(img, target, i + 1, count, prompt);
  out::write(img.bytes);
  media::MediaRecord rec;
  rec.kind = "image";
  rec.prompt = prompt;
  rec.file_path = "-";
  rec.media_type = img.type.mime;
  rec.sha256 = crypto::hex_encode(crypto::sha256(img.bytes));
  rec.bytes = static_cast<int64_t>(img.bytes.size());
  return rec;
}

// Adds the written image to the gallery; returns its id (0 when it could
// not be recorded: the file is there all the same).
int64_t record_in_gallery(Context &ctx, media::MediaRecord rec, const chat::ModelRef &ref, const json &options,
                          const media::GeneratedImage &img, double cost) {
  rec.provider = ref.provider;
  rec.model = ref.model;
  json opts = options;
  if (img.info.contains("seed")) opts["seed"] = img.info["seed"];
  rec.options_json = opts.dump();
  rec.cost = cost;
  try {
    return media::Gallery(ctx.db()).add(rec);
  } catch (const Error &e) {
    spdlog::warn("the image was written but not recorded in the gallery: {}", e.what());
    return 0;
  }
}

json image_entry(int64_t id, const media::MediaRecord &rec, const media::GeneratedImage &img) {
  json entry = {{"id", id},
                {"file", rec.file_path},
                {"media_type", img.type.mime},
                {"bytes", img.bytes.size()},
                {"sha256", rec.sha256}};
  if (img.info.contains("revised_prompt")) entry["revised_prompt"] = img.info["revised_prompt"];
  if (img.info.contains("seed")) entry["seed"] = img.info["seed"];
  return entry;
}

void run_generate_image(Context &ctx, const ImageOptions &o) {
  const std::string prompt = read_image_prompt(o);
  check_size(o.size);
  const media::Target target = image_target(o);

  const Config &config = ctx.config();
  std::string spec = o.model.empty() ? media::default_media_model(media::MediaKind::image, config.media).model : o.model;
  chat::ModelRef ref = chat::resolve_model(spec, config, ctx.plugins());
  plugin::Provider provider(plugin::bind_provider(ctx.plugins(), config, ref.provider));
  if (!provider.can(WEBOX_CAP_IMAGE))
    throw UsageError(ref.provider + " does not generate images; use -m openai:gpt-image-1, stability:sd3.5-large or "
                                    "sdwebui:default");

  // Priced and capped before the request (exit 5, nothing sent).
  const media::MediaPriceTable prices = media::MediaPriceTable::shipped();
  media::check_media_budget(config, &ctx.db(), o.max_cost, ref, prices.image_cost(ref.provider, ref.model, o.quality, o.size, o.count),
                            image_basis(o));
  const json request = image_request(o, ref, prompt);
  json doc;
  std::vector<media::GeneratedImage> images = media::generate_images(provider, request, &doc);
  if (images.size() < static_cast<size_t>(o.count))
    spdlog::warn("{} returned {} image(s) of the {} asked for", ref.text(), images.size(), o.count);

  json written = json::array();
  const json options = gallery_options(o, request);
  // The provider's own figure where it gives one, else the price table's.
  const std::optional<double> priced = prices.image_cost(ref.provider, ref.model, o.quality, o.size, 1);
  const double cost_each = doc.contains("cost") && doc["cost"].is_number()
                               ? doc["cost"].get<double>() / static_cast<double>(images.size())
                               : priced.value_or(-1);
  for (size_t i = 0; i < images.size(); ++i) {
    media::MediaRecord rec = write_one(images[i], target, i, images.size(), prompt);
    int64_t id = record_in_gallery(ctx, rec, ref, options, images[i], cost_each);
    written.push_back(image_entry(id, rec, images[i]));
    if (!o.json && target.kind != media::Target::Kind::standard_output) out::line(rec.file_path);
  }
  if (o.json) {
    json out_doc = {{"model", ref.text()}, {"images", written}};
    if (doc.contains("usage")) out_doc["usage"] = doc["usage"];
    out::line(out_doc.dump());
  }
}

} // namespace

void setup_generate_image(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<ImageOptions>();
  cmd->add_option("-m,--model", o->model, "provider:model (default: $WEBOX_IMAGE_MODEL, media.image_model, else openai:gpt-image-1)")
      ->type_name("MODEL");
  cmd->add_option("--size", o->size, "WIDTHxHEIGHT, e.g. 1024x1024 (Stability: mapped to an aspect ratio)")
      ->type_name("WxH");
  cmd->add_option("-n,--count", o->count, "How many images")->capture_default_str()->check(CLI::Range(1, 10));
  cmd->add_option("--quality", o->quality, "Provider quality: low, medium, high (gpt-image), standard, hd (dall-e-3)")
      ->type_name("Q");
  cmd->add_option("--seed", o->seed, "Seed, where the provider supports it (Stability, SD WebUI)")->type_name("N");
  add_output_option(cmd, o->output, "FILE, DIR/ (named from the prompt), or - for standard output");
  cmd->add_option("--option", o->options, "Provider option key=value (repeatable; JSON values parsed)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--max-cost", o->max_cost, "Refuse (exit 5) when the images could cost more (USD, data/prices.json)")
      ->type_name("USD")
      ->check(checks::amount());
  cmd->add_flag("--json", o->json, "Print one JSON object: model, images[{id, file, media_type, bytes, sha256}]");
  cmd->add_option("prompt", o->words, "The prompt (joined with spaces)");
  cmd->footer(kImageExamples);
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_generate_image(ctx, *o); }; });
}

WEBOX_COMMAND(20, "generate-image", "Images from a prompt: OpenAI, Stability, a local SD WebUI", setup_generate_image);

} // namespace webox::cli
