#include "lib/workflow/output_path.hpp"

#include "lib/core/error.hpp"

namespace webox::workflow {

OutputPath confine_output(const std::string &template_text, const std::string &rendered, const std::string &what) {
  const size_t first_tag = template_text.find("{{");
  if (first_tag == std::string::npos) return {rendered, {}};
  const std::string literal = template_text.substr(0, first_tag);
  const size_t slash = literal.rfind('/');
  const std::string root = slash == std::string::npos ? "" : literal.substr(0, slash + 1);
  auto refuse = [&](const std::string &why) {
    throw UsageError(what + ": '" + rendered + "' is refused: " + why + " (a path rendered from '" + template_text +
                     "' must stay under " + (root.empty() ? std::string("the current folder") : root) + ")");
  };
  if (rendered.find('\0') != std::string::npos) refuse("it holds a NUL byte");
  if (rendered.compare(0, root.size(), root) != 0) refuse("it does not start with " + root);
  const std::string rest = rendered.substr(root.size());
  if (rest.empty()) refuse("it names no file");
  if (rest.front() == '/') refuse("it is an absolute path");
  for (const auto &part : std::filesystem::path(rest))
    if (part == "..") refuse("it climbs out with '..'");
  // "out/" -> "out": the root is a folder, compared component by component.
  std::string folder = root.size() > 1 ? root.substr(0, root.size() - 1) : root;
  return {rendered, folder.empty() ? std::filesystem::path(".") : std::filesystem::path(folder)};
}

} // namespace webox::workflow
