//! The dual simplex: dual steepest-edge pricing, the pivot row and the
//! bound-flipping ratio test.
//!
//! The common phase of a simulation, where capacities change between periods
//! and the last basis stays dual feasible. Pricing picks the basic variable
//! most out of bounds relative to its exact steepest-edge weight (the squared
//! norm of its row of `B⁻¹`). The pivot row `ρ A` is built row-wise from the
//! non-zeros of `ρ = e_r B⁻¹` (a few in a network basis). The ratio test
//! passes the breakpoints of boxed variables while the leaving row stays
//! infeasible, flipping them to their other bound, with Harris' two-pass
//! tolerance in every group; bound flips move `x_B` through the columns of
//! `B⁻¹` their rows touch. Infeasibility is only declared on a dual ray found
//! by a search over *all* non-zero pivot candidates, with fresh factors, and
//! not when the violation left is rounding noise of an ill-conditioned basis.

use super::kernels::for_each_bit;
use super::stall::Stall;
use super::{
    tolerance, Outcome, Simplex, SolveError, VarStatus, INF, PIV_TOL, SING_TOL, SMALL_PIVOT,
    TINY_PIV,
};

/// A pivot row `α_j` over the nonbasic, non-fixed variables, with the list
/// of those it touches.
#[derive(Clone)]
pub(super) struct PivotRow {
    /// `α_j`, valid for the variables in `nz`.
    pub(super) work: Vec<f64>,
    /// The touched nonbasic, non-fixed variables, ascending.
    pub(super) nz: Vec<usize>,
    /// Bit `j % 64` of word `j / 64` marks variable `j` as touched while the
    /// row is built (all clear between builds). Reading the marks word by
    /// word lists the touched variables in ascending order without a sort.
    seen: Vec<u64>,
}

impl PivotRow {
    pub(super) fn new(nt: usize) -> Self {
        PivotRow {
            work: vec![0.0; nt],
            nz: Vec::with_capacity(nt),
            seen: vec![0; nt.div_ceil(64)],
        }
    }
}

/// What the ratio test found.
struct Entering {
    /// The entering variable, `None` for a dual ray.
    q: Option<usize>,
    /// The dual step.
    t: f64,
    /// The leaving row's infeasibility left after the passed breakpoints.
    slope: f64,
}

impl Simplex {
    /// Runs the dual simplex from a dual-feasible basis until `x_B` is
    /// feasible (`Optimal`), a dual ray proves the LP infeasible, or the basis
    /// is lost numerically (`Restart`).
    pub(super) fn dual_simplex(&mut self, allow_perturb: bool) -> Result<Outcome, SolveError> {
        let mut stall = Stall::new(allow_perturb);
        let mut just_refactored = false;
        loop {
            if self.inv.eta_count >= self.opts.refactor_interval {
                self.dual_refactor()?;
            }
            let Some(r) = self.dual_pricing(stall.bland) else {
                return Ok(Outcome::Optimal);
            };
            if self.iterations >= self.opts.iteration_limit {
                return Err(SolveError::IterationLimit);
            }
            let p = self.it.basis[r];
            // s = +1: leaving variable goes to its lower bound, -1: to its upper.
            let (target, s) = if self.it.x[p] < self.lp.lb[p] {
                (self.lp.lb[p], 1.0)
            } else {
                (self.lp.ub[p], -1.0)
            };
            let gap = (self.it.x[p] - target).abs();
            let slope_tol = self.ptol(p, target);

            self.inv.load_rho(r);
            let row_max = self.pivot_row(s);
            let Entering { q, t, slope } =
                self.dual_ratio_test(gap, slope_tol, row_max, stall.bland);
            let Some(q) = q else {
                if self.dual_ray_proves_infeasible(p, target, slope)? {
                    return Ok(Outcome::Infeasible);
                }
                continue;
            };

            self.inv.ftran(&self.a, q);
            let alpha_r = self.inv.alpha[r];
            if alpha_r.abs() < SMALL_PIVOT && !just_refactored && self.inv.eta_count > 0 {
                just_refactored = true;
                self.dual_refactor()?;
                continue;
            }
            if alpha_r.abs() < SING_TOL {
                return Ok(Outcome::Restart);
            }
            just_refactored = false;
            if t == 0.0 && self.it.d[q] != 0.0 {
                // q's reduced cost lies on the wrong side of 0 (within the
                // Harris tolerance), or q is free: the step is 0, not q's own
                // ratio d_q/−α_q. Shift c_q so that d_q = 0 and the zero step
                // is exact; otherwise the leaving variable's d_p = s·t = 0 is
                // a fiction that fresh duals can put far beyond its tolerance,
                // and each restart would flip p back in. The shift goes when
                // the phase ends; the primal simplex then repairs what it hid.
                self.lp.wcost[q] -= self.it.d[q];
                self.lp.costs_shifted = true;
            }

            self.apply_flips();
            self.dual_pivot(r, q, s, t, target);
            if stall.pivoted(t) {
                self.perturb_costs();
            }
        }
    }

