# Shared helpers for the project scripts: tool checks and timed stages.
# Sourced, not run.

STAGE_SUMMARY=()

# stage NAME CMD... — runs CMD, prints how long it took, stops on failure.
stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "==> ${name}"
  "$@"
  local dt=$((SECONDS - t0))
  STAGE_SUMMARY+=("$(printf '%-44s %4ds' "$name" "$dt")")
  echo "<== ${name}: ${dt}s"
}

print_stage_summary() {
  echo "---- stage times ----"
  local s
  for s in "${STAGE_SUMMARY[@]}"; do echo "$s"; done
}

# Tools the project needs on top of the machine's Rust toolchain. Never installs or
# switches toolchains: the machine's stable toolchain is shared by every build on it.
ensure_tools() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || { echo "cargo not found: install Rust stable first" >&2; exit 1; }
  if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest (once per machine)"
    cargo install cargo-nextest --locked
  fi
  local comp
  for comp in rustfmt clippy; do
    if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
      echo "the ${comp} component of the installed toolchain is missing; add it with your package manager or rustup component add (never a new toolchain)" >&2
      exit 1
    fi
  done
}

# lint_while_building — exports the variables that make every later cargo build of the
# workspace's own crates also run clippy's lints (clippy-driver as their rustc wrapper,
# warnings denied; dependencies build with plain rustc). CI's native stages then compile
# the dependencies once, in build mode, instead of once for `cargo clippy`'s check build
# and again for the tests. CLIPPY_ARGS is how `cargo clippy` itself hands its arguments to
# clippy-driver (each followed by `__CLIPPY_HACKERY__`).
lint_while_building() {
  local driver
  driver=$(command -v clippy-driver) || { echo "clippy-driver not found (the clippy component)" >&2; exit 1; }
  export RUSTC_WORKSPACE_WRAPPER=$driver
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
}

# without_lints CMD... — runs CMD with plain rustc for the workspace too: builds with their
# own feature sets or toolchains (the SBF program, the bytecode test harness, the IDL).
without_lints() {
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS "$@"
}

# Tools built once per machine live outside the clone so fresh clones reuse them.
BALLAST_TOOLS_DIR=${BALLAST_TOOLS_DIR:-$HOME/.cache/ballast-tools}
TEST_VALIDATOR_VERSION=4.2.2
TEST_VALIDATOR_BIN="$BALLAST_TOOLS_DIR/agave-$TEST_VALIDATOR_VERSION/bin/solana-test-validator"

# ensure_test_validator — builds `solana-test-validator` from the crates.io
# `agave-validator` package (same version as the bytecode runtime in the tests) unless
# a matching binary is already cached or on PATH. Sets TEST_VALIDATOR to its path.
ensure_test_validator() {
  if command -v solana-test-validator >/dev/null 2>&1 \
    && solana-test-validator --version 2>/dev/null | grep -q " $TEST_VALIDATOR_VERSION "; then
    TEST_VALIDATOR=$(command -v solana-test-validator)
    return
  fi
  if [ ! -x "$TEST_VALIDATOR_BIN" ]; then
    echo "building solana-test-validator $TEST_VALIDATOR_VERSION into $BALLAST_TOOLS_DIR (once per machine, ~25 min on 2 cores)"
    # RocksDB's bindings are generated with bindgen, which needs libclang.
    if ! ls /usr/lib/llvm-*/lib/libclang.so /usr/lib/x86_64-linux-gnu/libclang*.so >/dev/null 2>&1; then
      if command -v apt-get >/dev/null 2>&1; then
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get install -y --no-install-recommends libclang-dev \
          || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends libclang-dev; }
      else
        echo "libclang is missing: install your distribution's libclang development package" >&2
        return 1
      fi
    fi
    # A persistent target dir makes an interrupted build resume; it is removed once the
    # binary is installed. Optimised enough to run a validator, no debug info, no LTO; plain
    # rustc (never the test script's lint wrapper).
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false \
      env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo install agave-validator --version "=$TEST_VALIDATOR_VERSION" --locked \
        --features agave-unstable-api --bin solana-test-validator \
        --root "$BALLAST_TOOLS_DIR/agave-$TEST_VALIDATOR_VERSION" \
        --target-dir "$BALLAST_TOOLS_DIR/agave-build"
    rm -rf "$BALLAST_TOOLS_DIR/agave-build"
  fi
  TEST_VALIDATOR=$TEST_VALIDATOR_BIN
}
