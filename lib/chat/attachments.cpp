#include "lib/chat/attachments.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/core/pdf_text.hpp"
#include "lib/core/text_input.hpp"

namespace webox::chat {
namespace {

constexpr size_t kHeadBytes = 16; // enough for every signature below

bool starts_with(std::string_view b, std::string_view prefix) { return b.substr(0, prefix.size()) == prefix; }

[[noreturn]] void refuse_file(const std::string &path, const std::string &why) {
  throw UsageError("attachment " + path + ": " + why);
}

size_t limit_of(AttachmentKind kind, const AttachmentLimits &l) {
  switch (kind) {
    case AttachmentKind::image: return l.image_bytes;
    case AttachmentKind::pdf: return l.pdf_bytes;
    case AttachmentKind::text: return l.text_bytes;
  }
  return l.text_bytes;
}

AttachmentKind kind_of(const std::string &media_type) {
  if (media_type == "application/pdf") return AttachmentKind::pdf;
  if (starts_with(media_type, "image/")) return AttachmentKind::image;
  return AttachmentKind::text;
}

// Reads `size` bytes (the fstat size) and refuses a file that grew past
// `limit` meanwhile: memory stays bounded by the limit.
std::string read_all(int fd, const std::string &path, size_t size, size_t limit) {
  std::string bytes(std::min(size, limit) + 1, '\0');
  size_t have = 0;
  for (;;) {
    if (have == bytes.size()) {
      if (have > limit) refuse_file(path, "grew past " + text::human_size(limit) + " while it was read");
      bytes.resize(std::min(have * 2 + 4096, limit + 1));
    }
    ssize_t n = ::pread(fd, bytes.data() + have, bytes.size() - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse_file(path, std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  if (have > limit) refuse_file(path, "grew past " + text::human_size(limit) + " while it was read");
  bytes.resize(have);
  return bytes;
}

// A fence of backticks longer than any run of them in `text`.
std::string fence_for(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

void read_pdf(Attachment &a, const std::string &bytes, const AttachmentLimits &limits) {
  pdf::PdfText pdf = pdf::read_pdf_text(bytes, limits.pdf_text_bytes);
  switch (pdf.outcome) {
    case pdf::Outcome::ok: break;
    case pdf::Outcome::encrypted: refuse_file(a.path, "the PDF is encrypted (it needs a password); decrypt it first, e.g. qpdf --decrypt");
    case pdf::Outcome::broken: refuse_file(a.path, "not a readable PDF: " + pdf.message);
    case pdf::Outcome::too_large:
      refuse_file(a.path, "the PDF's text is larger than " + text::human_size(limits.pdf_text_bytes) + ": " + pdf.message);
    case pdf::Outcome::unavailable: refuse_file(a.path, "PDFs cannot be read: " + pdf.message);
  }
  a.pages = pdf.pages.size();
  a.text.clear();
  for (size_t i = 0; i < pdf.pages.size(); ++i) {
    a.text += "[page " + std::to_string(i + 1) + "]\n" + pdf.pages[i];
    if (!a.text.empty() && a.text.back() != '\n') a.text += '\n';
  }
}

// PDF syntax (ISO 32000-1, 7.2.2): what may follow a name without being
// part of it.
bool pdf_ends_name(std::string_view b, size_t at) {
  if (at >= b.size()) return true;
  return b[at] == '\0' || std::string_view(" \t\r\n\f()<>[]{}/%").find(b[at]) != std::string_view::npos;
}

size_t pdf_skip_space(std::string_view b, size_t at) {
  while (at < b.size() && (b[at] == '\0' || std::string_view(" \t\r\n\f").find(b[at]) != std::string_view::npos)) ++at;
  return at;
}

// Page objects ("/Type /Page", not "/Pages") written in the clear. Pages
// inside compressed object streams are not seen: 0 then, and
// estimated_pages guesses. poppler is not loaded for this on purpose: a PDF
// that goes natively never needs it.
size_t count_pdf_pages(std::string_view b) {
  size_t pages = 0;
  for (size_t at = b.find("/Type"); at != std::string_view::npos; at = b.find("/Type", at + 1)) {
    if (!pdf_ends_name(b, at + 5)) continue;
    size_t value = pdf_skip_space(b, at + 5);
    if (b.substr(value, 5) == "/Page" && pdf_ends_name(b, value + 5)) ++pages;
  }
  return pages;
}

// A trailer (or cross-reference stream) naming an /Encrypt dictionary: the
// file needs a password or is locked against copying; providers refuse it.
bool names_encryption(std::string_view b) {
  for (size_t at = b.find("/Encrypt"); at != std::string_view::npos; at = b.find("/Encrypt", at + 1))
    if (pdf_ends_name(b, at + 8)) return true;
  return false;
}

// A PDF of unknown page count (compressed page objects): one page per
// this many bytes, a figure between text-only documents (a few KB a page)
// and scans (a few hundred), so that the estimate errs neither way wildly.
constexpr size_t kPdfBytesPerPageGuess = 50 * 1024;

size_t pdf_base64_size(size_t bytes) { return (bytes + 2) / 3 * 4; }

// Why `a` cannot go natively to every target, "" when it can; `request_bytes`
// is the base64 of the PDFs before it that go natively.
std::string native_pdf_obstacle(const Attachment &a, const std::vector<PdfTarget> &targets, int64_t request_bytes) {
  if (targets.empty()) return "no model to send it to";
  for (const PdfTarget &t : targets)
    if (!t.accepts)
      return "--pdf native: " + t.model + " does not take PDFs natively; use --pdf text (or --pdf auto)";
  const std::string file = "attachment " + a.path + ": ";
  if (a.encrypted)
    return file + "the PDF is encrypted and providers refuse encrypted PDFs: decrypt it first (e.g. qpdf --decrypt) "
                  "or use --pdf text";
  for (const PdfTarget &t : targets) {
    if (t.max_pages > 0 && a.pages > static_cast<size_t>(t.max_pages))
      return file + std::to_string(a.pages) + " pages, more than " + t.model + " takes natively (" +
             std::to_string(t.max_pages) + "); use --pdf text";
    const int64_t needed = request_bytes + static_cast<int64_t>(pdf_base64_size(a.bytes));
    if (t.max_request_bytes > 0 && needed > t.max_request_bytes)
      return file + text::human_size(static_cast<size_t>(needed)) + " of base64" +
             (request_bytes > 0 ? " with the PDFs before it" : "") + " is more than " + t.model +
             " takes in one request (" + text::human_size(static_cast<size_t>(t.max_request_bytes)) +
             "); use --pdf text";
  }
  return {};
}

} // namespace

PdfMode parse_pdf_mode(const std::string &text, const std::string &where) {
  if (text == "auto") return PdfMode::automatic;
  if (text == "native") return PdfMode::native;
  if (text == "text") return PdfMode::text;
  throw UsageError(where + ": '" + text + "' is not a PDF mode: auto, native or text");
}

const char *pdf_mode_name(PdfMode mode) {
  switch (mode) {
    case PdfMode::automatic: return "auto";
    case PdfMode::native: return "native";
    case PdfMode::text: return "text";
  }
  return "auto";
}

std::vector<bool> route_pdfs(std::vector<Attachment> &attachments, PdfMode mode,
                             const std::vector<PdfTarget> &targets, const AttachmentLimits &limits) {
  std::vector<bool> native(attachments.size(), false);
  int64_t request_bytes = 0;
  for (size_t i = 0; i < attachments.size(); ++i) {
    Attachment &a = attachments[i];
    if (a.kind != AttachmentKind::pdf) continue;
    if (mode != PdfMode::text) {
      std::string why = native_pdf_obstacle(a, targets, request_bytes);
      if (!why.empty() && mode == PdfMode::native) throw UsageError(why);
      native[i] = why.empty();
    }
    if (native[i]) {
      request_bytes += static_cast<int64_t>(pdf_base64_size(a.bytes));
      if (a.base64.empty()) a.base64 = crypto::base64_encode(a.pdf);
    } else if (a.text.empty()) {
      read_pdf(a, a.pdf, limits);
    }
  }
  return native;
}

size_t estimated_pages(const Attachment &a) {
  if (a.pages > 0) return a.pages;
  return std::max<size_t>(1, a.bytes / kPdfBytesPerPageGuess);
}

int64_t tokens_per_page_of(const std::vector<PdfTarget> &targets) {
  int64_t most = 0;
  for (const PdfTarget &t : targets) most = std::max(most, t.tokens_per_page);
  return most;
}

const char *kind_name(AttachmentKind kind) {
  switch (kind) {
    case AttachmentKind::text: return "text";
    case AttachmentKind::pdf: return "pdf";
    case AttachmentKind::image: return "image";
  }
  return "text";
}

std::optional<std::string> sniff_magic(std::string_view b) {
  if (starts_with(b, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts_with(b, "\xFF\xD8\xFF")) return "image/jpeg";
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return "image/gif";
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
  if (starts_with(b, "%PDF-")) return "application/pdf";
  return std::nullopt;
}

std::optional<std::string> sniff_attachment(std::string_view bytes) {
  if (auto magic = sniff_magic(bytes)) return magic;
  if (bytes.find('\0') != std::string_view::npos || text::invalid_utf8_offset(bytes)) return std::nullopt;
  return "text/plain";
}

Attachment read_attachment(const std::filesystem::path &file, const AttachmentLimits &limits) {
  Attachment a;
  a.path = file.string();
  a.name = file.filename().string();
  // The name goes into the prompt, which is JSON: it must be text.
  if (text::invalid_utf8_offset(a.path)) throw UsageError("attachment: the file name is not valid UTF-8: rename it");
  int fd = ::open(a.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) refuse_file(a.path, errno == ENOENT ? "no such file" : std::string("cannot be opened: ") + std::strerror(errno));
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) refuse_file(a.path, std::string("cannot be read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) refuse_file(a.path, "is a folder");
  if (!S_ISREG(st.st_mode)) refuse_file(a.path, "is not a regular file");
  const size_t size = static_cast<size_t>(st.st_size);
  // Before anything is read: no kind takes more than the largest limit.
  const size_t largest = std::max({limits.text_bytes, limits.pdf_bytes, limits.image_bytes});
  if (size > largest) refuse_file(a.path, text::human_size(size) + " is larger than any attachment may be (" +
                                         text::human_size(largest) + ")");

  char head[kHeadBytes];
  ssize_t got = ::pread(fd, head, sizeof head, 0);
  if (got < 0) refuse_file(a.path, std::string("cannot be read: ") + std::strerror(errno));
  std::optional<std::string> magic = sniff_magic(std::string_view(head, static_cast<size_t>(got)));
  a.kind = magic ? kind_of(*magic) : AttachmentKind::text;
  const size_t limit = limit_of(a.kind, limits);
  if (size > limit)
    refuse_file(a.path, std::string(a.kind == AttachmentKind::image ? "an " : "a ") + kind_name(a.kind) +
                            " attachment may be at most " + text::human_size(limit) +
                       ", this one is " + text::human_size(size));

  std::string bytes = read_all(fd, a.path, size, limit);
  std::optional<std::string> media_type = sniff_attachment(bytes);
  if (!media_type) refuse_file(a.path, "not a file webox attaches: text (UTF-8), PDF, or a PNG, JPEG, GIF or WebP image");
  a.media_type = *media_type;
  a.kind = kind_of(a.media_type);
  a.bytes = bytes.size();
  a.sha256 = crypto::hex_encode(crypto::sha256(bytes));
  switch (a.kind) {
    case AttachmentKind::text: a.text = std::move(bytes); break;
    case AttachmentKind::pdf:
      // Read later, by route_pdfs: as text (poppler) or sent whole.
      a.pages = count_pdf_pages(bytes);
      a.encrypted = names_encryption(bytes);
      a.pdf = std::move(bytes);
      break;
    case AttachmentKind::image: a.base64 = crypto::base64_encode(bytes); break;
  }
  return a;
}

void check_attachment_count(size_t count, const AttachmentLimits &limits) {
  if (count > limits.count)
    throw UsageError("at most " + std::to_string(limits.count) + " attachments a prompt, " + std::to_string(count) +
                     " were given");
}

std::string prompt_with_attachments(const std::string &prompt, const std::vector<Attachment> &attachments,
                                    const std::vector<bool> &native) {
  if (attachments.empty()) return prompt;
  std::string out;
  for (size_t i = 0; i < attachments.size(); ++i) {
    const Attachment &a = attachments[i];
    if (i < native.size() && native[i]) {
      out += "[pdf " + a.name + ": " + a.media_type + ", " + std::to_string(a.bytes) + " bytes, sha256 " + a.sha256 +
             ", sent whole]\n\n";
      continue;
    }
    switch (a.kind) {
      case AttachmentKind::text:
      case AttachmentKind::pdf: {
        const std::string fence = fence_for(a.text);
        out += a.kind == AttachmentKind::pdf
                   ? "Attached PDF " + a.name + " (" + std::to_string(a.pages) + " page" + (a.pages == 1 ? "" : "s") +
                         "), its text:\n"
                   : "Attached file " + a.name + ":\n";
        out += fence + "\n" + a.text;
        if (!a.text.empty() && a.text.back() != '\n') out += '\n';
        out += fence + "\n\n";
        break;
      }
      case AttachmentKind::image:
        out += "[image " + a.name + ": " + a.media_type + ", " + std::to_string(a.bytes) + " bytes, sha256 " + a.sha256 +
               "]\n\n";
        break;
    }
  }
  return out + prompt;
}

nlohmann::json media_parts(const std::vector<Attachment> &attachments, const std::vector<bool> &native,
                           int64_t tokens_per_page) {
  nlohmann::json parts = nlohmann::json::array();
  for (size_t i = 0; i < attachments.size(); ++i) {
    const Attachment &a = attachments[i];
    if (a.kind == AttachmentKind::image)
      parts.push_back({{"type", "image"}, {"media_type", a.media_type}, {"data", a.base64}, {"name", a.name}});
    if (a.kind != AttachmentKind::pdf || i >= native.size() || !native[i]) continue;
    const auto pages = static_cast<int64_t>(estimated_pages(a));
    nlohmann::json part = {{"type", "document"}, {"media_type", a.media_type}, {"data", a.base64},
                           {"name", a.name},     {"pages", pages}};
    if (tokens_per_page > 0) part["input_tokens"] = pages * tokens_per_page;
    parts.push_back(std::move(part));
  }
  return parts;
}

nlohmann::json user_content(const std::string &text, const nlohmann::json &media) {
  if (!media.is_array() || media.empty()) return text;
  nlohmann::json parts = nlohmann::json::array({{{"type", "text"}, {"text", text}}});
  for (const auto &part : media) parts.push_back(part);
  return parts;
}

} // namespace webox::chat
