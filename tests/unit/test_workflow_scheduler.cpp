// The workflow scheduler driven by a fake task executor: no provider, no
// plugin, no network. Each case names the phase it exercises (scheduler.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "lib/chat/prices.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/store/db.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/plan.hpp"
#include "lib/workflow/scheduler.hpp"
#include "tests/unit/temp_dir.hpp"

namespace {

using nlohmann::json;
namespace wf = webox::workflow;

// A fake model: answers "<step>: <prompt>" at once, or as `behave` says;
// records the order calls start and end in, and how many ran at once.
struct FakeModel {
  std::function<wf::TaskResult(const wf::Task &, wf::TaskResult)> behave; // may change the answer
  std::mutex mutex;
  std::vector<std::string> events; // "start:<step>", "end:<step>"
  std::atomic<int> running{0}, most_at_once{0}, calls{0};

  wf::TaskResult operator()(const wf::Task &t, const wf::Workflow &w) {
    const std::string id = w.steps[t.step].id;
    note("start:" + id);
    int now = ++running;
    for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {}
    ++calls;
    wf::TaskResult r;
    r.model = "fake:m";
    r.text = id + ": " + t.prompt;
    r.input_tokens = 1;
    r.output_tokens = 1;
    if (behave) r = behave(t, std::move(r));
    --running;
    note("end:" + id);
    return r;
  }
  void note(const std::string &e) {
    std::lock_guard lock(mutex);
    events.push_back(e);
  }
  size_t at(const std::string &e) {
    std::lock_guard lock(mutex);
    return static_cast<size_t>(std::find(events.begin(), events.end(), e) - events.begin());
  }
};

// A workflow, parsed and planned, run by the scheduler against FakeModel.
struct Harness {
  wf::Workflow workflow;
  wf::Plan plan;
  std::map<size_t, wf::LibraryPrompt> library;
  json inputs = json::object();
  webox::Config config;
  wf::RunSettings settings;
  // Output tokens cost $1000 a million: max_tokens 1000 is a worst case of $1.
  webox::chat::PriceTable prices{"/nonexistent/prices.json", {{"fake:*", {0.0, 1000.0}}}};
  std::vector<webox::chat::ChainLink> links{{webox::chat::ModelRef{"fake", "m"}, {}}};
  FakeModel model;
  std::vector<std::string> statuses_seen; // "<step>=<status>" at every change
  std::map<size_t, std::shared_ptr<const wf::StepTools>> tools;
  std::vector<std::string> queries; // what retrieve: steps asked

  explicit Harness(const std::string &yaml)
      : workflow(wf::parse_workflow(yaml, "wf.yaml")), plan(wf::make_plan(workflow)) {}

  wf::RunReport run(int jobs = 4, webox::store::Db *db = nullptr) {
    wf::SchedulerSetup setup{
        workflow,
        plan,
        library,
        inputs,
        config,
        db,
        settings,
        jobs,
        prices,
        [this](const std::string &) -> const std::vector<webox::chat::ChainLink> & { return links; },
        [this](const wf::Task &t) { return model(t, workflow); },
        tools,
        [this](const wf::Step &s, const std::string &query) {
          queries.push_back(s.retrieve.collection + ": " + query);
          json chunks = json::array({{{"n", 1}, {"path", "a.md"}, {"start_line", 3}, {"end_line", 4}, {"score", 1.5}, {"text", "alpha"}}});
          return wf::Retrieved{chunks, "[1] a.md:3-4\nalpha\n\n"};
        }};
    return wf::run_scheduled(setup, [this](const wf::RunReport &r, size_t i) {
      statuses_seen.push_back(r.steps[i].id + "=" + r.steps[i].status);
    });
  }
};

const wf::StepReport &step(const wf::RunReport &r, const std::string &id) {
  for (const auto &s : r.steps)
    if (s.id == id) return s;
  FAIL("no step " << id);
  throw std::logic_error("unreachable");
}

struct CancelReset {
  ~CancelReset() { webox::cancel::reset(); }
};

} // namespace

