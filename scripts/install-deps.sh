#!/usr/bin/env bash
# Installs every Debian package webox needs to build, test and run.
# Idempotent and non-interactive: packages already present are skipped by apt,
# and `apt-get update` only runs when something is actually missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev catch2 libcurl4-openssl-dev libssl-dev zlib1g-dev
  libkainjow-mustache-dev libutf8proc-dev libedit-dev
  libespeak-ng-dev espeak-ng-data libpocketsphinx-dev pocketsphinx-en-us
  python3 curl hyperfine
  libphonenumber-dev libzip-dev
  zsh fish   # the install tests syntax-check and run the generated completions (about 8 MB)
  libsimdjson-dev
  libmd4c-dev   # Markdown rendering on a terminal (lib/render)
  portaudio19-dev   # microphone and speakers of `webox interview` (libportaudio2, opened with dlopen only when a session records)
  libpoppler-cpp-dev   # PDF text (the webox-pdf.so module, loaded only when a PDF is read)
  libcpp-httplib-dev   # the HTTP server of `webox serve` (the webox-httpd.so module, loaded only by that command)
  libpq-dev   # the PostgreSQL store (the webox-pg.so module, loaded only for a postgresql:// store URL)
  postgresql-15   # the tests' throwaway PostgreSQL cluster (tests/pg_cluster.sh, ctest fixture "pg")
  clang openssl   # fuzz targets (libFuzzer); test certificates
  lld   # the linker of every tree when present (cmake/WeboxSettings.cmake: a fifth of GNU ld's CPU time)
  clang-format clang-tidy   # scripts/lint.sh (.clang-format, .clang-tidy)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
