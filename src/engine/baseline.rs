//! The baseline every trial starts from: the first period of the
//! disruption-free world at expected parameter values with only the
//! [`standing`] policies in force, cleared once per run. Its flows are what
//! fractional quotas are fractions of, and its optimal basis is every
//! trial's warm start.

use super::clearing::{self, ClearingFailure};
use super::dynamics;
use super::prepared::Prepared;
use super::trial::TrialError;
use super::{ExpectedValues, Workspace};
use crate::model::{Activation, CompiledModel, Effect, PolicyInfo};

impl Prepared {
    /// The model's tables (see [`Prepared::tables`]) and the baseline:
    /// clears the baseline's first period for the quotas' base flows and
    /// the basis every trial starts from.
    pub fn new(m: &CompiledModel) -> Result<Self, TrialError> {
        let mut prep = Prepared::tables(m);
        prep.standing = m.policies.iter().map(|p| standing(m, p)).collect();
        let mut ws = Workspace::new(m);
        ws.params.copy_from_slice(&m.params);
        dynamics::schedule(m, &mut ws, &mut ExpectedValues);
        for (i, s) in m.stockpiles.iter().enumerate() {
            ws.stock[i] = m.params[s.initial];
        }
        ws.resp.begin(m, &m.params);
        clearing::stage_undisturbed(m, &prep, &mut ws);
        clearing::solve(&mut ws).map_err(|failure| TrialError { period: 0, failure })?;
        let (x, _) = ws.solution();
        for (i, p) in m.policies.iter().enumerate() {
            if let Effect::Quota { flows, .. } | Effect::Licence { flows, .. } = &p.effect {
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
/// quota is measured against: a price policy (tariff or licence friction,
/// also the friction of a licence with a queue) that is certain (no
/// probability below one, no delay) and in force in the first period.
/// Quantity policies (bans, quotas, closures, capacity changes, shocks, a
/// licence's queue) are what scenarios vary, so the base leaves them out:
/// a licence's queue is lifted while the baseline is cleared, so its
/// applications arrive at the rate exporters ship under its friction.
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
    certain && matches!(p.effect, Effect::Friction { .. } | Effect::Licence { .. })
}
