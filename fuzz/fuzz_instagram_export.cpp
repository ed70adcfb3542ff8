// Fuzzes the Instagram export reader (plugins/instagram-export): the thread
// files of a "Download your information" export, as the plugin's
// social_collect reads them from an unpacked export folder. The input is one
// message_1.json; a NUL byte, if any, splits it into a second thread (so the
// owner detection across threads runs too).
//
// Whatever a thread file holds, the import must either read it or skip it
// with a warning: an exception escaping as WEBOX_E_INTERNAL ("internal
// error") would abort the whole import, so it aborts here. Every item
// emitted must be a JSON object (json_event_sink checks it).
#include "plugins/instagram-export/instagram_export.cpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "fuzz/harness.hpp"

namespace {

void write_file(const fs::path &file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  webox::fuzz::install_stub_host();
  static const fs::path root = fs::temp_directory_path() / ("webox-fuzz-igexport-" + std::to_string(::getpid()));
  std::string_view text(reinterpret_cast<const char *>(data), size);
  fs::remove_all(root);
  size_t nul = text.find('\0');
  write_file(root / "messages/inbox/alice_123/message_1.json", text.substr(0, nul));
  if (nul != std::string_view::npos) write_file(root / "messages/inbox/bob_456/message_1.json", text.substr(nul + 1));

  std::string request = json{{"path", root.string()}}.dump();
  webox_request req{sizeof(webox_request), request.data(), request.size(), nullptr, 0};
  webox_result out{};
  out.struct_size = sizeof(webox_result);
  webox_call call{};
  call.struct_size = sizeof(webox_call);
  webox_status s = social_collect(nullptr, &call, &req, webox::fuzz::json_event_sink, nullptr, &out);
  std::string error = out.error.data ? std::string(out.error.data, out.error.size) : std::string();
  if (out.json.release) out.json.release(&out.json);
  if (out.error.release) out.error.release(&out.error);
  if (s == WEBOX_E_INTERNAL) {
    std::fprintf(stderr, "internal error: %s\n", error.c_str());
    std::abort();
  }
  return 0;
}
