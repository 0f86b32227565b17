#!/usr/bin/env bash
# The cost of the GraphQL guard on the article-page query: what `guard::check`
# adds to parsing (the engine is handed the guard's parse), against the time the
# whole query takes on the server with every per-node cache off, one request at
# a time.
#
# Environment: DURATION (default 10s), ARTICLES (10000), PORT (8097).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8097}
source bench/lib.sh

cost=$(cargo run --release --locked -q -p newsdesk-api --example guard_cost -- bench/graphql-page.graphql)
echo "$cost"
added=$(sed -E 's/.*added by the guard ([0-9.]+) us.*/\1/' <<<"$cost")

start_server "$URL" --read-cache-ms 0
SLUG=$(curl -sf "$BASE/v1/articles?limit=1" | python3 -c 'import sys, json; print(json.load(sys.stdin)["data"][0]["slug"])')
export SLUG
CONNECTIONS=1
line=$(run graphql-article-page "$BASE/graphql" -t1 -s bench/graphql-page.lua)
rps=$(awk '{print $2}' <<<"$line")
python3 - "$added" "$rps" <<'PY'
import sys
added, rps = float(sys.argv[1]), float(sys.argv[2])
request = 1e6 / rps
print(f"article-page query, caches off, one connection: {rps:.0f} req/s = {request:.0f} us a request")
print(f"guard: {added:.2f} us = {100 * added / request:.2f} % of the request")
PY
