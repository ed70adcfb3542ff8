# cmake -DWEBOX=<bin> -DSHELL=bash|zsh|fish -DOUTPUT=<file> -P GenerateCompletion.cmake
# Writes `webox completions SHELL` to OUTPUT, failing the build when webox
# fails. Writes a temporary file first so that a failed run leaves no
# truncated script behind for the install step.
# A sanitized build must not fail on leak reports at exit.
set(ENV{ASAN_OPTIONS} "detect_leaks=0")
# Ninja creates the folder of a custom command's output; Make does not.
get_filename_component(output_dir ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${output_dir})
execute_process(COMMAND ${WEBOX} completions ${SHELL}
  OUTPUT_FILE ${OUTPUT}.tmp
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "webox completions ${SHELL} failed: ${status}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
