import { useState } from "react";
import type { Ctx } from "../App";
import { formatQuote } from "@ballast/sdk";
import { parseFixed, usd } from "../format";

export function Funds({ ctx }: { ctx: Ctx }) {
  const { snap, dep, engine, send, owner, pending } = ctx;
  const [amount, setAmount] = useState("1000");
  const dec = dep.decimals;
  const v = parseFixed(amount, dec);
  const acct = snap?.account;
  return (
    <section className="panel" data-testid="funds">
      <h2>
        Collateral <span className="right muted">USDC</span>
      </h2>
      <div className="body">
        <div className="stat">
          <span className="k">Wallet</span>
          <span className="v" data-testid="wallet-usdc">
            {usd(snap?.walletUsdc ?? null, dec)}
          </span>
        </div>
        <div className="stat">
          <span className="k">Cross collateral</span>
          <span className="v" data-testid="funds-collateral">
            {usd(acct?.exists ? acct.cross.collateral : null, dec)}
          </span>
        </div>
        <div className="stat" style={{ marginBottom: 8 }}>
          <span className="k">Withdrawable</span>
          <span className="v" data-testid="funds-transferable">
            {usd(acct?.exists ? acct.cross.transferable : null, dec)}
          </span>
        </div>
        <label className="field">
          Amount
          <input type="text" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="funds-amount" inputMode="decimal" />
        </label>
        <div className="row">
          <button className="btn primary" disabled={pending || !owner || !v} onClick={() => v && void send(() => engine.deposit(snap, v))} data-testid="deposit">
            Deposit
          </button>
          <button className="btn" disabled={pending || !owner || !v || !acct?.exists} onClick={() => v && void send(() => engine.withdraw(snap, v))} data-testid="withdraw">
            Withdraw
          </button>
          <button
            className="btn"
            disabled={!acct?.exists}
            // Exact (bigint, truncated: never more than transferable), without thousands separators.
            onClick={() => acct && setAmount(formatQuote(acct.cross.transferable > 0n ? acct.cross.transferable : 0n, dec, dec).replace(/,/g, ""))}
            data-testid="funds-max"
          >
            Max
          </button>
        </div>
        <div className="note">Withdrawals are limited to the cross domain's transferable margin (SPEC §5).</div>
      </div>
    </section>
  );
}
