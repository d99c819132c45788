/** Leverage tiers, maintenance (with the ramp), initial margin, floor: `tiers.rs`. */
import { MathError, Rounding, add, div, mul, sub, toU64, mulDiv, I64_MAX, I64_MIN } from "./checked.js";
import { PPM } from "./constants.js";

export interface Tier {
  /** Notional (quote native) from which the tier applies; the first is 0. */
  notionalThreshold: bigint;
  maxLeverage: number;
}

/** A market's maintenance schedule: its tiers, and the old table while a ramp runs (`f` ppm of the way). */
export interface Maintenance {
  tiers: Tier[];
  rampFrom?: { tiers: Tier[]; f: number } | null;
}

export interface MaintenancePiece {
  rate: bigint;
  deduction: bigint;
  from: bigint;
  to: bigint | null;
}

export function maintenanceRatePpm(maxLeverage: number): bigint {
  return div(PPM, mul(2n, BigInt(maxLeverage), "maintenance rate"), "ceil", "maintenance rate");
}

export function tierIndex(tiers: Tier[], notional: bigint): number {
  for (let i = tiers.length - 1; i >= 0; i--) if (tiers[i].notionalThreshold <= notional) return i;
  return 0;
}

export function maxLeverageAt(tiers: Tier[], notional: bigint): number {
  return tiers[tierIndex(tiers, notional)]?.maxLeverage ?? 1;
}

export function rateAndDeduction(tiers: Tier[], i: number): [bigint, bigint] {
  const OP = "maintenance deduction";
  let prev = 0n;
  let deduction = 0n;
  for (const t of tiers.slice(0, i + 1)) {
    const rate = maintenanceRatePpm(t.maxLeverage);
    deduction = add(deduction, mul(t.notionalThreshold, sub(rate, prev, OP), OP), OP);
    prev = rate;
  }
  return [prev, deduction];
}

export function maintenanceMargin(tiers: Tier[], notional: bigint): bigint {
  const OP = "maintenance margin";
  const [rate, deduction] = rateAndDeduction(tiers, tierIndex(tiers, notional));
  return toU64(div(sub(mul(notional, rate, OP), deduction, OP), PPM, "ceil", OP), OP);
}

export function initialMargin(notional: bigint, leverage: number): bigint {
  const OP = "initial margin";
  if (leverage === 0) throw new MathError("InvalidInput", OP);
  return toU64(div(notional, BigInt(leverage), "ceil", OP), OP);
}

export function transferFloor(notional: bigint, floorPpm: number): bigint {
  const OP = "transfer floor";
  return toU64(mulDiv(notional, BigInt(floorPpm), PPM, "ceil", OP), OP);
}

function piece(m: Maintenance, i: number, j: number, from: Tier[], fRaw: number): [bigint, bigint] {
  const OP = "maintenance ramp";
  const [rOld, dOld] = rateAndDeduction(from, i);
  const [rNew, dNew] = rateAndDeduction(m.tiers, j);
  const f = BigInt(Math.min(fRaw, 1_000_000));
  const g = sub(PPM, f, OP);
  return [add(mul(rOld, g, OP), mul(rNew, f, OP), OP), add(mul(dOld, g, OP), mul(dNew, f, OP), OP)];
}

/** Maintenance margin of a position of `notional`, blending the old table during a ramp. */
export function maintenance(m: Maintenance, notional: bigint): bigint {
  const OP = "maintenance margin";
  if (!m.rampFrom) return maintenanceMargin(m.tiers, notional);
  const { tiers: from, f } = m.rampFrom;
  const [rate, deduction] = piece(m, tierIndex(from, notional), tierIndex(m.tiers, notional), from, f);
  const scaled = sub(mul(notional, rate, OP), deduction, OP);
  return toU64(div(scaled, mul(PPM, PPM, OP), "ceil", OP), OP);
}

/** The linear pieces of the maintenance curve (rate ppm, deduction quote × ppm). */
export function maintenancePieces(m: Maintenance): MaintenancePiece[] {
  const OP = "maintenance pieces";
  const points: bigint[] = [];
  for (const t of [...m.tiers, ...(m.rampFrom?.tiers ?? [])]) if (!points.includes(t.notionalThreshold)) points.push(t.notionalThreshold);
  points.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return points.map((lo, k) => {
    const hi = k + 1 < points.length ? points[k + 1] : null;
    let rate: bigint, deduction: bigint;
    if (m.rampFrom) {
      const [r, d] = piece(m, tierIndex(m.rampFrom.tiers, lo), tierIndex(m.tiers, lo), m.rampFrom.tiers, m.rampFrom.f);
      rate = div(r, PPM, "ceil", OP);
      deduction = div(d, PPM, "floor", OP);
    } else {
      [rate, deduction] = rateAndDeduction(m.tiers, tierIndex(m.tiers, lo));
    }
    return { rate, deduction, from: lo, to: hi };
  });
}

const satSubI64 = (a: bigint, b: bigint) => {
  const v = a - b;
  return v > I64_MAX ? I64_MAX : v < I64_MIN ? I64_MIN : v;
};

/** How far (ppm) a ramp from `start` to `end` has run at `now`; null when none runs. */
export function rampProgressPpm(start: bigint, end: bigint, now: bigint): number | null {
  if (now >= end || end <= start) return null;
  let elapsed = satSubI64(now, start);
  if (elapsed < 0n) elapsed = 0n;
  const length = satSubI64(end, start);
  let f: bigint;
  try {
    f = mulDiv(elapsed, PPM, length, "floor", "ramp progress");
  } catch {
    return null;
  }
  return f >= 0n && f <= 0xffff_ffffn ? Number(f) : null;
}

export type { Rounding };
