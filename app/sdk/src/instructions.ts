/**
 * Instruction builders for every Ballast instruction, built through `@coral-xyz/anchor`
 * from the committed IDL (`program.methods.x(...).accountsStrict(...).remainingAccounts(...)`),
 * with the remaining accounts assembled exactly as `crates/client/src/ix.rs` does:
 *
 * | instruction | remaining accounts |
 * |---|---|
 * | `withdraw` | `[market (writable), oracle]` per cross slot in health, slot order |
 * | `trade`, `set_leverage`, `add_isolated_margin`, `liquidate_cross`, `execute_margin_guard` | `[market, oracle]` per cross slot in health other than the instruction's market, slot order |
 * | `account_health` | `[market, oracle]` per cross slot in health, slot order, then `[isolated_position, market, oracle]` per isolated position |
 * | `defund_pool` | `[market, oracle]` for every market, index order |
 * | `refresh_prices` | `[market, oracle]` per market to refresh, any order |
 * | the rest | none |
 *
 * A cross slot is "in health" when it is in use and open or holding unsettled profit.
 * Every cross-reading instruction above also accepts the price book alone (`[priceBookPda()]`)
 * in place of the cross pairs, while its entries are fresh (refreshed at most
 * `MAX_PRICE_BOOK_AGE_SLOTS` slots ago and since the last market configuration change); a
 * withdrawal that must realise profit still needs the pairs.
 */
