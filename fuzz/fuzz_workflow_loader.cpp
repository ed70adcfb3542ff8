// Fuzzes the workflow loader and planner (lib/workflow/loader.cpp, plan.cpp):
// a workflow file is user input, and CI runs `webox workflow validate` on
// whatever was committed. Any input must end as a loaded, planned workflow
// or as InvalidWorkflow (exit 2) — never a crash, a hang, or another
// exception (a yaml-cpp conversion error leaking out would be exit 1 with a
// message naming no position).
#include <cstdlib>
#include <string>

#include "lib/core/template.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  try {
    webox::workflow::Workflow wf = webox::workflow::parse_workflow(text, "fuzz.yaml");
    webox::workflow::Plan plan = webox::workflow::make_plan(wf);
    if (plan.order.size() != wf.steps.size()) std::abort(); // a plan covers every step once
  } catch (const webox::workflow::InvalidWorkflow &e) {
    if (e.diagnostics().empty()) std::abort(); // refused without saying why
  } catch (const webox::TemplateError &) {
    // an option value that is not a template: a clear message, exit 2
  }
  return 0;
}
