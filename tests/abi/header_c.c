/* The ABI header must compile alone, as C99, under strict warnings. */
#include <webox/plugin.h>

/* Touch every type so that a typo in any of them fails the build. */
size_t webox_abi_header_c_sizes(void);
size_t webox_abi_header_c_sizes(void) {
  return sizeof(webox_buf) + sizeof(webox_call) + sizeof(webox_request) + sizeof(webox_result) +
         sizeof(webox_http_request) + sizeof(webox_http_response) + sizeof(webox_host_api) +
         sizeof(webox_plugin);
}
