/**
 * Previews: what an action would do, computed from decoded accounts and oracle readings
 * with the program's own rules (the instruction handlers in `programs/ballast/src/
 * instructions/user/*.rs` and `controller/fill.rs`), so a front-end can show the result
 * before signing. Each preview says whether the program would accept the action and, if
 * not, the error the program would return.
 */
import type { IsolatedPosition, MarginAccount } from "./accounts.js";
import {
  DomainDetail, DomainViewData, HealthError, HealthInputs, MarketView, PositionDetail, PositionState, crossDomain, effectiveStatus,
  isolatedDomain, liquidationPriceOf, marketView, stateOfIsolated, valuePosition,
} from "./health.js";
import * as m from "./math/index.js";

export type MarginMode = "Cross" | "Isolated" | "StrictIsolated";

/** A domain as previews report it. */
export interface DomainSummary extends Omit<DomainViewData, "positions"> {
  /** Liquidation price of the position in the previewed market (null: none). */
  liquidationPrice: bigint | null;
}

export interface PreviewResult {
  /** Whether the program would accept the action. */
  ok: boolean;
  /** The program's error name when it would refuse (e.g. `StrictIsolatedLocked`). */
  refusal?: string;
  /** Why, in words. */
  reason?: string;
}

function summary(d: m.DomainHealth, buffer: number, pos?: PositionDetail): DomainSummary {
  return {
    collateral: d.collateral,
    equity: d.maintenanceEquity,
    initialMargin: m.checked.satU64(d.initial),
    maintenanceMargin: m.checked.satU64(d.maintenance),
    transferable: m.transferable(d, buffer),
    effectiveLeverage: m.effectiveLeverage(d),
    liquidatable: m.isLiquidatable(d),
    liquidationPrice: pos && pos.state.base !== 0n ? liquidationPriceOf(d, pos) : null,
  };
}

const refuse = (refusal: string, reason: string): PreviewResult => ({ ok: false, refusal, reason });

/** The pool's cash and deficit as `controller::pool::Pool` moves them (unbounded cash when
 * the inputs do not give the pool's balance). */
function poolModel(inputs: HealthInputs) {
  let cash = inputs.exchange.poolBalance ?? 1n << 126n;
  let deficit = inputs.exchange.poolDeficit ?? 0n;
  const model = {
    owedNow: 0n,
    receive(a: bigint) {
      const d = a < deficit ? a : deficit;
      deficit -= d;
      cash += a - d;
    },
    payOrOwe(a: bigint): bigint {
      const paid = a < cash ? a : cash;
      cash -= paid;
      deficit += a - paid;
      model.owedNow += a - paid;
      return a - paid;
    },
  };
  return model;
}
const findPos = (d: DomainDetail, index: number) => d.positions.find((p) => p.marketIndex === index);

function viewOf(inputs: HealthInputs, index: number, policy: "strict" | "lenient"): MarketView {
  const ctx = inputs.markets.get(index);
  if (!ctx) throw new HealthError("MissingMarket");
  return marketView(ctx.market, ctx.oracle, inputs.exchange.status, inputs.now, policy);
}

/** Cross domain under the strict rule, or the refusal the program would give. */
function strictCross(account: MarginAccount, inputs: HealthInputs): { detail?: DomainDetail; refusal?: PreviewResult } {
  try {
    return { detail: crossDomain(account, { ...inputs, policy: "strict" }) };
  } catch (e) {
    if (e instanceof HealthError) return { refusal: refuse(e.code, `a cross position's market cannot be valued strictly (${e.code})`) };
    throw e;
  }
}

function tierMaxAt(view: MarketView, base: bigint): number {
  return m.maxLeverageAt(view.maintenance.tiers, m.notional(base, view.oracle.price, "ceil"));
}

/** `Market::require_leverage_for_new_risk` at the notional of `base` lots: the refusal, or null. */
function leverageRefusal(view: MarketView, base: bigint, leverage: number, newRisk: boolean): PreviewResult | null {
  const tierMax = tierMaxAt(view, base);
  if (leverage > tierMax) return refuse("LeverageAboveTierMax", "above the tier's maximum for this size");
  const scale = m.leverageScalePpm(view.market.volVariance, view.market.volTargetPpm, view.market.volFloorPpm);
  if (newRisk && leverage > m.scaledMaxLeverage(tierMax, scale))
    return refuse("LeverageAboveVolatilityCap", `the market's volatility allows at most ${m.scaledMaxLeverage(tierMax, scale)}x for new risk`);
  return null;
}

/** The inputs with the instruction's market as the program sees it after its accrual: a
 * valid price is sampled into the volatility estimate first (controller/funding.rs). */
