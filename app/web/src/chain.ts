// The page's link to the chain: reads accounts in one RPC round trip, values them with the
// SDK's port of the program's math (crates/math → @ballast/sdk), builds previews from the
// same functions, and builds, signs and sends instructions.
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SYSVAR_CLOCK_PUBKEY,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createMintToInstruction,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import type { WalletContextState } from "@solana/wallet-adapter-react";
import * as sdk from "@ballast/sdk";
import * as bm from "@ballast/sdk/math";
import type { Deployment } from "./deployment";
import type {
  AccountView,
  Built,
  DomainView,
  FeedEvent,
  LeveragePreview,
  MarginPreview,
  MarketView,
  Mode,
  OpenPreview,
  PositionView,
  Snapshot,
  StressResult,
  TriggerView,
} from "./model";
import { confirmByPolling } from "./confirm";
import { base as fmtBase, price as fmtPrice, usd } from "./format";

type Exchange = ReturnType<typeof sdk.decodeExchange>;
type Market = ReturnType<typeof sdk.decodeMarket>;
type MarginAccount = ReturnType<typeof sdk.decodeMarginAccount>;
type IsolatedPosition = ReturnType<typeof sdk.decodeIsolatedPosition>;
type TriggerBook = ReturnType<typeof sdk.decodeTriggerBook>;
type HealthInputs = sdk.HealthInputs;
type DomainDetail = sdk.DomainDetail;

/** Decoded state behind a snapshot, kept for previews and instruction building. */
export interface Raw {
  now: bigint;
  exchange: Exchange;
  markets: Market[];
  inputs: HealthInputs;
  account: MarginAccount | null;
  isolated: Map<number, IsolatedPosition>;
  owner: PublicKey | null;
}

const MODE_OF: Record<string, Mode> = { Isolated: "isolated", StrictIsolated: "strict" };
const SDK_MODE: Record<Mode, "Cross" | "Isolated" | "StrictIsolated"> = { cross: "Cross", isolated: "Isolated", strict: "StrictIsolated" };
const ALLOWED: Record<string, Mode[]> = { Any: ["cross", "isolated", "strict"], IsolatedOnly: ["isolated", "strict"], StrictIsolatedOnly: ["strict"] };

function domainView(d: bm.DomainHealth, bufferPpm: number): DomainView {
  return {
    collateral: d.collateral,
    equity: d.maintenanceEquity,
    initialEquity: d.initialEquity,
    im: d.initial,
    mm: d.maintenance,
    transferable: bm.transferable(d, bufferPpm),
    effectiveLeverage: d.notional === 0n ? null : bm.effectiveLeverage(d),
    ratioPpm: bm.maintenanceRatioPpm(d),
    notional: d.notional,
    liquidatable: bm.isLiquidatable(d),
  };
}

export class Engine {
  readonly programId: PublicKey;
  raw: Raw | null = null;
  readonly ix: sdk.InstructionBuilder;

  constructor(
    readonly connection: Connection,
    readonly dep: Deployment,
  ) {
    this.programId = dep.programId;
    this.ix = new sdk.InstructionBuilder(dep.programId);
  }

  marginAddress(owner: PublicKey): PublicKey {
    return sdk.marginPda(owner, 0, this.programId);
  }

  // ---------------------------------------------------------------- reading

  /** Reads started / the start number of the read behind `raw` (an older read never replaces a newer one). */
  private reads = 0;
  private rawRead = 0;

