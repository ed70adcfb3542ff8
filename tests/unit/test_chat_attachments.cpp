// lib/chat/attachments: the sniffer (kind from the bytes, never the name),
// the limits (checked by size before reading), the prompt text and the image
// parts; lib/plugin: which models may be sent images (ABI 1.4); the budget's
// estimate of an image; lib/rag: a PDF's chunks keep their page.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <webox/plugin.h>

#include "lib/chat/attachments.hpp"
#include "lib/chat/budget.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/manifest.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/rag/chunker.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
using namespace std::string_literals;

namespace {

const std::string kPng = "\x89PNG\r\n\x1A\n\0\0\0\rIHDR"s;

} // namespace

TEST_CASE("the sniffer knows images and PDFs by their first bytes", "[chat][attachments]") {
  CHECK(chat::sniff_attachment(kPng) == "image/png");
  CHECK(chat::sniff_attachment("\xFF\xD8\xFF\xE0rest") == "image/jpeg");
  CHECK(chat::sniff_attachment("GIF89a....") == "image/gif");
  CHECK(chat::sniff_attachment("GIF87a....") == "image/gif");
  CHECK(chat::sniff_attachment("RIFF\x10\0\0\0WEBPVP8 "s) == "image/webp");
  CHECK(chat::sniff_attachment("RIFF\x10\0\0\0WAVEfmt "s) == std::nullopt); // RIFF alone is not an image
  CHECK(chat::sniff_attachment("%PDF-1.7\n...") == "application/pdf");
  CHECK(chat::sniff_attachment("plain text, é and 🚀") == "text/plain");
  CHECK(chat::sniff_attachment("") == "text/plain");
  CHECK(chat::sniff_attachment("caf\xE9") == std::nullopt);       // Latin-1 is not UTF-8
  CHECK(chat::sniff_attachment("a\0b"s) == std::nullopt);          // NUL: binary
  CHECK(chat::sniff_attachment("\xC0\xAF overlong") == std::nullopt);
  CHECK(chat::sniff_attachment("%PDF") == "text/plain");          // too short for the signature
  CHECK(chat::sniff_magic("\x89PNG") == std::nullopt);             // a cut signature is not one
}

TEST_CASE("read_attachment takes the kind from the bytes and checks each limit", "[chat][attachments]") {
  TempDir dir;
  {
    std::ofstream(dir.path / "photo.txt", std::ios::binary) << kPng;
  }
  chat::Attachment a = chat::read_attachment(dir.path / "photo.txt");
  CHECK(a.kind == chat::AttachmentKind::image);
  CHECK(a.media_type == "image/png");
  CHECK(a.name == "photo.txt");
  CHECK(a.bytes == kPng.size());
  CHECK(a.sha256.size() == 64);
  CHECK(!a.base64.empty());

  chat::Attachment t = chat::read_attachment(dir.write("n.md", "# Titre\n"));
  CHECK(t.kind == chat::AttachmentKind::text);
  CHECK(t.text == "# Titre\n");

  chat::AttachmentLimits small;
  small.text_bytes = 4;
  small.image_bytes = 8;
  CHECK_THROWS_WITH(chat::read_attachment(dir.path / "n.md", small),
                    Catch::Contains("a text attachment may be at most 4 bytes"));
  CHECK_THROWS_WITH(chat::read_attachment(dir.path / "photo.txt", small),
                    Catch::Contains("an image attachment may be at most 8 bytes"));
  small.pdf_bytes = 8;
  CHECK_THROWS_WITH(chat::read_attachment(dir.path / "photo.txt", small),
                    Catch::Contains("larger than any attachment may be (8 bytes)"));
  CHECK_THROWS_WITH(chat::read_attachment(dir.path / "absent"), Catch::Contains("absent: no such file"));
  CHECK_THROWS_WITH(chat::read_attachment(dir.path), Catch::Contains("is a folder"));
  try {
    chat::read_attachment(dir.path / "absent");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::usage);
  }
  CHECK_NOTHROW(chat::check_attachment_count(32));
  CHECK_THROWS_WITH(chat::check_attachment_count(33), Catch::Contains("at most 32 attachments"));
}

