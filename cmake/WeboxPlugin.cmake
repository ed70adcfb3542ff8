# What a plugin may include, and all it gets on its include path: the SDK
# (<webox/plugin.hpp>) and plugins/common/, the in-tree kits
# ("plugins/common/provider_kit.hpp", "plugins/common/shared/wav.hpp"). Never
# the repository root: a plugin is built against the C ABI alone, so lib/ and
# cli/ must stay out of its reach. The kits keep the spelling the host uses
# for plugins/common/shared/ through a window onto the source tree that holds
# nothing else: <build>/plugin-include/plugins/common -> plugins/common.
# tests/arch/check_layering.py checks what an include path cannot, such as
# "../../lib/x.hpp".
set(WEBOX_PLUGIN_INCLUDE_ROOT ${PROJECT_BINARY_DIR}/plugin-include)
file(MAKE_DIRECTORY ${WEBOX_PLUGIN_INCLUDE_ROOT}/plugins)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/plugins/common ${WEBOX_PLUGIN_INCLUDE_ROOT}/plugins/common SYMBOLIC)
set(WEBOX_PLUGIN_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/plugins/sdk/include ${WEBOX_PLUGIN_INCLUDE_ROOT})

# webox_add_plugin(<id> SOURCES ... [LIBS ...] [DEFINES ...] [MANIFEST file])
#
# Builds plugins/<id> as a MODULE named webox-<id>.so into
# ${WEBOX_PLUGIN_OUTPUT_DIR}/<id>/ next to its plugin.json, so that an
# uninstalled build tree (build/bin/webox + build/lib/webox/plugins) works with
# no environment variable. Only the entry symbol is exported (version script),
# nothing is left undefined, and static dependencies never leak symbols.
# Every plugin is compiled with its manifest's facts as definitions
# (webox_manifest_defines below), so its descriptor states none of them
# again (plugins/common/descriptor.hpp); the manifest's id must be <id>.
function(webox_add_plugin id)
  cmake_parse_arguments(P "" "MANIFEST" "SOURCES;LIBS;DEFINES" ${ARGN})
  if(NOT P_MANIFEST)
    set(P_MANIFEST ${CMAKE_CURRENT_SOURCE_DIR}/plugin.json)
  endif()
  webox_manifest_defines(${P_MANIFEST} manifest_defines)
  if(NOT "WEBOX_PROVIDER_ID=\"${id}\"" IN_LIST manifest_defines)
    message(FATAL_ERROR "${P_MANIFEST}: its id is not '${id}'")
  endif()
  list(APPEND P_DEFINES ${manifest_defines})
  set(target webox_plugin_${id})
  add_library(${target} MODULE ${P_SOURCES})
  set(out_dir ${WEBOX_PLUGIN_OUTPUT_DIR}/${id})
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME webox-${id}
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${target} PRIVATE ${WEBOX_PLUGIN_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE ${P_DEFINES})
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/plugins/sdk/plugin.map
    ${WEBOX_NO_UNDEFINED} -Wl,--exclude-libs,ALL)
  target_link_libraries(${target} PRIVATE webox_warnings ${P_LIBS})
  configure_file(${P_MANIFEST} ${out_dir}/plugin.json COPYONLY)
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/webox/plugins/${id})
  install(FILES ${out_dir}/plugin.json DESTINATION ${CMAKE_INSTALL_LIBDIR}/webox/plugins/${id})
  set_property(GLOBAL APPEND PROPERTY WEBOX_PLUGIN_TARGETS ${target})
endfunction()

# webox_manifest_defines(<manifest> <out_var>)
#
# Reads a plugin.json and sets <out_var> to compile definitions carrying what
# the code must agree on with the manifest: WEBOX_PROVIDER_ID, _VERSION,
# _MODELS (comma-separated) and, when present, _KEY_VAR (secrets[0]),
# _BASE_URL_ENV and _DEFAULT_BASE_URL; WEBOX_PLUGIN_MIN_HOST_MINOR
# (abi.min_host_minor, default 0) and WEBOX_PLUGIN_CAPABILITIES (the
# capabilities as WEBOX_CAP_* bits: "chat-stream" -> WEBOX_CAP_CHAT_STREAM).
# The manifest stays the one place these facts are written; a change to it
# reconfigures. webox_add_plugin() calls it for every plugin.
function(webox_manifest_defines manifest out_var)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${manifest})
  file(READ ${manifest} text)
  string(JSON id GET "${text}" id)
  string(JSON version GET "${text}" version)
  set(defines WEBOX_PROVIDER_ID="${id}" WEBOX_PROVIDER_VERSION="${version}")
  set(models "")
  string(JSON model_count ERROR_VARIABLE no_models LENGTH "${text}" models)
  if(NOT no_models AND model_count GREATER 0)
    math(EXPR last "${model_count} - 1")
    foreach(i RANGE ${last})
      string(JSON model GET "${text}" models ${i})
      list(APPEND models ${model})
    endforeach()
  endif()
  string(JOIN "," models ${models})
  list(APPEND defines WEBOX_PROVIDER_MODELS="${models}")
  string(JSON key_var ERROR_VARIABLE no_key GET "${text}" secrets 0)
  if(NOT no_key)
    list(APPEND defines WEBOX_PROVIDER_KEY_VAR="${key_var}")
  endif()
  foreach(field base_url_env default_base_url)
    string(JSON value ERROR_VARIABLE missing GET "${text}" ${field})
    if(NOT missing)
      string(TOUPPER ${field} upper)
      list(APPEND defines WEBOX_PROVIDER_${upper}="${value}")
    endif()
  endforeach()
  string(JSON min_minor ERROR_VARIABLE no_minor GET "${text}" abi min_host_minor)
  if(no_minor)
    set(min_minor 0)
  endif()
  list(APPEND defines WEBOX_PLUGIN_MIN_HOST_MINOR=${min_minor})
  set(caps "")
  string(JSON cap_count ERROR_VARIABLE no_caps LENGTH "${text}" capabilities)
  if(NOT no_caps AND cap_count GREATER 0)
    math(EXPR last "${cap_count} - 1")
    foreach(i RANGE ${last})
      string(JSON cap GET "${text}" capabilities ${i})
      string(TOUPPER "${cap}" cap)
      string(REPLACE "-" "_" cap "${cap}")
      list(APPEND caps "WEBOX_CAP_${cap}")
    endforeach()
  endif()
  string(JOIN "|" caps ${caps})
  if(caps STREQUAL "")
    set(caps 0)
  endif()
  list(APPEND defines "WEBOX_PLUGIN_CAPABILITIES=(${caps})")
  set(${out_var} ${defines} PARENT_SCOPE)
endfunction()
