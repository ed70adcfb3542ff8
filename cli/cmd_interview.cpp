// `webox interview`: the voice interview trainer.
//
//   webox interview list [--json]
//   webox interview run SCENARIO [--role R] [--turns N] [--answers F...] [-m M]
//                       [--tts-model M] [--stt-model M] [--voice V] [--no-audio]
//                       [--save-audio DIR] [--max-cost USD] [--json]
//   webox interview history [--json] [--limit N]
//   webox interview show ID [--json | --markdown]
//   webox interview progress [--scenario S] [--json]
#include <cstdio>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/error.hpp"
#include "lib/interview/interview_store.hpp"
#include "lib/interview/report.hpp"
#include "lib/interview/scenario.hpp"
#include "lib/interview/session.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;
namespace iv = webox::interview;

struct InterviewOptions {
  std::string scenario, role, model, tts_model, stt_model, voice, save_audio;
  std::vector<std::string> answers;
  int turns = 0;
  std::optional<double> max_cost;
  int64_t id = 0;
  int64_t limit = 20;
  bool json = false, markdown = false, no_audio = false;
};

constexpr const char *kInterviewExamples = R"(
Examples:
  webox interview list
  webox interview run job-technical --role "C++ developer" --turns 5      microphone and speakers
  webox interview run sales-pitch --answers a1.wav a2.wav a3.wav --json     files instead of a microphone
  webox interview run entretien-fr --stt-model openai:whisper-1 -m anthropic:claude-sonnet-4-5
  webox interview history ; webox interview show 3 --markdown > session-3.md
  webox interview progress --scenario sales-pitch
  webox interview run sales-pitch -m openai:gpt-4o-mini --max-cost 0.05   refuse a call past $0.05 (exit 5)

