//! Numbers: the ranges a number may lie in and how a message states them,
//! integers, months, and the `[scenario]` and `[montecarlo]` tables.

use super::Ctx;
use crate::scenario::schema::month;
use crate::scenario::span::Sp;
use crate::scenario::Diagnostic;

/// An interval a number must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Range {
    pub(super) lo: f64,
    pub(super) lo_open: bool,
    pub(super) hi: f64,
    pub(super) hi_open: bool,
}

pub(super) const ANY: Range = Range {
    lo: f64::NEG_INFINITY,
    lo_open: false,
    hi: f64::INFINITY,
    hi_open: false,
};

pub(super) const NON_NEG: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    hi_open: false,
};

pub(super) const POSITIVE: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: f64::INFINITY,
    hi_open: false,
};

pub(super) const NON_POS: Range = Range {
    lo: f64::NEG_INFINITY,
    lo_open: false,
    hi: 0.0,
    hi_open: false,
};

pub(super) const UNIT: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 1.0,
    hi_open: false,
};

pub(super) const UNIT_ABOVE_ZERO: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: 1.0,
    hi_open: false,
};

pub(super) const UNIT_BELOW_ONE: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 1.0,
    hi_open: true,
};

impl Range {
    pub(super) fn contains(&self, v: f64) -> bool {
        v.is_finite()
            && (if self.lo_open {
                v > self.lo
            } else {
                v >= self.lo
            })
            && (if self.hi_open {
                v < self.hi
            } else {
                v <= self.hi
            })
    }

    fn lower(&self) -> String {
        format!(
            "{} {}",
            if self.lo_open { "above" } else { "at least" },
            self.lo
        )
    }

    fn upper(&self) -> String {
        format!(
            "{} {}",
            if self.hi_open { "below" } else { "at most" },
            self.hi
        )
    }

    /// "at least 0", "between 0 and 1", "above 0 and at most 1", ...
    pub(super) fn describe(&self) -> String {
        match (self.lo.is_finite(), self.hi.is_finite()) {
            (true, true) if !self.lo_open && !self.hi_open => {
                format!("between {} and {}", self.lo, self.hi)
            }
            (true, true) => format!("{} and {}", self.lower(), self.upper()),
            (true, false) => self.lower(),
            (false, true) => self.upper(),
            (false, false) => "a finite number".into(),
        }
    }
}

/// `v` as a message shows it: in scientific notation when very large or
/// very small (`1e308`, not 309 digits).
fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// What is wrong with `v` for `range`, if anything (no path, no period).
pub(super) fn number_problem(v: f64, range: Range) -> Option<String> {
    if !v.is_finite() {
        Some(format!("must be a finite number, found {v}"))
    } else if !range.contains(v) {
        Some(format!("must be {}, found {}", range.describe(), num(v)))
    } else {
        None
    }
}

/// Checks a plain number field.
pub(super) fn check_number(
    out: &mut Vec<Diagnostic>,
    path: &str,
    v: &Sp<f64>,
    range: Range,
    help: Option<&str>,
) {
    if let Some(m) = number_problem(v.value, range) {
        let mut d = Diagnostic::new(v.loc(), format!("{path}: {m}"));
        if let Some(h) = help {
            d = d.help(h);
        }
        out.push(d);
    }
}

/// Checks an optional plain number field.
pub(super) fn check_opt_number(
    out: &mut Vec<Diagnostic>,
    path: &str,
    v: &Option<Sp<f64>>,
    range: Range,
    help: Option<&str>,
) {
    if let Some(v) = v {
        check_number(out, path, v, range, help);
    }
}

/// Checks an integer field against `lo..=hi`.
pub(super) fn check_int(
    out: &mut Vec<Diagnostic>,
    path: &str,
    v: &Option<Sp<i64>>,
    lo: i64,
    hi: Option<i64>,
    help: &str,
) {
    let Some(v) = v else { return };
    let ok = v.value >= lo && hi.is_none_or(|hi| v.value <= hi);
    if !ok {
        let expected = match hi {
            Some(hi) => format!("between {lo} and {hi}"),
            None => format!("at least {lo}"),
        };
        out.push(
            Diagnostic::new(
                v.loc(),
                format!("{path}: must be {expected}, found {}", v.value),
            )
            .help(help),
        );
    }
}

pub(super) fn check_month(out: &mut Vec<Diagnostic>, path: &str, v: &Option<Sp<String>>) {
    if let Some(v) = v {
        if month(&v.value).is_none() {
            out.push(
                Diagnostic::new(
                    v.loc(),
                    format!(
                        "{path}: expected a month \"YYYY-MM\", found \"{}\"",
                        v.value
                    ),
                )
                .help("write the year and the month with two digits, e.g. \"2026-01\""),
            );
        }
    }
}

/// `[scenario]`: `start` is a month and the horizon has 1 to 1200 periods.
pub(super) fn check_meta(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let m = &cx.f.scenario;
    check_month(out, "scenario.start", &m.start);
    check_int(
        out,
        "scenario.periods",
        &m.periods,
        1,
        Some(1200),
        "the horizon is `periods` periods of length `period`, e.g. periods = 60 with period = \"month\"",
    );
}

/// `[montecarlo]`: at least one trial, a non-negative seed.
pub(super) fn check_montecarlo(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let mc = &cx.f.montecarlo;
    check_int(
        out,
        "montecarlo.trials",
        &mc.trials,
        1,
        None,
        "the default number of trials; `corridor run --trials N` overrides it",
    );
    check_int(
        out,
        "montecarlo.seed",
        &mc.seed,
        0,
        None,
        "a seed is a whole number from 0 up; `corridor run --seed S` overrides it",
    );
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, patch};

    #[test]
    fn check_meta_start_is_a_month() {
        let d = fails_with(
            &patch(&[("start = \"2026-01\"", "start = \"2026-13\"")]),
            "scenario.start: expected a month \"YYYY-MM\", found \"2026-13\"",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("write the year and the month with two digits, e.g. \"2026-01\"")
        );
    }

    #[test]
    fn check_meta_periods_in_range() {
        fails_with(
            &patch(&[("periods = 12", "periods = 1201")]),
            "scenario.periods: must be between 1 and 1200, found 1201",
        );
    }

    #[test]
    fn check_montecarlo_trials_and_seed() {
        fails_with(
            &patch(&[("trials = 10", "trials = 0")]),
            "montecarlo.trials: must be at least 1, found 0",
        );
        fails_with(
            &patch(&[("seed = 1", "seed = -3")]),
            "montecarlo.seed: must be at least 0, found -3",
        );
    }
}
