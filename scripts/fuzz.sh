#!/usr/bin/env bash
# Runs the stateful fuzzer on fresh seeds for a while (default 5 minutes), natively.
#   bash scripts/fuzz.sh --minutes 30 [--steps 400] [--seed 12345]
# A failing sequence is shrunk and saved under tests/fuzz-regressions/ (commit it: the
# test suite replays every saved sequence). CI runs a fixed budget (tests/tests/fuzz.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUST_LOG=${RUST_LOG:-error}
exec cargo run -q -p ballast-tests --bin fuzz -- "$@"
