#include "lib/workflow/run_store.hpp"


#include "lib/core/crypto.hpp"
#include "lib/store/db.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

template <typename T> void bind_optional(store::Statement &st, int index, const std::optional<T> &v) {
  if (v) st.bind(index, *v);
  else st.bind(index);
}

} // namespace

std::string cache_key(const std::string &provider, const std::string &model, const json &messages,
                      const json &options) {
  // nlohmann::json objects keep their keys sorted, so dump() is canonical.
  json key = {{"provider", provider}, {"model", model}, {"messages", messages}, {"options", options}};
  return crypto::hex_encode(crypto::sha256(dump(key)));
}

std::optional<CachedAnswer> RunStore::cached(const std::string &key) {
  try {
    store::Statement st(m_db, "SELECT answer, input_tokens, output_tokens FROM workflow_cache WHERE key = ?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    CachedAnswer a;
    a.answer = st.getColumn(0).getString();
    if (!st.getColumn(1).isNull()) a.input_tokens = st.getColumn(1).getInt64();
    if (!st.getColumn(2).isNull()) a.output_tokens = st.getColumn(2).getInt64();
    return a;
  } catch (...) {
    store::rethrow_sql_error(m_db);
  }
}

void RunStore::remember(const std::string &key, const std::string &provider, const std::string &model,
                        const CachedAnswer &a) {
  try {
    store::Statement st(m_db, "INSERT INTO workflow_cache(key, provider, model, answer, "
                              "input_tokens, output_tokens, created_at) VALUES(?,?,?,?,?,?,?) "
                              "ON CONFLICT(key) DO UPDATE SET provider = excluded.provider, model = excluded.model, "
                              "answer = excluded.answer, input_tokens = excluded.input_tokens, "
                              "output_tokens = excluded.output_tokens, created_at = excluded.created_at");
    st.bind(1, key);
    st.bind(2, provider);
    st.bind(3, model);
    st.bind(4, a.answer);
    bind_optional(st, 5, a.input_tokens);
    bind_optional(st, 6, a.output_tokens);
    st.bind(7, store::now_iso8601());
    st.exec();
  } catch (...) {
    store::rethrow_sql_error(m_db);
  }
}

void RunStore::start_run(const std::string &run_id, const std::string &workflow, const std::string &file,
                         const json &inputs) {
  try {
    store::Statement st(m_db, "INSERT INTO workflow_runs(id, workflow, file, status, inputs, started_at) "
                                     "VALUES(?,?,?,'running',?,?)");
    st.bind(1, run_id);
    st.bind(2, workflow);
    st.bind(3, file);
    st.bind(4, dump(inputs));
    st.bind(5, store::now_iso8601());
    st.exec();
  } catch (...) {
    store::rethrow_sql_error(m_db);
  }
}

void RunStore::record_step(const std::string &run_id, const StepRow &row) {
  try {
    store::Statement st(m_db, "INSERT INTO workflow_steps(run_id, step_id, status, model, output, "
                              "cached, latency_ms, tokens, cost, error) VALUES(?,?,?,?,?,?,?,?,?,?) "
                              "ON CONFLICT(run_id, step_id) DO UPDATE SET status = excluded.status, "
                              "model = excluded.model, output = excluded.output, cached = excluded.cached, "
                              "latency_ms = excluded.latency_ms, tokens = excluded.tokens, cost = excluded.cost, "
                              "error = excluded.error");
    st.bind(1, run_id);
    st.bind(2, row.step_id);
    st.bind(3, row.status);
    st.bind(4, row.model);
    st.bind(5, row.output);
    st.bind(6, row.cached ? 1 : 0);
    st.bind(7, row.latency_ms);
    bind_optional(st, 8, row.tokens);
    bind_optional(st, 9, row.cost);
    if (row.error.empty()) st.bind(10);
    else st.bind(10, row.error);
    st.exec();
  } catch (...) {
    store::rethrow_sql_error(m_db);
  }
}

void RunStore::finish_run(const std::string &run_id, const std::string &status, const json &outputs) {
  try {
    store::Statement st(m_db, "UPDATE workflow_runs SET status = ?, outputs = ?, finished_at = ? WHERE id = ?");
    st.bind(1, status);
    st.bind(2, dump(outputs));
    st.bind(3, store::now_iso8601());
    st.bind(4, run_id);
    st.exec();
  } catch (...) {
    store::rethrow_sql_error(m_db);
  }
}

} // namespace webox::workflow
