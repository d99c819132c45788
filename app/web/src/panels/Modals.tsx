import { useMemo, useState } from "react";
import * as sdk from "@ballast/sdk";
import type { Ctx } from "../App";
import { MODE_LABEL } from "../App";
import type { PositionView, TriggerView } from "../model";
import { base, fixed, lev, parseFixed, price, usd } from "../format";
import { Stat } from "./Overview";

function Modal({ title, onClose, children, testid }: { title: string; onClose: () => void; children: React.ReactNode; testid: string }) {
  return (
    <div className="modal-back" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" data-testid={testid}>
        <h3>
          {title}
          <span className="x" onClick={onClose} data-testid="modal-close">
            ✕
          </span>
        </h3>
        <div className="body">{children}</div>
      </div>
    </div>
  );
}

function PosLine({ pos, dec }: { pos: PositionView; dec: number }) {
  return (
    <div className="note">
      {pos.market.symbol} · {MODE_LABEL[pos.mode]} · {base(pos.base)} @ {price(pos.entry, dec)} · oracle {price(pos.market.price, dec)}
    </div>
  );
}

export function LeverageModal({ ctx, pos, onClose }: { ctx: Ctx; pos: PositionView; onClose: () => void }) {
  const { snap, dep, engine, send, pending } = ctx;
  const dec = dep.decimals;
  const max = engine.maxLeverage(pos);
  const [target, setTarget] = useState(pos.leverage);
  const preview = useMemo(() => (snap ? engine.previewLeverage(snap, pos, target) : null), [snap, pos, target, engine]);
  const moved = preview?.marginMoved ?? 0n;
  const confirm = async () => {
    if (await send(() => engine.setLeverage(snap!, pos, target))) onClose();
  };
  return (
    <Modal title="Adjust leverage" onClose={onClose} testid="leverage-modal">
      <PosLine pos={pos} dec={dec} />
      <label className="field">
        <span>
          Leverage <b className="num" style={{ color: "var(--text)" }} data-testid="lev-value">{target}x</b> <span className="muted">(now {pos.leverage}x, tier max {max}x)</span>
        </span>
        <input type="range" min={1} max={max} value={target} onChange={(e) => setTarget(Number(e.target.value))} data-testid="lev-slider" />
      </label>
      <div className="preview" data-testid="lev-preview">
        {pos.domain ? (
          <Stat
            k={moved > 0n ? "Margin pulled from cross" : moved < 0n ? "Margin released to cross" : "Margin moved"}
            v={usd(moved < 0n ? -moved : moved, dec)}
            testid="lev-margin-moved"
          />
        ) : (
          <Stat k="Initial margin (cross)" v={usd(preview?.im, dec)} testid="lev-im" />
        )}
        {pos.domain && <Stat k="Position margin after" v={usd(preview?.newCollateral, dec)} testid="lev-new-margin" />}
        <Stat k="Eff. leverage after" v={lev(preview?.effectiveLeverage)} testid="lev-new-efflev" />
        <Stat k="Liquidation price" v={`${price(pos.liqPrice, dec)} → ${price(preview?.liqPrice, dec)}`} testid="lev-liq-change" />
        <span data-testid="lev-new-liq" style={{ display: "none" }}>
          {price(preview?.liqPrice, dec)}
        </span>
      </div>
      {pos.mode === "strict" && target > pos.leverage && (
        <div className="note warn" data-testid="lev-strict-note">
          Strict-isolated margin stays in the position: a raise releases nothing to cross until the position shrinks.
        </div>
      )}
      {preview?.error && (
        <div className="error" data-testid="lev-error">
          {preview.error}
        </div>
      )}
      <button className="btn primary wide" disabled={pending || target === pos.leverage || !!preview?.error} onClick={confirm} data-testid="lev-confirm">
        Set {target}x
      </button>
    </Modal>
  );
}