  async snapshot(owner: PublicKey | null): Promise<Snapshot> {
    const read = ++this.reads;
    const dep = this.dep;
    const margin = owner ? this.marginAddress(owner) : null;
    const isoKeys = margin ? dep.markets.map((m) => sdk.isolatedPda(margin, m.index, this.programId)) : [];
    const ata = owner ? getAssociatedTokenAddressSync(dep.mint, owner) : null;
    const keys: PublicKey[] = [
      SYSVAR_CLOCK_PUBKEY,
      dep.exchange,
      ...dep.markets.map((m) => m.market),
      ...dep.markets.map((m) => m.oracle),
      ...(margin ? [margin, sdk.triggerBookPda(margin, this.programId), ...isoKeys, ata!] : []),
    ];
    const [infos, lamports] = await Promise.all([
      this.connection.getMultipleAccountsInfo(keys, "confirmed"),
      owner ? this.connection.getBalance(owner, "confirmed") : Promise.resolve(null),
    ]);
    let i = 0;
    const clock = infos[i++]!;
    const now = new DataView(clock.data.buffer, clock.data.byteOffset).getBigInt64(32, true);
    const exchange = sdk.decodeExchange(infos[i++]!.data);
    const markets = dep.markets.map(() => sdk.decodeMarket(infos[i++]!.data));
    const oracles = markets.map((m) => rawOracle(m, infos[i++]!.data));
    const ctxs = new Map<number, sdk.MarketContext>();
    markets.forEach((m, k) => ctxs.set(m.marketIndex, { market: m, oracle: sdk.oraclePrice(m, oracles[k], exchange.collateralDecimals, now) }));
    const inputs: HealthInputs = { exchange, markets: ctxs, now };
    let account: MarginAccount | null = null;
    let book: TriggerBook | null = null;
    const isolated = new Map<number, IsolatedPosition>();
    let walletUsdc: bigint | null = null;
    if (margin) {
      // Only the program's own accounts decode: anyone can send lamports to a PDA, which
      // leaves a system-owned account there with no data (the program creates over it).
      const ours = (info: (typeof infos)[number]) => (info && info.owner.equals(this.programId) ? info : null);
      const a = ours(infos[i++]);
      if (a) account = sdk.decodeMarginAccount(a.data);
      const b = ours(infos[i++]);
      if (b) book = sdk.decodeTriggerBook(b.data);
      for (const m of dep.markets) {
        const info = ours(infos[i++]);
        if (info) isolated.set(m.index, sdk.decodeIsolatedPosition(info.data));
      }
      const t = infos[i++];
      walletUsdc = t ? new DataView(t.data.buffer, t.data.byteOffset).getBigUint64(64, true) : 0n;
    }
    if (read > this.rawRead) {
      this.raw = { now, exchange, markets, inputs, account, isolated, owner };
      this.rawRead = read;
    }

    const marketViews: MarketView[] = markets.map((m, k) => {
      const o = ctxs.get(m.marketIndex)!.oracle;
      let rate: bigint | null = null;
      try {
        rate = bm.fundingRatePpm(m.openInterestLong, m.openInterestShort, m.fundingKPpm, m.fundingMaxRatePpm, m.fundingOiFloor);
      } catch {
        rate = null;
      }
      return {
        index: m.marketIndex,
        symbol: dep.markets[k].symbol,
        address: dep.markets[k].market,
        oracle: dep.markets[k].oracle,
        price: o.price,
        conf: o.conf,
        validity: o.validity,
        ageSecs: Number(o.age),
        tiers: m.tiers.map((t) => ({ threshold: t.notionalThreshold, maxLeverage: t.maxLeverage })),
        allowedModes: ALLOWED[m.allowedModes] ?? ["cross", "isolated", "strict"],
        transferFloorPpm: m.transferFloorPpm,
        fundingRatePpm: rate,
        longOi: m.openInterestLong,
        shortOi: m.openInterestShort,
      };
    });

    let accountView: AccountView | null = null;
    if (margin) {
      accountView = account
        ? this.accountView(margin, account, isolated, inputs, marketViews, book)
        : {
            address: margin,
            exists: false,
            cross: domainView(bm.newDomain(0n), exchange.liquidationBufferPpm),
            positions: [],
            triggers: [],
            beingLiquidated: false,
          };
    }
    const pool = { cash: exchange.poolBalance, deficit: exchange.poolDeficit, insurance: exchange.insuranceBalance };
    return { at: Date.now(), markets: marketViews, pool, account: accountView, walletUsdc, walletSol: lamports === null ? null : lamports / LAMPORTS_PER_SOL };
  }

