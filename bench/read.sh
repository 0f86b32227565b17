#!/usr/bin/env bash
# Read-path benchmark: wrk against a release build, each case reported as a
# ratio to GET /healthz of the same run (see bench/lib.sh for the database:
# the demo at ARTICLES on BACKEND sqlite or postgres, or any DATABASE_URL).
#
#   bench/read.sh cold        # caches off (--read-cache-ms 0), one fixed URL per
#                             # shape: the article page and every list shape, in
#                             # REST and GraphQL
#   bench/read.sh long-tail   # a random article or list page per request (every
#                             # published article, every section, tag and author
#                             # in each order), shipped configuration then caches off
#
# Environment: DURATION (default 10s), CONNECTIONS (64), PORT (8099), and those
# of bench/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-cold}
PORT=${PORT:-8099}
source bench/lib.sh

get() { curl -sf "$BASE$1"; }
field() { python3 -c "import sys, json; v = json.load(sys.stdin); print($1)"; }

# The list shapes, on what the database holds: its largest tag and a tag found
# with it, its most prolific author, a section with sub-sections, a month.
shapes() {
  local tags tag other author section cursor since until
  tags=$(get "/v1/tags?limit=100")
  tag=$(field 'max(v["data"], key=lambda t: t["articleCount"])["slug"]' <<<"$tags")
  other=$(get "/v1/articles?tag=$tag&limit=1" | field "[t['slug'] for t in v['data'][0]['tags'] if t['slug'] != '$tag'][0]")
  author=$(get "/v1/authors?limit=100" | field 'max(v["data"], key=lambda a: a["articleCount"])["slug"]')
  section=$(get "/v1/sections" | field '[s["slug"] for s in v["data"] if s["children"]][0]')
  cursor=""
  for _ in $(seq 1 25); do cursor=$(get "/v1/articles?limit=20${cursor:+&cursor=$cursor}" | field 'v["nextCursor"]'); done
  until=$(date -u +%Y-%m-%dT00:00:00Z)
  since=$(date -u -d '30 days ago' +%Y-%m-%dT00:00:00Z)
  echo "newest /v1/articles?limit=20"
  echo "oldest /v1/articles?limit=20&sort=publishedAt"
  echo "most-viewed /v1/articles?limit=20&sort=-views"
  echo "section /v1/articles?limit=20&section=$section"
  echo "section-most-viewed /v1/articles?limit=20&section=$section&sort=-views"
  echo "tag /v1/articles?limit=20&tag=$tag"
  echo "tag-most-viewed /v1/articles?limit=20&tag=$tag&sort=-views"
  echo "two-tags /v1/articles?limit=20&tag=$tag&tag=$other"
  echo "author /v1/articles?limit=20&author=$author"
  echo "date-range /v1/articles?limit=20&publishedAfter=$since&publishedBefore=$until"
  echo "page-26 /v1/articles?limit=20&cursor=$cursor"
}

# Every published article's page, and every list's first page in each order.
long_tail_paths() {
  local cursor="" page
  while :; do
    page=$(get "/v1/articles?limit=100&sort=publishedAt${cursor:+&cursor=$cursor}")
    field '"\n".join("/v1/articles/" + a["slug"] for a in v["data"])' <<<"$page"
    cursor=$(field 'v["nextCursor"] or ""' <<<"$page")
    [ -n "$cursor" ] || break
  done
  local lists=("")
  for s in $(get "/v1/sections" | field '" ".join(x for s in v["data"] for x in [s["slug"]] + [c["slug"] for c in s["children"]])'); do
    lists+=("section=$s")
  done
  for t in $(get "/v1/tags?limit=100" | field '" ".join(t["slug"] for t in v["data"])'); do lists+=("tag=$t"); done
  for a in $(get "/v1/authors?limit=100" | field '" ".join(a["slug"] for a in v["data"])'); do lists+=("author=$a"); done
  for l in "${lists[@]}"; do
    for sort in -publishedAt publishedAt -views; do echo "/v1/articles?limit=20&sort=$sort${l:+&$l}"; done
  done
}

report() {
  echo
  echo "$1: $URL; connections: $CONNECTIONS; duration: $DURATION; peak RSS: $(peak_rss)"
  echo
  table "${@:2}"
}

case $MODE in
cold)
  start_server "$URL" --read-cache-ms 0
  slug=$(get "/v1/articles?limit=1" | field 'v["data"][0]["slug"]')
  results=("$(run healthz "$BASE/healthz")")
  results+=("$(run article-by-slug "$BASE/v1/articles/$slug")")
  results+=("$(GQL_FILE=bench/graphql-article.graphql VARS="{\"slug\":\"$slug\"}" run graphql-article "$BASE/graphql" -s bench/read.lua)")
  while read -r name path; do
    results+=("$(run "$name" "$BASE$path")")
  done < <(shapes)
  results+=("$(GQL_FILE=bench/graphql-list.graphql run graphql-newest "$BASE/graphql" -s bench/read.lua)")
  report "caches off" "${results[@]}"
  ;;
long-tail)
  export URLS_FILE="$DATA/long-tail-paths.txt"
  start_server "$URL"
  long_tail_paths >"$URLS_FILE"
  results=("$(run healthz "$BASE/healthz")")
  results+=("$(run "long-tail-$(wc -l <"$URLS_FILE")-pages" "$BASE" -s bench/read.lua)")
  report "shipped configuration" "${results[@]}"
  kill "$PID"; wait "$PID" 2>/dev/null || true
  start_server "$URL" --read-cache-ms 0
  results=("$(run healthz "$BASE/healthz")")
  results+=("$(run "long-tail-$(wc -l <"$URLS_FILE")-pages" "$BASE" -s bench/read.lua)")
  report "caches off" "${results[@]}"
  ;;
*)
  echo "usage: bench/read.sh cold|long-tail" >&2
  exit 2
  ;;
esac
