//! One trial: the period loop over the horizon.

use super::clearing::{self, ClearingFailure};
use super::dynamics;
use super::licence;
use super::prepared::Prepared;
use super::Workspace;
use crate::mem::{store_fence, stream_copy};
use crate::model::{CompiledModel, Draws, Horizon};

/// A period that could not be cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("period {period} could not be cleared: {failure:?}")]
pub struct TrialError {
    /// Period index.
    pub period: usize,
    /// What went wrong.
    pub failure: ClearingFailure,
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
    // The responses' reference is the first period when nothing disturbs
    // it, else its own LP solved first.
    let first_is_reference = clearing::first_period_undisturbed(m, prep, ws);
    if m.responses.need_reference() && !first_is_reference {
        reference(m, prep, ws).map_err(|failure| TrialError { period: 0, failure })?;
    }
    let ns = m.series.len();
    let (mut row, mut total) = (std::mem::take(&mut ws.row), std::mem::take(&mut ws.total));
    total.fill(0.0);
    let mut result = Ok(());
    for (t, out) in rec.chunks_exact_mut(ns).take(m.periods).enumerate() {
        clearing::stage(m, prep, ws, t);
        result = clearing::solve(ws)
            .and_then(|()| clearing::record(m, prep, ws, t, &mut row))
            .map(|()| {
                let (x, y) = ws.recent.solution(&ws.lp, ws.from_recent);
                if t == 0 && first_is_reference {
                    ws.resp.set_reference(m, x, y);
                }
                ws.resp.after(m, &ws.params, t, (x, y), &mut row);
            })
            .map_err(|failure| TrialError { period: t, failure });
        if result.is_err() {
            break;
        }
        for (acc, &v) in total.iter_mut().zip(&row) {
            *acc += v;
        }
        shares(prep, &mut row);
        stream_copy(&row, out);
    }
    if result.is_ok() {
        // `row` is the last period's (its shares filled, which `horizon`
        // does not read).
        horizon(m, &row, &mut total);
        shares(prep, &mut total);
        stream_copy(&total, &mut rec[m.periods * ns..(m.periods + 1) * ns]);
    }
    // Before the worker hands its chunk to the aggregation; once per trial.
    store_fence();
    (ws.row, ws.total) = (row, total);
    result
}

/// Puts the workspace at the start of a trial whose parameters are in
/// `ws.params`: the saved basis, the trial's schedules and the initial stocks.
pub fn begin(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace, draws: &mut impl Draws) {
    ws.stats = Default::default();
    ws.restore(&prep.basis);
    dynamics::schedule(m, ws, draws);
    licence::schedule(m, prep, ws);
    for (i, s) in m.stockpiles.iter().enumerate() {
        ws.stock[i] = ws.params[s.initial].clamp(0.0, s.capacity);
    }
    ws.resp.begin(m, &ws.params);
}

/// Clears the trial's undisturbed first period (its own parameters, only
/// the standing policies, full availability) for the responses' reference
/// prices and consumption (`response.rs`). Its LP goes into the ring of
/// recent LPs like any other, so a first period nothing disturbs reuses it.
fn reference(
    m: &CompiledModel,
    prep: &Prepared,
    ws: &mut Workspace,
) -> Result<(), ClearingFailure> {
    clearing::stage_undisturbed(m, prep, ws);
    clearing::solve(ws)?;
    let (x, y) = ws.recent.solution(&ws.lp, ws.from_recent);
    ws.resp.set_reference(m, x, y);
    Ok(())
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
    for r in &prep.ratios {
        let d = row[r.den];
        // Divided either way and then chosen, so that the choice is a
        // select, not a branch on data (idle routes make it a coin toss).
        let q = row[r.num] / d;
        row[r.share] = if d > 0.0 { q } else { 0.0 };
    }
}
