// Where a step's `output:` may write.
//
// An `output:` template is rendered with data from outside — a model's JSON
// answer under `foreach:`, an input — so "out/{{item}}.txt" with the item
// "../../../../tmp/x" must not write /tmp/x.txt. A template with tags is
// confined to its output root: the folder its literal text names before the
// first tag ("out/" here; the current folder when the template starts with
// a tag). The rendered path must keep that literal prefix and continue with
// a relative path without ".." components; and the folders below the root
// are opened without following symbolic links (AtomicFileOptions
// ::confined_to), so a link planted inside the root cannot lead out either.
// A literal template (no tags) is the author's own path and is used as is.
#pragma once

#include <filesystem>
#include <string>

namespace webox::workflow {

struct OutputPath {
  std::filesystem::path path;
  std::filesystem::path root; // empty: a literal template, not confined
};

// Throws UsageError naming `what` (the step's key) and the rendered path
// when it leaves its root.
OutputPath confine_output(const std::string &template_text, const std::string &rendered,
                          const std::string &what = "output");

} // namespace webox::workflow
