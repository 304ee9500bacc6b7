//! What every trial of a run shares, computed once per run: where each
//! flow's value goes in a record row, which LP columns are values rather
//! than costs, the share series, and the baseline that trials start from
//! and that fractional quotas are measured against.
//!
//! `clearing` reads these tables and `trial` runs on them; the baseline
//! fields are filled by [`Prepared::new`] in `baseline`, which clears the
//! baseline's first period.

use super::simplex::BasisState;
use crate::model::{CompiledModel, Horizon};
use std::num::NonZeroU32;
use std::ops::Range;

/// What every trial shares, computed once per run.
pub struct Prepared {
    /// Per policy: baseline flow per period over its flows (fractional quotas).
    pub quota_base: Vec<f64>,
    /// Columns whose cost is minus a value (demand, stock refill).
    pub is_value_col: Vec<bool>,
    /// Optimal basis of the baseline first period.
    pub basis: BasisState,
    /// Per policy: whether it is standing (part of the undisturbed world;
    /// see `baseline::standing`).
    pub standing: Vec<bool>,
    /// The share series, each a ratio of two other series of the same row.
    pub ratios: Vec<ShareSlots>,
    /// Per flow, the record slots its value is added to, resolved once.
    pub flow_slots: Vec<FlowSlots>,
    /// The leg flow series of every flow's legs; see [`FlowSlots::legs`].
    pub leg_slots: Vec<Slot>,
}

/// The index of a series in a record row, stored in 32 bits with a niche,
/// so that `Option<Slot>` (a slot that may be absent) is as small as a
/// `u32` and the table of every flow's slots stays a few cache lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(NonZeroU32);

impl Slot {
    /// The slot of series `series`. Series counts are bounded by the
    /// scenario's list limits, far below `u32::MAX`.
    pub fn new(series: usize) -> Slot {
        let stored = u32::try_from(series + 1).ok().and_then(NonZeroU32::new);
        Slot(stored.expect("fewer than 2^32 - 1 series"))
    }

    /// The series index.
    #[inline(always)]
    pub fn get(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

/// Where one flow's value goes in a record row: `clearing::record` reads one
/// such entry per active flow instead of following the route, its legs and
/// the markets at its ends through the series index.
#[derive(Debug, Clone)]
pub struct FlowSlots {
    /// The flow's LP column.
    pub col: u32,
    /// Its route's flow.
    pub route: Slot,
    /// Its corridor's flow of the commodity.
    pub corridor: Slot,
    /// Imports of the market it enters from the region it leaves.
    pub import_from: Slot,
    /// Exports of the region it leaves through its corridor.
    pub export_via: Slot,
    /// Imports of the market it enters, if that region has a market.
    pub imports: Option<Slot>,
    /// Exports of the market it leaves, if that region has a market.
    pub exports: Option<Slot>,
    /// The import bill of the market it enters, if that market has demand.
    pub bill: Option<Slot>,
    /// The balance row of the market it leaves: its dual is the exporter's
    /// price, at which the import bill counts the flow.
    pub origin_row: u32,
    /// Freight tonnes per unit of the commodity.
    pub tonnes_per_unit: f64,
    /// `leg_slots[legs]`: the flow series of its legs, in order.
    pub legs: Range<u32>,
}

/// A share series and the two series of the same row it is the ratio of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareSlots {
    /// The share series.
    pub share: usize,
    /// Its numerator.
    pub num: usize,
    /// Its denominator.
    pub den: usize,
}

impl Prepared {
    /// The tables that follow from the model alone; the baseline fields
    /// (`quota_base`, `basis`) are left empty for [`Prepared::new`] to fill.
    pub(super) fn tables(m: &CompiledModel) -> Prepared {
        let mut is_value_col = vec![false; m.lp.ncols];
        for d in &m.demand {
            is_value_col[d.first_col..=d.first_col + d.blocks]
                .iter_mut()
                .for_each(|v| *v = true);
        }
        for s in &m.stockpiles {
            is_value_col[s.refill_col] = true;
        }
        let ratios = m
            .series
            .iter()
            .enumerate()
            .filter_map(|(share, series)| match series.horizon {
                Horizon::Ratio { num, den } => Some(ShareSlots { share, num, den }),
                _ => None,
            })
            .collect();
        let (flow_slots, leg_slots) = flow_tables(m);
        Prepared {
            quota_base: vec![0.0; m.policies.len()],
            is_value_col,
            basis: BasisState::default(),
            standing: Vec::new(),
            ratios,
            flow_slots,
            leg_slots,
        }
    }
}

/// Every flow's record slots, and the leg slots they point into.
fn flow_tables(m: &CompiledModel) -> (Vec<FlowSlots>, Vec<Slot>) {
    let nk = m.commodities.len();
    let ix = &m.index;
    let market = |r: usize, k: usize| ix.market[r * nk + k];
    let mut leg_slots = Vec::new();
    let flow_slots = m
        .flows
        .iter()
        .zip(&ix.flow)
        .map(|(fl, series)| {
            let r = &m.routes[fl.route];
            let first = leg_slots.len() as u32;
            leg_slots.extend(r.legs.iter().map(|&l| Slot::new(ix.leg[l].flow)));
            FlowSlots {
                col: fl.col as u32,
                route: Slot::new(series.route),
                corridor: Slot::new(series.corridor),
                import_from: Slot::new(series.import_from),
                export_via: Slot::new(series.export_via),
                imports: market(r.to, fl.commodity).map(|s| Slot::new(s.imports)),
                exports: market(r.from, fl.commodity).map(|s| Slot::new(s.exports)),
                bill: market(r.to, fl.commodity)
                    .and_then(|s| s.import_bill)
                    .map(Slot::new),
                origin_row: m.lp.balance_row[r.from * nk + fl.commodity]
                    .expect("a flow's column is in its origin's balance row")
                    as u32,
                tonnes_per_unit: m.commodities[fl.commodity].tonnes_per_unit,
                legs: first..leg_slots.len() as u32,
            }
        })
        .collect();
    (flow_slots, leg_slots)
}
