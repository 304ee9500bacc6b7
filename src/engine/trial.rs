//! One trial: the period loop over the horizon.

use super::clearing::{self, ClearingFailure};
use super::dynamics;
use super::simplex::BasisState;
use super::{ExpectedValues, Workspace};
use crate::model::{Activation, CompiledModel, Draws, Effect, Horizon, PolicyInfo};

/// A period that could not be cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("period {period} could not be cleared: {failure:?}")]
pub struct TrialError {
    /// Period index.
    pub period: usize,
    /// What went wrong.
    pub failure: ClearingFailure,
}

/// What every trial shares, computed once per run: the baseline flows that
/// fractional quotas refer to, and the baseline basis each trial starts from.
pub struct Prepared {
    /// Per policy: baseline flow per period over its flows (fractional quotas).
    pub quota_base: Vec<f64>,
    /// Columns whose cost is minus a value (demand, stock refill).
    pub is_value_col: Vec<bool>,
    /// Optimal basis of the baseline first period.
    pub basis: BasisState,
    /// Share series `(series, numerator, denominator)`.
    pub ratios: Vec<(usize, usize, usize)>,
    /// Per flow, the record slots its value is added to, resolved once.
    pub flow_slots: Vec<FlowSlots>,
    /// The leg flow series of every flow's legs; see [`FlowSlots::legs`].
    pub leg_slots: Vec<u32>,
}

/// Where one flow's value goes in a record row: `clearing::record` reads one
/// such entry per active flow instead of following the route, its legs and
/// the markets at its ends through the series index.
#[derive(Debug, Clone)]
pub struct FlowSlots {
    /// The flow's LP column.
    pub col: u32,
    /// Route, corridor, pair and via series, then the imports of the market
    /// it enters and the exports of the one it leaves ([`NO_SLOT`]: none).
    pub add: [u32; 6],
    /// Freight tonnes per unit of the commodity.
    pub tonnes_per_unit: f64,
    /// `leg_slots[legs[0]..legs[1]]`: the flow series of its legs, in order.
    pub legs: [u32; 2],
}

/// A [`FlowSlots::add`] entry with nothing to add to.
pub const NO_SLOT: u32 = u32::MAX;

impl Prepared {
    /// Clears the first period of the disruption-free world at expected
    /// parameter values with only the [`standing`] policies in force.
    pub fn new(m: &CompiledModel) -> Result<Self, TrialError> {
        let mut is_value_col = vec![false; m.lp.ncols];
        for d in &m.demand {
            is_value_col[d.first_col..=d.first_col + d.blocks]
                .iter_mut()
                .for_each(|v| *v = true);
        }
        for s in &m.stockpiles {
            is_value_col[s.refill_col] = true;
        }
        let mut prep = Prepared {
            quota_base: vec![0.0; m.policies.len()],
            is_value_col,
            basis: BasisState::default(),
            ratios: m
                .series
                .iter()
                .enumerate()
                .filter_map(|(s, series)| match series.horizon {
                    Horizon::Ratio { num, den } => Some((s, num, den)),
                    _ => None,
                })
                .collect(),
            flow_slots: Vec::with_capacity(m.flows.len()),
            leg_slots: Vec::new(),
        };
        let nk = m.commodities.len();
        let ix = &m.index;
        let market =
            |r: usize, k: usize, at: usize| ix.market[r * nk + k].map_or(NO_SLOT, |s| s[at] as u32);
        for (f, fl) in m.flows.iter().enumerate() {
            let r = &m.routes[fl.route];
            let [route, corridor, pair, via] = ix.flow[f].map(|s| s as u32);
            let first = prep.leg_slots.len() as u32;
            prep.leg_slots
                .extend(r.legs.iter().map(|&l| ix.leg[l][0] as u32));
            prep.flow_slots.push(FlowSlots {
                col: fl.col as u32,
                add: [
                    route,
                    corridor,
                    pair,
                    via,
                    market(r.to, fl.commodity, 5),
                    market(r.from, fl.commodity, 6),
                ],
                tonnes_per_unit: m.commodities[fl.commodity].tonnes_per_unit,
                legs: [first, prep.leg_slots.len() as u32],
            });
        }
        let mut ws = Workspace::new(m);
        ws.params.copy_from_slice(&m.params);
        dynamics::schedule(m, &mut ws, &mut ExpectedValues);
        // The baseline of fractional quotas: the first period with only
        // the standing price policies in force (see `standing`).
        for (i, p) in m.policies.iter().enumerate() {
            if !standing(m, p) {
                ws.active[i * m.periods] = false;
            }
        }
        ws.avail.fill(1.0);
        for (i, s) in m.stockpiles.iter().enumerate() {
            ws.stock[i] = m.params[s.initial];
        }
        clearing::stage(m, &prep, &mut ws, 0);
        clearing::solve(&mut ws).map_err(|failure| TrialError { period: 0, failure })?;
        let (x, _) = ws.solution();
        for (i, p) in m.policies.iter().enumerate() {
            if let Effect::Quota { flows, .. } = &p.effect {
                prep.quota_base[i] = flows.iter().map(|&f| x[m.flows[f].col]).sum();
            }
        }
        ws.lp.refresh_factors().map_err(|_| TrialError {
            period: 0,
            failure: ClearingFailure::Solver,
        })?;
        ws.lp.save_basis(&mut prep.basis);
        Ok(prep)
    }
}