function withSampledMarket(inputs: HealthInputs, index: number): HealthInputs {
  const ctx = inputs.markets.get(index);
  if (!ctx || ctx.market.volTargetPpm === 0 || ctx.oracle.validity !== "Valid" || inputs.now < ctx.market.lastValidTs) return inputs;
  const s = m.volSample({ variance: ctx.market.volVariance, lastPrice: ctx.market.volLastPrice, lastTs: ctx.market.volLastTs }, ctx.oracle.price, inputs.now, ctx.market.volHalfLifeSecs);
  const markets = new Map(inputs.markets);
  markets.set(index, { ...ctx, market: { ...ctx.market, volVariance: s.variance, volLastPrice: s.lastPrice, volLastTs: s.lastTs } });
  return { ...inputs, markets };
}

export interface SetLeveragePreview extends PreviewResult {
  mode: MarginMode | "None";
  leverageBefore: number;
  leverageAfter: number;
  /** Margin moved from cross into the isolated position (negative: released back to cross). */
  marginMoved: bigint;
  /** Profit realised into collateral to pay a release (isolated raises). */
  pnlRealised: bigint;
  before: DomainSummary | null;
  after: DomainSummary | null;
}

/**
 * `set_leverage` to `leverage` in `marketIndex`. Isolated: lowering moves the initial-margin
 * shortfall in from cross (refused with `InsufficientCrossMargin` if cross cannot pay it),
 * raising releases what became transferable. A **strict-isolated** position's margin is
 * locked in: raising its leverage would release margin, so the program refuses it
 * (`StrictIsolatedLocked`); lowering is allowed. Cross: nothing moves; a lower setting
 * raises the initial margin and must still be met. Maintenance (so the liquidation price)
 * never depends on the setting.
 */
export function previewSetLeverage(args: {
  account: MarginAccount;
  isolated?: IsolatedPosition | null;
  marketIndex: number;
  leverage: number;
  inputs: HealthInputs;
}): SetLeveragePreview {
  const { account, isolated, marketIndex, leverage } = args;
  const inputs = withSampledMarket(args.inputs, marketIndex);
  const buffer = inputs.exchange.liquidationBufferPpm;
  const base: SetLeveragePreview = { ok: true, mode: "None", leverageBefore: 0, leverageAfter: leverage, marginMoved: 0n, pnlRealised: 0n, before: null, after: null };
  if (leverage < 1 || leverage > m.MAX_LEVERAGE) return { ...base, ...refuse("InvalidLeverage", "leverage must be 1..=1000") };
  const lenientView = viewOf(inputs, marketIndex, "lenient");
  const status = effectiveStatus(lenientView.market, inputs.exchange.status);
  const slot = account.crossPositions.find((s) => s.inUse && s.marketIndex === marketIndex);
  if (isolated && isolated.base !== 0n) {
    const mode: MarginMode = isolated.mode;
    const res: SetLeveragePreview = { ...base, mode, leverageBefore: isolated.leverage };
    const levRefusal = leverageRefusal(lenientView, isolated.base, leverage, leverage > isolated.leverage);
    if (levRefusal) return { ...res, ...levRefusal };
    const raising = leverage > isolated.leverage;
    if (status === "Paused") return { ...res, ...refuse("Paused", "the market is paused") };
    const state = stateOfIsolated(isolated);
    const position = valuePosition(lenientView, state);
    const before = m.addPosition(m.newDomain(isolated.collateral), position);
    const pd: PositionDetail = { marketIndex, state, view: lenientView, health: position };
    res.before = summary(before, buffer, pd);
    const atNewHealth = m.withLeverage(position, leverage);
    const atNew = m.addPosition(m.newDomain(isolated.collateral), atNewHealth);
    let after = atNew;
    let afterState = { ...state, leverage };
    if (leverage < isolated.leverage) {
      const shortfall = m.checked.max(atNew.initial - atNew.initialEquity, 0n);
      if (shortfall > 0n) {
        const c = strictCross(account, inputs);
        if (c.refusal) return { ...res, ...c.refusal };
        const cross = c.detail!.domain;
        if (shortfall > m.transferable(cross, buffer) || shortfall > account.crossCollateral)
          return { ...res, ...refuse("InsufficientCrossMargin", `the cross domain cannot pay the ${shortfall} initial-margin shortfall`) };
        res.marginMoved = shortfall;
        after = m.withCollateralChange(atNew, shortfall);
      }
    } else if (raising) {
      if (mode === "StrictIsolated")
        return { ...res, ...refuse("StrictIsolatedLocked", "a strict-isolated position's margin stays locked in: raising its leverage would release margin, so the program refuses it (lowering is allowed)") };
      if (lenientView.oracle.validity !== "Valid") return { ...res, ...refuse("OracleStale", `oracle ${lenientView.oracle.validity}`) };
      let release = m.transferable(atNew, buffer);
      const wanted = m.checked.max(release - m.checked.max(isolated.collateral, 0n), 0n);
      const realise = m.checked.min(m.checked.max(atNew.realisablePnl, 0n), wanted);
      if (realise > 0n && lenientView.oracle.age > BigInt(lenientView.market.maxFillAgeSecs)) return { ...res, ...refuse("OracleStaleForFill", "realising profit needs a price within the fill age") };
      release = m.checked.min(release, m.checked.max(isolated.collateral, 0n) + realise);
      res.pnlRealised = realise;
      res.marginMoved = -release;
      if (realise > 0n) {
        afterState = { ...afterState, costBasis: state.costBasis + realise };
        after = m.addPosition(m.newDomain(isolated.collateral + realise - release), valuePosition(lenientView, afterState));
      } else {
        after = m.withCollateralChange(atNew, -release);
      }
    }
    const afterPd: PositionDetail = { marketIndex, state: afterState, view: lenientView, health: after === atNew ? atNewHealth : valuePosition(lenientView, afterState) };
    res.after = summary(after, buffer, afterPd);
    const okAfter = res.marginMoved < 0n ? m.transferLock(after, buffer) <= after.initialEquity : m.meetsInitial(after);
    if (!okAfter) return { ...res, ...refuse("InsufficientMargin", "the position would not meet its initial margin") };
    return res;
  }
  if (slot && slot.base !== 0n) {
    const res: SetLeveragePreview = { ...base, mode: "Cross", leverageBefore: slot.leverage };
    const levRefusal = leverageRefusal(lenientView, slot.base, leverage, leverage > slot.leverage);
    if (levRefusal) return { ...res, ...levRefusal };
    if (status === "Paused") return { ...res, ...refuse("Paused", "the market is paused") };
    const before = crossDomain(account, inputs);
    const override = new Map<number, PositionState>([[marketIndex, { base: slot.base, costBasis: slot.costBasis, leverage, snapshot: slot.fundingSnapshot, unsettled: slot.unsettledPnl }]]);
    const after = crossDomain(account, inputs, override);
    res.before = summary(before.domain, buffer, findPos(before, marketIndex));
    res.after = summary(after.domain, buffer, findPos(after, marketIndex));
    if (leverage < slot.leverage && !m.meetsInitial(after.domain)) return { ...res, ...refuse("InsufficientMargin", "the cross domain would not meet its initial margin") };
    return res;
  }
  // No open position: the setting is stored for the next open.
  if (leverage > tierMaxAt(lenientView, 0n)) return { ...base, ...refuse("LeverageAboveTierMax", "above the first tier's maximum") };
  return { ...base, mode: isolated ? "Isolated" : "Cross", leverageBefore: isolated?.leverage ?? slot?.leverage ?? 0 };
}

