//! Checked i128 arithmetic with explicit rounding. Every function takes the name of
//! the operation it serves so that a failure says where it happened.
//!
//! All divisions in the crate go through [`div`], which forces the caller to say
//! which way the quotient rounds. `Floor` and `Ceil` are toward minus and plus
//! infinity, also for negative numerators, so "in the protocol's favour" has one
//! meaning whatever the sign.

use crate::error::{MathError, MathResult};

/// Direction of rounding for a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward minus infinity.
    Floor,
    /// Toward plus infinity.
    Ceil,
}

#[inline]
pub fn add(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    a.checked_add(b).ok_or(MathError::overflow(op))
}

#[inline]
pub fn sub(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    a.checked_sub(b).ok_or(MathError::overflow(op))
}

/// `a × b`, checked.
///
/// Not `i128::checked_mul`: that lowers to the `__muloti4` libcall, an i128-returning
/// builtin that the offline SBF toolchain's return-convention patch does not cover. The
/// magnitudes are multiplied on 64-bit words instead ([`mul_wide`]); a product of two
/// magnitudes above 2^64 always overflows. Property-tested equal to `checked_mul`.
#[inline]
#[allow(clippy::cast_possible_truncation)]
pub fn mul(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    let negative = (a < 0) != (b < 0);
    let (x, y) = (a.unsigned_abs(), b.unsigned_abs());
    let (xh, xl, yh, yl) = ((x >> 64) as u64, x as u64, (y >> 64) as u64, y as u64);
    let product = match (xh, yh) {
        (0, 0) => mul_wide(xl, yl),
        (0, h) | (h, 0) => {
            let low = if xh == 0 { xl } else { yl };
            // (h·2^64 + l)·low = h·low·2^64 + l·low; h·low must fit the high word.
            let l = if xh == 0 { yl } else { xl };
            let cross = mul_wide(h, low);
            if cross >> 64 != 0 {
                return Err(MathError::overflow(op));
            }
            mul_wide(l, low).checked_add(cross << 64).ok_or(MathError::overflow(op))?
        }
        _ => return Err(MathError::overflow(op)),
    };
    if negative {
        if product == i128::MIN.unsigned_abs() {
            return Ok(i128::MIN);
        }
        i128::try_from(product).ok().and_then(i128::checked_neg).ok_or(MathError::overflow(op))
    } else {
        i128::try_from(product).map_err(|_| MathError::overflow(op))
    }
}

