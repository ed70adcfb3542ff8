// Repairs the mojibake of Meta's "Download your information" exports.
//
// Facebook, Instagram and Messenger exports write text as UTF-8, but escape
// each UTF-8 BYTE as its own \u00XX in the JSON, so a normal JSON parser
// hands back Latin-1 garbage: "é" arrives as "Ã©" (\u00c3\u00a9) and "😀" as
// four characters \u00f0\u009f\u0098\u0080. The repair: when every code
// point of a string is at most U+00FF, take each as one byte and decode the
// bytes as UTF-8; when that is not valid UTF-8, or a code point is above
// U+00FF (the string was fine), keep the original. Pure ASCII is untouched.
//
// No webox dependency, like everything in plugins/common/shared/: compiled
// into the instagram-export plugin (and the unit tests and fuzz target).
#pragma once

#include <string>
#include <string_view>

namespace webox::leads {

// `utf8` is the string as the JSON parser returned it (UTF-8).
std::string repair_mojibake(std::string_view utf8);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view bytes);

} // namespace webox::leads
