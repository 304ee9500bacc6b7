//! Exact bounded-variable revised simplex for the per-period clearing LP.
//!
//! # What
//! Solves `min c·x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper`
//! to an optimal *basis* (vertex solution with exact complementary duals), and
//! re-solves warm from the basis the previous solve ended with. The matrix is fixed
//! for the solver's lifetime; bounds and costs may change between solves.
//!
//! # How
//! * **Model.** One logical variable `r_i` per row: `A x - r = 0`, `r` bounded by the row
//!   bounds, so every constraint is a variable bound and the all-logical basis `-I` is
//!   always a valid cold start. Nonbasic variables sit at a bound (or at 0 when free).
//! * **Scaling.** Geometric row/column scaling, rounded to powers of two (so scaling is
//!   exact in floating point), computed once in [`Simplex::new`]; the objective is
//!   normalised per solve so that `max |c_j| ≈ 1`. Tolerances (all in [`tolerance`])
//!   are stated for the *unscaled* problem (primal `1e-9·(1 + |bound|)`, dual
//!   `1e-9·max|c|`) and mapped per variable into scaled units, so scaling never
//!   loosens what the caller gets; every reported quantity is unscaled.
//! * **Basis inverse.** An explicit `B⁻¹` with a non-zero mask per row, updated by
//!   rank-1 pivots and refactorised every `refactor_interval` pivots, before
//!   declaring infeasible/unbounded, and when a final residual check fails; it
//!   survives across solves and [`BasisState`] carries it (see `inverse.rs`).
//! * **Bounds-only re-solve.** When the costs equal those of the last verified
//!   optimum (a simulation period where only capacities and stocks moved), `y` and `d`
//!   still hold: only the nonbasics whose bounds changed move, `x_B` is corrected by
//!   `B⁻¹` times their change, and the dual simplex runs only if that left a basic
//!   variable out of bounds. The final checks below apply as to any solve.
//! * **Warm start.** Nonbasic variables move to their (new) bounds, `x_B`, `y`, `d` are
//!   recomputed. Dual-infeasible *boxed* nonbasics are simply flipped to the other bound.
//!   If the basis is then dual feasible → **dual simplex** (the common case: capacities
//!   changed). If only unboxed variables are dual infeasible and the basis is primal
//!   feasible → **primal simplex** (costs changed). Otherwise the offending costs are
//!   *shifted* to make the basis dual feasible, the dual simplex runs, the shifts are
//!   removed and the primal simplex cleans up from the now primal-feasible basis. This
//!   replaces a separate phase 1: infeasibility is proven by the dual simplex (a dual
//!   ray; independent of costs), unboundedness by the primal simplex from a feasible
//!   point (a primal ray).
//! * **Dual simplex:** exact dual steepest-edge pricing, bound-flipping ratio test
//!   (passes breakpoints of boxed variables while the leaving row stays infeasible) with
//!   Harris' two-pass tolerance in every group. The pivot row `ρ A` is built row-wise
//!   from a row-compressed copy of `A` over the non-zeros of `ρ = e_r B⁻¹` (a few in a
//!   network basis), so its cost follows the row's non-zeros, not `n + m`; bound flips
//!   move `x_B` through the columns of `B⁻¹` their rows touch.
//! * **Primal simplex:** Devex pricing, Harris two-pass ratio test, bound flips of the
//!   entering variable.
//! * **Degeneracy.** Harris tolerances; after a run of degenerate pivots, small random
//!   cost perturbations (dual) / bound expansions (primal) are applied and removed at
//!   the end (cleanup with the other algorithm); if a phase still stalls, Bland's
//!   smallest-index rule (guaranteed termination) takes over. The iteration limit is a
//!   hard stop ([`SolveError::IterationLimit`]).
//! * **Exactness check.** Before reporting `Optimal`, `y` and `d` are recomputed from
//!   scratch (and `x_B` too unless the residual `A x - r` still vanishes), the residuals
//!   `A x - r` and `c_B - Bᵀy` are verified (fresh factors if not) and primal/dual
//!   feasibility re-checked; any failure refactors and resumes. Infeasible/Unbounded are
//!   only declared after a refactor, and only after a fallback ratio test over *all*
//!   nonzero pivot candidates (tiny ones included; for a primal ray, all above
//!   rounding noise, `1e-12` of the column) found no way out.
//! * **Ill-conditioning.** A row that the dual ray says cannot be repaired, but whose
//!   violation is below the rounding noise `1e-12·Σ|α_rj x_j|` of its own computation, is
//!   accepted as feasible for that solve instead of being reported Infeasible; that
//!   judgement is only made with fresh factors (an updated inverse refactorises and
//!   the dual simplex carries on), as updates' drift can pass for noise. Before the
//!   optimum is reported, such a basic value is moved onto its bound along the
//!   basis' near-null direction when that changes `A x − r` by less than working
//!   precision (an ill-conditioned basis determines `x_B` no better than that).
//! * **Speed.** All workspace is sized in `new`; `solve` never allocates. The dense
//!   kernels (refactorisation) use AVX2 when the CPU has it (runtime-detected,
//!   bitwise-identical results either way).
//!
//! # Duals
//! `row_dual()[i] = y_i = ∂obj/∂b_i` for the row's active bound; reduced costs
//! `d_j = c_j - Σ_i y_i a_ij`. For a minimisation, a binding `<=` row (at its upper
//! bound) has `y_i <= 0`, a binding `>=` row `y_i >= 0`; a column at its lower bound has
//! `d_j >= 0`, at its upper bound `d_j <= 0`; basic columns and non-binding rows have 0.
//!
//! # Layout
//! One file per job. The solver's state is [`Simplex`] (below), grouped into a
//! few structs each defined beside the code that owns it; every file adds the
//! `impl Simplex` methods of its job. Each file's opening comment says what it
//! does and why.
//! * `mod.rs` (this file): the public API, the solver's state and the phase
//!   loop (`solve` → restart / dual / primal / check).
//! * `matrix.rs`: the caller's [`SparseMatrix`], its scaled copy (by columns and
//!   by rows) and the scaling.
//! * `problem.rs`: the caller's bounds and costs, the scaled working problem
//!   (with its shifts and perturbations), and the bounds-only warm path.
//! * `inverse.rs`: the basis inverse `B⁻¹` (ftran, rank-1 update,
//!   refactorisation), the iterate it determines (`x_B`, `y`, `d`) and
//!   [`BasisState`] (save and restore).
//! * `dual.rs`: the dual simplex: dual steepest-edge pricing, the pivot row and
//!   the bound-flipping ratio test.
//! * `primal.rs`: the primal simplex: Devex pricing and the Harris ratio test.
//! * `stall.rs`: degeneracy: the one stall handler both phases use, and the
//!   cost and bound perturbations it calls for.
//! * `checks.rs`: primal and dual feasibility, the residuals, and the final
//!   check of an optimum before it is reported.
//! * `kernels.rs`: the dense and masked floating-point kernels (the only
//!   `unsafe`: the AVX2 build, behind safe wrappers).
//! * [`tolerance`]: what the solver guarantees (public: the tests check
//!   answers against it).
//!
//! To change the ratio test: `dual.rs` (`dual_ratio_test`) for the dual
//! simplex, `primal.rs` (`primal_ratio_test`) for the primal.
//!
//! # Tests
//! Hand-solved LPs and the tests that look inside the solver (masks of
//! `B⁻¹`, update counts, a singular basis) are in `tests.rs` here; random
//! LPs against an independent solver with full optimality certificates, and
//! warm starts against cold solves, are in `tests/solver/`. Those two
//! places hold all of the solver's tests.

