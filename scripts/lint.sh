#!/usr/bin/env bash
# Checks the C and C++ a change touches against .clang-format and .clang-tidy.
#
#   scripts/lint.sh                  # both, against the default base
#   scripts/lint.sh --format-only    # seconds: what scripts/test.sh runs
#   scripts/lint.sh --fix            # rewrite the changed lines as clang-format wants them
#   scripts/lint.sh --base REV ...   # what has changed since REV (default: see below)
#   scripts/lint.sh --advisory ...   # print the findings but exit 0
#
# Only the change is checked, never the whole tree (which predates these
# files): clang-format looks at the changed LINES (clang-format-diff), so
# editing one line of an old function does not ask to reformat the file;
# clang-tidy looks at the changed .cpp/.c files. The base is the merge-base
# with main (or origin/main), or HEAD~1 when HEAD is on main itself or main is
# unknown (CI's detached checkout); uncommitted changes count too. Without a
# base (a one-commit shallow clone, a release tarball) there is nothing to
# compare with: the script says so and succeeds.
#
# clang-tidy needs a compile database with one entry per source; the normal
# build has unity batches and GCC precompiled headers, so the script configures
# (never builds) build-lint/, with both off: a few seconds.
# Exit status: 0 clean, 1 findings (printed), 2 usage or missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."

format=1 tidy=1 fix=0 advisory=0 base=""
while [ $# -gt 0 ]; do
  case $1 in
    --format-only) tidy=0 ;;
    --tidy-only) format=0 ;;
    --fix) fix=1 tidy=0 ;;
    --advisory) advisory=1 ;;
    --base) base=${2:?--base needs a revision}; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "lint.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

need() {
  command -v "$1" >/dev/null || { echo "lint.sh: $1 is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
}
[ $format = 1 ] && need clang-format && need clang-format-diff
[ $tidy = 1 ] && need clang-tidy

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "lint.sh: not a git checkout: no change to check"
  exit 0
fi
if [ -z "$base" ]; then
  head=$(git rev-parse HEAD)
  for ref in main origin/main; do
    base=$(git merge-base HEAD "$ref" 2>/dev/null || true)
    [ -n "$base" ] && break
  done
  if [ -z "$base" ] || [ "$base" = "$head" ]; then
    base=$(git rev-parse --verify -q HEAD~1 || true)
  fi
  if [ -z "$base" ]; then
    echo "lint.sh: no base to compare with (no main, no parent commit): nothing to check"
    exit 0
  fi
fi

paths=('*.c' '*.cc' '*.cpp' '*.h' '*.hh' '*.hpp')
mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- "${paths[@]}")
if [ ${#changed[@]} -eq 0 ]; then
  echo "lint.sh: no C/C++ changed since $(git rev-parse --short "$base")"
  exit 0
fi
status=0

if [ $format = 1 ]; then
  if [ $fix = 1 ]; then
    git diff -U0 --no-color "$base" -- "${paths[@]}" | clang-format-diff -p1 -i
    echo "lint.sh: changed lines of ${#changed[@]} file(s) formatted"
    exit 0
  fi
  diff=$(git diff -U0 --no-color "$base" -- "${paths[@]}" | clang-format-diff -p1)
  if [ -n "$diff" ]; then
    # An advisory run (CI) names the files; the diff itself is for a person.
    if [ $advisory = 1 ]; then
      echo "$diff" | sed -n 's|^+++ \(.*\)\t(after formatting)$|lint.sh: not as .clang-format says: \1|p'
    else
      echo "$diff"
    fi
    echo "lint.sh: changed lines differ from .clang-format (scripts/lint.sh --fix rewrites them)"
    status=1
  else
    echo "lint.sh: clang-format: the changed lines of ${#changed[@]} file(s) are formatted"
  fi
fi

if [ $tidy = 1 ]; then
  lint_build=${WEBOX_LINT_BUILD_DIR:-build-lint}
  # Configured every time (seconds, nothing is built): new and moved files must be in the database.
  cmake -S . -B "$lint_build" -DWEBOX_UNITY_BUILD=OFF -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  sources=()
  for f in "${changed[@]}"; do
    case $f in
      fuzz/*|examples/*) ;; # separate builds with their own flags
      *.c|*.cc|*.cpp) grep -q "\"file\": \".*/$f\"" "$lint_build/compile_commands.json" && sources+=("$f") ;;
    esac
  done
  if [ ${#sources[@]} -gt 0 ]; then
    if ! clang-tidy -p "$lint_build" --quiet --warnings-as-errors='*' "${sources[@]}" 2>/dev/null; then
      echo "lint.sh: clang-tidy found problems in the files above (.clang-tidy says why each check is on)"
      status=1
    else
      echo "lint.sh: clang-tidy: ${#sources[@]} changed source(s) clean"
    fi
  else
    echo "lint.sh: clang-tidy: no changed source in the compile database"
  fi
fi
if [ $status != 0 ] && [ $advisory = 1 ]; then
  echo "lint.sh: advisory run: not failing"
  exit 0
fi
exit $status
