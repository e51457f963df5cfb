#!/usr/bin/env bash
# Regenerates the TypeScript and Python clients from docs/openapi.json with pinned generators.
# `scripts/clients.sh --check` regenerates into a scratch directory and fails if the committed
# clients differ (CI runs it). Installs the generators if they are missing: openapi-typescript
# from clients/typescript's lockfile, openapi-python-client and the ruff it formats with from
# PyPI, both pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_GENERATOR=0.29.1
# The generator formats its output with ruff; another ruff could format it differently.
RUFF=0.17.6

check=false
[ "${1:-}" = "--check" ] && check=true

if [ ! -x clients/typescript/node_modules/.bin/openapi-typescript ]; then
  (cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$(openapi-python-client --version 2>/dev/null | awk '{print $NF}')" != "$PYTHON_GENERATOR" ] \
  || [ "$(ruff --version 2>/dev/null | awk '{print $NF}')" != "$RUFF" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "openapi-python-client==$PYTHON_GENERATOR" "ruff==$RUFF"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

clients/typescript/node_modules/.bin/openapi-typescript docs/openapi.json \
  --output "$out/schema.ts" --silent
openapi-python-client generate --path docs/openapi.json --config clients/python/generator.yml \
  --meta uv --output-path "$out/python" >"$out/python.log" 2>&1 || { cat "$out/python.log"; exit 1; }
# The generator writes a README of its own; ours (with the tested example) stays.
rm "$out/python/README.md" "$out/python/.gitignore" 2>/dev/null || true

if $check; then
  status=0
  diff -q "$out/schema.ts" clients/typescript/src/schema.ts >/dev/null || {
    echo "clients/typescript/src/schema.ts is not what docs/openapi.json generates"; status=1; }
  diff -rq -x __pycache__ "$out/python/keyward_client" clients/python/keyward_client || status=1
  diff -q "$out/python/pyproject.toml" clients/python/pyproject.toml || status=1
  [ $status = 0 ] && echo "clients are current with docs/openapi.json" \
    || echo "run scripts/clients.sh and commit the result"
  exit $status
fi

cp "$out/schema.ts" clients/typescript/src/schema.ts
rm -rf clients/python/keyward_client
cp -r "$out/python/keyward_client" "$out/python/pyproject.toml" clients/python/
echo "regenerated clients/typescript/src/schema.ts and clients/python/keyward_client"
