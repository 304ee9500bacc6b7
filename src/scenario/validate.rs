//! Meaning checks on a layered scenario: references resolve, routes connect,
//! numbers are in range, policies say what their type needs, correlation
//! matrices are valid.
//!
//! [`validate`] runs every rule and returns every problem, each at the
//! location of the offending value. Each rule is a small named function
//! (`check_references`, `check_routes_connect`, ...), in the manner of PyPSA's
//! consistency checks. A message starts with the key path
//! (`legs.caspian.capacity`), then says what is wrong, the bad value and what
//! was expected; a `help` gives a fix or a did-you-mean where one is known.
//! Nothing here knows about the LP or sampling; [`uncertainty_names`] is the
//! one naming scheme of uncertain inputs that the engine shares.

use super::diagnostic::{did_you_mean, line_col};
use super::schema::*;
use super::span::{Loc, Sp};
use super::{Diagnostic, Scenario, Sources};
use crate::dist;
use std::collections::HashMap;

/// Every problem in `s`, in file order.
pub fn validate(s: &Scenario) -> Vec<Diagnostic> {
    let cx = Ctx::new(&s.file, &s.sources);
    let mut out = Vec::new();
    for check in CHECKS {
        check(&cx, &mut out);
    }
    out.sort_by_key(|d| (d.loc.file, d.loc.span.start));
    out
}

/// The names of every uncertain input (a parameter given as a distribution),
/// with where it is defined, in a fixed order: hubs, legs, supply, demand,
/// processing, stockpiles, routes, policies.
///
/// A name is the key path of the parameter: `legs.<id>.capacity`,
/// `legs.<id>.cost`, `legs.<id>.disruption.repair_days`,
/// `legs.<id>.disruption.remaining`, `hubs.<id>.capacity`,
/// `hubs.<id>.disruption.repair_days`, `hubs.<id>.disruption.remaining`,
/// `supply.<region>.<commodity>.capacity`,
/// `supply.<region>.<commodity>.steps.<i>.capacity` and `.cost` (`i` from 0),
/// `demand.<region>.<commodity>.quantity` and `.choke_price`,
/// `processing.<id>.capacity` and `.cost`, `stockpiles.<id>.initial`,
/// `routes.<id>.cost`, and `policies.<id>.<field>` for `delay_months`,
/// `duration_months`, `probability`, `quota`, `quota_fraction`, `friction`,
/// `per_unit`, `ad_valorem`, `delta` and `factor`.
pub fn uncertainty_names(f: &ScenarioFile) -> Vec<(String, Loc)> {
    parameters(f)
        .into_iter()
        .filter(|p| matches!(p.param.value, Param::Dist(_)))
        .map(|p| (p.name, p.param.loc()))
        .collect()
}

type Check = fn(&Ctx, &mut Vec<Diagnostic>);

/// Every rule, in the order they run (the output is sorted by location).
const CHECKS: &[Check] = &[
    check_meta,
    check_montecarlo,
    check_duplicate_ids,
    check_references,
    check_routes_connect,
    check_route_commodities,
    check_commodities,
    check_legs,
    check_disruptions,
    check_hub_capacity_targets,
    check_supply,
    check_demand,
    check_processing,
    check_stockpiles,
    check_parameters,
    check_policy_fields,
    check_policy_activation,
    check_correlations,
];

/// The ids of one kind: in file order (for suggestions) and hashed (for
/// lookups, so checking thousands of references stays linear).
struct Ids<'a> {
    order: Vec<&'a str>,
    set: std::collections::HashSet<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let order: Vec<&str> = ids.into_iter().collect();
        let set = order.iter().copied().collect();
        Ids { order, set }
    }

    fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }
}

/// The scenario plus id tables every rule looks things up in.
struct Ctx<'a> {
    f: &'a ScenarioFile,
    sources: &'a Sources,
    commodities: Ids<'a>,
    regions: Ids<'a>,
    hubs: Ids<'a>,
    nodes: Ids<'a>,
    hub_region: HashMap<&'a str, &'a str>,
    legs: HashMap<&'a str, &'a Leg>,
    leg_ids: Ids<'a>,
    processing: Ids<'a>,
}

impl<'a> Ctx<'a> {
    fn new(f: &'a ScenarioFile, sources: &'a Sources) -> Self {
        let regions = || f.regions.iter().map(|r| r.id.value.as_str());
        let hubs = || f.hubs.iter().map(|h| h.id.value.as_str());
        Ctx {
            f,
            sources,
            commodities: Ids::new(f.commodities.iter().map(|c| c.id.value.as_str())),
            regions: Ids::new(regions()),
            nodes: Ids::new(regions().chain(hubs())),
            hub_region: f
                .hubs
                .iter()
                .map(|h| (h.id.value.as_str(), h.region.value.as_str()))
                .collect(),
            hubs: Ids::new(hubs()),
            legs: f
                .legs
                .iter()
                .map(|l| (l.id.value.as_str(), &l.value))
                .collect(),
            leg_ids: Ids::new(f.legs.iter().map(|l| l.id.value.as_str())),
            processing: Ids::new(f.processing.iter().map(|p| p.id.value.as_str())),
        }
    }

    fn is_region(&self, id: &str) -> bool {
        self.regions.contains(id)
    }

    /// The region a node lies in: itself for a region, its region for a hub.
    fn region_of<'b>(&'b self, node: &'b str) -> Option<&'b str> {
        if self.is_region(node) {
            Some(node)
        } else {
            self.hub_region.get(node).copied()
        }
    }

    /// `` `AKTAU` (in `KZ`) `` for a hub, `` `KZ` `` for a region.
    fn describe_node(&self, node: &str) -> String {
        match self.hub_region.get(node) {
            Some(r) if !self.is_region(node) => format!("`{node}` (in `{r}`)"),
            _ => format!("`{node}`"),
        }
    }

    /// `path:line:col` of a location, for "first defined at" hints.
    fn position(&self, loc: &Loc) -> String {
        match self.sources.files.get(loc.file) {
            Some(f) => {
                let (line, col) = line_col(&f.text, loc.span.start);
                format!("{}:{line}:{col}", f.path.display())
            }
            None => "<scenario>".into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Number ranges.

/// An interval a number must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Range {
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
}

const ANY: Range = Range {
    lo: f64::NEG_INFINITY,
    lo_open: false,
    hi: f64::INFINITY,
    hi_open: false,
};
const NON_NEG: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    hi_open: false,
};
const POSITIVE: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: f64::INFINITY,
    hi_open: false,
};
const NON_POS: Range = Range {
    lo: f64::NEG_INFINITY,
    lo_open: false,
    hi: 0.0,
    hi_open: false,
};
const UNIT: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 1.0,
    hi_open: false,
};
const UNIT_ABOVE_ZERO: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: 1.0,
    hi_open: false,
};
const UNIT_BELOW_ONE: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 1.0,
    hi_open: true,
};

impl Range {
    fn contains(&self, v: f64) -> bool {
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
    fn describe(&self) -> String {
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
fn number_problem(v: f64, range: Range) -> Option<String> {
    if !v.is_finite() {
        Some(format!("must be a finite number, found {v}"))
    } else if !range.contains(v) {
        Some(format!("must be {}, found {}", range.describe(), num(v)))
    } else {
        None
    }
}

/// Checks a plain number field.
fn check_number(
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
fn check_opt_number(
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
fn check_int(
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

/// Whether `s` is a month written `YYYY-MM`.
fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u32>(), Ok(1..=12))
}

fn check_month(out: &mut Vec<Diagnostic>, path: &str, v: &Option<Sp<String>>) {
    if let Some(v) = v {
        if !is_month(&v.value) {
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

// ---------------------------------------------------------------------------
// Parameters: every `Param` field, its name and its allowed range.

/// What a parameter measures, which fixes its range and the help text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Capacity,
    Money,
    Quantity,
    Duration,
    Fraction,
    Probability,
    Factor,
    Share,
    Delta,
}

impl Kind {
    fn range(self) -> Range {
        match self {
            Kind::Capacity
            | Kind::Money
            | Kind::Quantity
            | Kind::Duration
            | Kind::Factor
            | Kind::Share => NON_NEG,
            Kind::Fraction | Kind::Probability => UNIT,
            Kind::Delta => ANY,
        }
    }

    fn help(self) -> Option<&'static str> {
        Some(match self {
            Kind::Capacity => "a capacity cannot be negative; use 0 for none, or a `capacity_change` policy to cut it",
            Kind::Money => "costs and prices are in USD and cannot be negative",
            Kind::Quantity => "a quantity cannot be negative; use 0 for none",
            Kind::Duration => "a duration cannot be negative",
            Kind::Fraction => "give a fraction between 0 and 1, e.g. 0.25 for a quarter",
            Kind::Probability => "write a probability as a fraction between 0 and 1, e.g. 0.4 for 40%",
            Kind::Factor => "a factor multiplies the value: 0.8 cuts it by a fifth, 0 removes it",
            Kind::Share => "an ad valorem tariff is a share of the commodity's `reference_price`, e.g. 0.25 for 25%",
            Kind::Delta => return None,
        })
    }
}

/// One `Param` field of the scenario.
struct ParamRef<'a> {
    name: String,
    param: &'a Sp<Param>,
    kind: Kind,
    /// Drawn anew at every event (a failure, a recurring policy's start), not once per trial.
    per_event: bool,
}

/// Every `Param` field, named as in [`uncertainty_names`].
fn parameters(f: &ScenarioFile) -> Vec<ParamRef<'_>> {
    fn disruption<'a>(out: &mut Vec<ParamRef<'a>>, prefix: &str, d: &'a Option<Sp<Disruption>>) {
        if let Some(d) = d {
            out.push(ParamRef {
                name: format!("{prefix}.disruption.repair_days"),
                param: &d.repair_days,
                kind: Kind::Duration,
                per_event: true,
            });
            if let Some(r) = &d.remaining {
                out.push(ParamRef {
                    name: format!("{prefix}.disruption.remaining"),
                    param: r,
                    kind: Kind::Fraction,
                    per_event: true,
                });
            }
        }
    }
    fn one<'a>(out: &mut Vec<ParamRef<'a>>, name: String, param: &'a Sp<Param>, kind: Kind) {
        out.push(ParamRef {
            name,
            param,
            kind,
            per_event: false,
        });
    }
    fn opt<'a>(
        out: &mut Vec<ParamRef<'a>>,
        name: String,
        param: &'a Option<Sp<Param>>,
        kind: Kind,
        per_event: bool,
    ) {
        if let Some(param) = param {
            out.push(ParamRef {
                name,
                param,
                kind,
                per_event,
            });
        }
    }

