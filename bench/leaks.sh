#!/usr/bin/env bash
# How long keyward takes to answer GitHub's secret-scanning call with a batch of reports.
#
#   bench/leaks.sh                       # 10 000 reports, SQLite
#   ENGINE=postgres bench/leaks.sh       # a fresh database on PG_URL's server
#   REPORTS=1000 TRUE=10 bench/leaks.sh  # a smaller batch, with 10 of keyward's own tokens
#
# Starts a release keyward whose GitHub keys document is served on loopback by this script,
# signs each batch with an ECDSA P-256 key made here (Python `cryptography`), as GitHub does,
# and posts it: made-up keyward-format tokens (no storage read), plus TRUE tokens keyward
# issued (each revoked, audited and announced). Prints the time of each of ROUNDS batches.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE="${ENGINE:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REPORTS="${REPORTS:-10000}"
TRUE="${TRUE:-10}"
ROUNDS="${ROUNDS:-3}"

python3 -c "import cryptography" 2>/dev/null || python3 -m pip install --quiet cryptography
cargo build --release -q -p keyward --bin keyward
KEYWARD="$PWD/target/release/keyward"

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The scanner: a key pair and its keys document.
python3 - "$work" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
work = sys.argv[1]
open(f"{work}/key.pem", "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
json.dump({"public_keys": [{"key_identifier": "bench", "key": pem.decode(), "is_current": True}]},
          open(f"{work}/keys.json", "w"))
PY
keys_port="$(free_port)"
(cd "$work" && exec python3 -m http.server "$keys_port" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)

port="$(free_port)"
url="http://127.0.0.1:$port"
if [ "$ENGINE" = postgres ]; then
  db="keyward_leaks_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  store=(--database-url "${PG_URL%/*}/$db")
  trap 'cleanup; psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
else
  store=(--data-dir "$work/data")
fi
KEYWARD_INIT_PASSWORD="correct horse battery" "$KEYWARD" init "${store[@]}" --org Acme --email ada@acme.io >/dev/null
"$KEYWARD" serve "${store[@]}" --listen "127.0.0.1:$port" \
  --github-secret-scanning-keys-url "http://127.0.0.1:$keys_port/keys.json" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$work" "$url" "$REPORTS" "$TRUE" "$ROUNDS" "$ENGINE" <<'PY'
import base64, json, random, string, sys, time, urllib.request, zlib
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
work, url, n, true, rounds, engine = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
key = serialization.load_pem_private_key(open(f"{work}/key.pem", "rb").read(), None)
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
def b62(x):
    s = ""
    for _ in range(6):
        s, x = A[x % 62] + s, x // 62
    return s
def made_up():
    head = "kw_live_" + "".join(random.choice(A) for _ in range(30))
    return head + b62(zlib.crc32(head.encode()))
def call(method, path, body=None, token=None, headers=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else body)
    req.add_header("content-type", "application/json")
    if token: req.add_header("authorization", "Bearer " + token)
    for k, v in (headers or {}).items(): req.add_header(k, v)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")
session = call("POST", "/v1/auth/login", json.dumps({"email": "ada@acme.io", "password": "correct horse battery"}).encode())["token"]
user = call("POST", "/v1/api-users", json.dumps({"username": "crm-sync"}).encode(), session)["id"]
print(f"# leak reports: {n} per batch, {true} of them keyward's, {engine}")
print(f"reproduce: ENGINE={engine} REPORTS={n} TRUE={true} ROUNDS={rounds} bench/leaks.sh")
for r in range(rounds):
    ours = [call("POST", f"/v1/api-users/{user}/tokens", json.dumps({"name": f"t{r}-{i}"}).encode(), session)["token"] for i in range(true)]
    tokens = [made_up() for _ in range(n - true)] + ours
    random.shuffle(tokens)
    body = json.dumps([{"token": t, "type": "keyward", "url": "https://github.com/acme/app", "source": "content"} for t in tokens]).encode()
    sig = base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
    start = time.perf_counter()
    answer = call("POST", "/v1/secret-scanning/github", body, headers={
        "Github-Public-Key-Identifier": "bench", "Github-Public-Key-Signature": sig})
    took = time.perf_counter() - start
    positives = sum(1 for f in answer if f["label"] == "true_positive")
    assert len(answer) == n and positives == true, (len(answer), positives)
    print(f"batch {r + 1}: {took * 1000:.0f} ms ({len(body) / 1e6:.1f} MB, {positives} true positives)")
PY
