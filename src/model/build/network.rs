//! Hubs and legs (capacity elements with their rows and disruptions) and
//! routes (the path a route's legs take, the hubs and regions it passes, and
//! one flow column per commodity it carries).

use super::{err, Builder, CompileError, Node};
use crate::model::*;
use crate::scenario::params::{At, Element as On};
use std::collections::HashMap;

/// The hubs and the legs, and each leg's cost slot.
pub(super) struct Elements {
    pub hubs: Vec<Element>,
    pub legs: Vec<Element>,
    pub leg_cost: Vec<ParamId>,
}

/// The routes, their corridor tags and their flow columns.
pub(super) struct Routes {
    pub corridors: Vec<String>,
    pub routes: Vec<RouteInfo>,
    pub flows: Vec<FlowCol>,
}

impl Builder<'_> {
    /// Hubs, then legs: their capacity rows come first, so row numbers do
    /// not depend on the rest of the world.
    pub(super) fn elements(&mut self) -> Result<Elements, CompileError> {
        let f = self.f;
        let mut hubs = Vec::new();
        for (h, hub) in f.hubs.iter().enumerate() {
            let region = self.region(&hub.region)?;
            self.hub_region.push(region);
            self.nodes.insert(hub.id.value.clone(), Node::Hub(h));
            let capacity = self.slot(At::HubCapacity(h));
            let row = capacity.map(|_| self.new_row());
            let disruption = self.disruption("hubs", &hub.id, &hub.disruption, On::Hub(h))?;
            hubs.push(Element {
                id: hub.id.value.clone(),
                capacity,
                row,
                disruption,
            });
        }
        let mut legs = Vec::new();
        let mut leg_cost = Vec::new();
        for (l, leg) in f.legs.iter().enumerate() {
            let capacity = Some(self.need(At::LegCapacity(l))?);
            leg_cost.push(self.need(At::LegCost(l))?);
            let row = Some(self.new_row());
            let disruption = self.disruption("legs", &leg.id, &leg.disruption, On::Leg(l))?;
            legs.push(Element {
                id: leg.id.value.clone(),
                capacity,
                row,
                disruption,
            });
        }

        Ok(Elements {
            hubs,
            legs,
            leg_cost,
        })
    }

    /// Routes: each leg is oriented greedily, forward first (as validation
    /// checks it), and each commodity the route carries gets a flow column
    /// that uses the balance rows of its ends and the capacity rows of its
    /// legs and hubs.
    pub(super) fn routes(&mut self, e: &Elements) -> Result<Routes, CompileError> {
        let (legs, hubs, leg_cost) = (&e.legs, &e.hubs, &e.leg_cost);
        let f = self.f;
        let leg_index: HashMap<&str, usize> = f
            .legs
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.value.as_str(), i))
            .collect();
        let mut corridors: Vec<String> = Vec::new();
        let mut routes = Vec::new();
        let mut flows = Vec::new();
        for (i, rt) in f.routes.iter().enumerate() {
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
            let extra = self.slot(At::RouteCost(i));
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

        Ok(Routes {
            corridors,
            routes,
            flows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::compiled;
    use crate::dist::Dist;
    use crate::model::*;
    use crate::scenario::fixture::{patch, with, WORLD};

    /// A hub `H` in a third region `AZ` with a capacity and a disruption,
    /// and a route `via` from `KZ` to `CN` over two legs through it.
    const VIA_HUB: &str = r#"
[[commodities]]
id = "ore"
unit = "kt"
reference_price = 50.0
tonnes_per_unit = 2.0

[[regions]]
id = "AZ"

[[hubs]]
id = "H"
region = "AZ"
capacity = 50.0
disruption = { failure_rate = 0.5, repair_days = 10, remaining = { dist = "uniform", min = 0.2, max = 0.4 } }

[[legs]]
id = "in"
from = "KZ"
to = "H"
mode = "rail"
capacity = 300.0
cost = 4.0
transit_days = 3
carries = ["oil", "ore"]

[[legs]]
id = "out"
from = "CN"
to = "H"
mode = "ferry"
capacity = 200.0
cost = 6.0
transit_days = 2
bidirectional = true
carries = ["oil", "ore"]

[[routes]]
id = "via"
from = "KZ"
to = "CN"
legs = ["in", "out"]
corridor = "middle"
cost = 1.5
"#;

    #[test]
    fn a_leg_has_its_capacity_slot_and_row() {
        let m = compiled(WORLD);
        assert_eq!(m.legs.len(), 1);
        let pipe = &m.legs[0];
        assert_eq!(pipe.id, "pipe");
        // Capacity rows come first: the leg's is row 0.
        assert_eq!((pipe.capacity, pipe.row), (Some(0), Some(0)));
        assert_eq!(m.params[0], 1000.0);
        assert!(pipe.disruption.is_none());
        assert!(m.hubs.is_empty() && m.streams.is_empty());
    }

    #[test]
    fn an_uncertain_leg_capacity_is_a_named_uncertainty_in_its_slot() {
        let m = compiled(&patch(&[(
            "capacity = 1000.0",
            "capacity = { dist = \"uniform\", min = 500, max = 1500 }",
        )]));
        assert_eq!(m.uncertain.len(), 1);
        let u = &m.uncertain[0];
        assert_eq!((u.name.as_str(), u.param), ("legs.pipe.capacity", 0));
        assert_eq!(
            u.dist,
            Dist::Uniform {
                min: 500.0,
                max: 1500.0
            }
        );
        // The slot holds the expected value until a trial draws it.
        assert_eq!(m.params[0], 1000.0);
    }

    #[test]
    fn hubs_come_before_legs_and_carry_their_disruption() {
        let m = compiled(&with(VIA_HUB));
        let h = &m.hubs[0];
        // Hub capacity is the first slot and the first row.
        assert_eq!((h.id.as_str(), h.capacity, h.row), ("H", Some(0), Some(0)));
        assert_eq!(m.params[0], 50.0);
        let legs: Vec<(&str, Option<ParamId>, Option<usize>)> = m
            .legs
            .iter()
            .map(|l| (l.id.as_str(), l.capacity, l.row))
            .collect();
        // Slots: pipe capacity 1, pipe cost 2, in 3 and 4, out 5 and 6.
        assert_eq!(
            legs,
            [
                ("pipe", Some(1), Some(1)),
                ("in", Some(3), Some(2)),
                ("out", Some(5), Some(3))
            ]
        );
        let d = h.disruption.as_ref().expect("disruption");
        assert_eq!(m.streams[d.stream], "hubs.H.disruption");
        assert_eq!(d.failure_rate, 0.5);
        let one = |v: f64| Dist::Empirical {
            values: vec![v],
            weights: None,
        };
        assert_eq!(d.repair_days, one(10.0));
        assert_eq!(d.remaining, Dist::Uniform { min: 0.2, max: 0.4 });
        // Per-event draws have no slot and are no per-trial uncertainty.
        assert!(m.uncertain.is_empty());
    }

    #[test]
    fn a_direct_route_has_one_flow_column_over_its_leg() {
        let m = compiled(WORLD);
        let r = &m.routes[0];
        assert_eq!((r.id.as_str(), r.from, r.to), ("direct", 0, 1));
        assert_eq!((r.legs.as_slice(), r.hubs.as_slice()), (&[0][..], &[][..]));
        assert!(r.transit.is_empty());
        assert_eq!(m.corridors, ["china_direct"]);
        // Columns: 4 supply blocks, 7 demand blocks, then the flow.
        assert_eq!(m.flows.len(), 1);
        let f = &m.flows[0];
        assert_eq!((f.route, f.commodity, f.col), (0, 0, 11));
        assert_eq!(f.cost_params, [(1, 1.0)]);
        let col: Vec<(usize, f64)> =
            m.lp.triplets
                .iter()
                .filter(|t| t.1 == 11)
                .map(|t| (t.0, t.2))
                .collect();
        // Out of KZ's balance row (1), into CN's (2), through the leg's row (0).
        assert_eq!(col, [(1, -1.0), (2, 1.0), (0, 1.0)]);
    }

    #[test]
    fn a_route_through_a_hub_uses_its_rows_and_its_legs_costs_per_tonne() {
        let m = compiled(&with(VIA_HUB));
        let r = &m.routes[1];
        assert_eq!(r.id, "via");
        // `out` is travelled backwards (bidirectional), from the hub to CN.
        assert_eq!(
            (r.legs.as_slice(), r.hubs.as_slice()),
            (&[1, 2][..], &[0][..])
        );
        let az = m.region("AZ").expect("AZ");
        assert_eq!(r.transit, [az]);
        assert_eq!(r.transit_days, 5.0);
        assert_eq!(m.corridors[r.corridor], "middle");
        let flows: Vec<&FlowCol> = m.flows.iter().filter(|f| f.route == 1).collect();
        assert_eq!(flows.len(), 2, "oil and ore");
        let ore = flows
            .iter()
            .find(|f| m.commodities[f.commodity].id == "ore")
            .expect("ore flow");
        // Leg costs are per tonne (2 tonnes per unit of ore); the route's
        // own cost (slot 10, after supply's and demand's) is per unit.
        assert_eq!(ore.cost_params, [(4, 2.0), (6, 2.0), (10, 1.0)]);
        assert_eq!(m.params[10], 1.5);
        let rows: Vec<(usize, f64)> =
            m.lp.triplets
                .iter()
                .filter(|t| t.1 == ore.col)
                .map(|t| (t.0, t.2))
                .collect();
        let (hub, leg_in, leg_out) = (0, 2, 3);
        assert!(rows.contains(&(hub, 2.0)), "{rows:?}");
        assert!(rows.contains(&(leg_in, 2.0)) && rows.contains(&(leg_out, 2.0)));
        assert_eq!(rows.len(), 5, "two balance rows, two legs, one hub");
    }
}
