#include "lib/leads/settings.hpp"

#include <cctype>

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/host_api.hpp"

namespace webox::leads {
namespace {

double number(const std::filesystem::path &file, const YAML::Node &n, const std::string &what) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception &) {
    fail_config_at(file, n.Mark(), "'" + what + "' must be a number");
  }
}

// The bonus per distinct active day is gone (it made scores non-monotone,
// see scoring.hpp): a config that still sets it keeps working, and is told.
void no_longer_counts(const std::filesystem::path &file, const YAML::Node &key, const char *name) {
  spdlog::warn("{}:{}: '{}' no longer counts (scores are monotone: a bonus per distinct day is not); remove it",
               file.string(), key.Mark().line + 1, name);
}

// leads.optout_words: {LANGUAGE: [word or phrase, ...]}; a language given
// replaces its default list, an empty list turns it off.
void read_optout_words(const std::filesystem::path &file, const YAML::Node &v, OptoutWordLists &out) {
  constexpr size_t kMaxWords = 200, kMaxLength = 100;
  if (!v.IsMap()) fail_config_at(file, v.Mark(), "'leads.optout_words' must be a mapping such as {fr: [stop, désinscrire]}");
  for (const auto &lang : v) {
    const std::string language = lang.first.as<std::string>();
    const YAML::Node &list = lang.second;
    if (!list.IsSequence()) fail_config_at(file, list.Mark(), "'leads.optout_words." + language + "' must be a list of words or phrases");
    if (list.size() > kMaxWords) fail_config_at(file, list.Mark(), "'leads.optout_words." + language + "': at most 200 entries");
    std::vector<std::string> words;
    for (const auto &w : list) {
      if (!w.IsScalar()) fail_config_at(file, w.Mark(), "an opt-out word must be text");
      std::string word = w.as<std::string>();
      if (fold_for_optout(word).empty() || word.size() > kMaxLength)
        fail_config_at(file, w.Mark(), "an opt-out word must be 1 to 100 bytes of text, not blank");
      words.push_back(std::move(word));
    }
    out[language] = std::move(words);
  }
}

} // namespace

LeadsSettings load_leads_settings(const std::filesystem::path &file) {
  LeadsSettings out;
  YAML::Node leads = config_section(file, "leads");
  if (!leads || leads.IsNull()) return out;
  if (!leads.IsMap()) fail_config_at(file, leads.Mark(), "'leads' must be a mapping");
  ScoringSettings &s = out.scoring;
  for (const auto &kv : leads) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node &v = kv.second;
    if (key == "threshold") {
      s.threshold = static_cast<int>(number(file, v, "leads.threshold"));
    } else if (key == "half_life_days") {
      s.half_life_days = number(file, v, "leads.half_life_days");
      if (s.half_life_days <= 0) fail_config_at(file, v.Mark(), "'leads.half_life_days' must be positive");
    } else if (key == "max_age_days") {
      s.max_age_days = number(file, v, "leads.max_age_days");
    } else if (key == "saturation") {
      s.saturation = number(file, v, "leads.saturation");
      if (s.saturation <= 0) fail_config_at(file, v.Mark(), "'leads.saturation' must be positive");
    } else if (key == "weights" || key == "caps" || key == "daily_caps") {
      // daily_caps: the former name of caps, read the same way (caps are no
      // longer per day: scores must be monotone, see scoring.hpp).
      if (!v.IsMap()) fail_config_at(file, v.Mark(), "'leads." + key + "' must be a mapping");
      for (const auto &w : v) {
        const std::string name = w.first.as<std::string>();
        const double value = number(file, w.second, "leads." + key + "." + name);
        if (auto kind = parse_kind(name)) {
          if (key == "weights") s.weight[static_cast<size_t>(*kind)] = value;
          else s.cap[static_cast<size_t>(*kind)] = static_cast<int>(value);
        } else if (key == "weights" && name == "intent") {
          s.intent_bonus = value;
        } else if (key == "weights" && name == "phone") {
          s.phone_bonus = value;
        } else if (key == "weights" && name == "repeat_day") {
          no_longer_counts(file, w.first, "leads.weights.repeat_day");
        } else {
          fail_config_at(file, w.first.Mark(), "unknown key '" + name + "' in 'leads." + key + "'");
        }
      }
    } else if (key == "repeat_max_days") {
      no_longer_counts(file, kv.first, "leads.repeat_max_days");
    } else if (key == "phone_regions") {
      if (!v.IsSequence()) fail_config_at(file, v.Mark(), "'leads.phone_regions' must be a list such as [BE, CH]");
      for (const auto &r : v) {
        std::string region = r.as<std::string>();
        if (region.size() != 2) fail_config_at(file, r.Mark(), "'" + region + "' is not a two-letter region code");
        for (auto &c : region) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (region != "FR") out.phone_regions.push_back(region);
      }
    } else if (key == "dm") {
      // read by load_dm_settings (dm/settings.cpp)
    } else if (key == "retention_days") {
      const double days = number(file, v, "leads.retention_days");
      if (days < 1 || days > 36500 || days != static_cast<int>(days))
        fail_config_at(file, v.Mark(), "'leads.retention_days' must be a whole number of days from 1 to 36500");
      out.retention_days = static_cast<int>(days);
    } else if (key == "sequences_dir") {
      if (!v.IsScalar() || v.Scalar().empty()) fail_config_at(file, v.Mark(), "'leads.sequences_dir' must be a folder");
      const std::string dir = v.Scalar();
      out.sequences_dir = dir.starts_with("~/") ? std::filesystem::path(paths::env("HOME")) / dir.substr(2) : std::filesystem::path(dir);
    } else if (key == "optout_words") {
      read_optout_words(file, v, out.optout_words);
    } else if (key == "phone_fallback_model") {
      out.phone_fallback_model = v.as<std::string>();
    } else {
      fail_config_at(file, kv.first.Mark(), "unknown setting 'leads." + key + "'");
    }
  }
  return out;
}

PlatformSettings load_platform_settings(const std::filesystem::path &file, const std::string &platform) {
  PlatformSettings out;
  YAML::Node social = config_section(file, "social");
  if (!social || !social.IsMap()) return out;
  YAML::Node p = social[platform];
  if (!p || !p.IsMap()) return out;
  for (const auto &kv : p)
    if (kv.second.IsScalar()) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

std::string platform_user_id(const std::string &platform, const PlatformSettings &settings) {
  std::string variable;
  for (char c : platform) variable += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // Environment, key store (`webox auth login instagram --via facebook`
  // keeps the account's id there), config: the host's one lookup order.
  if (auto v = plugin::lookup_setting(platform, variable + "_USER_ID")) return *v;
  auto it = settings.find("user_id");
  return it == settings.end() ? std::string() : it->second;
}

std::string instagram_base_override(const PlatformSettings &settings) {
  if (!paths::env("INSTAGRAM_BASE_URL").empty()) return {};
  std::string meta = paths::env("META_GRAPH_BASE_URL");
  // INSTAGRAM_LOGIN: environment, key store (kept by `webox auth login
  // instagram --via facebook`), then social.instagram.login.
  std::string login = plugin::lookup_setting("instagram", "INSTAGRAM_LOGIN").value_or("");
  if (auto it = settings.find("login"); login.empty() && it != settings.end()) login = it->second;
  bool facebook = !meta.empty() || login == "facebook";
  if (!facebook) return {};
  return meta.empty() ? "https://graph.facebook.com" : meta;
}

} // namespace webox::leads
