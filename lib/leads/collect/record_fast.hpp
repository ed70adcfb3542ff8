// The JSONL import's fast path: one line parsed with simdjson's on-demand
// API straight into an Interaction, without building a DOM.
//
// Why: building an nlohmann DOM per line cost about 10 µs, most of a
// million-line import (measured: simdjson on-demand reads the same line in
// about 1 µs). The fast path accepts only the common, plainly valid record
// (every field of the documented type, no unknown or repeated key, post as
// an id); anything else — an error, a lenient form such as an id given as a
// number, a post object — returns false and the caller runs the one
// reference parser (interaction_from_json) on it, so that what is accepted
// and every error message stay those of record.cpp.
#pragma once

#include <memory>
#include <string>

#include "lib/leads/collect/record.hpp"

namespace webox::leads {

class FastRecordReader {
public:
  FastRecordReader();
  ~FastRecordReader();
  FastRecordReader(const FastRecordReader &) = delete;
  FastRecordReader &operator=(const FastRecordReader &) = delete;

  // `line` may be enlarged (capacity only: simdjson reads a few bytes past
  // the end). Returns true with `out` filled, or false: ask the reference parser.
  bool read(std::string &line, Interaction &out);

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

} // namespace webox::leads
