/** Program-derived addresses, as `crates/client/src/ix.rs` derives them. */
import { PublicKey } from "@solana/web3.js";
import { PROGRAM_ID, SEEDS } from "./constants.js";

const enc = (s: string) => new TextEncoder().encode(s);
const u16le = (v: number) => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`not a u16: ${v}`);
  return new Uint8Array([v & 0xff, v >> 8]);
};

/** `["exchange"]` */
export function exchangePda(programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.exchange)], programId)[0];
}
/** `["vault", exchange]` */
export function vaultPda(programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.vault), exchangePda(programId).toBytes()], programId)[0];
}
/** `["market", u16 LE index]` */
export function marketPda(index: number, programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.market), u16le(index)], programId)[0];
}
/** `["margin", owner, u16 LE sub_id]` */
export function marginPda(owner: PublicKey, subId = 0, programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.margin), owner.toBytes(), u16le(subId)], programId)[0];
}
/** `["isolated", margin_account, u16 LE market_index]` */
export function isolatedPda(marginAccount: PublicKey, marketIndex: number, programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.isolated), marginAccount.toBytes(), u16le(marketIndex)], programId)[0];
}

/** `["triggers", margin_account]`: the account's trigger orders. */
export function triggerBookPda(marginAccount: PublicKey, programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.triggers), marginAccount.toBytes()], programId)[0];
}

/** `["price_book"]`: passed alone as an instruction's health accounts, it replaces the `[market, oracle]` pairs. */
export function priceBookPda(programId: PublicKey = PROGRAM_ID): PublicKey {
  return PublicKey.findProgramAddressSync([enc(SEEDS.priceBook)], programId)[0];
}
