#!/usr/bin/env python3
"""Does the time /oauth2/token takes tell whether a client exists?

Starts nothing: point it at a running keyward whose organization has an API user `timing-probe`
with auth_method=password (see bench/login_timing.sh, which sets that up). Sends N failed logins
for the existing client (wrong secret) and N for a client that does not exist, interleaved, from
distinct X-Forwarded-For-free connections, and prints the medians and the difference.
"""
import statistics, sys, time, urllib.request, base64

base, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40

import random

def attempt(client):
    req = urllib.request.Request(base + "/oauth2/token", data=b"grant_type=client_credentials", method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    # A fresh address each time (the server trusts this proxy header from loopback), so the
    # per-address limit does not end the measurement.
    req.add_header("X-Forwarded-For", f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{client}:wrong secret 123".encode()).decode())
    t = time.perf_counter()
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        code = e.code
    return (time.perf_counter() - t) * 1000, code

known, unknown = [], []
for i in range(n):
    pair = [("timing-probe", known), (f"no-such-client-{random.randrange(10**9)}", unknown)]
    # Either may go first, so that neither always follows the other's after-answer work.
    random.shuffle(pair)
    for client, out in pair:
        ms, code = attempt(client)
        if code == 401:
            out.append(ms)
for ms in known:
    print(f"sample existing {ms:.3f}")
for ms in unknown:
    print(f"sample unknown {ms:.3f}")
mk, mu = statistics.median(known), statistics.median(unknown)
print(f"failed logins, median of {len(known)} / {len(unknown)}: existing client {mk:.1f} ms, unknown client {mu:.1f} ms, difference {abs(mk - mu):.1f} ms ({abs(mk - mu) / max(mk, mu) * 100:.0f}%)")
