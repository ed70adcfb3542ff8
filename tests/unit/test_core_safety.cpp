// Issue 21, items 4, 5 and 7: credentials in URLs, files that appear only
// when complete (temporary files removed on every path that can), paths
// rendered from data confined to their folder.
#include <catch2/catch.hpp>

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/atomic_file.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/temp_registry.hpp"
#include "lib/core/url_redact.hpp"
#include "lib/workflow/output_path.hpp"
#include "temp_dir.hpp"

using namespace webox;
namespace fs = std::filesystem;

namespace {

size_t entries(const fs::path &dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

std::string read(const fs::path &p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("url redaction: userinfo and secret-looking parameters", "[core][redact]") {
  CHECK(url::redact("https://user:pass@crm.example/hooks/leads?token=abc&page=2") ==
        "https://[REDACTED]@crm.example/hooks/leads?token=[REDACTED]&page=2");
  CHECK(url::redact("https://h/p?API_KEY=1&Signature=2&sig=3&access_token=4&x=5&Password=6") ==
        "https://h/p?API_KEY=[REDACTED]&Signature=[REDACTED]&sig=[REDACTED]&access_token=[REDACTED]&x=5&Password=[REDACTED]");
  CHECK(url::redact("https://h/cb#access_token=t0k&state=ok") == "https://h/cb#access_token=[REDACTED]&state=ok");
  CHECK(url::redact("https://h/a@b?q=1") == "https://h/a@b?q=1"); // '@' in the path is not userinfo
  CHECK(url::redact("https://a:b@c@host/") == "https://[REDACTED]@host/");
  CHECK(url::without_credentials("https://u:p@host:8080/hooks?token=x") == "https://host:8080/hooks");
  CHECK(url::redact_in_text("POST https://u:p@h/x?key=k1: HTTP 500 (see https://docs/x)") ==
        "POST https://[REDACTED]@h/x?key=[REDACTED]: HTTP 500 (see https://docs/x)");
  CHECK(url::redact_in_text("no url here: a://") == "no url here: a://");
  // Idempotent: recordings are keyed by the redacted URL, redacted again on replay.
  const std::string once = url::redact_in_text("GET http://[REDACTED]@h/v1?key=[REDACTED]");
  CHECK(once == "GET http://[REDACTED]@h/v1?key=[REDACTED]");
  CHECK(url::redact_in_text(once) == once);
  // Every log line and error message goes through logging::redact.
  CHECK(logging::redact("GET \"http://me:hunter22@127.0.0.1:9/v1?auth=zz\"") ==
        "GET \"http://[REDACTED]@127.0.0.1:9/v1?auth=[REDACTED]\"");
  CHECK(url::is_secret_parameter("client_secret"));
  CHECK(url::is_secret_parameter("private_key"));
  CHECK_FALSE(url::is_secret_parameter("page"));
  CHECK_FALSE(url::is_secret_parameter("monkey"));
}

TEST_CASE("atomic file: complete or nothing, private when asked", "[core][atomic]") {
  TempDir dir;
  fs::path target = dir.path / "out.txt";
  {
    AtomicFile f(target, {0600, {}});
    f.write("half");
    CHECK(is_temp_file_name(f.temporary_name()));
    CHECK(fs::exists(dir.path / f.temporary_name()));
    CHECK_FALSE(fs::exists(target));
  }
  CHECK(entries(dir.path) == 0);
  write_file_atomically(target, "whole", {0600, {}});
  CHECK(read(target) == "whole");
  CHECK(file_mode(target) == 0600);
  AtomicFile again(target);
  again.write("new");
  CHECK_FALSE(again.commit_if_absent());
  CHECK(read(target) == "whole");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("atomic file: leftovers of dead processes are swept, live ones kept", "[core][atomic]") {
  TempDir dir;
  // A dead owner: a child that exits at once.
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  const std::string dead = ".leads.csv.webox-tmp." + std::to_string(child) + ".12345.0badc0de";
  // A live owner whose start time does not match: the PID was reused.
  const std::string reused = ".x.webox-tmp." + std::to_string(::getppid()) + ".1.0badc0de";
  // A live owner (this process's parent, start time unknown = trust the PID).
  const std::string live = ".y.webox-tmp." + std::to_string(::getppid()) + ".0.0badc0de";
  for (const auto &n : {dead, reused, live, std::string(".not-ours.tmp")}) dir.write(n, "personal data");
  CHECK(is_temp_file_name(dead));
  CHECK_FALSE(is_temp_file_name(".not-ours.tmp"));
  CHECK(sweep_stale_temp_files(dir.path) == 2);
  CHECK_FALSE(fs::exists(dir.path / dead));
  CHECK_FALSE(fs::exists(dir.path / reused));
  CHECK(fs::exists(dir.path / live));
  CHECK(fs::exists(dir.path / ".not-ours.tmp"));
}

TEST_CASE("atomic file: the first writer in a folder sweeps it", "[core][atomic]") {
  TempDir dir;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  const std::string dead = ".a.webox-tmp." + std::to_string(child) + ".777.00000000";
  dir.write(dead, "x");
  write_file_atomically(dir.path / "b", "y");
  CHECK_FALSE(fs::exists(dir.path / dead));
}

TEST_CASE("temp registry: the signal path unlinks registered files", "[core][atomic]") {
  TempDir dir;
  pid_t child = ::fork();
  if (child == 0) {
    AtomicFile f(dir.path / "audio.wav");
    f.write("RIFF");
    temp_registry::unlink_all_from_signal_handler(); // what the second signal does before _exit
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(entries(dir.path) == 0);
}

TEST_CASE("atomic file: confined paths stay below their root, never through a link", "[core][atomic]") {
  TempDir dir;
  fs::path root = dir.path / "out";
  write_file_atomically(root / "a" / "b.txt", "ok", {0666, root});
  CHECK(read(root / "a" / "b.txt") == "ok");
  CHECK_THROWS_AS(write_file_atomically(root / ".." / "escape.txt", "no", {0666, root}), UsageError);
  fs::create_directories(dir.path / "elsewhere");
  fs::create_directory_symlink(dir.path / "elsewhere", root / "link");
  CHECK_THROWS_AS(write_file_atomically(root / "link" / "x.txt", "no", {0666, root}), UsageError);
  CHECK(entries(dir.path / "elsewhere") == 0);
  // A link as the final name is replaced, not followed.
  fs::create_symlink(dir.path / "elsewhere" / "target.txt", root / "final.txt");
  write_file_atomically(root / "final.txt", "mine", {0666, root});
  CHECK(fs::is_regular_file(fs::symlink_status(root / "final.txt")));
  CHECK(entries(dir.path / "elsewhere") == 0);
}

TEST_CASE("workflow output paths: templated paths stay under the template's folder", "[workflow][paths]") {
  using workflow::confine_output;
  CHECK(confine_output("out/{{item}}.txt", "out/x.txt").root == "out");
  CHECK(confine_output("out/{{item}}.txt", "out/sub/x.txt").path == "out/sub/x.txt");
  CHECK(confine_output("/srv/r/{{item}}.txt", "/srv/r/x.txt").root == "/srv/r");
  CHECK(confine_output("{{item}}.txt", "x.txt").root == ".");
  CHECK(confine_output("../shared/notes.txt", "../shared/notes.txt").root.empty()); // literal: the author's own
  CHECK_THROWS_AS(confine_output("out/{{item}}.txt", "out/../../../../tmp/x.txt"), UsageError);
  CHECK_THROWS_AS(confine_output("{{item}}.txt", "/tmp/x.txt"), UsageError);
  CHECK_THROWS_AS(confine_output("{{item}}", ""), UsageError);
  CHECK_THROWS_AS(confine_output("out/{{item}}", "out/a/.."), UsageError);
  CHECK_THROWS_WITH(confine_output("out/{{item}}.txt", "out/../x.txt"), Catch::Contains("out/../x.txt"));
}
