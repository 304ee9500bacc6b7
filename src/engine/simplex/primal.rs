//! The primal simplex: Devex pricing and the Harris ratio test.
//!
//! Runs when only costs changed from a primal-feasible basis, and to clean
//! up after the dual simplex ran on shifted costs. Devex reference weights
//! approximate steepest-edge pricing; the two-pass Harris ratio test takes,
//! among the steps that keep every basic within its tolerance, the largest
//! pivot; the entering variable flips to its other bound when that comes
//! first. Unboundedness is only declared after a second pass over every
//! non-zero of the column above rounding noise, and comes with a primal ray.

use super::stall::Stall;
use super::{tolerance, Outcome, Simplex, SolveError, VarStatus, INF, PIV_TOL, SMALL_PIVOT};

/// What the ratio test found for the entering variable.
enum Step {
    /// It reaches its own other bound first: flip it.
    Flip,
    /// Nothing blocks it: a primal ray.
    Ray,
    /// Basic position `r` leaves at step `theta`, to its lower bound if `to_lower`.
    Leave {
        r: usize,
        theta: f64,
        to_lower: bool,
    },
    /// No candidate, which only NaN can cause.
    Lost,
}

impl Simplex {
    /// Runs the primal simplex from a primal-feasible basis until `d` is dual
    /// feasible (`Optimal`), a primal ray proves the LP unbounded, or
    /// feasibility is lost numerically (`Restart`).
    pub(super) fn primal_simplex(&mut self, allow_perturb: bool) -> Result<Outcome, SolveError> {
        self.devex.fill(1.0);
        let mut stall = Stall::new(allow_perturb);
        let mut just_refactored = false;
        loop {
            if self.inv.eta_count >= self.opts.refactor_interval && !self.primal_refactor()? {
                return Ok(Outcome::Restart);
            }
            let Some(q) = self.devex_pricing(stall.bland) else {
                return Ok(Outcome::Optimal);
            };
            if self.iterations >= self.opts.iteration_limit {
                return Err(SolveError::IterationLimit);
            }
            let sigma = match self.it.status[q] {
                VarStatus::Lower => 1.0,
                VarStatus::Upper => -1.0,
                _ => {
                    if self.it.d[q] < 0.0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
            };
            self.inv.ftran(&self.a, q);
            let (r, theta, to_lower) = match self.primal_ratio_test(q, sigma, stall.bland) {
                Step::Flip => {
                    self.flip_entering(q, sigma);
                    stall.progressed();
                    continue;
                }
                Step::Ray => {
                    self.store_ray(q, sigma);
                    return Ok(Outcome::Unbounded);
                }
                Step::Lost => return Ok(Outcome::Restart),
                Step::Leave { r, theta, to_lower } => (r, theta, to_lower),
            };
            let alpha_r = self.inv.alpha[r];
            if alpha_r.abs() < SMALL_PIVOT && !just_refactored && self.inv.eta_count > 0 {
                just_refactored = true;
                if !self.primal_refactor()? {
                    return Ok(Outcome::Restart);
                }
                continue;
            }
            just_refactored = false;
            self.primal_pivot(r, q, sigma, theta, to_lower);
            if stall.pivoted(theta) {
                self.perturb_bounds();
            }
        }
    }

    /// Fresh factors and the iterate recomputed from them; `false` if `x_B`
    /// is then no longer feasible (the phase must restart).
    fn primal_refactor(&mut self) -> Result<bool, SolveError> {
        self.refactor()?;
        self.compute_primal();
        if self.any_primal_infeasible() {
            return Ok(false);
        }
        self.compute_dual();
        Ok(true)
    }

    /// Devex: the nonbasic whose dual infeasibility² / reference weight is
    /// largest, or the first one under Bland's rule; `None` when `d` is dual
    /// feasible.
    fn devex_pricing(&self, bland: bool) -> Option<usize> {
        let tol_d = self.opts.dual_tol;
        let mut q = usize::MAX;
        let mut best = 0.0f64;
        for j in 0..self.n + self.m {
            let inf = self.dual_infeasibility(j, tol_d);
            if inf == 0.0 {
                continue;
            }
            if bland {
                q = j;
                break;
            }
            let score = inf * inf / self.devex[j];
            if score > best {
                best = score;
                q = j;
            }
        }
        (q != usize::MAX).then_some(q)
    }

    /// Two-pass Harris ratio test for `q` entering in direction `sigma`
    /// (`inv.alpha` holds `B⁻¹ a_q`). Pass 1: the largest step keeping every
    /// basic within its tolerance, tiny pivots skipped; unboundedness is only
    /// concluded after a second look over all non-zeros of the column. Pass 2:
    /// among the steps within that, the largest pivot (smallest variable under
    /// Bland's rule).
    fn primal_ratio_test(&self, q: usize, sigma: f64, bland: bool) -> Step {
        let m = self.m;
        let alpha = &self.inv.alpha;
        let range = self.lp.ub[q] - self.lp.lb[q];
        let col_max = alpha.iter().fold(1.0f64, |acc, v| acc.max(v.abs()));
        let mut theta_max = INF;
        let mut piv_tol = PIV_TOL;
        for attempt in 0..2 {
            if attempt == 1 {
                if theta_max < INF || range < INF {
                    break;
                }
                // Only rounding noise may be passed over before calling
                // the LP unbounded: a basic with |α| of 1e-10 of the
                // column still blocks, however far away.
                piv_tol = tolerance::NOISE * col_max;
            }
            let mut min_ratio = INF;
            for i in 0..m {
                let a = alpha[i];
                if a.abs() <= piv_tol {
                    continue;
                }
                let Some((h, exact)) = self.basic_ratio(self.it.basis[i], -sigma * a) else {
                    continue;
                };
                theta_max = theta_max.min(h.max(0.0));
                min_ratio = min_ratio.min(exact.max(0.0));
            }
            if bland {
                theta_max = min_ratio;
            }
        }

        if range < INF && range <= theta_max {
            return Step::Flip;
        }
        if theta_max == INF {
            return Step::Ray;
        }

        let mut r = usize::MAX;
        let mut best_a = 0.0f64;
        let mut theta = 0.0;
        let mut to_lower = false;
        for i in 0..m {
            let a = alpha[i];
            if a.abs() <= piv_tol {
                continue;
            }
            let v = self.it.basis[i];
            let rate = -sigma * a;
            let Some((_, exact)) = self.basic_ratio(v, rate) else {
                continue;
            };
            let exact = exact.max(0.0);
            if exact <= theta_max {
                let better = if bland {
                    r == usize::MAX || v < self.it.basis[r]
                } else {
                    a.abs() > best_a
                };
                if better {
                    best_a = a.abs();
                    r = i;
                    theta = exact;
                    to_lower = rate < 0.0;
                }
            }
        }
        if r == usize::MAX {
            return Step::Lost;
        }
        Step::Leave { r, theta, to_lower }
    }

    /// The step of the entering variable at which basic `v`, moving by `rate`
    /// per unit of it, reaches the bound it heads for: with that bound's
    /// tolerance added (Harris' pass 1), and exactly. `None` if that bound is
    /// infinite.
    #[inline]
    fn basic_ratio(&self, v: usize, rate: f64) -> Option<(f64, f64)> {
        let x = self.it.x[v];
        if rate < 0.0 {
            let l = self.lp.lb[v];
            if l == -INF {
                return None;
            }
            Some(((x - l + self.ptol(v, l)) / -rate, (x - l) / -rate))
        } else {
            let u = self.lp.ub[v];
            if u == INF {
                return None;
            }
            Some(((u - x + self.ptol(v, u)) / rate, (u - x) / rate))
        }
    }

    /// The entering variable `q` moves to its other bound; the basis stays.
    fn flip_entering(&mut self, q: usize, sigma: f64) {
        let step = sigma * (self.lp.ub[q] - self.lp.lb[q]);
        for i in 0..self.m {
            let v = self.it.basis[i];
            self.it.x[v] -= step * self.inv.alpha[i];
        }
        if self.it.status[q] == VarStatus::Lower {
            self.it.status[q] = VarStatus::Upper;
            self.it.x[q] = self.lp.ub[q];
        } else {
            self.it.status[q] = VarStatus::Lower;
            self.it.x[q] = self.lp.lb[q];
        }
        self.iterations += 1;
    }

    /// The ray of an unbounded LP: `x_q` moves by `σ`, `x_B` by `−σ·α`
    /// (unscaled columns).
    fn store_ray(&mut self, q: usize, sigma: f64) {
        self.out.ray.fill(0.0);
        if q < self.n {
            self.out.ray[q] = sigma * self.a.col_scale[q];
        }
        for i in 0..self.m {
            let v = self.it.basis[i];
            if v < self.n {
                self.out.ray[v] = -sigma * self.inv.alpha[i] * self.a.col_scale[v];
            }
        }
    }

    /// The primal pivot: `q` enters in direction `sigma` by `theta`, basic
    /// position `r` leaves to its lower bound if `to_lower`; reduced costs and
    /// Devex weights follow through the pivot row.
    fn primal_pivot(&mut self, r: usize, q: usize, sigma: f64, theta: f64, to_lower: bool) {
        let m = self.m;
        let alpha_r = self.inv.alpha[r];
        let p = self.it.basis[r];

        // Primal update.
        let step = sigma * theta;
        if step != 0.0 {
            for i in 0..m {
                let v = self.it.basis[i];
                self.it.x[v] -= step * self.inv.alpha[i];
            }
        }
        self.it.x[q] += step;
        self.it.x[p] = if to_lower {
            self.lp.lb[p]
        } else {
            self.lp.ub[p]
        };
        self.it.status[p] = if to_lower || self.lp.lb[p] == self.lp.ub[p] {
            VarStatus::Lower
        } else {
            VarStatus::Upper
        };

        // Pivot row for the dual and Devex updates (p is nonbasic now, q not yet
        // basic), row-wise over the non-zeros of ρ like the dual simplex's.
        self.inv.load_rho(r);
        self.pivot_row(1.0);
        let theta_d = self.it.d[q] / alpha_r;
        let wq = self.devex[q];
        let mut wmax = 0.0f64;
        for idx in 0..self.row.nz.len() {
            let j = self.row.nz[idx];
            let arj = self.row.work[j];
            if arj != 0.0 {
                self.it.d[j] -= theta_d * arj;
                let ratio = arj / alpha_r;
                let w = ratio * ratio * wq;
                if w > self.devex[j] {
                    self.devex[j] = w;
                    wmax = wmax.max(w);
                }
            }
        }
        self.it.d[q] = 0.0;
        self.it.d[p] = -theta_d;
        self.devex[p] = (wq / (alpha_r * alpha_r)).max(1.0);
        self.it.status[q] = VarStatus::Basic;
        self.inv.update(r);
        self.it.basis[r] = q;
        self.iterations += 1;
        if wmax > 1e6 {
            // Reference framework drifted too far: reset it.
            self.devex.fill(1.0);
        }
    }
}
