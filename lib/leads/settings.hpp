// The `leads` and `social` sections of config.yaml, read where they are used
// (lib/core/config.cpp accepts them at the top level and leaves them to us).
//
//   leads:
//     threshold: 15                   # targetable from this score on
//     half_life_days: 30
//     weights: {comment: 5, reply: 8, mention: 4, like: 1, dm: 10,
//               intent: 2, phone: 25}
//     caps: {comment: 3, reply: 5, mention: 2, like: 5, dm: 1}   # daily_caps: former name
//     saturation: 43
//     phone_regions: [BE, CH]         # tried after FR
//     phone_fallback_model: openai:gpt-4o-mini   # optional, see webox-leads(1)
//     retention_days: 365              # interactions older than that are deleted (lib/leads/privacy/)
//     sequences_dir: ~/relances        # where `leads sequence run NAME` looks
//     optout_words: {fr: [stop, désinscrire], en: [stop, unsubscribe]}  # replaces those languages' lists
//   social:
//     instagram: {user_id: "1784...", login: instagram, api_version: v23.0}
//     x: {user_id: "12345"}
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/leads/optout/optout_words.hpp"
#include "lib/leads/score/scoring.hpp"

namespace webox::leads {

struct LeadsSettings {
  ScoringSettings scoring;
  std::vector<std::string> phone_regions{"FR"}; // FR always first
  std::string phone_fallback_model;             // "" = no LLM fallback
  OptoutWordLists optout_words = default_optout_words();
  int retention_days = 0; // > 0: interactions older than that are deleted when collection runs
  std::filesystem::path sequences_dir; // "" = ~/.config/webox/sequences (lib/leads/sequence/)
};

// One platform's settings under `social.<platform>`: every scalar as text.
using PlatformSettings = std::map<std::string, std::string>;

// Reads the sections from `config_file` (missing file or section: defaults).
// Throws webox::Error (exit 4) naming file:line:column on a bad value.
LeadsSettings load_leads_settings(const std::filesystem::path &config_file);
PlatformSettings load_platform_settings(const std::filesystem::path &config_file, const std::string &platform);

// The user's own account id on `platform`: <PLATFORM>_USER_ID (dashes as
// underscores) from the environment or the key store (where `webox auth
// login instagram --via facebook` keeps it), else `social.<platform>.user_id`,
// else "".
std::string platform_user_id(const std::string &platform, const PlatformSettings &settings);

// Instagram has two hosts (social-apis.md §1.1): Instagram Login
// (graph.instagram.com, INSTAGRAM_BASE_URL, the manifest default) and
// Facebook Login (graph.facebook.com, META_GRAPH_BASE_URL). The Facebook
// host is used when META_GRAPH_BASE_URL is set and INSTAGRAM_BASE_URL is
// not, or when INSTAGRAM_LOGIN is "facebook" (environment, key store: kept
// by `webox auth login instagram --via facebook`, or config
// `social.instagram.login: facebook`). Returns that
// host's base URL, or "" for Instagram Login (the plugin's own base URL).
// Collection and sending both ask here, so they always talk to the same host.
std::string instagram_base_override(const PlatformSettings &settings);

} // namespace webox::leads
