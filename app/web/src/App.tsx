import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { WalletMultiButton } from "@solana/wallet-adapter-react-ui";
import { PublicKey } from "@solana/web3.js";
import type { Deployment } from "./deployment";
import type { Built, FeedEvent, MarketView, Mode, PositionView, Snapshot } from "./model";
import { Engine } from "./chain";
import { BURNER_NAME } from "./burner";
import { PriceChart } from "./charts";
import { Overview } from "./panels/Overview";
import { Positions } from "./panels/Positions";
import { OrderTicket } from "./panels/OrderTicket";
import { Funds } from "./panels/Funds";
import { StressPanel } from "./panels/Stress";
import { Feed } from "./panels/Feed";
import { LeverageModal, MarginModal, GuardModal, TriggerModal } from "./panels/Modals";
import { Triggers } from "./panels/Triggers";
import { price as fmtPrice, ppm as fmtPpm } from "./format";

export type TxState = { status: "idle" } | { status: "pending"; label: string } | { status: "ok"; label: string; signature: string } | { status: "error"; label: string; message: string };

export interface Ctx {
  dep: Deployment;
  engine: Engine;
  snap: Snapshot | null;
  owner: PublicKey | null;
  /** Builds (a thunk is called only once the send is accepted), signs, sends, confirms.
   * Refused (false) while another transaction is pending. */
  send: (b: Built | Promise<Built> | (() => Promise<Built>)) => Promise<boolean>;
  tx: TxState;
  /** A transaction is being built, signed or confirmed: every signing action is disabled. */
  pending: boolean;
}

type ModalState = { kind: "leverage" | "margin" | "guard" | "trigger"; id: string } | null;

export function App({ dep }: { dep: Deployment }) {
  const { connection } = useConnection();
  const wallet = useWallet();
  const engine = useMemo(() => new Engine(connection, dep), [connection, dep]);
  const owner = wallet.publicKey;
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [feed, setFeed] = useState<FeedEvent[]>([]);
  const [tx, setTx] = useState<TxState>({ status: "idle" });
  const [selected, setSelected] = useState(0);
  const [modal, setModal] = useState<ModalState>(null);
  const [history, setHistory] = useState<Record<number, { t: number[]; p: number[] }>>({});
  const busy = useRef(false);
  const inFlight = useRef(false);
  // Refreshes can overlap (one after a confirmed transaction runs beside the timer's): each
  // takes a number when it starts, and a result older than the latest applied is dropped.
  const refreshSeq = useRef(0);
  const appliedSnap = useRef(0);
  const appliedFeed = useRef(0);

  const refresh = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    const seq = ++refreshSeq.current;
    try {
      const s = await engine.snapshot(owner);
      if (seq < appliedSnap.current) return;
      appliedSnap.current = seq;
      setSnap(s);
      setHistory((h) => {
        const next = { ...h };
        for (const m of s.markets) {
          if (m.price === null) continue;
          const cur = next[m.index] ?? { t: [], p: [] };
          const t = Math.floor(s.at / 1000);
          if (cur.t[cur.t.length - 1] === t) continue;
          next[m.index] = { t: [...cur.t, t].slice(-600), p: [...cur.p, Number(m.price) / 10 ** (dep.decimals + 3)].slice(-600) };
        }
        return next;
      });
      const events = owner && s.account?.exists ? await engine.feed(s.account.address) : [];
      if (seq < appliedFeed.current) return;
      appliedFeed.current = seq;
      setFeed(events);
    } catch (e) {
      console.error("refresh failed", e);
    } finally {
      busy.current = false;
    }
  }, [engine, owner, dep.decimals]);

  useEffect(() => {
    void refresh();
    const id = setInterval(() => void refresh(), 1500);
    return () => clearInterval(id);
  }, [refresh]);

  const send = useCallback(
    async (b: Built | Promise<Built> | (() => Promise<Built>)): Promise<boolean> => {
      // One transaction at a time: a second click (before the disabled buttons re-render,
      // too) must not send a second trade, e.g. a second `-base` close that flips the position.
      if (inFlight.current) {
        if (typeof b !== "function") Promise.resolve(b).catch(() => undefined);
        return false;
      }
      inFlight.current = true;
      let label = "transaction";
      setTx({ status: "pending", label });
      try {
        const built = await (typeof b === "function" ? b() : b);
        label = built.label;
        setTx({ status: "pending", label });
        if (!wallet.publicKey) throw new Error("connect a wallet first");
        const signature = await engine.sendAndConfirm(built, wallet);
        // Re-read before the actions re-enable, so they act on the state after this one.
        busy.current = false;
        await refresh();
        setTx({ status: "ok", label, signature });
        return true;
      } catch (e) {
        setTx({ status: "error", label, message: engine.explainError(e) });
        return false;
      } finally {
        inFlight.current = false;
      }
    },
    [engine, wallet, refresh],
  );

  const ctx: Ctx = { dep, engine, snap, owner, send, tx, pending: tx.status === "pending" };
  const market: MarketView | undefined = snap?.markets[selected];
  const modalPos: PositionView | undefined = modal ? snap?.account?.positions.find((p) => p.id === modal.id) : undefined;

  return (
    <>
      <Header ctx={ctx} selected={selected} onSelect={setSelected} onRefresh={refresh} />
      <TxBanner tx={tx} />
      <main className="grid">
        <div className="col-left">
          <section className="panel">
            <h2>
              {market?.symbol ?? "…"} oracle price
              <span className="right muted">
                {market
                  ? `${fmtPrice(market.price, dep.decimals)} ± ${fmtPrice(market.conf, dep.decimals)} · ${market.validity}${market.ageSecs !== null ? ` · ${market.ageSecs}s old` : ""}${
                      market.fundingRatePpm !== null ? ` · funding ${fmtPpm(market.fundingRatePpm, 4)}/h (longs ${market.fundingRatePpm >= 0n ? "pay" : "receive"})` : ""
                    }`
                  : ""}
              </span>
            </h2>
            <div className="body">
              <PriceChart times={history[selected]?.t ?? []} prices={history[selected]?.p ?? []} label={market?.symbol ?? ""} />
            </div>
          </section>
          <Overview ctx={ctx} />
          <Positions ctx={ctx} onAction={(kind, id) => setModal({ kind, id })} />
          <Triggers ctx={ctx} />
          <StressPanel ctx={ctx} />
          <Feed events={feed} decimals={dep.decimals} />
        </div>
        <div className="col-right">
          <OrderTicket ctx={ctx} marketIndex={selected} onMarket={setSelected} />
          <Funds ctx={ctx} />
        </div>
      </main>
      {modal && modalPos && modal.kind === "leverage" && <LeverageModal ctx={ctx} pos={modalPos} onClose={() => setModal(null)} />}
      {modal && modalPos && modal.kind === "margin" && <MarginModal ctx={ctx} pos={modalPos} onClose={() => setModal(null)} />}
      {modal && modalPos && modal.kind === "guard" && <GuardModal ctx={ctx} pos={modalPos} onClose={() => setModal(null)} />}
      {modal && modalPos && modal.kind === "trigger" && <TriggerModal ctx={ctx} pos={modalPos} onClose={() => setModal(null)} />}
    </>
  );
}

