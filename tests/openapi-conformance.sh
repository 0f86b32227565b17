#!/usr/bin/env bash
# Property-based check that the server honours its OpenAPI document: schemathesis
# sends generated requests to every documented operation and checks each response's
# status, content type, headers and body against the document, and that invalid
# requests are rejected. Requests the document allows but the server rightly refuses
# are not checked (`positive_data_acceptance`): cursors are opaque server-issued
# tokens, and GET /graphql needs a `query` unless the client is a browser.
#
#   tests/openapi-conformance.sh [path/to/newsdesk]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${CARGO_TARGET_DIR:-target}/debug/newsdesk}
PORT=${PORT:-8098}
DIR=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

python3 -m schemathesis.cli --version >/dev/null 2>&1 || python3 -m pip install -q "schemathesis==4.32.5"

# An admin key, so that the editorial routes are exercised beyond their 401.
TOKEN=$(RUST_LOG=error "$BIN" --database-url "sqlite://$DIR/db" keys create --name conformance --scope admin 2>/dev/null)

RUST_LOG=error "$BIN" --database-url "sqlite://$DIR/db" serve --demo --demo-articles 200 \
  --bind "127.0.0.1:$PORT" >/dev/null &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

python3 -m schemathesis.cli run "http://127.0.0.1:$PORT/openapi.json" --url "http://127.0.0.1:$PORT" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all --exclude-checks positive_data_acceptance \
  --phases examples,fuzzing --max-examples 50 --seed 1 --no-color