#![warn(missing_docs)]
#![allow(clippy::needless_range_loop)]

mod checks;
mod dual;
mod inverse;
mod kernels;
mod matrix;
mod primal;
mod problem;
mod stall;
#[cfg(test)]
mod tests;
pub mod tolerance;

use std::fmt;

pub use inverse::BasisState;
pub use matrix::SparseMatrix;

use dual::PivotRow;
use inverse::Inverse;
use matrix::ScaledMatrix;
use problem::{Problem, ScaledProblem};
use stall::Noise;

const INF: f64 = f64::INFINITY;
/// Smallest |alpha| accepted as a ratio-test pivot candidate (scaled problem).
const PIV_TOL: f64 = 1e-7;
/// Below this a pivot element is considered dangerous: refactor and retry first.
const SMALL_PIVOT: f64 = 1e-7;
/// Relative pivot tolerance of the fallback pass before declaring a ray.
const TINY_PIV: f64 = 1e-9;
/// Gauss-Jordan pivot below this (after scaling) means a singular basis.
const SING_TOL: f64 = 1e-11;
/// Outer rounds (phase switches / restarts) before giving up.
const MAX_ROUNDS: usize = 40;
/// Only the first rounds may perturb; later ones must converge unperturbed.
const PERTURB_ROUNDS: usize = 4;

