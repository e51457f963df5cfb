#!/usr/bin/env bash
# HTTP benchmark of POST /v1/verify against the physical floor, measured in the same run.
#
#   bench/verify.sh                 # 10 thousand and 1 million tokens, embedded SQLite
#   SIZES="10000" DURATION=5 bench/verify.sh
#   ENGINE=postgres SIZES=10000 bench/verify.sh   # a fresh database on PG_URL's server
#   SCENARIOS="valid mix" CREATE=0 REPEAT=5 bench/verify.sh   # some scenarios, no creation figure
#
# For each size: seeds a fresh SQLite data dir with `keyward dev seed`, starts keyward and a
# minimal axum server that only parses the body, hashes and looks up one HashMap
# (crates/server/examples/ceiling.rs), and drives both identically with wrk for each scenario.
# Prints throughput as a ratio of that ceiling, latency percentiles, storage reads and usage
# writes per scenario (from keyward's /metrics), start-up time and resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${SIZES:-10000 1000000}"
ENGINE="${ENGINE:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DURATION="${DURATION:-8}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"
# Each scenario alternates keyward and the ceiling this many times and reports medians: on a
# small machine a single run's ratio moves by about ±0.1.
REPEAT="${REPEAT:-3}"
# limited / credits / both: tokens with a rate limit, with credits (cost 1), with both, all too
# large to refuse: what counting costs, compared with `valid` in the same run.
SCENARIOS="${SCENARIOS:-valid revoked malformed unknown mix limited credits both}"
# Set CREATE=0 to skip the token-creation measurement.
CREATE="${CREATE:-1}"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p keyward --bin keyward
cargo build --release -q -p keyward-server --example ceiling
KEYWARD=target/release/keyward
CEILING=target/release/examples/ceiling

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

metric() { curl -s "$1/metrics" | awk -v n="$2" '$1==n {print $2}'; }
now_ms() { date +%s%3N; }

# Tokens keyward never issued: well-formed with a good checksum, and malformed ones.
add_unknown_tokens() {
  python3 - "$1" <<'PY'
import random, string, sys, zlib
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
def b62(n):
    s = ""
    for _ in range(6):
        s, n = A[n % 62] + s, n // 62
    return s
with open(sys.argv[1], "a") as f:
    for _ in range(100):
        head = "kw_live_" + "".join(random.choice(A) for _ in range(30))
        f.write(f"unknown {head}{b62(zlib.crc32(head.encode()))}\n")
        f.write(f"malformed {head}000000\n")
PY
}

