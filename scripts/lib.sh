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