import { BN, Program, type Idl, type Provider } from "./anchor.js";
import { AccountMeta, Connection, PublicKey, TransactionInstruction } from "@solana/web3.js";
import { inHealth, type MarginAccount, type MarketStatus, type TriggerCondition } from "./accounts.js";
import { PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from "./constants.js";
import { IDL } from "./idl.js";
import { exchangePda, isolatedPda, marginPda, marketPda, priceBookPda, triggerBookPda, vaultPda } from "./pda.js";
import type { MarginMode } from "./previews.js";

export type { MarginMode };
export type AuthorityRole = "Admin" | "Guardian";
export type AllowedModesParam = "Any" | "IsolatedOnly" | "StrictIsolatedOnly";
export type OracleKindParam = "Push" | "PythPull";

export interface TierParams {
  notionalThreshold: bigint;
  maxLeverage: number;
}

/** `MarketParams` (create_market / update_market). */
export interface MarketParams {
  tiers: TierParams[];
  allowedModes: AllowedModesParam;
  maxOracleAgeSecs: number;
  maxOracleConfPpm: number;
  spreadPpm: number;
  liquidationFeePpm: number;
  insuranceSharePpm: number;
  pnlWeightPpm: number;
  transferFloorPpm: number;
  fundingMaxRatePpm: number;
  /** Volatility-scaled leverage (0 / absent: off). */
  volTargetPpm?: number;
  volFloorPpm?: number;
  volHalfLifeSecs?: number;
  fundingKPpm: number;
  maxFillAgeSecs: number;
  invalidPriceHaircutPpm: number;
  settlePeriodSecs: number;
  settleLimit: bigint;
  maintenanceRampSecs: number;
  lotSize: bigint;
  dustNotional: bigint;
  maxOpenInterest: bigint;
  fundingOiFloor: bigint;
}

/** `ExchangeParams` (initialize_exchange). */
export interface ExchangeParams {
  guardian: PublicKey;
  takerFeePpm: number;
  protocolFeeSharePpm: number;
  liquidationBufferPpm: number;
  marginGuardTip: bigint;
  allowPushOracles: boolean;
}

/** A market's address and its oracle's, for health accounts. */
export interface MarketRef {
  index: number;
  oracle: PublicKey;
}

/** Looks up a market's oracle by index (a Map, or a function). */
export type OracleLookup = Map<number, PublicKey> | ((index: number) => PublicKey);
const oracleOf = (l: OracleLookup, i: number): PublicKey => {
  const k = typeof l === "function" ? l(i) : l.get(i);
  if (!k) throw new Error(`no oracle known for market ${i}`);
  return k;
};

/** `[market, oracle]` per cross slot in health, slot order, skipping `exclude` (the instruction's own market). */
export function healthAccounts(account: MarginAccount, oracles: OracleLookup, exclude?: number, programId = PROGRAM_ID): PublicKey[] {
  const out: PublicKey[] = [];
  for (const s of account.crossPositions) {
    if (!inHealth(s) || s.marketIndex === exclude) continue;
    out.push(marketPda(s.marketIndex, programId), oracleOf(oracles, s.marketIndex));
  }
  return out;
}

/** `[isolated_position, market, oracle]` per isolated position, for `account_health`. */
export function isolatedTriples(marginAccount: PublicKey, markets: MarketRef[], programId = PROGRAM_ID): PublicKey[] {
  return markets.flatMap((m) => [isolatedPda(marginAccount, m.index, programId), marketPda(m.index, programId), m.oracle]);
}

const ro = (pubkey: PublicKey): AccountMeta => ({ pubkey, isSigner: false, isWritable: false });
const bn = (v: bigint | number) => new BN(v.toString());
const variant = (name: string) => ({ [name.charAt(0).toLowerCase() + name.slice(1)]: {} });

function marketParamsArg(p: MarketParams) {
  return {
    tiers: p.tiers.map((t) => ({ notionalThreshold: bn(t.notionalThreshold), maxLeverage: t.maxLeverage })),
    allowedModes: variant(p.allowedModes),
    maxOracleAgeSecs: p.maxOracleAgeSecs,
    maxOracleConfPpm: p.maxOracleConfPpm,
    spreadPpm: p.spreadPpm,
    liquidationFeePpm: p.liquidationFeePpm,
    insuranceSharePpm: p.insuranceSharePpm,
    pnlWeightPpm: p.pnlWeightPpm,
    transferFloorPpm: p.transferFloorPpm,
    fundingMaxRatePpm: p.fundingMaxRatePpm,
    fundingKPpm: p.fundingKPpm,
    maxFillAgeSecs: p.maxFillAgeSecs,
    invalidPriceHaircutPpm: p.invalidPriceHaircutPpm,
    settlePeriodSecs: p.settlePeriodSecs,
    settleLimit: bn(p.settleLimit),
    maintenanceRampSecs: p.maintenanceRampSecs,
    lotSize: bn(p.lotSize),
    dustNotional: bn(p.dustNotional),
    maxOpenInterest: bn(p.maxOpenInterest),
    fundingOiFloor: bn(p.fundingOiFloor),
    volTargetPpm: p.volTargetPpm ?? 0,
    volFloorPpm: p.volFloorPpm ?? 0,
    volHalfLifeSecs: p.volHalfLifeSecs ?? 0,
  };
}

/** An Anchor `Program` over the committed IDL; `connection` is only used by fetch/simulate helpers. */
export function ballastProgram(connection?: Connection, programId: PublicKey = PROGRAM_ID): Program {
  const idl = { ...(IDL as unknown as Idl), address: programId.toBase58() };
  const provider = { connection: connection ?? new Connection("http://127.0.0.1:8899") } as unknown as Provider;
  return new Program(idl, provider);
}

/**
 * Builders for every instruction. `new InstructionBuilder()` uses the IDL's program id;
 * pass another for a different deployment.
 */
export class InstructionBuilder {
  readonly program: Program;
  constructor(
    readonly programId: PublicKey = PROGRAM_ID,
    program?: Program,
  ) {
    this.program = program ?? ballastProgram(undefined, programId);
  }
  private get m(): any {
    return this.program.methods;
  }
  get exchange() { return exchangePda(this.programId); }
  get vault() { return vaultPda(this.programId); }
  get priceBook() { return priceBookPda(this.programId); }
  market(index: number) { return marketPda(index, this.programId); }
  isolated(marginAccount: PublicKey, index: number) { return isolatedPda(marginAccount, index, this.programId); }
  margin(owner: PublicKey, subId = 0) { return marginPda(owner, subId, this.programId); }

  // ---- admin ------------------------------------------------------------------------
  initializeExchange(a: { admin: PublicKey; collateralMint: PublicKey; params: ExchangeParams }): Promise<TransactionInstruction> {
    const p = a.params;
    return this.m
      .initializeExchange({ guardian: p.guardian, takerFeePpm: p.takerFeePpm, protocolFeeSharePpm: p.protocolFeeSharePpm, liquidationBufferPpm: p.liquidationBufferPpm, marginGuardTip: bn(p.marginGuardTip), allowPushOracles: p.allowPushOracles })
      .accountsStrict({ admin: a.admin, exchange: this.exchange, collateralMint: a.collateralMint, vault: this.vault, tokenProgram: TOKEN_PROGRAM_ID, systemProgram: SYSTEM_PROGRAM_ID })
      .instruction();
  }
  createMarket(a: { admin: PublicKey; marketIndex: number; oracle: PublicKey; oracleKind: OracleKindParam; feedId?: Uint8Array; params: MarketParams }): Promise<TransactionInstruction> {
    return this.m
      .createMarket(a.marketIndex, variant(a.oracleKind), Array.from(a.feedId ?? new Uint8Array(32)), marketParamsArg(a.params))
      .accountsStrict({ admin: a.admin, exchange: this.exchange, market: this.market(a.marketIndex), oracle: a.oracle, systemProgram: SYSTEM_PROGRAM_ID })
      .instruction();
  }
  updateMarket(a: { admin: PublicKey; marketIndex: number; params: MarketParams }): Promise<TransactionInstruction> {
    return this.m.updateMarket(marketParamsArg(a.params)).accountsStrict({ admin: a.admin, exchange: this.exchange, market: this.market(a.marketIndex) }).instruction();
  }
  /** `market`: omit for the exchange-wide status; else the market and its oracle (funding accrues up to the change). */
  setPause(a: { signer: PublicKey; market?: MarketRef; status: MarketStatus }): Promise<TransactionInstruction> {
    return this.m
      .setPause(variant(a.status))
      .accountsStrict({ signer: a.signer, exchange: this.exchange, market: a.market ? this.market(a.market.index) : null, oracle: a.market ? a.market.oracle : null })
      .instruction();
  }
  proposeAuthority(a: { admin: PublicKey; role: AuthorityRole; proposed: PublicKey }): Promise<TransactionInstruction> {
    return this.m.proposeAuthority(variant(a.role), a.proposed).accountsStrict({ admin: a.admin, exchange: this.exchange }).instruction();
  }
  acceptAuthority(a: { newAuthority: PublicKey; role: AuthorityRole }): Promise<TransactionInstruction> {
    return this.m.acceptAuthority(variant(a.role)).accountsStrict({ newAuthority: a.newAuthority, exchange: this.exchange }).instruction();
  }
  syncVault(): Promise<TransactionInstruction> {
    return this.m.syncVault().accountsStrict({ exchange: this.exchange, vault: this.vault }).instruction();
  }
  fundPool(a: { admin: PublicKey; adminToken: PublicKey; amount: bigint }): Promise<TransactionInstruction> {
    return this.m.fundPool(bn(a.amount)).accountsStrict(this.poolAccounts(a.admin, a.adminToken)).instruction();
  }
  /** `markets`: every market in index order (the reserve is taken over all of them). */
  defundPool(a: { admin: PublicKey; adminToken: PublicKey; amount: bigint; markets: MarketRef[] }): Promise<TransactionInstruction> {
    const rest = a.markets.flatMap((m) => [ro(this.market(m.index)), ro(m.oracle)]);
    return this.m.defundPool(bn(a.amount)).accountsStrict(this.poolAccounts(a.admin, a.adminToken)).remainingAccounts(rest).instruction();
  }
  fundInsurance(a: { admin: PublicKey; adminToken: PublicKey; amount: bigint }): Promise<TransactionInstruction> {
    return this.m.fundInsurance(bn(a.amount)).accountsStrict(this.poolAccounts(a.admin, a.adminToken)).instruction();
  }
  /** `markets`: every market in index order (the insurance floor is taken over all of them). */
  withdrawInsurance(a: { admin: PublicKey; adminToken: PublicKey; amount: bigint; markets: MarketRef[] }): Promise<TransactionInstruction> {
    const rest = a.markets.flatMap((m) => [ro(this.market(m.index)), ro(m.oracle)]);
    return this.m.withdrawInsurance(bn(a.amount)).accountsStrict(this.poolAccounts(a.admin, a.adminToken)).remainingAccounts(rest).instruction();
  }
  /** `treasury`: any token account of the collateral mint. */
  sweepFees(a: { admin: PublicKey; treasury: PublicKey; amount: bigint }): Promise<TransactionInstruction> {
    return this.m
      .sweepFees(bn(a.amount))
      .accountsStrict({ admin: a.admin, exchange: this.exchange, vault: this.vault, treasury: a.treasury, tokenProgram: TOKEN_PROGRAM_ID })
      .instruction();
  }
  private poolAccounts(admin: PublicKey, adminToken: PublicKey) {
    return { admin, exchange: this.exchange, vault: this.vault, adminToken, tokenProgram: TOKEN_PROGRAM_ID };
  }
  createPushOracle(a: { payer: PublicKey; authority: PublicKey; oracle: PublicKey; exponent: number; price: bigint; conf: bigint }): Promise<TransactionInstruction> {
    return this.m
      .createPushOracle(a.exponent, bn(a.price), bn(a.conf))
      .accountsStrict({ payer: a.payer, authority: a.authority, oracle: a.oracle, systemProgram: SYSTEM_PROGRAM_ID })
      .instruction();
  }
  updatePushOracle(a: { authority: PublicKey; oracle: PublicKey; price: bigint; conf: bigint; publishTime?: bigint | null }): Promise<TransactionInstruction> {
    return this.m
      .updatePushOracle(bn(a.price), bn(a.conf), a.publishTime === undefined || a.publishTime === null ? null : bn(a.publishTime))
      .accountsStrict({ authority: a.authority, oracle: a.oracle })
      .instruction();
  }

  // ---- user -------------------------------------------------------------------------
  /** A reduce-only order on an open position; `size`: lots, or a fraction in ppm (1e6 closes it all). */
  placeTriggerOrder(a: {
    authority: PublicKey; marginAccount: PublicKey; marketIndex: number; isolated: boolean; condition: TriggerCondition;
    triggerPrice: bigint; size: { lots: bigint } | { fractionPpm: number }; limitPrice: bigint; tip: bigint;
  }): Promise<TransactionInstruction> {
    const size = "lots" in a.size ? { lots: { 0: bn(a.size.lots) } } : { fraction: { 0: a.size.fractionPpm } };
    const params = { marketIndex: a.marketIndex, isolated: a.isolated, condition: variant(a.condition), triggerPrice: bn(a.triggerPrice), size, limitPrice: bn(a.limitPrice), tip: bn(a.tip) };
    return this.m
      .placeTriggerOrder(params as never)
      .accountsStrict({
        authority: a.authority, marginAccount: a.marginAccount, market: this.market(a.marketIndex), isolatedPosition: this.isolated(a.marginAccount, a.marketIndex),
        triggerBook: triggerBookPda(a.marginAccount, this.programId), systemProgram: SYSTEM_PROGRAM_ID,
      })
      .instruction();
  }
  /** Owner: closes the trigger book (cancelling its orders) and returns its rent. */
  closeTriggerBook(a: { owner: PublicKey; marginAccount: PublicKey }): Promise<TransactionInstruction> {
    return this.m
      .closeTriggerBook()
      .accountsStrict({ owner: a.owner, marginAccount: a.marginAccount, triggerBook: triggerBookPda(a.marginAccount, this.programId) })
      .instruction();
  }
  cancelTriggerOrder(a: { authority: PublicKey; marginAccount: PublicKey; id: number }): Promise<TransactionInstruction> {
    return this.m
      .cancelTriggerOrder(a.id)
      .accountsStrict({ authority: a.authority, marginAccount: a.marginAccount, triggerBook: triggerBookPda(a.marginAccount, this.programId) })
      .instruction();
  }
  createMarginAccount(a: { owner: PublicKey; subId?: number }): Promise<TransactionInstruction> {
    const subId = a.subId ?? 0;
    return this.m.createMarginAccount(subId).accountsStrict({ owner: a.owner, marginAccount: this.margin(a.owner, subId), systemProgram: SYSTEM_PROGRAM_ID }).instruction();
  }
  closeMarginAccount(a: { owner: PublicKey; marginAccount: PublicKey }): Promise<TransactionInstruction> {
    return this.m.closeMarginAccount().accountsStrict({ owner: a.owner, marginAccount: a.marginAccount }).instruction();
  }
  setDelegate(a: { owner: PublicKey; marginAccount: PublicKey; delegate: PublicKey }): Promise<TransactionInstruction> {
    return this.m.setDelegate(a.delegate).accountsStrict({ owner: a.owner, marginAccount: a.marginAccount }).instruction();
  }
  deposit(a: { authority: PublicKey; marginAccount: PublicKey; source: PublicKey; amount: bigint }): Promise<TransactionInstruction> {
    return this.m
      .deposit(bn(a.amount))
      .accountsStrict({ authority: a.authority, exchange: this.exchange, marginAccount: a.marginAccount, vault: this.vault, source: a.source, tokenProgram: TOKEN_PROGRAM_ID })
      .instruction();
  }
  /** `health`: `[market, oracle]` per cross slot in health (markets writable: a withdrawal may realise profit), or the price book alone (read-only). */
  withdraw(a: { owner: PublicKey; marginAccount: PublicKey; destination: PublicKey; amount: bigint; health: PublicKey[] }): Promise<TransactionInstruction> {
    const pairs = a.health.length % 2 === 0;
    const rest = a.health.map((k, i) => ({ pubkey: k, isSigner: false, isWritable: pairs && i % 2 === 0 }));
    return this.m
      .withdraw(bn(a.amount))
      .accountsStrict({ owner: a.owner, exchange: this.exchange, marginAccount: a.marginAccount, vault: this.vault, destination: a.destination, tokenProgram: TOKEN_PROGRAM_ID })
      .remainingAccounts(rest)
      .instruction();
  }
  /**
   * `baseDelta` lots (positive buys), worst acceptable `limitPrice`, `leverage` 0 keeps the
   * stored setting. `health`: `[market, oracle]` per cross slot in health other than `marketIndex`.
   */
  trade(a: { authority: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; baseDelta: bigint; limitPrice: bigint; mode: MarginMode; leverage: number; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m
      .trade(bn(a.baseDelta), bn(a.limitPrice), variant(a.mode), a.leverage)
      .accountsStrict({ authority: a.authority, exchange: this.exchange, marginAccount: a.marginAccount, market: this.market(a.marketIndex), oracle: a.oracle, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex), systemProgram: SYSTEM_PROGRAM_ID })
      .remainingAccounts(a.health.map(ro))
      .instruction();
  }
  private adjust(a: { authority: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey }) {
    return { authority: a.authority, exchange: this.exchange, marginAccount: a.marginAccount, market: this.market(a.marketIndex), oracle: a.oracle, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex) };
  }
  /** `health`: `[market, oracle]` per cross slot in health other than `marketIndex`. */
  setLeverage(a: { authority: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; leverage: number; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m.setLeverage(a.leverage).accountsStrict(this.adjust(a)).remainingAccounts(a.health.map(ro)).instruction();
  }
  /** `health`: `[market, oracle]` per cross slot in health other than `marketIndex`. */
  addIsolatedMargin(a: { authority: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; amount: bigint; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m.addIsolatedMargin(bn(a.amount)).accountsStrict(this.adjust(a)).remainingAccounts(a.health.map(ro)).instruction();
  }
  removeIsolatedMargin(a: { authority: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; amount: bigint }): Promise<TransactionInstruction> {
    return this.m.removeIsolatedMargin(bn(a.amount)).accountsStrict(this.adjust(a)).instruction();
  }
  closeIsolatedPosition(a: { owner: PublicKey; marginAccount: PublicKey; marketIndex: number }): Promise<TransactionInstruction> {
    return this.m.closeIsolatedPosition().accountsStrict({ owner: a.owner, marginAccount: a.marginAccount, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex) }).instruction();
  }
  setMarginGuard(a: { owner: PublicKey; marginAccount: PublicKey; marketIndex: number; triggerRatioPpm: number; topUpAmount: bigint; maxTotal: bigint }): Promise<TransactionInstruction> {
    return this.m
      .setMarginGuard(a.triggerRatioPpm, bn(a.topUpAmount), bn(a.maxTotal))
      .accountsStrict({ owner: a.owner, marginAccount: a.marginAccount, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex) })
      .instruction();
  }
  /** Anyone may settle: the cross slot's unsettled profit in `marketIndex`, or the isolated position's. */
  settlePnl(a: { marginAccount: PublicKey; marketIndex: number; isolated: boolean }): Promise<TransactionInstruction> {
    return this.m
      .settlePnl()
      .accountsStrict({ exchange: this.exchange, market: this.market(a.marketIndex), marginAccount: a.marginAccount, isolatedPosition: a.isolated ? this.isolated(a.marginAccount, a.marketIndex) : null })
      .instruction();
  }

  // ---- keeper and views ---------------------------------------------------------------
  /**
   * While the pool's equity is negative: closes what the shortfall needs of a profitable
   * position (or writes the shortfall off its unsettled profit). `markets`: `[market,
   * oracle]` for every market, in index order.
   */
  autoDeleverage(a: { keeper: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; isolated: boolean; maxBase: bigint; markets: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m
      .autoDeleverage(bn(a.maxBase))
      .accountsStrict({
        keeper: a.keeper, exchange: this.exchange, market: this.market(a.marketIndex), oracle: a.oracle, marginAccount: a.marginAccount,
        isolatedPosition: a.isolated ? this.isolated(a.marginAccount, a.marketIndex) : null,
      })
      .remainingAccounts(a.markets.map(ro))
      .instruction();
  }
  /** Creates the price book (anyone, once per program). */
  initPriceBook(a: { payer: PublicKey }): Promise<TransactionInstruction> {
    return this.m.initPriceBook().accountsStrict({ payer: a.payer, priceBook: priceBookPda(this.programId), systemProgram: SYSTEM_PROGRAM_ID }).instruction();
  }
  /** Copies each market and its oracle reading into the price book (anyone). */
  refreshPrices(a: { markets: MarketRef[] }): Promise<TransactionInstruction> {
    const rest = a.markets.flatMap((m) => [ro(this.market(m.index)), ro(m.oracle)]);
    return this.m.refreshPrices().accountsStrict({ exchange: this.exchange, priceBook: priceBookPda(this.programId) }).remainingAccounts(rest).instruction();
  }
  updateFunding(a: { marketIndex: number; oracle: PublicKey }): Promise<TransactionInstruction> {
    return this.m.updateFunding().accountsStrict({ exchange: this.exchange, market: this.market(a.marketIndex), oracle: a.oracle }).instruction();
  }
  liquidateIsolated(a: { keeper: PublicKey; keeperToken: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; maxBase: bigint }): Promise<TransactionInstruction> {
    return this.m
      .liquidateIsolated(bn(a.maxBase))
      .accountsStrict({ keeper: a.keeper, exchange: this.exchange, market: this.market(a.marketIndex), oracle: a.oracle, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex), marginAccount: a.marginAccount, vault: this.vault, keeperToken: a.keeperToken, tokenProgram: TOKEN_PROGRAM_ID })
      .instruction();
  }
  /** `health`: `[market, oracle]` per cross slot in health other than `marketIndex`. */
  liquidateCross(a: { keeper: PublicKey; keeperToken: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; maxBase: bigint; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m
      .liquidateCross(bn(a.maxBase))
      .accountsStrict({ keeper: a.keeper, exchange: this.exchange, marginAccount: a.marginAccount, market: this.market(a.marketIndex), oracle: a.oracle, vault: this.vault, keeperToken: a.keeperToken, tokenProgram: TOKEN_PROGRAM_ID })
      .remainingAccounts(a.health.map(ro))
      .instruction();
  }
  /** `health`: `[market, oracle]` per cross slot in health other than `marketIndex`. */
  executeMarginGuard(a: { keeper: PublicKey; keeperToken: PublicKey; marginAccount: PublicKey; marketIndex: number; oracle: PublicKey; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m
      .executeMarginGuard()
      .accountsStrict({ keeper: a.keeper, exchange: this.exchange, marginAccount: a.marginAccount, market: this.market(a.marketIndex), oracle: a.oracle, isolatedPosition: this.isolated(a.marginAccount, a.marketIndex), vault: this.vault, keeperToken: a.keeperToken, tokenProgram: TOKEN_PROGRAM_ID })
      .remainingAccounts(a.health.map(ro))
      .instruction();
  }
  /** Closes trigger order `id` once its price is reached; `health` as for `trade` (cross orders). */
  executeTriggerOrder(a: { keeper: PublicKey; keeperToken: PublicKey; marginAccount: PublicKey; id: number; marketIndex: number; oracle: PublicKey; health: PublicKey[] }): Promise<TransactionInstruction> {
    return this.m
      .executeTriggerOrder(a.id)
      .accountsStrict({
        keeper: a.keeper, exchange: this.exchange, marginAccount: a.marginAccount, market: this.market(a.marketIndex), oracle: a.oracle,
        isolatedPosition: this.isolated(a.marginAccount, a.marketIndex), triggerBook: triggerBookPda(a.marginAccount, this.programId),
        vault: this.vault, keeperToken: a.keeperToken, tokenProgram: TOKEN_PROGRAM_ID,
      })
      .remainingAccounts(a.health.map(ro))
      .instruction();
  }
  /** The read-only view; simulate it and decode the return data with `decodeAccountHealth`. */
  accountHealth(a: { marginAccount: PublicKey; health: PublicKey[]; isolated?: MarketRef[] }): Promise<TransactionInstruction> {
    const rest = [...a.health, ...isolatedTriples(a.marginAccount, a.isolated ?? [], this.programId)].map(ro);
    return this.m.accountHealth().accountsStrict({ exchange: this.exchange, marginAccount: a.marginAccount }).remainingAccounts(rest).instruction();
  }
}


