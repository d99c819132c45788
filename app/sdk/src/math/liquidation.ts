/** Liquidation sizing and penalties (`liquidation.rs`). */
import { MathError, add, div, max, min, mul, mulDiv, overflow, sub, toU64, U64_MAX, I64_MAX } from "./checked.js";
import { GUARD_TIP_CAP_PPM, NOTIONAL_DIVISOR, PPM } from "./constants.js";
import { notional } from "./position.js";
import { Tier, maintenance, rateAndDeduction, tierIndex } from "./tiers.js";

export interface LiquidationInput {
  base: bigint;
  price: bigint;
  tiers: Tier[];
  rampFrom?: { tiers: Tier[]; f: number } | null;
  /** The domain's maintenance equity. */
  equity: bigint;
  /** The domain's maintenance margin. */
  maintenance: bigint;
  penaltyPpm: number;
  bufferPpm: number;
  lotSize: bigint;
  dustNotional: bigint;
}

const toI64 = (v: bigint, op: string) => {
  if (v > I64_MAX) throw overflow(op);
  return v;
};
const absOf = (b: bigint) => (b < 0n ? -b : b);
const satAdd = (a: bigint, b: bigint) => min(a + b, U64_MAX);
const satSub = (a: bigint, b: bigint) => max(a - b, 0n);

function positionMm(li: LiquidationInput, lots: bigint): bigint {
  const b = toI64(lots, "liquidation size");
  return maintenance({ tiers: li.tiers, rampFrom: li.rampFrom ?? null }, notional(b, li.price, "ceil"));
}

function restoresWith(li: LiquidationInput, q: bigint, mmWhole: bigint): boolean {
  const OP = "liquidation target";
  const a = absOf(li.base);
  const closed = toI64(q, OP);
  const penalty = mulDiv(notional(closed, li.price, "ceil"), BigInt(li.penaltyPpm), PPM, "ceil", OP);
  if (a < q) throw overflow(OP);
  const mmAfter = add(sub(li.maintenance, mmWhole, OP), positionMm(li, a - q), OP);
  const target = mulDiv(mmAfter, add(PPM, BigInt(li.bufferPpm), OP), PPM, "ceil", OP);
  return sub(li.equity, penalty, OP) >= target;
}

/** Whether closing `q` lots restores the domain to the buffered target. */
export function restores(li: LiquidationInput, q: bigint): boolean {
  return restoresWith(li, q, positionMm(li, absOf(li.base)));
}

const divCeilU = (a: bigint, b: bigint) => (a + b - 1n) / b;

function estimateLots(li: LiquidationInput, mmWhole: bigint, lot: bigint): bigint {
  const OP = "liquidation estimate";
  const a = absOf(li.base);
  const whole = notional(li.base, li.price, "ceil");
  const [rate, deduction] = rateAndDeduction(li.tiers, tierIndex(li.tiers, whole));
  const k = add(PPM, BigInt(li.bufferPpm), OP);
  const slope = sub(mul(k, rate, OP), mul(BigInt(li.penaltyPpm), PPM, OP), OP);
  if (slope <= 0n) throw new MathError("InvalidInput", OP);
  const rest = sub(li.maintenance, mmWhole, OP);
  const need = sub(mul(k, sub(add(mul(rest, PPM, OP), mul(whole, rate, OP), OP), deduction, OP), OP), mul(li.equity, NOTIONAL_DIVISOR, OP), OP);
  const x = div(max(need, 0n), slope, "ceil", OP);
  const q = mulDiv(x, NOTIONAL_DIVISOR, max(li.price, 1n), "ceil", OP);
  const kLots = div(q, lot, "ceil", OP);
  return min(kLots > U64_MAX ? U64_MAX : kLots, divCeilU(a, lot));
}

/** Lots to close so the domain meets the buffered target (all of it when the rest is dust). */
export function closeSize(li: LiquidationInput): bigint {
  const OP = "liquidation size";
  const a = absOf(li.base);
  if (a === 0n) return 0n;
  const mmWhole = positionMm(li, a);
  const lot = max(li.lotSize, 1n);
  const lots = divCeilU(a, lot);
  const sizeOf = (k: bigint) => {
    const q = k * lot;
    return q > U64_MAX ? a : min(q, a);
  };
  const ok = (k: bigint) => restoresWith(li, sizeOf(k), mmWhole);
  if (lots + 1n > U64_MAX) throw overflow(OP);
  const none = lots + 1n;
  let lo = 0n;
  let hi = none;
  let guess: bigint;
  try {
    guess = estimateLots(li, mmWhole, lot);
  } catch {
    guess = lots >> 1n;
  }
  guess = min(max(guess, 1n), lots);
  let step = 1n;
  if (ok(guess)) {
    hi = guess;
    for (;;) {
      const probe = satSub(hi, step);
      if (probe <= lo) break;
      if (!ok(probe)) {
        lo = probe;
        break;
      }
      hi = probe;
      step = min(step * 2n, U64_MAX);
    }
  } else {
    lo = guess;
    for (;;) {
      const probe = satAdd(lo, step);
      if (probe >= hi) break;
      if (ok(probe)) {
        hi = probe;
        break;
      }
      lo = probe;
      step = min(step * 2n, U64_MAX);
    }
  }
  while (hi - lo > 1n) {
    const mid = lo + (hi - lo) / 2n;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  let q = hi === none ? a : sizeOf(hi);
  const rest = toI64(a - q, OP);
  if (rest > 0n && notional(rest, li.price, "floor") < li.dustNotional) q = a;
  return q;
}

/** `[keeper reward, insurance share]`, capped at what the domain has, reward first. */
export function penalties(closedNotional: bigint, rewardPpm: number, insurancePpm: number, available: bigint): [bigint, bigint] {
  const OP = "liquidation penalty";
  let reward = mulDiv(closedNotional, BigInt(rewardPpm), PPM, "floor", OP);
  let insurance = mulDiv(closedNotional, BigInt(insurancePpm), PPM, "ceil", OP);
  const avail = max(available, 0n);
  reward = min(reward, avail);
  insurance = min(insurance, sub(avail, reward, OP));
  return [toU64(reward, OP), toU64(insurance, OP)];
}

export function guardTip(fixedTip: bigint, topUp: bigint): bigint {
  const cap = mulDiv(topUp, GUARD_TIP_CAP_PPM, PPM, "floor", "guard tip");
  return min(fixedTip, toU64(cap, "guard tip"));
}
