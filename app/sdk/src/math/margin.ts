/** Position and domain health, transferable, leverage, liquidation price (`margin.rs`). */
import { abs, add, div, max, min, mul, mulDiv, satI128, satI64, satU64, sub, toU64, I128_MAX } from "./checked.js";
import { EFFECTIVE_LEVERAGE_SCALE, NOTIONAL_DIVISOR, PPM } from "./constants.js";
import { conservativePrice } from "./oracle.js";
import { notional, notionalAndValue, weightedPnl } from "./position.js";
import { Maintenance, Tier, initialMargin, maintenance, maintenancePieces, maxLeverageAt, transferFloor } from "./tiers.js";
import { scaledMaxLeverage } from "./volatility.js";

/** Everything one position contributes to its domain's health. */
export interface PositionRisk {
  base: bigint;
  costBasis: bigint;
  /** Funding owed to now (positive = owes). */
  pendingFunding: bigint;
  unsettledPnl: bigint;
  /** The position's leverage setting. */
  leverage: number;
  price: bigint;
  conf: bigint;
  tiers: Tier[];
  rampFrom?: { tiers: Tier[]; f: number } | null;
  pnlWeightPpm: number;
  transferFloorPpm: number;
  /** Volatility scale of the tier maximum for new risk, ppm (1e6: none); initial margin only. */
  leverageScalePpm: number;
}

export interface PositionHealth {
  notional: bigint;
  pnl: bigint;
  maintenance: bigint;
  initialPnl: bigint;
  notionalConservative: bigint;
  initial: bigint;
  transferFloor: bigint;
  pendingFunding: bigint;
  unsettled: bigint;
  unsettledWeighted: bigint;
  realisable: bigint;
  tierMaxLeverage: number;
  effectiveLeverageSetting: number;
  adverse: boolean;
}

const schedule = (r: PositionRisk): Maintenance => ({ tiers: r.tiers, rampFrom: r.rampFrom ?? null });

function finish(
  r: PositionRisk,
  notionalPlain: bigint,
  pnl: bigint,
  mm: bigint,
  notionalCons: bigint,
  initialPnl: bigint,
  adverse: boolean,
): PositionHealth {
  const tierMaxLeverage = scaledMaxLeverage(maxLeverageAt(r.tiers, max(notionalPlain, notionalCons)), r.leverageScalePpm);
  const effective = Math.min(r.leverage, tierMaxLeverage);
  const fullWeight = BigInt(r.pnlWeightPpm) >= PPM;
  return {
    notional: notionalPlain,
    pnl,
    maintenance: mm,
    initialPnl,
    notionalConservative: notionalCons,
    initial: initialMargin(notionalCons, effective),
    transferFloor: transferFloor(notionalCons, r.transferFloorPpm),
    pendingFunding: r.pendingFunding,
    unsettled: r.unsettledPnl,
    unsettledWeighted: weightedPnl(r.unsettledPnl, r.pnlWeightPpm),
    realisable: fullWeight && !adverse ? max(initialPnl, 0n) : 0n,
    tierMaxLeverage,
    effectiveLeverageSetting: effective,
    adverse,
  };
}

/** Health at a valid price: maintenance at the oracle price, initial at the conservative one. */
export function positionHealth(r: PositionRisk): PositionHealth {
  const OP = "unrealized pnl";
  const isLong = r.base > 0n;
  const [nPlain, value] = notionalAndValue(r.base, r.price);
  const pnl = sub(value, r.costBasis, OP);
  const mm = maintenance(schedule(r), nPlain);
  const consPrice = conservativePrice(r.price, r.conf, isLong);
  const [nCons, valueCons] = notionalAndValue(r.base, consPrice);
  const initialPnl = weightedPnl(sub(valueCons, r.costBasis, OP), r.pnlWeightPpm);
  return finish(r, nPlain, pnl, mm, nCons, initialPnl, false);
}

/** Health of a position whose oracle is not valid: widened toward the loss, profit counts as zero. */
export function adverseHealth(r: PositionRisk, haircutPpm: number): PositionHealth {
  const OP = "adverse valuation";
  const isLong = r.base > 0n;
  const haircut = mulDiv(r.price, BigInt(haircutPpm), PPM, "ceil", OP);
  const widen = toU64(add(haircut, r.conf, OP), OP);
  const adversePrice = conservativePrice(r.price, widen, isLong);
  const [nPlain] = notionalAndValue(r.base, r.price);
  const [nAdverse, valueAdverse] = notionalAndValue(r.base, adversePrice);
  const pnl = min(sub(valueAdverse, r.costBasis, OP), 0n);
  const nMax = max(nPlain, nAdverse);
  const mm = maintenance(schedule(r), nMax);
  return finish(r, nMax, pnl, mm, nMax, pnl, true);
}

export function withLeverage(h: PositionHealth, leverage: number): PositionHealth {
  const effective = Math.min(leverage, h.tierMaxLeverage);
  return { ...h, initial: initialMargin(h.notionalConservative, effective), effectiveLeverageSetting: effective };
}

/** A domain (the cross part of an account, or one isolated position). */
export interface DomainHealth {
  collateral: bigint;
  notional: bigint;
  maintenanceEquity: bigint;
  maintenance: bigint;
  initialEquity: bigint;
  initial: bigint;
  transferFloor: bigint;
  realisablePnl: bigint;
  adversePositions: number;
}

