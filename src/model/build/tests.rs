//! What the compile step's parts share in their tests, and the check that
//! the compiled model's parameter slots are exactly the parameter table's
//! per-trial sites.

use super::*;
use crate::scenario::load_str;
use crate::scenario::params::sites;
use std::collections::BTreeSet;

/// The compiled model of a valid scenario text.
#[track_caller]
pub(super) fn compiled(text: &str) -> CompiledModel {
    let s = load_str(text).unwrap_or_else(|d| panic!("invalid scenario: {:#?}", d.items));
    compile(&s).unwrap_or_else(|e| panic!("{e}"))
}

/// Every slot the compiled model reads, with how often.
fn slots_read(m: &CompiledModel) -> Vec<ParamId> {
    let mut out: Vec<ParamId> = Vec::new();
    for e in m.legs.iter().chain(&m.hubs) {
        out.extend(e.capacity);
    }
    // A leg's cost is read by every flow over it; count it once per leg.
    let mut costs: BTreeSet<ParamId> = BTreeSet::new();
    for f in &m.flows {
        costs.extend(f.cost_params.iter().map(|&(p, _)| p));
    }
    out.extend(costs);
    let mut caps: BTreeSet<ParamId> = BTreeSet::new();
    for s in &m.supply {
        caps.insert(s.cap);
        if let CostRef::Param(p) = s.cost {
            out.push(p);
        }
    }
    out.extend(caps);
    for d in &m.demand {
        out.extend([d.quantity, d.choke]);
    }
    for p in &m.processing {
        out.extend([p.cap, p.cost]);
    }
    out.extend(m.stockpiles.iter().map(|s| s.initial));
    let r = &m.responses;
    out.extend(r.adjust.iter().map(|a| a.half_life));
    for c in &r.recycling {
        out.extend([Some(c.share), c.lag, Some(c.cost)].into_iter().flatten());
    }
    for c in &r.supply {
        let all = [Some(c.trigger), c.sustain, Some(c.lead), c.ramp];
        out.extend(all.into_iter().flatten().chain([c.capacity, c.cost]));
    }
    for p in &m.policies {
        if let Activation::Once {
            delay_months,
            duration_months,
            probability,
            ..
        } = &p.activation
        {
            out.extend(
                delay_months
                    .iter()
                    .chain(duration_months)
                    .chain(probability),
            );
        }
        match &p.effect {
            Effect::Ban { .. } | Effect::Closure { .. } => {}
            Effect::Quota { amount, .. } => out.push(*amount),
            Effect::Friction {
                per_unit,
                ad_valorem,
                ..
            } => out.extend(per_unit.iter().chain(ad_valorem)),
            Effect::Capacity { factor, delta, .. } => out.extend(factor.iter().chain(delta)),
            Effect::DemandShock { factor, .. } => out.push(*factor),
            Effect::Licence {
                lag_days,
                throughput,
                per_unit,
                ..
            } => out.extend(per_unit.iter().chain([lag_days]).chain(throughput)),
        }
    }
    out.sort_unstable();
    out
}

/// Every scenario shipped in `scenarios/`, compiled, with its table.
fn shipped() -> Vec<(String, crate::scenario::Scenario, CompiledModel)> {
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "shipped scenarios: {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let s = crate::scenario::load(&p).unwrap_or_else(|d| panic!("{p:?}: {:#?}", d.items));
            let m = compile(&s).unwrap_or_else(|e| panic!("{p:?}: {e}"));
            (p.display().to_string(), s, m)
        })
        .collect()
}

#[test]
fn every_slot_is_a_site_of_the_table_and_every_site_has_one() {
    for (path, s, m) in shipped() {
        let table: Vec<_> = sites(&s.file)
            .into_iter()
            .filter(|site| !site.per_event)
            .collect();
        // Slots are the per-trial sites, in the table's order...
        assert_eq!(m.params.len(), table.len(), "{path}");
        for (slot, site) in table.iter().enumerate() {
            assert_eq!(
                m.params[slot],
                site.param.value.expected(),
                "{path}: {}",
                site.name
            );
        }
        // ...each read by the model exactly once.
        let read = slots_read(&m);
        assert_eq!(read, (0..m.params.len()).collect::<Vec<_>>(), "{path}");
        // The uncertainties are the sampled sites, under the table's names.
        let sampled: Vec<(&str, ParamId)> = table
            .iter()
            .enumerate()
            .filter(|(_, site)| matches!(site.param.value, Param::Dist(_)))
            .map(|(slot, site)| (site.name.as_str(), slot))
            .collect();
        let uncertain: Vec<(&str, ParamId)> = m
            .uncertain
            .iter()
            .map(|u| (u.name.as_str(), u.param))
            .collect();
        assert_eq!(uncertain, sampled, "{path}");
    }
}

#[test]
fn per_event_sites_become_the_processes_distributions() {
    let mut disruptions = 0;
    for (path, s, m) in shipped() {
        for site in sites(&s.file).into_iter().filter(|site| site.per_event) {
            let expected = as_dist(&site.param.value);
            let found = match site.at {
                At::RepairDays(On::Leg(i)) => m.legs[i].disruption.as_ref().map(|d| &d.repair_days),
                At::RepairDays(On::Hub(i)) => m.hubs[i].disruption.as_ref().map(|d| &d.repair_days),
                At::Remaining(On::Leg(i)) => m.legs[i].disruption.as_ref().map(|d| &d.remaining),
                At::Remaining(On::Hub(i)) => m.hubs[i].disruption.as_ref().map(|d| &d.remaining),
                At::Policy(i, params::PolicyField::DurationMonths) => {
                    match &m.policies[i].activation {
                        Activation::Recurring {
                            duration_months, ..
                        } => duration_months.as_ref(),
                        Activation::Once { .. } => None,
                    }
                }
                other => panic!("{path}: {other:?} is not drawn per event"),
            };
            assert_eq!(found, Some(&expected), "{path}: {}", site.name);
            disruptions += 1;
        }
    }
    assert!(disruptions > 0, "the shipped scenarios have disruptions");
}

#[test]
fn months_are_counted_from_the_horizon_start() {
    let m = compiled(&crate::scenario::fixture::policy(
        "type = \"closure\"\nlegs = [\"pipe\"]\nstart = \"2027-03\"\n",
    ));
    assert_eq!(m.start, (2026, 1));
    match &m.policies[0].activation {
        Activation::Once { start, .. } => assert_eq!(*start, 14.0),
        other => panic!("{other:?}"),
    }
}
