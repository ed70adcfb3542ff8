#include <catch2/catch.hpp>

#include <string>

#include "lib/core/error.hpp"
#include "lib/media/media_prices.hpp"
#include "lib/media/transcription.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

namespace {

media::MediaPriceTable media_table(const TempDir &dir) {
  return media::MediaPriceTable(dir.write("prices.json", R"({"prices": {}, "media": {
    "o:img": {"image": {"low": 0.01, "high": 0.2}},
    "o:flat": {"image": 0.04},
    "o:tts": {"million_chars": 15},
    "o:stt": {"minute": 0.006},
    "local:*": {"image": 0, "million_chars": 0, "minute": 0}}})"));
}

std::string wav_header(uint32_t byte_rate, uint32_t data_bytes) {
  auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  std::string fmt = std::string("\x01\x00\x01\x00", 4) + le32(byte_rate / 2) + le32(byte_rate) + std::string("\x02\x00\x10\x00", 4);
  return "RIFF" + le32(36 + data_bytes) + "WAVE" + "fmt " + le32(16) + fmt + "data" + le32(data_bytes) +
         std::string(data_bytes, '\0');
}

} // namespace

TEST_CASE("media prices: images by quality (the dearest when unnamed), size in proportion", "[media][prices]") {
  TempDir dir;
  auto t = media_table(dir);
  CHECK(*t.image_cost("o", "img", "low", "1024x1024", 2) == Approx(0.02));
  CHECK(*t.image_cost("o", "img", "", "", 1) == Approx(0.2));       // no quality: the worst case
  CHECK(*t.image_cost("o", "img", "ultra", "", 1) == Approx(0.2));  // unknown quality too
  CHECK(*t.image_cost("o", "flat", "hd", "2048x1024", 1) == Approx(0.08));
  CHECK(*t.image_cost("o", "flat", "", "512x512", 1) == Approx(0.04)); // never below the listed price
  CHECK(*t.image_cost("local", "anything", "", "auto", 4) == 0);
  CHECK_FALSE(t.image_cost("o", "unknown", "", "", 1));
  CHECK_FALSE(t.image_cost("o", "tts", "", "", 1)); // priced, but not for images
}

TEST_CASE("media prices: speech per character, transcription per minute", "[media][prices]") {
  TempDir dir;
  auto t = media_table(dir);
  CHECK(media::speech_chars("héllo") == 5); // code points, not bytes
  CHECK(*t.speech_cost("o", "tts", std::string(1000, 'a')) == Approx(0.015));
  CHECK(*t.transcription_cost("o", "stt", 90.0) == Approx(0.009));
  CHECK_FALSE(t.transcription_cost("o", "stt", std::nullopt)); // length unknown
  CHECK(*t.transcription_cost("local", "x", std::nullopt) == 0); // free whatever the length
  CHECK_FALSE(t.speech_cost("o", "stt", "a"));
}

TEST_CASE("media prices: a bad table is a config error naming the model", "[media][prices]") {
  TempDir dir;
  auto refused = [&](const std::string &text) {
    try {
      media::MediaPriceTable(dir.write("bad.json", text));
    } catch (const Error &e) {
      CHECK(e.code() == ExitCode::config);
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(refused(R"({"media": {"o:x": {"image": -1}}})"), Catch::Contains("o:x"));
  CHECK_THAT(refused(R"({"media": {"o:x": {"seconds": 1}}})"), Catch::Contains("'seconds'"));
  CHECK_THAT(refused(R"({"media": {"o:x": {"image": {"hd": "cheap"}}}})"), Catch::Contains("'hd'"));
  CHECK_THAT(refused(R"({"media": []})"), Catch::Contains("media"));
  CHECK_FALSE(media::MediaPriceTable(dir.write("none.json", R"({"prices": {}})")).speech_cost("o", "tts", "a"));
}

TEST_CASE("wav_seconds reads the header and never past the bytes", "[media][prices]") {
  CHECK(*media::wav_seconds(wav_header(32000, 64000)) == Approx(2.0));
  std::string truncated = wav_header(32000, 64000).substr(0, 44 + 16000);
  CHECK(*media::wav_seconds(truncated) == Approx(0.5));
  CHECK_FALSE(media::wav_seconds("ID3\x03 not a wav"));
  CHECK_FALSE(media::wav_seconds(wav_header(0, 10)));
  CHECK_FALSE(media::wav_seconds(std::string("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff", 20)));
}