  private accountView(
    address: PublicKey,
    a: MarginAccount,
    isolated: Map<number, IsolatedPosition>,
    inputs: HealthInputs,
    mv: MarketView[],
    book: TriggerBook | null,
  ): AccountView {
    const buffer = inputs.exchange.liquidationBufferPpm;
    const cross = sdk.crossDomain(a, inputs);
    const crossView = domainView(cross.domain, buffer);
    const positions: PositionView[] = [];
    for (const p of cross.positions) {
      if (p.state.base === 0n) continue;
      positions.push({
        id: `cross-${p.marketIndex}`,
        market: mv.find((m) => m.index === p.marketIndex)!,
        mode: "cross",
        base: p.state.base,
        entry: bm.entryPrice(p.state.base, p.state.costBasis) ?? 0n,
        notional: p.health.notional,
        upnl: p.health.pnl,
        funding: p.health.pendingFunding,
        leverage: p.state.leverage,
        effectiveLeverage: crossView.equity > 0n ? (p.health.notional * 1_000_000n + crossView.equity - 1n) / crossView.equity : null,
        liqPrice: sdk.liquidationPriceOf(cross.domain, p),
        adlLight: bm.adlLight(bm.adlScorePpm(p.health.pnl, p.state.costBasis, p.health.notional, cross.domain.maintenanceEquity)),
        domain: null,
        isolatedAddress: null,
        guard: null,
        im: p.health.initial,
        mm: p.health.maintenance,
      });
    }
    for (const [index, iso] of isolated) {
      if (iso.base === 0n) continue;
      const d = sdk.isolatedDomain(iso, inputs);
      const p = d.positions[0];
      const dv = domainView(d.domain, buffer);
      positions.push({
        id: sdk.isolatedPda(address, index, this.programId).toBase58(),
        market: mv.find((m) => m.index === index)!,
        mode: MODE_OF[iso.mode] ?? "isolated",
        base: iso.base,
        entry: bm.entryPrice(iso.base, iso.costBasis) ?? 0n,
        notional: p.health.notional,
        upnl: p.health.pnl,
        funding: p.health.pendingFunding,
        leverage: iso.leverage,
        effectiveLeverage: dv.effectiveLeverage,
        liqPrice: sdk.liquidationPriceOf(d.domain, p),
        adlLight: bm.adlLight(bm.adlScorePpm(p.health.pnl, iso.costBasis, p.health.notional, d.domain.maintenanceEquity)),
        domain: dv,
        isolatedAddress: sdk.isolatedPda(address, index, this.programId),
        guard: iso.guard.enabled ? { triggerRatioPpm: iso.guard.triggerRatioPpm, topUp: iso.guard.topUpAmount, maxTotal: iso.guard.maxTotal, used: iso.guard.usedTotal } : null,
        im: p.health.initial,
        mm: p.health.maintenance,
      });
    }
    positions.sort((x, y) => x.market.index - y.market.index || x.mode.localeCompare(y.mode));
    // The position an order acts on: the same domain and side, opened when it was placed
    // (the program compares the position's open id, as `execute_trigger_order` does).
    const placedOn = (o: sdk.TriggerOrder) => {
      const p = o.isolated ? isolated.get(o.marketIndex) : a.crossPositions.find((c) => c.inUse && c.marketIndex === o.marketIndex);
      return !!p && p.base !== 0n && (p.base > 0n ? "Long" : "Short") === o.side && p.openId === o.openId;
    };
    const triggers: TriggerView[] = (book?.orders ?? []).map((o) => ({
      id: o.id,
      market: mv.find((m) => m.index === o.marketIndex)!,
      domain: o.isolated ? "isolated" : "cross",
      // A long's order below the price stops its loss; above it takes profit (a short's, the reverse).
      kind: (o.side === "Long") === (o.condition === "AtOrBelow") ? "stop-loss" : "take-profit",
      condition: o.condition,
      triggerPrice: o.triggerPrice,
      limitPrice: o.limitPrice,
      size: o.size,
      tip: o.tip,
      active: placedOn(o),
    }));
    triggers.sort((x, y) => x.id - y.id);
    return { address, exists: true, cross: crossView, positions, triggers, beingLiquidated: a.beingLiquidated };
  }

  // ---------------------------------------------------------------- previews

  private need(): Raw {
    if (!this.raw) throw new Error("no data yet");
    return this.raw;
  }

  /** A refusal as the page shows it: the program's error name and why. */
  private refusal(p: { ok: boolean; refusal?: string; reason?: string }): string | null {
    return p.ok ? null : `${p.reason ?? "refused"} (${p.refusal ?? "refused"})`;
  }

