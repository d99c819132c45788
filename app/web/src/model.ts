// The page's view of the chain: plain values the components render. chain.ts fills them in
// from the SDK's decoders and margin math, so the components never touch raw layouts.
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";

export type Mode = "cross" | "isolated" | "strict";

export interface Tier {
  threshold: bigint;
  maxLeverage: number;
}

export interface MarketView {
  index: number;
  symbol: string;
  address: PublicKey;
  oracle: PublicKey;
  /** Oracle price (quote native per unit × 1e3), null before the first read. */
  price: bigint | null;
  conf: bigint | null;
  validity: string;
  ageSecs: number | null;
  tiers: Tier[];
  allowedModes: Mode[];
  transferFloorPpm: number;
  fundingRatePpm: bigint | null;
  longOi: bigint;
  shortOi: bigint;
}

export interface DomainView {
  collateral: bigint;
  /** Maintenance equity (oracle price, unweighted PnL, funding to now). */
  equity: bigint;
  initialEquity: bigint;
  im: bigint;
  mm: bigint;
  transferable: bigint;
  /** × 1e6; null when equity ≤ 0 or flat. */
  effectiveLeverage: bigint | null;
  /** maintenance equity / MM in ppm; null when flat. */
  ratioPpm: bigint | null;
  notional: bigint;
  liquidatable: boolean;
}

export interface GuardView {
  triggerRatioPpm: number;
  topUp: bigint;
  maxTotal: bigint;
  used: bigint;
}

export interface PositionView {
  /** Stable key: `cross-<market>` or the isolated position's address. */
  id: string;
  market: MarketView;
  mode: Mode;
  base: bigint;
  /** Average entry price (cost basis / size). */
  entry: bigint;
  notional: bigint;
  upnl: bigint;
  /** Funding owed to now (positive = the position pays). */
  funding: bigint;
  leverage: number;
  effectiveLeverage: bigint | null;
  liqPrice: bigint | null;
  /** Auto-deleveraging light, 0 (not in the queue) to 5 (first), as `account_health` shows it. */
  adlLight: number;
  /** The isolated position's own domain (isolated / strict only). */
  domain: DomainView | null;
  isolatedAddress: PublicKey | null;
  guard: GuardView | null;
  im: bigint;
  mm: bigint;
}

/** A resting trigger order (reduce-only stop-loss or take-profit), as the trigger book holds it. */
export interface TriggerView {
  id: number;
  market: MarketView;
  /** The position it closes: the market's cross position, or its isolated one. */
  domain: "cross" | "isolated";
  /** Stop-loss: fires when the price moves against the position; take-profit: in its favour. */
  kind: "stop-loss" | "take-profit";
  condition: "AtOrAbove" | "AtOrBelow";
  triggerPrice: bigint;
  /** Worst fill accepted (a sell: at least this; a buy: at most this). */
  limitPrice: bigint;
  /** `{ lots }` or `{ fractionPpm }` of the position when it fires. */
  size: { lots: bigint } | { fractionPpm: number };
  /** Paid to the keeper that executes it. */
  tip: bigint;
  /** The position it was placed on is still open. Otherwise it never trades: it rests until
   * cancelled, or until a keeper removes it (without trading) once its price is reached. */
  active: boolean;
}

export interface AccountView {
  address: PublicKey;
  exists: boolean;
  cross: DomainView;
  positions: PositionView[];
  triggers: TriggerView[];
  beingLiquidated: boolean;
}

/** The exchange's counterparty pool and insurance fund. */
export interface PoolView {
  /** Cash the pool holds to pay traders' profit. */
  cash: bigint;
  /** What the pool owes beyond its cash (0 whenever it holds cash). */
  deficit: bigint;
  insurance: bigint;
}

export interface Snapshot {
  at: number;
  markets: MarketView[];
  pool: PoolView;
  account: AccountView | null;
  walletUsdc: bigint | null;
  walletSol: number | null;
}

export interface OpenPreview {
  fillPrice: bigint;
  notional: bigint;
  fee: bigint;
  /** Initial margin the position needs at the chosen leverage. */
  im: bigint;
  /** Collateral moved from cross into the isolated position (isolated / strict). */
  marginMoved: bigint;
  liqPrice: bigint | null;
  effectiveLeverage: bigint | null;
  maxLeverage: number;
  error: string | null;
}

export interface LeveragePreview {
  /** Positive: pulled from cross into the position; negative: released to cross. */
  marginMoved: bigint;
  newCollateral: bigint;
  liqPrice: bigint | null;
  effectiveLeverage: bigint | null;
  im: bigint;
  error: string | null;
}

export interface MarginPreview {
  newCollateral: bigint;
  liqPrice: bigint | null;
  effectiveLeverage: bigint | null;
  maxRemovable: bigint;
  error: string | null;
}

export interface StressPoint {
  /** Price shock in ppm (−300_000 = −30%). */
  shockPpm: number;
  equity: bigint;
  mm: bigint;
}

export interface StressResult {
  points: StressPoint[];
  /** The first shock (closest to 0) at which the domain becomes liquidatable, if any. */
  liquidationShockPpm: number | null;
}

export interface FeedEvent {
  signature: string;
  slot: number;
  time: number | null;
  name: string;
  summary: string;
  kind: "trade" | "leverage" | "transfer" | "liquidation" | "other";
}

export type Built = { instructions: TransactionInstruction[]; label: string };
