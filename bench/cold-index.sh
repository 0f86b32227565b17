#!/usr/bin/env bash
# Cold search-index builds on a site with a wide vocabulary (bench/wide-vocabulary.py):
# the site is imported once per backend, then `serve` is started ROUNDS times with
# no search index. Each round waits until the index is built and a search answers,
# and fails if the process exited on the way.
#
# Environment: N (articles, default 10000), ROUNDS (5), PORT (8096),
# PG (admin URL, default postgres://postgres@127.0.0.1:5432/test; empty: SQLite only).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-8096}
PG=${PG-postgres://postgres@127.0.0.1:5432/test}
BIN=target/release/newsdesk
DATA=bench/.data
SITE="$DATA/wide-$N.ndjson"
cargo build --release --locked -q
mkdir -p "$DATA"
[ -f "$SITE" ] || python3 bench/wide-vocabulary.py "$N" > "$SITE"

rounds() {
  local url=$1 index="$DATA/wide-index"
  local t0 pid took
  for r in $(seq 1 "$ROUNDS"); do
    rm -rf "$index"
    t0=$(date +%s.%N)
    RUST_LOG=warn "$BIN" --database-url "$url" serve --bind "127.0.0.1:$PORT" --search-index "$index" \
      --beacon-journal "$DATA/wide-beacons" >/dev/null 2>"$DATA/wide-serve.log" &
    pid=$!
    until curl -sf "http://127.0.0.1:$PORT/v1/search?q=dada&limit=1" >/dev/null 2>&1; do
      if ! kill -0 "$pid" 2>/dev/null; then echo "round $r: the server exited" >&2; cat "$DATA/wide-serve.log" >&2; exit 1; fi
      sleep 0.2
    done
    took=$(echo "$(date +%s.%N) - $t0" | bc)
    curl -sf "http://127.0.0.1:$PORT/readyz" | tr '\n' ' '
    kill "$pid"; wait "$pid" || true
    echo "round $r: searchable after ${took} s"
  done
}

echo "== SQLite"
rm -f "$DATA/wide.db"*
"$BIN" --database-url "sqlite://$DATA/wide.db" import "$SITE" 2>&1 | tail -1
rounds "sqlite://$DATA/wide.db"

if [ -n "$PG" ]; then
  echo "== PostgreSQL"
  psql -q "$PG" -c "DROP DATABASE IF EXISTS newsdesk_wide" -c "CREATE DATABASE newsdesk_wide"
  url="${PG%/*}/newsdesk_wide"
  "$BIN" --database-url "$url" import "$SITE" 2>&1 | tail -1
  rounds "$url"
  psql -q "$PG" -c "DROP DATABASE newsdesk_wide WITH (FORCE)"
fi
