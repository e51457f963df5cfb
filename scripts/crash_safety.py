#!/usr/bin/env python3
"""Crash safety: SIGKILL keyward at random moments under concurrent writes, many times over.

Each round starts `keyward serve` on the same SQLite data directory, runs threads that create
tokens, revoke tokens and verify tokens, and kills the server with SIGKILL after a random
0.2-1.5 s. After every restart it checks, through the API:

- every create that was acknowledged (201) is there and its secret verifies (VALID or, if its
  revoke was acknowledged too, REVOKED);
- every revoke that was acknowledged answers REVOKED;
- nothing unacknowledged is half there: every token the API lists has its token.create audit
  event and every token.create event names a token that exists (they commit together);
and at the end, with the server stopped: SQLite's integrity check and the audit chain.

Usage: scripts/crash_safety.py BINARY ROUNDS   (scripts/crash_safety.sh builds and runs it)
"""
import json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time
import urllib.request, urllib.error

BIN, ROUNDS = sys.argv[1], int(sys.argv[2])
PASSWORD = "crash safety password"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(url, method, path, auth=None, body=None, timeout=5):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if auth:
        req.add_header("authorization", "Bearer " + auth)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, None


def start(data, port):
    log = open(os.path.join(data, "..", "serve.log"), "ab")
    p = subprocess.Popen([BIN, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                         stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if call(url, "GET", "/readyz", timeout=1)[0] == 200:
                return p, url
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit("keyward did not become ready")


def main():
    root = tempfile.mkdtemp(prefix="keyward-crash-")
    data = os.path.join(root, "data")
    env = dict(os.environ, KEYWARD_INIT_PASSWORD=PASSWORD)
    subprocess.run([BIN, "init", "--data-dir", data, "--org", "Acme", "--email", "ada@acme.io"],
                   env=env, check=True, capture_output=True)
    port = free_port()
    server, url = start(data, port)
    _, login = call(url, "POST", "/v1/auth/login", body={"email": "ada@acme.io", "password": PASSWORD})
    session = login["token"]
    _, g = call(url, "POST", "/v1/permission-groups", session,
                {"name": "crm", "permissions": ["keyward:verify", "contacts:read"]})
    _, u = call(url, "POST", "/v1/api-users", session, {"username": "crm-sync", "permission_group_id": g["id"]})
    _, v = call(url, "POST", f"/v1/api-users/{u['id']}/tokens", session, {"name": "verifier"})
    verifier = v["token"]

    created = {}      # token id -> secret, for every acknowledged create
    revoked = set()   # token ids whose revoke was acknowledged
    lock = threading.Lock()
    counts = {"creates": 0, "revokes": 0, "verifies": 0, "cut": 0}

    def creator(stop, url):
        while not stop.is_set():
            try:
                status, t = call(url, "POST", f"/v1/api-users/{u['id']}/tokens", session,
                                 {"name": f"t-{random.randrange(10**12)}"})
            except OSError:
                counts["cut"] += 1
                return
            if status == 201:
                with lock:
                    created[t["id"]] = t["token"]
                    counts["creates"] += 1

    def revoker(stop, url):
        while not stop.is_set():
            with lock:
                live = [i for i in created if i not in revoked]
            if not live:
                time.sleep(0.01)
                continue
            tid = random.choice(live)
            try:
                status, _ = call(url, "DELETE", f"/v1/tokens/{tid}", session)
            except OSError:
                counts["cut"] += 1
                return
            if status in (200, 204):
                with lock:
                    revoked.add(tid)
                    counts["revokes"] += 1

    def verifier_loop(stop, url):
        while not stop.is_set():
            with lock:
                ids = list(created)
            if not ids:
                time.sleep(0.01)
                continue
            tid = random.choice(ids)
            try:
                call(url, "POST", "/v1/verify", verifier, {"token": created[tid]})
                counts["verifies"] += 1
            except OSError:
                counts["cut"] += 1
                return

    def check(url, round_no):
        with lock:
            snapshot = dict(created)
            gone = set(revoked)
        for tid, secret in snapshot.items():
            status, t = call(url, "GET", f"/v1/tokens/{tid}", session)
            assert status == 200, f"round {round_no}: acknowledged token {tid} is missing ({status})"
            _, r = call(url, "POST", "/v1/verify", verifier, {"token": secret})
            want = "REVOKED" if tid in gone else None
            if want:
                assert r["code"] == want, f"round {round_no}: acknowledged revoke of {tid} answers {r['code']}"
            else:
                assert r["code"] in ("VALID", "REVOKED"), f"round {round_no}: token {tid} answers {r['code']}"
        # Every listed token has its creation event, and every creation event its token.
        listed, cursor = set(), None
        while True:
            q = "/v1/tokens?limit=200" + (f"&cursor={cursor}" if cursor else "")
            _, page = call(url, "GET", q, session)
            listed |= {t["id"] for t in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                break
        events, cursor = set(), None
        while True:
            q = "/v1/audit-events?limit=200&action=token.create" + (f"&cursor={cursor}" if cursor else "")
            status, page = call(url, "GET", q, session)
            assert status == 200, page
            events |= {e["target_id"] for e in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert listed == events, (
            f"round {round_no}: tokens without a creation event {sorted(listed - events)[:5]}, "
            f"creation events without a token {sorted(events - listed)[:5]}")
        return len(listed)

    total = 0
    for round_no in range(1, ROUNDS + 1):
        stop = threading.Event()
        threads = [threading.Thread(target=f, args=(stop, url), daemon=True)
                   for f in (creator, creator, revoker, verifier_loop)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.2, 1.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        server, url = start(data, port)
        total = check(url, round_no)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    db = os.path.join(data, "keyward.db")
    ok = sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0]
    assert ok == "ok", f"integrity check: {ok}"
    chain = subprocess.run([BIN, "audit", "verify", "--data-dir", data], capture_output=True, text=True)
    assert chain.returncode == 0, chain.stdout + chain.stderr
    print(f"crash safety: {ROUNDS} SIGKILLs under load; acknowledged: {counts['creates']} creates, "
          f"{counts['revokes']} revokes, all present after restart; {counts['verifies']} verifies; "
          f"{counts['cut']} requests cut off by a kill; {total} tokens, each with its creation event; "
          f"integrity check ok; {chain.stdout.strip()}")


main()
