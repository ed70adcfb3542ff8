// The agent loop with a fake tool source and a scripted model: steps,
// parallel calls, error results, invalid arguments, limits, approval,
// Ctrl-C; and the built-in tools' confinement.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lib/agent/approval.hpp"
#include "lib/agent/builtin_tools.hpp"
#include "lib/agent/loop.hpp"
#include "lib/agent/schema_check.hpp"
#include "lib/agent/toolbox.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;
using nlohmann::json;

namespace {

class FakeSource : public agent::ToolSource {
public:
  explicit FakeSource(std::string name = "fake") : m_name(std::move(name)) {}
  const std::string &name() const override { return m_name; }
  std::vector<agent::ToolSpec> tools() override {
    return {{"lookup", "finds a word",
             {{"type", "object"},
              {"properties", {{"word", {{"type", "string"}}}, {"mode", {{"enum", {"fast", "slow"}}}}}},
              {"required", {"word"}}}},
            {"broken", "always fails", {{"type", "object"}}},
            {"sleep", "waits 200 ms, or until Ctrl-C", {{"type", "object"}}},
            {"meet", "waits for two other calls of meet", {{"type", "object"}}}};
  }
  agent::ToolOutcome call(const std::string &tool, const json &args, std::chrono::milliseconds) override {
    ++calls;
    agent::ToolOutcome out;
    if (tool == "broken") {
      out.content = json::array({{{"type", "text"}, {"text", "disk on fire"}}});
      out.is_error = true;
    } else if (tool == "meet") {
      // Three calls meet only when they run at once; one after another, the
      // first waits alone until the (generous) timeout: no timing to flake.
      std::unique_lock lock(m_mutex);
      ++m_arrived;
      m_cv.notify_all();
      bool met = m_cv.wait_for(lock, std::chrono::seconds(10), [this] { return m_arrived >= 3; });
      out.content = json::array({{{"type", "text"}, {"text", met ? "met" : "alone"}}});
    } else if (tool == "sleep") {
      for (int i = 0; i < 40 && !cancel::requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (cancel::requested()) throw Interrupted();
      out.content = json::array({{{"type", "text"}, {"text", "rested"}}});
    } else {
      out.content = json::array({{{"type", "text"}, {"text", "found " + args.value("word", "")}}});
    }
    return out;
  }
  std::atomic<int> calls{0};

private:
  std::string m_name;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  int m_arrived = 0;
};

json call(const std::string &id, const std::string &name, json args) {
  return {{"id", id}, {"name", name}, {"arguments", std::move(args)}, {"extra", json::object()}};
}

chat::TurnResult asks(json calls) {
  chat::TurnResult t;
  t.tool_calls = std::move(calls);
  t.finish_reason = "tool_calls";
  return t;
}

chat::TurnResult says(const std::string &text) {
  chat::TurnResult t;
  t.text = text;
  return t;
}

// A model that answers from a script and keeps what it was sent.
struct ScriptedModel {
  std::deque<chat::TurnResult> replies;
  std::vector<json> seen;
  agent::ModelCall fn() {
    return [this](const json &messages, const json &) {
      seen.push_back(messages);
      chat::TurnResult t = replies.size() > 1 ? replies.front() : replies.back();
      if (replies.size() > 1) replies.pop_front();
      return agent::ModelReply{t, 0};
    };
  }
};

const json kPrompt = json::array({{{"role", "user"}, {"content", "go"}}});

struct Fixture {
  std::shared_ptr<FakeSource> source = std::make_shared<FakeSource>();
  agent::Toolbox toolbox{{source}};
  agent::Approval approval{{}, true, {}};
  agent::LoopSettings settings;
  ScriptedModel model;
};

} // namespace

TEST_CASE("agent loop: a tool call, its result sent back, then the answer", "[agent]") {
  Fixture f;
  f.model.replies = {asks(json::array({call("c1", "fake_lookup", {{"word", "rust"}})})), says("done")};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::answered);
  CHECK(r.answer.text == "done");
  REQUIRE(r.steps.size() == 1);
  REQUIRE(f.model.seen.size() == 2);
  const json &second = f.model.seen[1];
  REQUIRE(second.size() == 3);
  CHECK(second[1]["role"] == "assistant");
  CHECK(second[1]["tool_calls"][0]["id"] == "c1");
  CHECK(second[2]["role"] == "tool");
  CHECK(second[2]["tool_call_id"] == "c1");
  CHECK(second[2]["content"] == "found rust");
  CHECK(second[2]["is_error"] == false);
}

TEST_CASE("agent loop: parallel calls run at once", "[agent]") {
  Fixture f;
  f.model.replies = {asks(json::array({call("a", "fake_meet", json::object()), call("b", "fake_meet", json::object()),
                                       call("c", "fake_meet", json::object())})),
                     says("ok")};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::answered);
  REQUIRE(r.steps.size() == 1);
  for (const auto &c : r.steps[0].calls) CHECK(c.result == "met");
}

