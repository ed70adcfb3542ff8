#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "lib/chat/transcript.hpp"
#include "lib/core/error.hpp"

using namespace webox;
using namespace webox::chat;
using nlohmann::json;

namespace {

store::Conversation sample_conversation() {
  return {"01JD0000000000000000000000", "Say hello", "openai:gpt-4o-mini",
          "2026-01-02T03:04:05.006Z"};
}

std::vector<store::CallRecord> sample_calls() {
  store::CallRecord a;
  a.id = 1;
  a.conversation_id = "01JD0000000000000000000000";
  a.provider = "openai";
  a.model = "gpt-4o-mini";
  a.resolved_model = "gpt-4o-mini-2024-07-18";
  a.system = "You are terse.";
  a.prompt = "Say hello";
  a.response = "Hello!";
  a.options_json = R"({"temperature":0.2})";
  a.input_tokens = 12;
  a.output_tokens = 3;
  a.latency_ms = 812;
  a.ttft_ms = 120;
  a.status = "ok";
  a.created_at = "2026-01-02T03:04:05.006Z";

  store::CallRecord b = a;
  b.id = 2;
  b.prompt = "And goodbye?";
  b.response = "Goodbye.";
  b.options_json = "{}";
  b.input_tokens = -1;
  b.output_tokens = -1;
  b.ttft_ms = -1;
  b.created_at = "2026-01-02T03:05:00.000Z";
  return {a, b};
}

} // namespace

TEST_CASE("export: format names", "[export]") {
  CHECK(parse_export_format("json") == ExportFormat::json);
  CHECK(parse_export_format("md") == ExportFormat::md);
  CHECK(parse_export_format("markdown") == ExportFormat::md);
  CHECK(parse_export_format("html") == ExportFormat::html);
  CHECK(parse_export_format("txt") == ExportFormat::txt);
  CHECK(parse_export_format("text") == ExportFormat::txt);
  CHECK_THROWS_AS(parse_export_format("pdf"), UsageError);
  CHECK_THROWS_AS(parse_export_format(""), UsageError);
  CHECK_THROWS_WITH(parse_export_format("pdf"),
                    Catch::Contains("pdf") && Catch::Contains("json") && Catch::Contains("html"));
  try {
    parse_export_format("JSONX");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::usage);
  }
}

TEST_CASE("export: JSON", "[export]") {
  std::string out = export_conversation(sample_conversation(), sample_calls(), ExportFormat::json);
  CHECK(out.find("\n  \"calls\"") != std::string::npos); // pretty-printed with 2 spaces
  json doc = json::parse(out);
  CHECK(doc["conversation"]["id"] == "01JD0000000000000000000000");
  CHECK(doc["conversation"]["name"] == "Say hello");
  CHECK(doc["conversation"]["model"] == "openai:gpt-4o-mini");
  REQUIRE(doc["calls"].size() == 2);
  CHECK(doc["calls"][0]["prompt"] == "Say hello");
  CHECK(doc["calls"][1]["input_tokens"].is_null());
}

TEST_CASE("export: call_to_json shape", "[export]") {
  auto calls = sample_calls();
  json a = call_to_json(calls[0]);
  CHECK(a["id"] == 1);
  CHECK(a["conversation_id"] == "01JD0000000000000000000000");
  CHECK(a["model"] == "openai:gpt-4o-mini");
  CHECK(a["resolved_model"] == "gpt-4o-mini-2024-07-18");
  CHECK(a["system"] == "You are terse.");
  CHECK(a["options"] == json{{"temperature", 0.2}});
  CHECK(a["input_tokens"] == 12);
  CHECK(a["output_tokens"] == 3);
  CHECK(a["latency_ms"] == 812);
  CHECK(a["ttft_ms"] == 120);
  CHECK(a["status"] == "ok");
  CHECK(a["error"].is_null());
  CHECK(a["created_at"] == "2026-01-02T03:04:05.006Z");
  for (const char *key : {"id", "conversation_id", "model", "resolved_model", "system", "prompt",
                          "response", "options", "input_tokens", "output_tokens", "latency_ms",
                          "ttft_ms", "status", "error", "created_at"})
    CHECK(a.contains(key));

  json b = call_to_json(calls[1]);
  CHECK(b["input_tokens"].is_null());
  CHECK(b["output_tokens"].is_null());
  CHECK(b["ttft_ms"].is_null());
  CHECK(b["options"] == json::object());

  store::CallRecord failed = calls[1];
  failed.status = "error";
  failed.error = "openai: 401 invalid_api_key";
  failed.options_json = "not json";
  json f = call_to_json(failed);
  CHECK(f["error"] == "openai: 401 invalid_api_key");
  CHECK(f["options"] == "not json");
}

TEST_CASE("export: Markdown", "[export]") {
  std::string md = export_conversation(sample_conversation(), sample_calls(), ExportFormat::md);
  CHECK(md.rfind("# Say hello\n", 0) == 0);
  CHECK_THAT(md, Catch::Contains("01JD0000000000000000000000"));
  CHECK_THAT(md, Catch::Contains("## Turn 1") && Catch::Contains("## Turn 2"));
  CHECK_THAT(md, Catch::Contains("**User**\n\nSay hello\n"));
  CHECK_THAT(md, Catch::Contains("**Assistant**\n\nHello!\n"));
  CHECK_THAT(md, Catch::Contains("openai:gpt-4o-mini"));
  CHECK_THAT(md, Catch::Contains("2026-01-02T03:05:00.000Z"));
  CHECK_THAT(md, Catch::Contains("12 in / 3 out tokens"));
  // The unchanged system prompt is shown once.
  CHECK(md.find("You are terse.") == md.rfind("You are terse."));
}

TEST_CASE("export: text", "[export]") {
  std::string txt = export_conversation(sample_conversation(), sample_calls(), ExportFormat::txt);
  CHECK(txt.rfind("Say hello\n", 0) == 0);
  CHECK_THAT(txt, Catch::Contains("User:\nAnd goodbye?\n"));
  CHECK_THAT(txt, Catch::Contains("Assistant:\nGoodbye.\n"));
  CHECK_THAT(txt, Catch::Contains("tokens unknown"));
  CHECK(txt.find("<") == std::string::npos);
}

TEST_CASE("export: HTML is standalone and escapes every value", "[export]") {
  auto conv = sample_conversation();
  conv.name = "<b>name</b>";
  auto calls = sample_calls();
  calls[0].prompt = "<script>alert(\"x\")</script> & 'quoted'";
  calls[0].response = "a < b > c";
  calls[0].model = "m\"odel";
  calls[1].status = "error";
  calls[1].error = "<img src=x onerror=alert(1)>";
  std::string html = export_conversation(conv, calls, ExportFormat::html);

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Catch::Contains("<meta charset=\"utf-8\">"));
  CHECK_THAT(html, Catch::Contains("<style>"));
  CHECK_THAT(html, Catch::Contains("</html>"));
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                                   "&#39;quoted&#39;"));
  CHECK_THAT(html, Catch::Contains("a &lt; b &gt; c"));
  CHECK_THAT(html, Catch::Contains("m&quot;odel"));
  CHECK_THAT(html, Catch::Contains("<title>&lt;b&gt;name&lt;/b&gt;</title>"));
  CHECK_THAT(html, Catch::Contains("&lt;img src=x onerror=alert(1)&gt;"));
}

TEST_CASE("export: an empty conversation still renders", "[export]") {
  for (auto f : {ExportFormat::json, ExportFormat::md, ExportFormat::html, ExportFormat::txt})
    CHECK_FALSE(export_conversation(sample_conversation(), {}, f).empty());
}
