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
#include "lib/core/pdf_text.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/rag/embedder.hpp"
#include "lib/rag/search.hpp"
#include "lib/rag/vector_file.hpp"
#include "lib/rag/settings.hpp"
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

// One `rag index` run over a collection: the files under the roots, each
// read, hashed, chunked, embedded and stored whole, then the documents that
// left the roots removed.
class IndexRun {
public:
  IndexRun(Collections &collections, const CollectionInfo &collection, Embedder *embedder,
           const IndexOptions &options)
      : m_collections(collections), m_collection(collection), m_embedder(embedder), m_options(options),
        m_stored(collections.documents(collection.id)), m_dimensions_recorded(collection.dimensions > 0) {}

  IndexReport run() {
    resolve_roots();
    if (m_options.rebuild) mark_stale();
    const std::vector<std::string> files = files_under(m_roots, m_report.skipped);
    m_report.files = files.size();
    m_seen.insert(files.begin(), files.end());
    for (size_t i = 0; i < files.size(); ++i) {
      if (cancel::requested()) throw Interrupted();
      if (!m_embedder && !m_group) m_group.emplace(m_collections.db());
      if (m_options.on_progress) m_options.on_progress(i, files.size(), files[i]);
      if (index_file(files[i]) && m_group && ++m_in_group >= kDocumentsPerCommit) commit_group();
    }
    commit_group();
    remove_departed();
    if (m_options.on_progress) m_options.on_progress(files.size(), files.size(), "");
    m_collections.mark_updated(m_collection.id);
    if (m_embedder) prepare_vector_file();
    return m_report;
  }

  // Searches scan the vector file: make it now rather than in the first
  // search. A file that cannot be written is not this run's failure (the
  // searches read the stored vectors instead).
  void prepare_vector_file() {
    const std::optional<CollectionInfo> now = m_collections.find(m_collection.name, Counts::no);
    if (!now) return;
    try {
      refresh_vector_file(m_collections.db(), *now);
    } catch (const VectorFileWriteError &) {
    }
  }

private:
  // A lexical collection commits documents in groups: each document stays
  // whole (its own savepoint inside the group), a kill loses at most the
  // open group, which the next run redoes; one fsync per file made indexing
  // disk-bound. With embeddings every document commits alone, so that no
  // write lock is held during a network call.
  static constexpr size_t kDocumentsPerCommit = 200;

  void resolve_roots() {
    if (m_options.paths.empty()) {
      if (!m_options.rebuild) throw UsageError("no path to index (name files or folders, or --rebuild the collection's own)");
      // The collection's own files, each its own root: a file gone since is
      // removed, a new file beside one is not taken.
      for (const auto &entry : m_stored) m_roots.push_back(entry.first);
      m_every_stored_under_roots = true;
      return;
    }
    for (const auto &p : m_options.paths) {
      std::string root = absolute_path(p);
      std::error_code ec;
      if (!fs::exists(root, ec)) {
        // A path that is gone is fine when the collection holds files under
        // it: they are removed.
        bool known = std::any_of(m_stored.begin(), m_stored.end(), [&](const auto &d) { return under(d.first, root); });
        if (!known) throw UsageError(p + ": no such file or directory");
      }
      m_roots.push_back(root);
    }
  }

  void mark_stale() {
    std::vector<std::string> stale;
    for (auto &[path, state] : m_stored) {
      if (!is_under_roots(path)) continue;
      stale.push_back(path);
      state = DocumentState{"", -1, -1};
    }
    m_collections.mark_stale(m_collection.id, stale);
  }

  bool is_under_roots(const std::string &path) const {
    return m_every_stored_under_roots ||
           std::any_of(m_roots.begin(), m_roots.end(), [&](const std::string &r) { return under(path, r); });
  }

  void commit_group() {
    if (m_group) m_group->commit();
    m_group.reset();
    m_in_group = 0;
  }

  void skip(const std::string &path, std::string why) { m_report.skipped.push_back({path, std::move(why)}); }

  std::string too_large() const {
    return "larger than " + size_text(m_options.max_file_bytes) + " (rag.max_file_mb)";
  }