export function MarginModal({ ctx, pos, onClose }: { ctx: Ctx; pos: PositionView; onClose: () => void }) {
  const { snap, dep, engine, send, pending } = ctx;
  const dec = dep.decimals;
  const [tab, setTab] = useState<"add" | "remove">("add");
  const [amount, setAmount] = useState("100");
  const v = parseFixed(amount, dec);
  const preview = useMemo(() => (snap && v ? engine.previewMargin(snap, pos, tab === "add" ? v : -v) : null), [snap, pos, v, tab, engine]);
  const confirm = async () => {
    if (!v) return;
    if (await send(() => (tab === "add" ? engine.addMargin(snap!, pos, v) : engine.removeMargin(snap!, pos, v)))) onClose();
  };
  const strict = pos.mode === "strict";
  return (
    <Modal title="Position margin" onClose={onClose} testid="margin-modal">
      <PosLine pos={pos} dec={dec} />
      <div className="tabs" style={{ marginBottom: 8 }}>
        <button className={tab === "add" ? "on" : ""} onClick={() => setTab("add")} data-testid="margin-tab-add">
          Add
        </button>
        <button className={tab === "remove" ? "on" : ""} onClick={() => setTab("remove")} data-testid="margin-tab-remove" disabled={strict}>
          Remove
        </button>
      </div>
      <label className="field">
        Amount (USDC) {tab === "remove" && preview && <span>· removable {usd(preview.maxRemovable, dec)}</span>}
        <input type="text" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="margin-amount" inputMode="decimal" />
      </label>
      <div className="preview" data-testid="margin-preview">
        <Stat k="Margin" v={`${usd(pos.domain?.collateral, dec)} → ${usd(preview?.newCollateral, dec)}`} testid="margin-change" />
        <Stat k="Eff. leverage" v={`${lev(pos.effectiveLeverage)} → ${lev(preview?.effectiveLeverage)}`} testid="margin-efflev-change" />
        <Stat k="Liquidation price" v={`${price(pos.liqPrice, dec)} → ${price(preview?.liqPrice, dec)}`} testid="margin-liq-change" />
        <span data-testid="margin-new-liq" style={{ display: "none" }}>
          {price(preview?.liqPrice, dec)}
        </span>
        <span data-testid="margin-new-efflev" style={{ display: "none" }}>
          {lev(preview?.effectiveLeverage)}
        </span>
      </div>
      {strict && <div className="note">Strict-isolated: margin can be added, never removed.</div>}
      {preview?.error && (
        <div className="error" data-testid="margin-error">
          {preview.error}
        </div>
      )}
      <button className="btn primary wide" disabled={pending || !v || !!preview?.error} onClick={confirm} data-testid="margin-confirm">
        {tab === "add" ? "Add" : "Remove"} {amount} USDC
      </button>
    </Modal>
  );
}

export function GuardModal({ ctx, pos, onClose }: { ctx: Ctx; pos: PositionView; onClose: () => void }) {
  const { snap, dep, engine, send, pending } = ctx;
  const dec = dep.decimals;
  const g = pos.guard;
  const [trigger, setTrigger] = useState(g ? fixed(BigInt(g.triggerRatioPpm), 4, 0) : "150");
  const [topUp, setTopUp] = useState(g ? fixed(g.topUp, dec, 2) : "100");
  const [maxTotal, setMaxTotal] = useState(g ? fixed(g.maxTotal, dec, 2) : "500");
  const t = parseFixed(trigger, 4);
  const u = parseFixed(topUp, dec);
  const m = parseFixed(maxTotal, dec);
  const ok = t !== null && u !== null && m !== null;
  const submit = async (off: boolean) => {
    if (await send(() => engine.setGuard(snap!, pos, off ? 0 : Number(t), off ? 0n : u!, off ? 0n : m!))) onClose();
  };
  return (
    <Modal title="Margin guard" onClose={onClose} testid="guard-modal">
      <PosLine pos={pos} dec={dec} />
      <div className="note">
        When this position's equity falls below the trigger (as % of its maintenance margin), any keeper may move the top-up from your cross collateral into it (paid a
        tip of at most 1% of the top-up), until the total is reached.
      </div>
      <label className="field">
        Trigger (equity / maintenance, %)
        <input type="text" value={trigger} onChange={(e) => setTrigger(e.target.value)} data-testid="guard-trigger" />
      </label>
      <div className="row">
        <label className="field">
          Top-up (USDC)
          <input type="text" value={topUp} onChange={(e) => setTopUp(e.target.value)} data-testid="guard-topup" />
        </label>
        <label className="field">
          Max total (USDC)
          <input type="text" value={maxTotal} onChange={(e) => setMaxTotal(e.target.value)} data-testid="guard-max" />
        </label>
      </div>
      {g && (
        <div className="note" data-testid="guard-current">
          Active: trigger {fixed(BigInt(g.triggerRatioPpm), 4, 0)}%, top-up {usd(g.topUp, dec)}, used {usd(g.used, dec)} of {usd(g.maxTotal, dec)}
        </div>
      )}
      <div className="row">
        <button className="btn primary" disabled={pending || !ok} onClick={() => submit(false)} data-testid="guard-confirm">
          {g ? "Update guard" : "Set guard"}
        </button>
        {g && (
          <button className="btn" disabled={pending} onClick={() => submit(true)} data-testid="guard-off">
            Turn off
          </button>
        )}
      </div>
    </Modal>
  );
}

