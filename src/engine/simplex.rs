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
//! * **Basis inverse.** `m` is small (≤ a few hundred), so an explicit `B⁻¹`
//!   (row-major) is kept and updated by a rank-1 (product-form) pivot. A bit mask per
//!   row marks its non-zeros (a network basis' inverse has a few per row), so the
//!   update costs `O(nnz(α)·nnz(ρ))` and `B⁻¹b`, `c_B B⁻¹` and `B⁻¹a_q` visit only
//!   marked entries, in the same order and summation lanes as a dense kernel (the same
//!   bits). Rows of `B⁻¹` are exactly the dual simplex's pivot rows, and their
//!   squared norms are exact dual steepest-edge weights, maintained for free inside the
//!   update loop. Refactorisation (sparsity-aware Gauss-Jordan with partial pivoting,
//!   unit logical columns first) happens every `refactor_interval` pivots, before
//!   declaring infeasible/unbounded, and when a final residual check fails. A singular
//!   basis (e.g. a restored basis after the bounds changed shape) is repaired by swapping
//!   in logicals. Because the matrix never changes, `B⁻¹` survives across solves and
//!   [`BasisState`] carries its non-zeros, so restoring a saved warm start writes those.
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

#![warn(missing_docs)]
#![allow(clippy::needless_range_loop)]

/// Start of the perturbation noise sequence.
const RNG_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

use std::fmt;

const INF: f64 = f64::INFINITY;
/// Smallest |alpha| accepted as a ratio-test pivot candidate (scaled problem).
const PIV_TOL: f64 = 1e-7;
/// Below this a pivot element is considered dangerous: refactor and retry first.
const SMALL_PIVOT: f64 = 1e-7;
/// Relative pivot tolerance of the fallback pass before declaring a ray.
const TINY_PIV: f64 = 1e-9;
/// Gauss-Jordan pivot below this (after scaling) means a singular basis.
const SING_TOL: f64 = 1e-11;
/// Steps shorter than this count as degenerate.
const DEGENERATE_STEP: f64 = 1e-12;
/// Consecutive degenerate pivots before perturbing.
const STALL_PERTURB: usize = 25;
/// Consecutive degenerate pivots before falling back to Bland's rule.
const STALL_BLAND: usize = 400;
/// Outer rounds (phase switches / restarts) before giving up.
const MAX_ROUNDS: usize = 40;
/// Only the first rounds may perturb; later ones must converge unperturbed.
const PERTURB_ROUNDS: usize = 4;

/// What the solver guarantees and what an independent check of its answers
/// accepts, in one place (`docs/model.md`, "Tolerances"). Every tolerance is
/// relative to the scale of what it bounds: a row's to its bound and to the
/// size of its terms `Σ|a_ij x_j|`, a dual's to the largest cost. A row of
/// 1e5 gets 1e5 times the absolute slack of a row of 1.
pub mod tolerance {
    /// Primal feasibility: a column, or a row's activity, may lie outside its
    /// bound `b` by `PRIMAL · (1 + |b|)` (user units; the solver's default,
    /// see `Simplex::set_tolerances`).
    pub const PRIMAL: f64 = 1e-9;
    /// Dual feasibility (optimality): a reduced cost or a row dual may have
    /// the wrong sign by `DUAL · max|c|`.
    pub const DUAL: f64 = 1e-9;
    /// Working precision of a computed sum: `Σ t_k` counts as zero when below
    /// `RESIDUAL · (1 + Σ|t_k|)` (the residuals `A x − r` and `c_B − Bᵀy` the
    /// solver checks before reporting an optimum).
    pub const RESIDUAL: f64 = 1e-9;
    /// Rounding noise of a computed value, relative to the terms it sums: a
    /// violation no pivot can repair that is below `NOISE · Σ|α_rj x_j|` (from
    /// fresh factors) is accepted for that solve, and only a basic whose
    /// `|α_i|` is below `NOISE · max|α|` may be passed over before a primal ray
    /// is called unbounded.
    pub const NOISE: f64 = 1e-12;
    /// An independent certificate of an optimum (primal and dual feasibility,
    /// complementary slackness, duality gap) allows `CERTIFICATE` where the
    /// solver works to `PRIMAL` and `DUAL`: 100 times more, for rounding in
    /// recomputing `A x` and `c − Aᵀy` from the reported `x` and `y`, so a
    /// failed certificate means a wrong answer.
    pub const CERTIFICATE: f64 = 1e-7;

    /// The certificate's feasibility tolerance of a value `v` (a column, or a
    /// row activity) against its bounds, `terms = Σ|a_ij x_j|` for a row
    /// (its own rounding), 0 for a column.
    pub fn certificate(v: f64, terms: f64) -> f64 {
        CERTIFICATE * (1.0 + v.abs()) + RESIDUAL * terms
    }
}

// ---------------------------------------------------------------------------
// Matrix
// ---------------------------------------------------------------------------

/// Column-compressed sparse matrix, fixed for the solver's lifetime.
#[derive(Clone, Debug, PartialEq)]
pub struct SparseMatrix {
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// `col_start[j]..col_start[j+1]` indexes column `j`'s entries; length `ncols + 1`.
    pub col_start: Vec<usize>,
    /// Row of each entry.
    pub row_index: Vec<usize>,
    /// Value of each entry.
    pub value: Vec<f64>,
}

impl SparseMatrix {
    /// Builds a matrix from `(row, col, value)` triplets; duplicates are summed and
    /// entries that sum to exactly zero are dropped. Panics on out-of-range indices or
    /// non-finite values.
    pub fn from_triplets(nrows: usize, ncols: usize, triplets: &[(usize, usize, f64)]) -> Self {
        let mut t: Vec<(usize, usize, f64)> = triplets.to_vec();
        for &(r, c, v) in &t {
            assert!(
                r < nrows && c < ncols,
                "triplet ({r}, {c}) out of range {nrows}x{ncols}"
            );
            assert!(v.is_finite(), "non-finite matrix entry at ({r}, {c})");
        }
        t.sort_unstable_by_key(|e| (e.1, e.0));
        let mut col_start = vec![0; ncols + 1];
        let mut row_index = Vec::with_capacity(t.len());
        let mut value = Vec::with_capacity(t.len());
        let mut k = 0;
        for c in 0..ncols {
            col_start[c] = row_index.len();
            while k < t.len() && t[k].1 == c {
                let r = t[k].0;
                let mut v = 0.0;
                while k < t.len() && t[k].1 == c && t[k].0 == r {
                    v += t[k].2;
                    k += 1;
                }
                if v != 0.0 {
                    row_index.push(r);
                    value.push(v);
                }
            }
        }
        col_start[ncols] = row_index.len();
        SparseMatrix {
            nrows,
            ncols,
            col_start,
            row_index,
            value,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.value.len()
    }

    fn validate(&self) {
        assert_eq!(
            self.col_start.len(),
            self.ncols + 1,
            "col_start must have ncols + 1 entries"
        );
        assert_eq!(self.col_start[0], 0, "col_start[0] must be 0");
        assert_eq!(
            self.row_index.len(),
            self.value.len(),
            "row_index/value length mismatch"
        );
        assert_eq!(
            *self.col_start.last().unwrap(),
            self.value.len(),
            "col_start end != nnz"
        );
        for j in 0..self.ncols {
            assert!(
                self.col_start[j] <= self.col_start[j + 1],
                "col_start not monotone"
            );
        }
        for (&r, &v) in self.row_index.iter().zip(&self.value) {
            assert!(r < self.nrows, "row index {r} out of range");
            assert!(v.is_finite(), "non-finite matrix entry");
        }
    }
}

/// Internal scaled structural columns plus the implicit `-I` logical columns,
/// with a row-wise copy of the structural part for the dual simplex's pivot row.
#[derive(Clone)]
struct Csc {
    n: usize,
    col_start: Vec<usize>,
    row_index: Vec<usize>,
    value: Vec<f64>,
    /// `row_start[i]..row_start[i+1]` indexes row `i`'s entries, columns ascending.
    row_start: Vec<usize>,
    col_index: Vec<usize>,
    row_value: Vec<f64>,
}

impl Csc {
    /// `v · a_j` for variable `j` (structural or logical).
    #[inline]
    fn dot(&self, j: usize, v: &[f64]) -> f64 {
        if j < self.n {
            let (s, e) = (self.col_start[j], self.col_start[j + 1]);
            let mut acc = 0.0;
            for k in s..e {
                acc += v[self.row_index[k]] * self.value[k];
            }
            acc
        } else {
            -v[j - self.n]
        }
    }

    /// `out += f · a_j`.
    #[inline]
    fn axpy(&self, j: usize, f: f64, out: &mut [f64]) {
        if j < self.n {
            for k in self.col_start[j]..self.col_start[j + 1] {
                out[self.row_index[k]] += f * self.value[k];
            }
        } else {
            out[j - self.n] -= f;
        }
    }

    #[inline]
    fn col_nnz(&self, j: usize) -> usize {
        if j < self.n {
            self.col_start[j + 1] - self.col_start[j]
        } else {
            1
        }
    }
}

// ---------------------------------------------------------------------------
// Public result types
// ---------------------------------------------------------------------------

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

/// A saved basis (and its factorisation) for warm starts; see [`Simplex::save_basis`].
#[derive(Clone, Debug, Default)]
pub struct BasisState {
    m: usize,
    n: usize,
    basis: Vec<usize>,
    status: Vec<VarStatus>,
    /// The non-zeros of `B⁻¹` (row-major index, value): a restore writes
    /// these and clears the old ones instead of copying `m²` values.
    binv: Vec<(u32, f64)>,
    binv_nz: Vec<u64>,
    dse: Vec<f64>,
    eta_count: usize,
    inverse_valid: bool,
}

impl BasisState {
    /// An empty state; the first [`Simplex::save_basis`] into it allocates, later ones don't.
    pub fn new() -> Self {
        Self::default()
    }

    /// True until something was saved into it.
    pub fn is_empty(&self) -> bool {
        self.basis.is_empty() && self.status.is_empty()
    }
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

// ---------------------------------------------------------------------------
// Solver
// ---------------------------------------------------------------------------

/// Warm-startable bounded simplex; see the module docs. `Clone` gives an independent
/// solver (e.g. one per worker thread) with the same matrix, data and basis.
#[derive(Clone)]
pub struct Simplex {
    m: usize,
    n: usize,
    a: Csc,
    orig_value: Vec<f64>,
    row_scale: Vec<f64>,
    col_scale: Vec<f64>,
    /// Size of one *unscaled* unit of variable j in scaled units (1/C_j, or R_i for a
    /// logical): tolerances are stated for the unscaled problem and mapped through this.
    punit: Vec<f64>,
    /// Size of one unscaled unit of reduced cost of j in scaled units (C_j, or 1/R_i).
    dunit: Vec<f64>,

    // User problem (unscaled).
    u_col_lower: Vec<f64>,
    u_col_upper: Vec<f64>,
    u_cost: Vec<f64>,
    u_row_lower: Vec<f64>,
    u_row_upper: Vec<f64>,

    // Internal scaled problem over n + m variables; `*0` are unperturbed.
    lb0: Vec<f64>,
    ub0: Vec<f64>,
    cost0: Vec<f64>,
    lb: Vec<f64>,
    ub: Vec<f64>,
    /// Working costs: `cost0` plus any shifts/perturbations of the current phase.
    wcost: Vec<f64>,
    obj_scale: f64,
    /// Per-variable feasibility slack granted when a violation is provably rounding noise.
    tol_extra: Vec<f64>,
    costs_shifted: bool,
    bounds_perturbed: bool,
    /// The iterate is a verified optimum of the `prev_*` problem (no shifts or
    /// perturbations left), so a solve whose costs are unchanged can start from it.
    hot: bool,
    prev_col_lower: Vec<f64>,
    prev_col_upper: Vec<f64>,
    prev_cost: Vec<f64>,
    prev_row_lower: Vec<f64>,
    prev_row_upper: Vec<f64>,

