// Loading YAML that a user wrote (config.yaml, workflows, prompt front
// matter), with limits every later walk of the tree can rely on.
//
// yaml-cpp shares an aliased node instead of copying it, so a "billion
// laughs" file (anchors of aliases of aliases) loads in kilobytes; the
// damage happens when webox walks or converts the tree (a `foreach:` list
// turned into JSON grew to 6 GiB). Its parser also recurses per level and
// refuses 2,000 levels with only "bad file". load_yaml checks the expanded
// tree once, iteratively, and refuses:
//   - nesting deeper than kMaxYamlDepth (the recursive conversions to JSON
//     stay a few hundred KB of stack),
//   - more than kMaxYamlNodes nodes or kMaxYamlTextBytes bytes of scalars
//     once aliases are expanded,
//   - a mapping key that is not text (empty, a list, a mapping), which every
//     reader of these files would fail to convert.
// Every refusal is a YAML::ParserException at the offending node, so callers
// report it like a syntax error: "FILE:LINE:COLUMN: what".
#pragma once

#include <cstddef>
#include <istream>
#include <string>

#include <yaml-cpp/yaml.h>

namespace webox {

inline constexpr int kMaxYamlDepth = 128;
inline constexpr size_t kMaxYamlNodes = 100'000;
inline constexpr size_t kMaxYamlTextBytes = 32u * 1024 * 1024;

YAML::Node load_yaml(std::istream &in);
YAML::Node load_yaml(const std::string &text);

// The check load_yaml runs, for a tree built another way.
void check_yaml_limits(const YAML::Node &root);

} // namespace webox
