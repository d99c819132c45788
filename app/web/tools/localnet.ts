// Node-side helpers for a local validator (used by the browser test and by
// scripts/app.sh's price pusher): keypairs from the bootstrap's keys directory, push-oracle
// updates signed by the oracle authority, and a keeper's token account.
import fs from "node:fs";
import path from "node:path";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction, type Signer } from "@solana/web3.js";
import { confirmByPolling } from "../src/confirm";
import { createAssociatedTokenAccountIdempotentInstruction, getAssociatedTokenAddressSync } from "@solana/spl-token";
import * as sdk from "@ballast/sdk";

export interface Localnet {
  connection: Connection;
  deployment: {
    rpc_url: string;
    program_id: string;
    collateral_mint: string;
    collateral_decimals: number;
    markets: { symbol: string; market_index: number; market: string; oracle: string }[];
  };
  keysDir: string;
  oracleAuthority: Keypair;
  ix: sdk.InstructionBuilder;
}

/** Signs, sends and confirms (by polling: no websocket needed). */
export async function sendAndConfirm(connection: Connection, tx: Transaction, signers: Signer[]): Promise<string> {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("confirmed");
  tx.recentBlockhash = blockhash;
  tx.feePayer = signers[0].publicKey;
  tx.sign(...signers);
  const sig = await connection.sendRawTransaction(tx.serialize(), { preflightCommitment: "confirmed" });
  const res = await confirmByPolling(connection, sig, lastValidBlockHeight);
  if (res.err) throw new Error(`transaction ${sig} failed: ${JSON.stringify(res.err)}`);
  return sig;
}

export function readKeypair(file: string): Keypair {
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(fs.readFileSync(file, "utf8"))));
}

export function openLocalnet(deploymentFile: string, keysDir = path.join(path.dirname(deploymentFile), "keys")): Localnet {
  const deployment = JSON.parse(fs.readFileSync(deploymentFile, "utf8"));
  const connection = new Connection(deployment.rpc_url, "confirmed");
  return {
    connection,
    deployment,
    keysDir,
    oracleAuthority: readKeypair(path.join(keysDir, "oracle-authority.json")),
    ix: new sdk.InstructionBuilder(new PublicKey(deployment.program_id)),
  };
}

/** Publishes `price` (whole dollars × 10^8, the bootstrap's exponent −8) with a 0.01% confidence, stamped now by the program. */
export async function pushPrice(net: Localnet, marketIndex: number, price: bigint): Promise<string> {
  const m = net.deployment.markets[marketIndex];
  const ix = await net.ix.updatePushOracle({ authority: net.oracleAuthority.publicKey, oracle: new PublicKey(m.oracle), price, conf: price / 10_000n, publishTime: null });
  return sendAndConfirm(net.connection, new Transaction().add(ix), [net.oracleAuthority]);
}

/** A funded keeper keypair (written to `file` for the keeper binary) and its collateral token account. */
export async function makeKeeper(net: Localnet, file: string): Promise<{ keeper: Keypair; token: PublicKey }> {
  const keeper = Keypair.generate();
  fs.writeFileSync(file, JSON.stringify(Array.from(keeper.secretKey)));
  await confirmByPolling(net.connection, await net.connection.requestAirdrop(keeper.publicKey, 2 * LAMPORTS_PER_SOL));
  const mint = new PublicKey(net.deployment.collateral_mint);
  const token = getAssociatedTokenAddressSync(mint, keeper.publicKey);
  await sendAndConfirm(net.connection, new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(keeper.publicKey, token, keeper.publicKey, mint)), [keeper]);
  return { keeper, token };
}

export const dollars = (d: number): bigint => BigInt(Math.round(d * 100)) * 1_000_000n; // exponent −8
