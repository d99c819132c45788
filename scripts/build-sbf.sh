#!/usr/bin/env bash
# Builds the program as SBF bytecode into target/deploy/ballast.so.
# With the Solana toolchain installed, this is `cargo build-sbf` (what `anchor build` runs).
# Without it (machines that cannot download platform-tools), it uses the offline toolchain
# in ../shared/sbf (Debian rustc-web + LLVM 23 from PyPI + sbpf-linker), which it installs
# once into $SBF_HOME (default ~/.cache/sbf-offline). Prints the .so path.
#   --check   only report (exit 0/1) whether a toolchain is available.
set -euo pipefail
cd "$(dirname "$0")/.."
# Another toolchain builds the bytecode: never through the test script's lint wrapper.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
out=target/deploy
# Where the offline toolchain may be: $SBF_OFFLINE_DIR, or the shared directory beside
# the repository (../shared/sbf; CI's clone has a copy of shared/ beside it too).
candidates=(../shared/sbf ../../shared/sbf)
if [ "${1:-}" = "--check" ]; then
  cargo build-sbf --version >/dev/null 2>&1 && exit 0
  for d in "${SBF_OFFLINE_DIR:-}" "${candidates[@]}"; do
    [ -n "$d" ] && [ -x "$d/cargo-build-sbf" ] && exit 0
  done
  exit 1
fi
# Ballast, and the calibration program (a subset of Anchor's published benchmark) whose
# compute units tell how this build compares with published numbers.
programs=(programs/ballast programs/calibration)
if cargo build-sbf --version >/dev/null 2>&1; then
  for p in "${programs[@]}"; do cargo build-sbf --manifest-path "$p/Cargo.toml" --sbf-out-dir "$out"; done
  echo "platform-tools (cargo build-sbf)" > "$out/toolchain.txt"
  echo "$out/ballast.so"
  exit 0
fi
offline=${SBF_OFFLINE_DIR:-}
for d in "$offline" "${candidates[@]}"; do
  if [ -n "$d" ] && [ -x "$d/cargo-build-sbf" ]; then offline=$d; break; fi
done
if [ -z "$offline" ] || ! [ -x "$offline/cargo-build-sbf" ]; then
  echo "build-sbf: neither \`cargo build-sbf\` nor the offline toolchain (../shared/sbf) is available" >&2
  exit 1
fi
for p in "${programs[@]}"; do
  "$offline/cargo-build-sbf" --manifest-path "$p/Cargo.toml" --sbf-out-dir "$out" >&2
done
echo "offline (upstream LLVM BPF + sbpf-linker, SBPF v3)" > "$out/toolchain.txt"
ls -l "$out/ballast.so" >&2
echo "$out/ballast.so"
