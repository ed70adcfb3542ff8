#include "lib/core/pdf_text.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>

#include <dlfcn.h>

#include <nlohmann/json.hpp>

#include "lib/core/json_limits.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/text_input.hpp"

namespace webox::pdf {
namespace {

namespace fs = std::filesystem;

using TextFn = int (*)(const char *, size_t, size_t, char **, size_t *);
using FreeFn = void (*)(char *);

struct Module {
  void *handle = nullptr;
  TextFn text = nullptr;
  FreeFn release = nullptr;
  std::string problem; // why it is not there
  ~Module() {
    if (handle) ::dlclose(handle);
  }
};

std::atomic<bool> g_loaded{false};

fs::path find_module() {
  std::string env = paths::env("WEBOX_PDF_MODULE");
  if (!env.empty()) return env;
  std::error_code ec;
  fs::path beside = paths::exe_dir().parent_path() / "lib" / "webox" / "modules" / "webox-pdf.so";
  if (fs::exists(beside, ec)) return beside;
#ifdef WEBOX_INSTALL_PLUGIN_DIR
  fs::path installed = fs::path(WEBOX_INSTALL_PLUGIN_DIR).parent_path() / "modules" / "webox-pdf.so";
  if (fs::exists(installed, ec)) return installed;
#endif
  return {};
}

// Loaded on first use, kept until the process ends.
const Module &module() {
  static Module m;
  static std::once_flag once;
  std::call_once(once, [] {
    fs::path path = find_module();
    if (path.empty()) {
      m.problem = "webox-pdf.so is not installed (this webox was built without libpoppler-cpp)";
      return;
    }
    m.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m.handle) {
      m.problem = "cannot load " + path.string() + ": " + ::dlerror();
      return;
    }
    m.text = reinterpret_cast<TextFn>(::dlsym(m.handle, "webox_pdf_text_v1"));
    m.release = reinterpret_cast<FreeFn>(::dlsym(m.handle, "webox_pdf_free_v1"));
    if (!m.text || !m.release) m.problem = path.string() + " is not a webox PDF module";
    g_loaded = true;
  });
  return m;
}

Outcome outcome_of(const std::string &code) {
  if (code == "encrypted") return Outcome::encrypted;
  if (code == "too_large") return Outcome::too_large;
  return Outcome::broken;
}

} // namespace

PdfText read_pdf_text(std::string_view bytes, size_t max_text_bytes) {
  PdfText r;
  const Module &m = module();
  if (!m.problem.empty()) {
    r.outcome = Outcome::unavailable;
    r.message = m.problem;
    return r;
  }
  char *out = nullptr;
  size_t size = 0;
  const int status = m.text(bytes.data(), bytes.size(), max_text_bytes, &out, &size);
  std::unique_ptr<char, FreeFn> guard(out, m.release);
  // The answer holds at most the text limit plus JSON escapes.
  nlohmann::json answer = out ? parse_json_or_discarded(std::string_view(out, size)) : nlohmann::json();
  if (!answer.is_object()) {
    r.outcome = Outcome::broken;
    r.message = "the PDF reader gave no answer";
    return r;
  }
  if (status != 0) {
    r.outcome = outcome_of(answer.value("code", ""));
    r.message = answer.value("message", "unreadable PDF");
    return r;
  }
  for (const auto &page : answer.value("pages", nlohmann::json::array())) {
    std::string text = page.is_string() ? page.get<std::string>() : std::string();
    // poppler writes UTF-8, but a module is outside input all the same.
    if (text::invalid_utf8_offset(text)) text.clear();
    r.pages.push_back(std::move(text));
  }
  return r;
}

bool module_loaded() { return g_loaded; }

} // namespace webox::pdf
