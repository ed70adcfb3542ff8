// Opt-out words: "STOP", "désinscrire", "ne plus me contacter"... found in
// what a person writes (comments, replies, mentions, DMs) as collection
// stores it (lib/leads/collect/page_writer.cpp).
//
// Matching is on whole words (a phrase is whole words too), whatever the
// case and the accents, and whatever the spacing between the words of a
// phrase: "Stop", "STOP !" and "me DESINSCRIRE svp" match; "stopper" and
// "nonstop" do not. Every language's list is tried on every text (a text
// does not say its language).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace webox::leads {

// Language code -> words and phrases. config.yaml `leads.optout_words`
// replaces a language's list (an empty list turns that language off).
using OptoutWordLists = std::map<std::string, std::vector<std::string>>;
OptoutWordLists default_optout_words();

// `text` as compared: ASCII lower case, Latin accents removed (é -> e,
// œ -> oe), typographic apostrophes as ', runs of white space as one space.
// Other characters are kept as they are.
std::string fold_for_optout(std::string_view text);

class OptoutWords {
public:
  explicit OptoutWords(const OptoutWordLists &lists);
  // The first configured word or phrase found in `text` (as configured),
  // "" when none.
  std::string find(std::string_view text) const;

private:
  struct Phrase {
    std::string folded, original;
  };
  std::vector<Phrase> m_phrases;
};

} // namespace webox::leads
