#include "lib/rag/indexer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/cancel.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/rag/embedder.hpp"
#include "lib/store/db.hpp"

namespace webox::rag {

namespace fs = std::filesystem;

std::string absolute_path(const std::string &path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

namespace {

bool under(const std::string &path, const std::string &root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          (root.back() == '/' || path[root.size()] == '/'));
}

// Hidden folders (.git, .venv) and dependency trees are not the user's notes.
bool skipped_dir(const fs::path &dir) {
  std::string name = dir.filename().string();
  return (name.size() > 1 && name[0] == '.') || name == "node_modules" || name == "__pycache__";
}

std::vector<std::string> files_under(const std::vector<std::string> &roots, std::vector<Skipped> &skipped) {
  std::set<std::string> files;
  for (const auto &root : roots) {
    std::error_code ec;
    fs::file_status st = fs::status(root, ec);
    if (fs::is_regular_file(st)) {
      files.insert(root);
      continue;
    }
    if (!fs::is_directory(st)) continue;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) {
      skipped.push_back({root, std::string("cannot list: ") + ec.message()});
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        skipped.push_back({it->path().string(), std::string("cannot list: ") + ec.message()});
        ec.clear();
        continue;
      }
      std::error_code e2;
      if (it->is_directory(e2)) {
        if (skipped_dir(it->path())) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(e2)) files.insert(it->path().lexically_normal().string());
    }
  }
  return {files.begin(), files.end()};
}

struct FileRead {
  std::string bytes;
  int64_t mtime = 0;
  int64_t size = 0;
  std::string error; // "" = read
};

