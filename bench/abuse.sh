#!/usr/bin/env bash
# Does garbage sent to POST /v1/verify reach storage or slow honest callers?
#
#   bench/abuse.sh                      # 10 thousand tokens, 100 thousand garbage tokens
#   GARBAGE=200000 DURATION=10 bench/abuse.sh
#
# Seeds N tokens, then measures an honest client (wrk, 16 connections, valid tokens) three ways
# in one run: alone; beside a flood of valid tokens (the same CPU competition, as a baseline for
# what any second client costs on this small machine); and beside a flood of GARBAGE distinct
# tokens that keyward never issued, half well-formed with a good checksum, half malformed. Prints
# the honest client's throughput and latency in each, and keyward's storage reads during the
# garbage flood (from its /metrics).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
GARBAGE="${GARBAGE:-100000}"
DURATION="${DURATION:-8}"
if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p keyward --bin keyward
KEYWARD=target/release/keyward
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
metric() { curl -s "$1/metrics" | awk -v n="$2" '$1==n {print $2}'; }
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k {print $2}'; }

"$KEYWARD" dev seed --data-dir "$work" --tokens "$N" --sample 1000 --out "$work/tokens.txt" >/dev/null 2>&1
python3 - "$work/garbage.txt" "$GARBAGE" <<'PY'
import random, string, sys, zlib
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
def b62(n):
    s = ""
    for _ in range(6):
        s, n = A[n % 62] + s, n // 62
    return s
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2]) // 2):
        head = "kw_live_" + "".join(random.choice(A) for _ in range(30))
        f.write(f"unknown {head}{b62(zlib.crc32(head.encode()))}\n")
        f.write(f"malformed {head}{'0' * 6}\n")
PY
verifier="$(awk '$1=="verifier" {print $2}' "$work/tokens.txt")"
"$KEYWARD" serve --data-dir "$work" --listen 127.0.0.1:0 --log warn >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
until grep -q "listening on" "$work/serve.out" 2>/dev/null; do sleep 0.01; done
url="$(awk '/listening on/ {print $NF}' "$work/serve.out")"

honest() { KINDS=valid TOKENS_FILE="$work/tokens.txt" VERIFIER="$verifier" wrk -t1 -c16 -d"${DURATION}s" --latency -s bench/verify.lua "$url" 2>&1 | awk '/^RESULT/'; }
flood() { # kinds file
  KINDS="$1" TOKENS_FILE="$2" VERIFIER="$verifier" wrk -t1 -c16 -d"${DURATION}s" --latency -s bench/verify.lua "$url" 2>&1 | awk '/^RESULT/'
}
line() { # label result
  echo "| $1 | $(python3 -c "print(round($(field "$2" requests)/$(field "$2" seconds)))") | $(field "$2" p50_us) | $(field "$2" p99_us) | $(field "$2" errors) |"
}
honest >/dev/null  # warm the cache
echo "# garbage against POST /v1/verify"
echo
echo "machine: $(nproc) cores, $(uname -sr); $N tokens seeded; $GARBAGE distinct garbage tokens; wrk -t1 -c16 -d${DURATION}s per client"
echo "reproduce: N=$N GARBAGE=$GARBAGE DURATION=$DURATION bench/abuse.sh"
echo
echo "| honest client (valid tokens) | req/s | p50 µs | p99 µs | errors |"
echo "| --- | ---: | ---: | ---: | ---: |"
line "alone" "$(honest)"
flood valid "$work/tokens.txt" >"$work/valid_flood" &
line "beside a flood of valid tokens" "$(honest)"
wait $!
reads0=$(metric "$url" keyward_verify_storage_reads_total)
flood unknown,malformed "$work/garbage.txt" >"$work/garbage_flood" &
line "beside a flood of garbage tokens" "$(honest)"
wait $!
reads1=$(metric "$url" keyward_verify_storage_reads_total)
g="$(cat "$work/garbage_flood")"
echo
echo "garbage flood: $(field "$g" requests) requests ($(python3 -c "print(round($(field "$g" requests)/$(field "$g" seconds)))") req/s, cycling through $GARBAGE distinct tokens); storage reads during it (both clients): $((reads1 - reads0))"
