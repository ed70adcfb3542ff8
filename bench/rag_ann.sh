#!/usr/bin/env bash
# The approximate index (issue 17): hnswlib's build, load in a fresh process,
# search and recall@10, next to an exact scan. See bench/rag_ann.cpp; the
# decision it supports is in docs/ARCHITECTURE.md ("Retrieval").
# Usage: bench/rag_ann.sh [N] [D]      (default 20000 384)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -march=native -o "$work/rag_ann" bench/rag_ann.cpp -lpthread
"$work/rag_ann" "${1:-20000}" "${2:-384}" "$work/index.hnsw"