    /// Fresh factors and the iterate recomputed from them, dual feasible again.
    fn dual_refactor(&mut self) -> Result<(), SolveError> {
        self.refactor()?;
        self.compute_primal();
        self.compute_dual();
        if self.make_dual_feasible() {
            self.compute_primal();
        }
        Ok(())
    }

    /// Dual steepest edge (exact weights): the basic position whose
    /// infeasibility² / weight is largest, or the smallest variable index
    /// under Bland's rule; `None` when `x_B` is feasible.
    fn dual_pricing(&self, bland: bool) -> Option<usize> {
        let mut r = usize::MAX;
        let mut best = 0.0f64;
        for i in 0..self.m {
            let inf = self.primal_infeasibility(i);
            if inf == 0.0 {
                continue;
            }
            if bland {
                if r == usize::MAX || self.it.basis[i] < self.it.basis[r] {
                    r = i;
                }
                continue;
            }
            let score = inf * inf / self.inv.dse[i];
            if score > best {
                best = score;
                r = i;
            }
        }
        (r != usize::MAX).then_some(r)
    }

    /// The pivot row `α_j = s·(ρ·a_j)` of the nonbasic, non-fixed variables
    /// (both phases use it),
    /// into `row.work` with the touched ones listed in `row.nz` (ascending); returns
    /// `max |α_j|`. Row-wise over the non-zeros of `ρ`, which is sparse for network
    /// bases, so the cost follows the row's non-zeros rather than `n + m`. Each `α_j`
    /// sums the same products in the same (ascending row) order as a column-wise dot.
    pub(super) fn pivot_row(&mut self, s: f64) -> f64 {
        let n = self.n;
        let (inv, a, row) = (&self.inv, &self.a, &mut self.row);
        // The rows where ρ is non-zero, ascending, from its mask.
        for_each_bit(&inv.rho_nz, |i| {
            let ri = inv.rho[i];
            if ri == 0.0 {
                return;
            }
            for k in a.row_start[i]..a.row_start[i + 1] {
                let j = a.col_index[k];
                let (w, bit) = (j / 64, 1u64 << (j % 64));
                if row.seen[w] & bit == 0 {
                    row.seen[w] |= bit;
                    row.work[j] = 0.0;
                }
                row.work[j] += ri * a.row_value[k];
            }
            let j = n + i;
            row.seen[j / 64] |= 1u64 << (j % 64);
            row.work[j] = -ri;
        });
        let mut row_max = 0.0f64;
        let (status, lb, ub) = (&self.it.status, &self.lp.lb, &self.lp.ub);
        let (seen, work, nz) = (&mut row.seen, &mut row.work, &mut row.nz);
        nz.clear();
        for_each_bit(seen, |j| {
            if status[j] == VarStatus::Basic || lb[j] == ub[j] {
                return;
            }
            let a = s * work[j];
            work[j] = a;
            row_max = row_max.max(a.abs());
            nz.push(j);
        });
        seen.fill(0);
        row_max
    }

    /// Bound-flipping ratio test over the pivot row, with Harris tolerances in
    /// each group of breakpoints. `gap` is how far the leaving variable is out
    /// of bounds; a group whose flips leave it out by more than `slope_tol` is
    /// passed (its variables go to `scratch.flips`). Tiny pivots are avoided,
    /// but only a search over *all* non-zeros may conclude that no entering
    /// variable exists.
    fn dual_ratio_test(&mut self, gap: f64, slope_tol: f64, row_max: f64, bland: bool) -> Entering {
        let tol_d = self.opts.dual_tol;
        let mut slope = gap;
        for attempt in 0..2 {
            let piv_tol = if attempt == 0 {
                PIV_TOL
            } else {
                TINY_PIV * row_max.max(1.0)
            };
            self.scratch.cand.clear();
            for &j in &self.row.nz {
                let st = self.it.status[j];
                let a = self.row.work[j];
                let eligible = match st {
                    VarStatus::Lower => a < -piv_tol,
                    VarStatus::Upper => a > piv_tol,
                    _ => a.abs() > piv_tol,
                };
                if eligible {
                    self.scratch.cand.push(j);
                }
            }
            self.scratch.flips.clear();
            slope = gap;
            while !self.scratch.cand.is_empty() {
                let mut theta_max = INF;
                let mut min_ratio = INF;
                for &j in &self.scratch.cand {
                    let a = self.row.work[j];
                    let rj = dual_ratio(self.it.status[j], self.it.d[j], a);
                    theta_max = theta_max.min(rj + tol_d * self.a.dunit[j] / a.abs());
                    min_ratio = min_ratio.min(rj);
                }
                if bland {
                    theta_max = min_ratio;
                }
                let mut group_slope = 0.0;
                let mut best_j = usize::MAX;
                let mut best_a = 0.0f64;
                for &j in &self.scratch.cand {
                    let a = self.row.work[j];
                    if dual_ratio(self.it.status[j], self.it.d[j], a) <= theta_max {
                        group_slope += a.abs() * (self.lp.ub[j] - self.lp.lb[j]);
                        let better = if bland { j < best_j } else { a.abs() > best_a };
                        if better {
                            best_a = a.abs();
                            best_j = j;
                        }
                    }
                }
                if !bland && group_slope < slope - slope_tol {
                    // Flipping the whole group still leaves the leaving row infeasible
                    // (beyond tolerance): pass these breakpoints.
                    slope -= group_slope;
                    let mut k = 0;
                    while k < self.scratch.cand.len() {
                        let j = self.scratch.cand[k];
                        if dual_ratio(self.it.status[j], self.it.d[j], self.row.work[j])
                            <= theta_max
                        {
                            self.scratch.flips.push(j);
                            self.scratch.cand.swap_remove(k);
                        } else {
                            k += 1;
                        }
                    }
                    continue;
                }
                let q = best_j;
                let t = dual_ratio(self.it.status[q], self.it.d[q], self.row.work[q]).max(0.0);
                return Entering {
                    q: Some(q),
                    t,
                    slope,
                };
            }
        }
        Entering {
            q: None,
            t: 0.0,
            slope,
        }
    }

