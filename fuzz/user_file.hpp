// The harness shared by the targets whose parser reads a file the user names
// or keeps in a folder of theirs (interview scenarios, DM sequences): the
// input is written to one scratch file of this process, the loader reads it
// from there, and a webox::Error (a usage error naming file:line, exit 2)
// is the expected end of bad input. Any other exception escapes and crashes
// the target: for the user it would be an "internal error".
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "lib/core/error.hpp"

namespace webox::fuzz {

template <class Load>
int run_user_file(const uint8_t *data, size_t size, const char *file_name, const Load &load) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("webox-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / file_name;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  }
  try {
    load(file);
  } catch (const ::webox::Error &) {
    // refused with its reason: what bad input must give
  }
  return 0;
}

} // namespace webox::fuzz
