//! Constant-elasticity supply curves (`quantity`, `price`, `elasticity`,
//! `capacity`) and the fine price bands of demand and supply curves.

use super::distributions::{dist_problems, support};
use super::numbers::{
    check_number, check_opt_number, Range, NON_NEG, POSITIVE, UNIT_ABOVE_ZERO, UNIT_BELOW_ONE,
};
use super::Ctx;
use crate::scenario::schema::*;
use crate::scenario::span::{Loc, Sp};
use crate::scenario::Diagnostic;

/// The most fine blocks a band may have: each is an LP column in every
/// period of every trial.
pub const MAX_BAND_STEPS: usize = 100;

const STEP: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: 0.5,
    hi_open: false,
};

const ELASTIC: &str = "a constant-elasticity supply curve is `quantity` (output per year at `price`), `price`, `elasticity` (above 0) and `capacity` (the most it can produce), e.g. quantity = 900, price = 50, elasticity = 0.1, capacity = 1000";

/// Whether a supply entry is given as a constant-elasticity curve (any of
/// its fields is present).
pub(super) fn is_elastic(s: &Supply) -> bool {
    s.quantity.is_some()
        || s.price.is_some()
        || s.elasticity.is_some()
        || s.floor.is_some()
        || s.band.is_some()
}

/// A constant-elasticity supply curve has all four of its fields, positive,
/// a fixed capacity at least its reference output, and no `cost` or `steps`.
pub(super) fn check_elastic_supply(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for s in cx.f.supply.iter().filter(|s| is_elastic(s)) {
        let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
        let other = [
            ("cost", s.cost.as_ref().map(Sp::loc)),
            ("steps", s.steps.as_ref().map(|_| s.region.loc())),
        ];
        for (field, loc) in other {
            if let Some(loc) = loc {
                out.push(
                    Diagnostic::new(
                        loc,
                        format!("{key}: `{field}` cannot be combined with `quantity`, `price`, `elasticity`, `floor` or `band`"),
                    )
                    .help(ELASTIC),
                );
            }
        }
        let missing = [
            ("quantity", s.quantity.is_none()),
            ("price", s.price.is_none()),
            ("elasticity", s.elasticity.is_none()),
            ("capacity", s.capacity.is_none()),
        ];
        for (field, absent) in missing {
            if absent {
                out.push(
                    Diagnostic::new(
                        s.region.loc(),
                        format!("{key}: a constant-elasticity curve needs `{field}`"),
                    )
                    .help(ELASTIC),
                );
            }
        }
        let positive = [
            ("quantity", &s.quantity),
            ("price", &s.price),
            ("elasticity", &s.elasticity),
        ];
        for (field, v) in positive {
            check_opt_number(out, &format!("{key}.{field}"), v, POSITIVE, Some(ELASTIC));
        }
        check_opt_number(
            out,
            &format!("{key}.floor"),
            &s.floor,
            UNIT_ABOVE_ZERO,
            Some("the lowest price the curve reaches, as a fraction of `price`, e.g. 0.5"),
        );
        let (Some(c), Some(q)) = (&s.capacity, &s.quantity) else {
            continue;
        };
        match &c.value {
            Param::Dist(_) => out.push(
                Diagnostic::new(
                    c.loc(),
                    format!("{key}.capacity: a constant-elasticity curve needs a number, found a distribution"),
                )
                .help("the curve's blocks are fixed shares of its capacity; give the capacity as a number"),
            ),
            Param::Fixed(c_val) if c_val.is_finite() && q.value.is_finite() && *c_val < q.value => out.push(
                Diagnostic::new(
                    c.loc(),
                    format!("{key}.capacity: must be at least `quantity` {}, found {c_val}", q.value),
                )
                .help("the capacity is the reference output plus spare capacity"),
            ),
            Param::Fixed(_) => {}
        }
    }
}

/// Bands: a step above 0 and at most 0.5, `below` under 1, `above` at least
/// 0, at most [`MAX_BAND_STEPS`] steps, inside the curve's floor and (on
/// demand) choke price, and only on constant-elasticity curves.
pub(super) fn check_bands(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for d in &cx.f.demand {
        let Some(b) = &d.band else { continue };
        let key = format!("demand.{}.{}.band", d.region.value, d.commodity.value);
        let Some(band) = check_band(out, &key, b) else {
            continue;
        };
        let floor = d.floor.as_ref().map_or(0.5, |f| f.value);
        let p0 = d.price.value;
        check_floor(
            out,
            &key,
            b.loc(),
            band.ratio.powf(-(band.below as f64)),
            floor,
        );
        let top = p0 * band.ratio.powi(band.above as i32);
        let choke = match &d.choke_price.value {
            Param::Fixed(c) => Some(*c),
            Param::Dist(dist) if dist_problems(dist).is_empty() => Some(support(dist).lo),
            Param::Dist(_) => None,
        };
        if let Some(c) = choke.filter(|c| c.is_finite() && top >= *c) {
            out.push(
                Diagnostic::new(
                    b.loc(),
                    format!("{key}: reaches {top:.1}, not below the choke price {c}"),
                )
                .help("narrow the band's `above` or raise the choke price; the band is the curve near its reference price"),
            );
        }
    }
    for s in &cx.f.supply {
        let Some(b) = &s.band else { continue };
        let key = format!("supply.{}.{}.band", s.region.value, s.commodity.value);
        let Some(band) = check_band(out, &key, b) else {
            continue;
        };
        let floor = s.floor.as_ref().map_or(0.5, |f| f.value);
        check_floor(
            out,
            &key,
            b.loc(),
            band.ratio.powf(-(band.below as f64) - 0.5),
            floor,
        );
    }
}

