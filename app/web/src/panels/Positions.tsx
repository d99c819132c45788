import type { Ctx } from "../App";
import { MODE_LABEL } from "../App";
import { base, lev, price, signedUsd, usd } from "../format";

/** Oracle → liquidation price distance in % of the oracle price (one decimal). */
function distance(liq: bigint | null, oracle: bigint | null): string {
  if (liq === null || oracle === null || oracle === 0n) return "—";
  const bp = ((liq - oracle) * 10_000n) / oracle;
  return (bp > 0n ? "+" : "") + (Number(bp) / 100).toFixed(1) + "%";
}

export function Positions({ ctx, onAction }: { ctx: Ctx; onAction: (kind: "leverage" | "margin" | "guard" | "trigger", id: string) => void }) {
  const { snap, dep, engine, send, pending } = ctx;
  const positions = snap?.account?.positions ?? [];
  const dec = dep.decimals;
  return (
    <section className="panel" data-testid="positions">
      <h2>
        Positions <span className="right muted">{positions.length} open</span>
      </h2>
      {positions.length === 0 ? (
        <div className="empty" data-testid="no-positions">
          No open positions.
        </div>
      ) : (
        <div style={{ overflowX: "auto" }}>
          <table>
            <thead>
              <tr>
                <th>Market</th>
                <th>Mode</th>
                <th className="num">Size</th>
                <th className="num">Entry</th>
                <th className="num">Oracle</th>
                <th className="num">uPnL</th>
                <th className="num">Funding</th>
                <th className="num">Margin</th>
                <th className="num">Lev.</th>
                <th className="num">Eff. lev</th>
                <th className="num">Liq. price</th>
                <th className="num" title="how far the oracle price is from the liquidation price">To liq.</th>
                <th className="num" title="auto-deleveraging queue: 0 = not in it (no profit), 5 = first when the pool is short">ADL</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {positions.map((p) => (
                <tr key={p.id} data-testid={`position-${p.market.symbol}-${p.mode}`}>
                  <td>
                    <b>{p.market.symbol}</b>
                  </td>
                  <td>
                    <span className="badge">{MODE_LABEL[p.mode]}</span>
                  </td>
                  <td className={"num " + (p.base > 0n ? "pos" : "neg")} data-testid="pos-size">
                    {p.base > 0n ? "+" : ""}
                    {base(p.base)}
                  </td>
                  <td className="num" data-testid="pos-entry">
                    {price(p.entry, dec)}
                  </td>
                  <td className="num" data-testid="pos-oracle">
                    {price(p.market.price, dec)}
                  </td>
                  <td className={"num " + (p.upnl >= 0n ? "pos" : "neg")} data-testid="pos-upnl">
                    {signedUsd(p.upnl, dec)}
                  </td>
                  <td className="num" data-testid="pos-funding" title="funding owed to now (negative: received)">
                    {signedUsd(-p.funding, dec)}
                  </td>
                  <td className="num" data-testid="pos-margin">
                    {p.domain ? usd(p.domain.collateral, dec) : <span className="muted">cross</span>}
                  </td>
                  <td className="num" data-testid="pos-lev">
                    {p.leverage}x
                  </td>
                  <td className="num" data-testid="pos-efflev">
                    {lev(p.effectiveLeverage)}
                  </td>
                  <td className="num warn" data-testid="pos-liq">
                    {price(p.liqPrice, dec)}
                  </td>
                  <td className="num muted" data-testid="pos-liq-distance">
                    {distance(p.liqPrice, p.market.price)}
                  </td>
                  <td className="num" data-testid="pos-adl" title={`ADL light ${p.adlLight} of 5`}>
                    {"▮".repeat(p.adlLight) + "▯".repeat(5 - p.adlLight)}
                  </td>
                  <td>
                    <div style={{ display: "flex", flexWrap: "wrap", gap: 4 }}>
                      <button className="btn small" onClick={() => onAction("leverage", p.id)} data-testid="act-leverage">
                        Leverage
                      </button>
                      {p.domain && (
                        <button className="btn small" onClick={() => onAction("margin", p.id)} data-testid="act-margin">
                          Margin
                        </button>
                      )}
                      {p.domain && (
                        <button className="btn small" onClick={() => onAction("guard", p.id)} data-testid="act-guard">
                          Guard{p.guard ? " ✓" : ""}
                        </button>
                      )}
                      <button className="btn small" onClick={() => onAction("trigger", p.id)} data-testid="act-trigger" title="stop-loss or take-profit">
                        SL/TP
                      </button>
                      <button
                        className="btn small"
                        disabled={pending}
                        // Built when the send is accepted, from the size read from the chain then.
                        onClick={() => void send(() => engine.closePosition(p))}
                        data-testid="act-close"
                      >
                        Close
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
