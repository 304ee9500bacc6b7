//! Inverse CDFs of the scenario distributions.
//!
//! Every named uncertainty is drawn as `x = F⁻¹(u)` from one uniform `u`, so
//! plain sampling, Latin Hypercube strata and Gaussian-copula correlation
//! all share one code path per distribution. `F⁻¹(u)` is the smallest `x`
//! with `F(x) ≥ u`: non-decreasing in `u` (so a copula's rank correlation
//! carries over), exact for the discrete families, and within the support
//! that validation checked. Every search is bounded: a draw costs at most a
//! fixed number of CDF evaluations whatever the parameters, and the
//! parameters validation accepts are those drawn correctly (see
//! [`POISSON_LAMBDA_MAX`], [`BETA_SHAPE_MAX`] and [`extreme_draws`]).

use super::Dist;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::{beta_reg, ln_beta};

/// The smallest uniform passed to an inverse CDF, 2⁻⁶⁴. The samplers never
/// produce less (plain draws are at least 2⁻⁵⁴, Latin Hypercube strata
/// 2⁻⁶², copula uniforms 10⁻¹⁵); anything below is raised to it.
pub const U_MIN: f64 = 5.421_010_862_427_522e-20;

/// The largest uniform passed to an inverse CDF: 1 − 2⁻⁵³, the largest
/// double below 1.
pub const U_MAX: f64 = 1.0 - f64::EPSILON / 2.0;

/// The largest Poisson mean accepted. A Poisson draw sums the probabilities
/// of about 40·√λ counts, so this bounds a draw's cost (about 0.05 ms);
/// above it a Poisson is a normal with mean λ and sd √λ to within a
/// thousandth of its spread (its skewness is 1/√λ).
pub const POISSON_LAMBDA_MAX: f64 = 1e6;

/// The largest beta shape accepted. statrs' regularized incomplete beta,
/// which the beta quantile inverts, is accurate to 3·10⁻¹¹ for shapes up to
/// 10⁴ (measured against 50-digit arithmetic); its continued fraction stops
/// at 140 terms, too few for larger shapes (errors of 10⁻⁷ at 10⁵, 10⁻² at
/// 10⁶).
pub const BETA_SHAPE_MAX: f64 = 1e4;

/// Mean of a normal clamped to `[min, max]` (clamping, not truncation).
pub fn clamped_normal_mean(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    if sd <= 0.0 {
        return mean.clamp(
            min.unwrap_or(f64::NEG_INFINITY),
            max.unwrap_or(f64::INFINITY),
        );
    }
    let n = Normal::standard();
    let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    // E[clamp(X)] = a·P(X<a) + b·P(X>b) + ∫_a^b x f(x) dx.
    let (mut e, mut lo_p, mut hi_p) = (0.0, 0.0, 1.0);
    let (mut za, mut zb) = (f64::NEG_INFINITY, f64::INFINITY);
    if let Some(a) = min {
        za = (a - mean) / sd;
        lo_p = n.cdf(za);
        e += a * lo_p;
    }
    if let Some(b) = max {
        zb = (b - mean) / sd;
        hi_p = n.cdf(zb);
        e += b * (1.0 - hi_p);
    }
    let pdf = |z: f64| if z.is_finite() { phi(z) } else { 0.0 };
    e + mean * (hi_p - lo_p) + sd * (pdf(za) - pdf(zb))
}

/// The value with cumulative probability `u` (0 < u < 1; clamped to
/// [`U_MIN`, `U_MAX`]).
pub fn quantile(d: &Dist, u: f64) -> f64 {
    let u = u.clamp(U_MIN, U_MAX);
    match d {
        Dist::Normal { mean, sd, min, max } => {
            let x = mean + sd * Normal::standard().inverse_cdf(u);
            x.clamp(
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            )
        }
        Dist::Lognormal { mean, sd } => {
            let (m, s) = lognormal_params(*mean, *sd);
            (m + s * Normal::standard().inverse_cdf(u)).exp()
        }
        Dist::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            let x = if *alpha > 0.0 && *beta > 0.0 {
                beta_quantile(*alpha, *beta, u)
            } else {
                0.5
            };
            lerp(min.unwrap_or(0.0), max.unwrap_or(1.0), x)
        }
        Dist::Uniform { min, max } => lerp(*min, *max, u),
        Dist::Triangular { min, mode, max } => triangular_quantile(*min, *mode, *max, u),
        Dist::Bernoulli { p } => {
            if u > 1.0 - p {
                1.0
            } else {
                0.0
            }
        }
        Dist::Poisson { lambda } => poisson_quantile(*lambda, u),
        Dist::Empirical { values, weights } => empirical_quantile(values, weights.as_deref(), u),
    }
}

