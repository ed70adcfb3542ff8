// Files attached to a prompt: `chat -a FILE`, `compare -a FILE` and the
// REPL's `/attach FILE` all go through read_attachment().
//
// What a file is comes from its bytes, never from its name: PNG, JPEG, GIF
// and WebP are images, `%PDF-` is a PDF, anything else must be UTF-8 text
// without NUL bytes. Each kind has a size limit, checked against the file's
// size (fstat) before a byte of it is read, so a 500 MB file costs nothing:
//
//   text   4 MiB    inline in the prompt, under its name, in a code fence
//   PDF    64 MiB   its text (page by page, through webox-pdf.so: poppler,
//                   loaded only now), at most 4 MiB of text, inline as text
//   image  20 MiB   a base64 image part of the user message (ABI 1.4), for
//                   plugins with the "vision" capability only
//   at most 32 attachments a prompt.
//
// Every problem is a UsageError (exit 2) naming the file: missing,
// unreadable, a folder, too large, not a kind webox attaches, an encrypted
// or broken PDF.
//
// What is remembered: the prompt as sent (text and PDFs inline, each image
// named by a line "[image NAME: TYPE, N bytes, sha256 HEX]") is what the
// store logs, so an image never grows the database; `chat -c` continues
// with that text, and the image itself is not sent again.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::chat {

enum class AttachmentKind { text, pdf, image };

const char *kind_name(AttachmentKind kind);

struct AttachmentLimits {
  size_t text_bytes = size_t{4} << 20;
  size_t pdf_bytes = size_t{64} << 20;
  size_t pdf_text_bytes = size_t{4} << 20;
  size_t image_bytes = size_t{20} << 20;
  size_t count = 32;
};

struct Attachment {
  std::string path;       // as given
  std::string name;       // the file's name, without its folder
  AttachmentKind kind = AttachmentKind::text;
  std::string media_type; // "text/plain", "application/pdf", "image/png", ...
  size_t bytes = 0;       // the file's size
  std::string sha256;     // of the file, hex
  std::string text;       // text: the file; pdf: its pages, "[page N]" before each
  size_t pages = 0;       // pdf
  std::string base64;     // image
};

// What the bytes are, from the first ones: "image/png", "image/jpeg",
// "image/gif", "image/webp", "application/pdf"; nullopt otherwise.
std::optional<std::string> sniff_magic(std::string_view head);

// The media type of a whole file: sniff_magic, else "text/plain" for
// UTF-8 without NUL bytes, else nullopt (binary webox does not attach).
std::optional<std::string> sniff_attachment(std::string_view bytes);

// THE entry point: reads, sniffs and checks one file (see above). Throws
// UsageError (exit 2) naming the file.
Attachment read_attachment(const std::filesystem::path &file, const AttachmentLimits &limits = {});

// Throws UsageError when there are more than limits.count attachments.
void check_attachment_count(size_t count, const AttachmentLimits &limits = {});

// The text of the user message: each attachment (text and PDFs inline in
// fences, images as one line naming them), then the prompt. `prompt` alone
// when there are none.
std::string prompt_with_attachments(const std::string &prompt, const std::vector<Attachment> &attachments);

// The image parts (ABI 1.4: {"type":"image","media_type","data","name"}),
// in order; empty when there is no image.
nlohmann::json image_parts(const std::vector<Attachment> &attachments);

// A user message's content: `text` alone, or [{"type":"text"}, images...].
nlohmann::json user_content(const std::string &text, const nlohmann::json &images);

} // namespace webox::chat
