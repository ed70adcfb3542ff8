// Writing is page by page: a PageWriter is one BEGIN IMMEDIATE transaction
// holding one page of collected items, the cursor that resumes after that
// page, the contacts detected in the new texts and the rescored people. So a
// run killed at any moment leaves the store at the end of a page, and the
// rerun resumes from the stored cursor; interactions are unique on (platform,
// platform_id) and people on (platform, platform_user_id), so a page seen
// twice changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/leads/collect/record.hpp"
#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/leads_store.hpp"

namespace webox::leads {

// One page: begin → add... → set_cursor... → commit. Destroyed without
// commit() it rolls everything back.
class PageWriter {
public:
  // With `defer_scoring` (bulk imports) the touched people are only marked,
  // in this transaction, and LeadsStore::rescore_pending scores each once at
  // the end instead of once per page they appear in.
  PageWriter(LeadsStore &store, int64_t account_id /* 0 = none (JSONL import) */, bool defer_scoring = false);
  ~PageWriter();
  PageWriter(const PageWriter &) = delete;
  PageWriter &operator=(const PageWriter &) = delete;

  void add_post(const std::string &platform, const Post &post);
  // Returns true when the interaction is new.
  bool add(const Interaction &interaction);
  // The same, given what add() would compute from the text: has_intent()
  // and find_contacts() (the JSONL import computes them on worker threads).
  bool add(const Interaction &interaction, bool intent, const std::vector<ContactMatch> &contacts);
  void set_cursor(const std::string &edge, const std::string &cursor);
  void clear_cursor(const std::string &edge);
  // Rescores the people this page touched, then commits.
  void commit();

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

} // namespace webox::leads
