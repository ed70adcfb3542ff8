// Content parts of a chat message (ABI 1.4, WEBOX_CAP_VISION): what the
// chat plugins share to translate webox's provider-neutral parts,
//   {"type":"text","text":"..."}
//   {"type":"image","media_type":"image/png","data":"<base64>","name":"x.png"}
// into their wire formats. The host sends image parts only to a plugin with
// the "vision" capability, in a user message's list content; a string
// content is plain text as before.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "plugins/common/json_fields.hpp"

namespace webox::kit::content {

using nlohmann::json;

inline bool is_image(const json &part) {
  return part.is_object() && json_fields::string_at(part, "type") == "image";
}

// True when `content` is a list holding at least one image part.
inline bool has_images(const json &content) {
  if (!content.is_array()) return false;
  for (const auto &part : content)
    if (is_image(part)) return true;
  return false;
}

inline std::string media_type(const json &image) { return json_fields::string_at(image, "media_type"); }
inline std::string data(const json &image) { return json_fields::string_at(image, "data"); }

// The list with every image part replaced by `translate(part)` and every
// other part kept as it is (text parts are {"type":"text","text"} in the
// OpenAI and Anthropic formats alike).
template <typename Translate> json map_images(const json &content, Translate translate) {
  json out = json::array();
  for (const auto &part : content) out.push_back(is_image(part) ? translate(part) : part);
  return out;
}

} // namespace webox::kit::content
