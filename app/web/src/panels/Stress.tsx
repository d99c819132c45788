import { useMemo, useState } from "react";
import type { Ctx } from "../App";
import { StressChart } from "../charts";
import { usd } from "../format";

export function StressPanel({ ctx }: { ctx: Ctx }) {
  const { snap, engine, dep } = ctx;
  const acct = snap?.account;
  const [chosen, setDomain] = useState<string | null>(null);
  const domains = [{ id: "cross", label: "Cross domain" }, ...(acct?.positions.filter((p) => p.domain).map((p) => ({ id: p.id, label: `${p.market.symbol} ${p.mode}` })) ?? [])];
  // Until the trader picks one: the cross domain when it holds positions, else the first isolated one.
  const crossOpen = acct?.positions.some((p) => p.mode === "cross") ?? false;
  const usable = (id: string) => domains.some((d) => d.id === id) && (id !== "cross" || crossOpen || domains.length === 1);
  const domain = chosen && usable(chosen) ? chosen : crossOpen || domains.length === 1 ? "cross" : domains[1].id;
  const result = useMemo(() => (snap && acct?.exists ? engine.stress(snap, domain) : null), [snap, acct, domain, engine]);
  const scale = 10 ** dep.decimals;
  const series = useMemo(() => {
    if (!result) return null;
    return {
      shocks: result.points.map((p) => p.shockPpm / 10_000),
      equity: result.points.map((p) => Number(p.equity) / scale),
      mm: result.points.map((p) => Number(p.mm) / scale),
    };
  }, [result, scale]);
  return (
    <section className="panel" data-testid="stress">
      <h2>
        Stress test
        <select className="right" style={{ width: "auto", padding: "2px 4px", fontSize: 11 }} value={domain} onChange={(e) => setDomain(e.target.value)} data-testid="stress-domain">
          {domains.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </h2>
      <div className="body">
        {!result || !series || result.points.length === 0 ? (
          <div className="empty">Open a position to see how equity and maintenance move with prices.</div>
        ) : (
          <>
            <StressChart shocks={series.shocks} equity={series.equity} mm={series.mm} liqShock={result.liquidationShockPpm === null ? null : result.liquidationShockPpm / 10_000} />
            <div className="note" data-testid="stress-liq">
              {result.liquidationShockPpm === null
                ? "No liquidation within the shocks shown."
                : `Liquidation when every price of the domain moves ${(result.liquidationShockPpm / 10_000).toFixed(1)}%`}
              {" · "}equity now {usd(result.points.find((p) => p.shockPpm === 0)?.equity ?? null, dep.decimals)}, maintenance{" "}
              {usd(result.points.find((p) => p.shockPpm === 0)?.mm ?? null, dep.decimals)}
            </div>
          </>
        )}
      </div>
    </section>
  );
}