/// Outcome of a successful solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An optimal basis was found; primal and dual solutions are available.
    Optimal,
    /// No point satisfies the bounds (proven by a dual ray).
    Infeasible,
    /// Feasible, and the objective decreases without bound along a primal ray.
    Unbounded,
}

/// The solver gave up; the problem status is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolveError {
    /// More pivots than [`Simplex::set_iteration_limit`] allows.
    IterationLimit,
    /// NaN in bounds/costs, or singular/ill-conditioned bases that refactorisation and a
    /// cold restart could not fix.
    NumericalTrouble,
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolveError::IterationLimit => f.write_str("simplex iteration limit reached"),
            SolveError::NumericalTrouble => f.write_str("simplex ran into numerical trouble"),
        }
    }
}

impl std::error::Error for SolveError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum VarStatus {
    Basic,
    #[default]
    Lower,
    Upper,
    /// Nonbasic free variable held at 0.
    Free,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Restart,
    Dual,
    Primal,
    Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Optimal,
    Infeasible,
    Unbounded,
    /// Feasibility was lost numerically; re-enter through `start_phase`.
    Restart,
}

/// The basis and the point it determines, over the `n + m` variables
/// (structurals, then one logical per row), in scaled units.
#[derive(Clone)]
struct Iterate {
    /// `basis[i]` is the variable basic in position `i` (row `i` of `B⁻¹`).
    basis: Vec<usize>,
    status: Vec<VarStatus>,
    x: Vec<f64>,
    /// Reduced costs (0 on basics).
    d: Vec<f64>,
    /// Row duals `y = B⁻ᵀ c_B`.
    y: Vec<f64>,
}

/// The answer of the last solve, in the caller's units.
#[derive(Clone)]
struct Solution {
    x: Vec<f64>,
    y: Vec<f64>,
    /// The primal ray of the last `Unbounded` answer (unscaled columns).
    ray: Vec<f64>,
}

/// The caller's settings.
#[derive(Clone)]
struct Options {
    iteration_limit: usize,
    refactor_interval: usize,
    primal_tol: f64,
    dual_tol: f64,
}

/// Workspace of the passes that move a few variables at once.
#[derive(Clone)]
struct Scratch {
    /// A right-hand side `Σ a_j Δx_j` (or the residual `A x − r`).
    rhs: Vec<f64>,
    /// Candidates of the dual ratio test.
    cand: Vec<usize>,
    /// Breakpoints the dual ratio test passed: nonbasics to flip.
    flips: Vec<usize>,
    /// Variables whose bounds changed since the last optimum.
    changed: Vec<usize>,
}

/// Warm-startable bounded simplex; see the module docs. `Clone` gives an independent
/// solver (e.g. one per worker thread) with the same matrix, data and basis.
#[derive(Clone)]
pub struct Simplex {
    m: usize,
    n: usize,
    a: ScaledMatrix,
    /// The caller's problem, read by the next solve.
    user: Problem,
    /// The problem of the last verified optimum (valid while `hot`).
    prev: Problem,
    /// The iterate is a verified optimum of `prev` (no shifts or
    /// perturbations left), so a solve whose costs are unchanged can start from it.
    hot: bool,
    lp: ScaledProblem,
    it: Iterate,
    inv: Inverse,
    row: PivotRow,
    /// Devex reference weights of the primal simplex's pricing.
    devex: Vec<f64>,
    scratch: Scratch,
    out: Solution,
    opts: Options,
    iterations: usize,
    noise: Noise,
}

impl Simplex {
    /// Takes ownership of the (fixed) matrix and allocates all workspace.
    /// Columns default to `[0, +inf]`, rows to `[-inf, +inf]`, costs to 0.
    pub fn new(a: SparseMatrix) -> Self {
        Self::with_scaling(a, true)
    }

