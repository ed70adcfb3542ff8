// The `export:` section of config.yaml:
//
//   export:
//     notion:
//       version: "2022-06-28"        # Notion-Version header
//       map: {phone: Téléphone, score: "Score:number"}
#pragma once

#include <filesystem>
#include <string>

namespace webox::exporting {

struct ExportSettings {
  std::string notion_version = "2022-06-28";
  std::string notion_map; // "field=Property[:type],..." or empty for the default
};

// Throws Error (exit 4) naming file:line for a malformed section.
ExportSettings load_export_settings(const std::filesystem::path &config_file);

} // namespace webox::exporting
