//! The problem: the caller's bounds and costs, and the scaled working copy
//! the phases run on.
//!
//! The caller writes bounds and costs in its own units into a [`Problem`];
//! each solve maps them into scaled units ([`ScaledProblem`]), either all of
//! them (`load_problem`) or, when the costs are those of the last verified
//! optimum, only the bounds that changed (`update_bounds`, the common case of
//! a simulation period where only capacities and stocks moved). The working
//! bounds and costs may carry perturbations and shifts of the current phase;
//! the `*0` arrays keep the unperturbed ones to return to.

use super::matrix::pow2;
use super::{Phase, Simplex, SolveError, VarStatus, INF};

/// One LP's bounds and costs in the caller's units.
#[derive(Clone)]
pub(super) struct Problem {
    pub(super) col_lower: Vec<f64>,
    pub(super) col_upper: Vec<f64>,
    pub(super) cost: Vec<f64>,
    pub(super) row_lower: Vec<f64>,
    pub(super) row_upper: Vec<f64>,
}

impl Problem {
    /// Columns in `[0, +inf]`, rows free, costs 0.
    pub(super) fn new(m: usize, n: usize) -> Self {
        Problem {
            col_lower: vec![0.0; n],
            col_upper: vec![INF; n],
            cost: vec![0.0; n],
            row_lower: vec![-INF; m],
            row_upper: vec![INF; m],
        }
    }

    /// All zeros: a placeholder until a solve copies a problem in.
    pub(super) fn zeros(m: usize, n: usize) -> Self {
        Problem {
            col_lower: vec![0.0; n],
            col_upper: vec![0.0; n],
            cost: vec![0.0; n],
            row_lower: vec![0.0; m],
            row_upper: vec![0.0; m],
        }
    }

    /// Whether any bound or cost is NaN.
    pub(super) fn has_nan(&self) -> bool {
        // A fold rather than `any`: no early exit, so it vectorises.
        let has_nan = |v: &[f64]| v.iter().fold(false, |nan, x| nan | x.is_nan());
        has_nan(&self.cost)
            || has_nan(&self.col_lower)
            || has_nan(&self.col_upper)
            || has_nan(&self.row_lower)
            || has_nan(&self.row_upper)
    }

    /// Copies `from` (of the same dimensions) without allocating.
    pub(super) fn copy_from(&mut self, from: &Problem) {
        self.col_lower.copy_from_slice(&from.col_lower);
        self.col_upper.copy_from_slice(&from.col_upper);
        self.cost.copy_from_slice(&from.cost);
        self.row_lower.copy_from_slice(&from.row_lower);
        self.row_upper.copy_from_slice(&from.row_upper);
    }
}

/// The problem over all `n + m` variables (columns, then row logicals) in
/// scaled units, as the phases see it.
#[derive(Clone)]
pub(super) struct ScaledProblem {
    /// Unperturbed bounds and costs.
    pub(super) lb0: Vec<f64>,
    pub(super) ub0: Vec<f64>,
    pub(super) cost0: Vec<f64>,
    /// Working bounds: `lb0`/`ub0` plus any expansion of the primal simplex.
    pub(super) lb: Vec<f64>,
    pub(super) ub: Vec<f64>,
    /// Working costs: `cost0` plus any shifts/perturbations of the current phase.
    pub(super) wcost: Vec<f64>,
    /// Power of two that brings the largest cost near 1.
    pub(super) obj_scale: f64,
    /// Per-variable feasibility slack granted when a violation is provably rounding noise.
    pub(super) tol_extra: Vec<f64>,
    pub(super) costs_shifted: bool,
    pub(super) bounds_perturbed: bool,
}

