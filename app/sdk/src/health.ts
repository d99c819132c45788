/**
 * The program's valuation (`programs/ballast/src/health.rs`, `oracle/mod.rs`), off chain:
 * an oracle reading converted and classified, a market view (reference price, adverse
 * valuation, funding indices accrued to now, maintenance tables with the ramp at now), and
 * the cross and isolated domains of a margin account.
 */
import type { Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus, PriceUpdateV2, PushOracle } from "./accounts.js";
import { inHealth } from "./accounts.js";
import * as m from "./math/index.js";

/** A raw oracle reading: `price × 10^exponent` quote units per base unit. */
export interface RawPrice {
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
}

export const rawFromPush = (o: PushOracle): RawPrice => ({ price: o.price, conf: o.conf, exponent: o.exponent, publishTime: o.publishTime });
export const rawFromPyth = (o: PriceUpdateV2): RawPrice => ({ price: o.price, conf: o.conf, exponent: o.exponent, publishTime: o.publishTime });

/** A reading in the price scale, as the program's `read_oracle` returns it. */
export interface OraclePrice {
  price: bigint;
  conf: bigint;
  validity: m.OracleValidity;
  age: bigint;
}

export function oraclePrice(market: Market, raw: RawPrice, quoteDecimals: number, now: bigint): OraclePrice {
  let validity = m.classify(raw.price, raw.conf, raw.publishTime, now, market.maxOracleAgeSecs, market.maxOracleConfPpm);
  const price = raw.price > 0n ? m.toPrice(raw.price, raw.exponent, quoteDecimals, "floor") : 0n;
  const conf = m.toPrice(raw.conf, raw.exponent, quoteDecimals, "ceil");
  if (price === 0n) validity = "NonPositive";
  const age = now - raw.publishTime > 0n ? now - raw.publishTime : 0n;
  return { price, conf, validity, age };
}

/** Which rule prices are read under (docs/MATH.md, "Oracle policy"). */
export type Policy = "strict" | "lenient";

const STATUS_ORDER: MarketStatus[] = ["Active", "ReduceOnly", "Paused"];
export const effectiveStatus = (market: Market, exchangeStatus: MarketStatus): MarketStatus =>
  STATUS_ORDER[Math.max(STATUS_ORDER.indexOf(market.status), STATUS_ORDER.indexOf(exchangeStatus))];

/** The maintenance schedule at `now` (the old table blended in while a ramp runs). */
export function maintenanceAt(market: Market, now: bigint): m.Maintenance {
  if (market.rampFromTierCount > 0) {
    const f = m.rampProgressPpm(market.rampStartTs, market.rampEndTs, now);
    if (f !== null) return { tiers: market.tiers, rampFrom: { tiers: market.rampFromTiers, f } };
  }
  return { tiers: market.tiers, rampFrom: null };
}

/** Funding indices accrued (in memory) to `now` at `price`, as every health computation does. */
export function indicesAt(market: Market, price: bigint, now: bigint, halted: boolean): [bigint, bigint] {
  if (halted) return [market.cumulativeFundingLong, market.cumulativeFundingShort];
  let dt = now - market.lastFundingTs;
  if (dt > m.checked.I64_MAX) dt = m.checked.I64_MAX;
  const [l, s] = m.accrue(
    {
      longIndex: market.cumulativeFundingLong,
      shortIndex: market.cumulativeFundingShort,
      openInterestLong: market.openInterestLong,
      openInterestShort: market.openInterestShort,
      kPpm: market.fundingKPpm,
      maxRatePpm: market.fundingMaxRatePpm,
      oiFloor: market.fundingOiFloor,
    },
    price,
    dt,
  );
  return [l, s];
}

export interface MarketView {
  market: Market;
  oracle: OraclePrice;
  maintenance: m.Maintenance;
  longIndex: bigint;
  shortIndex: bigint;
  referencePrice: bigint;
  adverse: boolean;
  halted: boolean;
  strict: boolean;
}

