//! Distributions: the `Dist` a scenario gives for an uncertain number, and
//! its maths. A leaf: the scenario language (which reads and checks a
//! `Dist`), sampling (which draws it) and the engine (which draws per-event
//! durations) all use it, and it uses nothing else of the crate.
//!
//! - this file: the [`Dist`] enum and its TOML form (`{ dist = "beta", ... }`),
//!   its name and its mean;
//! - [`quantile`]: the inverse CDFs every draw goes through, and the
//!   parameter limits within which they are exact ([`POISSON_LAMBDA_MAX`],
//!   [`BETA_SHAPE_MAX`], [`extreme_draws`]);
//! - `props`: property tests of the inverse CDFs over each family's valid
//!   parameters.
//!
//! To add a distribution: a variant here (with its `name` and `mean`), its
//! inverse CDF in `quantile.rs`, a property test in `props.rs`, and its
//! parameter checks and support in `scenario/validate/distributions.rs`
//! (`dist_problems`, `support`); the scenario language and sampling need no
//! other change.

#[cfg(test)]
mod props;
mod quantile;

pub use quantile::{
    clamped_normal_mean, extreme_draws, lognormal_params, quantile, sorted, BETA_SHAPE_MAX,
    POISSON_LAMBDA_MAX, U_MAX, U_MIN,
};

use serde::{Deserialize, Serialize};

/// Distributions a parameter can be drawn from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Normal, optionally clamped to `[min, max]`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Lower clamp.
        min: Option<f64>,
        /// Upper clamp.
        max: Option<f64>,
    },
    /// Lognormal given by the mean and standard deviation of the variable itself.
    Lognormal {
        /// Mean of the variable.
        mean: f64,
        /// Standard deviation of the variable.
        sd: f64,
    },
    /// Beta on `[min, max]` (default `[0, 1]`).
    Beta {
        /// Shape alpha.
        alpha: f64,
        /// Shape beta.
        beta: f64,
        /// Lower end.
        min: Option<f64>,
        /// Upper end.
        max: Option<f64>,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Triangular.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// 1 with probability `p`, else 0.
    Bernoulli {
        /// Probability of 1.
        p: f64,
    },
    /// Poisson count.
    Poisson {
        /// Mean.
        lambda: f64,
    },
    /// One of the listed values, equally likely unless `weights` are given.
    Empirical {
        /// Observed values.
        values: Vec<f64>,
        /// Optional relative weights, one per value.
        weights: Option<Vec<f64>>,
    },
}

impl Dist {
    /// The `dist = "..."` name of the distribution, as messages show it.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Normal { .. } => "normal",
            Dist::Lognormal { .. } => "lognormal",
            Dist::Beta { .. } => "beta",
            Dist::Uniform { .. } => "uniform",
            Dist::Triangular { .. } => "triangular",
            Dist::Bernoulli { .. } => "bernoulli",
            Dist::Poisson { .. } => "poisson",
            Dist::Empirical { .. } => "empirical",
        }
    }

    /// Expected value of the distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Normal { mean, sd, min, max } => {
                // Clamping moves the mean only when the clamp bites; the
                // deterministic mode uses the clamped mean for consistency.
                clamped_normal_mean(*mean, *sd, *min, *max)
            }
            Dist::Lognormal { mean, .. } => *mean,
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
                lo + (hi - lo) * alpha / (alpha + beta)
            }
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Bernoulli { p } => *p,
            Dist::Poisson { lambda } => *lambda,
            Dist::Empirical { values, weights } => match weights {
                Some(w) if w.len() == values.len() => {
                    let total: f64 = w.iter().sum();
                    values.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / total
                }
                _ => values.iter().sum::<f64>() / values.len().max(1) as f64,
            },
        }
    }
}
