// The ABI header must compile alone as C++ too, and its structs must stay
// plain C data (standard layout, trivially copyable) so that any compiler
// agrees on them.
#include <webox/plugin.h>

#include <type_traits>

static_assert(std::is_standard_layout_v<webox_plugin> && std::is_trivially_copyable_v<webox_plugin>);
static_assert(std::is_standard_layout_v<webox_host_api> && std::is_trivially_copyable_v<webox_host_api>);
static_assert(std::is_standard_layout_v<webox_buf> && std::is_trivially_copyable_v<webox_buf>);
static_assert(std::is_standard_layout_v<webox_result>);
static_assert(std::is_standard_layout_v<webox_http_request>);
static_assert(sizeof(webox_status) == 4);
