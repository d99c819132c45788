import type { Connection, SignatureStatus, TransactionSignature } from "@solana/web3.js";

/** A status that settles the outcome: confirmed or finalized, or failed. */
function settled(s: SignatureStatus | null | undefined): s is SignatureStatus {
  return !!s && (s.confirmationStatus === "confirmed" || s.confirmationStatus === "finalized" || !!s.err);
}

/**
 * Confirms by polling `getSignatureStatuses` over HTTP. web3.js's own confirmation
 * subscribes over a websocket, which a local validator started on a custom port block
 * (scripts/web-e2e.sh) does not serve at RPC port + 1; polling works everywhere.
 *
 * Before giving up (timeout, or the blockhash expired) it asks once more with
 * `searchTransactionHistory`, so a transaction that landed between two polls is reported
 * as landed (ok or failed), never as "expired".
 */
export async function confirmByPolling(
  connection: Connection,
  signature: TransactionSignature,
  lastValidBlockHeight?: number,
  timeoutMs = 60_000,
): Promise<{ err: unknown }> {
  const t0 = Date.now();
  const giveUp = async (why: string): Promise<{ err: unknown }> => {
    const { value } = await connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
    const s = value[0];
    if (settled(s)) return { err: s.err };
    throw new Error(`transaction ${signature} ${why}`);
  };
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const s = value[0];
    if (settled(s)) return { err: s.err };
    if (Date.now() - t0 > timeoutMs) return giveUp(`not confirmed within ${timeoutMs / 1000} s`);
    if (lastValidBlockHeight !== undefined && (await connection.getBlockHeight("confirmed")) > lastValidBlockHeight)
      return giveUp("expired (block height exceeded)");
    await new Promise((r) => setTimeout(r, 400));
  }
}
