//! The entries of the world: commodities, legs and hubs with their
//! disruptions, supply, demand and stockpiles (plants are in `processing`;
//! sampled parameters are checked with the others, in `parameters`).

use super::distributions::{dist_problems, support};
use super::numbers::{
    check_int, check_number, check_opt_number, number_problem, Range, NON_NEG, NON_POS, POSITIVE,
    UNIT_ABOVE_ZERO,
};
use super::Ctx;
use crate::scenario::params::Kind;
use crate::scenario::schema::*;
use crate::scenario::span::Sp;
use crate::scenario::Diagnostic;

/// Commodities: a non-negative reference price and a positive freight weight.
pub(super) fn check_commodities(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
pub(super) fn check_legs(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
pub(super) fn check_disruptions(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
pub(super) fn check_hub_capacity_targets(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
pub(super) fn check_supply(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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
        if super::curves::is_elastic(s) {
            continue; // checked in `curves`
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
pub(super) fn check_demand(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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

/// Stockpiles: non-negative levels, rates and prices; the initial level fits;
/// refilling stops below the release price.
pub(super) fn check_stockpiles(cx: &Ctx, out: &mut Vec<Diagnostic>) {
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

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, patch, problems, with, POLICY};

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
}
