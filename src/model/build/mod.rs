//! `compile`: scenario → [`CompiledModel`]. Assumes a validated scenario;
//! anything it still cannot resolve is reported as an error, never a panic.
//!
//! Every parameter of the table in `scenario::params` gets its slot first,
//! in the table's order; each part then finds its slots by where they sit
//! ([`At`]), never by name. The parts, in the order they add LP rows and
//! columns: [`network`] (hubs and legs, then, after the market, routes),
//! [`market`] (supply, demand, processing, stockpiles) and [`policies`].

mod eligibility;
mod market;
mod network;
mod policies;
mod responses;
#[cfg(test)]
mod tests;

use super::*;
use crate::scenario::params::{self, At, Element as On};
use crate::scenario::{self as sc, Param, Scenario, Sp};
use std::collections::HashMap;

/// A scenario the validator passed but the compiler cannot use.
#[derive(Debug, thiserror::Error)]
#[error("cannot compile scenario: {0}")]
pub struct CompileError(pub String);

/// Builds the compiled model of a validated scenario.
pub fn compile(s: &Scenario) -> Result<CompiledModel, CompileError> {
    Builder::new(s).build()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Node {
    Region(usize),
    Hub(usize),
}

struct Builder<'a> {
    f: &'a sc::ScenarioFile,
    params: Vec<f64>,
    uncertain: Vec<Uncertainty>,
    regions: Vec<String>,
    commodities: Vec<CommodityInfo>,
    hub_region: Vec<usize>,
    nodes: HashMap<String, Node>,
    nrows: usize,
    ncols: usize,
    triplets: Vec<(usize, usize, f64)>,
    balance_row: Vec<Option<usize>>,
    streams: Vec<String>,
    /// Every parameter site, by where it sits.
    sites: HashMap<At, &'a Sp<Param>>,
    /// The slot of every per-trial parameter site.
    slots: HashMap<At, ParamId>,
}

fn err(msg: impl Into<String>) -> CompileError {
    CompileError(msg.into())
}

impl<'a> Builder<'a> {
    fn new(s: &'a Scenario) -> Self {
        Builder {
            f: &s.file,
            params: Vec::new(),
            uncertain: Vec::new(),
            regions: Vec::new(),
            commodities: Vec::new(),
            hub_region: Vec::new(),
            nodes: HashMap::new(),
            nrows: 0,
            ncols: 0,
            triplets: Vec::new(),
            balance_row: Vec::new(),
            streams: Vec::new(),
            sites: HashMap::new(),
            slots: HashMap::new(),
        }
    }

    fn stream(&mut self, name: String) -> usize {
        self.streams.push(name);
        self.streams.len() - 1
    }

    /// Registers a parameter slot; a distribution becomes a named uncertainty.
    fn param(&mut self, name: String, p: &Param) -> ParamId {
        let id = self.params.len();
        self.params.push(p.expected());
        if let Param::Dist(d) = p {
            self.uncertain.push(Uncertainty {
                name,
                dist: crate::dist::sorted(d),
                param: id,
            });
        }
        id
    }

    /// Gives every per-trial parameter of the table a slot, in the
    /// table's order, and keeps every site for [`Self::slot`] and
    /// [`Self::per_event`].
    fn register_params(&mut self) {
        for site in params::sites(self.f) {
            self.sites.insert(site.at, site.param);
            if !site.per_event {
                let slot = self.param(site.name, &site.param.value);
                self.slots.insert(site.at, slot);
            }
        }
    }

    /// The slot of the parameter at `at`, if the scenario gives it.
    fn slot(&self, at: At) -> Option<ParamId> {
        self.slots.get(&at).copied()
    }

    /// The slot of a parameter the scenario must give.
    fn need(&self, at: At) -> Result<ParamId, CompileError> {
        self.slot(at)
            .ok_or_else(|| err(format!("no parameter at {at:?}")))
    }

