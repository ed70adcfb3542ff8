// lib/media: WAV headers and size patching, signature checks, sentence
// splitting, atomic output files, file names, the gallery.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "lib/core/error.hpp"
#include "lib/media/gallery.hpp"
#include "lib/media/generate.hpp"
#include "lib/media/output_file.hpp"
#include "lib/media/signature.hpp"
#include "lib/media/text_split.hpp"
#include "lib/store/db.hpp"
#include "plugins/common/shared/wav.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
using namespace webox::media;
namespace fs = std::filesystem;
using namespace std::string_view_literals;

namespace {

std::string read_file(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t entries_in(const fs::path &dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_CASE("wav_header writes the canonical 44-byte PCM header", "[media][wav]") {
  std::string h = wav_header(22050, 1, 16, 1000);
  REQUIRE(h.size() == kWavHeaderSize);
  CHECK(h.substr(0, 4) == "RIFF");
  CHECK(h.substr(8, 8) == "WAVEfmt ");
  auto info = parse_wav(h + std::string(1000, '\x01'));
  REQUIRE(info);
  CHECK(info->format_tag == 1);
  CHECK(info->sample_rate == 22050);
  CHECK(info->channels == 1);
  CHECK(info->bits_per_sample == 16);
  CHECK(info->data_offset == 44);
  CHECK(info->data_size == 1000);
}

TEST_CASE("a streamed WAV with unknown sizes reads to the end and gets exact sizes patched", "[media][wav]") {
  std::string stream = wav_header(16000, 2, 16, kWavUnknownSize) + std::string(400, '\0');
  auto info = parse_wav(stream);
  REQUIRE(info);
  CHECK(info->data_size == 400);
  auto patches = wav_size_patches(stream, stream.size());
  REQUIRE(patches.size() == 2);
  CHECK(patches[0] == std::pair<size_t, uint32_t>{4, 36 + 400});
  CHECK(patches[1] == std::pair<size_t, uint32_t>{40, 400});
  // A WAV with real sizes is never touched; neither is anything else.
  CHECK(wav_size_patches(wav_header(16000, 1, 16, 10) + std::string(10, 'x'), 54).empty());
  CHECK(wav_size_patches("ID3\x04 not a wav at all, no no no no no no no no", 48).empty());
}

TEST_CASE("parse_wav skips unknown chunks and refuses what is not a WAV", "[media][wav]") {
  std::string h = wav_header(8000, 1, 8, 4);
  // Insert a LIST chunk between fmt and data.
  std::string with_list = h.substr(0, 36) + std::string("LIST\x03\0\0\0abc\0", 12) + h.substr(36) + "abcd";
  auto info = parse_wav(with_list);
  REQUIRE(info);
  CHECK(info->data_size == 4);
  CHECK(with_list.substr(info->data_offset, 4) == "abcd");
  std::string why;
  CHECK_FALSE(parse_wav("ID3\x04....", &why));
  CHECK(why == "not a RIFF/WAVE file");
  CHECK_FALSE(parse_wav(h.substr(0, 20), &why));
}

TEST_CASE("image signatures are checked, and what arrived instead is named", "[media][signature]") {
  CHECK(sniff_image(std::string("\x89PNG\r\n\x1A\n....", 12))->extension == "png");
  CHECK(sniff_image("\xFF\xD8\xFF\xE0 jfif")->mime == "image/jpeg");
  CHECK(sniff_image("RIFF\x10\0\0\0WEBPVP8 "sv)->extension == "webp");
  CHECK_FALSE(sniff_image("<!DOCTYPE html><html>"));
  CHECK_FALSE(sniff_image(std::string("\x89PNX\r\n\x1A\n", 8)));
  CHECK_FALSE(sniff_image("RIFF\x10\0\0\0WAVEfmt "sv));
  CHECK(describe_unexpected("  <!doctype HTML><html><body>502</body>").rfind("an HTML page", 0) == 0);
  CHECK(describe_unexpected("{\"error\":\"x\"}").rfind("a JSON document", 0) == 0);
  CHECK(describe_unexpected("<?xml version=\"1.0\"?><Error>AuthenticationFailed") .rfind("an XML document", 0) == 0);
  CHECK(describe_unexpected("") == "an empty body");
}

TEST_CASE("audio signatures", "[media][signature]") {
  CHECK(sniff_audio(wav_header(8000, 1, 16, 0))->extension == "wav");
  CHECK(sniff_audio("ID3\x04\0"sv)->mime == "audio/mpeg");
  CHECK(sniff_audio("\xFF\xFB\x90\x00"sv)->mime == "audio/mpeg");
  CHECK(sniff_audio("\xFF\xF1\x50\x80")->mime == "audio/aac");
  CHECK(sniff_audio("OggS\0\x02"sv)->extension == "ogg");
  CHECK(sniff_audio("fLaC\0"sv)->extension == "flac");
  CHECK(sniff_audio(std::string("\0\0\0\x20" "ftypM4A \0\0\0\0", 16))->extension == "m4a");
  CHECK_FALSE(sniff_audio("hello, this is text"));
  CHECK(extension_for("audio/mpeg") == "mp3");
  CHECK(extension_for("audio/L16;rate=24000") == "pcm");
  CHECK(extension_for("application/x-unknown") == "bin");
}

TEST_CASE("speech text is split at sentence ends, within the limit, losslessly", "[media][split]") {
  std::string text = "Bonjour à tous. Voici la deuxième phrase ! Et une troisième ? Fin.";
  auto pieces = split_for_speech(text, 30);
  std::string joined;
  for (const auto &p : pieces) {
    CHECK(count_code_points(p) <= 30);
    joined += p;
  }
  CHECK(joined == text);
  REQUIRE(pieces.size() >= 3);
  CHECK(pieces[0] == "Bonjour à tous. ");
  CHECK(pieces[1] == "Voici la deuxième phrase ! ");
}

TEST_CASE("split falls back to spaces, then cuts words between characters", "[media][split]") {
  auto by_space = split_for_speech("un deux trois quatre cinq six", 10);
  for (const auto &p : by_space) CHECK(count_code_points(p) <= 10);
  CHECK(by_space[0] == "un deux ");
  std::string word = "ééééééééééééé"; // 13 two-byte characters, no space
  auto cut = split_for_speech(word, 5);
  REQUIRE(cut.size() == 3);
  CHECK(cut[0] == "ééééé");
  CHECK(cut[2] == "ééé");
  CHECK(split_for_speech("court", 4096) == std::vector<std::string>{"court"});
}

TEST_CASE("MediaFile: the destination appears only on commit", "[media][output]") {
  TempDir dir;
  fs::path dest = dir.path / "out.wav";
  {
    MediaFile f(dest);
    f.write(wav_header(22050, 1, 16, kWavUnknownSize));
    f.write(std::string("\0\r\n\x1A\0\r\n\x1A", 8));
    CHECK_FALSE(fs::exists(dest));
    CHECK(entries_in(dir.path) == 1); // the hidden temporary file
    f.commit();
  }
  REQUIRE(fs::exists(dest));
  CHECK(entries_in(dir.path) == 1);
  std::string bytes = read_file(dest);
  REQUIRE(bytes.size() == 52);
  auto info = parse_wav(bytes);
  REQUIRE(info);
  CHECK(info->data_size == 8);
  CHECK(bytes.substr(4, 4) == std::string("\x2C\0\0\0", 4)); // 44 = 36 + 8, patched
}

TEST_CASE("MediaFile: abandoned writes leave nothing and keep an earlier file", "[media][output]") {
  TempDir dir;
  fs::path dest = dir.write("keep.mp3", "earlier");
  {
    MediaFile f(dest);
    f.write("half of a stream");
    // no commit: a broken stream, an exception, Ctrl-C
  }
  CHECK(read_file(dest) == "earlier");
  CHECK(entries_in(dir.path) == 1);
  CHECK_THROWS_AS(MediaFile(dir.path / "missing-dir" / "x.wav"), Error);
}

TEST_CASE("file names come from the prompt and the digest", "[media][names]") {
  CHECK(slug("Un refuge en montagne, aquarelle") == "un-refuge-en-montagne-aquarelle");
  CHECK(slug("Élégant café à Noël !") == "elegant-cafe-a-noel");
  CHECK(slug("🚀🚀") == "media");
  CHECK(slug(std::string(200, 'a')).size() <= 48);
  CHECK(slug("a very long prompt about mountains and lakes and rivers and forests", 30).size() <= 30);
  CHECK(media_file_name("Hello world", "0123456789abcdef", "png") == "hello-world-01234567.png");
  CHECK(numbered("out/poster.png", 2, 3) == fs::path("out/poster-2.png"));
  CHECK(numbered("poster.png", 1, 1) == fs::path("poster.png"));
}

TEST_CASE("Sha256Stream equals the digest of the whole", "[media][output]") {
  Sha256Stream s;
  s.update("hello ");
  s.update("world");
  CHECK(s.hex_digest() == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

TEST_CASE("the gallery records and lists media newest first", "[media][gallery]") {
  TempDir dir;
  store::Db db(dir.path / "webox.db");
  Gallery g(db);
  MediaRecord a;
  a.kind = "image";
  a.provider = "openai";
  a.model = "gpt-image-1";
  a.prompt = "un phare";
  a.file_path = "/tmp/a.png";
  a.media_type = "image/png";
  a.sha256 = "aa";
  a.bytes = 10;
  a.cost = 0.04;
  MediaRecord b = a;
  b.kind = "audio";
  b.cost = -1;
  int64_t ia = g.add(a);
  int64_t ib = g.add(b);
  CHECK(ib > ia);
  auto all = g.list("", 0);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == ib);
  CHECK(all[1].cost == Approx(0.04));
  CHECK(all[0].cost < 0);
  auto images = g.list("image", 0);
  REQUIRE(images.size() == 1);
  CHECK(images[0].options_json == "{}");
  CHECK(g.get(ia)->prompt == "un phare");
  CHECK_FALSE(g.get(999));
}
