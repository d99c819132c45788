// The exchange of migrations/localnet.json on litesvm: USDC-like mint, BTC and ETH push
// oracles and markets, a funded pool; plus traders with deposits.
import { readFileSync } from "node:fs";
import { Keypair, PublicKey } from "@solana/web3.js";
import {
  HealthInputs, InstructionBuilder, MarketContext, MarketParams, decodeExchange, decodeIsolatedPosition, decodeMarginAccount,
  decodeMarket, decodePushOracle, exchangePda, ACCOUNT_SIZES, isolatedPda, marketPda, oraclePrice, rawFromPush, rawFromPyth, decodePriceUpdateV2, IsolatedPosition, MarginAccount,
} from "../src/index.js";
import { SO_PATH, Svm } from "./svm.js";

const localnet = JSON.parse(readFileSync(new URL("../../../migrations/localnet.json", import.meta.url), "utf8"));
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

export function marketParams(j: any): MarketParams {
  return {
    tiers: j.tiers.map((t: any) => ({ notionalThreshold: BigInt(t.notional_threshold), maxLeverage: t.max_leverage })),
    allowedModes: ({ any: "Any", isolated_only: "IsolatedOnly", strict_isolated_only: "StrictIsolatedOnly" } as any)[j.allowed_modes] ?? "Any",
    ...Object.fromEntries(
      ["max_oracle_age_secs", "max_oracle_conf_ppm", "spread_ppm", "liquidation_fee_ppm", "insurance_share_ppm", "pnl_weight_ppm", "transfer_floor_ppm", "funding_max_rate_ppm", "funding_k_ppm", "max_fill_age_secs", "invalid_price_haircut_ppm", "settle_period_secs", "maintenance_ramp_secs"].map((k) => [camel(k), j[k]]),
    ),
    settleLimit: BigInt(j.settle_limit),
    lotSize: BigInt(j.lot_size),
    dustNotional: BigInt(j.dust_notional),
    maxOpenInterest: BigInt(j.max_open_interest),
    fundingOiFloor: BigInt(j.funding_oi_floor),
  } as MarketParams;
}

export interface Trader {
  kp: Keypair;
  token: PublicKey;
  margin: PublicKey;
}

export class World {
  readonly svm = new Svm();
  readonly ix = new InstructionBuilder();
  readonly admin = Keypair.generate();
  readonly oracleAuthority = Keypair.generate();
  readonly mintAuthority = Keypair.generate();
  readonly decimals: number = localnet.collateral_decimals;
  mint!: PublicKey;
  adminToken!: PublicKey;
  readonly oracles: PublicKey[] = [];
  readonly localnet = localnet;

  async init(): Promise<this> {
    const s = this.svm;
    for (const k of [this.admin, this.oracleAuthority, this.mintAuthority]) s.airdrop(k.publicKey, 100_000_000_000n);
    this.mint = s.createMint(this.mintAuthority.publicKey, this.decimals);
    this.adminToken = s.createTokenAccount(this.mint, this.admin.publicKey);
    s.mintTo(this.mint, this.adminToken, this.mintAuthority, BigInt(localnet.pool_funding));
    const e = localnet.exchange;
    s.must([await this.ix.initializeExchange({
      admin: this.admin.publicKey,
      collateralMint: this.mint,
      params: { guardian: this.admin.publicKey, takerFeePpm: e.taker_fee_ppm, protocolFeeSharePpm: e.protocol_fee_share_ppm, liquidationBufferPpm: e.liquidation_buffer_ppm, marginGuardTip: BigInt(e.margin_guard_tip), allowPushOracles: e.allow_push_oracles },
    })], [this.admin]);
    for (const [i, m] of localnet.markets.entries()) {
      const oracle = Keypair.generate();
      s.must([await this.ix.createPushOracle({ payer: this.admin.publicKey, authority: this.oracleAuthority.publicKey, oracle: oracle.publicKey, exponent: m.oracle.exponent, price: BigInt(m.oracle.price), conf: BigInt(m.oracle.conf) })], [this.admin, this.oracleAuthority, oracle]);
      s.must([await this.ix.createMarket({ admin: this.admin.publicKey, marketIndex: i, oracle: oracle.publicKey, oracleKind: "Push", params: marketParams(m) })], [this.admin]);
      this.oracles.push(oracle.publicKey);
    }
    // The bytecode must have the layouts of the sources the SDK decodes.
    const size = s.data(marketPda(0))!.length;
    if (size !== ACCOUNT_SIZES.Market)
      throw new Error(
        `${SO_PATH} is older than programs/ballast/src: its Market account is ${size} bytes, the source's is ${ACCOUNT_SIZES.Market}. ` +
          "Rebuild it (scripts/build-sbf.sh) or point BALLAST_SO at a current build.",
      );
    s.must([await this.ix.fundPool({ admin: this.admin.publicKey, adminToken: this.adminToken, amount: BigInt(localnet.pool_funding) })], [this.admin]);
    return this;
  }

  oracleMap(): Map<number, PublicKey> {
    return new Map(this.oracles.map((o, i) => [i, o]));
  }

  async trader(deposit: bigint): Promise<Trader> {
    const kp = Keypair.generate();
    this.svm.airdrop(kp.publicKey, 10_000_000_000n);
    const token = this.svm.createTokenAccount(this.mint, kp.publicKey);
    this.svm.mintTo(this.mint, token, this.mintAuthority, deposit);
    this.svm.must([await this.ix.createMarginAccount({ owner: kp.publicKey, subId: 0 })], [kp]);
    const margin = this.ix.margin(kp.publicKey, 0);
    this.svm.must([await this.ix.deposit({ authority: kp.publicKey, marginAccount: margin, source: token, amount: deposit })], [kp]);
    return { kp, token, margin };
  }

  async setPrice(index: number, price: bigint, conf: bigint) {
    this.svm.must([await this.ix.updatePushOracle({ authority: this.oracleAuthority.publicKey, oracle: this.oracles[index], price, conf })], [this.oracleAuthority]);
  }

  exchange() { return decodeExchange(this.svm.data(exchangePda())!); }
  market(i: number) { return decodeMarket(this.svm.data(marketPda(i))!); }
  account(t: Trader): MarginAccount { return decodeMarginAccount(this.svm.data(t.margin)!); }
  isolated(t: Trader, i: number): IsolatedPosition | null {
    const d = this.svm.data(isolatedPda(t.margin, i));
    return d ? decodeIsolatedPosition(d) : null;
  }

  /** What previews need, read from the SVM at its current clock. */
  inputs(): HealthInputs {
    const ex = this.exchange();
    const now = this.svm.now;
    const markets = new Map<number, MarketContext>();
    this.oracles.forEach((o, i) => {
      const market = this.market(i);
      const data = this.svm.data(o)!;
      const raw = market.oracleKind === "Push" ? rawFromPush(decodePushOracle(data)) : rawFromPyth(decodePriceUpdateV2(data));
      markets.set(i, { market, oracle: oraclePrice(market, raw, ex.collateralDecimals, now) });
    });
    return { exchange: ex, markets, now };
  }
}