TEST_CASE("agent loop: a failing tool goes back as an error result", "[agent]") {
  Fixture f;
  f.model.replies = {asks(json::array({call("x", "fake_broken", json::object())})), says("sorry")};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::answered);
  CHECK(f.model.seen[1][2]["is_error"] == true);
  CHECK(f.model.seen[1][2]["content"] == "disk on fire");
  CHECK(r.steps[0].calls[0].status == "error");
}

TEST_CASE("agent loop: invalid arguments go back once, the second time stops (exit 1)", "[agent]") {
  Fixture f;
  json bad_json = {{"id", "b1"}, {"name", "fake_lookup"}, {"arguments", nullptr}, {"arguments_text", "{\"word\":"}};
  json bad_schema = call("b2", "fake_lookup", {{"word", "x"}, {"mode", "medium"}});
  f.model.replies = {asks(json::array({bad_json})), asks(json::array({bad_schema})), says("never")};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::invalid_arguments);
  CHECK(r.exit_code() == ExitCode::failure);
  CHECK(f.source->calls == 0);
  REQUIRE(f.model.seen.size() == 2);
  CHECK(f.model.seen[1][2]["content"].get<std::string>().find("not valid JSON") != std::string::npos);
  CHECK(r.message.find("mode") != std::string::npos);
}

TEST_CASE("agent loop: an unknown tool or no tools at all is never silent", "[agent]") {
  Fixture f;
  f.model.replies = {asks(json::array({call("u", "format_disk", json::object())}))};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::unknown_tool);
  CHECK(r.exit_code() == ExitCode::failure);
  CHECK(r.message.find("format_disk") != std::string::npos);

  agent::Toolbox none;
  ScriptedModel m;
  m.replies = {asks(json::array({call("u", "read_file", json::object())}))};
  agent::LoopResult r2 = agent::run_loop(kPrompt, none, f.approval, m.fn(), f.settings);
  CHECK(r2.ending == agent::Ending::no_tools);
  CHECK(r2.message.find("read_file") != std::string::npos);
  CHECK(r2.answer.tool_calls.size() == 1);
}

TEST_CASE("agent loop: --max-steps stops a model that keeps calling (exit 3)", "[agent]") {
  Fixture f;
  f.settings.max_steps = 4;
  f.model.replies = {asks(json::array({call("l", "fake_lookup", {{"word", "again"}})}))};
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  CHECK(r.ending == agent::Ending::max_steps);
  CHECK(r.exit_code() == ExitCode::partial);
  CHECK(f.model.seen.size() == 4);
  CHECK(f.source->calls == 3);      // the 4th step's call is not run
  CHECK(r.steps.back().calls[0].status == "not_run");
}

TEST_CASE("agent loop: approval is asked before a call runs", "[agent]") {
  Fixture f;
  SECTION("nobody to ask: refused before it runs, exit 2, naming the tool and --yes") {
    agent::Approval strict({}, false, {});
    f.model.replies = {asks(json::array({call("w", "fake_lookup", {{"word", "w"}})})), says("no")};
    agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, strict, f.model.fn(), f.settings);
    CHECK(r.ending == agent::Ending::refused);
    CHECK(r.exit_code() == ExitCode::usage);
    CHECK(f.source->calls == 0);
    CHECK(r.message.find("fake.lookup") != std::string::npos);
    CHECK(r.message.find("--yes") != std::string::npos);
  }
  SECTION("an allow-list pattern lets it run") {
    agent::Approval listed({"fake.*"}, false, {});
    f.model.replies = {asks(json::array({call("w", "fake_lookup", {{"word", "w"}})})), says("yes")};
    CHECK(agent::run_loop(kPrompt, f.toolbox, listed, f.model.fn(), f.settings).ending == agent::Ending::answered);
    CHECK(f.source->calls == 1);
  }
  SECTION("'no' goes back to the model; 'always' is asked once") {
    int asked = 0;
    agent::Approval no({}, false, [&](const std::string &, const json &) { ++asked; return agent::Answer::no; });
    f.model.replies = {asks(json::array({call("w", "fake_lookup", {{"word", "w"}})})), says("fine")};
    agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, no, f.model.fn(), f.settings);
    CHECK(r.ending == agent::Ending::answered);
    CHECK(f.source->calls == 0);
    CHECK(r.steps[0].calls[0].status == "denied");
    asked = 0;
    agent::Approval always({}, false, [&](const std::string &, const json &) { ++asked; return agent::Answer::always; });
    ScriptedModel m;
    m.replies = {asks(json::array({call("a", "fake_lookup", {{"word", "1"}})})),
                 asks(json::array({call("b", "fake_lookup", {{"word", "2"}})})), says("done")};
    CHECK(agent::run_loop(kPrompt, f.toolbox, always, m.fn(), f.settings).ending == agent::Ending::answered);
    CHECK(asked == 1);
  }
}

TEST_CASE("agent loop: Ctrl-C during a tool ends the loop", "[agent]") {
  Fixture f;
  f.model.replies = {asks(json::array({call("s", "fake_sleep", json::object()), call("t", "fake_sleep", json::object())})),
                     says("never")};
  std::jthread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    cancel::request();
  });
  agent::LoopResult r = agent::run_loop(kPrompt, f.toolbox, f.approval, f.model.fn(), f.settings);
  interrupter.join();
  cancel::reset();
  CHECK(r.ending == agent::Ending::interrupted);
  CHECK(r.exit_code() == ExitCode::interrupted);
  CHECK(f.model.seen.size() == 1);
  CHECK(r.steps[0].calls[0].status == "cancelled");
}

