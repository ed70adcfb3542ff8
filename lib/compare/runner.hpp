// `webox compare`: one prompt to N models at once, then optionally a judge.
//
// Everything that can fail before a request is sent fails first, on the main
// thread: resolving every model and chain, loading plugins, the judge's key,
// the budget (the worst case of all columns plus the judge). Then one thread
// per column runs its chain (so the wall time is the slowest column, never
// the sum); deltas update the shared report under a mutex and the caller
// redraws. Every call is logged like a chat call, grouped by the compare id,
// after the threads are done (one writer, no interleaved transactions).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/fallback.hpp"
#include "lib/chat/prices.hpp"
#include "lib/chat/turn.hpp"
#include "lib/compare/report.hpp"
#include "lib/core/config.hpp"

namespace webox::store {
class Db;
}
namespace webox::plugin {
class Registry;
}

namespace webox::compare {

struct CompareSettings {
  std::vector<std::string> models;      // specs, in column order ("@chain" allowed)
  std::vector<std::string> fallbacks;   // tried by every column after its own chain
  std::string system;
  nlohmann::json options = nlohmann::json::object();
  chat::Streaming streaming = chat::Streaming::yes;
  std::string judge;                    // "" = no judge
  std::optional<unsigned> seed;         // judge shuffle; random when unset
  std::optional<double> max_cost;
  bool log = true;
  // Files attached to the prompt (lib/chat/attachments). Every column must
  // see images (checked before anything is sent, exit 2); each column gets
  // PDFs whole or as text as `pdf` and its own chain allow; the judge reads
  // the answers and the prompt's text, never the images or PDFs.
  std::vector<chat::Attachment> attachments;
  chat::PdfMode pdf = chat::PdfMode::automatic;
};

class CompareRun {
public:
  // Validates and prepares everything; throws webox::Error (exit 2, 4 or 5).
  CompareRun(plugin::Registry &registry, const Config &config, store::Db *db, CompareSettings settings,
             const std::string &prompt);

  // Runs the columns, then the judge. `on_update` is called (with the report
  // locked) whenever a column received text or finished.
  Report run(const std::function<void(const Report &)> &on_update);

private:
  void judge(Report &report);
  void prepare_messages();
  void record(const std::vector<chat::ChainResult> &results, const std::vector<std::string> &prompts,
              const std::string &system);

  const Config &m_config;
  store::Db *m_db;
  CompareSettings m_settings;
  std::string m_prompt;
  std::vector<std::string> m_prompts;     // per column: the prompt with its attachments as sent
  std::vector<nlohmann::json> m_messages; // per column
  chat::PriceTable m_prices;
  std::vector<std::vector<chat::ModelRef>> m_chains;
  std::vector<std::vector<chat::ChainLink>> m_links;
  std::optional<chat::ChainLink> m_judge;
  std::string m_id;
};

} // namespace webox::compare