  // Reads the file unless its size and mtime say it did not change; nullopt
  // when there is nothing to store (unchanged, skipped, gone).
  std::optional<FileRead> read_if_changed(const std::string &path, const DocumentState *known) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      skip(path, std::string("vanished or unreadable: ") + std::strerror(errno));
      m_seen.erase(path); // gone: its stored document is removed at the end
      return std::nullopt;
    }
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (known && known->mtime == mtime && known->size == st.st_size) {
      ++m_report.unchanged;
      return std::nullopt;
    }
    if (static_cast<int64_t>(st.st_size) > m_options.max_file_bytes) {
      skip(path, too_large());
      return std::nullopt;
    }
    FileRead file = read_file(path, m_options.max_file_bytes);
    if (!file.error.empty()) {
      skip(path, "unreadable: " + file.error);
      if (file.error.find("No such file") != std::string::npos) m_seen.erase(path);
      return std::nullopt;
    }
    if (file.size > m_options.max_file_bytes) { // it grew since stat
      skip(path, too_large());
      return std::nullopt;
    }
    return file;
  }

  // True when a document was stored (added or updated).
  bool index_file(const std::string &path) {
    auto it = m_stored.find(path);
    const DocumentState *known = it == m_stored.end() ? nullptr : &it->second;
    std::optional<FileRead> file = read_if_changed(path, known);
    if (!file) return false;
    const std::string hash = crypto::hex_encode(crypto::sha256(file->bytes));
    if (known && known->hash == hash) {
      m_collections.touch_document(m_collection.id, path, file->mtime);
      ++m_report.unchanged;
      return false;
    }
    DocKind kind = kind_for(path);
    if (kind == DocKind::pdf) return index_pdf(path, known, *file, hash);
    if (looks_binary(file->bytes)) {
      skip(path, "binary");
      if (known) m_collections.remove_document(m_collection.id, path);
      return false;
    }
    size_t replaced = 0;
    std::string text = valid_utf8(file->bytes, &replaced);
    if (replaced > 0) ++m_report.repaired_utf8;
    std::vector<Chunk> chunks = chunk_document(kind, text, m_options.limits);
    std::vector<std::vector<float>> vectors = embed(chunks);
    m_collections.put_document(m_collection.id, {path, hash, file->mtime, file->size, kind}, chunks, vectors);
    ++(known ? m_report.updated : m_report.added);
    m_report.chunks += chunks.size();
    m_report.bytes += file->size;
    return true;
  }

  // A PDF's text page by page (lib/core/pdf_text: webox-pdf.so, loaded on
  // the first PDF), its text bounded like a file. An encrypted or broken
  // one is skipped (named with -v) and its older version, if any, stays.
  bool index_pdf(const std::string &path, const DocumentState *known, const FileRead &file, const std::string &hash) {
    pdf::PdfText pdf = pdf::read_pdf_text(file.bytes, static_cast<size_t>(m_options.max_file_bytes));
    switch (pdf.outcome) {
      case pdf::Outcome::ok: break;
      case pdf::Outcome::encrypted: skip(path, "encrypted PDF (it needs a password)"); return false;
      case pdf::Outcome::too_large: skip(path, "PDF text " + pdf.message + " (rag.max_file_mb)"); return false;
      case pdf::Outcome::broken: skip(path, "damaged PDF: " + pdf.message); return false;
      case pdf::Outcome::unavailable: skip(path, "PDF: " + pdf.message); return false;
    }
    std::vector<Chunk> chunks = chunk_pages(pdf.pages, m_options.limits);
    std::vector<std::vector<float>> vectors = embed(chunks);
    m_collections.put_document(m_collection.id, {path, hash, file.mtime, file.size, DocKind::pdf}, chunks, vectors);
    ++(known ? m_report.updated : m_report.added);
    m_report.chunks += chunks.size();
    m_report.bytes += file.size;
    return true;
  }

  // One vector a chunk (its heading path first), or none for a lexical
  // collection; the first answer records the collection's dimension.
  std::vector<std::vector<float>> embed(const std::vector<Chunk> &chunks) {
    if (!m_embedder || chunks.empty()) return {};
    std::vector<std::string> texts;
    texts.reserve(chunks.size());
    for (const auto &c : chunks) texts.push_back(c.heading.empty() ? c.text : c.heading + "\n" + c.text);
    Embeddings e = m_embedder->embed(texts, EmbedPurpose::document);
    const std::string model = m_embedder->model().text();
    if (m_collection.dimensions > 0 && e.dimensions != static_cast<size_t>(m_collection.dimensions))
      throw Error("collection " + m_collection.name + " holds vectors of " + std::to_string(m_collection.dimensions) +
                  " dimensions, " + model + " answered " + std::to_string(e.dimensions) + "; " +
                  reindex_hint(m_collection.name, model));
    if (!m_dimensions_recorded) {
      m_collections.set_embedding(m_collection.id, model, static_cast<int64_t>(e.dimensions),
                                  m_embedder->dimensions_asked());
      m_dimensions_recorded = true;
    }
    return std::move(e.vectors);
  }

  // Stored documents under the roots that the walk did not meet any more.
  void remove_departed() {
    for (const auto &entry : m_stored) {
      const std::string &path = entry.first;
      if (m_seen.count(path)) continue;
      if (!is_under_roots(path)) continue;
      m_collections.remove_document(m_collection.id, path);
      ++m_report.removed;
    }
  }

  Collections &m_collections;
  const CollectionInfo &m_collection;
  Embedder *m_embedder;
  const IndexOptions &m_options;
  std::map<std::string, DocumentState> m_stored;
  bool m_dimensions_recorded;
  std::vector<std::string> m_roots;
  bool m_every_stored_under_roots = false; // a --rebuild of the whole collection: its documents are the roots
  std::set<std::string> m_seen;
  IndexReport m_report;
  std::optional<store::WriteTransaction> m_group;
  size_t m_in_group = 0;
};

} // namespace

std::string index_model(const CollectionInfo &c, const std::string &asked, const RagSettings &settings,
                        const Config &config, plugin::Registry &plugins) {
  std::string model = asked;
  if (!model.empty()) model = chat::resolve_model(model, config, plugins).text();
  if (!c.embed_model.empty()) {
    if (!model.empty() && model != c.embed_model)
      throw UsageError("collection " + c.name + " was indexed with " + c.embed_model + " (" +
                       std::to_string(c.dimensions) + " dimensions); its vectors cannot be mixed with " + model +
                       "'s: " + reindex_hint(c.name, model));
    return c.embed_model;
  }
  if (model.empty() && c.documents == 0) model = settings.embed_model;
  if (!model.empty() && c.documents > 0)
    throw UsageError("collection " + c.name + " was indexed without embeddings; " + reindex_hint(c.name, model));
  return model;
}

IndexReport index_paths(Collections &collections, const CollectionInfo &collection, Embedder *embedder,
                        const IndexOptions &options) {
  return IndexRun(collections, collection, embedder, options).run();
}

} // namespace webox::rag
