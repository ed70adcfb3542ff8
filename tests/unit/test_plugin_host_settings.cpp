// get_setting (ABI 1.3): plugins' non-secret ids (INSTAGRAM_PAGE_ID,
// LINKEDIN_ORG_ID, TIKTOK_BUSINESS_ID) come from the environment, the keys
// file or the config file, and are not registered for redaction.
#include <cstddef>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "lib/core/logging.hpp"
#include "lib/plugin/host_api.hpp"

using namespace webox;

namespace {

// Installs fake sources for one test and removes them after it.
struct Sources {
  std::map<std::string, std::string> keys_file;
  std::map<std::string, std::map<std::string, std::string>> config; // plugin id -> key -> value
  Sources() {
    plugin::set_secret_fallback([this](const std::string &name) -> std::optional<std::string> {
      auto it = keys_file.find(name);
      if (it == keys_file.end()) return std::nullopt;
      return it->second;
    });
    plugin::set_setting_source([this](const std::string &id, const std::string &key) -> std::optional<std::string> {
      auto p = config.find(id);
      if (p == config.end()) return std::nullopt;
      auto it = p->second.find(key);
      if (it == p->second.end()) return std::nullopt;
      return it->second;
    });
  }
  ~Sources() {
    plugin::set_secret_fallback(nullptr);
    plugin::set_setting_source(nullptr);
    unsetenv("LINKEDIN_ORG_ID");
  }
};

std::optional<std::string> ask_host(const plugin::CallScope &scope, const char *name) {
  webox_buf buf{};
  const webox_host_api *host = plugin::host_api();
  if (host->get_setting(scope.call(), name, &buf) != WEBOX_OK) return std::nullopt;
  std::string value(buf.data, buf.size);
  buf.release(&buf);
  return value;
}

} // namespace

TEST_CASE("the host table offers get_setting from ABI 1.3 on", "[plugin][abi]") {
  const webox_host_api *host = plugin::host_api();
  CHECK(host->abi_minor >= 3);
  REQUIRE(host->struct_size >= offsetof(webox_host_api, get_setting) + sizeof host->get_setting);
  CHECK(host->get_setting != nullptr);
}

TEST_CASE("a setting's config key drops the plugin's prefix", "[plugin]") {
  CHECK(plugin::setting_key("instagram", "INSTAGRAM_PAGE_ID") == "page_id");
  CHECK(plugin::setting_key("linkedin", "LINKEDIN_ORG_ID") == "org_id");
  CHECK(plugin::setting_key("tiktok", "TIKTOK_BUSINESS_ID") == "business_id");
  CHECK(plugin::setting_key("instagram-export", "INSTAGRAM_EXPORT_FOLDER") == "folder");
  CHECK(plugin::setting_key("x", "OTHER_ID") == "other_id");
}

TEST_CASE("get_setting reads the environment, then the keys file, then the config", "[plugin]") {
  Sources sources;
  plugin::CallScope scope("linkedin", "linkedin", "LINKEDIN_ACCESS_TOKEN");
  CHECK_FALSE(ask_host(scope, "LINKEDIN_ORG_ID"));

  sources.config["linkedin"]["org_id"] = "from-config";
  CHECK(ask_host(scope, "LINKEDIN_ORG_ID") == "from-config");
  sources.keys_file["LINKEDIN_ORG_ID"] = "from-keys";
  CHECK(ask_host(scope, "LINKEDIN_ORG_ID") == "from-keys");
  setenv("LINKEDIN_ORG_ID", "from-env", 1);
  CHECK(ask_host(scope, "LINKEDIN_ORG_ID") == "from-env");
  // Another plugin's section is not read.
  unsetenv("LINKEDIN_ORG_ID");
  sources.keys_file.clear();
  plugin::CallScope other("tiktok", "tiktok", "TIKTOK_ACCESS_TOKEN");
  CHECK_FALSE(ask_host(other, "LINKEDIN_ORG_ID"));
}

TEST_CASE("a setting is not registered for redaction, a secret is", "[plugin]") {
  Sources sources;
  sources.config["tiktok"]["business_id"] = "tt-business-visible-42";
  sources.keys_file["TIKTOK_ACCESS_TOKEN"] = "tt-token-hidden-42";
  plugin::CallScope scope("tiktok", "tiktok", "TIKTOK_ACCESS_TOKEN");
  CHECK(ask_host(scope, "TIKTOK_BUSINESS_ID") == "tt-business-visible-42");
  CHECK(logging::redact("id tt-business-visible-42") == "id tt-business-visible-42");

  webox_buf buf{};
  REQUIRE(plugin::host_api()->get_secret(scope.call(), "TIKTOK_ACCESS_TOKEN", &buf) == WEBOX_OK);
  buf.release(&buf);
  CHECK(logging::redact("token tt-token-hidden-42").find("tt-token-hidden-42") == std::string::npos);
}
