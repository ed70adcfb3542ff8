#include "lib/agent/builtin_tools.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/atomic_file.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/net/http_client.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/workflow/output_path.hpp"

namespace webox::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

ToolOutcome text_result(std::string text, bool is_error = false) {
  ToolOutcome out;
  out.content = json::array({{{"type", "text"}, {"text", std::move(text)}}});
  out.is_error = is_error;
  return out;
}

json path_schema(const char *what) {
  return {{"type", "string"}, {"description", std::string(what) + ", relative to the working folder"}};
}

ToolSpec spec_of(const std::string &name) {
  if (name == "read_file")
    return {name, "Read a text file below the working folder (at most 1 MiB is returned).",
            {{"type", "object"}, {"properties", {{"path", path_schema("The file")}}}, {"required", {"path"}}}};
  if (name == "list_dir")
    return {name, "List a folder below the working folder: one entry a line, folders end with '/'.",
            {{"type", "object"}, {"properties", {{"path", path_schema("The folder (default '.')")}}}}};
  if (name == "write_file")
    return {name, "Write a text file below the working folder, replacing it when it exists.",
            {{"type", "object"},
             {"properties", {{"path", path_schema("The file")}, {"content", {{"type", "string"}}}}},
             {"required", {"path", "content"}}}};
  if (name == "http_get")
    return {name, "Fetch a URL with HTTP GET; the status and the body (at most 1 MiB) are returned.",
            {{"type", "object"},
             {"properties", {{"url", {{"type", "string"}, {"description", "http:// or https:// URL"}}}}},
             {"required", {"url"}}}};
  return {"shell", "Run a command with /bin/sh in the working folder; its exit status and output are returned.",
          {{"type", "object"}, {"properties", {{"command", {{"type", "string"}}}}}, {"required", {"command"}}}};
}

// The relative path a tool was given, checked as workflow outputs are:
// no absolute path, no "..", no NUL. Throws UsageError.
fs::path confined(const std::string &tool, const std::string &path) {
  try {
    workflow::confine_output("{{path}}", path, tool);
  } catch (const UsageError &) {
    throw UsageError(tool + ": '" + path + "' is refused: a path must be relative to the working folder and stay "
                     "below it (no absolute path, no '..')");
  }
  return fs::path(path).lexically_normal();
}

// Opens `relative` below `root` without following any symbolic link.
Fd open_below(const fs::path &root, const fs::path &relative, int final_flags) {
  Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) throw Error(root.string() + ": " + std::strerror(errno));
  std::vector<std::string> parts;
  for (const auto &p : relative)
    if (!p.empty() && p != ".") parts.push_back(p.string());
  if (parts.empty()) return Fd(::openat(dir.get(), ".", final_flags | O_CLOEXEC));
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    int flags = (last ? final_flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC;
    Fd next(::openat(dir.get(), parts[i].c_str(), flags));
    if (!next.valid()) {
      if (errno == ELOOP) throw UsageError(relative.string() + ": refused: it goes through a symbolic link");
      throw Error(relative.string() + ": " + std::strerror(errno));
    }
    if (last) return next;
    dir = std::move(next);
  }
  return dir;
}

std::string string_arg(const json &args, const char *key, const std::string &fallback = "") {
  if (!args.is_object() || !args.contains(key)) return fallback;
  if (!args[key].is_string()) throw UsageError(std::string("'") + key + "' must be a string");
  return args[key].get<std::string>();
}

std::string truncation_note(size_t shown, size_t total_or_more, bool exact) {
  return "\n[truncated: " + std::to_string(shown) + " bytes shown of " + (exact ? "" : "more than ") +
         std::to_string(total_or_more) + "]";
}

} // namespace

// builtin_tool_names, is_builtin_tool, is_read_only_builtin: builtin_tool_names.cpp

BuiltinTools::BuiltinTools(BuiltinSettings settings) : m_settings(std::move(settings)) {
  for (const auto &n : m_settings.enabled) {
    if (is_builtin_tool(n)) continue;
    std::string known;
    for (const auto &k : builtin_tool_names()) known += (known.empty() ? "" : ", ") + k;
    throw UsageError("--tool " + n + ": no such built-in tool (known: " + known + ")");
  }
  std::error_code ec;
  if (!fs::is_directory(m_settings.root, ec))
    throw UsageError("--root " + m_settings.root.string() + ": not a folder");
}

