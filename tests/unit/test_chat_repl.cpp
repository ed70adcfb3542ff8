#include <catch2/catch.hpp>

#include "lib/chat/prices.hpp"
#include "lib/chat/repl_commands.hpp"
#include "lib/core/error.hpp"

using namespace webox::chat;

TEST_CASE("repl: a command is a slash and a name; anything else is a prompt", "[chat][repl]") {
  auto c = parse_repl_command("/model  openai:gpt-4o-mini ");
  REQUIRE(c);
  CHECK(c->name == "model");
  CHECK(c->argument == "openai:gpt-4o-mini");
  c = parse_repl_command("  /system Tu es bref.  Vraiment.");
  REQUIRE(c);
  CHECK(c->argument == "Tu es bref.  Vraiment.");
  CHECK(parse_repl_command("/tokens")->argument.empty());
  CHECK(parse_repl_command("/frobnicate x")->name == "frobnicate"); // unknown, but a command: never sent
  CHECK_FALSE(parse_repl_command("bonjour /model"));
  CHECK_FALSE(parse_repl_command("/"));
  CHECK_FALSE(parse_repl_command("//etc/hosts"));         // the way to send a prompt starting with '/'
  CHECK_FALSE(parse_repl_command("/ model"));
  CHECK_FALSE(parse_repl_command("/usr/bin contient quoi ?")); // a path is a prompt
}

TEST_CASE("repl: /temperature takes a number from 0 to 2", "[chat][repl]") {
  CHECK(parse_temperature("0.3") == Approx(0.3));
  CHECK(parse_temperature(" 2 ") == 2);
  CHECK(parse_temperature("0") == 0);
  for (const char *bad : {"", "2.5", "-0.1", "chaud", "1e400", "nan", "0.3x", "inf"})
    CHECK_THROWS_AS(parse_temperature(bad), webox::UsageError);
}

TEST_CASE("repl: /tokens adds up the turns and says what it does not know", "[chat][repl]") {
  UsageTally t;
  CHECK(t.summary() == "0 turns yet");
  TurnResult a;
  a.input_tokens = 12;
  a.output_tokens = 7;
  a.cost = 0.0005;
  t.add(a);
  CHECK(t.summary() == "1 turn: 12 input + 7 output tokens, " + webox::chat::format_cost(0.0005));
  TurnResult b; // a local model: no usage, no price
  t.add(b);
  CHECK(t.summary().find("2 turns: 12 input + 7 output tokens (some turns did not report tokens)") == 0);
  CHECK(t.summary().find("(some turns unpriced)") != std::string::npos);
}

TEST_CASE("repl: /save writes the conversation as Markdown", "[chat][repl]") {
  nlohmann::json messages = nlohmann::json::array({
      {{"role", "user"}, {"content", "Lis notes.md"}},
      {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {{{"id", "1"}, {"name", "read_file"}}}}},
      {{"role", "tool"}, {"content", "abc"}},
      {{"role", "assistant"}, {"content", "Il parle de **RAII**."}},
  });
  CHECK(conversation_markdown("openai:gpt-4o", "Sois bref.", messages) ==
        "# Conversation with openai:gpt-4o\n\n## System\n\nSois bref.\n\n## You\n\nLis notes.md\n\n"
        "*Tool call: `read_file`*\n\n*Tool result (3 bytes)*\n\n## openai:gpt-4o\n\nIl parle de **RAII**.\n");
}
