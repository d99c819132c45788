//! The runtime the scenarios run on, chosen at compile time:
//!
//! * default (`native`): the program compiled for the host, run by solana-program-test
//!   3.1.12 through `processor!` — fast, debuggable, no toolchain needed;
//! * `--features sbf`: the program's SBF bytecode (`target/deploy/ballast.so`, built by
//!   `scripts/build-sbf.sh`) loaded by solana-program-test 4.2.2, which meters compute units.
//!
//! Scenarios are written once against these names.

#[cfg(all(feature = "sbf", feature = "native"))]
compile_error!("choose one runtime: `--no-default-features --features sbf` for the bytecode run");

#[cfg(not(feature = "sbf"))]
mod imp {
    pub use solana_account::{Account, AccountSharedData};
    pub use solana_program_test::{processor, BanksClient, ProgramTest, ProgramTestContext};
    pub use solana_transaction::Transaction;
    pub use solana_transaction_error::TransactionError;

    /// The keeper's transactions are this runtime's transactions.
    pub fn transaction(tx: &solana_transaction::Transaction) -> Transaction {
        tx.clone()
    }

    pub fn versioned(tx: &solana_transaction::versioned::VersionedTransaction) -> solana_transaction::versioned::VersionedTransaction {
        tx.clone()
    }
}

#[cfg(feature = "sbf")]
mod imp {
    pub use account_4::{Account, AccountSharedData};
    pub use program_test_4::{BanksClient, ProgramTest, ProgramTestContext};
    pub use solana_transaction_error::TransactionError;
    pub use transaction_4::Transaction;

    /// Same wire format: re-read the keeper's transaction as this runtime's type.
    pub fn transaction(tx: &solana_transaction::Transaction) -> Transaction {
        bincode::deserialize(&bincode::serialize(tx).expect("serialize")).expect("same wire format")
    }

    pub fn versioned(tx: &solana_transaction::versioned::VersionedTransaction) -> transaction_4::versioned::VersionedTransaction {
        bincode::deserialize(&bincode::serialize(tx).expect("serialize")).expect("same wire format")
    }

    /// Directory holding `ballast.so`: `SBF_OUT_DIR`, or `target/deploy` of the workspace.
    pub fn bytecode_dir() -> std::path::PathBuf {
        std::env::var_os("SBF_OUT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/deploy"))
    }

    /// A ProgramTest that loads the program's bytecode (not the host build).
    pub fn bytecode_program_test() -> ProgramTest {
        let dir = bytecode_dir();
        assert!(dir.join("ballast.so").exists(), "{}/ballast.so missing: run scripts/build-sbf.sh", dir.display());
        // ProgramTest finds programs through SBF_OUT_DIR; set it once, before any ProgramTest.
        static SET: std::sync::Once = std::sync::Once::new();
        SET.call_once(|| unsafe { std::env::set_var("SBF_OUT_DIR", &dir) });
        let mut pt = ProgramTest::new("ballast", ballast::ID, None);
        pt.prefer_bpf(true);
        pt
    }
}

pub use imp::*;