    // Basis and iterate.
    x: Vec<f64>,
    d: Vec<f64>,
    y: Vec<f64>,
    status: Vec<VarStatus>,
    basis: Vec<usize>,
    binv: Vec<f64>,
    /// `words` bits per row of `binv`: a clear bit means the entry is 0 (a set
    /// one may still hold 0). Rows of a network basis' inverse have a few
    /// non-zeros of `m`, so the kernels below visit only the marked entries.
    binv_nz: Vec<u64>,
    /// Mask words per row of `binv`.
    words: usize,
    /// Squared norms of the rows of `binv`: exact dual steepest-edge weights.
    dse: Vec<f64>,
    eta_count: usize,
    inverse_valid: bool,
    devex: Vec<f64>,

    // Workspace.
    col_work: Vec<f64>,
    rho: Vec<f64>,
    /// The mask of `rho` (the pivot row of `binv` it was scaled from).
    rho_nz: Vec<u64>,
    /// The rows of the entering column `a_q` as a mask, for `ftran`.
    col_nz: Vec<u64>,
    row_work: Vec<f64>,
    /// The nonbasic, non-fixed variables the last dual pivot row touched, ascending.
    row_nz: Vec<usize>,
    row_seen: Vec<bool>,
    rhs: Vec<f64>,
    cand: Vec<usize>,
    flips: Vec<usize>,
    /// Variables whose bounds changed since the last optimum.
    changed: Vec<usize>,
    fac_w: Vec<f64>,
    fac_r: Vec<f64>,
    fac_order: Vec<usize>,
    fac_pivrow: Vec<usize>,
    fac_rowused: Vec<bool>,
    fac_basis: Vec<usize>,

    // Results (unscaled).
    out_x: Vec<f64>,
    out_y: Vec<f64>,
    /// The primal ray of the last `Unbounded` answer (unscaled columns).
    out_ray: Vec<f64>,

    iterations: usize,
    iteration_limit: usize,
    refactor_interval: usize,
    primal_tol: f64,
    dual_tol: f64,
    rng: u64,
    kern: Kernels,
}

impl Simplex {
    /// Takes ownership of the (fixed) matrix and allocates all workspace.
    /// Columns default to `[0, +inf]`, rows to `[-inf, +inf]`, costs to 0.
    pub fn new(a: SparseMatrix) -> Self {
        Self::with_scaling(a, true)
    }

