//! The rows a reader sees first: the scenario's `[scenario] headline` list,
//! checked against the series the model records, or else the shortfall,
//! price and import shares of the markets the scenario's policies target.
//!
//! The list is resolved once, when a run starts, and recorded in the
//! result's manifest, so `corridor compare` can lead with the same rows
//! without the scenario. It is a model question (which series exist, which
//! markets a policy's flows reach), so it lives here and not in
//! `scenario::validate`, which knows nothing of series.

use super::{CapTarget, CompiledModel, Effect, Metric};
use crate::scenario::diagnostic::{did_you_mean, quote};
use crate::scenario::{Diagnostic, Scenario};

/// Most default headline rows: enough for the markets of a few policies,
/// few enough to read at a glance.
const MAX_DEFAULT: usize = 12;

/// The series indices of the headline rows, in order: the scenario's list
/// if it has one (each entry must name a recorded series, or a located
/// diagnostic says what it may have meant), else [`default_rows`].
pub fn resolve(scenario: &Scenario, model: &CompiledModel) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let Some(list) = &scenario.file.scenario.headline else {
        return Ok(default_rows(model));
    };
    let mut rows = Vec::with_capacity(list.len());
    let mut problems = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let e = &entry.value;
        let at = format!("scenario.headline[{i}]");
        let Some(metric) = Metric::from_name(&e.metric.value) else {
            let names = Metric::ALL.map(Metric::name);
            problems.push(
                Diagnostic::new(
                    e.metric.loc(),
                    format!("{at}: unknown metric `{}`", quote(&e.metric.value)),
                )
                .help(suggest(&e.metric.value, names.iter().copied(), "metrics")),
            );
            continue;
        };
        let commodity = match &e.commodity {
            Some(c) => match model.commodity(&c.value) {
                Some(k) => Some(k),
                None => {
                    problems.push(
                        Diagnostic::new(
                            c.loc(),
                            format!("{at}: unknown commodity `{}`", quote(&c.value)),
                        )
                        .help(suggest(
                            &c.value,
                            model.commodities.iter().map(|c| c.id.as_str()),
                            "commodities",
                        )),
                    );
                    continue;
                }
            },
            None => None,
        };
        let found = model
            .series
            .iter()
            .position(|s| s.metric == metric && s.commodity == commodity && s.key == e.key.value);
        match found {
            Some(s) => rows.push(s),
            None => problems.push(missing_series(model, &at, e, metric, commodity)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The problems of the scenario's `headline` list, for `corridor
/// validate`: it compiles the scenario to know its series (a scenario that
/// does not compile is left to `run` to report).
pub fn check(scenario: &Scenario) -> Vec<Diagnostic> {
    match super::compile(scenario) {
        Ok(model) => resolve(scenario, &model).err().unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// The diagnostic for a metric and commodity that exist but record no
/// series under the key (or not per commodity, or only per commodity).
fn missing_series(
    model: &CompiledModel,
    at: &str,
    e: &crate::scenario::Headline,
    metric: Metric,
    commodity: Option<usize>,
) -> Diagnostic {
    let same = |s: &&super::Series| s.metric == metric && s.commodity == commodity;
    let keys: Vec<&str> = model
        .series
        .iter()
        .filter(same)
        .map(|s| s.key.as_str())
        .collect();
    let what = format!(
        "{at}: the model records no `{} {}{}` series",
        metric.name(),
        commodity.map_or(String::new(), |c| format!("{} ", model.commodities[c].id)),
        quote(&e.key.value)
    );
    let help = if keys.is_empty() {
        let per_commodity = model
            .series
            .iter()
            .any(|s| s.metric == metric && s.commodity.is_some());
        if per_commodity {
            format!(
                "`{}` is recorded per commodity: add `commodity = \"...\"`",
                metric.name()
            )
        } else {
            format!(
                "`{}` is not recorded per commodity: leave `commodity` out",
                metric.name()
            )
        }
    } else {
        suggest(&e.key.value, keys.iter().copied(), "keys")
    };
    Diagnostic::new(e.key.loc(), what).help(help)
}

/// `did you mean \`x\`?`, else the first few valid names.
fn suggest<'a>(word: &str, valid: impl Iterator<Item = &'a str> + Clone, what: &str) -> String {
    if let Some(best) = did_you_mean(word, valid.clone()) {
        return format!("did you mean `{best}`?");
    }
    let all: Vec<&str> = valid.collect();
    const SHOWN: usize = 12;
    let mut text = format!("the {what} are: {}", all[..all.len().min(SHOWN)].join(", "));
    if all.len() > SHOWN {
        text.push_str(&format!(", and {} more", all.len() - SHOWN));
    }
    text
}

/// The default headline: for each market (commodity, region) a policy
/// targets, in policy order, its shortfall, price and import shares. A
/// policy on flows targets the importers of those flows; on legs or hubs,
/// the importers of the routes through them; on supply or a plant, every
/// market with demand for what it produces; a demand shock, its markets.
/// Empty when the scenario has no policy (the caller then picks rows by
/// their statistics).
pub fn default_rows(model: &CompiledModel) -> Vec<usize> {
    let mut markets: Vec<(usize, usize)> = Vec::new();
    let mut add = |m: (usize, usize)| {
        if !markets.contains(&m) {
            markets.push(m);
        }
    };
    let flow_market = |f: usize| {
        let flow = &model.flows[f];
        (flow.commodity, model.routes[flow.route].to)
    };
    let demand_of = |commodity: usize| -> Vec<(usize, usize)> {
        model
            .demand
            .iter()
            .filter(|d| d.commodity == commodity)
            .map(|d| (d.commodity, d.region))
            .collect()
    };
    for policy in &model.policies {
        match &policy.effect {
            Effect::Ban { flows }
            | Effect::Quota { flows, .. }
            | Effect::Friction { flows, .. }
            | Effect::Licence { flows, .. }
            | Effect::Closure { flows, .. } => flows.iter().for_each(|&f| add(flow_market(f))),
            Effect::Capacity { target, .. } => match target {
                CapTarget::Legs(legs) => (0..model.flows.len())
                    .filter(|&f| {
                        let route = &model.routes[model.flows[f].route];
                        route.legs.iter().any(|l| legs.contains(l))
                    })
                    .for_each(|f| add(flow_market(f))),
                CapTarget::Hubs(hubs) => (0..model.flows.len())
                    .filter(|&f| {
                        let route = &model.routes[model.flows[f].route];
                        route.hubs.iter().any(|h| hubs.contains(h))
                    })
                    .for_each(|f| add(flow_market(f))),
                CapTarget::Process(p) => model.processing[*p]
                    .outputs
                    .iter()
                    .flat_map(|&(k, _)| demand_of(k))
                    .for_each(&mut add),
                CapTarget::Supply(blocks) => blocks
                    .iter()
                    .flat_map(|&b| demand_of(model.supply[b].commodity))
                    .for_each(&mut add),
            },
            Effect::DemandShock { demands, .. } => demands
                .iter()
                .for_each(|&d| add((model.demand[d].commodity, model.demand[d].region))),
        }
    }
    let mut rows = Vec::new();
    for (commodity, region) in markets {
        let region_id = &model.regions[region];
        let prefix = format!("{region_id}/");
        for (i, s) in model.series.iter().enumerate() {
            let here = s.commodity == Some(commodity)
                && match s.metric {
                    Metric::Shortfall | Metric::Price => &s.key == region_id,
                    Metric::ImportShare => s.key.starts_with(&prefix),
                    _ => false,
                };
            if here && !rows.contains(&i) {
                rows.push(i);
            }
        }
    }
    // Shortfall and price of every market first, then import shares.
    rows.sort_by_key(|&i| model.series[i].metric == Metric::ImportShare);
    rows.truncate(MAX_DEFAULT);
    rows
}