// Reads at most `limit` + 1 bytes: a file that grows past the limit while we
// read it is still refused, and a 2 GB file is never held in memory.
FileRead read_file(const std::string &path, int64_t limit) {
  FileRead r;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.error = std::strerror(errno);
    return r;
  }
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.error = "not a regular file";
    return r;
  }
  r.mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  r.size = static_cast<int64_t>(st.st_size);
  if (r.size > limit) return r;
  r.bytes.resize(static_cast<size_t>(r.size) + 1);
  size_t have = 0;
  for (;;) {
    if (have == r.bytes.size()) {
      if (static_cast<int64_t>(have) > limit) break;
      r.bytes.resize(have * 2 + 4096);
    }
    ssize_t n = ::read(fd, r.bytes.data() + have, r.bytes.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = std::strerror(errno);
      return r;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  r.bytes.resize(have);
  r.size = static_cast<int64_t>(have);
  return r;
}

std::string size_text(int64_t bytes) {
  return bytes >= (1ll << 20) ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

} // namespace

IndexReport index_paths(Collections &collections, const CollectionInfo &collection, Embedder *embedder,
                        const IndexOptions &options) {
  IndexReport report;
  std::map<std::string, DocumentState> stored = collections.documents(collection.id);
  std::vector<std::string> roots;
  for (const auto &p : options.paths) {
    std::string root = absolute_path(p);
    std::error_code ec;
    if (!fs::exists(root, ec)) {
      bool known = std::any_of(stored.begin(), stored.end(), [&](const auto &d) { return under(d.first, root); });
      if (!known) throw UsageError(p + ": no such file or directory");
    }
    roots.push_back(root);
  }

  const std::vector<std::string> files = files_under(roots, report.skipped);
  report.files = files.size();
  std::set<std::string> seen(files.begin(), files.end());
  bool dimensions_recorded = collection.dimensions > 0;

  // A lexical collection commits documents in groups: each document stays
  // whole (its own savepoint inside the group), a kill loses at most the
  // open group, which the next run redoes; one fsync per file made indexing
  // disk-bound. With embeddings every document commits alone, so that no
  // write lock is held during a network call.
  constexpr size_t kDocumentsPerCommit = 200;
  std::optional<store::WriteTransaction> group;
  size_t in_group = 0;
  auto commit_group = [&] {
    if (group) group->commit();
    group.reset();
    in_group = 0;
  };

  for (size_t i = 0; i < files.size(); ++i) {
    if (cancel::requested()) throw Interrupted();
    if (!embedder && !group) group.emplace(collections.db());
    const std::string &path = files[i];
    if (options.on_progress) options.on_progress(i, files.size(), path);
    auto known = stored.find(path);

    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      report.skipped.push_back({path, std::string("vanished or unreadable: ") + std::strerror(errno)});
      seen.erase(path); // gone: its stored document is removed below
      continue;
    }
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (known != stored.end() && known->second.mtime == mtime && known->second.size == st.st_size) {
      ++report.unchanged;
      continue;
    }
    if (static_cast<int64_t>(st.st_size) > options.max_file_bytes) {
      report.skipped.push_back({path, "larger than " + size_text(options.max_file_bytes) + " (rag.max_file_mb)"});
      continue;
    }
    FileRead file = read_file(path, options.max_file_bytes);
    if (!file.error.empty()) {
      report.skipped.push_back({path, "unreadable: " + file.error});
      if (file.error.find("No such file") != std::string::npos) seen.erase(path);
      continue;
    }
    if (file.size > options.max_file_bytes) {
      report.skipped.push_back({path, "larger than " + size_text(options.max_file_bytes) + " (rag.max_file_mb)"});
      continue;
    }
    const std::string hash = crypto::hex_encode(crypto::sha256(file.bytes));
    if (known != stored.end() && known->second.hash == hash) {
      collections.touch_document(collection.id, path, file.mtime);
      ++report.unchanged;
      continue;
    }
    DocKind kind = kind_for(path);
    if (kind == DocKind::pdf) {
      report.skipped.push_back({path, "PDF is not supported by this build"});
      continue;
    }
    if (looks_binary(file.bytes)) {
      report.skipped.push_back({path, "binary"});
      if (known != stored.end()) collections.remove_document(collection.id, path);
      continue;
    }
    size_t replaced = 0;
    std::string text = valid_utf8(file.bytes, &replaced);
    if (replaced > 0) ++report.repaired_utf8;
    std::vector<Chunk> chunks = chunk_document(kind, text, options.limits);

    std::vector<std::vector<float>> vectors;
    if (embedder && !chunks.empty()) {
      std::vector<std::string> texts;
      texts.reserve(chunks.size());
      for (const auto &c : chunks) texts.push_back(c.heading.empty() ? c.text : c.heading + "\n" + c.text);
      Embeddings e = embedder->embed(texts, EmbedPurpose::document);
      if (collection.dimensions > 0 && e.dimensions != static_cast<size_t>(collection.dimensions))
        throw Error("collection " + collection.name + " holds vectors of " + std::to_string(collection.dimensions) +
                    " dimensions, " + embedder->model().text() + " answered " + std::to_string(e.dimensions) + "; " +
                    reindex_hint(collection.name, embedder->model().text()));
      if (!dimensions_recorded) {
        collections.set_embedding(collection.id, embedder->model().text(), static_cast<int64_t>(e.dimensions),
                                  embedder->dimensions_asked());
        dimensions_recorded = true;
      }
      vectors = std::move(e.vectors);
    }
    collections.put_document(collection.id, {path, hash, file.mtime, file.size, kind}, chunks, vectors);
    ++(known == stored.end() ? report.added : report.updated);
    report.chunks += chunks.size();
    report.bytes += file.size;
    if (group && ++in_group >= kDocumentsPerCommit) commit_group();
  }
  commit_group();

  for (const auto &[path, state] : stored) {
    if (seen.count(path)) continue;
    if (!std::any_of(roots.begin(), roots.end(), [&](const std::string &r) { return under(path, r); })) continue;
    collections.remove_document(collection.id, path);
    ++report.removed;
  }
  if (options.on_progress) options.on_progress(files.size(), files.size(), "");
  collections.mark_updated(collection.id);
  return report;
}

} // namespace webox::rag
