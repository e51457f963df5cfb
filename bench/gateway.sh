#!/usr/bin/env bash
# Gateway benchmark: wrk → Debian nginx (auth_request) → keyward's /v1/forward-auth, against
# wrk → the same nginx → a bare auth server doing SHA-256 + one HashMap lookup (the ceiling,
# crates/server/examples/ceiling.rs), alternating in the same run; then forward-auth directly
# against verify directly, both on keyward.
#
#   bench/gateway.sh
#   TOKENS=1000000 ROUTES=200 DURATION=5 REPEAT=5 bench/gateway.sh
#
# keyward holds TOKENS seeded tokens and ROUTES routes (the request matches `GET /contacts/{id}`,
# requiring bench:read); nginx answers allowed requests with a static file, so the upstream
# costs nothing. Prints medians of REPEAT runs per side, throughput ratios and p99s.
set -euo pipefail
cd "$(dirname "$0")/.."

TOKENS="${TOKENS:-10000}"
ROUTES="${ROUTES:-200}"
DURATION="${DURATION:-5}"
CONNS="${CONNS:-32}"
REPEAT="${REPEAT:-3}"

for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "installing wrk and nginx-light (Debian packages)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
  fi
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
cargo build --release -q -p keyward --bin keyward
cargo build --release -q -p keyward-server --example ceiling
KEYWARD=target/release/keyward
CEILING=target/release/examples/ceiling

work="$(mktemp -d)"
chmod 755 "$work"  # nginx's worker (nobody) serves the static file from it
pids=()
cleanup() {
  [ -n "${KEEP:-}" ] && { echo "kept $work" >&2; return; }
  [ -f "$work/nginx.pid" ] && kill -TERM "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2; rm -rf "$work"
}
trap cleanup EXIT
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k {print $2}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$KEYWARD" dev seed --data-dir "$work" --tokens "$TOKENS" --routes "$ROUTES" --sample 1000 --out "$work/tokens.txt" >/dev/null 2>&1
verifier="$(awk '$1=="verifier" {print $2}' "$work/tokens.txt")"

"$KEYWARD" serve --data-dir "$work" --listen 127.0.0.1:0 --trusted-proxy 127.0.0.1 --log warn >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
until grep -q "listening on" "$work/serve.out" 2>/dev/null; do sleep 0.01; done
kurl="$(awk '/listening on/ {print $NF}' "$work/serve.out")"
"$CEILING" 127.0.0.1:0 "$work/tokens.txt" "$TOKENS" >"$work/ceiling.out" 2>&1 &
pids+=($!)
until grep -q "listening on" "$work/ceiling.out" 2>/dev/null; do sleep 0.01; done
curl_="$(awk '/listening on/ {print $NF}' "$work/ceiling.out")"

# One nginx, two sites: one asks keyward, one the ceiling. Same configuration otherwise, with
# kept-alive connections to the auth service (see docs/GATEWAYS.md).
pk="$(free_port)"; pc="$(free_port)"
mkdir -p "$work/www" && echo ok >"$work/www/ok.txt"
site() { # port auth_upstream
  cat <<CONF
  server {
    listen 127.0.0.1:$1;
    location / {
      auth_request /_auth;
      auth_request_set \$kw_user \$upstream_http_x_keyward_api_user;
      add_header X-Keyward-Api-User \$kw_user;
      root $work/www;
      try_files /ok.txt =404;
    }
    location = /_auth {
      internal;
      proxy_pass http://$2/v1/forward-auth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
CONF
}
cat >"$work/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  upstream keyward { server ${kurl#http://}; keepalive 64; }
  upstream ceiling { server ${curl_#http://}; keepalive 64; }
$(site "$pk" keyward)
$(site "$pc" ceiling)
}
CONF
"$NGINX" -p "$work" -c "$work/nginx.conf"
until curl -s -o /dev/null "http://127.0.0.1:$pk/"; do sleep 0.01; done

run() { # url mode
  MODE="$2" TOKENS_FILE="$work/tokens.txt" VERIFIER="$verifier" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s bench/gateway.lua "$1" 2>&1 \
    | awk '/^RESULT/ {print}'
}
med() { # field results...
  local f="$1"; shift
  for r in "$@"; do
    if [ "$f" = rps ]; then python3 -c "print($(field "$r" requests)/$(field "$r" seconds))"; else field "$r" "$f"; fi
  done | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# A sanity check before measuring: through nginx, keyward allows the reader and names it.
first="$(awk '$1=="valid" {print $2; exit}' "$work/tokens.txt")"
curl -s -D - -o /dev/null "http://127.0.0.1:$pk/contacts/1" -H "Authorization: Bearer $first" | grep -qi "x-keyward-api-user: bench" \
  || { echo "nginx → keyward does not allow a valid token" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$pk/nowhere" -H "Authorization: Bearer $first")" = 403 ] \
  || { echo "nginx → keyward does not refuse an unlisted route" >&2; exit 1; }

# Warm-up: fills keyward's cache with every sampled token.
run "http://127.0.0.1:$pk" gateway >/dev/null; run "http://127.0.0.1:$pc" gateway >/dev/null

echo "# keyward gateway benchmark"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $("$NGINX" -v 2>&1 | cut -d' ' -f3); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "keyward: $TOKENS tokens, $ROUTES routes, embedded SQLite; load: wrk -t1 -c$CONNS -d${DURATION}s, $REPEAT alternating runs per side (medians)"
echo "reproduce: TOKENS=$TOKENS ROUTES=$ROUTES DURATION=$DURATION REPEAT=$REPEAT CONNS=$CONNS bench/gateway.sh"
echo
echo "| comparison | keyward req/s | baseline req/s | ratio | keyward p50 / p99 µs | baseline p50 / p99 µs | p99 ratio | errors |"
echo "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: |"
compare() { # label keyward_url keyward_mode base_url base_mode
  local ks=() bs=() errors=0
  for _ in $(seq "$REPEAT"); do
    k="$(run "$2" "$3")"; ks+=("$k"); errors=$((errors + $(field "$k" errors)))
    b="$(run "$4" "$5")"; bs+=("$b")
  done
  local kr br
  kr=$(python3 -c "print(round($(med rps "${ks[@]}")))"); br=$(python3 -c "print(round($(med rps "${bs[@]}")))")
  local k99 b99; k99=$(med p99_us "${ks[@]}"); b99=$(med p99_us "${bs[@]}")
  echo "| $1 | $kr | $br | $(python3 -c "print(f'{$kr/$br:.2f}')") | $(med p50_us "${ks[@]}") / $k99 | $(med p50_us "${bs[@]}") / $b99 | $(python3 -c "print(f'{$k99/$b99:.2f}')") | $errors |"
}
compare "nginx auth_request → keyward vs → ceiling" "http://127.0.0.1:$pk" gateway "http://127.0.0.1:$pc" gateway
compare "forward-auth vs verify, both keyward, direct" "$kurl" forward "$kurl" verify
reads="$(curl -s "$kurl/metrics" | awk '$1=="keyward_verify_storage_reads_total" {print $2}')"
echo
echo "keyward storage reads after the runs: $reads (the seed's routes and each sampled token once)"