export function newDomain(collateral: bigint): DomainHealth {
  return {
    collateral,
    notional: 0n,
    maintenanceEquity: collateral,
    maintenance: 0n,
    initialEquity: collateral,
    initial: 0n,
    transferFloor: 0n,
    realisablePnl: 0n,
    adversePositions: 0,
  };
}

/** Adds a position (returns a new object). */
export function addPosition(d: DomainHealth, p: PositionHealth): DomainHealth {
  const OP = "domain health";
  return {
    collateral: d.collateral,
    notional: add(d.notional, p.notional, OP),
    maintenanceEquity: sub(add(add(d.maintenanceEquity, p.pnl, OP), p.unsettled, OP), p.pendingFunding, OP),
    maintenance: add(d.maintenance, p.maintenance, OP),
    initialEquity: sub(add(add(d.initialEquity, p.initialPnl, OP), p.unsettledWeighted, OP), p.pendingFunding, OP),
    initial: add(d.initial, p.initial, OP),
    transferFloor: add(d.transferFloor, p.transferFloor, OP),
    realisablePnl: add(d.realisablePnl, p.realisable, OP),
    adversePositions: Math.min(d.adversePositions + (p.adverse ? 1 : 0), 0xffff_ffff),
  };
}

export function withCollateralChange(d: DomainHealth, delta: bigint): DomainHealth {
  const OP = "domain health";
  return {
    ...d,
    collateral: add(d.collateral, delta, OP),
    maintenanceEquity: add(d.maintenanceEquity, delta, OP),
    initialEquity: add(d.initialEquity, delta, OP),
  };
}

export const isLiquidatable = (d: DomainHealth) => d.maintenanceEquity < d.maintenance;
export const meetsInitial = (d: DomainHealth) => d.initialEquity >= d.initial;

export function bufferedMaintenance(d: DomainHealth, bufferPpm: number): bigint {
  const OP = "buffered maintenance";
  return mulDiv(d.maintenance, add(PPM, BigInt(bufferPpm), OP), PPM, "ceil", OP);
}

export function restored(d: DomainHealth, bufferPpm: number): boolean {
  try {
    return d.maintenanceEquity >= bufferedMaintenance(d, bufferPpm);
  } catch {
    return false;
  }
}

export function transferLock(d: DomainHealth, bufferPpm: number): bigint {
  return max(max(d.initial, d.transferFloor), bufferedMaintenance(d, bufferPpm));
}

/** What can leave the domain (Hyperliquid's rule, bounded by what is payable). */
export function transferable(d: DomainHealth, bufferPpm: number): bigint {
  if (d.adversePositions > 0) return 0n;
  let locked: bigint;
  try {
    locked = transferLock(d, bufferPpm);
  } catch {
    return 0n;
  }
  const free = satI128(d.initialEquity - locked);
  const payable = satI128(max(d.collateral, 0n) + max(d.realisablePnl, 0n));
  return satU64(max(min(free, payable), 0n));
}

/**
 * What a strict-isolated position releases to cross when a trade reduces it without
 * closing it: `min(transferable, max(collateral, 0))` (no profit is realised to fund it).
 */
export function releaseOnReduction(d: DomainHealth, bufferPpm: number): bigint {
  return min(transferable(d, bufferPpm), satU64(max(d.collateral, 0n)));
}

/** Σ notional / maintenance equity × 1e6, rounded up; null when equity ≤ 0. */
export function effectiveLeverage(d: DomainHealth): bigint | null {
  if (d.maintenanceEquity <= 0n) return null;
  const l = mulDiv(d.notional, EFFECTIVE_LEVERAGE_SCALE, d.maintenanceEquity, "ceil", "effective leverage");
  return satU64(l < 0n ? 1n << 64n : l);
}

/** Maintenance equity / maintenance margin in ppm, rounded down; null without maintenance. */
export function maintenanceRatioPpm(d: DomainHealth): bigint | null {
  if (d.maintenance <= 0n) return null;
  return satI64(mulDiv(d.maintenanceEquity, PPM, d.maintenance, "floor", "maintenance ratio"));
}

/**
 * The oracle price at which the domain's maintenance equity equals its maintenance margin,
 * moving only this position's price. `restEquity` = the domain's maintenance equity
 * without this position's PnL, minus the other positions' maintenance margin.
 * A long rounds up, a short down; null for a long that survives a fall to zero.
 */
export function liquidationPrice(base: bigint, costBasis: bigint, m: Maintenance, restEquity: bigint): bigint | null {
  const OP = "liquidation price";
  if (base === 0n) return null;
  const absB = abs(base);
  const scale = mul(NOTIONAL_DIVISOR, PPM, OP);
  const rounding = base > 0n ? "ceil" : "floor";
  for (const piece of maintenancePieces(m)) {
    const numerator = sub(mul(sub(costBasis, restEquity, OP), scale, OP), mul(piece.deduction, NOTIONAL_DIVISOR, OP), OP);
    const denominator = sub(mul(base, PPM, OP), mul(absB, piece.rate, OP), OP);
    const p = div(numerator, denominator, rounding, OP);
    if (p <= 0n) return base > 0n ? null : 0n;
    if (p > (1n << 64n) - 1n) continue;
    let n: bigint;
    try {
      n = notional(base, p, "floor");
    } catch {
      continue;
    }
    if (n >= piece.from && (piece.to === null || n < piece.to)) return p;
  }
  return null;
}

export { I128_MAX };
