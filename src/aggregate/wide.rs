//! A minimal unsigned 256-bit integer for the exact sums of squares.
//!
//! Only the operations the accumulator needs: addition, squaring a `u128`,
//! multiplying by a `u64`, subtraction and a deterministic conversion to
//! `f64`. Callers keep values within range (see the bounds in
//! `fixed.rs`); the arithmetic wraps rather than panics if they do not.

use serde::{Deserialize, Serialize};

/// An unsigned 256-bit integer, `hi * 2^128 + lo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct U256 {
    /// High 128 bits (compared first, so the derived ordering is numeric).
    pub hi: u128,
    /// Low 128 bits.
    pub lo: u128,
}

impl U256 {
    /// The value of a `u128`.
    #[cfg(test)]
    pub fn from_u128(lo: u128) -> Self {
        U256 { hi: 0, lo }
    }

    /// `self + other` (wrapping at 2^256).
    #[inline]
    pub fn add(self, other: U256) -> U256 {
        let (lo, carry) = self.lo.overflowing_add(other.lo);
        U256 {
            hi: self.hi.wrapping_add(other.hi).wrapping_add(carry as u128),
            lo,
        }
    }

    /// `self - other`, assuming `self >= other` (wraps otherwise).
    pub fn sub(self, other: U256) -> U256 {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        U256 {
            hi: self.hi.wrapping_sub(other.hi).wrapping_sub(borrow as u128),
            lo,
        }
    }

    /// `x * x`, exactly.
    pub fn square(x: u128) -> U256 {
        let a = x >> 64;
        let b = x & u64::MAX as u128;
        let ab = a * b;
        let (lo1, c1) = (b * b).overflowing_add(ab << 64);
        let (lo, c2) = lo1.overflowing_add(ab << 64);
        let hi = a * a + (ab >> 64) * 2 + c1 as u128 + c2 as u128;
        U256 { hi, lo }
    }

    /// `self * n` (wrapping at 2^256).
    pub fn mul_u64(self, n: u64) -> U256 {
        let limbs = [
            self.lo as u64,
            (self.lo >> 64) as u64,
            self.hi as u64,
            (self.hi >> 64) as u64,
        ];
        let mut out = [0u64; 4];
        let mut carry: u128 = 0;
        for (o, &l) in out.iter_mut().zip(&limbs) {
            let p = l as u128 * n as u128 + carry;
            *o = p as u64;
            carry = p >> 64;
        }
        U256 {
            lo: out[0] as u128 | (out[1] as u128) << 64,
            hi: out[2] as u128 | (out[3] as u128) << 64,
        }
    }

    /// The nearest `f64` (within one unit in the last place; a pure function
    /// of the value, so it is deterministic).
    pub fn to_f64(self) -> f64 {
        if self.hi == 0 {
            self.lo as f64
        } else {
            // 2^128 is exact in f64; the two roundings stay within 1 ulp.
            self.hi as f64 * 340282366920938463463374607431768211456.0 + self.lo as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_and_products_match_small_cases() {
        assert_eq!(U256::square(3), U256::from_u128(9));
        let x = u128::MAX;
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1
        let sq = U256::square(x);
        assert_eq!(sq.lo, 1);
        assert_eq!(sq.hi, u128::MAX - 1);
        let y = (1u128 << 100) + 12345;
        let sq = U256::square(y);
        // y^2 = 2^200 + 2*12345*2^100 + 12345^2
        assert_eq!(sq.hi, 1u128 << 72);
        assert_eq!(sq.lo, ((2 * 12345u128) << 100) | (12345 * 12345));
        let m = U256::from_u128(u128::MAX).mul_u64(3);
        assert_eq!(m.hi, 2);
        assert_eq!(m.lo, u128::MAX - 2);
        assert_eq!(
            m.sub(U256::from_u128(u128::MAX)),
            U256 {
                hi: 1,
                lo: u128::MAX - 1
            }
        );
        assert_eq!(U256 { hi: 1, lo: 0 }.to_f64(), 2f64.powi(128));
    }
}
