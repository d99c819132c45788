import type { Ctx } from "../App";
import { base, price, usd } from "../format";
import type { TriggerView } from "../model";

function size(t: TriggerView): string {
  if ("lots" in t.size) return base(t.size.lots);
  return t.size.fractionPpm === 1_000_000 ? "all" : `${(t.size.fractionPpm / 10_000).toFixed(2)}%`;
}

/** The account's resting stop-loss and take-profit orders; the owner cancels them here. */
export function Triggers({ ctx }: { ctx: Ctx }) {
  const { snap, dep, engine, send, pending } = ctx;
  const triggers = snap?.account?.triggers ?? [];
  const dec = dep.decimals;
  return (
    <section className="panel" data-testid="triggers">
      <h2>
        Trigger orders <span className="right muted">{triggers.length} of 8</span>
      </h2>
      {triggers.length === 0 ? (
        <div className="empty" data-testid="no-triggers">
          No trigger orders. Set a stop-loss or take-profit from a position's row.
        </div>
      ) : (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Market</th>
              <th>Kind</th>
              <th className="num">Trigger</th>
              <th className="num">Worst fill</th>
              <th className="num">Size</th>
              <th className="num">Keeper tip</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {triggers.map((t) => (
              <tr key={t.id} data-testid={`trigger-${t.id}`}>
                <td className="num">{t.id}</td>
                <td>
                  <b>{t.market.symbol}</b> <span className="muted">{t.domain}</span>
                </td>
                <td data-testid="trigger-kind">
                  {t.kind}
                  {!t.active && (
                    <span className="muted" title="the position it was placed on has closed or been replaced: it will never trade" data-testid="trigger-inactive">
                      {" "}
                      · inactive
                    </span>
                  )}
                </td>
                <td className="num" data-testid="trigger-price" title={t.condition === "AtOrBelow" ? "fires at or below" : "fires at or above"}>
                  {t.condition === "AtOrBelow" ? "≤ " : "≥ "}
                  {price(t.triggerPrice, dec)}
                </td>
                <td className="num">{price(t.limitPrice, dec)}</td>
                <td className="num">{size(t)}</td>
                <td className="num">{usd(t.tip, dec)}</td>
                <td>
                  <button className="btn small" disabled={pending} onClick={() => void send(() => engine.cancelTrigger(t))} data-testid="trigger-cancel">
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
