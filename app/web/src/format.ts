// Display helpers. Amounts are bigints in native units; the page formats them without
// floating-point loss, then groups thousands.

const group = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Fixed-point bigint `v / 10^scale` as a decimal string rounded half away from zero to `dp`. */
export function fixed(v: bigint, scale: number, dp: number): string {
  const neg = v < 0n;
  let a = neg ? -v : v;
  if (scale > dp) {
    const d = 10n ** BigInt(scale - dp);
    a = (a + d / 2n) / d;
  } else if (dp > scale) {
    a = a * 10n ** BigInt(dp - scale);
  }
  const s = a.toString().padStart(dp + 1, "0");
  const int = s.slice(0, s.length - dp);
  const frac = dp > 0 ? "." + s.slice(s.length - dp) : "";
  return (neg && a !== 0n ? "-" : "") + group(int) + frac;
}

export const usd = (v: bigint | null | undefined, decimals = 6, dp = 2): string =>
  v === null || v === undefined ? "—" : (v < 0n ? "-$" + fixed(-v, decimals, dp) : "$" + fixed(v, decimals, dp));

export const signedUsd = (v: bigint | null | undefined, decimals = 6): string => {
  if (v === null || v === undefined) return "—";
  const s = usd(v, decimals);
  if (/^-?\$0\.00$/.test(s)) return "$0.00";
  return (v > 0n ? "+" : "") + s;
};

/** Prices are quote native per unit × 1e3. */
export const price = (p: bigint | null | undefined, decimals = 6, dp = 2): string =>
  p === null || p === undefined ? "—" : "$" + fixed(p, decimals + 3, dp);

export const base = (b: bigint | null | undefined, dp = 4): string => (b === null || b === undefined ? "—" : fixed(b, 9, dp));

/** Leverage × 1e6. */
export const lev = (x: bigint | null | undefined): string => (x === null || x === undefined ? "—" : fixed(x, 6, 2) + "x");

export const ppm = (x: bigint | number | null | undefined, dp = 2): string =>
  x === null || x === undefined ? "—" : fixed(BigInt(x), 4, dp) + "%";

export const short = (k: { toBase58(): string } | string): string => {
  const s = typeof k === "string" ? k : k.toBase58();
  return s.slice(0, 4) + "…" + s.slice(-4);
};

/** Parses a decimal string into a bigint with `scale` decimals (null when malformed). */
export function parseFixed(s: string, scale: number): bigint | null {
  const t = s.trim().replace(/,/g, "");
  if (!/^\d*(\.\d*)?$/.test(t) || t === "" || t === ".") return null;
  const [i, f = ""] = t.split(".");
  if (f.length > scale) return null;
  return BigInt((i || "0") + f.padEnd(scale, "0"));
}
