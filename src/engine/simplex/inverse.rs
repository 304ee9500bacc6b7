//! The basis inverse `B⁻¹` and the iterate it determines.
//!
//! `m` is small (at most a few hundred), so `B⁻¹` is kept explicitly, row-major, and
//! updated by a rank-1 (product-form) pivot. A bit mask per row marks its non-zeros
//! (a network basis' inverse has a few per row), so the update costs
//! `O(nnz(α)·nnz(ρ))` and `B⁻¹b`, `c_B B⁻¹` and `B⁻¹a_q` visit only marked entries,
//! in the same order and summation lanes as a dense kernel (the same bits). Rows of
//! `B⁻¹` are the dual simplex's pivot rows, and their squared norms are exact dual
//! steepest-edge weights, kept inside the update loop. Refactorisation is a
//! sparsity-aware Gauss-Jordan elimination; a singular basis is repaired by swapping
//! in logicals. Because the matrix never changes, `B⁻¹` survives across solves, and a
//! [`BasisState`] carries its non-zeros for warm starts.

use super::kernels::{for_each_bit, masked_dot, Kernels};
use super::matrix::ScaledMatrix;
use super::stall::Noise;
use super::{Simplex, SolveError, VarStatus, SING_TOL};

/// `B⁻¹` with its row masks and steepest-edge weights, and the vectors the
/// pivots derive from it.
#[derive(Clone)]
pub(super) struct Inverse {
    m: usize,
    /// Row-major `m × m`.
    pub(super) binv: Vec<f64>,
    /// `words` bits per row of `binv`: a clear bit means the entry is 0 (a set
    /// one may still hold 0), so the kernels visit only the marked entries.
    pub(super) nz: Vec<u64>,
    /// Mask words per row of `binv`.
    pub(super) words: usize,
    /// Squared norms of the rows of `binv`: exact dual steepest-edge weights.
    pub(super) dse: Vec<f64>,
    /// Rank-1 updates since the last refactorisation.
    pub(super) eta_count: usize,
    /// Whether `binv` is the inverse of the current basis.
    pub(super) valid: bool,
    /// `B⁻¹ a_q` of the last `ftran`; `update` pivots on it. Also scratch of
    /// the final checks.
    pub(super) alpha: Vec<f64>,
    /// A row of `B⁻¹` (the pivot row `e_r B⁻¹`), see `load_rho`.
    pub(super) rho: Vec<f64>,
    /// The mask of `rho`.
    pub(super) rho_nz: Vec<u64>,
    /// The rows of the entering column `a_q` as a mask, for `ftran`.
    col_nz: Vec<u64>,
    fac: Factor,
    kern: Kernels,
}

/// Workspace of the Gauss-Jordan refactorisation.
#[derive(Clone)]
struct Factor {
    /// The basis matrix, reduced to the identity.
    w: Vec<f64>,
    /// The identity, turned into `B⁻¹`.
    r: Vec<f64>,
    /// Basis positions by increasing column non-zeros.
    order: Vec<usize>,
    /// The row each position pivoted in (`usize::MAX`: dependent column).
    pivrow: Vec<usize>,
    rowused: Vec<bool>,
    basis: Vec<usize>,
    /// Columns of the pivot row's non-zeros in the reduced basis (the
    /// pivot column left out) and in the growing inverse.
    wnz: Vec<usize>,
    rnz: Vec<usize>,
    /// Rows with a non-zero in the pivot column.
    cnz: Vec<usize>,
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

impl Inverse {
    pub(super) fn new(m: usize) -> Self {
        let words = m.div_ceil(64);
        Inverse {
            m,
            binv: vec![0.0; m * m],
            nz: vec![0; m * words],
            words,
            dse: vec![1.0; m],
            eta_count: 0,
            valid: false,
            alpha: vec![0.0; m],
            rho: vec![0.0; m],
            rho_nz: vec![0; words],
            col_nz: vec![0; words],
            fac: Factor {
                w: vec![0.0; m * m],
                r: vec![0.0; m * m],
                order: vec![0; m],
                pivrow: vec![0; m],
                rowused: vec![false; m],
                basis: vec![0; m],
                wnz: vec![0; m],
                rnz: vec![0; m],
                cnz: vec![0; m],
            },
            kern: Kernels::detect(),
        }
    }

