# Shared by the benchmarks: wrk, a release build, a database, a server, and one
# wrk run reduced to "name req/s p50 p99".
#
# The database: DATABASE_URL when set (any Newsdesk database, e.g. one filled by
# `newsdesk import` from another site's export); else the demo generated at
# ARTICLES articles with READERS readers (topical, popular or mixed, see
# `newsdesk demo --help`), on BACKEND sqlite (a file under bench/.data) or
# postgres (database bench_READERS_ARTICLES at PG_URL), built when missing.
# Environment: DURATION (default 10s), CONNECTIONS (64), ARTICLES (10000),
# READERS (topical), BACKEND (sqlite), PG_URL, PORT, BIN.

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
ARTICLES=${ARTICLES:-10000}
READERS=${READERS:-topical}
BACKEND=${BACKEND:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DATA=bench/.data
# BIN: another build to measure (an A/B against main); else main's release build.

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "${BIN:-}" ]; then
  BIN=target/release/newsdesk
  cargo build --release --locked -q
fi
mkdir -p "$DATA"
demo() {
  echo "generating the demo: $ARTICLES articles, $READERS readers" >&2
  "$BIN" demo --articles "$ARTICLES" --seed 1 --readers "$READERS"
}
if [ -n "${DATABASE_URL:-}" ]; then
  URL=$DATABASE_URL
elif [ "$BACKEND" = postgres ]; then
  name="bench_${READERS}_$ARTICLES"
  URL="$PG_URL/$name"
  if ! psql "$URL" -qAtc "SELECT 1 FROM articles LIMIT 1" 2>/dev/null | grep -q 1; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >&2
    demo | "$BIN" --database-url "$URL" import - >&2
  fi
else
  # The topical demo keeps its historic name: other benchmarks share it.
  if [ "$READERS" = topical ]; then DB="$DATA/demo-$ARTICLES.db"; else DB="$DATA/demo-$READERS-$ARTICLES.db"; fi
  URL="sqlite://$DB"
  [ -f "$DB" ] || demo | "$BIN" --database-url "$URL" import - >&2
fi
# start_server DATABASE_URL [serve args…]: serves on $PORT, sets $PID and $BASE.
start_server() {
  local url=$1; shift
  BASE="http://127.0.0.1:$PORT"
  # The load comes from one address: the per-address limits on searches and
  # counted beacons would stop it.
  RUST_LOG=warn "$BIN" --database-url "$url" serve --bind "127.0.0.1:$PORT" --workers 2 \
    --search-rate-limit 0 --beacon-limit 0 "$@" >/dev/null &
  PID=$!
  # Samples of the server's anonymous memory (heap), for peak_rss.
  ANON_LOG=$(mktemp)
  (while kill -0 "$PID" 2>/dev/null; do awk '/RssAnon/ {print $2}' "/proc/$PID/status" 2>/dev/null; sleep 0.5; done >"$ANON_LOG") &
  trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
  # A node serves once its search index and models are built: minutes for a
  # large database seen for the first time.
  for _ in $(seq 1 3000); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
}

# run NAME URL [wrk args…] -> "name req/s p50 p99"; non-2xx answers are reported.
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

# table RESULT… : a markdown table with each case's ratio to the first.
table() {
  local base
  base=$(awk '{print $2}' <<<"$1")
  echo "| case | req/s | ratio to /healthz | p50 | p99 |"
  echo "|---|---|---|---|---|"
  for r in "$@"; do
    read -r name rps p50 p99 <<<"$r"
    ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
    echo "| $name | $rps | $ratio | $p50 | $p99 |"
  done
}

# Peak resident memory, which counts the pages of mapped files read so far
# (the search index, SQLite's file); the peak of the heap (anonymous memory,
# sampled twice a second); the heap now.
peak_rss() {
  local heap
  heap=$(sort -n "$ANON_LOG" | tail -n1)
  awk -v heap="${heap:-0}" '/VmHWM/ {hwm=$2} /RssAnon/ {anon=$2} END {printf "%.0f MiB (heap peak %.0f MiB, now %.0f MiB)", hwm/1024, heap/1024, anon/1024}' "/proc/$PID/status"
}

# wait_idle: until the server's background work after a start (discovery
# models, rankings) is done: less than 5 % of a core over a second, at most
# five minutes.
wait_idle() {
  local clk before after
  clk=$(getconf CLK_TCK)
  for _ in $(seq 1 300); do
    before=$(awk '{print $14 + $15}' "/proc/$PID/stat")
    sleep 1
    after=$(awk '{print $14 + $15}' "/proc/$PID/stat")
    [ $((after - before)) -le $((clk / 20)) ] && return 0
  done
  echo "warning: the server was still busy after five minutes" >&2
}
