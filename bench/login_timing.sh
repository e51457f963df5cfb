#!/usr/bin/env bash
# Measures whether /oauth2/token's timing reveals that a client exists: failed logins for an
# existing client against an unknown one, interleaved. The limiter locks an account after 5
# failures, so the existing client is unlocked by the super admin between rounds of 4; each
# attempt comes from its own address (X-Forwarded-For from a trusted loopback proxy).
# Usage: bench/login_timing.sh [N]   (PROFILE=debug to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-40}"
PORT="${PORT:-18098}"
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then cargo build --release --quiet -p keyward; else cargo build --quiet -p keyward; fi
bin="target/$PROFILE/keyward"
dir="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
KEYWARD_INIT_PASSWORD='timing password 1' "$bin" init --data-dir "$dir" --org Acme --email ada@acme.io >/dev/null
"$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1 >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
session="$(curl -fs "http://127.0.0.1:$PORT/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"ada@acme.io","password":"timing password 1"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')"
curl -fs "http://127.0.0.1:$PORT/v1/api-users" -H "authorization: Bearer $session" -H 'content-type: application/json' \
  -d '{"username":"timing-probe","auth_method":"password","password":"the real secret 1"}' >/dev/null
# Rounds of 4 (under the lockout of 5), unlocking the existing client between rounds.
rounds=$(( (N + 3) / 4 ))
for _ in $(seq 1 "$rounds"); do
  python3 bench/login_timing.py "http://127.0.0.1:$PORT" 4 >>"$dir/rounds.txt"
  curl -fs -X POST "http://127.0.0.1:$PORT/v1/api-users/timing-probe/unlock" -H "authorization: Bearer $session" -H 'content-type: application/json' -d '{}' >/dev/null
done
python3 - "$dir/rounds.txt" <<'PY'
import statistics, sys
known, unknown = [], []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[0] == "sample":
        (known if parts[1] == "existing" else unknown).append(float(parts[2]))
def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]
mk, mu = statistics.median(known), statistics.median(unknown)
print(f"failed logins, {len(known)} existing / {len(unknown)} unknown, in random order:")
print(f"  existing client: p25 {q(known, .25):.1f} ms, median {mk:.1f} ms, p75 {q(known, .75):.1f} ms")
print(f"  unknown client:  p25 {q(unknown, .25):.1f} ms, median {mu:.1f} ms, p75 {q(unknown, .75):.1f} ms")
print(f"  median difference (existing - unknown): {mk - mu:+.2f} ms ({(mk - mu) / mu * 100:+.1f}%)")
PY
echo "reproduce: bench/login_timing.sh $N"
