// Volatility-scaled leverage and the pool deficit through the SDK, on the bytecode in
// litesvm: the previews refuse and accept what the program does, and say what part of a
// profit a thin pool cannot pay.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeError, healthAccounts, math, previewOpen, previewSetLeverage } from "../src/index.js";
import { World, Trader, marketParams } from "./bootstrap.js";

const USD = 1_000_000n;
const UNIT = 1_000_000_000n;
const ETH = 1;

let w: World;
let ann: Trader;

async function trade(t: Trader, baseDelta: bigint, mode: "Cross" | "Isolated", leverage: number) {
  const ix = await w.ix.trade({
    authority: t.kp.publicKey, marginAccount: t.margin, marketIndex: ETH, oracle: w.oracles[ETH], baseDelta,
    limitPrice: baseDelta > 0n ? 1n << 63n : 0n, mode, leverage, health: healthAccounts(w.account(t), w.oracleMap(), ETH),
  });
  return w.svm.send([ix], [t.kp]);
}

async function crankAt(price: bigint) {
  await w.setPrice(ETH, price, 0n);
  w.svm.must([await w.ix.updateFunding({ marketIndex: ETH, oracle: w.oracles[ETH] })]);
}

before(async () => {
  w = await new World().init();
  ann = await w.trader(50_000n * USD);
  // ETH: scaling on (target 5% per hour, floor 10%, half-life 1 h), no spread.
  const params = { ...marketParams(w.localnet.markets[ETH]), spreadPpm: 0, volTargetPpm: 50_000, volFloorPpm: 100_000, volHalfLifeSecs: 3_600 };
  w.svm.must([await w.ix.updateMarket({ admin: w.admin.publicKey, marketIndex: ETH, params })], [w.admin]);
  // Oracle exponent −8: $3,000 = 300,000,000,000; ±8% moves a minute apart.
  await crankAt(300_000_000_000n);
  for (const p of [324_000_000_000n, 300_000_000_000n, 324_000_000_000n, 300_000_000_000n]) {
    w.svm.advance(60n);
    await crankAt(p);
  }
});

describe("volatility-scaled leverage", () => {
  test("the SDK's estimate is the market's, and its cap is what the program enforces", async () => {
    const m = w.market(ETH);
    assert.ok(m.volVariance > 0n);
    const scale = math.leverageScalePpm(m.volVariance, m.volTargetPpm, m.volFloorPpm);
    const cap = math.scaledMaxLeverage(20, scale);
    assert.ok(cap < 20, `cap ${cap}`);
    w.svm.advance(1n);
    const size = UNIT; // 1 ETH, well inside the 20x tier
    const args = { account: w.account(ann), marketIndex: ETH, size, mode: "Cross" as const, takerFeePpm: w.exchange().takerFeePpm, inputs: w.inputs() };
    const above = previewOpen({ ...args, leverage: cap + 1 });
    assert.equal(above.refusal, "LeverageAboveVolatilityCap");
    const r = await trade(ann, size, "Cross", cap + 1);
    assert.equal(decodeError(r.logs)?.name, "LeverageAboveVolatilityCap");
    const at = previewOpen({ ...args, leverage: cap });
    assert.ok(at.ok, at.reason);
    const ok = await trade(ann, size, "Cross", cap);
    assert.ok(ok.ok, ok.logs.join("\n"));
    assert.equal(w.account(ann).crossCollateral, at.after.collateral);
  });

  test("raising the setting above the cap is refused by both; lowering is not", async () => {
    const m = w.market(ETH);
    const cap = math.scaledMaxLeverage(20, math.leverageScalePpm(m.volVariance, m.volTargetPpm, m.volFloorPpm));
    const raise = previewSetLeverage({ account: w.account(ann), marketIndex: ETH, leverage: cap + 1, inputs: w.inputs() });
    assert.equal(raise.refusal, "LeverageAboveVolatilityCap");
    const send = async (leverage: number) =>
      w.svm.send([await w.ix.setLeverage({ authority: ann.kp.publicKey, marginAccount: ann.margin, marketIndex: ETH, oracle: w.oracles[ETH], leverage, health: healthAccounts(w.account(ann), w.oracleMap(), ETH) })], [ann.kp]);
    assert.equal(decodeError((await send(cap + 1)).logs)?.name, "LeverageAboveVolatilityCap");
    const lower = previewSetLeverage({ account: w.account(ann), marketIndex: ETH, leverage: 1, inputs: w.inputs() });
    assert.ok(lower.ok, lower.reason);
    assert.ok((await send(1)).ok);
  });
});

describe("a thin pool", () => {
  test("a close the pool cannot pay in full: the preview's unpaid part is the program's unsettled profit and deficit", async () => {
    const v = await new World().init();
    const admin = v.admin.publicKey, adminToken = v.adminToken;
    const markets = v.oracles.map((oracle, index) => ({ index, oracle }));
    const bob = await v.trader(50_000n * USD);
    // 1 ETH long in cross at 5x at $3,000.
    const open = async (t: Trader, baseDelta: bigint) =>
      v.svm.send([await v.ix.trade({
        authority: t.kp.publicKey, marginAccount: t.margin, marketIndex: ETH, oracle: v.oracles[ETH], baseDelta,
        limitPrice: baseDelta > 0n ? 1n << 63n : 0n, mode: "Cross", leverage: 5, health: healthAccounts(v.account(t), v.oracleMap(), ETH),
      })], [t.kp]);
    assert.ok((await open(bob, UNIT)).ok);
    // The admin takes the pool down to its reserve (the most defund_pool allows, found by
    // bisection on simulations).
    let [lo, hi] = [0n, v.exchange().poolBalance];
    while (lo < hi) {
      const mid = (lo + hi + 1n) / 2n;
      if (v.svm.simulate([await v.ix.defundPool({ admin, adminToken, amount: mid, markets })], [v.admin]).ok) lo = mid;
      else hi = mid - 1n;
    }
    assert.ok(v.svm.send([await v.ix.defundPool({ admin, adminToken, amount: lo, markets })], [v.admin]).ok);
    // ETH doubles: the close realises about $3,000 that the pool's cash cannot cover.
    await v.setPrice(ETH, 600_000_000_000n, 0n);
    v.svm.advance(1n);
    const p = previewOpen({ account: v.account(bob), marketIndex: ETH, size: -UNIT, leverage: 0, mode: "Cross", takerFeePpm: v.exchange().takerFeePpm, inputs: v.inputs() });
    assert.ok(p.ok, p.reason);
    assert.ok(p.unpaidProfit > 0n, `unpaid ${p.unpaidProfit}`);
    const r = await open(bob, -UNIT);
    assert.ok(r.ok, r.logs.join("\n"));
    const slot = v.account(bob).crossPositions.find((s) => s.inUse && s.marketIndex === ETH)!;
    assert.equal(slot.unsettledPnl, p.unpaidProfit);
    // The pool's share of the fee, received after the payout, pays the deficit first.
    const poolFee = p.fee - (p.fee * BigInt(v.exchange().protocolFeeSharePpm)) / 1_000_000n;
    assert.equal(v.exchange().poolDeficit, p.unpaidProfit - poolFee);
    assert.equal(v.exchange().poolBalance, 0n);
    assert.equal(v.account(bob).crossCollateral, p.after.collateral);
  });
});
