// One transcription (speech to text), sent and logged in `calls` like a
// model call, so that `webox stats` (by model, with its cost) and the
// budgets count it: `webox transcribe` and the answers of `webox interview`.
// The log holds the file's name and what was heard, the cost from the media
// prices (lib/media/media_prices.hpp: per minute of audio; unknown when the
// price or the length is), latency and status.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/chat/model_ref.hpp"

namespace webox::plugin {
class Provider;
}
namespace webox::store {
class Db;
}

namespace webox::media {

struct TranscriptionLog {
  store::Db *db = nullptr;       // null: not logged
  std::string label;             // the file's name, for the log's prompt
  std::optional<double> seconds; // the audio's length when the caller knows it
  std::string group_id;          // calls made together (an interview session)
};

// The provider's result ({"text", ...}); a failure is logged, then rethrown.
nlohmann::json transcribe_logged(plugin::Provider &provider, const chat::ModelRef &model, const nlohmann::json &request,
                                 std::string_view audio, const TranscriptionLog &log);

// The length of a WAV file's audio, from its header; nullopt for anything else.
std::optional<double> wav_seconds(std::string_view bytes);

} // namespace webox::media