TEST_CASE("agent toolbox: names are namespaced, collisions refused", "[agent]") {
  auto a = std::make_shared<FakeSource>("a_fake");
  agent::Toolbox one({a});
  CHECK(one.find("a_fake_lookup") != nullptr);
  CHECK(one.find("a_fake_lookup")->qualified == "a_fake.lookup");
  auto dotted = std::make_shared<FakeSource>("a.fake");
  CHECK_THROWS_AS(agent::Toolbox({a, dotted}), UsageError); // "a.fake" -> "a_fake_lookup" too
}

TEST_CASE("agent schema subset: type, required, properties, enum, items", "[agent]") {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"n", {{"type", "integer"}}}, {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                   {"kind", {{"enum", {"a", "b"}}}}}},
                 {"required", {"n"}},
                 {"additionalProperties", false}};
  CHECK_FALSE(agent::schema_problem(schema, {{"n", 3}, {"tags", {"x"}}, {"kind", "a"}}));
  CHECK_FALSE(agent::schema_problem(schema, {{"n", 3.0}}));
  CHECK(agent::schema_problem(schema, json::object())->find("missing required 'n'") != std::string::npos);
  CHECK(agent::schema_problem(schema, {{"n", "3"}})->find("expected integer") != std::string::npos);
  CHECK(agent::schema_problem(schema, {{"n", 1}, {"tags", {1}}})->find("tags[0]") != std::string::npos);
  CHECK(agent::schema_problem(schema, {{"n", 1}, {"kind", "c"}})->find("not one of") != std::string::npos);
  CHECK(agent::schema_problem(schema, {{"n", 1}, {"extra", 1}})->find("unexpected") != std::string::npos);
}

TEST_CASE("built-in tools: paths stay under the root", "[agent][builtin]") {
  TempDir dir;
  TempDir outside;
  dir.write("notes.md", "hello");
  outside.write("secret.txt", "s3cret");
  std::filesystem::create_directory_symlink(outside.path, dir.path / "link");
  agent::BuiltinSettings s;
  s.root = dir.path;
  s.enabled = {"read_file", "list_dir", "write_file"};
  s.max_read_bytes = 3;
  agent::BuiltinTools tools(s);
  auto text = [](const agent::ToolOutcome &o) { return o.content[0].value("text", ""); };
  const auto t = std::chrono::milliseconds(1000);

  auto read = tools.call("read_file", {{"path", "notes.md"}}, t);
  CHECK_FALSE(read.is_error);
  CHECK(text(read).rfind("hel\n[truncated", 0) == 0);
  CHECK(tools.call("read_file", {{"path", "link/secret.txt"}}, t).is_error);
  CHECK(tools.call("read_file", {{"path", "../secret.txt"}}, t).is_error);
  CHECK(tools.call("read_file", {{"path", (outside.path / "secret.txt").string()}}, t).is_error);
  CHECK(text(tools.call("list_dir", json::object(), t)) == "link@\nnotes.md\n");

  for (const char *escape : {"../out.txt", "/tmp/webox-agent-escape.txt", "link/planted.txt"}) {
    auto w = tools.call("write_file", {{"path", escape}, {"content", "x"}}, t);
    CHECK(w.is_error);
  }
  CHECK_FALSE(std::filesystem::exists(outside.path / "planted.txt"));
  CHECK_FALSE(std::filesystem::exists("/tmp/webox-agent-escape.txt"));
  auto ok = tools.call("write_file", {{"path", "sub/new.txt"}, {"content", "written"}}, t);
  CHECK_FALSE(ok.is_error);
  std::ifstream in(dir.path / "sub/new.txt");
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(got == "written");
  CHECK_THROWS_AS(agent::BuiltinTools({dir.path, {"rm_rf"}}), UsageError);
}

TEST_CASE("built-in shell: timeout and output cap", "[agent][builtin]") {
  TempDir dir;
  agent::BuiltinSettings s;
  s.root = dir.path;
  s.enabled = {"shell"};
  s.max_shell_output = 100;
  s.shell_timeout = std::chrono::milliseconds(300);
  agent::BuiltinTools tools(s);
  auto text = [](const agent::ToolOutcome &o) { return o.content[0].value("text", ""); };
  auto out = tools.call("shell", {{"command", "pwd; exit 3"}}, std::chrono::seconds(5));
  CHECK(out.is_error);
  CHECK(text(out).rfind("exit status 3\n", 0) == 0);
  auto big = tools.call("shell", {{"command", "head -c 100000 /dev/zero | tr '\\0' a"}}, std::chrono::seconds(5));
  CHECK(text(big).find("truncated") != std::string::npos);
  auto started = std::chrono::steady_clock::now();
  auto slow = tools.call("shell", {{"command", "sleep 10"}}, std::chrono::seconds(5));
  CHECK(slow.is_error);
  CHECK(text(slow).find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}