    /// The distribution of a parameter drawn at each event, if given (a
    /// plain number is a distribution with one value).
    fn per_event(&self, at: At) -> Option<sc::Dist> {
        self.sites.get(&at).map(|p| as_dist(&p.value))
    }

    fn region(&self, id: &str) -> Result<usize, CompileError> {
        self.regions
            .iter()
            .position(|r| r == id)
            .ok_or_else(|| err(format!("unknown region `{id}`")))
    }

    fn commodity(&self, id: &str) -> Result<usize, CompileError> {
        self.commodities
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| err(format!("unknown commodity `{id}`")))
    }

    fn node(&self, id: &str) -> Result<Node, CompileError> {
        self.nodes
            .get(id)
            .copied()
            .ok_or_else(|| err(format!("unknown node `{id}`")))
    }

    fn node_region(&self, n: Node) -> usize {
        match n {
            Node::Region(r) => r,
            Node::Hub(h) => self.hub_region[h],
        }
    }

    fn new_row(&mut self) -> usize {
        self.nrows += 1;
        self.nrows - 1
    }

    fn new_col(&mut self) -> usize {
        self.ncols += 1;
        self.ncols - 1
    }

    fn balance(&mut self, region: usize, commodity: usize) -> usize {
        let k = region * self.commodities.len() + commodity;
        match self.balance_row[k] {
            Some(r) => r,
            None => {
                let r = self.new_row();
                self.balance_row[k] = Some(r);
                r
            }
        }
    }

    fn build(mut self) -> Result<CompiledModel, CompileError> {
        let f = self.f;
        let meta = &f.scenario;
        let period = meta
            .period
            .as_ref()
            .map_or(sc::PeriodLength::Month, |p| p.value);
        let periods = meta.periods.as_ref().map_or(60, |p| p.value).max(1) as usize;
        let start = month(meta.start.as_ref().map_or("2026-01", |s| s.value.as_str()))?;

        self.regions = f.regions.iter().map(|r| r.id.value.clone()).collect();
        for (i, r) in self.regions.iter().enumerate() {
            self.nodes.insert(r.clone(), Node::Region(i));
        }
        for c in &f.commodities {
            self.commodities.push(CommodityInfo {
                id: c.id.value.clone(),
                unit: c.unit.value.clone(),
                tonnes_per_unit: c.tonnes_per_unit.as_ref().map_or(1.0, |t| t.value),
                reference_price: c.reference_price.value,
            });
        }
        self.balance_row = vec![None; self.regions.len() * self.commodities.len()];
        self.register_params();

        let elements = self.elements()?;
        let supply = self.supply()?;
        let demand = self.demand()?;
        let processing = self.processing()?;
        let disposal = self.disposal(&processing);
        let stockpiles = self.stockpiles()?;
        let responses = self.responses(&demand)?;
        let routes = self.routes(&elements)?;
        let ineligible = self.ineligible(&routes)?;
        let world = policies::World {
            elements: &elements,
            routes: &routes,
            supply: &supply,
            demand: &demand,
            processing: &processing,
        };
        let policies = (0..f.policies.len())
            .map(|i| self.policy(i, &world, start))
            .collect::<Result<Vec<_>, _>>()?;

        let correlations = self.correlations()?;
        let mut model = CompiledModel {
            name: meta
                .name
                .as_ref()
                .map_or_else(|| "scenario".into(), |n| n.value.clone()),
            periods,
            period,
            start,
            default_trials: f
                .montecarlo
                .trials
                .as_ref()
                .map_or(1000, |t| t.value.max(1) as u64),
            default_seed: f
                .montecarlo
                .seed
                .as_ref()
                .map_or(0, |s| s.value.max(0) as u64),
            sampling: f
                .montecarlo
                .sampling
                .as_ref()
                .map_or(sc::Sampling::Random, |s| s.value),
            commodities: self.commodities,
            regions: self.regions,
            corridors: routes.corridors,
            legs: elements.legs,
            hubs: elements.hubs,
            routes: routes.routes,
            flows: routes.flows,
            ineligible,
            supply: supply.cols,
            demand,
            processing,
            disposal,
            stockpiles,
            responses,
            policies,
            params: self.params,
            uncertain: self.uncertain,
            streams: self.streams,
            correlations,
            lp: LpLayout {
                nrows: self.nrows,
                ncols: self.ncols,
                triplets: self.triplets,
                balance_row: self.balance_row,
            },
            series: Vec::new(),
            index: SeriesIndex::default(),
        };
        (model.series, model.index) = super::series_build::build_series(&model);
        Ok(model)
    }

    /// The disruption of hub or leg `on` (`kind.id`), with its stream.
    fn disruption(
        &mut self,
        kind: &str,
        id: &Sp<String>,
        d: &Option<Sp<sc::Disruption>>,
        on: On,
    ) -> Result<Option<DisruptionSpec>, CompileError> {
        let Some(d) = d else { return Ok(None) };
        let repair_days = self
            .per_event(At::RepairDays(on))
            .ok_or_else(|| err(format!("{kind}.{}: no repair_days", id.value)))?;
        // Without `remaining` a disrupted element carries nothing.
        let remaining = self
            .per_event(At::Remaining(on))
            .unwrap_or(sc::Dist::Empirical {
                values: vec![0.0],
                weights: None,
            });
        Ok(Some(DisruptionSpec {
            stream: self.stream(format!("{kind}.{}.disruption", id.value)),
            failure_rate: d.failure_rate.value,
            repair_days,
            remaining,
        }))
    }

    fn ids(
        &self,
        list: &Option<Vec<Sp<String>>>,
        find: impl Fn(&str) -> Option<usize>,
    ) -> Result<Vec<usize>, CompileError> {
        list.iter()
            .flatten()
            .map(|id| find(&id.value).ok_or_else(|| err(format!("unknown id `{}`", id.value))))
            .collect()
    }

    fn correlations(&self) -> Result<Vec<CorrelationBlock>, CompileError> {
        let mut out = Vec::new();
        for c in &self.f.correlations {
            let members: Vec<usize> = c
                .names
                .iter()
                .map(|n| {
                    self.uncertain
                        .iter()
                        .position(|u| u.name == n.value)
                        .ok_or_else(|| {
                            err(format!(
                                "correlation names `{}`, which is not uncertain",
                                n.value
                            ))
                        })
                })
                .collect::<Result<_, _>>()?;
            let n = members.len();
            let m = nalgebra::DMatrix::from_fn(n, n, |i, j| c.matrix[i][j].value);
            out.push(CorrelationBlock {
                members,
                cholesky: psd_factor(m)?,
            });
        }
        Ok(out)
    }
}

