/**
 * Checked integer arithmetic with the semantics of `crates/math/src/checked.rs`:
 * every value is an exact `bigint`, and a result outside the Rust type's range throws a
 * `MathError` of the same kind the Rust crate returns.
 */

export type MathErrorKind = "Overflow" | "DivisionByZero" | "InvalidInput";

export class MathError extends Error {
  constructor(
    readonly kind: MathErrorKind,
    readonly op: string,
  ) {
    const what = kind === "Overflow" ? "overflow" : kind === "DivisionByZero" ? "division by zero" : "invalid input";
    super(`math: ${what} in ${op}`);
    this.name = "MathError";
  }
}

export type Rounding = "floor" | "ceil";

export const I128_MAX = (1n << 127n) - 1n;
export const I128_MIN = -(1n << 127n);
export const U64_MAX = (1n << 64n) - 1n;
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U128_MAX = (1n << 128n) - 1n;
const WORD = 1n << 64n;

export const overflow = (op: string) => new MathError("Overflow", op);

function i128(v: bigint, op: string): bigint {
  if (v > I128_MAX || v < I128_MIN) throw overflow(op);
  return v;
}

export const abs = (a: bigint) => (a < 0n ? -a : a);

export function add(a: bigint, b: bigint, op: string): bigint {
  return i128(a + b, op);
}

export function sub(a: bigint, b: bigint, op: string): bigint {
  return i128(a - b, op);
}

export function mul(a: bigint, b: bigint, op: string): bigint {
  return i128(a * b, op);
}

export function neg(a: bigint, op: string): bigint {
  return i128(-a, op);
}

/** Exact quotient rounded toward −∞ (`floor`) or +∞ (`ceil`); `b` must be non-zero. */
export function roundDiv(a: bigint, b: bigint, rounding: Rounding): bigint {
  const q = a / b; // toward zero
  if (q * b === a) return q;
  const negative = a < 0n !== b < 0n;
  if (rounding === "floor") return negative ? q - 1n : q;
  return negative ? q : q + 1n;
}

export function div(a: bigint, b: bigint, rounding: Rounding, op: string): bigint {
  if (b === 0n) throw new MathError("DivisionByZero", op);
  return i128(roundDiv(a, b, rounding), op);
}

/**
 * `a × b / c`: exact when all three magnitudes fit 64 bits (the Rust word path, whose
 * quotient magnitude must fit i128), otherwise the product must fit i128 first.
 */
export function mulDiv(a: bigint, b: bigint, c: bigint, rounding: Rounding, op: string): bigint {
  if (abs(a) < WORD && abs(b) < WORD && abs(c) < WORD) {
    if (c === 0n) throw new MathError("DivisionByZero", op);
    const v = roundDiv(a * b, c, rounding);
    if (abs(v) > I128_MAX) throw overflow(op);
    return v;
  }
  return div(mul(a, b, op), c, rounding, op);
}

export function toU64(v: bigint, op: string): bigint {
  if (v < 0n || v > U64_MAX) throw overflow(op);
  return v;
}

export function toI64(v: bigint, op: string): bigint {
  if (v < I64_MIN || v > I64_MAX) throw overflow(op);
  return v;
}

export function pow10(exp: number, op: string): bigint {
  if (exp > 38) throw overflow(op);
  return 10n ** BigInt(exp);
}

export const min = (a: bigint, b: bigint) => (a < b ? a : b);
export const max = (a: bigint, b: bigint) => (a > b ? a : b);
export const satI128 = (v: bigint) => (v > I128_MAX ? I128_MAX : v < I128_MIN ? I128_MIN : v);
export const satI64 = (v: bigint) => (v > I64_MAX ? I64_MAX : v < I64_MIN ? I64_MIN : v);
export const satU64 = (v: bigint) => (v > U64_MAX ? U64_MAX : v < 0n ? 0n : v);