impl ScaledProblem {
    pub(super) fn new(nt: usize) -> Self {
        ScaledProblem {
            lb0: vec![0.0; nt],
            ub0: vec![0.0; nt],
            cost0: vec![0.0; nt],
            lb: vec![0.0; nt],
            ub: vec![0.0; nt],
            wcost: vec![0.0; nt],
            obj_scale: 1.0,
            tol_extra: vec![0.0; nt],
            costs_shifted: false,
            bounds_perturbed: false,
        }
    }

    /// Drops the cost shifts and perturbations.
    pub(super) fn restore_costs(&mut self) {
        if self.costs_shifted {
            self.wcost.copy_from_slice(&self.cost0);
            self.costs_shifted = false;
        }
    }

    /// Drops the bound perturbations.
    pub(super) fn restore_bounds(&mut self) {
        if self.bounds_perturbed {
            self.lb.copy_from_slice(&self.lb0);
            self.ub.copy_from_slice(&self.ub0);
            self.bounds_perturbed = false;
        }
    }
}

impl Simplex {
    /// Scales the user's bounds and costs into the internal arrays. Returns `false` if
    /// some variable has contradictory bounds.
    pub(super) fn load_problem(&mut self) -> Result<bool, SolveError> {
        let (m, n) = (self.m, self.n);
        // Normalise the *unscaled* costs to max |c| ≈ 1 so the dual tolerance is
        // relative to the cost scale.
        let mut cmax = 0.0f64;
        for j in 0..n {
            let c = self.user.cost[j];
            if !c.is_finite() {
                return Err(SolveError::NumericalTrouble);
            }
            cmax = cmax.max(c.abs());
        }
        self.lp.obj_scale = if cmax > 0.0 {
            pow2(-cmax.log2().round())
        } else {
            1.0
        };
        let mut consistent = true;
        for j in 0..n + m {
            let (l, u, ok) = self.scaled_bounds(j)?;
            consistent &= ok;
            self.lp.lb0[j] = l;
            self.lp.ub0[j] = u;
            self.lp.cost0[j] = if j < n {
                self.user.cost[j] * self.a.col_scale[j] * self.lp.obj_scale
            } else {
                0.0
            };
        }
        self.lp.lb.copy_from_slice(&self.lp.lb0);
        self.lp.ub.copy_from_slice(&self.lp.ub0);
        self.lp.wcost.copy_from_slice(&self.lp.cost0);
        self.lp.tol_extra.fill(0.0);
        Ok(consistent)
    }

    /// The user's bounds of variable `j` (column or row logical) in scaled units,
    /// with a crossing within tolerance closed; `false` if they contradict.
    #[inline]
    pub(super) fn scaled_bounds(&self, j: usize) -> Result<(f64, f64, bool), SolveError> {
        let n = self.n;
        let (l, u) = if j < n {
            let s = self.a.col_scale[j];
            (self.user.col_lower[j] / s, self.user.col_upper[j] / s)
        } else {
            let s = self.a.row_scale[j - n];
            (
                self.user.row_lower[j - n] * s,
                self.user.row_upper[j - n] * s,
            )
        };
        if l.is_nan() || u.is_nan() {
            return Err(SolveError::NumericalTrouble);
        }
        let (l, u, mut ok) = if l <= u {
            (l, u, true)
        } else if l - u <= self.ptol(j, u) {
            (l, l, true)
        } else {
            (l, l, false)
        };
        if l == INF || u == -INF {
            ok = false;
        }
        Ok((l, u, ok))
    }

