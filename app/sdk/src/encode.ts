/**
 * Encoders, the inverse of the decoders in `accounts.ts` (reserved and padding bytes
 * zero, as the program writes them): for tests, mocks and demo data. A decoded account
 * encodes back to the same bytes (checked against program-written accounts in the tests).
 */
import { PublicKey } from "@solana/web3.js";
import {
  ACCOUNT_SIZES, ALLOWED_MODES, AccountName, DISCRIMINATORS, Exchange, IsolatedPosition, MARKET_STATUS, MarginAccount, Market,
  ORACLE_KINDS, PRICE_UPDATE_V2_DISCRIMINATOR, PriceUpdateV2, PushOracle,
} from "./accounts.js";
import type { Tier } from "./math/tiers.js";

class Writer {
  readonly data: Uint8Array;
  private readonly v: DataView;
  at = 0;
  constructor(size: number) {
    this.data = new Uint8Array(size);
    this.v = new DataView(this.data.buffer);
  }
  u8(x: number) { this.v.setUint8(this.at++, x); return this; }
  u16(x: number) { this.v.setUint16(this.at, x, true); this.at += 2; return this; }
  u32(x: number) { this.v.setUint32(this.at, x, true); this.at += 4; return this; }
  i32(x: number) { this.v.setInt32(this.at, x, true); this.at += 4; return this; }
  u64(x: bigint) { this.v.setBigUint64(this.at, x, true); this.at += 8; return this; }
  i64(x: bigint) { this.v.setBigInt64(this.at, x, true); this.at += 8; return this; }
  i128(x: bigint) { this.v.setBigUint64(this.at, BigInt.asUintN(64, x), true); this.v.setBigInt64(this.at + 8, BigInt.asIntN(64, x >> 64n), true); this.at += 16; return this; }
  key(k: PublicKey) { this.data.set(k.toBytes(), this.at); this.at += 32; return this; }
  bytes(b: Uint8Array) { this.data.set(b, this.at); this.at += b.length; return this; }
  skip(n: number) { this.at += n; return this; }
}

function start(name: AccountName): Writer {
  const w = new Writer(ACCOUNT_SIZES[name]);
  w.bytes(DISCRIMINATORS[name]);
  return w;
}

function finish(w: Writer, name: AccountName): Uint8Array {
  if (w.at !== ACCOUNT_SIZES[name]) throw new Error(`${name} encoder wrote ${w.at} bytes of ${ACCOUNT_SIZES[name]}`);
  return w.data;
}

const status = (s: string) => Math.max(0, MARKET_STATUS.indexOf(s as any));

export function encodeExchange(e: Exchange): Uint8Array {
  const w = start("Exchange");
  w.u8(e.version).u8(e.bump).u8(e.vaultBump).u8(status(e.status)).u8(e.collateralDecimals).u8(e.allowPushOracles ? 1 : 0).u16(e.marketCount);
  w.key(e.admin).key(e.guardian).key(e.collateralMint).key(e.vault);
  w.i64(e.accountClaims).u64(e.poolBalance).u64(e.insuranceBalance).u64(e.feeBalance);
  w.u32(e.takerFeePpm).u32(e.protocolFeeSharePpm).u32(e.liquidationBufferPpm).skip(4).u64(e.marginGuardTip);
  w.key(e.pendingAdmin).key(e.pendingGuardian).u64(e.poolDeficit).u64(e.marketConfigEpoch ?? 0n).skip(48);
  return finish(w, "Exchange");
}

function tiers(w: Writer, t: Tier[]) {
  for (let i = 0; i < 4; i++) {
    const x = t[i];
    w.u64(x?.notionalThreshold ?? 0n).u16(x?.maxLeverage ?? 0).skip(6);
  }
}