    /// Like [`Simplex::new`]; `scale = false` disables row/column scaling.
    pub fn with_scaling(a: SparseMatrix, scale: bool) -> Self {
        a.validate();
        let m = a.nrows;
        let n = a.ncols;
        let nt = n + m;
        let words = m.div_ceil(64);
        let (row_scale, col_scale) = if scale {
            compute_scaling(&a)
        } else {
            (vec![1.0; m], vec![1.0; n])
        };
        let orig_value = a.value.clone();
        let mut value = a.value;
        for j in 0..n {
            for k in a.col_start[j]..a.col_start[j + 1] {
                value[k] *= row_scale[a.row_index[k]] * col_scale[j];
            }
        }
        let mut row_start = vec![0usize; m + 1];
        for &i in &a.row_index {
            row_start[i + 1] += 1;
        }
        for i in 0..m {
            row_start[i + 1] += row_start[i];
        }
        let mut next = row_start.clone();
        let mut col_index = vec![0usize; value.len()];
        let mut row_value = vec![0.0; value.len()];
        for j in 0..n {
            for k in a.col_start[j]..a.col_start[j + 1] {
                let at = &mut next[a.row_index[k]];
                col_index[*at] = j;
                row_value[*at] = value[k];
                *at += 1;
            }
        }
        let csc = Csc {
            n,
            col_start: a.col_start,
            row_index: a.row_index,
            value,
            row_start,
            col_index,
            row_value,
        };
        let punit: Vec<f64> = (0..nt)
            .map(|j| {
                if j < n {
                    1.0 / col_scale[j]
                } else {
                    row_scale[j - n]
                }
            })
            .collect();
        let dunit: Vec<f64> = punit.iter().map(|u| 1.0 / u).collect();
        let mut s = Simplex {
            m,
            n,
            a: csc,
            orig_value,
            row_scale,
            col_scale,
            punit,
            dunit,
            u_col_lower: vec![0.0; n],
            u_col_upper: vec![INF; n],
            u_cost: vec![0.0; n],
            u_row_lower: vec![-INF; m],
            u_row_upper: vec![INF; m],
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
            hot: false,
            prev_col_lower: vec![0.0; n],
            prev_col_upper: vec![0.0; n],
            prev_cost: vec![0.0; n],
            prev_row_lower: vec![0.0; m],
            prev_row_upper: vec![0.0; m],
            x: vec![0.0; nt],
            d: vec![0.0; nt],
            y: vec![0.0; m],
            status: vec![VarStatus::Lower; nt],
            basis: vec![0; m],
            binv: vec![0.0; m * m],
            binv_nz: vec![0; m * words],
            words,
            dse: vec![1.0; m],
            eta_count: 0,
            inverse_valid: false,
            devex: vec![1.0; nt],
            col_work: vec![0.0; m],
            rho: vec![0.0; m],
            rho_nz: vec![0; words],
            col_nz: vec![0; words],
            row_work: vec![0.0; nt],
            row_nz: Vec::with_capacity(nt),
            row_seen: vec![false; nt],
            rhs: vec![0.0; m],
            cand: Vec::with_capacity(nt),
            flips: Vec::with_capacity(nt),
            changed: Vec::with_capacity(nt),
            fac_w: vec![0.0; m * m],
            fac_r: vec![0.0; m * m],
            fac_order: vec![0; m],
            fac_pivrow: vec![0; m],
            fac_rowused: vec![false; m],
            fac_basis: vec![0; m],
            out_x: vec![0.0; n],
            out_y: vec![0.0; m],
            out_ray: vec![0.0; n],
            iterations: 0,
            iteration_limit: 20 * (n + m) + 10_000,
            refactor_interval: 100,
            primal_tol: tolerance::PRIMAL,
            dual_tol: tolerance::DUAL,
            rng: RNG_SEED,
            kern: Kernels::detect(),
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
        &mut self.u_col_lower
    }

    /// Column upper bounds (may be `+inf`; equal to the lower bound for a fixed column).
    pub fn col_upper_mut(&mut self) -> &mut [f64] {
        &mut self.u_col_upper
    }

    /// Objective coefficients `c` (minimised).
    pub fn cost_mut(&mut self) -> &mut [f64] {
        &mut self.u_cost
    }

    /// Row lower bounds on `A x` (may be `-inf`; equal to the upper bound for `=`).
    pub fn row_lower_mut(&mut self) -> &mut [f64] {
        &mut self.u_row_lower
    }

    /// Row upper bounds on `A x` (may be `+inf`).
    pub fn row_upper_mut(&mut self) -> &mut [f64] {
        &mut self.u_row_upper
    }

    /// Current column lower bounds.
    pub fn col_lower(&self) -> &[f64] {
        &self.u_col_lower
    }

    /// Current column upper bounds.
    pub fn col_upper(&self) -> &[f64] {
        &self.u_col_upper
    }

    /// Current objective coefficients.
    pub fn cost(&self) -> &[f64] {
        &self.u_cost
    }

    /// Current row lower bounds.
    pub fn row_lower(&self) -> &[f64] {
        &self.u_row_lower
    }

    /// Current row upper bounds.
    pub fn row_upper(&self) -> &[f64] {
        &self.u_row_upper
    }

    /// Maximum pivots (including bound flips) per `solve`.
    pub fn set_iteration_limit(&mut self, n: usize) {
        self.iteration_limit = n;
    }

    /// Primal and dual feasibility tolerances (defaults [`tolerance::PRIMAL`] and
    /// [`tolerance::DUAL`], 1e-9), in unscaled terms: a value may violate a bound by
    /// `primal·(1 + |bound|)`, a reduced cost/dual may have the wrong sign by
    /// `dual·max|c|`.
    pub fn set_tolerances(&mut self, primal: f64, dual: f64) {
        self.primal_tol = primal;
        self.dual_tol = dual;
        self.hot = false;
    }

    /// Pivots between refactorisations (default 100).
    pub fn set_refactor_interval(&mut self, k: usize) {
        self.refactor_interval = k.max(1);
    }

    /// Back to the all-logical basis (cold start).
    pub fn reset_basis(&mut self) {
        let (m, n) = (self.m, self.n);
        for j in 0..n {
            self.status[j] = VarStatus::Lower;
        }
        for i in 0..m {
            self.basis[i] = n + i;
            self.status[n + i] = VarStatus::Basic;
        }
        // B = -I, so B^-1 = -I.
        self.binv.fill(0.0);
        self.binv_nz.fill(0);
        for i in 0..m {
            self.binv[i * m + i] = -1.0;
            self.binv_nz[i * self.words + i / 64] |= 1 << (i % 64);
        }
        self.dse.fill(1.0);
        self.eta_count = 0;
        self.inverse_valid = true;
        self.rng = RNG_SEED;
        self.hot = false;
    }

    /// Rebuilds `B⁻¹` of the current basis from scratch, dropping the update
    /// history: a basis that many solves start from should carry fresh factors
    /// (its `eta_count` restarts at 0, so they refactorise only after their own
    /// updates add up).
    pub fn refresh_factors(&mut self) -> Result<(), SolveError> {
        self.refactor()
    }

    /// Copies the current basis and its factorisation into `into` (allocation-free once
    /// `into` has held a state of the same size).
    pub fn save_basis(&self, into: &mut BasisState) {
        into.m = self.m;
        into.n = self.n;
        copy_into(&mut into.basis, &self.basis);
        copy_into(&mut into.status, &self.status);
        into.binv.clear();
        let (m, w) = (self.m, self.words);
        for i in 0..m {
            for_each_bit(&self.binv_nz[i * w..(i + 1) * w], |k| {
                into.binv.push(((i * m + k) as u32, self.binv[i * m + k]));
            });
        }
        copy_into(&mut into.binv_nz, &self.binv_nz);
        copy_into(&mut into.dse, &self.dse);
        into.eta_count = self.eta_count;
        into.inverse_valid = self.inverse_valid;
    }

    /// Restores a basis saved from a solver over the same matrix. Never allocates.
    /// An empty (never saved into) state means the cold all-logical basis; a state saved
    /// from a problem of different dimensions panics.
    pub fn restore_basis(&mut self, from: &BasisState) {
        if from.is_empty() {
            self.reset_basis();
            return;
        }
        assert!(
            from.m == self.m && from.n == self.n && from.status.len() == self.n + self.m,
            "BasisState dimensions do not match this Simplex"
        );
        self.basis.copy_from_slice(&from.basis);
        self.status.copy_from_slice(&from.status);
        // Clear the marked entries (every non-zero is marked), then write
        // the saved ones.
        let (m, w) = (self.m, self.words);
        for i in 0..m {
            let row = &mut self.binv[i * m..(i + 1) * m];
            for_each_bit(&self.binv_nz[i * w..(i + 1) * w], |k| row[k] = 0.0);
        }
        for &(at, v) in &from.binv {
            self.binv[at as usize] = v;
        }
        self.binv_nz.copy_from_slice(&from.binv_nz);
        self.dse.copy_from_slice(&from.dse);
        self.eta_count = from.eta_count;
        self.inverse_valid = from.inverse_valid;
        self.hot = false;
        // Perturbation noise restarts too, so a solve sequence after a restore
        // is a pure function of the restored basis and the later inputs (a
        // Monte Carlo trial must not depend on the trials run before it).
        self.rng = RNG_SEED;
    }

    /// `c·x` of the last solve (meaningful when it returned `Optimal`;
    /// computed on demand, like the other outputs the clearing never reads).
    pub fn objective(&self) -> f64 {
        // An optimal solve leaves its costs in `prev_cost`.
        let mut obj = 0.0;
        for (c, x) in self.prev_cost.iter().zip(&self.out_x) {
            obj += c * x;
        }
        obj
    }

    /// Column values `x` of the last solve.
    pub fn col_value(&self) -> &[f64] {
        &self.out_x
    }

    /// `A x` computed from the unscaled matrix (on demand: the clearing never
    /// needs it, so solves do not pay for it).
    pub fn row_activity(&self) -> Vec<f64> {
        let mut act = vec![0.0; self.m];
        for (j, &xj) in self.out_x.iter().enumerate().filter(|(_, &x)| x != 0.0) {
            for k in self.a.col_start[j]..self.a.col_start[j + 1] {
                act[self.a.row_index[k]] += self.orig_value[k] * xj;
            }
        }
        act
    }

    /// `y_i = ∂obj/∂b_i` of the row's active bound (0 for non-binding rows).
    pub fn row_dual(&self) -> &[f64] {
        &self.out_y
    }

    /// After a solve that returned `Unbounded`: the direction `d` (per column)
    /// that proves it, with `c·d < 0` and `x + t·d` feasible for every `t ≥ 0`
    /// from any feasible `x` (the entering column's unit step and the basics'
    /// response). Meaningless after other answers.
    pub fn unbounded_ray(&self) -> &[f64] {
        &self.out_ray
    }

    /// `d_j = c_j - Σ_i y_i a_ij` (0 for basic columns) of the last solve,
    /// computed on demand (call it before the basis is changed).
    pub fn col_reduced_cost(&self) -> Vec<f64> {
        (0..self.n)
            .map(|j| {
                if self.status[j] == VarStatus::Basic {
                    0.0
                } else {
                    self.d[j] / (self.col_scale[j] * self.obj_scale)
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
        // A fold rather than `any`: no early exit, so it vectorises.
        let has_nan = |v: &[f64]| v.iter().fold(false, |nan, x| nan | x.is_nan());
        if has_nan(&self.u_cost)
            || has_nan(&self.u_col_lower)
            || has_nan(&self.u_col_upper)
            || has_nan(&self.u_row_lower)
            || has_nan(&self.u_row_upper)
        {
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
                    self.inverse_valid = false;
                }
                r
            }
            r => r,
        };
        self.hot = result == Ok(Status::Optimal);
        if self.hot {
            self.prev_col_lower.copy_from_slice(&self.u_col_lower);
            self.prev_col_upper.copy_from_slice(&self.u_col_upper);
            self.prev_cost.copy_from_slice(&self.u_cost);
            self.prev_row_lower.copy_from_slice(&self.u_row_lower);
            self.prev_row_upper.copy_from_slice(&self.u_row_upper);
        }
        result
    }

    fn solve_inner(&mut self) -> Result<Status, SolveError> {
        self.costs_shifted = false;
        self.bounds_perturbed = false;
        let warm = if self.hot && self.u_cost == self.prev_cost {
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
                if !self.inverse_valid && self.refactor().is_err() {
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
                    self.restore_costs();
                    self.restore_bounds();
                    phase = self.start_phase();
                }
                Phase::Dual => match self.dual_simplex(allow_perturb)? {
                    Outcome::Optimal => {
                        phase = Phase::Check;
                        if self.costs_shifted {
                            self.restore_costs();
                            self.compute_dual();
                            if self.count_dual_infeasible() > 0 {
                                phase = Phase::Primal;
                            }
                        }
                    }
                    Outcome::Infeasible => {
                        if self.eta_count > 0 && !retried_infeasible {
                            retried_infeasible = true;
                            self.refactor()?;
                            phase = Phase::Restart;
                        } else {
                            self.restore_costs();
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
                        if self.bounds_perturbed {
                            self.restore_bounds();
                            self.normalize_nonbasic();
                            self.compute_primal();
                            if self.count_primal_infeasible() > 0 {
                                // d is untouched by the bound change: still dual feasible.
                                phase = Phase::Dual;
                            }
                        }
                    }
                    Outcome::Unbounded => {
                        if self.bounds_perturbed {
                            phase = Phase::Restart;
                        } else if self.eta_count > 0 && !retried_unbounded {
                            retried_unbounded = true;
                            self.refactor()?;
                            phase = Phase::Restart;
                        } else {
                            self.extract();
                            return Ok(Status::Unbounded);
                        }
                    }
                    Outcome::Infeasible | Outcome::Restart => {
                        if self.eta_count > 0 {
                            self.refactor()?;
                        }
                        phase = Phase::Restart;
                    }
                },
                Phase::Check => {
                    self.restore_costs();
                    self.restore_bounds();
                    let mut primal_ok = self.primal_residual_ok();
                    if self.iterations > 0 {
                        // x_B and d were updated incrementally. Keep x_B while A x - r
                        // still vanishes (cheap to check); always recompute y and d, which
                        // also refreshes d of fixed columns (not tracked while pivoting).
                        if !primal_ok {
                            self.compute_primal();
                            primal_ok = self.primal_residual_ok();
                        }
                        self.compute_dual();
                    }
                    if !(primal_ok && self.dual_residual_ok()) && self.eta_count > 0 {
                        // Updated inverse drifted: judge the basis with fresh factors
                        // (their residual is the best this basis allows).
                        self.refactor()?;
                        self.normalize_nonbasic();
                        self.compute_primal();
                        self.compute_dual();
                        primal_ok = false;
                    }
                    if !primal_ok {
                        self.refine_primal();
                    }
                    self.settle_noise();
                    if self.count_primal_infeasible() > 0 || self.count_dual_infeasible() > 0 {
                        if self.eta_count > 0 {
                            self.refactor()?;
                        }
                        phase = Phase::Restart;
                        continue;
                    }
                    self.extract();
                    return Ok(Status::Optimal);
                }
            }
        }
    }

    // -----------------------------------------------------------------------
    // Setup
    // -----------------------------------------------------------------------

    /// Scales the user's bounds and costs into the internal arrays. Returns `false` if
    /// some variable has contradictory bounds.
    fn load_problem(&mut self) -> Result<bool, SolveError> {
        let (m, n) = (self.m, self.n);
        // Normalise the *unscaled* costs to max |c| ≈ 1 so the dual tolerance is
        // relative to the cost scale.
        let mut cmax = 0.0f64;
        for j in 0..n {
            let c = self.u_cost[j];
            if !c.is_finite() {
                return Err(SolveError::NumericalTrouble);
            }
            cmax = cmax.max(c.abs());
        }
        self.obj_scale = if cmax > 0.0 {
            pow2(-cmax.log2().round())
        } else {
            1.0
        };
        let mut consistent = true;
        for j in 0..n + m {
            let (l, u, ok) = self.scaled_bounds(j)?;
            consistent &= ok;
            self.lb0[j] = l;
            self.ub0[j] = u;
            self.cost0[j] = if j < n {
                self.u_cost[j] * self.col_scale[j] * self.obj_scale
            } else {
                0.0
            };
        }
        self.lb.copy_from_slice(&self.lb0);
        self.ub.copy_from_slice(&self.ub0);
        self.wcost.copy_from_slice(&self.cost0);
        self.tol_extra.fill(0.0);
        Ok(consistent)
    }

    /// The user's bounds of variable `j` (column or row logical) in scaled units,
    /// with a crossing within tolerance closed; `false` if they contradict.
    #[inline]
    fn scaled_bounds(&self, j: usize) -> Result<(f64, f64, bool), SolveError> {
        let n = self.n;
        let (l, u) = if j < n {
            let s = self.col_scale[j];
            (self.u_col_lower[j] / s, self.u_col_upper[j] / s)
        } else {
            let s = self.row_scale[j - n];
            (self.u_row_lower[j - n] * s, self.u_row_upper[j - n] * s)
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
    fn update_bounds(&mut self) -> Option<Phase> {
        let n = self.n;
        self.tol_extra.fill(0.0);
        self.rhs.fill(0.0);
        let mut moved = false;
        // Find the few changed variables first: a branch-free scan per array.
        self.changed.clear();
        push_changed(
            &mut self.changed,
            0,
            [&self.u_col_lower, &self.prev_col_lower],
            [&self.u_col_upper, &self.prev_col_upper],
        );
        push_changed(
            &mut self.changed,
            n,
            [&self.u_row_lower, &self.prev_row_lower],
            [&self.u_row_upper, &self.prev_row_upper],
        );
        for c in 0..self.changed.len() {
            let j = self.changed[c];
            let (l, u, ok) = self.scaled_bounds(j).ok()?;
            if !ok {
                return None;
            }
            self.lb0[j] = l;
            self.ub0[j] = u;
            self.lb[j] = l;
            self.ub[j] = u;
            if self.status[j] == VarStatus::Basic {
                continue;
            }
            let mut st = if l == u {
                VarStatus::Lower
            } else {
                match self.status[j] {
                    VarStatus::Upper if u < INF => VarStatus::Upper,
                    _ if l > -INF => VarStatus::Lower,
                    _ if u < INF => VarStatus::Upper,
                    _ => VarStatus::Free,
                }
            };
            self.status[j] = st;
            if self.dual_infeasibility(j, self.dual_tol) > 0.0 {
                st = match st {
                    VarStatus::Lower if u < INF => VarStatus::Upper,
                    VarStatus::Upper if l > -INF => VarStatus::Lower,
                    _ => return None,
                };
                self.status[j] = st;
            }
            let x = match st {
                VarStatus::Lower => l,
                VarStatus::Upper => u,
                _ => 0.0,
            };
            let delta = x - self.x[j];
            if delta != 0.0 {
                self.a.axpy(j, delta, &mut self.rhs);
                moved = true;
            }
            self.x[j] = x;
        }
        if moved {
            self.sub_binv_rhs();
            // Nonbasics sit on finite bounds; only x_B can have overflowed.
            if self.basis.iter().any(|&v| !self.x[v].is_finite()) {
                return None;
            }
        }
        Some(if self.count_primal_infeasible() == 0 {
            Phase::Check
        } else {
            Phase::Dual
        })
    }

    /// `x_B -= B⁻¹ rhs` where `rhs = Σ a_j Δx_j` of a few moved nonbasics: one
    /// column of `B⁻¹` per touched row, not a dense `m × m` product.
    fn sub_binv_rhs(&mut self) {
        let (m, w) = (self.m, self.words);
        for k in 0..m {
            let r = self.rhs[k];
            if r == 0.0 {
                continue;
            }
            // Column k of `B⁻¹` has a few non-zeros: find them in the masks
            // (2 KiB) instead of reading a cache line of every row.
            let (word, bit) = (k / 64, 1u64 << (k % 64));
            for i in 0..m {
                if self.binv_nz[i * w + word] & bit != 0 {
                    self.x[self.basis[i]] -= self.binv[i * m + k] * r;
                }
            }
        }
    }

    fn restore_costs(&mut self) {
        if self.costs_shifted {
            self.wcost.copy_from_slice(&self.cost0);
            self.costs_shifted = false;
        }
    }

    fn restore_bounds(&mut self) {
        if self.bounds_perturbed {
            self.lb.copy_from_slice(&self.lb0);
            self.ub.copy_from_slice(&self.ub0);
            self.bounds_perturbed = false;
        }
    }

    /// Puts every nonbasic variable on a bound valid for the current bounds.
    fn normalize_nonbasic(&mut self) {
        for j in 0..self.n + self.m {
            let st = self.status[j];
            if st == VarStatus::Basic {
                continue;
            }
            let (l, u) = (self.lb[j], self.ub[j]);
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
            self.status[j] = st;
            self.x[j] = match st {
                VarStatus::Lower => l,
                VarStatus::Upper => u,
                _ => 0.0,
            };
        }
    }

    /// Chooses the algorithm for the current basis (see module docs).
    fn start_phase(&mut self) -> Phase {
        self.normalize_nonbasic();
        self.compute_dual();
        let tol = self.dual_tol;
        let mut unboxed = 0usize;
        for j in 0..self.n + self.m {
            if self.dual_infeasibility(j, tol) > 0.0 && !(self.lb[j] > -INF && self.ub[j] < INF) {
                unboxed += 1;
            }
        }
        if unboxed > 0 {
            self.compute_primal_refined();
            if self.count_primal_infeasible() == 0 {
                return Phase::Primal;
            }
        }
        self.make_dual_feasible();
        self.compute_primal_refined();
        Phase::Dual
    }

    /// `compute_primal`, refined when `A x - r` does not vanish (an
    /// ill-conditioned basis): a phase must judge feasibility on the `x_B`
    /// the final check will see. Otherwise the dual simplex can stop at once
    /// on an unrefined `x_B` that the check then refines out of bounds, and
    /// the two alternate until the round limit (a wide-range LP in CI did).
    fn compute_primal_refined(&mut self) {
        self.compute_primal();
        if !self.primal_residual_ok() {
            self.refine_primal();
        }
    }

    // -----------------------------------------------------------------------
    // Linear algebra
    // -----------------------------------------------------------------------

    /// `x_B = B⁻¹ (-N x_N)`.
    fn compute_primal(&mut self) {
        let m = self.m;
        self.rhs.fill(0.0);
        for j in 0..self.n + m {
            if self.status[j] != VarStatus::Basic && self.x[j] != 0.0 {
                self.a.axpy(j, -self.x[j], &mut self.rhs);
            }
        }
        let w = self.words;
        for i in 0..m {
            let row = &self.binv[i * m..(i + 1) * m];
            let mask = &self.binv_nz[i * w..(i + 1) * w];
            self.x[self.basis[i]] = masked_dot(row, mask, &self.rhs);
        }
    }

    /// `y = B⁻ᵀ c_B`, `d = c - Aᵀ y` (0 on basic variables).
    fn compute_dual(&mut self) {
        let (m, w) = (self.m, self.words);
        self.y.fill(0.0);
        for i in 0..m {
            let cb = self.wcost[self.basis[i]];
            if cb != 0.0 {
                // The dense `y -= (-c_B,i)·row` without its zero terms.
                let row = &self.binv[i * m..(i + 1) * m];
                let y = &mut self.y;
                for_each_bit(&self.binv_nz[i * w..(i + 1) * w], |k| y[k] -= -cb * row[k]);
            }
        }
        for j in 0..self.n + m {
            self.d[j] = if self.status[j] == VarStatus::Basic {
                0.0
            } else {
                self.wcost[j] - self.a.dot(j, &self.y)
            };
        }
    }

    /// `col_work = B⁻¹ a_q`.
    fn ftran(&mut self, q: usize) {
        let m = self.m;
        if q < self.n {
            let (s, e) = (self.a.col_start[q], self.a.col_start[q + 1]);
            let ri = &self.a.row_index[s..e];
            let va = &self.a.value[s..e];
            let w = self.words;
            self.col_nz.fill(0);
            for &r in ri {
                self.col_nz[r / 64] |= 1 << (r % 64);
            }
            for i in 0..m {
                let mask = &self.binv_nz[i * w..(i + 1) * w];
                if !mask.iter().zip(&self.col_nz).any(|(a, b)| a & b != 0) {
                    // Every product below would be 0.
                    self.col_work[i] = 0.0;
                    continue;
                }
                let row = &self.binv[i * m..(i + 1) * m];
                let mut acc = 0.0;
                for (&r, &v) in ri.iter().zip(va) {
                    acc += row[r] * v;
                }
                self.col_work[i] = acc;
            }
        } else {
            let k = q - self.n;
            let (w, word, bit) = (self.words, k / 64, 1u64 << (k % 64));
            for i in 0..m {
                self.col_work[i] = if self.binv_nz[i * w + word] & bit != 0 {
                    -self.binv[i * m + k]
                } else {
                    0.0
                };
            }
        }
    }

    /// Rank-1 update of `B⁻¹` for a pivot in row `r` with column `col_work`; keeps the
    /// dual steepest-edge weights exact for the rows it touches.
    ///
    /// Only the marked entries of each row are visited, in the order and
    /// summation lanes a dense pass over the row would use, so the results
    /// are those of the dense update bit for bit (up to the sign of zeros).
    fn update_inverse(&mut self, r: usize) {
        let (m, w) = (self.m, self.words);
        let inv = 1.0 / self.col_work[r];
        self.rho.fill(0.0);
        self.rho_nz
            .copy_from_slice(&self.binv_nz[r * w..(r + 1) * w]);
        {
            let row = &mut self.binv[r * m..(r + 1) * m];
            let rho = &mut self.rho;
            let mut nrm = 0.0;
            for_each_bit(&self.rho_nz, |k| {
                let v = row[k] * inv;
                row[k] = v;
                rho[k] = v;
                nrm += v * v;
            });
            self.dse[r] = nrm;
        }
        for i in 0..m {
            let f = self.col_work[i];
            if i == r || f == 0.0 {
                continue;
            }
            let row = &mut self.binv[i * m..(i + 1) * m];
            let mask = &mut self.binv_nz[i * w..(i + 1) * w];
            for (word, &add) in mask.iter_mut().zip(&self.rho_nz) {
                *word |= add;
            }
            let rho = &self.rho;
            for_each_bit(&self.rho_nz, |k| {
                row[k] -= f * rho[k];
                if row[k] == 0.0 {
                    // Cancelled exactly: keep the row sparse.
                    mask[k / 64] &= !(1 << (k % 64));
                }
            });
            // Keep weights away from 0 so pricing never divides by it.
            self.dse[i] = masked_dot(row, mask, row).max(1e-12);
        }
        self.eta_count += 1;
    }

    /// Rebuilds `B⁻¹` from scratch by Gauss-Jordan elimination with partial pivoting.
    /// Unit (logical) columns go first so they cost O(m) each; remaining columns in
    /// order of increasing sparsity to limit fill. A singular basis is repaired by
    /// replacing dependent columns with logicals of unpivoted rows. Basis positions are
    /// permuted so that position `p` is the column that pivoted in row `p`.
    fn refactor(&mut self) -> Result<(), SolveError> {
        let m = self.m;
        for _attempt in 0..4 {
            self.fac_w.fill(0.0);
            for k in 0..m {
                let j = self.basis[k];
                if j < self.n {
                    for e in self.a.col_start[j]..self.a.col_start[j + 1] {
                        self.fac_w[self.a.row_index[e] * m + k] += self.a.value[e];
                    }
                } else {
                    self.fac_w[(j - self.n) * m + k] = -1.0;
                }
            }
            self.fac_r.fill(0.0);
            for i in 0..m {
                self.fac_r[i * m + i] = 1.0;
            }
            for k in 0..m {
                self.fac_order[k] = k;
            }
            {
                let a = &self.a;
                let basis = &self.basis;
                self.fac_order
                    .sort_unstable_by_key(|&k| (a.col_nnz(basis[k]), k));
            }
            self.fac_rowused.fill(false);
            let mut rejected = 0usize;
            for oi in 0..m {
                let k = self.fac_order[oi];
                let mut p = usize::MAX;
                let mut best = 0.0f64;
                for i in 0..m {
                    if !self.fac_rowused[i] {
                        let v = self.fac_w[i * m + k].abs();
                        if v > best {
                            best = v;
                            p = i;
                        }
                    }
                }
                if best <= SING_TOL || !best.is_finite() {
                    self.fac_pivrow[k] = usize::MAX;
                    rejected += 1;
                    continue;
                }
                let inv = 1.0 / self.fac_w[p * m + k];
                for c in 0..m {
                    self.fac_w[p * m + c] *= inv;
                    self.fac_r[p * m + c] *= inv;
                }
                self.fac_w[p * m + k] = 1.0;
                for i in 0..m {
                    if i == p {
                        continue;
                    }
                    let f = self.fac_w[i * m + k];
                    if f == 0.0 {
                        continue;
                    }
                    self.kern.row_axpy(&mut self.fac_w, m, i, p, f);
                    self.kern.row_axpy(&mut self.fac_r, m, i, p, f);
                    self.fac_w[i * m + k] = 0.0;
                }
                self.fac_rowused[p] = true;
                self.fac_pivrow[k] = p;
            }
            if rejected == 0 {
                for k in 0..m {
                    self.fac_basis[self.fac_pivrow[k]] = self.basis[k];
                }
                self.basis.copy_from_slice(&self.fac_basis);
                std::mem::swap(&mut self.binv, &mut self.fac_r);
                let w = self.words;
                self.binv_nz.fill(0);
                for i in 0..m {
                    let row = &self.binv[i * m..(i + 1) * m];
                    self.dse[i] = self.kern.dot(row, row).max(1e-12);
                    for (k, &v) in row.iter().enumerate() {
                        if v != 0.0 {
                            self.binv_nz[i * w + k / 64] |= 1 << (k % 64);
                        }
                    }
                }
                self.eta_count = 0;
                self.inverse_valid = true;
                return Ok(());
            }
            // Swap each dependent column for the logical of an unpivoted row; that
            // basis is nonsingular in exact arithmetic, so the next attempt succeeds.
            let mut u = 0usize;
            for k in 0..m {
                if self.fac_pivrow[k] != usize::MAX {
                    continue;
                }
                while self.fac_rowused[u] {
                    u += 1;
                }
                self.fac_rowused[u] = true;
                let old = self.basis[k];
                let new = self.n + u;
                self.status[old] = VarStatus::Lower;
                self.status[new] = VarStatus::Basic;
                self.basis[k] = new;
            }
            self.normalize_nonbasic();
        }
        self.inverse_valid = false;
        Err(SolveError::NumericalTrouble)
    }

    // -----------------------------------------------------------------------
    // Feasibility helpers
    // -----------------------------------------------------------------------

    /// Primal feasibility tolerance of variable `j` at (scaled) bound `b`:
    /// `primal_tol · (1 + |b|)` in unscaled units.
    #[inline]
    fn ptol(&self, j: usize, b: f64) -> f64 {
        self.primal_tol * (self.punit[j] + b.abs())
    }

    /// Amount by which nonbasic `j` violates dual feasibility beyond `tol` (0 if none).
    #[inline]
    fn dual_infeasibility(&self, j: usize, tol: f64) -> f64 {
        let dj = self.d[j];
        let v = match self.status[j] {
            VarStatus::Basic => return 0.0,
            _ if self.lb[j] == self.ub[j] => return 0.0,
            VarStatus::Lower => -dj,
            VarStatus::Upper => dj,
            VarStatus::Free => dj.abs(),
        };
        if v > tol * self.dunit[j] {
            v
        } else {
            0.0
        }
    }

    fn count_dual_infeasible(&self) -> usize {
        (0..self.n + self.m)
            .filter(|&j| self.dual_infeasibility(j, self.dual_tol) > 0.0)
            .count()
    }

    /// Primal infeasibility of basic position `i`: negative below lb, positive above ub.
    #[inline]
    fn primal_infeasibility(&self, i: usize) -> f64 {
        let v = self.basis[i];
        let (xv, l, u, e) = (self.x[v], self.lb[v], self.ub[v], self.tol_extra[v]);
        if xv < l - self.ptol(v, l) - e {
            xv - l
        } else if xv > u + self.ptol(v, u) + e {
            xv - u
        } else {
            0.0
        }
    }

    fn count_primal_infeasible(&self) -> usize {
        (0..self.m)
            .filter(|&i| self.primal_infeasibility(i) != 0.0)
            .count()
    }

    /// Flips dual-infeasible boxed nonbasics to the other bound and shifts the costs of
    /// the other dual-infeasible ones so that `d_j = 0`. Returns whether anything
    /// flipped (then `x_B` must be recomputed).
    fn make_dual_feasible(&mut self) -> bool {
        let tol = self.dual_tol;
        let mut flipped = false;
        for j in 0..self.n + self.m {
            if self.dual_infeasibility(j, tol) == 0.0 {
                continue;
            }
            let (l, u) = (self.lb[j], self.ub[j]);
            match self.status[j] {
                VarStatus::Lower if u < INF => {
                    self.status[j] = VarStatus::Upper;
                    self.x[j] = u;
                    flipped = true;
                }
                VarStatus::Upper if l > -INF => {
                    self.status[j] = VarStatus::Lower;
                    self.x[j] = l;
                    flipped = true;
                }
                _ => {
                    self.wcost[j] -= self.d[j];
                    self.d[j] = 0.0;
                    self.costs_shifted = true;
                }
            }
        }
        flipped
    }

    /// Verifies `A x - r = 0` to working precision, leaving `A x - r` in
    /// `rhs`. Row by row over the row-wise copy of `A` (columns ascending,
    /// then the row's logical), so each row's sum is one register chain and
    /// adds the same products in the same order as a column-wise scatter.
    fn primal_residual_ok(&mut self) -> bool {
        let (m, n) = (self.m, self.n);
        let a = &self.a;
        let mut ok = true;
        for i in 0..m {
            // r = Σ a_ij x_j (should vanish), scale = Σ |a_ij x_j| (its natural size).
            let (mut r, mut scale) = (0.0f64, 0.0f64);
            // No test for x_j = 0: its product adds nothing (at most the
            // sign of a zero), and the branch would be a coin toss.
            for k in a.row_start[i]..a.row_start[i + 1] {
                let t = a.row_value[k] * self.x[a.col_index[k]];
                r += t;
                scale += t.abs();
            }
            let xs = self.x[n + i];
            r -= xs;
            scale += xs.abs();
            self.rhs[i] = r;
            ok &= !(r.abs() > tolerance::RESIDUAL * (1.0 + scale));
        }
        ok
    }

    /// Iterative refinement of `x_B` for an ill-conditioned basis: while the
    /// residual `A x - r` is above working precision, subtract `B⁻¹` times it
    /// (at most three rounds; each shrinks the error by about `eps·cond(B)`).
    fn refine_primal(&mut self) {
        let m = self.m;
        for _ in 0..3 {
            // primal_residual_ok leaves A x - r in `rhs`.
            if self.primal_residual_ok() {
                return;
            }
            let w = self.words;
            for i in 0..m {
                let row = &self.binv[i * m..(i + 1) * m];
                let v = masked_dot(row, &self.binv_nz[i * w..(i + 1) * w], &self.rhs);
                self.x[self.basis[i]] -= v;
            }
        }
    }

    /// Moves basic variables that lie outside their bounds by no more than
    /// the rounding noise the dual simplex accepted (`tol_extra`) onto the
    /// bound, where the basis allows it. Such an `x_B` is ill-determined: for
    /// an ill-conditioned `B`, `x_B + B⁻¹δ` with the smallest `δ` that puts
    /// basic `i` on its bound (`δ ∝` row `i` of `B⁻¹`, `|δ| = |t|/‖ρ_i‖`) solves
    /// `B x_B = −N x_N` as well as `x_B` does. A move is kept only if `δ` is
    /// below working precision, no other basic leaves its bounds and the
    /// residual `A x − r` still vanishes; otherwise the accepted noise stays.
    fn settle_noise(&mut self) {
        let m = self.m;
        if (0..m).all(|i| self.tol_extra[self.basis[i]] == 0.0) {
            return;
        }
        let residual_ok = self.primal_residual_ok();
        for i in 0..m {
            let v = self.basis[i];
            if self.tol_extra[v] == 0.0 {
                continue;
            }
            let (xv, l, u) = (self.x[v], self.lb[v], self.ub[v]);
            let t = if xv < l - self.ptol(v, l) {
                l - xv
            } else if xv > u + self.ptol(v, u) {
                u - xv
            } else {
                continue;
            };
            let row = &self.binv[i * m..(i + 1) * m];
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
                let w: f64 = self.binv[k * m..(k + 1) * m]
                    .iter()
                    .zip(row)
                    .map(|(a, b)| a * b)
                    .sum();
                self.col_work[k] = f * w;
            }
            self.col_work[i] = t;
            for k in 0..m {
                let vk = self.basis[k];
                let (lk, uk) = (self.lb[vk], self.ub[vk]);
                let inside = |x: f64| x >= lk - self.ptol(vk, lk) && x <= uk + self.ptol(vk, uk);
                if k != i && inside(self.x[vk]) && !inside(self.x[vk] + self.col_work[k]) {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            for k in 0..m {
                let vk = self.basis[k];
                self.x[vk] += self.col_work[k];
            }
            if residual_ok && !self.primal_residual_ok() {
                for k in 0..m {
                    let vk = self.basis[k];
                    self.x[vk] -= self.col_work[k];
                }
                continue;
            }
            self.x[v] = if t > 0.0 { l } else { u };
        }
    }

    /// Verifies `c_B - Bᵀ y = 0` to working precision.
    fn dual_residual_ok(&self) -> bool {
        for i in 0..self.m {
            let j = self.basis[i];
            let r = self.wcost[j] - self.a.dot(j, &self.y);
            if r.abs() > tolerance::RESIDUAL * (1.0 + self.wcost[j].abs()) {
                return false;
            }
        }
        true
    }

    fn rand01(&mut self) -> f64 {
        // xorshift64*: deterministic, allocation-free perturbation noise.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let v = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }

    // -----------------------------------------------------------------------
    // Dual simplex
    // -----------------------------------------------------------------------

    /// Shifts nonbasic costs away from 0 in the feasible direction to break dual ties.
    fn perturb_costs(&mut self) {
        for j in 0..self.n + self.m {
            let st = self.status[j];
            if st == VarStatus::Basic || st == VarStatus::Free || self.lb[j] == self.ub[j] {
                continue;
            }
            let eps = 1e-7 * (self.dunit[j] + self.cost0[j].abs()) * (1.0 + self.rand01());
            let e = if st == VarStatus::Lower { eps } else { -eps };
            self.wcost[j] += e;
            self.d[j] += e;
        }
        self.costs_shifted = true;
    }

    /// The dual pivot row `α_j = s·(ρ·a_j)` of the nonbasic, non-fixed variables,
    /// into `row_work` with the touched ones listed in `row_nz` (ascending); returns
    /// `max |α_j|`. Row-wise over the non-zeros of `ρ`, which is sparse for network
    /// bases, so the cost follows the row's non-zeros rather than `n + m`. Each `α_j`
    /// sums the same products in the same (ascending row) order as a column-wise dot.
    fn dual_pivot_row(&mut self, s: f64) -> f64 {
        let (m, n) = (self.m, self.n);
        self.row_nz.clear();
        for i in 0..m {
            let ri = self.rho[i];
            if ri == 0.0 {
                continue;
            }
            for k in self.a.row_start[i]..self.a.row_start[i + 1] {
                let j = self.a.col_index[k];
                if !self.row_seen[j] {
                    self.row_seen[j] = true;
                    self.row_work[j] = 0.0;
                    self.row_nz.push(j);
                }
                self.row_work[j] += ri * self.a.row_value[k];
            }
            self.row_seen[n + i] = true;
            self.row_work[n + i] = -ri;
            self.row_nz.push(n + i);
        }
        let mut row_max = 0.0f64;
        let (status, lb, ub, seen, work) = (
            &self.status,
            &self.lb,
            &self.ub,
            &mut self.row_seen,
            &mut self.row_work,
        );
        self.row_nz.retain(|&j| {
            seen[j] = false;
            if status[j] == VarStatus::Basic || lb[j] == ub[j] {
                return false;
            }
            let a = s * work[j];
            work[j] = a;
            row_max = row_max.max(a.abs());
            true
        });
        self.row_nz.sort_unstable();
        row_max
    }

    fn dual_simplex(&mut self, allow_perturb: bool) -> Result<Outcome, SolveError> {
        let (m, nt) = (self.m, self.n + self.m);
        let tol_d = self.dual_tol;
        let mut degenerate = 0usize;
        let mut perturbed = false;
        let mut bland = false;
        let mut just_refactored = false;
        loop {
            if self.eta_count >= self.refactor_interval {
                self.refactor()?;
                self.compute_primal();
                self.compute_dual();
                if self.make_dual_feasible() {
                    self.compute_primal();
                }
            }
            // Pricing: dual steepest edge (exact weights).
            let mut r = usize::MAX;
            let mut best = 0.0f64;
            for i in 0..m {
                let inf = self.primal_infeasibility(i);
                if inf == 0.0 {
                    continue;
                }
                if bland {
                    if r == usize::MAX || self.basis[i] < self.basis[r] {
                        r = i;
                    }
                    continue;
                }
                let score = inf * inf / self.dse[i];
                if score > best {
                    best = score;
                    r = i;
                }
            }
            if r == usize::MAX {
                return Ok(Outcome::Optimal);
            }
            if self.iterations >= self.iteration_limit {
                return Err(SolveError::IterationLimit);
            }
            let p = self.basis[r];
            // s = +1: leaving variable goes to its lower bound, -1: to its upper.
            let (target, s) = if self.x[p] < self.lb[p] {
                (self.lb[p], 1.0)
            } else {
                (self.ub[p], -1.0)
            };
            let mut slope = (self.x[p] - target).abs();
            let slope_tol = self.ptol(p, target);

            self.rho.copy_from_slice(&self.binv[r * m..(r + 1) * m]);
            let row_max = self.dual_pivot_row(s);

            // Bound-flipping ratio test with Harris tolerances in each group. Tiny
            // pivots are avoided, but only a search over *all* nonzeros may conclude
            // that no entering variable exists.
            let mut q = usize::MAX;
            let mut t = 0.0;
            for attempt in 0..2 {
                let piv_tol = if attempt == 0 {
                    PIV_TOL
                } else {
                    TINY_PIV * row_max.max(1.0)
                };
                self.cand.clear();
                for &j in &self.row_nz {
                    let st = self.status[j];
                    let a = self.row_work[j];
                    let eligible = match st {
                        VarStatus::Lower => a < -piv_tol,
                        VarStatus::Upper => a > piv_tol,
                        _ => a.abs() > piv_tol,
                    };
                    if eligible {
                        self.cand.push(j);
                    }
                }
                self.flips.clear();
                slope = (self.x[p] - target).abs();
                while !self.cand.is_empty() {
                    let mut theta_max = INF;
                    let mut min_ratio = INF;
                    for &j in &self.cand {
                        let a = self.row_work[j];
                        let rj = dual_ratio(self.status[j], self.d[j], a);
                        theta_max = theta_max.min(rj + tol_d * self.dunit[j] / a.abs());
                        min_ratio = min_ratio.min(rj);
                    }
                    if bland {
                        theta_max = min_ratio;
                    }
                    let mut group_slope = 0.0;
                    let mut best_j = usize::MAX;
                    let mut best_a = 0.0f64;
                    for &j in &self.cand {
                        let a = self.row_work[j];
                        if dual_ratio(self.status[j], self.d[j], a) <= theta_max {
                            group_slope += a.abs() * (self.ub[j] - self.lb[j]);
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
                        while k < self.cand.len() {
                            let j = self.cand[k];
                            if dual_ratio(self.status[j], self.d[j], self.row_work[j]) <= theta_max
                            {
                                self.flips.push(j);
                                self.cand.swap_remove(k);
                            } else {
                                k += 1;
                            }
                        }
                        continue;
                    }
                    q = best_j;
                    t = dual_ratio(self.status[q], self.d[q], self.row_work[q]).max(0.0);
                    break;
                }
                if q != usize::MAX {
                    break;
                }
            }
            if q == usize::MAX {
                // Dual ray: the row cannot be made feasible → primal infeasible, unless
                // the remaining violation is rounding noise of x_p = -Σ α_rj x_j (an
                // ill-conditioned basis); then accept the row as feasible for this solve.
                let mut mag = target.abs();
                for j in 0..nt {
                    if self.status[j] != VarStatus::Basic && self.x[j] != 0.0 {
                        mag += self.a.dot(j, &self.rho).abs() * self.x[j].abs();
                    }
                }
                if slope > tolerance::NOISE * mag {
                    return Ok(Outcome::Infeasible);
                }
                if self.eta_count > 0 {
                    // Only fresh factors may call a violation noise: x_B and ρ
                    // from an updated inverse carry drift that mag, summed over
                    // ρ's noise-level entries times huge nonbasic values, can
                    // hide (a wide-range LP had row 19 0.26 out of bound at
                    // 1.85e5, 1.4e-6 of the row, accepted after 16 updates;
                    // with fresh factors the row was feasible).
                    self.refactor()?;
                    self.compute_primal_refined();
                    self.compute_dual();
                    if self.make_dual_feasible() {
                        self.compute_primal_refined();
                    }
                    continue;
                }
                // What is left is noise only once the passed breakpoints are
                // flipped: without them x_p can still be far outside its bound
                // (a wide-range LP had it 3.5e3 out with 6e-5 of slope left).
                // The optimality check re-examines the flipped duals.
                self.apply_flips();
                self.tol_extra[p] = self.tol_extra[p].max(2.0 * (self.x[p] - target).abs());
                continue;
            }

            self.ftran(q);
            let alpha_r = self.col_work[r];
            if alpha_r.abs() < SMALL_PIVOT && !just_refactored && self.eta_count > 0 {
                just_refactored = true;
                self.refactor()?;
                self.compute_primal();
                self.compute_dual();
                if self.make_dual_feasible() {
                    self.compute_primal();
                }
                continue;
            }
            if alpha_r.abs() < SING_TOL {
                return Ok(Outcome::Restart);
            }
            just_refactored = false;
            if t == 0.0 && self.d[q] != 0.0 {
                // q's reduced cost lies on the wrong side of 0 (within the
                // Harris tolerance), or q is free: the step is 0, not q's own
                // ratio d_q/−α_q. Shift c_q so that d_q = 0 and the zero step
                // is exact; otherwise the leaving variable's d_p = s·t = 0 is
                // a fiction (a wide-range LP's fresh duals had d_p = −1.4e-7,
                // 1,000 times its tolerance, from d_q = −1.1e-9 over
                // α_q = −7.5e-3, and each restart flipped p back in). The
                // shift goes when the phase ends; the primal simplex then
                // repairs what it hid.
                self.wcost[q] -= self.d[q];
                self.costs_shifted = true;
            }

            self.apply_flips();

            // Dual update: d_j += t·(s·alpha_rj).
            if t != 0.0 {
                for &j in &self.row_nz {
                    self.d[j] += t * self.row_work[j];
                }
            }
            self.d[q] = 0.0;
            self.d[p] = s * t;

            // Primal update.
            let theta_p = (self.x[p] - target) / alpha_r;
            for i in 0..m {
                let v = self.basis[i];
                self.x[v] -= theta_p * self.col_work[i];
            }
            self.x[q] += theta_p;
            self.x[p] = target;
            self.status[p] = if s > 0.0 || self.lb[p] == self.ub[p] {
                VarStatus::Lower
            } else {
                VarStatus::Upper
            };
            self.status[q] = VarStatus::Basic;
            self.update_inverse(r);
            self.basis[r] = q;
            self.iterations += 1;

            if t <= DEGENERATE_STEP {
                degenerate += 1;
                if degenerate >= STALL_PERTURB && allow_perturb && !perturbed {
                    self.perturb_costs();
                    perturbed = true;
                    degenerate = 0;
                } else if degenerate >= STALL_BLAND {
                    bland = true;
                }
            } else {
                degenerate = 0;
            }
        }
    }

    /// Moves the bound flips of the passed breakpoints (`flips`) to their
    /// other bound: `x_B -= B⁻¹ Σ a_j Δx_j`.
    fn apply_flips(&mut self) {
        if self.flips.is_empty() {
            return;
        }
        self.rhs.fill(0.0);
        for fi in 0..self.flips.len() {
            let j = self.flips[fi];
            let (st, nx) = if self.status[j] == VarStatus::Lower {
                (VarStatus::Upper, self.ub[j])
            } else {
                (VarStatus::Lower, self.lb[j])
            };
            let delta = nx - self.x[j];
            self.x[j] = nx;
            self.status[j] = st;
            self.a.axpy(j, delta, &mut self.rhs);
        }
        self.sub_binv_rhs();
        self.iterations += self.flips.len();
        self.flips.clear();
    }

    // -----------------------------------------------------------------------
    // Primal simplex
    // -----------------------------------------------------------------------

    /// Expands the bounds of basic variables by small random amounts so degenerate
    /// basics get room to move.
    fn perturb_bounds(&mut self) {
        for i in 0..self.m {
            let v = self.basis[i];
            if self.lb[v] > -INF {
                let eps = 1e-7 * (self.punit[v] + self.lb[v].abs()) * (1.0 + self.rand01());
                self.lb[v] -= eps;
            }
            if self.ub[v] < INF {
                let eps = 1e-7 * (self.punit[v] + self.ub[v].abs()) * (1.0 + self.rand01());
                self.ub[v] += eps;
            }
        }
        self.bounds_perturbed = true;
    }

    fn primal_simplex(&mut self, allow_perturb: bool) -> Result<Outcome, SolveError> {
        let (m, nt) = (self.m, self.n + self.m);
        let tol_d = self.dual_tol;
        self.devex.fill(1.0);
        let mut degenerate = 0usize;
        let mut perturbed = false;
        let mut bland = false;
        let mut just_refactored = false;
        loop {
            if self.eta_count >= self.refactor_interval {
                self.refactor()?;
                self.compute_primal();
                if self.count_primal_infeasible() > 0 {
                    return Ok(Outcome::Restart);
                }
                self.compute_dual();
            }
            // Pricing: Devex.
            let mut q = usize::MAX;
            let mut best = 0.0f64;
            for j in 0..nt {
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
            if q == usize::MAX {
                return Ok(Outcome::Optimal);
            }
            if self.iterations >= self.iteration_limit {
                return Err(SolveError::IterationLimit);
            }
            let sigma = match self.status[q] {
                VarStatus::Lower => 1.0,
                VarStatus::Upper => -1.0,
                _ => {
                    if self.d[q] < 0.0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
            };
            self.ftran(q);

            // Harris pass 1: largest step keeping every basic within its tolerance. Tiny
            // pivots are skipped, but unboundedness is only concluded after a second pass
            // over all nonzeros of the column.
            let range = self.ub[q] - self.lb[q];
            let col_max = self.col_work.iter().fold(1.0f64, |acc, v| acc.max(v.abs()));
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
                    let a = self.col_work[i];
                    if a.abs() <= piv_tol {
                        continue;
                    }
                    let v = self.basis[i];
                    let rate = -sigma * a;
                    let (h, exact) = if rate < 0.0 {
                        let l = self.lb[v];
                        if l == -INF {
                            continue;
                        }
                        (
                            (self.x[v] - l + self.ptol(v, l)) / -rate,
                            (self.x[v] - l) / -rate,
                        )
                    } else {
                        let u = self.ub[v];
                        if u == INF {
                            continue;
                        }
                        (
                            (u - self.x[v] + self.ptol(v, u)) / rate,
                            (u - self.x[v]) / rate,
                        )
                    };
                    theta_max = theta_max.min(h.max(0.0));
                    min_ratio = min_ratio.min(exact.max(0.0));
                }
                if bland {
                    theta_max = min_ratio;
                }
            }

            if range < INF && range <= theta_max {
                // The entering variable hits its own opposite bound first: flip it.
                let step = sigma * range;
                for i in 0..m {
                    let v = self.basis[i];
                    self.x[v] -= step * self.col_work[i];
                }
                if self.status[q] == VarStatus::Lower {
                    self.status[q] = VarStatus::Upper;
                    self.x[q] = self.ub[q];
                } else {
                    self.status[q] = VarStatus::Lower;
                    self.x[q] = self.lb[q];
                }
                self.iterations += 1;
                degenerate = 0;
                continue;
            }
            if theta_max == INF {
                // The ray: x_q moves by σ, x_B by −σ·α (unscaled columns).
                self.out_ray.fill(0.0);
                if q < self.n {
                    self.out_ray[q] = sigma * self.col_scale[q];
                }
                for i in 0..m {
                    let v = self.basis[i];
                    if v < self.n {
                        self.out_ray[v] = -sigma * self.col_work[i] * self.col_scale[v];
                    }
                }
                return Ok(Outcome::Unbounded);
            }

            // Harris pass 2: among steps within theta_max, the largest pivot.
            let mut r = usize::MAX;
            let mut best_a = 0.0f64;
            let mut theta = 0.0;
            let mut to_lower = false;
            for i in 0..m {
                let a = self.col_work[i];
                if a.abs() <= piv_tol {
                    continue;
                }
                let v = self.basis[i];
                let rate = -sigma * a;
                let exact = if rate < 0.0 {
                    if self.lb[v] == -INF {
                        continue;
                    }
                    (self.x[v] - self.lb[v]) / -rate
                } else {
                    if self.ub[v] == INF {
                        continue;
                    }
                    (self.ub[v] - self.x[v]) / rate
                };
                let exact = exact.max(0.0);
                if exact <= theta_max {
                    let better = if bland {
                        r == usize::MAX || v < self.basis[r]
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
                // Only possible through NaN; let the caller refactor and restart.
                return Ok(Outcome::Restart);
            }
            let alpha_r = self.col_work[r];
            if alpha_r.abs() < SMALL_PIVOT && !just_refactored && self.eta_count > 0 {
                just_refactored = true;
                self.refactor()?;
                self.compute_primal();
                if self.count_primal_infeasible() > 0 {
                    return Ok(Outcome::Restart);
                }
                self.compute_dual();
                continue;
            }
            just_refactored = false;
            let p = self.basis[r];

            // Primal update.
            let step = sigma * theta;
            if step != 0.0 {
                for i in 0..m {
                    let v = self.basis[i];
                    self.x[v] -= step * self.col_work[i];
                }
            }
            self.x[q] += step;
            self.x[p] = if to_lower { self.lb[p] } else { self.ub[p] };
            self.status[p] = if to_lower || self.lb[p] == self.ub[p] {
                VarStatus::Lower
            } else {
                VarStatus::Upper
            };

            // Pivot row for the dual and Devex updates (p is nonbasic now, q not yet
            // basic), row-wise over the non-zeros of ρ like the dual simplex's.
            self.rho.copy_from_slice(&self.binv[r * m..(r + 1) * m]);
            self.dual_pivot_row(1.0);
            let theta_d = self.d[q] / alpha_r;
            let wq = self.devex[q];
            let mut wmax = 0.0f64;
            for idx in 0..self.row_nz.len() {
                let j = self.row_nz[idx];
                let arj = self.row_work[j];
                if arj != 0.0 {
                    self.d[j] -= theta_d * arj;
                    let ratio = arj / alpha_r;
                    let w = ratio * ratio * wq;
                    if w > self.devex[j] {
                        self.devex[j] = w;
                        wmax = wmax.max(w);
                    }
                }
            }
            self.d[q] = 0.0;
            self.d[p] = -theta_d;
            self.devex[p] = (wq / (alpha_r * alpha_r)).max(1.0);
            self.status[q] = VarStatus::Basic;
            self.update_inverse(r);
            self.basis[r] = q;
            self.iterations += 1;
            if wmax > 1e6 {
                // Reference framework drifted too far: reset it.
                self.devex.fill(1.0);
            }

            if theta <= DEGENERATE_STEP {
                degenerate += 1;
                if degenerate >= STALL_PERTURB && allow_perturb && !perturbed {
                    self.perturb_bounds();
                    perturbed = true;
                    degenerate = 0;
                } else if degenerate >= STALL_BLAND {
                    bland = true;
                }
            } else {
                degenerate = 0;
            }
        }
    }

    // -----------------------------------------------------------------------
    // Results
    // -----------------------------------------------------------------------

    fn extract(&mut self) {
        let (m, n) = (self.m, self.n);
        for j in 0..n {
            self.out_x[j] = self.x[j] * self.col_scale[j];
        }
        for i in 0..m {
            self.out_y[i] = if self.status[n + i] == VarStatus::Basic {
                0.0
            } else {
                self.d[n + i] * self.row_scale[i] / self.obj_scale
            };
        }
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

// ---------------------------------------------------------------------------
// Dense kernels
// ---------------------------------------------------------------------------
//
// The O(m²) work (inverse update, x_B = B⁻¹ b, refactorisation) runs through these.
// Each has one generic body with explicit 8-lane accumulators; on x86-64 CPUs with AVX2
// (detected once in `Simplex::new`) the same body is compiled with 256-bit vectors.
// Lane-wise arithmetic and the final reduction order are identical in both builds, and
// Rust never contracts to FMA, so results are bitwise identical either way.

#[derive(Clone, Copy)]
struct Kernels {
    avx2: bool,
}

impl Kernels {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            Kernels {
                avx2: std::arch::is_x86_feature_detected!("avx2"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Kernels { avx2: false }
        }
    }

    #[inline]
    fn dot(self, a: &[f64], b: &[f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 support was verified at runtime in `detect`.
            return unsafe { avx2::dot(a, b) };
        }
        dot_body(a, b)
    }

    #[inline]
    fn axpy(self, row: &mut [f64], p: &[f64], f: f64) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 support was verified at runtime in `detect`.
            return unsafe { avx2::axpy(row, p, f) };
        }
        axpy_body(row, p, f)
    }

    /// `buf[dst row] -= f · buf[src row]` for an `m`-column row-major buffer.
    #[inline]
    fn row_axpy(self, buf: &mut [f64], m: usize, dst: usize, src: usize, f: f64) {
        let (d, s) = if dst < src {
            let (lo, hi) = buf.split_at_mut(src * m);
            (&mut lo[dst * m..dst * m + m], &hi[..m])
        } else {
            let (lo, hi) = buf.split_at_mut(dst * m);
            (&mut hi[..m], &lo[src * m..src * m + m])
        };
        self.axpy(d, s, f);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot(a: &[f64], b: &[f64]) -> f64 {
        super::dot_body(a, b)
    }

    #[target_feature(enable = "avx2")]
    pub unsafe fn axpy(row: &mut [f64], p: &[f64], f: f64) {
        super::axpy_body(row, p, f)
    }
}

const LANES: usize = 8;

#[inline(always)]
fn reduce(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
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

/// Calls `f` with the index of each set bit of `mask`, ascending.
#[inline(always)]
fn for_each_bit(mask: &[u64], mut f: impl FnMut(usize)) {
    for (w, &word) in mask.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            f(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// `dot_body(row, v)` over the entries `mask` marks (all others being 0): the
/// same products added in the same lanes and order, so the same bits.
#[inline]
fn masked_dot(row: &[f64], mask: &[u64], v: &[f64]) -> f64 {
    let n8 = row.len().min(v.len()) / LANES * LANES;
    let (mut acc, mut tail) = ([0.0f64; LANES], 0.0f64);
    for_each_bit(mask, |k| {
        let p = row[k] * v[k];
        if k < n8 {
            acc[k % LANES] += p;
        } else {
            tail += p;
        }
    });
    reduce(acc) + tail
}

#[inline(always)]
fn dot_body(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let n8 = n / LANES * LANES;
    let mut acc = [0.0f64; LANES];
    for (ac, bc) in a[..n8].chunks_exact(LANES).zip(b[..n8].chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] += ac[l] * bc[l];
        }
    }
    let mut tail = 0.0;
    for k in n8..n {
        tail += a[k] * b[k];
    }
    reduce(acc) + tail
}

/// `row -= f · p`.
#[inline(always)]
fn axpy_body(row: &mut [f64], p: &[f64], f: f64) {
    for (r, &pv) in row.iter_mut().zip(p) {
        *r -= f * pv;
    }
}

fn copy_into<T: Copy>(dst: &mut Vec<T>, src: &[T]) {
    dst.clear();
    dst.extend_from_slice(src);
}

#[inline]
fn pow2(e: f64) -> f64 {
    2f64.powi(e.clamp(-1000.0, 1000.0) as i32)
}

/// Geometric-mean row/column scaling, rounded to powers of two.
fn compute_scaling(a: &SparseMatrix) -> (Vec<f64>, Vec<f64>) {
    let (m, n) = (a.nrows, a.ncols);
    let mut rs = vec![1.0f64; m];
    let mut cs = vec![1.0f64; n];
    let mut rmin = vec![INF; m];
    let mut rmax = vec![0.0f64; m];
    for _pass in 0..6 {
        for j in 0..n {
            let (mut lo, mut hi) = (INF, 0.0f64);
            for k in a.col_start[j]..a.col_start[j + 1] {
                let v = (a.value[k] * rs[a.row_index[k]]).abs();
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi > 0.0 {
                cs[j] = 1.0 / (lo * hi).sqrt();
            }
        }
        rmin.fill(INF);
        rmax.fill(0.0);
        for j in 0..n {
            for k in a.col_start[j]..a.col_start[j + 1] {
                let i = a.row_index[k];
                let v = (a.value[k] * cs[j]).abs();
                rmin[i] = rmin[i].min(v);
                rmax[i] = rmax[i].max(v);
            }
        }
        for i in 0..m {
            if rmax[i] > 0.0 {
                rs[i] = 1.0 / (rmin[i] * rmax[i]).sqrt();
            }
        }
    }
    for s in rs.iter_mut().chain(cs.iter_mut()) {
        *s = if s.is_finite() && *s > 0.0 {
            pow2(s.log2().round())
        } else {
            1.0
        };
    }
    (rs, cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small LP description for hand-solved tests.
    struct Lp {
        m: usize,
        n: usize,
        trip: Vec<(usize, usize, f64)>,
        c: Vec<f64>,
        cl: Vec<f64>,
        cu: Vec<f64>,
        rl: Vec<f64>,
        ru: Vec<f64>,
    }

    impl Lp {
        fn new(m: usize, n: usize, trip: &[(usize, usize, f64)], c: &[f64]) -> Self {
            Lp {
                m,
                n,
                trip: trip.to_vec(),
                c: c.to_vec(),
                cl: vec![0.0; n],
                cu: vec![INF; n],
                rl: vec![-INF; m],
                ru: vec![INF; m],
            }
        }

        fn load(&self, s: &mut Simplex) {
            s.cost_mut().copy_from_slice(&self.c);
            s.col_lower_mut().copy_from_slice(&self.cl);
            s.col_upper_mut().copy_from_slice(&self.cu);
            s.row_lower_mut().copy_from_slice(&self.rl);
            s.row_upper_mut().copy_from_slice(&self.ru);
        }

        fn solver(&self, scale: bool) -> Simplex {
            let mut s = Simplex::with_scaling(
                SparseMatrix::from_triplets(self.m, self.n, &self.trip),
                scale,
            );
            self.load(&mut s);
            s
        }

        /// Asserts primal feasibility, complementary slackness and strong duality.
        fn assert_kkt(&self, s: &Simplex) {
            assert_masks_cover(s);
            let tol = tolerance::CERTIFICATE;
            let x = s.col_value();
            let y = s.row_dual();
            let d = s.col_reduced_cost();
            let mut act = vec![0.0; self.m];
            let mut aty = vec![0.0; self.n];
            for &(i, j, v) in &self.trip {
                act[i] += v * x[j];
                aty[j] += v * y[i];
            }
            let mut dual_obj = 0.0;
            for j in 0..self.n {
                let sc = 1.0 + x[j].abs();
                assert!(
                    x[j] >= self.cl[j] - tol * sc && x[j] <= self.cu[j] + tol * sc,
                    "col {j} bound"
                );
                assert!(
                    (d[j] - (self.c[j] - aty[j])).abs() <= tol * (1.0 + self.c[j].abs()),
                    "d {j}"
                );
                if d[j] > tol {
                    assert!(
                        (x[j] - self.cl[j]).abs() <= tol * sc,
                        "col {j}: d>0 but not at lower"
                    );
                    dual_obj += d[j] * self.cl[j];
                } else if d[j] < -tol {
                    assert!(
                        (x[j] - self.cu[j]).abs() <= tol * sc,
                        "col {j}: d<0 but not at upper"
                    );
                    dual_obj += d[j] * self.cu[j];
                }
            }
            for i in 0..self.m {
                let sc = 1.0 + act[i].abs();
                assert!((act[i] - s.row_activity()[i]).abs() <= tol * sc);
                assert!(
                    act[i] >= self.rl[i] - tol * sc && act[i] <= self.ru[i] + tol * sc,
                    "row {i}"
                );
                if y[i] > tol {
                    assert!(
                        (act[i] - self.rl[i]).abs() <= tol * sc,
                        "row {i}: y>0 not at lower"
                    );
                    dual_obj += y[i] * self.rl[i];
                } else if y[i] < -tol {
                    assert!(
                        (act[i] - self.ru[i]).abs() <= tol * sc,
                        "row {i}: y<0 not at upper"
                    );
                    dual_obj += y[i] * self.ru[i];
                }
            }
            let obj: f64 = self.c.iter().zip(x).map(|(c, x)| c * x).sum();
            assert!((obj - s.objective()).abs() <= 1e-9 * (1.0 + obj.abs()));
            assert!(
                (obj - dual_obj).abs() <= 1e-7 * (1.0 + obj.abs()),
                "duality gap {obj} vs {dual_obj}"
            );
        }

        fn solve_both(&self) -> (Status, f64) {
            let mut res: Option<(Status, f64)> = None;
            for scale in [true, false] {
                let mut s = self.solver(scale);
                let st = s.solve().expect("solve");
                if st == Status::Optimal {
                    self.assert_kkt(&s);
                }
                let r = (st, s.objective());
                if let Some((st0, obj0)) = res {
                    assert_eq!(st, st0);
                    if st == Status::Optimal {
                        assert!((r.1 - obj0).abs() <= 1e-9 * (1.0 + r.1.abs()));
                    }
                }
                res = Some(r);
            }
            res.unwrap()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    fn wyndor() -> Lp {
        // max 3x + 5y: x <= 4, 2y <= 12, 3x + 2y <= 18 → (2, 6), 36.
        let mut lp = Lp::new(
            3,
            2,
            &[(0, 0, 1.0), (1, 1, 2.0), (2, 0, 3.0), (2, 1, 2.0)],
            &[-3.0, -5.0],
        );
        lp.ru = vec![4.0, 12.0, 18.0];
        lp
    }

    #[test]
    fn wyndor_primal_and_duals() {
        let lp = wyndor();
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -36.0));
        assert!(close(s.col_value()[0], 2.0) && close(s.col_value()[1], 6.0));
        let y = s.row_dual();
        assert!(
            close(y[0], 0.0) && close(y[1], -1.5) && close(y[2], -1.0),
            "{y:?}"
        );
        lp.assert_kkt(&s);
        assert_eq!(lp.solve_both().0, Status::Optimal);
    }

    #[test]
    fn equality_row() {
        // min x + 2y: x + y = 3, x - y <= 1 → (2, 1), 4; y = (1.5, -0.5).
        let mut lp = Lp::new(
            2,
            2,
            &[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, -1.0)],
            &[1.0, 2.0],
        );
        lp.rl = vec![3.0, -INF];
        lp.ru = vec![3.0, 1.0];
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), 4.0));
        assert!(close(s.row_dual()[0], 1.5) && close(s.row_dual()[1], -0.5));
        lp.assert_kkt(&s);
        lp.solve_both();
    }

    #[test]
    fn ranged_rows() {
        // min -x: 1 <= x + y <= 5, y >= 2 → x = 3, row at upper with y = -1, d_y = 1.
        let mut lp = Lp::new(1, 2, &[(0, 0, 1.0), (0, 1, 1.0)], &[-1.0, 0.0]);
        lp.rl = vec![1.0];
        lp.ru = vec![5.0];
        lp.cl = vec![0.0, 2.0];
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -3.0) && close(s.row_dual()[0], -1.0));
        assert!(close(s.col_reduced_cost()[1], 1.0));
        lp.assert_kkt(&s);
        // Same row active at its lower bound: min x + y with y >= 0 → 1, y_row = 1.
        lp.c = vec![1.0, 1.0];
        lp.cl = vec![0.0, 0.0];
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), 1.0) && close(s.row_dual()[0], 1.0));
        lp.assert_kkt(&s);
        lp.solve_both();
    }

    #[test]
    fn free_variable() {
        // min x, x free, y in [0, 3]: x - y >= -2 → x = -2, y = 0; y_row = 1, d_y = 1.
        let mut lp = Lp::new(1, 2, &[(0, 0, 1.0), (0, 1, -1.0)], &[1.0, 0.0]);
        lp.cl = vec![-INF, 0.0];
        lp.cu = vec![INF, 3.0];
        lp.rl = vec![-2.0];
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -2.0) && close(s.col_value()[0], -2.0));
        assert!(close(s.row_dual()[0], 1.0) && close(s.col_reduced_cost()[1], 1.0));
        lp.assert_kkt(&s);
        // Free and unbounded below once the row is dropped to -inf.
        lp.rl = vec![-INF];
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Unbounded);
        // Two free variables with an equality: min x + y s.t. x - y = 1, x + y >= 0 → 0.
        let mut lp = Lp::new(
            2,
            2,
            &[(0, 0, 1.0), (0, 1, -1.0), (1, 0, 1.0), (1, 1, 1.0)],
            &[1.0, 1.0],
        );
        lp.cl = vec![-INF, -INF];
        lp.rl = vec![1.0, 0.0];
        lp.ru = vec![1.0, INF];
        let (st, obj) = lp.solve_both();
        assert_eq!(st, Status::Optimal);
        assert!(close(obj, 0.0));
    }

    #[test]
    fn fixed_variable() {
        // x fixed at 2, min -y: x + y <= 5 → y = 3; d_x = 0 - (-1)(1) = 1.
        let mut lp = Lp::new(1, 2, &[(0, 0, 1.0), (0, 1, 1.0)], &[0.0, -1.0]);
        lp.cl = vec![2.0, 0.0];
        lp.cu = vec![2.0, INF];
        lp.ru = vec![5.0];
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -3.0) && close(s.col_value()[0], 2.0));
        assert!(close(s.col_reduced_cost()[0], 1.0));
        lp.assert_kkt(&s);
        lp.solve_both();
    }

