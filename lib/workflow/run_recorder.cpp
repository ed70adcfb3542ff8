#include "lib/workflow/run_recorder.hpp"

#include <spdlog/spdlog.h>

#include "lib/chat/call_log.hpp"
#include "lib/core/error.hpp"
#include "lib/media/gallery.hpp"
#include "lib/store/agent_log.hpp"
#include "lib/workflow/json_answer.hpp"

namespace webox::workflow {

RunRecorder::RunRecorder(store::Db *db, bool log, bool use_cache) : m_db(db) {
  if (db && log) {
    m_runs.emplace(*db);
    m_calls.emplace(*db);
  }
  if (db && use_cache) m_cache.emplace(*db);
}

void RunRecorder::start_run(const RunReport &report, const Workflow &wf, const nlohmann::json &inputs) {
  if (m_runs) m_runs->start_run(report.run_id, wf.name, wf.file.string(), inputs);
}

void RunRecorder::begin_round(std::optional<store::WriteTransaction> &round) {
  if (m_db && (m_calls || m_cache)) round.emplace(*m_db);
}

std::optional<TaskResult> RunRecorder::cached(Task &t, const Step &s) {
  if (!m_cache || !s.cache || s.acts()) return std::nullopt;
  const chat::ModelRef &m = t.links.front().model;
  t.cache_key = cache_key(m.provider, m.model, t.messages, t.options);
  auto hit = m_cache->cached(t.cache_key);
  if (!hit) return std::nullopt;
  TaskResult r;
  r.cached = true;
  r.model = m.text();
  r.text = hit->answer;
  r.input_tokens = hit->input_tokens;
  r.output_tokens = hit->output_tokens;
  if (s.json_format) r.json = parse_json_answer(r.text, s.schema); // it was valid when stored
  return r;
}

void RunRecorder::record_result(const Task &t, TaskResult &r, const std::string &run_id) {
  if (m_calls && !r.cached) {
    std::vector<int64_t> ids;
    for (const auto &c : r.calls) ids.push_back(chat::log_chain(*m_calls, c, {t.prompt, t.system, t.options, "", run_id}));
    record_agent_steps(r, ids);
  }
  if (m_cache && r.status == "ok" && !r.cached && !t.cache_key.empty())
    m_cache->remember(t.cache_key, t.links.front().model.provider, t.links.front().model.model,
                      {r.text, r.input_tokens, r.output_tokens});
  if (m_db)
    for (auto &m : r.media) {
      try {
        media::Gallery(*m_db).add(m);
      } catch (const Error &e) {
        spdlog::warn("{} was written but not recorded in the gallery: {}", m.file_path, e.what());
      }
    }
  r.calls.clear();
}

// The steps of a task's agent loop, as chat stores them (migration 13), each
// tied to its logged model call; the steps of one task share a turn id.
void RunRecorder::record_agent_steps(const TaskResult &r, const std::vector<int64_t> &call_ids) {
  if (r.agent_steps.empty()) return;
  const std::string turn_id = store::Calls::new_conversation_id();
  for (const auto &step : r.agent_steps) {
    if (step.call < 1 || step.call > call_ids.size() || call_ids[step.call - 1] == 0) continue;
    store::record_agent_step(*m_db,
                             {call_ids[step.call - 1], turn_id, step.number,
                              step.messages.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)},
                             step.tool_calls);
  }
}

void RunRecorder::record_step(const std::string &run_id, const StepReport &rep) {
  if (!m_runs) return;
  StepRow row{rep.id, rep.status, rep.model, rep.output, rep.cached, rep.latency_ms, rep.tokens, rep.cost, rep.error};
  m_runs->record_step(run_id, row);
}

void RunRecorder::finish_run(const RunReport &report) {
  if (m_runs) m_runs->finish_run(report.run_id, report.status, report.outputs);
}

} // namespace webox::workflow
