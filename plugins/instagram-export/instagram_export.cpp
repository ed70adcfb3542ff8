// instagram_export.cpp: Instagram's "Download your information" JSON export
// as an offline `social-collect` source.
//
// THE FORMAT (../shared/reference/social-apis.md §5). A zip (or the folder
// it unpacks to) of JSON files. What matters for leads is the DM inbox:
// `.../messages/inbox/<username>_<digits>/message_<n>.json`, each a thread
// `{"participants":[{"name"}], "messages":[{"sender_name", "timestamp_ms",
// "content"?, ...}], "title", "thread_path"}`. Layouts moved over the years
// (older exports lack the `your_instagram_activity/` prefix), so files are
// found by their name pattern, never by a fixed path.
//
// WHAT IS SURPRISING.
//   - Mojibake: every UTF-8 byte is escaped as its own \u00XX, so a JSON
//     parser returns Latin-1 garbage ("Ã©" for "é"); every string is repaired
//     (plugins/common/shared/mojibake.cpp, compiled into this plugin).
//   - Names are display names, not usernames: the person's username is the
//     thread folder name minus its `_<digits>` suffix. The account owner is
//     the participant present in every thread (with one thread: the last
//     participant, where Instagram puts the owner); the owner's own messages
//     are not interactions.
//   - The export describes the owner's activity: it does not list who liked
//     or commented on the owner's posts (those files are the owner's own
//     likes and comments). Followers files carry no interaction and are not
//     imported; DMs are, as kind `dm`.
//   - Messages have no id: a message is identified by thread folder +
//     timestamp_ms + sender, which is stable across re-imports of a later
//     export, so importing a newer export adds only what is new.
#include <webox/plugin.hpp>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/social_kit.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "plugins/common/shared/mojibake.hpp"

namespace sdk = webox::sdk;
namespace fs = std::filesystem;
using nlohmann::json;

struct webox_instance {
  int unused = 0;
};

namespace {

struct ThreadFile {
  std::string name;   // path inside the archive or folder
  std::string folder; // "<username>_<digits>"
};

// The largest thread file read, uncompressed. Instagram splits a long
// conversation into message_1.json, message_2.json, ... of at most 10,000
// messages (a few MB); a member claiming more is a zip bomb or not an
// export. Parsed, a thread costs several times its size in memory, and only
// one is held at a time (see social_collect).
constexpr zip_uint64_t kMaxThreadFileBytes = 16u * 1024 * 1024;

[[noreturn]] void too_large(const std::string &name) {
  throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + name + " is larger than " +
                                          std::to_string(kMaxThreadFileBytes / (1024 * 1024)) +
                                          " MiB uncompressed (the limit for one thread file)");
}

// Reads files of a zip or a folder, by name.
class Archive {
public:
  explicit Archive(const std::string &path) : m_path(path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec)) m_names.push_back(fs::relative(it->path(), path, ec).generic_string());
      }
      return;
    }
    if (!fs::exists(path, ec)) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + path + " does not exist");
    int err = 0;
    m_zip = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!m_zip) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + path + " is neither a folder nor a zip archive");
    zip_int64_t n = zip_get_num_entries(m_zip, 0);
    for (zip_int64_t i = 0; i < n; ++i)
      if (const char *name = zip_get_name(m_zip, static_cast<zip_uint64_t>(i), 0)) m_names.push_back(name);
  }
  ~Archive() {
    if (m_zip) zip_discard(m_zip);
  }
  Archive(const Archive &) = delete;
  Archive &operator=(const Archive &) = delete;

  const std::vector<std::string> &names() const { return m_names; }

  // The whole file, refused beyond kMaxThreadFileBytes before anything is
  // allocated. A zip member's size is what its header claims; libzip checks
  // the data against it (and its CRC) while reading.
  std::string read(const std::string &name) {
    if (!m_zip) return read_file(name);
    zip_stat_t st;
    if (zip_stat(m_zip, name.c_str(), 0, &st) != 0) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot read " + name);
    if (!(st.valid & ZIP_STAT_SIZE)) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + name + " has no size in the archive");
    if (st.size > kMaxThreadFileBytes) too_large(name);
    std::unique_ptr<zip_file_t, int (*)(zip_file_t *)> f(zip_fopen(m_zip, name.c_str(), 0), zip_fclose);
    if (!f) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot open " + name + " in the archive");
    std::string data(static_cast<size_t>(st.size), '\0');
    zip_int64_t got = zip_fread(f.get(), data.data(), st.size);
    if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
      throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + name + " is truncated or corrupt");
    return data;
  }

private:
  std::string read_file(const std::string &name) const {
    const fs::path file = fs::path(m_path) / name;
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot read " + name);
    if (size > kMaxThreadFileBytes) too_large(name);
    std::ifstream in(file, std::ios::binary);
    std::string data(static_cast<size_t>(size), '\0');
    if (!in.read(data.data(), static_cast<std::streamsize>(size)))
      throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot read " + name);
    return data;
  }

  std::string m_path;
  zip_t *m_zip = nullptr;
  std::vector<std::string> m_names;
};

std::string fixed(const json &v) { return v.is_string() ? webox::leads::repair_mojibake(v.get<std::string>()) : std::string(); }

// A participant's display name; "" for anything that is not {"name": ...}
// (json::value() throws on a non-object, which would abort the whole import).
std::string participant_name(const json &p) { return p.is_object() ? fixed(p.value("name", json())) : std::string(); }

