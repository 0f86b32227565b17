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
PORT=${PORT:-8099}
READ_CACHE_MS=${READ_CACHE_MS:-1000}
source bench/lib.sh

start_server "$DB" --read-cache-ms "$READ_CACHE_MS"
SLUG=$(curl -sf "$BASE/v1/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["slug"])')
TAG=inflation
export SLUG

results=()
results+=("$(run healthz "$BASE/healthz")")
results+=("$(run "article-by-slug" "$BASE/v1/articles/$SLUG")")
results+=("$(run "list-limit-20" "$BASE/v1/articles?limit=20")")
results+=("$(run "list-tag-limit-20" "$BASE/v1/articles?tag=$TAG&limit=20")")
results+=("$(run "graphql-article-page" "$BASE/graphql" -s bench/graphql-page.lua)")

echo
echo "read cache: ${READ_CACHE_MS} ms; connections: $CONNECTIONS; duration: $DURATION; peak RSS: $(peak_rss)"
echo
table "${results[@]}"
