#include "lib/leads/query/lead_status.hpp"

#include <algorithm>
#include <iterator>

namespace webox::leads {

const char *const kStatuses[5] = {"new", "contacted", "in_progress", "converted", "refused"};

bool is_status(const std::string &s) {
  return std::find_if(std::begin(kStatuses), std::end(kStatuses), [&](const char *x) { return s == x; }) != std::end(kStatuses);
}

} // namespace webox::leads