/// The full 128-bit product of two 64-bit words, from 32-bit halves (native
/// multiplications only; no libcall).
#[inline]
#[allow(clippy::arithmetic_side_effects)]
pub fn mul_wide(a: u64, b: u64) -> u128 {
    const LOW: u64 = u32::MAX as u64;
    let (a1, a0, b1, b0) = (a >> 32, a & LOW, b >> 32, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // Each partial product is < 2^64; the middle column sums three 32-bit values.
    let mid = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    let lo = (mid << 32) | (p00 & LOW);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    (u128::from(hi) << 64) | u128::from(lo)
}

#[inline]
pub fn neg(a: i128, op: &'static str) -> MathResult<i128> {
    a.checked_neg().ok_or(MathError::overflow(op))
}

/// Unsigned 128-bit division and remainder, `None` for a zero divisor.
///
/// Done on 64-bit words: rustc lowers `u128`/`i128` division to compiler-builtins
/// libcalls (`__udivti3`, `__divti3`, …) whose 128-bit arguments the offline SBF
/// toolchain passes in a way the builtins do not expect (a quotient of a numerator above
/// 2^64 faults on chain), so this crate never divides 128-bit integers with `/` or `%`.
///
/// Cost matters on chain, so there is no bit-by-bit loop: a numerator and divisor below
/// 2^64 use one native division; a divisor below 2^64 (every scale constant, price and
/// rate) uses one native division for the high word and one two-digit schoolbook step
/// ([`div_wide`]) for the low word; a wider divisor estimates its (< 2^64) quotient from
/// its top 64 bits and corrects it once.
#[allow(clippy::arithmetic_side_effects, clippy::integer_division, clippy::cast_possible_truncation)]
pub fn udivrem(n: u128, d: u128) -> Option<(u128, u128)> {
    let (nh, nl) = ((n >> 64) as u64, n as u64);
    let (dh, dl) = ((d >> 64) as u64, d as u64);
    if dh == 0 {
        if dl == 0 {
            return None;
        }
        if nh == 0 {
            return Some((u128::from(nl / dl), u128::from(nl % dl)));
        }
        if dl <= u64::from(u32::MAX) {
            return Some(div_short(nh, nl, dl));
        }
        // A divisor that is a 32-bit number times a power of two (1e12 = 5^12·2^12):
        // divide the shifted numerator and put the shifted-out bits back into the remainder.
        let tz = dl.trailing_zeros();
        if dl >> tz <= u64::from(u32::MAX) {
            // 0 < tz < 64 here (dl ≥ 2^32 and dl >> tz < 2^32).
            let (sh, sl) = (nh >> tz, (nl >> tz) | (nh << (64 - tz)));
            let (q, r) = div_short(sh, sl, dl >> tz);
            return Some((q, (r << tz) | u128::from(nl & ((1u64 << tz) - 1))));
        }
        let (qh, rh) = (nh / dl, nh % dl);
        let (ql, r) = div_wide(rh, nl, dl);
        return Some(((u128::from(qh) << 64) | u128::from(ql), u128::from(r)));
    }
    if n < d {
        return Some((0, n));
    }
    // d ≥ 2^64, so the quotient fits 64 bits. Normalise d's top word (s < 64), divide
    // n/2 by it (its high word is below the normalised divisor, so one `div_wide`), and
    // scale back: the estimate is the quotient or one above; step down by one, then up
    // once if the remainder still holds a divisor.
    let s = dh.leading_zeros();
    let top = if s == 0 { dh } else { (dh << s) | (dl >> (64 - s)) };
    let (half_h, half_l) = (nh >> 1, (nl >> 1) | (nh << 63));
    let (estimate, _) = div_wide(half_h, half_l, top);
    let mut q = (estimate >> (63 - s)).saturating_sub(1);
    let mut r = n.wrapping_sub(u128::from(q).wrapping_mul(d));
    if r >= d {
        q += 1;
        r -= d;
    }
    Some((u128::from(q), r))
}

/// `(nh·2^64 + nl) / d` for `0 < d < 2^32`: four native divisions on 32-bit digits (each
/// partial dividend `r·2^32 + digit` fits 64 bits because `r < d < 2^32`), all on words.
#[inline]
#[allow(clippy::arithmetic_side_effects, clippy::integer_division)]
fn div_short(nh: u64, nl: u64, d: u64) -> (u128, u128) {
    const LOW: u64 = u32::MAX as u64;
    let mut r = 0u64;
    let mut digit = |next: u64| {
        let part = (r << 32) | next;
        r = part % d;
        part / d
    };
    let (q3, q2, q1, q0) = (digit(nh >> 32), digit(nh & LOW), digit(nl >> 32), digit(nl & LOW));
    ((u128::from((q3 << 32) | q2) << 64) | u128::from((q1 << 32) | q0), u128::from(r))
}

/// `n / 1e12` (the notional divisor, `5^12 · 2^12`) and whether it was inexact: a shift
/// and four native divisions by `5^12`, with no branch on the divisor.
#[inline]
#[allow(clippy::cast_possible_truncation)]
pub fn div_by_notional_divisor(n: u128) -> (u128, bool) {
    const ODD: u64 = 244_140_625; // 5^12
    let (nh, nl) = ((n >> 64) as u64, n as u64);
    let (sh, sl) = (nh >> 12, (nl >> 12) | (nh << 52));
    let (q, r) = div_short(sh, sl, ODD);
    (q, r != 0 || nl & 0xfff != 0)
}

/// `(hi·2^64 + lo) / d` for `hi < d`: the quotient fits 64 bits. Knuth's algorithm D
/// with 32-bit digits, so every step is a native 64-bit operation.
#[allow(clippy::arithmetic_side_effects, clippy::integer_division, clippy::cast_possible_truncation)]
fn div_wide(hi: u64, lo: u64, d: u64) -> (u64, u64) {
    const B: u64 = 1 << 32;
    const LOW: u64 = B - 1;
    debug_assert!(hi < d);
    let s = d.leading_zeros();
    let d = d << s;
    let (d1, d0) = (d >> 32, d & LOW);
    let n32 = if s == 0 { hi } else { (hi << s) | (lo >> (64 - s)) };
    let n10 = lo << s;
    let (n1, n0) = (n10 >> 32, n10 & LOW);
    // One quotient digit of (top · B + next) / d, where top < d: estimate from d's high
    // digit, correct at most twice.
    let digit = |top: u64, next: u64| -> (u64, u64) {
        let mut q = top / d1;
        let mut rhat = top - q * d1;
        while q >= B || q * d0 > (rhat << 32) + next {
            q -= 1;
            rhat += d1;
            if rhat >= B {
                break;
            }
        }
        (q, (top << 32).wrapping_add(next).wrapping_sub(q.wrapping_mul(d)))
    };
    let (q1, n21) = digit(n32, n1);
    let (q0, r) = digit(n21, n0);
    ((q1 << 32) | q0, r >> s)
}

/// `a / b` rounded as asked. `b` may have either sign; zero is an error.
#[inline]
#[allow(clippy::arithmetic_side_effects, clippy::integer_division)]
pub fn div(a: i128, b: i128, rounding: Rounding, op: &'static str) -> MathResult<i128> {
    // Most operands are non-negative and fit a word: one native division.
    if let (Ok(x), Ok(y)) = (u64::try_from(a), u64::try_from(b)) {
        if y == 0 {
            return Err(MathError::div_by_zero(op));
        }
        let q = x / y;
        let up = rounding == Rounding::Ceil && x % y != 0;
        return Ok(i128::from(q) + i128::from(up));
    }
    let (q, r) = udivrem(a.unsigned_abs(), b.unsigned_abs()).ok_or(MathError::div_by_zero(op))?;
    let inexact = u128::from(r != 0);
    let negative = (a < 0) != (b < 0);
    // |a|/|b| = q + r/|b|. Positive: floor q, ceil q + inexact. Negative: −q − r/|b|:
    // floor −(q + inexact), ceil −q.
    let magnitude = match (negative, rounding) {
        (false, Rounding::Floor) | (true, Rounding::Ceil) => q,
        (false, Rounding::Ceil) | (true, Rounding::Floor) => q.checked_add(inexact).ok_or(MathError::overflow(op))?,
    };
    if negative {
        if magnitude == i128::MIN.unsigned_abs() {
            return Ok(i128::MIN);
        }
        i128::try_from(magnitude).ok().and_then(i128::checked_neg).ok_or(MathError::overflow(op))
    } else {
        i128::try_from(magnitude).map_err(|_| MathError::overflow(op))
    }
}

/// `a * b / c` with one rounding at the end.
#[inline]
pub fn mul_div(a: i128, b: i128, c: i128, rounding: Rounding, op: &'static str) -> MathResult<i128> {
    // Word-sized magnitudes: the exact 128-bit product of the magnitudes, one unsigned
    // division, then the sign and the rounding (as in `div`).
    if let (Ok(x), Ok(y), Ok(z)) = (u64::try_from(a.unsigned_abs()), u64::try_from(b.unsigned_abs()), u64::try_from(c.unsigned_abs())) {
        let (q, r) = udivrem(mul_wide(x, y), u128::from(z)).ok_or(MathError::div_by_zero(op))?;
        let negative = q != 0 || r != 0;
        let negative = negative && ((a < 0) != (b < 0)) != (c < 0);
        // Away from zero when the exact quotient is inexact and the rounding points away.
        let away = r != 0 && (rounding == Rounding::Ceil) != negative;
        let magnitude = if away { q.checked_add(1).ok_or(MathError::overflow(op))? } else { q };
        let v = i128::try_from(magnitude).map_err(|_| MathError::overflow(op))?;
        return Ok(if negative { neg(v, op)? } else { v });
    }
    div(mul(a, b, op)?, c, rounding, op)
}

/// Narrow to `u64`; negative or too large is an overflow of `op`.
#[inline]
pub fn to_u64(v: i128, op: &'static str) -> MathResult<u64> {
    u64::try_from(v).map_err(|_| MathError::overflow(op))
}

/// Narrow to `i64`.
#[inline]
pub fn to_i64(v: i128, op: &'static str) -> MathResult<i64> {
    i64::try_from(v).map_err(|_| MathError::overflow(op))
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `10^exp` as i128 (exp ≤ 38), from a table (no multiplication at run time).
#[inline]
pub fn pow10(exp: u32, op: &'static str) -> MathResult<i128> {
    POW10.get(exp as usize).copied().ok_or(MathError::overflow(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_ceil_round_toward_the_infinities_for_both_signs() {
        assert_eq!(div(7, 2, Rounding::Floor, "t"), Ok(3));
        assert_eq!(div(7, 2, Rounding::Ceil, "t"), Ok(4));
        assert_eq!(div(-7, 2, Rounding::Floor, "t"), Ok(-4));
        assert_eq!(div(-7, 2, Rounding::Ceil, "t"), Ok(-3));
        assert_eq!(div(7, -2, Rounding::Floor, "t"), Ok(-4));
        assert_eq!(div(-7, -2, Rounding::Ceil, "t"), Ok(4));
        assert_eq!(div(6, 3, Rounding::Ceil, "t"), Ok(2));
        assert_eq!(div(-6, 3, Rounding::Floor, "t"), Ok(-2));
    }

    #[test]
    fn multiplication_matches_i128_checked_mul_at_the_edges() {
        let edges = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            10,
            i128::from(u64::MAX),
            -i128::from(u64::MAX),
            1 << 63,
            1 << 64,
            -(1 << 64),
            (1 << 126) - 1,
            1 << 126,
            -(1 << 126),
            i128::MAX,
            i128::MIN,
            i128::MAX / 3,
            i128::MIN / 7,
        ];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(mul(a, b, "m").ok(), a.checked_mul(b), "{a} × {b}");
            }
        }
        for e in 0..=38u32 {
            assert_eq!(pow10(e, "p"), Ok(10i128.pow(e)));
        }
        assert!(pow10(39, "p").is_err());
    }

    #[test]
    fn long_division_matches_the_standard_library() {
        let edges = [
            0u128,
            1,
            2,
            3,
            7,
            10,
            u128::from(u32::MAX),
            u128::from(u64::MAX),
            1 << 64,
            (1 << 64) + 1,
            1_000_000_000_000,
            50_005_000_000_000_000_000_000,
            (1 << 127) - 1,
            1 << 127,
            u128::MAX - 1,
            u128::MAX,
            (1 << 63) - 1,
            1 << 63,
            ((1 << 64) - 1) << 32,
            (1 << 96) + (1 << 32) - 1,
            ((1 << 64) + 1) << 63,
            0xffff_ffff_0000_0001_ffff_ffff_0000_0001,
            0x8000_0000_0000_0000_0000_0000_0000_0001,
        ];
        for &n in &edges {
            for &d in &edges {
                let expect = n.checked_div(d).map(|q| (q, n % d));
                assert_eq!(udivrem(n, d), expect, "{n} / {d}");
            }
        }
        assert_eq!(div(i128::MIN, 1, Rounding::Floor, "t"), Ok(i128::MIN));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "t"), Err(MathError::overflow("t")));
        assert_eq!(div(-50_005_000_000_000_000_000_001, 1_000_000_000_000, Rounding::Floor, "t"), Ok(-50_005_000_001));
    }

    #[test]
    #[allow(clippy::cast_possible_wrap)]
    fn long_division_matches_the_standard_library_on_many_magnitudes() {
        // Deterministic xorshift over every pair of bit widths, so each branch (native,
        // narrow divisor, wide divisor, estimate corrections) is hit many times.
        let mut x: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
        let mut next = || {
            x ^= x << 23;
            x ^= x >> 17;
            x ^= x << 26;
            x
        };
        for nbits in 1..=128u32 {
            for dbits in 1..=128u32 {
                for _ in 0..8 {
                    let n = next() >> (128 - nbits);
                    let d = (next() >> (128 - dbits)) | (1 << (dbits - 1));
                    assert_eq!(udivrem(n, d), Some((n / d, n % d)), "{n} / {d}");
                    let (a, b) = (n as i128, -((d >> 1) as i128));
                    assert_eq!(mul(a, b, "m").ok(), a.checked_mul(b), "{a} × {b}");
                    assert_eq!(mul(b, b, "m").ok(), b.checked_mul(b), "{b} × {b}");
                }
            }
        }
    }

    #[test]
    fn the_notional_divisor_shortcut_is_a_division_by_1e12() {
        const D: u128 = 1_000_000_000_000;
        let mut x: u128 = 0x2545_f491_4f6c_dd1d_9e37_79b9_7f4a_7c15;
        for bits in 0..=128u32 {
            for _ in 0..16 {
                x ^= x << 23;
                x ^= x >> 17;
                x ^= x << 26;
                let n = if bits == 0 { 0 } else { x >> (128 - bits) };
                assert_eq!(div_by_notional_divisor(n), (n / D, n % D != 0), "{n}");
            }
        }
        assert_eq!(D, (crate::constants::NOTIONAL_DIVISOR).unsigned_abs());
    }

    #[test]
    fn failures_name_the_operation() {
        assert_eq!(div(1, 0, Rounding::Floor, "ratio"), Err(MathError::div_by_zero("ratio")));
        assert_eq!(mul(i128::MAX, 2, "notional"), Err(MathError::overflow("notional")));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "q"), Err(MathError::overflow("q")));
        assert_eq!(to_u64(-1, "amount"), Err(MathError::overflow("amount")));
    }
}
