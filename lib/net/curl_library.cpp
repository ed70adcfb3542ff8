// libcurl loaded on the first HTTP request (dlopen), not at start-up.
//
// Why: libcurl.so.4 brings 28 of the 46 shared libraries a webox process
// maps (its TLS, HTTP/2, IDN, SSH, RTMP, Kerberos, LDAP and SASL
// dependencies), and the dynamic loader spends about half of a process's
// start-up mapping and relocating them (LD_DEBUG=statistics). Commands that
// never go to the network — `rag search --lexical`, `logs`, `stats`,
// `leads`, `--version` — paid for it on every run (docs/ARCHITECTURE.md,
// "Start-up"). The executable is no longer linked with libcurl: this file
// defines the few curl_* functions lib/net/http_client.cpp calls, each
// forwarding to the real one, found with dlsym in libcurl.so.4 the first
// time any of them runs. http_client.cpp is unchanged and still compiled
// against <curl/curl.h>.
//
// When libcurl cannot be loaded, curl_easy_init and curl_url return null and
// the CURLcode functions CURLE_FAILED_INIT; curl_easy_strerror then names
// the library and the loader's reason, which http_client reports as the
// request's failure.
#include <cstdarg>
#include <mutex>
#include <string>

#include <dlfcn.h>

#include <curl/curl.h>

namespace webox::net {
namespace {

// curl_url_get's handle became `const CURLU *` in later libcurl releases:
// the parameter's type is taken from the header this file is built with.
template <class> struct CurlFirstParam;
template <class R, class A, class... Rest> struct CurlFirstParam<R(A, Rest...)> {
  using type = A;
};
using CurlUrlGetHandle = CurlFirstParam<decltype(::curl_url_get)>::type;

struct CurlFunctions {
  void *handle = nullptr;
  std::string problem; // "" once every function was found
  CURLcode (*global_init)(long) = nullptr;
  CURL *(*easy_init)() = nullptr;
  void (*easy_reset)(CURL *) = nullptr;
  void (*easy_cleanup)(CURL *) = nullptr;
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL *) = nullptr;
  const char *(*easy_strerror)(CURLcode) = nullptr;
  curl_slist *(*slist_append)(curl_slist *, const char *) = nullptr;
  void (*slist_free_all)(curl_slist *) = nullptr;
  CURLU *(*url)() = nullptr;
  void (*url_cleanup)(CURLU *) = nullptr;
  CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int) = nullptr;
  CURLUcode (*url_get)(CurlUrlGetHandle, CURLUPart, char **, unsigned int) = nullptr;
  const char *(*url_strerror)(CURLUcode) = nullptr;
  void (*free)(void *) = nullptr;
};

template <class Fn> void find_curl_symbol(CurlFunctions &c, Fn &fn, const char *name) {
  fn = reinterpret_cast<Fn>(::dlsym(c.handle, name));
  if (!fn && c.problem.empty()) c.problem = std::string("libcurl.so.4 has no ") + name;
}

CurlFunctions load_curl_functions() {
  CurlFunctions c;
  // RTLD_LOCAL: nothing else resolves against it (the names defined below
  // stay webox's own).
  c.handle = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!c.handle) {
    const char *why = ::dlerror();
    c.problem = std::string("cannot load libcurl.so.4 (install libcurl4): ") + (why ? why : "unknown reason");
    return c;
  }
  find_curl_symbol(c, c.global_init, "curl_global_init");
  find_curl_symbol(c, c.easy_init, "curl_easy_init");
  find_curl_symbol(c, c.easy_reset, "curl_easy_reset");
  find_curl_symbol(c, c.easy_cleanup, "curl_easy_cleanup");
  find_curl_symbol(c, c.easy_setopt, "curl_easy_setopt");
  find_curl_symbol(c, c.easy_perform, "curl_easy_perform");
  find_curl_symbol(c, c.easy_strerror, "curl_easy_strerror");
  find_curl_symbol(c, c.slist_append, "curl_slist_append");
  find_curl_symbol(c, c.slist_free_all, "curl_slist_free_all");
  find_curl_symbol(c, c.url, "curl_url");
  find_curl_symbol(c, c.url_cleanup, "curl_url_cleanup");
  find_curl_symbol(c, c.url_set, "curl_url_set");
  find_curl_symbol(c, c.url_get, "curl_url_get");
  find_curl_symbol(c, c.url_strerror, "curl_url_strerror");
  find_curl_symbol(c, c.free, "curl_free");
  return c;
}