export interface MarginChangePreview extends PreviewResult {
  domain: "isolated" | "cross";
  /** Positive: margin added to the domain; negative: removed. */
  amount: bigint;
  pnlRealised: bigint;
  before: DomainSummary;
  after: DomainSummary;
  /** Cross domain after the move (isolated moves pay from / return to cross). */
  crossAfter?: DomainSummary;
}

/**
 * Adding (`amount > 0`, `add_isolated_margin`) or removing (`amount < 0`,
 * `remove_isolated_margin`) margin of an isolated position, or depositing / withdrawing
 * cross collateral (`isolated` omitted): new effective leverage and liquidation price.
 */
export function previewMarginChange(args: {
  account: MarginAccount;
  isolated?: IsolatedPosition | null;
  marketIndex?: number;
  amount: bigint;
  inputs: HealthInputs;
}): MarginChangePreview {
  const { account, isolated, amount, inputs } = args;
  const buffer = inputs.exchange.liquidationBufferPpm;
  if (!isolated) {
    const before = crossDomain(account, inputs);
    const idx = args.marketIndex ?? before.positions[0]?.marketIndex;
    const after = crossDomain({ ...account, crossCollateral: account.crossCollateral + amount }, inputs);
    const res: MarginChangePreview = {
      ok: true, domain: "cross", amount, pnlRealised: 0n,
      before: summary(before.domain, buffer, idx === undefined ? undefined : findPos(before, idx)),
      after: summary(after.domain, buffer, idx === undefined ? undefined : findPos(after, idx)),
    };
    if (amount < 0n) {
      const c = strictCross(account, inputs);
      if (c.refusal) return { ...res, ...c.refusal };
      if (-amount > m.transferable(c.detail!.domain, buffer)) return { ...res, ...refuse("InsufficientTransferable", "more than the cross domain's transferable amount") };
      if (-amount > account.crossCollateral) res.pnlRealised = -amount - m.checked.max(account.crossCollateral, 0n);
    }
    return res;
  }
  const idx = isolated.marketIndex;
  const state = stateOfIsolated(isolated);
  if (amount >= 0n) {
    const view = viewOf(inputs, idx, "lenient");
    const before = isolatedDomain(isolated, { ...inputs, policy: "lenient" });
    const after = isolatedDomain(isolated, { ...inputs, policy: "lenient" }, state, isolated.collateral + amount);
    const crossAfterAcct = { ...account, crossCollateral: account.crossCollateral - amount };
    const res: MarginChangePreview = {
      ok: true, domain: "isolated", amount, pnlRealised: 0n,
      before: summary(before.domain, buffer, before.positions[0]),
      after: summary(after.domain, buffer, after.positions[0]),
    };
    void view;
    if (isolated.base === 0n) return { ...res, ...refuse("NoOpenPosition", "no open isolated position") };
    if (amount > account.crossCollateral) return { ...res, ...refuse("InsufficientCrossMargin", "more than the cross collateral") };
    const c = strictCross(crossAfterAcct, inputs);
    if (c.refusal) return { ...res, ...c.refusal };
    res.crossAfter = summary(c.detail!.domain, buffer);
    if (m.transferLock(c.detail!.domain, buffer) > c.detail!.domain.initialEquity) return { ...res, ...refuse("InsufficientCrossMargin", "cross would fall below its transfer lock") };
    return res;
  }
  const out = -amount;
  let before: DomainDetail;
  try {
    before = isolatedDomain(isolated, { ...inputs, policy: "strict" });
  } catch (e) {
    if (e instanceof HealthError) {
      const b = isolatedDomain(isolated, { ...inputs, policy: "lenient" });
      const s = summary(b.domain, buffer, b.positions[0]);
      return { ...refuse(e.code, `the oracle must be valid to remove margin (${e.code})`), domain: "isolated", amount, pnlRealised: 0n, before: s, after: s };
    }
    throw e;
  }
  const realise = m.checked.max(out - m.checked.max(isolated.collateral, 0n), 0n);
  const newState = { ...state, costBasis: state.costBasis + realise };
  const after = isolatedDomain(isolated, { ...inputs, policy: "strict" }, newState, isolated.collateral + realise - out);
  const res: MarginChangePreview = {
    ok: true, domain: "isolated", amount, pnlRealised: realise,
    before: summary(before.domain, buffer, before.positions[0]),
    after: summary(after.domain, buffer, after.positions[0]),
  };
  if (isolated.base === 0n) return { ...res, ...refuse("NoOpenPosition", "no open isolated position") };
  if (isolated.mode === "StrictIsolated") return { ...res, ...refuse("StrictIsolatedLocked", "a strict-isolated position's margin cannot be removed") };
  if (out > m.transferable(before.domain, buffer)) return { ...res, ...refuse("InsufficientTransferable", "more than the position's transferable amount") };
  if (realise > 0n && before.positions[0].view.oracle.age > BigInt(before.positions[0].view.market.maxFillAgeSecs))
    return { ...res, ...refuse("OracleStaleForFill", "realising profit needs a price within the fill age") };
  if (m.checked.min(m.checked.max(before.domain.realisablePnl, 0n), realise) !== realise) return { ...res, ...refuse("InsufficientTransferable", "the profit to realise is not realisable") };
  if (m.transferLock(after.domain, buffer) > after.domain.initialEquity) return { ...res, ...refuse("InsufficientTransferable", "the position would fall below its transfer lock") };
  return res;
}

