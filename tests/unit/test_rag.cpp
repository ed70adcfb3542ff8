// lib/rag: chunkers and readers, the FTS query, fusion, the grounded prompt
// and citations, and the collection store (incremental writes).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>


#include "lib/core/error.hpp"
#include "lib/rag/ask.hpp"
#include "lib/rag/chunker.hpp"
#include "lib/rag/collections.hpp"
#include "lib/rag/search.hpp"
#include "lib/store/db.hpp"

using namespace webox;
using namespace webox::rag;

namespace {

bool valid(const std::string &s) { return valid_utf8(s) == s; }

} // namespace

TEST_CASE("markdown chunks split at headings and keep the heading path", "[rag]") {
  std::string md = "# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n### Debian\n\napt install webox\n\n"
                   "## Use\n\n```\n# not a heading\n```\n\nMore.\n";
  auto chunks = chunk_document(DocKind::markdown, md);
  REQUIRE(chunks.size() == 4);
  CHECK(chunks[0].heading == "Guide");
  CHECK(chunks[1].heading == "Guide > Install");
  CHECK(chunks[2].heading == "Guide > Install > Debian");
  CHECK(chunks[2].text.find("apt install webox") != std::string::npos);
  CHECK(chunks[3].heading == "Guide > Use"); // the fenced '# not a heading' is not one
  CHECK(chunks[3].text.find("# not a heading") != std::string::npos);
  CHECK(chunks[2].line_start == 9);
  CHECK(chunks[2].line_end == 11);
  for (const auto &c : chunks) CHECK(md.substr(c.byte_start, c.byte_end - c.byte_start) == c.text);
  // A long heading is shortened on a character boundary (found by fuzz_rag_chunker).
  std::string long_title = "# ";
  for (int i = 0; i < 150; ++i) long_title += "\xC3\xA9";
  auto titled = chunk_document(DocKind::markdown, long_title + "\n\ntext\n");
  REQUIRE(!titled.empty());
  CHECK(valid(titled[0].heading));
  CHECK(titled[0].heading.size() <= 200);
}

TEST_CASE("long text is packed into chunks under the target with an overlap", "[rag]") {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Paragraph number " + std::to_string(i) + " says something useful.\n\n";
  ChunkLimits limits;
  limits.target_bytes = 200;
  limits.overlap_bytes = 60;
  auto chunks = chunk_document(DocKind::text, text, limits);
  REQUIRE(chunks.size() > 5);
  for (const auto &c : chunks) CHECK(c.text.size() <= 200);
  // Each chunk after the first starts with the end of the previous one.
  for (size_t i = 1; i < chunks.size(); ++i) CHECK(chunks[i].byte_start < chunks[i - 1].byte_end);
  CHECK(chunks.back().text.find("Paragraph number 39") != std::string::npos);
}

TEST_CASE("code chunks follow blank-line blocks with no overlap and exact line ranges", "[rag]") {
  std::string code = "int a() {\n  return 1;\n}\n\nint b() {\n  return 2;\n}\n";
  ChunkLimits limits;
  limits.target_bytes = 64;
  auto chunks = chunk_document(DocKind::code, code, limits);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].line_start == 1);
  CHECK(chunks[0].line_end == 7);
  std::string big;
  for (int i = 0; i < 30; ++i) big += "void f" + std::to_string(i) + "() {}\n\n";
  chunks = chunk_document(DocKind::code, big, limits);
  for (size_t i = 1; i < chunks.size(); ++i) CHECK(chunks[i].byte_start >= chunks[i - 1].byte_end);
}

TEST_CASE("a line longer than the target is cut at character boundaries", "[rag]") {
  std::string line;
  for (int i = 0; i < 500; ++i) line += "é";
  ChunkLimits limits;
  limits.target_bytes = 101; // odd: a cut in the middle of "é" must move back
  auto chunks = chunk_document(DocKind::text, line, limits);
  REQUIRE(chunks.size() >= 10);
  for (const auto &c : chunks) {
    CHECK(valid(c.text));
    CHECK(c.text.size() <= 101);
  }
}

TEST_CASE("json arrays and jsonl give one chunk per record with its lines", "[rag]") {
  std::string records = "[\n  {\"name\": \"a, b\", \"x\": [1, {\"y\": \"]\"}]},\n  {\"name\": \"c\"}\n]\n";
  auto chunks = chunk_document(DocKind::json, records);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].text == "{\"name\": \"a, b\", \"x\": [1, {\"y\": \"]\"}]}");
  CHECK(chunks[0].line_start == 2);
  CHECK(chunks[1].text == "{\"name\": \"c\"}");
  CHECK(chunks[1].line_start == 3);
  auto lines = chunk_document(DocKind::jsonl, "{\"a\":1}\n\n{\"b\":2}\n");
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].line_start == 3);
  // Not an array (or unterminated): chunked as text, nothing lost.
  auto object = chunk_document(DocKind::json, "{\"a\": 1}");
  REQUIRE(object.size() == 1);
  auto broken = chunk_document(DocKind::json, "[{\"a\": 1}, {\"b\"");
  REQUIRE(broken.size() == 1);
}

