// The temporary files this process has open, for the signal handler.
//
// A second Ctrl-C (or `timeout` sending SIGTERM twice) ends the process with
// _exit(130) at once: no destructor runs, so the temporary files of writers
// in progress (an export of personal data, synthesised audio) would stay.
// Each writer registers its temporary file here (a directory descriptor and
// a name, kept in storage allocated before any signal can come), and the
// handler unlinks every registered file with unlinkat(2), which is
// async-signal-safe, before _exit. kill -9 leaves them: the next writer in
// the same directory sweeps them (lib/core/atomic_file.hpp).
#pragma once

namespace webox::temp_registry {

// Registers `name` in the directory `dirfd` (both must stay valid until
// remove()). Returns a slot for remove(), or -1 when every slot is taken or
// the name is too long (the file is then only removed by its owner or by a
// later sweep).
int add(int dirfd, const char *name);

// Forgets a slot (the file was renamed or removed by its owner).
void remove(int slot);

// Unlinks every registered file. Async-signal-safe: atomics and unlinkat.
void unlink_all_from_signal_handler();

} // namespace webox::temp_registry
