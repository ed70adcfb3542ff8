// Reading a workflow file: YAML to the model of workflow.hpp, with every
// problem found (not just the first) reported as file:line:column.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lib/core/error.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

struct Diagnostic {
  std::filesystem::path file;
  SourcePos pos;
  std::string message;
  std::string text() const; // "file:line:column: message"
};

// A workflow that cannot run as written. Exit code 2; what() lists every
// diagnostic, one per line.
class InvalidWorkflow : public Error {
public:
  explicit InvalidWorkflow(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic> &diagnostics() const { return m_diagnostics; }

private:
  std::vector<Diagnostic> m_diagnostics;
};

// Parses `file`. Throws InvalidWorkflow on syntax or structure errors, and
// webox::Error when the file cannot be read.
Workflow load_workflow(const std::filesystem::path &file);

// Same, from text (tests, stdin); `file` names it in diagnostics.
Workflow parse_workflow(const std::string &yaml, const std::filesystem::path &file);

} // namespace webox::workflow
