#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <random>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/interview/audio.hpp"
#include "lib/interview/interview_store.hpp"
#include "lib/interview/metrics.hpp"
#include "lib/interview/prompts.hpp"
#include "lib/interview/report.hpp"
#include "lib/interview/scenario.hpp"
#include "plugins/common/shared/wav.hpp"
#include "tests/unit/temp_dir.hpp"

// Inside the namespace, not `using namespace` (unity batches: other tests' names).
namespace webox::interview {
namespace {

constexpr const char *kGoodScenario = R"(---
name: demo
title: Demo
role: tester
language: en
questions: 3
rubric:
  - name: clarity
    weight: 2
    description: Clear
  - name: depth
    weight: 1
    description: Deep
follow_up:
  - Ask for an example.
---
You interview a {{role}}.
)";

// Synthetic audio at 16 kHz: a 440 Hz tone at `dbfs`, silence, or white noise at `dbfs`.
void add_tone(Pcm &pcm, double seconds, double dbfs) {
  const double amplitude = std::pow(10.0, dbfs / 20.0) * std::sqrt(2.0); // RMS of a sine is A/√2
  const size_t n = static_cast<size_t>(seconds * kSampleRate);
  for (size_t i = 0; i < n; ++i)
    pcm.samples.push_back(
        static_cast<float>(amplitude * std::sin(2 * M_PI * 440.0 * static_cast<double>(i) / kSampleRate)));
}
void add_silence(Pcm &pcm, double seconds) {
  pcm.samples.insert(pcm.samples.end(), static_cast<size_t>(seconds * kSampleRate), 0.0f);
}
void add_noise(Pcm &pcm, double seconds, double dbfs) {
  std::mt19937 rng(42);
  const double sigma = std::pow(10.0, dbfs / 20.0);
  std::normal_distribution<double> d(0, sigma);
  const size_t n = static_cast<size_t>(seconds * kSampleRate);
  for (size_t i = 0; i < n; ++i) pcm.samples.push_back(static_cast<float>(d(rng)));
}

EndOfTurn::State run_detector(const Pcm &pcm, double *ended_at = nullptr) {
  EndOfTurn e;
  for (size_t at = 0; at + kFrameSamples <= pcm.samples.size(); at += kFrameSamples) {
    e.feed(pcm.samples.data() + at, kFrameSamples);
    if (e.done()) {
      if (ended_at) *ended_at = static_cast<double>(at + kFrameSamples) / kSampleRate;
      break;
    }
  }
  return e.state();
}

} // namespace

TEST_CASE("a scenario file: fields, rubric, follow-up rules", "[interview][scenario]") {
  TempDir dir;
  Scenario s = parse_scenario(dir.write("demo.md", kGoodScenario));
  CHECK(s.name == "demo");
  CHECK(s.questions == 3);
  REQUIRE(s.rubric.size() == 2);
  CHECK(s.rubric[0].name == "clarity");
  CHECK(s.rubric[0].weight == 2);
  CHECK(s.follow_up == std::vector<std::string>{"Ask for an example."});
  CHECK(s.instructions == "You interview a {{role}}.");
}

TEST_CASE("a broken rubric is named by file and line, exit 2", "[interview][scenario]") {
  TempDir dir;
  auto broken = [&](const std::string &from, const std::string &to) {
    std::string text = kGoodScenario;
    text.replace(text.find(from), from.size(), to);
    return dir.write("broken.md", text);
  };
  auto expect = [](const std::filesystem::path &f, const std::string &what) {
    try {
      parse_scenario(f);
      FAIL("no error for " << what);
    } catch (const UsageError &e) {
      CHECK_THAT(e.what(), Catch::Contains(what));
    }
  };
  expect(broken("weight: 2", "weight: heavy"), "broken.md:9: 'weight' must be a number");
  expect(broken("weight: 1", "weight: 0"), "broken.md:12: 'weight' must be above 0");
  expect(broken("    description: Deep\n", ""), "broken.md:11: criterion 'depth' has no 'description'");
  expect(broken("  - name: depth", "  - name: clarity"), "broken.md:11: criterion 'clarity' is given twice");
  expect(broken("    weight: 2", "    wieght: 2"), "broken.md:9: unknown criterion field 'wieght'");
  expect(broken("questions: 3", "questions: 0"), "broken.md:6: 'questions' must be a whole number");
  expect(broken("rubric:\n", "rubrics:\n"), "unknown field 'rubrics'");
  expect(dir.write("none.md", "---\nname: x\n---\nbody\n"), "none.md:1: the scenario has no 'rubric'");
}

