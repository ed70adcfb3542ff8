// Cutting text that is too long for one speech request into pieces a
// provider accepts, at the places a reader would pause.
//
// Providers cap one request (OpenAI speech: 4096 characters; ElevenLabs:
// a few thousand depending on the model). Cutting mid-sentence makes the
// voice restart with a new intonation in the middle of a phrase, so pieces
// end at a sentence end when one fits, else at a line break or a space, and
// only a single "word" longer than the limit is cut inside (never inside a
// UTF-8 character). Concatenating the pieces gives the text back exactly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace webox::media {

// Length in Unicode code points (what providers count as "characters").
size_t count_code_points(std::string_view text);

// Pieces of at most `max_chars` code points each (max_chars >= 1).
std::vector<std::string> split_for_speech(std::string_view text, size_t max_chars);

} // namespace webox::media
