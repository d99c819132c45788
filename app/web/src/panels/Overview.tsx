import type { Ctx } from "../App";
import type { DomainView } from "../model";
import { lev, ppm, usd } from "../format";

export function Stat({ k, v, testid, cls }: { k: string; v: string; testid?: string; cls?: string }) {
  return (
    <div className="stat">
      <span className="k">{k}</span>
      <span className={"v " + (cls ?? "")} data-testid={testid}>
        {v}
      </span>
    </div>
  );
}

/** Maintenance ratio bar: how much of equity the maintenance margin uses (100% = liquidation). */
export function RatioBar({ d, testid }: { d: DomainView; testid: string }) {
  const used = d.mm === 0n ? 0 : d.equity <= 0n ? 100 : Math.min(100, Number((d.mm * 10_000n) / d.equity) / 100);
  return (
    <div className="ratio">
      <div className="bar" title="maintenance margin / equity">
        <div className="fill" style={{ width: `${used}%` }} data-testid={testid} data-used={used.toFixed(2)} />
      </div>
      <div className="lbl">
        <span>margin used {used.toFixed(2)}% of equity</span>
        <span>{d.liquidatable ? <b className="neg">LIQUIDATABLE</b> : "liquidation at 100%"}</span>
      </div>
    </div>
  );
}

export function Overview({ ctx }: { ctx: Ctx }) {
  const { snap, dep, owner } = ctx;
  const acct = snap?.account;
  const dec = dep.decimals;
  const iso = acct?.positions.filter((p) => p.domain) ?? [];
  return (
    <section className="panel" data-testid="overview">
      <h2>
        Account
        <span className="right muted">{acct ? acct.address.toBase58() : owner ? "no margin account yet" : "connect a wallet"}</span>
      </h2>
      <div className="body">
        {!acct?.exists ? (
          <div className="empty">Deposit collateral to open a margin account.</div>
        ) : (
          <>
            <div className="muted" style={{ fontSize: 11, marginBottom: 4 }}>
              CROSS DOMAIN
            </div>
            <div className="stats">
              <Stat k="Collateral" v={usd(acct.cross.collateral, dec)} testid="ov-collateral" />
              <Stat k="Equity" v={usd(acct.cross.equity, dec)} testid="ov-equity" />
              <Stat k="Initial margin" v={usd(acct.cross.im, dec)} testid="ov-im" />
              <Stat k="Maintenance" v={usd(acct.cross.mm, dec)} testid="ov-mm" />
              <Stat k="Transferable" v={usd(acct.cross.transferable, dec)} testid="ov-transferable" />
              <Stat k="Notional" v={usd(acct.cross.notional, dec)} testid="ov-notional" />
              <Stat k="Eff. leverage" v={lev(acct.cross.effectiveLeverage)} testid="ov-efflev" />
              <Stat k="Maint. ratio" v={acct.cross.ratioPpm === null ? "—" : ppm(acct.cross.ratioPpm, 1)} testid="ov-ratio" />
            </div>
            <RatioBar d={acct.cross} testid="ov-ratio-bar" />
            {iso.length > 0 && (
              <table style={{ marginTop: 10 }} data-testid="isolated-domains">
                <thead>
                  <tr>
                    <th>Isolated domain</th>
                    <th className="num">Collateral</th>
                    <th className="num">Equity</th>
                    <th className="num">IM</th>
                    <th className="num">Maintenance</th>
                    <th className="num">Transferable</th>
                    <th className="num">Eff. lev</th>
                    <th className="num">Margin used</th>
                  </tr>
                </thead>
                <tbody>
                  {iso.map((p) => {
                    const d = p.domain!;
                    const used = d.equity <= 0n ? 100 : Number((d.mm * 10_000n) / d.equity) / 100;
                    return (
                      <tr key={p.id} data-testid={`iso-domain-${p.market.symbol}`}>
                        <td>
                          {p.market.symbol} <span className="muted">{p.mode}</span>
                        </td>
                        <td className="num">{usd(d.collateral, dec)}</td>
                        <td className="num">{usd(d.equity, dec)}</td>
                        <td className="num">{usd(d.im, dec)}</td>
                        <td className="num">{usd(d.mm, dec)}</td>
                        <td className="num">{usd(d.transferable, dec)}</td>
                        <td className="num">{lev(d.effectiveLeverage)}</td>
                        <td className={"num " + (used > 80 ? "neg" : used > 50 ? "warn" : "")}>{Math.min(100, used).toFixed(1)}%</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {acct.beingLiquidated && <div className="error">This account is being liquidated.</div>}
          </>
        )}
        {snap && (
          <>
            <div className="muted" style={{ fontSize: 11, margin: "10px 0 4px" }}>
              EXCHANGE
            </div>
            <div className="stats" data-testid="pool">
              <Stat k="Pool cash" v={usd(snap.pool.cash, dec)} testid="pool-cash" />
              <Stat k="Insurance fund" v={usd(snap.pool.insurance, dec)} testid="pool-insurance" />
              <Stat k="Pool deficit" v={usd(snap.pool.deficit, dec)} testid="pool-deficit" cls={snap.pool.deficit > 0n ? "neg" : ""} />
            </div>
            {snap.pool.deficit > 0n && (
              <div className="note warn" data-testid="pool-deficit-note">
                The pool owes more than it holds: profitable positions may be auto-deleveraged, and withdrawals cannot realise profit until the deficit is paid.
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