/// The draws at the two ends of the uniform's range, [`U_MIN`] and
/// [`U_MAX`]: every draw lies between them, so validation refuses the
/// parameters if either is not a finite number.
pub fn extreme_draws(d: &Dist) -> (f64, f64) {
    (quantile(d, U_MIN), quantile(d, U_MAX))
}

/// The distribution with an empirical one's values in ascending order (each
/// keeping its weight), so that its quantile is a single scan; any other
/// distribution unchanged. The draws are the same either way (but for
/// rounding when `u` falls exactly on a step).
pub fn sorted(d: &Dist) -> Dist {
    match d {
        Dist::Empirical { values, weights } => {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
            Dist::Empirical {
                values: order.iter().map(|&i| values[i]).collect(),
                weights: weights
                    .as_ref()
                    .filter(|w| w.len() == values.len())
                    .map(|w| order.iter().map(|&i| w[i]).collect()),
            }
        }
        other => other.clone(),
    }
}

/// (mu, sigma) of log X for a lognormal with the given mean and sd of X.
pub fn lognormal_params(mean: f64, sd: f64) -> (f64, f64) {
    // v = ln(1 + cv²), without losing a small cv to the 1 (ln_1p) or
    // overflowing on a huge one.
    let v = if sd <= mean * 1e150 {
        (sd / mean).powi(2).ln_1p()
    } else {
        2.0 * (sd.ln() - mean.ln())
    };
    (mean.ln() - 0.5 * v, v.sqrt())
}

/// `a + (b − a)·t` for `0 < t < 1`, kept within `[a, b]`, also when
/// `b − a` overflows.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let w = b - a;
    let x = if w.is_finite() {
        a + w * t
    } else {
        a * (1.0 - t) + b * t
    };
    x.clamp(a, b)
}

/// The triangular inverse CDF, scaled by the width so that neither
/// `(b − a)(c − a)` overflows nor underflows.
fn triangular_quantile(a: f64, c: f64, b: f64, u: f64) -> f64 {
    if b <= a {
        return a;
    }
    let w = b - a;
    if !w.is_finite() {
        return 2.0 * triangular_quantile(0.5 * a, 0.5 * c, 0.5 * b, u);
    }
    let left = (c - a) / w;
    let x = if u < left {
        a + w * (u * left).sqrt()
    } else {
        b - w * ((1.0 - u) * ((b - c) / w)).sqrt()
    };
    x.clamp(a, b)
}

/// Newton steps a beta quantile may take before plain bisection finishes.
const BETA_NEWTON_STEPS: usize = 40;

/// The `u`-quantile of Beta(a, b) on [0, 1]: the root of `I_x(a, b) = u`,
/// with `I` statrs' regularized incomplete beta (a quantile below the
/// smallest double comes out as that double, 5·10⁻³²⁴).
///
/// Newton steps inside a bracket `I(lo) < u ≤ I(hi)`, falling back to
/// bisection of the bracket's bit patterns (which halves the exponent range
/// while the ends are orders of magnitude apart, so quantiles as small as
/// 10⁻³⁰⁰, or 0, are reached in a few dozen steps). It stops when `I(x)` is
/// within 4 ulps of `u`, when a Newton step moves `x` by less than 4 ulps
/// of its distance to the nearer end of [0, 1], or when the bracket is
/// narrower than 10⁻¹³ of that distance (the noise of `I` for large
/// shapes): at most `BETA_NEWTON_STEPS` + 64 evaluations, since bisection
/// alone shrinks any bracket to adjacent doubles in 64.
fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    // Above ½ through I_x(a, b) = 1 − I_{1−x}(b, a), with 1 − x exact:
    // statrs takes any x within 4 ulps of 1 as 1.
    let cdf = |x: f64| {
        if x > 0.5 {
            1.0 - beta_reg(b, a, 1.0 - x)
        } else {
            beta_reg(a, b, x)
        }
    };
    let ln_b = ln_beta(a, b);
    let pdf = |x: f64| ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_b).exp();
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    // Start at the mean, inside (0, 1).
    let mut x = (a / (a + b)).clamp(f64::MIN_POSITIVE, U_MAX);
    for step in 0..BETA_NEWTON_STEPS + 64 {
        let f = cdf(x) - u;
        if f.abs() <= 4.0 * f64::EPSILON * u {
            return x;
        }
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        // Widths relative to the nearer end of [0, 1] (1 − x is exact above
        // ½): near 1 the mass can sit within a few ulps of 1.
        if hi - lo <= 1e-13 * hi.min(1.0 - lo) || hi.to_bits() - lo.to_bits() <= 1 {
            return hi;
        }
        let slope = pdf(x);
        let newton = x - f / slope;
        if step < BETA_NEWTON_STEPS
            && slope.is_finite()
            && slope > 0.0
            && newton > lo
            && newton < hi
        {
            if (newton - x).abs() <= 4.0 * f64::EPSILON * x.min(1.0 - x) {
                return newton;
            }
            x = newton;
        } else {
            x = f64::from_bits((lo.to_bits() + hi.to_bits()) / 2);
        }
    }
    hi
}

