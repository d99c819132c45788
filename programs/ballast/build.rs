//! Code generation for the chain with the offline toolchain (scripts/build-sbf.sh).
//!
//! That toolchain compiles with upstream LLVM's BPF backend, linked by `sbpf-linker`. The
//! backend assumes by default that the machine refuses a misaligned load or store, so every
//! access it cannot prove aligned (a key copied or compared, a field at an odd offset of an
//! event, a `memcpy` of bytes) becomes one byte at a time. The Solana VM accepts misaligned
//! accesses, and platform-tools' SBF backend (what `cargo build-sbf` uses) always emits them;
//! the linker's `allows-misaligned-mem-access` CPU feature makes this backend do the same.
//! The calibration program builds with this file too, so the two programs stay comparable.
//!
//! Nothing changes for host builds or for `cargo build-sbf`: the feature is passed only when
//! the linker is `sbpf-linker`.

use std::path::Path;

fn main() {
    // The linker arrives in the rustflags (`-C linker=PATH`, as the offline toolchain passes
    // it) or from Cargo's `linker` setting (RUSTC_LINKER). A change of rustflags rebuilds the
    // package anyway; these lines also stop Cargo rerunning the script for every file change.
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let from_flags = flags.split('\x1f').filter_map(|flag| flag.trim_start_matches("-C").strip_prefix("linker=")).map(str::to_owned);
    let from_config = std::env::var("RUSTC_LINKER").ok();
    let is_sbpf_linker = |path: &String| Path::new(path).file_stem().is_some_and(|stem| stem == "sbpf-linker");
    if from_flags.chain(from_config).any(|path| is_sbpf_linker(&path)) {
        println!("cargo:rustc-link-arg-cdylib=--cpu-features=+allows-misaligned-mem-access");
    }
}
