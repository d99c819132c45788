/** Funding rate, index accrual, funding owed (`funding.rs`). */
import { abs, add, div, mul, mulDiv, neg, sub, toI64 } from "./checked.js";
import { BASE_PRECISION, FUNDING_INDEX_SCALE, FUNDING_PERIOD_SECS } from "./constants.js";

/** Funding a position owes since its snapshot (quote native; positive = owes, rounded up). */
export function pendingFunding(base: bigint, indexNow: bigint, snapshot: bigint): bigint {
  const OP = "pending funding";
  const delta = sub(indexNow, snapshot, OP);
  const divisor = mul(BASE_PRECISION, FUNDING_INDEX_SCALE, OP);
  return toI64(mulDiv(abs(base), delta, divisor, "ceil", OP), OP);
}

export function fundingRatePpm(longOi: bigint, shortOi: bigint, kPpm: number, maxRatePpm: number, oiFloor: bigint): bigint {
  const OP = "funding rate";
  const skew = sub(longOi, shortOi, OP);
  let total = add(longOi, shortOi, OP);
  if (total < oiFloor) total = oiFloor;
  if (total < 1n) total = 1n;
  const raw = mul(BigInt(kPpm), skew, OP);
  let rate = div(raw, total, raw >= 0n ? "floor" : "ceil", OP);
  const m = BigInt(maxRatePpm);
  const lo = neg(m, OP);
  if (rate < lo) rate = lo;
  if (rate > m) rate = m;
  return toI64(rate, OP);
}

/** `(long index delta, short index delta)` over `dtSecs` at `ratePpm` per hour. */
export function indexDeltas(price: bigint, ratePpm: bigint, dtSecs: bigint): [bigint, bigint] {
  const OP = "funding index";
  if (ratePpm === 0n || dtSecs <= 0n) return [0n, 0n];
  const numerator = mul(mul(price, abs(ratePpm), OP), dtSecs, OP);
  const divisor = mul(FUNDING_PERIOD_SECS, 1000n, OP);
  const pay = div(numerator, divisor, "ceil", OP);
  const receive = neg(div(numerator, divisor, "floor", OP), OP);
  return ratePpm > 0n ? [pay, receive] : [receive, pay];
}

export interface FundingState {
  longIndex: bigint;
  shortIndex: bigint;
  openInterestLong: bigint;
  openInterestShort: bigint;
  kPpm: number;
  maxRatePpm: number;
  oiFloor: bigint;
}

/** Indices after `dtSecs` more seconds at `price`, and the rate used: `[long, short, rate]`. */
export function accrue(s: FundingState, price: bigint, dtSecs: bigint): [bigint, bigint, bigint] {
  const OP = "funding accrual";
  if (dtSecs <= 0n || price === 0n) return [s.longIndex, s.shortIndex, 0n];
  const rate = fundingRatePpm(s.openInterestLong, s.openInterestShort, s.kPpm, s.maxRatePpm, s.oiFloor);
  const [dl, ds] = indexDeltas(price, rate, dtSecs);
  return [add(s.longIndex, dl, OP), add(s.shortIndex, ds, OP), rate];
}
