//! The responses that link periods: a demand curve that adjusts needs both
//! its long-run elasticity and its half-life, and the long run is at least
//! as elastic as the short run (their sampled numbers are checked with the
//! other parameters, in `parameters`).

use super::numbers::{check_opt_number, NON_POS};
use super::Ctx;
use crate::scenario::Diagnostic;

/// `long_run_elasticity` and `half_life_months` come together, and
/// `long_run_elasticity ≤ elasticity` (Le Chatelier: given time, demand
/// responds at least as much as at once).
pub(super) fn check_demand_adjustment(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for d in &cx.f.demand {
        let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
        let path = format!("{key}.long_run_elasticity");
        check_opt_number(
            out,
            &path,
            &d.long_run_elasticity,
            NON_POS,
            Some("demand falls as the price rises, so the long-run elasticity is negative, e.g. -0.5"),
        );
        match (&d.long_run_elasticity, &d.half_life_months) {
            (Some(e), None) => out.push(
                Diagnostic::new(e.loc(), format!("{path}: needs `half_life_months`"))
                    .help("add how fast demand adjusts, e.g. `half_life_months = 24`, or leave out `long_run_elasticity` for a curve that does not move"),
            ),
            (None, Some(h)) => out.push(
                Diagnostic::new(h.loc(), format!("{key}.half_life_months: needs `long_run_elasticity`"))
                    .help("add the elasticity demand reaches in the long run, e.g. `long_run_elasticity = -0.5` (at most `elasticity`)"),
            ),
            (Some(e), Some(_)) if e.value.is_finite() && e.value > d.elasticity.value && e.value <= 0.0 => {
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{path}: must be at most `elasticity` {}, found {}",
                            d.elasticity.value, e.value
                        ),
                    )
                    .help(format!(
                        "demand responds at least as much in the long run as at once: write a value of {} or below",
                        d.elasticity.value
                    )),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, line, patch, problems};

    const CURVE: &str = "choke_price = 5000.0";

    #[test]
    fn check_demand_adjustment_needs_both_fields() {
        let text = patch(&[(CURVE, "choke_price = 5000.0\nlong_run_elasticity = -0.6")]);
        let d = fails_with(
            &text,
            "demand.CN.oil.long_run_elasticity: needs `half_life_months`",
        );
        assert_eq!(line(&text, &d), 36);
        assert!(d.help.unwrap().contains("half_life_months = 24"));
        let text = patch(&[(CURVE, "choke_price = 5000.0\nhalf_life_months = 12")]);
        let d = fails_with(
            &text,
            "demand.CN.oil.half_life_months: needs `long_run_elasticity`",
        );
        assert!(d.help.unwrap().contains("long_run_elasticity = -0.5"));
    }

    #[test]
    fn check_demand_adjustment_long_run_is_at_least_as_elastic() {
        let text = patch(&[(
            CURVE,
            "choke_price = 5000.0\nlong_run_elasticity = -0.1\nhalf_life_months = 12",
        )]);
        let d = fails_with(
            &text,
            "demand.CN.oil.long_run_elasticity: must be at most `elasticity` -0.3, found -0.1",
        );
        assert!(d.help.unwrap().contains("-0.3 or below"));
        let text = patch(&[(
            CURVE,
            "choke_price = 5000.0\nlong_run_elasticity = 0.5\nhalf_life_months = 12",
        )]);
        fails_with(
            &text,
            "demand.CN.oil.long_run_elasticity: must be at most 0, found 0.5",
        );
        let ok = patch(&[(
            CURVE,
            "choke_price = 5000.0\nlong_run_elasticity = -0.6\nhalf_life_months = { dist = \"uniform\", min = 6, max = 24 }",
        )]);
        assert_eq!(problems(&ok), []);
    }

    #[test]
    fn response_parameters_are_checked_by_kind() {
        let text = patch(&[(
            CURVE,
            "choke_price = 5000.0\nrecycling = { share = 1.5, cost = 900 }",
        )]);
        let d = fails_with(
            &text,
            "demand.CN.oil.recycling.share: must be between 0 and 1, found 1.5",
        );
        assert!(d.help.unwrap().contains("fraction"));
        let text = patch(&[(
            "cost = [100.0, 300.0]",
            "cost = [100.0, 300.0]\nresponses = [{ trigger_price = 800, lead_months = -3, capacity = 50, cost = 400 }]",
        )]);
        fails_with(
            &text,
            "supply.KZ.oil.responses.0.lead_months: must be at least 0, found -3",
        );
        let text = patch(&[(
            "cost = [100.0, 300.0]",
            "cost = [100.0, 300.0]\nresponses = [{ trigger_price = 800, lead_months = 3, capacity = 50 }]",
        )]);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("missing field `cost`"),
            "{found:#?}"
        );
    }
}