# Measures POST /v1/api-users/{id}/tokens. The seeded organization has no member who can log
# in, so a second organization is created on the same storage and its super admin creates.
create_tokens() { # url dir
  local url="$1" dir="$2" session group user
  KEYWARD_INIT_PASSWORD='bench password 123' "$KEYWARD" org create "${storage[@]}" --org "bench-create-$RANDOM" \
    --email "create-$RANDOM$RANDOM@keyward.invalid" >"$dir/org.out" 2>&1
  local email; email="$(awk '{print $NF}' "$dir/org.out")"
  session="$(curl -s "$url/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"bench password 123\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  group="$(curl -s "$url/v1/permission-groups" -H "Authorization: Bearer $session" -H 'content-type: application/json' \
    -d '{"name":"g","permissions":["bench:read"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  user="$(curl -s "$url/v1/api-users" -H "Authorization: Bearer $session" -H 'content-type: application/json' \
    -d "{\"username\":\"creator\",\"permission_group_id\":\"$group\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  local r
  r="$(SESSION="$session" USER_ID="$user" wrk -t1 -c4 -d"${DURATION}s" --latency -s bench/create.lua "$url" 2>&1 | awk '/^RESULT/ {print}')"
  echo "token creation over HTTP (4 connections): $(python3 -c "print(round($(field "$r" requests)/$(field "$r" seconds)))") tokens/s, p50 $(field "$r" p50_us) µs, p99 $(field "$r" p99_us) µs, errors $(field "$r" errors)"
}

run_wrk() { # url kinds tokens_file verifier
  KINDS="$2" TOKENS_FILE="$3" VERIFIER="$4" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s bench/verify.lua "$1" 2>&1 \
    | awk '/^RESULT/ {print}'
}
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k {print $2}'; }

echo "# keyward verify benchmark"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "load: wrk -t$THREADS -c$CONNS -d${DURATION}s, $REPEAT alternating runs per scenario and server (medians), same script against keyward and the ceiling"
echo "storage: $ENGINE"
echo "reproduce: ENGINE=$ENGINE SIZES=\"$SIZES\" DURATION=$DURATION REPEAT=$REPEAT CONNS=$CONNS SCENARIOS=\"$SCENARIOS\" bench/verify.sh"
echo

for n in $SIZES; do
  dir="$work/n$n"
  mkdir -p "$dir"
  if [ "$ENGINE" = postgres ]; then
    db="keyward_bench_$$_$n"
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    storage=(--database-url "${PG_URL%/*}/$db")
  else
    storage=(--data-dir "$dir")
  fi
  t0=$(now_ms)
  "$KEYWARD" dev seed "${storage[@]}" --tokens "$n" --sample 1000 --out "$dir/tokens.txt" >/dev/null 2>&1
  seed_ms=$(( $(now_ms) - t0 ))
  add_unknown_tokens "$dir/tokens.txt"
  verifier="$(awk '$1=="verifier" {print $2}' "$dir/tokens.txt")"
  first_valid="$(awk '$1=="valid" {print $2; exit}' "$dir/tokens.txt")"

  t0=$(now_ms)
  "$KEYWARD" serve "${storage[@]}" --listen 127.0.0.1:0 --log warn >"$dir/serve.out" 2>"$dir/serve.err" &
  kpid=$!; pids+=("$kpid")
  until grep -q "listening on" "$dir/serve.out" 2>/dev/null; do sleep 0.002; done
  kurl="$(awk '/listening on/ {print $NF}' "$dir/serve.out")"
  until curl -s "$kurl/v1/verify" -H "Authorization: Bearer $verifier" -H 'content-type: application/json' \
      -d "{\"token\":\"$first_valid\"}" | grep -q '"VALID"'; do sleep 0.002; done
  startup_ms=$(( $(now_ms) - t0 ))

  "$CEILING" 127.0.0.1:0 "$dir/tokens.txt" "$n" >"$dir/ceiling.out" 2>&1 &
  cpid=$!; pids+=("$cpid")
  until grep -q "listening on" "$dir/ceiling.out" 2>/dev/null; do sleep 0.01; done
  curl_="$(awk '/listening on/ {print $NF}' "$dir/ceiling.out")"

  # Warm both (keyward's cache fills on first use of each token).
  DURATION=2 run_wrk "$kurl" valid,revoked "$dir/tokens.txt" "$verifier" >/dev/null
  DURATION=2 run_wrk "$curl_" valid "$dir/tokens.txt" "$verifier" >/dev/null

  echo "## $n tokens"
  echo
  echo "seeded in $((seed_ms / 1000)).$(( (seed_ms % 1000) / 100 )) s; start-up to first VALID answer: ${startup_ms} ms"
  echo
  echo "| scenario | keyward req/s | ceiling req/s | ratio | keyward p50 / p99 / p99.9 µs | ceiling p50 / p99 / p99.9 µs | storage reads / 1k req | usage writes / s | ms per usage write |"
  echo "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |"
  declare -A krps_of=()
  for scenario in $SCENARIOS; do
    case "$scenario" in
      mix) kinds="valid,revoked,unknown,malformed" ;;
      *) kinds="$scenario" ;;
    esac
    reads0=$(metric "$kurl" keyward_verify_storage_reads_total); flush0=$(metric "$kurl" keyward_usage_flushes_total)
    fsecs0=$(metric "$kurl" keyward_usage_flush_seconds_total)
    ks=(); cs=(); ksecs=0; kreqs=0
    for _ in $(seq "$REPEAT"); do
      k="$(run_wrk "$kurl" "$kinds" "$dir/tokens.txt" "$verifier")"; ks+=("$k")
      kreqs=$((kreqs + $(field "$k" requests))); ksecs=$(python3 -c "print($ksecs + $(field "$k" seconds))")
      c="$(run_wrk "$curl_" "$kinds" "$dir/tokens.txt" "$verifier")"; cs+=("$c")
    done
    reads1=$(metric "$kurl" keyward_verify_storage_reads_total); flush1=$(metric "$kurl" keyward_usage_flushes_total)
    fsecs1=$(metric "$kurl" keyward_usage_flush_seconds_total)
    med() { # field, results...
      local f="$1"; shift
      for r in "$@"; do
        if [ "$f" = rps ]; then python3 -c "print($(field "$r" requests)/$(field "$r" seconds))"; else field "$r" "$f"; fi
      done | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
    }
    krps=$(python3 -c "print(round($(med rps "${ks[@]}")))"); crps=$(python3 -c "print(round($(med rps "${cs[@]}")))")
    ratio=$(python3 -c "print(f'{$krps/$crps:.2f}')")
    reads=$(python3 -c "print(f'{($reads1-$reads0)*1000/max($kreqs,1):.3f}')")
    # Each run also flushes its last partial second: count it as a second.
    writes=$(python3 -c "print(f'{($flush1-$flush0)/($ksecs+$REPEAT):.2f}')")
    flush_ms=$(python3 -c "print(f'{($fsecs1-$fsecs0)*1000/max($flush1-$flush0,1):.1f}')")
    echo "| $scenario | $krps | $crps | $ratio | $(med p50_us "${ks[@]}") / $(med p99_us "${ks[@]}") / $(med p999_us "${ks[@]}") | $(med p50_us "${cs[@]}") / $(med p99_us "${cs[@]}") / $(med p999_us "${cs[@]}") | $reads | $writes | $flush_ms |"
    [ "$(field "$k" errors)" = "0" ] || echo "(keyward errors: $(field "$k" errors))"
    krps_of[$scenario]=$krps
  done
  if [ -n "${krps_of[valid]:-}" ]; then
    line=""
    for s in limited credits both; do
      [ -n "${krps_of[$s]:-}" ] && line="$line $s $(python3 -c "print(f'{${krps_of[$s]}/${krps_of[valid]}:.2f}')")"
    done
    [ -z "$line" ] || { echo; echo "limits against plain verify (keyward req/s over the valid scenario's, same run):$line"; }
  fi
  # Token creation through the API (random secret, SHA-256, one transaction with its audit
  # event), by a super admin of a second organization on the same storage.
  create_line=""
  [ "$CREATE" = 0 ] || create_line="$(create_tokens "$kurl" "$dir")"
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$kpid/status")
  echo
  echo "$create_line"
  echo
  echo "keyward resident memory after the runs: $((rss_kb / 1024)) MiB"
  echo
  kill "$kpid" "$cpid"; wait "$kpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true
  if [ "$ENGINE" = postgres ]; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; fi
done
