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

if(WEBOX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