/// Weights below this fraction of the mode's are left out of a Poisson sum:
/// the mass left out is below 10⁻³⁵ of the total, far under [`U_MIN`].
const POISSON_TINY: f64 = 1e-40;

/// The `u`-quantile of Poisson(λ): the smallest `k` with `P(X ≤ k) ≥ u`.
///
/// The probabilities are taken relative to the mode `m = ⌊λ⌋`
/// (`w_m = 1`, `w_{j−1} = w_j·j/λ`, `w_{j+1} = w_j·λ/(j+1)`), which neither
/// underflows nor overflows for any λ, and summed outward until they fall
/// below [`POISSON_TINY`]: about 14·√λ terms each side. A second pass
/// accumulates from the nearer tail to `u` of the total, so both tails keep
/// full relative precision. Only `+`, `×` and `÷` are used: the draw is the
/// same on every machine.
fn poisson_quantile(lambda: f64, u: f64) -> f64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0.0;
    }
    if lambda > POISSON_LAMBDA_MAX {
        // Not reached from a validated scenario, which refuses such a λ: a
        // Cornish-Fisher normal approximation keeps the draw's cost bounded.
        let z = Normal::standard().inverse_cdf(u);
        return (lambda + lambda.sqrt() * z + (z * z - 1.0) / 6.0)
            .round()
            .max(0.0);
    }
    let m = lambda.floor();
    // Below the mode.
    let (mut below, mut w_lo, mut lo) = (0.0, 1.0, m);
    while lo > 0.0 {
        let next = w_lo * (lo / lambda);
        if next < POISSON_TINY {
            break;
        }
        w_lo = next;
        lo -= 1.0;
        below += w_lo;
    }
    // Above the mode.
    let (mut above, mut w_hi, mut hi) = (0.0, 1.0, m);
    loop {
        let next = w_hi * (lambda / (hi + 1.0));
        if next < POISSON_TINY {
            break;
        }
        w_hi = next;
        hi += 1.0;
        above += w_hi;
    }
    let total = below + 1.0 + above;
    if u <= 0.5 {
        // Smallest k with Σ_{j ≤ k} w_j ≥ u·total, counting up from `lo`.
        let target = u * total;
        let (mut k, mut w, mut acc) = (lo, w_lo, w_lo);
        while acc < target && k < hi {
            k += 1.0;
            w *= lambda / k;
            acc += w;
        }
        k
    } else {
        // Smallest k with Σ_{j > k} w_j ≤ (1 − u)·total, counting down from
        // `hi` (1 − u is exact for u ≥ ½).
        let target = (1.0 - u) * total;
        let (mut k, mut w, mut tail) = (hi, w_hi, 0.0);
        while k > lo && tail + w <= target {
            tail += w;
            w *= k / lambda;
            k -= 1.0;
        }
        k
    }
}