export interface OpenPreview extends PreviewResult {
  mode: MarginMode;
  leverage: number;
  oraclePrice: bigint;
  fillPrice: bigint;
  /** Notional of the trade at the fill price (rounded up). */
  notional: bigint;
  fee: bigint;
  /** Initial margin the new size needs at the setting: `notional(opened, fill) / leverage`, rounded up. */
  initialMargin: bigint;
  /** Isolated modes: moved from cross into the position (IM plus the opening shortfall). */
  marginMoved: bigint;
  realisedPnl: bigint;
  /** Funding and profit the pool's cash cannot pay now: booked as unsettled profit, which
   * waits until the pool's deficit is paid. */
  unpaidProfit: bigint;
  baseAfter: bigint;
  /** The domain holding the position after the fill. */
  after: DomainSummary;
  liquidationPrice: bigint | null;
}

/**
 * Opening (or adding to) `size` lots (signed: positive buys) in `marketIndex` at `leverage`
 * in `mode`: fill price, fee, initial margin, margin moved, the domain after and the
 * position's liquidation price, following `trade` and `controller/fill.rs`.
 */
export function previewOpen(args: {
  account: MarginAccount;
  isolated?: IsolatedPosition | null;
  marketIndex: number;
  size: bigint;
  leverage: number;
  mode: MarginMode;
  takerFeePpm: number;
  inputs: HealthInputs;
}): OpenPreview {
  const { account, isolated, marketIndex, size, mode } = args;
  const inputs = withSampledMarket(args.inputs, marketIndex);
  const buffer = inputs.exchange.liquidationBufferPpm;
  const view = viewOf(inputs, marketIndex, "strict");
  const market = view.market;
  const slot = account.crossPositions.find((s) => s.inUse && s.marketIndex === marketIndex);
  const isCross = mode === "Cross";
  const before: PositionState = isCross
    ? slot
      ? { base: slot.base, costBasis: slot.costBasis, leverage: slot.leverage, snapshot: slot.fundingSnapshot, unsettled: slot.unsettledPnl }
      : { base: 0n, costBasis: 0n, leverage: 0, snapshot: 0n, unsettled: 0n }
    : isolated
      ? stateOfIsolated(isolated)
      : { base: 0n, costBasis: 0n, leverage: 0, snapshot: 0n, unsettled: 0n };
  const lev = before.base !== 0n ? before.leverage : args.leverage !== 0 ? args.leverage : before.leverage;
  const isBuy = size > 0n;
  const fill = m.fillPrice(view.oracle.price, view.oracle.conf, market.spreadPpm, isBuy);
  const tradedNotional = m.notional(size, fill, "ceil");
  const fee = m.ppmOf(tradedNotional, args.takerFeePpm, "ceil");
  const newBase = before.base + size;
  const flips = before.base !== 0n && newBase !== 0n && before.base > 0n !== newBase > 0n;
  const increasing = m.checked.abs(newBase) > m.checked.abs(before.base) || flips;
  const res: OpenPreview = {
    ok: true, mode, leverage: lev, oraclePrice: view.oracle.price, fillPrice: fill, notional: tradedNotional, fee,
    initialMargin: 0n, marginMoved: 0n, realisedPnl: 0n, unpaidProfit: 0n, baseAfter: newBase,
    after: { collateral: 0n, equity: 0n, initialMargin: 0n, maintenanceMargin: 0n, transferable: 0n, effectiveLeverage: null, liquidatable: false, liquidationPrice: null },
    liquidationPrice: null,
  };
  if (size === 0n) return { ...res, ...refuse("ZeroSize", "size is zero") };
  const openMode: MarginMode | null = slot && slot.base !== 0n ? "Cross" : isolated && isolated.base !== 0n ? isolated.mode : null;
  if (openMode && openMode !== mode) return { ...res, ...refuse("ModeMismatch", `the open position in this market is ${openMode}`) };
  if ((before.base === 0n || flips) && !(market.allowedModes === "Any" || (market.allowedModes === "IsolatedOnly" && mode !== "Cross") || mode === "StrictIsolated"))
    return { ...res, ...refuse("ModeNotAllowed", `the market allows ${market.allowedModes}`) };
  if (before.base !== 0n && args.leverage !== 0 && args.leverage !== before.leverage)
    return { ...res, ...refuse("LeverageMismatch", "an open position keeps its leverage (pass 0, or change it with set_leverage)") };
  if (m.checked.abs(size) % market.lotSize !== 0n) return { ...res, ...refuse("SizeNotLotMultiple", `size must be a multiple of ${market.lotSize} lots`) };
  if (lev < 1 || lev > m.MAX_LEVERAGE) return { ...res, ...refuse("InvalidLeverage", "leverage must be 1..=1000") };
  const st = effectiveStatus(market, inputs.exchange.status);
  if (st === "Paused") return { ...res, ...refuse("Paused", "the market is paused") };
  if (st === "ReduceOnly" && increasing) return { ...res, ...refuse("ReduceOnly", "the market only reduces positions") };
  if (view.oracle.validity !== "Valid") return { ...res, ...refuse("Oracle" + view.oracle.validity, `oracle ${view.oracle.validity}`) };
  if (view.oracle.age > BigInt(market.maxFillAgeSecs)) return { ...res, ...refuse("OracleStaleForFill", "the price is older than the fill age") };
  // Funding owed so far settles into the domain's collateral first.
  const index = before.base >= 0n ? view.longIndex : view.shortIndex;
  const owed = m.pendingFunding(before.base, index, before.snapshot);
  // The pool pays funding and profit from its cash; what it cannot pay becomes the
  // position's unsettled profit and the pool's deficit (controller/pool.rs `Pool`).
  const pool = poolModel(inputs);
  let collateral = isCross ? account.crossCollateral : isolated?.collateral ?? 0n;
  let unsettled = before.unsettled;
  if (owed > 0n) {
    collateral -= owed;
    pool.receive(owed);
  } else if (owed < 0n) {
    const unpaid = pool.payOrOwe(-owed);
    collateral += -owed - unpaid;
    unsettled += unpaid;
  }
  const f = m.applyFill(before.base, before.costBasis, size, fill);
  const afterBase = f.base;
  if (f.realisedPnl <= 0n) {
    collateral += f.realisedPnl;
    pool.receive(-f.realisedPnl);
  } else if (market.pnlWeightPpm < 1_000_000) {
    pool.payOrOwe(f.realisedPnl);
    unsettled += f.realisedPnl;
  } else {
    const unpaid = pool.payOrOwe(f.realisedPnl);
    collateral += f.realisedPnl - unpaid;
    unsettled += unpaid;
  }
  res.unpaidProfit = pool.owedNow;
  res.realisedPnl = f.realisedPnl;
  const pos: PositionState = { base: afterBase, costBasis: f.costBasis, leverage: lev, snapshot: afterBase >= 0n ? view.longIndex : view.shortIndex, unsettled };
  // (The program's snapshot is the stored side index after accrual to now, equal to the view's.)
  res.initialMargin = m.initialMargin(m.notional(f.opened, fill, "ceil"), lev);
  let crossDelta = 0n;
  if (isCross || !increasing) {
    collateral -= fee;
    if (mode === "StrictIsolated" && !increasing && afterBase !== 0n) {
      // Strict-isolated margin follows the position down (controller/fill.rs).
      const d = m.addPosition(m.newDomain(collateral), valuePosition(view, pos));
      const release = m.releaseOnReduction(d, buffer);
      collateral -= release;
      res.marginMoved = -release;
    }
  } else {
    collateral += res.initialMargin;
    const d = m.addPosition(m.newDomain(collateral), valuePosition(view, pos));
    const shortfall = m.checked.max(d.initial - d.initialEquity, 0n);
    res.marginMoved = res.initialMargin + shortfall;
    collateral += shortfall;
    crossDelta = -(res.marginMoved + fee);
  }
  if (!isCross && afterBase === 0n) {
    // A closed isolated position returns what it holds to cross (controller/fill.rs);
    // unsettled profit first covers a negative balance, and a balance still negative is
    // the liquidators' to close.
    if (collateral < 0n && pos.unsettled > 0n) {
      const moved = m.checked.min(pos.unsettled, -collateral);
      collateral += moved;
      pos.unsettled -= moved;
    }
    if (collateral < 0n) return { ...res, ...refuse("NegativeEquityClose", "the position's balance is negative: it can only be liquidated") };
    res.marginMoved -= collateral;
    crossDelta += collateral;
    collateral = 0n;
  }
  let domainAfter: DomainDetail;
  const q = { ...inputs, policy: (increasing ? "strict" : "lenient") as "strict" | "lenient" };
  if (isCross) {
    const acct: MarginAccount = { ...account, crossCollateral: collateral, crossPositions: account.crossPositions.map((s) => ({ ...s })) };
    let s = acct.crossPositions.find((x) => x.inUse && x.marketIndex === marketIndex);
    if (!s) {
      s = acct.crossPositions.find((x) => !x.inUse);
      if (!s) return { ...res, ...refuse("NoFreeSlot", "all 16 cross slots are in use") };
      s.inUse = true;
      s.marketIndex = marketIndex;
    }
    Object.assign(s, { base: pos.base, costBasis: pos.costBasis, leverage: lev, unsettledPnl: pos.unsettled, fundingSnapshot: pos.snapshot });
    try {
      domainAfter = crossDomain(acct, q);
    } catch (e) {
      if (e instanceof HealthError) return { ...res, ...refuse(e.code, `a cross market cannot be valued (${e.code})`) };
      throw e;
    }
  } else {
    const h = valuePosition(view, pos);
    domainAfter = { domain: m.addPosition(m.newDomain(collateral), h), positions: [{ marketIndex, state: pos, view, health: h }] };
  }
  const p = findPos(domainAfter, marketIndex);
  res.after = summary(domainAfter.domain, buffer, p);
  res.liquidationPrice = res.after.liquidationPrice;
  if (!increasing && m.isLiquidatable(domainAfter.domain)) {
    // A reduction below maintenance must not lower the maintenance excess (trade.rs).
    const lenient = { ...inputs, policy: "lenient" as const };
    const before = isCross ? crossDomain(account, lenient).domain : isolated ? isolatedDomain(isolated, lenient).domain : m.newDomain(0n);
    const excess = (d: m.DomainHealth) => d.maintenanceEquity - d.maintenance;
    if (excess(domainAfter.domain) < excess(before)) return { ...res, ...refuse("HealthWorsened", "below maintenance, a reduction may not lower the margin excess") };
  }
  if (increasing) {
    const levRefusal = leverageRefusal(view, pos.base, lev, true);
    if (levRefusal) return { ...res, ...levRefusal };
    if (!m.meetsInitial(domainAfter.domain) || m.isLiquidatable(domainAfter.domain)) return { ...res, ...refuse("InsufficientMargin", "the domain would not meet its initial margin") };
    if (!isCross) {
      if (-crossDelta > account.crossCollateral) return { ...res, ...refuse("InsufficientCrossMargin", "the cross collateral cannot pay the margin and fee") };
      const c = strictCross({ ...account, crossCollateral: account.crossCollateral + crossDelta }, inputs);
      if (c.refusal) return { ...res, ...c.refusal };
      if (m.transferLock(c.detail!.domain, buffer) > c.detail!.domain.initialEquity) return { ...res, ...refuse("InsufficientCrossMargin", "cross would fall below its transfer lock") };
    }
  }
  return res;
}

