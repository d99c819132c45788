//! PDA seeds for the IDL's instruction accounts, so a plain Anchor client
//! (`program.methods.x(...).accounts({...})`) derives the exchange, the vault and the
//! isolated position itself.
//!
//! Anchor writes seeds into the IDL only for accounts whose `#[account(...)]` carries a
//! `seeds` constraint, and such a constraint re-derives the address on chain on every call
//! (about 1,500 CU per account). The program checks these accounts more cheaply and just as
//! strictly (docs/SECURITY.md, "Account checks"): the exchange is the only `Exchange` the
//! program can create, the vault is the address the exchange records, and an isolated
//! position is identified by the margin account and market index it records. So the seeds
//! are declared here, once, for clients; every account they are declared for was created at
//! exactly that derivation (`initialize_exchange`, `trade`), and the SDK's tests resolve
//! them through Anchor and run the resulting transactions on the program's bytecode.
//!
//! Markets and margin accounts are the caller's choice (which market, which sub-account),
//! so they carry seeds only where they are created (`create_market`, `create_margin_account`),
//! and the instruction docs name their derivations.

use anchor_lang_idl::types::{Idl, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedAccount, IdlSeedConst};

fn bytes(s: &str) -> IdlSeed {
    IdlSeed::Const(IdlSeedConst { value: s.as_bytes().to_vec() })
}

fn account(path: &str, account: Option<&str>) -> IdlSeed {
    IdlSeed::Account(IdlSeedAccount { path: path.into(), account: account.map(Into::into) })
}

/// The seeds of `name` in an instruction whose accounts are `names`, when they can be
/// derived from the instruction's other accounts.
fn seeds_for(name: &str, names: &[&str]) -> Option<Vec<IdlSeed>> {
    match name {
        "exchange" => Some(vec![bytes("exchange")]),
        "vault" if names.contains(&"exchange") => Some(vec![bytes("vault"), account("exchange", None)]),
        "isolated_position" if names.contains(&"margin_account") && names.contains(&"market") => {
            Some(vec![bytes("isolated"), account("margin_account", None), account("market.market_index", Some("Market"))])
        }
        _ => None,
    }
}

/// Adds PDA seeds to every instruction account that lacks them and can be derived.
/// Returns how many accounts gained seeds.
pub fn declare(idl: &mut Idl) -> usize {
    let mut added = 0;
    for ix in &mut idl.instructions {
        let names: Vec<String> = ix
            .accounts
            .iter()
            .filter_map(|a| match a {
                IdlInstructionAccountItem::Single(a) => Some(a.name.clone()),
                IdlInstructionAccountItem::Composite(_) => None,
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for item in &mut ix.accounts {
            let IdlInstructionAccountItem::Single(acc) = item else { continue };
            if acc.pda.is_some() {
                continue;
            }
            if let Some(seeds) = seeds_for(&acc.name, &names) {
                acc.pda = Some(IdlPda { seeds, program: None });
                added += 1;
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivable_accounts_get_seeds_and_caller_choices_do_not() {
        let trade = ["exchange", "margin_account", "market", "isolated_position", "vault"];
        assert_eq!(seeds_for("exchange", &trade), Some(vec![bytes("exchange")]));
        assert_eq!(seeds_for("vault", &trade), Some(vec![bytes("vault"), account("exchange", None)]));
        let iso = seeds_for("isolated_position", &trade).expect("derivable with market and account");
        assert_eq!(iso[2], account("market.market_index", Some("Market")));
        assert_eq!(seeds_for("market", &trade), None);
        assert_eq!(seeds_for("margin_account", &trade), None);
        // Without the market the isolated position cannot be derived.
        assert_eq!(seeds_for("isolated_position", &["margin_account", "isolated_position"]), None);
    }
}
