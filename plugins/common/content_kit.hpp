// Content parts of a chat message (ABI 1.4, WEBOX_CAP_VISION): what the
// chat plugins share to translate webox's provider-neutral parts,
//   {"type":"text","text":"..."}
//   {"type":"image","media_type":"image/png","data":"<base64>","name":"x.png"}
//   {"type":"document","media_type":"application/pdf","data":"<base64>",
//    "name":"x.pdf","pages":N}
// into their wire formats. The host sends image parts only to a plugin with
// the "vision" capability, and document parts (a PDF sent natively) only for
// a model its manifest lists under "pdf" ("models"), in a user message's
// list content; a string content is plain text as before.
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

inline bool is_document(const json &part) {
  return part.is_object() && json_fields::string_at(part, "type") == "document";
}

inline bool is_media(const json &part) { return is_image(part) || is_document(part); }

// True when `content` is a list holding at least one image or document part.
inline bool has_media(const json &content) {
  if (!content.is_array()) return false;
  for (const auto &part : content)
    if (is_media(part)) return true;
  return false;
}

inline std::string name(const json &part) { return json_fields::string_at(part, "name"); }
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

// The same for image and document parts alike: `translate(part)` tells them
// apart with is_document().
template <typename Translate> json map_media(const json &content, Translate translate) {
  json out = json::array();
  for (const auto &part : content) out.push_back(is_media(part) ? translate(part) : part);
  return out;
}

} // namespace webox::kit::content