export interface StressPoint {
  /** Shock in ppm of the price (−500_000 = −50%). */
  shockPpm: number;
  equity: bigint;
  maintenanceMargin: bigint;
  liquidatable: boolean;
}

export interface StressSeries {
  /** A market index, or "all" for the same shock applied to every market at once. */
  market: number | "all";
  points: StressPoint[];
  /** Smallest downward shock (ppm, negative) at which the domain becomes liquidatable; null if none down to −100%. */
  liquidatedAtDownPpm: number | null;
  /** Smallest upward shock (ppm, positive) at which it becomes liquidatable; null if none up to `maxUpPpm`. */
  liquidatedAtUpPpm: number | null;
}

export interface DomainStress {
  domain: "cross" | { isolated: number };
  equityNow: bigint;
  maintenanceNow: bigint;
  series: StressSeries[];
}

const DEFAULT_SHOCKS = Array.from({ length: 21 }, (_, i) => (i - 10) * 50_000); // −50% … +50% in 5% steps

/**
 * Each domain's maintenance equity and margin across price shocks (per market, and one
 * shock applied to every market at once), and the shock at which it becomes liquidatable
 * (found to 1 ppm by bisection after a 1% scan; exact where equity − MM is monotone in
 * the shock, which holds for a single market). Prices move, confidence stays, funding
 * accrues at the shocked price as the program would compute it.
 */
