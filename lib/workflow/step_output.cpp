#include "lib/workflow/step_output.hpp"

#include <filesystem>
#include <map>

#include "lib/core/atomic_file.hpp"
#include "lib/workflow/step_render.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// `root`: "" for a literal `output:` (its folders made as given), else the
// folder the rendered path must stay under (the writer makes the folders
// below it, never through a symbolic link).
void write_text_file(const std::string &path, const std::string &text, const std::string &root) {
  std::filesystem::path p(path);
  if (root.empty() && p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  webox::write_file_atomically(p, text, AtomicFileOptions{0666, root});
}

std::string join_texts(const std::vector<std::string> &texts) {
  std::string out;
  for (const auto &t : texts) out += (out.empty() ? "" : "\n\n") + t;
  return out;
}

void assemble_compare(const Step &s, StepItems in, StepReport &rep) {
  rep.json = json::object();
  std::string text;
  for (size_t k = 0; k < in.results.size(); ++k) {
    std::string model = in.items[k].get<std::string>();
    rep.json[model] = in.results[k].text;
    text += (text.empty() ? "" : "\n\n") + ("## " + model + "\n\n" + in.results[k].text);
  }
  rep.output = text;
  rep.model = "";
  for (const auto &m : s.compare_models) rep.model += (rep.model.empty() ? "" : ", ") + m;
}

} // namespace

ItemsOutcome tally_items(const Step &s, StepItems in, StepReport &rep) {
  ItemsOutcome outcome;
  bool all_cached = !in.results.empty();
  bool cost_known = true;
  for (size_t k = 0; k < in.results.size(); ++k) {
    const TaskResult &r = in.results[k];
    all_cached = all_cached && r.cached;
    if (r.input_tokens || r.output_tokens)
      rep.tokens = rep.tokens.value_or(0) + r.input_tokens.value_or(0) + r.output_tokens.value_or(0);
    if (r.cost) rep.cost = rep.cost.value_or(0) + *r.cost;
    if (r.cost_unknown) cost_known = false;
    if (r.status == "cancelled") outcome.cancelled = true;
    else if (r.status != "ok" && outcome.error.empty())
      outcome.error = in.results.size() > 1 ? "item " + std::to_string(k + 1) + ": " + r.error : r.error;
    in.texts.push_back(r.text);
    for (const auto &c : r.tool_calls) rep.tool_calls.push_back(c);
    for (const auto &m : r.media) rep.files.push_back(m.file_path);
  }
  if (!cost_known) rep.cost.reset();
  rep.cached = all_cached && calls_a_model(s.action);
  if (!in.results.empty() && rep.model.empty()) rep.model = in.results.front().model;
  return outcome;
}

void assemble_output(const Step &s, StepItems in, StepReport &rep) {
  const bool many = s.foreach_list || !s.foreach.empty();
  if (s.action == Action::compare) {
    assemble_compare(s, in, rep);
  } else if (many) {
    rep.output = join_texts(in.texts);
    rep.json = json::array();
    for (const auto &r : in.results) rep.json.push_back(r.json ? *r.json : json(r.text));
  } else {
    rep.output = in.texts.empty() ? "" : in.texts.front();
    rep.json = !in.results.empty() && in.results.front().json ? *in.results.front().json : json();
  }
  if (s.action == Action::retrieve) {
    // Its chunks; with foreach:, every item's, in order.
    rep.chunks = json::array();
    for (const auto &r : in.results)
      if (r.json)
        for (const auto &c : *r.json) rep.chunks.push_back(c);
    rep.json = json();
  }
}

void write_step_files(const Step &s, StepItems in, StepReport &rep) {
  if (s.output.empty() || s.action == Action::tts || s.action == Action::image) return;
  std::map<std::string, std::vector<std::string>> by_path;
  std::vector<std::string> order;
  for (size_t k = 0; k < in.output_paths.size(); ++k) {
    if (!by_path.count(in.output_paths[k])) order.push_back(in.output_paths[k]);
    by_path[in.output_paths[k]].push_back(s.action == Action::write ? in.texts[k] : in.results[k].text);
  }
  for (const auto &path : order) {
    const auto &texts = by_path[path];
    std::string text = texts.size() == 1 ? texts.front() : join_texts(texts);
    if (s.action != Action::write && !text.empty() && text.back() != '\n') text += '\n';
    write_text_file(path, text, in.output_root);
    rep.files.push_back(path);
  }
}

} // namespace webox::workflow