  /** What a trade would do: the SDK's `previewOpen`, the program's trade steps off chain. */
  previewOpen(_s: Snapshot, marketIndex: number, delta: bigint, mode: Mode, leverage: number): OpenPreview {
    const empty: OpenPreview = { fillPrice: 0n, notional: 0n, fee: 0n, im: 0n, marginMoved: 0n, liqPrice: null, effectiveLeverage: null, maxLeverage: 20, error: null };
    try {
      const r = this.need();
      const ctx = r.inputs.markets.get(marketIndex)!;
      const market = ctx.market;
      const fill = bm.fillPrice(ctx.oracle.price, ctx.oracle.conf, market.spreadPpm, delta > 0n);
      // The tier's maximum, scaled down while the market is volatile (new risk only).
      const scale = bm.leverageScalePpm(market.volVariance, market.volTargetPpm, market.volFloorPpm);
      const maxLeverage = bm.scaledMaxLeverage(bm.maxLeverageAt(market.tiers, bm.notional(delta, fill, "ceil")), scale);
      if (!r.account) {
        const notional = bm.notional(delta, fill, "ceil");
        return { ...empty, fillPrice: fill, notional, maxLeverage, im: bm.initialMargin(notional, Math.min(leverage, maxLeverage)), error: "Deposit first: the deposit opens your margin account." };
      }
      const iso = r.isolated.get(marketIndex) ?? null;
      const crossOpen = r.account.crossPositions.some((p) => p.inUse && p.marketIndex === marketIndex && p.base !== 0n);
      const p = sdk.previewOpen({
        account: r.account,
        isolated: mode === "cross" ? null : iso,
        marketIndex,
        size: delta,
        leverage: Math.min(leverage, maxLeverage),
        mode: SDK_MODE[mode],
        takerFeePpm: r.exchange.takerFeePpm,
        inputs: r.inputs,
      });
      let error = this.refusal(p);
      if (!error && mode === "cross" && iso && iso.base !== 0n) error = `${MODE_OF[iso.mode]} position open in this market: trade it in its own mode (ModeMismatch)`;
      if (!error && mode !== "cross" && crossOpen) error = "cross position open in this market: trade it in cross (ModeMismatch)";
      if (!error && mode !== "cross" && iso && iso.base !== 0n && MODE_OF[iso.mode] !== mode)
        error = `the open position is ${MODE_OF[iso.mode]}: trade it in that mode (ModeMismatch)`;
      return {
        fillPrice: p.fillPrice,
        notional: p.notional,
        fee: p.fee,
        im: p.initialMargin,
        marginMoved: p.marginMoved,
        liqPrice: p.liquidationPrice,
        effectiveLeverage: p.after.effectiveLeverage,
        maxLeverage,
        error,
      };
    } catch (e) {
      return { ...empty, error: this.explainError(e) };
    }
  }

  maxLeverage(pos: PositionView): number {
    const r = this.need();
    const m = r.inputs.markets.get(pos.market.index)!.market;
    return bm.scaledMaxLeverage(bm.maxLeverageAt(m.tiers, pos.notional), bm.leverageScalePpm(m.volVariance, m.volTargetPpm, m.volFloorPpm));
  }

  /** `set_leverage`: the SDK's `previewSetLeverage` (the state machine of docs/ARCHITECTURE.md). */
  previewLeverage(_s: Snapshot, pos: PositionView, leverage: number): LeveragePreview {
    const r = this.need();
    const out: LeveragePreview = { marginMoved: 0n, newCollateral: pos.domain?.collateral ?? 0n, liqPrice: pos.liqPrice, effectiveLeverage: pos.effectiveLeverage, im: pos.im, error: null };
    try {
      const p = sdk.previewSetLeverage({
        account: r.account!,
        isolated: pos.mode === "cross" ? null : (r.isolated.get(pos.market.index) ?? null),
        marketIndex: pos.market.index,
        leverage,
        inputs: r.inputs,
      });
      out.error = this.refusal(p);
      out.marginMoved = p.marginMoved;
      if (p.after) {
        out.newCollateral = pos.domain ? p.after.collateral : out.newCollateral;
        out.liqPrice = p.after.liquidationPrice;
        out.effectiveLeverage = pos.domain ? p.after.effectiveLeverage : pos.effectiveLeverage;
        out.im = p.after.initialMargin;
      }
      return out;
    } catch (e) {
      return { ...out, error: this.explainError(e) };
    }
  }

  /** Add (delta > 0) or remove margin: the SDK's `previewMarginChange`. */
  previewMargin(_s: Snapshot, pos: PositionView, delta: bigint): MarginPreview {
    const r = this.need();
    const iso = r.isolated.get(pos.market.index)!;
    const out: MarginPreview = { newCollateral: iso.collateral + delta, liqPrice: null, effectiveLeverage: null, maxRemovable: 0n, error: null };
    try {
      out.maxRemovable = pos.mode === "strict" ? 0n : (pos.domain?.transferable ?? 0n);
      const p = sdk.previewMarginChange({ account: r.account!, isolated: iso, amount: delta, inputs: r.inputs });
      out.error = this.refusal(p);
      out.newCollateral = p.after.collateral;
      out.liqPrice = p.after.liquidationPrice;
      out.effectiveLeverage = p.after.effectiveLeverage;
    } catch (e) {
      out.error = this.explainError(e);
    }
    return out;
  }

