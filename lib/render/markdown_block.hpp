// The half of lib/render/markdown that draws: one or more complete blocks of
// Markdown, parsed by md4c, written as terminal text (see markdown.hpp).
#pragma once

#include <string>
#include <string_view>

#include "lib/render/markdown.hpp"

namespace webox::render {

// Appends the rendering of `text` to `out`. `blocks_rendered` counts the
// top-level blocks printed before (a blank line separates them) and is
// advanced.
void render_markdown_blocks(std::string_view text, const MarkdownStyle &style, size_t &blocks_rendered,
                            std::string &out);

// `text` made safe to print: control characters (but '\n') and bytes that
// are not UTF-8 become U+FFFD, a tab becomes spaces.
std::string printable(std::string_view text);

} // namespace webox::render
