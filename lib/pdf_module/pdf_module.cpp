// webox-pdf.so: the text of a PDF, one string per page, with poppler-cpp.
//
// THE INTERFACE is one C function (plus its free), so that libwebox needs no
// poppler header and the module can be absent (lib/core/pdf_text.hpp):
//
//   int webox_pdf_text_v1(const char *data, size_t size, size_t max_text_bytes,
//                         char **out_json, size_t *out_size);
//   void webox_pdf_free_v1(char *json);
//
// Answer: {"pages": ["text of page 1", ...]} (valid UTF-8), or, with -1,
// {"code": "encrypted" | "broken" | "too_large", "message": "..."}. The text
// of all pages together stops at `max_text_bytes` (code "too_large"), so
// memory stays bounded by the caller's limit whatever the PDF holds.
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

namespace {

using nlohmann::json;

// poppler reports damaged objects on stderr by default; the host says what
// matters in one line instead.
void quiet(const std::string &, void *) {}

char *copy_out(const std::string &text, size_t *out_size) {
  char *out = static_cast<char *>(std::malloc(text.size() + 1));
  if (!out) return nullptr;
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  *out_size = text.size();
  return out;
}

json failure(const char *code, const std::string &message) { return {{"code", code}, {"message", message}}; }

json pages_of(const char *data, size_t size, size_t max_text_bytes, bool &ok) {
  ok = false;
  poppler::set_debug_error_function(quiet, nullptr);
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) return failure("too_large", "the PDF is too large");
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(data, static_cast<int>(size)));
  if (!doc) return failure("broken", "not a readable PDF (damaged or truncated)");
  if (doc->is_locked()) return failure("encrypted", "the PDF is encrypted (it needs a password)");
  json pages = json::array();
  size_t total = 0;
  const int count = doc->pages();
  for (int i = 0; i < count; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    std::string text;
    if (page) {
      poppler::byte_array bytes = page->text().to_utf8();
      text.assign(bytes.begin(), bytes.end());
      // poppler ends each page with a form feed: the page is its own unit here.
      while (!text.empty() && (text.back() == '\f' || text.back() == '\n' || text.back() == ' ')) text.pop_back();
    }
    total += text.size();
    if (total > max_text_bytes)
      return failure("too_large", "its text exceeds " + std::to_string(max_text_bytes) + " bytes (page " +
                                      std::to_string(i + 1) + " of " + std::to_string(count) + ")");
    pages.push_back(std::move(text));
  }
  ok = true;
  return {{"pages", std::move(pages)}};
}

} // namespace

extern "C" __attribute__((visibility("default"))) int webox_pdf_text_v1(const char *data, size_t size,
                                                                        size_t max_text_bytes, char **out_json,
                                                                        size_t *out_size) {
  bool ok = false;
  json answer;
  try {
    answer = pages_of(data, size, max_text_bytes, ok);
  } catch (const std::exception &e) {
    ok = false;
    answer = failure("broken", e.what());
  }
  *out_json = copy_out(answer.dump(-1, ' ', false, json::error_handler_t::replace), out_size);
  return ok && *out_json ? 0 : -1;
}

extern "C" __attribute__((visibility("default"))) void webox_pdf_free_v1(char *json_text) { std::free(json_text); }
