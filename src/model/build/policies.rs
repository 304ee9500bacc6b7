//! Policies: when each applies (`Activation`) and what it does (`Effect`),
//! its targets resolved to indices of flows, legs, hubs, supply blocks,
//! demand curves or plants.

use super::market::Supply;
use super::network::{Elements, Routes};
use super::{err, month, Builder, CompileError};
use crate::model::*;
use crate::scenario as sc;
use crate::scenario::params::{At, PolicyField};

impl Builder<'_> {
    /// A licence on `flows`: a friction, or with a lag a queue of approvals
    /// whose bound is a new LP row over the flows.
    fn licence(&mut self, i: usize, flows: Vec<usize>, cols: &[usize]) -> Effect {
        let field = |f: PolicyField| At::Policy(i, f);
        let per_unit = self.slot(field(PolicyField::Friction));
        let Some(lag_days) = self.slot(field(PolicyField::LagDays)) else {
            return Effect::Friction {
                flows,
                per_unit,
                ad_valorem: None,
            };
        };
        let row = self.new_row();
        self.triplets.extend(cols.iter().map(|&c| (row, c, 1.0)));
        let units = self.slot(field(PolicyField::Throughput));
        let share = self.slot(field(PolicyField::ThroughputFraction));
        Effect::Licence {
            flows,
            row,
            lag_days,
            throughput: units.or(share),
            fraction: units.is_none() && share.is_some(),
            per_unit,
        }
    }
}

/// What a policy's targets resolve against: everything compiled before it.
pub(super) struct World<'w> {
    pub elements: &'w Elements,
    pub routes: &'w Routes,
    pub supply: &'w Supply,
    pub demand: &'w [DemandCurve],
    pub processing: &'w [ProcessCol],
}

