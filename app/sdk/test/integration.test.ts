// The SDK against the program's bytecode on litesvm: previews equal what the program does.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  accountHealthOffChain, decodeAccountHealth, decodeError, errorCode, healthAccounts, parseEvents, previewMarginChange,
  previewOpen, previewSetLeverage, stressTest, decodeMarginAccount, decodeMarket, decodePushOracle, decodeExchange,
  ACCOUNT_SIZES, marketPda, math, exchangePda, encodeExchange, encodeMarket, encodeMarginAccount, encodeIsolatedPosition,
  encodePushOracle, encodePriceUpdateV2, decodeIsolatedPosition, isolatedPda, decodeTriggerBook, triggerBookPda, priceBookPda, MAX_PRICE_BOOK_AGE_SLOTS, PYTH_RECEIVER_ID, decodePriceUpdateV2, BallastClient, PROGRAM_ID, previewLiquidationIsolated, buildV0Transaction, lookupTableAddresses,
} from "../src/index.js";
import { AddressLookupTableAccount, Keypair, PublicKey } from "@solana/web3.js";
import { World, Trader, marketParams } from "./bootstrap.js";

const USD = 1_000_000n;
const UNIT = 1_000_000_000n;
const BTC = 0, ETH = 1;

let w: World;
let alice: Trader; // cross BTC + isolated ETH
let bob: Trader; // strict-isolated ETH

function viewOnChain(t: Trader, isolatedMarkets: number[] = []) {
  const acct = w.account(t);
  const ix = w.ix.accountHealth({
    marginAccount: t.margin,
    health: healthAccounts(acct, w.oracleMap()),
    isolated: isolatedMarkets.map((index) => ({ index, oracle: w.oracles[index] })),
  });
  return ix.then((i) => {
    const r = w.svm.simulate([i]);
    assert.ok(r.ok, r.logs.join("\n"));
    return decodeAccountHealth(r.returnData);
  });
}

function viewOffChain(t: Trader, isolatedMarkets: number[] = []) {
  const iso = isolatedMarkets.map((i) => w.isolated(t, i)!);
  return accountHealthOffChain(w.account(t), iso, w.inputs());
}

async function trade(t: Trader, marketIndex: number, baseDelta: bigint, mode: "Cross" | "Isolated" | "StrictIsolated", leverage: number) {
  const acct = w.account(t);
  return w.svm.send(
    [await w.ix.trade({
      authority: t.kp.publicKey, marginAccount: t.margin, marketIndex, oracle: w.oracles[marketIndex], baseDelta,
      limitPrice: baseDelta > 0n ? (1n << 63n) : 0n, mode, leverage, health: healthAccounts(acct, w.oracleMap(), marketIndex),
    })],
    [t.kp],
  );
}

async function setLeverage(t: Trader, marketIndex: number, leverage: number) {
  return w.svm.send(
    [await w.ix.setLeverage({ authority: t.kp.publicKey, marginAccount: t.margin, marketIndex, oracle: w.oracles[marketIndex], leverage, health: healthAccounts(w.account(t), w.oracleMap(), marketIndex) })],
    [t.kp],
  );
}

const event = (logs: string[], name: string) => {
  const e = parseEvents(logs).find((x) => x.name === name);
  assert.ok(e, `no ${name} event in ${parseEvents(logs).map((x) => x.name)}`);
  return e!.data;
};

before(async () => {
  w = await new World().init();
  alice = await w.trader(20_000n * USD);
  bob = await w.trader(5_000n * USD);
});

describe("decoders on program-written accounts", () => {
  test("exchange, markets, oracles and margin account decode to what was created", () => {
    const ex = decodeExchange(w.svm.data(exchangePda())!);
    assert.equal(ex.collateralMint.toBase58(), w.mint.toBase58());
    assert.equal(ex.takerFeePpm, w.localnet.exchange.taker_fee_ppm);
    assert.equal(ex.liquidationBufferPpm, w.localnet.exchange.liquidation_buffer_ppm);
    assert.equal(ex.marketCount, w.localnet.markets.length);
    assert.equal(ex.poolBalance, BigInt(w.localnet.pool_funding));
    for (const [i, m] of w.localnet.markets.entries()) {
      const data = w.svm.data(marketPda(i))!;
      assert.equal(data.length, ACCOUNT_SIZES.Market);
      const market = decodeMarket(data);
      const p = marketParams(m);
      assert.equal(market.marketIndex, i);
      assert.deepEqual(market.tiers, p.tiers);
      for (const k of ["spreadPpm", "liquidationFeePpm", "pnlWeightPpm", "transferFloorPpm", "maxFillAgeSecs", "invalidPriceHaircutPpm", "maintenanceRampSecs"] as const)
        assert.equal(market[k], p[k], k);
      assert.equal(market.lotSize, p.lotSize);
      assert.equal(market.oracle.toBase58(), w.oracles[i].toBase58());
      const o = decodePushOracle(w.svm.data(w.oracles[i])!);
      assert.equal(o.price, BigInt(m.oracle.price));
      assert.equal(o.exponent, m.oracle.exponent);
      assert.equal(o.authority.toBase58(), w.oracleAuthority.publicKey.toBase58());
      assert.equal(o.publishTime, w.svm.now);
    }
    const a = decodeMarginAccount(w.svm.data(alice.margin)!);
    assert.equal(a.owner.toBase58(), alice.kp.publicKey.toBase58());
    assert.equal(a.crossCollateral, 20_000n * USD);
    assert.equal(a.crossPositions.length, 16);
    assert.throws(() => decodeMarket(w.svm.data(alice.margin)!), /discriminator|bytes/);
  });
});

