/** Oracle conversion and classification (`oracle.rs`). */
import { MathError, Rounding, div, mul, overflow, pow10, toU64, U64_MAX, I64_MAX, I64_MIN } from "./checked.js";
import { PRICE_SCALE_EXPONENT } from "./constants.js";

export type OracleValidity = "Valid" | "Stale" | "TooUncertain" | "NonPositive";

const I32_MAX = 2 ** 31 - 1;
const I32_MIN = -(2 ** 31);

/** `mantissa × 10^(exponent + quoteDecimals + 3)`, the division rounded as asked. */
export function toPrice(mantissa: bigint, exponent: number, quoteDecimals: number, rounding: Rounding): bigint {
  const OP = "oracle price conversion";
  const s1 = exponent + quoteDecimals;
  if (s1 > I32_MAX || s1 < I32_MIN) throw new MathError("InvalidInput", OP);
  const shift = s1 + PRICE_SCALE_EXPONENT;
  if (shift > I32_MAX || shift < I32_MIN) throw new MathError("InvalidInput", OP);
  const a = Math.abs(shift);
  if (a < 20) {
    const p = 10n ** BigInt(a);
    let q: bigint, r: bigint;
    if (shift >= 0) [q, r] = [mantissa * p, 0n];
    else [q, r] = [mantissa / p, mantissa % p];
    if (rounding === "ceil" && r !== 0n) q += 1n;
    if (q > U64_MAX) throw overflow(OP);
    return q;
  }
  const scaled = shift >= 0 ? mul(mantissa, pow10(a, OP), OP) : div(mantissa, pow10(a, OP), rounding, OP);
  return toU64(scaled, OP);
}

export function classify(
  priceMantissa: bigint,
  confMantissa: bigint,
  publishTime: bigint,
  now: bigint,
  maxAgeSecs: number,
  maxConfPpm: number,
): OracleValidity {
  if (priceMantissa <= 0n) return "NonPositive";
  let age = now - publishTime;
  if (age > I64_MAX) age = I64_MAX;
  if (age < I64_MIN) age = I64_MIN;
  if (age < 0n) age = 0n;
  if (age > BigInt(maxAgeSecs)) return "Stale";
  if (confMantissa * 1_000_000n > BigInt(maxConfPpm) * priceMantissa) return "TooUncertain";
  return "Valid";
}

/** A long's asset at `price − conf` (floored at 0), a short's liability at `price + conf`. */
export function conservativePrice(price: bigint, conf: bigint, isLong: boolean): bigint {
  if (isLong) return price > conf ? price - conf : 0n;
  if (price + conf > U64_MAX) throw overflow("conservative price");
  return price + conf;
}
