/**
 * Whether an RPC URL points at a validator on this machine. Parsed with `URL` (a regex on
 * the string accepts `http://127.0.0.1:1@evil/`, whose host is `evil`): http(s), host
 * 127.0.0.1 / localhost / ::1, and no username or password. Shared by the page (burner
 * wallet, faucet) and the dev/preview server (which serves the test-USDC mint authority's
 * key only when this holds).
 */
export function isLocalRpcUrl(rpcUrl: unknown): boolean {
  if (typeof rpcUrl !== "string") return false;
  let u: URL;
  try {
    u = new URL(rpcUrl);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  if (u.username !== "" || u.password !== "") return false;
  return u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]" || u.hostname === "::1";
}
