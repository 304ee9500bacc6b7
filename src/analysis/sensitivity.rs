//! Sensitivity statistics, with no I/O: ranks, Spearman and partial rank
//! correlation, conditional decile swings (the tornado), and Saltelli's
//! first-order and total Sobol indices with bootstrap intervals.
//!
//! Everything takes plain slices: `x[i]` is input `i`'s value in every
//! sample, `y` the output in the same samples. The driver that runs the
//! model for these samples is `analysis::study`.

use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Ranks from 1 to n, ties sharing the mean of their ranks.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) share the mean rank (i + 1 + j) / 2.
        let mean = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            r[o] = mean;
        }
        i = j;
    }
    r
}

/// Pearson correlation; `None` when either side is constant or there are
/// fewer than 3 samples.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len();
    if n < 3 || b.len() != n {
        return None;
    }
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (da, db) = (x - ma, y - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    (saa > 0.0 && sbb > 0.0).then(|| (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation: Pearson's on the ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Partial rank correlation of each input with `y`: the correlation of
/// the residuals of two rank regressions (input i on the other inputs,
/// `y` on the other inputs). From the rank regression of `y` on all the
/// inputs (standardised coefficients `β = Q c`, with `Q` the inverse of
/// the inputs' rank correlation matrix and `c` their rank correlations
/// with `y`, and fit `R² = c·β`) it is `β_i / √(Q_ii (1 − R²) + β_i²)`,
/// which stays exact (±1) when the inputs fix `y`'s ranks entirely.
/// Constant inputs, inputs whose fellows leave nothing of `y` to explain
/// (0/0), and all inputs when there are fewer than inputs + 3 samples,
/// get `None`.
pub fn prcc(x: &[Vec<f64>], y: &[f64]) -> Vec<Option<f64>> {
    let n = y.len();
    let mut out = vec![None; x.len()];
    let ry = ranks(y);
    // Only inputs that vary take part; a constant one has no rank order.
    let used: Vec<usize> = (0..x.len())
        .filter(|&i| x[i].len() == n && x[i].iter().any(|&v| v != x[i][0]))
        .collect();
    if used.is_empty() || n < used.len() + 3 || ry.iter().all(|&r| r == ry[0]) {
        return out;
    }
    let k = used.len();
    // Standardised ranks, so that Z'Z / (n - 1) is the correlation matrix.
    let mut z = DMatrix::<f64>::zeros(n, k + 1);
    for (c, col) in used
        .iter()
        .map(|&i| ranks(&x[i]))
        .chain(std::iter::once(ry))
        .enumerate()
    {
        let m = mean(&col);
        let sd = (col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt();
        for (r, v) in col.iter().enumerate() {
            z[(r, c)] = (v - m) / sd;
        }
    }
    let c = z.tr_mul(&z) / (n - 1) as f64;
    let cxx = c.view((0, 0), (k, k)).into_owned();
    let cxy = c.view((0, k), (k, 1)).into_owned();
    // Exactly collinear inputs make Cxx singular: the pseudo-inverse then
    // gives the minimum-norm regression.
    let q = match cxx.clone().try_inverse() {
        Some(q) => q,
        None => match cxx.pseudo_inverse(1e-12) {
            Ok(q) => q,
            Err(_) => return out,
        },
    };
    let beta = &q * &cxy;
    let unexplained = (1.0 - cxy.dot(&beta)).max(0.0);
    for (a, &i) in used.iter().enumerate() {
        // d / Q_ii is the variance of y's ranks left by the other inputs;
        // when they leave (next to) none, the partial correlation is 0/0.
        let d = q[(a, a)] * unexplained + beta[a] * beta[a];
        if d / q[(a, a)] > 1e-10 {
            out[i] = Some((beta[a] / d.sqrt()).clamp(-1.0, 1.0));
        }
    }
    out
}

/// The tornado's conditional means: the mean of `y` over samples whose
/// input is at or below its 10th percentile, and at or above its 90th
/// (ties stay together, so a two-valued input splits into its two values).
pub fn decile_means(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len();
    if n < 10 || y.len() != n {
        return None;
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (q10, q90) = (sorted[(n - 1) / 10], sorted[(n - 1) * 9 / 10]);
    let cond = |keep: &dyn Fn(f64) -> bool| {
        let v: Vec<f64> = x
            .iter()
            .zip(y)
            .filter(|(&xi, _)| keep(xi))
            .map(|(_, &yi)| yi)
            .collect();
        mean(&v)
    };
    Some((cond(&|v| v <= q10), cond(&|v| v >= q90)))
}

/// Model outputs of a Saltelli design: `f(A)`, `f(B)` and, per input `i`,
/// `f(A_B^i)` (the rows of A with column i from B), all of length N.
#[derive(Debug, Clone)]
pub struct Saltelli {
    /// f(A).
    pub fa: Vec<f64>,
    /// f(B).
    pub fb: Vec<f64>,
    /// f(A_B^i) per input.
    pub fab: Vec<Vec<f64>>,
}

/// First-order and total index of one input with their intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sobol {
    /// First-order index S_i.
    pub first: f64,
    /// Its bootstrap interval (lower, upper).
    pub first_ci: (f64, f64),
    /// Total index S_Ti.
    pub total: f64,
    /// Its bootstrap interval (lower, upper).
    pub total_ci: (f64, f64),
}

impl Saltelli {
    /// Point estimates (S_i, S_Ti) per input over the rows `rows` of the
    /// design: Saltelli et al. (2010) for S_i, `mean((f(B) − m)(f(A_B^i) −
    /// f(A))) / V`, and Jansen for S_Ti, `mean((f(A) − f(A_B^i))²) / 2V`,
    /// with m and V the mean and variance of f(A) and f(B) together.
    /// Centring f(B) on m leaves the expectation alone (f(A_B^i) and f(A)
    /// have the same mean) but removes a noise that grows with m², which
    /// swamps S_i for an output far from 0 (a production of 50–100 kt).
    /// `None` when V is 0.
    fn estimate(&self, rows: &[usize]) -> Vec<Option<(f64, f64)>> {
        let n = rows.len() as f64;
        let all = rows.iter().flat_map(|&j| [self.fa[j], self.fb[j]]);
        let m = all.clone().sum::<f64>() / (2.0 * n);
        let v = all.map(|f| (f - m) * (f - m)).sum::<f64>() / (2.0 * n - 1.0);
        self.fab
            .iter()
            .map(|fab| {
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                let (mut s1, mut st) = (0.0, 0.0);
                for &j in rows {
                    s1 += (self.fb[j] - m) * (fab[j] - self.fa[j]);
                    st += (self.fa[j] - fab[j]).powi(2);
                }
                Some((s1 / n / v, st / (2.0 * n) / v))
            })
            .collect()
    }

    /// The indices of every input, with percentile intervals at
    /// `level` (e.g. 0.95) from `resamples` bootstrap resamples of the
    /// rows, drawn from ChaCha8 seeded with `seed`.
    pub fn indices(&self, resamples: usize, level: f64, seed: u64) -> Vec<Option<Sobol>> {
        let n = self.fa.len();
        let rows: Vec<usize> = (0..n).collect();
        let point = self.estimate(&rows);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let k = self.fab.len();
        let (mut s1, mut st) = (vec![Vec::new(); k], vec![Vec::new(); k]);
        let mut pick = vec![0usize; n];
        for _ in 0..resamples {
            for p in pick.iter_mut() {
                *p = (rng.random::<u64>() % n.max(1) as u64) as usize;
            }
            for (i, e) in self.estimate(&pick).into_iter().enumerate() {
                if let Some((a, b)) = e {
                    s1[i].push(a);
                    st[i].push(b);
                }
            }
        }
        let tail = (1.0 - level) / 2.0;
        point
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let (first, total) = p?;
                Some(Sobol {
                    first,
                    first_ci: interval(&mut s1[i], tail).unwrap_or((first, first)),
                    total,
                    total_ci: interval(&mut st[i], tail).unwrap_or((total, total)),
                })
            })
            .collect()
    }
}

/// The `tail` and `1 − tail` quantiles of `v` (nearest rank).
fn interval(v: &mut [f64], tail: f64) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    Some((at(tail), at(1.0 - tail)))
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn uniforms(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| ((rng.random::<u64>() >> 11) as f64 + 0.5) / (1u64 << 53) as f64)
            .collect()
    }

    #[test]
    fn ranks_share_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(ranks(&[]), Vec::<f64>::new());
    }

    /// Ishigami (a = 7, b = 0.1) on U(−π, π)³: the known indices (Saltelli
    /// et al. 2008, Global Sensitivity Analysis, §4) lie inside the
    /// bootstrap intervals, which are narrow.
    #[test]
    fn sobol_indices_of_ishigami() {
        let n = 20_000;
        let mut rng = ChaCha8Rng::seed_from_u64(2010);
        let draw = |rng: &mut ChaCha8Rng| -> Vec<Vec<f64>> {
            (0..3)
                .map(|_| {
                    uniforms(rng, n)
                        .into_iter()
                        .map(|u| -PI + 2.0 * PI * u)
                        .collect()
                })
                .collect()
        };
        let (a, b) = (draw(&mut rng), draw(&mut rng));
        let f =
            |x: [f64; 3]| x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
        let row = |m: &Vec<Vec<f64>>, j: usize| [m[0][j], m[1][j], m[2][j]];
        let design = Saltelli {
            fa: (0..n).map(|j| f(row(&a, j))).collect(),
            fb: (0..n).map(|j| f(row(&b, j))).collect(),
            fab: (0..3)
                .map(|i| {
                    (0..n)
                        .map(|j| {
                            let mut x = row(&a, j);
                            x[i] = b[i][j];
                            f(x)
                        })
                        .collect()
                })
                .collect(),
        };
        let s = design.indices(500, 0.95, 7);
        let known = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for (i, (s1, st)) in known.into_iter().enumerate() {
            let e = s[i].unwrap();
            assert!(
                e.first_ci.0 <= s1 && s1 <= e.first_ci.1,
                "S{}: {s1} outside {:?} ({})",
                i + 1,
                e.first_ci,
                e.first
            );
            assert!(
                e.total_ci.0 <= st && st <= e.total_ci.1,
                "ST{}: {st} outside {:?} ({})",
                i + 1,
                e.total_ci,
                e.total
            );
            assert!(e.first_ci.1 - e.first_ci.0 < 0.1, "S{} {:?}", i + 1, e);
            assert!(e.total_ci.1 - e.total_ci.0 < 0.1, "ST{} {:?}", i + 1, e);
        }
    }

    /// y = exp(x0) − x1³ + noise·0.01, x2 unused: monotone in x0 (up) and
    /// x1 (down). Spearman and PRCC see the signs, the PRCC of the unused
    /// input is near 0, and PRCC (which removes the other input's share)
    /// is stronger than Spearman for the inputs that matter.
    #[test]
    fn rank_correlations_of_a_monotone_function() {
        let n = 2000;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x: Vec<Vec<f64>> = (0..3).map(|_| uniforms(&mut rng, n)).collect();
        let noise = uniforms(&mut rng, n);
        let y: Vec<f64> = (0..n)
            .map(|j| (3.0 * x[0][j]).exp() - 20.0 * x[1][j].powi(3) + 0.01 * noise[j])
            .collect();
        let rho: Vec<f64> = x.iter().map(|xi| spearman(xi, &y).unwrap()).collect();
        let p: Vec<f64> = prcc(&x, &y).into_iter().map(Option::unwrap).collect();
        assert!(rho[0] > 0.4 && rho[1] < -0.4, "{rho:?}");
        assert!(rho[2].abs() < 0.06, "{rho:?}");
        assert!(p[0] > rho[0] && p[1] < rho[1], "{p:?} vs {rho:?}");
        assert!(p[0] > 0.8 && p[1] < -0.8, "{p:?}");
        assert!(p[2].abs() < 0.06, "{p:?}");
        // The inverse-correlation shortcut equals the residual regression.
        let rx: Vec<Vec<f64>> = x.iter().map(|v| ranks(v)).collect();
        let ry = ranks(&y);
        let others = DMatrix::from_fn(n, 3, |r, c| match c {
            0 => 1.0,
            1 => rx[1][r],
            _ => rx[2][r],
        });
        let resid = |v: &[f64]| {
            let b = DMatrix::from_column_slice(n, 1, v);
            let beta = others.clone().svd(true, true).solve(&b, 1e-12).unwrap();
            (b - &others * beta)
                .column(0)
                .iter()
                .copied()
                .collect::<Vec<_>>()
        };
        let direct = pearson(&resid(&rx[0]), &resid(&ry)).unwrap();
        assert!((direct - p[0]).abs() < 1e-9, "{direct} vs {}", p[0]);
        // Decile swings: y rises with x0 and falls with x1.
        let (lo, hi) = decile_means(&x[0], &y).unwrap();
        assert!(hi > lo);
        let (lo, hi) = decile_means(&x[1], &y).unwrap();
        assert!(hi < lo);
    }

    #[test]
    fn a_constant_input_has_no_correlation() {
        let x = vec![vec![1.0; 50], (0..50).map(f64::from).collect()];
        let y: Vec<f64> = (0..50).map(|i| f64::from(i) * 2.0).collect();
        assert_eq!(spearman(&x[0], &y), None);
        let p = prcc(&x, &y);
        assert_eq!(p[0], None);
        assert!((p[1].unwrap() - 1.0).abs() < 1e-9, "{p:?}");
    }
}