function Header({ ctx, selected, onSelect, onRefresh }: { ctx: Ctx; selected: number; onSelect: (i: number) => void; onRefresh: () => Promise<void> }) {
  const { dep, snap, engine, owner } = ctx;
  const wallet = useWallet();
  const [funding, setFunding] = useState<string | null>(null);
  const useBurner = () => {
    wallet.select(BURNER_NAME);
  };
  const [fundBusy, setFundBusy] = useState(false);
  const fund = async () => {
    if (!owner || fundBusy) return;
    setFundBusy(true);
    setFunding("funding…");
    try {
      await engine.fundLocalnet(owner, 10_000n * 10n ** BigInt(dep.decimals));
      setFunding("funded: 2 SOL + 10,000 test USDC");
      await onRefresh();
    } catch (e) {
      setFunding("fund failed: " + engine.explainError(e));
    } finally {
      setFundBusy(false);
    }
  };
  return (
    <header className="top">
      <div className="brand">
        BALLAST<span>·</span>perps
      </div>
      <div className="tickers">
        {(snap?.markets ?? []).map((m) => (
          <div key={m.index} className={"ticker" + (m.index === selected ? " sel" : "")} onClick={() => onSelect(m.index)} data-testid={`ticker-${m.symbol}`}>
            <span className="sym">{m.symbol}</span>
            <span className="px num" data-testid={`ticker-price-${m.symbol}`}>
              {fmtPrice(m.price, dep.decimals)}
            </span>
          </div>
        ))}
      </div>
      <div className="spacer" />
      <span className={"badge" + (dep.localnet ? " local" : "")} title={dep.rpcUrl} data-testid="network">
        {dep.localnet ? "LOCALNET" : "RPC"} · {dep.rpcUrl.replace(/^https?:\/\//, "")}
      </span>
      {dep.localnet && (
        <>
          {wallet.wallet?.adapter.name !== BURNER_NAME && (
            <button className="btn" onClick={useBurner} data-testid="use-burner" title="A keypair kept in this browser's localStorage — localnet only">
              Use burner wallet
            </button>
          )}
          <button
            className="btn"
            onClick={fund}
            disabled={!owner || fundBusy}
            data-testid="fund-me"
            title="Localnet only: airdrops 2 SOL and mints 10,000 test USDC with the local mint authority's key"
          >
            Fund me (localnet)
          </button>
          {funding && (
            <span className="muted" data-testid="fund-status">
              {funding}
            </span>
          )}
        </>
      )}
      <span className="num muted" data-testid="wallet-balances">
        {snap?.walletSol !== null && snap?.walletSol !== undefined ? `${snap.walletSol.toFixed(2)} SOL` : ""}
      </span>
      <WalletMultiButton />
    </header>
  );
}

function TxBanner({ tx }: { tx: TxState }) {
  if (tx.status === "idle") return null;
  return (
    <div style={{ padding: "0 8px" }}>
      {tx.status === "pending" && (
        <div className="note" data-testid="tx-status" data-status="pending">
          {tx.label}: signing and confirming…
        </div>
      )}
      {tx.status === "ok" && (
        <div className="okmsg" data-testid="tx-status" data-status="ok" data-signature={tx.signature}>
          {tx.label}: confirmed · <span className="num">{tx.signature.slice(0, 16)}…</span>
        </div>
      )}
      {tx.status === "error" && (
        <div className="error" data-testid="tx-status" data-status="error">
          {tx.label} failed: <span data-testid="tx-error">{tx.message}</span>
        </div>
      )}
    </div>
  );
}

export const MODE_LABEL: Record<Mode, string> = { cross: "Cross", isolated: "Isolated", strict: "Strict" };
