// Files attached to a prompt: `chat -a FILE`, `compare -a FILE` and the
// REPL's `/attach FILE` all go through read_attachment().
//
// What a file is comes from its bytes, never from its name: PNG, JPEG, GIF
// and WebP are images, `%PDF-` is a PDF, anything else must be UTF-8 text
// without NUL bytes. Each kind has a size limit, checked against the file's
// size (fstat) before a byte of it is read, so a 500 MB file costs nothing:
//
//   text   4 MiB    inline in the prompt, under its name, in a code fence
//   PDF    64 MiB   natively (a document part) to a model whose plugin's
//                   manifest lists it under "pdf", within that provider's
//                   limits; else its text (page by page, through
//                   webox-pdf.so: poppler, loaded only then), at most 4 MiB
//                   of text, inline as text. --pdf auto|native|text chooses
//                   (route_pdfs).
//   image  20 MiB   a base64 image part of the user message (ABI 1.4), for
//                   plugins with the "vision" capability only
//   at most 32 attachments a prompt.
//
// Every problem is a UsageError (exit 2) naming the file: missing,
// unreadable, a folder, too large, not a kind webox attaches, an encrypted
// or broken PDF, a PDF too large for the provider that is to take it whole.
//
// What is remembered: the prompt as sent (text and PDFs as text inline, each
// image or native PDF named by a line "[image NAME: TYPE, N bytes, sha256
// HEX]" / "[pdf NAME: ...]") is what the store logs, so a file never grows
// the database; `chat -c` continues with that text, and the file itself is
// not sent again.
#pragma once

#include <cstddef>
#include <cstdint>
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
  std::string text;       // text: the file; pdf sent as text: its pages, "[page N]" before each
  size_t pages = 0;       // pdf: from poppler once read as text, else counted in its bytes (0 = not found)
  bool encrypted = false; // pdf: its trailer names an /Encrypt dictionary
  std::string pdf;        // pdf: the file, until route_pdfs has given it its text and/or base64
  std::string base64;     // image; pdf sent natively
};

// How PDFs go: `auto` natively where every model that is to read them takes
// PDFs and the file fits the provider's limits, else as text; `native` or
// refused (exit 2); `text` always as text.
enum class PdfMode { automatic, native, text };

// "auto", "native", "text"; UsageError (exit 2) naming `where` otherwise.
PdfMode parse_pdf_mode(const std::string &text, const std::string &where = "--pdf");
const char *pdf_mode_name(PdfMode mode);

// One model a prompt with PDFs is to reach (each of a chain's links, or of
// a compare column's), as its plugin's manifest describes it ("pdf").
struct PdfTarget {
  std::string model;              // "anthropic:claude-sonnet-4-5", for messages
  bool accepts = false;           // the manifest lists the model under "pdf"
  int64_t max_request_bytes = 0;  // 0 = not said
  int64_t max_pages = 0;          // 0 = not said
  int64_t tokens_per_page = 0;    // 0 = not said
};

// Per attachment: true when it goes as a document part (a PDF sent whole)
// to every target, false otherwise. Reads what the choice needs: a PDF going
// as text gets its text (poppler is loaded for it only then), one going
// natively its base64. Throws UsageError (exit 2): `native` to a model that
// does not take PDFs (naming it and --pdf text), or a PDF it cannot take
// (encrypted, too many pages, too large for one request), naming the file.
std::vector<bool> route_pdfs(std::vector<Attachment> &attachments, PdfMode mode,
                             const std::vector<PdfTarget> &targets, const AttachmentLimits &limits = {});

// The PDF's pages as counted in its bytes, or, when its page objects are
// compressed (object streams) and none is found, a guess from its size; at
// least 1. What the budget estimate counts for a PDF sent natively.
size_t estimated_pages(const Attachment &pdf);

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
// fences, images and PDFs sent natively as one line naming them), then the
// prompt. `prompt` alone when there are none. `native` is route_pdfs'
// answer (empty: no PDF goes natively).
std::string prompt_with_attachments(const std::string &prompt, const std::vector<Attachment> &attachments,
                                    const std::vector<bool> &native = {});

// The parts beside the text, in order: image parts (ABI 1.4:
// {"type":"image","media_type","data","name"}) and, for the PDFs `native`
// marks, document parts ({"type":"document","media_type":"application/pdf",
// "data","name","pages","input_tokens"}: pages and input_tokens are the
// host's estimate, for the budget; plugins ignore them). `tokens_per_page`
// is the targets' largest (0: the budget's own figure). Empty when none.
nlohmann::json media_parts(const std::vector<Attachment> &attachments, const std::vector<bool> &native = {},
                           int64_t tokens_per_page = 0);

// The largest tokens_per_page of `targets` (0 when none says).
int64_t tokens_per_page_of(const std::vector<PdfTarget> &targets);

// A user message's content: `text` alone, or [{"type":"text"}, parts...].
nlohmann::json user_content(const std::string &text, const nlohmann::json &parts);

} // namespace webox::chat