    /// Like [`Simplex::new`]; `scale = false` disables row/column scaling.
    pub fn with_scaling(a: SparseMatrix, scale: bool) -> Self {
        let m = a.nrows;
        let n = a.ncols;
        let nt = n + m;
        let mut s = Simplex {
            m,
            n,
            a: ScaledMatrix::new(a, scale),
            user: Problem::new(m, n),
            prev: Problem::zeros(m, n),
            hot: false,
            lp: ScaledProblem::new(nt),
            it: Iterate {
                basis: vec![0; m],
                status: vec![VarStatus::Lower; nt],
                x: vec![0.0; nt],
                d: vec![0.0; nt],
                y: vec![0.0; m],
            },
            inv: Inverse::new(m),
            row: PivotRow::new(nt),
            devex: vec![1.0; nt],
            scratch: Scratch {
                rhs: vec![0.0; m],
                cand: Vec::with_capacity(nt),
                flips: Vec::with_capacity(nt),
                changed: Vec::with_capacity(nt),
            },
            out: Solution {
                x: vec![0.0; n],
                y: vec![0.0; m],
                ray: vec![0.0; n],
            },
            opts: Options {
                iteration_limit: 20 * (n + m) + 10_000,
                refactor_interval: 100,
                primal_tol: tolerance::PRIMAL,
                dual_tol: tolerance::DUAL,
            },
            iterations: 0,
            noise: Noise::new(),
        };
        s.reset_basis();
        s
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.m
    }

    /// Number of columns.
    pub fn num_cols(&self) -> usize {
        self.n
    }

    /// Column lower bounds (may be `-inf`), read by the next `solve`.
    pub fn col_lower_mut(&mut self) -> &mut [f64] {
        &mut self.user.col_lower
    }

    /// Column upper bounds (may be `+inf`; equal to the lower bound for a fixed column).
    pub fn col_upper_mut(&mut self) -> &mut [f64] {
        &mut self.user.col_upper
    }

    /// Objective coefficients `c` (minimised).
    pub fn cost_mut(&mut self) -> &mut [f64] {
        &mut self.user.cost
    }

    /// Row lower bounds on `A x` (may be `-inf`; equal to the upper bound for `=`).
    pub fn row_lower_mut(&mut self) -> &mut [f64] {
        &mut self.user.row_lower
    }

    /// Row upper bounds on `A x` (may be `+inf`).
    pub fn row_upper_mut(&mut self) -> &mut [f64] {
        &mut self.user.row_upper
    }

    /// Current column lower bounds.
    pub fn col_lower(&self) -> &[f64] {
        &self.user.col_lower
    }

    /// Current column upper bounds.
    pub fn col_upper(&self) -> &[f64] {
        &self.user.col_upper
    }

    /// Current objective coefficients.
    pub fn cost(&self) -> &[f64] {
        &self.user.cost
    }

    /// Current row lower bounds.
    pub fn row_lower(&self) -> &[f64] {
        &self.user.row_lower
    }

    /// Current row upper bounds.
    pub fn row_upper(&self) -> &[f64] {
        &self.user.row_upper
    }

    /// Maximum pivots (including bound flips) per `solve`.
    pub fn set_iteration_limit(&mut self, n: usize) {
        self.opts.iteration_limit = n;
    }

    /// Primal and dual feasibility tolerances (defaults [`tolerance::PRIMAL`] and
    /// [`tolerance::DUAL`], 1e-9), in unscaled terms: a value may violate a bound by
    /// `primal·(1 + |bound|)`, a reduced cost/dual may have the wrong sign by
    /// `dual·max|c|`.
    ///
    /// # Panics
    ///
    /// If either is negative or NaN (the feasibility tests rely on it).
    pub fn set_tolerances(&mut self, primal: f64, dual: f64) {
        assert!(
            primal >= 0.0 && dual >= 0.0,
            "tolerances must be non-negative"
        );
        self.opts.primal_tol = primal;
        self.opts.dual_tol = dual;
        self.hot = false;
    }

    /// Pivots between refactorisations (default 100).
    pub fn set_refactor_interval(&mut self, k: usize) {
        self.opts.refactor_interval = k.max(1);
    }

