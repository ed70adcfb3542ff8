#include "lib/workflow/batch_store.hpp"

#include "lib/store/db.hpp"

namespace webox::workflow {
namespace {

constexpr const char *kBatchColumns =
    "b.id, b.provider, b.model, COALESCE(b.remote_id, ''), b.state, b.status, b.provider_status, b.message, b.run_id, "
    "b.workflow_file, b.inputs_json, b.total, b.succeeded, b.failed, b.consumed, b.created_at, b.updated_at, "
    "(SELECT COUNT(*) FROM batch_items i WHERE i.batch_id = b.id AND i.result_status = 'pending')";

BatchRow batch_store_row(store::Statement &q) {
  BatchRow b;
  b.id = q.getColumn(0).getInt64();
  b.provider = q.getColumn(1).getString();
  b.model = q.getColumn(2).getString();
  b.remote_id = q.getColumn(3).getString();
  b.state = q.getColumn(4).getString();
  b.status = q.getColumn(5).getString();
  b.provider_status = q.getColumn(6).getString();
  b.message = q.getColumn(7).getString();
  b.run_id = q.getColumn(8).getString();
  b.workflow_file = q.getColumn(9).getString();
  b.inputs_json = q.getColumn(10).getString();
  b.total = q.getColumn(11).getInt64();
  b.succeeded = q.getColumn(12).getInt64();
  b.failed = q.getColumn(13).getInt64();
  b.consumed = q.getColumn(14).getInt64() != 0;
  b.created_at = q.getColumn(15).getString();
  b.updated_at = q.getColumn(16).getString();
  b.pending_items = q.getColumn(17).getInt64();
  return b;
}

bool batch_store_is_number(const std::string &s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

} // namespace

int64_t BatchStore::create(const BatchRow &batch, const std::vector<BatchItemRow> &items) {
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    const std::string now = store::now_iso8601();
    store::Statement q(m_db,
                        "INSERT INTO batches (provider, model, state, run_id, workflow_file, inputs_json, total, "
                        "created_at, updated_at) VALUES (?, ?, 'submitting', ?, ?, ?, ?, ?, ?) RETURNING id");
    q.bind(1, batch.provider);
    q.bind(2, batch.model);
    q.bind(3, batch.run_id);
    q.bind(4, batch.workflow_file);
    q.bind(5, batch.inputs_json);
    q.bind(6, static_cast<int64_t>(items.size()));
    q.bind(7, now);
    q.bind(8, now);
    q.executeStep();
    const int64_t id = q.getColumn(0).getInt64();
    q.reset();
    store::Statement ins(m_db,
                          "INSERT INTO batch_items (batch_id, custom_id, step_id, item, request_hash, prompt, system, "
                          "options_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto &it : items) {
      ins.bind(1, id);
      ins.bind(2, it.custom_id);
      ins.bind(3, it.step_id);
      ins.bind(4, it.item);
      ins.bind(5, it.request_hash);
      ins.bind(6, it.prompt);
      ins.bind(7, it.system);
      ins.bind(8, it.options_json);
      ins.bind(9, now);
      ins.exec();
      ins.reset();
    }
    tx.commit();
    return id;
  });
}

void BatchStore::submitted(int64_t id, const BatchStatus &s) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE batches SET remote_id = ?, state = 'open', updated_at = ? WHERE id = ?");
    q.bind(1, s.remote_id);
    q.bind(2, store::now_iso8601());
    q.bind(3, id);
    q.exec();
  });
  update_status(id, s);
}

void BatchStore::submit_failed(int64_t id, const std::string &message) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db,
                        "UPDATE batches SET state = 'failed', status = 'failed', message = ?, updated_at = ? WHERE id = ?");
    q.bind(1, message);
    q.bind(2, store::now_iso8601());
    q.bind(3, id);
    q.exec();
  });
}

void BatchStore::update_status(int64_t id, const BatchStatus &s) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE batches SET status = ?, provider_status = ?, message = ?, succeeded = ?, "
                                    "failed = ?, updated_at = ? WHERE id = ?");
    q.bind(1, s.status);
    q.bind(2, s.provider_status);
    q.bind(3, s.message);
    q.bind(4, s.succeeded);
    q.bind(5, s.failed);
    q.bind(6, store::now_iso8601());
    q.bind(7, id);
    q.exec();
  });
}

void BatchStore::mark_collected(int64_t id) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE batches SET state = 'collected', updated_at = ? WHERE id = ? AND state = 'open'");
    q.bind(1, store::now_iso8601());
    q.bind(2, id);
    q.exec();
  });
}

void BatchStore::mark_consumed(int64_t id) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db, "UPDATE batches SET consumed = 1, updated_at = ? WHERE id = ?");
    q.bind(1, store::now_iso8601());
    q.bind(2, id);
    q.exec();
  });
}

std::optional<BatchRow> BatchStore::find(const std::string &ref) {
  return store::guarded(m_db, [&]() -> std::optional<BatchRow> {
    const bool number = batch_store_is_number(ref);
    store::Statement q(m_db, std::string("SELECT ") + kBatchColumns + " FROM batches b WHERE " +
                                        (number ? "b.id = ?" : "b.remote_id = ?"));
    if (number) q.bind(1, static_cast<int64_t>(std::stoll(ref)));
    else q.bind(1, ref);
    if (!q.executeStep()) return std::nullopt;
    return batch_store_row(q);
  });
}

