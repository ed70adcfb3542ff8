# CPack: `cpack -G DEB` (or `cmake --build build --target package`) makes
# webox_<version>_<arch>.deb installing under /usr.
#
# Library dependencies are computed by dpkg-shlibdeps from the ELF files
# themselves (webox, every plugin, the phones module), so a plugin that starts
# linking a new library cannot be forgotten here. Only what no ELF file
# names is listed by hand: the espeak-ng voice data the offline `tts` reads
# at run time, and the PocketSphinx English model `transcribe` uses.
set(CPACK_PACKAGE_NAME webox)
set(CPACK_PACKAGE_VENDOR "webox")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Many AI providers behind one fast, scriptable command")
set(CPACK_PACKAGE_DESCRIPTION "webox is a command-line tool for chat, comparison, speech,
images and social lead collection across AI providers, extended by
plugins. This package holds the command, its plugins, prompts, man pages,
shell completions and the SDK for out-of-tree plugins.")
set(CPACK_PACKAGE_CONTACT "webox maintainers <maintainers@webox.invalid>")
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Merged with the shlibdeps result. libcurl4: loaded with dlopen at the first
# HTTP request (lib/net/curl_library.cpp), so shlibdeps no longer sees it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "espeak-ng-data, libcurl4")
# libportaudio2: `webox interview` records and plays through it, opened with dlopen
# (shlibdeps cannot see it), so a missing one is only "no audio device".
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pocketsphinx-en-us, libportaudio2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
include(CPack)
