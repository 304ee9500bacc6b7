//! The parameter table: every number of a scenario that may be given as a
//! distribution, defined once.
//!
//! A site has a name, the key path of the field (`legs.<id>.capacity`),
//! which is also the key of its random stream and the name a correlation
//! block uses; a [`Kind`], which fixes the range validation holds it to;
//! whether it is drawn anew at every event rather than once per trial; and
//! where it sits ([`At`]), which is how the model compiler finds it.
//! Validation checks every site, [`uncertainty_names`] lists the sampled
//! ones, and the compiler gives every per-trial site a parameter slot, all
//! from [`sites`], so the three cannot disagree on a name.
//!
//! To add a parameter: a field of type `Param` in `schema`, a line in
//! [`sites`] (a new [`At`] or [`PolicyField`] if needed), and its use in
//! `model/build/` through `At`.

use super::schema::*;
use super::span::{Loc, Sp};

/// What a parameter measures, which fixes its valid range and the help
/// text of a value outside it (see `validate/parameters.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A capacity, per year: at least 0.
    Capacity,
    /// A cost or price in USD: at least 0.
    Money,
    /// A quantity: at least 0.
    Quantity,
    /// Days or months: at least 0.
    Duration,
    /// A fraction between 0 and 1.
    Fraction,
    /// A probability between 0 and 1.
    Probability,
    /// A multiplier: at least 0.
    Factor,
    /// A share of a reference price: at least 0.
    Share,
    /// An additive change: any finite number.
    Delta,
}

/// A hub or a leg: what carries a disruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// Hub by index in `hubs`.
    Hub(usize),
    /// Leg by index in `legs`.
    Leg(usize),
}

/// The sampled fields of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyField {
    /// `delay_months`.
    DelayMonths,
    /// `duration_months`.
    DurationMonths,
    /// `probability`.
    Probability,
    /// `quota`.
    Quota,
    /// `quota_fraction`.
    QuotaFraction,
    /// `friction`.
    Friction,
    /// `per_unit`.
    PerUnit,
    /// `ad_valorem`.
    AdValorem,
    /// `delta`.
    Delta,
    /// `factor`.
    Factor,
    /// `lag_days` (licence queue).
    LagDays,
    /// `throughput` (licence queue).
    Throughput,
    /// `throughput_fraction` (licence queue).
    ThroughputFraction,
}

/// Where a parameter sits: its entry, by index in its list, and its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum At {
    /// `hubs[i].capacity`.
    HubCapacity(usize),
    /// `legs[i].capacity`.
    LegCapacity(usize),
    /// `legs[i].cost`.
    LegCost(usize),
    /// A disruption's `repair_days`.
    RepairDays(Element),
    /// A disruption's `remaining`.
    Remaining(Element),
    /// `supply[i].capacity`.
    SupplyCapacity(usize),
    /// `supply[i].steps[j].capacity`.
    StepCapacity(usize, usize),
    /// `supply[i].steps[j].cost`.
    StepCost(usize, usize),
    /// `demand[i].quantity`.
    DemandQuantity(usize),
    /// `demand[i].choke_price`.
    ChokePrice(usize),
    /// `processing[i].capacity`.
    ProcessingCapacity(usize),
    /// `processing[i].cost`.
    ProcessingCost(usize),
    /// `stockpiles[i].initial`.
    StockpileInitial(usize),
    /// `routes[i].cost`.
    RouteCost(usize),
    /// A field of `policies[i]`.
    Policy(usize, PolicyField),
    /// `demand[i].half_life_months`.
    DemandHalfLife(usize),
    /// A field of `demand[i].recycling`.
    Recycling(usize, RecyclingField),
    /// A field of `supply[i].responses[j]`.
    Response(usize, usize, ResponseField),
}

/// The sampled fields of a supply response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseField {
    /// `trigger_price`.
    TriggerPrice,
    /// `sustain_months`.
    SustainMonths,
    /// `lead_months`.
    LeadMonths,
    /// `ramp_months`.
    RampMonths,
    /// `capacity`.
    Capacity,
    /// `cost`.
    Cost,
}

/// The sampled fields of recycling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecyclingField {
    /// `share`.
    Share,
    /// `lag_months`.
    LagMonths,
    /// `cost`.
    Cost,
}

/// One parameter of the scenario.
#[derive(Debug, Clone)]
pub struct ParamSite<'a> {
    /// Key path: the name of its uncertainty and of its random stream.
    pub name: String,
    /// Its value: a number or a distribution.
    pub param: &'a Sp<Param>,
    /// What it measures.
    pub kind: Kind,
    /// Drawn anew at every event (a failure, a recurring policy's start),
    /// not once per trial: such a site has no parameter slot.
    pub per_event: bool,
    /// Where it sits.
    pub at: At,
}

