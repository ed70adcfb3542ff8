# Compiler settings shared by every target: warnings as an interface target,
# sanitizers as a global option (they must reach plugins and tests alike).
add_library(webox_warnings INTERFACE)
target_compile_options(webox_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic
  $<$<BOOL:${WEBOX_WERROR}>:-Werror>)
# GCC 12 reports false positives inside libstdc++'s std::string at -O2
# (GCC bugs 105329 and 105651: "forming offset ... out of the bounds" in
# char_traits.h); they come from inlined library code, not from ours.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(webox_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict>)
endif()

# Linked with lld when the compiler takes it (gcc and clang both do): GNU ld
# took 8.4 s of CPU to link the sanitized webox, lld 1.5 s (webox_unit 7.5 s
# against 1.7 s, a sanitized plugin 0.8 s against 0.4 s), and CI links about
# 100 executables and modules across its three trees (docs/ARCHITECTURE.md,
# "Build and CI time"). -DWEBOX_USE_LLD=OFF keeps the compiler's default.
option(WEBOX_USE_LLD "Link with lld when the compiler accepts -fuse-ld=lld" ON)
if(WEBOX_USE_LLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld WEBOX_HAVE_LLD)
  if(WEBOX_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()

# Plugins and modules are linked with --no-undefined, so a symbol missing
# from their own libraries fails the build rather than their dlopen. Not
# under the sanitizers: their runtimes live in the host executable (clang
# links them statically into it), so an instrumented module leaves the
# runtime's symbols for the executable to provide.
set(WEBOX_NO_UNDEFINED -Wl,--no-undefined)
if(WEBOX_SANITIZE)
  set(WEBOX_NO_UNDEFINED "")
endif()

if(WEBOX_SANITIZE)
  # UBSan without its `null` and `alignment` checks: they instrument every
  # pointer dereference, which made up about 40 % of the sanitizer build's
  # compile time and three quarters of its instrumentation data (measured on
  # a CLI batch: 33 s -> 20 s, 5.1 MB -> 1.2 MB of data). A null dereference
  # is still reported, by ASan's SEGV handler with a stack; misalignment is
  # harmless on the x86-64 and arm64 targets webox ships for. Every other
  # UBSan check (overflow, shifts, bounds, enum/bool values, vptr, returns...)
  # stays on and aborts.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=alignment,null
                      -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # Sanitized executables are linked without PIE: the instrumentation's
  # pointer tables then need no relocation at start-up (1,980 relocations
  # instead of 328,872), which shortens the start of every test process
  # (`webox --version`: 0.51 s -> 0.39 s, 0.24 s -> 0.19 s of CPU, measured
  # on two loaded cores; docs/ARCHITECTURE.md, "Build and CI time").
  add_link_options($<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>)
endif()

# Unity builds: the big targets (libwebox, the CLI, the unit tests) compile as
# a few translation units of up to 16 sources each. Every source includes the
# same heavy headers (nlohmann/json, spdlog, CLI11, Catch2) and instantiates
# the same templates; compiling them once per batch instead of once per file
# divides a full build's CPU time by about four, which is what keeps CI within
# its budget on two cores. The price: helpers in anonymous namespaces must
# have distinct names across a target (a collision fails the build at once).
# -DWEBOX_UNITY_BUILD=OFF gives one object per file for quick edit-compile
# cycles on a single source.
#
# The batch size: 16 by default, which keeps an edit's rebuild short; CI
# (scripts/test.sh) builds in batches of 32, which cost less in all: two
# batches of libwebox took 55.7 s of CPU with gcc -O2 as two and 44.7 s as
# one (docs/ARCHITECTURE.md, "Build and CI time"). A batch of 32 holds two of
# 16, so a name clash the default would meet fails CI too.
option(WEBOX_UNITY_BUILD "Compile libwebox, the CLI and the unit tests in unity batches" ON)
set(WEBOX_UNITY_BATCH_SIZE 16 CACHE STRING "Sources per unity batch (scripts/test.sh: 32)")
function(webox_unity_build target)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ${WEBOX_UNITY_BUILD}
                        UNITY_BUILD_BATCH_SIZE ${WEBOX_UNITY_BATCH_SIZE})
endfunction()
