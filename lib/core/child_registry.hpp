// The child process groups this process started, for the signal handler.
//
// webox starts helper programs that must not outlive it (MCP servers over
// stdio, lib/mcp/stdio_transport.cpp). Their owners end them in destructors
// (close stdin, SIGTERM, SIGKILL after a grace period), which covers every
// normal exit, errors and the first Ctrl-C. A second Ctrl-C (or SIGTERM)
// ends webox with _exit(130) at once and no destructor runs: the handler
// (lib/core/cancel.cpp) then sends SIGKILL to every process group registered
// here, which is async-signal-safe (atomics and kill(2)), so no child is left
// orphaned. Each child runs in its own process group, so grandchildren (npx
// starting node) go with it.
#pragma once

#include <sys/types.h>

namespace webox::child_registry {

// Registers the process group `pgid`. Returns a slot for remove(), or -1 when
// every slot is taken (the group is then only ended by its owner).
int add(pid_t pgid);

// Forgets a slot (its owner ended the group).
void remove(int slot);

// SIGKILL to every registered group. Async-signal-safe.
void kill_all_from_signal_handler();

} // namespace webox::child_registry
