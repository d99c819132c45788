//! Project tasks that need more than one cargo command.
//!
//! `cargo run -p xtask -- idl`          writes idl/ballast.json
//! `cargo run -p xtask -- idl --check`  fails if idl/ballast.json is stale
//! `cargo run -p xtask -- vectors`      writes app/sdk/test/vectors.json (SDK math vectors)
//! `cargo run -p xtask -- vectors --check` fails if that file is stale
//!
//! After the build, `idl_seeds` declares the PDA seeds of accounts a client can derive.
//!
//! The IDL is built by the same code as `anchor idl build` (anchor-lang-idl's
//! `IdlBuilder`), in its own target directory so the `idl-build` feature and its
//! RUSTFLAGS do not invalidate the main build.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

mod idl_seeds;
mod vectors;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn build_idl() -> Result<String, String> {
    // IdlBuilder installs a toolchain through rustup whenever RUSTUP_TOOLCHAIN is set, and
    // rustup sets it for every process started by `cargo run`. Installing toolchains on a
    // shared machine breaks other builds, so the variable must never reach it.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    // The IDL build has its own features and target dir: plain rustc, as under `cargo run`
    // without the test script's lint wrapper (scripts/lib.sh, `lint_while_building`).
    std::env::remove_var("RUSTC_WORKSPACE_WRAPPER");
    std::env::remove_var("CLIPPY_ARGS");
    let root = workspace_root();
    let program = root.join("programs/ballast");
    let target = root.join("target/idl-build");
    let idl = IdlBuilder::new()
        .program_path(program)
        .cargo_args(vec!["--lib".into(), "--target-dir".into(), target.display().to_string()])
        .build()
        .map_err(|e| format!("IDL build failed: {e}"))?;
    let mut idl = idl;
    idl_seeds::declare(&mut idl);
    serde_json::to_string_pretty(&idl).map(|s| s + "\n").map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let (text, path, command) = match args.first().map(String::as_str) {
        Some("idl") => match build_idl() {
            Ok(s) => (s, "idl/ballast.json", "idl"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        },
        Some("vectors") => (vectors::generate(), "app/sdk/test/vectors.json", "vectors"),
        _ => {
            eprintln!("usage: cargo run -p xtask -- idl [--check] | vectors [--check]");
            return ExitCode::FAILURE;
        }
    };
    write_or_check(&text, path, command, check)
}

/// Writes a generated file, or with `--check` fails when the committed one differs.
fn write_or_check(text: &str, path: &str, command: &str, check: bool) -> ExitCode {
    let out = workspace_root().join(path);
    if check {
        if std::fs::read_to_string(&out).unwrap_or_default() != text {
            eprintln!("{path} is stale: run `cargo run -p xtask -- {command}` and commit the result");
            return ExitCode::FAILURE;
        }
        println!("{path} is up to date");
    } else {
        std::fs::create_dir_all(out.parent().expect("parent dir")).expect("create the file's directory");
        std::fs::write(&out, text).expect("write the generated file");
        println!("wrote {}", out.display());
    }
    ExitCode::SUCCESS
}