    /// The inverse of the all-logical basis: `B = -I`, so `B⁻¹ = -I`.
    pub(super) fn set_logical(&mut self) {
        let m = self.m;
        self.binv.fill(0.0);
        self.nz.fill(0);
        for i in 0..m {
            self.binv[i * m + i] = -1.0;
            self.nz[i * self.words + i / 64] |= 1 << (i % 64);
        }
        self.dse.fill(1.0);
        self.eta_count = 0;
        self.valid = true;
    }

    /// `ρ = e_r B⁻¹`, the pivot row of basis position `r`.
    #[inline]
    pub(super) fn load_rho(&mut self, r: usize) {
        let (m, w) = (self.m, self.words);
        self.rho.copy_from_slice(&self.binv[r * m..(r + 1) * m]);
        self.rho_nz.copy_from_slice(&self.nz[r * w..(r + 1) * w]);
    }

    /// `(row i of B⁻¹) · v`, over the marked entries.
    #[inline]
    pub(super) fn row_dot(&self, i: usize, v: &[f64]) -> f64 {
        let (m, w) = (self.m, self.words);
        masked_dot(
            &self.binv[i * m..(i + 1) * m],
            &self.nz[i * w..(i + 1) * w],
            v,
        )
    }

    /// `alpha = B⁻¹ a_q`.
    pub(super) fn ftran(&mut self, a: &ScaledMatrix, q: usize) {
        let m = self.m;
        if q < a.n {
            let (s, e) = (a.col_start[q], a.col_start[q + 1]);
            let ri = &a.row_index[s..e];
            let va = &a.value[s..e];
            let w = self.words;
            self.col_nz.fill(0);
            for &r in ri {
                self.col_nz[r / 64] |= 1 << (r % 64);
            }
            for i in 0..m {
                let mask = &self.nz[i * w..(i + 1) * w];
                if !mask.iter().zip(&self.col_nz).any(|(a, b)| a & b != 0) {
                    // Every product below would be 0.
                    self.alpha[i] = 0.0;
                    continue;
                }
                let row = &self.binv[i * m..(i + 1) * m];
                let mut acc = 0.0;
                for (&r, &v) in ri.iter().zip(va) {
                    acc += row[r] * v;
                }
                self.alpha[i] = acc;
            }
        } else {
            let k = q - a.n;
            let (w, word, bit) = (self.words, k / 64, 1u64 << (k % 64));
            for i in 0..m {
                self.alpha[i] = if self.nz[i * w + word] & bit != 0 {
                    -self.binv[i * m + k]
                } else {
                    0.0
                };
            }
        }
    }

