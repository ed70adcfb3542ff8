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

  std::string read(const std::string &name) {
    if (!m_zip) {
      std::ifstream in(fs::path(m_path) / name, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    }
    zip_stat_t st;
    if (zip_stat(m_zip, name.c_str(), 0, &st) != 0) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot read " + name);
    if (st.size > 512u * 1024 * 1024) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + name + " is implausibly large");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t *)> f(zip_fopen(m_zip, name.c_str(), 0), zip_fclose);
    if (!f) throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: cannot open " + name + " in the archive");
    std::string data(static_cast<size_t>(st.size), '\0');
    zip_int64_t got = zip_fread(f.get(), data.data(), st.size);
    if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
      throw sdk::Failure(WEBOX_E_INVALID, "instagram-export: " + name + " is truncated or corrupt");
    return data;
  }

private:
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

webox_status create(const char *, size_t, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    *out = new webox_instance();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give(json{{"reads", {"messages/inbox/*/message_*.json"}}, {"capabilities", {"social-collect"}}}.dump(), out);
    return WEBOX_OK;
  });
}

webox_status social_collect(webox_instance *, const webox_call *call, const webox_request *req, webox_sink_fn sink, void *user,
                            webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = json::parse(std::string_view(req->json, req->json_size), nullptr, false);
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

    // Parse every thread first: the owner is the participant of all threads.
    std::vector<json> threads;
    std::map<std::string, size_t> participant_count;
    for (const auto &f : files) {
      json doc = json::parse(archive.read(f.name), nullptr, false);
      if (!doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array()) {
        sdk::emit(sink, user, json{{"type", "warning"}, {"message", f.name + " is not a message thread; skipped"}}.dump());
        threads.push_back(nullptr);
        continue;
      }
      std::set<std::string> names;
      if (doc.contains("participants") && doc["participants"].is_array())
        for (const auto &p : doc["participants"]) names.insert(participant_name(p));
      for (const auto &n : names) ++participant_count[n];
      threads.push_back(std::move(doc));
    }
    std::string owner;
    std::set<std::string> folders;
    for (const auto &f : files) folders.insert(f.folder);
    for (const auto &[name, count] : participant_count)
      if (folders.size() > 1 && count == folders.size()) owner = name;
    if (owner.empty())
      for (const auto &t : threads)
        if (t.is_object() && t.contains("participants") && t["participants"].is_array() && !t["participants"].empty())
          owner = participant_name(t["participants"].back());

    long long messages = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "instagram-export: cancelled");
      const json &t = threads[i];
      if (!t.is_object()) continue;
      const std::string username = username_of(files[i].folder);
      for (const auto &m : t["messages"]) {
        if (!m.is_object()) continue;
        std::string sender = fixed(m.value("sender_name", json()));
        std::string text = fixed(m.value("content", json()));
        long long ms = m.contains("timestamp_ms") && m["timestamp_ms"].is_number_integer() ? m["timestamp_ms"].get<long long>() : 0;
        if (sender.empty() || sender == owner || ms == 0) continue;
        if (since && ms / 1000 < since) continue;
        json interaction = {{"platform", "instagram"},
                            {"platform_id", "dm:" + files[i].folder + ":" + std::to_string(ms) + ":" + sender},
                            {"kind", "dm"},
                            {"person", {{"username", username}, {"name", sender}}},
                            {"text", text},
                            {"timestamp", ms / 1000}};
        sdk::emit(sink, user, json{{"type", "item"}, {"interaction", interaction}}.dump(-1, ' ', false, json::error_handler_t::replace));
        ++messages;
      }
      sdk::emit(sink, user, json{{"type", "checkpoint"}}.dump()); // one page per thread file
    }
    sdk::give(json{{"threads", files.size()}, {"messages", messages}, {"owner", owner}}.dump(), &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = {
    sizeof(webox_plugin), WEBOX_ABI_MAJOR, 0, "instagram-export", "0.1.0", WEBOX_CAP_SOCIAL_COLLECT, create, destroy, describe,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, social_collect, nullptr,
};

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
