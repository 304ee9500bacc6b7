//! `compile`: scenario → [`CompiledModel`]. Assumes a validated scenario;
//! anything it still cannot resolve is reported as an error, never a panic.

use super::*;
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

    fn opt_param(&mut self, name: String, p: &Option<Sp<Param>>) -> Option<ParamId> {
        p.as_ref().map(|p| self.param(name, &p.value))
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
        let start = parse_month(meta.start.as_ref().map_or("2026-01", |s| s.value.as_str()))?;

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

        // Hubs and legs: capacity rows come first so row numbers are stable.
        let mut hubs = Vec::new();
        for (h, hub) in f.hubs.iter().enumerate() {
            let region = self.region(&hub.region)?;
            self.hub_region.push(region);
            self.nodes.insert(hub.id.value.clone(), Node::Hub(h));
            let capacity = self.opt_param(format!("hubs.{}.capacity", hub.id.value), &hub.capacity);
            let row = capacity.map(|_| self.new_row());
            let disruption = self.disruption("hubs", &hub.id, &hub.disruption);
            hubs.push(Element {
                id: hub.id.value.clone(),
                capacity,
                row,
                disruption,
            });
        }
        let mut legs = Vec::new();
        let mut leg_cost = Vec::new();
        for leg in &f.legs {
            let capacity = Some(self.param(
                format!("legs.{}.capacity", leg.id.value),
                &leg.capacity.value,
            ));
            leg_cost.push(self.param(format!("legs.{}.cost", leg.id.value), &leg.cost.value));
            let row = Some(self.new_row());
            let disruption = self.disruption("legs", &leg.id, &leg.disruption);
            legs.push(Element {
                id: leg.id.value.clone(),
                capacity,
                row,
                disruption,
            });
        }
        let leg_index: HashMap<&str, usize> = f
            .legs
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.value.as_str(), i))
            .collect();

        // Supply blocks.
        let mut supply = Vec::new();
        let mut supply_of: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for s in &f.supply {
            let (r, k) = (self.region(&s.region)?, self.commodity(&s.commodity)?);
            let name = format!("supply.{}.{}", s.region.value, s.commodity.value);
            let row = self.balance(r, k);
            let mut add =
                |b: &mut Self, cap: ParamId, share: f64, delta_share: f64, cost: CostRef| {
                    let col = b.new_col();
                    b.triplets.push((row, col, 1.0));
                    supply_of.entry((r, k)).or_default().push(supply.len());
                    supply.push(SupplyCol {
                        region: r,
                        commodity: k,
                        col,
                        cap,
                        share,
                        delta_share,
                        cost,
                    });
                };
            if let Some(steps) = &s.steps {
                // A capacity change's `delta` is added once to the entry,
                // spread over its steps in proportion to their expected
                // capacities (evenly when they are all zero).
                let expected: Vec<f64> = steps
                    .iter()
                    .map(|st| st.capacity.value.expected().max(0.0))
                    .collect();
                let total: f64 = expected.iter().sum();
                for (i, st) in steps.iter().enumerate() {
                    let cap = self.param(format!("{name}.steps.{i}.capacity"), &st.capacity.value);
                    let cost = self.param(format!("{name}.steps.{i}.cost"), &st.cost.value);
                    let delta_share = if total > 0.0 {
                        expected[i] / total
                    } else {
                        1.0 / steps.len() as f64
                    };
                    add(&mut self, cap, 1.0, delta_share, CostRef::Param(cost));
                }
            } else {
                let capp = s
                    .capacity
                    .as_ref()
                    .ok_or_else(|| err(format!("{name}: no capacity")))?;
                let cap = self.param(format!("{name}.capacity"), &capp.value);
                let [lo, hi] = s.cost.as_ref().map_or([0.0, 0.0], |c| c.value);
                let n = s.blocks.as_ref().map_or(4, |b| b.value).max(1) as usize;
                for b in 0..n {
                    // Block b costs the linear marginal cost at its midpoint, so the
                    // stepped curve has the same total cost as the linear one.
                    let c = lo + (hi - lo) * (b as f64 + 0.5) / n as f64;
                    add(
                        &mut self,
                        cap,
                        1.0 / n as f64,
                        1.0 / n as f64,
                        CostRef::Value(c),
                    );
                }
            }
        }

        // Demand curves: `blocks` priced blocks plus one essential block.
        let mut demand = Vec::new();
        for d in &f.demand {
            let (r, k) = (self.region(&d.region)?, self.commodity(&d.commodity)?);
            let name = format!("demand.{}.{}", d.region.value, d.commodity.value);
            let quantity = self.param(format!("{name}.quantity"), &d.quantity.value);
            let choke = self.param(format!("{name}.choke_price"), &d.choke_price.value);
            let blocks = d.blocks.as_ref().map_or(6, |b| b.value).max(1) as usize;
            let row = self.balance(r, k);
            let first_col = self.ncols;
            for _ in 0..=blocks {
                let col = self.new_col();
                self.triplets.push((row, col, -1.0));
            }
            demand.push(DemandCurve {
                region: r,
                commodity: k,
                quantity,
                price: d.price.value,
                elasticity: d.elasticity.value,
                choke,
                floor: d.floor.as_ref().map_or(0.5, |x| x.value),
                first_col,
                blocks,
            });
        }

        // Processing plants.
        let mut processing = Vec::new();
        for p in &f.processing {
            let r = self.region(&p.region)?;
            let (ki, ko) = (self.commodity(&p.input)?, self.commodity(&p.output)?);
            let y = p.yield_.as_ref().map_or(1.0, |y| y.value);
            let cap = self.param(
                format!("processing.{}.capacity", p.id.value),
                &p.capacity.value,
            );
            let cost = self.param(format!("processing.{}.cost", p.id.value), &p.cost.value);
            let (ri, ro) = (self.balance(r, ki), self.balance(r, ko));
            let col = self.new_col();
            self.triplets.push((ri, col, -1.0 / y));
            self.triplets.push((ro, col, 1.0));
            processing.push(ProcessCol {
                id: p.id.value.clone(),
                region: r,
                input: ki,
                output: ko,
                col,
                cap,
                cost,
            });
        }

        // Stockpiles.
        let mut stockpiles = Vec::new();
        for st in &f.stockpiles {
            let (r, k) = (self.region(&st.region)?, self.commodity(&st.commodity)?);
            let row = self.balance(r, k);
            let release_col = self.new_col();
            self.triplets.push((row, release_col, 1.0));
            let refill_col = self.new_col();
            self.triplets.push((row, refill_col, -1.0));
            let initial = self.param(
                format!("stockpiles.{}.initial", st.id.value),
                &st.initial.value,
            );
            stockpiles.push(StockInfo {
                id: st.id.value.clone(),
                region: r,
                commodity: k,
                release_col,
                refill_col,
                initial,
                capacity: st.capacity.value,
                release_rate: st.release_rate.value,
                release_price: st.release_price.value,
                refill_rate: st.refill_rate.as_ref().map_or(0.0, |x| x.value),
                refill_price: st.refill_price.as_ref().map_or(0.0, |x| x.value),
            });
        }

        // Routes and their flow columns.
        let mut corridors: Vec<String> = Vec::new();
        let mut routes = Vec::new();
        let mut flows = Vec::new();
        for rt in &f.routes {
            let from = self.region(&rt.from)?;
            let to = self.region(&rt.to)?;
            let corridor = match corridors.iter().position(|c| *c == rt.corridor.value) {
                Some(i) => i,
                None => {
                    corridors.push(rt.corridor.value.clone());
                    corridors.len() - 1
                }
            };
            let mut route_legs = Vec::new();
            let mut route_hubs = Vec::new();
            let mut here = Node::Region(from);
            let mut transit_days = 0.0;
            let mut transit: Vec<usize> = Vec::new();
            for l in &rt.legs {
                let li = *leg_index
                    .get(l.value.as_str())
                    .ok_or_else(|| err(format!("unknown leg `{}`", l.value)))?;
                let leg = &f.legs[li];
                let (a, b) = (self.node(&leg.from)?, self.node(&leg.to)?);
                let meets = |n: Node| {
                    n == here
                        || (matches!(here, Node::Region(_))
                            && self.node_region(n) == self.node_region(here))
                };
                let next = if meets(a) {
                    if let Node::Hub(h) = a {
                        route_hubs.push(h);
                    }
                    b
                } else if leg.bidirectional.as_ref().is_some_and(|x| x.value) && meets(b) {
                    if let Node::Hub(h) = b {
                        route_hubs.push(h);
                    }
                    a
                } else {
                    return Err(err(format!(
                        "route `{}`: leg `{}` does not continue the path",
                        rt.id.value, l.value
                    )));
                };
                if let Node::Hub(h) = next {
                    route_hubs.push(h);
                }
                let region = self.node_region(next);
                if region != from && region != to {
                    transit.push(region);
                }
                here = next;
                route_legs.push(li);
                transit_days += leg.transit_days.as_ref().map_or(0.0, |d| d.value);
            }
            route_hubs.sort_unstable();
            route_hubs.dedup();
            transit.sort_unstable();
            transit.dedup();
            let carried: Vec<usize> = match &rt.commodities {
                Some(list) => list
                    .iter()
                    .map(|c| self.commodity(c))
                    .collect::<Result<_, _>>()?,
                None => (0..self.commodities.len())
                    .filter(|&k| {
                        route_legs.iter().all(|&li| {
                            f.legs[li]
                                .carries
                                .iter()
                                .any(|c| c.value == self.commodities[k].id)
                        })
                    })
                    .collect(),
            };
            let extra = self.opt_param(format!("routes.{}.cost", rt.id.value), &rt.cost);
            let ri = routes.len();
            for k in carried {
                let tpu = self.commodities[k].tonnes_per_unit;
                let col = self.new_col();
                let (ro, rd) = (self.balance(from, k), self.balance(to, k));
                self.triplets.push((ro, col, -1.0));
                self.triplets.push((rd, col, 1.0));
                let mut cost_params: Vec<(ParamId, f64)> = Vec::new();
                for &li in &route_legs {
                    if let Some(row) = legs[li].row {
                        self.triplets.push((row, col, tpu));
                    }
                    cost_params.push((leg_cost[li], tpu));
                }
                for &h in &route_hubs {
                    if let Some(row) = hubs[h].row {
                        self.triplets.push((row, col, tpu));
                    }
                }
                if let Some(e) = extra {
                    cost_params.push((e, 1.0));
                }
                flows.push(FlowCol {
                    route: ri,
                    commodity: k,
                    col,
                    cost_params,
                });
            }
            routes.push(RouteInfo {
                id: rt.id.value.clone(),
                corridor,
                from,
                to,
                legs: route_legs,
                hubs: route_hubs,
                transit,
                transit_days,
            });
        }

        // Policies.
        let mut policies = Vec::new();
        for p in &f.policies {
            let info = self.policy(
                p,
                &routes,
                &flows,
                &legs,
                &hubs,
                &supply_of,
                &demand,
                &processing,
                start,
            )?;
            policies.push(info);
        }

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
            corridors,
            legs,
            hubs,
            routes,
            flows,
            supply,
            demand,
            processing,
            stockpiles,
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

    fn disruption(
        &mut self,
        kind: &str,
        id: &Sp<String>,
        d: &Option<Sp<sc::Disruption>>,
    ) -> Option<DisruptionSpec> {
        let d = d.as_ref()?;
        Some(DisruptionSpec {
            stream: self.stream(format!("{kind}.{}.disruption", id.value)),
            failure_rate: d.failure_rate.value,
            repair_days: as_dist(&d.repair_days.value),
            remaining: d.remaining.as_ref().map_or(
                sc::Dist::Empirical {
                    values: vec![0.0],
                    weights: None,
                },
                |r| as_dist(&r.value),
            ),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn policy(
        &mut self,
        p: &Sp<sc::Policy>,
        routes: &[RouteInfo],
        flows: &[FlowCol],
        legs: &[Element],
        hubs: &[Element],
        supply_of: &HashMap<(usize, usize), Vec<usize>>,
        demand: &[DemandCurve],
        processing: &[ProcessCol],
        start: (i32, u32),
    ) -> Result<PolicyInfo, CompileError> {
        let id = p.id.value.clone();
        let name = |field: &str| format!("policies.{id}.{field}");
        let first = match &p.start {
            Some(s) => {
                let (y, m) = parse_month(&s.value)?;
                (y - start.0) as f64 * 12.0 + (m as f64 - start.1 as f64)
            }
            None => 0.0,
        };
        let activation = match &p.annual_probability {
            Some(a) => Activation::Recurring {
                start: first,
                annual_probability: a.value,
                duration_months: p.duration_months.as_ref().map(|d| as_dist(&d.value)),
                stream: self.stream(format!("policies.{id}.events")),
            },
            None => Activation::Once {
                start: first,
                delay_months: self.opt_param(name("delay_months"), &p.delay_months),
                duration_months: self.opt_param(name("duration_months"), &p.duration_months),
                probability: self.opt_param(name("probability"), &p.probability),
                stream: self.stream(format!("policies.{id}.events")),
            },
        };
        let commodity = p
            .commodity
            .as_ref()
            .map(|c| self.commodity(c))
            .transpose()?;
        let matches_k = |k: usize| commodity.is_none_or(|c| c == k);
        let effect = match p.kind.value {
            sc::PolicyKind::ExportControl => {
                let exporter = self.region(
                    p.region
                        .as_ref()
                        .ok_or_else(|| err(format!("{id}: no region")))?,
                )?;
                let to: Option<Vec<usize>> =
                    p.to.as_ref()
                        .map(|t| t.iter().map(|r| self.region(r)).collect::<Result<_, _>>())
                        .transpose()?;
                let transit = p.transit.as_ref().is_some_and(|t| t.value);
                let selected: Vec<usize> = flows
                    .iter()
                    .enumerate()
                    .filter(|(_, fl)| {
                        let r = &routes[fl.route];
                        let leaves =
                            r.from == exporter || (transit && r.transit.contains(&exporter));
                        let dest_ok =
                            r.to != exporter && to.as_ref().is_none_or(|t| t.contains(&r.to));
                        leaves && dest_ok && matches_k(fl.commodity)
                    })
                    .map(|(i, _)| i)
                    .collect();
                match p.mode.as_ref().map(|m| m.value) {
                    Some(sc::ControlMode::Ban) | None => Effect::Ban { flows: selected },
                    Some(sc::ControlMode::Quota) => {
                        let row = self.new_row();
                        for &i in &selected {
                            self.triplets.push((row, flows[i].col, 1.0));
                        }
                        let (amount, fraction) = match (&p.quota, &p.quota_fraction) {
                            (Some(q), _) => (self.param(name("quota"), &q.value), false),
                            (None, Some(q)) => (self.param(name("quota_fraction"), &q.value), true),
                            (None, None) => {
                                return Err(err(format!(
                                    "{id}: quota needs quota or quota_fraction"
                                )))
                            }
                        };
                        Effect::Quota {
                            flows: selected,
                            row,
                            amount,
                            fraction,
                        }
                    }
                    Some(sc::ControlMode::License) => Effect::Friction {
                        flows: selected,
                        per_unit: self.opt_param(name("friction"), &p.friction),
                        ad_valorem: None,
                    },
                }
            }
            sc::PolicyKind::Tariff => {
                let importer = self.region(
                    p.importer
                        .as_ref()
                        .ok_or_else(|| err(format!("{id}: no importer")))?,
                )?;
                let exporter = p.exporter.as_ref().map(|e| self.region(e)).transpose()?;
                let selected = flows
                    .iter()
                    .enumerate()
                    .filter(|(_, fl)| {
                        let r = &routes[fl.route];
                        r.to == importer
                            && exporter.is_none_or(|e| r.from == e)
                            && matches_k(fl.commodity)
                    })
                    .map(|(i, _)| i)
                    .collect();
                Effect::Friction {
                    flows: selected,
                    per_unit: self.opt_param(name("per_unit"), &p.per_unit),
                    ad_valorem: self.opt_param(name("ad_valorem"), &p.ad_valorem),
                }
            }
            sc::PolicyKind::Closure => {
                let mut l: Vec<usize> =
                    self.ids(&p.legs, |id| legs.iter().position(|x| x.id == id))?;
                let mut h: Vec<usize> =
                    self.ids(&p.hubs, |id| hubs.iter().position(|x| x.id == id))?;
                if let Some(r) = &p.region {
                    let r = self.region(r)?;
                    for (i, leg) in self.f.legs.iter().enumerate() {
                        let (a, b) = (self.node(&leg.from)?, self.node(&leg.to)?);
                        if self.node_region(a) == r || self.node_region(b) == r {
                            l.push(i);
                        }
                    }
                    h.extend((0..hubs.len()).filter(|&i| self.hub_region[i] == r));
                }
                l.sort_unstable();
                l.dedup();
                h.sort_unstable();
                h.dedup();
                let through = flows
                    .iter()
                    .enumerate()
                    .filter(|(_, fl)| {
                        let r = &routes[fl.route];
                        r.legs.iter().any(|x| l.contains(x)) || r.hubs.iter().any(|x| h.contains(x))
                    })
                    .map(|(i, _)| i)
                    .collect();
                Effect::Closure {
                    legs: l,
                    hubs: h,
                    flows: through,
                }
            }
            sc::PolicyKind::CapacityChange | sc::PolicyKind::SupplyShock => {
                let target = if let Some(ls) = &p.legs {
                    CapTarget::Legs(
                        self.ids(&Some(ls.clone()), |id| legs.iter().position(|x| x.id == id))?,
                    )
                } else if let Some(hs) = &p.hubs {
                    CapTarget::Hubs(
                        self.ids(&Some(hs.clone()), |id| hubs.iter().position(|x| x.id == id))?,
                    )
                } else if let Some(pr) = &p.processing {
                    CapTarget::Process(
                        processing
                            .iter()
                            .position(|x| x.id == pr.value)
                            .ok_or_else(|| err(format!("unknown processing `{}`", pr.value)))?,
                    )
                } else {
                    let r = self.region(
                        p.region
                            .as_ref()
                            .ok_or_else(|| err(format!("{id}: no target")))?,
                    )?;
                    let mut blocks: Vec<usize> = supply_of
                        .iter()
                        .filter(|((sr, sk), _)| *sr == r && matches_k(*sk))
                        .flat_map(|(_, v)| v.iter().copied())
                        .collect();
                    blocks.sort_unstable();
                    CapTarget::Supply(blocks)
                };
                Effect::Capacity {
                    target,
                    factor: self.opt_param(name("factor"), &p.factor),
                    delta: self.opt_param(name("delta"), &p.delta),
                }
            }
            sc::PolicyKind::DemandShock => {
                let r = self.region(
                    p.region
                        .as_ref()
                        .ok_or_else(|| err(format!("{id}: no region")))?,
                )?;
                let demands = demand
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.region == r && matches_k(d.commodity))
                    .map(|(i, _)| i)
                    .collect();
                let f = p
                    .factor
                    .as_ref()
                    .ok_or_else(|| err(format!("{id}: no factor")))?;
                Effect::DemandShock {
                    demands,
                    factor: self.param(name("factor"), &f.value),
                }
            }
        };
        Ok(PolicyInfo {
            id,
            activation,
            effect,
        })
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
pub fn psd_factor(c: nalgebra::DMatrix<f64>) -> Result<Vec<f64>, CompileError> {
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

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Result<(i32, u32), CompileError> {
    let bad = || err(format!("`{s}` is not a month of the form YYYY-MM"));
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok((y, m))
}