/// The `u`-quantile of a weighted list: the smallest value whose cumulative
/// weight reaches `u` of the total. One scan when the values are ascending
/// (as [`sorted`] leaves them); otherwise each value's cumulative weight is
/// summed over the list.
fn empirical_quantile(values: &[f64], weights: Option<&[f64]>, u: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let weight = |i: usize| weights.map_or(1.0, |w| w.get(i).copied().unwrap_or(0.0));
    let total: f64 = (0..values.len()).map(weight).sum();
    let target = u * total;
    if values.windows(2).all(|p| p[0] <= p[1]) {
        let (mut acc, mut last) = (0.0, values[0]);
        for (i, v) in values.iter().enumerate() {
            let w = weight(i);
            acc += w;
            if w > 0.0 {
                last = *v;
                if acc >= target {
                    return *v;
                }
            }
        }
        return last;
    }
    let mut best: Option<f64> = None;
    let mut top = f64::NEG_INFINITY;
    for (i, v) in values.iter().enumerate() {
        if weight(i) <= 0.0 {
            continue;
        }
        top = top.max(*v);
        if best.is_some_and(|b| b <= *v) {
            continue;
        }
        let at_or_below: f64 = (0..values.len())
            .filter(|&j| values[j] <= *v)
            .map(weight)
            .sum();
        if at_or_below >= target {
            best = Some(*v);
        }
    }
    best.unwrap_or(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(mean: f64, sd: f64) -> Dist {
        Dist::Normal {
            mean,
            sd,
            min: None,
            max: None,
        }
    }

    fn beta(alpha: f64, beta: f64) -> Dist {
        Dist::Beta {
            alpha,
            beta,
            min: None,
            max: None,
        }
    }

    fn empirical(values: &[f64], weights: Option<&[f64]>) -> Dist {
        Dist::Empirical {
            values: values.to_vec(),
            weights: weights.map(<[f64]>::to_vec),
        }
    }

    #[track_caller]
    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "got {got:e}, want {want:e} (relative tolerance {rel:e})"
        );
    }

    #[test]
    fn quantiles_hit_known_points() {
        assert!((quantile(&normal(10.0, 2.0), 0.5) - 10.0).abs() < 1e-9);
        let t = Dist::Triangular {
            min: 0.0,
            mode: 1.0,
            max: 2.0,
        };
        assert!((quantile(&t, 0.5) - 1.0).abs() < 1e-12);
        assert_eq!(quantile(&Dist::Bernoulli { p: 0.3 }, 0.69), 0.0);
        assert_eq!(quantile(&Dist::Bernoulli { p: 0.3 }, 0.71), 1.0);
        let ln = Dist::Lognormal {
            mean: 30.0,
            sd: 15.0,
        };
        let (m, s) = lognormal_params(30.0, 15.0);
        assert!((quantile(&ln, 0.5) - m.exp()).abs() < 1e-9 && s > 0.0);
    }

    #[test]
    fn uniform_bounds_are_two_to_the_minus_64_and_the_last_double_below_one() {
        assert_eq!(U_MIN, 2f64.powi(-64));
        assert!(U_MAX < 1.0 && f64::from_bits(U_MAX.to_bits() + 1) == 1.0);
    }

    #[test]
    fn normal_tails_are_not_cut() {
        // Φ⁻¹ at 2⁻⁶⁴, 10⁻¹⁵ and 1 − 2⁻⁵³, to 50 digits (mpmath).
        let n = normal(0.0, 1.0);
        close(quantile(&n, U_MIN), -9.080_155_124_873_613, 1e-13);
        close(quantile(&n, 1e-15), -7.941_345_326_170_997, 1e-13);
        close(quantile(&n, U_MAX), 8.209_536_151_601_387, 1e-13);
        close(
            quantile(&normal(5.0, 2.0), 0.975),
            5.0 + 2.0 * 1.959_963_984_540_054,
            1e-14,
        );
    }

    #[test]
    fn lognormal_keeps_a_tiny_spread_and_survives_a_huge_one() {
        // cv = 1e-9: x = exp(m + s·z) ≈ mean·(1 + cv·z), here at z = 1.
        let tight = Dist::Lognormal {
            mean: 1.0,
            sd: 1e-9,
        };
        close(quantile(&tight, 0.841_344_746_068_542_9), 1.0 + 1e-9, 1e-14);
        // cv = 1e200: the median is mean / √(1 + cv²) = 1e-200.
        let wide = Dist::Lognormal {
            mean: 1.0,
            sd: 1e200,
        };
        close(quantile(&wide, 0.5), 1e-200, 1e-10);
    }

    #[test]
    fn beta_matches_closed_forms_at_extreme_shapes() {
        // Beta(a, 1): F(x) = xᵃ, so x = u^(1/a).
        // The quantile's condition number is 1/(a·u): a CDF within 4 ulps of
        // u moves x by up to 9e-16/a relative.
        for (a, u) in [(1e-3, 0.5), (1e-8, 1.0 - 1e-9), (0.2, 1e-15), (50.0, 0.3)] {
            close(
                quantile(&beta(a, 1.0), u),
                u.powf(1.0 / a),
                1e-9 + 1e-15 / a,
            );
        }
        // Beta(1e-8, 1) at ½ is 2^-100000000: 0 in doubles, or the
        // smallest one above.
        assert!(quantile(&beta(1e-8, 1.0), 0.5) <= f64::from_bits(1));
        // Beta(1, b): x = 1 − (1 − u)^(1/b).
        for (b, u) in [(1e4, 0.5), (3.0, 1e-12), (0.5, 0.9)] {
            let want = -((-u as f64).ln_1p() / b).exp_m1();
            close(quantile(&beta(1.0, b), u), want, 1e-9);
        }
        // Beta(½, ½) (arcsine): x = sin²(πu/2).
        for u in [1e-10, 0.1, 0.5, 0.77, 0.999] {
            let want = (std::f64::consts::FRAC_PI_2 * u).sin().powi(2);
            close(quantile(&beta(0.5, 0.5), u), want, 1e-10);
        }
        // Beta(5, 10⁻³) puts 0.8 of its mass within 10⁻⁹⁶ of 1.
        assert!(quantile(&beta(5.0, 1e-3), 0.2) >= U_MAX);
        // Beta(118.29, 0.11276) puts 0.029 of its mass within one ulp of 1:
        // its 0.95-quantile is the double near 1 − 1.5e-14 where the CDF,
        // stepping by about 4e-5 from one double to the next, passes 0.95.
        let (a, b) = (118.290_615_080_893_28, 0.112_763_439_078_024_93);
        let x = quantile(&beta(a, b), 0.95);
        let before = f64::from_bits(x.to_bits() - 1);
        let cdf = |x: f64| 1.0 - beta_reg(b, a, 1.0 - x);
        assert!(cdf(x) >= 0.95 && cdf(before) < 0.95, "{x}");
        // Scaled to [min, max] and kept inside it.
        let scaled = Dist::Beta {
            alpha: 2.0,
            beta: 2.0,
            min: Some(8000.0),
            max: Some(10000.0),
        };
        close(quantile(&scaled, 0.5), 9000.0, 1e-12);
    }

    #[test]
    fn beta_draws_are_bounded_in_time_at_any_shape() {
        // statrs' inverse hangs on Beta(1e-8, 1e8); validation refuses
        // shapes above BETA_SHAPE_MAX, but a draw must end whatever it gets.
        let start = std::time::Instant::now();
        let shapes = [1e-300, 1e-8, 1e-3, 1.0, 1e4, 1e8, 1e300];
        for a in shapes {
            for b in shapes {
                for u in [U_MIN, 1e-9, 0.5, 1.0 - 1e-9, U_MAX] {
                    let x = quantile(&beta(a, b), u);
                    assert!((0.0..=1.0).contains(&x), "Beta({a}, {b}) at {u}: {x}");
                }
            }
        }
        assert!(start.elapsed().as_secs_f64() < 5.0, "{:?}", start.elapsed());
    }

    #[test]
    fn uniform_and_triangular_survive_extreme_ranges() {
        let wide = Dist::Uniform {
            min: -1e308,
            max: 1e308,
        };
        close(quantile(&wide, 0.75), 5e307, 1e-15);
        let tri = Dist::Triangular {
            min: -1e308,
            mode: 0.0,
            max: 1e308,
        };
        assert_eq!(quantile(&tri, 0.5), 0.0);
        close(quantile(&tri, 0.125), -5e307, 1e-15);
        // (b − a)(c − a) = 2e-400 underflows; the quantile must not.
        let tiny = Dist::Triangular {
            min: 0.0,
            mode: 1e-200,
            max: 2e-200,
        };
        close(quantile(&tiny, 0.125), 5e-201, 1e-15);
        close(quantile(&tiny, 0.875), 1.5e-200, 1e-15);
        // Draws stay within [min, max], also for u next to 1.
        let u = Dist::Uniform { min: 0.1, max: 0.3 };
        assert!(quantile(&u, U_MAX) <= 0.3);
    }

    #[test]
    fn bernoulli_draws_one_with_probability_p_even_for_tiny_p() {
        let b = Dist::Bernoulli { p: 1e-13 };
        assert_eq!(quantile(&b, 1.0 - 2e-13), 0.0);
        assert_eq!(quantile(&b, 1.0 - 1e-14), 1.0);
        assert_eq!(quantile(&Dist::Bernoulli { p: 0.0 }, U_MAX), 0.0);
        assert_eq!(quantile(&Dist::Bernoulli { p: 1.0 }, U_MIN), 1.0);
    }

    #[test]
    fn poisson_matches_exact_quantiles_at_any_mean() {
        // The smallest k with P(X ≤ k) ≥ u, from the regularized gamma
        // function in 60-digit arithmetic (mpmath); the nearest CDF step is
        // at least 6e-4 of min(u, 1 − u) away from every u here.
        let us = [U_MIN, 1e-15, 0.01, 0.5, 0.99, 0.999_999_999_999, U_MAX];
        let cases: [(f64, [f64; 7]); 6] = [
            (0.001, [0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 4.0]),
            (2.5, [0.0, 0.0, 0.0, 2.0, 7.0, 20.0, 24.0]),
            (745.5, [512.0, 539.0, 683.0, 745.0, 810.0, 945.0, 980.0]),
            (
                1000.0,
                [727.0, 759.0, 927.0, 1000.0, 1074.0, 1230.0, 1270.0],
            ),
            (
                1e5,
                [97142.0, 97499.0, 99265.0, 1e5, 100736.0, 102233.0, 102607.0],
            ),
            (
                1e6,
                [
                    990933.0, 992069.0, 997674.0, 1e6, 1002327.0, 1007043.0, 1008221.0,
                ],
            ),
        ];
        for (lambda, want) in cases {
            let d = Dist::Poisson { lambda };
            for (u, k) in us.iter().zip(want) {
                assert_eq!(quantile(&d, *u), k, "lambda {lambda}, u {u}");
            }
        }
        assert_eq!(quantile(&Dist::Poisson { lambda: 0.0 }, U_MAX), 0.0);
    }

    #[test]
    fn empirical_quantile_is_the_inverse_cdf_of_the_sorted_values() {
        // The shipped repair-time list is not in order.
        let d = empirical(&[28.0, 6.0, 60.0], None);
        assert_eq!(quantile(&d, 0.2), 6.0);
        assert_eq!(quantile(&d, 0.5), 28.0);
        assert_eq!(quantile(&d, 0.9), 60.0);
        let w = empirical(&[3.0, 1.0, 2.0], Some(&[0.2, 0.5, 0.3]));
        assert_eq!(quantile(&w, 0.5), 1.0);
        assert_eq!(quantile(&w, 0.6), 2.0);
        assert_eq!(quantile(&w, 0.85), 3.0);
        // A value of weight 0 is never drawn.
        let z = empirical(&[1.0, 2.0, 3.0], Some(&[1.0, 1.0, 0.0]));
        assert_eq!(quantile(&z, U_MAX), 2.0);
        let z = empirical(&[3.0, 1.0, 2.0], Some(&[0.0, 1.0, 1.0]));
        assert_eq!(quantile(&z, U_MAX), 2.0);
        // Sorting keeps each value's weight and changes no draw.
        assert_eq!(
            sorted(&w),
            empirical(&[1.0, 2.0, 3.0], Some(&[0.5, 0.3, 0.2]))
        );
        for u in [U_MIN, 0.3, 0.55, 0.7, 0.9, U_MAX] {
            assert_eq!(quantile(&sorted(&w), u), quantile(&w, u));
        }
    }

    #[test]
    fn draws_are_finite_at_both_ends_for_ordinary_parameters() {
        let dists = [
            normal(0.0, 1e300),
            Dist::Lognormal {
                mean: 1e-300,
                sd: 1e300,
            },
            beta(1e-3, 1e4),
            Dist::Poisson { lambda: 1e6 },
        ];
        for d in &dists {
            let (lo, hi) = extreme_draws(d);
            assert!(lo.is_finite() && hi.is_finite(), "{d:?}: {lo}, {hi}");
        }
        let (_, hi) = extreme_draws(&normal(1e308, 1e308));
        assert!(hi.is_infinite());
    }

    #[test]
    fn clamped_normal_mean_matches_simple_cases() {
        assert!((clamped_normal_mean(5.0, 1.0, None, None) - 5.0).abs() < 1e-12);
        // Clamping a standard normal at 0 from below: E = φ(0) ≈ 0.3989.
        let e = clamped_normal_mean(0.0, 1.0, Some(0.0), None);
        assert!((e - 0.398_942_280_4).abs() < 1e-9, "{e}");
    }
}
