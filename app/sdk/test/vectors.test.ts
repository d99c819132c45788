// Replays every vector that `cargo run -p xtask -- vectors` wrote from crates/math:
// same output, or the same MathErrorKind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as m from "../src/math/index.js";

type J = any;
const B = (s: string) => BigInt(s);
const tiers = (t: [string, number][]): m.Tier[] => t.map(([n, l]) => ({ notionalThreshold: B(n), maxLeverage: l }));
const ramp = (r: J) => (r === null ? null : { tiers: tiers(r.tiers), f: r.f });
const str = (v: bigint | null) => (v === null ? null : v.toString());

function risk(i: J): m.PositionRisk {
  return {
    base: B(i.base),
    costBasis: B(i.cost_basis),
    pendingFunding: B(i.pending_funding),
    unsettledPnl: B(i.unsettled_pnl),
    leverage: i.leverage,
    price: B(i.price),
    conf: B(i.conf),
    tiers: tiers(i.tiers),
    rampFrom: ramp(i.ramp_from),
    pnlWeightPpm: i.pnl_weight_ppm,
    transferFloorPpm: i.transfer_floor_ppm,
    leverageScalePpm: i.leverage_scale_ppm,
  };
}
const health = (i: J) => (i.adverse_haircut_ppm === null ? m.positionHealth(risk(i)) : m.adverseHealth(risk(i), i.adverse_haircut_ppm));
const healthJson = (h: m.PositionHealth) => ({
  notional: str(h.notional), pnl: str(h.pnl), maintenance: str(h.maintenance), initial_pnl: str(h.initialPnl),
  notional_conservative: str(h.notionalConservative), initial: str(h.initial), transfer_floor: str(h.transferFloor),
  pending_funding: str(h.pendingFunding), unsettled: str(h.unsettled), unsettled_weighted: str(h.unsettledWeighted),
  realisable: str(h.realisable), tier_max_leverage: h.tierMaxLeverage, effective_leverage_setting: h.effectiveLeverageSetting,
  adverse: h.adverse,
});
const orNull = (f: () => bigint) => { try { return str(f()); } catch { return null; } };
const orErr = (f: () => bigint | null) => { try { return str(f()); } catch { return "err"; } };
const domainJson = (d: m.DomainHealth, buffer: number) => ({
  collateral: str(d.collateral), notional: str(d.notional), maintenance_equity: str(d.maintenanceEquity),
  maintenance: str(d.maintenance), initial_equity: str(d.initialEquity), initial: str(d.initial),
  transfer_floor: str(d.transferFloor), realisable_pnl: str(d.realisablePnl), adverse_positions: d.adversePositions,
  is_liquidatable: m.isLiquidatable(d), meets_initial: m.meetsInitial(d),
  buffered_maintenance: orNull(() => m.bufferedMaintenance(d, buffer)),
  transfer_lock: orNull(() => m.transferLock(d, buffer)),
  transferable: str(m.transferable(d, buffer)),
  release_on_reduction: str(m.releaseOnReduction(d, buffer)),
  effective_leverage: orErr(() => m.effectiveLeverage(d)),
  maintenance_ratio_ppm: orErr(() => m.maintenanceRatioPpm(d)),
  restored: m.restored(d, buffer),
});
const domainFrom = (j: J): m.DomainHealth => ({
  collateral: B(j.collateral), notional: B(j.notional), maintenanceEquity: B(j.maintenance_equity), maintenance: B(j.maintenance),
  initialEquity: B(j.initial_equity), initial: B(j.initial), transferFloor: B(j.transfer_floor), realisablePnl: B(j.realisable_pnl),
  adversePositions: j.adverse_positions,
});
const liq = (i: J): m.LiquidationInput => ({
  base: B(i.base), price: B(i.price), tiers: tiers(i.tiers), rampFrom: ramp(i.ramp_from), equity: B(i.equity),
  maintenance: B(i.maintenance), penaltyPpm: i.penalty_ppm, bufferPpm: i.buffer_ppm, lotSize: B(i.lot_size), dustNotional: B(i.dust_notional),
});

