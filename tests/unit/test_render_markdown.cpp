#include <catch2/catch.hpp>

#include <string>

#include "lib/compare/text_width.hpp"
#include "lib/render/markdown.hpp"
#include "lib/render/markdown_block.hpp"

using namespace webox::render;

namespace {

MarkdownStyle plain(size_t width = 60) { return {width, false}; }

// The answer of a model, with every construct the renderer draws.
const std::string kDocument = R"(# Titre **gras**

Un paragraphe avec *italique*, **gras**, `code` et ~~barré~~, un [lien](https://example.com/x)
et <https://auto.example>, assez long pour être coupé à la largeur du terminal.

- un
- deux
  - imbriqué
- [x] fait

3. trois
4. quatre

> Une citation
>
> > imbriquée

```python
def f(x):

    return x  # le vide au-dessus reste dans le bloc
```

| Nom | Âge | Ville |
|:----|----:|:-----:|
| Zoé | 31 | Lyon |
| 日本 | 7 | 東京 |

---
Fin avec ![un schéma](schema.png) &amp; &#x263A; 🇫🇷
)";

std::string streamed(const std::string &doc, const MarkdownStyle &style, size_t piece) {
  MarkdownStream stream(style);
  std::string out;
  for (size_t i = 0; i < doc.size(); i += piece) out += stream.feed(std::string_view(doc).substr(i, piece));
  return out + stream.finish();
}

} // namespace

TEST_CASE("markdown: a document split at every byte renders as the whole", "[render][markdown]") {
  for (bool color : {false, true}) {
    MarkdownStyle style{60, color};
    const std::string whole = render_markdown(kDocument, style);
    for (size_t cut = 0; cut <= kDocument.size(); ++cut) {
      MarkdownStream stream(style);
      std::string out = stream.feed(std::string_view(kDocument).substr(0, cut));
      out += stream.feed(std::string_view(kDocument).substr(cut));
      out += stream.finish();
      INFO("cut at byte " << cut << (color ? " (color)" : ""));
      REQUIRE(out == whole);
    }
    for (size_t piece : {1, 2, 3, 7, 64}) REQUIRE(streamed(kDocument, style, piece) == whole);
  }
}

TEST_CASE("markdown: a ** split across two deltas is bold, not two stars", "[render][markdown]") {
  MarkdownStream stream({80, true});
  std::string out = stream.feed("Un mot *");
  out += stream.feed("*important** ici.\n");
  out += stream.finish();
  CHECK(out == "Un mot \x1b[0;1mimportant\x1b[0m ici.\n");
}

TEST_CASE("markdown: a block is printed as soon as it is complete", "[render][markdown]") {
  MarkdownStream stream(plain());
  CHECK(stream.feed("# Titre\n").find("# Titre") != std::string::npos); // a heading ends with its line
  CHECK(stream.feed("Premier paragraphe.\n\n").empty());                 // an indented line might still follow
  CHECK(stream.feed("S").find("Premier paragraphe.") != std::string::npos); // this one does not
  CHECK(stream.feed("econd paragraphe.\n").empty());
  std::string fence = stream.feed("```sh\nls\n\n"); // a fence at column 0 ends the paragraph...
  CHECK(fence.find("Second paragraphe.") != std::string::npos);
  CHECK(fence.find("ls") == std::string::npos); // ...and a blank line inside it does not end the fence
  CHECK(stream.feed("```\n").find("ls") != std::string::npos);
  CHECK(stream.finish().empty());
}

