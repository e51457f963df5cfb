#!/usr/bin/env bash
# Rate limits and credits on 3 nodes sharing PostgreSQL: what one token under steady load
# costs the database, per node and second.
#
#   bench/limits_cluster.sh
#   DURATION=20 CONNS=8 bench/limits_cluster.sh
#
# Seeds a fresh database (`keyward dev seed`, which adds tokens with a rate limit, with credits
# and with both, all too large to refuse), starts three `keyward serve` on it, and drives one
# token of each kind through all three nodes at once with wrk. Prints, per scenario, the
# throughput and the transactions the limits cost (grants of rate-limit permits and leases of
# credits, from keyward's own /metrics) per node and second, and PostgreSQL's own count of
# committed transactions (pg_stat_database.xact_commit) per second while the load ran.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-8}"
cargo build --release -q -p keyward --bin keyward
KEYWARD=target/release/keyward

work="$(mktemp -d)"
pids=()
db="keyward_limits_bench_$$"
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
metric() { curl -s "$1/metrics" | awk -v n="$2" '$1==n {print $2}'; }
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k {print $2}'; }
commits() { psql "$PG_URL" -tAc "SELECT xact_commit FROM pg_stat_database WHERE datname = '$db'"; }

psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
url="${PG_URL%/*}/$db"
"$KEYWARD" dev seed --database-url "$url" --tokens 1000 --sample 10 --out "$work/tokens.txt" >/dev/null 2>&1
verifier="$(awk '$1=="verifier" {print $2}' "$work/tokens.txt")"
urls=()
for i in 0 1 2; do
  "$KEYWARD" serve --database-url "$url" --listen 127.0.0.1:0 --log warn >"$work/serve$i.out" 2>"$work/serve$i.err" &
  pids+=("$!")
  until grep -q "listening on" "$work/serve$i.out" 2>/dev/null; do sleep 0.05; done
  urls+=("$(awk '/listening on/ {print $NF}' "$work/serve$i.out")")
done

echo "# rate limits and credits on 3 nodes, one PostgreSQL"
echo
echo "machine: $(nproc) cores; load: wrk -t1 -c$CONNS -d${DURATION}s on each of 3 nodes at once, one token"
echo "reproduce: DURATION=$DURATION CONNS=$CONNS bench/limits_cluster.sh"
echo
echo "| scenario | req/s (3 nodes) | permit grants / node / s | credit leases / node / s | PostgreSQL commits / s |"
echo "| --- | ---: | ---: | ---: | ---: |"
for kind in limited credits both; do
  awk -v k="$kind" '$1==k {print; exit}' "$work/tokens.txt" >"$work/one.txt"
  g0=0; l0=0
  for u in "${urls[@]}"; do
    g0=$((g0 + $(metric "$u" keyward_ratelimit_leases_total))); l0=$((l0 + $(metric "$u" keyward_credit_leases_total)))
  done
  c0=$(commits)
  outs=()
  for i in 0 1 2; do
    KINDS="$kind" TOKENS_FILE="$work/one.txt" VERIFIER="$verifier" \
      wrk -t1 -c"$CONNS" -d"${DURATION}s" -s bench/verify.lua "${urls[$i]}" >"$work/wrk$i.out" 2>&1 &
    outs+=("$!")
  done
  wait "${outs[@]}"
  c1=$(commits)
  g1=0; l1=0; reqs=0
  for i in 0 1 2; do
    u="${urls[$i]}"
    g1=$((g1 + $(metric "$u" keyward_ratelimit_leases_total))); l1=$((l1 + $(metric "$u" keyward_credit_leases_total)))
    r="$(awk '/^RESULT/ {print}' "$work/wrk$i.out")"
    reqs=$((reqs + $(field "$r" requests)))
  done
  python3 -c "
d=$DURATION
print(f'| $kind | {$reqs/d:.0f} | {($g1-$g0)/3/d:.1f} | {($l1-$l0)/3/d:.1f} | {($c1-$c0)/d:.1f} |')"
done
echo
echo "(commits include the usage flushes every node writes each second, and the credit reports every 250 ms)"

# Overshoot: one token limited to 100 000 a minute, hammered on all three nodes for DURATION
# seconds (well within the minute): how many were admitted, from wrk's request count minus
# keyward's RATE_LIMITED answers.
awk '$1=="capped" {print; exit}' "$work/tokens.txt" >"$work/one.txt"
refused() { curl -s "$1/metrics" | awk '$1=="keyward_verify_total{code=\"RATE_LIMITED\"}" {print $2}'; }
r0=0; for u in "${urls[@]}"; do r0=$((r0 + $(refused "$u"))); done
outs=()
for i in 0 1 2; do
  KINDS=capped TOKENS_FILE="$work/one.txt" VERIFIER="$verifier" \
    wrk -t1 -c"$CONNS" -d"${DURATION}s" -s bench/verify.lua "${urls[$i]}" >"$work/wrk$i.out" 2>&1 &
  outs+=("$!")
done
wait "${outs[@]}"
r1=0; reqs=0
for i in 0 1 2; do
  r1=$((r1 + $(refused "${urls[$i]}")))
  r="$(awk '/^RESULT/ {print}' "$work/wrk$i.out")"
  reqs=$((reqs + $(field "$r" requests)))
done
admitted=$((reqs - (r1 - r0)))
echo
python3 -c "print(f'overshoot at full load: a limit of 100000 a minute admitted $admitted of $reqs requests in ${DURATION} s on 3 nodes ({($admitted - 100000) / 1000:+.2f} % of the limit)')"