    /// Back to the all-logical basis (cold start).
    pub fn reset_basis(&mut self) {
        let (m, n) = (self.m, self.n);
        for j in 0..n {
            self.it.status[j] = VarStatus::Lower;
        }
        for i in 0..m {
            self.it.basis[i] = n + i;
            self.it.status[n + i] = VarStatus::Basic;
        }
        self.inv.set_logical();
        self.noise = Noise::new();
        self.hot = false;
    }

    /// Rebuilds `B⁻¹` of the current basis from scratch, dropping the update
    /// history: a basis that many solves start from should carry fresh factors
    /// (its `eta_count` restarts at 0, so they refactorise only after their own
    /// updates add up).
    pub fn refresh_factors(&mut self) -> Result<(), SolveError> {
        self.refactor()
    }

    /// `c·x` of the last solve (meaningful when it returned `Optimal`;
    /// computed on demand, like the other outputs the clearing never reads).
    pub fn objective(&self) -> f64 {
        // An optimal solve leaves its costs in `prev_cost`.
        let mut obj = 0.0;
        for (c, x) in self.prev.cost.iter().zip(&self.out.x) {
            obj += c * x;
        }
        obj
    }

    /// Column values `x` of the last solve.
    pub fn col_value(&self) -> &[f64] {
        &self.out.x
    }

    /// `A x` computed from the unscaled matrix (on demand: the clearing never
    /// needs it, so solves do not pay for it).
    pub fn row_activity(&self) -> Vec<f64> {
        let mut act = vec![0.0; self.m];
        for (j, &xj) in self.out.x.iter().enumerate().filter(|(_, &x)| x != 0.0) {
            for k in self.a.col_start[j]..self.a.col_start[j + 1] {
                act[self.a.row_index[k]] += self.a.orig_value[k] * xj;
            }
        }
        act
    }

    /// `y_i = ∂obj/∂b_i` of the row's active bound (0 for non-binding rows).
    pub fn row_dual(&self) -> &[f64] {
        &self.out.y
    }

    /// After a solve that returned `Unbounded`: the direction `d` (per column)
    /// that proves it, with `c·d < 0` and `x + t·d` feasible for every `t ≥ 0`
    /// from any feasible `x` (the entering column's unit step and the basics'
    /// response). Meaningless after other answers.
    pub fn unbounded_ray(&self) -> &[f64] {
        &self.out.ray
    }

    /// `d_j = c_j - Σ_i y_i a_ij` (0 for basic columns) of the last solve,
    /// computed on demand (call it before the basis is changed).
    pub fn col_reduced_cost(&self) -> Vec<f64> {
        (0..self.n)
            .map(|j| {
                if self.it.status[j] == VarStatus::Basic {
                    0.0
                } else {
                    self.it.d[j] / (self.a.col_scale[j] * self.lp.obj_scale)
                }
            })
            .collect()
    }

    /// Pivots plus bound flips in the last solve.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Solves, warm-starting from the basis the last solve ended with (or the restored
    /// one). Never allocates. On `Infeasible`/`Unbounded` the primal/dual vectors hold
    /// the last iterate and carry no meaning.
    pub fn solve(&mut self) -> Result<Status, SolveError> {
        self.iterations = 0;
        if self.user.has_nan() {
            // Bad input, not a numerical failure of the basis: keep the warm start.
            return Err(SolveError::NumericalTrouble);
        }
        let result = match self.solve_inner() {
            Err(SolveError::NumericalTrouble) => {
                // A cold start from the (perfectly conditioned) logical basis is the
                // most robust retry.
                self.reset_basis();
                let r = self.solve_inner();
                if r.is_err() {
                    self.inv.valid = false;
                }
                r
            }
            r => r,
        };
        self.hot = result == Ok(Status::Optimal);
        if self.hot {
            self.prev.copy_from(&self.user);
        }
        result
    }

