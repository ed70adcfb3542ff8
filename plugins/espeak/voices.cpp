#include "engine.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include <espeak-ng/espeak_ng.h>
#include <webox/plugin.hpp>

namespace webox::espeak {
namespace {

namespace sdk = webox::sdk;

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string status_message(espeak_ng_STATUS status) {
  char buf[512] = {0};
  espeak_ng_GetStatusCodeMessage(status, buf, sizeof buf);
  return buf;
}

// Initialised on first lock; terminated by the static destructor.
struct EngineState {
  std::mutex mutex;
  bool ready = false;
  ~EngineState() {
    if (ready) espeak_ng_Terminate();
  }
};

EngineState &state() {
  static EngineState s;
  return s;
}

void initialise() {
  espeak_ng_InitializePath(nullptr); // $ESPEAK_DATA_PATH or the packaged data
  espeak_ng_ERROR_CONTEXT context = nullptr;
  espeak_ng_STATUS st = espeak_ng_Initialize(&context);
  if (st != ENS_OK) {
    std::string msg = status_message(st);
    espeak_ng_ClearErrorContext(&context);
    throw sdk::Failure(WEBOX_E_INTERNAL, "espeak: cannot initialise espeak-ng (is espeak-ng-data installed?): " + msg);
  }
  // Synchronous output to our callback: no audio device is ever opened.
  st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 100, nullptr);
  if (st != ENS_OK) throw sdk::Failure(WEBOX_E_INTERNAL, "espeak: cannot set up output: " + status_message(st));
}

// The "priority byte + string" list of an espeak_VOICE, as strings.
std::vector<std::string> languages_of(const espeak_VOICE &v) {
  std::vector<std::string> out;
  const char *p = v.languages;
  while (p && *p) {
    ++p; // priority byte
    if (!*p) break;
    out.push_back(lower(p));
    p += std::strlen(p) + 1;
  }
  return out;
}

std::string last_component(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

EngineLock lock_engine() {
  EngineState &s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  if (!s.ready) {
    initialise();
    s.ready = true;
  }
  return lock;
}

std::vector<Voice> list_voices(const EngineLock &) {
  std::vector<Voice> out;
  for (const espeak_VOICE **v = espeak_ListVoices(nullptr); v && *v; ++v) {
    Voice voice;
    voice.identifier = (*v)->identifier ? (*v)->identifier : "";
    if (voice.identifier.rfind("mb/", 0) == 0) continue; // MBROLA: not installed
    voice.name = (*v)->name ? (*v)->name : "";
    voice.languages = languages_of(**v);
    voice.id = lower(last_component(voice.identifier));
    voice.gender = (*v)->gender;
    out.push_back(std::move(voice));
  }
  std::sort(out.begin(), out.end(), [](const Voice &a, const Voice &b) { return a.id < b.id; });
  return out;
}

std::string select_voice(const EngineLock &held, const std::string &wanted_raw) {
  std::string wanted = wanted_raw.empty() ? "en" : wanted_raw;
  std::string base = wanted, variant;
  if (size_t plus = wanted.find('+'); plus != std::string::npos) {
    base = wanted.substr(0, plus);
    variant = wanted.substr(plus);
  }
  std::string key = lower(base);
  std::replace(key.begin(), key.end(), '_', '-'); // fr_FR as a locale writes it
  std::vector<Voice> voices = list_voices(held);
  // 1. A voice file or voice name: "fr", "en-us", "French".
  for (const auto &v : voices) {
    if (v.id == key || lower(v.name) == key) {
      std::string name = v.id + variant;
      if (espeak_ng_SetVoiceByName(name.c_str()) == ENS_OK) return name;
      if (espeak_ng_SetVoiceByName(v.id.c_str()) == ENS_OK) return v.id;
    }
  }
  // 2. A language tag: "fr-FR", "en-GB". SetVoiceByName does not take tags
  //    (they are not file names); the property selector does. A tag whose
  //    primary language exists ("fr-CA") is accepted: espeak picks the
  //    closest dialect, which is what a user asking for fr-CA wants.
  std::string primary = key.substr(0, key.find('-'));
  const Voice *match = nullptr;
  for (const auto &v : voices) {
    for (const auto &lang : v.languages) {
      if (lang == key) match = &v;
      else if (!match && lang == primary) match = &v;
    }
  }
  if (match) {
    espeak_VOICE selector{};
    selector.languages = key.c_str();
    if (espeak_ng_SetVoiceByProperties(&selector) == ENS_OK) return match->id;
  }
  std::string hint;
  for (const auto &v : voices) {
    if (v.id.rfind(primary.substr(0, 2), 0) == 0 && hint.size() < 80) hint += (hint.empty() ? "" : ", ") + v.id;
  }
  throw sdk::Failure(WEBOX_E_INVALID, "espeak: unknown voice '" + wanted_raw + "'" +
                                          (hint.empty() ? "" : " (did you mean " + hint + "?)") +
                                          "; 'webox tts --list-voices -m espeak' lists them");
}

} // namespace webox::espeak
