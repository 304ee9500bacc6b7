//! Exact sums in fixed point: the mean and standard deviation of a cell,
//! free of rounding that depends on the order values are added in.
//!
//! A value `x` enters the sums as `q = trunc(x · 2^32)`, an integer (signed
//! fixed point with [`FRACTION_BITS`] fractional bits). A cell keeps
//! `S1 = Σq` in an `i128` and `S2 = Σq²` in 256 bits ([`U256`]), so adding
//! is exact and associative, and two sets of sums merge by addition.
//!
//! Values that are not finite or have `|x| >= 2^62` are *invalid*: they are
//! counted apart and summed nowhere. That bound keeps every `|q| < 2^94`,
//! so for up to [`MAX_TRIALS`] (`< 2^32`) values `|S1| < 2^126` and
//! `S2 < 2^220`: neither sum can overflow.
//!
//! Values with `|x| >= 2^21` are represented exactly; smaller ones are
//! truncated towards zero to a multiple of `2^-32` (≈ 2.3e-10). For
//! `|x| < 2^31`, `x · 2^32` fits an `i64` and `as i64` truncates it; above
//! that it is an integer below `2^94`, built from the bits (the *wide*
//! path).

use super::accumulator::MAX_TRIALS;
use super::wide::U256;

/// Fractional bits of the fixed-point representation used for the sums.
pub const FRACTION_BITS: u32 = 32;

const SCALE: f64 = 4_294_967_296.0; // 2^FRACTION_BITS
const INV_SCALE: f64 = 1.0 / SCALE;
const INV_SCALE_SQ: f64 = INV_SCALE * INV_SCALE;
/// The bits of an `f64` but its sign.
pub(super) const ABS_MASK: u64 = !(1u64 << 63);
/// Bit pattern of 2^31: below it `x * 2^32` fits an `i64`.
const SMALL_LIMIT_BITS: u64 = 0x41E0_0000_0000_0000;
/// Bit pattern of 2^62: values at or above it (and non-finite ones) are
/// invalid.
const VALID_LIMIT_BITS: u64 = 0x43D0_0000_0000_0000;

// The overflow bounds of the module documentation.
const _: () = assert!(MAX_TRIALS < 1 << 32);

/// The bits of `x`, with both signed zeros mapped to +0.0 (a value is
/// identified by these bits: runs of equal values, histogram keys).
#[inline(always)]
pub(super) fn normalised_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits & ABS_MASK == 0 {
        0
    } else {
        bits
    }
}

/// Whether the value with bits `bits` is finite and `|x| < 2^62`.
#[inline(always)]
pub(super) fn is_valid(bits: u64) -> bool {
    bits & ABS_MASK < VALID_LIMIT_BITS
}

/// Whether the value with bits `bits` has `|x| < 2^31`, so that
/// [`Sums::add_small`] takes it.
#[inline(always)]
pub(super) fn is_small(bits: u64) -> bool {
    bits & ABS_MASK < SMALL_LIMIT_BITS
}

/// `(Σq, Σq²)` of `len` copies of the valid value with (normalised) bits
/// `bits`.
pub(super) fn sums_of(bits: u64, len: u32) -> (i128, U256) {
    let abs = bits & ABS_MASK;
    let q: u128 = if abs < SMALL_LIMIT_BITS {
        (f64::from_bits(bits) * SCALE).abs() as u64 as u128
    } else {
        let mantissa = (abs & ((1u64 << 52) - 1)) | (1u64 << 52);
        let shift = (abs >> 52) as i32 - 1075 + FRACTION_BITS as i32;
        (mantissa as u128) << shift
    };
    let sum = q as i128 * len as i128;
    (
        if bits >> 63 == 1 { -sum } else { sum },
        U256::square(q).mul_u64(len as u64),
    )
}

/// A cell's sums and extremes in the form the accumulation sweep updates:
/// the low half of `S2` sits here, with the extremes, and its rare carries
/// go to a high half kept elsewhere (`sq_hi` below), so that the 48 bytes a
/// changing value touches stay on one cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
pub(super) struct Sums {
    /// `S1 = Σq`.
    pub sum: i128,
    /// Low 128 bits of `S2 = Σq²`.
    pub sq_lo: u128,
    /// Smallest value added.
    pub min: f64,
    /// Largest value added.
    pub max: f64,
}