export function marketView(market: Market, oracle: OraclePrice, exchangeStatus: MarketStatus, now: bigint, policy: Policy = "lenient"): MarketView {
  const halted = effectiveStatus(market, exchangeStatus) === "Paused";
  let referencePrice: bigint, adverse: boolean;
  if (oracle.validity === "Valid") [referencePrice, adverse] = [oracle.price, false];
  else if (oracle.price > 0n) [referencePrice, adverse] = [oracle.price, true];
  else if (market.lastValidPrice > 0n) [referencePrice, adverse] = [market.lastValidPrice, true];
  else [referencePrice, adverse] = [0n, true];
  const [longIndex, shortIndex] = indicesAt(market, oracle.price, now, halted);
  return { market, oracle, maintenance: maintenanceAt(market, now), longIndex, shortIndex, referencePrice, adverse, halted, strict: policy === "strict" };
}

/** A position as valuation needs it (a cross slot or an isolated position). */
export interface PositionState {
  base: bigint;
  costBasis: bigint;
  leverage: number;
  snapshot: bigint;
  unsettled: bigint;
}

export class HealthError extends Error {
  constructor(readonly code: "OracleNonPositive" | "OracleStale" | "OracleTooUncertain" | "Paused" | "MissingMarket") {
    super(code);
  }
}

export function positionRisk(view: MarketView, p: PositionState): m.PositionRisk {
  const index = p.base >= 0n ? view.longIndex : view.shortIndex;
  return {
    base: p.base,
    costBasis: p.costBasis,
    pendingFunding: m.pendingFunding(p.base, index, p.snapshot),
    unsettledPnl: p.unsettled,
    leverage: p.leverage,
    price: view.referencePrice,
    conf: view.oracle.conf,
    tiers: view.maintenance.tiers,
    rampFrom: view.maintenance.rampFrom ?? null,
    pnlWeightPpm: view.market.pnlWeightPpm,
    transferFloorPpm: view.market.transferFloorPpm,
    leverageScalePpm: m.leverageScalePpm(view.market.volVariance, view.market.volTargetPpm, view.market.volFloorPpm),
  };
}

/** `MarketView::value`: plain health, or adverse when the oracle is not valid. */
export function valuePosition(view: MarketView, p: PositionState): m.PositionHealth {
  if (view.strict && p.base !== 0n) {
    const v = view.oracle.validity;
    if (v === "Stale") throw new HealthError("OracleStale");
    if (v === "TooUncertain") throw new HealthError("OracleTooUncertain");
    if (v !== "Valid") throw new HealthError("OracleNonPositive");
    if (view.halted) throw new HealthError("Paused");
  }
  const risk = positionRisk(view, p);
  if (p.base !== 0n && view.referencePrice === 0n) throw new HealthError("OracleNonPositive");
  return view.adverse && p.base !== 0n ? m.adverseHealth(risk, view.market.invalidPriceHaircutPpm) : m.positionHealth(risk);
}

export const stateOfIsolated = (p: IsolatedPosition): PositionState => ({
  base: p.base,
  costBasis: p.costBasis,
  leverage: p.leverage,
  snapshot: p.fundingSnapshot,
  unsettled: p.unsettledPnl,
});

/** Everything valuation needs about the exchange's markets: decoded market + its oracle reading. */
export interface MarketContext {
  market: Market;
  oracle: OraclePrice;
}

export interface HealthInputs {
  /** `poolBalance` and `poolDeficit`, when given, let trade previews say what part of a
   * profit the pool cannot pay now (it becomes unsettled profit). */
  exchange: Pick<Exchange, "status" | "liquidationBufferPpm" | "collateralDecimals"> & Partial<Pick<Exchange, "poolBalance" | "poolDeficit">>;
  /** By market index. */
  markets: Map<number, MarketContext>;
  /** Unix seconds (the cluster clock). */
  now: bigint;
  policy?: Policy;
}

export interface PositionDetail {
  marketIndex: number;
  state: PositionState;
  view: MarketView;
  health: m.PositionHealth;
}

export interface DomainDetail {
  domain: m.DomainHealth;
  positions: PositionDetail[];
}

function viewFor(inputs: HealthInputs, index: number, policy: Policy): MarketView {
  const ctx = inputs.markets.get(index);
  if (!ctx) throw new HealthError("MissingMarket");
  return marketView(ctx.market, ctx.oracle, inputs.exchange.status, inputs.now, policy);
}

