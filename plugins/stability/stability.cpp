// The stability provider: image generation with the Stability AI REST API,
// "Stable Image" v2beta.
//
// WIRE FORMAT.
//   POST {base}/v2beta/stable-image/generate/sd3     (models sd3.5-large,
//        sd3.5-large-turbo, sd3.5-medium, sd3-*: sent as the `model` field)
//   POST {base}/v2beta/stable-image/generate/core
//   POST {base}/v2beta/stable-image/generate/ultra
//   Authorization: Bearer KEY
//   Accept: image/*          -> the image bytes themselves, with headers
//                               `seed` and `finish-reason` (SUCCESS or
//                               CONTENT_FILTERED)
//   (Accept: application/json would give {"image": base64, "seed",
//    "finish_reason"}; bytes avoid a third of overhead and a decode.)
//   Content-Type: multipart/form-data with text fields prompt,
//   aspect_ratio (16:9 1:1 21:9 2:3 3:2 4:5 5:4 9:16 9:21), seed
//   (0 = random), output_format (png, jpeg; webp for core/ultra),
//   negative_prompt, model, mode=text-to-image.
// Failures are JSON: {"id": "...", "name": "bad_request" |
// "content_moderation" | "payment_required"..., "errors": ["..."]}; 402 (or a
// name saying so) means out of credits.
//
// One request makes one image: -n N sends N requests, seed+i when a seed is
// given so that a series stays reproducible.
#include <cmath>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

#include "plugins/common/media_kit.hpp"

namespace sdk = webox::sdk;
namespace mp = webox::media_plugin;
using nlohmann::json;

// The service's instance (name, base URL, key variable).
struct webox_instance : webox::media_plugin::Service {};

namespace {

// "1024x576" -> the closest ratio the API accepts.
std::string aspect_ratio_for(const std::string &size) {
  static const std::pair<const char *, double> ratios[] = {
      {"21:9", 21.0 / 9}, {"16:9", 16.0 / 9}, {"3:2", 1.5}, {"5:4", 1.25}, {"1:1", 1.0},
      {"4:5", 0.8},       {"2:3", 2.0 / 3},   {"9:16", 9.0 / 16}, {"9:21", 9.0 / 21}};
  if (size.find(':') != std::string::npos) return size; // already a ratio
  size_t x = size.find('x');
  if (x == std::string::npos) return "1:1";
  double w = std::atof(size.substr(0, x).c_str()), h = std::atof(size.substr(x + 1).c_str());
  if (w <= 0 || h <= 0) return "1:1";
  const char *best = "1:1";
  double best_err = 1e9;
  for (const auto &[name, r] : ratios) {
    double err = std::fabs(std::log(w / h) - std::log(r));
    if (err < best_err) best_err = err, best = name;
  }
  return best;
}

[[noreturn]] void fail(const sdk::HttpResponse &r) {
  json body = webox::bounded_json::parse_or_discarded(r.body);
  std::string code, message;
  if (body.is_object()) {
    code = webox::json_fields::string_at(body, "name");
    if (body.contains("errors") && body["errors"].is_array())
      for (const auto &e : body["errors"]) message += (message.empty() ? "" : "; ") + (e.is_string() ? e.get<std::string>() : e.dump());
    if (message.empty()) message = webox::json_fields::string_at(body, "message");
  }
  bool quota = r.status == 402 || code == "payment_required" || code == "insufficient_balance";
  mp::fail_http(WEBOX_PROVIDER_ID, r, code, message, quota);
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return mp::create_service(config, size, out, error, WEBOX_PROVIDER_ID, "https://api.stability.ai", "STABILITY_API_KEY");
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description(json{{"models", {"sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "core", "ultra"}},
                   {"image", {{"max_n", 10}, {"seed", true}, {"sizes", "any WxH, mapped to an aspect ratio"}}}}, out);
}

webox_status image(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, WEBOX_PROVIDER_ID);
    std::string prompt = request.value("prompt", "");
    if (prompt.find_first_not_of(" \t\r\n") == std::string::npos)
      throw sdk::Failure(WEBOX_E_INVALID, "stability: empty prompt");
    std::string model = request.value("model", "sd3.5-large");
    int n = request.value("n", 1);
    if (n < 1 || n > 10) throw sdk::Failure(WEBOX_E_INVALID, "stability: n must be between 1 and 10");
    std::string endpoint = model == "core" || model == "ultra" ? model : "sd3";
    json options = request.value("options", json::object());
    std::string output_format = options.value("output_format", "png");
    std::string key = mp::require_key(call, WEBOX_PROVIDER_ID, self->key_name);

    mp::ImageBlob blob;
    for (int i = 0; i < n; ++i) {
      if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "stability: cancelled");
      mp::Multipart form;
      form.field("prompt", prompt);
      if (endpoint == "sd3") {
        form.field("model", model);
        form.field("mode", "text-to-image");
      }
      form.field("aspect_ratio", aspect_ratio_for(request.value("size", "1:1")));
      form.field("output_format", output_format);
      if (request.contains("seed") && request["seed"].is_number_integer())
        form.field("seed", std::to_string(request["seed"].get<int64_t>() + i));
      for (auto it = options.begin(); options.is_object() && it != options.end(); ++it) {
        if (it.key() == "output_format") continue;
        form.field(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
      }
      sdk::HttpRequest http;
      http.method = "POST";
      http.url = self->base_url + "/v2beta/stable-image/generate/" + endpoint;
      http.body = form.body();
      http.headers = {"Authorization: Bearer " + key, "Accept: image/*", "Content-Type: " + form.content_type()};
      sdk::HttpResponse r = sdk::http(call, http);
      if (r.status < 200 || r.status >= 300) fail(r);
      json info = json::object();
      if (std::string seed = r.header("seed"); !seed.empty()) {
        try {
          info["seed"] = std::stoll(seed);
        } catch (...) {
          info["seed"] = seed;
        }
      }
      if (std::string finish = r.header("finish-reason"); !finish.empty()) {
        info["finish_reason"] = finish;
        if (finish == "CONTENT_FILTERED")
          sdk::log(call, WEBOX_LOG_WARN, "stability: the image was filtered by content moderation (blurred)");
      }
      blob.add(r.body, info);
    }
    sdk::give(json{{"model", model}, {"images", blob.images}}.dump(), &out->json);
    sdk::give(std::move(blob.bytes), &out->blob);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .image = image)
