import { useMemo, useState } from "react";
import type { Ctx } from "../App";
import { MODE_LABEL } from "../App";
import type { Mode } from "../model";
import { lev, parseFixed, price, usd } from "../format";
import { Stat } from "./Overview";

export function OrderTicket({ ctx, marketIndex, onMarket }: { ctx: Ctx; marketIndex: number; onMarket: (i: number) => void }) {
  const { snap, dep, engine, send, owner, pending } = ctx;
  const [side, setSide] = useState<"long" | "short">("long");
  const [size, setSize] = useState("0.1");
  const [mode, setMode] = useState<Mode>("isolated");
  const [leverage, setLeverage] = useState(10);
  const market = snap?.markets[marketIndex];
  const dec = dep.decimals;
  const lots = parseFixed(size, 9);
  const delta = lots === null ? null : side === "long" ? lots : -lots;

  const preview = useMemo(() => {
    if (!snap || !market || delta === null || delta === 0n) return null;
    return engine.previewOpen(snap, market.index, delta, mode, leverage);
  }, [snap, market, delta, mode, leverage, engine]);
  const maxLev = preview?.maxLeverage ?? market?.tiers[0]?.maxLeverage ?? 20;
  const lv = Math.min(leverage, maxLev);
  const existing = snap?.account?.positions.find((p) => p.market.index === marketIndex);
  const modes: Mode[] = market?.allowedModes ?? ["cross", "isolated", "strict"];

  const submit = async () => {
    if (pending || !snap || !market || delta === null || !preview) return;
    const fill = preview.fillPrice;
    await send(() => engine.trade(snap, market.index, delta, mode, lv, fill));
  };

  return (
    <section className="panel" data-testid="order-ticket">
      <h2>Order</h2>
      <div className="body">
        <div className="seg" style={{ marginBottom: 8 }}>
          {(snap?.markets ?? []).map((m) => (
            <button key={m.index} className={m.index === marketIndex ? "on" : ""} onClick={() => onMarket(m.index)} data-testid={`ticket-market-${m.symbol}`}>
              {m.symbol}
            </button>
          ))}
        </div>
        <div className="seg" style={{ marginBottom: 8 }}>
          <button className={side === "long" ? "on long" : ""} onClick={() => setSide("long")} data-testid="side-long">
            Long
          </button>
          <button className={side === "short" ? "on short" : ""} onClick={() => setSide("short")} data-testid="side-short">
            Short
          </button>
        </div>
        <label className="field">
          Size ({market?.symbol.replace("-PERP", "") ?? "units"})
          <input type="text" value={size} onChange={(e) => setSize(e.target.value)} data-testid="order-size" inputMode="decimal" />
        </label>
        <div className="field" style={{ display: "block" }}>
          <span className="muted" style={{ fontSize: 11 }}>
            Margin mode
          </span>
          <div className="seg" style={{ marginTop: 4 }}>
            {(["cross", "isolated", "strict"] as Mode[]).map((m) => (
              <button
                key={m}
                className={mode === m ? "on" : ""}
                onClick={() => setMode(m)}
                disabled={!modes.includes(m)}
                data-testid={`mode-${m}`}
                title={
                  m === "cross"
                    ? "Shares the cross collateral with every cross position"
                    : m === "isolated"
                      ? "Own collateral, moved from cross; margin can be added or removed"
                      : "Own collateral that never returns to cross until the position shrinks"
                }
              >
                {MODE_LABEL[m]}
              </button>
            ))}
          </div>
        </div>
        <label className="field">
          <span>
            Leverage{" "}
            <b className="num" style={{ color: "var(--text)" }} data-testid="order-leverage-value">
              {lv}x
            </b>{" "}
            <span className="muted">(tier max {maxLev}x)</span>
          </span>
          <input type="range" min={1} max={maxLev} step={1} value={lv} onChange={(e) => setLeverage(Number(e.target.value))} data-testid="order-leverage" />
        </label>
        {existing && existing.mode !== mode && (
          <div className="note warn">An open {existing.mode} position in this market: orders trade it in its own mode.</div>
        )}
        <div className="preview" data-testid="order-preview">
          <Stat k="Fill price" v={price(preview?.fillPrice, dec)} testid="preview-fill" />
          <Stat k="Notional" v={usd(preview?.notional, dec)} testid="preview-notional" />
          <Stat k="Initial margin" v={usd(preview?.im, dec)} testid="preview-im" />
          {mode !== "cross" && <Stat k="Moved from cross" v={usd(preview?.marginMoved, dec)} testid="preview-margin-moved" />}
          {mode !== "cross" && <Stat k="Cross transferable" v={usd(snap?.account?.exists ? snap.account.cross.transferable : null, dec)} testid="preview-cross-free" />}
          <Stat k="Fee" v={usd(preview?.fee, dec)} testid="preview-fee" />
          <Stat k="Eff. leverage after" v={lev(preview?.effectiveLeverage)} testid="preview-efflev" />
          <Stat k="Liquidation price" v={price(preview?.liqPrice, dec)} testid="preview-liq" cls="warn" />
        </div>
        {preview?.error && (
          <div className="error" data-testid="preview-error">
            {preview.error}
          </div>
        )}
        <button
          className={"btn wide " + side}
          disabled={pending || !owner || !preview || !!preview.error || !snap?.account?.exists}
          onClick={submit}
          data-testid="submit-order"
        >
          {side === "long" ? "Buy / Long" : "Sell / Short"} {size} {market?.symbol ?? ""} · {MODE_LABEL[mode]} {lv}x
        </button>
        {!snap?.account?.exists && owner && <div className="note">Deposit first: the deposit opens your margin account.</div>}
      </div>
    </section>
  );
}
