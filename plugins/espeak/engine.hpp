// The espeak-ng engine, as one process-wide resource.
//
// libespeak-ng is a singleton: one initialisation, one current voice, one
// synthesis callback without a context pointer, all global. Two instances
// of this plugin (webox compare, a workflow running steps in parallel) would
// trample each other, so every use goes through Engine::lock(), which hands
// out the engine under one mutex, initialising it on first use. The engine
// is terminated when the plugin is unloaded or the process exits (a static
// destructor), which also keeps LeakSanitizer quiet.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace webox::espeak {

struct Voice {
  std::string id;                     // what -v accepts first: "fr", "en-us"
  std::string name;                   // "French"
  std::vector<std::string> languages; // BCP-47-ish tags, lower case: "fr-fr", "fr"
  std::string identifier;             // the voice file: "roa/fr"
  int gender = 0;                     // 0 unknown, 1 male, 2 female
};

// Proof that the caller holds the engine (see lock_engine()).
using EngineLock = std::unique_lock<std::mutex>;

// Every voice the installed data offers (MBROLA voices excluded: their
// databases are not installed with espeak-ng-data).
std::vector<Voice> list_voices(const EngineLock &held);

// Selects `wanted` ("fr", "en-us", "fr-FR", "fr+f3", a voice name). Throws
// sdk::Failure(WEBOX_E_INVALID) naming close matches when nothing fits.
// Returns the id of the voice selected.
std::string select_voice(const EngineLock &held, const std::string &wanted);

// Holds the engine's mutex; the engine is initialised while it is held.
EngineLock lock_engine();

} // namespace webox::espeak