TEST_CASE("user scenarios override shipped ones by name; a broken one is its own error", "[interview][scenario]") {
  TempDir home;
  home.write("shared/prompts/interview/demo.md", kGoodScenario);
  home.write("shared/prompts/interview/other.md",
             std::string(kGoodScenario).replace(std::string(kGoodScenario).find("demo"), 4, "other"));
  std::string mine = kGoodScenario;
  mine.replace(mine.find("title: Demo"), 11, "title: Mine");
  home.write("config/webox/prompts/interview/demo.md", mine);
  home.write("config/webox/prompts/interview/bad.md", "---\nname: bad\nrubric: 3\n---\nx\n");
  setenv("WEBOX_DATA_DIR", (home.path / "shared").c_str(), 1);
  setenv("XDG_CONFIG_HOME", (home.path / "config").c_str(), 1);
  ScenarioList list = list_scenarios();
  CHECK(list.scenarios.size() == 2);
  CHECK(find_scenario("demo").title == "Mine");
  CHECK(find_scenario("demo").user);
  CHECK(list.problems.size() == 1);
  CHECK_THROWS_WITH(find_scenario("bad"), Catch::Contains("bad.md:3: 'rubric' must be a list"));
  CHECK_THROWS_WITH(find_scenario("nobody"), Catch::Contains("available: demo, other"));
  unsetenv("WEBOX_DATA_DIR");
  unsetenv("XDG_CONFIG_HOME");
}

TEST_CASE("the shipped scenarios load", "[interview][scenario]") {
  const std::filesystem::path dir = std::filesystem::path(WEBOX_TEST_DATA_DIR) / "prompts" / "interview";
  int n = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    Scenario s = parse_scenario(e.path());
    CHECK(!s.rubric.empty());
    ++n;
  }
  CHECK(n >= 5);
}

TEST_CASE("WAV answers: any PCM rate, width and channel count becomes 16 kHz mono", "[interview][audio]") {
  // 44.1 kHz stereo 24-bit, one second of a tone in both channels.
  std::string data;
  for (int i = 0; i < 44100; ++i) {
    const auto v = static_cast<int32_t>(0.5 * 8388607 * std::sin(2 * M_PI * 440.0 * i / 44100.0));
    for (int c = 0; c < 2; ++c)
      for (int b = 0; b < 3; ++b) data += static_cast<char>((v >> (8 * b)) & 0xFF);
  }
  Pcm pcm = decode_wav(media::wav_header(44100, 2, 24, static_cast<uint32_t>(data.size())) + data, "a.wav");
  CHECK(std::abs(pcm.seconds() - 1.0) < 0.01);
  CHECK(frame_dbfs(pcm.samples.data(), pcm.samples.size()) == Approx(-9.03).margin(0.2));
  // Round trip through the 16-bit writer.
  Pcm again = decode_wav(encode_wav(pcm), "b.wav");
  CHECK(again.samples.size() == pcm.samples.size());

  CHECK_THROWS_WITH(decode_wav("ID3 not a wav", "x.mp3"),
                    Catch::Contains("x.mp3: not a WAV file") && Catch::Contains("ffmpeg"));
  std::string adpcm = media::wav_header(8000, 1, 4, 4) + "abcd";
  adpcm[20] = 2; // format tag 2: MS ADPCM
  CHECK_THROWS_AS(decode_wav(adpcm, "adpcm.wav"), UsageError);
}

