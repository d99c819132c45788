/** `ballast-math` in TypeScript: bigint, bit-exact with `crates/math` (checked by test/vectors.json). */
export * as checked from "./checked.js";
export { MathError } from "./checked.js";
export type { MathErrorKind, Rounding } from "./checked.js";
export * from "./constants.js";
export * from "./tiers.js";
export * from "./position.js";
export * from "./oracle.js";
export * from "./funding.js";
export * from "./margin.js";
export * from "./liquidation.js";
export * from "./adl.js";
export * from "./volatility.js";
