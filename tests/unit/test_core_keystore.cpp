#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <sys/stat.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/keystore.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
namespace fs = std::filesystem;

namespace {

// A fresh directory under $TMPDIR, removed at the end of the test.
// Sets (or unsets, for nullptr) an environment variable for one scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : m_name(name) {
    if (const char *old = std::getenv(name)) m_old = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (m_old) ::setenv(m_name, m_old->c_str(), 1);
    else ::unsetenv(m_name);
  }

private:
  const char *m_name;
  std::optional<std::string> m_old;
};

std::string slurp(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ExitCode code_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.code();
  }
  return ExitCode::ok;
}

std::string message_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return {};
}

const char *kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

} // namespace

TEST_CASE("key store: set, get, replace, remove, names", "[keystore]") {
  ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
  TempDir tmp;
  fs::path dir = tmp.path / "config" / "webox"; // does not exist yet
  KeyStore ks(dir);

  CHECK(ks.file() == dir / "keys.json");
  CHECK(ks.names().empty());
  CHECK_FALSE(ks.get("openai").has_value());
  CHECK_FALSE(ks.remove("openai"));

  ks.set("openai", "sk-first");
  ks.set("ANTHROPIC_API_KEY", "sk-ant-second");
  CHECK(ks.get("openai") == "sk-first");
  CHECK(ks.get("ANTHROPIC_API_KEY") == "sk-ant-second");
  CHECK(ks.names() == std::vector<std::string>{"ANTHROPIC_API_KEY", "openai"});

  ks.set("openai", "sk-replaced");
  CHECK(ks.get("openai") == "sk-replaced");
  CHECK(ks.names().size() == 2);

  CHECK(ks.remove("openai"));
  CHECK_FALSE(ks.remove("openai"));
  CHECK_FALSE(ks.get("openai").has_value());
  CHECK(ks.names() == std::vector<std::string>{"ANTHROPIC_API_KEY"});

  SECTION("a second KeyStore on the same directory reads the same values") {
    KeyStore again(dir);
    CHECK(again.get("ANTHROPIC_API_KEY") == "sk-ant-second");
  }
}

TEST_CASE("key store: set and remove take the other spellings of a key away", "[keystore]") {
  ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
  TempDir tmp;
  KeyStore ks(tmp.path);
  // A store written before keys had one name: both spellings.
  ks.set("openai", "old");
  ks.set("OPENAI_API_KEY", "older");
  CHECK(ks.names() == std::vector<std::string>{"OPENAI_API_KEY", "openai"});
  ks.set("OPENAI_API_KEY", "new", {"openai"});
  CHECK(ks.names() == std::vector<std::string>{"OPENAI_API_KEY"});
  CHECK(ks.get("OPENAI_API_KEY") == "new");
  ks.set("openai", "again");
  CHECK(ks.remove("OPENAI_API_KEY", {"openai"}));
  CHECK(ks.names().empty());
  ks.set("openai", "only the old spelling");
  CHECK(ks.remove("OPENAI_API_KEY", {"openai"}));
  CHECK_FALSE(ks.remove("OPENAI_API_KEY", {"openai"}));
}

TEST_CASE("key store: files and directory are private", "[keystore]") {
  ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
  TempDir tmp;
  fs::path dir = tmp.path / "webox";
  KeyStore ks(dir);
  ks.set("openai", "sk-private");
  CHECK(file_mode(dir) == 0700);
  CHECK(file_mode(dir / "keys.json") == 0600);
  CHECK(file_mode(dir / "secret.key") == 0600);
  CHECK(slurp(dir / "secret.key").size() == 65); // 64 hex digits and a newline
  // No temporary file left behind.
  for (const auto &entry : fs::directory_iterator(dir))
    CHECK(entry.path().filename().string().front() != '.');
}

TEST_CASE("key store: values never appear in plain text", "[keystore]") {
  ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
  TempDir tmp;
  KeyStore ks(tmp.path);
  const std::string value = "sk-very-recognisable-value-1234567890";
  ks.set("openai", value);
  for (const auto &entry : fs::directory_iterator(tmp.path)) {
    std::string content = slurp(entry.path());
    CHECK(content.find(value) == std::string::npos);
    CHECK(content.find(crypto::base64_encode(value)) == std::string::npos);
    CHECK(content.find(crypto::hex_encode(value)) == std::string::npos);
  }
  std::string file_text = slurp(ks.file());
  CHECK(file_text.find("\"version\": 1") != std::string::npos);
  CHECK(file_text.find("\"sealed\"") != std::string::npos);
  CHECK(file_text.find("\"openai\"") != std::string::npos);
}

