// Fuzzes the plugin manifest parser (lib/plugin/manifest.cpp). A plugin
// folder is anything a user (or a package) drops into a plugin directory, so
// a bad plugin.json must end as webox::Error naming the file, never as a
// crash or another exception that would stop every other plugin loading.
//
// read_manifest() reads <dir>/plugin.json and insists that "id" equals the
// folder's name, so the harness names the folder after the input's id when
// it is a plausible folder name (otherwise most inputs would stop at that
// first check).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include "lib/plugin/manifest.hpp"

namespace fs = std::filesystem;

namespace {

std::string folder_name_for(std::string_view text) {
  auto doc = webox::bounded_json::parse_or_discarded(text);
  if (doc.is_object() && doc.contains("id") && doc["id"].is_string()) {
    std::string id = doc["id"];
    if (!id.empty() && id.size() < 64 && id != "." && id != ".." && id.find('/') == std::string::npos &&
        id.find('\0') == std::string::npos)
      return id;
  }
  return "fz";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fs::path root = fs::temp_directory_path() / ("webox-fuzz-manifest-" + std::to_string(::getpid()));
  std::string_view text(reinterpret_cast<const char *>(data), size);
  fs::path dir = root / folder_name_for(text);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "plugin.json", std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  try {
    webox::plugin::Manifest m = webox::plugin::read_manifest(dir);
    (void)webox::plugin::capability_names(m.capabilities);
    (void)m.library_path();
  } catch (const webox::Error &) {
    // a clear refusal: the expected outcome for a bad manifest
  }
  fs::remove_all(dir);
  return 0;
}
