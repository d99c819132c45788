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

use serde_json::{json, Value};

fn bytes(s: &str) -> Value {
    json!({ "kind": "const", "value": s.as_bytes() })
}

fn account(path: &str) -> Value {
    json!({ "kind": "account", "path": path })
}

/// The seeds of `name` in an instruction whose accounts are `names`, when they can be
/// derived from the instruction's other accounts.
fn seeds_for(name: &str, names: &[&str]) -> Option<Vec<Value>> {
    match name {
        "exchange" => Some(vec![bytes("exchange")]),
        "vault" if names.contains(&"exchange") => Some(vec![bytes("vault"), account("exchange")]),
        "isolated_position" if names.contains(&"margin_account") && names.contains(&"market") => Some(vec![
            bytes("isolated"),
            account("margin_account"),
            json!({ "kind": "account", "path": "market.market_index", "account": "Market" }),
        ]),
        _ => None,
    }
}

/// Adds `pda.seeds` to every instruction account that lacks them and can be derived.
/// Returns how many accounts gained seeds.
pub fn declare(idl: &mut Value) -> usize {
    let mut added = 0;
    let Some(instructions) = idl.get_mut("instructions").and_then(Value::as_array_mut) else {
        return 0;
    };
    for ix in instructions {
        let Some(accounts) = ix.get_mut("accounts").and_then(Value::as_array_mut) else { continue };
        let names: Vec<String> =
            accounts.iter().filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_owned)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for acc in accounts.iter_mut() {
            if acc.get("pda").is_some() {
                continue;
            }
            let Some(name) = acc.get("name").and_then(Value::as_str) else { continue };
            if let Some(seeds) = seeds_for(name, &names) {
                if let Some(obj) = acc.as_object_mut() {
                    obj.insert("pda".into(), json!({ "seeds": seeds }));
                    added += 1;
                }
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declares_derivable_accounts_only() {
        let mut idl = json!({ "instructions": [
            { "name": "trade", "accounts": [
                { "name": "exchange" }, { "name": "margin_account" }, { "name": "market" },
                { "name": "isolated_position" }, { "name": "vault" } ] },
            { "name": "close_isolated_position", "accounts": [
                { "name": "margin_account" }, { "name": "isolated_position" } ] },
            { "name": "initialize_exchange", "accounts": [
                { "name": "exchange", "pda": { "seeds": [] } } ] },
        ]});
        assert_eq!(declare(&mut idl), 3);
        let trade = &idl["instructions"][0]["accounts"];
        assert_eq!(trade[0]["pda"]["seeds"][0]["value"], json!(b"exchange"));
        assert_eq!(trade[3]["pda"]["seeds"][2]["path"], "market.market_index");
        assert_eq!(trade[4]["pda"]["seeds"][1]["path"], "exchange");
        assert!(trade[1].get("pda").is_none() && trade[2].get("pda").is_none());
        // Not derivable without the market; existing seeds stay as written.
        assert!(idl["instructions"][1]["accounts"][1].get("pda").is_none());
        assert_eq!(idl["instructions"][2]["accounts"][0]["pda"]["seeds"], json!([]));
    }
}
