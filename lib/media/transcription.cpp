#include "lib/media/transcription.hpp"

#include <chrono>
#include <algorithm>
#include <cstdint>

#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/media/media_prices.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/store/calls.hpp"

namespace webox::media {
namespace {

uint32_t transcription_le32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) | static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

// What was heard, in seconds: the caller's figure, else the provider's.
std::optional<double> heard_seconds(const TranscriptionLog &log, const nlohmann::json &result) {
  if (log.seconds) return log.seconds;
  if (result.contains("duration") && result["duration"].is_number() && result["duration"].get<double>() >= 0)
    return result["duration"].get<double>();
  return std::nullopt;
}

} // namespace

std::optional<double> wav_seconds(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return std::nullopt;
  uint32_t byte_rate = 0;
  // Chunks are walked, never trusted beyond the bytes there are.
  for (size_t at = 12; at + 8 <= b.size();) {
    const std::string_view id = b.substr(at, 4);
    const uint64_t size = transcription_le32(b, at + 4);
    if (id == "fmt " && size >= 16 && at + 8 + 12 <= b.size()) byte_rate = transcription_le32(b, at + 8 + 8);
    if (id == "data") {
      if (byte_rate == 0) return std::nullopt;
      const uint64_t there = std::min<uint64_t>(size, b.size() - (at + 8)); // a streamed WAV may say 0xFFFFFFFF
      return static_cast<double>(there) / byte_rate;
    }
    at += 8 + size + (size & 1);
  }
  return std::nullopt;
}

nlohmann::json transcribe_logged(plugin::Provider &provider, const chat::ModelRef &model, const nlohmann::json &request,
                                 std::string_view audio, const TranscriptionLog &log) {
  store::CallRecord record;
  record.provider = model.provider;
  record.model = model.model;
  record.prompt = "transcribe " + log.label;
  record.options_json = request.value("options", nlohmann::json::object()).dump();
  record.group_id = log.group_id;
  const auto started = std::chrono::steady_clock::now();
  auto write_log = [&](const std::string &status, const std::string &error) {
    if (!log.db) return;
    record.latency_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    record.status = status;
    record.error = logging::redact(error);
    store::Calls(*log.db).record(record, model.text());
  };
  nlohmann::json result;
  try {
    result = provider.stt(request, audio);
  } catch (const plugin::ProviderError &e) {
    write_log(e.status() == WEBOX_E_CANCELLED ? "cancelled" : "error", e.what());
    throw;
  } catch (const Error &e) {
    write_log("error", e.what());
    throw;
  }
  record.resolved_model = result.value("model", model.model);
  record.response = result.value("text", "");
  record.cost = MediaPriceTable::shipped().transcription_cost(model.provider, model.model, heard_seconds(log, result));
  write_log("ok", "");
  return result;
}

} // namespace webox::media