describe("trades: previews equal the program", () => {
  test("cross open: fill price, fee, collateral and liquidation price", async () => {
    const size = UNIT / 2n; // 0.5 BTC
    const p = previewOpen({ account: w.account(alice), marketIndex: BTC, size, leverage: 10, mode: "Cross", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    const r = await trade(alice, BTC, size, "Cross", 10);
    assert.ok(r.ok, r.logs.join("\n"));
    const e = event(r.logs, "TradeExecuted");
    assert.equal(e.fillPrice, p.fillPrice);
    assert.equal(e.fee, p.fee);
    assert.equal(e.oraclePrice, p.oraclePrice);
    assert.equal(e.baseAfter, p.baseAfter);
    const acct = w.account(alice);
    assert.equal(acct.crossCollateral, p.after.collateral);
    const v = await viewOnChain(alice);
    assert.equal(v.cross.positions[0].liquidationPrice, p.liquidationPrice);
    assert.equal(v.cross.equity, p.after.equity);
    assert.equal(v.cross.initialMargin, p.after.initialMargin);
    assert.equal(v.cross.transferable, p.after.transferable);
  });

  test("isolated open: margin moved (IM + opening shortfall) and liquidation price", async () => {
    const size = 4n * UNIT; // 4 ETH at 5x
    const p = previewOpen({ account: w.account(alice), isolated: w.isolated(alice, ETH), marketIndex: ETH, size, leverage: 5, mode: "Isolated", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    const crossBefore = w.account(alice).crossCollateral;
    const r = await trade(alice, ETH, size, "Isolated", 5);
    assert.ok(r.ok, r.logs.join("\n"));
    const e = event(r.logs, "TradeExecuted");
    assert.equal(e.fillPrice, p.fillPrice);
    assert.equal(e.fee, p.fee);
    assert.equal(e.marginMoved, p.marginMoved);
    assert.ok(p.marginMoved > p.initialMargin, "the opening shortfall is moved too");
    assert.equal(w.isolated(alice, ETH)!.collateral, p.after.collateral);
    assert.equal(w.account(alice).crossCollateral, crossBefore - p.marginMoved - p.fee);
    const v = await viewOnChain(alice, [ETH]);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.liquidationPrice);
    assert.equal(v.isolated[0].equity, p.after.equity);
  });

  test("account_health view equals the off-chain computation (funding accrued to now)", async () => {
    w.svm.advance(20n);
    const on = await viewOnChain(alice, [ETH]);
    const off = viewOffChain(alice, [ETH]);
    assert.deepEqual(off, on);
    assert.ok(on.cross.positions[0].pendingFunding !== 0n || on.isolated[0].positions[0].pendingFunding !== 0n, "funding accrued");
  });

  test("a price move: the view and the off-chain computation still agree", async () => {
    await w.setPrice(ETH, 280_000_000_000n, 30_000_000n); // $2,800
    await w.setPrice(BTC, 5_100_000_000_000n, 500_000_000n); // $51,000
    assert.deepEqual(viewOffChain(alice, [ETH]), await viewOnChain(alice, [ETH]));
  });
});

describe("set_leverage: previews equal the program", () => {
  test("isolated raise releases margin; the new liquidation price matches the view", async () => {
    const p = previewSetLeverage({ account: w.account(alice), isolated: w.isolated(alice, ETH), marketIndex: ETH, leverage: 10, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    assert.ok(p.marginMoved < 0n);
    const r = await setLeverage(alice, ETH, 10);
    assert.ok(r.ok, r.logs.join("\n"));
    const e = event(r.logs, "LeverageUpdated");
    assert.equal(e.marginMoved, p.marginMoved);
    assert.equal(e.leverageAfter, 10);
    const v = await viewOnChain(alice, [ETH]);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.after!.liquidationPrice);
    assert.equal(v.isolated[0].effectiveLeverage, p.after!.effectiveLeverage);
    assert.equal(v.isolated[0].collateral, p.after!.collateral);
  });

  test("isolated lowering moves the shortfall in from cross", async () => {
    const p = previewSetLeverage({ account: w.account(alice), isolated: w.isolated(alice, ETH), marketIndex: ETH, leverage: 3, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    assert.ok(p.marginMoved > 0n);
    const r = await setLeverage(alice, ETH, 3);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "LeverageUpdated").marginMoved, p.marginMoved);
    const v = await viewOnChain(alice, [ETH]);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.after!.liquidationPrice);
    assert.equal(v.isolated[0].initialMargin, p.after!.initialMargin);
  });

  test("cross: nothing moves, initial margin and transferable follow the setting", async () => {
    const p = previewSetLeverage({ account: w.account(alice), marketIndex: BTC, leverage: 20, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    assert.equal(p.marginMoved, 0n);
    assert.ok(await setLeverage(alice, BTC, 20).then((r) => r.ok));
    const v = await viewOnChain(alice);
    assert.equal(v.cross.initialMargin, p.after!.initialMargin);
    assert.equal(v.cross.transferable, p.after!.transferable);
    assert.equal(v.cross.positions[0].liquidationPrice, p.after!.liquidationPrice);
    assert.equal(p.after!.liquidationPrice, p.before!.liquidationPrice, "maintenance ignores the setting");
  });

  test("strict-isolated raise: the preview refuses it, the program too, and the error decodes", async () => {
    const open = await trade(bob, ETH, 2n * UNIT, "StrictIsolated", 5);
    assert.ok(open.ok, open.logs.join("\n"));
    const p = previewSetLeverage({ account: w.account(bob), isolated: w.isolated(bob, ETH), marketIndex: ETH, leverage: 10, inputs: w.inputs() });
    assert.equal(p.ok, false);
    assert.equal(p.refusal, "StrictIsolatedLocked");
    const r = await setLeverage(bob, ETH, 10);
    assert.equal(r.ok, false);
    const d = decodeError(r.logs);
    assert.equal(d?.name, "StrictIsolatedLocked");
    assert.equal(d?.code, errorCode("StrictIsolatedLocked"));
    assert.equal(decodeError({ InstructionError: [1, { Custom: d!.code }] })?.name, "StrictIsolatedLocked");
    // Lowering is allowed and matches.
    const low = previewSetLeverage({ account: w.account(bob), isolated: w.isolated(bob, ETH), marketIndex: ETH, leverage: 2, inputs: w.inputs() });
    assert.ok(low.ok, low.reason);
    const r2 = await setLeverage(bob, ETH, 2);
    assert.ok(r2.ok, r2.logs.join("\n"));
    assert.equal(event(r2.logs, "LeverageUpdated").marginMoved, low.marginMoved);
  });

  test("strict-isolated reduction: the margin the preview releases is what the program releases", async () => {
    const size = -(3n * UNIT) / 5n; // 30% of Bob's 2 ETH
    const p = previewOpen({ account: w.account(bob), isolated: w.isolated(bob, ETH), marketIndex: ETH, size, leverage: 0, mode: "StrictIsolated", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    assert.ok(p.marginMoved < 0n, "a reduction releases margin to cross");
    const crossBefore = w.account(bob).crossCollateral;
    const r = await trade(bob, ETH, size, "StrictIsolated", 0);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "TradeExecuted").marginMoved, p.marginMoved);
    assert.equal(w.isolated(bob, ETH)!.collateral, p.after.collateral);
    assert.equal(w.account(bob).crossCollateral, crossBefore - p.marginMoved);
    const v = await viewOnChain(bob, [ETH]);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.liquidationPrice);
    assert.equal(v.isolated[0].transferable, 0n, "what the rest does not need has left");
  });

  test("isolated full close: the preview returns what the position holds to cross, as the program does", async () => {
    const rest = w.isolated(bob, ETH)!.base;
    const p = previewOpen({ account: w.account(bob), isolated: w.isolated(bob, ETH), marketIndex: ETH, size: -rest, leverage: 0, mode: "StrictIsolated", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    assert.equal(p.baseAfter, 0n);
    assert.equal(p.after.collateral, 0n);
    const crossBefore = w.account(bob).crossCollateral;
    const r = await trade(bob, ETH, -rest, "StrictIsolated", 0);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "TradeExecuted").marginMoved, p.marginMoved);
    assert.equal(w.isolated(bob, ETH)!.collateral, 0n);
    assert.equal(w.account(bob).crossCollateral, crossBefore - p.marginMoved);
  });
});

describe("margin moves: previews equal the program", () => {
  test("add isolated margin: new effective leverage and liquidation price", async () => {
    const amount = 500n * USD;
    const p = previewMarginChange({ account: w.account(alice), isolated: w.isolated(alice, ETH), amount, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    const r = w.svm.send([await w.ix.addIsolatedMargin({ authority: alice.kp.publicKey, marginAccount: alice.margin, marketIndex: ETH, oracle: w.oracles[ETH], amount, health: healthAccounts(w.account(alice), w.oracleMap(), ETH) })], [alice.kp]);
    assert.ok(r.ok, r.logs.join("\n"));
    const v = await viewOnChain(alice, [ETH]);
    assert.equal(v.isolated[0].effectiveLeverage, p.after.effectiveLeverage);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.after.liquidationPrice);
    assert.equal(v.cross.transferable, p.crossAfter!.transferable);
  });

  test("remove isolated margin: new effective leverage and liquidation price", async () => {
    const free = previewMarginChange({ account: w.account(alice), isolated: w.isolated(alice, ETH), amount: 0n, inputs: w.inputs() }).before.transferable;
    assert.ok(free > 0n, "the margin added above is transferable");
    const amount = -(free / 2n);
    const p = previewMarginChange({ account: w.account(alice), isolated: w.isolated(alice, ETH), amount, inputs: w.inputs() });
    assert.ok(p.ok, p.reason);
    const r = w.svm.send([await w.ix.removeIsolatedMargin({ authority: alice.kp.publicKey, marginAccount: alice.margin, marketIndex: ETH, oracle: w.oracles[ETH], amount: -amount })], [alice.kp]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "MarginTransferred").pnlRealised, p.pnlRealised);
    const v = await viewOnChain(alice, [ETH]);
    assert.equal(v.isolated[0].effectiveLeverage, p.after.effectiveLeverage);
    assert.equal(v.isolated[0].positions[0].liquidationPrice, p.after.liquidationPrice);
    assert.equal(v.isolated[0].transferable, p.after.transferable);
  });

  test("removing more than transferable: refused by both, error decoded", async () => {
    const iso = w.isolated(alice, ETH)!;
    const p0 = previewMarginChange({ account: w.account(alice), isolated: iso, amount: 0n, inputs: w.inputs() });
    const tooMuch = p0.before.transferable + 1n;
    const p = previewMarginChange({ account: w.account(alice), isolated: iso, amount: -tooMuch, inputs: w.inputs() });
    assert.equal(p.refusal, "InsufficientTransferable");
    const r = w.svm.send([await w.ix.removeIsolatedMargin({ authority: alice.kp.publicKey, marginAccount: alice.margin, marketIndex: ETH, oracle: w.oracles[ETH], amount: tooMuch })], [alice.kp]);
    assert.equal(r.ok, false);
    assert.equal(decodeError(r.logs)?.name, "InsufficientTransferable");
  });
});

describe("stress test", () => {
  test("the isolated domain's liquidation shock matches its liquidation price", async () => {
    const v = await viewOnChain(alice, [ETH]);
    const liq = v.isolated[0].positions[0].liquidationPrice!;
    const price = w.inputs().markets.get(ETH)!.oracle.price;
    const s = stressTest({ account: w.account(alice), isolated: [w.isolated(alice, ETH)!], inputs: w.inputs() });
    const iso = s.find((d) => typeof d.domain === "object")!;
    const down = iso.series[0].liquidatedAtDownPpm!;
    assert.ok(down < 0);
    // The shocked price (floored) at the threshold is at or below the liquidation price, one ppm less is above it.
    const at = (ppm: number) => (price * BigInt(1_000_000 + ppm)) / 1_000_000n;
    assert.ok(at(down) <= liq, `${at(down)} <= ${liq}`);
    assert.ok(at(down + 1) >= liq - price / 1_000_000n - 1n);
    assert.equal(iso.series[0].points.length, 21);
    assert.equal(iso.series[0].points[10].equity, v.isolated[0].equity);
    const cross = s.find((d) => d.domain === "cross")!;
    assert.ok(cross.series.length >= 1);
  });
});

describe("events and errors", () => {
  test("parseEvents decodes every event of a trade with bigint fields", async () => {
    const r = await trade(alice, BTC, -UNIT / 10n, "Cross", 0);
    assert.ok(r.ok, r.logs.join("\n"));
    const names = parseEvents(r.logs).map((e) => e.name);
    assert.ok(names.includes("TradeExecuted"));
    const e = event(r.logs, "TradeExecuted");
    assert.equal(typeof e.baseDelta, "bigint");
    assert.equal(e.baseDelta, -UNIT / 10n);
    assert.equal(e.marginAccount.toBase58(), alice.margin.toBase58());
  });

  test("a refused trade decodes to the program's error name", async () => {
    const r = await trade(alice, BTC, 1n, "Cross", 0); // not a lot multiple
    assert.equal(r.ok, false);
    assert.equal(decodeError(r.logs)?.name, "SizeNotLotMultiple");
  });

  test("a cross order in a market held isolated: ModeMismatch from both", async () => {
    const p = previewOpen({ account: w.account(alice), isolated: w.isolated(alice, ETH), marketIndex: ETH, size: UNIT, leverage: 0, mode: "Cross", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    assert.equal(p.refusal, "ModeMismatch");
    const r = await trade(alice, ETH, UNIT, "Cross", 0);
    assert.equal(decodeError(r.logs)?.name, "ModeMismatch");
  });

  test("math errors keep the operation", () => {
    const d = decodeError(["Program log: math: overflow in notional", "Program log: AnchorError occurred. Error Code: MathOverflow. Error Number: 6000. Error Message: Arithmetic overflow."]);
    assert.deepEqual([d?.name, d?.mathDetail], ["MathOverflow", "math: overflow in notional"]);
    assert.equal(decodeError(3012)?.name, "AccountNotInitialized");
    assert.throws(() => math.notional(1n << 62n, (1n << 64n) - 1n, "ceil"), (e: any) => e instanceof math.MathError && e.kind === "Overflow");
  });
});

describe("decoder round trip", () => {
  test("every program-written account encodes back to its bytes", () => {
    const keys = [exchangePda(), marketPda(BTC), marketPda(ETH), alice.margin, bob.margin, isolatedPda(alice.margin, ETH), isolatedPda(bob.margin, ETH), ...w.oracles.slice(0, 2)];
    const codecs: [(d: Uint8Array) => any, (x: any) => Uint8Array][] = [
      [decodeExchange, encodeExchange], [decodeMarket, encodeMarket], [decodeMarket, encodeMarket], [decodeMarginAccount, encodeMarginAccount],
      [decodeMarginAccount, encodeMarginAccount], [decodeIsolatedPosition, encodeIsolatedPosition], [decodeIsolatedPosition, encodeIsolatedPosition],
      [decodePushOracle, encodePushOracle], [decodePushOracle, encodePushOracle],
    ];
    keys.forEach((k, i) => {
      const data = w.svm.data(k)!;
      const [dec, enc] = codecs[i];
      assert.deepEqual(Buffer.from(enc(dec(data))), Buffer.from(data), k.toBase58());
    });
  });
});

describe("a Pyth market", () => {
  test("PriceUpdateV2 is read the same way by the program and the SDK", async () => {
    const feedId = new Uint8Array(32).fill(7);
    const oracle = Keypair.generate().publicKey;
    const update = (price: bigint, conf: bigint) =>
      encodePriceUpdateV2({ writeAuthority: Keypair.generate().publicKey, feedId, price, conf, exponent: -8, publishTime: w.svm.now, prevPublishTime: w.svm.now - 1n, emaPrice: price, emaConf: conf, postedSlot: 1n });
    w.svm.setAccount(oracle, PYTH_RECEIVER_ID, update(15_000_000_000n, 1_500_000n)); // $150.00 ± 0.015
    const index = w.oracles.length;
    const params = marketParams(w.localnet.markets[0]);
    const r = w.svm.send([await w.ix.createMarket({ admin: w.admin.publicKey, marketIndex: index, oracle, oracleKind: "PythPull", feedId, params })], [w.admin]);
    assert.ok(r.ok, r.logs.join("\n"));
    w.oracles.push(oracle);
    const u = decodePriceUpdateV2(w.svm.data(oracle)!);
    assert.equal(u.price, 15_000_000_000n);
    assert.deepEqual(u.feedId, feedId);
    const carol = await w.trader(10_000n * USD);
    const p = previewOpen({ account: w.account(carol), marketIndex: index, size: 10n * UNIT, leverage: 5, mode: "Cross", takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() });
    const t = await trade(carol, index, 10n * UNIT, "Cross", 5);
    assert.ok(t.ok, t.logs.join("\n"));
    assert.equal(event(t.logs, "TradeExecuted").fillPrice, p.fillPrice);
    w.svm.setAccount(oracle, PYTH_RECEIVER_ID, update(14_000_000_000n, 2_000_000n));
    assert.deepEqual(viewOffChain(carol), await viewOnChain(carol));
  });
});

describe("BallastClient over a Connection", () => {
  // A Connection answering from the litesvm state: the client's RPC paths end to end.
  function connection(): any {
    const info = (k: any) => {
      const a = w.svm.svm.getAccount(k.toBase58());
      return a.exists ? { data: Buffer.from(a.data), owner: new PublicKey(a.programAddress), lamports: Number(a.lamports), executable: a.executable } : null;
    };
    return {
      getAccountInfo: async (k: any) => info(k),
      getMultipleAccountsInfo: async (ks: any[]) => ks.map(info),
      getSlot: async () => Number(w.svm.svm.getClock().slot),
      getBlockTime: async () => Number(w.svm.now),
      getLatestBlockhash: async () => ({ blockhash: w.svm.svm.latestBlockhash(), lastValidBlockHeight: 0 }),
      simulateTransaction: async (tx: any) => {
        const r = w.svm.simulateRaw(tx.serialize());
        return { value: { err: r.ok ? null : r.err, logs: r.logs, returnData: r.ok ? { programId: PROGRAM_ID.toBase58(), data: [Buffer.from(r.returnData).toString("base64"), "base64"] } : null } };
      },
    };
  }

  test("healthInputs, accountHealth and the previews agree with the program", async () => {
    const c = new BallastClient(connection());
    const ex = await c.exchange();
    assert.equal(ex.marketCount, w.oracles.length);
    const inputs = await c.healthInputs();
    assert.deepEqual(inputs.markets.get(ETH)!.oracle, w.inputs().markets.get(ETH)!.oracle);
    const acct = (await c.marginAccount(alice.margin))!;
    const iso = await c.isolatedPositions(alice.margin, [BTC, ETH]);
    assert.equal(iso.length, 1);
    const view = await c.accountHealth(alice.margin, { isolatedMarkets: [ETH] });
    assert.deepEqual(accountHealthOffChain(acct, iso, inputs), view);
  });
});

describe("cross withdrawals and a two-market stress test", () => {
  let dave: Trader;
  before(async () => {
    dave = await w.trader(8_000n * USD);
    assert.ok((await trade(dave, BTC, UNIT, "Cross", 20)).ok);
    assert.ok((await trade(dave, ETH, -10n * UNIT, "Cross", 20)).ok);
  });

  test("withdrawing exactly the transferable amount passes, one unit more is refused", async () => {
    const p = previewMarginChange({ account: w.account(dave), amount: 0n, inputs: w.inputs() });
    const free = p.before.transferable;
    assert.ok(free > 0n);
    const health = healthAccounts(w.account(dave), w.oracleMap());
    const over = previewMarginChange({ account: w.account(dave), amount: -(free + 1n), inputs: w.inputs() });
    assert.equal(over.refusal, "InsufficientTransferable");
    const r1 = w.svm.send([await w.ix.withdraw({ owner: dave.kp.publicKey, marginAccount: dave.margin, destination: dave.token, amount: free + 1n, health })], [dave.kp]);
    assert.equal(decodeError(r1.logs)?.name, "InsufficientTransferable");
    const ok = previewMarginChange({ account: w.account(dave), amount: -free, inputs: w.inputs() });
    assert.ok(ok.ok, ok.reason);
    const r2 = w.svm.send([await w.ix.withdraw({ owner: dave.kp.publicKey, marginAccount: dave.margin, destination: dave.token, amount: free, health })], [dave.kp]);
    assert.ok(r2.ok, r2.logs.join("\n"));
    const v = await viewOnChain(dave);
    assert.equal(v.cross.effectiveLeverage, ok.after.effectiveLeverage);
    assert.equal(v.cross.transferable, 0n);
  });

  test("the all-markets threshold brackets the program's own liquidatable flag", async () => {
    const s = stressTest({ account: w.account(dave), inputs: w.inputs() });
    const cross = s.find((d) => d.domain === "cross")!;
    assert.deepEqual(cross.series.map((x) => x.market), [BTC, ETH, "all"]);
    const all = cross.series.find((x) => x.market === "all")!;
    const up = all.liquidatedAtUpPpm, down = all.liquidatedAtDownPpm;
    assert.ok(up !== null || down !== null, "long BTC / short ETH at 20x: some common shock liquidates");
    const threshold = (up ?? down)!;
    const base = [BTC, ETH].map((i) => {
      const o = decodePushOracle(w.svm.data(w.oracles[i])!);
      return [o.price, o.conf];
    });
    const shockAll = async (ppm: number) => {
      for (const [i, [p, c]] of base.entries()) await w.setPrice(i, (p * BigInt(1_000_000 + ppm)) / 1_000_000n, c);
      const on = await viewOnChain(dave);
      assert.deepEqual(viewOffChain(dave), on);
      return on.cross.liquidatable;
    };
    const dir = Math.sign(threshold);
    assert.equal(await shockAll(threshold + dir * 200), true);
    assert.equal(await shockAll(threshold - dir * 200), false);
    for (const [i, [p, c]] of base.entries()) await w.setPrice(i, p, c);
  });
});

describe("liquidation", () => {
  test("previewLiquidationIsolated sizes and charges like liquidate_isolated", async () => {
    const erin = await w.trader(2_000n * USD);
    assert.ok((await trade(erin, ETH, 10n * UNIT, "Isolated", 20)).ok);
    const v = await viewOnChain(erin, [ETH]);
    const liq = v.isolated[0].positions[0].liquidationPrice!;
    const o = decodePushOracle(w.svm.data(w.oracles[ETH])!);
    await w.setPrice(ETH, (liq * 995n) / 1000n / 10n, o.conf);
    const p = previewLiquidationIsolated({ isolated: w.isolated(erin, ETH)!, inputs: w.inputs() });
    assert.ok(p.liquidatable);
    assert.ok(p.size > 0n && p.size <= 10n * UNIT);
    const keeper = Keypair.generate();
    w.svm.airdrop(keeper.publicKey, 1_000_000_000n);
    const keeperToken = w.svm.createTokenAccount(w.mint, keeper.publicKey);
    const r = w.svm.send([await w.ix.liquidateIsolated({ keeper: keeper.publicKey, keeperToken, marginAccount: erin.margin, marketIndex: ETH, oracle: w.oracles[ETH], maxBase: 1n << 62n })], [keeper]);
    assert.ok(r.ok, r.logs.join("\n"));
    const e = event(r.logs, "Liquidated");
    assert.deepEqual(
      [e.baseAfter, e.closedNotional, e.realisedPnl, e.keeperReward, e.insuranceShare, e.oraclePrice],
      [p.baseAfter, p.closedNotional, p.realisedPnl, p.keeperReward, p.insuranceShare, p.oraclePrice],
    );
    assert.equal(w.svm.tokenBalance(keeperToken), p.keeperReward);
    await w.setPrice(ETH, o.price, o.conf);
  });
});

describe("v0 transactions with an address lookup table", () => {
  test("a trade through a lookup table runs on the program", async () => {
    const frank = await w.trader(5_000n * USD);
    const addresses = lookupTableAddresses(w.oracles.slice(0, 2).map((oracle, index) => ({ index, oracle })));
    // A lookup table account as the address-lookup-table program stores it: 56-byte header, then the keys.
    const key = Keypair.generate().publicKey;
    const data = new Uint8Array(56 + 32 * addresses.length);
    const dv = new DataView(data.buffer);
    dv.setUint32(0, 1, true); // ProgramState::LookupTable
    dv.setBigUint64(4, (1n << 64n) - 1n, true); // not deactivated
    dv.setBigUint64(12, 0n, true); // last extended slot
    addresses.forEach((a, i) => data.set(a.toBytes(), 56 + 32 * i));
    w.svm.setAccount(key, new PublicKey("AddressLookupTab1e1111111111111111111111111"), data);
    w.svm.advance(1n);
    const table = new AddressLookupTableAccount({ key, state: AddressLookupTableAccount.deserialize(data) });
    const ix = await w.ix.trade({ authority: frank.kp.publicKey, marginAccount: frank.margin, marketIndex: BTC, oracle: w.oracles[BTC], baseDelta: UNIT / 10n, limitPrice: 1n << 62n, mode: "Cross", leverage: 10, health: [] });
    const tx = buildV0Transaction({ payer: w.svm.payer.publicKey, instructions: [ix], recentBlockhash: w.svm.svm.latestBlockhash(), lookupTables: [table] });
    assert.equal(tx.message.addressTableLookups.length, 1);
    const r = w.svm.sendVersioned(tx, [frank.kp]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "TradeExecuted").baseAfter, UNIT / 10n);
  });
});

describe("insurance fund and protocol fees", () => {
  test("the admin seeds insurance, withdraws only above its floor and sweeps fees to a treasury", async () => {
    const admin = w.admin.publicKey, adminToken = w.adminToken;
    const markets = w.oracles.map((oracle, index) => ({ index, oracle }));
    w.svm.mintTo(w.mint, adminToken, w.mintAuthority, 1_000_000n * USD);
    const before = w.exchange().insuranceBalance;
    let r = w.svm.send([await w.ix.fundInsurance({ admin, adminToken, amount: 1_000_000n * USD })], [w.admin]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "InsuranceFunded").insuranceAfter, before + 1_000_000n * USD);
    // A 1-unit withdrawal reports the floor; one unit more than the excess is refused.
    r = w.svm.send([await w.ix.withdrawInsurance({ admin, adminToken, amount: 1n, markets })], [w.admin]);
    assert.ok(r.ok, r.logs.join("\n"));
    const floor: bigint = event(r.logs, "InsuranceFunded").floor;
    assert.ok(floor > 0n, "positions are open");
    const excess = w.exchange().insuranceBalance - floor;
    r = w.svm.send([await w.ix.withdrawInsurance({ admin, adminToken, amount: excess + 1n, markets })], [w.admin]);
    assert.equal(decodeError(r.logs)?.name, "InsuranceFloorRequired");
    r = w.svm.send([await w.ix.withdrawInsurance({ admin, adminToken, amount: excess, markets })], [w.admin]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(w.exchange().insuranceBalance, floor);

    const fees = w.exchange().feeBalance;
    assert.ok(fees > 0n, "trades paid fees");
    const treasury = w.svm.createTokenAccount(w.mint, Keypair.generate().publicKey);
    r = w.svm.send([await w.ix.sweepFees({ admin, treasury, amount: fees + 1n })], [w.admin]);
    assert.equal(decodeError(r.logs)?.name, "InsufficientFeeBalance");
    r = w.svm.send([await w.ix.sweepFees({ admin, treasury, amount: fees })], [w.admin]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(w.svm.tokenBalance(treasury), fees);
    assert.equal(w.exchange().feeBalance, 0n);
  });
});

describe("auto-deleveraging", () => {
  test("the builder's accounts are accepted and a solvent pool refuses by name, changing nothing", async () => {
    const markets = w.oracles.flatMap((oracle, index) => [marketPda(index), oracle]);
    const before = w.exchange();
    const r = w.svm.send(
      [await w.ix.autoDeleverage({ keeper: w.admin.publicKey, marginAccount: alice.margin, marketIndex: BTC, oracle: w.oracles[BTC], isolated: false, maxBase: 1n << 63n, markets })],
      [w.admin],
    );
    assert.equal(decodeError(r.logs)?.name, "PoolNotInShortfall");
    assert.deepEqual(w.exchange(), before);
    // Without every market the pool cannot be valued.
    const partial = w.svm.send(
      [await w.ix.autoDeleverage({ keeper: w.admin.publicKey, marginAccount: alice.margin, marketIndex: BTC, oracle: w.oracles[BTC], isolated: false, maxBase: 1n, markets: markets.slice(0, 2) })],
      [w.admin],
    );
    assert.equal(decodeError(partial.logs)?.name, "ReserveAccountsMismatch");
  });

  test("the view's ADL light equals the SDK's score, position by position", async () => {
    const view = await viewOnChain(alice, [ETH]);
    const off = viewOffChain(alice, [ETH]);
    for (const [a, b] of [[view.cross, off.cross], [view.isolated[0], off.isolated[0]]] as const) {
      assert.deepEqual(a.positions.map((p) => p.adlLight), b.positions.map((p) => p.adlLight));
      for (const p of a.positions) assert.equal(p.adlLight === 0, p.unrealizedPnl <= 0n, "a light only for a position in profit");
    }
  });
});

describe("trigger orders", () => {
  test("place, refuse before the trigger, execute for the tip, decode the book, cancel", async () => {
    const gail = await w.trader(5_000n * USD);
    assert.ok((await trade(gail, BTC, UNIT / 10n, "Cross", 10)).ok);
    const place = async (condition: "AtOrAbove" | "AtOrBelow", triggerPrice: bigint, size: { lots: bigint } | { fractionPpm: number }, tip: bigint) =>
      w.svm.send([await w.ix.placeTriggerOrder({ authority: gail.kp.publicKey, marginAccount: gail.margin, marketIndex: BTC, isolated: false, condition, triggerPrice, size, limitPrice: 0n, tip })], [gail.kp]);
    // A stop at a price of 1 (never reached) and a take-profit at 1 (always reached).
    let r = await place("AtOrBelow", 1n, { fractionPpm: 300_000 }, 0n);
    assert.ok(r.ok, r.logs.join("\n"));
    r = await place("AtOrAbove", 1n, { lots: UNIT / 20n }, 100_000n);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "TriggerOrderPlaced").id, 1);
    const keeper = Keypair.generate();
    w.svm.airdrop(keeper.publicKey, 1_000_000_000n);
    const keeperToken = w.svm.createTokenAccount(w.mint, keeper.publicKey);
    const exec = async (id: number) =>
      w.svm.send([await w.ix.executeTriggerOrder({ keeper: keeper.publicKey, keeperToken, marginAccount: gail.margin, id, marketIndex: BTC, oracle: w.oracles[BTC], health: healthAccounts(w.account(gail), w.oracleMap(), BTC) })], [keeper]);
    r = await exec(0);
    assert.equal(decodeError(r.logs)?.name, "TriggerNotMet");
    r = await exec(1);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(event(r.logs, "TradeExecuted").baseAfter, UNIT / 20n);
    assert.equal(event(r.logs, "TriggerOrderExecuted").tip, 100_000n);
    assert.equal(w.svm.tokenBalance(keeperToken), 100_000n);
    const book = decodeTriggerBook(w.svm.data(triggerBookPda(gail.margin))!);
    assert.equal(book.nextId, 2);
    assert.deepEqual(book.orders.map((o) => [o.id, o.condition, o.side, o.size, o.isolated]), [[0, "AtOrBelow", "Long", { fractionPpm: 300_000 }, false]]);
    r = w.svm.send([await w.ix.cancelTriggerOrder({ authority: gail.kp.publicKey, marginAccount: gail.margin, id: 0 })], [gail.kp]);
    assert.ok(r.ok, r.logs.join("\n"));
    assert.equal(decodeTriggerBook(w.svm.data(triggerBookPda(gail.margin))!).orders.length, 0);
  });
});

describe("price book", () => {
  test("refreshed, it stands in for every [market, oracle] pair: same view, same trade; too old, refused", async () => {
    const hana = await w.trader(20_000n * USD);
    assert.ok((await trade(hana, BTC, UNIT / 10n, "Cross", 10)).ok);
    assert.ok((await trade(hana, ETH, UNIT, "Cross", 10)).ok);
    const markets = [BTC, ETH].map((index) => ({ index, oracle: w.oracles[index] }));
    w.svm.must([await w.ix.initPriceBook({ payer: w.admin.publicKey })], [w.admin]);
    w.svm.advance(0n);
    w.svm.must([await w.ix.refreshPrices({ markets })]);
    w.svm.advance(0n);
    const simulateView = async (health: PublicKey[]) => {
      const r = w.svm.simulate([await w.ix.accountHealth({ marginAccount: hana.margin, health })]);
      return r.ok ? decodeAccountHealth(r.returnData) : decodeError(r.logs)?.name;
    };
    // A view (lenient) takes last slot's entries.
    assert.deepEqual(await simulateView([priceBookPda()]), await simulateView(healthAccounts(w.account(hana), w.oracleMap())));
    const buy = await w.ix.trade({
      authority: hana.kp.publicKey, marginAccount: hana.margin, marketIndex: ETH, oracle: w.oracles[ETH], baseDelta: UNIT,
      limitPrice: 1n << 63n, mode: "Cross", leverage: 0, health: [priceBookPda()],
    });
    // New risk takes only this slot's entries: alone it is refused, with the refresh in the same transaction it trades.
    assert.equal(decodeError(w.svm.send([buy], [hana.kp]).logs)?.name, "PriceBookStale");
    const r = w.svm.send([await w.ix.refreshPrices({ markets }), buy], [hana.kp]);
    assert.ok(r.ok, r.logs.join("\n"));
    // More than MAX_PRICE_BOOK_AGE_SLOTS slots later even a view refuses the entries (`advance` moves 1 + 2·secs slots).
    w.svm.advance(MAX_PRICE_BOOK_AGE_SLOTS / 2n);
    assert.equal(await simulateView([priceBookPda()]), "PriceBookStale");
  });
});
