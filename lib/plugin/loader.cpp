#include "lib/plugin/loader.hpp"

#include <cstddef>
#include <cstring>
#include <dlfcn.h>

#include "lib/core/error.hpp"
#include "lib/plugin/host_api.hpp"

namespace webox::plugin {
namespace {

[[noreturn]] void refuse(const Manifest &m, const std::string &why) {
  throw Error("plugin " + m.id + ": " + why);
}

struct Slot {
  uint64_t bit;
  size_t offset;
};

constexpr Slot kSlots[] = {
    {WEBOX_CAP_CHAT, offsetof(webox_plugin, chat)},
    {WEBOX_CAP_CHAT_STREAM, offsetof(webox_plugin, chat_stream)},
    {WEBOX_CAP_EMBED, offsetof(webox_plugin, embed)},
    {WEBOX_CAP_IMAGE, offsetof(webox_plugin, image)},
    {WEBOX_CAP_TTS, offsetof(webox_plugin, tts)},
    {WEBOX_CAP_STT, offsetof(webox_plugin, stt)},
    {WEBOX_CAP_SOCIAL_COLLECT, offsetof(webox_plugin, social_collect)},
    {WEBOX_CAP_SOCIAL_SEND, offsetof(webox_plugin, social_send)},
    {WEBOX_CAP_LIST_MODELS, offsetof(webox_plugin, list_models)}, // ABI 1.4
    {WEBOX_CAP_WEBHOOKS, offsetof(webox_plugin, webhook)},         // ABI 1.5 (webhooks)
    // ABI 1.5 (batch): one capability, two slots; both must be there.
    {WEBOX_CAP_BATCH, offsetof(webox_plugin, batch)},
    {WEBOX_CAP_BATCH, offsetof(webox_plugin, batch_results)},
    {WEBOX_CAP_AUTH, offsetof(webox_plugin, auth)}, // ABI 1.6 (auth)
};

// The v1.0 descriptor ends with the social_send slot.
constexpr size_t kMinDescriptorSize = offsetof(webox_plugin, social_send) + sizeof(webox_op_fn);

std::string names(uint64_t caps) {
  std::string out;
  for (const auto &n : capability_names(caps)) out += (out.empty() ? "" : ",") + n;
  return out.empty() ? "none" : out;
}

} // namespace

// A capability with several slots (batch) has them all, or none counts.
const void *capability_slot(const webox_plugin &d, uint64_t capability) {
  const void *first = nullptr;
  for (const auto &s : kSlots) {
    if (s.bit != capability) continue;
    if (s.offset + sizeof(void *) > d.struct_size) return nullptr;
    const void *slot = nullptr;
    std::memcpy(&slot, reinterpret_cast<const char *>(&d) + s.offset, sizeof slot);
    if (!slot) return nullptr;
    if (!first) first = slot;
  }
  return first;
}

std::unique_ptr<LoadedPlugin> load_plugin(const Manifest &m) {
  std::string path = m.library_path().string();
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) refuse(m, std::string("cannot load library: ") + dlerror());
  void *symbol = dlsym(handle, WEBOX_ENTRY_SYMBOL);
  if (!symbol) refuse(m, "does not export " WEBOX_ENTRY_SYMBOL " (not a webox plugin, or built for another ABI)");
  auto entry = reinterpret_cast<webox_entry_fn>(symbol);

  const webox_plugin *d = nullptr;
  webox_status s = entry(host_api(), &d);
  if (s != WEBOX_OK) refuse(m, "refused this host (entry returned " + std::to_string(s) + ")");
  if (!d) refuse(m, "entry returned no descriptor");
  if (d->struct_size < kMinDescriptorSize)
    refuse(m, "descriptor of " + std::to_string(d->struct_size) + " bytes is smaller than ABI 1.0's " +
                  std::to_string(kMinDescriptorSize));
  if (d->abi_major != WEBOX_ABI_MAJOR)
    refuse(m, "built for ABI " + std::to_string(d->abi_major) + ", this webox speaks " + std::to_string(WEBOX_ABI_MAJOR));
  if (d->min_host_minor > WEBOX_ABI_MINOR)
    refuse(m, "needs host ABI 1." + std::to_string(d->min_host_minor));
  if (!d->id || m.id != d->id)
    refuse(m, std::string("descriptor id '") + (d->id ? d->id : "(null)") + "' differs from the manifest");
  if (d->capabilities != m.capabilities)
    refuse(m, "descriptor capabilities (" + names(d->capabilities) + ") differ from the manifest (" +
                  names(m.capabilities) + ")");
  for (const auto &slot : kSlots) {
    if ((d->capabilities & slot.bit) && !capability_slot(*d, slot.bit))
      refuse(m, "announces '" + capability_names(slot.bit).front() + "' but has no function for it");
  }
  if (!d->create || !d->destroy) refuse(m, "descriptor lacks create or destroy");

  auto loaded = std::make_unique<LoadedPlugin>();
  loaded->manifest = m;
  loaded->descriptor = d;
  return loaded; // `handle` stays open until the process ends, by design
}

} // namespace webox::plugin
