#!/usr/bin/env bash
# How noisy the ratios of bench/verify.sh are on this machine: the ceiling server measured
# against a second copy of itself, alternated exactly as bench/verify.sh alternates keyward and
# the ceiling. Identical servers should give ratios of 1.00; the spread is the measurement's.
#
#   bench/noise.sh                       # ROUNDS=5 DURATION=5 CONNS=32, 10 000 tokens, valid
#   SETS=4 bench/noise.sh                # four independent sets of ROUNDS, one line each
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
SETS="${SETS:-3}"
DURATION="${DURATION:-5}"
CONNS="${CONNS:-32}"

if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p keyward --bin keyward
cargo build --release -q -p keyward-server --example ceiling

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

target/release/keyward dev seed --data-dir "$work/d" --tokens 10000 --sample 1000 --out "$work/tokens.txt" >/dev/null 2>&1
verifier="$(awk '$1=="verifier" {print $2}' "$work/tokens.txt")"
urls=()
for i in 1 2; do
  target/release/examples/ceiling 127.0.0.1:0 "$work/tokens.txt" 10000 >"$work/c$i.out" 2>&1 &
  pids+=("$!")
  until grep -q "listening on" "$work/c$i.out" 2>/dev/null; do sleep 0.01; done
  urls+=("$(awk '/listening on/ {print $NF}' "$work/c$i.out")")
done
run() { # url seconds
  KINDS=valid TOKENS_FILE="$work/tokens.txt" VERIFIER="$verifier" \
    wrk -t1 -c"$CONNS" -d"$2s" --latency -s bench/verify.lua "$1" 2>&1 | awk '/^RESULT/ {print}'
}
for u in "${urls[@]}"; do run "$u" 2 >/dev/null; done

echo "# ceiling against a copy of itself: $SETS sets of $ROUNDS alternating runs (wrk -t1 -c$CONNS -d${DURATION}s)"
echo "reproduce: SETS=$SETS ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS bench/noise.sh"
echo
echo "| set | throughput ratio (medians) | p99 ratio (medians) | p99.9 ratio (medians) |"
echo "| ---: | ---: | ---: | ---: |"
for s in $(seq "$SETS"); do
  for _ in $(seq "$ROUNDS"); do
    for i in 0 1; do echo "$i $(run "${urls[$i]}" "$DURATION")"; done
  done | python3 -c "
import sys, statistics as st
runs = {0: [], 1: []}
for line in sys.stdin:
    i, rest = line.split(' ', 1)
    d = dict(kv.split('=') for kv in rest.split()[1:])
    runs[int(i)].append((int(d['requests']) / float(d['seconds']), int(d['p99_us']), int(d['p999_us'])))
m = lambda i, k: st.median(r[k] for r in runs[i])
print(f'| $s | {m(1,0)/m(0,0):.2f} | {m(1,1)/m(0,1):.2f} | {m(1,2)/m(0,2):.2f} |')
"
done
