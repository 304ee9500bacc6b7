//! Randomness: per-trial random streams, named uncertainties drawn through
//! inverse CDFs, Latin Hypercube strata and Gaussian-copula correlation.
//!
//! Stream algorithm (stable, documented in `docs/model.md`): a stream named
//! `name` under seed `seed` is ChaCha8 keyed by
//! `SHA-256("corridor-stream-v1" ‖ kind ‖ seed as u64 LE ‖ name)` with the
//! ChaCha stream id set to the trial index. Trial i's draws therefore depend
//! only on (seed, i, name): not on the thread count, the shard split, or
//! which other uncertainties a scenario has, which is what makes common
//! random numbers work across scenarios.

use crate::dist;
use crate::model::{CompiledModel, Draws};
use crate::scenario::Sampling;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use statrs::distribution::{ContinuousCDF, Normal};

/// Trials per Latin Hypercube block: each block of this many consecutive
/// trials is one full stratification, so shards and batches keep strata.
pub const LHS_BLOCK: u64 = 256;

/// The key of stream `name` of kind `kind` (`param` or `process`) under `seed`.
pub fn stream_key(seed: u64, kind: &str, name: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"corridor-stream-v1");
    h.update([0]);
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(seed.to_le_bytes());
    h.update(name.as_bytes());
    h.finalize().into()
}

fn rng_for(key: &[u8; 32], stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::from_seed(*key);
    r.set_stream(stream);
    r
}

/// A uniform in the open interval (0, 1).
fn open01(r: &mut ChaCha8Rng) -> f64 {
    // 53 random bits, shifted off zero by half a step.
    ((r.random::<u64>() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// The in-trial process streams of one worker (disruptions, recurring
/// policies); reset for each trial without allocating.
pub struct TrialDraws {
    keys: Vec<[u8; 32]>,
    rngs: Vec<ChaCha8Rng>,
}

impl TrialDraws {
    /// Streams for `m` under `seed`.
    pub fn new(m: &CompiledModel, seed: u64) -> Self {
        let keys: Vec<[u8; 32]> = m
            .streams
            .iter()
            .map(|n| stream_key(seed, "process", n))
            .collect();
        let rngs = keys.iter().map(|k| rng_for(k, 0)).collect();
        TrialDraws { keys, rngs }
    }

    /// Positions every stream at the start of trial `trial`.
    pub fn reset(&mut self, trial: u64) {
        for (r, k) in self.rngs.iter_mut().zip(&self.keys) {
            *r = rng_for(k, trial);
        }
    }
}

impl Draws for TrialDraws {
    fn uniform(&mut self, stream: usize) -> f64 {
        open01(&mut self.rngs[stream])
    }
}

/// Draws the named uncertainties of one trial into a parameter vector.
pub struct ParamSampler {
    keys: Vec<[u8; 32]>,
    sampling: Sampling,
    normal: Normal,
    /// Scratch: uniforms, then correlated normals.
    u: Vec<f64>,
    z: Vec<f64>,
    perm: Vec<u32>,
}

impl ParamSampler {
    /// A sampler for `m`'s uncertainties under `seed`.
    pub fn new(m: &CompiledModel, seed: u64, sampling: Sampling) -> Self {
        let n = m.uncertain.len();
        ParamSampler {
            keys: m
                .uncertain
                .iter()
                .map(|u| stream_key(seed, "param", &u.name))
                .collect(),
            sampling,
            normal: Normal::standard(),
            u: vec![0.0; n],
            z: vec![0.0; n],
            perm: (0..LHS_BLOCK as u32).collect(),
        }
    }

    /// The uniform of uncertainty `i` in trial `trial`, before correlation.
    fn uniform(&mut self, i: usize, trial: u64) -> f64 {
        let mut r = rng_for(&self.keys[i], trial);
        let jitter = open01(&mut r);
        match self.sampling {
            Sampling::Random => jitter,
            Sampling::Lhs => {
                // The block's strata are a permutation drawn from a stream id
                // past any trial index, shuffled with Fisher-Yates.
                let (block, pos) = (trial / LHS_BLOCK, (trial % LHS_BLOCK) as usize);
                let mut pr = rng_for(&self.keys[i], u64::MAX - block);
                for (j, p) in self.perm.iter_mut().enumerate() {
                    *p = j as u32;
                }
                for j in (1..self.perm.len()).rev() {
                    let k = (pr.random::<u64>() % (j as u64 + 1)) as usize;
                    self.perm.swap(j, k);
                }
                (self.perm[pos] as f64 + jitter) / LHS_BLOCK as f64
            }
        }
    }

    /// Writes trial `trial`'s value of every uncertain parameter into `params`.
    pub fn fill(&mut self, m: &CompiledModel, trial: u64, params: &mut [f64]) {
        for i in 0..m.uncertain.len() {
            self.u[i] = self.uniform(i, trial);
        }
        for block in &m.correlations {
            let n = block.members.len();
            for (a, &i) in block.members.iter().enumerate() {
                self.z[a] = self.normal.inverse_cdf(self.u[i]);
            }
            // u' = Φ(L z): correlated normals back to uniforms.
            for a in 0..n {
                let v: f64 = (0..n).map(|b| block.cholesky[a * n + b] * self.z[b]).sum();
                self.u[block.members[a]] = self.normal.cdf(v).clamp(1e-15, 1.0 - 1e-15);
            }
        }
        for (i, unc) in m.uncertain.iter().enumerate() {
            params[unc.param] = dist::quantile(&unc.dist, self.u[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compile;
    use crate::scenario::fixture::patch;
    use crate::scenario::load_str;

    /// The fixture world with the pipeline's capacity drawn from `dist`:
    /// `trials` draws of it through the sampler, as a run makes them.
    fn capacity_draws(dist: &str, sampling: Sampling, trials: u64) -> Vec<f64> {
        let text = patch(&[("capacity = 1000.0", &format!("capacity = {dist}"))]);
        let m = compile(&load_str(&text).unwrap_or_else(|d| panic!("{d}"))).unwrap();
        let slot = m.uncertain[0].param;
        let mut sampler = ParamSampler::new(&m, 7, sampling);
        let mut p = m.params.clone();
        (0..trials)
            .map(|t| {
                sampler.fill(&m, t, &mut p);
                p[slot]
            })
            .collect()
    }

    #[test]
    fn a_large_poisson_mean_is_drawn_not_capped() {
        // Issue #13: lambda = 1000 drew the search cap, 10000, every trial.
        for sampling in [Sampling::Random, Sampling::Lhs] {
            let x = capacity_draws("{ dist = \"poisson\", lambda = 1000 }", sampling, 2048);
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            assert!(
                (mean - 1000.0).abs() < 5.0 * (1000.0 / n).sqrt(),
                "mean {mean}"
            );
            assert!(
                (var.sqrt() / 1000f64.sqrt() - 1.0).abs() < 0.1,
                "sd {}",
                var.sqrt()
            );
        }
    }

    #[test]
    fn empirical_draws_rise_with_the_uniform_whatever_the_list_order() {
        // A sampler's uniform u maps to the same value for [28, 6, 60] as for
        // [6, 28, 60]: the inverse CDF, which Latin Hypercube strata and
        // copula correlations rely on.
        let a = capacity_draws(
            "{ dist = \"empirical\", values = [28, 6, 60] }",
            Sampling::Lhs,
            256,
        );
        let b = capacity_draws(
            "{ dist = \"empirical\", values = [6, 28, 60] }",
            Sampling::Lhs,
            256,
        );
        assert_eq!(a, b);
    }
}
