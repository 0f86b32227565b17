#!/usr/bin/env bash
# Two builds on the same database, caches off, servers started in turn on the
# same port, ROUNDS rounds interleaved: req/s of /healthz, the newest list, the
# largest tag's list (REST) and the newest list in GraphQL, per build.
#
#   bench/ab.sh BEFORE_BINARY AFTER_BINARY
#
# Environment: DURATION (default 5s), ROUNDS (2), and those of bench/lib.sh for
# the database (the binary bench/lib.sh builds fills it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1 AFTER=$2
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-8099}
source bench/lib.sh
BASE="http://127.0.0.1:$PORT"

rps() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$@" | awk '/^Requests\/sec/ {print $2}'; }

echo "| round, build | healthz | newest (REST) | tag (REST) | newest (GraphQL) | list bytes |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for build in before after; do
    if [ "$build" = before ]; then bin=$BEFORE; else bin=$AFTER; fi
    "$bin" --database-url "$URL" serve --bind "127.0.0.1:$PORT" --workers 2 --search-rate-limit 0 \
      --beacon-limit 0 --read-cache-ms 0 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
    tag=$(curl -s "$BASE/v1/tags?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["slug"])')
    bytes=$(curl -s "$BASE/v1/articles?limit=20" | wc -c)
    echo "| $round, $build | $(rps "$BASE/healthz") | $(rps "$BASE/v1/articles?limit=20") |" \
      "$(rps "$BASE/v1/articles?limit=20&tag=$tag") | $(GQL_FILE=bench/graphql-list.graphql rps "$BASE/graphql" -s bench/read.lua) | $bytes |"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
