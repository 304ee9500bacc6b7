//! Meaning checks on a layered scenario: references resolve, routes connect,
//! numbers are in range, policies say what their type needs, correlation
//! matrices are valid.
//!
//! [`validate`] runs every rule and returns every problem, each at the
//! location of the offending value. Each rule is a small named function
//! (`check_references`, `check_routes_connect`, ...), in the manner of PyPSA's
//! consistency checks, in the file of its family:
//!
//! - [`numbers`]: number ranges, integers and months, `[scenario]` and
//!   `[montecarlo]`;
//! - [`parameters`]: every parameter of the table in `scenario::params`
//!   against its kind's range;
//! - [`distributions`]: a distribution's own parameters and what it can draw;
//! - [`ids`]: duplicate ids and references, with did-you-mean;
//! - [`routes`]: a route's legs form a path and carry its commodities;
//! - [`entries`]: commodities, legs and hubs, disruptions, supply, demand
//!   and stockpiles;
//! - [`processing`]: a plant's recipe (or its shorthand);
//! - [`curves`]: constant-elasticity supply curves and fine price bands;
//! - [`policies`]: the fields a policy type uses, and its activation;
//! - [`commodity_lists`]: a policy's `commodity` given as a list;
//! - [`responses`]: demand adjustment's paired fields;
//! - [`eligibility`]: who sells a commodity to an importer;
//! - [`correlations`]: correlation blocks and their matrices.
//!
//! A message starts with the key path (`legs.caspian.capacity`), then says
//! what is wrong, the bad value and what was expected; a `help` gives a fix
//! or a did-you-mean where one is known. Nothing here knows about the LP or
//! sampling.

mod commodity_lists;
mod correlations;
mod curves;
mod distributions;
mod eligibility;
mod entries;
mod ids;
mod numbers;
mod parameters;
mod policies;
mod processing;
mod responses;
mod routes;

pub use entries::MAX_FAILURE_RATE;

use super::diagnostic::line_col;
use super::schema::*;
use super::span::Loc;
use super::{Diagnostic, Scenario, Sources};
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

type Check = fn(&Ctx, &mut Vec<Diagnostic>);

/// Every rule, in the order they run (the output is sorted by location).
const CHECKS: &[Check] = &[
    numbers::check_meta,
    numbers::check_montecarlo,
    ids::check_duplicate_ids,
    ids::check_references,
    routes::check_routes_connect,
    routes::check_route_commodities,
    entries::check_commodities,
    entries::check_legs,
    entries::check_disruptions,
    entries::check_hub_capacity_targets,
    entries::check_supply,
    entries::check_demand,
    curves::check_elastic_supply,
    curves::check_bands,
    processing::check_processing,
    commodity_lists::check_commodity_lists,
    entries::check_stockpiles,
    responses::check_demand_adjustment,
    parameters::check_parameters,
    policies::check_policy_fields,
    policies::check_policy_activation,
    eligibility::check_eligibility,
    correlations::check_correlations,
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

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{patch, problems, WORLD};

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
}
