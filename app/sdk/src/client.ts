/** Fetching, simulation, the `account_health` view, v0 transactions with lookup tables. */
import {
  AddressLookupTableAccount, Connection, PublicKey, TransactionInstruction, TransactionMessage, VersionedTransaction,
} from "@solana/web3.js";
import {
  Exchange, IsolatedPosition, MarginAccount, Market, Reader, decodeExchange, decodeIsolatedPosition, decodeMarginAccount,
  decodeMarket, decodePriceUpdateV2, decodePushOracle, inHealth,
} from "./accounts.js";
import { PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID } from "./constants.js";
import { AccountHealthViewData, DomainViewData, HealthInputs, MarketContext, PositionViewData, oraclePrice, rawFromPush, rawFromPyth } from "./health.js";
import { InstructionBuilder, MarketRef, healthAccounts } from "./instructions.js";
import { exchangePda, isolatedPda, marketPda, vaultPda } from "./pda.js";

// ---- account_health return data (Borsh: AccountHealthView) ------------------------------

function optU64(r: Reader): bigint | null {
  return r.u8() === 1 ? r.u64() : null;
}

function domainView(r: Reader): DomainViewData {
  const d = {
    collateral: r.i64(),
    equity: r.i64(),
    initialMargin: r.u64(),
    maintenanceMargin: r.u64(),
    transferable: r.u64(),
    effectiveLeverage: optU64(r),
    liquidatable: r.u8() === 1,
    positions: [] as PositionViewData[],
  };
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    d.positions.push({
      marketIndex: r.u16(),
      leverage: r.u16(),
      base: r.i64(),
      entryPrice: r.u64(),
      unrealizedPnl: r.i64(),
      pendingFunding: r.i64(),
      unsettledPnl: r.i64(),
      liquidationPrice: optU64(r),
      adlLight: r.u8(),
    });
  }
  return d;
}

/** Decodes `account_health`'s return data (`AccountHealthView`). */
export function decodeAccountHealth(data: Uint8Array): AccountHealthViewData {
  const r = new Reader(data);
  const cross = domainView(r);
  const n = r.u32();
  const isolated: DomainViewData[] = [];
  for (let i = 0; i < n; i++) isolated.push(domainView(r));
  if (r.at !== data.length) throw new Error(`AccountHealthView: ${data.length - r.at} trailing bytes`);
  return { cross, isolated };
}

// ---- transactions ---------------------------------------------------------------------

/** A v0 transaction (unsigned) from instructions, compressed with the given lookup tables. */
export function buildV0Transaction(a: {
  payer: PublicKey;
  instructions: TransactionInstruction[];
  recentBlockhash: string;
  lookupTables?: AddressLookupTableAccount[];
}): VersionedTransaction {
  const message = new TransactionMessage({ payerKey: a.payer, recentBlockhash: a.recentBlockhash, instructions: a.instructions }).compileToV0Message(a.lookupTables ?? []);
  return new VersionedTransaction(message);
}

/**
 * Addresses worth putting in an address lookup table for a trader: the program, the
 * exchange, the vault, the token and system programs, and each market with its oracle.
 */
export function lookupTableAddresses(markets: MarketRef[], programId: PublicKey = PROGRAM_ID): PublicKey[] {
  return [programId, exchangePda(programId), vaultPda(programId), TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, ...markets.flatMap((m) => [marketPda(m.index, programId), m.oracle])];
}

// ---- a client over a Connection -------------------------------------------------------------