impl Sums {
    /// No values.
    pub const EMPTY: Sums = Sums {
        sum: 0,
        sq_lo: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// Adds one value with `|x| < 2^31` ([`is_small`]): the common case of
    /// a value that changes every trial.
    #[inline(always)]
    pub fn add_small(&mut self, x: f64, sq_hi: &mut u128) {
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        let q = (x * SCALE) as i64;
        self.sum += q as i128;
        let m = q.unsigned_abs() as u128;
        let (lo, carry) = self.sq_lo.overflowing_add(m * m);
        self.sq_lo = lo;
        if carry {
            // Rare (at most once per 4 values, usually far less): keep the
            // high words out of the cache otherwise.
            carry_into(sq_hi);
        }
    }

    /// Adds `(sum, sq)` from [`sums_of`] of copies of the value `x`.
    #[inline]
    pub fn add(&mut self, x: f64, sum: i128, sq: U256, sq_hi: &mut u128) {
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.sum += sum;
        let total = U256 {
            hi: *sq_hi,
            lo: self.sq_lo,
        }
        .add(sq);
        self.sq_lo = total.lo;
        *sq_hi = total.hi;
    }
}

#[cold]
#[inline(never)]
fn carry_into(hi: &mut u128) {
    *hi += 1;
}

/// The mean of `n` values whose sum is `S1 = sum`: exact, then rounded
/// once. Its error is below `2^-32 + 2 ulp` (the fixed-point truncation).
pub(super) fn mean(sum: i128, n: u64) -> f64 {
    sum as f64 / n as f64 * INV_SCALE
}

/// The sample variance (`n - 1` denominator, `n >= 2`) of `n` values with
/// sums `S1 = sum` and `S2 = sq`, as `(n·S2 - S1²) / (n(n-1))` with the
/// numerator exact in integers: no cancellation, so its only errors are the
/// fixed-point truncation and a few ulp.
pub(super) fn variance(sum: i128, sq: U256, n: u64) -> f64 {
    let num = sq.mul_u64(n).sub(U256::square(sum.unsigned_abs()));
    let den = (n as u128 * (n - 1) as u128) as f64;
    num.to_f64() / den * INV_SCALE_SQ
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture::one_cell;

    #[test]
    fn both_paths_give_the_exact_fixed_point_value() {
        let q = |x: f64| sums_of(normalised_bits(x), 1).0;
        assert_eq!(q(1.5), 3 << 31);
        assert_eq!(q(-1.5), -(3 << 31));
        // Truncated towards zero below 2^-32.
        assert_eq!(q(1e-10), 0);
        assert_eq!(q(-3e-10), -1);
        // The wide path, on either side of 2^31.
        assert!(is_small(normalised_bits(2f64.powi(31) - 1.0)));
        assert!(!is_small(normalised_bits(2f64.powi(31))));
        assert_eq!(q(2f64.powi(31)), 1 << 63);
        assert_eq!(q(-(2f64.powi(40) + 2.0)), -((1i128 << 72) + (2 << 32)));
        let (sum, sq) = sums_of(normalised_bits(2f64.powi(61)), 3);
        assert_eq!(sum, 3 << 93);
        assert_eq!(sq, U256::square(1 << 93).mul_u64(3));
        assert!(is_valid(normalised_bits(
            2f64.powi(62) * (1.0 - f64::EPSILON)
        )));
        for x in [2f64.powi(62), -2f64.powi(62), f64::INFINITY, f64::NAN] {
            assert!(!is_valid(normalised_bits(x)), "{x}");
        }
        assert_eq!(normalised_bits(-0.0), 0);
    }

    #[test]
    fn large_values_use_the_wide_path_exactly() {
        // Sums of values in [2^31, 2^62) are integers in fixed point: the
        // mean of {2^40, 2^40 + 2} is exactly 2^40 + 1 and std is sqrt(2).
        let b = 2f64.powi(40);
        let s = one_cell(&[b, b + 2.0]).cell(0);
        assert_eq!(s.mean, b + 1.0);
        assert_eq!(s.std, 2f64.sqrt());
    }
}
