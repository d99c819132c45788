import { PublicKey } from "@solana/web3.js";
import { isLocalRpcUrl } from "./localnet";

/** target/localnet/deployment.json as written by ballast-localnet. */
export interface DeploymentJson {
  rpc_url: string;
  program_id: string;
  exchange: string;
  vault: string;
  collateral_mint: string;
  collateral_decimals: number;
  admin: string;
  mint_authority: string;
  oracle_authority: string;
  markets: { symbol: string; market_index: number; market: string; oracle: string }[];
}

export interface Deployment {
  rpcUrl: string;
  programId: PublicKey;
  exchange: PublicKey;
  vault: PublicKey;
  mint: PublicKey;
  decimals: number;
  mintAuthority: PublicKey;
  markets: { symbol: string; index: number; market: PublicKey; oracle: PublicKey }[];
  /** A validator on this machine: burner wallet, airdrops and test-USDC minting allowed. */
  localnet: boolean;
}

/** The RPC URL: `?rpc=` in the page address, else the one the deployment names. */
export async function loadDeployment(): Promise<Deployment> {
  const res = await fetch("/deployment.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`no deployment: ${await res.text()}`);
  const d = (await res.json()) as DeploymentJson;
  const rpcUrl = new URLSearchParams(location.search).get("rpc") ?? d.rpc_url;
  return {
    rpcUrl,
    programId: new PublicKey(d.program_id),
    exchange: new PublicKey(d.exchange),
    vault: new PublicKey(d.vault),
    mint: new PublicKey(d.collateral_mint),
    decimals: d.collateral_decimals,
    mintAuthority: new PublicKey(d.mint_authority),
    markets: d.markets.map((m) => ({ symbol: m.symbol, index: m.market_index, market: new PublicKey(m.market), oracle: new PublicKey(m.oracle) })),
    localnet: isLocalRpcUrl(rpcUrl),
  };
}
