//! Test fixtures shared by the aggregate and output tests: a synthetic
//! layout with its records, and records of cells with a mix of behaviours
//! for the statistics.

use super::{Accumulator, Layout, SeriesMeta, HORIZON};

/// A small deterministic generator (SplitMix64) so the tests need no RNG
/// crate and never change.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Three series over three months and the horizon.
pub fn layout() -> Layout {
    let s = |metric: &str, commodity: &str, key: &str, unit: &str| SeriesMeta {
        metric: metric.into(),
        commodity: commodity.into(),
        key: key.into(),
        unit: unit.into(),
    };
    Layout {
        series: vec![
            s("shortfall", "rare_earths", "united_states", "t"),
            s("price", "oil", "israel", "USD/bbl"),
            s("total_cost", "", "world", "USD"),
        ],
        periods: vec![
            "2026-01".into(),
            "2026-02".into(),
            "2026-03".into(),
            HORIZON.into(),
        ],
    }
}

/// Deterministic pseudo-random records for `layout()`, trial `t` from
/// its own stream so any subset can be regenerated.
pub fn record(t: u64) -> Vec<f64> {
    let mut rng = Rng(t.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
    let mut rec = Vec::with_capacity(12);
    let mut total = 0.0;
    for _ in 0..3 {
        let u = rng.uniform();
        let v = if u < 0.7 { 0.0 } else { 1000.0 * (u - 0.7) };
        total += v;
        rec.push(v);
    }
    rec.push(total);
    let mut price_sum = 0.0;
    for _ in 0..3 {
        let p = 80.0 * (0.5 * (rng.uniform() - 0.5)).exp();
        price_sum += p;
        rec.push(p);
    }
    rec.push(price_sum / 3.0);
    for m in 0..3 {
        rec.push(1.5e9 + 1e6 * m as f64);
    }
    rec.push(4.5e9 + 3e6);
    // Built series by series above; records are period-major.
    let layout = layout();
    let mut out = vec![0.0; rec.len()];
    for (i, v) in rec.into_iter().enumerate() {
        out[layout.cell(i / 4, i % 4)] = v;
    }
    out
}

/// `layout()` and an accumulator of `record(0)` to `record(trials - 1)`.
pub fn accumulated(trials: u64) -> (Layout, Accumulator) {
    let layout = layout();
    let mut acc = Accumulator::new(layout.n_cells());
    for t in 0..trials {
        acc.add_trial(&record(t));
    }
    (layout, acc)
}

/// Records of eight cells with a mix of behaviours: zero-inflated,
/// constant, lognormal, signed normal, uniform, huge values, tiny values,
/// signed zeros.
pub fn mixed_records(n_trials: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Rng(seed);
    (0..n_trials)
        .map(|_| {
            vec![
                if rng.uniform() < 0.8 {
                    0.0
                } else {
                    100.0 * rng.uniform()
                },
                1234.5678,
                (rng.normal() * 0.7 + 3.0).exp(),
                rng.normal() * 50.0,
                rng.uniform(),
                3.0e12 * (1.0 + rng.uniform()),
                -1.0e-13 * rng.uniform(),
                if rng.uniform() < 0.5 { -0.0 } else { 0.0 },
            ]
        })
        .collect()
}

/// The records added one by one.
pub fn accumulate(recs: &[Vec<f64>]) -> Accumulator {
    let mut acc = Accumulator::new(recs[0].len());
    for r in recs {
        acc.add_trial(r);
    }
    acc
}

/// An accumulator of `values` in one cell.
pub fn one_cell(values: &[f64]) -> Accumulator {
    let mut acc = Accumulator::new(1);
    for &v in values {
        acc.add_trial(&[v]);
    }
    acc
}