export function stressTest(args: {
  account: MarginAccount;
  isolated?: IsolatedPosition[];
  inputs: HealthInputs;
  shocksPpm?: number[];
  maxUpPpm?: number;
}): DomainStress[] {
  const { account, inputs } = args;
  const shocks = args.shocksPpm ?? DEFAULT_SHOCKS;
  const maxUp = args.maxUpPpm ?? 1_000_000;
  const shocked = (which: number | "all", ppm: number): HealthInputs => {
    const markets = new Map(inputs.markets);
    for (const [i, ctx] of inputs.markets) {
      if (which !== "all" && which !== i) continue;
      const price = (ctx.oracle.price * BigInt(1_000_000 + ppm)) / 1_000_000n;
      markets.set(i, { market: ctx.market, oracle: { ...ctx.oracle, price, validity: price === 0n ? "NonPositive" : ctx.oracle.validity } });
    }
    return { ...inputs, markets, policy: "lenient" };
  };
  const domains: { key: DomainStress["domain"]; at: (q: HealthInputs) => m.DomainHealth; markets: number[] }[] = [];
  const crossMarkets = account.crossPositions.filter((s) => s.inUse && (s.base !== 0n || s.unsettledPnl !== 0n)).map((s) => s.marketIndex);
  domains.push({ key: "cross", at: (q) => crossDomain(account, q).domain, markets: crossMarkets });
  for (const p of args.isolated ?? []) {
    if (p.base === 0n && p.unsettledPnl === 0n) continue;
    domains.push({ key: { isolated: p.marketIndex }, at: (q) => isolatedDomain(p, q).domain, markets: [p.marketIndex] });
  }
  const liq = (d: m.DomainHealth) => m.isLiquidatable(d);
  const eval_ = (at: (q: HealthInputs) => m.DomainHealth, which: number | "all", ppm: number) => {
    try {
      return at(shocked(which, ppm));
    } catch {
      return null;
    }
  };
  const threshold = (at: (q: HealthInputs) => m.DomainHealth, which: number | "all", dir: 1 | -1, limit: number): number | null => {
    const now = eval_(at, which, 0);
    if (!now) return null;
    if (liq(now)) return 0;
    let prev = 0;
    for (let s = 10_000; s <= limit; s += 10_000) {
      const d = eval_(at, which, dir * s);
      if (d && liq(d)) {
        let lo = prev, hi = s;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          const dm = eval_(at, which, dir * mid);
          if (dm && liq(dm)) hi = mid;
          else lo = mid;
        }
        return dir * hi;
      }
      prev = s;
    }
    return null;
  };
  return domains.map(({ key, at, markets }) => {
    const now = at({ ...inputs, policy: "lenient" });
    const targets: (number | "all")[] = [...markets, ...(markets.length > 1 ? (["all"] as const) : [])];
    return {
      domain: key,
      equityNow: now.maintenanceEquity,
      maintenanceNow: now.maintenance,
      series: targets.map((which) => ({
        market: which,
        points: shocks.map((ppm) => {
          const d = eval_(at, which, ppm);
          return { shockPpm: ppm, equity: d?.maintenanceEquity ?? 0n, maintenanceMargin: d?.maintenance ?? 0n, liquidatable: d ? liq(d) : true };
        }),
        liquidatedAtDownPpm: threshold(at, which, -1, 1_000_000),
        liquidatedAtUpPpm: threshold(at, which, 1, maxUp),
      })),
    };
  });
}

