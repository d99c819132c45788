#!/usr/bin/env bash
# Compute-unit benchmark: builds the SBF bytecode (scripts/build-sbf.sh) and measures every
# instruction path on it, writing benches/compute_units.md.
#   --check   regenerate in memory and fail if the committed table is stale, if any
#             instruction at 16 cross positions exceeds 200,000 CU, or if the 16-position
#             cross liquidation does not fit one transaction (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_SBF_BUILD:-}" != 1 ]; then
  bash scripts/build-sbf.sh >/dev/null
fi
RUST_LOG=${RUST_LOG:-error} cargo run -q -p ballast-tests --no-default-features --features sbf --bin bench -- "$@"
