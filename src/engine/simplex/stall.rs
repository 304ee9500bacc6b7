//! Degeneracy: the stall handler both phases share, and the perturbations it
//! calls for.
//!
//! Harris tolerances in the ratio tests absorb most ties. After a run of
//! degenerate pivots a phase perturbs its problem once (small random cost
//! shifts in the dual simplex, bound expansions in the primal), removed at the
//! end and cleaned up by the other algorithm; if the phase still stalls,
//! Bland's smallest-index rule, which cannot cycle, takes over. Only the first
//! rounds of a solve may perturb, so later rounds converge unperturbed.

use super::{Simplex, VarStatus, INF};

/// Start of the perturbation noise sequence.
const RNG_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Steps shorter than this count as degenerate.
const DEGENERATE_STEP: f64 = 1e-12;
/// Consecutive degenerate pivots before perturbing.
const STALL_PERTURB: usize = 25;
/// Consecutive degenerate pivots before falling back to Bland's rule.
const STALL_BLAND: usize = 400;

/// Degenerate-pivot bookkeeping of one phase run.
pub(super) struct Stall {
    degenerate: usize,
    allow_perturb: bool,
    perturbed: bool,
    /// Price and choose ties by smallest index (Bland's rule) from now on.
    pub(super) bland: bool,
}

impl Stall {
    /// A phase run that may perturb its problem once if `allow_perturb`.
    pub(super) fn new(allow_perturb: bool) -> Self {
        Stall {
            degenerate: 0,
            allow_perturb,
            perturbed: false,
            bland: false,
        }
    }

    /// Records a pivot that moved by `step`; true when the phase should
    /// perturb its problem now.
    #[inline]
    pub(super) fn pivoted(&mut self, step: f64) -> bool {
        if step <= DEGENERATE_STEP {
            self.degenerate += 1;
            if self.degenerate >= STALL_PERTURB && self.allow_perturb && !self.perturbed {
                self.perturbed = true;
                self.degenerate = 0;
                return true;
            } else if self.degenerate >= STALL_BLAND {
                self.bland = true;
            }
        } else {
            self.degenerate = 0;
        }
        false
    }

    /// Records progress made without a pivot (a bound flip).
    #[inline]
    pub(super) fn progressed(&mut self) {
        self.degenerate = 0;
    }
}

/// Deterministic, allocation-free perturbation noise (xorshift64*), restarted
/// with the basis so a solve sequence depends only on its inputs.
#[derive(Clone)]
pub(super) struct Noise(u64);

impl Noise {
    pub(super) fn new() -> Self {
        Noise(RNG_SEED)
    }

    /// A draw in `[0, 1)`.
    pub(super) fn next01(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Simplex {
    /// Shifts nonbasic costs away from 0 in the feasible direction to break dual ties.
    pub(super) fn perturb_costs(&mut self) {
        for j in 0..self.n + self.m {
            let st = self.it.status[j];
            if st == VarStatus::Basic || st == VarStatus::Free || self.lp.lb[j] == self.lp.ub[j] {
                continue;
            }
            let eps =
                1e-7 * (self.a.dunit[j] + self.lp.cost0[j].abs()) * (1.0 + self.noise.next01());
            let e = if st == VarStatus::Lower { eps } else { -eps };
            self.lp.wcost[j] += e;
            self.it.d[j] += e;
        }
        self.lp.costs_shifted = true;
    }

    /// Expands the bounds of basic variables by small random amounts so degenerate
    /// basics get room to move.
    pub(super) fn perturb_bounds(&mut self) {
        for i in 0..self.m {
            let v = self.it.basis[i];
            if self.lp.lb[v] > -INF {
                let eps =
                    1e-7 * (self.a.punit[v] + self.lp.lb[v].abs()) * (1.0 + self.noise.next01());
                self.lp.lb[v] -= eps;
            }
            if self.lp.ub[v] < INF {
                let eps =
                    1e-7 * (self.a.punit[v] + self.lp.ub[v].abs()) * (1.0 + self.noise.next01());
                self.lp.ub[v] += eps;
            }
        }
        self.lp.bounds_perturbed = true;
    }
}
