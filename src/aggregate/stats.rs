//! What the summary statistics of a cell are, and how exact.
//!
//! A cell's statistics ([`CellStats`]) are a pure function of its settled
//! state (the fixed-point sums of `fixed`, the extremes, the counts of
//! zeros and invalid values, and the bins of `histogram`), so they are the
//! same however the trials were split and merged.
//!
//! # Accuracy
//!
//! * `n`, `min`, `max`, `p_any` are exact.
//! * `mean` is the exact mean of the fixed-point values, rounded once: values
//!   with `|x| >= 2^21` are represented exactly, smaller ones are truncated
//!   towards zero to a multiple of `2^-32` (≈ 2.3e-10), so
//!   `|mean - true mean| < 2^-32 + 2 ulp`. It is clamped into `[min, max]`,
//!   so a constant series gets its exact value.
//! * `std` (sample, `n - 1`) is computed as `sqrt((n·S2 - S1²) / (n(n-1)))`
//!   with the numerator exact in integers, so there is no cancellation: its
//!   only errors are the fixed-point truncation above (< 2^-32 absolute) and
//!   a few ulp.
//! * `p05`, `p25`, `p50`, `p75`, `p95` use the inverse-CDF definition: the `k`-th smallest
//!   value with `k = ceil(p·n)`. The estimate is the midpoint of the
//!   histogram bin holding that order statistic, clamped into `[min, max]`,
//!   so `|estimate - x_(k)| <= 2^-8 · |x_(k)|` (≈ 0.39%) for normal
//!   (non-subnormal) values; zeros, and anything in the bin of the minimum or
//!   maximum that clamps to it, come out exact.
//! * `cvar95` is the mean of the `n - k95 + 1` largest values
//!   (`k95 = ceil(0.95·n)`), each replaced by its bin estimate, so it is within
//!   0.39% of the exact tail mean when the tail has one sign.
//!
//! Exactness holds for up to [`MAX_TRIALS`](super::MAX_TRIALS) trials.

use super::accumulator::Settled;
use super::{fixed, histogram};

/// Summary statistics of one cell (one series in one period) over the trials.
///
/// Statistics that are undefined are NaN: everything but `n` when `n == 0`,
/// `std` and `se` when `n < 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellStats {
    /// Number of trials with a usable (finite, `|x| < 2^62`) value.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (`n - 1` denominator).
    pub std: f64,
    /// Standard error of the mean, `std / sqrt(n)`.
    pub se: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 25th percentile (lower quartile; the inner band of a fan chart).
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile (upper quartile).
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Fraction of trials with a value `> 0`: for shortfall rows, the
    /// probability of any shortfall.
    pub p_any: f64,
    /// Mean of the values at or above the 95th percentile (expected shortfall
    /// of the upper tail, CVaR 95%).
    pub cvar95: f64,
}