  /** One domain's equity and maintenance as every price of it moves by the same shock (SDK `stressTest`). */
  stress(_s: Snapshot, domainId: string): StressResult {
    const r = this.need();
    if (!r.account) return { points: [], liquidationShockPpm: null };
    const shocks = Array.from({ length: 41 }, (_, i) => (i - 20) * 25_000); // −50% … +50% in 2.5% steps
    const all = sdk.stressTest({ account: r.account, isolated: [...r.isolated.values()], inputs: r.inputs, shocksPpm: shocks });
    const iso = domainId === "cross" ? null : [...r.isolated.values()].find((p) => sdk.isolatedPda(this.marginAddress(r.owner!), p.marketIndex, this.programId).toBase58() === domainId);
    const d = all.find((x) => (domainId === "cross" ? x.domain === "cross" : typeof x.domain === "object" && iso && x.domain.isolated === iso.marketIndex));
    if (!d || d.maintenanceNow === 0n) return { points: [], liquidationShockPpm: null };
    const series = d.series.find((x) => x.market === "all") ?? d.series[0];
    if (!series) return { points: [], liquidationShockPpm: null };
    const down = series.liquidatedAtDownPpm, up = series.liquidatedAtUpPpm;
    const liq = down === null ? up : up === null ? down : -down <= up ? down : up;
    return { points: series.points.map((p) => ({ shockPpm: p.shockPpm, equity: p.equity, mm: p.maintenanceMargin })), liquidationShockPpm: liq };
  }

  // ---------------------------------------------------------------- instructions

  private ensureOwner(): PublicKey {
    const o = this.raw?.owner;
    if (!o) throw new Error("connect a wallet first");
    return o;
  }

  async deposit(_s: Snapshot | null, amount: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    const ixs: TransactionInstruction[] = [];
    if (!this.raw!.account) ixs.push(await this.ix.createMarginAccount({ owner, subId: 0 }));
    const source = getAssociatedTokenAddressSync(this.dep.mint, owner);
    ixs.push(await this.ix.deposit({ authority: owner, marginAccount: this.marginAddress(owner), source, amount }));
    return { instructions: ixs, label: `Deposit ${usd(amount, this.dep.decimals)}` };
  }

  async withdraw(_s: Snapshot | null, amount: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    const destination = getAssociatedTokenAddressSync(this.dep.mint, owner);
    const ixs = [
      createAssociatedTokenAccountIdempotentInstruction(owner, destination, owner, this.dep.mint),
      await this.ix.withdraw({ owner, marginAccount: this.marginAddress(owner), destination, amount, health: this.health() }),
    ];
    return { instructions: ixs, label: `Withdraw ${usd(amount, this.dep.decimals)}` };
  }

  private health(exclude?: number): PublicKey[] {
    const a = this.raw?.account;
    return a ? sdk.healthAccounts(a, (i: number) => this.dep.markets[i].oracle, exclude, this.programId) : [];
  }

  private marketAccounts(index: number) {
    return { oracle: this.dep.markets[index].oracle };
  }

  async trade(_s: Snapshot, marketIndex: number, delta: bigint, mode: Mode, leverage: number, previewFill: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    // 1% slippage from the previewed fill.
    const limit = delta > 0n ? (previewFill * 101n) / 100n : (previewFill * 99n) / 100n;
    const open = this.existing(marketIndex);
    const ix = await this.ix.trade({
      authority: owner,
      marginAccount: this.marginAddress(owner),
      marketIndex,
      ...this.marketAccounts(marketIndex),
      baseDelta: delta,
      limitPrice: limit,
      mode: SDK_MODE[mode],
      leverage: open ? 0 : leverage,
      health: this.health(marketIndex),
    });
    const sym = this.dep.markets[marketIndex].symbol;
    return { instructions: [ix], label: `${delta > 0n ? "Buy" : "Sell"} ${fmtBase(delta < 0n ? -delta : delta)} ${sym} (${mode}${open ? "" : `, ${leverage}x`})` };
  }

  private existing(marketIndex: number): boolean {
    const r = this.raw!;
    const iso = r.isolated.get(marketIndex);
    return !!(iso && iso.base !== 0n) || !!r.account?.crossPositions.some((p) => p.inUse && p.marketIndex === marketIndex && p.base !== 0n);
  }