// The functions, or null with the reason in `problem` (loaded once; the
// library stays loaded for the life of the process).
const CurlFunctions &curl_functions() {
  static const CurlFunctions c = load_curl_functions();
  return c;
}

const CurlFunctions *loaded_curl() {
  const CurlFunctions &c = curl_functions();
  return c.problem.empty() ? &c : nullptr;
}

} // namespace
} // namespace webox::net

// The names are parenthesised: <curl/curl.h> may define curl_easy_setopt as
// a type-checking macro.
extern "C" {

CURLcode(curl_global_init)(long flags) {
  const auto *c = webox::net::loaded_curl();
  return c ? c->global_init(flags) : CURLE_FAILED_INIT;
}

CURL *(curl_easy_init)() {
  const auto *c = webox::net::loaded_curl();
  return c ? c->easy_init() : nullptr;
}

void(curl_easy_reset)(CURL *h) {
  if (const auto *c = webox::net::loaded_curl(); c && h) c->easy_reset(h);
}

void(curl_easy_cleanup)(CURL *h) {
  if (const auto *c = webox::net::loaded_curl(); c && h) c->easy_cleanup(h);
}

// The argument's type follows from the option's number, as libcurl itself
// reads it (CURLOPTTYPE_*): long, object pointer, function pointer,
// curl_off_t, or blob pointer.
CURLcode(curl_easy_setopt)(CURL *h, CURLoption option, ...) {
  const auto *c = webox::net::loaded_curl();
  if (!c) return CURLE_FAILED_INIT;
  va_list args;
#if defined(__clang__)
  // The signature is libcurl's own: CURLoption, an enum whose values all fit
  // an int, is passed unpromoted, as libcurl's va_start reads it too.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wvarargs"
#endif
  va_start(args, option);
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = c->easy_setopt(h, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = c->easy_setopt(h, option, va_arg(args, void *));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = c->easy_setopt(h, option, va_arg(args, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = c->easy_setopt(h, option, va_arg(args, curl_off_t));
  } else {
    rc = c->easy_setopt(h, option, va_arg(args, void *));
  }
  va_end(args);
  return rc;
}

CURLcode(curl_easy_perform)(CURL *h) {
  const auto *c = webox::net::loaded_curl();
  return c ? c->easy_perform(h) : CURLE_FAILED_INIT;
}

const char *(curl_easy_strerror)(CURLcode code) {
  const auto *c = webox::net::loaded_curl();
  return c ? c->easy_strerror(code) : webox::net::curl_functions().problem.c_str();
}

curl_slist *(curl_slist_append)(curl_slist *list, const char *text) {
  const auto *c = webox::net::loaded_curl();
  return c ? c->slist_append(list, text) : nullptr;
}

void(curl_slist_free_all)(curl_slist *list) {
  if (const auto *c = webox::net::loaded_curl(); c && list) c->slist_free_all(list);
}

CURLU *(curl_url)() {
  const auto *c = webox::net::loaded_curl();
  return c ? c->url() : nullptr;
}

void(curl_url_cleanup)(CURLU *u) {
  if (const auto *c = webox::net::loaded_curl(); c && u) c->url_cleanup(u);
}

CURLUcode(curl_url_set)(CURLU *u, CURLUPart part, const char *content, unsigned int flags) {
  const auto *c = webox::net::loaded_curl();
  return c && u ? c->url_set(u, part, content, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode(curl_url_get)(webox::net::CurlUrlGetHandle u, CURLUPart part, char **out, unsigned int flags) {
  const auto *c = webox::net::loaded_curl();
  return c && u ? c->url_get(u, part, out, flags) : CURLUE_OUT_OF_MEMORY;
}

const char *(curl_url_strerror)(CURLUcode code) {
  const auto *c = webox::net::loaded_curl();
  return c ? c->url_strerror(code) : webox::net::curl_functions().problem.c_str();
}

void(curl_free)(void *p) {
  if (const auto *c = webox::net::loaded_curl(); c && p) c->free(p);
}

} // extern "C"
