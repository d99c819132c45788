/** Volatility-scaled leverage (`volatility.rs`). */
import { MathError, add, max, min, mulDiv, sub, U64_MAX } from "./checked.js";
import { PPM } from "./constants.js";

export const MAX_SAMPLED_MOVE_PPM = 250_000n;
export const VARIANCE_HORIZON_SECS = 3_600n;
const LN2_PPM = 693_147n;

export interface VolState {
  /** EWMA of squared hourly-normalised returns, ppm². */
  variance: bigint;
  lastPrice: bigint;
  lastTs: bigint;
}

const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** The estimate after sampling `price` at `now` (`VolState::sample`). */
export function volSample(s: VolState, price: bigint, now: bigint, halfLifeSecs: number): VolState {
  const OP = "volatility sample";
  if (price === 0n || (s.lastPrice !== 0n && now <= s.lastTs)) return s;
  if (s.lastPrice === 0n || halfLifeSecs === 0) return { variance: s.variance, lastPrice: price, lastTs: now };
  const dt = now - s.lastTs;
  if (dt < 0n) throw new MathError("InvalidInput", OP);
  const diff = price > s.lastPrice ? price - s.lastPrice : s.lastPrice - price;
  const mv = min(divCeil(diff * PPM, s.lastPrice), MAX_SAMPLED_MOVE_PPM);
  const sample = divCeil(mv * mv * VARIANCE_HORIZON_SECS, dt);
  const num = dt * LN2_PPM;
  const den = num + BigInt(halfLifeSecs) * PPM;
  const step = mulDiv(sub(sample, s.variance, OP), num, den, "ceil", OP);
  const v = max(add(s.variance, step, OP), 0n);
  return { variance: min(v, U64_MAX), lastPrice: price, lastTs: now };
}

/** `⌈√variance⌉`, ppm per hour. */
export function hourlyVolPpm(variance: bigint): bigint {
  const r = isqrt(variance);
  return r * r === variance ? r : r + 1n;
}

/** `clamp(target / vol, floor, 1)` in ppm; 1e6 when off or without history. */
export function leverageScalePpm(variance: bigint, targetPpm: number, floorPpm: number): number {
  const vol = hourlyVolPpm(variance);
  if (targetPpm === 0 || vol === 0n) return Number(PPM);
  const scale = min(mulDiv(BigInt(targetPpm), PPM, vol, "floor", "leverage scale"), PPM);
  return Number(min(max(scale, BigInt(floorPpm)), PPM));
}

/** `max(1, ⌊tierMax × scale⌋)`, at most `tierMax`. */
export function scaledMaxLeverage(tierMax: number, scalePpm: number): number {
  const scaled = Number((BigInt(tierMax) * BigInt(scalePpm)) / PPM);
  return Math.min(Math.max(scaled, 1), Math.max(tierMax, 1));
}
