#include "lib/media/output_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "plugins/common/shared/wav.hpp"

namespace webox::media {
namespace fs = std::filesystem;

struct Sha256Stream::State {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256Stream::Sha256Stream() : m_state(std::make_unique<State>()) {
  if (!m_state->ctx || EVP_DigestInit_ex(m_state->ctx, EVP_sha256(), nullptr) != 1)
    throw Error("sha256: cannot initialise the digest");
}
Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(std::string_view bytes) {
  if (EVP_DigestUpdate(m_state->ctx, bytes.data(), bytes.size()) != 1) throw Error("sha256: update failed");
}

std::string Sha256Stream::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(m_state->ctx, digest, &n) != 1) throw Error("sha256: final failed");
  return crypto::hex_encode(std::string_view(reinterpret_cast<const char *>(digest), n));
}

MediaFile::MediaFile(fs::path destination, fs::path confined_to)
    : m_file(std::move(destination), AtomicFileOptions{0666, std::move(confined_to)}) {}

void MediaFile::write(std::string_view bytes) {
  if (m_head.size() < 256) m_head.append(bytes.substr(0, 256 - m_head.size()));
  m_written += bytes.size();
  m_sha.update(bytes);
  m_file.write(bytes);
}

void MediaFile::set_destination(fs::path destination) {
  fs::path a = m_file.destination().has_parent_path() ? m_file.destination().parent_path() : fs::path(".");
  fs::path b = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
  if (a != b) throw Error("internal: media destination moved to another directory");
  m_file.rename_to(destination.filename().string());
}

std::string MediaFile::finish() {
  if (m_finished) return m_digest;
  auto fail = [&](const char *what) {
    throw Error("cannot " + std::string(what) + " " + destination().string() + ": " + std::strerror(errno));
  };
  const int fd = m_file.fd();
  auto patches = wav_size_patches(m_head, m_written);
  for (const auto &[offset, value] : patches) {
    unsigned char le[4] = {static_cast<unsigned char>(value), static_cast<unsigned char>(value >> 8),
                           static_cast<unsigned char>(value >> 16), static_cast<unsigned char>(value >> 24)};
    if (::pwrite(fd, le, 4, static_cast<off_t>(offset)) != 4) fail("write");
  }
  m_file.sync();
  if (patches.empty()) {
    m_digest = m_sha.hex_digest();
  } else {
    Sha256Stream again;
    std::string buf(1 << 16, '\0');
    for (off_t at = 0;;) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("read back");
      if (n == 0) break;
      again.update(std::string_view(buf.data(), static_cast<size_t>(n)));
      at += n;
    }
    m_digest = again.hex_digest();
  }
  m_finished = true;
  return m_digest;
}

void MediaFile::commit() {
  finish();
  m_file.commit();
}

std::string slug(std::string_view prompt, size_t max_len) {
  // Latin-1 supplement letters as UTF-8 (C3 xx) folded to ASCII; enough for
  // French, Spanish, German prompts. Anything else becomes a separator.
  static const char *const fold = // C3 80 .. C3 BF
      "aaaaaaeceeeeiiiidnooooo-ouuuuyts"
      "aaaaaaeceeeeiiiidnooooo-ouuuuyty";
  std::string out;
  bool pending_dash = false;
  for (size_t i = 0; i < prompt.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(prompt[i]);
    char mapped = 0;
    if (std::isalnum(c) && c < 0x80) mapped = static_cast<char>(std::tolower(c));
    else if (c == 0xC3 && i + 1 < prompt.size()) {
      unsigned char d = static_cast<unsigned char>(prompt[i + 1]);
      if (d >= 0x80 && d <= 0xBF && fold[d - 0x80] != '-') mapped = fold[d - 0x80];
      ++i;
    } else if (c == 0xC5 && i + 1 < prompt.size() && (prompt[i + 1] == '\x93' || prompt[i + 1] == '\x92')) {
      mapped = 'o'; // œ Œ -> "oe" shortened; good enough for a file name
      ++i;
    } else if (c >= 0x80) {
      while (i + 1 < prompt.size() && (static_cast<unsigned char>(prompt[i + 1]) & 0xC0) == 0x80) ++i;
    }
    if (!mapped) {
      pending_dash = !out.empty();
      continue;
    }
    if (pending_dash) {
      if (out.size() + 2 > max_len) break;
      out += '-';
      pending_dash = false;
    }
    if (out.size() + 1 > max_len) {
      size_t dash = out.rfind('-');
      if (dash != std::string::npos && dash > max_len / 2) out.resize(dash);
      break;
    }
    out += mapped;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "media" : out;
}

bool is_directory_target(const std::string &target) {
  if (!target.empty() && target.back() == '/') return true;
  std::error_code ec;
  return fs::is_directory(target, ec);
}

} // namespace webox::media
