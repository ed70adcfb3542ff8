// The recorder: a test plugin with every operation, which writes each
// request document the host sends it into $WEBOX_RECORDER_DIR
// (<operation>-<pid>-<n>.json: every command is a process of its own) and
// answers with the smallest result the host
// accepts. tests/abi/test_schemas.py drives the real webox commands through
// it and checks what was written against plugins/sdk/schemas/.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

#include <webox/plugin.hpp>

namespace sdk = webox::sdk;

struct webox_instance {
  int unused = 0;
};

namespace {

std::atomic<int> g_count{0};

void record(const char *operation, const webox_request *req) {
  const char *dir = std::getenv("WEBOX_RECORDER_DIR");
  if (!dir || !*dir) throw sdk::Failure(WEBOX_E_INVALID, "recorder: set WEBOX_RECORDER_DIR");
  std::string path = std::string(dir) + "/" + operation + "-" + std::to_string(getpid()) + "-" +
                     std::to_string(++g_count) + ".json";
  std::ofstream out(path, std::ios::binary);
  out.write(req->json, static_cast<std::streamsize>(req->json_size));
  if (!out) throw sdk::Failure(WEBOX_E_INTERNAL, "recorder: cannot write " + path);
}

webox_status create(const char *, size_t, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    *out = new webox_instance();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give("{\"models\":[\"any\"]}", out);
    return WEBOX_OK;
  });
}

webox_status chat(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("chat", req);
    sdk::give("{\"text\":\"recorded\",\"model\":\"any\",\"finish_reason\":\"stop\"}", &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *, const webox_call *, const webox_request *req, webox_sink_fn sink,
                         void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("chat_stream", req);
    sdk::emit(sink, user, "{\"type\":\"delta\",\"text\":\"recorded\"}");
    sdk::give("{\"text\":\"recorded\",\"model\":\"any\",\"finish_reason\":\"stop\"}", &out->json);
    return WEBOX_OK;
  });
}

webox_status embed(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("embed", req);
    sdk::give("{\"model\":\"any\",\"vectors\":[[0.5]]}", &out->json);
    return WEBOX_OK;
  });
}

// A 1x1 PNG.
const unsigned char kPng[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
    0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
    0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};

webox_status image(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("image", req);
    std::string png(reinterpret_cast<const char *>(kPng), sizeof kPng);
    sdk::give("{\"model\":\"any\",\"images\":[{\"offset\":0,\"size\":" + std::to_string(png.size()) + "}]}",
              &out->json);
    sdk::give(std::move(png), &out->blob);
    return WEBOX_OK;
  });
}

webox_status tts(webox_instance *, const webox_call *, const webox_request *req, webox_byte_sink_fn sink, void *user,
                 webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("tts", req);
    // An MP3 frame header and a little padding: enough for the host's check.
    std::string mp3 = "ID3\x03";
    mp3.append(6, '\0');
    mp3 += std::string("\xFF\xFB\x90\x64", 4);
    mp3.append(413, '\0');
    if (sink(user, mp3.data(), mp3.size()) != 0) throw sdk::Failure(WEBOX_E_CANCELLED, "stopped by the host");
    sdk::give("{\"media_type\":\"audio/mpeg\",\"format\":\"mp3\",\"model\":\"any\"}", &out->json);
    return WEBOX_OK;
  });
}

webox_status stt(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("stt", req);
    sdk::give("{\"text\":\"recorded\",\"model\":\"any\"}", &out->json);
    return WEBOX_OK;
  });
}

webox_status social_collect(webox_instance *, const webox_call *, const webox_request *req, webox_sink_fn,
                            void *, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("social_collect", req);
    sdk::give("{\"pages\":0,\"requests\":0}", &out->json);
    return WEBOX_OK;
  });
}

webox_status social_send(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("social_send", req);
    sdk::give("{\"message_id\":\"recorded\"}", &out->json);
    return WEBOX_OK;
  });
}

// ABI 1.4: a list in the result schema's shape, every optional field used.
webox_status list_models(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    record("list_models", req);
    sdk::give("{\"models\":[{\"id\":\"any\",\"display_name\":\"Any\",\"capabilities\":[\"chat\",\"vision\"],"
              "\"context_window\":8192},{\"id\":\"recorded\"}]}",
              &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = {
    sizeof(webox_plugin),
    WEBOX_ABI_MAJOR,
    4,
    "recorder",
    "1.0",
    WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM | WEBOX_CAP_EMBED | WEBOX_CAP_IMAGE | WEBOX_CAP_TTS | WEBOX_CAP_STT |
        WEBOX_CAP_SOCIAL_COLLECT | WEBOX_CAP_SOCIAL_SEND | WEBOX_CAP_VISION | WEBOX_CAP_LIST_MODELS,
    create,
    destroy,
    describe,
    chat,
    chat_stream,
    embed,
    image,
    tts,
    stt,
    social_collect,
    social_send,
    list_models,
    nullptr, // webhook (ABI 1.5)
    nullptr, // batch (ABI 1.5)
    nullptr, // batch_results
    nullptr, // auth (ABI 1.6)
};

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