    #[test]
    fn infeasible() {
        // x + y >= 5 with x, y in [0, 1].
        let mut lp = Lp::new(1, 2, &[(0, 0, 1.0), (0, 1, 1.0)], &[1.0, 1.0]);
        lp.cu = vec![1.0, 1.0];
        lp.rl = vec![5.0];
        assert_eq!(lp.solve_both().0, Status::Infeasible);
        // Contradictory equalities.
        let mut lp = Lp::new(
            2,
            2,
            &[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0)],
            &[1.0, -1.0],
        );
        lp.cl = vec![-INF, -INF];
        lp.rl = vec![1.0, 2.0];
        lp.ru = vec![1.0, 2.0];
        assert_eq!(lp.solve_both().0, Status::Infeasible);
        // Infeasible even though the objective is unbounded in a direction.
        let mut lp = Lp::new(2, 2, &[(0, 0, 1.0), (1, 0, 1.0)], &[0.0, -1.0]);
        lp.rl = vec![3.0, -INF];
        lp.ru = vec![INF, 2.0];
        assert_eq!(lp.solve_both().0, Status::Infeasible);
        // Contradictory variable bounds.
        let mut lp = Lp::new(1, 1, &[(0, 0, 1.0)], &[1.0]);
        lp.cl = vec![2.0];
        lp.cu = vec![1.0];
        assert_eq!(lp.solve_both().0, Status::Infeasible);
    }

