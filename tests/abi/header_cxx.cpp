// The ABI header must compile alone as C++ too, and its structs must stay
// plain C data (standard layout, trivially copyable) so that any compiler
// agrees on them.
#include <webox/plugin.h>

#include <cstddef>
#include <type_traits>

static_assert(std::is_standard_layout_v<webox_plugin> && std::is_trivially_copyable_v<webox_plugin>);
static_assert(std::is_standard_layout_v<webox_host_api> && std::is_trivially_copyable_v<webox_host_api>);
static_assert(std::is_standard_layout_v<webox_buf> && std::is_trivially_copyable_v<webox_buf>);
static_assert(std::is_standard_layout_v<webox_result>);
static_assert(std::is_standard_layout_v<webox_http_request>);
static_assert(sizeof(webox_status) == 4);

// ABI 1.3: the tts slot's own types are the same C types as before, so a
// plugin built against ABI 1.2 (its tts a webox_stream_op_fn) still fits,
// and the host table grew only at its end.
static_assert(std::is_same_v<webox_byte_sink_fn, webox_sink_fn>);
static_assert(std::is_same_v<webox_tts_fn, webox_stream_op_fn>);
static_assert(std::is_same_v<decltype(webox_plugin::tts), webox_tts_fn>);
static_assert(offsetof(webox_host_api, get_setting) >= offsetof(webox_host_api, free) + sizeof(void (*)(void *)));
