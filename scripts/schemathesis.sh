#!/usr/bin/env bash
# Attacks the live API from its own OpenAPI document with schemathesis (PyPI): every operation,
# generated and mutated inputs, stateful sequences. Fails on any 5xx, any answer that breaks its
# documented schema, or any undocumented status code.
#
#   scripts/schemathesis.sh                 # a bounded run (CI): fixed seed, 20 examples each
#   EXAMPLES=200 SEED= scripts/schemathesis.sh   # a longer, random run by hand
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${EXAMPLES:-20}"
SEED="${SEED-20261124}"
PORT="${PORT:-18099}"
python3 -c "import schemathesis" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check schemathesis
cargo build --quiet -p keyward
dir="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
KEYWARD_INIT_PASSWORD='schemathesis password' target/debug/keyward init --data-dir "$dir" --org Acme --email ada@acme.io >/dev/null
target/debug/keyward serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
token="$(curl -fs "http://127.0.0.1:$PORT/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"ada@acme.io","password":"schemathesis password"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')"
seed_args=()
[ -n "$SEED" ] && seed_args=(--seed "$SEED")
# Logout would end the session the run authenticates with.
st run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance \
  --exclude-path-regex '/v1/auth/logout' \
  --max-examples "$EXAMPLES" "${seed_args[@]}" --no-color
if grep -q ' ERROR ' "$dir/serve.log"; then
  echo "the server logged errors during the run:"; grep ' ERROR ' "$dir/serve.log"; exit 1
fi
echo "schemathesis: no 5xx, no schema violation, no undocumented status (examples per operation: $EXAMPLES, seed: ${SEED:-random})"
