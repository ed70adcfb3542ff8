#include "lib/core/yaml_load.hpp"

#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>

namespace webox {
namespace {

std::string levels_text(int depth) { return "nested deeper than " + std::to_string(depth) + " levels"; }

template <class Source> YAML::Node load_checked(Source &&source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::forward<Source>(source));
  } catch (const YAML::DeepRecursion &e) {
    // yaml-cpp's own refusal (at 2,000 recursions, about 1,000 levels) says
    // only "bad file"; anything it refuses is past our limit too.
    throw YAML::ParserException(e.mark, levels_text(kMaxYamlDepth));
  }
  check_yaml_limits(root);
  return root;
}

} // namespace

void check_yaml_limits(const YAML::Node &root) {
  struct Pending {
    YAML::Node node;
    int depth;
  };
  std::vector<Pending> pending{{root, 1}};
  size_t nodes = 0;
  size_t text_bytes = 0;
  while (!pending.empty()) {
    Pending p = std::move(pending.back());
    pending.pop_back();
    if (p.depth > kMaxYamlDepth) throw YAML::ParserException(p.node.Mark(), levels_text(kMaxYamlDepth));
    if (p.node.IsScalar()) text_bytes += p.node.Scalar().size();
    if (++nodes > kMaxYamlNodes || text_bytes > kMaxYamlTextBytes)
      throw YAML::ParserException(p.node.Mark(), "the document expands to more than " + std::to_string(kMaxYamlNodes) +
                                                     " values or " + std::to_string(kMaxYamlTextBytes / (1024 * 1024)) +
                                                     " MiB of text (aliases repeated inside aliases?)");
    if (p.node.IsSequence()) {
      for (const auto &child : p.node) pending.push_back({child, p.depth + 1});
    } else if (p.node.IsMap()) {
      for (const auto &kv : p.node) {
        // Every reader converts keys with as<std::string>(), which throws a
        // conversion error (an "internal error", exit 1) for an empty key,
        // `? [a, b]` or `? {a: b}`: no webox file has such keys.
        if (!kv.first.IsScalar())
          throw YAML::ParserException(kv.first.Mark(), "a key must be a name (text), not empty, a list or a mapping");
        pending.push_back({kv.first, p.depth + 1});
        pending.push_back({kv.second, p.depth + 1});
      }
    }
  }
}

YAML::Node load_yaml(std::istream &in) { return load_checked(in); }
YAML::Node load_yaml(const std::string &text) { return load_checked(text); }

} // namespace webox
