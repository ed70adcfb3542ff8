// The gallery: every image and audio file webox generated, with what made it
// (prompt, model, options), where it went and its digest, so that
// `webox media list` can answer "which prompt gave me this poster?" long
// after the terminal scrolled away.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::media {

struct MediaRecord {
  int64_t id = 0;
  std::string kind;         // "image" or "audio"
  std::string provider;     // "openai"
  std::string model;        // "gpt-image-1"
  std::string prompt;       // the prompt, or the spoken text
  std::string options_json; // size, voice, speed, seed... ("{}" when none)
  std::string file_path;    // absolute; "-" when written to stdout
  std::string media_type;   // "image/png"
  std::string sha256;       // hex
  int64_t bytes = 0;
  double cost = -1;         // in USD; -1 when unknown
  std::string created_at;   // ISO 8601 UTC
};

class Gallery {
public:
  explicit Gallery(store::Db &db) : m_db(db) {}

  // Stores `record` (id and created_at are filled); returns the new id.
  int64_t add(MediaRecord record);

  // Newest first; `kind` empty = every kind; `limit` 0 = all.
  std::vector<MediaRecord> list(const std::string &kind, int64_t limit);

  std::optional<MediaRecord> get(int64_t id);

private:
  store::Db &m_db;
};

} // namespace webox::media
