// The "queued" phase of a workflow run: once a step's needs are done, its
// templates are rendered against the run's data (inputs, finished steps,
// the current item) into one task per item. Scheduler thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/fallback.hpp"
#include "lib/core/config.hpp"
#include "lib/workflow/prompt_library.hpp"
#include "lib/workflow/task.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

// Resolves and binds a model spec ("provider:model" or an alias) to its
// chain; may load plugins, so it is called on the scheduler thread only.
using LinkResolver = std::function<const std::vector<chat::ChainLink> &(const std::string &spec)>;

bool calls_a_model(Action a);
bool has_tags(const std::string &text);

// The model a step uses when it names none.
std::string default_model_for(Action a, const std::string &workflow_default, const MediaConfig &configured);

// The model spec of a step for one item (compare: the item itself).
std::string spec_of(const Step &s, const Workflow &wf, const MediaConfig &configured, const LibraryPrompt *lib,
                    const nlohmann::json &item);

// Renders, refusing a name that resolves to nothing (UsageError): a typo in
// a field name must not send a model a prompt with a hole in it.
std::string render_strict(const std::string &text, const nlohmann::json &data, const std::string &what);

// What a step runs over: the models of `compare:`, the items of `foreach:`
// (a JSON array, or one item per non-empty line), else one null item.
nlohmann::json expand_items(const Step &s, const nlohmann::json &data);

// Sets data.item and data.index for one item and takes them out again.
class ItemScope {
public:
  ItemScope(nlohmann::json &data, bool per_item, const nlohmann::json &item, size_t index);
  ~ItemScope();
  ItemScope(const ItemScope &) = delete;
  ItemScope &operator=(const ItemScope &) = delete;

private:
  nlohmann::json &m_data;
};

// Where one item's text or media goes: the rendered, confined `output:`.
struct ItemOutput {
  std::string path; // "" = no output:
  std::string root; // "" or the folder `path` must stay under
};
ItemOutput render_item_output(const Step &s, const nlohmann::json &data);

// Everything one step's tasks are rendered from.
struct StepSource {
  const Workflow &wf;
  const Step &step;
  size_t index;                 // the step's position in wf.steps
  const LibraryPrompt *library; // a `use:` step's prompt, else null
  const MediaConfig &media;
  const LinkResolver &links;
};

// Renders item `item` of a step that calls something (not `write:`): the
// model chain, the options, and the prompt or the media input. `item_value`
// is the compare column, replaced by its rendered model spec.
Task render_task(const StepSource &src, const nlohmann::json &data, size_t item, nlohmann::json &item_value,
                 const ItemOutput &out);

} // namespace webox::workflow
