#!/usr/bin/env bash
# Write-path benchmark: view beacons at full speed (each from a new session, so
# each counts), article reads alone and while beacons arrive, and rankings; then
# checks that every accepted beacon was counted. Release build, the demo
# database (copied, so runs do not accumulate views), SQLite.
#
#   bench/engagement.sh
#
# Environment: DURATION (default 10s), CONNECTIONS (64), ARTICLES (10000), PORT (8097).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8097}
source bench/lib.sh

RUN_DB="$DATA/engagement-$ARTICLES.db"
rm -f "$RUN_DB" "$RUN_DB-wal" "$RUN_DB-shm"
cp "$DB" "$RUN_DB"
start_server "$RUN_DB"
SLUG=$(curl -sf "$BASE/v1/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["slug"])')
export SLUG
views() { curl -sf "$BASE/v1/articles/$SLUG" | python3 -c 'import sys, json; print(json.load(sys.stdin)["views"])'; }
metric() { curl -sf "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

results=()
results+=("$(run healthz "$BASE/healthz")")
results+=("$(run "article-by-slug" "$BASE/v1/articles/$SLUG")")
before=$(views)
beacons=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/view-beacon.lua "$BASE/" | tee "$DATA/beacons.txt" | awk '/requests in/ {print $1}')
results+=("$(awk '/^Requests\/sec/ {r=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} END {print "view-beacon", r, p50, p99}' "$DATA/beacons.txt")")
grep -q Non-2xx "$DATA/beacons.txt" && { echo "error: beacons answered non-2xx" >&2; grep Non-2xx "$DATA/beacons.txt" >&2; }
sleep 3
after=$(views)

# Reads with beacons arriving at the same time, half the connections each.
HALF=$((CONNECTIONS / 2))
results+=("$(CONNECTIONS=$HALF run "article-by-slug-alone-c$HALF" "$BASE/v1/articles/$SLUG")")
# The same with trivial requests alongside: what sharing two cores costs by itself.
wrk -t1 -c"$HALF" -d"$DURATION" "$BASE/healthz" >"$DATA/healthz-mixed.txt" &
WRK=$!
results+=("$(CONNECTIONS=$HALF run "article-by-slug-with-healthz-c$HALF" "$BASE/v1/articles/$SLUG")")
wait $WRK
wrk -t1 -c"$HALF" -d"$DURATION" -s bench/view-beacon.lua "$BASE/" >"$DATA/beacons-mixed.txt" &
WRK=$!
results+=("$(CONNECTIONS=$HALF run "article-by-slug-with-beacons-c$HALF" "$BASE/v1/articles/$SLUG")")
wait $WRK
healthz_rps=$(awk '/^Requests\/sec/ {print $2}' "$DATA/healthz-mixed.txt")
mixed_rps=$(awk '/^Requests\/sec/ {print $2}' "$DATA/beacons-mixed.txt")

results+=("$(run "ranking-most-read-24h" "$BASE/v1/rankings/most-read?limit=10")")
results+=("$(run "ranking-trending-section" "$BASE/v1/rankings/trending?section=business&limit=10")")
compute=$(metric newsdesk_rankings_compute_seconds)

echo
echo "connections: $CONNECTIONS; duration: $DURATION; peak RSS: $(peak_rss)"
echo "view beacons answered 202 by wrk's count: $beacons; views counted: $((after - before))"
echo "alongside the mixed read runs: healthz $healthz_rps req/s, view beacons $mixed_rps req/s"
echo "last ranking computation (all four windows): ${compute} s"
echo
table "${results[@]}"
