/** Pool equity and auto-deleveraging (`adl.rs`). */
import { MathError, abs, add, min, mul, mulDiv, neg, sub, U64_MAX } from "./checked.js";
import { NOTIONAL_DIVISOR, PPM } from "./constants.js";

/** A market's open interest and aggregate cost basis per side (`SideTotals`). */
export interface SideTotals {
  openInterestLong: bigint;
  openInterestShort: bigint;
  costBasisLong: bigint;
  costBasisShort: bigint;
}

/** What the pool gains or loses on one market's open positions at `price`. */
export function poolSidePnl(t: SideTotals, price: bigint): bigint {
  const OP = "pool side pnl";
  const longValue = mulDiv(t.openInterestLong, price, NOTIONAL_DIVISOR, "ceil", OP);
  const shortLiability = mulDiv(t.openInterestShort, price, NOTIONAL_DIVISOR, "floor", OP);
  const longPnl = sub(longValue, t.costBasisLong, OP);
  const shortPnl = sub(neg(shortLiability, OP), t.costBasisShort, OP);
  return neg(add(longPnl, shortPnl, OP), OP);
}

/** `cash − deficit + Σ pool side PnL`: negative means a shortfall. */
export function poolEquity(cash: bigint, deficit: bigint, sidePnl: bigint): bigint {
  const OP = "pool equity";
  return add(sub(cash, deficit, OP), sidePnl, OP);
}

/** `min(max(realised, 0), max(−pool equity, 0))`. */
export function haircut(realisedPnl: bigint, poolEquityNow: bigint): bigint {
  const profit = realisedPnl > 0n ? realisedPnl : 0n;
  const shortfall = poolEquityNow < 0n ? min(-poolEquityNow, U64_MAX) : 0n;
  return min(profit, shortfall);
}

/** Lots that cover `shortfall` out of `profit` on `absBase` lots, rounded up to a lot. */
export function deleverageSize(absBase: bigint, profit: bigint, shortfall: bigint, lotSize: bigint): bigint {
  const OP = "deleverage size";
  if (profit <= 0n) throw new MathError("InvalidInput", OP);
  let need = mulDiv(absBase, shortfall, profit, "ceil", OP);
  need = min(need, absBase);
  const lot = lotSize > 0n ? lotSize : 1n;
  const rem = need % lot;
  const up = rem === 0n ? need : need + (lot - rem);
  return min(up, absBase);
}

/** Ranking score: profit % × effective leverage, ppm; 0 without profit. */
export function adlScorePpm(pnl: bigint, costBasis: bigint, notional: bigint, equity: bigint): bigint {
  const OP = "adl score";
  if (pnl <= 0n) return 0n;
  if (equity <= 0n || costBasis === 0n) return U64_MAX;
  const score = mulDiv(mul(pnl, notional, OP), PPM, mul(abs(costBasis), equity, OP), "floor", OP);
  return min(score, U64_MAX);
}

export const ADL_LIGHT_THRESHOLDS = [500_000n, 1_000_000n, 2_000_000n, 5_000_000n];

/** The 0–5 indicator `account_health` shows for a score. */
export function adlLight(scorePpm: bigint): number {
  if (scorePpm === 0n) return 0;
  return 1 + ADL_LIGHT_THRESHOLDS.filter((t) => scorePpm >= t).length;
}
