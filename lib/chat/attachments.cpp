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
  for (size_t i = 0; i < pdf.pages.size(); ++i) {
    a.text += "[page " + std::to_string(i + 1) + "]\n" + pdf.pages[i];
    if (!a.text.empty() && a.text.back() != '\n') a.text += '\n';
  }
}

} // namespace

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
    case AttachmentKind::pdf: read_pdf(a, bytes, limits); break;
    case AttachmentKind::image: a.base64 = crypto::base64_encode(bytes); break;
  }
  return a;
}

void check_attachment_count(size_t count, const AttachmentLimits &limits) {
  if (count > limits.count)
    throw UsageError("at most " + std::to_string(limits.count) + " attachments a prompt, " + std::to_string(count) +
                     " were given");
}

std::string prompt_with_attachments(const std::string &prompt, const std::vector<Attachment> &attachments) {
  if (attachments.empty()) return prompt;
  std::string out;
  for (const Attachment &a : attachments) {
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

nlohmann::json image_parts(const std::vector<Attachment> &attachments) {
  nlohmann::json parts = nlohmann::json::array();
  for (const Attachment &a : attachments)
    if (a.kind == AttachmentKind::image)
      parts.push_back({{"type", "image"}, {"media_type", a.media_type}, {"data", a.base64}, {"name", a.name}});
  return parts;
}

nlohmann::json user_content(const std::string &text, const nlohmann::json &images) {
  if (!images.is_array() || images.empty()) return text;
  nlohmann::json parts = nlohmann::json::array({{{"type", "text"}, {"text", text}}});
  for (const auto &image : images) parts.push_back(image);
  return parts;
}

} // namespace webox::chat