TEST_CASE("scheduler: a step starts after its needs, with their output", "[workflow][scheduler]") {
  Harness h(R"(defaults: {model: fake:m}
steps:
  - id: b
    prompt: "use {{steps.a.output}}"
  - id: a
    prompt: first
  - id: c
    needs: [b]
    prompt: last
)");
  wf::RunReport r = h.run();
  CHECK(r.status == "ok");
  CHECK(h.model.at("end:a") < h.model.at("start:b"));
  CHECK(h.model.at("end:b") < h.model.at("start:c"));
  CHECK(step(r, "b").output == "b: use a: first");
  CHECK(step(r, "c").status == "ok");
  // ready -> running -> recorded, in that order, for every step
  CHECK(h.statuses_seen == std::vector<std::string>{"a=running", "a=ok", "b=running", "b=ok", "c=running", "c=ok"});
}

TEST_CASE("scheduler: no more calls at once than jobs", "[workflow][scheduler]") {
  Harness h(R"(defaults: {model: fake:m}
steps:
  - id: many
    foreach: [1, 2, 3, 4, 5, 6, 7, 8]
    prompt: "n{{item}}"
  - id: other
    prompt: x
)");
  h.model.behave = [](const wf::Task &, wf::TaskResult r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return r;
  };
  const int jobs = GENERATE(1, 2, 3);
  wf::RunReport r = h.run(jobs);
  CHECK(r.status == "ok");
  CHECK(h.model.calls == 9);
  CHECK(h.model.most_at_once <= jobs);
  CHECK(step(r, "many").items_done == 8);
  CHECK(step(r, "many").output == "many: n1\n\nmany: n2\n\nmany: n3\n\nmany: n4\n\nmany: n5\n\nmany: n6\n\nmany: n7\n\n"
                                  "many: n8");
}

TEST_CASE("scheduler: a step over --max-cost is refused before any call", "[workflow][scheduler]") {
  Harness h(R"(defaults: {model: fake:m, options: {max_tokens: 1000}}
steps:
  - id: a
    prompt: first
  - id: b
    prompt: "after {{steps.a.output}}"
  - id: c
    needs: [b]
    prompt: never
)");
  h.model.behave = [](const wf::Task &, wf::TaskResult r) {
    r.cost = 1.0; // what a's call really cost
    return r;
  };
  h.settings.max_cost = 1.5; // a's worst case ($1) fits; b's, after a's $1, does not
  wf::RunReport r = h.run();
  CHECK(h.model.calls == 1);
  CHECK(r.over_budget);
  CHECK(r.status == "failed");
  CHECK(step(r, "a").status == "ok");
  CHECK(step(r, "b").status == "failed");
  CHECK_THAT(step(r, "b").error, Catch::Contains("--max-cost"));
  CHECK(step(r, "c").error == "needs step 'b', which failed");
}