Offline by default: questions from $WEBOX_MODEL or default_model, else the echo
model (which cannot score: its turns are kept without scores), speech by espeak,
transcription by PocketSphinx (English). Scenarios: prompts/interview/*.md and
yours in $XDG_CONFIG_HOME/webox/prompts/interview/. See webox-interview(1).)";

void list_interview_scenarios(const InterviewOptions &o) {
  iv::ScenarioList list = iv::list_scenarios();
  for (const auto &problem : list.problems)
    std::fprintf(stderr, "webox: warning: skipping scenario %s\n", problem.c_str());
  if (o.json) {
    json doc = json::array();
    for (const auto &s : list.scenarios) {
      json rubric = json::array();
      for (const auto &c : s.rubric)
        rubric.push_back({{"name", c.name}, {"weight", c.weight}, {"description", c.description}});
      doc.push_back({{"name", s.name},
                     {"title", s.title},
                     {"role", s.role},
                     {"language", s.language},
                     {"questions", s.questions},
                     {"rubric", rubric},
                     {"follow_up", s.follow_up},
                     {"file", s.file.string()},
                     {"source", s.user ? "user" : "shipped"}});
    }
    out::line(doc.dump());
    return;
  }
  for (const auto &s : list.scenarios) {
    std::string criteria;
    for (const auto &c : s.rubric) criteria += (criteria.empty() ? "" : ", ") + c.name;
    char rest[64];
    std::snprintf(rest, sizeof rest, " %2d questions  ", s.questions);
    // Padded by terminal cells, not bytes: an accented name lines up too.
    if (!out::line(compare::pad_to(s.name, 20) + " " + compare::pad_to(s.language, 4) + rest + s.title + " — " +
                   criteria + (s.user ? " (yours)" : "")))
      return;
  }
}

iv::SessionEvents printing_events(bool as_json) {
  iv::SessionEvents e;
  e.warning = [](const std::string &w) { std::fprintf(stderr, "webox: warning: %s\n", w.c_str()); };
  if (as_json) return e; // the session's JSON document is the only output
  e.started = [](int64_t id) { std::fprintf(stderr, "session %lld\n", static_cast<long long>(id)); };
  e.question = [](int turn, const std::string &q) { out::line("\n[" + std::to_string(turn) + "] " + q); };
  e.listening = [] { std::fputs("(listening… press Enter to stop)\n", stderr); };
  e.turn = [](const iv::TurnRecord &t, const json &) {
    out::line("    you: " + (t.transcript.empty() ? std::string("(silent)") : t.transcript));
    out::line("    " + iv::metrics_line(t.metrics));
    if (t.score) {
      std::string scores;
      for (const auto &[c, v] : t.scores) scores += " " + c + " " + std::to_string(static_cast<int>(v + 0.5));
      char line[64];
      std::snprintf(line, sizeof line, " → %.1f/10", *t.score);
      out::line("    scores:" + scores + line);
    }
    if (!t.feedback.empty()) out::line("    " + t.feedback);
  };
  return e;
}

void run_interview(Context &ctx, const InterviewOptions &o) {
  iv::SessionSettings s;
  s.scenario = iv::find_scenario(o.scenario);
  s.role = o.role;
  s.turns = o.turns;
  s.model = o.model;
  s.tts_model = o.tts_model;
  s.stt_model = o.stt_model;
  s.voice = o.voice;
  s.play = !o.no_audio;
  s.save_audio = o.save_audio;
  s.max_cost = o.max_cost;
  for (const auto &a : o.answers) s.answers.emplace_back(a);

  iv::InterviewSession session(ctx.config(), ctx.plugins(), ctx.db(), std::move(s));
  json turns_json = json::array();
  iv::SessionEvents events = printing_events(o.json);
  if (o.json)
    events.turn = [&](const iv::TurnRecord &t, const json &timings) {
      json j = iv::turn_json(t);
      j["timings_ms"] = timings;
      turns_json.push_back(j);
    };
  iv::SessionRecord r = session.run(events);
  if (o.json) {
    json doc = iv::session_json(r);
    doc["turns"] = turns_json;
    out::line(doc.dump());
    return;
  }
  if (r.summary.is_object()) {
    out::line("\nstrengths:  " + r.summary.value("strengths", ""));
    out::line("to improve: " + r.summary.value("improvements", ""));
    out::line(r.summary.value("summary", ""));
  }
  char line[128];
  if (r.overall_score)
    std::snprintf(line, sizeof line, "\nsession %lld: %.1f/10", static_cast<long long>(r.id), *r.overall_score);
  else std::snprintf(line, sizeof line, "\nsession %lld: no scores", static_cast<long long>(r.id));
  out::line(line);
}

void interview_history(Context &ctx, const InterviewOptions &o) {
  std::vector<iv::SessionRecord> sessions;
  if (ctx.has_database()) sessions = iv::list_sessions(ctx.db(), static_cast<size_t>(o.limit));
  if (o.json) {
    json doc = json::array();
    for (auto &s : sessions) {
      json j = iv::session_json(s);
      j.erase("turns");
      doc.push_back(j);
    }
    out::line(doc.dump());
    return;
  }
  if (sessions.empty()) std::fputs("no interview sessions yet; start one with: webox interview run SCENARIO\n", stderr);
  for (const auto &s : sessions)
    if (!out::line(iv::history_line(s))) return;
}

void interview_show(Context &ctx, const InterviewOptions &o) {
  if (o.json && o.markdown) throw UsageError("give --json or --markdown, not both");
  std::optional<iv::SessionRecord> s;
  if (ctx.has_database()) s = iv::load_session(ctx.db(), o.id);
  if (!s) throw UsageError("no interview session " + std::to_string(o.id) + " (see 'webox interview history')");
  if (o.json) out::line(iv::session_json(*s).dump());
  else out::write(o.markdown ? iv::session_markdown(*s) : iv::session_text(*s));
}

void interview_progress(Context &ctx, const InterviewOptions &o) {
  std::vector<iv::ProgressPoint> points;
  if (ctx.has_database()) points = iv::load_progress(ctx.db(), o.scenario);
  if (o.json) {
    out::line(iv::progress_json(points).dump());
    return;
  }
  if (points.empty()) {
    std::fputs("no scored sessions yet\n", stderr);
    return;
  }
  out::write(iv::progress_table(points));
}

void add_run(CLI::App *cmd, Context &ctx, const std::shared_ptr<InterviewOptions> &o) {
  CLI::App *run = cmd->add_subcommand("run", "Run a spoken interview session");
  run->add_option("scenario", o->scenario, "The scenario (webox interview list)")->required();
  run->add_option("--role", o->role, "The role interviewed for (default: the scenario's)")->type_name("TEXT");
  run->add_option("--turns", o->turns, "Questions to ask (default: the scenario's)")
      ->type_name("N")
      ->check(checks::whole_number(1, iv::kMaxQuestions));
  run->add_option("--answers", o->answers, "Answer WAV files, one per turn, instead of the microphone")
      ->type_name("FILE...");
  run->add_option("-m,--model", o->model,
                  "The interviewer and evaluator (default: $WEBOX_MODEL, default_model, else echo)")
      ->type_name("MODEL");
  run->add_option("--tts-model", o->tts_model, "Speech (default: $WEBOX_TTS_MODEL, media.tts_model, else espeak)")
      ->type_name("MODEL");
  run->add_option("--stt-model", o->stt_model,
                  "Transcription (default: $WEBOX_STT_MODEL, media.stt_model, else pocketsphinx)")
      ->type_name("MODEL");
  run->add_option("--voice", o->voice, "TTS voice (default: the scenario's for espeak, else the provider's)")
      ->type_name("VOICE");
  run->add_option("--max-cost", o->max_cost, "Refuse (exit 5) a model call that could take the session past this (USD)")
      ->type_name("USD")
      ->check(checks::amount());
  run->add_flag("--no-audio", o->no_audio, "Do not play the questions on the speakers");
  run->add_option("--save-audio", o->save_audio, "Write questions and answers as WAV files in DIR")->type_name("DIR");
  run->add_flag("--json", o->json, "Print one JSON document for the session at the end");
  run->callback([&ctx, o] { ctx.command = [&ctx, o] { run_interview(ctx, *o); }; });
}

void setup_interview(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<InterviewOptions>();
  cmd->require_subcommand(1);
  cmd->footer(kInterviewExamples);
  CLI::App *list = cmd->add_subcommand("list", "The scenarios");
  list->add_flag("--json", o->json, "As JSON");
  list->callback([&ctx, o] { ctx.command = [o] { list_interview_scenarios(*o); }; });
  add_run(cmd, ctx, o);
  CLI::App *history = cmd->add_subcommand("history", "Past sessions, newest first");
  history->add_flag("--json", o->json, "As JSON");
  history->add_option("--limit", o->limit, "At most N sessions (default 20)")
      ->type_name("N")
      ->check(checks::whole_number(1));
  history->callback([&ctx, o] { ctx.command = [&ctx, o] { interview_history(ctx, *o); }; });
  CLI::App *show = cmd->add_subcommand("show", "One session: transcript, scores, feedback, metrics");
  show->add_option("id", o->id, "The session id")->required()->check(checks::whole_number(1));
  show->add_flag("--json", o->json, "As JSON");
  show->add_flag("--markdown", o->markdown, "As Markdown (the export)");
  show->callback([&ctx, o] { ctx.command = [&ctx, o] { interview_show(ctx, *o); }; });
  CLI::App *progress = cmd->add_subcommand("progress", "Scores per criterion over sessions");
  progress->add_option("--scenario", o->scenario, "Only this scenario")->type_name("NAME");
  progress->add_flag("--json", o->json, "As JSON");
  progress->callback([&ctx, o] { ctx.command = [&ctx, o] { interview_progress(ctx, *o); }; });
}

} // namespace

WEBOX_COMMAND(28, "interview", "Voice interview trainer: spoken questions, scored answers, progress", setup_interview);

} // namespace webox::cli
