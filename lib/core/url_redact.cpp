#include "lib/core/url_redact.hpp"

#include <array>
#include <cctype>

namespace webox::url {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Where a URL embedded in text ends: whitespace, quotes, angle brackets.
bool ends_url(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

// "a=1&token=x" -> "a=1&token=[REDACTED]"
std::string redact_parameters(std::string_view params) {
  std::string out;
  size_t start = 0;
  while (start <= params.size()) {
    size_t amp = params.find('&', start);
    std::string_view pair = params.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() && is_secret_parameter(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out.append(kRedacted);
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

struct Parts {
  std::string_view head;      // "https://"
  std::string_view userinfo;  // "user:pass" (without '@'), may be empty
  bool has_userinfo = false;
  std::string_view host_path; // "host/path"
  std::string_view query;     // after '?', before '#'
  bool has_query = false;
  std::string_view fragment;  // after '#'
  bool has_fragment = false;
};

Parts split(std::string_view url) {
  Parts p;
  size_t sep = url.find("://");
  size_t authority = sep == std::string_view::npos ? 0 : sep + 3;
  p.head = url.substr(0, authority);
  std::string_view rest = url.substr(authority);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    p.fragment = rest.substr(hash + 1);
    p.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    p.query = rest.substr(question + 1);
    p.has_query = true;
    rest = rest.substr(0, question);
  }
  if (sep != std::string_view::npos) {
    // The authority ends at the first '/'; its last '@' ends the userinfo
    // (an unescaped '@' in a password is tolerated by some clients).
    size_t slash = rest.find('/');
    size_t at = rest.substr(0, slash).rfind('@');
    if (at != std::string_view::npos) {
      p.userinfo = rest.substr(0, at);
      p.has_userinfo = true;
      rest = rest.substr(at + 1);
    }
  }
  p.host_path = rest;
  return p;
}

} // namespace

bool is_secret_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 14> exact = {
      "key", "sig", "pass", "pwd", "auth", "code", "session", "sid", "jwt", "hmac", "otp", "pin", "ticket", "bearer"};
  static constexpr std::array<std::string_view, 9> inside = {
      "token", "secret", "passw", "signature", "apikey", "api_key", "api-key", "auth", "credential"};
  const std::string n = lower(name);
  for (auto e : exact)
    if (n == e) return true;
  for (auto i : inside)
    if (n.find(i) != std::string::npos) return true;
  return n.size() > 4 && (n.ends_with("_key") || n.ends_with("-key") || n.ends_with(".key"));
}

std::string redact(std::string_view url) {
  Parts p = split(url);
  std::string out(p.head);
  if (p.has_userinfo) out.append(kRedacted).append("@");
  out.append(p.host_path);
  if (p.has_query) out.append("?").append(redact_parameters(p.query));
  if (p.has_fragment) out.append("#").append(redact_parameters(p.fragment));
  return out;
}

std::string without_credentials(std::string_view url) {
  Parts p = split(url);
  return std::string(p.head) + std::string(p.host_path);
}

std::string redact_in_text(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::string(text);
  std::string out;
  size_t copied = 0;
  while (sep != std::string_view::npos) {
    size_t begin = sep;
    while (begin > copied && is_scheme_char(text[begin - 1])) --begin;
    size_t end = sep + 3;
    while (end < text.size() && !ends_url(text[end])) ++end;
    // Punctuation closing a sentence or a parenthesis is not the URL's
    // (not ']': "[REDACTED]" ends a value, and redacting twice must change nothing).
    while (end > sep + 3 && std::string_view(".,;:)").find(text[end - 1]) != std::string_view::npos) --end;
    if (begin == sep) { // "://" without a scheme: not a URL
      sep = text.find("://", sep + 3);
      continue;
    }
    out.append(text.substr(copied, begin - copied));
    out.append(redact(text.substr(begin, end - begin)));
    copied = end;
    sep = text.find("://", end);
  }
  out.append(text.substr(copied));
  return out;
}

} // namespace webox::url