/// Every parameter of `f` that is present, in a fixed order: hubs, legs,
/// supply, demand, processing, stockpiles, routes, policies (the order of
/// the compiled model's parameter slots).
pub fn sites(f: &ScenarioFile) -> Vec<ParamSite<'_>> {
    let mut t = Table(Vec::new());
    for (i, h) in f.hubs.iter().enumerate() {
        let key = format!("hubs.{}", h.id.value);
        t.add(
            &key,
            "capacity",
            h.capacity.as_ref(),
            Kind::Capacity,
            At::HubCapacity(i),
        );
        t.disruption(&key, &h.disruption, Element::Hub(i));
    }
    for (i, l) in f.legs.iter().enumerate() {
        let key = format!("legs.{}", l.id.value);
        t.add(
            &key,
            "capacity",
            Some(&l.capacity),
            Kind::Capacity,
            At::LegCapacity(i),
        );
        t.add(&key, "cost", Some(&l.cost), Kind::Money, At::LegCost(i));
        t.disruption(&key, &l.disruption, Element::Leg(i));
    }
    for (i, s) in f.supply.iter().enumerate() {
        let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
        t.add(
            &key,
            "capacity",
            s.capacity.as_ref(),
            Kind::Capacity,
            At::SupplyCapacity(i),
        );
        for (j, step) in s.steps.iter().flatten().enumerate() {
            let key = format!("{key}.steps.{j}");
            t.add(
                &key,
                "capacity",
                Some(&step.capacity),
                Kind::Capacity,
                At::StepCapacity(i, j),
            );
            t.add(
                &key,
                "cost",
                Some(&step.cost),
                Kind::Money,
                At::StepCost(i, j),
            );
        }
        t.supply_responses(&key, s, i);
    }
    for (i, d) in f.demand.iter().enumerate() {
        let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
        t.add(
            &key,
            "quantity",
            Some(&d.quantity),
            Kind::Quantity,
            At::DemandQuantity(i),
        );
        t.add(
            &key,
            "choke_price",
            Some(&d.choke_price),
            Kind::Money,
            At::ChokePrice(i),
        );
        t.demand_response(&key, d, i);
    }
    for (i, p) in f.processing.iter().enumerate() {
        let key = format!("processing.{}", p.id.value);
        t.add(
            &key,
            "capacity",
            Some(&p.capacity),
            Kind::Capacity,
            At::ProcessingCapacity(i),
        );
        t.add(
            &key,
            "cost",
            Some(&p.cost),
            Kind::Money,
            At::ProcessingCost(i),
        );
    }
    for (i, s) in f.stockpiles.iter().enumerate() {
        let key = format!("stockpiles.{}", s.id.value);
        t.add(
            &key,
            "initial",
            Some(&s.initial),
            Kind::Quantity,
            At::StockpileInitial(i),
        );
    }
    for (i, r) in f.routes.iter().enumerate() {
        let key = format!("routes.{}", r.id.value);
        t.add(&key, "cost", r.cost.as_ref(), Kind::Money, At::RouteCost(i));
    }
    for (i, p) in f.policies.iter().enumerate() {
        let key = format!("policies.{}", p.id.value);
        // A recurring policy draws its duration at each start.
        let recurring = p.annual_probability.is_some();
        use PolicyField as F;
        let fields = [
            (
                "delay_months",
                &p.delay_months,
                Kind::Duration,
                F::DelayMonths,
            ),
            (
                "duration_months",
                &p.duration_months,
                Kind::Duration,
                F::DurationMonths,
            ),
            (
                "probability",
                &p.probability,
                Kind::Probability,
                F::Probability,
            ),
            ("quota", &p.quota, Kind::Quantity, F::Quota),
            (
                "quota_fraction",
                &p.quota_fraction,
                Kind::Fraction,
                F::QuotaFraction,
            ),
            ("friction", &p.friction, Kind::Money, F::Friction),
            ("per_unit", &p.per_unit, Kind::Money, F::PerUnit),
            ("ad_valorem", &p.ad_valorem, Kind::Share, F::AdValorem),
            ("delta", &p.delta, Kind::Delta, F::Delta),
            ("factor", &p.factor, Kind::Factor, F::Factor),
            ("lag_days", &p.lag_days, Kind::Duration, F::LagDays),
            ("throughput", &p.throughput, Kind::Quantity, F::Throughput),
            (
                "throughput_fraction",
                &p.throughput_fraction,
                Kind::Factor,
                F::ThroughputFraction,
            ),
        ];
        for (field, param, kind, which) in fields {
            let per_event = recurring && which == F::DurationMonths;
            t.push(
                &key,
                field,
                param.as_ref(),
                kind,
                per_event,
                At::Policy(i, which),
            );
        }
    }
    t.0
}