  /** The position's size as the chain holds it now (read when the close is built, never
   * the rendered snapshot's, which may predate a fill or an earlier close). */
  private async freshBase(marketIndex: number, mode: Mode): Promise<bigint> {
    const owner = this.ensureOwner();
    const margin = this.marginAddress(owner);
    if (mode === "cross") {
      const info = await this.connection.getAccountInfo(margin, "confirmed");
      if (!info) return 0n;
      const a = sdk.decodeMarginAccount(info.data);
      return a.crossPositions.find((p) => p.inUse && p.marketIndex === marketIndex)?.base ?? 0n;
    }
    const info = await this.connection.getAccountInfo(sdk.isolatedPda(margin, marketIndex, this.programId), "confirmed");
    if (!info) return 0n;
    const iso = sdk.decodeIsolatedPosition(info.data);
    return MODE_OF[iso.mode] === mode ? iso.base : 0n;
  }

  async closePosition(pos: PositionView): Promise<Built> {
    const size = await this.freshBase(pos.market.index, pos.mode);
    if (size === 0n) throw new Error(`no open ${pos.market.symbol} ${pos.mode} position to close`);
    const ctx = this.need().inputs.markets.get(pos.market.index)!;
    const fill = bm.fillPrice(ctx.oracle.price, ctx.oracle.conf, ctx.market.spreadPpm, size < 0n);
    const b = await this.trade(null as unknown as Snapshot, pos.market.index, -size, pos.mode, 0, fill);
    return { ...b, label: `Close ${pos.market.symbol} ${pos.mode}` };
  }

  async setLeverage(_s: Snapshot, pos: PositionView, leverage: number): Promise<Built> {
    const owner = this.ensureOwner();
    const ix = await this.ix.setLeverage({
      authority: owner,
      marginAccount: this.marginAddress(owner),
      marketIndex: pos.market.index,
      ...this.marketAccounts(pos.market.index),
      leverage,
      health: this.health(pos.market.index),
    });
    return { instructions: [ix], label: `Set ${pos.market.symbol} ${pos.mode} leverage ${pos.leverage}x → ${leverage}x` };
  }

  async addMargin(_s: Snapshot, pos: PositionView, amount: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    const ix = await this.ix.addIsolatedMargin({
      authority: owner,
      marginAccount: this.marginAddress(owner),
      marketIndex: pos.market.index,
      ...this.marketAccounts(pos.market.index),
      amount,
      health: this.health(pos.market.index),
    });
    return { instructions: [ix], label: `Add ${usd(amount, this.dep.decimals)} to ${pos.market.symbol} ${pos.mode}` };
  }

  async removeMargin(_s: Snapshot, pos: PositionView, amount: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    const ix = await this.ix.removeIsolatedMargin({
      authority: owner,
      marginAccount: this.marginAddress(owner),
      marketIndex: pos.market.index,
      ...this.marketAccounts(pos.market.index),
      amount,
    });
    return { instructions: [ix], label: `Remove ${usd(amount, this.dep.decimals)} from ${pos.market.symbol} ${pos.mode}` };
  }

  async setGuard(_s: Snapshot, pos: PositionView, triggerRatioPpm: number, topUp: bigint, maxTotal: bigint): Promise<Built> {
    const owner = this.ensureOwner();
    const ix = await this.ix.setMarginGuard({
      owner,
      marginAccount: this.marginAddress(owner),
      marketIndex: pos.market.index,
      triggerRatioPpm,
      topUpAmount: topUp,
      maxTotal,
    });
    return { instructions: [ix], label: topUp === 0n ? `Turn off the ${pos.market.symbol} margin guard` : `Margin guard on ${pos.market.symbol}` };
  }

