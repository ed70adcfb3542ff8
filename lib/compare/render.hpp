// Rendering a comparison: side-by-side columns for terminals (live while the
// answers stream, and final), Markdown, JSON and JSON Lines for machines.
#pragma once

#include <string>

#include "lib/compare/report.hpp"

namespace webox::compare {

enum class Format { table, markdown, json, jsonl };

// Parses "table", "markdown" (or "md"), "json", "jsonl"; throws UsageError.
Format parse_format(const std::string &name);

// How an answer fills its column: wrapped as written, or its Markdown drawn
// (lib/render/markdown, without colors: columns are padded by cells).
enum class ColumnText { wrapped, markdown };

// Columns side by side within `width` cells. `max_text_lines` > 0 keeps only
// the last lines of each answer (the live view must fit the screen).
std::string render_columns(const Report &report, size_t width, size_t max_text_lines = 0,
                           ColumnText text = ColumnText::wrapped);

// The judge's verdict below the columns (empty when there is no judge).
std::string render_verdict(const Report &report, size_t width);

std::string render_markdown(const Report &report);

// One JSON object per line: each result, then the judge when there is one.
std::string render_jsonl(const Report &report);

// "1.2 s", "850 ms", "-".
std::string format_ms(std::optional<int64_t> ms);

} // namespace webox::compare
