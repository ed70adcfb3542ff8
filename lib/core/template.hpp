// Mustache templates for prompts, workflow steps, DM messages and file
// names, over the Debian kainjow mustache library.
//
// Two choices differ from Mustache as used for web pages, because webox
// renders text for models and people, not HTML:
//  - `{{x}}` is NOT HTML-escaped: "R&D <team>" stays "R&D <team>" (escaping
//    would feed "&amp;" to a model or a DM). `{{{x}}}` and `{{&x}}` behave the
//    same.
//  - the data is a JSON document: objects are sections and dotted names
//    (`{{steps.draft.output}}`), arrays iterate (`{{#items}}{{.}}{{/items}}`),
//    numbers render as JSON writes them, null and false are falsy, and a
//    variable that names an object or array renders it as compact JSON (a
//    model prompt can quote a previous step's JSON whole).
//
// A name that resolves to nothing renders as "" (Mustache's rule) but is
// reported in `missing`, so callers can refuse a template before using it:
// a DM must never go out as "Bonjour ,".
#pragma once

#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"

namespace webox {

// A template that does not parse (unclosed section, bad delimiter). The
// message names the position kainjow reports.
class TemplateError : public Error {
public:
  explicit TemplateError(const std::string &message) : Error(message, ExitCode::usage) {}
};

class Template {
public:
  // Parses `text`; throws TemplateError.
  explicit Template(const std::string &text);
  ~Template();
  Template(Template &&) noexcept;
  Template &operator=(Template &&) noexcept;

  // Renders against `data`. Not for two threads at once on one Template
  // (kainjow keeps render state in the object); parse one per thread. Names used as variables that resolve to nothing
  // are added to `missing` when given (sections over a missing name are
  // simply false, as Mustache intends, and are not reported).
  std::string render(const nlohmann::json &data, std::set<std::string> *missing = nullptr) const;

  // The names the template uses in tags (variables and sections), as
  // written: "steps.draft.output", "item", "#" sections included without
  // their sigil. Used to find which workflow steps a template depends on.
  const std::set<std::string> &names() const { return m_names; }

  const std::string &text() const { return m_text; }

private:
  struct Impl;
  std::string m_text;
  std::set<std::string> m_names;
  std::set<std::string> m_section_names;
  std::unique_ptr<Impl> m_impl;
};

// Shorthand: parse and render; throws TemplateError on a bad template.
std::string render_template(const std::string &text, const nlohmann::json &data,
                            std::set<std::string> *missing = nullptr);

} // namespace webox
