#pragma once

namespace webox::store {

// Migration 13 (agent): the steps of an agent turn and the tool calls they made.
const char *migration_13_agent();

} // namespace webox::store