/** Reads accounts and the view over RPC; builds instructions with `ix`. */
export class BallastClient {
  readonly ix: InstructionBuilder;
  constructor(
    readonly connection: Connection,
    readonly programId: PublicKey = PROGRAM_ID,
  ) {
    this.ix = new InstructionBuilder(programId);
  }
  private async data(key: PublicKey): Promise<Uint8Array | null> {
    const info = await this.connection.getAccountInfo(key);
    return info ? new Uint8Array(info.data) : null;
  }
  async exchange(): Promise<Exchange> {
    const d = await this.data(exchangePda(this.programId));
    if (!d) throw new Error("exchange not initialised");
    return decodeExchange(d);
  }
  async market(index: number): Promise<Market | null> {
    const d = await this.data(marketPda(index, this.programId));
    return d ? decodeMarket(d) : null;
  }
  async markets(): Promise<Market[]> {
    const ex = await this.exchange();
    const keys = Array.from({ length: ex.marketCount }, (_, i) => marketPda(i, this.programId));
    const infos = await this.connection.getMultipleAccountsInfo(keys);
    return infos.flatMap((i) => (i ? [decodeMarket(new Uint8Array(i.data))] : []));
  }
  async marginAccount(key: PublicKey): Promise<MarginAccount | null> {
    const d = await this.data(key);
    return d ? decodeMarginAccount(d) : null;
  }
  async isolatedPosition(marginAccount: PublicKey, index: number): Promise<IsolatedPosition | null> {
    const d = await this.data(isolatedPda(marginAccount, index, this.programId));
    return d ? decodeIsolatedPosition(d) : null;
  }
  /** Every isolated position of the account among the given markets (existing accounts only). */
  async isolatedPositions(marginAccount: PublicKey, indices: number[]): Promise<IsolatedPosition[]> {
    const infos = await this.connection.getMultipleAccountsInfo(indices.map((i) => isolatedPda(marginAccount, i, this.programId)));
    return infos.flatMap((i) => (i ? [decodeIsolatedPosition(new Uint8Array(i.data))] : []));
  }
  /** Everything previews need: the exchange, each market with its oracle reading, the cluster time. */
  async healthInputs(markets?: Market[]): Promise<HealthInputs> {
    const ex = await this.exchange();
    const ms = markets ?? (await this.markets());
    const infos = await this.connection.getMultipleAccountsInfo(ms.map((m) => m.oracle));
    const slot = await this.connection.getSlot();
    const now = BigInt((await this.connection.getBlockTime(slot)) ?? Math.floor(Date.now() / 1000));
    const map = new Map<number, MarketContext>();
    ms.forEach((m, i) => {
      const info = infos[i];
      if (!info) return;
      const raw = m.oracleKind === "Push" ? rawFromPush(decodePushOracle(new Uint8Array(info.data))) : rawFromPyth(decodePriceUpdateV2(new Uint8Array(info.data)));
      map.set(m.marketIndex, { market: m, oracle: oraclePrice(m, raw, ex.collateralDecimals, now) });
    });
    return { exchange: ex, markets: map, now };
  }
  /**
   * Simulates `account_health` for `marginAccount` (health accounts assembled from the
   * account; isolated positions of `isolatedMarkets` appended) and decodes its return data.
   * `payer`: any funded account (default: the margin account's owner).
   */
  async accountHealth(marginAccount: PublicKey, opts: { isolatedMarkets?: number[]; payer?: PublicKey } = {}): Promise<AccountHealthViewData> {
    const acct = await this.marginAccount(marginAccount);
    if (!acct) throw new Error("no such margin account");
    const need = new Set<number>([...acct.crossPositions.filter(inHealth).map((s) => s.marketIndex), ...(opts.isolatedMarkets ?? [])]);
    const ms = new Map<number, PublicKey>();
    for (const i of need) {
      const m = await this.market(i);
      if (m) ms.set(i, m.oracle);
    }
    const ix = await this.ix.accountHealth({
      marginAccount,
      health: healthAccounts(acct, ms, undefined, this.programId),
      isolated: (opts.isolatedMarkets ?? []).map((index) => ({ index, oracle: ms.get(index)! })),
    });
    const { blockhash } = await this.connection.getLatestBlockhash();
    const tx = buildV0Transaction({ payer: opts.payer ?? acct.owner, instructions: [ix], recentBlockhash: blockhash });
    const sim = await this.connection.simulateTransaction(tx, { sigVerify: false, replaceRecentBlockhash: true });
    if (sim.value.err) throw Object.assign(new Error(`account_health failed: ${JSON.stringify(sim.value.err)}`), { logs: sim.value.logs });
    const rd = sim.value.returnData;
    if (!rd) throw new Error("account_health returned no data");
    return decodeAccountHealth(Uint8Array.from(Buffer.from(rd.data[0], "base64")));
  }
}
