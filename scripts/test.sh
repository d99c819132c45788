#!/usr/bin/env bash
# The test command: formatting, lints (arithmetic side effects denied in the math
# crate), IDL freshness, then every test with nextest (its summary line closes the run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_tools
export RUST_LOG=${RUST_LOG:-error}
stage "fmt" cargo fmt --all --check
# Clippy (warnings denied) lints the workspace while it builds it: the build below is the
# one the validator tests, the browser test, the fuzzer and the last run share.
lint_while_building
stage "clippy (while building the workspace)" cargo build --workspace --all-targets
# nextest runs no doc tests: the math crate's examples (among them the unit mix-ups that
# must not compile) run here.
stage "math doc examples" cargo test -q -p ballast-math --doc
stage "idl is current" cargo run -q -p xtask -- idl --check
stage "sdk math vectors are current" cargo run -q -p xtask -- vectors --check
if bash scripts/build-sbf.sh --check; then
  stage "sbf build (target/deploy/ballast.so)" without_lints bash scripts/build-sbf.sh
  # Every scenario file again, on the bytecode, run by solana-program-test 4.2.2.
  stage "bytecode scenarios" without_lints cargo nextest run -p ballast-tests --no-default-features --features sbf --no-fail-fast
  cat target/fuzz-report-bytecode.txt 2>/dev/null || true
  # The committed compute-unit table must be what this build measures, and within limits.
  stage "compute-unit table is current" without_lints env SKIP_SBF_BUILD=1 bash scripts/bench.sh --check
  # The TypeScript SDK: its math replays the Rust vectors, its previews are checked against
  # the bytecode in litesvm (app/sdk/README.md).
  stage "sdk tests (app/sdk, node)" bash -c 'cd app/sdk && npm ci --no-audit --no-fund && npm test'
  # A real local validator: built once per machine into a cache outside the clone.
  stage "solana-test-validator ${TEST_VALIDATOR_VERSION} (cached)" ensure_test_validator
  export TEST_VALIDATOR
  # `--workspace` (with a filter) everywhere below: one feature set, so the validator tests,
  # the browser test's binaries, the fuzzer and the last run share one build.
  stage "keeper over JSON-RPC on a local validator (liquidation, dry run, 1,000 accounts)" \
    cargo nextest run --workspace --run-ignored only -E 'package(ballast-migrations)' --no-fail-fast
  cat target/keeper-scale.txt 2>/dev/null || true
  # The trading page in headless Chromium (Debian's package) against the local validator.
  stage "browser tests (app/web, chromium)" env SKIP_SBF_BUILD=1 bash scripts/web-e2e.sh
else
  echo "==> bytecode stages skipped: no SBF toolchain (cargo build-sbf, or the offline toolchain: \$SBF_OFFLINE_DIR or ../shared/sbf)"
fi
# The stateful fuzzer's native budget (tests/tests/fuzz.rs), with its steps per second.
stage "fuzz (native)" cargo nextest run --workspace -E 'binary(fuzz)' --no-fail-fast
cat target/fuzz-report-native.txt 2>/dev/null || true
print_stage_summary
# Last, so that nextest's summary line (with its own timing) closes the output.
echo "==> tests"
cargo nextest run --workspace --no-fail-fast -E 'not binary(fuzz)'

