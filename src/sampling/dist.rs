//! Inverse CDFs of the scenario distributions.
//!
//! Every named uncertainty is drawn as `x = F⁻¹(u)` from one uniform `u`, so
//! plain sampling, Latin Hypercube strata and Gaussian-copula correlation
//! all share one code path per distribution.

use crate::scenario::Dist;
use statrs::distribution::{Beta, ContinuousCDF, Normal};

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

/// The value with cumulative probability `u` (0 < u < 1).
pub fn quantile(d: &Dist, u: f64) -> f64 {
    let u = u.clamp(1e-12, 1.0 - 1e-12);
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
            let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
            let x = Beta::new(*alpha, *beta)
                .map(|b| b.inverse_cdf(u))
                .unwrap_or(0.5);
            lo + (hi - lo) * x
        }
        Dist::Uniform { min, max } => min + (max - min) * u,
        Dist::Triangular { min, mode, max } => {
            let (a, c, b) = (*min, *mode, *max);
            if b <= a {
                return a;
            }
            let fc = (c - a) / (b - a);
            if u < fc {
                a + (u * (b - a) * (c - a)).sqrt()
            } else {
                b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
            }
        }
        Dist::Bernoulli { p } => {
            if u > 1.0 - p {
                1.0
            } else {
                0.0
            }
        }
        Dist::Poisson { lambda } => {
            // Sequential search on the CDF; lambda in scenarios is small.
            let mut k = 0.0;
            let mut pk = (-lambda).exp();
            let mut cdf = pk;
            while cdf < u && k < 10_000.0 {
                k += 1.0;
                pk *= lambda / k;
                cdf += pk;
            }
            k
        }
        Dist::Empirical { values, weights } => {
            if values.is_empty() {
                return 0.0;
            }
            let total: f64 = weights
                .as_ref()
                .map_or(values.len() as f64, |w| w.iter().sum());
            let mut acc = 0.0;
            for (i, v) in values.iter().enumerate() {
                acc += weights.as_ref().map_or(1.0, |w| w[i]) / total;
                if u <= acc {
                    return *v;
                }
            }
            values[values.len() - 1]
        }
    }
}

/// (mu, sigma) of log X for a lognormal with the given mean and sd of X.
pub fn lognormal_params(mean: f64, sd: f64) -> (f64, f64) {
    let v = (1.0 + (sd / mean).powi(2)).ln();
    (mean.ln() - 0.5 * v, v.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_hit_known_points() {
        let n = Dist::Normal {
            mean: 10.0,
            sd: 2.0,
            min: None,
            max: None,
        };
        assert!((quantile(&n, 0.5) - 10.0).abs() < 1e-9);
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
    fn clamped_normal_mean_matches_simple_cases() {
        assert!((clamped_normal_mean(5.0, 1.0, None, None) - 5.0).abs() < 1e-12);
        // Clamping a standard normal at 0 from below: E = φ(0) ≈ 0.3989.
        let e = clamped_normal_mean(0.0, 1.0, Some(0.0), None);
        assert!((e - 0.398_942_280_4).abs() < 1e-9, "{e}");
    }
}
