/**
 * Zero-copy account decoders (`programs/ballast/src/state/*.rs`, `#[repr(C)]` bytemuck
 * layouts after the 8-byte Anchor discriminator) and the Pyth `PriceUpdateV2` reader
 * (`oracle/pyth.rs`). Every decoder checks the discriminator and the size.
 */
import { PublicKey } from "@solana/web3.js";
import { IDL } from "./idl.js";
import type { Tier } from "./math/tiers.js";

/** Account sizes including the discriminator (`8 + size_of::<T>()`). */
export const ACCOUNT_SIZES = { Exchange: 8 + 320, Market: 8 + 496, MarginAccount: 8 + 928, IsolatedPosition: 8 + 184, PushOracle: 8 + 96, TriggerBook: 8 + 488 } as const;

export type AccountName = keyof typeof ACCOUNT_SIZES;

export const DISCRIMINATORS: Record<AccountName, Uint8Array> = Object.fromEntries(
  IDL.accounts.map((a) => [a.name, Uint8Array.from(a.discriminator)]),
) as Record<AccountName, Uint8Array>;

export const PRICE_UPDATE_V2_DISCRIMINATOR = Uint8Array.from([34, 241, 35, 99, 157, 126, 244, 205]);

export class Reader {
  private readonly v: DataView;
  constructor(
    readonly data: Uint8Array,
    public at = 0,
  ) {
    this.v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  u8() { return this.v.getUint8(this.at++); }
  u16() { const x = this.v.getUint16(this.at, true); this.at += 2; return x; }
  u32() { const x = this.v.getUint32(this.at, true); this.at += 4; return x; }
  i32() { const x = this.v.getInt32(this.at, true); this.at += 4; return x; }
  u64() { const x = this.v.getBigUint64(this.at, true); this.at += 8; return x; }
  i64() { const x = this.v.getBigInt64(this.at, true); this.at += 8; return x; }
  i128() {
    const lo = this.v.getBigUint64(this.at, true);
    const hi = this.v.getBigInt64(this.at + 8, true);
    this.at += 16;
    return (hi << 64n) | lo;
  }
  pubkey() { const k = new PublicKey(this.data.subarray(this.at, this.at + 32)); this.at += 32; return k; }
  bytes(n: number) { const b = this.data.slice(this.at, this.at + n); this.at += n; return b; }
  skip(n: number) { this.at += n; return this; }
}

function open(name: AccountName, data: Uint8Array): Reader {
  if (data.length < ACCOUNT_SIZES[name]) throw new Error(`${name}: ${data.length} bytes, expected ${ACCOUNT_SIZES[name]}`);
  const d = DISCRIMINATORS[name];
  for (let i = 0; i < 8; i++) if (data[i] !== d[i]) throw new Error(`${name}: discriminator mismatch`);
  return new Reader(data, 8);
}

function done(r: Reader, name: AccountName) {
  if (r.at !== ACCOUNT_SIZES[name]) throw new Error(`${name} decoder read ${r.at} bytes of ${ACCOUNT_SIZES[name]}`);
}

export type MarketStatus = "Active" | "ReduceOnly" | "Paused";
export const MARKET_STATUS: MarketStatus[] = ["Active", "ReduceOnly", "Paused"];
export type AllowedModes = "Any" | "IsolatedOnly" | "StrictIsolatedOnly";
export const ALLOWED_MODES: AllowedModes[] = ["Any", "IsolatedOnly", "StrictIsolatedOnly"];
export type OracleKind = "Push" | "PythPull";
export const ORACLE_KINDS: OracleKind[] = ["Push", "PythPull"];
export type IsolatedMode = "Isolated" | "StrictIsolated";

export interface Exchange {
  version: number;
  bump: number;
  vaultBump: number;
  status: MarketStatus;
  collateralDecimals: number;
  allowPushOracles: boolean;
  marketCount: number;
  admin: PublicKey;
  guardian: PublicKey;
  collateralMint: PublicKey;
  vault: PublicKey;
  accountClaims: bigint;
  poolBalance: bigint;
  insuranceBalance: bigint;
  feeBalance: bigint;
  takerFeePpm: number;
  protocolFeeSharePpm: number;
  liquidationBufferPpm: number;
  marginGuardTip: bigint;
  pendingAdmin: PublicKey;
  pendingGuardian: PublicKey;
  /** What the pool owes beyond its cash (0 whenever `poolBalance` > 0). */
  poolDeficit: bigint;
  /** Moves with every market configuration change; price-book entries written under another value are not used. */
  marketConfigEpoch?: bigint;
}

export function decodeExchange(data: Uint8Array): Exchange {
  const r = open("Exchange", data);
  const e: Exchange = {
    version: r.u8(),
    bump: r.u8(),
    vaultBump: r.u8(),
    status: MARKET_STATUS[r.u8()] ?? "Paused",
    collateralDecimals: r.u8(),
    allowPushOracles: r.u8() !== 0,
    marketCount: r.u16(),
    admin: r.pubkey(),
    guardian: r.pubkey(),
    collateralMint: r.pubkey(),
    vault: r.pubkey(),
    accountClaims: r.i64(),
    poolBalance: r.u64(),
    insuranceBalance: r.u64(),
    feeBalance: r.u64(),
    takerFeePpm: r.u32(),
    protocolFeeSharePpm: r.u32(),
    liquidationBufferPpm: r.u32(),
    marginGuardTip: (r.skip(4), r.u64()),
    pendingAdmin: r.pubkey(),
    pendingGuardian: r.pubkey(),
    poolDeficit: r.u64(),
    marketConfigEpoch: r.u64(),
  };
  r.skip(48);
  done(r, "Exchange");
  return e;
}

export interface Market {
  version: number;
  bump: number;
  status: MarketStatus;
  allowedModes: AllowedModes;
  oracleKind: OracleKind;
  tierCount: number;
  marketIndex: number;
  oracle: PublicKey;
  feedId: Uint8Array;
  maxOracleAgeSecs: number;
  maxOracleConfPpm: number;
  /** The live tiers (`tier_count` of them). */
  tiers: Tier[];
  spreadPpm: number;
  liquidationFeePpm: number;
  insuranceSharePpm: number;
  pnlWeightPpm: number;
  transferFloorPpm: number;
  fundingMaxRatePpm: number;
  fundingKPpm: number;
  maxFillAgeSecs: number;
  lotSize: bigint;
  dustNotional: bigint;
  maxOpenInterest: bigint;
  openInterestLong: bigint;
  openInterestShort: bigint;
  fundingOiFloor: bigint;
  cumulativeFundingLong: bigint;
  cumulativeFundingShort: bigint;
  lastFundingTs: bigint;
  costBasisLong: bigint;
  costBasisShort: bigint;
  lastValidPrice: bigint;
  lastValidTs: bigint;
  invalidPriceHaircutPpm: number;
  settlePeriodSecs: number;
  settleLimit: bigint;
  settlePeriodStart: bigint;
  settledInPeriod: bigint;
  maintenanceRampSecs: number;
  rampFromTierCount: number;
  /** The old table while a maintenance ramp may run (`ramp_from_tier_count` of them). */
  rampFromTiers: Tier[];
  rampStartTs: bigint;
  rampEndTs: bigint;
  /** Σ profit this market's positions gave back in auto-deleveraging. */
  adlHaircutTotal: bigint;
  /** Volatility estimate (ppm² per hour), its last sampled price and time. */
  volVariance: bigint;
  volLastPrice: bigint;
  volLastTs: bigint;
  /** Volatility-scaled leverage: hourly target (0: off), floor of the scale, half-life. */
  volTargetPpm: number;
  volFloorPpm: number;
  volHalfLifeSecs: number;
}

function tierArray(r: Reader): Tier[] {
  const out: Tier[] = [];
  for (let i = 0; i < 4; i++) {
    const notionalThreshold = r.u64();
    const maxLeverage = r.u16();
    r.skip(6);
    out.push({ notionalThreshold, maxLeverage });
  }
  return out;
}

export function decodeMarket(data: Uint8Array): Market {
  const r = open("Market", data);
  const version = r.u8(), bump = r.u8(), status = MARKET_STATUS[r.u8()] ?? "Paused", allowedModes = ALLOWED_MODES[r.u8()] ?? "Any";
  const oracleKind = ORACLE_KINDS[r.u8()] ?? "Push", tierCount = r.u8(), marketIndex = r.u16();
  const oracle = r.pubkey(), feedId = r.bytes(32), maxOracleAgeSecs = r.u32(), maxOracleConfPpm = r.u32();
  const allTiers = tierArray(r);
  const m: Market = {
    version, bump, status, allowedModes, oracleKind, tierCount, marketIndex, oracle, feedId, maxOracleAgeSecs, maxOracleConfPpm,
    tiers: allTiers.slice(0, Math.min(tierCount, 4)),
    spreadPpm: r.u32(),
    liquidationFeePpm: r.u32(),
    insuranceSharePpm: r.u32(),
    pnlWeightPpm: r.u32(),
    transferFloorPpm: r.u32(),
    fundingMaxRatePpm: r.u32(),
    fundingKPpm: r.u32(),
    maxFillAgeSecs: r.u32(),
    lotSize: r.u64(),
    dustNotional: r.u64(),
    maxOpenInterest: r.u64(),
    openInterestLong: r.u64(),
    openInterestShort: r.u64(),
    fundingOiFloor: r.u64(),
    cumulativeFundingLong: r.i128(),
    cumulativeFundingShort: r.i128(),
    lastFundingTs: r.i64(),
    costBasisLong: r.i128(),
    costBasisShort: r.i128(),
    lastValidPrice: r.u64(),
    lastValidTs: r.i64(),
    invalidPriceHaircutPpm: r.u32(),
    settlePeriodSecs: r.u32(),
    settleLimit: r.u64(),
    settlePeriodStart: r.i64(),
    settledInPeriod: r.u64(),
    maintenanceRampSecs: r.u32(),
    rampFromTierCount: r.u8(),
    rampFromTiers: [],
    rampStartTs: 0n,
    rampEndTs: 0n,
    adlHaircutTotal: 0n,
    volVariance: 0n,
    volLastPrice: 0n,
    volLastTs: 0n,
    volTargetPpm: 0,
    volFloorPpm: 0,
    volHalfLifeSecs: 0,
  };
  r.skip(3);
  m.rampFromTiers = tierArray(r).slice(0, Math.min(m.rampFromTierCount, 4));
  m.rampStartTs = r.i64();
  m.rampEndTs = r.i64();
  m.adlHaircutTotal = r.u64();
  m.volVariance = r.u64();
  m.volLastPrice = r.u64();
  m.volLastTs = r.i64();
  m.volTargetPpm = r.u32();
  m.volFloorPpm = r.u32();
  m.volHalfLifeSecs = r.u32();
  r.skip(4 + 16);
  done(r, "Market");
  return m;
}

export interface CrossPosition {
  /** Slot number 0..16. */
  slot: number;
  marketIndex: number;
  leverage: number;
  inUse: boolean;
  /** The account's `positionOpens` when this position opened or flipped (trigger orders record it). */
  openId: number;
  base: bigint;
  costBasis: bigint;
  unsettledPnl: bigint;
  fundingSnapshot: bigint;
}

/** Whether the program values this slot in health (in use, and open or holding unsettled profit). */
export const inHealth = (p: CrossPosition) => p.inUse && (p.base !== 0n || p.unsettledPnl !== 0n);

export interface MarginAccount {
  version: number;
  bump: number;
  beingLiquidated: boolean;
  isolatedCount: number;
  /** Positions opened or flipped in the account (wrapping u16). */
  positionOpens: number;
  subId: number;
  owner: PublicKey;
  delegate: PublicKey;
  crossCollateral: bigint;
  lastActiveSlot: bigint;
  liquidationSlot: bigint;
  /** All 16 slots, in slot order. */
  crossPositions: CrossPosition[];
}

export function decodeMarginAccount(data: Uint8Array): MarginAccount {
  const r = open("MarginAccount", data);
  const a: MarginAccount = {
    version: r.u8(),
    bump: r.u8(),
    beingLiquidated: r.u8() === 1,
    isolatedCount: r.u8(),
    positionOpens: r.u16(),
    subId: r.u16(),
    owner: r.pubkey(),
    delegate: r.pubkey(),
    crossCollateral: r.i64(),
    lastActiveSlot: r.u64(),
    liquidationSlot: r.u64(),
    crossPositions: [],
  };
  for (let slot = 0; slot < 16; slot++) {
    const marketIndex = r.u16(), leverage = r.u16(), inUse = r.u8() !== 0;
    const openId = (r.skip(1), r.u16());
    a.crossPositions.push({ slot, marketIndex, leverage, inUse, openId, base: r.i64(), costBasis: r.i64(), unsettledPnl: r.i64(), fundingSnapshot: r.i128() });
  }
  r.skip(64);
  done(r, "MarginAccount");
  return a;
}

export interface MarginGuard {
  triggerRatioPpm: number;
  enabled: boolean;
  topUpAmount: bigint;
  maxTotal: bigint;
  usedTotal: bigint;
}

export interface IsolatedPosition {
  version: number;
  bump: number;
  mode: IsolatedMode;
  leverage: number;
  marketIndex: number;
  marginAccount: PublicKey;
  base: bigint;
  costBasis: bigint;
  collateral: bigint;
  fundingSnapshot: bigint;
  guard: MarginGuard;
  lastActiveSlot: bigint;
  unsettledPnl: bigint;
  /** The margin account's `positionOpens` when this position opened or flipped. */
  openId: number;
}

export function decodeIsolatedPosition(data: Uint8Array): IsolatedPosition {
  const r = open("IsolatedPosition", data);
  const version = r.u8(), bump = r.u8(), mode: IsolatedMode = r.u8() === 2 ? "StrictIsolated" : "Isolated"; // stored 1 or 2
  r.skip(1);
  const p: IsolatedPosition = {
    version, bump, mode,
    leverage: r.u16(),
    marketIndex: r.u16(),
    marginAccount: r.pubkey(),
    base: r.i64(),
    costBasis: r.i64(),
    collateral: r.i64(),
    fundingSnapshot: r.i128(),
    guard: { triggerRatioPpm: r.u32(), enabled: r.u8() !== 0, topUpAmount: (r.skip(3), r.u64()), maxTotal: r.u64(), usedTotal: r.u64() },
    lastActiveSlot: r.u64(),
    unsettledPnl: r.i64(),
    openId: r.u16(),
  };
  r.skip(54);
  done(r, "IsolatedPosition");
  return p;
}

export interface PushOracle {
  version: number;
  exponent: number;
  authority: PublicKey;
  price: bigint;
  conf: bigint;
  publishTime: bigint;
}

export function decodePushOracle(data: Uint8Array): PushOracle {
  const r = open("PushOracle", data);
  const o: PushOracle = { version: r.u8(), exponent: (r.skip(3), r.i32()), authority: r.pubkey(), price: r.i64(), conf: r.u64(), publishTime: r.i64() };
  r.skip(32);
  done(r, "PushOracle");
  return o;
}

/** The fields of a Pyth receiver `PriceUpdateV2` the program reads (fully verified updates only). */
export interface PriceUpdateV2 {
  writeAuthority: PublicKey;
  verification: "Partial" | "Full";
  feedId: Uint8Array;
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
  prevPublishTime: bigint;
  emaPrice: bigint;
  emaConf: bigint;
  postedSlot: bigint;
}

export function decodePriceUpdateV2(data: Uint8Array): PriceUpdateV2 {
  if (data.length < 133) throw new Error(`PriceUpdateV2: ${data.length} bytes, expected ≥ 133`);
  for (let i = 0; i < 8; i++) if (data[i] !== PRICE_UPDATE_V2_DISCRIMINATOR[i]) throw new Error("PriceUpdateV2: discriminator mismatch");
  const r = new Reader(data, 8);
  const writeAuthority = r.pubkey();
  const level = r.u8();
  if (level > 1) throw new Error("PriceUpdateV2: unknown verification level");
  if (level === 0) r.skip(1); // Partial { num_signatures }
  return {
    writeAuthority,
    verification: level === 1 ? "Full" : "Partial",
    feedId: r.bytes(32),
    price: r.i64(),
    conf: r.u64(),
    exponent: r.i32(),
    publishTime: r.i64(),
    prevPublishTime: r.i64(),
    emaPrice: r.i64(),
    emaConf: r.u64(),
    postedSlot: r.u64(),
  };
}

/** Decodes any Ballast account by its discriminator. */
export function decodeAny(data: Uint8Array):
  | { name: "Exchange"; account: Exchange }
  | { name: "Market"; account: Market }
  | { name: "MarginAccount"; account: MarginAccount }
  | { name: "IsolatedPosition"; account: IsolatedPosition }
  | { name: "PushOracle"; account: PushOracle }
  | { name: "TriggerBook"; account: TriggerBook } {
  const is = (n: AccountName) => DISCRIMINATORS[n].every((b, i) => data[i] === b);
  if (is("Exchange")) return { name: "Exchange", account: decodeExchange(data) };
  if (is("Market")) return { name: "Market", account: decodeMarket(data) };
  if (is("MarginAccount")) return { name: "MarginAccount", account: decodeMarginAccount(data) };
  if (is("IsolatedPosition")) return { name: "IsolatedPosition", account: decodeIsolatedPosition(data) };
  if (is("PushOracle")) return { name: "PushOracle", account: decodePushOracle(data) };
  if (is("TriggerBook")) return { name: "TriggerBook", account: decodeTriggerBook(data) };
  throw new Error("not a Ballast account");
}

export type TriggerCondition = "AtOrAbove" | "AtOrBelow";

/** One stored reduce-only trigger order (`size` in lots, or a fraction in ppm). */
export interface TriggerOrder {
  id: number;
  marketIndex: number;
  condition: TriggerCondition;
  /** The isolated position in the market rather than the cross one. */
  isolated: boolean;
  /** The side of the position it closes. */
  side: "Long" | "Short";
  size: { lots: bigint } | { fractionPpm: number };
  /** The position's `openId` when the order was placed. */
  openId: number;
  triggerPrice: bigint;
  limitPrice: bigint;
  tip: bigint;
}

export interface TriggerBook {
  version: number;
  bump: number;
  nextId: number;
  marginAccount: PublicKey;
  /** The orders in use (free slots left out). */
  orders: TriggerOrder[];
}

export function decodeTriggerBook(data: Uint8Array): TriggerBook {
  const r = open("TriggerBook", data);
  const version = r.u8(), bump = r.u8();
  r.skip(2);
  const b: TriggerBook = { version, bump, nextId: r.u32(), marginAccount: r.pubkey(), orders: [] };
  for (let i = 0; i < 8; i++) {
    const id = r.u32(), marketIndex = r.u16(), condition = r.u8(), domain = r.u8(), side = r.u8(), sizeKind = r.u8(), openId = r.u16();
    r.skip(4);
    const triggerPrice = r.u64(), size = r.u64(), limitPrice = r.u64(), tip = r.u64();
    if (condition === 0) continue;
    b.orders.push({
      id, marketIndex, openId, triggerPrice, limitPrice, tip,
      condition: condition === 1 ? "AtOrAbove" : "AtOrBelow",
      isolated: domain === 2,
      side: side === 1 ? "Long" : "Short",
      size: sizeKind === 1 ? { lots: size } : { fractionPpm: Number(size) },
    });
  }
  r.skip(64);
  done(r, "TriggerBook");
  return b;
}