TEST_CASE("end of turn: 1.5 s of silence after speech, not before", "[interview][audio]") {
  Pcm speech_then_silence;
  add_tone(speech_then_silence, 2.0, -20);
  add_silence(speech_then_silence, 3.0);
  double ended = 0;
  CHECK(run_detector(speech_then_silence, &ended) == EndOfTurn::State::done_silence);
  CHECK(ended == Approx(3.5).margin(0.05));

  Pcm pause_inside; // a 1 s pause does not end the answer
  add_tone(pause_inside, 1.0, -20);
  add_silence(pause_inside, 1.0);
  add_tone(pause_inside, 1.0, -20);
  add_silence(pause_inside, 2.0);
  CHECK(run_detector(pause_inside, &ended) == EndOfTurn::State::done_silence);
  CHECK(ended == Approx(4.5).margin(0.05));

  Pcm only_silence;
  add_silence(only_silence, 12.0);
  CHECK(run_detector(only_silence, &ended) == EndOfTurn::State::done_no_speech);
  CHECK(ended == Approx(10.0).margin(0.05));

  Pcm quiet_noise; // a quiet room (-60 dBFS) is not speech
  add_noise(quiet_noise, 12.0, -60);
  CHECK(run_detector(quiet_noise) == EndOfTurn::State::done_no_speech);

  Pcm loud_noise; // loud noise is, and runs into the length limit
  add_noise(loud_noise, 121.0, -25);
  CHECK(run_detector(loud_noise, &ended) == EndOfTurn::State::done_max);
  CHECK(ended == Approx(120.0).margin(0.05));
}

TEST_CASE("metrics on audio with known pauses", "[interview][metrics]") {
  Pcm pcm;
  add_silence(pcm, 0.5);
  add_tone(pcm, 3.0, -20);
  add_silence(pcm, 2.5); // a long pause
  add_tone(pcm, 2.0, -20);
  add_silence(pcm, 1.0); // a short one
  add_tone(pcm, 1.0, -20);
  add_silence(pcm, 3.2); // a longer one
  add_tone(pcm, 1.0, -20);
  add_silence(pcm, 0.8); // trailing silence is not a pause
  nlohmann::json stt = {{"text", "um so I think uh you know the answer is like forty two"}};
  Metrics m = measure_answer(pcm, stt, {"um", "uh", "like", "you know"});
  CHECK(m.answer_seconds == Approx(15.0).margin(0.01));
  CHECK(m.talk_seconds == Approx(7.0).margin(0.05));
  CHECK(m.silence_seconds == Approx(8.0).margin(0.05));
  CHECK(m.long_pauses == 2);
  CHECK(m.longest_pause == Approx(3.2).margin(0.05));
  CHECK(m.words == 13);
  CHECK(m.rate_from == "talk time");
  CHECK(m.words_per_minute == Approx(13 * 60.0 / 7.0).epsilon(0.01));
  CHECK(m.fillers == 4);
  CHECK(m.filler_counts.at("you know") == 1);
  CHECK(m.fillers_per_minute == Approx(4 * 60.0 / 7.0).epsilon(0.01));

  // With word timings the rate is over the words' span less the long pauses.
  stt["words"] = {{{"start", 0.5}, {"end", 1.0}, {"word", "um"}}, {{"start", 13.5}, {"end", 14.2}, {"word", "two"}}};
  Metrics timed = measure_answer(pcm, stt, {});
  CHECK(timed.rate_from == "word timings");
  CHECK(timed.words_per_minute == Approx(13 * 60.0 / (13.7 - 2.5 - 3.2)).epsilon(0.01));
}

TEST_CASE("fillers are whole words and phrases, in any case", "[interview][metrics]") {
  auto counts = count_fillers("Euh, du coup... EN FAIT je pense, euh, que le genre humain",
                              {"euh", "du coup", "en fait", "genre", "bref"});
  CHECK(counts.at("euh") == 2);
  CHECK(counts.at("du coup") == 1);
  CHECK(counts.at("en fait") == 1);
  CHECK(counts.at("genre") == 1);
  CHECK(counts.count("bref") == 0);
  CHECK(count_fillers("unlike likely", {"like"}).empty());
}