/// A standing policy is part of the calibrated baseline that a fractional
/// quota is measured against: a price policy (tariff or licence friction)
/// that is certain (no probability below one, no delay) and in force in the
/// first period. Quantity policies (bans, quotas, closures, capacity
/// changes, shocks) are what scenarios vary, so the base leaves them out.
pub fn standing(m: &CompiledModel, p: &PolicyInfo) -> bool {
    let fixed = |s: usize| !m.uncertain.iter().any(|u| u.param == s);
    let certain = match &p.activation {
        Activation::Once {
            probability,
            delay_months,
            ..
        } => {
            probability.is_none_or(|s| fixed(s) && m.params[s] >= 1.0)
                && delay_months.is_none_or(|s| fixed(s) && m.params[s] <= 0.0)
        }
        Activation::Recurring { .. } => false,
    };
    certain && matches!(p.effect, Effect::Friction { .. })
}

/// Runs one trial: `ws.params` must hold the trial's parameter values.
/// Writes `(periods + 1)` values per series into `rec` (the last is the
/// horizon value), period-major as [`crate::aggregate::Layout`] describes.
///
/// Each period's row is built in the workspace (it stays in L1), its shares
/// and its part of the horizon totals are taken there, and it is then
/// streamed into `rec` once: `rec` (a worker's chunk, megabytes) is written
/// without being read, and never read back by the trial.
pub fn run_trial(
    m: &CompiledModel,
    prep: &Prepared,
    ws: &mut Workspace,
    draws: &mut impl Draws,
    rec: &mut [f64],
) -> Result<(), TrialError> {
    begin(m, prep, ws, draws);
    let ns = m.series.len();
    let (mut row, mut total) = (std::mem::take(&mut ws.row), std::mem::take(&mut ws.total));
    total.fill(0.0);
    let mut result = Ok(());
    for (t, out) in rec.chunks_exact_mut(ns).take(m.periods).enumerate() {
        clearing::stage(m, prep, ws, t);
        result = clearing::solve(ws)
            .and_then(|()| clearing::record(m, prep, ws, t, &mut row))
            .map_err(|failure| TrialError { period: t, failure });
        if result.is_err() {
            break;
        }
        for (acc, &v) in total.iter_mut().zip(&row) {
            *acc += v;
        }
        shares(prep, &mut row);
        stream(&row, out);
    }
    if result.is_ok() {
        // `row` is the last period's (its shares filled, which `horizon`
        // does not read).
        horizon(m, &row, &mut total);
        shares(prep, &mut total);
        stream(&total, &mut rec[m.periods * ns..(m.periods + 1) * ns]);
    }
    fence();
    (ws.row, ws.total) = (row, total);
    result
}

/// Puts the workspace at the start of a trial whose parameters are in
/// `ws.params`: the saved basis, the trial's schedules and the initial stocks.
pub fn begin(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace, draws: &mut impl Draws) {
    ws.stats = Default::default();
    ws.restore(&prep.basis);
    dynamics::schedule(m, ws, draws);
    for (i, s) in m.stockpiles.iter().enumerate() {
        ws.stock[i] = ws.params[s.initial].clamp(0.0, s.capacity);
    }
}

/// Turns the sums of the period rows in `total` into each series' horizon
/// value; `last` is the last period's row.
fn horizon(m: &CompiledModel, last: &[f64], total: &mut [f64]) {
    for (s, series) in m.series.iter().enumerate() {
        match series.horizon {
            Horizon::Sum | Horizon::Ratio { .. } => {}
            Horizon::Mean => total[s] /= m.periods as f64,
            Horizon::Last => total[s] = last[s],
        }
    }
}

/// Fills the share series of one row from its numerators and denominators.
fn shares(prep: &Prepared, row: &mut [f64]) {
    for &(s, num, den) in &prep.ratios {
        let d = row[den];
        row[s] = if d > 0.0 { row[num] / d } else { 0.0 };
    }
}

/// Copies `row` into `out` with streaming stores where the target has them:
/// `out` is written once here and next read by the aggregation sweep, so
/// fetching its cache lines first (a read for ownership) would be wasted.
fn stream(row: &[f64], out: &mut [f64]) {
    assert_eq!(row.len(), out.len());
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd, _mm_stream_si64};
        // 16-byte streaming stores where `out` is 16-byte aligned (every
        // other row starts on 8): half the store instructions of 8-byte ones.
        let head = (out.as_ptr() as usize / 8) % 2;
        let (first, rest) = out.split_at_mut(head.min(out.len()));
        let (src_first, src_rest) = row.split_at(first.len());
        let pairs = rest.len() / 2;
        // SAFETY: every pointer below is in bounds of `out` or `row`;
        // `rest` starts 16-byte aligned, so each `_mm_stream_pd` target is;
        // SSE2 is part of x86_64.
        unsafe {
            for (o, &v) in first.iter_mut().zip(src_first) {
                _mm_stream_si64(o as *mut f64 as *mut i64, v.to_bits() as i64);
            }
            for k in 0..pairs {
                let v = _mm_loadu_pd(src_rest.as_ptr().add(2 * k));
                _mm_stream_pd(rest.as_mut_ptr().add(2 * k), v);
            }
            if rest.len() % 2 == 1 {
                let k = rest.len() - 1;
                _mm_stream_si64(
                    rest.as_mut_ptr().add(k) as *mut i64,
                    src_rest[k].to_bits() as i64,
                );
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    out.copy_from_slice(row);
}

/// Orders a trial's streamed stores before any later store, such as the
/// release of the lock that hands its chunk to the aggregation. Once per
/// trial: a fence waits for every pending line to drain.
fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a fence has no preconditions.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}
