// The optional LLM fallback for phone numbers (`leads.phone_fallback_model`).
//
// libphonenumber's matcher refuses numbers written in ways people really
// write them in comments: digits grouped oddly ("06 123 456 78"), glued to
// words ("tel:0612345678svp"), spread with letters or emoji between pairs.
// For such a text only — the matcher found no phone, yet some 8 to 15 digits
// sit close together — one chat call asks a model to point at the number.
//
// The model is never trusted with a number: its answer must be JSON
// {"phones": ["as written in the text", ...]}, every candidate's digits must
// appear, in that order and contiguous, among the text's digits (so a model
// cannot invent or "complete" a number), and the candidate's digits must then
// pass libphonenumber (through PhoneDetector) on their own. What passes is
// stored like any detection, with its source interaction, and marked as
// coming from the model (contacts.detected_by = "model:<provider:model>").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/leads/contacts/contacts.hpp"

namespace webox::leads {

// True when `text` holds a cluster of 8 to 15 digits in which consecutive
// digits are at most 3 bytes apart (separators, a letter, an emoji's bytes
// do not count as digits): what a phone number hidden from the matcher
// looks like. A long digit run (an IBAN, a tracking number) is not one.
bool looks_like_hidden_phone(std::string_view text);

// One chat call: the system prompt, the user text; returns the model's reply.
// Throws webox::Error when the model cannot answer.
class PhoneAsker {
public:
  virtual ~PhoneAsker() = default;
  virtual std::string ask(const std::string &system, const std::string &user) = 0;
  // "provider:model", stored with what it found.
  virtual std::string model() const = 0;
};

// The instructions sent as the system message; the user message is the text alone.
const std::string &phone_fallback_prompt();

// Checks a reply against the text. Accepted numbers come back as matches
// (raw = the candidate as the model wrote it, offset = where its first digit
// is in the text); `refused` says why each other candidate, or the whole
// reply, was refused.
std::vector<ContactMatch> accept_fallback_answer(const std::string &reply, std::string_view text, PhoneDetector &phones,
                                                 std::vector<std::string> &refused);

} // namespace webox::leads