std::vector<BatchRow> BatchStore::list(int limit) {
  return store::guarded(m_db, [&] {
    store::Statement q(m_db, std::string("SELECT ") + kBatchColumns + " FROM batches b ORDER BY b.id DESC LIMIT ?");
    q.bind(1, limit);
    std::vector<BatchRow> rows;
    while (q.executeStep()) rows.push_back(batch_store_row(q));
    return rows;
  });
}

bool BatchStore::record(int64_t batch_id, const BatchResult &r) {
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement claim(m_db, "UPDATE batch_items SET result_status = ?, error = ?, updated_at = ? "
                                        "WHERE batch_id = ? AND custom_id = ? AND result_status = 'pending'");
    claim.bind(1, r.status);
    claim.bind(2, r.error);
    claim.bind(3, store::now_iso8601());
    claim.bind(4, batch_id);
    claim.bind(5, r.custom_id);
    if (claim.exec() != 1) return false; // recorded before, or not an item of this batch
    if (r.call) {
      const int64_t call_id = store::Calls(m_db).record(*r.call, r.call->provider + ":" + r.call->model);
      store::Statement link(m_db, "UPDATE batch_items SET call_id = ? WHERE batch_id = ? AND custom_id = ?");
      link.bind(1, call_id);
      link.bind(2, batch_id);
      link.bind(3, r.custom_id);
      link.exec();
    }
    tx.commit();
    return true;
  });
}

std::optional<BatchItemRow> BatchStore::item(int64_t batch_id, const std::string &custom_id) {
  return store::guarded(m_db, [&]() -> std::optional<BatchItemRow> {
    store::Statement q(m_db, "SELECT step_id, item, request_hash, prompt, system, options_json, result_status "
                                    "FROM batch_items WHERE batch_id = ? AND custom_id = ?");
    q.bind(1, batch_id);
    q.bind(2, custom_id);
    if (!q.executeStep()) return std::nullopt;
    BatchItemRow it;
    it.custom_id = custom_id;
    it.step_id = q.getColumn(0).getString();
    it.item = q.getColumn(1).getInt64();
    it.request_hash = q.getColumn(2).getString();
    it.prompt = q.getColumn(3).getString();
    it.system = q.getColumn(4).getString();
    it.options_json = q.getColumn(5).getString();
    it.result_status = q.getColumn(6).getString();
    return it;
  });
}

int64_t BatchStore::mark_missing(int64_t batch_id) {
  return store::guarded(m_db, [&]() -> int64_t {
    store::Statement q(m_db, "UPDATE batch_items SET result_status = 'missing', "
                                    "error = 'the provider sent no result for this request', updated_at = ? "
                                    "WHERE batch_id = ? AND result_status = 'pending'");
    q.bind(1, store::now_iso8601());
    q.bind(2, batch_id);
    return q.exec();
  });
}

void BatchStore::each_item(int64_t batch_id, const std::function<void(const BatchItemRow &)> &fn) {
  store::guarded(m_db, [&] {
    store::Statement q(m_db,
                        "SELECT i.custom_id, i.step_id, i.item, i.request_hash, i.result_status, i.error, "
                        "COALESCE(c.response, ''), COALESCE(c.resolved_model, ''), c.input_tokens, c.output_tokens, c.cost "
                        "FROM batch_items i LEFT JOIN calls c ON c.id = i.call_id WHERE i.batch_id = ? ORDER BY i.custom_id");
    q.bind(1, batch_id);
    while (q.executeStep()) {
      BatchItemRow it;
      it.custom_id = q.getColumn(0).getString();
      it.step_id = q.getColumn(1).getString();
      it.item = q.getColumn(2).getInt64();
      it.request_hash = q.getColumn(3).getString();
      it.result_status = q.getColumn(4).getString();
      it.error = q.getColumn(5).getString();
      it.answer = q.getColumn(6).getString();
      it.resolved_model = q.getColumn(7).getString();
      if (!q.getColumn(8).isNull() && q.getColumn(8).getInt64() >= 0) it.input_tokens = q.getColumn(8).getInt64();
      if (!q.getColumn(9).isNull() && q.getColumn(9).getInt64() >= 0) it.output_tokens = q.getColumn(9).getInt64();
      if (!q.getColumn(10).isNull()) it.cost = q.getColumn(10).getDouble();
      fn(it);
    }
  });
}

std::vector<AdoptableItem> BatchStore::adoptable(const std::string &provider, const std::string &model,
                                                 const std::string &hash) {
  return store::guarded(m_db, [&] {
    store::Statement q(m_db, "SELECT i.batch_id, i.custom_id FROM batch_items i JOIN batches b ON b.id = i.batch_id "
                                    "WHERE i.request_hash = ? AND b.provider = ? AND b.model = ? AND b.consumed = 0 "
                                    "AND b.state IN ('open', 'collected') ORDER BY i.batch_id, i.custom_id");
    q.bind(1, hash);
    q.bind(2, provider);
    q.bind(3, model);
    std::vector<AdoptableItem> out;
    while (q.executeStep()) out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString()});
    return out;
  });
}

} // namespace webox::workflow
