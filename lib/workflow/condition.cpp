#include "lib/workflow/condition.hpp"

#include <algorithm>
#include <cctype>

namespace webox::workflow {
namespace {

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

} // namespace

bool condition_holds(const std::string &rendered) {
  for (const std::string op : {"==", "!="}) {
    size_t at = rendered.find(" " + op + " ");
    if (at != std::string::npos) {
      bool same = trim(rendered.substr(0, at)) == trim(rendered.substr(at + 4));
      return op == "==" ? same : !same;
    }
  }
  std::string v = lower(trim(rendered));
  return !(v.empty() || v == "false" || v == "no" || v == "0" || v == "off" || v == "null");
}

} // namespace webox::workflow
