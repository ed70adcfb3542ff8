// The `export:` section of config.yaml:
//
//   export:
//     notion:
//       version: "2025-09-03"        # Notion-Version header (older: pages under the database id)
//       map: {phone: Téléphone, score: "Score:number"}
#pragma once

#include <filesystem>
#include <string>

namespace webox::exporting {

struct ExportSettings {
  std::string notion_version = "2025-09-03";
  std::string notion_map; // "field=Property[:type],..." or empty for the default
};

// Throws Error (exit 4) naming file:line for a malformed section.
ExportSettings load_export_settings(const std::filesystem::path &config_file);

} // namespace webox::exporting
