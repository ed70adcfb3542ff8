// Loading one plugin library and checking that it keeps its promises.
//
// The steps: dlopen(RTLD_NOW | RTLD_LOCAL) so that unresolved symbols fail
// now, not in the middle of a chat, and so that two plugins bundling
// different copies of a library never see each other's; dlsym the single
// entry; call it with the host table; then check the descriptor it returns
// against what the manifest announced: ABI major, minimum host minor, id,
// capabilities, and a non-NULL function slot inside `struct_size` for every
// capability bit. Any failure is a webox::Error with a one-line reason; the
// host never calls into a plugin that failed a check.
//
// Libraries are never dlclose'd: for a short-lived command this costs
// nothing and avoids teardown-order bugs with thread-locals and static
// destructors inside plugins.
#pragma once

#include <memory>

#include <webox/plugin.h>

#include "lib/plugin/manifest.hpp"

namespace webox::plugin {

struct LoadedPlugin {
  Manifest manifest;
  const webox_plugin *descriptor = nullptr;
};

// Throws webox::Error("plugin <id>: <reason>").
std::unique_ptr<LoadedPlugin> load_plugin(const Manifest &manifest);

// The slot of `capability` in `d`, or nullptr when outside struct_size.
const void *capability_slot(const webox_plugin &d, uint64_t capability);

} // namespace webox::plugin