  /** A reduce-only order that closes the whole position once the oracle reaches
   * `triggerPrice`: a stop-loss (the price moved against it) or a take-profit. The fill
   * may be up to `slippagePpm` worse than the trigger; `tip` goes to the keeper that
   * executes it (any keeper may). */
  async placeTrigger(pos: PositionView, kind: TriggerView["kind"], triggerPrice: bigint, tip: bigint, slippagePpm = 50_000n): Promise<Built> {
    const owner = this.ensureOwner();
    const long = pos.base > 0n;
    const condition = (kind === "stop-loss") === long ? "AtOrBelow" : "AtOrAbove";
    // Closing a long sells (at or above the limit); closing a short buys (at or below it).
    // Rounded toward the trigger, so no fill is more than `slippagePpm` worse.
    const limitPrice = long ? (triggerPrice * (1_000_000n - slippagePpm) + 999_999n) / 1_000_000n : (triggerPrice * (1_000_000n + slippagePpm)) / 1_000_000n;
    const ix = await this.ix.placeTriggerOrder({
      authority: owner,
      marginAccount: this.marginAddress(owner),
      marketIndex: pos.market.index,
      isolated: pos.mode !== "cross",
      condition,
      triggerPrice,
      size: { fractionPpm: 1_000_000 },
      limitPrice,
      tip,
    });
    const what = kind === "stop-loss" ? "Stop-loss" : "Take-profit";
    return { instructions: [ix], label: `${what} on ${pos.market.symbol} ${pos.mode} at ${fmtPrice(triggerPrice, this.dep.decimals)}` };
  }

  async cancelTrigger(t: TriggerView): Promise<Built> {
    const owner = this.ensureOwner();
    const ix = await this.ix.cancelTriggerOrder({ authority: owner, marginAccount: this.marginAddress(owner), id: t.id });
    return { instructions: [ix], label: `Cancel ${t.kind} #${t.id} on ${t.market.symbol}` };
  }

  // ---------------------------------------------------------------- sending

  async sendAndConfirm(b: Built, wallet: WalletContextState): Promise<string> {
    const payer = wallet.publicKey;
    if (!payer) throw new Error("connect a wallet first");
    const tx = new Transaction().add(ComputeBudgetProgram.setComputeUnitLimit({ units: 1_000_000 }), ...b.instructions);
    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash("confirmed");
    tx.feePayer = payer;
    tx.recentBlockhash = blockhash;
    let signature: string;
    if (wallet.signTransaction) {
      const signed = await wallet.signTransaction(tx);
      signature = await this.connection.sendRawTransaction(signed.serialize(), { preflightCommitment: "confirmed" });
    } else {
      signature = await wallet.sendTransaction(tx, this.connection, { preflightCommitment: "confirmed" });
    }
    const res = await confirmByPolling(this.connection, signature, lastValidBlockHeight);
    if (res.err) {
      const t = await this.connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
      const err = new Error(`transaction failed: ${JSON.stringify(res.err)}`) as Error & { logs?: string[] };
      err.logs = t?.meta?.logMessages ?? [];
      throw err;
    }
    return signature;
  }

  /** A program error by its name and the program's message; anything else as it came. */
  explainError(e: unknown): string {
    try {
      const d = sdk.decodeError(e);
      if (d) return d.message && d.message !== d.name ? `${d.name}: ${d.message}` : d.name;
    } catch {
      /* fall through */
    }
    if (e instanceof sdk.HealthError) return `price not usable (${e.code})`;
    const msg = e instanceof Error ? e.message : String(e);
    return msg.length > 300 ? msg.slice(0, 300) + "…" : msg;
  }

  // ---------------------------------------------------------------- events

  private feedCache = new Map<string, FeedEvent[]>();

  async feed(account: PublicKey): Promise<FeedEvent[]> {
    const sigs = await this.connection.getSignaturesForAddress(account, { limit: 40 }, "confirmed");
    const fresh = sigs.filter((s) => !this.feedCache.has(s.signature) && !s.err);
    for (let i = 0; i < fresh.length; i += 10) {
      const chunk = fresh.slice(i, i + 10);
      const txs = await this.connection.getTransactions(
        chunk.map((s) => s.signature),
        { commitment: "confirmed", maxSupportedTransactionVersion: 0 },
      );
      chunk.forEach((s, k) => {
        const logs = txs[k]?.meta?.logMessages ?? [];
        const events = sdk.parseEvents(logs);
        this.feedCache.set(
          s.signature,
          events.map((ev: { name: string; data: Record<string, unknown> }) => ({
            signature: s.signature,
            slot: s.slot,
            time: s.blockTime ?? null,
            name: ev.name,
            summary: this.summarise(ev.name, ev.data),
            kind: kindOf(ev.name),
          })),
        );
      });
    }
    return sigs.flatMap((s) => [...(this.feedCache.get(s.signature) ?? [])].reverse());
  }

