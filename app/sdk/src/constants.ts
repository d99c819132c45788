import { PublicKey } from "@solana/web3.js";
import { IDL } from "./idl.js";

export const PROGRAM_ID = new PublicKey(IDL.address);
export const PYTH_RECEIVER_ID = new PublicKey("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
export const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
export const SYSTEM_PROGRAM_ID = new PublicKey("11111111111111111111111111111111");
/** Cross slots per margin account (`MAX_CROSS_POSITIONS`). */
export const MAX_CROSS_SLOTS = 16;
/** The largest keeper tip a trigger order may carry, quote native (`MAX_TRIGGER_TIP`). */
export const MAX_TRIGGER_TIP = 1_000_000n;
/** Slots within which an unfinished liquidation may continue. */
export const LIQUIDATION_CONTINUATION_SLOTS = 150n;
/** Markets the price book has entries for (indices below this; `MAX_PRICE_BOOK_MARKETS`). */
export const MAX_PRICE_BOOK_MARKETS = 32;
/** Oldest price-book entry an instruction accepts, in slots since `refresh_prices` (`MAX_PRICE_BOOK_AGE_SLOTS`). */
export const MAX_PRICE_BOOK_AGE_SLOTS = 4n;
export const SEEDS = { exchange: "exchange", vault: "vault", market: "market", margin: "margin", isolated: "isolated", triggers: "triggers", priceBook: "price_book" } as const;