TEST_CASE("markdown: layout of the constructs", "[render][markdown]") {
  const std::string out = render_markdown(kDocument, plain());
  CHECK(out.find("# Titre gras\n") == 0);
  CHECK(out.find("lien\n(https://example.com/x)") != std::string::npos);
  CHECK(out.find("https://auto.example,") != std::string::npos); // an autolink shows once
  CHECK(out.find("\xE2\x80\xA2 un\n") != std::string::npos);     // • un
  CHECK(out.find("  \xE2\x97\xA6 imbriqué\n") != std::string::npos);
  CHECK(out.find("[x] fait") != std::string::npos);
  CHECK(out.find("3. trois\n4. quatre\n") != std::string::npos); // the list's own start
  CHECK(out.find("\xE2\x94\x82 \xE2\x94\x82 imbriquée") != std::string::npos);
  CHECK(out.find("\xE2\x94\x8C\xE2\x94\x80 python ") != std::string::npos); // ┌─ python
  CHECK(out.find("\xE2\x94\x82     return x") != std::string::npos);
  CHECK(out.find("[image: un schéma] (schema.png)") != std::string::npos);
  CHECK(out.find("& \xE2\x98\xBA") != std::string::npos);
  CHECK(out.find("**") == std::string::npos);
  for (size_t start = 0; start < out.size();) { // no line is wider than the terminal
    size_t end = out.find('\n', start);
    CHECK(webox::compare::display_width(out.substr(start, end - start)) <= 60);
    start = end + 1;
  }
}

TEST_CASE("markdown: a table's columns line up in cells, not bytes", "[render][markdown]") {
  const std::string out = render_markdown("| a | b |\n|---|--:|\n| 日本 | é |\n| x | 10 |\n", plain());
  CHECK(out == "┌──────┬────┐\n"
               "│ a    │  b │\n"
               "├──────┼────┤\n"
               "│ 日本 │  é │\n"
               "│ x    │ 10 │\n"
               "└──────┴────┘\n");
  // Too wide for the terminal: the widest column wraps.
  const std::string narrow =
      render_markdown("| mot | description |\n|---|---|\n| a | une description bien trop longue pour tenir |\n", plain(30));
  for (size_t start = 0; start < narrow.size();) {
    size_t end = narrow.find('\n', start);
    CHECK(webox::compare::display_width(narrow.substr(start, end - start)) == 30);
    start = end + 1;
  }
}

TEST_CASE("markdown: without color the layout is the same, with no escape at all", "[render][markdown]") {
  const std::string colored = render_markdown(kDocument, {60, true});
  const std::string bare = render_markdown(kDocument, plain());
  CHECK(bare.find('\x1b') == std::string::npos);
  std::string stripped;
  for (size_t i = 0; i < colored.size(); ++i) {
    if (colored[i] == '\x1b') {
      i = colored.find('m', i);
      continue;
    }
    stripped += colored[i];
  }
  CHECK(stripped == bare);
}

TEST_CASE("markdown: what the model sends never drives the terminal", "[render][markdown]") {
  const std::string out = render_markdown("titre \x1b]0;pwned\x07 et \x1b[2J, \xff octet\n", {80, true});
  CHECK(out.find("\x1b]") == std::string::npos);
  CHECK(out.find("\x1b[2J") == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  CHECK(out.find("\xEF\xBF\xBD octet") != std::string::npos);
  CHECK(printable("a\tb\x01\xc2\x9b") == "a    b\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("markdown: a block past the limit is rendered anyway, a fence cut there stays code", "[render][markdown]") {
  std::string code = "```\n";
  for (int i = 0; i < 10000; ++i) code += "ligne de code " + std::to_string(i) + "\n";
  code += "```\n";
  MarkdownStream stream(plain());
  std::string first = stream.feed(code.substr(0, kMaxBlockBytes + 100));
  CHECK(!first.empty()); // did not wait for the closing fence
  std::string out = first + stream.feed(code.substr(kMaxBlockBytes + 100));
  out += stream.finish();
  CHECK(out == render_markdown(code, plain()));
  CHECK(out.find("ligne de code 9999") != std::string::npos);
  CHECK(out.find("```") == std::string::npos); // both halves drawn as code
  // One line longer than the limit, without a newline.
  std::string line(3 * kMaxBlockBytes + 5, 'x');
  CHECK(streamed(line, plain(), 1000) == render_markdown(line, plain()));
}

TEST_CASE("markdown: deep nesting indents no further than a bound", "[render][markdown]") {
  std::string quotes(2000, '>');
  quotes += " fond\n";
  for (int i = 0; i < 200; ++i) quotes += "suite\n";
  const std::string out = render_markdown(quotes, plain(40));
  for (size_t start = 0; start < out.size();) {
    size_t end = out.find('\n', start);
    CHECK(webox::compare::display_width(out.substr(start, end - start)) <= 40);
    start = end + 1;
  }
}
