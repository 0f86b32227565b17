#!/usr/bin/env bash
# Instructions per search query, by kind, on the search index alone (the query
# mix of bench/discovery-random.lua, 16 results, 15 highlighted): counted by
# valgrind's callgrind, so the same build and index give the same numbers
# whatever else the machine is doing. Needs the index a server built for the
# 100,000-article demo (bench/discovery.sh builds it), with no server running.
#
#   bench/search-instructions.sh [INDEX_DIRECTORY]
set -euo pipefail
cd "$(dirname "$0")/.."
INDEX=${1:-bench/.data/demo-100000.db.search}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo build --release --locked -q --example querymix -p newsdesk-search
BIN=target/release/examples/querymix
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$INDEX" 2>&1 | awk '/Collected/ {print $4}'; }
echo "| kind | instructions per query |"
echo "|---|---|"
for kind in word two prefix word+prefix phrase typo; do
  # Five measured rounds, less the cost of opening the index and the unmeasured round.
  with=$(ROUNDS=5 KIND=$kind count)
  without=$(ROUNDS=0 KIND=$kind count)
  queries=$(ROUNDS=0 KIND=$kind "$BIN" "$INDEX" | awk '{print $4}')
  echo "| $kind | $(( (with - without) / (5 * queries) )) |"
done