    /// Rank-1 update of `B⁻¹` for a pivot in row `r` with column `alpha` (the last `ftran`); keeps the
    /// dual steepest-edge weights exact for the rows it touches.
    ///
    /// Only the marked entries of each row are visited, in the order and
    /// summation lanes a dense pass over the row would use, so the results
    /// are those of the dense update bit for bit (up to the sign of zeros).
    pub(super) fn update(&mut self, r: usize) {
        let (m, w) = (self.m, self.words);
        let inv = 1.0 / self.alpha[r];
        self.rho.fill(0.0);
        self.rho_nz.copy_from_slice(&self.nz[r * w..(r + 1) * w]);
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
            let f = self.alpha[i];
            if i == r || f == 0.0 {
                continue;
            }
            let row = &mut self.binv[i * m..(i + 1) * m];
            let mask = &mut self.nz[i * w..(i + 1) * w];
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

    /// One Gauss-Jordan elimination of `basis` with partial pivoting: unit (logical)
    /// columns go first so they cost O(m) each, the others in order of increasing
    /// sparsity to limit fill. On success the positions are permuted so that
    /// position `p` is the column that pivoted in row `p`, and `B⁻¹` is replaced;
    /// `false` if some column was dependent (see `repair`).
    pub(super) fn factor(&mut self, a: &ScaledMatrix, basis: &mut [usize]) -> bool {
        let m = self.m;
        let kern = self.kern;
        let fac = &mut self.fac;
        fac.w.fill(0.0);
        for k in 0..m {
            let j = basis[k];
            if j < a.n {
                for e in a.col_start[j]..a.col_start[j + 1] {
                    fac.w[a.row_index[e] * m + k] += a.value[e];
                }
            } else {
                fac.w[(j - a.n) * m + k] = -1.0;
            }
        }
        fac.r.fill(0.0);
        for i in 0..m {
            fac.r[i * m + i] = 1.0;
        }
        for k in 0..m {
            fac.order[k] = k;
        }
        fac.order
            .sort_unstable_by_key(|&k| (a.col_nnz(basis[k]), k));
        fac.rowused.fill(false);
        let mut rejected = 0usize;
        for oi in 0..m {
            let k = fac.order[oi];
            let mut p = usize::MAX;
            let mut best = 0.0f64;
            let mut nc = 0;
            let j = basis[k];
            if a.col_nnz(j) == 1 {
                // A singleton column (a logical, or a structural with one
                // entry): singletons come first in `order` and eliminate
                // nothing, so this one is still its entry of `A`, and the
                // scan down the column (a cache line per row) is not needed.
                let (i, v) = if j < a.n {
                    let e = a.col_start[j];
                    (a.row_index[e], a.value[e])
                } else {
                    (j - a.n, -1.0)
                };
                fac.cnz[0] = i;
                nc = (v != 0.0) as usize;
                if !fac.rowused[i] && v.abs() > best {
                    best = v.abs();
                    p = i;
                }
            } else {
                // One pass down column k: the pivot (largest among the
                // unused rows) and every row the elimination will touch.
                for i in 0..m {
                    let v = fac.w[i * m + k];
                    fac.cnz[nc] = i;
                    nc += (v != 0.0) as usize;
                    if !fac.rowused[i] && v.abs() > best {
                        best = v.abs();
                        p = i;
                    }
                }
            }
            if best <= SING_TOL || !best.is_finite() {
                fac.pivrow[k] = usize::MAX;
                rejected += 1;
                continue;
            }
            let inv = 1.0 / fac.w[p * m + k];
            // The pivot row's non-zeros: the only entries an elimination
            // step changes. Subtracting `f·0` would change at most the sign
            // of a zero, which no later use of `w` or `B⁻¹` can see (masks,
            // magnitudes and sums that start at +0 treat ±0 alike).
            // (Listed without branches: every column is written to the next
            // free place and kept only when it is a non-zero.)
            let (mut nw, mut nr) = (0, 0);
            {
                let wp = &mut fac.w[p * m..p * m + m];
                let rp = &mut fac.r[p * m..p * m + m];
                wp[k] = 0.0;
                for c in 0..m {
                    wp[c] *= inv;
                    rp[c] *= inv;
                    fac.wnz[nw] = c;
                    nw += (wp[c] != 0.0) as usize;
                    fac.rnz[nr] = c;
                    nr += (rp[c] != 0.0) as usize;
                }
                wp[k] = 1.0;
            }
            for &i in &fac.cnz[..nc] {
                if i == p {
                    continue;
                }
                let f = fac.w[i * m + k];
                for &c in &fac.wnz[..nw] {
                    fac.w[i * m + c] -= f * fac.w[p * m + c];
                }
                for &c in &fac.rnz[..nr] {
                    fac.r[i * m + c] -= f * fac.r[p * m + c];
                }
                fac.w[i * m + k] = 0.0;
            }
            fac.rowused[p] = true;
            fac.pivrow[k] = p;
        }
        if rejected > 0 {
            return false;
        }
        for k in 0..m {
            fac.basis[fac.pivrow[k]] = basis[k];
        }
        basis.copy_from_slice(&fac.basis);
        std::mem::swap(&mut self.binv, &mut fac.r);
        let w = self.words;
        for i in 0..m {
            let row = &self.binv[i * m..(i + 1) * m];
            self.dse[i] = kern.dot(row, row).max(1e-12);
            for (word, part) in self.nz[i * w..(i + 1) * w].iter_mut().zip(row.chunks(64)) {
                // Without a branch per entry: most are 0, but not predictably.
                *word = part
                    .iter()
                    .enumerate()
                    .fold(0u64, |bits, (b, &v)| bits | ((v != 0.0) as u64) << b);
            }
        }
        self.eta_count = 0;
        self.valid = true;
        true
    }

    /// After a failed `factor`: swaps each dependent column for the logical of
    /// an unpivoted row. That basis is nonsingular in exact arithmetic, so the
    /// next attempt succeeds.
    pub(super) fn repair(&mut self, n: usize, basis: &mut [usize], status: &mut [VarStatus]) {
        let fac = &mut self.fac;
        let mut u = 0usize;
        for k in 0..self.m {
            if fac.pivrow[k] != usize::MAX {
                continue;
            }
            while fac.rowused[u] {
                u += 1;
            }
            fac.rowused[u] = true;
            let old = basis[k];
            let new = n + u;
            status[old] = VarStatus::Lower;
            status[new] = VarStatus::Basic;
            basis[k] = new;
        }
    }
}

impl Simplex {
    /// Rebuilds `B⁻¹` from scratch (see `Inverse::factor`), repairing a singular
    /// basis by replacing dependent columns with logicals of unpivoted rows.
    pub(super) fn refactor(&mut self) -> Result<(), SolveError> {
        for _attempt in 0..4 {
            if self.inv.factor(&self.a, &mut self.it.basis) {
                return Ok(());
            }
            self.inv
                .repair(self.n, &mut self.it.basis, &mut self.it.status);
            self.normalize_nonbasic();
        }
        self.inv.valid = false;
        Err(SolveError::NumericalTrouble)
    }