export function TriggerModal({ ctx, pos, onClose }: { ctx: Ctx; pos: PositionView; onClose: () => void }) {
  const { dep, engine, send, pending } = ctx;
  const dec = dep.decimals;
  const long = pos.base > 0n;
  const [kind, setKind] = useState<TriggerView["kind"]>("stop-loss");
  // A starting trigger 5% from the oracle, on the side the order fires.
  const start = (k: TriggerView["kind"]) => {
    const p = pos.market.price ?? pos.entry;
    const down = (k === "stop-loss") === long;
    return fixed(down ? (p * 95n) / 100n : (p * 105n) / 100n, dec + 3, 2);
  };
  const [trigger, setTrigger] = useState(start("stop-loss"));
  const [tip, setTip] = useState("0");
  const t = parseFixed(trigger, dec + 3);
  const tipAmount = parseFixed(tip, dec);
  const oracle = pos.market.price;
  const below = (kind === "stop-loss") === long;
  // An order that would fire at once is refused here: close the position instead.
  const error =
    t === null || t <= 0n
      ? "enter a trigger price"
      : tipAmount === null
        ? "enter a tip (0 or more)"
        : tipAmount > sdk.MAX_TRIGGER_TIP
          ? `the tip is at most ${usd(sdk.MAX_TRIGGER_TIP, dec)}`
          : oracle !== null && (below ? oracle <= t : oracle >= t)
            ? "the oracle is already past this price: close the position instead"
            : null;
  const choose = (k: TriggerView["kind"]) => {
    setKind(k);
    setTrigger(start(k));
  };
  const confirm = async () => {
    if (await send(() => engine.placeTrigger(pos, kind, t!, tipAmount!))) onClose();
  };
  return (
    <Modal title="Stop-loss / take-profit" onClose={onClose} testid="trigger-modal">
      <PosLine pos={pos} dec={dec} />
      <div className="row">
        <button className={"btn" + (kind === "stop-loss" ? " primary" : "")} onClick={() => choose("stop-loss")} data-testid="trigger-stop">
          Stop-loss
        </button>
        <button className={"btn" + (kind === "take-profit" ? " primary" : "")} onClick={() => choose("take-profit")} data-testid="trigger-take">
          Take-profit
        </button>
      </div>
      <label className="field">
        Trigger price (fires when the oracle is {below ? "at or below" : "at or above"} it)
        <input type="text" value={trigger} onChange={(e) => setTrigger(e.target.value)} data-testid="trigger-price-input" />
      </label>
      <label className="field">
        Keeper tip (USDC, paid to whoever executes it)
        <input type="text" value={tip} onChange={(e) => setTip(e.target.value)} data-testid="trigger-tip" />
      </label>
      <div className="note">
        Closes the whole {pos.market.symbol} {pos.mode} position as a reduce-only trade, at a fill at most 5% worse than the trigger (else it waits). Any keeper may execute
        it. It rests until it fires or you cancel it; if this position closes first, the order never trades on a later one.
      </div>
      {error && (
        <div className="error" data-testid="trigger-error">
          {error}
        </div>
      )}
      <button className="btn primary wide" disabled={pending || !!error} onClick={confirm} data-testid="trigger-confirm">
        Place {kind}
      </button>
    </Modal>
  );
}
