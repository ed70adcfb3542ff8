// The statuses a lead moves through (webox-leads(1), "STATUSES"): apart from
// the queries so the files that only check a name (sequence files, the
// `leads dm --status` flag) need nothing of the store.
#pragma once

#include <string>

namespace webox::leads {

extern const char *const kStatuses[5]; // new, contacted, in_progress, converted, refused
bool is_status(const std::string &s);

} // namespace webox::leads
