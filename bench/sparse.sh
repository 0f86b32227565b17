#!/usr/bin/env bash
# Bytes of the article page's side boxes (related, ranking, recommendations) and
# of a list page, with every field and with the fields a side box shows
# (`fields=slug,title,section.name,heroImage`), plain and gzip-compressed.
# Usage: bench/sparse.sh  (environment as bench/lib.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8097}
source bench/lib.sh
start_server "$URL"
slug=$(curl -sf "$BASE/v1/articles?limit=1&sort=-views" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')
# A reading session, so that the ranking and recommendations have entries.
for s in $(seq 1 5); do
  curl -sf -o /dev/null -X POST "$BASE/v1/articles/$slug/views" -H 'content-type: application/json' \
    -d "{\"sessionId\":\"sparse-reader-$s\"}"
done
sleep 6
F='fields=slug,title,section.name,heroImage'
bytes() { curl -sf "$@" | wc -c; }
echo "| read | all fields | side-box fields | gzip, all | gzip, side-box |"
echo "|---|---|---|---|---|"
total=(0 0 0 0)
for path in "/v1/articles/$slug/related?limit=5" "/v1/rankings/most-read?limit=5" \
  "/v1/recommendations?article=$slug&limit=5" "/v1/articles?limit=20" "/v1/search?q=bank&limit=10"; do
  row=("$(bytes "$BASE$path")" "$(bytes "$BASE$path&$F")" \
    "$(bytes -H 'accept-encoding: gzip' "$BASE$path")" "$(bytes -H 'accept-encoding: gzip' "$BASE$path&$F")")
  echo "| \`${path//$slug/{slug\}}\` | ${row[0]} | ${row[1]} | ${row[2]} | ${row[3]} |"
  case $path in */related*|*/rankings/*|*/recommendations*)
    for i in 0 1 2 3; do total[$i]=$((total[i] + row[i])); done ;;
  esac
done
echo "| the three side boxes | ${total[0]} | ${total[1]} | ${total[2]} | ${total[3]} |"