    /// The phase loop of one solve attempt (see the module docs, "Warm start").
    fn solve_inner(&mut self) -> Result<Status, SolveError> {
        self.lp.costs_shifted = false;
        self.lp.bounds_perturbed = false;
        let warm = if self.hot && self.user.cost == self.prev.cost {
            self.update_bounds()
        } else {
            None
        };
        self.hot = false;
        let mut phase = match warm {
            Some(Phase::Check) if self.primal_residual_ok() => {
                // Only bounds moved and x_B stayed feasible: y and d are the
                // verified ones of the last optimum (update_bounds re-checked the
                // moved nonbasics), so this is optimal without further passes.
                self.extract();
                return Ok(Status::Optimal);
            }
            Some(phase) => phase,
            None => {
                if !self.load_problem()? {
                    self.normalize_nonbasic();
                    self.extract();
                    return Ok(Status::Infeasible);
                }
                if !self.inv.valid && self.refactor().is_err() {
                    self.reset_basis();
                }
                Phase::Restart
            }
        };
        let mut rounds = 0usize;
        let mut retried_infeasible = false;
        let mut retried_unbounded = false;
        loop {
            // Every phase run counts, so Dual<->Primal cleanup ping-pong cannot loop.
            if phase != Phase::Check {
                rounds += 1;
                if rounds > MAX_ROUNDS {
                    return Err(SolveError::NumericalTrouble);
                }
            }
            let allow_perturb = rounds <= PERTURB_ROUNDS;
            match phase {
                Phase::Restart => {
                    self.lp.restore_costs();
                    self.lp.restore_bounds();
                    phase = self.start_phase();
                }
                Phase::Dual => match self.dual_simplex(allow_perturb)? {
                    Outcome::Optimal => {
                        phase = Phase::Check;
                        if self.lp.costs_shifted {
                            self.lp.restore_costs();
                            self.compute_dual();
                            if self.any_dual_infeasible() {
                                phase = Phase::Primal;
                            }
                        }
                    }
                    Outcome::Infeasible => {
                        if self.inv.eta_count > 0 && !retried_infeasible {
                            retried_infeasible = true;
                            self.refactor()?;
                            phase = Phase::Restart;
                        } else {
                            self.lp.restore_costs();
                            self.compute_dual();
                            self.extract();
                            return Ok(Status::Infeasible);
                        }
                    }
                    Outcome::Unbounded | Outcome::Restart => {
                        self.refactor()?;
                        phase = Phase::Restart;
                    }
                },
                Phase::Primal => match self.primal_simplex(allow_perturb)? {
                    Outcome::Optimal => {
                        phase = Phase::Check;
                        if self.lp.bounds_perturbed {
                            self.lp.restore_bounds();
                            self.normalize_nonbasic();
                            self.compute_primal();
                            if self.any_primal_infeasible() {
                                // d is untouched by the bound change: still dual feasible.
                                phase = Phase::Dual;
                            }
                        }
                    }
                    Outcome::Unbounded => {
                        if self.lp.bounds_perturbed {
                            phase = Phase::Restart;
                        } else if self.inv.eta_count > 0 && !retried_unbounded {
                            retried_unbounded = true;
                            self.refactor()?;
                            phase = Phase::Restart;
                        } else {
                            self.extract();
                            return Ok(Status::Unbounded);
                        }
                    }
                    Outcome::Infeasible | Outcome::Restart => {
                        if self.inv.eta_count > 0 {
                            self.refactor()?;
                        }
                        phase = Phase::Restart;
                    }
                },
                Phase::Check => {
                    if self.check_optimum()? {
                        self.extract();
                        return Ok(Status::Optimal);
                    }
                    phase = Phase::Restart;
                }
            }
        }
    }

    /// Chooses the algorithm for the current basis (see module docs).
    fn start_phase(&mut self) -> Phase {
        self.normalize_nonbasic();
        self.compute_dual();
        let tol = self.opts.dual_tol;
        let mut unboxed = 0usize;
        for j in 0..self.n + self.m {
            if self.dual_infeasibility(j, tol) > 0.0
                && !(self.lp.lb[j] > -INF && self.lp.ub[j] < INF)
            {
                unboxed += 1;
            }
        }
        if unboxed > 0 {
            self.compute_primal_refined();
            if !self.any_primal_infeasible() {
                return Phase::Primal;
            }
        }
        self.make_dual_feasible();
        self.compute_primal_refined();
        Phase::Dual
    }

    /// Unscales the iterate into the answer.
    fn extract(&mut self) {
        let (m, n) = (self.m, self.n);
        for j in 0..n {
            self.out.x[j] = self.it.x[j] * self.a.col_scale[j];
        }
        for i in 0..m {
            self.out.y[i] = if self.it.status[n + i] == VarStatus::Basic {
                0.0
            } else {
                self.it.d[n + i] * self.a.row_scale[i] / self.lp.obj_scale
            };
        }
    }
}
