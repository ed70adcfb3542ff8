#include "lib/agent/toolbox.hpp"

#include "lib/core/error.hpp"

namespace webox::agent {

std::string offered_name(const std::string &source, const std::string &tool) {
  std::string name = source == "builtin" ? tool : source + "_" + tool;
  for (char &c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return name;
}

Toolbox::Toolbox(std::vector<std::shared_ptr<ToolSource>> sources) : m_sources(std::move(sources)) {
  for (const auto &source : m_sources) {
    for (auto &spec : source->tools()) {
      OfferedTool t;
      t.offered = offered_name(source->name(), spec.name);
      t.qualified = source->name() == "builtin" ? spec.name : source->name() + "." + spec.name;
      if (t.offered.empty() || t.offered.size() > 64)
        throw UsageError("tool " + t.qualified + ": its name for the model, '" + t.offered +
                         "', is not 1 to 64 characters (providers refuse it); rename the server in mcp_servers");
      if (const OfferedTool *other = find(t.offered))
        throw UsageError("tools " + other->qualified + " and " + t.qualified + " would both be offered as '" +
                         t.offered + "'; rename one of the servers in mcp_servers");
      t.spec = std::move(spec);
      if (!t.spec.input_schema.is_object()) t.spec.input_schema = {{"type", "object"}};
      t.source = source.get();
      m_tools.push_back(std::move(t));
    }
  }
}

const OfferedTool *Toolbox::find(const std::string &offered) const {
  for (const auto &t : m_tools)
    if (t.offered == offered) return &t;
  return nullptr;
}

nlohmann::json Toolbox::definitions() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &t : m_tools)
    out.push_back({{"name", t.offered}, {"description", t.spec.description}, {"input_schema", t.spec.input_schema}});
  return out;
}

std::string Toolbox::names() const {
  std::string out;
  for (const auto &t : m_tools) out += (out.empty() ? "" : ", ") + t.offered;
  return out;
}

} // namespace webox::agent
