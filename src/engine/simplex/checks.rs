//! Feasibility, residuals and the final check of an optimum.
//!
//! Tolerances are stated for the unscaled problem (primal `1e-9·(1 + |bound|)`,
//! dual `1e-9·max|c|`, see [`super::tolerance`]) and mapped per variable into
//! scaled units, so scaling never loosens what the caller gets. An optimum is
//! only reported after `check_optimum`: fresh `y` and `d`, vanishing
//! residuals `A x − r` and `c_B − Bᵀy`, and primal and dual feasibility.
//! A row whose remaining violation is provably rounding noise of an
//! ill-conditioned basis (`tol_extra`, granted by the dual simplex) is moved
//! onto its bound by `settle_noise` where the basis allows it.

use super::{tolerance, Simplex, SolveError, VarStatus, INF};

impl Simplex {
    /// Primal feasibility tolerance of variable `j` at (scaled) bound `b`:
    /// `primal_tol · (1 + |b|)` in unscaled units.
    #[inline]
    pub(super) fn ptol(&self, j: usize, b: f64) -> f64 {
        self.opts.primal_tol * (self.a.punit[j] + b.abs())
    }

    /// Amount by which nonbasic `j` violates dual feasibility beyond `tol`
    /// (0 if none; a basic or fixed variable never does).
    #[inline(always)]
    pub(super) fn dual_infeasibility(&self, j: usize, tol: f64) -> f64 {
        let (v, bad) = self.dual_violation(j, tol);
        if bad {
            v
        } else {
            0.0
        }
    }

    /// Whether nonbasic `j` violates dual feasibility beyond `tol`
    /// (`dual_infeasibility(j, tol) > 0`).
    #[inline(always)]
    pub(super) fn is_dual_infeasible(&self, j: usize, tol: f64) -> bool {
        self.dual_violation(j, tol).1
    }

    /// `j`'s reduced cost on the wrong side, and whether that is beyond
    /// `tol` for a nonbasic, non-fixed variable. Computed without branches,
    /// as a conjunction of comparisons: the passes over all variables ask
    /// it of every one, and the sign of a reduced cost near 0 is a coin
    /// toss to a branch predictor.
    #[inline(always)]
    fn dual_violation(&self, j: usize, tol: f64) -> (f64, bool) {
        let (dj, st) = (self.it.d[j], self.it.status[j]);
        let v = if st == VarStatus::Upper {
            dj
        } else if st == VarStatus::Lower {
            -dj
        } else {
            dj.abs()
        };
        let bad = (st != VarStatus::Basic)
            & (v > tol * self.a.dunit[j])
            & (self.lp.lb[j] != self.lp.ub[j]);
        (v, bad)
    }

    /// Whether some nonbasic violates dual feasibility.
    pub(super) fn any_dual_infeasible(&self) -> bool {
        let tol = self.opts.dual_tol;
        (0..self.n + self.m).fold(false, |bad, j| bad | self.is_dual_infeasible(j, tol))
    }

    /// Primal infeasibility of basic position `i`: negative below lb, positive above ub.
    #[inline]
    pub(super) fn primal_infeasibility(&self, i: usize) -> f64 {
        let v = self.it.basis[i];
        let (xv, l, u) = (self.it.x[v], self.lp.lb[v], self.lp.ub[v]);
        if xv >= l && xv <= u {
            // Within the bounds themselves, so within any tolerance of them
            // (tolerances are never negative): the common case, decided
            // without computing them.
            return 0.0;
        }
        let e = self.lp.tol_extra[v];
        if xv < l - self.ptol(v, l) - e {
            xv - l
        } else if xv > u + self.ptol(v, u) + e {
            xv - u
        } else {
            0.0
        }
    }

    /// Whether some basic variable is out of its bounds.
    pub(super) fn any_primal_infeasible(&self) -> bool {
        (0..self.m).any(|i| self.primal_infeasibility(i) != 0.0)
    }

    /// Flips dual-infeasible boxed nonbasics to the other bound and shifts the costs of
    /// the other dual-infeasible ones so that `d_j = 0`. Returns whether anything
    /// flipped (then `x_B` must be recomputed).
    pub(super) fn make_dual_feasible(&mut self) -> bool {
        let tol = self.opts.dual_tol;
        let mut flipped = false;
        for j in 0..self.n + self.m {
            if self.dual_infeasibility(j, tol) == 0.0 {
                continue;
            }
            let (l, u) = (self.lp.lb[j], self.lp.ub[j]);
            match self.it.status[j] {
                VarStatus::Lower if u < INF => {
                    self.it.status[j] = VarStatus::Upper;
                    self.it.x[j] = u;
                    flipped = true;
                }
                VarStatus::Upper if l > -INF => {
                    self.it.status[j] = VarStatus::Lower;
                    self.it.x[j] = l;
                    flipped = true;
                }
                _ => {
                    self.lp.wcost[j] -= self.it.d[j];
                    self.it.d[j] = 0.0;
                    self.lp.costs_shifted = true;
                }
            }
        }
        flipped
    }

    /// Verifies `A x - r = 0` to working precision, leaving `A x - r` in
    /// `rhs`. Row by row over the row-wise copy of `A` (columns ascending,
    /// then the row's logical), so each row's sum is one register chain and
    /// adds the same products in the same order as a column-wise scatter.
    pub(super) fn primal_residual_ok(&mut self) -> bool {
        let (m, n) = (self.m, self.n);
        let a = &self.a;
        let mut ok = true;
        for i in 0..m {
            // r = Σ a_ij x_j (should vanish), scale = Σ |a_ij x_j| (its natural size).
            let (mut r, mut scale) = (0.0f64, 0.0f64);
            // No test for x_j = 0: its product adds nothing (at most the
            // sign of a zero), and the branch would be a coin toss.
            for k in a.row_start[i]..a.row_start[i + 1] {
                let t = a.row_value[k] * self.it.x[a.col_index[k]];
                r += t;
                scale += t.abs();
            }
            let xs = self.it.x[n + i];
            r -= xs;
            scale += xs.abs();
            self.scratch.rhs[i] = r;
            ok &= !(r.abs() > tolerance::RESIDUAL * (1.0 + scale));
        }
        ok
    }

