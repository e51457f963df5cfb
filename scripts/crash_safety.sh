#!/usr/bin/env bash
# Kills keyward with SIGKILL at random moments under concurrent token creation, revocation and
# verification, ROUNDS times, and checks after every restart that nothing acknowledged was lost
# and nothing unacknowledged is half there; then the integrity check and the audit chain.
#
#   scripts/crash_safety.sh          # 10 rounds (CI)
#   scripts/crash_safety.sh 200      # a long run by hand
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p keyward
python3 scripts/crash_safety.py target/debug/keyward "${1:-10}"
