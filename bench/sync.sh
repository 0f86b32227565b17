#!/usr/bin/env bash
# Delta sync, feeds and sitemaps at scale (default: the demo at 100,000 articles).
#  1. An initial sync read page by page (the default page of 100), twice, while
#     the server's resident memory is sampled: its peak against the idle node's
#     (after a spell of ordinary reads).
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

start_server "$URL" --read-cache-ms 0
# The node builds its discovery models in the background after it starts, then
# serves ordinary traffic for a while (random article pages: SQLite's page
# caches fill as on any serving node); memory is "idle" after that.
wait_idle
sqlite_db=${URL#sqlite://}
if [ "$sqlite_db" != "$URL" ]; then
  command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
  sqlite3 "$sqlite_db" "SELECT '/v1/articles/' || slug FROM articles WHERE status = 'published' ORDER BY random() LIMIT 20000" >"$DATA/warm-paths.txt"
else
  psql "$URL" -qAtc "SELECT '/v1/articles/' || slug FROM articles WHERE status = 'published' ORDER BY random() LIMIT 20000" >"$DATA/warm-paths.txt"
fi
URLS_FILE="$DATA/warm-paths.txt" wrk -t2 -c16 -d20s -s bench/read.lua "$BASE" >/dev/null
sleep "${SETTLE:-30}"
# The initial sync at the default page size, page by page, with the server's
# resident memory (and its anonymous part, the heap) after each page.
token=$(python3 - "$BASE" "$PID" <<'PY'
import json, sys, time, urllib.request
base, pid = sys.argv[1], sys.argv[2]
def mem():
    fields = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
    return tuple(int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "RssAnon"))
idle = mem()
def initial_sync(n):
    peak = mem()
    pages = articles = 0
    t0 = time.time()
    token = None
    while True:
        url = f"{base}/v1/sync" + (f"?token={token}" if token else "")
        page = json.load(urllib.request.urlopen(url))
        pages += 1
        articles += len(page["data"])
        peak = tuple(max(a, b) for a, b in zip(peak, mem()))
        if page["nextPageToken"]:
            token = page["nextPageToken"]
        else:
            break
    print(f"initial sync {n}: {articles} articles in {pages} pages of 100, {time.time() - t0:.1f} s; resident memory "
          f"idle {idle[0]} MiB (heap {idle[1]}), peak during the sync {peak[0]} MiB (heap {peak[1]}): "
          f"+{peak[0] - idle[0]} MiB (heap +{peak[1] - idle[1]})", file=sys.stderr)
    return page["nextSyncToken"]
# Twice: whether anything accumulates.
initial_sync(1)
token = initial_sync(2)
print(token)
PY
)

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
cold=$(run "delta,read-cache-off" "$BASE/v1/sync?token=$token")
health_cold=$(run "/healthz" "$BASE/healthz")
kill "$PID"; wait "$PID" 2>/dev/null || true

start_server "$URL"
wait_idle
rows=("$(run "/healthz" "$BASE/healthz")")
# The first seconds after a start still pay for the node's first reads; a
# short run first, not recorded.
DURATION=5s run "warm-up" "$BASE/v1/sync?token=$token" >/dev/null
rows+=("$(run "delta,shipped-config" "$BASE/v1/sync?token=$token")")
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