TEST_CASE("html becomes text with headings, no scripts, entities decoded", "[rag]") {
  std::string html = "<html><head><title>T</title><style>p{}</style><script>var x = '<p>';</script></head>"
                     "<body><h1>Caf&eacute; &amp; th&#233;</h1><p>Hello&nbsp;<b>world</b></p><ul><li>one</li>"
                     "<li>two</li></ul><h2>Next</h2><p>bye &#x1F600;</p><!-- <h1>no</h1> --></body></html>";
  std::string text = html_to_text(html);
  CHECK(text.find("var x") == std::string::npos);
  CHECK(text.find("p{}") == std::string::npos);
  CHECK(text.find("# Café & thé") != std::string::npos);
  CHECK(text.find("Hello world") != std::string::npos);
  CHECK(text.find("- one") != std::string::npos);
  CHECK(text.find("\xF0\x9F\x98\x80") != std::string::npos);
  CHECK(text.find("no") == text.find("no")); // comment dropped: no heading "no"
  CHECK(text.find("# no") == std::string::npos);
  auto chunks = chunk_document(DocKind::html, html);
  REQUIRE(!chunks.empty());
  CHECK(chunks.back().heading == "Café & thé > Next");
}

TEST_CASE("binary detection and UTF-8 repair", "[rag]") {
  CHECK(looks_binary(std::string("abc\0def", 7)));
  CHECK(looks_binary("\x01\x02\x03\x04\x05\x06\x07\x08 abc"));
  CHECK_FALSE(looks_binary("plain text\twith tabs\r\n"));
  size_t replaced = 0;
  CHECK(valid_utf8("ok \xFF bad \xC3", &replaced) == "ok \xEF\xBF\xBD bad \xEF\xBF\xBD");
  CHECK(replaced == 2);
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate is refused
  CHECK(kind_for("a/B.MD") == DocKind::markdown);
  CHECK(kind_for("x.jsonl") == DocKind::jsonl);
  CHECK(kind_for("main.cpp") == DocKind::code);
  CHECK(kind_for("notes") == DocKind::text);
}

TEST_CASE("the FTS query quotes every word so user text is never FTS syntax", "[rag]") {
  CHECK(fts_query("quand part le train ?") == "\"quand\" OR \"part\" OR \"le\" OR \"train\"");
  CHECK(fts_query("NEAR(a b) OR \"x\" -y*") == "\"NEAR\" OR \"a\" OR \"b\" OR \"OR\" OR \"x\" OR \"y\"");
  CHECK(fts_query("élève") == "\"élève\"");
  CHECK(fts_query("?!  ").empty());
}

TEST_CASE("reciprocal rank fusion rewards chunks both rankings agree on", "[rag]") {
  Ranked vectors = {{1, 0.9}, {2, 0.8}, {3, 0.7}};
  Ranked bm25 = {{3, 5.0}, {4, 4.0}, {1, 3.0}};
  Ranked fused = fuse_rrf({vectors, bm25}, 3);
  REQUIRE(fused.size() == 3);
  CHECK(fused[0].first == 1); // ranks 1 and 3
  CHECK(fused[1].first == 3); // ranks 3 and 1: same score, the first list's order breaks the tie
  CHECK(fused[2].first == 2);
  CHECK(fuse_rrf({}, 5).empty());
}

TEST_CASE("dot and normalise", "[rag]") {
  std::vector<float> v = {3, 4, 0, 0, 0};
  normalise(v);
  CHECK(v[0] == Approx(0.6));
  CHECK(dot(v.data(), v.data(), v.size()) == Approx(1.0));
  std::vector<float> zero(3, 0.0f);
  normalise(zero);
  CHECK(zero[0] == 0.0f);
}

TEST_CASE("the grounded prompt numbers sources under the budget; citations are read back", "[rag]") {
  std::vector<Hit> hits;
  for (int i = 0; i < 5; ++i) {
    Hit h;
    h.path = "/n/" + std::to_string(i) + ".md";
    h.line_start = 1;
    h.line_end = 2;
    h.text = std::string(300, static_cast<char>('a' + i));
    hits.push_back(h);
  }
  GroundedPrompt p = build_grounded_prompt("Q?", hits, 250); // 750 bytes: two sources
  CHECK(p.sources.size() == 2);
  CHECK(p.user.find("[1] /n/0.md:1-2") != std::string::npos);
  CHECK(p.user.find("[2] /n/1.md:1-2") != std::string::npos);
  CHECK(p.user.find("[3]") == std::string::npos);
  CHECK(p.user.rfind("Question: Q?") != std::string::npos);
  CHECK(p.messages().size() == 2);
  GroundedPrompt tiny = build_grounded_prompt("Q?", hits, 10); // the first source is cut, never dropped
  CHECK(tiny.sources.size() == 1);
  CHECK(cited_sources("A [2] and [1, 3][2] but not [9] or [x]", 3) == std::vector<int>{2, 1, 3});
  CHECK(cited_sources("none", 3).empty());
}