    let mut out = Vec::new();
    for h in &f.hubs {
        let id = &h.id.value;
        opt(
            &mut out,
            format!("hubs.{id}.capacity"),
            &h.capacity,
            Kind::Capacity,
            false,
        );
        disruption(&mut out, &format!("hubs.{id}"), &h.disruption);
    }
    for l in &f.legs {
        let id = &l.id.value;
        one(
            &mut out,
            format!("legs.{id}.capacity"),
            &l.capacity,
            Kind::Capacity,
        );
        one(&mut out, format!("legs.{id}.cost"), &l.cost, Kind::Money);
        disruption(&mut out, &format!("legs.{id}"), &l.disruption);
    }
    for s in &f.supply {
        let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
        opt(
            &mut out,
            format!("{key}.capacity"),
            &s.capacity,
            Kind::Capacity,
            false,
        );
        for (i, step) in s.steps.iter().flatten().enumerate() {
            one(
                &mut out,
                format!("{key}.steps.{i}.capacity"),
                &step.capacity,
                Kind::Capacity,
            );
            one(
                &mut out,
                format!("{key}.steps.{i}.cost"),
                &step.cost,
                Kind::Money,
            );
        }
    }
    for d in &f.demand {
        let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
        one(
            &mut out,
            format!("{key}.quantity"),
            &d.quantity,
            Kind::Quantity,
        );
        one(
            &mut out,
            format!("{key}.choke_price"),
            &d.choke_price,
            Kind::Money,
        );
    }
    for p in &f.processing {
        let id = &p.id.value;
        one(
            &mut out,
            format!("processing.{id}.capacity"),
            &p.capacity,
            Kind::Capacity,
        );
        one(
            &mut out,
            format!("processing.{id}.cost"),
            &p.cost,
            Kind::Money,
        );
    }
    for s in &f.stockpiles {
        one(
            &mut out,
            format!("stockpiles.{}.initial", s.id.value),
            &s.initial,
            Kind::Quantity,
        );
    }
    for r in &f.routes {
        opt(
            &mut out,
            format!("routes.{}.cost", r.id.value),
            &r.cost,
            Kind::Money,
            false,
        );
    }
    for p in &f.policies {
        let id = &p.id.value;
        let recurring = p.annual_probability.is_some();
        let fields: [(&str, &Option<Sp<Param>>, Kind, bool); 10] = [
            ("delay_months", &p.delay_months, Kind::Duration, false),
            (
                "duration_months",
                &p.duration_months,
                Kind::Duration,
                recurring,
            ),
            ("probability", &p.probability, Kind::Probability, false),
            ("quota", &p.quota, Kind::Quantity, false),
            ("quota_fraction", &p.quota_fraction, Kind::Fraction, false),
            ("friction", &p.friction, Kind::Money, false),
            ("per_unit", &p.per_unit, Kind::Money, false),
            ("ad_valorem", &p.ad_valorem, Kind::Share, false),
            ("delta", &p.delta, Kind::Delta, false),
            ("factor", &p.factor, Kind::Factor, false),
        ];
        for (field, param, kind, per_event) in fields {
            opt(
                &mut out,
                format!("policies.{id}.{field}"),
                param,
                kind,
                per_event,
            );
        }
    }
    out
}

/// Problems of one parameter: its number, or its distribution's parameters
/// and support, against the range of its kind.
fn param_problems(
    name: &str,
    param: &Sp<Param>,
    range: Range,
    help: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let at = |m: String, h: Option<String>| {
        let d = Diagnostic::new(param.loc(), format!("{name}: {m}"));
        match h {
            Some(h) => d.help(h),
            None => d,
        }
    };
    match &param.value {
        Param::Fixed(v) => {
            if let Some(m) = number_problem(*v, range) {
                out.push(at(m, help.map(str::to_string)));
            }
        }
        Param::Dist(d) => {
            let problems = dist_problems(d);
            if problems.is_empty() {
                if let Some((m, h)) = support_problem(d, range) {
                    out.push(at(m, h));
                }
            }
            out.extend(problems.into_iter().map(|(m, h)| at(m, h)));
        }
    }
}

