#!/usr/bin/env bash
# Discovery benchmark: related articles, recommendations and search on the
# 100,000-article demo database (SQLite), 16 connections, every request for a
# different article, session or composed query (bench/discovery-random.lua), so
# that the per-node response cache rarely answers.
# Runs the loads twice: with the shipped configuration (1 s read cache: whole
# responses, and list items by id), then with every read cache off (each
# request assembled from SQLite). Reports start-up time (with the search index
# built from scratch, then reused), resident memory, and the quality evaluation.
#
#   bench/discovery.sh
#
# Environment: DURATION (default 20s), CONNECTIONS (16), ARTICLES (100000), PORT (8096).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8096}
ARTICLES=${ARTICLES:-100000}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-20s}
source bench/lib.sh

# On SQLite the node keeps its search index beside the file: start without it.
if [ -n "${DB:-}" ]; then rm -rf "$DB.search"; fi
started=$(date +%s.%N)
start_server "$URL"
for _ in $(seq 1 1200); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
cold=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
kill $PID; wait $PID 2>/dev/null || true
started=$(date +%s.%N)
start_server "$URL"
for _ in $(seq 1 1200); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
warm=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')

SLUGS_FILE="$DATA/slugs-$ARTICLES.txt"
cursor=""
: >"$SLUGS_FILE"
for _ in $(seq 1 20); do
  page=$(curl -sf "$BASE/v1/articles?limit=100${cursor:+&cursor=$cursor}")
  python3 -c 'import sys, json; [print(a["slug"]) for a in json.load(sys.stdin)["data"]]' <<<"$page" >>"$SLUGS_FILE"
  cursor=$(python3 -c 'import sys, json; print(json.load(sys.stdin)["nextCursor"] or "")' <<<"$page")
done
export SLUGS_FILE

# Each load runs 10 s unmeasured first: a node computes an article's related
# list once per content model and then reuses it, and serves for hours.
loads() {
  for mode in related recommendations search; do
    MODE=$mode wrk -t2 -c"$CONNECTIONS" -d10s -s bench/discovery-random.lua "$BASE" >/dev/null
  done
  local results=()
  results+=("$(run healthz "$BASE/healthz")")
  results+=("$(MODE=related run related "$BASE" -s bench/discovery-random.lua)")
  results+=("$(MODE=recommendations run recommendations "$BASE" -s bench/discovery-random.lua)")
  results+=("$(MODE=search run search "$BASE" -s bench/discovery-random.lua)")
  table "${results[@]}"
}

echo
echo "ready after a start with no search index: ${cold} s; after a restart: ${warm} s"
echo "connections: $CONNECTIONS; duration: $DURATION"
echo
echo "### Shipped configuration (1 s read cache)"
loads
echo
echo "peak RSS: $(peak_rss)"
kill $PID; wait $PID 2>/dev/null || true

start_server "$URL" --read-cache-ms 0
for _ in $(seq 1 1200); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
echo
echo "### Read caches off (--read-cache-ms 0)"
loads
echo
echo "peak RSS: $(peak_rss)"
kill $PID; wait $PID 2>/dev/null || true
echo
"$BIN" --database-url "$URL" eval recommendations
echo
"$BIN" --database-url "$URL" eval related
