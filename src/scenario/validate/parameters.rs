//! Parameters: every entry of the parameter table (`scenario::params`), a
//! plain number or a distribution, against the range of its kind.

use super::distributions::{dist_problems, support_problem};
use super::numbers::{number_problem, Range, ANY, NON_NEG, UNIT};
use super::Ctx;
use crate::scenario::params::{sites, Kind};
use crate::scenario::schema::Param;
use crate::scenario::span::Sp;
use crate::scenario::Diagnostic;

/// Validation's side of the parameter table: the range each kind of
/// parameter must lie in, and the help for a value outside it.
impl Kind {
    pub(super) fn range(self) -> Range {
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

    pub(super) fn help(self) -> Option<&'static str> {
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

/// Every parameter, plain or sampled, lies in its field's range; a
/// distribution has valid parameters and cannot draw outside that range.
pub(super) fn check_parameters(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in sites(cx.f) {
        param_problems(&p.name, p.param, p.kind.range(), p.kind.help(), out);
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, line, patch, policy};

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
}