/// A valid band: its price ratio and its steps below and above.
struct Steps {
    ratio: f64,
    below: usize,
    above: usize,
}

/// The band's own numbers; the band in steps when they are valid.
fn check_band(out: &mut Vec<Diagnostic>, key: &str, b: &Sp<Band>) -> Option<Steps> {
    let before = out.len();
    let band = &b.value;
    let b = band;
    check_number(
        out,
        &format!("{key}.step"),
        &b.step,
        STEP,
        Some("the relative price step, e.g. 0.01 for 1% steps"),
    );
    check_number(
        out,
        &format!("{key}.below"),
        &b.below,
        UNIT_BELOW_ONE,
        Some("how far under the reference price the band reaches, as a fraction of it, e.g. 0.05"),
    );
    check_number(
        out,
        &format!("{key}.above"),
        &b.above,
        NON_NEG,
        Some("how far over the reference price the band reaches, as a fraction of it, e.g. 0.10"),
    );
    if out.len() > before {
        return None;
    }
    let (below, above) = band.steps();
    let band = Steps {
        ratio: 1.0 + b.step.value,
        below,
        above,
    };
    let steps = below + above;
    if steps > MAX_BAND_STEPS {
        out.push(
            Diagnostic::new(
                b.step.loc(),
                format!("{key}: has {steps} steps, at most {MAX_BAND_STEPS}"),
            )
            .help(
                "each step is an LP column in every period; take a larger step or a narrower band",
            ),
        );
        return None;
    }
    Some(band)
}

/// The band's bottom (a fraction of the reference price) lies above the floor.
fn check_floor(out: &mut Vec<Diagnostic>, key: &str, loc: Loc, bottom: f64, floor: f64) {
    if floor.is_finite() && bottom <= floor {
        out.push(
            Diagnostic::new(
                loc,
                format!("{key}: reaches down to {bottom:.4} of the reference price, not above the curve's floor {floor}"),
            )
            .help("narrow the band's `below` or lower the curve's `floor`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, line, patch, problems};

    const LINEAR: &str = "capacity = 100.0\ncost = [100.0, 300.0]\n";
    const ELASTIC: &str = "quantity = 90.0\nprice = 200.0\nelasticity = 0.1\ncapacity = 100.0\n";

    fn elastic(extra: &str) -> String {
        patch(&[(LINEAR, &format!("{ELASTIC}{extra}"))])
    }

    #[test]
    fn an_elastic_supply_curve_with_bands_is_accepted() {
        let demand_band =
            "choke_price = 5000.0\nband = { step = 0.01, below = 0.05, above = 0.10 }";
        let text = patch(&[
            (
                LINEAR,
                &format!("{ELASTIC}band = {{ step = 0.01, below = 0.05, above = 0.10 }}\n"),
            ),
            ("choke_price = 5000.0", demand_band),
        ]);
        assert_eq!(problems(&text), []);
    }

    #[test]
    fn an_elastic_supply_curve_needs_its_fields_and_no_cost() {
        let d = fails_with(
            &patch(&[(LINEAR, "quantity = 90.0\nprice = 200.0\ncapacity = 100.0\n")]),
            "supply.KZ.oil: a constant-elasticity curve needs `elasticity`",
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("a constant-elasticity supply curve is"));
        let text = patch(&[(LINEAR, &format!("{ELASTIC}cost = [1.0, 2.0]\n"))]);
        let d = fails_with(
            &text,
            "supply.KZ.oil: `cost` cannot be combined with `quantity`, `price`, `elasticity`, `floor` or `band`",
        );
        assert_eq!(line(&text, &d), 30, "at the cost");
        fails_with(
            &elastic("").replace("elasticity = 0.1", "elasticity = -0.1"),
            "supply.KZ.oil.elasticity: must be above 0, found -0.1",
        );
        fails_with(
            &elastic("").replace("capacity = 100.0", "capacity = 80.0"),
            "supply.KZ.oil.capacity: must be at least `quantity` 90, found 80",
        );
        fails_with(
            &elastic("").replace(
                "capacity = 100.0",
                "capacity = { dist = \"uniform\", min = 95, max = 105 }",
            ),
            "supply.KZ.oil.capacity: a constant-elasticity curve needs a number, found a distribution",
        );
    }

    #[test]
    fn a_band_is_checked_against_its_step_floor_and_choke() {
        fails_with(
            &elastic("band = { step = 0, below = 0.05, above = 0.10 }\n"),
            "supply.KZ.oil.band.step: must be above 0 and at most 0.5, found 0",
        );
        fails_with(
            &elastic("band = { step = 0.001, below = 0.05, above = 0.10 }\n"),
            "supply.KZ.oil.band: has 148 steps, at most 100",
        );
        fails_with(
            &elastic("floor = 0.96\nband = { step = 0.01, below = 0.05, above = 0.10 }\n"),
            "supply.KZ.oil.band: reaches down to 0.9374 of the reference price, not above the curve's floor 0.96",
        );
        fails_with(
            &patch(&[(
                "choke_price = 5000.0",
                "choke_price = 520.0\nband = { step = 0.01, below = 0.0, above = 0.10 }",
            )]),
            "demand.CN.oil.band: reaches 552.3, not below the choke price 520",
        );
        let d = fails_with(
            &patch(&[(
                "choke_price = 5000.0",
                "choke_price = 5000.0\nband = { step = 0.01, below = 0.05 }",
            )]),
            "missing field `above`",
        );
        assert!(d.message.contains("above"));
    }
}