TEST_CASE("key store: files readable by others are refused", "[keystore]") {
  ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
  TempDir tmp;
  KeyStore ks(tmp.path);
  ks.set("openai", "sk-x");

  SECTION("keys.json 0644") {
    fs::permissions(ks.file(), fs::perms(0644));
    CHECK(code_of([&] { ks.get("openai"); }) == ExitCode::config);
    CHECK(code_of([&] { ks.names(); }) == ExitCode::config);
    CHECK(code_of([&] { ks.set("other", "v"); }) == ExitCode::config);
    std::string msg = message_of([&] { ks.names(); });
    CHECK_THAT(msg, Catch::Contains(ks.file().string()) && Catch::Contains("chmod 600"));
  }
  SECTION("secret.key 0640") {
    fs::permissions(tmp.path / "secret.key", fs::perms(0640));
    CHECK(code_of([&] { ks.get("openai"); }) == ExitCode::config);
    CHECK_THAT(message_of([&] { ks.get("openai"); }),
               Catch::Contains("secret.key") && Catch::Contains("chmod 600"));
  }
}

TEST_CASE("key store: WEBOX_SECRET_KEY", "[keystore]") {
  TempDir tmp;

  SECTION("64 hex characters; no secret.key is created") {
    ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
    KeyStore ks(tmp.path);
    ks.set("openai", "sk-hex");
    CHECK(ks.get("openai") == "sk-hex");
    CHECK_FALSE(fs::exists(tmp.path / "secret.key"));
  }
  SECTION("hex and base64 of the same 32 bytes are the same key") {
    {
      ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
      KeyStore(tmp.path).set("openai", "sk-shared");
    }
    std::string b64 = crypto::base64_encode(crypto::hex_decode(kHexKey));
    ScopedEnv env_key("WEBOX_SECRET_KEY", b64.c_str());
    CHECK(KeyStore(tmp.path).get("openai") == "sk-shared");
  }
  SECTION("invalid forms are refused with exit 4") {
    for (const char *bad : {"short", "not-hex-and-not-base64!!", "AAAA",
                            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g"}) {
      ScopedEnv env_key("WEBOX_SECRET_KEY", bad);
      KeyStore ks(tmp.path);
      CHECK(code_of([&] { ks.set("openai", "v"); }) == ExitCode::config);
      CHECK_THAT(message_of([&] { ks.set("openai", "v"); }), Catch::Contains("WEBOX_SECRET_KEY"));
    }
  }
  SECTION("a wrong key is an error, never garbage") {
    {
      ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
      KeyStore(tmp.path).set("openai", "sk-right");
    }
    std::string other = crypto::hex_encode(std::string(32, '\x07'));
    ScopedEnv env_key("WEBOX_SECRET_KEY", other.c_str());
    KeyStore ks(tmp.path);
    CHECK(code_of([&] { ks.get("openai"); }) == ExitCode::config);
    CHECK_THAT(message_of([&] { ks.get("openai"); }), Catch::Contains("cannot decrypt"));
    // Storing with the wrong key would mix two keys in one file: refused.
    CHECK(code_of([&] { ks.set("second", "v"); }) == ExitCode::config);
    // Names are still listed: they are not secret.
    CHECK(ks.names() == std::vector<std::string>{"openai"});
  }
  SECTION("a lost secret.key is not silently replaced by a new one") {
    ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
    KeyStore ks(tmp.path);
    ks.set("openai", "sk-first");
    fs::remove(tmp.path / "secret.key");
    CHECK(code_of([&] { ks.set("second", "v"); }) == ExitCode::config);
    CHECK_THAT(message_of([&] { ks.set("second", "v"); }), Catch::Contains("secret.key is missing"));
    CHECK_FALSE(fs::exists(tmp.path / "secret.key"));
  }
  SECTION("without the key material the store cannot be read") {
    {
      ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
      KeyStore(tmp.path).set("openai", "sk-right");
    }
    ScopedEnv no_env_key("WEBOX_SECRET_KEY", nullptr);
    CHECK(code_of([&] { KeyStore(tmp.path).get("openai"); }) == ExitCode::config);
  }
}

TEST_CASE("key store: an entry moved to another name does not decrypt", "[keystore]") {
  ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
  TempDir tmp;
  KeyStore ks(tmp.path);
  ks.set("openai", "sk-moved");
  std::string file_text = slurp(ks.file());
  auto pos = file_text.find("\"openai\"");
  REQUIRE(pos != std::string::npos);
  file_text.replace(pos, 8, "\"groqqq\"");
  {
    std::ofstream out(ks.file(), std::ios::binary | std::ios::trunc);
    out << file_text;
  }
  CHECK(code_of([&] { ks.get("groqqq"); }) == ExitCode::config);
}

TEST_CASE("key store: a corrupt keys.json is reported, not ignored", "[keystore]") {
  ScopedEnv env_key("WEBOX_SECRET_KEY", kHexKey);
  TempDir tmp;
  KeyStore ks(tmp.path);
  for (const char *content : {"not json", "[]", R"({"version":2,"entries":{}})",
                              R"({"version":1,"entries":{"a":{}}})"}) {
    {
      std::ofstream out(ks.file(), std::ios::binary | std::ios::trunc);
      out << content;
    }
    fs::permissions(ks.file(), fs::perms(0600));
    CHECK(code_of([&] { ks.names(); }) == ExitCode::config);
  }
}