    /// `x_B = B⁻¹ (-N x_N)`.
    pub(super) fn compute_primal(&mut self) {
        let m = self.m;
        self.scratch.rhs.fill(0.0);
        for j in 0..self.n + m {
            if self.it.status[j] != VarStatus::Basic && self.it.x[j] != 0.0 {
                self.a.axpy(j, -self.it.x[j], &mut self.scratch.rhs);
            }
        }
        for i in 0..m {
            self.it.x[self.it.basis[i]] = self.inv.row_dot(i, &self.scratch.rhs);
        }
    }

    /// `compute_primal`, refined when `A x - r` does not vanish (an
    /// ill-conditioned basis): a phase must judge feasibility on the `x_B`
    /// the final check will see. Otherwise the dual simplex can stop at once
    /// on an unrefined `x_B` that the check then refines out of bounds, and
    /// the two alternate until the round limit.
    pub(super) fn compute_primal_refined(&mut self) {
        self.compute_primal();
        if !self.primal_residual_ok() {
            self.refine_primal();
        }
    }

    /// `y = c_B B⁻¹` and `d = c - Aᵀy` (0 for basic variables).
    pub(super) fn compute_dual(&mut self) {
        self.compute_dual_and_check(false);
    }

    /// [`Simplex::compute_dual`]; with `check`, also whether some nonbasic
    /// is then dual infeasible (what [`Simplex::any_dual_infeasible`] would
    /// say), judged as each `d_j` is made instead of in a second pass.
    #[inline]
    pub(super) fn compute_dual_and_check(&mut self, check: bool) -> bool {
        let (m, w) = (self.m, self.inv.words);
        self.it.y.fill(0.0);
        for i in 0..m {
            let cb = self.lp.wcost[self.it.basis[i]];
            if cb != 0.0 {
                // The dense `y -= (-c_B,i)·row` without its zero terms.
                let row = &self.inv.binv[i * m..(i + 1) * m];
                let y = &mut self.it.y;
                for_each_bit(&self.inv.nz[i * w..(i + 1) * w], |k| y[k] -= -cb * row[k]);
            }
        }
        let tol = self.opts.dual_tol;
        let mut infeasible = false;
        for j in 0..self.n + m {
            self.it.d[j] = if self.it.status[j] == VarStatus::Basic {
                0.0
            } else {
                self.lp.wcost[j] - self.a.dot(j, &self.it.y)
            };
            if check {
                infeasible |= self.is_dual_infeasible(j, tol);
            }
        }
        infeasible
    }

