//! Dense and masked floating-point kernels of the basis inverse.
//!
//! The O(m²) work of the inverse (its update, `x_B = B⁻¹ b`, the steepest-edge
//! weights) runs through these. Each has one generic body with explicit 8-lane
//! accumulators; on x86-64 CPUs with AVX2 (detected once when the solver is
//! built) the same body is compiled with 256-bit vectors. Lane-wise
//! arithmetic and the final reduction order are identical in both builds,
//! and Rust never contracts to FMA, so results are bitwise identical either
//! way: the golden outputs do not depend on the CPU. The only `unsafe` is
//! the call into the AVX2 build, behind [`Kernels`]' safe methods.

/// Which build of the kernels this CPU runs; `avx2` is only set when the
/// CPU has it, which is what makes the `unsafe` calls below sound.
#[derive(Clone, Copy)]
pub(super) struct Kernels {
    avx2: bool,
}

impl Kernels {
    pub(super) fn detect() -> Self {
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

    /// `a · b`.
    #[inline]
    pub(super) fn dot(self, a: &[f64], b: &[f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 support was verified at runtime in `detect`.
            return unsafe { avx2::dot(a, b) };
        }
        dot_body(a, b)
    }
}

/// The generic bodies compiled with AVX2 enabled. Calling them is `unsafe`
/// only because a CPU without AVX2 would fault on the instructions; the
/// bodies themselves are safe Rust (bounds-checked slices).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot(a: &[f64], b: &[f64]) -> f64 {
        super::dot_body(a, b)
    }
}

const LANES: usize = 8;

#[inline(always)]
fn reduce(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// Calls `f` with the index of each set bit of `mask`, ascending.
#[inline(always)]
pub(super) fn for_each_bit(mask: &[u64], mut f: impl FnMut(usize)) {
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
pub(super) fn masked_dot(row: &[f64], mask: &[u64], v: &[f64]) -> f64 {
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
