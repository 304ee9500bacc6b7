//! Distributions: a distribution's own parameters (finite, ordered, within
//! the limits its inverse CDF is exact in) and the set of values it can
//! draw, which a parameter's range must contain.

use super::numbers::{Range, POSITIVE, UNIT};
use crate::dist::{self, Dist};

/// Problems with a distribution's own parameters, as (message, help).
pub(super) fn dist_problems(d: &Dist) -> Vec<(String, Option<String>)> {
    let mut p: Vec<(String, Option<String>)> = Vec::new();
    let mut finite = |field: &str, v: Option<f64>| match v {
        Some(v) if !v.is_finite() => {
            p.push((
                format!("`{field}` must be a finite number, found {v}"),
                None,
            ));
            false
        }
        _ => true,
    };
    let all_finite = match d {
        Dist::Normal { mean, sd, min, max } => [
            finite("mean", Some(*mean)),
            finite("sd", Some(*sd)),
            finite("min", *min),
            finite("max", *max),
        ]
        .iter()
        .all(|x| *x),
        Dist::Lognormal { mean, sd } => finite("mean", Some(*mean)) & finite("sd", Some(*sd)),
        Dist::Beta {
            alpha,
            beta,
            min,
            max,
        } => [
            finite("alpha", Some(*alpha)),
            finite("beta", Some(*beta)),
            finite("min", *min),
            finite("max", *max),
        ]
        .iter()
        .all(|x| *x),
        Dist::Uniform { min, max } => finite("min", Some(*min)) & finite("max", Some(*max)),
        Dist::Triangular { min, mode, max } => {
            finite("min", Some(*min)) & finite("mode", Some(*mode)) & finite("max", Some(*max))
        }
        Dist::Bernoulli { p } => finite("p", Some(*p)),
        Dist::Poisson { lambda } => finite("lambda", Some(*lambda)),
        Dist::Empirical { values, weights } => {
            values.iter().all(|v| finite("values", Some(*v)))
                & weights
                    .iter()
                    .flatten()
                    .all(|w| finite("weights", Some(*w)))
        }
    };
    if !all_finite {
        return p;
    }
    let none = |m: String| (m, None);
    let swap = "`min` is the lower end and `max` the upper end";
    match d {
        Dist::Normal { sd, min, max, .. } => {
            if *sd < 0.0 {
                p.push(none(format!("`sd` must be at least 0, found {sd}")));
            }
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo > hi {
                    p.push((format!("`min` {lo} is above `max` {hi}"), Some(swap.into())));
                }
            }
        }
        Dist::Lognormal { mean, sd } => {
            if *mean <= 0.0 {
                p.push((
                    format!("a lognormal's `mean` must be above 0, found {mean}"),
                    Some("a lognormal is positive; for a value that may be 0 use a `normal` with `min = 0`".into()),
                ));
            }
            if *sd < 0.0 {
                p.push(none(format!("`sd` must be at least 0, found {sd}")));
            }
        }
        Dist::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            if *alpha <= 0.0 {
                p.push(none(format!("`alpha` must be above 0, found {alpha}")));
            }
            if *beta <= 0.0 {
                p.push(none(format!("`beta` must be above 0, found {beta}")));
            }
            let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
            if lo >= hi {
                p.push((
                    format!("`min` {lo} must be below `max` {hi}"),
                    Some(swap.into()),
                ));
            }
            let cap = dist::BETA_SHAPE_MAX;
            for (key, shape) in [("alpha", alpha), ("beta", beta)] {
                if *shape > cap {
                    p.push((
                        format!("`{key}` must be at most {cap}, found {shape}"),
                        Some(beta_help(*alpha, *beta, lo, hi)),
                    ));
                }
            }
        }
        Dist::Uniform { min, max } => {
            if min >= max {
                p.push((
                    format!("`min` {min} must be below `max` {max}"),
                    Some("for a fixed value write the number itself".into()),
                ));
            }
        }
        Dist::Triangular { min, mode, max } => {
            if min >= max {
                p.push((
                    format!("`min` {min} must be below `max` {max}"),
                    Some("for a fixed value write the number itself".into()),
                ));
            } else if mode < min || mode > max {
                p.push(none(format!(
                    "`mode` {mode} must lie between `min` {min} and `max` {max}"
                )));
            }
        }
        Dist::Bernoulli { p: prob } => {
            if !UNIT.contains(*prob) {
                p.push(none(format!("`p` must be between 0 and 1, found {prob}")));
            }
        }
        Dist::Poisson { lambda } => {
            if *lambda < 0.0 {
                p.push(none(format!("`lambda` must be at least 0, found {lambda}")));
            }
            let cap = dist::POISSON_LAMBDA_MAX;
            if *lambda > cap {
                p.push((
                    format!("`lambda` must be at most {cap}, found {lambda}"),
                    Some(format!(
                        "a Poisson this large is a normal to within a thousandth of its spread: write {{ dist = \"normal\", mean = {lambda}, sd = {}, min = 0 }}",
                        lambda.sqrt().round()
                    )),
                ));
            }
        }
        Dist::Empirical { values, weights } => {
            if values.is_empty() {
                p.push((
                    "`values` is empty".into(),
                    Some("list at least one value".into()),
                ));
            }
            if let Some(w) = weights {
                if w.len() != values.len() {
                    p.push((
                        format!(
                            "`weights` has {} entries for {} values",
                            w.len(),
                            values.len()
                        ),
                        Some("give one weight per value".into()),
                    ));
                } else if let Some(neg) = w.iter().find(|w| **w < 0.0) {
                    p.push(none(format!("`weights` must be at least 0, found {neg}")));
                } else if !values.is_empty() && w.iter().all(|w| *w == 0.0) {
                    p.push((
                        "`weights` are all 0".into(),
                        Some("give at least one value a positive weight".into()),
                    ));
                }
            }
        }
    }
    if p.is_empty() {
        let (lo, hi) = dist::extreme_draws(d);
        if let Some(x) = [lo, hi].into_iter().find(|x| !x.is_finite()) {
            p.push((
                format!(
                    "the {} distribution can draw {x}: its draws overflow a double (about 1.8e308)",
                    d.name()
                ),
                Some("measure the value in larger units".into()),
            ));
        }
    }
    p
}