    #[test]
    fn unbounded() {
        // min -x: x - y <= 1, x, y >= 0.
        let mut lp = Lp::new(1, 2, &[(0, 0, 1.0), (0, 1, -1.0)], &[-1.0, 0.0]);
        lp.ru = vec![1.0];
        assert_eq!(lp.solve_both().0, Status::Unbounded);
    }

    #[test]
    fn beale_cycling_example() {
        // Beale (1955): cycles under Dantzig's rule with naive tie-breaking. Optimum -1/20.
        let mut lp = Lp::new(
            3,
            4,
            &[
                (0, 0, 0.25),
                (0, 1, -60.0),
                (0, 2, -0.04),
                (0, 3, 9.0),
                (1, 0, 0.5),
                (1, 1, -90.0),
                (1, 2, -0.02),
                (1, 3, 3.0),
                (2, 2, 1.0),
            ],
            &[-0.75, 150.0, -0.02, 6.0],
        );
        lp.ru = vec![0.0, 0.0, 1.0];
        let (st, obj) = lp.solve_both();
        assert_eq!(st, Status::Optimal);
        assert!(close(obj, -0.05), "{obj}");
    }

    #[test]
    fn klee_minty() {
        // max Σ 2^(n-j) x_j s.t. 2 Σ_{j<i} 2^(i-j) x_j + x_i <= 5^i → 5^n.
        let n = 6;
        let mut trip = Vec::new();
        for i in 0..n {
            for j in 0..i {
                trip.push((i, j, 2f64.powi((i - j + 1) as i32)));
            }
            trip.push((i, i, 1.0));
        }
        let c: Vec<f64> = (0..n).map(|j| -(2f64.powi((n - 1 - j) as i32))).collect();
        let mut lp = Lp::new(n, n, &trip, &c);
        lp.ru = (0..n).map(|i| 5f64.powi(i as i32 + 1)).collect();
        let (st, obj) = lp.solve_both();
        assert_eq!(st, Status::Optimal);
        assert!(close(obj, -(5f64.powi(n as i32))), "{obj}");
    }

