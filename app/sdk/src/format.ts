/** Decimal formatting and parsing without floats. */
import { BASE_PRECISION, PRICE_SCALE } from "./math/constants.js";

function fixed(v: bigint, decimals: number, maxFraction = decimals): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const whole = a / scale;
  let frac = (a % scale).toString().padStart(decimals, "0").slice(0, maxFraction).replace(/0+$/, "");
  const w = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${w}${frac ? "." + frac : ""}`;
}

function parseFixed(s: string, decimals: number): bigint {
  const t = s.trim().replace(/,/g, "");
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new Error(`not a number: ${s}`);
  const frac = (m[3] ?? "").padEnd(decimals, "0");
  if (frac.length > decimals && /[^0]/.test(frac.slice(decimals))) throw new Error(`more than ${decimals} decimals: ${s}`);
  const v = BigInt(m[2] || "0") * 10n ** BigInt(decimals) + BigInt(frac.slice(0, decimals) || "0");
  return m[1] ? -v : v;
}

/** Quote native → "1,234.56" (collateral decimals, e.g. 6 for USDC). */
export const formatQuote = (amount: bigint, decimals = 6, maxFraction = 2) => fixed(amount, decimals, maxFraction);
export const parseQuote = (s: string, decimals = 6) => parseFixed(s, decimals);
/** Price (quote native per unit × 1e3) → quote units per unit. */
export const formatPrice = (price: bigint, decimals = 6, maxFraction = decimals + 3) => fixed(price, decimals + 3, maxFraction);
export const parsePrice = (s: string, decimals = 6) => parseFixed(s, decimals + 3);
/** Base lots (1e9 per unit) → units. */
export const formatBase = (base: bigint, maxFraction = 9) => fixed(base, 9, maxFraction);
export const parseBase = (s: string) => parseFixed(s, 9);
/** ppm → "2.5%". */
export const formatPpm = (ppm: bigint | number, maxFraction = 4) => fixed(BigInt(ppm), 4, maxFraction) + "%";
/** Effective leverage (× 1e6) → "7.69x". */
export const formatLeverage = (l: bigint | null, maxFraction = 2) => (l === null ? "—" : fixed(l, 6, maxFraction) + "x");

export { BASE_PRECISION, PRICE_SCALE };
