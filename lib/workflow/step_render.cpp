#include "lib/workflow/step_render.hpp"

#include <regex>
#include <set>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/template.hpp"
#include "lib/media/generate.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/output_path.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// A plain text list: one item per non-empty line.
json lines_as_items(const std::string &rendered) {
  json list = json::array();
  size_t start = 0;
  while (start <= rendered.size()) {
    size_t nl = rendered.find('\n', start);
    std::string line = rendered.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) list.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return list;
}

// The workflow's default options, then the step's, whose string values may
// be templates.
json render_options(const Workflow &wf, const Step &s, const json &data) {
  json options = wf.default_options;
  for (const auto &[key, value] : s.options.items()) {
    if (value.is_string() && has_tags(value.get<std::string>()))
      options[key] = render_strict(value.get<std::string>(), data, "options." + key);
    else options[key] = value;
  }
  return options;
}

// A library prompt sees only its variables, given by `with:`.
void render_library_prompt(Task &t, const Step &s, const LibraryPrompt &lib, const json &data) {
  json vars = json::object();
  for (const auto &[name, value] : s.with) vars[name] = render_strict(value.text, data, "with." + name);
  std::set<std::string> missing;
  t.prompt = render_template(lib.body, vars, &missing);
  if (s.system.empty() && !lib.system.empty()) t.system = render_template(lib.system, vars, &missing);
  if (!missing.empty())
    throw UsageError("prompt '" + lib.name + "' uses {{" + *missing.begin() + "}}, which 'with:' does not give");
}

// prompt, use, compare: the system and user messages.
void render_messages(Task &t, const StepSource &src, const json &data) {
  const Step &s = src.step;
  if (src.library) render_library_prompt(t, s, *src.library, data);
  else t.prompt = render_strict(s.body.text, data, "prompt");
  if (t.system.empty())
    t.system = render_strict(!s.system.empty() ? s.system.text : src.wf.default_system, data, "system");
  std::string user = t.prompt;
  if (s.json_format) user += "\n\n" + json_instruction(s.schema);
  if (!t.system.empty()) t.messages.push_back({{"role", "system"}, {"content", t.system}});
  t.messages.push_back({{"role", "user"}, {"content", user}});
}

// transcribe: the audio file to send.
void render_transcribe_input(Task &t, const Step &s, const json &data) {
  t.path = render_strict(s.body.text, data, "transcribe");
  // A file named by a model's answer must not be any file of the user's
  // (sent to a provider): the same confinement as `output:`. Names from
  // inputs are the user's own.
  static const std::regex from_data(R"(\{\{\{?\s*&?\s*(steps\.|item\b))");
  if (std::regex_search(s.body.text, from_data)) confine_output(s.body.text, t.path, "transcribe");
}

// tts, image: the text or prompt, and the file to write.
void render_media_input(Task &t, const Step &s, const json &data, const ItemOutput &out) {
  t.text = render_strict(s.body.text, data, action_name(s.action));
  if (!s.output.empty()) {
    t.path = out.path;
    t.output_root = out.root;
  }
}

} // namespace

bool calls_a_model(Action a) { return a == Action::prompt || a == Action::use || a == Action::compare; }

bool has_tags(const std::string &text) { return text.find("{{") != std::string::npos; }

std::string default_model_for(Action a, const std::string &workflow_default, const MediaConfig &configured) {
  switch (a) {
    case Action::tts: return media::default_media_model(media::MediaKind::speech, configured).model;
    case Action::transcribe: return media::default_media_model(media::MediaKind::transcription, configured).model;
    case Action::image: return media::default_media_model(media::MediaKind::image, configured).model;
    default: return workflow_default;
  }
}

std::string spec_of(const Step &s, const Workflow &wf, const MediaConfig &configured, const LibraryPrompt *lib,
                    const json &item) {
  if (s.action == Action::compare) return item.get<std::string>();
  if (!s.model.empty()) return s.model.text;
  std::string spec = default_model_for(s.action, wf.default_model, configured);
  if (spec.empty() && lib) spec = lib->model;
  return spec;
}

// A step that was skipped or failed has no output to miss: names under it
// render empty.
std::string render_strict(const std::string &text, const json &data, const std::string &what) {
  std::set<std::string> missing;
  std::string out = render_template(text, data, &missing);
  for (const auto &name : missing) {
    if (name.rfind("steps.", 0) == 0) {
      std::string id = name.substr(6, name.find('.', 6) - 6);
      const json &steps = data["steps"];
      if (!steps.contains(id) || steps[id].value("status", "") != "ok") continue;
    } else if (!(name.rfind("inputs.", 0) == 0 || name == "item" || name == "index" || name.rfind("item.", 0) == 0)) {
      continue; // a name relative to a section being iterated
    }
    throw UsageError(what + ": {{" + name + "}} has no value");
  }
  return out;
}

json expand_items(const Step &s, const json &data) {
  if (s.action == Action::compare) {
    json items = json::array();
    for (const auto &m : s.compare_models) items.push_back(m);
    return items;
  }
  if (s.foreach_list) return *s.foreach_list;
  if (s.foreach.empty()) return json::array({nullptr});
  std::string rendered = render_strict(s.foreach.text, data, "foreach");
  json list = parse_json_or_discarded(rendered);
  if (list.is_discarded() || !list.is_array()) return lines_as_items(rendered);
  return list;
}

ItemScope::ItemScope(json &data, bool per_item, const json &item, size_t index) : m_data(data) {
  if (!per_item) return;
  m_data["item"] = item;
  m_data["index"] = index;
}

ItemScope::~ItemScope() {
  m_data.erase("item");
  m_data.erase("index");
}

ItemOutput render_item_output(const Step &s, const json &data) {
  if (s.output.empty()) return {};
  OutputPath out = confine_output(s.output.text, render_strict(s.output.text, data, "output"));
  return {out.path.string(), out.root.string()};
}

Task render_task(const StepSource &src, const json &data, size_t item, json &item_value, const ItemOutput &out) {
  const Step &s = src.step;
  Task t;
  t.step = src.index;
  t.item = item;
  t.action = s.action;
  t.retries = s.retries;
  t.json_format = s.json_format;
  t.schema = s.schema;
  std::string spec = render_strict(spec_of(s, src.wf, src.media, src.library, item_value), data, "model");
  if (s.action == Action::compare) item_value = spec; // the column's name, rendered
  t.links = src.links(spec);
  t.options = render_options(src.wf, s, data);
  if (calls_a_model(s.action)) render_messages(t, src, data);
  else if (s.action == Action::transcribe) render_transcribe_input(t, s, data);
  else render_media_input(t, s, data, out);
  return t;
}

} // namespace webox::workflow