  private summarise(name: string, data: Record<string, unknown>): string {
    const dec = this.dep.decimals;
    const big = (v: unknown): bigint | null => {
      if (typeof v === "bigint") return v;
      if (typeof v === "number") return BigInt(Math.trunc(v));
      if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
      if (v && typeof v === "object" && "toString" in v) {
        const s = String(v);
        if (/^-?\d+$/.test(s)) return BigInt(s);
      }
      return null;
    };
    const sym = (v: unknown) => {
      const i = big(v);
      return i === null ? "" : (this.dep.markets[Number(i)]?.symbol ?? `market ${i}`);
    };
    const parts: string[] = [];
    const get = (...keys: string[]) => {
      for (const k of keys) if (k in data) return data[k];
      return undefined;
    };
    const mi = get("marketIndex", "market_index");
    if (mi !== undefined) parts.push(sym(mi));
    // A trigger order's size is lots or a fraction, by its `sizeKind`: not a base amount.
    const hasSizeKind = "sizeKind" in data || "size_kind" in data;
    for (const [k, v] of Object.entries(data)) {
      if (k === "marketIndex" || k === "market_index") continue;
      const b = big(v);
      const key = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
      // Codes and identifiers, not amounts.
      if (/^(id|reason|condition|side|sizeKind)$/.test(key) || (key === "size" && hasSizeKind)) continue;
      if (b !== null) {
        if (/price/i.test(key)) parts.push(`${key} ${fmtPrice(b, dec)}`);
        else if (/base|size|closed/i.test(key) && !/notional/i.test(key)) parts.push(`${key} ${fmtBase(b)}`);
        else if (/leverage/i.test(key)) parts.push(`${key} ${b}x`);
        else if (/slot|ts|time|index|ppm|mode|kind|count|sub/i.test(key)) continue;
        else parts.push(`${key} ${usd(b, dec)}`);
      } else if (typeof v === "string" && v.length < 20) parts.push(`${key} ${v}`);
      else if (v && typeof v === "object" && !("toBase58" in v) && Object.keys(v).length === 1) parts.push(`${key} ${Object.keys(v)[0]}`);
    }
    void name;
    return parts.join(" · ");
  }

  // ---------------------------------------------------------------- localnet faucet

  /** Localnet only: airdrops SOL and mints test USDC with the local mint authority's key
   * (which the dev server serves only for a validator on this machine). */
  async fundLocalnet(owner: PublicKey, usdcAmount: bigint): Promise<void> {
    if (!this.dep.localnet) throw new Error("fund me works on a local validator only");
    await confirmByPolling(this.connection, await this.connection.requestAirdrop(owner, 2 * LAMPORTS_PER_SOL));
    const res = await fetch("/localnet/mint-authority.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`mint authority not served: ${await res.text()}`);
    const authority = Keypair.fromSecretKey(Uint8Array.from(await res.json()));
    const ata = getAssociatedTokenAddressSync(this.dep.mint, owner);
    const tx = new Transaction().add(
      createAssociatedTokenAccountIdempotentInstruction(authority.publicKey, ata, owner, this.dep.mint),
      createMintToInstruction(this.dep.mint, ata, authority.publicKey, usdcAmount),
    );
    // The mint authority pays for the token account too: fund it if it has no SOL.
    if ((await this.connection.getBalance(authority.publicKey)) < LAMPORTS_PER_SOL / 10) {
      await confirmByPolling(this.connection, await this.connection.requestAirdrop(authority.publicKey, LAMPORTS_PER_SOL));
    }
    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash("confirmed");
    tx.feePayer = authority.publicKey;
    tx.recentBlockhash = blockhash;
    tx.sign(authority);
    const s = await this.connection.sendRawTransaction(tx.serialize());
    const minted = await confirmByPolling(this.connection, s, lastValidBlockHeight);
    if (minted.err) throw new Error(`minting test USDC failed: ${JSON.stringify(minted.err)}`);
  }
}

/** An oracle account read by the market's kind: a push oracle or a Pyth `PriceUpdateV2`. */
function rawOracle(m: Market, data: Uint8Array): sdk.RawPrice {
  return m.oracleKind === "Push" ? sdk.rawFromPush(sdk.decodePushOracle(data)) : sdk.rawFromPyth(sdk.decodePriceUpdateV2(data));
}

function kindOf(name: string): FeedEvent["kind"] {
  if (/Trade/.test(name)) return "trade";
  if (/Leverage/.test(name)) return "leverage";
  if (/Liquidat|BadDebt/.test(name)) return "liquidation";
  if (/Deposit|Withdraw|Transfer|Guard/.test(name)) return "transfer";
  return "other";
}
