// The text of a PDF, page by page, through the webox-pdf.so module.
//
// poppler is heavy (freetype, fontconfig, lcms, openjpeg, nss...), so it is
// never linked into libwebox: `<exe>/../lib/webox/modules/webox-pdf.so`
// (or the install prefix's, or WEBOX_PDF_MODULE) is loaded with dlopen the
// first time a PDF is read, once per process. `webox --version` and a chat
// without a PDF never map libpoppler (tests/cli/test_attachments.py checks
// /proc/PID/maps). Used by chat attachments (lib/chat/attachments) and by
// `rag index` (lib/rag/indexer).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace webox::pdf {

enum class Outcome {
  ok,
  encrypted,   // it needs a password
  broken,      // damaged, truncated, not a PDF after all
  too_large,   // its text passes the caller's limit
  unavailable, // this build has no webox-pdf.so (libpoppler-cpp was missing)
};

struct PdfText {
  Outcome outcome = Outcome::ok;
  std::string message;            // why, when not ok
  std::vector<std::string> pages; // valid UTF-8, one per page, when ok
};

// The text of every page of the PDF in `bytes`, at most `max_text_bytes`
// in all. Never throws for a bad PDF: the outcome says what happened.
PdfText read_pdf_text(std::string_view bytes, size_t max_text_bytes);

// True once webox-pdf.so was loaded in this process (for tests of the
// start-up cost).
bool module_loaded();

} // namespace webox::pdf
