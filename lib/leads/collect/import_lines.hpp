// The JSONL import's front end: lines read, parsed, validated and scanned
// for phones, e-mails and intent on worker threads, handed to the one
// SQLite writer in input order.
//
// Why: parsing (simdjson, or the reference parser for the uncommon line)
// and above all phone detection (libphonenumber: ~75 µs per text that holds
// 8+ digits) were half of a million-line import's CPU, all on the thread
// that also writes SQLite. Done here, on other cores, they overlap with the
// writes. The writer still decides everything that depends on the store
// (is the interaction new, which contacts are new), so results are those of
// PageWriter::add on the same lines.
//
// Memory is bounded: a fixed ring of chunks of kChunkLines lines each; a
// worker waits for the writer to release the oldest chunk before reading
// more, whatever the size of the input.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <istream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/collect/record.hpp"

namespace webox::leads {

class FastRecordReader;

struct LineError {
  int64_t line;
  std::string message;
};

// One accepted line, with what PageWriter::add would compute from its text.
struct ParsedLine {
  Interaction it;
  bool intent = false;
  std::vector<ContactMatch> contacts;
};

// Consecutive lines of the input: the accepted ones, then the rejected
// ones with their numbers (both in line order).
struct ParsedChunk {
  std::vector<ParsedLine> rows; // rows[0, count) are this chunk's; the rest are kept for their capacity
  size_t count = 0;
  std::vector<LineError> errors;
};

class ImportLines {
public:
  static constexpr size_t kChunkLines = 1024;

  // Lines older than `since` (Unix seconds, 0 = none) are dropped.
  // `workers` >= 1 threads start at once.
  ImportLines(std::istream &in, PhoneDetector &phones, int64_t since, int workers);
  // Stops the workers and joins them (a worker blocked reading a pipe
  // finishes its read first).
  ~ImportLines();
  ImportLines(const ImportLines &) = delete;
  ImportLines &operator=(const ImportLines &) = delete;

  // The next chunk in input order, valid until the next call; nullptr at
  // the end of the input. Throws what a worker failed with (a read error).
  const ParsedChunk *next();

  // Worker threads for this machine: the cores but one (the writer's), at
  // least one, at most four (past that the writer is the bottleneck).
  static int default_workers();

private:
  enum class State { free, busy, ready };
  struct Slot {
    State state = State::free;
    std::vector<std::string> lines;
    size_t line_count = 0;
    int64_t first_line = 0; // number of lines[0], 1-based
    bool read_failed = false;
    ParsedChunk chunk;
  };
  void work();
  void parse(Slot &slot, FastRecordReader &fast);

  std::istream &m_in;
  PhoneDetector &m_phones;
  int64_t m_since;
  std::mutex m_read_mutex; // one worker reads at a time: chunks are numbered in input order
  std::mutex m_mutex;      // guards everything below
  std::condition_variable m_changed;
  std::vector<Slot> m_slots;
  uint64_t m_next_read = 0; // sequence number of the next chunk to read
  uint64_t m_next_out = 0;  // of the next chunk to hand out
  bool m_handed = false;    // the chunk before m_next_out is still with the writer
  bool m_eof = false, m_stop = false;
  int64_t m_lines_read = 0;
  std::exception_ptr m_error;
  std::vector<std::jthread> m_workers;
};

} // namespace webox::leads