TEST_CASE("BM25 leaves out the words half the rows hold, and only when the rest still gives k rows", "[rag]") {
  // 40 chunks, all holding "le", 30 "train", 3 "budget": BM25 gives the
  // first two an IDF of zero; "avion" is held by none.
  store::Db db(":memory:");
  Collections c(db);
  CollectionInfo notes = c.open_or_create("notes");
  for (int d = 0; d < 40; ++d) {
    Chunk chunk;
    chunk.text = std::string("le jour ") + (d < 30 ? "train " : "") + (d < 3 ? "budget " : "") + std::to_string(d);
    c.put_document(notes.id, {"/n/" + std::to_string(d), "h", 1, 1, DocKind::text}, {chunk}, {});
  }
  const std::vector<std::string> words = {"le", "Train", "budget", "avion"};
  CHECK(selective_words(db, words, 3, 10) == std::vector<std::string>{"budget", "avion"});
  CHECK(selective_words(db, words, 4, 10) == words);  // "budget" alone gives 3 rows, not 4
  CHECK(selective_words(db, words, 3, 41) == words);  // a small index: the walk is cheap
  CHECK(selective_words(db, {"le", "train"}, 3, 10) == std::vector<std::string>{"le", "train"}); // nothing selective
  CHECK(selective_words(db, {"budget"}, 1, 10) == std::vector<std::string>{"budget"});
  // The rows that match a selective word are BM25's best with every word.
  std::vector<int64_t> selective, with_common;
  for (const auto &hit : bm25_search(db, notes.id, "budget", 3)) selective.push_back(hit.first);
  store::Statement q(db, R"sql(SELECT rag_fts.rowid FROM rag_fts WHERE rag_fts MATCH '"le" OR "train" OR "budget"'
                               ORDER BY bm25(rag_fts, 1.0, 0.5) LIMIT 3)sql");
  while (q.executeStep()) with_common.push_back(q.getColumn(0).getInt64());
  std::sort(selective.begin(), selective.end());
  std::sort(with_common.begin(), with_common.end());
  CHECK(selective.size() == 3);
  CHECK(selective == with_common);
}

TEST_CASE("collection names are validated", "[rag]") {
  CHECK_NOTHROW(validate_collection_name("notes-2026.v1_a"));
  CHECK_THROWS_AS(validate_collection_name("a/b"), UsageError);
  CHECK_THROWS_AS(validate_collection_name(""), UsageError);
  CHECK_THROWS_AS(validate_collection_name(".hidden"), UsageError);
  CHECK_THROWS_AS(validate_collection_name("é"), UsageError);
  CHECK_THROWS_AS(validate_collection_name(std::string(65, 'a')), UsageError);
}

TEST_CASE("documents are replaced whole; BM25 and vectors see only the live chunks", "[rag]") {
  store::Db db(":memory:");
  Collections c(db);
  CollectionInfo notes = c.open_or_create("notes");
  CollectionInfo other = c.open_or_create("other");
  auto chunks = chunk_document(DocKind::markdown, "# Train\n\nLe train pour Lyon part à 8 h.\n\n# Budget\n\nLe budget est de 40 k€.\n");
  std::vector<std::vector<float>> vectors = {{1, 0}, {0, 1}};
  c.put_document(notes.id, {"/n/a.md", "h1", 1, 10, DocKind::markdown}, chunks, vectors);
  c.put_document(other.id, {"/o/b.md", "h2", 1, 10, DocKind::markdown}, chunks, {});
  Ranked hits = bm25_search(db, notes.id, "train Lyon", 5);
  REQUIRE(hits.size() == 1);
  auto loaded = load_hits(db, hits);
  CHECK(loaded[0].heading == "Train");
  CHECK(loaded[0].path == "/n/a.md");
  CHECK(scan_stored_vectors(db, notes.id, {0, 1}, 1).front().first == load_hits(db, bm25_search(db, notes.id, "budget", 1))[0].chunk_id);

  // Re-indexing the document replaces its chunks; the old text is gone from FTS.
  c.put_document(notes.id, {"/n/a.md", "h3", 2, 10, DocKind::markdown},
                 chunk_document(DocKind::markdown, "# Avion\n\nL'avion part à midi.\n"), {{1, 1}});
  CHECK(bm25_search(db, notes.id, "train", 5).empty());
  CHECK(bm25_search(db, notes.id, "avion", 5).size() == 1);
  CHECK(c.find("notes")->chunks == 1);
  CHECK(c.find("notes")->vectors == 1);
  c.remove_document(notes.id, "/n/a.md");
  CHECK(bm25_search(db, notes.id, "avion", 5).empty());
  CHECK(c.find("notes")->documents == 0);
  CHECK(c.drop("other"));
  CHECK_FALSE(c.drop("other"));
  CHECK(db.execAndGet("SELECT count(*) FROM rag_chunks").getInt() == 0);
  CHECK(db.execAndGet("SELECT count(*) FROM rag_fts").getInt() == 0);
}
