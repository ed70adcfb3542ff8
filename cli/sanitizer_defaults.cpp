// Default options of the sanitizer runtimes, compiled only into the
// sanitized executables (webox, webox_unit; cli/CMakeLists.txt and
// tests/CMakeLists.txt add this file when WEBOX_SANITIZE is on). The runtime
// reads them before ASAN_OPTIONS, which still overrides any one of them, so
// every way of running a sanitized binary gets them: scripts/test.sh, ctest
// alone, or a developer's shell.
//
// intercept_tls_get_addr=0: clang 14's runtime (and gcc's up to 13) wraps
// __tls_get_addr to record the dynamic TLS blocks of libraries loaded with
// dlopen, and decides that a block carries the header of glibc 2.19 or older
// whenever its address modulo 4096 equals that header's size. Since glibc
// 2.25 there is no such header: a block that lands there by chance is read
// as a bogus address and length, and LeakSanitizer's exit scan crashes on
// that range ("Tracer caught signal 11" in ScanRangeForPointers) before it
// reports anything. Which process hits it depends on its allocations, which
// is why it followed some tests (libpq, libcurl loaded by dlopen, two
// scrape-interactions runs) and not others. Fixed upstream in LLVM 17 and
// gcc 14; without the interception the leak scan still covers the heap,
// the stacks, the static TLS and the globals, and dynamic TLS blocks are
// ordinary heap blocks to it.
extern "C" const char *__asan_default_options();
extern "C" const char *__asan_default_options() { return "intercept_tls_get_addr=0"; }