    #[test]
    fn degenerate_transportation() {
        // 3x3 transportation with balanced supply/demand (degenerate vertices); the
        // optimum (checked by enumeration of the duals) is 1030.
        let supply = [20.0, 30.0, 25.0];
        let demand = [10.0, 25.0, 40.0];
        let cost = [[8.0, 6.0, 10.0], [9.0, 12.0, 13.0], [14.0, 9.0, 16.0]];
        let mut trip = Vec::new();
        let mut c = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                let col = i * 3 + j;
                trip.push((i, col, 1.0));
                trip.push((3 + j, col, 1.0));
                c.push(cost[i][j]);
            }
        }
        let mut lp = Lp::new(6, 9, &trip, &c);
        lp.rl = vec![-INF, -INF, -INF, demand[0], demand[1], demand[2]];
        lp.ru = vec![supply[0], supply[1], supply[2], INF, INF, INF];
        let (st, obj) = lp.solve_both();
        assert_eq!(st, Status::Optimal);
        // Cross-check by brute force over the dual: min over feasible vertices is what the
        // simplex returns; verify against a slow exhaustive 1-unit-grid search instead.
        let mut best = INF;
        for a in 0..=10 {
            for b in 0..=(10 - a) {
                // Column 0 (demand 10) split a, b, rest from source 3.
                let x0 = [a as f64, b as f64, (10 - a - b) as f64];
                for p in 0..=25 {
                    for q in 0..=(25 - p) {
                        let x1 = [p as f64, q as f64, (25 - p - q) as f64];
                        let x2: Vec<f64> = (0..3).map(|i| supply[i] - x0[i] - x1[i]).collect();
                        if x2.iter().any(|&v| v < 0.0) || x2.iter().sum::<f64>() < 40.0 {
                            continue;
                        }
                        let v: f64 = (0..3)
                            .map(|i| cost[i][0] * x0[i] + cost[i][1] * x1[i] + cost[i][2] * x2[i])
                            .sum();
                        best = best.min(v);
                    }
                }
            }
        }
        assert!(close(obj, best), "{obj} vs {best}");
    }

    #[test]
    fn no_rows_and_no_cols() {
        let mut lp = Lp::new(0, 2, &[], &[1.0, -1.0]);
        lp.cu = vec![1.0, 2.0];
        let (st, obj) = lp.solve_both();
        assert_eq!(st, Status::Optimal);
        assert!(close(obj, -2.0));
        lp.cu = vec![1.0, INF];
        assert_eq!(lp.solve_both().0, Status::Unbounded);

        let mut lp = Lp::new(2, 0, &[], &[]);
        lp.rl = vec![-1.0, -INF];
        lp.ru = vec![1.0, INF];
        assert_eq!(lp.solve_both(), (Status::Optimal, 0.0));
        lp.rl = vec![1.0, -INF];
        assert_eq!(lp.solve_both().0, Status::Infeasible);
    }

    #[test]
    fn iteration_limit() {
        let lp = wyndor();
        let mut s = lp.solver(true);
        s.set_iteration_limit(0);
        assert_eq!(s.solve(), Err(SolveError::IterationLimit));
        assert_eq!(
            SolveError::IterationLimit.to_string(),
            "simplex iteration limit reached"
        );
        s.set_iteration_limit(100);
        assert_eq!(s.solve(), Ok(Status::Optimal));
    }

    #[test]
    fn nan_input_is_an_error_and_keeps_the_basis() {
        let mut lp = wyndor();
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        s.cost_mut()[0] = f64::NAN;
        assert_eq!(s.solve(), Err(SolveError::NumericalTrouble));
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert_eq!(s.iterations(), 0);
        // A clone is an independent solver with the same warm start.
        let mut c = s.clone();
        lp.ru[2] = 12.0;
        lp.load(&mut c);
        assert_eq!(c.solve().unwrap(), Status::Optimal);
        assert!(close(c.objective(), -30.0) && close(s.objective(), -36.0));
    }

    #[test]
    fn triplets_sum_duplicates() {
        let a = SparseMatrix::from_triplets(
            2,
            2,
            &[
                (1, 0, 1.0),
                (0, 0, 2.0),
                (1, 0, 3.0),
                (0, 1, 1.0),
                (0, 1, -1.0),
            ],
        );
        assert_eq!(a.col_start, vec![0, 2, 2]);
        assert_eq!(a.row_index, vec![0, 1]);
        assert_eq!(a.value, vec![2.0, 4.0]);
    }

    #[test]
    fn warm_start_save_restore_and_reset() {
        let mut lp = wyndor();
        let mut s = lp.solver(true);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(s.eta_count > 0);
        // Fresh factors of the optimal basis: no update history is saved.
        s.refresh_factors().unwrap();
        assert_eq!(s.eta_count, 0);
        let mut saved = BasisState::new();
        assert!(saved.is_empty());
        s.save_basis(&mut saved);
        // Tighten the shared capacity: dual simplex from the warm basis.
        lp.ru[2] = 12.0;
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -30.0), "{}", s.objective());
        lp.assert_kkt(&s);
        // Change costs: primal simplex from the warm basis.
        lp.c = vec![-10.0, -1.0];
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -40.0), "{}", s.objective());
        lp.assert_kkt(&s);
        // Restore the original problem and basis: zero pivots.
        lp = wyndor();
        lp.load(&mut s);
        s.restore_basis(&saved);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert_eq!(s.iterations(), 0);
        assert!(close(s.objective(), -36.0));
        s.reset_basis();
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(s.iterations() > 0);
        // An empty state restores the cold basis.
        s.restore_basis(&BasisState::new());
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(s.iterations() > 0 && close(s.objective(), -36.0));
        assert!(close(s.objective(), -36.0));
        // Infeasible then feasible again, warm.
        lp.rl[2] = 100.0;
        lp.ru[2] = INF;
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Infeasible);
        lp = wyndor();
        lp.load(&mut s);
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -36.0));
    }

    /// Every entry of `B⁻¹` whose mask bit is clear is 0: the kernels skip
    /// exactly those.
    fn assert_masks_cover(s: &Simplex) {
        let (m, w) = (s.m, s.words);
        for i in 0..m {
            for k in 0..m {
                let marked = s.binv_nz[i * w + k / 64] & (1 << (k % 64)) != 0;
                assert!(
                    marked || s.binv[i * m + k] == 0.0,
                    "B⁻¹[{i}][{k}] = {} is not marked",
                    s.binv[i * m + k]
                );
            }
        }
    }

    /// A transportation network with more than 64 rows (two mask words per
    /// row), solved warm through a sequence of capacity and cost changes, as a
    /// simulation does: every solve is optimal, passes the KKT checks, and the
    /// sparse kernels agree with a cold solve.
    #[test]
    fn masked_inverse_stays_exact_through_warm_solves() {
        let (ns, nd) = (40, 36);
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut trip = Vec::new();
        let mut c = Vec::new();
        for i in 0..ns {
            for j in 0..nd {
                if (i * 7 + j * 3) % 5 < 2 {
                    let col = c.len();
                    trip.push((i, col, 1.0));
                    trip.push((ns + j, col, 1.0));
                    c.push(1.0 + 20.0 * rnd());
                }
            }
        }
        let n = c.len();
        let mut lp = Lp::new(ns + nd, n, &trip, &c);
        for i in 0..ns {
            lp.ru[i] = 10.0 + 40.0 * rnd();
        }
        for j in 0..nd {
            lp.rl[ns + j] = 5.0 + 10.0 * rnd();
        }
        let mut warm = lp.solver(true);
        for step in 0..60 {
            if step % 7 == 3 {
                let j = (rnd() * n as f64) as usize;
                lp.c[j] = 1.0 + 20.0 * rnd();
            } else {
                let i = (rnd() * ns as f64) as usize;
                lp.ru[i] = 10.0 + 40.0 * rnd();
                let j = (rnd() * n as f64) as usize;
                lp.cu[j] = if rnd() < 0.3 { 2.0 * rnd() } else { INF };
            }
            lp.load(&mut warm);
            let st = warm.solve().unwrap();
            let mut cold = lp.solver(true);
            assert_eq!(st, cold.solve().unwrap(), "step {step}");
            if st == Status::Optimal {
                lp.assert_kkt(&warm);
                let (a, b) = (warm.objective(), cold.objective());
                assert!(
                    (a - b).abs() <= 1e-9 * (1.0 + a.abs()),
                    "step {step}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn singular_restored_basis_is_repaired() {
        // Two identical columns: a basis holding both is singular; refactor must repair.
        let lp = {
            let mut lp = Lp::new(
                2,
                2,
                &[(0, 0, 1.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)],
                &[-1.0, -1.0],
            );
            lp.ru = vec![4.0, 5.0];
            lp
        };
        let mut s = lp.solver(false);
        s.basis.copy_from_slice(&[0, 1]);
        s.status[0] = VarStatus::Basic;
        s.status[1] = VarStatus::Basic;
        s.status[2] = VarStatus::Lower;
        s.status[3] = VarStatus::Lower;
        s.inverse_valid = false;
        assert_eq!(s.solve().unwrap(), Status::Optimal);
        assert!(close(s.objective(), -4.0));
        lp.assert_kkt(&s);
    }
}
