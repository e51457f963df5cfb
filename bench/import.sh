#!/usr/bin/env bash
# How fast `keyward token import` moves existing keys into keyward, end to end: a release
# server, the CLI streaming a JSON Lines file of SHA-256 hashes, and a verify of the last one.
#
#   bench/import.sh                        # 200 000 hashes, SQLite
#   TOKENS=1000000 bench/import.sh         # the issue's million
#   ENGINE=postgres bench/import.sh        # a fresh database on PG_URL's server
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE="${ENGINE:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
TOKENS="${TOKENS:-200000}"

cargo build --release -q -p keyward --bin keyward
KEYWARD="$PWD/target/release/keyward"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port="$(free_port)"
url="http://127.0.0.1:$port"
if [ "$ENGINE" = postgres ]; then
  db="keyward_import_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  store=(--database-url "${PG_URL%/*}/$db")
  trap 'cleanup; psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
else
  store=(--data-dir "$work/data")
fi
KEYWARD_INIT_PASSWORD="correct horse battery" "$KEYWARD" init "${store[@]}" --org Acme --email ada@acme.io >/dev/null
"$KEYWARD" serve "${store[@]}" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.1; done
export KEYWARD_URL="$url"
KEYWARD_TOKEN="$(KEYWARD_PASSWORD='correct horse battery' "$KEYWARD" login --email ada@acme.io 2>/dev/null)"
export KEYWARD_TOKEN
"$KEYWARD" group create bench --permissions bench:read >/dev/null
"$KEYWARD" group create verifiers --permissions keyward:verify >/dev/null
"$KEYWARD" api-user create legacy --group bench >/dev/null
"$KEYWARD" api-user create platform --group verifiers >/dev/null
verifier="$("$KEYWARD" token create --api-user platform --name verifier 2>/dev/null)"

python3 - "$work/keys.jsonl" "$TOKENS" <<'PY'
import hashlib, json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        key = f"legacy_{i:012d}_secret"
        f.write(json.dumps({"name": f"key-{i}", "hash": hashlib.sha256(key.encode()).hexdigest()}) + "\n")
PY
# The CLI's own time and peak memory when GNU time is there (Debian's `time` package).
timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f "cli: %U s user, %S s sys, %M KiB peak memory")
start="$(date +%s.%N)"
"${timed[@]}" "$KEYWARD" token import --api-user legacy --source bench "$work/keys.jsonl"
end="$(date +%s.%N)"
echo "server: $(ps -o cputime= -p "${pids[0]}") of CPU time so far"
last="legacy_$(printf '%012d' $((TOKENS - 1)))_secret"
code="$(curl -s "$url/v1/verify" -H "Authorization: Bearer $verifier" -H 'content-type: application/json' \
  -d "{\"token\": \"$last\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')"
python3 - "$start" "$end" "$TOKENS" "$ENGINE" "$code" <<'PY'
import sys
start, end, n, engine, code = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = end - start
print(f"{engine}: {n} tokens imported in {s:.1f} s = {n / s:,.0f} tokens/s; the last one verifies: {code}")
PY
echo "reproduce: TOKENS=$TOKENS ENGINE=$ENGINE bench/import.sh"
