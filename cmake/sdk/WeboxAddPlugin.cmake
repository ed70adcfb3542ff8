# webox_add_plugin(<id> SOURCES src... [LIBS lib...] [DEFINES def...]
#                  [MANIFEST plugin.json] [OUTPUT_DIR dir] [INSTALL_DIR dir])
#
# The out-of-tree twin of the function webox uses for its own plugins: builds
# a MODULE named webox-<id>.so into OUTPUT_DIR/<id>/ (default
# ${CMAKE_BINARY_DIR}/plugins/<id>) next to a copy of its manifest, so that
#   WEBOX_PLUGIN_PATH=${CMAKE_BINARY_DIR}/plugins webox plugins info <id>
# works straight from the build tree. Only the entry symbol is exported (the
# SDK's version script), nothing may stay undefined, static dependencies never
# leak symbols. `cmake --install` puts the folder under INSTALL_DIR/<id>
# (default ${CMAKE_INSTALL_LIBDIR}/webox/plugins, relative to your prefix; a
# user install can use $XDG_DATA_HOME/webox/plugins instead).
#
# The manifest's "id" must equal <id>: webox refuses a plugin whose
# descriptor, manifest and folder disagree, so this is checked at configure
# time rather than at the first load.
include(GNUInstallDirs)

function(webox_add_plugin id)
  cmake_parse_arguments(P "" "MANIFEST;OUTPUT_DIR;INSTALL_DIR" "SOURCES;LIBS;DEFINES" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "webox_add_plugin(${id}): SOURCES is required")
  endif()
  if(NOT P_MANIFEST)
    set(P_MANIFEST ${CMAKE_CURRENT_SOURCE_DIR}/plugin.json)
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins)
  endif()
  if(NOT P_INSTALL_DIR)
    set(P_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/webox/plugins)
  endif()

  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${P_MANIFEST})
  file(READ ${P_MANIFEST} manifest_text)
  string(JSON manifest_id ERROR_VARIABLE json_error GET "${manifest_text}" id)
  if(json_error)
    message(FATAL_ERROR "${P_MANIFEST}: ${json_error}")
  endif()
  if(NOT manifest_id STREQUAL id)
    message(FATAL_ERROR "${P_MANIFEST}: id is '${manifest_id}', but webox_add_plugin() was given '${id}'")
  endif()

  set(target webox_plugin_${id})
  set(out_dir ${P_OUTPUT_DIR}/${id})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME webox-${id}
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${WEBOX_PLUGIN_VERSION_SCRIPT})
  target_compile_definitions(${target} PRIVATE ${P_DEFINES})
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${WEBOX_PLUGIN_VERSION_SCRIPT} -Wl,--no-undefined -Wl,--exclude-libs,ALL)
  target_link_libraries(${target} PRIVATE webox::plugin-sdk ${P_LIBS})
  configure_file(${P_MANIFEST} ${out_dir}/plugin.json COPYONLY)
  install(TARGETS ${target} LIBRARY DESTINATION ${P_INSTALL_DIR}/${id})
  install(FILES ${out_dir}/plugin.json DESTINATION ${P_INSTALL_DIR}/${id})
endfunction()
