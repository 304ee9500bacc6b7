//! The market: supply blocks, demand curves, processing plants and
//! stockpiles, each a set of columns on the balance rows of its region and
//! commodity.

use super::{Builder, CompileError};
use crate::model::*;
use crate::scenario::params::At;
use crate::scenario::recipe;
use crate::scenario::schema;
use crate::scenario::span::Sp;
use std::collections::HashMap;

/// A scenario's band as the curve code takes it.
fn band(b: &Option<Sp<schema::Band>>) -> Option<curve::Band> {
    b.as_ref().map(|b| curve::Band::new(&b.value))
}

/// Supply block columns, and the blocks of each (region, commodity).
pub(super) struct Supply {
    pub cols: Vec<SupplyCol>,
    pub of: HashMap<(usize, usize), Vec<usize>>,
}

impl Builder<'_> {
    /// Supply: a linear cost curve cut into `blocks` blocks, or one block
    /// per explicit step.
    pub(super) fn supply(&mut self) -> Result<Supply, CompileError> {
        let f = self.f;
        let mut supply = Vec::new();
        let mut supply_of: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (e, s) in f.supply.iter().enumerate() {
            let (r, k) = (self.region(&s.region)?, self.commodity(&s.commodity)?);
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
                for (i, expected) in expected.iter().enumerate() {
                    let cap = self.need(At::StepCapacity(e, i))?;
                    let cost = self.need(At::StepCost(e, i))?;
                    let delta_share = if total > 0.0 {
                        expected / total
                    } else {
                        1.0 / steps.len() as f64
                    };
                    add(self, cap, 1.0, delta_share, CostRef::Param(cost));
                }
            } else if let (Some(p0), Some(eps)) = (&s.price, &s.elasticity) {
                // A constant-elasticity curve: its blocks are shares of its
                // capacity, fixed here (validation asks for numbers), and a
                // capacity change's delta is spread in proportion to them.
                let cap = self.need(At::SupplyCapacity(e))?;
                let capacity = s.capacity.as_ref().map_or(0.0, |c| c.value.expected());
                let q0 = s.quantity.as_ref().map_or(0.0, |q| q.value);
                let (p0, eps) = (p0.value, eps.value);
                let floor = s.floor.as_ref().map_or(0.5, |x| x.value);
                let coarse = s.blocks.as_ref().map_or(4, |b| b.value).max(1) as usize;
                let top = curve::supply_top(q0, p0, eps, capacity);
                let grid = curve::Grid::supply(p0, floor * p0, top, coarse, band(&s.band));
                let blocks = curve::supply_blocks(q0, p0, eps, capacity, &grid);
                let total: f64 = blocks.iter().map(|b| b.0).sum();
                for (width, cost) in blocks {
                    let share = if capacity > 0.0 {
                        width / capacity
                    } else {
                        0.0
                    };
                    let delta_share = if total > 0.0 { width / total } else { 0.0 };
                    add(self, cap, share, delta_share, CostRef::Value(cost));
                }
            } else {
                let cap = self.need(At::SupplyCapacity(e))?;
                let [lo, hi] = s.cost.as_ref().map_or([0.0, 0.0], |c| c.value);
                let n = s.blocks.as_ref().map_or(4, |b| b.value).max(1) as usize;
                for b in 0..n {
                    // Block b costs the linear marginal cost at its midpoint, so the
                    // stepped curve has the same total cost as the linear one.
                    let c = lo + (hi - lo) * (b as f64 + 0.5) / n as f64;
                    add(self, cap, 1.0 / n as f64, 1.0 / n as f64, CostRef::Value(c));
                }
            }
        }

        Ok(Supply {
            cols: supply,
            of: supply_of,
        })
    }

    /// Demand curves: `blocks` priced blocks plus one essential block.
    pub(super) fn demand(&mut self) -> Result<Vec<DemandCurve>, CompileError> {
        let f = self.f;
        let mut demand = Vec::new();
        for (i, d) in f.demand.iter().enumerate() {
            let (r, k) = (self.region(&d.region)?, self.commodity(&d.commodity)?);
            let quantity = self.need(At::DemandQuantity(i))?;
            let choke = self.need(At::ChokePrice(i))?;
            let coarse = d.blocks.as_ref().map_or(6, |b| b.value).max(1) as usize;
            let band = band(&d.band);
            // The grid's shape, not its prices (the choke is drawn per trial).
            let blocks = curve::Grid::demand(1.0, 0.5, 2.0, coarse, band).blocks();
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
                band,
            });
        }

        Ok(demand)
    }

    /// Processing plants: one column of activity per plant, `-amount` on
    /// each input's balance row and `+amount` on each output's (the
    /// shorthand's `-1/yield` and `+1`, see `scenario::recipe`).
    pub(super) fn processing(&mut self) -> Result<Vec<ProcessCol>, CompileError> {
        let f = self.f;
        let mut processing = Vec::new();
        for (i, p) in f.processing.iter().enumerate() {
            let r = self.region(&p.region)?;
            let recipe = recipe::recipe(p)
                .ok_or_else(|| super::err(format!("processing `{}`: no recipe", p.id.value)))?;
            let side = |b: &mut Self, items: &[recipe::Item]| {
                items
                    .iter()
                    .map(|it| Ok((b.commodity(it.commodity)?, it.amount)))
                    .collect::<Result<Vec<_>, CompileError>>()
            };
            let inputs = side(self, &recipe.inputs)?;
            let outputs = side(self, &recipe.outputs)?;
            let cap = self.need(At::ProcessingCapacity(i))?;
            let cost = self.need(At::ProcessingCost(i))?;
            let col = self.new_col();
            for &(k, a) in &inputs {
                let row = self.balance(r, k);
                self.triplets.push((row, col, -a));
            }
            for &(k, a) in &outputs {
                let row = self.balance(r, k);
                self.triplets.push((row, col, a));
            }
            processing.push(ProcessCol {
                id: p.id.value.clone(),
                region: r,
                inputs,
                outputs,
                col,
                cap,
                cost,
            });
        }

        Ok(processing)
    }

    /// Free disposal where a plant makes several products: one column per
    /// (region, joint product), in plant order. A plant with one output
    /// simply runs less when its output is worth less than its inputs; a
    /// joint product has no such way out (heavy oxide comes with the NdPr),
    /// so without disposal its price would go negative and drag the plant
    /// down. Plants with one output (the shorthand included) get none.
    pub(super) fn disposal(&mut self, plants: &[ProcessCol]) -> Vec<DisposalCol> {
        let mut out: Vec<DisposalCol> = Vec::new();
        for p in plants.iter().filter(|p| p.outputs.len() > 1) {
            for &(k, _) in &p.outputs {
                if out.iter().any(|d| (d.region, d.commodity) == (p.region, k)) {
                    continue;
                }
                let (row, col) = (self.balance(p.region, k), self.new_col());
                self.triplets.push((row, col, -1.0));
                out.push(DisposalCol {
                    region: p.region,
                    commodity: k,
                    col,
                });
            }
        }
        out
    }

    /// Stockpiles: a release and a refill column each.
    pub(super) fn stockpiles(&mut self) -> Result<Vec<StockInfo>, CompileError> {
        let f = self.f;
        let mut stockpiles = Vec::new();
        for (i, st) in f.stockpiles.iter().enumerate() {
            let (r, k) = (self.region(&st.region)?, self.commodity(&st.commodity)?);
            let row = self.balance(r, k);
            let release_col = self.new_col();
            self.triplets.push((row, release_col, 1.0));
            let refill_col = self.new_col();
            self.triplets.push((row, refill_col, -1.0));
            let initial = self.need(At::StockpileInitial(i))?;
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

        Ok(stockpiles)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::compiled;
    use crate::model::*;
    use crate::scenario::fixture::{patch, with, WORLD};

    /// The fixture world's supply given as two explicit steps, the second
    /// one's cost uncertain.
    fn stepped() -> CompiledModel {
        compiled(&patch(&[(
            "capacity = 100.0\ncost = [100.0, 300.0]",
            "steps = [{ capacity = 60, cost = 10 }, { capacity = 20, cost = { dist = \"uniform\", min = 5, max = 15 } }]",
        )]))
    }

    #[test]
    fn a_linear_supply_curve_is_cut_into_blocks_priced_at_their_midpoints() {
        let m = compiled(WORLD);
        assert_eq!(m.supply.len(), 4, "the default 4 blocks");
        let kz_oil = m.lp.balance_row[0].expect("KZ oil row");
        assert_eq!(kz_oil, 1, "after the leg's capacity row");
        for (b, s) in m.supply.iter().enumerate() {
            assert_eq!((s.region, s.commodity, s.col, s.cap), (0, 0, b, 2));
            assert_eq!((s.share, s.delta_share), (0.25, 0.25));
            match s.cost {
                CostRef::Value(c) => assert_eq!(c, 100.0 + 200.0 * (b as f64 + 0.5) / 4.0),
                CostRef::Param(p) => panic!("block {b} costs slot {p}"),
            }
            assert!(m.lp.triplets.contains(&(kz_oil, b, 1.0)));
        }
        assert_eq!(m.params[2], 100.0);
    }

    #[test]
    fn explicit_steps_are_one_block_each_with_their_own_slots() {
        let m = stepped();
        assert_eq!(m.supply.len(), 2);
        let (a, b) = (&m.supply[0], &m.supply[1]);
        // Slots: leg capacity 0 and cost 1, then each step's capacity and cost.
        assert_eq!((a.cap, a.share), (2, 1.0));
        assert_eq!((b.cap, b.share), (4, 1.0));
        assert!(matches!(a.cost, CostRef::Param(3)));
        assert!(matches!(b.cost, CostRef::Param(5)));
        assert_eq!(m.params[2..6], [60.0, 10.0, 20.0, 10.0]);
        // A capacity change's delta is spread by expected capacity.
        assert_eq!((a.delta_share, b.delta_share), (0.75, 0.25));
        let u: Vec<(&str, ParamId)> = m
            .uncertain
            .iter()
            .map(|u| (u.name.as_str(), u.param))
            .collect();
        assert_eq!(u, [("supply.KZ.oil.steps.1.cost", 5)]);
    }

    #[test]
    fn an_elastic_supply_curve_is_blocks_of_its_capacity_through_the_reference_point() {
        let m = compiled(&patch(&[(
            "capacity = 100.0\ncost = [100.0, 300.0]",
            "quantity = 90.0\nprice = 200.0\nelasticity = 0.1\ncapacity = 100.0\nband = { step = 0.01, below = 0.05, above = 0.10 }",
        )]));
        // Base block, 1 coarse below, 6 + 10 + 1 in the band, 3 coarse above.
        assert_eq!(m.supply.len(), 1 + 1 + 17 + 3);
        let total: f64 = m.supply.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "all of the capacity: {total}");
        let delta: f64 = m.supply.iter().map(|s| s.delta_share).sum();
        assert!((delta - 1.0).abs() < 1e-9);
        let cost = |s: &SupplyCol| match s.cost {
            CostRef::Value(c) => c,
            CostRef::Param(p) => panic!("slot {p}"),
        };
        // Output offered up to the block that costs the reference price
        // spans the reference output of 90.
        let below: f64 = m
            .supply
            .iter()
            .filter(|s| cost(s) < 199.999)
            .map(|s| s.share * 100.0)
            .sum();
        let at: f64 = m
            .supply
            .iter()
            .filter(|s| cost(s) < 200.001)
            .map(|s| s.share * 100.0)
            .sum();
        assert!(below < 90.0 && 90.0 < at, "{below} < 90 < {at}");
        assert!(m.supply.windows(2).all(|w| cost(&w[0]) < cost(&w[1])));
    }

    #[test]
    fn a_demand_band_adds_its_fine_blocks() {
        let m = compiled(&patch(&[(
            "choke_price = 5000.0",
            "choke_price = 5000.0\nband = { step = 0.01, below = 0.05, above = 0.10 }",
        )]));
        let d = &m.demand[0];
        assert_eq!(d.blocks, 6 + 16);
        assert_eq!(d.band.map(|b| (b.below, b.above)), Some((6, 10)));
    }

    #[test]
    fn a_demand_curve_has_its_blocks_and_an_essential_block() {
        let m = compiled(WORLD);
        let d = &m.demand[0];
        assert_eq!((d.region, d.commodity), (1, 0));
        // Slots 3 and 4 after the leg's two and supply's one.
        assert_eq!((d.quantity, d.choke), (3, 4));
        assert_eq!((m.params[3], m.params[4]), (80.0, 5000.0));
        assert_eq!((d.price, d.elasticity, d.floor), (500.0, -0.3, 0.5));
        assert_eq!((d.first_col, d.blocks), (4, 6));
        let cn_oil = m.lp.balance_row[m.commodities.len()].expect("CN oil row");
        let cols: Vec<usize> =
            m.lp.triplets
                .iter()
                .filter(|t| t.0 == cn_oil && t.2 == -1.0)
                .map(|t| t.1)
                .collect();
        assert_eq!(
            cols,
            (4..=10).collect::<Vec<_>>(),
            "6 priced blocks and the essential one"
        );
    }

    #[test]
    fn a_plant_turns_its_input_row_into_its_output_row() {
        let m = compiled(&with(
            "[[commodities]]\nid = \"crude\"\nunit = \"kt\"\nreference_price = 300.0\n\n[[processing]]\nid = \"refinery\"\nregion = \"KZ\"\ninput = \"crude\"\noutput = \"oil\"\ncapacity = 40.0\ncost = 12.0\nyield = 0.8\n",
        ));
        let p = &m.processing[0];
        let (oil, crude) = (m.commodity("oil").unwrap(), m.commodity("crude").unwrap());
        assert_eq!(
            (p.id.as_str(), p.region, &p.inputs[..], &p.outputs[..]),
            ("refinery", 0, &[(crude, 1.0 / 0.8)][..], &[(oil, 1.0)][..])
        );
        assert_eq!((m.params[p.cap], m.params[p.cost]), (40.0, 12.0));
        let k = m.commodities.len();
        let row = |r: usize, c: usize| m.lp.balance_row[r * k + c].expect("balance row");
        let column: Vec<_> = m.lp.triplets.iter().filter(|t| t.1 == p.col).collect();
        assert_eq!(
            column,
            [
                &(row(0, crude), p.col, -1.0 / 0.8),
                &(row(0, oil), p.col, 1.0)
            ]
        );
    }

    /// A separation plant (one input, three outputs) and a magnet plant
    /// (two inputs, one output), as in issue #18.
    pub(crate) const RECIPES: &str = "[[commodities]]\nid = \"conc\"\nunit = \"t\"\nreference_price = 1\n[[commodities]]\nid = \"ndpr\"\nunit = \"t\"\nreference_price = 1\n[[commodities]]\nid = \"heavy\"\nunit = \"t\"\nreference_price = 1\n[[commodities]]\nid = \"magnets\"\nunit = \"t\"\nreference_price = 1\n[[processing]]\nid = \"sep\"\nregion = \"CN\"\ninputs = [{ commodity = \"conc\", amount = 1.0 }]\noutputs = [{ commodity = \"ndpr\", amount = 0.2 }, { commodity = \"heavy\", amount = 0.01 }, { commodity = \"oil\", amount = 0.5 }]\ncapacity = 100\ncost = 3\n[[processing]]\nid = \"mag\"\nregion = \"KZ\"\ninputs = [{ commodity = \"ndpr\", amount = 0.31 }, { commodity = \"heavy\", amount = 0.012 }]\noutputs = [{ commodity = \"magnets\", amount = 1.0 }]\ncapacity = 300\ncost = 15\n";

    #[test]
    fn a_recipe_takes_each_input_and_gives_each_output_per_unit_of_activity() {
        let m = compiled(&with(RECIPES));
        let k = m.commodities.len();
        let c = |id: &str| m.commodity(id).unwrap();
        let row = |r: usize, id: &str| m.lp.balance_row[r * k + c(id)].expect("balance row");
        let (cn, kz) = (1, 0);
        let column = |col: usize| -> Vec<(usize, f64)> {
            m.lp.triplets
                .iter()
                .filter(|t| t.1 == col)
                .map(|t| (t.0, t.2))
                .collect()
        };
        let sep = &m.processing[0];
        assert_eq!(sep.inputs, [(c("conc"), 1.0)]);
        assert_eq!(
            sep.outputs,
            [(c("ndpr"), 0.2), (c("heavy"), 0.01), (c("oil"), 0.5)]
        );
        assert_eq!(sep.region, cn);
        assert_eq!(
            column(sep.col),
            [
                (row(cn, "conc"), -1.0),
                (row(cn, "ndpr"), 0.2),
                (row(cn, "heavy"), 0.01),
                (row(cn, "oil"), 0.5)
            ]
        );
        let mag = &m.processing[1];
        assert_eq!(
            column(mag.col),
            [
                (row(kz, "ndpr"), -0.31),
                (row(kz, "heavy"), -0.012),
                (row(kz, "magnets"), 1.0)
            ]
        );
        assert_eq!((m.params[mag.cap], m.params[mag.cost]), (300.0, 15.0));
        // Free disposal of the joint products (not of the magnets: one output).
        let disposal: Vec<_> = m
            .disposal
            .iter()
            .map(|d| (d.region, d.commodity, column(d.col)))
            .collect();
        assert_eq!(
            disposal,
            [
                (cn, c("ndpr"), vec![(row(cn, "ndpr"), -1.0)]),
                (cn, c("heavy"), vec![(row(cn, "heavy"), -1.0)]),
                (cn, c("oil"), vec![(row(cn, "oil"), -1.0)])
            ]
        );
        // One processing_output series per (plant, output), written as the
        // activity times the amount.
        let outs: Vec<_> = m
            .index
            .process
            .iter()
            .map(|s| {
                let series = &m.series[s.series];
                (series.key.as_str(), series.commodity, s.col, s.amount)
            })
            .collect();
        assert_eq!(
            outs,
            [
                ("sep", Some(c("ndpr")), sep.col, 0.2),
                ("sep", Some(c("heavy")), sep.col, 0.01),
                ("sep", Some(c("oil")), sep.col, 0.5),
                ("mag", Some(c("magnets")), mag.col, 1.0)
            ]
        );
    }

    #[test]
    fn a_stockpile_releases_into_and_refills_from_its_balance_row() {
        let m = compiled(&with(
            "[[stockpiles]]\nid = \"spr\"\nregion = \"CN\"\ncommodity = \"oil\"\ninitial = 30.0\ncapacity = 50.0\nrelease_rate = 10.0\nrelease_price = 900.0\nrefill_rate = 5.0\nrefill_price = 400.0\n",
        ));
        let s = &m.stockpiles[0];
        let cn_oil = m.lp.balance_row[m.commodities.len()].expect("CN oil row");
        assert!(m.lp.triplets.contains(&(cn_oil, s.release_col, 1.0)));
        assert!(m.lp.triplets.contains(&(cn_oil, s.refill_col, -1.0)));
        assert_eq!(m.params[s.initial], 30.0);
        assert_eq!(
            (
                s.capacity,
                s.release_rate,
                s.release_price,
                s.refill_rate,
                s.refill_price
            ),
            (50.0, 10.0, 900.0, 5.0, 400.0)
        );
    }
}
