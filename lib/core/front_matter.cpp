#include "lib/core/front_matter.hpp"

#include <fstream>
#include <sstream>

#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/yaml_load.hpp"

namespace webox {

FrontMatterDoc split_front_matter(const std::string &text, const std::filesystem::path &file) {
  // Prompts and assistants become requests (JSON): UTF-8 only.
  if (auto bad = text::invalid_utf8_offset(text)) {
    text::LineColumn at = text::line_column(text, *bad);
    throw UsageError(file.string() + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                     ": not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  FrontMatterDoc doc;
  std::string body = text;
  if (text.rfind("---\n", 0) == 0 || text.rfind("---\r\n", 0) == 0) {
    size_t start = text.find('\n') + 1;
    size_t end = text.find("\n---", start - 1);
    if (end == std::string::npos) throw Error(file.string() + ": front matter is not closed by '---'");
    try {
      doc.meta = load_yaml(text.substr(start, end - start));
    } catch (const YAML::Exception &e) {
      throw Error(file.string() + ": front matter: " + e.what());
    }
    size_t body_start = text.find('\n', end + 1);
    body = body_start == std::string::npos ? std::string() : text.substr(body_start + 1);
  }
  size_t first = body.find_first_not_of(" \n\r\t");
  size_t last = body.find_last_not_of(" \n\r\t");
  doc.body = first == std::string::npos ? std::string() : body.substr(first, last - first + 1);
  return doc;
}

FrontMatterDoc read_front_matter_file(const std::filesystem::path &file) {
  return split_front_matter(text::read_file(file, text::prompt_limit(), "prompt file"), file);
}

} // namespace webox