TEST_CASE("the prompt holds text attachments fenced and images by name", "[chat][attachments]") {
  chat::Attachment text;
  text.name = "a.md";
  text.text = "x ``` y";
  chat::Attachment image;
  image.name = "s.png";
  image.kind = chat::AttachmentKind::image;
  image.media_type = "image/png";
  image.bytes = 3;
  image.sha256 = "ab";
  image.base64 = "AAAA";
  const std::string prompt = chat::prompt_with_attachments("Q ?", {text, image});
  CHECK(prompt == "Attached file a.md:\n````\nx ``` y\n````\n\n[image s.png: image/png, 3 bytes, sha256 ab]\n\nQ ?");
  CHECK(chat::prompt_with_attachments("Q ?", {}) == "Q ?");

  nlohmann::json parts = chat::image_parts({text, image});
  REQUIRE(parts.size() == 1);
  CHECK(parts[0] == nlohmann::json{{"type", "image"}, {"media_type", "image/png"}, {"data", "AAAA"}, {"name", "s.png"}});
  CHECK(chat::user_content("t", nlohmann::json::array()) == "t");
  nlohmann::json content = chat::user_content("t", parts);
  CHECK(content.size() == 2);
  CHECK(content[0] == nlohmann::json{{"type", "text"}, {"text", "t"}});
  CHECK(plugin::has_image_parts(nlohmann::json::array({{{"role", "user"}, {"content", content}}})));
  CHECK_FALSE(plugin::has_image_parts(nlohmann::json::array({{{"role", "user"}, {"content", "t"}}})));
}

TEST_CASE("images go only to vision plugins and to models not known to be text-only", "[chat][attachments][plugin]") {
  plugin::Manifest m;
  m.id = "p";
  m.capabilities = WEBOX_CAP_CHAT;
  m.models = {"seeing", "blind"};
  CHECK_THAT(plugin::vision_refusal(m, "p", "seeing"), Catch::Contains("does not declare the 'vision' capability"));
  m.capabilities |= WEBOX_CAP_VISION;
  CHECK(plugin::vision_refusal(m, "p", "blind").empty()); // no vision_models list: nothing is known
  m.vision_models = {"seeing"};
  m.vision_models_listed = true;
  CHECK(plugin::vision_refusal(m, "p", "seeing").empty());
  CHECK_THAT(plugin::vision_refusal(m, "p", "blind"), Catch::Contains("p:blind cannot see images"));
  CHECK(plugin::vision_refusal(m, "p", "unlisted").empty()); // not described: its provider answers
}

TEST_CASE("the budget counts an image as tokens, not as its base64", "[chat][attachments][budget]") {
  const std::string base64(4 << 20, 'A'); // a 3 MiB image
  nlohmann::json messages = nlohmann::json::array(
      {{{"role", "user"},
        {"content", chat::user_content("what is it?", nlohmann::json::array({{{"type", "image"}, {"media_type", "image/png"}, {"data", base64}}}))}}});
  const int64_t tokens = chat::estimate_prompt_tokens(messages);
  CHECK(tokens < 3000);
  CHECK(tokens >= 2000);
}

TEST_CASE("a PDF's chunks keep their page as their location", "[rag][chunker][pdf]") {
  std::vector<rag::Chunk> chunks = rag::chunk_pages({"first page text", "", "third page\n\nmore"});
  REQUIRE(chunks.size() >= 2);
  CHECK(chunks.front().heading == "page 1");
  CHECK(chunks.front().line_start == 1);
  CHECK(chunks.back().heading == "page 3");
  CHECK(chunks.back().line_start == 3);
  CHECK(chunks.back().line_end == 3);
  CHECK(chunks.back().byte_start >= std::string("first page text").size());
}
