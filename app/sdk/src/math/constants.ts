/** The scales of `crates/math/src/constants.rs` (docs/MATH.md, "Units"). */
export const BASE_PRECISION = 1_000_000_000n; // 1e9 lots per unit
export const PRICE_SCALE = 1_000n; // price = quote native per unit × 1e3
export const PRICE_SCALE_EXPONENT = 3;
export const NOTIONAL_DIVISOR = 1_000_000_000_000n; // 1e12
export const PPM = 1_000_000n;
export const EFFECTIVE_LEVERAGE_SCALE = 1_000_000n;
export const FUNDING_INDEX_SCALE = 1_000_000n;
export const MAX_LEVERAGE = 1000;
export const MAX_TIERS = 4;
export const DEFAULT_TRANSFER_FLOOR_PPM = 100_000;
export const FUNDING_PERIOD_SECS = 3_600n;
export const GUARD_TIP_CAP_PPM = 10_000n;
