//! What a trial drew, re-derived outside the hot loop: the value of every
//! named uncertainty and the periods each policy was in force.
//!
//! A trial is a pure function of (model, seed, trial index), so the writer
//! of per-trial data can draw a trial's inputs again from the same streams
//! instead of the engine handing them over: runs that keep no per-trial
//! data pay nothing. The derivation is the one `montecarlo` makes before a
//! trial (`ParamSampler::fill` with the Latin Hypercube block and the
//! copula, then the policy schedules of `engine::dynamics`), so the values
//! are exactly those the engine used (tested in `tests/consistency.rs`).

use crate::engine::dynamics;
use crate::engine::{ExpectedValues, Workspace};
use crate::model::CompiledModel;
use crate::sampling::{ParamSampler, TrialDraws};
use crate::scenario::params::{self, Kind};
use crate::scenario::{Sampling, ScenarioFile};

/// One per-trial column: its name and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputColumn {
    /// Column name: the uncertainty's name (`legs.cpc.capacity`) or
    /// `policies.<id>.periods_active`.
    pub name: String,
    /// Unit of its values.
    pub unit: String,
}

/// The per-trial columns of `m`: every named uncertainty (model order),
/// then every policy's periods in force (model order). `f` gives the units.
pub fn columns(f: &ScenarioFile, m: &CompiledModel) -> Vec<InputColumn> {
    let units = uncertainty_units(f, m);
    let inputs = m.uncertain.iter().zip(units).map(|(u, unit)| InputColumn {
        name: u.name.clone(),
        unit,
    });
    let policies = m.policies.iter().map(|p| InputColumn {
        name: policy_column(&p.id),
        unit: "periods".into(),
    });
    inputs.chain(policies).collect()
}

/// The column of policy `id`'s periods in force.
pub fn policy_column(id: &str) -> String {
    format!("policies.{id}.periods_active")
}

/// Re-derives trials' inputs; one per writer, reused across trials.
pub struct InputDeriver {
    sampler: ParamSampler,
    draws: TrialDraws,
    ws: Workspace,
    deterministic: bool,
}

impl InputDeriver {
    /// For trials of `m` under `seed` and `sampling` (`deterministic`: the
    /// one expected-value path).
    pub fn new(m: &CompiledModel, seed: u64, sampling: Sampling, deterministic: bool) -> Self {
        InputDeriver {
            sampler: ParamSampler::new(m, seed, sampling),
            draws: TrialDraws::new(m, seed),
            ws: Workspace::new(m),
            deterministic,
        }
    }

    /// Writes trial `trial`'s values of [`columns`] into `out` (cleared
    /// first): each uncertainty's value, then each policy's periods in force.
    pub fn derive(&mut self, m: &CompiledModel, trial: u64, out: &mut Vec<f64>) {
        let ws = &mut self.ws;
        ws.params.copy_from_slice(&m.params);
        if self.deterministic {
            dynamics::schedule(m, ws, &mut ExpectedValues);
        } else {
            self.sampler.fill(m, trial, &mut ws.params);
            self.draws.reset(trial);
            dynamics::schedule(m, ws, &mut self.draws);
        }
        out.clear();
        out.extend(m.uncertain.iter().map(|u| ws.params[u.param]));
        let t = m.periods;
        out.extend(
            (0..m.policies.len())
                .map(|p| ws.active[p * t..(p + 1) * t].iter().filter(|&&a| a).count() as f64),
        );
    }
}

/// The unit of every uncertainty of `m`, in the units the scenario file
/// writes the field in (docs/scenarios.md): tonnes for legs and hubs,
/// the commodity's unit for supply, demand, processing and stockpiles,
/// USD per unit for costs, months or days for durations.
fn uncertainty_units(f: &ScenarioFile, m: &CompiledModel) -> Vec<String> {
    let sites = params::sites(f);
    m.uncertain
        .iter()
        .map(|u| {
            let kind = sites
                .iter()
                .find(|s| s.name == u.name)
                .map_or(Kind::Delta, |s| s.kind);
            unit_of(f, &u.name, kind)
        })
        .collect()
}

/// The commodity a plant's activity counts in: its one output when one
/// unit of activity makes one unit of it (the shorthand form always does);
/// otherwise activity has no commodity unit.
fn activity_commodity(p: &crate::scenario::schema::Processing) -> Option<&str> {
    let r = crate::scenario::recipe::recipe(p)?;
    match r.outputs.as_slice() {
        [o] if o.amount == 1.0 => Some(o.commodity.value.as_str()),
        _ => None,
    }
}

/// The unit of the site `name` of kind `kind`.
fn unit_of(f: &ScenarioFile, name: &str, kind: Kind) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let field = parts.last().copied().unwrap_or_default();
    let freight = matches!(parts[0], "legs" | "hubs" | "routes");
    // The commodity whose unit the field counts in, when one is named.
    let commodity: Option<&str> = match parts[0] {
        "supply" | "demand" => parts.get(2).copied(),
        "processing" => f
            .processing
            .iter()
            .find(|p| Some(p.id.value.as_str()) == parts.get(1).copied())
            .and_then(|p| activity_commodity(p)),
        "stockpiles" => f
            .stockpiles
            .iter()
            .find(|s| Some(s.id.value.as_str()) == parts.get(1).copied())
            .map(|s| s.commodity.value.as_str()),
        _ => None,
    };
    let unit = commodity
        .and_then(|c| f.commodities.iter().find(|k| k.id.value == c))
        .map_or("unit", |k| k.unit.value.as_str());
    let quantity = if freight { "t" } else { unit };
    match kind {
        Kind::Capacity => format!("{quantity}/year"),
        Kind::Money if field == "cost" && freight => "USD/t".into(),
        Kind::Money => format!("USD/{unit}"),
        Kind::Quantity if parts[0] == "stockpiles" => unit.to_string(),
        Kind::Quantity => format!("{unit}/year"),
        Kind::Duration if field.ends_with("_days") => "days".into(),
        Kind::Duration => "months".into(),
        Kind::Fraction => "fraction".into(),
        Kind::Probability => "probability".into(),
        Kind::Factor => "factor".into(),
        Kind::Share => "share of reference price".into(),
        Kind::Delta => format!("{unit}/year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compile;
    use crate::scenario::fixture::patch;
    use crate::scenario::load_str;

    #[test]
    fn a_leg_capacity_counts_in_tonnes_per_year() {
        let text = patch(&[(
            "capacity = 1000.0",
            "capacity = { dist = \"uniform\", min = 500, max = 1500 }",
        )]);
        let s = load_str(&text).unwrap_or_else(|d| panic!("{d}"));
        let m = compile(&s).unwrap();
        let cols = columns(&s.file, &m);
        assert_eq!(cols[0].unit, "t/year", "{cols:?}");
        // The derived input is the value the sampler draws for the trial.
        let mut d = InputDeriver::new(&m, 3, Sampling::Lhs, false);
        let mut sampler = ParamSampler::new(&m, 3, Sampling::Lhs);
        let (mut out, mut p) = (Vec::new(), m.params.clone());
        for t in [0, 1, 255, 256, 1000] {
            d.derive(&m, t, &mut out);
            sampler.fill(&m, t, &mut p);
            assert_eq!(out[0], p[m.uncertain[0].param], "trial {t}");
        }
    }
}
