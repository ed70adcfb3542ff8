#!/usr/bin/env bash
# Every built plugin exports exactly one dynamic symbol: webox_plugin_entry_v1.
set -euo pipefail
dir=$1
n=0
for so in "$dir"/*/webox-*.so; do
  exports=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
  if [ "$exports" != "webox_plugin_entry_v1" ]; then
    echo "FAIL $so exports:"; echo "$exports"; exit 1
  fi
  if ldd "$so" | grep -Eq 'libcurl|libspdlog'; then
    echo "FAIL $so links libcurl or spdlog"; exit 1
  fi
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no plugins found in $dir"; exit 1; }
echo "$n plugins checked: each exports only webox_plugin_entry_v1 and links neither libcurl nor spdlog"
