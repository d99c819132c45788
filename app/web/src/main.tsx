import "./polyfill";
import { StrictMode, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { ConnectionProvider, WalletProvider } from "@solana/wallet-adapter-react";
import { WalletModalProvider } from "@solana/wallet-adapter-react-ui";
import "@solana/wallet-adapter-react-ui/styles.css";
import "./styles.css";
import { App } from "./App";
import { BurnerWalletAdapter } from "./burner";
import { loadDeployment, type Deployment } from "./deployment";

function Root() {
  const [dep, setDep] = useState<Deployment | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadDeployment().then(setDep, (e) => setError(String(e)));
  }, []);
  // Wallet Standard wallets (Phantom, Solflare, Backpack…) are detected by the adapter
  // itself; the burner is added on a local validator only.
  const wallets = useMemo(() => (dep?.localnet ? [new BurnerWalletAdapter()] : []), [dep]);
  if (error)
    return (
      <div className="error" style={{ margin: 20 }} data-testid="load-error">
        {error}
      </div>
    );
  if (!dep) return <div className="empty">loading deployment…</div>;
  return (
    <ConnectionProvider endpoint={dep.rpcUrl} config={{ commitment: "confirmed" }}>
      <WalletProvider wallets={wallets} autoConnect>
        <WalletModalProvider>
          <App dep={dep} />
        </WalletModalProvider>
      </WalletProvider>
    </ConnectionProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
