// The sdwebui provider: a local AUTOMATIC1111-compatible Stable Diffusion
// server (AUTOMATIC1111 started with --api, Forge, SD.Next).
//
// WIRE FORMAT.
//   POST {base}/sdapi/v1/txt2img   (base: SDWEBUI_BASE_URL, default
//                                   http://127.0.0.1:7860)
//   {"prompt","negative_prompt"?,"width","height","steps"?,"seed" (-1 =
//    random),"batch_size": n,"cfg_scale"?,"sampler_name"?,
//    "override_settings"?: {"sd_model_checkpoint": "..."}}
//   200 {"images": ["<base64 PNG>", ...], "parameters": {...},
//        "info": "<a JSON document as a string: seed, all_seeds, ...>"}
// Failures are FastAPI documents: {"detail": "..."} or {"error", "detail",
// "body", "errors"}; a server started without --api answers 404 on /sdapi.
// The model "default" keeps the checkpoint the server has loaded; any other
// name is asked for through override_settings. No authentication is sent
// (a server behind --api-auth can be given an "Authorization" through
// options.authorization).
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

// The service's instance (name, base URL; no key).
struct webox_instance : webox::media_plugin::Service {};

namespace {

[[noreturn]] void fail(const sdk::HttpResponse &r) {
  json body = webox::bounded_json::parse_or_discarded(r.body);
  std::string code, message;
  if (body.is_object()) {
    code = webox::json_fields::string_at(body, "error");
    if (body.contains("detail")) message = body["detail"].is_string() ? body["detail"].get<std::string>() : body["detail"].dump();
    if (body.contains("errors") && body["errors"].is_string()) message += (message.empty() ? "" : ": ") + body["errors"].get<std::string>();
  }
  if (r.status == 404 && message == "Not Found")
    message = "no /sdapi/v1/txt2img here: start the WebUI with --api";
  mp::fail_http(WEBOX_PROVIDER_ID, r, code, message);
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return mp::create_service(config, size, out, error, WEBOX_PROVIDER_ID, "http://127.0.0.1:7860", nullptr);
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description(json{{"models", {"default"}}, {"image", {{"max_n", 10}, {"seed", true}}}}, out);
}

webox_status image(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = mp::parse_request(req, WEBOX_PROVIDER_ID);
    std::string prompt = request.value("prompt", "");
    if (prompt.find_first_not_of(" \t\r\n") == std::string::npos)
      throw sdk::Failure(WEBOX_E_INVALID, "sdwebui: empty prompt");
    std::string model = request.value("model", "default");
    int width = 512, height = 512;
    std::string size = request.value("size", "");
    if (!size.empty() && size != "auto") {
      size_t x = size.find('x');
      if (x == std::string::npos) throw sdk::Failure(WEBOX_E_INVALID, "sdwebui: size must be WIDTHxHEIGHT");
      width = std::atoi(size.substr(0, x).c_str());
      height = std::atoi(size.substr(x + 1).c_str());
      if (width < 64 || height < 64 || width > 4096 || height > 4096)
        throw sdk::Failure(WEBOX_E_INVALID, "sdwebui: size must be between 64x64 and 4096x4096");
    }
    json body = {{"prompt", prompt},
                 {"width", width},
                 {"height", height},
                 {"batch_size", request.value("n", 1)},
                 {"seed", request.contains("seed") && request["seed"].is_number_integer() ? request["seed"] : json(-1)}};
    if (model != "default") body["override_settings"] = {{"sd_model_checkpoint", model}};
    json options = request.value("options", json::object());
    std::string authorization;
    for (auto it = options.begin(); options.is_object() && it != options.end(); ++it) {
      if (it.key() == "authorization") authorization = it.value().get<std::string>();
      else body[it.key()] = it.value();
    }
    sdk::HttpRequest http;
    http.method = "POST";
    http.url = self->base_url + "/sdapi/v1/txt2img";
    http.body = body.dump();
    http.headers = {"Content-Type: application/json", "Accept: application/json"};
    if (!authorization.empty()) http.headers.push_back("Authorization: " + authorization);
    sdk::HttpResponse r = sdk::http(call, http);
    if (r.status < 200 || r.status >= 300) fail(r);
    json answer = webox::bounded_json::parse_or_discarded(r.body);
    if (!answer.is_object() || !answer.contains("images") || !answer["images"].is_array()) {
      if (mp::looks_like_html(r.body))
        throw sdk::Failure(WEBOX_E_UPSTREAM, "sdwebui: the server answered with an HTML page, not the API (is "
                                             "SDWEBUI_BASE_URL the WebUI started with --api?)");
      throw sdk::Failure(WEBOX_E_UPSTREAM, "sdwebui: the answer has no images");
    }
    json seeds = json::array();
    if (answer.contains("info") && answer["info"].is_string()) {
      json info = webox::bounded_json::parse_or_discarded(answer["info"].get<std::string>());
      if (info.is_object() && info.contains("all_seeds")) seeds = info["all_seeds"];
    }
    mp::ImageBlob blob;
    size_t index = 0;
    for (const auto &encoded : answer["images"]) {
      if (!encoded.is_string()) continue;
      bool ok = true;
      std::string bytes = mp::base64_decode(mp::strip_data_url(encoded.get<std::string>()), &ok);
      if (!ok) throw sdk::Failure(WEBOX_E_UPSTREAM, "sdwebui: an image is not valid base64");
      json info = json::object();
      if (seeds.is_array() && index < seeds.size()) info["seed"] = seeds[index];
      blob.add(bytes, info);
      ++index;
    }
    sdk::give(json{{"model", model}, {"images", blob.images}}.dump(), &out->json);
    sdk::give(std::move(blob.bytes), &out->blob);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .image = image)