    /// Warm path for a problem whose costs equal those of the last optimum: only
    /// bounds moved, so `y` and `d` still hold and the basis stays dual feasible
    /// (boxed nonbasics whose new bounds make them dual infeasible are flipped).
    /// Moves the changed nonbasics to their new bounds and updates `x_B` by
    /// `B⁻¹` times the change, in `O(m)` per moved nonzero instead of a full
    /// `B⁻¹ b`. Returns the phase to continue with (the checks of
    /// `Phase::Check` then verify the residuals as for any solve), or `None`
    /// when the full path must run (contradictory bounds, a dual infeasibility
    /// that no flip repairs, a bad number).
    pub(super) fn update_bounds(&mut self) -> Option<Phase> {
        let n = self.n;
        self.lp.tol_extra.fill(0.0);
        self.scratch.rhs.fill(0.0);
        let mut moved = false;
        // Find the few changed variables first: a branch-free scan per array.
        self.scratch.changed.clear();
        push_changed(
            &mut self.scratch.changed,
            0,
            [&self.user.col_lower, &self.prev.col_lower],
            [&self.user.col_upper, &self.prev.col_upper],
        );
        push_changed(
            &mut self.scratch.changed,
            n,
            [&self.user.row_lower, &self.prev.row_lower],
            [&self.user.row_upper, &self.prev.row_upper],
        );
        for c in 0..self.scratch.changed.len() {
            let j = self.scratch.changed[c];
            let (l, u, ok) = self.scaled_bounds(j).ok()?;
            if !ok {
                return None;
            }
            self.lp.lb0[j] = l;
            self.lp.ub0[j] = u;
            self.lp.lb[j] = l;
            self.lp.ub[j] = u;
            if self.it.status[j] == VarStatus::Basic {
                continue;
            }
            let mut st = if l == u {
                VarStatus::Lower
            } else {
                match self.it.status[j] {
                    VarStatus::Upper if u < INF => VarStatus::Upper,
                    _ if l > -INF => VarStatus::Lower,
                    _ if u < INF => VarStatus::Upper,
                    _ => VarStatus::Free,
                }
            };
            self.it.status[j] = st;
            if self.dual_infeasibility(j, self.opts.dual_tol) > 0.0 {
                st = match st {
                    VarStatus::Lower if u < INF => VarStatus::Upper,
                    VarStatus::Upper if l > -INF => VarStatus::Lower,
                    _ => return None,
                };
                self.it.status[j] = st;
            }
            let x = match st {
                VarStatus::Lower => l,
                VarStatus::Upper => u,
                _ => 0.0,
            };
            let delta = x - self.it.x[j];
            if delta != 0.0 {
                self.a.axpy(j, delta, &mut self.scratch.rhs);
                moved = true;
            }
            self.it.x[j] = x;
        }
        if moved {
            self.sub_binv_rhs();
            // Nonbasics sit on finite bounds; only x_B can have overflowed.
            if self.it.basis.iter().any(|&v| !self.it.x[v].is_finite()) {
                return None;
            }
        }
        Some(if !self.any_primal_infeasible() {
            Phase::Check
        } else {
            Phase::Dual
        })
    }

    /// Puts every nonbasic variable on a bound valid for the current bounds.
    pub(super) fn normalize_nonbasic(&mut self) {
        for j in 0..self.n + self.m {
            let st = self.it.status[j];
            if st == VarStatus::Basic {
                continue;
            }
            let (l, u) = (self.lp.lb[j], self.lp.ub[j]);
            let st = if l == u {
                VarStatus::Lower
            } else {
                match st {
                    VarStatus::Upper if u < INF => VarStatus::Upper,
                    _ if l > -INF => VarStatus::Lower,
                    _ if u < INF => VarStatus::Upper,
                    _ => VarStatus::Free,
                }
            };
            self.it.status[j] = st;
            self.it.x[j] = match st {
                VarStatus::Lower => l,
                VarStatus::Upper => u,
                _ => 0.0,
            };
        }
    }
}

/// Pushes `offset + k` for every `k` whose lower or upper bound differs
/// between the current (`[0]`) and previous (`[1]`) arrays.
fn push_changed(out: &mut Vec<usize>, offset: usize, lower: [&[f64]; 2], upper: [&[f64]; 2]) {
    for k in 0..lower[0].len() {
        if (lower[0][k] != lower[1][k]) | (upper[0][k] != upper[1][k]) {
            out.push(offset + k);
        }
    }
}