std::vector<ToolSpec> BuiltinTools::tools() {
  std::vector<ToolSpec> out;
  for (const auto &n : builtin_tool_names())
    if (std::find(m_settings.enabled.begin(), m_settings.enabled.end(), n) != m_settings.enabled.end())
      out.push_back(spec_of(n));
  return out;
}

ToolOutcome BuiltinTools::call(const std::string &tool, const json &arguments, std::chrono::milliseconds timeout) {
  if (std::find(m_settings.enabled.begin(), m_settings.enabled.end(), tool) == m_settings.enabled.end())
    return text_result("the tool " + tool + " is not enabled", true);
  try {
    if (tool == "read_file") return read_file(arguments);
    if (tool == "list_dir") return list_dir(arguments);
    if (tool == "write_file") return write_file(arguments);
    if (tool == "http_get") return http_get(arguments);
    return shell(arguments, timeout);
  } catch (const Interrupted &) {
    throw;
  } catch (const Error &e) {
    // The tool ran and refused (a path outside the root, a missing file):
    // the model hears why and may try something else.
    if (cancel::requested()) throw Interrupted();
    return text_result(e.what(), true);
  }
}

ToolOutcome BuiltinTools::read_file(const json &args) const {
  const std::string path = string_arg(args, "path");
  Fd fd = open_below(m_settings.root, confined("read_file", path), O_RDONLY);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) throw UsageError(path + ": not a regular file");
  std::string text(std::min<size_t>(static_cast<size_t>(st.st_size), m_settings.max_read_bytes), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  if (static_cast<size_t>(st.st_size) > got) text += truncation_note(got, static_cast<size_t>(st.st_size), true);
  return text_result(std::move(text));
}

ToolOutcome BuiltinTools::list_dir(const json &args) const {
  const std::string path = string_arg(args, "path", ".");
  fs::path relative = path == "." || path.empty() ? fs::path(".") : confined("list_dir", path);
  Fd fd = open_below(m_settings.root, relative, O_RDONLY | O_DIRECTORY);
  // fdopendir owns the descriptor it is given: hand it a duplicate.
  int owned = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
  DIR *dir = owned >= 0 ? ::fdopendir(owned) : nullptr;
  if (!dir) {
    if (owned >= 0) ::close(owned);
    throw Error(path + ": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  size_t total = 0;
  while (dirent *e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (++total > m_settings.max_list_entries) continue;
    if (e->d_type == DT_DIR) name += '/';
    else if (e->d_type == DT_LNK) name += '@';
    names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto &n : names) text += n + "\n";
  if (total > names.size())
    text += "[truncated: " + std::to_string(names.size()) + " of " + std::to_string(total) + " entries]\n";
  return text_result(text.empty() ? std::string("(empty)\n") : text);
}

ToolOutcome BuiltinTools::write_file(const json &args) const {
  const std::string path = string_arg(args, "path");
  const std::string content = string_arg(args, "content");
  if (content.size() > m_settings.max_write_bytes)
    throw UsageError("content of " + std::to_string(content.size()) + " bytes is over the limit of " +
                     std::to_string(m_settings.max_write_bytes));
  fs::path relative = confined("write_file", path);
  AtomicFile file(m_settings.root / relative, {.mode = 0666, .confined_to = m_settings.root});
  file.write(content);
  file.commit();
  return text_result("wrote " + std::to_string(content.size()) + " bytes to " + relative.string());
}

ToolOutcome BuiltinTools::http_get(const json &args) const {
  const std::string url = string_arg(args, "url");
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw UsageError("'" + url + "' is not an http:// or https:// URL");
  net::HttpClient http(plugin::http_settings());
  net::Request request;
  request.url = url;
  std::string body;
  bool capped = false;
  net::Outcome outcome = http.stream(request, net::Framing::raw, [&](std::string_view piece) {
    size_t room = m_settings.max_http_bytes - body.size();
    body.append(piece.substr(0, room));
    if (piece.size() > room) capped = true;
    return !capped;
  });
  if (!outcome.ok() && !capped) {
    if (cancel::requested()) throw Interrupted();
    return text_result("GET " + url + " failed: " + outcome.message, true);
  }
  const int status = outcome.response.status;
  if (body.empty()) body = outcome.response.body; // a non-2xx answer is collected, not streamed
  std::string text = "HTTP " + std::to_string(status) + "\n" + body;
  if (capped) text += "\n[truncated at " + std::to_string(m_settings.max_http_bytes) + " bytes]";
  return text_result(std::move(text), status < 200 || status >= 300);
}

} // namespace webox::agent