/** The cross domain, slot by slot in slot order (`CrossBook::domain`). `override` replaces slots' state. */
export function crossDomain(account: MarginAccount, inputs: HealthInputs, override?: Map<number, PositionState>): DomainDetail {
  const policy = inputs.policy ?? "lenient";
  const positions: PositionDetail[] = [];
  for (const slot of account.crossPositions) {
    const state: PositionState = override?.get(slot.marketIndex) && slot.inUse
      ? override.get(slot.marketIndex)!
      : { base: slot.base, costBasis: slot.costBasis, leverage: slot.leverage, snapshot: slot.fundingSnapshot, unsettled: slot.unsettledPnl };
    const live = slot.inUse && (state.base !== 0n || state.unsettled !== 0n);
    if (!live) continue;
    const view = viewFor(inputs, slot.marketIndex, policy);
    positions.push({ marketIndex: slot.marketIndex, state, view, health: valuePosition(view, state) });
  }
  // The program sums the other positions first, then adds the collateral.
  let others = m.newDomain(0n);
  for (const p of positions) others = m.addPosition(others, p.health);
  return { domain: m.withCollateralChange(others, account.crossCollateral), positions };
}

/** One isolated position's domain. */
export function isolatedDomain(p: IsolatedPosition, inputs: HealthInputs, state: PositionState = stateOfIsolated(p), collateral = p.collateral): DomainDetail {
  const view = viewFor(inputs, p.marketIndex, inputs.policy ?? "lenient");
  const health = valuePosition(view, state);
  return { domain: m.addPosition(m.newDomain(collateral), health), positions: [{ marketIndex: p.marketIndex, state, view, health }] };
}

/** Liquidation price of one position of a domain, moving only its market (as the view computes it). */
export function liquidationPriceOf(d: m.DomainHealth, pos: PositionDetail): bigint | null {
  const rest = d.maintenanceEquity - pos.health.pnl - (d.maintenance - pos.health.maintenance);
  return m.liquidationPrice(pos.state.base, pos.state.costBasis, pos.view.maintenance, rest);
}

/** The `account_health` view's numbers, computed off chain (same shape as `decodeAccountHealth`). */
export interface PositionViewData {
  marketIndex: number;
  leverage: number;
  base: bigint;
  entryPrice: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
  unsettledPnl: bigint;
  liquidationPrice: bigint | null;
  /** Auto-deleveraging indicator: 0 without profit, 1–5 by the ranking score. */
  adlLight: number;
}

export interface DomainViewData {
  collateral: bigint;
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  transferable: bigint;
  effectiveLeverage: bigint | null;
  liquidatable: boolean;
  positions: PositionViewData[];
}

export interface AccountHealthViewData {
  cross: DomainViewData;
  isolated: DomainViewData[];
}

const clampI64 = m.checked.satI64;
const clampU64 = (v: bigint) => m.checked.satU64(v);

export function domainViewData(detail: DomainDetail, bufferPpm: number, includeFlat = false): DomainViewData {
  const d = detail.domain;
  return {
    collateral: clampI64(d.collateral),
    equity: clampI64(d.maintenanceEquity),
    initialMargin: clampU64(d.initial),
    maintenanceMargin: clampU64(d.maintenance),
    transferable: m.transferable(d, bufferPpm),
    effectiveLeverage: m.effectiveLeverage(d),
    liquidatable: m.isLiquidatable(d),
    positions: detail.positions
      .filter((p) => includeFlat || p.state.base !== 0n || p.state.unsettled !== 0n)
      .map((p) => ({
        marketIndex: p.marketIndex,
        leverage: p.state.leverage,
        base: p.state.base,
        entryPrice: m.entryPrice(p.state.base, p.state.costBasis) ?? 0n,
        unrealizedPnl: clampI64(p.health.pnl),
        pendingFunding: p.health.pendingFunding,
        unsettledPnl: p.state.unsettled,
        liquidationPrice: liquidationPriceOf(d, p),
        adlLight: m.adlLight(m.adlScorePpm(p.health.pnl, p.state.costBasis, p.health.notional, d.maintenanceEquity)),
      })),
  };
}

/** What `account_health` returns, computed off chain from decoded accounts. */
export function accountHealthOffChain(account: MarginAccount, isolated: IsolatedPosition[], inputs: HealthInputs): AccountHealthViewData {
  const q = { ...inputs, policy: "lenient" as Policy };
  const buffer = inputs.exchange.liquidationBufferPpm;
  return {
    cross: domainViewData(crossDomain(account, q), buffer),
    isolated: isolated.map((p) => domainViewData(isolatedDomain(p, q), buffer)),
  };
}

export { inHealth };
