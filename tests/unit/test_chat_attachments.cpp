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
#include "lib/core/crypto.hpp"
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

  nlohmann::json parts = chat::media_parts({text, image});
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

namespace {

// A PDF read through read_attachment (not through poppler): two page
// objects in the clear, the page tree's "/Type /Pages" not counted.
chat::Attachment pdf_attachment(const TempDir &dir, const std::string &name, const std::string &extra = "") {
  const std::string body = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                           "2 0 obj << /Type/Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
                           "3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n"
                           "4 0 obj <</Type/Page/Parent 2 0 R>> endobj\n"
                           "trailer << /Root 1 0 R /EncryptMetadata false " + extra + ">>\n%%EOF\n";
  return chat::read_attachment(dir.write(name, body));
}

chat::PdfTarget taking(const std::string &model, int64_t max_bytes = 0, int64_t max_pages = 0) {
  return {model, true, max_bytes, max_pages, 500};
}

} // namespace

TEST_CASE("a PDF is read by its bytes: pages counted, encryption seen, poppler not needed", "[chat][attachments][pdf]") {
  TempDir dir;
  chat::Attachment plain = pdf_attachment(dir, "plain.pdf");
  CHECK(plain.kind == chat::AttachmentKind::pdf);
  CHECK(plain.pages == 2);
  CHECK_FALSE(plain.encrypted); // /EncryptMetadata is another name
  CHECK(plain.text.empty());     // not read as text until it must be
  CHECK(pdf_attachment(dir, "locked.pdf", "/Encrypt 9 0 R").encrypted);
  CHECK(chat::estimated_pages(plain) == 2);
  chat::Attachment compressed;
  compressed.bytes = 500 * 1024; // page objects in object streams: none counted
  CHECK(chat::estimated_pages(compressed) == 10);
}

TEST_CASE("route_pdfs: auto goes whole where every model takes PDFs, native refuses, text never", "[chat][attachments][pdf]") {
  TempDir dir;
  std::vector<chat::Attachment> files = {pdf_attachment(dir, "r.pdf")};
  const std::vector<bool> native = chat::route_pdfs(files, chat::PdfMode::automatic, {taking("a:m"), taking("b:m")});
  REQUIRE(native == std::vector<bool>{true});
  CHECK(files[0].text.empty()); // poppler was not needed
  CHECK(files[0].base64 == crypto::base64_encode(files[0].pdf));

  nlohmann::json parts = chat::media_parts(files, native, 500);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0] == nlohmann::json{{"type", "document"}, {"media_type", "application/pdf"}, {"data", files[0].base64},
                                   {"name", "r.pdf"}, {"pages", 2}, {"input_tokens", 1000}});
  CHECK_THAT(chat::prompt_with_attachments("Q", files, native),
             Catch::StartsWith("[pdf r.pdf: application/pdf, " + std::to_string(files[0].bytes) + " bytes, sha256 " +
                               files[0].sha256 + ", sent whole]\n\nQ"));
  CHECK(chat::estimate_prompt_tokens(nlohmann::json::array({{{"role", "user"}, {"content", chat::user_content("Q", parts)}}})) < 1100);

  chat::PdfTarget blind{"ollama:llama3.2", false, 0, 0, 0};
  CHECK_THROWS_WITH(chat::route_pdfs(files, chat::PdfMode::native, {taking("a:m"), blind}),
                    Catch::Contains("ollama:llama3.2 does not take PDFs natively; use --pdf text"));
  CHECK_THROWS_WITH(chat::route_pdfs(files, chat::PdfMode::native, {taking("a:m", 0, 1)}),
                    Catch::Contains("r.pdf: 2 pages, more than a:m takes natively (1)"));
  CHECK_THROWS_WITH(chat::route_pdfs(files, chat::PdfMode::native, {taking("a:m", 100)}),
                    Catch::Contains("r.pdf: ") && Catch::Contains("is more than a:m takes in one request"));
  // Two PDFs that fit one by one but not together: the second is named.
  std::vector<chat::Attachment> two = {pdf_attachment(dir, "a.pdf"), pdf_attachment(dir, "b.pdf")};
  const auto one = static_cast<int64_t>((two[0].bytes + 2) / 3 * 4);
  CHECK_THROWS_WITH(chat::route_pdfs(two, chat::PdfMode::native, {taking("a:m", one + 10)}),
                    Catch::Contains("b.pdf: ") && Catch::Contains("with the PDFs before it"));
  std::vector<chat::Attachment> locked = {pdf_attachment(dir, "locked.pdf", "/Encrypt 9 0 R")};
  CHECK_THROWS_WITH(chat::route_pdfs(locked, chat::PdfMode::native, {taking("a:m")}),
                    Catch::Contains("locked.pdf: the PDF is encrypted and providers refuse encrypted PDFs"));
  CHECK_THROWS_AS(chat::parse_pdf_mode("whole"), UsageError);
  CHECK(chat::parse_pdf_mode("text") == chat::PdfMode::text);
}

TEST_CASE("the manifest's \"pdf\" names the models that take PDFs, exactly or by a prefix", "[chat][attachments][plugin]") {
  plugin::Manifest m;
  m.id = "p";
  CHECK_THAT(plugin::native_pdf_refusal(m, "p", "any"), Catch::Contains("p:any does not take PDFs natively"));
  m.pdf.models = {"claude-*", "gpt-4o"};
  CHECK(plugin::accepts_native_pdf(m, "claude-sonnet-4-5"));
  CHECK(plugin::accepts_native_pdf(m, "gpt-4o"));
  CHECK_FALSE(plugin::accepts_native_pdf(m, "gpt-4o-mini-tts"));
  CHECK_FALSE(plugin::accepts_native_pdf(m, "claude"));
  CHECK(plugin::native_pdf_refusal(m, "p", "gpt-4o").empty());
  nlohmann::json doc = {{"type", "document"}, {"media_type", "application/pdf"}, {"data", "JVBE"}};
  CHECK(plugin::has_document_parts(nlohmann::json::array({{{"role", "user"}, {"content", {doc}}}})));
  CHECK_FALSE(plugin::has_image_parts(nlohmann::json::array({{{"role", "user"}, {"content", {doc}}}})));
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
