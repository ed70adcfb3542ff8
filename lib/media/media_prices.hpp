// What images, speech and transcriptions cost: the "media" section of
// data/prices.json (the models' token prices are its "prices" section,
// lib/chat/prices.hpp).
//
//   "media": {
//     "openai:dall-e-3": {"image": {"standard": 0.04, "hd": 0.08}},  USD an image, by --quality
//     "openai:dall-e-2": {"image": 0.02},                            one price whatever the quality
//     "openai:tts-1":    {"million_chars": 15},                      USD per million characters spoken
//     "openai:whisper-1": {"minute": 0.006},                         USD per minute of audio heard
//     "espeak:*":        {"million_chars": 0}                        a whole provider
//   }
//
// Image prices are for 1024x1024; a larger --size is counted in proportion
// to its pixels (the providers' larger sizes cost about that or less). With
// no --quality, or one the table does not name, the dearest quality counts:
// a budget check takes the worst case. A model not in the table has an
// unknown cost, never 0.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace webox::media {

// Characters as speech is priced: Unicode code points of UTF-8 text.
size_t speech_chars(std::string_view text);

struct MediaPrice {
  std::map<std::string, double> image; // quality -> USD an image; "" when one price fits all
  std::optional<double> per_million_chars;
  std::optional<double> per_minute;
};

class MediaPriceTable {
public:
  // Reads the "media" section of `file` (none: every cost unknown). Throws
  // webox::Error (exit 4) naming the file and the model when it is invalid.
  explicit MediaPriceTable(const std::filesystem::path &file);
  // data/prices.json as shipped beside the executable.
  static MediaPriceTable shipped();

  // USD for `count` images, or nullopt when the model has no image price or
  // `size` ("WxH", "" or "auto" = 1024x1024) does not parse.
  std::optional<double> image_cost(const std::string &provider, const std::string &model, const std::string &quality,
                                   const std::string &size, int count) const;
  // USD to speak `text` (priced per character: Unicode code points).
  std::optional<double> speech_cost(const std::string &provider, const std::string &model, std::string_view text) const;
  // USD to transcribe `seconds` of audio (unknown length: nullopt, unless
  // the model is free).
  std::optional<double> transcription_cost(const std::string &provider, const std::string &model,
                                           std::optional<double> seconds) const;

private:
  const MediaPrice *find(const std::string &provider, const std::string &model) const;
  std::map<std::string, MediaPrice> m_prices;
};

} // namespace webox::media
