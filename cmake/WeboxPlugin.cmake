# webox_add_plugin(<id> SOURCES ... [LIBS ...] [DEFINES ...] [MANIFEST file])
#
# Builds plugins/<id> as a MODULE named webox-<id>.so into
# ${WEBOX_PLUGIN_OUTPUT_DIR}/<id>/ next to its plugin.json, so that an
# uninstalled build tree (build/bin/webox + build/lib/webox/plugins) works with
# no environment variable. Only the entry symbol is exported (version script),
# nothing is left undefined, and static dependencies never leak symbols.
function(webox_add_plugin id)
  cmake_parse_arguments(P "" "MANIFEST" "SOURCES;LIBS;DEFINES" ${ARGN})
  set(target webox_plugin_${id})
  add_library(${target} MODULE ${P_SOURCES})
  set(out_dir ${WEBOX_PLUGIN_OUTPUT_DIR}/${id})
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME webox-${id}
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/plugins/sdk/include)
  target_compile_definitions(${target} PRIVATE ${P_DEFINES})
  set(no_undefined -Wl,--no-undefined)
  if(WEBOX_SANITIZE)
    set(no_undefined "") # the sanitizer runtimes live in the host executable
  endif()
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/plugins/sdk/plugin.map
    ${no_undefined} -Wl,--exclude-libs,ALL)
  target_link_libraries(${target} PRIVATE webox_warnings ${P_LIBS})
  if(NOT P_MANIFEST)
    set(P_MANIFEST ${CMAKE_CURRENT_SOURCE_DIR}/plugin.json)
  endif()
  configure_file(${P_MANIFEST} ${out_dir}/plugin.json COPYONLY)
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/webox/plugins/${id})
  install(FILES ${out_dir}/plugin.json DESTINATION ${CMAKE_INSTALL_LIBDIR}/webox/plugins/${id})
  set_property(GLOBAL APPEND PROPERTY WEBOX_PLUGIN_TARGETS ${target})
endfunction()