/// The names of every uncertain input (a parameter given as a
/// distribution), with where it is defined, in the order of [`sites`].
///
/// A name is the key path of the parameter: `legs.<id>.capacity`,
/// `legs.<id>.cost`, `legs.<id>.disruption.repair_days`,
/// `legs.<id>.disruption.remaining`, `hubs.<id>.capacity`,
/// `hubs.<id>.disruption.repair_days`, `hubs.<id>.disruption.remaining`,
/// `supply.<region>.<commodity>.capacity`,
/// `supply.<region>.<commodity>.steps.<i>.capacity` and `.cost` (`i` from 0),
/// `demand.<region>.<commodity>.quantity`, `.choke_price`,
/// `.half_life_months` and `.recycling.share`, `.recycling.lag_months`,
/// `.recycling.cost`, `supply.<region>.<commodity>.responses.<j>.` +
/// `trigger_price`, `sustain_months`, `lead_months`, `ramp_months`,
/// `capacity` and `cost`,
/// `processing.<id>.capacity` and `.cost`, `stockpiles.<id>.initial`,
/// `routes.<id>.cost`, and `policies.<id>.<field>` for `delay_months`,
/// `duration_months`, `probability`, `quota`, `quota_fraction`, `friction`,
/// `per_unit`, `ad_valorem`, `delta`, `factor`, `lag_days`, `throughput`
/// and `throughput_fraction`.
pub fn uncertainty_names(f: &ScenarioFile) -> Vec<(String, Loc)> {
    sites(f)
        .into_iter()
        .filter(|p| matches!(p.param.value, Param::Dist(_)))
        .map(|p| (p.name, p.param.loc()))
        .collect()
}

/// The sites found so far.
struct Table<'a>(Vec<ParamSite<'a>>);

/// The sites of the responses that link periods (`engine/response.rs`).
impl<'a> Table<'a> {
    /// `demand.<r>.<k>.half_life_months` and `.recycling.*`.
    fn demand_response(&mut self, key: &str, d: &'a Demand, i: usize) {
        let half_life = d.half_life_months.as_ref();
        self.add(
            key,
            "half_life_months",
            half_life,
            Kind::Duration,
            At::DemandHalfLife(i),
        );
        if let Some(r) = &d.recycling {
            let key = format!("{key}.recycling");
            use RecyclingField as F;
            let fields = [
                ("share", Some(&r.share), Kind::Fraction, F::Share),
                (
                    "lag_months",
                    r.lag_months.as_ref(),
                    Kind::Duration,
                    F::LagMonths,
                ),
                ("cost", Some(&r.cost), Kind::Money, F::Cost),
            ];
            for (field, p, kind, f) in fields {
                self.add(&key, field, p, kind, At::Recycling(i, f));
            }
        }
    }

    /// `supply.<r>.<k>.responses.<j>.*`.
    fn supply_responses(&mut self, key: &str, s: &'a Supply, i: usize) {
        for (j, r) in s.responses.iter().flatten().enumerate() {
            let key = format!("{key}.responses.{j}");
            use ResponseField as F;
            let fields = [
                (
                    "trigger_price",
                    Some(&r.trigger_price),
                    Kind::Money,
                    F::TriggerPrice,
                ),
                (
                    "sustain_months",
                    r.sustain_months.as_ref(),
                    Kind::Duration,
                    F::SustainMonths,
                ),
                (
                    "lead_months",
                    Some(&r.lead_months),
                    Kind::Duration,
                    F::LeadMonths,
                ),
                (
                    "ramp_months",
                    r.ramp_months.as_ref(),
                    Kind::Duration,
                    F::RampMonths,
                ),
                ("capacity", Some(&r.capacity), Kind::Capacity, F::Capacity),
                ("cost", Some(&r.cost), Kind::Money, F::Cost),
            ];
            for (field, p, kind, f) in fields {
                self.add(&key, field, p, kind, At::Response(i, j, f));
            }
        }
    }
}

impl<'a> Table<'a> {
    /// Adds `key.field` if present.
    fn push(
        &mut self,
        key: &str,
        field: &str,
        param: Option<&'a Sp<Param>>,
        kind: Kind,
        per_event: bool,
        at: At,
    ) {
        if let Some(param) = param {
            self.0.push(ParamSite {
                name: format!("{key}.{field}"),
                param,
                kind,
                per_event,
                at,
            });
        }
    }

    /// Adds a per-trial `key.field` if present.
    fn add(&mut self, key: &str, field: &str, param: Option<&'a Sp<Param>>, kind: Kind, at: At) {
        self.push(key, field, param, kind, false, at);
    }

    /// The sampled parts of a disruption, drawn at each failure.
    fn disruption(&mut self, key: &str, d: &'a Option<Sp<Disruption>>, on: Element) {
        if let Some(d) = d {
            let key = format!("{key}.disruption");
            let (repair, remaining) = (At::RepairDays(on), At::Remaining(on));
            self.push(
                &key,
                "repair_days",
                Some(&d.repair_days),
                Kind::Duration,
                true,
                repair,
            );
            self.push(
                &key,
                "remaining",
                d.remaining.as_ref(),
                Kind::Fraction,
                true,
                remaining,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fixture::uncertain_world;
    use crate::scenario::load_str;

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
}