export interface LiquidationPreview {
  /** Below maintenance (the program's eligibility, without the continuation window). */
  liquidatable: boolean;
  oraclePrice: bigint;
  /** Lots the keeper closes (`close_size`, bounded by `maxBase` like `bounded_size`). */
  size: bigint;
  closedNotional: bigint;
  realisedPnl: bigint;
  keeperReward: bigint;
  insuranceShare: bigint;
  baseAfter: bigint;
  before: DomainSummary;
}

/**
 * `liquidate_isolated` on an isolated position, as the program sizes and charges it:
 * funding settled first, `close_size` at the oracle price, penalties from the equity left
 * after the close (reward down, insurance share up). Useful to show a trader what a
 * liquidation would take, or for a keeper.
 */
export function previewLiquidationIsolated(args: { isolated: IsolatedPosition; inputs: HealthInputs; maxBase?: bigint }): LiquidationPreview {
  const { isolated: p, inputs } = args;
  const buffer = inputs.exchange.liquidationBufferPpm;
  const view = viewOf(inputs, p.marketIndex, "lenient");
  const market = view.market;
  const index = p.base >= 0n ? view.longIndex : view.shortIndex;
  const owed = m.pendingFunding(p.base, index, p.fundingSnapshot);
  const settled: PositionState = { ...stateOfIsolated(p), snapshot: index };
  const health = valuePosition(view, settled);
  const before = m.addPosition(m.newDomain(p.collateral - owed), health);
  const out: LiquidationPreview = {
    liquidatable: m.isLiquidatable(before), oraclePrice: view.oracle.price, size: 0n, closedNotional: 0n, realisedPnl: 0n,
    keeperReward: 0n, insuranceShare: 0n, baseAfter: p.base,
    before: summary(before, buffer, { marketIndex: p.marketIndex, state: settled, view, health }),
  };
  if (!out.liquidatable || p.base === 0n) return out;
  // The liquidated market needs a valid price within the fill age (liquidate_isolated.rs).
  if (view.oracle.validity !== "Valid" || view.oracle.age > BigInt(market.maxFillAgeSecs)) return { ...out, liquidatable: false };
  const input: m.LiquidationInput = {
    base: p.base, price: view.oracle.price, tiers: view.maintenance.tiers, rampFrom: view.maintenance.rampFrom ?? null,
    equity: before.maintenanceEquity, maintenance: before.maintenance, penaltyPpm: market.liquidationFeePpm + market.insuranceSharePpm,
    bufferPpm: buffer, lotSize: market.lotSize, dustNotional: market.dustNotional,
  };
  let q = m.closeSize(input);
  if (args.maxBase !== undefined && args.maxBase < q) {
    const lot = market.lotSize > 0n ? market.lotSize : 1n;
    q = m.checked.min(args.maxBase - (args.maxBase % lot), m.checked.abs(p.base));
  }
  const delta = p.base > 0n ? -q : q;
  const f = m.applyFill(p.base, p.costBasis, delta, view.oracle.price);
  let collateral = p.collateral - owed;
  let unsettled = p.unsettledPnl;
  if (f.realisedPnl > 0n && market.pnlWeightPpm < 1_000_000) unsettled += f.realisedPnl;
  else collateral += f.realisedPnl;
  const afterState: PositionState = { base: f.base, costBasis: f.costBasis, leverage: p.leverage, snapshot: f.base === 0n ? 0n : index, unsettled };
  const afterFill = m.addPosition(m.newDomain(collateral), valuePosition(view, afterState));
  const closedNotional = m.notional(q, view.oracle.price, "ceil");
  const [reward, insurance] = m.penalties(closedNotional, market.liquidationFeePpm, market.insuranceSharePpm, afterFill.maintenanceEquity);
  return { ...out, size: q, closedNotional, realisedPnl: f.realisedPnl, keeperReward: reward, insuranceShare: insurance, baseAfter: f.base };
}