/// Problems with a distribution's own parameters, as (message, help).
fn dist_problems(d: &Dist) -> Vec<(String, Option<String>)> {
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
fn support(d: &Dist) -> Range {
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
fn support_problem(d: &Dist, allowed: Range) -> Option<(String, Option<String>)> {
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

// ---------------------------------------------------------------------------
// Rules.

/// `[scenario]`: `start` is a month and the horizon has 1 to 1200 periods.
fn check_meta(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
fn check_montecarlo(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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

/// Ids are unique within each list, hub and region ids share one node
/// namespace, and each (region, commodity) has at most one supply and one demand.
fn check_duplicate_ids(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    fn unique<'a>(
        cx: &Ctx,
        out: &mut Vec<Diagnostic>,
        table: &str,
        ids: impl IntoIterator<Item = &'a Sp<String>>,
    ) {
        let mut first: HashMap<&str, Loc> = HashMap::new();
        for id in ids {
            match first.get(id.value.as_str()) {
                Some(at) => out.push(
                    Diagnostic::new(id.loc(), format!("{table}: duplicate id `{}`", id.value))
                        .help(format!(
                            "`{}` is first defined at {}; rename or remove one of them",
                            id.value,
                            cx.position(at)
                        )),
                ),
                None => {
                    first.insert(&id.value, id.loc());
                }
            }
        }
    }
    let f = cx.f;
    unique(cx, out, "commodities", f.commodities.iter().map(|x| &x.id));
    unique(cx, out, "regions", f.regions.iter().map(|x| &x.id));
    unique(cx, out, "hubs", f.hubs.iter().map(|x| &x.id));
    unique(cx, out, "processing", f.processing.iter().map(|x| &x.id));
    unique(cx, out, "stockpiles", f.stockpiles.iter().map(|x| &x.id));
    unique(cx, out, "legs", f.legs.iter().map(|x| &x.id));
    unique(cx, out, "routes", f.routes.iter().map(|x| &x.id));
    unique(cx, out, "policies", f.policies.iter().map(|x| &x.id));
    for h in &f.hubs {
        if cx.is_region(&h.id) {
            out.push(
                Diagnostic::new(h.id.loc(), format!("hubs: id `{}` is also a region id", h.id.value)).help(format!(
                    "regions and hubs share one namespace of node ids (legs name either); rename the hub, e.g. `{}_HUB`",
                    h.id.value
                )),
            );
        }
    }
    fn pairs<'a>(
        cx: &Ctx,
        out: &mut Vec<Diagnostic>,
        table: &str,
        help: &str,
        items: impl IntoIterator<Item = (&'a Sp<String>, &'a Sp<String>)>,
    ) {
        let mut first: HashMap<(&str, &str), Loc> = HashMap::new();
        for (r, c) in items {
            let key = (r.value.as_str(), c.value.as_str());
            match first.get(&key) {
                Some(at) => out.push(
                    Diagnostic::new(
                        r.loc(),
                        format!(
                            "{table}: duplicate entry for region `{}` and commodity `{}`",
                            r.value, c.value
                        ),
                    )
                    .help(format!("the first is at {}; {help}", cx.position(at))),
                ),
                None => {
                    first.insert(key, r.loc());
                }
            }
        }
    }
    pairs(
        cx,
        out,
        "supply",
        "give one entry per region and commodity, with `steps` for a cost curve of several parts",
        f.supply.iter().map(|s| (&s.region, &s.commodity)),
    );
    pairs(
        cx,
        out,
        "demand",
        "give one entry per region and commodity",
        f.demand.iter().map(|d| (&d.region, &d.commodity)),
    );
}

/// The help for an unknown id: a did-you-mean, else the valid ids.
fn suggest(word: &str, valid: &Ids, plural: &str) -> String {
    let valid = &valid.order;
    if let Some(best) = did_you_mean(word, valid.iter().copied()) {
        return format!("did you mean `{best}`?");
    }
    if valid.is_empty() {
        return format!("the scenario defines no {plural}");
    }
    let shown: Vec<String> = valid.iter().take(8).map(|v| format!("`{v}`")).collect();
    let more = if valid.len() > 8 { ", ..." } else { "" };
    format!("expected one of: {}{more}", shown.join(", "))
}

/// Reports `id` unless it is one of `valid`.
fn reference(
    out: &mut Vec<Diagnostic>,
    path: &str,
    id: &Sp<String>,
    kind: (&str, &str),
    valid: &Ids,
) {
    if !valid.contains(&id.value) {
        out.push(
            Diagnostic::new(
                id.loc(),
                format!("{path}: unknown {} `{}`", kind.0, id.value),
            )
            .help(suggest(&id.value, valid, kind.1)),
        );
    }
}

const REGION: (&str, &str) = ("region", "regions");
const COMMODITY: (&str, &str) = ("commodity", "commodities");
const HUB: (&str, &str) = ("hub", "hubs");
const LEG: (&str, &str) = ("leg", "legs");
const PLANT: (&str, &str) = ("processing plant", "processing plants");
const NODE: (&str, &str) = ("region or hub", "regions or hubs");

/// Every id a scenario uses names something it defines.
fn check_references(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let f = cx.f;
    let (regions, commodities) = (&cx.regions, &cx.commodities);
    for h in &f.hubs {
        reference(
            out,
            &format!("hubs.{}.region", h.id.value),
            &h.region,
            REGION,
            regions,
        );
    }
    for s in &f.supply {
        let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
        reference(out, &format!("{key}.region"), &s.region, REGION, regions);
        reference(
            out,
            &format!("{key}.commodity"),
            &s.commodity,
            COMMODITY,
            commodities,
        );
    }
    for d in &f.demand {
        let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
        reference(out, &format!("{key}.region"), &d.region, REGION, regions);
        reference(
            out,
            &format!("{key}.commodity"),
            &d.commodity,
            COMMODITY,
            commodities,
        );
    }
    for p in &f.processing {
        let key = format!("processing.{}", p.id.value);
        reference(out, &format!("{key}.region"), &p.region, REGION, regions);
        reference(
            out,
            &format!("{key}.input"),
            &p.input,
            COMMODITY,
            commodities,
        );
        reference(
            out,
            &format!("{key}.output"),
            &p.output,
            COMMODITY,
            commodities,
        );
    }
    for s in &f.stockpiles {
        let key = format!("stockpiles.{}", s.id.value);
        reference(out, &format!("{key}.region"), &s.region, REGION, regions);
        reference(
            out,
            &format!("{key}.commodity"),
            &s.commodity,
            COMMODITY,
            commodities,
        );
    }
    for l in &f.legs {
        let key = format!("legs.{}", l.id.value);
        reference(out, &format!("{key}.from"), &l.from, NODE, &cx.nodes);
        reference(out, &format!("{key}.to"), &l.to, NODE, &cx.nodes);
        for c in &l.carries {
            reference(out, &format!("{key}.carries"), c, COMMODITY, commodities);
        }
    }
    for r in &f.routes {
        let key = format!("routes.{}", r.id.value);
        for (field, end) in [("from", &r.from), ("to", &r.to)] {
            match cx.hub_region.get(end.value.as_str()) {
                Some(region) if !cx.is_region(end) => out.push(
                    Diagnostic::new(end.loc(), format!("{key}.{field}: `{}` is a hub, not a region", end.value)).help(
                        format!("routes run between regions; use `{region}`, the hub's region (its legs may start or end at the hub)"),
                    ),
                ),
                _ => reference(out, &format!("{key}.{field}"), end, REGION, regions),
            }
        }
        for l in &r.legs {
            reference(out, &format!("{key}.legs"), l, LEG, &cx.leg_ids);
        }
        for c in r.commodities.iter().flatten() {
            reference(
                out,
                &format!("{key}.commodities"),
                c,
                COMMODITY,
                commodities,
            );
        }
    }
    for p in &f.policies {
        let key = format!("policies.{}", p.id.value);
        let one =
            |out: &mut Vec<Diagnostic>, field: &str, v: &Option<Sp<String>>, kind, valid: &Ids| {
                if let Some(v) = v {
                    reference(out, &format!("{key}.{field}"), v, kind, valid);
                }
            };
        one(out, "region", &p.region, REGION, regions);
        one(out, "commodity", &p.commodity, COMMODITY, commodities);
        one(out, "importer", &p.importer, REGION, regions);
        one(out, "exporter", &p.exporter, REGION, regions);
        one(out, "processing", &p.processing, PLANT, &cx.processing);
        for (field, list, kind, valid) in [
            ("to", &p.to, REGION, regions),
            ("legs", &p.legs, LEG, &cx.leg_ids),
            ("hubs", &p.hubs, HUB, &cx.hubs),
        ] {
            for v in list.iter().flatten() {
                reference(out, &format!("{key}.{field}"), v, kind, valid);
            }
        }
    }
}

/// A route's legs form a path from its origin to its destination.
///
/// The path starts at `from` or one of its hubs; each leg starts where the
/// previous one ended (a leg with `bidirectional = true` may be travelled
/// backwards, and after a leg that ends at a region the next may start at
/// one of that region's hubs); the last leg ends at `to` or one of its hubs.
/// Legs are oriented greedily, forward first, as the model compiler does.
fn check_routes_connect(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for r in &cx.f.routes {
        let key = format!("routes.{}", r.id.value);
        if r.legs.is_empty() {
            out.push(
                Diagnostic::new(r.id.loc(), format!("{key}.legs: a route needs at least one leg"))
                    .help("list the legs in travel order, e.g. legs = [\"khorgos_rail\", \"caspian_ferry\"]"),
            );
            continue;
        }
        if r.from.value == r.to.value {
            out.push(
                Diagnostic::new(
                    r.to.loc(),
                    format!("{key}: starts and ends at `{}`", r.from.value),
                )
                .help("a route moves goods between two different regions"),
            );
        }
        // Unknown ids are reported by `check_references`; a path through
        // them cannot be followed.
        let legs: Option<Vec<&Leg>> = r
            .legs
            .iter()
            .map(|l| cx.legs.get(l.value.as_str()).copied())
            .collect();
        let Some(legs) = legs else { continue };
        if !cx.is_region(&r.from)
            || legs
                .iter()
                .any(|l| cx.region_of(&l.from).is_none() || cx.region_of(&l.to).is_none())
        {
            continue;
        }
        let mut here: &str = &r.from.value;
        let mut broken = false;
        for (i, leg) in legs.iter().enumerate() {
            let meets =
                |n: &str| n == here || (cx.is_region(here) && cx.region_of(n) == Some(here));
            let bidirectional = leg.bidirectional.as_ref().is_some_and(|b| b.value);
            let next = if meets(&leg.from) {
                Some(leg.to.value.as_str())
            } else if bidirectional && meets(&leg.to) {
                Some(leg.from.value.as_str())
            } else {
                None
            };
            if let Some(next) = next {
                here = next;
                continue;
            }
            let at = r.legs[i].loc();
            let name = &leg.id.value;
            let starts = if bidirectional {
                format!(
                    "runs between {} and {}",
                    cx.describe_node(&leg.from),
                    cx.describe_node(&leg.to)
                )
            } else {
                format!("starts at {}", cx.describe_node(&leg.from))
            };
            let reversed = !bidirectional && meets(&leg.to);
            let d = if i == 0 {
                Diagnostic::new(
                    at,
                    format!(
                        "{key}.legs: first leg `{name}` {starts}, not at the route's origin `{}` or one of its hubs",
                        r.from.value
                    ),
                )
                .help(if reversed {
                    format!(
                        "`{name}` runs towards `{}`; set `bidirectional = true` on it to travel it backwards",
                        leg.to.value
                    )
                } else {
                    format!("start the route with a leg that leaves `{}` or one of its hubs", r.from.value)
                })
            } else {
                let prev = &legs[i - 1].id.value;
                Diagnostic::new(
                    at,
                    format!("{key}.legs: legs `{prev}` and `{name}` do not meet: `{prev}` ends at {}, but `{name}` {starts}", cx.describe_node(here)),
                )
                .help(if reversed {
                    format!("`{name}` runs towards `{here}`; set `bidirectional = true` on it to travel it backwards")
                } else {
                    format!("add a leg from `{here}` to `{}` between them, or check the order of `legs`", leg.from.value)
                })
            };
            out.push(d);
            broken = true;
            break;
        }
        if broken || !cx.is_region(&r.to) {
            continue;
        }
        if here != r.to.value && cx.region_of(here) != Some(r.to.value.as_str()) {
            let last = r.legs.last().map_or_else(|| r.to.loc(), |l| l.loc());
            let name = &legs[legs.len() - 1].id.value;
            out.push(
                Diagnostic::new(
                    last,
                    format!(
                        "{key}.legs: last leg `{name}` ends at {}, not at the route's destination `{}` or one of its hubs",
                        cx.describe_node(here),
                        r.to.value
                    ),
                )
                .help(format!("add legs from `{here}` to `{}`, or change `to`", r.to.value)),
            );
        }
    }
}

/// A route carries at least one commodity, and only what all its legs carry.
fn check_route_commodities(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for r in &cx.f.routes {
        let key = format!("routes.{}", r.id.value);
        let legs: Option<Vec<&Leg>> = r
            .legs
            .iter()
            .map(|l| cx.legs.get(l.value.as_str()).copied())
            .collect();
        let Some(legs) = legs else { continue };
        if legs.is_empty() {
            continue;
        }
        let carries = |l: &Leg, c: &str| l.carries.iter().any(|x| x.value == c);
        match &r.commodities {
            Some(list) if list.is_empty() => out.push(
                Diagnostic::new(r.id.loc(), format!("{key}.commodities: the list is empty"))
                    .help("omit `commodities` to allow every commodity all its legs carry"),
            ),
            Some(list) => {
                for c in list.iter().filter(|c| cx.commodities.contains(&c.value)) {
                    for l in legs.iter().filter(|l| !carries(l, &c.value)) {
                        out.push(
                            Diagnostic::new(
                                c.loc(),
                                format!(
                                    "{key}.commodities: leg `{}` does not carry `{}`",
                                    l.id.value, c.value
                                ),
                            )
                            .help(format!(
                                "add \"{}\" to `carries` of leg `{}`, or remove it from this route",
                                c.value, l.id.value
                            )),
                        );
                    }
                }
            }
            None => {
                // An empty or unknown `carries` is reported on the leg itself.
                let unclear = legs.iter().any(|l| {
                    l.carries.is_empty()
                        || l.carries.iter().any(|c| !cx.commodities.contains(&c.value))
                });
                let common = cx
                    .commodities
                    .order
                    .iter()
                    .any(|c| legs.iter().all(|l| carries(l, c)));
                if !common && !unclear {
                    let what: Vec<String> = legs
                        .iter()
                        .map(|l| {
                            let list: Vec<&str> =
                                l.carries.iter().map(|c| c.value.as_str()).collect();
                            format!("`{}` carries [{}]", l.id.value, list.join(", "))
                        })
                        .collect();
                    out.push(
                        Diagnostic::new(
                            r.id.loc(),
                            format!("{key}: its legs carry no commodity in common"),
                        )
                        .help(what.join("; ")),
                    );
                }
            }
        }
    }
}

/// Commodities: a non-negative reference price and a positive freight weight.
fn check_commodities(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for c in &cx.f.commodities {
        let key = format!("commodities.{}", c.id.value);
        check_number(
            out,
            &format!("{key}.reference_price"),
            &c.reference_price,
            NON_NEG,
            Kind::Money.help(),
        );
        check_opt_number(
            out,
            &format!("{key}.tonnes_per_unit"),
            &c.tonnes_per_unit,
            POSITIVE,
            Some("tonnes of freight per unit of the commodity, e.g. 1 when the unit is tonnes"),
        );
    }
}

/// Legs join two different nodes, carry something and take non-negative time.
fn check_legs(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for l in &cx.f.legs {
        let key = format!("legs.{}", l.id.value);
        if l.carries.is_empty() {
            out.push(
                Diagnostic::new(
                    l.id.loc(),
                    format!("{key}.carries: the leg carries no commodity"),
                )
                .help("list what it can carry, e.g. carries = [\"oil\"]"),
            );
        }
        if l.from.value == l.to.value {
            out.push(
                Diagnostic::new(
                    l.to.loc(),
                    format!("{key}: starts and ends at `{}`", l.from.value),
                )
                .help("a leg joins two different nodes"),
            );
        }
        check_opt_number(
            out,
            &format!("{key}.transit_days"),
            &l.transit_days,
            NON_NEG,
            Kind::Duration.help(),
        );
    }
}

/// The most failures per year a disruption may have: one a day on average.
/// A piece of infrastructure that fails more often is simply down (give it
/// a lower capacity), and a trial draws every failure, so an unbounded rate
/// (1e308) would never finish.
pub const MAX_FAILURE_RATE: f64 = 365.0;

const FAILURE_RATE: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: MAX_FAILURE_RATE,
    hi_open: false,
};

/// Disruptions: a failure rate between 0 and [`MAX_FAILURE_RATE`] (the
/// sampled parts are checked with the other parameters).
fn check_disruptions(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let all =
        cx.f.hubs
            .iter()
            .map(|h| (format!("hubs.{}", h.id.value), &h.disruption));
    let all = all.chain(
        cx.f.legs
            .iter()
            .map(|l| (format!("legs.{}", l.id.value), &l.disruption)),
    );
    for (key, d) in all {
        if let Some(d) = d {
            check_number(
                out,
                &format!("{key}.disruption.failure_rate"),
                &d.failure_rate,
                FAILURE_RATE,
                Some("failures per year while up, e.g. 0.5 for one failure every two years; at most 365 (one a day)"),
            );
        }
    }
}

/// A disruption or a capacity change scales a hub's capacity, so it needs
/// one: on a hub without a capacity it would change nothing. (A closure
/// needs none: it stops every flow through the hub.)
fn check_hub_capacity_targets(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let unlimited = |id: &str| {
        cx.f.hubs
            .iter()
            .any(|h| h.id.value == id && h.capacity.is_none())
    };
    const HELP: &str = "give the hub a `capacity` (tonnes per year), or put the disruption or change on the legs that serve it; a `closure` policy stops the flows through any hub";
    for h in &cx.f.hubs {
        if let (Some(d), None) = (&h.disruption, &h.capacity) {
            out.push(
                Diagnostic::new(
                    d.loc(),
                    format!(
                        "hubs.{}.disruption: a disruption scales the hub's capacity, but hub `{}` has none",
                        h.id.value, h.id.value
                    ),
                )
                .help(HELP),
            );
        }
    }
    for p in &cx.f.policies {
        if p.kind.value != PolicyKind::CapacityChange {
            continue;
        }
        for h in p.hubs.iter().flatten().filter(|h| unlimited(&h.value)) {
            out.push(
                Diagnostic::new(
                    h.loc(),
                    format!(
                        "policies.{}.hubs: a capacity change scales the hub's capacity, but hub `{}` has none",
                        p.id.value, h.value
                    ),
                )
                .help(HELP),
            );
        }
    }
}

/// Supply is either `capacity` with a rising `cost` pair, or `steps`.
fn check_supply(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    const EITHER: &str = "give either `capacity` with `cost` (a linear cost curve), or `steps`";
    for s in &cx.f.supply {
        let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
        check_int(
            out,
            &format!("{key}.blocks"),
            &s.blocks,
            1,
            Some(50),
            "the linear cost curve is cut into this many blocks; 4 is the default",
        );
        if let Some(steps) = &s.steps {
            let extra = [
                ("capacity", s.capacity.as_ref().map(Sp::loc)),
                ("cost", s.cost.as_ref().map(Sp::loc)),
                ("blocks", s.blocks.as_ref().map(Sp::loc)),
            ];
            for (field, loc) in extra {
                if let Some(loc) = loc {
                    out.push(
                        Diagnostic::new(
                            loc,
                            format!("{key}: `{field}` cannot be combined with `steps`"),
                        )
                        .help(EITHER),
                    );
                }
            }
            if steps.is_empty() {
                out.push(
                    Diagnostic::new(s.region.loc(), format!("{key}.steps: the list is empty"))
                        .help(
                            "give at least one step, e.g. steps = [{ capacity = 100, cost = 20 }]",
                        ),
                );
            }
            continue;
        }
        match (&s.capacity, &s.cost) {
            (None, None) => out.push(Diagnostic::new(s.region.loc(), format!("{key}: no capacity")).help(EITHER)),
            (Some(c), None) => out.push(
                Diagnostic::new(c.loc(), format!("{key}: `capacity` needs `cost`"))
                    .help("add `cost = [low, high]`, the marginal cost at zero output and at capacity, USD per unit"),
            ),
            (None, Some(c)) => out.push(
                Diagnostic::new(c.loc(), format!("{key}: `cost` needs `capacity`"))
                    .help("add `capacity`, the output per year"),
            ),
            (Some(_), Some(_)) => {}
        }
        if let Some(cost) = &s.cost {
            let [lo, hi] = cost.value;
            if let Some(m) = number_problem(lo, NON_NEG).or_else(|| number_problem(hi, NON_NEG)) {
                out.push(
                    Diagnostic::new(cost.loc(), format!("{key}.cost: {m}"))
                        .help(Kind::Money.help().unwrap_or_default()),
                );
            } else if lo > hi {
                out.push(
                    Diagnostic::new(
                        cost.loc(),
                        format!("{key}.cost: the cost at zero output ({lo}) is above the cost at capacity ({hi})"),
                    )
                    .help(format!("marginal cost rises with output: write `cost = [{hi}, {lo}]`")),
                );
            }
        }
    }
}

/// Demand: price and choke price, a negative elasticity, floor and blocks in range.
fn check_demand(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for d in &cx.f.demand {
        let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
        check_number(
            out,
            &format!("{key}.price"),
            &d.price,
            NON_NEG,
            Kind::Money.help(),
        );
        check_number(
            out,
            &format!("{key}.elasticity"),
            &d.elasticity,
            NON_POS,
            Some("demand falls as the price rises, so the elasticity is negative, e.g. -0.3 (0 = inelastic)"),
        );
        check_opt_number(
            out,
            &format!("{key}.floor"),
            &d.floor,
            UNIT_ABOVE_ZERO,
            Some("the lowest price the curve reaches, as a fraction of `price`, e.g. 0.5"),
        );
        check_int(
            out,
            &format!("{key}.blocks"),
            &d.blocks,
            1,
            Some(50),
            "the demand curve is cut into this many blocks; 6 is the default",
        );
        let price = d.price.value;
        if !price.is_finite() {
            continue;
        }
        let path = format!("{key}.choke_price");
        const WHY: &str =
            "the choke price values a unit of unmet demand, so it lies above the price, usually several times it";
        match &d.choke_price.value {
            Param::Fixed(c) if c.is_finite() && *c <= price => out.push(
                Diagnostic::new(
                    d.choke_price.loc(),
                    format!("{path}: must be above `price` {price}, found {c}"),
                )
                .help(WHY),
            ),
            Param::Dist(dist) if dist_problems(dist).is_empty() => {
                let lo = support(dist).lo;
                if lo <= price {
                    out.push(
                        Diagnostic::new(
                            d.choke_price.loc(),
                            format!("{path}: the distribution can draw {lo}, but the choke price must be above `price` {price}"),
                        )
                        .help(format!("raise the distribution's lower end above {price}; {WHY}")),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Processing plants: a positive yield, different input and output.
fn check_processing(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.processing {
        let key = format!("processing.{}", p.id.value);
        check_opt_number(
            out,
            &format!("{key}.yield"),
            &p.yield_,
            POSITIVE,
            Some("output units per input unit, e.g. 0.9"),
        );
        if p.input.value == p.output.value {
            out.push(
                Diagnostic::new(p.output.loc(), format!("{key}: input and output are both `{}`", p.output.value))
                    .help("a plant turns one commodity into another, e.g. input = \"re_concentrate\", output = \"rare_earths\""),
            );
        }
    }
}

/// Stockpiles: non-negative levels, rates and prices; the initial level fits;
/// refilling stops below the release price.
fn check_stockpiles(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for s in &cx.f.stockpiles {
        let key = format!("stockpiles.{}", s.id.value);
        let money = Kind::Money.help();
        check_number(
            out,
            &format!("{key}.capacity"),
            &s.capacity,
            NON_NEG,
            Kind::Capacity.help(),
        );
        check_number(
            out,
            &format!("{key}.release_rate"),
            &s.release_rate,
            NON_NEG,
            Kind::Quantity.help(),
        );
        check_number(
            out,
            &format!("{key}.release_price"),
            &s.release_price,
            NON_NEG,
            money,
        );
        check_opt_number(
            out,
            &format!("{key}.refill_rate"),
            &s.refill_rate,
            NON_NEG,
            Kind::Quantity.help(),
        );
        check_opt_number(
            out,
            &format!("{key}.refill_price"),
            &s.refill_price,
            NON_NEG,
            money,
        );
        let cap = s.capacity.value;
        if cap.is_finite() && cap >= 0.0 {
            let path = format!("{key}.initial");
            match &s.initial.value {
                Param::Fixed(v) if v.is_finite() && *v > cap => out.push(
                    Diagnostic::new(s.initial.loc(), format!("{path}: must be at most `capacity` {cap}, found {v}"))
                        .help("raise `capacity` or lower `initial`"),
                ),
                Param::Dist(d) if dist_problems(d).is_empty() && support(d).hi > cap => out.push(
                    Diagnostic::new(
                        s.initial.loc(),
                        format!(
                            "{path}: the distribution can draw {}, but the level must be at most `capacity` {cap}",
                            support(d).hi
                        ),
                    )
                    .help(match d {
                        Dist::Normal { max: None, .. } => format!("add `max = {cap}` to clamp the draws"),
                        _ => format!("lower the distribution's upper end to {cap}"),
                    }),
                ),
                _ => {}
            }
        }
        let refills = s.refill_rate.as_ref().is_some_and(|r| r.value > 0.0);
        if let (true, Some(rp)) = (refills, &s.refill_price) {
            if rp.value >= s.release_price.value {
                out.push(
                    Diagnostic::new(
                        rp.loc(),
                        format!(
                            "{key}.refill_price: must be below `release_price` {}, found {}",
                            s.release_price.value, rp.value
                        ),
                    )
                    .help("at a price between the two the stock would be bought and sold at once"),
                );
            }
        }
    }
}

/// Every parameter, plain or sampled, lies in its field's range; a
/// distribution has valid parameters and cannot draw outside that range.
fn check_parameters(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in parameters(cx.f) {
        param_problems(&p.name, p.param, p.kind.range(), p.kind.help(), out);
    }
}

/// The policy fields present, with where they are.
fn policy_fields(p: &Policy) -> Vec<(&'static str, Loc)> {
    let fallback = p.kind.loc();
    let s = |v: &Option<Sp<String>>| v.as_ref().map(Sp::loc);
    let n = |v: &Option<Sp<Param>>| v.as_ref().map(Sp::loc);
    let list = |v: &Option<Vec<Sp<String>>>| {
        v.as_ref()
            .map(|l| l.first().map_or_else(|| fallback.clone(), Sp::loc))
    };
    let fields = [
        ("region", s(&p.region)),
        ("commodity", s(&p.commodity)),
        ("to", list(&p.to)),
        ("importer", s(&p.importer)),
        ("exporter", s(&p.exporter)),
        ("legs", list(&p.legs)),
        ("hubs", list(&p.hubs)),
        ("processing", s(&p.processing)),
        ("mode", p.mode.as_ref().map(Sp::loc)),
        ("quota", n(&p.quota)),
        ("quota_fraction", n(&p.quota_fraction)),
        ("friction", n(&p.friction)),
        ("transit", p.transit.as_ref().map(Sp::loc)),
        ("per_unit", n(&p.per_unit)),
        ("ad_valorem", n(&p.ad_valorem)),
        ("delta", n(&p.delta)),
        ("factor", n(&p.factor)),
    ];
    fields
        .into_iter()
        .filter_map(|(name, loc)| loc.map(|l| (name, l)))
        .collect()
}

/// The `type = "..."` spelling of a policy kind.
fn kind_name(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::ExportControl => "export_control",
        PolicyKind::Tariff => "tariff",
        PolicyKind::Closure => "closure",
        PolicyKind::CapacityChange => "capacity_change",
        PolicyKind::DemandShock => "demand_shock",
        PolicyKind::SupplyShock => "supply_shock",
    }
}

/// The target and effect fields a policy kind uses (activation fields are
/// common to all).
fn used_fields(k: PolicyKind) -> &'static [&'static str] {
    match k {
        PolicyKind::ExportControl => &[
            "region",
            "commodity",
            "to",
            "mode",
            "quota",
            "quota_fraction",
            "friction",
            "transit",
        ],
        PolicyKind::Tariff => &[
            "importer",
            "exporter",
            "commodity",
            "per_unit",
            "ad_valorem",
        ],
        PolicyKind::Closure => &["legs", "hubs", "region"],
        PolicyKind::CapacityChange => &[
            "legs",
            "hubs",
            "processing",
            "region",
            "commodity",
            "delta",
            "factor",
        ],
        PolicyKind::DemandShock | PolicyKind::SupplyShock => &["region", "commodity", "factor"],
    }
}

/// A policy has the fields its `type` needs and no field it does not use.
fn check_policy_fields(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.policies {
        let key = format!("policies.{}", p.id.value);
        let kind = p.kind.value;
        let name = kind_name(kind);
        let fields = policy_fields(p);
        let has = |f: &str| fields.iter().any(|(n, _)| *n == f);
        let loc_of = |f: &str| fields.iter().find(|(n, _)| *n == f).map(|(_, l)| l.clone());
        let used = used_fields(kind);
        for (field, loc) in &fields {
            if !used.contains(field) {
                out.push(
                    Diagnostic::new(
                        loc.clone(),
                        format!("{key}: field `{field}` is not used by a `{name}` policy"),
                    )
                    .help(format!(
                        "a `{name}` policy uses {}",
                        used.iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
        let need = |out: &mut Vec<Diagnostic>, what: &str, help: &str| {
            out.push(
                Diagnostic::new(
                    p.kind.loc(),
                    format!("{key}: a `{name}` policy needs {what}"),
                )
                .help(help),
            );
        };
        let both = |out: &mut Vec<Diagnostic>, a: &str, b: &str, help: &str| {
            if let (true, Some(loc)) = (has(a), loc_of(b)) {
                out.push(
                    Diagnostic::new(loc, format!("{key}: `{a}` and `{b}` cannot both be given"))
                        .help(help),
                );
                true
            } else {
                false
            }
        };
        match kind {
            PolicyKind::ExportControl => {
                let mode = p.mode.as_ref().map(|m| m.value);
                let mode_fields: [(&str, ControlMode, &str); 3] = [
                    ("quota", ControlMode::Quota, "quota"),
                    ("quota_fraction", ControlMode::Quota, "quota"),
                    ("friction", ControlMode::License, "license"),
                ];
                if let Some(mode) = mode {
                    let mode_name = match mode {
                        ControlMode::Ban => "ban",
                        ControlMode::Quota => "quota",
                        ControlMode::License => "license",
                    };
                    for (field, wants, wants_name) in mode_fields {
                        if let (Some(loc), true) = (loc_of(field), mode != wants) {
                            out.push(
                                Diagnostic::new(
                                    loc,
                                    format!(
                                        "{key}: field `{field}` is not used in `{mode_name}` mode"
                                    ),
                                )
                                .help(format!("`{field}` applies with mode = \"{wants_name}\"")),
                            );
                        }
                    }
                }
                both(out, "quota", "quota_fraction", "give the quota either in units per year (`quota`) or as a fraction of the baseline flow (`quota_fraction`)");
                if !has("region") {
                    need(
                        out,
                        "`region`, the exporting region",
                        "add e.g. region = \"CN\"",
                    );
                }
                match mode {
                    None => need(out, "`mode`", "add mode = \"ban\", \"quota\" or \"license\""),
                    Some(ControlMode::Quota) if !has("quota") && !has("quota_fraction") => need(
                        out,
                        "`quota` or `quota_fraction` in `quota` mode",
                        "add quota = <units per year>, or quota_fraction = <share of the baseline flow>",
                    ),
                    Some(ControlMode::License) if !has("friction") => {
                        need(out, "`friction` in `license` mode", "add friction = <licensing cost, USD per unit>")
                    }
                    _ => {}
                }
            }
            PolicyKind::Tariff => {
                if !has("importer") {
                    need(
                        out,
                        "`importer`, the importing region",
                        "add e.g. importer = \"US\"",
                    );
                }
                if !has("per_unit") && !has("ad_valorem") {
                    need(
                        out,
                        "`per_unit` or `ad_valorem`",
                        "add per_unit = <USD per unit>, or ad_valorem = <share of the reference price>",
                    );
                }
            }
            PolicyKind::Closure => {
                if !has("legs") && !has("hubs") && !has("region") {
                    need(
                        out,
                        "`legs`, `hubs` or `region`",
                        "name what is closed, e.g. legs = [\"cpc_pipeline\"]",
                    );
                }
            }
            PolicyKind::CapacityChange => {
                let targets: Vec<&str> = [
                    ("legs", has("legs")),
                    ("hubs", has("hubs")),
                    ("processing", has("processing")),
                ]
                .into_iter()
                .filter(|(_, h)| *h)
                .map(|(n, _)| n)
                .chain((has("region") || has("commodity")).then_some("region"))
                .collect();
                match targets.len() {
                    0 => need(
                        out,
                        "a target: `legs`, `hubs`, `processing`, or `region` with `commodity`",
                        "add e.g. legs = [\"trans_caspian_rail\"]",
                    ),
                    1 => {
                        if targets[0] == "region" && !(has("region") && has("commodity")) {
                            let missing = if has("region") { "commodity" } else { "region" };
                            need(out,
                                &format!("`{missing}` too: a supply target is a `region` with a `commodity`"),
                                "name the mine's region and commodity, e.g. region = \"KZ\", commodity = \"rare_earths\"",
                            );
                        }
                    }
                    _ => {
                        let list: Vec<String> = targets
                            .iter()
                            .map(|t| {
                                if *t == "region" {
                                    "`region`/`commodity`".to_string()
                                } else {
                                    format!("`{t}`")
                                }
                            })
                            .collect();
                        out.push(
                            Diagnostic::new(
                                p.kind.loc(),
                                format!(
                                    "{key}: a `{name}` policy has one target, found {}",
                                    list.join(", ")
                                ),
                            )
                            .help("split it into one policy per target"),
                        );
                    }
                }
                if !both(
                    out,
                    "delta",
                    "factor",
                    "give either `delta` (capacity added per year) or `factor` (capacity multiplied)",
                ) && !has("delta")
                    && !has("factor")
                {
                    out.push(
                        Diagnostic::new(p.kind.loc(), format!("{key}: a `{name}` policy needs `delta` or `factor`"))
                            .help("add delta = <capacity added per year>, or factor = <multiplier>"),
                    );
                }
            }
            PolicyKind::DemandShock | PolicyKind::SupplyShock => {
                if !has("region") {
                    need(
                        out,
                        "`region`, the shocked region",
                        "add e.g. region = \"US\"",
                    );
                }
                if !has("factor") {
                    need(out, "`factor`", "add e.g. factor = 0.8 for a 20% cut");
                }
            }
        }
    }
}

/// Activation: `start` is a month; `annual_probability` is a chance per
/// year below 1 and replaces `probability` and `delay_months`.
fn check_policy_activation(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.policies {
        let key = format!("policies.{}", p.id.value);
        check_month(out, &format!("{key}.start"), &p.start);
        let Some(a) = &p.annual_probability else {
            continue;
        };
        check_number(
            out,
            &format!("{key}.annual_probability"),
            a,
            UNIT_BELOW_ONE,
            Some("a chance per year below 1, e.g. 0.4; an event that surely happens is a one-off policy without `annual_probability`"),
        );
        for (field, v) in [
            ("probability", &p.probability),
            ("delay_months", &p.delay_months),
        ] {
            if let Some(v) = v {
                out.push(
                    Diagnostic::new(v.loc(), format!("{key}: `annual_probability` cannot be combined with `{field}`")).help(
                        "`annual_probability` makes the policy recur; `probability` and `delay_months` describe a one-off event; keep one",
                    ),
                );
            }
        }
    }
}

/// Correlation blocks name distinct uncertainties, at most one block each,
/// and give a square, symmetric, unit-diagonal, positive semi-definite
/// matrix of entries in [-1, 1].
fn check_correlations(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let params = parameters(cx.f);
    let uncertain: Vec<&str> = params
        .iter()
        .filter(|p| matches!(p.param.value, Param::Dist(_)))
        .map(|p| p.name.as_str())
        .collect();
    // The first parameter of each name (a duplicate id repeats names).
    let mut by_name: HashMap<&str, &ParamRef> = HashMap::new();
    for p in &params {
        by_name.entry(p.name.as_str()).or_insert(p);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (b, block) in cx.f.correlations.iter().enumerate() {
        let label = format!("correlation block {}", b + 1);
        let names = &block.names;
        let n = names.len();
        if n < 2 {
            out.push(Diagnostic::new(block.loc(), format!("{label}: needs at least two names, found {n}")).help(
                "a block relates two or more uncertainties, e.g. names = [\"legs.a.capacity\", \"legs.b.capacity\"]",
            ));
        }
        for (i, name) in names.iter().enumerate() {
            let nm = name.value.as_str();
            match by_name.get(nm) {
                None => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: unknown uncertainty `{nm}`")).help(match did_you_mean(nm, uncertain.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None if uncertain.is_empty() => "no parameter of this scenario is a distribution; names are key paths such as `legs.<id>.capacity`".into(),
                        None => format!("names are key paths of parameters given as distributions: {}", {
                            let shown: Vec<String> = uncertain.iter().take(6).map(|u| format!("`{u}`")).collect();
                            shown.join(", ") + if uncertain.len() > 6 { ", ..." } else { "" }
                        }),
                    }),
                ),
                Some(p) if matches!(p.param.value, Param::Fixed(_)) => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` is a plain number, not an uncertainty"))
                        .help("give it a distribution to make it uncertain"),
                ),
                Some(p) if p.per_event => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` is drawn anew at every event, not once per trial, so it cannot be correlated"))
                        .help("correlate per-trial parameters such as capacities, costs and policy probabilities"),
                ),
                Some(_) => {}
            }
            if names[..i].iter().any(|x| x.value == nm) {
                out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` appears twice"))
                        .help("list each uncertainty once"),
                );
            } else if let Some(other) = seen.get(nm) {
                out.push(
                    Diagnostic::new(
                        name.loc(),
                        format!("{label}: `{nm}` is already correlated in block {}", other + 1),
                    )
                    .help("an uncertainty may appear in at most one block; merge the two blocks into one matrix"),
                );
            } else {
                seen.insert(nm, b);
            }
        }
        check_matrix(&label, block, out);
    }
}

/// Shape, entries, symmetry and positive semi-definiteness of one block's matrix.
fn check_matrix(label: &str, block: &Sp<Correlation>, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = block.names.iter().map(|n| n.value.as_str()).collect();
    let m = &block.matrix;
    let n = names.len();
    const SHAPE: &str =
        "give one row per name, each with one entry per name, in the order of `names`";
    if m.len() != n {
        let at = m
            .get(n)
            .and_then(|r| r.first())
            .map_or_else(|| block.loc(), Sp::loc);
        out.push(
            Diagnostic::new(
                at,
                format!("{label}: the matrix has {} rows for {n} names", m.len()),
            )
            .help(SHAPE),
        );
        return;
    }
    let mut bad_shape = false;
    for (i, row) in m.iter().enumerate() {
        if row.len() != n {
            let at = row.first().map_or_else(|| block.loc(), Sp::loc);
            out.push(
                Diagnostic::new(
                    at,
                    format!(
                        "{label}: row {} has {} entries for {n} names",
                        i + 1,
                        row.len()
                    ),
                )
                .help(SHAPE),
            );
            bad_shape = true;
        }
    }
    if bad_shape || n == 0 {
        return;
    }
    let mut bad = false;
    for (i, row) in m.iter().enumerate() {
        for (j, e) in row.iter().enumerate() {
            let v = e.value;
            let mirror = (i > j).then(|| m[j][i].value);
            if !v.is_finite() || !(-1.0..=1.0).contains(&v) {
                // A bad pair written symmetrically is reported once, at the upper entry.
                if mirror.is_some_and(|u| u.to_bits() == v.to_bits()) {
                    bad = true;
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: entry ({}, {}) is {v}, outside [-1, 1]",
                            i + 1,
                            j + 1
                        ),
                    )
                    .help("a correlation lies between -1 and 1"),
                );
                bad = true;
            } else if i == j && v != 1.0 {
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: diagonal entry ({}, {}) must be 1, found {v}",
                            i + 1,
                            j + 1
                        ),
                    )
                    .help("every uncertainty is perfectly correlated with itself"),
                );
                bad = true;
            } else if mirror.is_some_and(|u| u.is_finite() && (v - u).abs() > 1e-12) {
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: the matrix is not symmetric: entry ({}, {}) is {v} but entry ({}, {}) is {}",
                            i + 1,
                            j + 1,
                            j + 1,
                            i + 1,
                            m[j][i].value
                        ),
                    )
                    .help(format!(
                        "the correlation of `{}` with `{}` is one number; write it in both places",
                        names[i], names[j]
                    )),
                );
                bad = true;
            }
        }
    }
    if bad {
        return;
    }
    if let Some(d) = psd_problem(label, block) {
        out.push(d);
    }
}

/// Tolerance below zero for eigenvalues of a positive semi-definite matrix
/// (rounding in a singular but valid matrix); the model compiler uses the same.
const PSD_TOLERANCE: f64 = 1e-9;

/// Whether a valid-looking correlation matrix is positive semi-definite,
/// tested by a Cholesky factorisation with a tiny diagonal shift; if not, a
/// diagnostic naming the three correlations that cannot hold together, or
/// else the smallest eigenvalue.
fn psd_problem(label: &str, block: &Sp<Correlation>) -> Option<Diagnostic> {
    use nalgebra::DMatrix;
    let n = block.names.len();
    let v = |i: usize, j: usize| block.matrix[i][j].value;
    let c = DMatrix::from_fn(n, n, v);
    let shifted = &c + DMatrix::identity(n, n) * PSD_TOLERANCE;
    if shifted.cholesky().is_some() {
        return None;
    }
    let smallest = c
        .clone()
        .symmetric_eigen()
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    if smallest >= -PSD_TOLERANCE {
        return None;
    }
    let names: Vec<&str> = block.names.iter().map(|x| x.value.as_str()).collect();
    // A 2x2 minor 1 - r² is never negative for |r| ≤ 1, so the smallest
    // conflict is a triple whose 3x3 minor is negative.
    let mut worst: Option<(f64, [usize; 3])> = None;
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (a, b, cc) = (v(i, j), v(i, k), v(j, k));
                let det = 1.0 + 2.0 * a * b * cc - a * a - b * b - cc * cc;
                if det < -PSD_TOLERANCE && worst.is_none_or(|(w, _)| det < w) {
                    worst = Some((det, [i, j, k]));
                }
            }
        }
    }
    Some(match worst {
        Some((_, [i, j, k])) => {
            let pairs = [(i, j), (i, k), (j, k)];
            let (si, sj) =
                pairs.iter().copied().max_by(|p, q| v(p.0, p.1).abs().total_cmp(&v(q.0, q.1).abs())).unwrap_or((i, j));
            let say = |(p, q): (usize, usize)| format!("`{}` with `{}` {}", names[p], names[q], v(p, q));
            Diagnostic::new(
                block.matrix[si][sj].loc(),
                format!(
                    "{label}: the matrix is not positive semi-definite: {}, {} and {} cannot hold together",
                    say(pairs[0]),
                    say(pairs[1]),
                    say(pairs[2])
                ),
            )
            .help(format!("weaken one of these three correlations (smallest eigenvalue {smallest:.3})"))
        }
        None => Diagnostic::new(
            block.loc(),
            format!("{label}: the matrix is not positive semi-definite (smallest eigenvalue {smallest:.3})"),
        )
        .help("weaken the strongest correlations until every eigenvalue is at least 0"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fixture::{fails_with, line, patch, problems, with, WORLD};
    use crate::scenario::load_str;

    /// A world whose leg capacity, leg cost and supply capacity are uncertain.
    fn uncertain_world(correlations: &str) -> String {
        let text = patch(&[
            (
                "capacity = 1000.0",
                "capacity = { dist = \"uniform\", min = 500, max = 1500 }",
            ),
            (
                "cost = 20.0",
                "cost = { dist = \"triangular\", min = 10, mode = 20, max = 40 }",
            ),
            (
                "capacity = 100.0",
                "capacity = { dist = \"normal\", mean = 100, sd = 10, min = 0 }",
            ),
        ]);
        format!("{text}\n{correlations}")
    }

    const POLICY: &str = "[[policies]]\nid = \"p\"\n";

    fn policy(body: &str) -> String {
        with(&format!("{POLICY}{body}"))
    }

    #[test]
    fn fixture_world_is_valid() {
        assert_eq!(problems(WORLD), []);
    }

    #[test]
    fn every_problem_is_reported_in_file_order() {
        let text = patch(&[
            ("periods = 12", "periods = 0"),
            ("capacity = 1000.0", "capacity = -1"),
            ("to = \"CN\"\nmode", "to = \"CNN\"\nmode"),
        ]);
        let found: Vec<String> = problems(&text).into_iter().map(|d| d.message).collect();
        assert_eq!(
            found,
            [
                "scenario.periods: must be between 1 and 1200, found 0",
                "legs.pipe.to: unknown region or hub `CNN`",
                "legs.pipe.capacity: must be at least 0, found -1",
            ]
        );
    }

    // [scenario] and [montecarlo]

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

    // Duplicates

    #[test]
    fn check_duplicate_ids_within_a_list() {
        let text = with("[[regions]]\nid = \"KZ\"\n");
        let d = fails_with(&text, "regions: duplicate id `KZ`");
        assert_eq!(
            d.help.as_deref(),
            Some("`KZ` is first defined at <inline>:18:6; rename or remove one of them")
        );
        assert_eq!(line(&text, &d), 54);
    }

    #[test]
    fn check_duplicate_ids_hub_and_region_share_a_namespace() {
        let d = fails_with(
            &with("[[hubs]]\nid = \"CN\"\nregion = \"CN\"\n"),
            "hubs: id `CN` is also a region id",
        );
        assert!(d.help.unwrap().contains("share one namespace"));
    }

    #[test]
    fn check_duplicate_ids_supply_per_region_and_commodity() {
        let d = fails_with(
            &with("[[supply]]\nregion = \"KZ\"\ncommodity = \"oil\"\nsteps = [{ capacity = 1, cost = 2 }]\n"),
            "supply: duplicate entry for region `KZ` and commodity `oil`",
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("the first is at <inline>:24:10;"));
    }

    // References

    #[test]
    fn check_references_unknown_node_gets_did_you_mean() {
        let d = fails_with(
            &patch(&[("to = \"CN\"\nmode", "to = \"CNN\"\nmode")]),
            "legs.pipe.to: unknown region or hub `CNN`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `CN`?"));
    }

    #[test]
    fn check_references_unknown_leg_lists_valid_ids() {
        let d = fails_with(
            &patch(&[("legs = [\"pipe\"]", "legs = [\"pipe\", \"rail\"]")]),
            "routes.direct.legs: unknown leg `rail`",
        );
        assert_eq!(d.help.as_deref(), Some("expected one of: `pipe`"));
    }

    #[test]
    fn check_references_unknown_commodity() {
        let d = fails_with(
            &patch(&[("carries = [\"oil\"]", "carries = [\"oill\"]")]),
            "legs.pipe.carries: unknown commodity `oill`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `oil`?"));
    }

    #[test]
    fn check_references_route_end_is_a_region() {
        let text = with("[[hubs]]\nid = \"DOSTYK\"\nregion = \"KZ\"\n");
        let text = text.replace(
            "[[routes]]\nid = \"direct\"\nfrom = \"KZ\"",
            "[[routes]]\nid = \"direct\"\nfrom = \"DOSTYK\"",
        );
        let d = fails_with(&text, "routes.direct.from: `DOSTYK` is a hub, not a region");
        assert_eq!(
            d.help.as_deref(),
            Some("routes run between regions; use `KZ`, the hub's region (its legs may start or end at the hub)")
        );
    }

    #[test]
    fn check_references_policy_targets() {
        let text = policy("type = \"tariff\"\nimporter = \"CM\"\nper_unit = 5\n");
        let d = fails_with(&text, "policies.p.importer: unknown region `CM`");
        assert_eq!(d.help.as_deref(), Some("did you mean `CN`?"));
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipes\"]\n"),
            "policies.p.legs: unknown leg `pipes`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nprocessing = \"refinery\"\nfactor = 2\n"),
            "policies.p.processing: unknown processing plant `refinery`",
        );
    }

    // Routes

    #[test]
    fn check_routes_connect_consecutive_legs_meet() {
        let text = patch(&[("legs = [\"pipe\"]", "legs = [\"pipe\", \"spur\"]")])
            + "[[legs]]\nid = \"spur\"\nfrom = \"KZ\"\nto = \"CN\"\nmode = \"rail\"\ncapacity = 1\ncost = 1\ncarries = [\"oil\"]\n";
        let d = fails_with(
            &text,
            "routes.direct.legs: legs `pipe` and `spur` do not meet: `pipe` ends at `CN`, but `spur` starts at `KZ`",
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "`spur` runs towards `CN`; set `bidirectional = true` on it to travel it backwards"
            )
        );
    }

    #[test]
    fn check_routes_connect_first_leg_leaves_the_origin() {
        let text = patch(&[(
            "from = \"KZ\"\nto = \"CN\"\nlegs",
            "from = \"CN\"\nto = \"KZ\"\nlegs",
        )]);
        let d = fails_with(
            &text,
            "routes.direct.legs: first leg `pipe` starts at `KZ`, not at the route's origin `CN` or one of its hubs",
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "`pipe` runs towards `CN`; set `bidirectional = true` on it to travel it backwards"
            )
        );
        let both_ways = text.replace(
            "carries = [\"oil\"]",
            "carries = [\"oil\"]\nbidirectional = true",
        );
        assert_eq!(problems(&both_ways), []);
    }

    #[test]
    fn check_routes_connect_last_leg_reaches_the_destination() {
        let text = with("[[regions]]\nid = \"US\"\n").replace(
            "from = \"KZ\"\nto = \"CN\"\nlegs",
            "from = \"KZ\"\nto = \"US\"\nlegs",
        );
        let d = fails_with(
            &text,
            "routes.direct.legs: last leg `pipe` ends at `CN`, not at the route's destination `US` or one of its hubs",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("add legs from `CN` to `US`, or change `to`")
        );
    }

    #[test]
    fn check_routes_connect_through_hubs() {
        let text = patch(&[("from = \"KZ\"\nto = \"CN\"\nmode", "from = \"DOSTYK\"\nto = \"ALASHANKOU\"\nmode")])
            + "[[hubs]]\nid = \"DOSTYK\"\nregion = \"KZ\"\n[[hubs]]\nid = \"ALASHANKOU\"\nregion = \"CN\"\n";
        assert_eq!(problems(&text), []);
    }

    #[test]
    fn check_routes_connect_needs_a_leg() {
        fails_with(
            &patch(&[("legs = [\"pipe\"]", "legs = []")]),
            "routes.direct.legs: a route needs at least one leg",
        );
    }

    #[test]
    fn check_route_commodities_subset_of_every_leg() {
        let text = patch(&[(
            "corridor = \"china_direct\"",
            "corridor = \"china_direct\"\ncommodities = [\"oil\", \"lithium\"]",
        )]) + "[[commodities]]\nid = \"lithium\"\nunit = \"t\"\nreference_price = 1\n";
        let d = fails_with(
            &text,
            "routes.direct.commodities: leg `pipe` does not carry `lithium`",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("add \"lithium\" to `carries` of leg `pipe`, or remove it from this route")
        );
    }

    #[test]
    fn check_route_commodities_legs_share_one() {
        let text = patch(&[("from = \"KZ\"\nto = \"CN\"\nlegs = [\"pipe\"]", "from = \"KZ\"\nto = \"US\"\nlegs = [\"pipe\", \"road\"]")])
            + "[[regions]]\nid = \"US\"\n[[commodities]]\nid = \"lithium\"\nunit = \"t\"\nreference_price = 1\n"
            + "[[legs]]\nid = \"road\"\nfrom = \"CN\"\nto = \"US\"\nmode = \"sea\"\ncapacity = 1\ncost = 1\ncarries = [\"lithium\"]\n";
        let d = fails_with(
            &text,
            "routes.direct: its legs carry no commodity in common",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("`pipe` carries [oil]; `road` carries [lithium]")
        );
    }

    // Numbers

    #[test]
    fn check_parameters_negative_capacity() {
        let text = patch(&[("capacity = 1000.0", "capacity = -5")]);
        let d = fails_with(&text, "legs.pipe.capacity: must be at least 0, found -5");
        assert_eq!(
            d.help.as_deref(),
            Some("a capacity cannot be negative; use 0 for none, or a `capacity_change` policy to cut it")
        );
        assert_eq!(line(&text, &d), 42);
    }

    #[test]
    fn check_parameters_finite() {
        fails_with(
            &patch(&[("cost = 20.0", "cost = nan")]),
            "legs.pipe.cost: must be a finite number, found NaN",
        );
    }

    #[test]
    fn check_parameters_probability() {
        let d = fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nprobability = 1.5\n"),
            "policies.p.probability: must be between 0 and 1, found 1.5",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("write a probability as a fraction between 0 and 1, e.g. 0.4 for 40%")
        );
    }

    #[test]
    fn check_parameters_disruption_remaining() {
        let text = patch(&[(
            "carries = [\"oil\"]",
            "carries = [\"oil\"]\ndisruption = { failure_rate = 1, repair_days = 10, remaining = 2 }",
        )]);
        fails_with(
            &text,
            "legs.pipe.disruption.remaining: must be between 0 and 1, found 2",
        );
    }

    #[test]
    fn check_parameters_quota_fraction_and_factor() {
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\nquota_fraction = 1.2\n"),
            "policies.p.quota_fraction: must be between 0 and 1, found 1.2",
        );
        fails_with(
            &policy("type = \"demand_shock\"\nregion = \"CN\"\nfactor = -1\n"),
            "policies.p.factor: must be at least 0, found -1",
        );
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nduration_months = -2\n"),
            "policies.p.duration_months: must be at least 0, found -2",
        );
    }

    #[test]
    fn check_disruptions_failure_rate() {
        let text = patch(&[(
            "carries = [\"oil\"]",
            "carries = [\"oil\"]\ndisruption = { failure_rate = -1, repair_days = 10 }",
        )]);
        fails_with(
            &text,
            "legs.pipe.disruption.failure_rate: must be between 0 and 365, found -1",
        );
        let text = patch(&[(
            "carries = [\"oil\"]",
            "carries = [\"oil\"]\ndisruption = { failure_rate = 1e308, repair_days = 10 }",
        )]);
        fails_with(
            &text,
            "legs.pipe.disruption.failure_rate: must be between 0 and 365, found 1e308",
        );
    }

    #[test]
    fn check_hub_capacity_targets() {
        let hub = "[[hubs]]\nid = \"H\"\nregion = \"CN\"\n";
        fails_with(
            &with(&format!(
                "{hub}disruption = {{ failure_rate = 1, repair_days = 10 }}\n"
            )),
            "hubs.H.disruption: a disruption scales the hub's capacity, but hub `H` has none",
        );
        fails_with(
            &with(&format!(
                "{hub}\n{POLICY}type = \"capacity_change\"\nhubs = [\"H\"]\nfactor = 0.5\n"
            )),
            "policies.p.hubs: a capacity change scales the hub's capacity, but hub `H` has none",
        );
        // With a capacity both are fine, and a closure needs none.
        assert_eq!(
            problems(&with(&format!(
                "{hub}capacity = 5.0\ndisruption = {{ failure_rate = 1, repair_days = 10 }}\n\n{POLICY}type = \"closure\"\nhubs = [\"H\"]\n"
            ))),
            []
        );
    }

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

    #[test]
    fn check_commodities_numbers() {
        fails_with(
            &patch(&[("reference_price = 500.0", "reference_price = -1")]),
            "commodities.oil.reference_price: must be at least 0, found -1",
        );
        fails_with(
            &patch(&[(
                "reference_price = 500.0",
                "reference_price = 500.0\ntonnes_per_unit = 0",
            )]),
            "commodities.oil.tonnes_per_unit: must be above 0, found 0",
        );
    }

    #[test]
    fn check_legs_shape() {
        fails_with(
            &patch(&[("carries = [\"oil\"]", "carries = []")]),
            "legs.pipe.carries: the leg carries no commodity",
        );
        fails_with(
            &patch(&[(
                "carries = [\"oil\"]",
                "carries = [\"oil\"]\ntransit_days = -1",
            )]),
            "legs.pipe.transit_days: must be at least 0, found -1",
        );
    }

    #[test]
    fn check_demand_numbers() {
        let d = fails_with(
            &patch(&[("elasticity = -0.3", "elasticity = 0.3")]),
            "demand.CN.oil.elasticity: must be at most 0, found 0.3",
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("demand falls as the price rises"));
        fails_with(
            &patch(&[("choke_price = 5000.0", "choke_price = 400")]),
            "demand.CN.oil.choke_price: must be above `price` 500, found 400",
        );
        fails_with(
            &patch(&[("choke_price = 5000.0", "choke_price = { dist = \"uniform\", min = 300, max = 900 }")]),
            "demand.CN.oil.choke_price: the distribution can draw 300, but the choke price must be above `price` 500",
        );
        fails_with(
            &patch(&[("choke_price = 5000.0", "choke_price = 5000.0\nfloor = 0")]),
            "demand.CN.oil.floor: must be above 0 and at most 1, found 0",
        );
        fails_with(
            &patch(&[("choke_price = 5000.0", "choke_price = 5000.0\nblocks = 51")]),
            "demand.CN.oil.blocks: must be between 1 and 50, found 51",
        );
    }

    #[test]
    fn check_supply_one_form() {
        let d = fails_with(
            &patch(&[(
                "cost = [100.0, 300.0]",
                "steps = [{ capacity = 10, cost = 5 }]",
            )]),
            "supply.KZ.oil: `capacity` cannot be combined with `steps`",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("give either `capacity` with `cost` (a linear cost curve), or `steps`")
        );
        fails_with(
            &patch(&[("cost = [100.0, 300.0]\n", "")]),
            "supply.KZ.oil: `capacity` needs `cost`",
        );
        fails_with(
            &patch(&[("capacity = 100.0\n", "")]),
            "supply.KZ.oil: `cost` needs `capacity`",
        );
        fails_with(
            &patch(&[("capacity = 100.0\ncost = [100.0, 300.0]\n", "")]),
            "supply.KZ.oil: no capacity",
        );
        fails_with(
            &patch(&[("capacity = 100.0\ncost = [100.0, 300.0]\n", "steps = []\n")]),
            "supply.KZ.oil.steps: the list is empty",
        );
    }

    #[test]
    fn check_supply_cost_rises() {
        let d = fails_with(
            &patch(&[("cost = [100.0, 300.0]", "cost = [300.0, 100.0]")]),
            "supply.KZ.oil.cost: the cost at zero output (300) is above the cost at capacity (100)",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("marginal cost rises with output: write `cost = [100, 300]`")
        );
        fails_with(
            &patch(&[("cost = [100.0, 300.0]", "cost = [100.0, 300.0]\nblocks = 0")]),
            "supply.KZ.oil.blocks: must be between 1 and 50, found 0",
        );
    }

    #[test]
    fn check_processing_yield() {
        let plant = "[[commodities]]\nid = \"ore\"\nunit = \"t\"\nreference_price = 1\n[[processing]]\nid = \"refinery\"\nregion = \"KZ\"\ninput = \"ore\"\noutput = \"oil\"\ncapacity = 10\ncost = 1\n";
        assert_eq!(problems(&with(plant)), []);
        fails_with(
            &with(&format!("{plant}yield = 0\n")),
            "processing.refinery.yield: must be above 0, found 0",
        );
        fails_with(
            &with(&plant.replace("input = \"ore\"", "input = \"oil\"")),
            "processing.refinery: input and output are both `oil`",
        );
    }

    #[test]
    fn check_stockpiles_initial_fits() {
        let stock = "[[stockpiles]]\nid = \"spr\"\nregion = \"CN\"\ncommodity = \"oil\"\ninitial = 120\ncapacity = 100\nrelease_rate = 10\nrelease_price = 900\n";
        let d = fails_with(
            &with(stock),
            "stockpiles.spr.initial: must be at most `capacity` 100, found 120",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("raise `capacity` or lower `initial`")
        );
        let refill = stock.replace("initial = 120", "initial = 50")
            + "refill_rate = 5\nrefill_price = 950\n";
        fails_with(
            &with(&refill),
            "stockpiles.spr.refill_price: must be below `release_price` 900, found 950",
        );
    }

    // Policies

    #[test]
    fn check_policy_fields_unused_field() {
        let d = fails_with(
            &policy("type = \"tariff\"\nimporter = \"CN\"\nper_unit = 5\nquota = 10\n"),
            "policies.p: field `quota` is not used by a `tariff` policy",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("a `tariff` policy uses `importer`, `exporter`, `commodity`, `per_unit`, `ad_valorem`")
        );
    }

    #[test]
    fn check_policy_fields_export_control() {
        let found: Vec<String> = problems(&policy("type = \"export_control\"\n"))
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert_eq!(
            found,
            [
                "policies.p: a `export_control` policy needs `region`, the exporting region",
                "policies.p: a `export_control` policy needs `mode`"
            ]
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\n"),
            "policies.p: a `export_control` policy needs `quota` or `quota_fraction` in `quota` mode",
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\nquota = 5\nquota_fraction = 0.5\n"),
            "policies.p: `quota` and `quota_fraction` cannot both be given",
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\n"),
            "policies.p: a `export_control` policy needs `friction` in `license` mode",
        );
        let d = fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"ban\"\nfriction = 5\n"),
            "policies.p: field `friction` is not used in `ban` mode",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("`friction` applies with mode = \"license\"")
        );
    }

    #[test]
    fn check_policy_fields_tariff_closure_shocks() {
        fails_with(
            &policy("type = \"tariff\"\nper_unit = 5\n"),
            "policies.p: a `tariff` policy needs `importer`, the importing region",
        );
        fails_with(
            &policy("type = \"tariff\"\nimporter = \"CN\"\n"),
            "policies.p: a `tariff` policy needs `per_unit` or `ad_valorem`",
        );
        fails_with(
            &policy("type = \"closure\"\n"),
            "policies.p: a `closure` policy needs `legs`, `hubs` or `region`",
        );
        fails_with(
            &policy("type = \"demand_shock\"\nregion = \"CN\"\n"),
            "policies.p: a `demand_shock` policy needs `factor`",
        );
        fails_with(
            &policy("type = \"supply_shock\"\nfactor = 0.5\n"),
            "policies.p: a `supply_shock` policy needs `region`, the shocked region",
        );
    }

    #[test]
    fn check_policy_fields_capacity_change() {
        fails_with(
            &policy("type = \"capacity_change\"\nfactor = 2\n"),
            "policies.p: a `capacity_change` policy needs a target: `legs`, `hubs`, `processing`, or `region` with `commodity`",
        );
        fails_with(
            &policy(
                "type = \"capacity_change\"\nlegs = [\"pipe\"]\nregion = \"KZ\"\ncommodity = \"oil\"\nfactor = 2\n",
            ),
            "policies.p: a `capacity_change` policy has one target, found `legs`, `region`/`commodity`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nregion = \"KZ\"\nfactor = 2\n"),
            "policies.p: a `capacity_change` policy needs `commodity` too: a supply target is a `region` with a `commodity`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nlegs = [\"pipe\"]\n"),
            "policies.p: a `capacity_change` policy needs `delta` or `factor`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nlegs = [\"pipe\"]\ndelta = 5\nfactor = 2\n"),
            "policies.p: `delta` and `factor` cannot both be given",
        );
        assert_eq!(
            problems(&policy(
                "type = \"capacity_change\"\nregion = \"KZ\"\ncommodity = \"oil\"\ndelta = -50\n"
            )),
            []
        );
    }

    #[test]
    fn check_policy_activation() {
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nstart = \"27-01\"\n"),
            "policies.p.start: expected a month \"YYYY-MM\", found \"27-01\"",
        );
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 1\n"),
            "policies.p.annual_probability: must be at least 0 and below 1, found 1",
        );
        let d = fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 0.2\nprobability = 0.5\n"),
            "policies.p: `annual_probability` cannot be combined with `probability`",
        );
        assert!(d.help.unwrap().contains("keep one"));
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 0.2\nlead_months = 3\n"),
            "policies.p: `annual_probability` cannot be combined with `delay_months`",
        );
    }

    // Correlations

    #[test]
    fn uncertainty_names_are_key_paths_of_distributions() {
        let text = uncertain_world("")
            + "[[policies]]\nid = \"ban\"\ntype = \"export_control\"\nregion = \"KZ\"\nmode = \"ban\"\nprobability = { dist = \"beta\", alpha = 2, beta = 3 }\nduration_months = 6\n";
        let s = load_str(&text).unwrap();
        let names: Vec<String> = uncertainty_names(&s.file)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "legs.pipe.capacity",
                "legs.pipe.cost",
                "supply.KZ.oil.capacity",
                "policies.ban.probability"
            ]
        );
    }

    #[test]
    fn check_correlations_valid_block() {
        let text = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, -0.5], [-0.5, 1]]\n",
        );
        assert_eq!(problems(&text), []);
        let perfect = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, 1], [1, 1]]\n",
        );
        assert_eq!(problems(&perfect), []);
    }

    #[test]
    fn check_correlations_names() {
        let block = |names: &str| {
            uncertain_world(&format!(
                "[[correlations]]\nnames = {names}\nmatrix = [[1, 0], [0, 1]]\n"
            ))
        };
        let d = fails_with(
            &block("[\"legs.pipe.capacity\", \"legs.pipe.cots\"]"),
            "correlation block 1: unknown uncertainty `legs.pipe.cots`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `legs.pipe.cost`?"));
        let d = fails_with(
            &block("[\"legs.pipe.capacity\", \"demand.CN.oil.quantity\"]"),
            "correlation block 1: `demand.CN.oil.quantity` is a plain number, not an uncertainty",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("give it a distribution to make it uncertain")
        );
        fails_with(
            &block("[\"legs.pipe.cost\", \"legs.pipe.cost\"]"),
            "correlation block 1: `legs.pipe.cost` appears twice",
        );
        let text = block("[\"legs.pipe.capacity\", \"legs.pipe.disruption.repair_days\"]")
            .replace("carries = [\"oil\"]", "carries = [\"oil\"]\ndisruption = { failure_rate = 1, repair_days = { dist = \"uniform\", min = 1, max = 9 } }");
        fails_with(
            &text,
            "correlation block 1: `legs.pipe.disruption.repair_days` is drawn anew at every event, not once per trial, so it cannot be correlated",
        );
        let two = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, 0], [0, 1]]\n\
             [[correlations]]\nnames = [\"legs.pipe.cost\", \"supply.KZ.oil.capacity\"]\nmatrix = [[1, 0], [0, 1]]\n",
        );
        fails_with(
            &two,
            "correlation block 2: `legs.pipe.cost` is already correlated in block 1",
        );
    }

    #[test]
    fn check_correlations_matrix_entries() {
        let block = |matrix: &str| {
            uncertain_world(&format!(
                "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = {matrix}\n"
            ))
        };
        fails_with(
            &block("[[1, 0]]"),
            "correlation block 1: the matrix has 1 rows for 2 names",
        );
        fails_with(
            &block("[[1, 0], [0]]"),
            "correlation block 1: row 2 has 1 entries for 2 names",
        );
        fails_with(
            &block("[[1, 1.5], [1.5, 1]]"),
            "correlation block 1: entry (1, 2) is 1.5, outside [-1, 1]",
        );
        fails_with(
            &block("[[0.9, 0], [0, 1]]"),
            "correlation block 1: diagonal entry (1, 1) must be 1, found 0.9",
        );
        fails_with(
            &block("[[1, 0.5], [0.4, 1]]"),
            "correlation block 1: the matrix is not symmetric: entry (2, 1) is 0.4 but entry (1, 2) is 0.5",
        );
    }

    #[test]
    fn check_correlations_positive_semi_definite() {
        let text = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\", \"supply.KZ.oil.capacity\"]\n\
             matrix = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]\n",
        );
        let d = fails_with(
            &text,
            "correlation block 1: the matrix is not positive semi-definite: `legs.pipe.capacity` with `legs.pipe.cost` 0.9, \
             `legs.pipe.capacity` with `supply.KZ.oil.capacity` 0.9 and `legs.pipe.cost` with `supply.KZ.oil.capacity` -0.9 cannot hold together",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("weaken one of these three correlations (smallest eigenvalue -0.800)")
        );
    }
}
