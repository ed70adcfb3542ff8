#!/usr/bin/env bash
# Installs the real, independently written MCP components the tests and the
# benchmark use, from the npm registry, once (cached):
#   @modelcontextprotocol/server-filesystem  the reference filesystem server
#     (tests/cli/test_mcp.py checks webox against it)
#   @modelcontextprotocol/sdk                the official TypeScript SDK, whose
#     client bench/mcp_calls.sh races webox against
# Node comes from Debian (nodejs, npm). The versions are pinned so a test run
# does not change under us; raise them here, in one place.
#
# Usage: scripts/install-test-deps.sh [DIR]   (default: $WEBOX_TEST_DEPS_DIR,
# else ~/.cache/webox-test-deps). Prints nothing when already installed; exits
# 0 even when npm cannot reach the registry (the interop test then skips and
# says why), unless WEBOX_TEST_DEPS_REQUIRED=1.
set -uo pipefail

dir=${1:-${WEBOX_TEST_DEPS_DIR:-$HOME/.cache/webox-test-deps}}
packages=(@modelcontextprotocol/server-filesystem@2026.8.31 @modelcontextprotocol/sdk@1.32.2)
stamp="$dir/.installed-$(printf '%s ' "${packages[@]}" | sha256sum | cut -c1-16)"

[ -f "$stamp" ] && exit 0
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "install-test-deps: node and npm are not installed (apt-get install nodejs npm); MCP interop tests will skip" >&2
  [ "${WEBOX_TEST_DEPS_REQUIRED:-0}" = 1 ] && exit 1
  exit 0
fi
mkdir -p "$dir"
echo "== npm install ${packages[*]} into $dir"
if npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${packages[@]}"; then
  touch "$stamp"
else
  echo "install-test-deps: npm install failed; MCP interop tests will skip" >&2
  [ "${WEBOX_TEST_DEPS_REQUIRED:-0}" = 1 ] && exit 1
fi
exit 0