export function encodeMarket(m: Market): Uint8Array {
  const w = start("Market");
  w.u8(m.version).u8(m.bump).u8(status(m.status)).u8(ALLOWED_MODES.indexOf(m.allowedModes)).u8(ORACLE_KINDS.indexOf(m.oracleKind)).u8(m.tierCount).u16(m.marketIndex);
  w.key(m.oracle).bytes(m.feedId).u32(m.maxOracleAgeSecs).u32(m.maxOracleConfPpm);
  tiers(w, m.tiers);
  w.u32(m.spreadPpm).u32(m.liquidationFeePpm).u32(m.insuranceSharePpm).u32(m.pnlWeightPpm).u32(m.transferFloorPpm).u32(m.fundingMaxRatePpm).u32(m.fundingKPpm).u32(m.maxFillAgeSecs);
  w.u64(m.lotSize).u64(m.dustNotional).u64(m.maxOpenInterest).u64(m.openInterestLong).u64(m.openInterestShort).u64(m.fundingOiFloor);
  w.i128(m.cumulativeFundingLong).i128(m.cumulativeFundingShort).i64(m.lastFundingTs).i128(m.costBasisLong).i128(m.costBasisShort);
  w.u64(m.lastValidPrice).i64(m.lastValidTs).u32(m.invalidPriceHaircutPpm).u32(m.settlePeriodSecs).u64(m.settleLimit).i64(m.settlePeriodStart).u64(m.settledInPeriod);
  w.u32(m.maintenanceRampSecs).u8(m.rampFromTierCount).skip(3);
  tiers(w, m.rampFromTiers);
  w.i64(m.rampStartTs).i64(m.rampEndTs).u64(m.adlHaircutTotal);
  w.u64(m.volVariance).u64(m.volLastPrice).i64(m.volLastTs).u32(m.volTargetPpm).u32(m.volFloorPpm).u32(m.volHalfLifeSecs).skip(4 + 16);
  return finish(w, "Market");
}

export function encodeMarginAccount(a: MarginAccount): Uint8Array {
  const w = start("MarginAccount");
  w.u8(a.version).u8(a.bump).u8(a.beingLiquidated ? 1 : 0).u8(a.isolatedCount).u16(a.positionOpens).u16(a.subId);
  w.key(a.owner).key(a.delegate).i64(a.crossCollateral).u64(a.lastActiveSlot).u64(a.liquidationSlot);
  for (let i = 0; i < 16; i++) {
    const s = a.crossPositions[i];
    if (!s) { w.skip(48); continue; }
    w.u16(s.marketIndex).u16(s.leverage).u8(s.inUse ? 1 : 0).skip(1).u16(s.openId).i64(s.base).i64(s.costBasis).i64(s.unsettledPnl).i128(s.fundingSnapshot);
  }
  w.skip(64);
  return finish(w, "MarginAccount");
}

export function encodeIsolatedPosition(p: IsolatedPosition): Uint8Array {
  const w = start("IsolatedPosition");
  w.u8(p.version).u8(p.bump).u8(p.mode === "StrictIsolated" ? 2 : 1).skip(1).u16(p.leverage).u16(p.marketIndex).key(p.marginAccount);
  w.i64(p.base).i64(p.costBasis).i64(p.collateral).i128(p.fundingSnapshot);
  w.u32(p.guard.triggerRatioPpm).u8(p.guard.enabled ? 1 : 0).skip(3).u64(p.guard.topUpAmount).u64(p.guard.maxTotal).u64(p.guard.usedTotal);
  w.u64(p.lastActiveSlot).i64(p.unsettledPnl).u16(p.openId).skip(54);
  return finish(w, "IsolatedPosition");
}

export function encodePushOracle(o: PushOracle): Uint8Array {
  const w = start("PushOracle");
  w.u8(o.version).skip(3).i32(o.exponent).key(o.authority).i64(o.price).u64(o.conf).i64(o.publishTime).skip(32);
  return finish(w, "PushOracle");
}

/** A fully verified Pyth receiver `PriceUpdateV2` (134 bytes). */
export function encodePriceUpdateV2(u: Omit<PriceUpdateV2, "verification"> & { verification?: "Full" }): Uint8Array {
  const w = new Writer(134);
  w.bytes(PRICE_UPDATE_V2_DISCRIMINATOR).key(u.writeAuthority).u8(1);
  w.bytes(u.feedId).i64(u.price).u64(u.conf).i32(u.exponent).i64(u.publishTime).i64(u.prevPublishTime).i64(u.emaPrice).u64(u.emaConf).u64(u.postedSlot);
  return w.data;
}
