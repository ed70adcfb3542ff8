#include "lib/plugin/key_names.hpp"

namespace webox::plugin {

KeyNames::KeyNames(const std::vector<Manifest> &manifests, const Config &config) {
  for (const auto &m : manifests)
    if (!m.primary_secret().empty()) m_variable_of[m.id] = m.primary_secret();
  for (const auto &[name, settings] : config.providers) {
    if (!settings.api_key_env.empty()) m_variable_of[name] = settings.api_key_env;
    else if (!settings.plugin.empty() && settings.plugin != name) m_variable_of.erase(name);
  }
}

std::string KeyNames::canonical(const std::string &name) const {
  auto it = m_variable_of.find(name);
  return it == m_variable_of.end() ? name : it->second;
}

std::vector<std::string> KeyNames::aliases(const std::string &canonical) const {
  std::vector<std::string> out;
  for (const auto &[name, variable] : m_variable_of)
    if (variable == canonical && name != canonical) out.push_back(name);
  return out;
}

} // namespace webox::plugin