impl CellStats {
    /// The statistics as columns of the summary table, in column order
    /// (after `n`): each column's name and how to read it.
    pub const COLUMNS: [(&'static str, fn(&CellStats) -> f64); 12] = [
        ("mean", |c| c.mean),
        ("std", |c| c.std),
        ("se", |c| c.se),
        ("p05", |c| c.p05),
        ("p25", |c| c.p25),
        ("p50", |c| c.p50),
        ("p75", |c| c.p75),
        ("p95", |c| c.p95),
        ("min", |c| c.min),
        ("max", |c| c.max),
        ("p_any", |c| c.p_any),
        ("cvar95", |c| c.cvar95),
    ];

    /// The statistics of a settled cell out of `trials` trials.
    pub(super) fn of(trials: u64, c: &Settled) -> CellStats {
        let n = trials - c.invalid;
        if n == 0 {
            let nan = f64::NAN;
            return CellStats {
                n,
                mean: nan,
                std: nan,
                se: nan,
                p05: nan,
                p25: nan,
                p50: nan,
                p75: nan,
                p95: nan,
                min: nan,
                max: nan,
                p_any: nan,
                cvar95: nan,
            };
        }
        let (min, max) = (c.min, c.max);
        let nf = n as f64;
        let mean = fixed::mean(c.sum, n).clamp(min, max);
        let std = if n < 2 {
            f64::NAN
        } else {
            fixed::variance(c.sum, c.sq, n).sqrt()
        };
        let se = std / nf.sqrt();

        // Bins in ascending value order: negatives by descending magnitude,
        // zero, positives by ascending magnitude.
        let split = c.bins.partition_point(|&(k, _)| !histogram::is_negative(k));
        let (pos, neg) = c.bins.split_at(split);
        let mut ordered: Vec<(f64, u64)> = Vec::with_capacity(c.bins.len() + 1);
        ordered.extend(
            neg.iter()
                .rev()
                .map(|&(k, n)| (histogram::representative(k, min, max), n)),
        );
        if c.zeros > 0 {
            ordered.push((0.0, c.zeros));
        }
        ordered.extend(
            pos.iter()
                .map(|&(k, n)| (histogram::representative(k, min, max), n)),
        );
        let positives: u64 = pos.iter().map(|&(_, n)| n).sum();
        debug_assert_eq!(ordered.iter().map(|&(_, n)| n).sum::<u64>(), n);

        let quantile = |pct: u64| {
            let k = rank(pct, n);
            let mut cum = 0;
            for &(v, count) in &ordered {
                cum += count;
                if cum >= k {
                    return v;
                }
            }
            max
        };
        let tail = n - rank(95, n) + 1;
        let mut left = tail;
        let mut tail_sum = 0.0;
        for &(v, count) in ordered.iter().rev() {
            let take = count.min(left);
            tail_sum += v * take as f64;
            left -= take;
            if left == 0 {
                break;
            }
        }
        CellStats {
            n,
            mean,
            std,
            se,
            p05: quantile(5),
            p25: quantile(25),
            p50: quantile(50),
            p75: quantile(75),
            p95: quantile(95),
            min,
            max,
            p_any: positives as f64 / nf,
            cvar95: (tail_sum / tail as f64).clamp(min, max),
        }
    }
}

/// `ceil(pct · n / 100)`, at least 1: the rank of the `pct`-th percentile.
fn rank(pct: u64, n: u64) -> u64 {
    ((pct as u128 * n as u128).div_ceil(100) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture::{one_cell, Rng};
    use crate::aggregate::Accumulator;

    /// Exact order statistic `x_(k)`, `k = ceil(p n)`.
    fn exact_quantile(sorted: &[f64], pct: u64) -> f64 {
        sorted[rank(pct, sorted.len() as u64) as usize - 1]
    }

    fn check_quantiles(values: &[f64]) {
        let s = one_cell(values).cell(0);
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        for (pct, est) in [
            (5, s.p05),
            (25, s.p25),
            (50, s.p50),
            (75, s.p75),
            (95, s.p95),
        ] {
            let exact = exact_quantile(&sorted, pct);
            let rel = ((est - exact) / exact).abs();
            assert!(rel <= 1.0 / 256.0, "p{pct}: {est} vs {exact} ({rel})");
        }
        let tail = &sorted[rank(95, sorted.len() as u64) as usize - 1..];
        let exact_cvar = tail.iter().sum::<f64>() / tail.len() as f64;
        assert!(
            ((s.cvar95 - exact_cvar) / exact_cvar).abs() <= 1.0 / 256.0,
            "{} vs {exact_cvar}",
            s.cvar95
        );
        assert_eq!(s.min, sorted[0]);
        assert_eq!(s.max, *sorted.last().unwrap());
    }

    #[test]
    fn quantiles_of_uniform_and_lognormal_are_within_bound() {
        let mut rng = Rng(3);
        let uniform: Vec<f64> = (0..20_000).map(|_| 10.0 + 90.0 * rng.uniform()).collect();
        check_quantiles(&uniform);
        let lognormal: Vec<f64> = (0..20_000)
            .map(|_| (rng.normal() * 1.5 + 8.0).exp())
            .collect();
        check_quantiles(&lognormal);
        let negative: Vec<f64> = (0..5_000).map(|_| -(rng.normal() * 0.3).exp()).collect();
        let mut sorted = negative.clone();
        sorted.sort_by(f64::total_cmp);
        let s = one_cell(&negative).cell(0);
        for (pct, est) in [(5, s.p05), (50, s.p50), (95, s.p95)] {
            let exact = exact_quantile(&sorted, pct);
            assert!(
                ((est - exact) / exact).abs() <= 1.0 / 256.0,
                "p{pct}: {est} vs {exact}"
            );
        }
    }

    #[test]
    fn mean_and_std_match_a_high_precision_reference() {
        let mut rng = Rng(4);
        for (scale, offset) in [(1.0, 0.0), (1e-3, 1e6), (1e9, 1e12), (0.01, 0.5)] {
            let values: Vec<f64> = (0..10_001).map(|_| offset + scale * rng.normal()).collect();
            let s = one_cell(&values).cell(0);
            // Reference: exact rational arithmetic on the fixed-point values
            // would match bit for bit; here a two-pass mean and variance with
            // compensated sums is accurate to ~1e-15 relative.
            let n = values.len() as f64;
            let mean = neumaier(values.iter().copied()) / n;
            let var = neumaier(values.iter().map(|v| (v - mean) * (v - mean))) / (n - 1.0);
            let tol_mean = 2f64.powi(-32) + 4.0 * f64::EPSILON * mean.abs();
            assert!(
                (s.mean - mean).abs() <= tol_mean,
                "mean {} vs {mean}",
                s.mean
            );
            // Truncation to 2^-32 perturbs each value by < 2^-32.
            let tol_std = 2f64.powi(-31) + 1e-12 * var.sqrt();
            assert!(
                (s.std - var.sqrt()).abs() <= tol_std,
                "std {} vs {} (scale {scale})",
                s.std,
                var.sqrt()
            );
            assert_eq!(s.se, s.std / n.sqrt());
        }
    }

    fn neumaier(it: impl Iterator<Item = f64>) -> f64 {
        let (mut sum, mut c) = (0.0f64, 0.0f64);
        for x in it {
            let t = sum + x;
            c += if sum.abs() >= x.abs() {
                (sum - t) + x
            } else {
                (x - t) + sum
            };
            sum = t;
        }
        sum + c
    }

    #[test]
    fn constant_series_is_exact() {
        for v in [0.1, 1234.5678, -7.25, 3.3e15, 1e-300] {
            let s = one_cell(&[v; 1001]).cell(0);
            for stat in [
                s.mean, s.p05, s.p25, s.p50, s.p75, s.p95, s.min, s.max, s.cvar95,
            ] {
                assert_eq!(stat, v);
            }
            assert_eq!(s.std, 0.0);
            assert_eq!(s.se, 0.0);
            assert_eq!(s.p_any, if v > 0.0 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn zeros_and_shortfall_probability() {
        let mut acc = Accumulator::new(2);
        for t in 0..100 {
            let shortfall = if t % 10 == 0 { 5.0 + t as f64 } else { 0.0 };
            acc.add_trial(&[0.0, shortfall]);
        }
        let z = acc.cell(0);
        assert_eq!(
            (z.n, z.mean, z.std, z.p05, z.p50, z.p95, z.min, z.max, z.p_any, z.cvar95),
            (100, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        );
        let s = acc.cell(1);
        assert_eq!(s.p_any, 0.1);
        assert_eq!(s.p50, 0.0);
        assert_eq!(s.max, 95.0);
        assert_eq!(
            s.mean,
            (0..10).map(|k| 5.0 + 10.0 * k as f64).sum::<f64>() / 100.0
        );
        // p95 is rank 95 of 100; at or above it: 45, 55, 65, 75, 85, 95.
        assert!((s.cvar95 - 70.0).abs() <= 70.0 / 256.0, "{}", s.cvar95);
    }

    #[test]
    fn empty_single_and_invalid_values() {
        let mut acc = Accumulator::new(3);
        assert!(acc.cell(0).mean.is_nan());
        acc.add_trial(&[2.5, f64::NAN, 1e300]);
        let s = acc.cell(0);
        assert_eq!((s.n, s.mean, s.p50), (1, 2.5, 2.5));
        assert!(s.std.is_nan() && s.se.is_nan());
        assert_eq!(acc.cell(1).n, 0);
        assert_eq!(acc.cell(2).n, 0);
        assert_eq!(acc.invalid_total(), 2);
        let back = Accumulator::from_bytes(&acc.to_bytes()).unwrap();
        assert_eq!(back.to_bytes(), acc.to_bytes());
    }
}
