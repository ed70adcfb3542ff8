// Text that users hand to webox (prompts, standard input, files named on
// the command line, configuration), checked where it comes in.
//
// Two rules hold at these edges so that nothing deeper fails on them:
//  - Text is valid UTF-8. Everything ends up in JSON (requests, the store),
//    and nlohmann::json refuses invalid UTF-8 only when it serialises, far
//    from where the bytes came in. Checking here names the source and the
//    byte offset instead of "internal error: [json.exception.type_error.316]".
//  - A prompt has a size limit (WEBOX_MAX_PROMPT_BYTES, default 16 MiB), so
//    memory stays proportional to what a model can take; a larger input is
//    refused before it is read whole.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace webox::text {

// Default of WEBOX_MAX_PROMPT_BYTES: far above any model's context window
// (1 M tokens are about 4 MiB of text), far below what hurts memory.
inline constexpr size_t kDefaultMaxPromptBytes = size_t{16} << 20;
inline constexpr const char *kMaxPromptEnv = "WEBOX_MAX_PROMPT_BYTES";

// A size limit and how it is named in messages.
struct Limit {
  size_t bytes = 0;
  std::string name;      // "the prompt limit"
  std::string raise_how; // "raise it with WEBOX_MAX_PROMPT_BYTES=BYTES"; "" = fixed
};

// WEBOX_MAX_PROMPT_BYTES or the default; a malformed value is a UsageError.
size_t max_prompt_bytes();
Limit prompt_limit();

// "16 MiB", "1.5 KiB", "300 bytes": a size for messages.
std::string human_size(size_t bytes);

// The offset of the first byte that does not belong to a well-formed UTF-8
// sequence (overlong forms, surrogates and values past U+10FFFF included),
// or nullopt when all of `text` is valid.
std::optional<size_t> invalid_utf8_offset(std::string_view text);

// Line and column (both from 1) of byte `offset` in `text`, for messages
// about files: columns count bytes, as yaml-cpp's marks do.
struct LineColumn {
  size_t line = 1;
  size_t column = 1;
};
LineColumn line_column(std::string_view text, size_t offset);

// Throws UsageError "<where> is not valid UTF-8 (byte N)" (N counted from 0).
void require_utf8(std::string_view text, const std::string &where);

// Throws UsageError naming `what`, the limit and how to raise it when
// `size` is over the limit.
void require_size(size_t size, const Limit &limit, const std::string &what);

// All of standard input, read into one buffer (sized from fstat when stdin
// is a file). More than `limit` bytes is a UsageError raised as soon as the
// limit is passed, without reading the rest.
std::string read_stdin(const Limit &limit);

// The prompt of `chat` and `compare`: standard input, a blank line, then
// `arguments` (either may be empty), read into one buffer. UsageError when
// standard input is not UTF-8 (naming the byte offset) or when the whole is
// over max_prompt_bytes().
std::string prompt_with_stdin(std::string arguments);

// The words of a command line's positional arguments, joined by one space
// (the prompt of chat, compare, tts, generate-image; a rag query).
std::string join_words(const std::vector<std::string> &words);

// The whole content of the regular file `file`, at most `limit` bytes.
// UsageError (exit 2) for a folder, a missing or unreadable file, or one
// over the limit, each naming `what` (such as "--from") and the path.
std::string read_file(const std::filesystem::path &file, const Limit &limit, const std::string &what);

// Throws UsageError when `file` is a folder or cannot be opened for
// reading: for options whose file is opened later by a library (libzip, an
// ifstream) that would only say "read error".
void require_readable_file(const std::filesystem::path &file, const std::string &what);

} // namespace webox::text