impl Builder<'_> {
    /// Policy `i` of the scenario, whose targets resolve to the indices
    /// of `w`; `start` is the horizon's first month.
    pub(super) fn policy(
        &mut self,
        i: usize,
        w: &World,
        start: (i32, u32),
    ) -> Result<PolicyInfo, CompileError> {
        let p = &self.f.policies[i];
        let (routes, flows) = (&w.routes.routes, &w.routes.flows);
        let (legs, hubs) = (&w.elements.legs, &w.elements.hubs);
        let (supply_of, demand, processing) = (&w.supply.of, w.demand, w.processing);
        let id = p.id.value.clone();
        let field = |f: PolicyField| At::Policy(i, f);
        let first = match &p.start {
            Some(s) => {
                let (y, m) = month(&s.value)?;
                (y - start.0) as f64 * 12.0 + (m as f64 - start.1 as f64)
            }
            None => 0.0,
        };
        let activation = match &p.annual_probability {
            Some(a) => Activation::Recurring {
                start: first,
                annual_probability: a.value,
                duration_months: self.per_event(field(PolicyField::DurationMonths)),
                stream: self.stream(format!("policies.{id}.events")),
            },
            None => Activation::Once {
                start: first,
                delay_months: self.slot(field(PolicyField::DelayMonths)),
                duration_months: self.slot(field(PolicyField::DurationMonths)),
                probability: self.slot(field(PolicyField::Probability)),
                stream: self.stream(format!("policies.{id}.events")),
            },
        };
        // `commodity` is one id or a list (absent: every commodity).
        let listed = sc::recipe::ids(&p.commodity)
            .iter()
            .map(|c| self.commodity(c))
            .collect::<Result<Vec<usize>, _>>()?;
        let matches_k = |k: usize| listed.is_empty() || listed.contains(&k);
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
                        let quota = self.slot(field(PolicyField::Quota));
                        let quota_fraction = self.slot(field(PolicyField::QuotaFraction));
                        let (amount, fraction) = match (quota, quota_fraction) {
                            (Some(q), _) => (q, false),
                            (None, Some(q)) => (q, true),
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
                    Some(sc::ControlMode::License) => {
                        let cols: Vec<usize> = selected.iter().map(|&f| flows[f].col).collect();
                        self.licence(i, selected, &cols)
                    }
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
                    per_unit: self.slot(field(PolicyField::PerUnit)),
                    ad_valorem: self.slot(field(PolicyField::AdValorem)),
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
                // With `to`, only cargo bound there is stopped: the legs and
                // hubs stay open (their capacity rows untouched) to the rest.
                let to = self.ids(&p.to, |id| self.regions.iter().position(|r| r == id))?;
                let bound = |dest: usize| to.is_empty() || to.contains(&dest);
                let through = flows
                    .iter()
                    .enumerate()
                    .filter(|(_, fl)| {
                        let r = &routes[fl.route];
                        bound(r.to)
                            && (r.legs.iter().any(|x| l.contains(x))
                                || r.hubs.iter().any(|x| h.contains(x)))
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !to.is_empty() {
                    (l, h) = (Vec::new(), Vec::new());
                }
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
                    factor: self.slot(field(PolicyField::Factor)),
                    delta: self.slot(field(PolicyField::Delta)),
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
                let factor = self
                    .slot(field(PolicyField::Factor))
                    .ok_or_else(|| err(format!("{id}: no factor")))?;
                Effect::DemandShock { demands, factor }
            }
        };
        Ok(PolicyInfo {
            id,
            activation,
            effect,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::compiled;
    use crate::dist::Dist;
    use crate::model::*;
    use crate::scenario::fixture::policy;

    /// The one policy of the fixture world with policy `p` of these fields.
    fn only(body: &str) -> (CompiledModel, PolicyInfo) {
        let m = compiled(&policy(body));
        let p = m.policies[0].clone();
        (m, p)
    }

    /// The fixture world's slots are 0 to 4 (leg, supply, demand); a
    /// policy's come next.
    const FIRST: ParamId = 5;

    #[test]
    fn an_export_ban_stops_the_flows_leaving_its_region() {
        let (m, p) = only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"ban\"\nprobability = 0.4\nduration_months = 6\n");
        assert_eq!(p.id, "p");
        assert!(matches!(p.effect, Effect::Ban { ref flows } if flows == &[0]));
        match p.activation {
            Activation::Once {
                stream,
                start,
                probability,
                duration_months,
                delay_months,
            } => {
                assert_eq!(start, 0.0);
                assert_eq!(delay_months, None);
                assert_eq!(
                    (duration_months, probability),
                    (Some(FIRST), Some(FIRST + 1))
                );
                assert_eq!(m.params[FIRST..], [6.0, 0.4]);
                assert_eq!(m.streams[stream], "policies.p.events");
            }
            other => panic!("{other:?}"),
        }
        // Exports from CN: none of the world's flows.
        let (_, cn) = only("type = \"export_control\"\nregion = \"CN\"\nmode = \"ban\"\n");
        assert!(matches!(cn.effect, Effect::Ban { ref flows } if flows.is_empty()));
    }

    #[test]
    fn a_quota_is_a_new_row_over_its_flows() {
        let (m, p) = only(
            "type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\nquota_fraction = 0.25\n",
        );
        let Effect::Quota {
            flows,
            row,
            amount,
            fraction,
        } = p.effect
        else {
            panic!("{:?}", p.effect)
        };
        assert_eq!(
            (flows.as_slice(), amount, fraction),
            (&[0][..], FIRST, true)
        );
        assert_eq!(row, m.lp.nrows - 1, "added after the world's rows");
        assert!(m.lp.triplets.contains(&(row, m.flows[0].col, 1.0)));
        assert_eq!(m.params[FIRST], 0.25);
        let (_, p) =
            only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\nquota = 30\n");
        assert!(matches!(
            p.effect,
            Effect::Quota {
                amount: FIRST,
                fraction: false,
                ..
            }
        ));
    }

    #[test]
    fn licences_and_tariffs_add_friction_to_their_flows() {
        let (_, p) =
            only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\nfriction = 15\n");
        assert!(matches!(
            p.effect,
            Effect::Friction { ref flows, per_unit: Some(FIRST), ad_valorem: None } if flows == &[0]
        ));
        let (m, p) = only("type = \"tariff\"\nimporter = \"CN\"\nexporter = \"KZ\"\nper_unit = 3\nad_valorem = 0.1\n");
        assert!(matches!(
            p.effect,
            Effect::Friction { ref flows, per_unit: Some(FIRST), ad_valorem: Some(a) } if flows == &[0] && a == FIRST + 1
        ));
        assert_eq!(m.params[FIRST..], [3.0, 0.1]);
        let (_, p) = only("type = \"tariff\"\nimporter = \"KZ\"\nper_unit = 3\n");
        assert!(matches!(p.effect, Effect::Friction { ref flows, .. } if flows.is_empty()));
    }

    #[test]
    fn a_licence_with_a_lag_is_a_queue_with_its_own_row() {
        let (m, p) = only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\nfriction = 15\nlag_days = 63\nthroughput_fraction = 0.7\n");
        let Effect::Licence {
            flows,
            row,
            lag_days,
            throughput,
            fraction,
            per_unit,
        } = p.effect
        else {
            panic!("{:?}", p.effect)
        };
        // Slots in the table's order: friction, lag_days, throughput_fraction.
        assert_eq!(
            (flows.as_slice(), per_unit, lag_days, throughput, fraction),
            (&[0][..], Some(FIRST), FIRST + 1, Some(FIRST + 2), true)
        );
        assert_eq!(m.params[FIRST..], [15.0, 63.0, 0.7]);
        assert_eq!(row, m.lp.nrows - 1, "added after the world's rows");
        assert!(m.lp.triplets.contains(&(row, m.flows[0].col, 1.0)));
        let (_, p) = only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\nlag_days = 10\nthroughput = 500\n");
        assert!(matches!(
            p.effect,
            Effect::Licence {
                per_unit: None,
                throughput: Some(_),
                fraction: false,
                ..
            }
        ));
        let (_, p) =
            only("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\nlag_days = 10\n");
        assert!(matches!(
            p.effect,
            Effect::Licence {
                throughput: None,
                ..
            }
        ));
    }

    #[test]
    fn a_closure_stops_the_flows_over_its_legs_or_in_its_region() {
        let (_, p) = only("type = \"closure\"\nlegs = [\"pipe\"]\n");
        assert!(matches!(
            p.effect,
            Effect::Closure { ref legs, ref hubs, ref flows } if legs == &[0] && hubs.is_empty() && flows == &[0]
        ));
        let (_, p) = only("type = \"closure\"\nregion = \"CN\"\n");
        assert!(matches!(p.effect, Effect::Closure { ref legs, .. } if legs == &[0]));
        // Closed to cargo for `KZ` only: the pipeline's one route goes to
        // `CN`, so nothing stops and the pipeline stays open.
        let (_, p) = only("type = \"closure\"\nlegs = [\"pipe\"]\nto = [\"KZ\"]\n");
        assert!(matches!(
            p.effect,
            Effect::Closure { ref legs, ref hubs, ref flows } if legs.is_empty() && hubs.is_empty() && flows.is_empty()
        ));
        let (_, p) = only("type = \"closure\"\nlegs = [\"pipe\"]\nto = [\"CN\"]\n");
        assert!(matches!(
            p.effect,
            Effect::Closure { ref legs, ref flows, .. } if legs.is_empty() && flows == &[0]
        ));
    }

    #[test]
    fn capacity_changes_and_shocks_resolve_their_targets() {
        let (m, p) = only("type = \"capacity_change\"\nlegs = [\"pipe\"]\nfactor = 0.5\n");
        assert!(matches!(
            p.effect,
            Effect::Capacity { target: CapTarget::Legs(ref l), factor: Some(FIRST), delta: None } if l == &[0]
        ));
        assert_eq!(m.params[FIRST], 0.5);
        let (_, p) =
            only("type = \"capacity_change\"\nregion = \"KZ\"\ncommodity = \"oil\"\ndelta = 40\n");
        assert!(matches!(
            p.effect,
            Effect::Capacity { target: CapTarget::Supply(ref b), factor: None, delta: Some(FIRST) } if b == &[0, 1, 2, 3]
        ));
        let (_, p) = only("type = \"supply_shock\"\nregion = \"KZ\"\nfactor = 0.7\n");
        assert!(matches!(
            p.effect,
            Effect::Capacity { target: CapTarget::Supply(ref b), factor: Some(FIRST), .. } if b.len() == 4
        ));
        let (m, p) = only("type = \"demand_shock\"\nregion = \"CN\"\nfactor = 0.8\n");
        assert!(
            matches!(p.effect, Effect::DemandShock { ref demands, factor: FIRST } if demands == &[0])
        );
        assert_eq!(m.params[FIRST], 0.8);
    }

    #[test]
    fn a_recurring_policy_draws_its_duration_at_each_start() {
        let (m, p) = only("type = \"closure\"\nlegs = [\"pipe\"]\nstart = \"2026-07\"\nannual_probability = 0.2\nduration_months = { dist = \"uniform\", min = 1, max = 3 }\n");
        match p.activation {
            Activation::Recurring {
                start,
                annual_probability,
                duration_months,
                stream,
            } => {
                assert_eq!((start, annual_probability), (6.0, 0.2));
                assert_eq!(duration_months, Some(Dist::Uniform { min: 1.0, max: 3.0 }));
                assert_eq!(m.streams[stream], "policies.p.events");
            }
            other => panic!("{other:?}"),
        }
        // Drawn per event: no slot and no per-trial uncertainty.
        assert_eq!(m.params.len(), FIRST);
        assert!(m.uncertain.is_empty());
    }
}
