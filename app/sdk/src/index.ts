/**
 * @ballast/sdk — see README.md. Amounts are `bigint` in the program's units (docs/MATH.md).
 */
export * as math from "./math/index.js";
export { MathError } from "./math/checked.js";
export type { MathErrorKind, Rounding } from "./math/checked.js";
export { BASE_PRECISION, PRICE_SCALE, NOTIONAL_DIVISOR, PPM, MAX_TIERS, MAX_LEVERAGE, EFFECTIVE_LEVERAGE_SCALE, FUNDING_INDEX_SCALE } from "./math/constants.js";
export type { Tier, Maintenance } from "./math/tiers.js";
export type { PositionHealth, DomainHealth, PositionRisk } from "./math/margin.js";
export * from "./constants.js";
export { IDL } from "./idl.js";
export type { BallastIdl } from "./idl.js";
export * from "./pda.js";
export * from "./accounts.js";
export * from "./health.js";
export * from "./instructions.js";
export * from "./events.js";
export * from "./client.js";
export * from "./previews.js";
export * from "./format.js";
export * from "./encode.js";
