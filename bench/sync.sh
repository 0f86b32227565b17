#!/usr/bin/env bash
# Delta sync, feeds and sitemaps at scale (default: the demo at 100,000 articles).
#  1. An initial sync read page by page (limit 200) while the server's resident
#     memory is sampled: its peak against the idle node's.
#  2. 100 articles edited, then the delta from the token taken before the edits,
#     under wrk at 16 connections: with the read cache off (every request
#     computed) and with the shipped configuration.
#  3. Feeds and the news sitemap under wrk with the shipped configuration, as
#     ratios to /healthz.
# Usage: bench/sync.sh  (environment as bench/lib.sh; ARTICLES defaults to 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES=${ARTICLES:-100000}
PORT=${PORT:-8098}
CONNECTIONS=16
source bench/lib.sh
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }

start_server "$URL" --read-cache-ms 0
curl -sf -o /dev/null "$BASE/v1/sync?limit=200"
sleep 2
idle=$(rss_kib)
peak=$idle
pages=0
articles=0
token=""
t0=$(date +%s.%N)
while :; do
  if [ -z "$token" ]; then page=$(curl -sf "$BASE/v1/sync?limit=200"); else page=$(curl -sf "$BASE/v1/sync?limit=200&token=$token"); fi
  pages=$((pages + 1))
  articles=$((articles + $(json 'len(d["data"])' <<<"$page")))
  now=$(rss_kib)
  [ "$now" -gt "$peak" ] && peak=$now
  next=$(json 'd["nextPageToken"] or ""' <<<"$page")
  if [ -z "$next" ]; then token=$(json 'd["nextSyncToken"]' <<<"$page"); break; fi
  token=$next
done
t1=$(date +%s.%N)
echo "initial sync: $articles articles in $pages pages, $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s;" \
  "resident memory idle $((idle / 1024)) MiB, peak during the sync $((peak / 1024)) MiB (+$(((peak - idle) / 1024)) MiB)"

# 100 edits through the API.
KEY=$("$BIN" --database-url "$URL" keys create --name "bench-sync-$$" --scope content:write)
ids=$(curl -sf "$BASE/v1/articles?limit=100" | json '" ".join(a["id"] for a in d["data"])')
for id in $ids; do
  version=$(curl -sf "$BASE/v1/admin/articles/$id" -H "authorization: Bearer $KEY" | json 'd["version"]')
  curl -sf -o /dev/null -X PATCH "$BASE/v1/admin/articles/$id" -H "authorization: Bearer $KEY" \
    -H 'content-type: application/json' -d "{\"summary\": \"Edited for the sync benchmark $$\", \"version\": $version}"
done
delta=$(curl -sf "$BASE/v1/sync?token=$token")
echo "delta after 100 edits: $(json 'len(d["data"])' <<<"$delta") articles, $(wc -c <<<"$delta") bytes"
cold=$(run "delta (read cache off)" "$BASE/v1/sync?token=$token")
health_cold=$(run "/healthz" "$BASE/healthz")
kill "$PID"; wait "$PID" 2>/dev/null || true

start_server "$URL"
rows=("$(run "/healthz" "$BASE/healthz")")
rows+=("$(run "delta (shipped config)" "$BASE/v1/sync?token=$token")")
section=$(curl -sf "$BASE/v1/sections" | json 'd["data"][0]["slug"]')
rows+=("$(run "/v1/feeds/rss.xml" "$BASE/v1/feeds/rss.xml")")
rows+=("$(run "/v1/feeds/sections/$section/feed.json" "$BASE/v1/feeds/sections/$section/feed.json")")
rows+=("$(run "/sitemap-news.xml" "$BASE/sitemap-news.xml")")
rows+=("$(run "/sitemap.xml" "$BASE/sitemap.xml")")
echo
echo "Read cache off:"
table "$health_cold" "$cold"
echo
echo "Shipped configuration:"
table "${rows[@]}"
echo "peak: $(peak_rss)"