const run: Record<string, (i: J) => unknown> = {
  div: (i) => str(m.checked.div(B(i.a), B(i.b), i.rounding, "t")),
  mul: (i) => str(m.checked.mul(B(i.a), B(i.b), "t")),
  mul_div: (i) => str(m.checked.mulDiv(B(i.a), B(i.b), B(i.c), i.rounding, "t")),
  initial_margin: (i) => str(m.initialMargin(B(i.notional), i.leverage)),
  transfer_floor: (i) => str(m.transferFloor(B(i.notional), i.floor_ppm)),
  maintenance_rate_ppm: (i) => str(m.maintenanceRatePpm(i.max_leverage)),
  maintenance_margin: (i) => str(m.maintenanceMargin(tiers(i.tiers), B(i.notional))),
  max_leverage_at: (i) => m.maxLeverageAt(tiers(i.tiers), B(i.notional)),
  tier_index: (i) => m.tierIndex(tiers(i.tiers), B(i.notional)),
  maintenance: (i) => str(m.maintenance({ tiers: tiers(i.tiers), rampFrom: ramp(i.ramp_from) }, B(i.notional))),
  maintenance_pieces: (i) =>
    m.maintenancePieces({ tiers: tiers(i.tiers), rampFrom: ramp(i.ramp_from) }).map((p) => ({ rate: str(p.rate), deduction: str(p.deduction), from: str(p.from), to: str(p.to) })),
  ramp_progress_ppm: (i) => { const v = m.rampProgressPpm(B(i.start), B(i.end), B(i.now)); return v === null ? null : String(v); },
  notional: (i) => str(m.notional(B(i.base), B(i.price), i.rounding)),
  signed_value: (i) => str(m.signedValue(B(i.base), B(i.price))),
  cost_basis_at: (i) => str(m.costBasisAt(B(i.base), B(i.price))),
  notional_and_value: (i) => m.notionalAndValue(B(i.base), B(i.price)).map(str),
  unrealized_pnl: (i) => str(m.unrealizedPnl(B(i.base), B(i.cost_basis), B(i.price))),
  entry_price: (i) => str(m.entryPrice(B(i.base), B(i.cost_basis))),
  fill_price: (i) => str(m.fillPrice(B(i.oracle_price), B(i.conf), i.spread_ppm, i.is_buy)),
  conservative_price: (i) => str(m.conservativePrice(B(i.price), B(i.conf), i.is_long)),
  ppm_of: (i) => str(m.ppmOf(B(i.amount), i.rate_ppm, i.rounding)),
  apply_fill: (i) => {
    const f = m.applyFill(B(i.base), B(i.cost_basis), B(i.delta), B(i.price));
    return { base: str(f.base), cost_basis: str(f.costBasis), realised_pnl: str(f.realisedPnl), closed: str(f.closed), opened: str(f.opened) };
  },
  weighted_pnl: (i) => str(m.weightedPnl(B(i.pnl), i.weight_ppm)),
  to_price: (i) => str(m.toPrice(B(i.mantissa), i.exponent, i.quote_decimals, i.rounding)),
  classify: (i) => m.classify(B(i.price), B(i.conf), B(i.publish_time), B(i.now), i.max_age_secs, i.max_conf_ppm),
  pending_funding: (i) => str(m.pendingFunding(B(i.base), B(i.index_now), B(i.snapshot))),
  funding_rate_ppm: (i) => str(m.fundingRatePpm(B(i.long_oi), B(i.short_oi), i.k_ppm, i.max_rate_ppm, B(i.oi_floor))),
  index_deltas: (i) => m.indexDeltas(B(i.price), B(i.rate_ppm), B(i.dt_secs)).map(str),
  accrue: (i) =>
    m.accrue(
      { longIndex: B(i.long_index), shortIndex: B(i.short_index), openInterestLong: B(i.open_interest_long), openInterestShort: B(i.open_interest_short), kPpm: i.k_ppm, maxRatePpm: i.max_rate_ppm, oiFloor: B(i.oi_floor) },
      B(i.price),
      B(i.dt_secs),
    ).map(str),
  position_health: (i) => healthJson(health(i)),
  with_leverage: (i) => healthJson(m.withLeverage(health(i.risk), i.leverage)),
  domain_health: (i) => {
    let d = m.newDomain(B(i.collateral));
    for (const p of i.positions) d = m.addPosition(d, health(p));
    return domainJson(d, i.buffer_ppm);
  },
  with_collateral_change: (i) => domainJson(m.withCollateralChange(domainFrom(i.domain), B(i.delta)), i.buffer_ppm),
  liquidation_price: (i) =>
    str(m.liquidationPrice(B(i.base), B(i.cost_basis), { tiers: tiers(i.tiers), rampFrom: ramp(i.ramp_from) }, B(i.rest_equity))),
  close_size: (i) => str(m.closeSize(liq(i))),
  restores: (i) => m.restores(liq(i.input), B(i.q)),
  penalties: (i) => m.penalties(B(i.closed_notional), i.reward_ppm, i.insurance_ppm, B(i.available)).map(str),
  guard_tip: (i) => str(m.guardTip(B(i.fixed_tip), B(i.top_up))),
  pool_side_pnl: (i) =>
    str(m.poolSidePnl({ openInterestLong: B(i.totals.open_interest_long), openInterestShort: B(i.totals.open_interest_short), costBasisLong: B(i.totals.cost_basis_long), costBasisShort: B(i.totals.cost_basis_short) }, B(i.price))),
  pool_equity: (i) => str(m.poolEquity(B(i.cash), B(i.deficit), B(i.side))),
  haircut: (i) => str(m.haircut(B(i.realised), B(i.equity))),
  deleverage_size: (i) => str(m.deleverageSize(B(i.abs_base), B(i.profit), B(i.shortfall), B(i.lot_size))),
  adl_score_ppm: (i) => str(m.adlScorePpm(B(i.pnl), B(i.cost_basis), B(i.notional), B(i.equity))),
  adl_light: (i) => m.adlLight(B(i.score)),
  vol_sample: (i) => {
    const n = m.volSample({ variance: B(i.state.variance), lastPrice: B(i.state.last_price), lastTs: B(i.state.last_ts) }, B(i.price), B(i.now), i.half_life_secs);
    return { variance: str(n.variance), last_price: str(n.lastPrice), last_ts: str(n.lastTs) };
  },
  hourly_vol_ppm: (i) => str(m.hourlyVolPpm(B(i.variance))),
  leverage_scale_ppm: (i) => m.leverageScalePpm(B(i.variance), i.target_ppm, i.floor_ppm),
  scaled_max_leverage: (i) => m.scaledMaxLeverage(i.tier_max, i.scale_ppm),
};

const file = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8"));
const byFn = new Map<string, J[]>();
for (const v of file.vectors) byFn.set(v.fn, [...(byFn.get(v.fn) ?? []), v]);

test("every function in vectors.json has a TS counterpart", () => {
  for (const name of byFn.keys()) assert.ok(run[name], `no TS replay for ${name}`);
  assert.ok(file.vectors.length > 5000);
});

for (const [name, vs] of byFn) {
  test(`vectors: ${name} (${vs.length})`, () => {
    const failures: string[] = [];
    for (const v of vs) {
      let got: unknown;
      let err: string | undefined;
      try {
        got = run[name](v.in);
      } catch (e) {
        if (!(e instanceof m.MathError)) throw e;
        err = e.kind;
      }
      try {
        if ("err" in v) assert.equal(err, v.err);
        else {
          assert.equal(err, undefined);
          assert.deepEqual(got, v.out);
        }
      } catch {
        failures.push(`${JSON.stringify(v.in).slice(0, 400)}\n  want ${JSON.stringify(v.out ?? v.err)}\n  got  ${err ?? JSON.stringify(got)}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length}/${vs.length} mismatches, first:\n${failures.slice(0, 3).join("\n")}`);
  });
}
