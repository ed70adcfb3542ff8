#include "lib/leads/score/scorer.hpp"

#include <algorithm>
#include <string_view>

#include "lib/leads/collect/record.hpp"

namespace webox::leads {

using nlohmann::json;

Scorer::Scorer(store::Db &d, const ScoringSettings &settings, int64_t n) : db(d), s(settings), now(n) {}

void Scorer::add_event(int64_t lead, const char *kind, const json &detail) {
  event.bind(1, lead);
  event.bind(2, kind);
  event.bind(3, detail.dump());
  event.bind(4, at);
  event.exec();
  event.reset();
}

PersonFacts Scorer::gather(int64_t person, int64_t *interactions_read) {
  PersonFacts f;
  events.bind(1, person);
  while (events.executeStep()) {
    auto kind = parse_kind(events.getColumn(0).getString());
    int64_t ts = events.getColumn(1).getInt64();
    f.last = std::max(f.last, ts);
    if (kind) f.events.push_back({*kind, ts, events.getColumn(2).getInt() != 0});
  }
  events.reset();
  if (interactions_read) *interactions_read += static_cast<int64_t>(f.events.size());
  has_phone.bind(1, person);
  has_phone.bind(2, person);
  has_phone.executeStep();
  f.phone = has_phone.getColumn(0).getInt() != 0;
  f.any_contact = has_phone.getColumn(1).getInt() != 0;
  has_phone.reset();
  find_lead.bind(1, person);
  if (find_lead.executeStep()) {
    f.lead = find_lead.getColumn(0).getInt64();
    f.old_score = find_lead.getColumn(1).getInt();
  }
  find_lead.reset();
  return f;
}

std::pair<bool, bool> Scorer::rescore(int64_t person, bool contacts_changed, int64_t *interactions_read) {
  return apply(person, gather(person, interactions_read), contacts_changed);
}

std::pair<bool, bool> Scorer::apply(int64_t person, PersonFacts f, bool contacts_changed) {
  const int64_t last = f.last;
  int value = score(raw_points(std::move(f.events), f.phone, now, s), s);

  update_person.bind(1, value);
  update_person.bind(2, last);
  update_person.bind(3, person);
  update_person.bind(4, value);
  update_person.bind(5, last);
  update_person.exec();
  bool changed = db.getChanges() > 0;
  update_person.reset();

  int64_t lead = f.lead;
  bool created = false;
  if (!lead && (value >= s.threshold || f.any_contact)) {
    insert_lead.bind(1, person);
    insert_lead.bind(2, value);
    insert_lead.bind(3, at);
    insert_lead.bind(4, at);
    lead = store::returned_id(insert_lead).value_or(0);
    created = true;
    add_event(lead, "created", {{"score", value}, {"reason", value >= s.threshold ? "score" : "contact"}});
    contacts_changed = true;
    f.lead_phones = f.lead_emails = "[]";
  } else if (lead && f.old_score != value) {
    // A lead stays a lead when its score decays below the threshold: the
    // history of someone who once raised a hand is worth keeping.
    update_lead.bind(1, value);
    update_lead.bind(2, at);
    update_lead.bind(3, lead);
    update_lead.exec();
    update_lead.reset();
  }
  if (lead && contacts_changed) {
    if (!f.contacts_known) {
      contacts_of.bind(1, person);
      while (contacts_of.executeStep())
        (contacts_of.getColumn(0).getString() == "phone" ? f.phones : f.emails).push_back(contacts_of.getColumn(1).getString());
      contacts_of.reset();
    }
    std::string phones = f.phones.dump(), emails = f.emails.dump();
    if (!f.contacts_known || phones != f.lead_phones || emails != f.lead_emails) {
      set_contacts.bind(1, phones);
      set_contacts.bind(2, emails);
      set_contacts.bind(3, at);
      set_contacts.bind(4, lead);
      set_contacts.exec();
      set_contacts.reset();
    }
  }
  return {changed, created};
}

std::map<int64_t, PersonFacts> gather_batch(store::Db &db, const std::vector<int64_t> &ids, bool only_marked,
                                            int64_t *interactions_read) {
  std::map<int64_t, PersonFacts> facts;
  for (int64_t id : ids) facts[id].contacts_known = true;
  const int64_t first = ids.front(), last = ids.back();
  auto in_batch = [&](int64_t person) -> PersonFacts * {
    auto it = facts.find(person);
    return it == facts.end() ? nullptr : &it->second;
  };
  store::Statement ev(db, only_marked
                                     ? "SELECT i.person_id, i.kind, i.occurred_at, i.intent FROM interactions i WHERE i.person_id IN "
                                       "(SELECT id FROM people WHERE needs_rescore = 1 AND id BETWEEN ?1 AND ?2)"
                                     : "SELECT person_id, kind, occurred_at, intent FROM interactions WHERE person_id BETWEEN ?1 AND ?2");
  ev.bind(1, first);
  ev.bind(2, last);
  while (ev.executeStep()) {
    PersonFacts *f = in_batch(ev.getColumn(0).getInt64());
    if (!f) continue;
    auto kind = parse_kind(ev.getColumn(1).getText());
    int64_t ts = ev.getColumn(2).getInt64();
    f->last = std::max(f->last, ts);
    if (kind) f->events.push_back({*kind, ts, ev.getColumn(3).getInt() != 0});
    if (interactions_read) ++*interactions_read;
  }
  store::Statement ct(db, "SELECT person_id, kind, value FROM contacts WHERE person_id BETWEEN ? AND ? ORDER BY person_id, id");
  ct.bind(1, first);
  ct.bind(2, last);
  while (ct.executeStep()) {
    PersonFacts *f = in_batch(ct.getColumn(0).getInt64());
    if (!f) continue;
    bool phone = std::string_view(ct.getColumn(1).getText()) == "phone";
    f->any_contact = true;
    f->phone = f->phone || phone;
    (phone ? f->phones : f->emails).push_back(ct.getColumn(2).getString());
  }
  store::Statement ld(db, "SELECT person_id, id, score, phones, emails FROM leads WHERE person_id BETWEEN ? AND ?");
  ld.bind(1, first);
  ld.bind(2, last);
  while (ld.executeStep()) {
    PersonFacts *f = in_batch(ld.getColumn(0).getInt64());
    if (!f) continue;
    f->lead = ld.getColumn(1).getInt64();
    f->old_score = ld.getColumn(2).getInt();
    f->lead_phones = ld.getColumn(3).getString();
    f->lead_emails = ld.getColumn(4).getString();
  }
  return facts;
}


} // namespace webox::leads