std::vector<ThreadFile> thread_files(const std::vector<std::string> &names) {
  static const std::regex pattern(R"((^|/)messages/inbox/([^/]+)/message_\d+\.json$)");
  std::vector<ThreadFile> out;
  for (const auto &n : names) {
    std::smatch m;
    if (std::regex_search(n, m, pattern)) out.push_back({n, m[2].str()});
  }
  std::sort(out.begin(), out.end(), [](const ThreadFile &a, const ThreadFile &b) { return a.name < b.name; });
  return out;
}

std::string username_of(const std::string &folder) {
  size_t us = folder.find_last_of('_');
  if (us == std::string::npos || us == 0) return folder;
  bool digits = us + 1 < folder.size() && std::all_of(folder.begin() + static_cast<long>(us) + 1, folder.end(), ::isdigit);
  return digits ? folder.substr(0, us) : folder;
}

// One thread file, parsed; null when it is not a message thread. JSON
// nested too deep is refused like any input a parser would choke on.
json read_thread(Archive &archive, const ThreadFile &f, const webox_call *call) {
  if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "instagram-export: cancelled");
  webox::bounded_json::Parsed parsed = webox::bounded_json::parse(archive.read(f.name));
  if (parsed.too_deep)
    throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + f.name + ": JSON " + webox::bounded_json::too_deep_text());
  json &doc = parsed.value;
  if (!doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array()) return nullptr;
  return std::move(doc);
}

// The account owner: the participant present in every thread folder; with
// one folder, the last thread's last participant (where Instagram puts the
// owner). Warns once about each file that is not a thread.
std::string find_owner(Archive &archive, const std::vector<ThreadFile> &files, const webox_call *call, webox_sink_fn sink,
                       void *user) {
  std::map<std::string, size_t> participant_count;
  std::string last_thread_owner;
  for (const auto &f : files) {
    const json thread = read_thread(archive, f, call);
    if (thread.is_null()) {
      sdk::emit(sink, user, json{{"type", "warning"}, {"message", f.name + " is not a message thread; skipped"}}.dump());
      continue;
    }
    auto participants = thread.find("participants");
    if (participants == thread.end() || !participants->is_array()) continue;
    std::set<std::string> names;
    for (const auto &p : *participants) names.insert(participant_name(p));
    for (const auto &n : names) ++participant_count[n];
    if (!participants->empty()) last_thread_owner = participant_name(participants->back());
  }
  std::set<std::string> folders;
  for (const auto &f : files) folders.insert(f.folder);
  std::string owner;
  for (const auto &[name, count] : participant_count)
    if (folders.size() > 1 && count == folders.size()) owner = name;
  return owner.empty() ? last_thread_owner : owner;
}

// Emits the interactions of one thread; returns how many.
long long emit_messages(const json &thread, const ThreadFile &f, const std::string &owner, long long since, webox_sink_fn sink,
                        void *user) {
  const std::string username = username_of(f.folder);
  long long messages = 0;
  for (const auto &m : thread["messages"]) {
    if (!m.is_object()) continue;
    std::string sender = fixed(m.value("sender_name", json()));
    std::string text = fixed(m.value("content", json()));
    long long ms = m.contains("timestamp_ms") && m["timestamp_ms"].is_number_integer() ? m["timestamp_ms"].get<long long>() : 0;
    if (sender.empty() || sender == owner || ms == 0) continue;
    if (since && ms / 1000 < since) continue;
    json interaction = {{"platform", "instagram"},
                        {"platform_id", "dm:" + f.folder + ":" + std::to_string(ms) + ":" + sender},
                        {"kind", "dm"},
                        {"person", {{"username", username}, {"name", sender}}},
                        {"text", text},
                        {"timestamp", ms / 1000}};
    sdk::emit(sink, user, json{{"type", "item"}, {"interaction", interaction}}.dump(-1, ' ', false, json::error_handler_t::replace));
    ++messages;
  }
  return messages;
}

webox_status create(const char *, size_t, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    *out = new webox_instance();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return webox::kit::give_description({{"reads", {"messages/inbox/*/message_*.json"}}, {"capabilities", {"social-collect"}}}, out);
}

webox_status social_collect(webox_instance *, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                            webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = webox::bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
    if (!request.is_object() || request.value("path", "").empty())
      throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: give the export with --from FILE.zip or --from FOLDER");
    const std::string path = request["path"];
    long long since = request.contains("since") && request["since"].is_number_integer() ? request["since"].get<long long>() : 0;
    Archive archive(path);
    std::vector<ThreadFile> files = thread_files(archive.names());
    if (files.empty())
      throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + path +
                                              " is not an Instagram JSON export (no messages/inbox/*/message_N.json; "
                                              "request the export in JSON, not HTML)");

    // Two passes over the files, one thread in memory at a time: the first
    // finds the owner (the participant of every thread), the second emits.
    // Holding every parsed thread instead took gigabytes for a 1 MB zip.
    const std::string owner = find_owner(archive, files, call, sink, user);
    long long messages = 0;
    for (const auto &f : files) {
      const json thread = read_thread(archive, f, call);
      if (thread.is_null()) continue; // warned about in find_owner
      messages += emit_messages(thread, f, owner, since, sink, user);
      sdk::emit(sink, user, json{{"type", "checkpoint"}}.dump()); // one page per thread file
    }
    sdk::give(json{{"threads", files.size()}, {"messages", messages}, {"owner", owner}}.dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .social_collect = social_collect)