    /// Verifies `c_B - Bᵀ y = 0` to working precision.
    pub(super) fn dual_residual_ok(&self) -> bool {
        for i in 0..self.m {
            let j = self.it.basis[i];
            let r = self.lp.wcost[j] - self.a.dot(j, &self.it.y);
            if r.abs() > tolerance::RESIDUAL * (1.0 + self.lp.wcost[j].abs()) {
                return false;
            }
        }
        true
    }

    /// Moves basic variables that lie outside their bounds by no more than
    /// the rounding noise the dual simplex accepted (`tol_extra`) onto the
    /// bound, where the basis allows it. Such an `x_B` is ill-determined: for
    /// an ill-conditioned `B`, `x_B + B⁻¹δ` with the smallest `δ` that puts
    /// basic `i` on its bound (`δ ∝` row `i` of `B⁻¹`, `|δ| = |t|/‖ρ_i‖`) solves
    /// `B x_B = −N x_N` as well as `x_B` does. A move is kept only if `δ` is
    /// below working precision, no other basic leaves its bounds and the
    /// residual `A x − r` still vanishes; otherwise the accepted noise stays.
    pub(super) fn settle_noise(&mut self) {
        let m = self.m;
        if (0..m).all(|i| self.lp.tol_extra[self.it.basis[i]] == 0.0) {
            return;
        }
        let residual_ok = self.primal_residual_ok();
        for i in 0..m {
            let v = self.it.basis[i];
            if self.lp.tol_extra[v] == 0.0 {
                continue;
            }
            let (xv, l, u) = (self.it.x[v], self.lp.lb[v], self.lp.ub[v]);
            let t = if xv < l - self.ptol(v, l) {
                l - xv
            } else if xv > u + self.ptol(v, u) {
                u - xv
            } else {
                continue;
            };
            let row = &self.inv.binv[i * m..(i + 1) * m];
            let norm2: f64 = row.iter().map(|r| r * r).sum();
            let rmax = row.iter().fold(0.0f64, |a, r| a.max(r.abs()));
            let dmax = t.abs() * rmax / norm2;
            if !(dmax <= tolerance::RESIDUAL) {
                continue;
            }
            // Δx_B = (t/‖ρ‖²) B⁻¹ ρᵀ.
            let f = t / norm2;
            let mut ok = true;
            for k in 0..m {
                let w: f64 = self.inv.binv[k * m..(k + 1) * m]
                    .iter()
                    .zip(row)
                    .map(|(a, b)| a * b)
                    .sum();
                self.inv.alpha[k] = f * w;
            }
            self.inv.alpha[i] = t;
            for k in 0..m {
                let vk = self.it.basis[k];
                let (lk, uk) = (self.lp.lb[vk], self.lp.ub[vk]);
                let inside = |x: f64| x >= lk - self.ptol(vk, lk) && x <= uk + self.ptol(vk, uk);
                if k != i && inside(self.it.x[vk]) && !inside(self.it.x[vk] + self.inv.alpha[k]) {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            for k in 0..m {
                let vk = self.it.basis[k];
                self.it.x[vk] += self.inv.alpha[k];
            }
            if residual_ok && !self.primal_residual_ok() {
                for k in 0..m {
                    let vk = self.it.basis[k];
                    self.it.x[vk] -= self.inv.alpha[k];
                }
                continue;
            }
            self.it.x[v] = if t > 0.0 { l } else { u };
        }
    }

    /// The check of a phase's optimum before it is reported: restores the
    /// unperturbed problem, recomputes `y` and `d` (and `x_B` unless the
    /// residual `A x - r` still vanishes), judges a drifted inverse with fresh
    /// factors, and re-checks primal and dual feasibility. `false`: not an
    /// optimum after all; the caller restarts from the (refactorised) basis.
    pub(super) fn check_optimum(&mut self) -> Result<bool, SolveError> {
        self.lp.restore_costs();
        self.lp.restore_bounds();
        let mut primal_ok = self.primal_residual_ok();
        // Whether `d` is dual infeasible, when known from its recomputation
        // (nothing below changes `d`, the statuses or the bounds after it).
        let mut dual_infeasible = None;
        if self.iterations > 0 {
            // x_B and d were updated incrementally. Keep x_B while A x - r
            // still vanishes (cheap to check); always recompute y and d, which
            // also refreshes d of fixed columns (not tracked while pivoting).
            if !primal_ok {
                self.compute_primal();
                primal_ok = self.primal_residual_ok();
            }
            dual_infeasible = Some(self.compute_dual_and_check(true));
        }
        if !(primal_ok && self.dual_residual_ok()) && self.inv.eta_count > 0 {
            // Updated inverse drifted: judge the basis with fresh factors
            // (their residual is the best this basis allows).
            self.refactor()?;
            self.normalize_nonbasic();
            self.compute_primal();
            dual_infeasible = Some(self.compute_dual_and_check(true));
            primal_ok = false;
        }
        if !primal_ok {
            self.refine_primal();
        }
        self.settle_noise();
        if self.any_primal_infeasible()
            || dual_infeasible.unwrap_or_else(|| self.any_dual_infeasible())
        {
            if self.inv.eta_count > 0 {
                self.refactor()?;
            }
            return Ok(false);
        }
        Ok(true)
    }
}
