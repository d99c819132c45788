//! Code generation for the chain with the offline toolchain (scripts/build-sbf.sh).
//!
//! That toolchain compiles with upstream LLVM's BPF backend, linked by `sbpf-linker`. The
//! backend assumes by default that the machine refuses a misaligned load or store, so every
//! access it cannot prove aligned (a key copied, a field at an odd offset of an event, a
//! `memcpy` of bytes) becomes one byte at a time. The Solana VM accepts misaligned accesses,
//! and platform-tools' SBF backend (what `cargo build-sbf` uses) always emits them; the
//! linker's `allows-misaligned-mem-access` CPU feature makes this backend do the same. The
//! calibration program builds with this file too, so the two programs stay comparable.
//!
//! Nothing changes for host builds or for `cargo build-sbf`: the feature is passed only when
//! the linker is `sbpf-linker`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    // `-C linker=PATH` arrives as `-C`, `linker=PATH` or as `-Clinker=PATH`.
    let sbpf_linker = flags.split('\x1f').any(|flag| flag.trim_start_matches("-C").starts_with("linker=") && flag.ends_with("sbpf-linker"));
    if sbpf_linker {
        println!("cargo:rustc-link-arg-cdylib=--cpu-features=+allows-misaligned-mem-access");
    }
}
