/** One position: notional, value, cost basis, fills (`position.rs`). */
import { Rounding, abs, add, mulDiv, neg, overflow, sub, toI64, toU64, U64_MAX } from "./checked.js";
import { NOTIONAL_DIVISOR, PPM } from "./constants.js";

export function notional(base: bigint, price: bigint, rounding: Rounding): bigint {
  const OP = "notional";
  return toU64(mulDiv(abs(base), price, NOTIONAL_DIVISOR, rounding, OP), OP);
}

/** `base × price / 1e12` rounded toward −∞ (a long's asset, a short's liability). */
export function signedValue(base: bigint, price: bigint): bigint {
  return mulDiv(base, price, NOTIONAL_DIVISOR, "floor", "position value");
}

export function costBasisAt(base: bigint, price: bigint): bigint {
  const OP = "cost basis";
  return toI64(mulDiv(base, price, NOTIONAL_DIVISOR, "ceil", OP), OP);
}

/** Notional rounded up and value rounded toward −∞, from one product. */
export function notionalAndValue(base: bigint, price: bigint): [bigint, bigint] {
  const product = abs(base) * price;
  const q = product / NOTIONAL_DIVISOR;
  const n = q + (product % NOTIONAL_DIVISOR !== 0n ? 1n : 0n);
  if (n > U64_MAX) throw overflow("notional");
  return [n, base >= 0n ? q : -n];
}

export function unrealizedPnl(base: bigint, costBasis: bigint, price: bigint): bigint {
  return sub(signedValue(base, price), costBasis, "unrealized pnl");
}

export function weightedPnl(pnl: bigint, weightPpm: number): bigint {
  if (pnl <= 0n) return pnl;
  return mulDiv(pnl, BigInt(weightPpm), PPM, "floor", "weighted pnl");
}

export function entryPrice(base: bigint, costBasis: bigint): bigint | null {
  const OP = "entry price";
  if (base === 0n) return null;
  return toU64(mulDiv(abs(costBasis), NOTIONAL_DIVISOR, abs(base), "floor", OP), OP);
}

export interface Fill {
  base: bigint;
  costBasis: bigint;
  realisedPnl: bigint;
  closed: bigint;
  opened: bigint;
}

export function applyFill(base: bigint, costBasis: bigint, delta: bigint, price: bigint): Fill {
  const OP = "apply fill";
  const reducing = base !== 0n && base > 0n !== delta > 0n;
  const closed = reducing ? (abs(base) < abs(delta) ? abs(base) : abs(delta)) : 0n;
  const opened = abs(delta) - closed;
  let newBase = base;
  let newCb = costBasis;
  let realised = 0n;
  if (closed > 0n) {
    const cbClosed = mulDiv(costBasis, closed, abs(base), "ceil", OP);
    const cbRemaining = sub(costBasis, cbClosed, OP);
    const closedSigned = base > 0n ? closed : -closed;
    const value = mulDiv(closedSigned, price, NOTIONAL_DIVISOR, "floor", OP);
    realised = sub(value, cbClosed, OP);
    newBase = toI64(sub(base, closedSigned, OP), OP);
    newCb = toI64(cbRemaining, OP);
  }
  if (opened > 0n) {
    const openedSigned = toI64(delta > 0n ? opened : neg(opened, OP), OP);
    newBase = toI64(add(newBase, openedSigned, OP), OP);
    newCb = toI64(add(newCb, costBasisAt(openedSigned, price), OP), OP);
  }
  return { base: newBase, costBasis: newCb, realisedPnl: toI64(realised, OP), closed, opened };
}

/** The pool's fill: `(oracle + conf)(1 + spread)` up for a buy, `(oracle − conf)(1 − spread)` down for a sell. */
export function fillPrice(oraclePrice: bigint, conf: bigint, spreadPpm: number, isBuy: boolean): bigint {
  const OP = "fill price";
  const s = BigInt(spreadPpm);
  let adjusted: bigint;
  if (isBuy) {
    adjusted = mulDiv(add(oraclePrice, conf, OP), add(PPM, s, OP), PPM, "ceil", OP);
  } else {
    const p = oraclePrice > conf ? oraclePrice - conf : 0n;
    adjusted = mulDiv(p, sub(PPM, s, OP), PPM, "floor", OP);
  }
  return toU64(adjusted, OP);
}

export function ppmOf(amount: bigint, ratePpm: number, rounding: Rounding): bigint {
  const OP = "ppm of amount";
  return toU64(mulDiv(amount, BigInt(ratePpm), PPM, rounding, OP), OP);
}