/// A lower factor `L` with `L Lᵀ = C`: Cholesky when `C` is positive
/// definite, else from the eigen-decomposition (semi-definite `C`), row-major.
fn psd_factor(c: nalgebra::DMatrix<f64>) -> Result<Vec<f64>, CompileError> {
    let n = c.nrows();
    let l = match c.clone().cholesky() {
        Some(ch) => ch.l(),
        None => {
            let e = c.symmetric_eigen();
            if e.eigenvalues.iter().any(|&v| v < -1e-9) {
                return Err(err("correlation matrix is not positive semi-definite"));
            }
            let d = nalgebra::DMatrix::from_diagonal(&e.eigenvalues.map(|v| v.max(0.0).sqrt()));
            &e.eigenvectors * d
        }
    };
    Ok((0..n * n).map(|i| l[(i / n, i % n)]).collect())
}

fn as_dist(p: &Param) -> sc::Dist {
    match p {
        Param::Fixed(v) => sc::Dist::Empirical {
            values: vec![*v],
            weights: None,
        },
        Param::Dist(d) => crate::dist::sorted(d),
    }
}

/// The (year, month) of a `YYYY-MM` month (see [`sc::month`]).
fn month(s: &str) -> Result<(i32, u32), CompileError> {
    sc::month(s).ok_or_else(|| err(format!("`{s}` is not a month of the form YYYY-MM")))
}