TEST_CASE("scheduler: a failure fails its dependants and stops new steps", "[workflow][scheduler]") {
  Harness h(R"(defaults: {model: fake:m}
steps:
  - id: a
    prompt: breaks
  - id: b
    needs: [a]
    prompt: x
  - id: slow
    prompt: y
  - id: after_slow
    needs: [slow]
    prompt: z
)");
  std::atomic<bool> a_done{false};
  h.model.behave = [&](const wf::Task &t, wf::TaskResult r) {
    if (t.step == 0) {
      r.status = "failed";
      r.error = "boom";
      a_done = true;
    } else if (t.step == 2) {
      while (!a_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return r;
  };
  SECTION("without --keep-going") {
    wf::RunReport r = h.run();
    CHECK(r.status == "failed");
    CHECK(step(r, "a").error == "boom");
    CHECK(step(r, "b").status == "failed");
    CHECK(step(r, "b").error == "needs step 'a', which failed");
    CHECK(step(r, "slow").status == "ok"); // already running: it finishes
    CHECK(step(r, "after_slow").status == "skipped");
    CHECK(step(r, "after_slow").error == "not run: step 'a' failed (use --keep-going to run independent steps)");
  }
  SECTION("with --keep-going") {
    h.settings.keep_going = true;
    wf::RunReport r = h.run();
    CHECK(r.status == "failed");
    CHECK(step(r, "b").status == "failed");
    CHECK(step(r, "after_slow").status == "ok");
  }
}

TEST_CASE("scheduler: a failed item names its number", "[workflow][scheduler]") {
  Harness h(R"(defaults: {model: fake:m}
steps:
  - id: each
    foreach: [x, y, z]
    prompt: "{{item}}"
)");
  h.model.behave = [](const wf::Task &t, wf::TaskResult r) {
    if (t.item == 1) {
      r.status = "failed";
      r.error = "bad item";
    }
    return r;
  };
  wf::RunReport r = h.run();
  CHECK(step(r, "each").status == "failed");
  CHECK(step(r, "each").error == "item 2: bad item");
}

TEST_CASE("scheduler: a cached answer is used without a call", "[workflow][scheduler]") {
  TempDir dir;
  webox::store::Db db(dir.path / "webox.db");
  const std::string yaml = R"(defaults: {model: fake:m}
steps:
  - id: a
    prompt: same question
  - id: b
    prompt: "{{steps.a.output}} again"
)";
  Harness first(yaml);
  wf::RunReport r1 = first.run(4, &db);
  REQUIRE(r1.status == "ok");
  CHECK(first.model.calls == 2);
  CHECK_FALSE(step(r1, "a").cached);

  Harness second(yaml);
  wf::RunReport r2 = second.run(4, &db);
  CHECK(r2.status == "ok");
  CHECK(second.model.calls == 0);
  CHECK(step(r2, "a").cached);
  CHECK(step(r2, "b").cached);
  CHECK(step(r2, "b").output == step(r1, "b").output);

  Harness no_cache(yaml);
  no_cache.settings.use_cache = false;
  no_cache.run(4, &db);
  CHECK(no_cache.model.calls == 2);
}

TEST_CASE("scheduler: Ctrl-C cancels, skips what has not started, and throws Interrupted", "[workflow][scheduler]") {
  CancelReset reset;
  Harness h(R"(defaults: {model: fake:m}
steps:
  - id: a
    prompt: interrupted
  - id: b
    needs: [a]
    prompt: never
  - id: c
    needs: [a]
    prompt: never
)");
  h.model.behave = [](const wf::Task &, wf::TaskResult r) {
    webox::cancel::request();
    r.status = "cancelled";
    r.error = "cancelled";
    return r;
  };
  CHECK_THROWS_AS(h.run(), webox::Interrupted);
  CHECK(h.model.calls == 1);
  CHECK(h.statuses_seen == std::vector<std::string>{"a=running", "a=cancelled", "b=skipped", "c=skipped"});
}

TEST_CASE("scheduler: a retrieve step gives its chunks and numbered text to the steps after it", "[workflow][scheduler]") {
  Harness h(R"(inputs:
  q: {default: "le train"}
steps:
  - id: find
    retrieve: {collection: notes, query: "quand part {{inputs.q}}", k: 3}
  - id: ask
    model: fake:m
    prompt: "{{steps.find.text}}{{#steps.find.chunks}}<{{path}}:{{start_line}}>{{/steps.find.chunks}}"
)");
  h.inputs = {{"q", "le train"}};
  wf::RunReport r = h.run();
  CHECK(h.queries == std::vector<std::string>{"notes: quand part le train"});
  CHECK(step(r, "find").status == "ok");
  CHECK(step(r, "find").output == "[1] a.md:3-4\nalpha\n\n");
  REQUIRE(step(r, "find").chunks.size() == 1);
  CHECK(step(r, "find").chunks[0]["path"] == "a.md");
  CHECK(step(r, "find").model.empty());
  CHECK(step(r, "ask").output.find("[1] a.md:3-4\nalpha\n\n<a.md:3>") != std::string::npos);
  CHECK(r.to_json()["steps"][0]["chunks"][0]["text"] == "alpha");
}
