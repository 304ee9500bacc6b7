//! The constraint matrix: the caller's [`SparseMatrix`] and the solver's
//! scaled copy of it, with the scaling that maps between the two.
//!
//! Scaling is geometric (row and column factors from the square root of the
//! smallest and largest entry, six alternating passes), rounded to powers of
//! two so that scaling and unscaling are exact in floating point. The scaled
//! matrix is kept twice: by columns for `B⁻¹ a_q` and the reduced costs, and
//! by rows for the dual simplex's pivot row, whose cost then follows the
//! non-zeros of `ρ = e_r B⁻¹` rather than the number of columns.

use super::INF;

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

/// The scaled structural columns plus the implicit `-I` logical columns (one
/// per row, `A x - r = 0`), the row-wise copy of the structural part, and the
/// scaling. Fixed for the solver's lifetime.
#[derive(Clone)]
pub(super) struct ScaledMatrix {
    /// Number of structural columns; variable `n + i` is row `i`'s logical.
    pub(super) n: usize,
    pub(super) col_start: Vec<usize>,
    pub(super) row_index: Vec<usize>,
    pub(super) value: Vec<f64>,
    /// `row_start[i]..row_start[i+1]` indexes row `i`'s entries, columns ascending.
    pub(super) row_start: Vec<usize>,
    pub(super) col_index: Vec<usize>,
    pub(super) row_value: Vec<f64>,
    /// The caller's (unscaled) values, column-wise like `value`.
    pub(super) orig_value: Vec<f64>,
    pub(super) row_scale: Vec<f64>,
    pub(super) col_scale: Vec<f64>,
    /// Size of one *unscaled* unit of variable j in scaled units (1/C_j, or R_i for a
    /// logical): tolerances are stated for the unscaled problem and mapped through this.
    pub(super) punit: Vec<f64>,
    /// Size of one unscaled unit of reduced cost of j in scaled units (C_j, or 1/R_i).
    pub(super) dunit: Vec<f64>,
}

impl ScaledMatrix {
    /// Scales `a` (unless `scale` is false) and builds the row-wise copy.
    pub(super) fn new(a: SparseMatrix, scale: bool) -> Self {
        a.validate();
        let m = a.nrows;
        let n = a.ncols;
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
        let punit: Vec<f64> = (0..n + m)
            .map(|j| {
                if j < n {
                    1.0 / col_scale[j]
                } else {
                    row_scale[j - n]
                }
            })
            .collect();
        let dunit: Vec<f64> = punit.iter().map(|u| 1.0 / u).collect();
        ScaledMatrix {
            n,
            col_start: a.col_start,
            row_index: a.row_index,
            value,
            row_start,
            col_index,
            row_value,
            orig_value,
            row_scale,
            col_scale,
            punit,
            dunit,
        }
    }

    /// `v · a_j` for variable `j` (structural or logical).
    #[inline]
    pub(super) fn dot(&self, j: usize, v: &[f64]) -> f64 {
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
    pub(super) fn axpy(&self, j: usize, f: f64, out: &mut [f64]) {
        if j < self.n {
            for k in self.col_start[j]..self.col_start[j + 1] {
                out[self.row_index[k]] += f * self.value[k];
            }
        } else {
            out[j - self.n] -= f;
        }
    }

    /// Non-zeros of variable `j`'s column.
    #[inline]
    pub(super) fn col_nnz(&self, j: usize) -> usize {
        if j < self.n {
            self.col_start[j + 1] - self.col_start[j]
        } else {
            1
        }
    }
}

/// `2^e`, with `e` clamped to what an `f64` can hold.
#[inline]
pub(super) fn pow2(e: f64) -> f64 {
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
}