TEST_CASE("the evaluation answer: criteria in range, repaired otherwise", "[interview][prompts]") {
  TempDir dir;
  Scenario s = parse_scenario(dir.write("demo.md", kGoodScenario));
  Evaluation e = parse_evaluation("Here: ```json\n{\"clarity\": 8, \"depth\": 5, \"feedback\": \"Good.\"}\n```", s);
  CHECK(e.scores.at("clarity") == 8);
  CHECK(e.score == Approx((8 * 2 + 5) / 3.0));
  CHECK_THROWS_WITH(parse_evaluation("no json here", s), Catch::Contains("no JSON"));
  CHECK_THROWS_WITH(parse_evaluation(R"({"clarity": 8, "feedback": "x"})", s), Catch::Contains("\"depth\" is missing"));
  CHECK_THROWS_WITH(parse_evaluation(R"({"clarity": 80, "depth": 1, "feedback": "x"})", s),
                    Catch::Contains("from 0 to 10"));
  auto m = evaluation_messages(s, "tester", "Why?", "Because.");
  CHECK_THAT(
      m[1]["content"].get<std::string>(),
      Catch::Contains(R"(JSON object with the fields: "clarity" (number), "depth" (number), "feedback" (string))"));
}

TEST_CASE("question messages carry the conversation and the follow-up rules", "[interview][prompts]") {
  TempDir dir;
  Scenario s = parse_scenario(dir.write("demo.md", kGoodScenario));
  TurnRecord t;
  t.turn = 1;
  t.question = "Q1?";
  t.transcript = "A1";
  auto m = question_messages(s, "tester", 2, 3, {t});
  REQUIRE(m.size() == 4);
  CHECK_THAT(m[0]["content"].get<std::string>(),
             Catch::Contains("You interview a tester.") && Catch::Contains("- Ask for an example."));
  CHECK(m[2]["content"] == "Q1?");
  CHECK_THAT(m[3]["content"].get<std::string>(), Catch::StartsWith("A1") && Catch::Contains("question 2 of 3"));
}

TEST_CASE("sessions, turns and scores in the store; progress per criterion", "[interview][store]") {
  TempDir dir;
  store::Db db(dir.path / "w.db");
  for (int k = 0; k < 3; ++k) {
    SessionRecord s;
    s.scenario = k == 2 ? "other" : "demo";
    s.title = "Demo";
    s.role = "tester";
    s.language = "en";
    s.model = "echo:echo";
    s.tts_model = "espeak:default";
    s.stt_model = "pocketsphinx:en-us";
    s.started_at = "2026-12-0" + std::to_string(k + 1) + "T10:00:00.000Z";
    int64_t id = create_session(db, s);
    TurnRecord t;
    t.turn = 1;
    t.question = "Q";
    t.transcript = "A";
    t.scores = {{"clarity", 4.0 + k}, {"depth", 6}};
    t.weights = {{"clarity", 2}, {"depth", 1}};
    t.score = 5;
    add_turn(db, id, t);
    TurnRecord unscored = t;
    unscored.turn = 2;
    unscored.scores.clear();
    unscored.score.reset();
    unscored.note = "no scores";
    add_turn(db, id, unscored);
    finish_session(db, id, "completed", {{"summary", "ok"}}, 5.0);
  }
  auto sessions = list_sessions(db, 10);
  REQUIRE(sessions.size() == 3);
  CHECK(sessions[0].scenario == "other"); // newest first
  CHECK(sessions[0].turn_count == 2);
  auto one = load_session(db, sessions[2].id);
  REQUIRE(one);
  REQUIRE(one->turns.size() == 2);
  CHECK(one->turns[0].scores.at("clarity") == 4);
  CHECK(one->turns[1].note == "no scores");
  CHECK(one->summary["summary"] == "ok");
  CHECK(!load_session(db, 999));
  auto progress = load_progress(db, "demo");
  REQUIRE(progress.size() == 2);
  CHECK(progress[0].criteria.at("clarity") == 4);
  CHECK(progress[1].criteria.at("clarity") == 5);
  CHECK(load_progress(db, "").size() == 3);
  std::string table = progress_table(progress);
  CHECK_THAT(table, Catch::Contains("clarity") && Catch::Contains("4.0") && Catch::Contains("5.0"));
  CHECK_THAT(session_markdown(*one), Catch::Contains("## Question 1") && Catch::Contains("| clarity | 4 |"));
}

TEST_CASE("sparkline", "[interview][report]") {
  CHECK(sparkline({0, 5, 10}) == "▁▅█");
  CHECK(sparkline({0, NAN, 10}) == "▁ █");
}

} // namespace webox::interview
