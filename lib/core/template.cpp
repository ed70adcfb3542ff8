#include "lib/core/template.hpp"

#include <map>
#include <regex>
#include <vector>

#include <kainjow/mustache.hpp>

namespace webox {
namespace {

namespace mu = kainjow::mustache;
using nlohmann::json;

// Mustache data for one JSON node. `as_text` turns objects and arrays into
// their compact JSON (for a variable tag); otherwise they stay structure.
mu::data to_data(const json &node, bool as_text) {
  switch (node.type()) {
    case json::value_t::string: return mu::data(node.get_ref<const std::string &>());
    case json::value_t::boolean: return mu::data(node.get<bool>());
    case json::value_t::null:
    case json::value_t::discarded: return mu::data(false);
    case json::value_t::object: {
      if (as_text) return mu::data(node.dump(-1, ' ', false, json::error_handler_t::replace));
      mu::data obj(mu::data::type::object);
      for (const auto &[k, v] : node.items()) obj.set(k, to_data(v, false));
      return obj;
    }
    case json::value_t::array: {
      if (as_text) return mu::data(node.dump(-1, ' ', false, json::error_handler_t::replace));
      mu::data list(mu::data::type::list);
      for (const auto &v : node) list.push_back(to_data(v, false));
      return list;
    }
    default: return mu::data(node.dump()); // numbers, as JSON writes them
  }
}

std::vector<std::string> split_dots(const std::string &name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Resolves names against the sections entered so far (innermost first), then
// against the JSON root, converting only the node a name reaches: a template
// over the outputs of a thousand steps does not copy them all per render.
class JsonContext final : public mu::basic_context<std::string> {
public:
  JsonContext(const json &root, const std::set<std::string> &variable_only, std::set<std::string> *missing)
      : m_root(root), m_variable_only(variable_only), m_missing(missing) {}

  void push(const mu::data *data) override { m_stack.insert(m_stack.begin(), data); }
  void pop() override { m_stack.erase(m_stack.begin()); }

  const mu::data *get(const std::string &name) const override {
    if (name == ".") {
      if (!m_stack.empty()) return m_stack.front();
      return remember(m_root, name);
    }
    const std::vector<std::string> parts = split_dots(name);
    for (const mu::data *item : m_stack) {
      const mu::data *var = item;
      for (const auto &p : parts) {
        var = var->is_object() ? var->get(p) : nullptr;
        if (!var) break;
      }
      if (var) return var;
    }
    const json *node = &m_root;
    for (const auto &p : parts) {
      if (!node->is_object()) return not_found(name);
      auto it = node->find(p);
      if (it == node->end()) return not_found(name);
      node = &*it;
    }
    return remember(*node, name);
  }

  const mu::data *get_partial(const std::string &) const override { return nullptr; }

private:
  const mu::data *not_found(const std::string &name) const {
    if (m_missing && m_variable_only.count(name)) m_missing->insert(name);
    return nullptr;
  }

  const mu::data *remember(const json &node, const std::string &name) const {
    auto key = std::make_pair(&node, m_variable_only.count(name) > 0);
    auto it = m_converted.find(key);
    if (it == m_converted.end())
      it = m_converted.emplace(key, std::make_unique<mu::data>(to_data(node, key.second))).first;
    return it->second.get();
  }

  const json &m_root;
  const std::set<std::string> &m_variable_only;
  std::set<std::string> *m_missing;
  std::vector<const mu::data *> m_stack;
  mutable std::map<std::pair<const json *, bool>, std::unique_ptr<mu::data>> m_converted;
};

} // namespace

struct Template::Impl {
  explicit Impl(const std::string &text) : mustache(text) {}
  mu::mustache mustache;
  std::set<std::string> variable_only; // used as {{x}} and never as a section
};

Template::Template(const std::string &text) : m_text(text), m_impl(std::make_unique<Impl>(text)) {
  if (!m_impl->mustache.is_valid()) throw TemplateError("template: " + m_impl->mustache.error_message());
  m_impl->mustache.set_custom_escape([](const std::string &s) { return s; });
  // The tag names, for dependency discovery and for telling variables from
  // sections. kainjow keeps its parse tree private, so the tags are read
  // again here; only the default delimiters are recognised, which is what
  // every webox template uses ({{=<% %>=}} templates still render, they
  // just report no names).
  static const std::regex tag(R"(\{\{(\{?)\s*([#^/&]?)\s*([^}!>=\s][^}\s]*)\s*\}?\}\})");
  std::set<std::string> variables;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string sigil = (*it)[2];
    const std::string name = (*it)[3];
    m_names.insert(name);
    if (sigil == "#" || sigil == "^" || sigil == "/") m_section_names.insert(name);
    else variables.insert(name);
  }
  for (const auto &v : variables)
    if (!m_section_names.count(v)) m_impl->variable_only.insert(v);
}

Template::~Template() = default;
Template::Template(Template &&) noexcept = default;
Template &Template::operator=(Template &&) noexcept = default;

std::string Template::render(const nlohmann::json &data, std::set<std::string> *missing) const {
  JsonContext ctx(data, m_impl->variable_only, missing);
  std::string out = m_impl->mustache.render(ctx);
  if (!m_impl->mustache.is_valid()) throw TemplateError("template: " + m_impl->mustache.error_message());
  return out;
}

std::string render_template(const std::string &text, const nlohmann::json &data, std::set<std::string> *missing) {
  return Template(text).render(data, missing);
}

} // namespace webox
