// What a workflow run leaves in the store: the run, one row per step, and
// the step cache (schema: lib/store/migration_05_workflow.cpp). Calls made by
// the run are logged like chat calls, grouped by the run id, so `webox logs`
// shows them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace webox::store {
class Db;
}

namespace webox::workflow {

// The cache key of one model call: SHA-256 (hex) of the provider, the model,
// the messages and the options, as canonical JSON (keys sorted), so the same
// call written in another order hits the same entry.
std::string cache_key(const std::string &provider, const std::string &model, const nlohmann::json &messages,
                      const nlohmann::json &options);

struct CachedAnswer {
  std::string answer;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
};

struct StepRow {
  std::string step_id;
  std::string status; // ok, failed, skipped, cancelled
  std::string model;
  std::string output;
  bool cached = false;
  int64_t latency_ms = 0;
  std::optional<int64_t> tokens;
  std::optional<double> cost;
  std::string error;
};

class RunStore {
public:
  explicit RunStore(store::Db &db) : m_db(db) {}

  std::optional<CachedAnswer> cached(const std::string &key);
  void remember(const std::string &key, const std::string &provider, const std::string &model, const CachedAnswer &a);

  void start_run(const std::string &run_id, const std::string &workflow, const std::string &file,
                 const nlohmann::json &inputs);
  void record_step(const std::string &run_id, const StepRow &row);
  void finish_run(const std::string &run_id, const std::string &status, const nlohmann::json &outputs);

private:
  store::Db &m_db;
};

} // namespace webox::workflow
