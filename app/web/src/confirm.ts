import type { Connection, TransactionSignature } from "@solana/web3.js";

/**
 * Confirms by polling `getSignatureStatuses` over HTTP. web3.js's own confirmation
 * subscribes over a websocket, which a local validator started on a custom port block
 * (scripts/web-e2e.sh) does not serve at RPC port + 1; polling works everywhere.
 */
export async function confirmByPolling(
  connection: Connection,
  signature: TransactionSignature,
  lastValidBlockHeight?: number,
  timeoutMs = 60_000,
): Promise<{ err: unknown }> {
  const t0 = Date.now();
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const s = value[0];
    if (s && (s.confirmationStatus === "confirmed" || s.confirmationStatus === "finalized")) return { err: s.err };
    if (s?.err) return { err: s.err };
    if (Date.now() - t0 > timeoutMs) throw new Error(`transaction ${signature} not confirmed within ${timeoutMs / 1000} s`);
    if (lastValidBlockHeight !== undefined && (await connection.getBlockHeight("confirmed")) > lastValidBlockHeight)
      throw new Error(`transaction ${signature} expired (block height exceeded)`);
    await new Promise((r) => setTimeout(r, 400));
  }
}