    /// `x_B -= B⁻¹ rhs` where `rhs = Σ a_j Δx_j` of a few moved nonbasics: one
    /// column of `B⁻¹` per touched row, not a dense `m × m` product.
    pub(super) fn sub_binv_rhs(&mut self) {
        let (m, w) = (self.m, self.inv.words);
        for k in 0..m {
            let r = self.scratch.rhs[k];
            if r == 0.0 {
                continue;
            }
            // Column k of `B⁻¹` has a few non-zeros: find them in the masks
            // (2 KiB) instead of reading a cache line of every row.
            let (word, bit) = (k / 64, 1u64 << (k % 64));
            for i in 0..m {
                if self.inv.nz[i * w + word] & bit != 0 {
                    self.it.x[self.it.basis[i]] -= self.inv.binv[i * m + k] * r;
                }
            }
        }
    }

    /// Iterative refinement of `x_B` for an ill-conditioned basis: while the
    /// residual `A x - r` is above working precision, subtract `B⁻¹` times it
    /// (at most three rounds; each shrinks the error by about `eps·cond(B)`).
    pub(super) fn refine_primal(&mut self) {
        let m = self.m;
        for _ in 0..3 {
            // primal_residual_ok leaves A x - r in `rhs`.
            if self.primal_residual_ok() {
                return;
            }
            for i in 0..m {
                let v = self.inv.row_dot(i, &self.scratch.rhs);
                self.it.x[self.it.basis[i]] -= v;
            }
        }
    }

    /// Copies the current basis and its factorisation into `into` (allocation-free once
    /// `into` has held a state of the same size).
    pub fn save_basis(&self, into: &mut BasisState) {
        into.m = self.m;
        into.n = self.n;
        copy_into(&mut into.basis, &self.it.basis);
        copy_into(&mut into.status, &self.it.status);
        into.binv.clear();
        let (m, w) = (self.m, self.inv.words);
        for i in 0..m {
            for_each_bit(&self.inv.nz[i * w..(i + 1) * w], |k| {
                into.binv
                    .push(((i * m + k) as u32, self.inv.binv[i * m + k]));
            });
        }
        copy_into(&mut into.binv_nz, &self.inv.nz);
        copy_into(&mut into.dse, &self.inv.dse);
        into.eta_count = self.inv.eta_count;
        into.inverse_valid = self.inv.valid;
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
        self.it.basis.copy_from_slice(&from.basis);
        self.it.status.copy_from_slice(&from.status);
        // Clear the marked entries (every non-zero is marked), then write
        // the saved ones.
        let (m, w) = (self.m, self.inv.words);
        for i in 0..m {
            let row = &mut self.inv.binv[i * m..(i + 1) * m];
            for_each_bit(&self.inv.nz[i * w..(i + 1) * w], |k| row[k] = 0.0);
        }
        for &(at, v) in &from.binv {
            self.inv.binv[at as usize] = v;
        }
        self.inv.nz.copy_from_slice(&from.binv_nz);
        self.inv.dse.copy_from_slice(&from.dse);
        self.inv.eta_count = from.eta_count;
        self.inv.valid = from.inverse_valid;
        self.hot = false;
        // Perturbation noise restarts too, so a solve sequence after a restore
        // is a pure function of the restored basis and the later inputs (a
        // Monte Carlo trial must not depend on the trials run before it).
        self.noise = Noise::new();
    }
}

fn copy_into<T: Copy>(dst: &mut Vec<T>, src: &[T]) {
    dst.clear();
    dst.extend_from_slice(src);
}
