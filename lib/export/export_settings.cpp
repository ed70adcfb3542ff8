#include "lib/export/export_settings.hpp"


#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"

namespace webox::exporting {

ExportSettings load_export_settings(const std::filesystem::path &file) {
  ExportSettings s;
  const YAML::Node exporting = config_section(file, "export");
  if (!exporting || !exporting["notion"]) return s;
  YAML::Node notion = exporting["notion"];
  if (!notion.IsMap()) fail_config_at(file, notion.Mark(), "'export.notion' must be a mapping");
  if (notion["version"]) s.notion_version = notion["version"].as<std::string>();
  if (YAML::Node map = notion["map"]) {
    if (!map.IsMap()) fail_config_at(file, map.Mark(), "'export.notion.map' must map fields to property names");
    for (const auto &kv : map)
      s.notion_map += (s.notion_map.empty() ? "" : ",") + kv.first.as<std::string>() + "=" + kv.second.as<std::string>();
  }
  return s;
}

} // namespace webox::exporting
