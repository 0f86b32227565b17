#!/usr/bin/env bash
# Read-path benchmark: wrk against a release build serving the 10,000-article demo
# database on SQLite, each case reported as a ratio to GET /healthz of the same run.
#
#   bench/read.sh                      # read cache on (the default configuration)
#   READ_CACHE_MS=0 bench/read.sh      # every request assembled from the database
#
# Environment: DURATION (default 10s), CONNECTIONS (64), ARTICLES (10000), PORT (8099).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
ARTICLES=${ARTICLES:-10000}
PORT=${PORT:-8099}
READ_CACHE_MS=${READ_CACHE_MS:-1000}
DATA=bench/.data
DB="$DATA/demo-$ARTICLES.db"
BIN=target/release/newsdesk
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -q
mkdir -p "$DATA"
if [ ! -f "$DB" ]; then
  echo "building $DB" >&2
  "$BIN" demo --articles "$ARTICLES" --seed 1 | "$BIN" --database-url "sqlite://$DB" import - >&2
fi

RUST_LOG=warn "$BIN" --database-url "sqlite://$DB" serve --bind "127.0.0.1:$PORT" --workers 2 \
  --read-cache-ms "$READ_CACHE_MS" >/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

SLUG=$(curl -sf "$BASE/v1/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["slug"])')
TAG=inflation
export SLUG

# run NAME URL [wrk args…] -> "name req/s p50 p99"
run() {
  local name=$1 url=$2; shift 2
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "error: $name answered non-2xx" >&2; grep Non-2xx <<<"$out" >&2; fi
  echo "$name $rps $p50 $p99"
}

results=()
results+=("$(run healthz "$BASE/healthz")")
results+=("$(run "article-by-slug" "$BASE/v1/articles/$SLUG")")
results+=("$(run "list-limit-20" "$BASE/v1/articles?limit=20")")
results+=("$(run "list-tag-limit-20" "$BASE/v1/articles?tag=$TAG&limit=20")")
results+=("$(run "graphql-article-page" "$BASE/graphql" -s bench/graphql-page.lua)")
rss=$(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$PID/status")

base=$(awk '{print $2}' <<<"${results[0]}")
echo
echo "read cache: ${READ_CACHE_MS} ms; connections: $CONNECTIONS; duration: $DURATION; peak RSS: $rss"
echo
echo "| case | req/s | ratio to /healthz | p50 | p99 |"
echo "|---|---|---|---|---|"
for r in "${results[@]}"; do
  read -r name rps p50 p99 <<<"$r"
  ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  echo "| $name | $rps | $ratio | $p50 | $p99 |"
done