/// The help for a beta shape above [`dist::BETA_SHAPE_MAX`]: the normal it
/// is close to when both shapes are at least 1.
fn beta_help(alpha: f64, beta: f64, lo: f64, hi: f64) -> String {
    let cap = dist::BETA_SHAPE_MAX;
    let n = alpha + beta;
    if alpha < 1.0 || beta < 1.0 {
        return format!(
            "the beta CDF is accurate only for shapes up to {cap}; dividing both shapes by the same factor keeps the mean {}",
            sig(lo + (hi - lo) * alpha / n)
        );
    }
    let mean = lo + (hi - lo) * alpha / n;
    let sd = (hi - lo) * (alpha * beta / (n * n * (n + 1.0))).sqrt();
    format!(
        "a beta this narrow is close to a normal: write {{ dist = \"normal\", mean = {}, sd = {}, min = {lo}, max = {hi} }}",
        sig(mean),
        sig(sd)
    )
}

/// `x` to 6 significant digits, as TOML reads it (`1e-14`, not 14 zeros).
fn sig(x: f64) -> String {
    let v: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    if v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// The set of values a (valid) distribution can draw.
pub(super) fn support(d: &Dist) -> Range {
    let closed = |lo: f64, hi: f64| Range {
        lo,
        lo_open: false,
        hi,
        hi_open: false,
    };
    match d {
        Dist::Normal { mean, sd, min, max } => {
            let (lo, hi) = (
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            );
            if *sd == 0.0 {
                let m = mean.clamp(lo, hi);
                closed(m, m)
            } else {
                closed(lo, hi)
            }
        }
        Dist::Lognormal { .. } => POSITIVE,
        Dist::Beta { min, max, .. } => closed(min.unwrap_or(0.0), max.unwrap_or(1.0)),
        Dist::Uniform { min, max } | Dist::Triangular { min, max, .. } => closed(*min, *max),
        Dist::Bernoulli { p } if *p == 0.0 => closed(0.0, 0.0),
        Dist::Bernoulli { p } if *p == 1.0 => closed(1.0, 1.0),
        Dist::Bernoulli { .. } => closed(0.0, 1.0),
        Dist::Poisson { lambda } if *lambda == 0.0 => closed(0.0, 0.0),
        Dist::Poisson { .. } => closed(0.0, f64::INFINITY),
        Dist::Empirical { values, .. } => closed(
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
    }
}

/// Whether the distribution can draw a value outside `allowed`.
pub(super) fn support_problem(d: &Dist, allowed: Range) -> Option<(String, Option<String>)> {
    let s = support(d);
    let name = d.name();
    let below = s.lo < allowed.lo || (s.lo == allowed.lo && allowed.lo_open && !s.lo_open);
    let above = s.hi > allowed.hi || (s.hi == allowed.hi && allowed.hi_open && !s.hi_open);
    let must = allowed.describe();
    if below {
        let bound = allowed.lo;
        return Some(match d {
            Dist::Normal { min: None, .. } => (
                format!("a normal distribution without `min` can fall below {bound}, but the value must be {must}"),
                Some(format!("add `min = {bound}` to clamp the draws")),
            ),
            Dist::Empirical { .. } => (
                format!("the distribution can draw {}, but the value must be {must}", s.lo),
                Some(format!("remove the values below {bound}")),
            ),
            _ => (
                format!("the {name} distribution can draw {}, but the value must be {must}", s.lo),
                Some(format!("raise `min` to {bound}")),
            ),
        });
    }
    if above {
        let bound = allowed.hi;
        return Some(match d {
            Dist::Normal { max: None, .. } => (
                format!("a normal distribution without `max` can exceed {bound}, but the value must be {must}"),
                Some(format!("add `max = {bound}` to clamp the draws")),
            ),
            Dist::Lognormal { .. } | Dist::Poisson { .. } => (
                format!("a {name} distribution has no upper bound, but the value must be {must}"),
                Some("use a `beta`, `uniform` or `triangular` distribution for a bounded value".into()),
            ),
            Dist::Empirical { .. } => (
                format!("the distribution can draw {}, but the value must be {must}", s.hi),
                Some(format!("remove the values above {bound}")),
            ),
            _ => (
                format!("the {name} distribution can draw {}, but the value must be {must}", s.hi),
                Some(format!("lower `max` to {bound}")),
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, line, patch, policy, problems};

    /// The message for a leg capacity given as `dist`.
    fn capacity_dist(dist: &str) -> Vec<(String, Option<String>)> {
        problems(&patch(&[(
            "capacity = 1000.0",
            &format!("capacity = {dist}"),
        )]))
        .into_iter()
        .map(|d| (d.message, d.help))
        .collect()
    }

    #[test]
    fn check_parameters_distribution_parameters() {
        let cases = [
            (
                "{ dist = \"normal\", mean = 5, sd = -1, min = 0 }",
                "legs.pipe.capacity: `sd` must be at least 0, found -1",
            ),
            (
                "{ dist = \"normal\", mean = 5, sd = 1, min = 9, max = 3 }",
                "legs.pipe.capacity: `min` 9 is above `max` 3",
            ),
            (
                "{ dist = \"lognormal\", mean = 0, sd = 1 }",
                "legs.pipe.capacity: a lognormal's `mean` must be above 0, found 0",
            ),
            (
                "{ dist = \"beta\", alpha = 0, beta = 2 }",
                "legs.pipe.capacity: `alpha` must be above 0, found 0",
            ),
            (
                "{ dist = \"uniform\", min = 5, max = 5 }",
                "legs.pipe.capacity: `min` 5 must be below `max` 5",
            ),
            (
                "{ dist = \"triangular\", min = 1, mode = 5, max = 3 }",
                "legs.pipe.capacity: `mode` 5 must lie between `min` 1 and `max` 3",
            ),
            (
                "{ dist = \"bernoulli\", p = 2 }",
                "legs.pipe.capacity: `p` must be between 0 and 1, found 2",
            ),
            (
                "{ dist = \"poisson\", lambda = -1 }",
                "legs.pipe.capacity: `lambda` must be at least 0, found -1",
            ),
            (
                "{ dist = \"empirical\", values = [] }",
                "legs.pipe.capacity: `values` is empty",
            ),
            (
                "{ dist = \"empirical\", values = [1, 2], weights = [1] }",
                "legs.pipe.capacity: `weights` has 1 entries for 2 values",
            ),
            (
                "{ dist = \"empirical\", values = [1, 2], weights = [1, -1] }",
                "legs.pipe.capacity: `weights` must be at least 0, found -1",
            ),
            (
                "{ dist = \"empirical\", values = [1, 2], weights = [0, 0] }",
                "legs.pipe.capacity: `weights` are all 0",
            ),
            (
                "{ dist = \"uniform\", min = 1, max = inf }",
                "legs.pipe.capacity: `max` must be a finite number, found inf",
            ),
            (
                "{ dist = \"poisson\", lambda = 2e6 }",
                "legs.pipe.capacity: `lambda` must be at most 1000000, found 2000000",
            ),
            (
                "{ dist = \"beta\", alpha = 1e-8, beta = 1e8 }",
                "legs.pipe.capacity: `beta` must be at most 10000, found 100000000",
            ),
            (
                "{ dist = \"lognormal\", mean = 1e307, sd = 1e308 }",
                "legs.pipe.capacity: the lognormal distribution can draw inf: its draws overflow a double (about 1.8e308)",
            ),
        ];
        for (dist, message) in cases {
            let found = capacity_dist(dist);
            assert_eq!(found.len(), 1, "{dist}: {found:?}");
            assert_eq!(found[0].0, message, "{dist}");
        }
    }

    #[test]
    fn check_parameters_distribution_ranges_the_sampler_draws_exactly() {
        // Above these the draws would be wrong (a beta CDF off by 1e-2) or
        // slow; each refusal says where, what and what to write instead.
        let text = patch(&[(
            "capacity = 1000.0",
            "capacity = { dist = \"poisson\", lambda = 2e6 }",
        )]);
        let d = fails_with(
            &text,
            "legs.pipe.capacity: `lambda` must be at most 1000000, found 2000000",
        );
        let at = text
            .lines()
            .position(|l| l.contains("lambda = 2e6"))
            .unwrap();
        assert_eq!(line(&text, &d), at + 1);
        assert_eq!(
            d.help.as_deref(),
            Some("a Poisson this large is a normal to within a thousandth of its spread: write { dist = \"normal\", mean = 2000000, sd = 1414, min = 0 }")
        );
        assert_eq!(
            capacity_dist("{ dist = \"beta\", alpha = 2e4, beta = 3e4 }"),
            [
                ("legs.pipe.capacity: `alpha` must be at most 10000, found 20000".to_string(),
                 Some("a beta this narrow is close to a normal: write { dist = \"normal\", mean = 0.4, sd = 0.00219087, min = 0, max = 1 }".to_string())),
                ("legs.pipe.capacity: `beta` must be at most 10000, found 30000".to_string(),
                 Some("a beta this narrow is close to a normal: write { dist = \"normal\", mean = 0.4, sd = 0.00219087, min = 0, max = 1 }".to_string())),
            ]
        );
        assert_eq!(
            capacity_dist("{ dist = \"beta\", alpha = 1e-8, beta = 1e8, min = 0, max = 100 }")[0].1.as_deref(),
            Some("the beta CDF is accurate only for shapes up to 10000; dividing both shapes by the same factor keeps the mean 1e-14")
        );
        assert_eq!(
            capacity_dist("{ dist = \"normal\", mean = 1e308, sd = 1e308, min = 0 }")[0]
                .1
                .as_deref(),
            Some("measure the value in larger units")
        );
        // The largest accepted parameters, and extreme small ones, pass.
        for ok in [
            "{ dist = \"poisson\", lambda = 1e6 }",
            "{ dist = \"poisson\", lambda = 1e-300 }",
            "{ dist = \"beta\", alpha = 1e4, beta = 1e-300 }",
            "{ dist = \"lognormal\", mean = 1e-300, sd = 1e300 }",
            "{ dist = \"normal\", mean = 1e300, sd = 1e299, min = 0 }",
            "{ dist = \"uniform\", min = 0, max = 1.7e308 }",
        ] {
            assert_eq!(capacity_dist(ok), [], "{ok}");
        }
    }

    #[test]
    fn check_parameters_distribution_support() {
        let cases = [
            (
                "{ dist = \"normal\", mean = 1000, sd = 100 }",
                "legs.pipe.capacity: a normal distribution without `min` can fall below 0, but the value must be at least 0",
                "add `min = 0` to clamp the draws",
            ),
            (
                "{ dist = \"uniform\", min = -10, max = 10 }",
                "legs.pipe.capacity: the uniform distribution can draw -10, but the value must be at least 0",
                "raise `min` to 0",
            ),
            (
                "{ dist = \"empirical\", values = [-1, 5] }",
                "legs.pipe.capacity: the distribution can draw -1, but the value must be at least 0",
                "remove the values below 0",
            ),
        ];
        for (dist, message, help) in cases {
            assert_eq!(
                capacity_dist(dist),
                [(message.to_string(), Some(help.to_string()))],
                "{dist}"
            );
        }
        let d = fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nprobability = { dist = \"lognormal\", mean = 0.5, sd = 0.1 }\n"),
            "policies.p.probability: a lognormal distribution has no upper bound, but the value must be between 0 and 1",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("use a `beta`, `uniform` or `triangular` distribution for a bounded value")
        );
        fails_with(
            &policy(
                "type = \"closure\"\nlegs = [\"pipe\"]\nprobability = { dist = \"uniform\", min = 0.5, max = 1.2 }\n",
            ),
            "policies.p.probability: the uniform distribution can draw 1.2, but the value must be between 0 and 1",
        );
        assert_eq!(
            capacity_dist("{ dist = \"beta\", alpha = 2, beta = 2, min = 0, max = 5 }"),
            []
        );
    }
}
