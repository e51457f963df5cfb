#!/usr/bin/env bash
# Fuzzes keyward with cargo-fuzz (libFuzzer, AddressSanitizer): the token parser and checksum,
# IP/CIDR lists, dates and expiries, the configuration file, and every JSON body the API
# accepts through the real routes (verify included). Each target runs for SECONDS; the corpus in
# fuzz/corpus/ grows as it runs, and fuzz/regressions/ holds inputs that once failed, replayed
# first.
#
#   scripts/fuzz.sh            # 20 s per target (CI)
#   scripts/fuzz.sh 3600       # an hour per target, by hand
#
# The machine's one toolchain is stable; RUSTC_BOOTSTRAP=1 lets it take the sanitizer flags
# cargo-fuzz passes (the sanitizer runtimes ship with stable).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${1:-20}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
targets=(token_parse ip_lists dates config_file api_bodies)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "regressions/$t"
  # Inputs that once failed must pass now.
  if ls "regressions/$t"/* >/dev/null 2>&1; then
    cargo fuzz run -O "$t" "regressions/$t"/* -- -runs=1 >/dev/null
  fi
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 2>&1 \
    | grep -E '^(#[0-9]+.*DONE|Done|==[0-9]+==|SUMMARY|thread .* panicked)' || true
  test "${PIPESTATUS[0]}" -eq 0 || { echo "fuzz target $t failed; the input is in fuzz/artifacts/$t"; exit 1; }
done
echo "fuzzing: ${#targets[@]} targets, ${SECONDS_PER_TARGET}s each, no crash"