    /// A dual ray for leaving variable `p`: the row cannot be made feasible, so
    /// the LP is infeasible (true), unless the violation left (`slope`) is
    /// rounding noise of `x_p = -Σ α_rj x_j` (an ill-conditioned basis). Then the
    /// row is accepted as feasible for this solve and the phase carries on (false).
    fn dual_ray_proves_infeasible(
        &mut self,
        p: usize,
        target: f64,
        slope: f64,
    ) -> Result<bool, SolveError> {
        let mut mag = target.abs();
        for j in 0..self.n + self.m {
            if self.it.status[j] != VarStatus::Basic && self.it.x[j] != 0.0 {
                mag += self.a.dot(j, &self.inv.rho).abs() * self.it.x[j].abs();
            }
        }
        if slope > tolerance::NOISE * mag {
            return Ok(true);
        }
        if self.inv.eta_count > 0 {
            // Only fresh factors may call a violation noise: x_B and ρ from an
            // updated inverse carry drift that `mag`, summed over ρ's
            // noise-level entries times large nonbasic values, can hide.
            self.refactor()?;
            self.compute_primal_refined();
            self.compute_dual();
            if self.make_dual_feasible() {
                self.compute_primal_refined();
            }
            return Ok(false);
        }
        // What is left is noise only once the passed breakpoints are flipped:
        // without them x_p can still be far outside its bound. The optimality
        // check re-examines the flipped duals.
        self.apply_flips();
        self.lp.tol_extra[p] = self.lp.tol_extra[p].max(2.0 * (self.it.x[p] - target).abs());
        Ok(false)
    }

    /// The dual pivot: basic position `r` leaves to `target` (`s = +1`: its
    /// lower bound), `q` enters (`inv.alpha` holds `B⁻¹ a_q`), reduced costs
    /// move by the dual step `t`.
    fn dual_pivot(&mut self, r: usize, q: usize, s: f64, t: f64, target: f64) {
        let p = self.it.basis[r];
        let alpha_r = self.inv.alpha[r];
        // Dual update: d_j += t·(s·alpha_rj).
        if t != 0.0 {
            for &j in &self.row.nz {
                self.it.d[j] += t * self.row.work[j];
            }
        }
        self.it.d[q] = 0.0;
        self.it.d[p] = s * t;

        // Primal update.
        let theta_p = (self.it.x[p] - target) / alpha_r;
        for i in 0..self.m {
            let v = self.it.basis[i];
            self.it.x[v] -= theta_p * self.inv.alpha[i];
        }
        self.it.x[q] += theta_p;
        self.it.x[p] = target;
        self.it.status[p] = if s > 0.0 || self.lp.lb[p] == self.lp.ub[p] {
            VarStatus::Lower
        } else {
            VarStatus::Upper
        };
        self.it.status[q] = VarStatus::Basic;
        self.inv.update(r);
        self.it.basis[r] = q;
        self.iterations += 1;
    }

    /// Moves the bound flips of the passed breakpoints (`flips`) to their
    /// other bound: `x_B -= B⁻¹ Σ a_j Δx_j`.
    fn apply_flips(&mut self) {
        if self.scratch.flips.is_empty() {
            return;
        }
        self.scratch.rhs.fill(0.0);
        for fi in 0..self.scratch.flips.len() {
            let j = self.scratch.flips[fi];
            let (st, nx) = if self.it.status[j] == VarStatus::Lower {
                (VarStatus::Upper, self.lp.ub[j])
            } else {
                (VarStatus::Lower, self.lp.lb[j])
            };
            let delta = nx - self.it.x[j];
            self.it.x[j] = nx;
            self.it.status[j] = st;
            self.a.axpy(j, delta, &mut self.scratch.rhs);
        }
        self.sub_binv_rhs();
        self.iterations += self.scratch.flips.len();
        self.scratch.flips.clear();
    }
}

/// Ratio at which nonbasic `j`'s reduced cost hits zero along the dual ray, given the
/// signed pivot-row entry `a` (already eligible: a<0 at lower, a>0 at upper).
#[inline]
fn dual_ratio(st: VarStatus, d: f64, a: f64) -> f64 {
    match st {
        VarStatus::Lower | VarStatus::Upper => d / -a,
        _ => 0.0,
    }
}
