#!/usr/bin/env bash
# Usage: bash scripts/dev.sh <npm script> [args…]   e.g. `bash scripts/dev.sh demo`, `bash scripts/dev.sh test`
# Makes Node 24 available, installs the locked dependencies when they are missing or stale, then runs the script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci
fi
script="${1:?usage: bash scripts/dev.sh <npm script> [args…]}"
shift
exec npm run --silent "$script" -- "$@"
