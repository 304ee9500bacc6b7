//! `corridor sensitivity` as a library call: which named uncertainties
//! drive one series' horizon value.
//!
//! Two stages. Screening runs trials `0..2N` as `corridor run` would and
//! re-derives every trial's inputs (`analysis::inputs`): Spearman, partial
//! rank correlation and the decile swings of every uncertainty (and of
//! every policy's periods in force, a process draw that cannot be set)
//! come from those 2N samples. Then Saltelli's design for the top K inputs by |PRCC|:
//! A is trials `0..N`, B is trials `N..2N` (both already run), and A_B^i is
//! trial j of A with input i set to its value in trial N + j, run through
//! `montecarlo::run_given`: every other uncertainty and every process draw
//! of A_B^i's row j is trial j's, so the indices are those of the K inputs
//! with everything else sampled as usual. K·N evaluations on top of the
//! screening.

use super::inputs::InputDeriver;
use super::sensitivity::{self, Saltelli, Sobol};
use crate::aggregate::{Layout, SeriesMeta};
use crate::engine::Prepared;
use crate::error::{Interrupted, InvalidInput};
use crate::model::{compile, CompiledModel};
use crate::montecarlo::{self, Given, Observer, Plan};
use crate::scenario::{self, Sampling};
use anyhow::Context;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// A series by its labels; `None` matches any commodity or key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesPick {
    /// Metric name (`shortfall`).
    pub metric: String,
    /// Commodity id.
    pub commodity: Option<String>,
    /// Key (region, leg, route...).
    pub key: Option<String>,
}

impl SeriesPick {
    /// The series of `layout` it matches, in layout order. No match is
    /// [`InvalidInput`] naming what exists.
    pub fn matching(&self, layout: &Layout) -> Result<Vec<usize>, InvalidInput> {
        let hits: Vec<usize> = (0..layout.series.len())
            .filter(|&s| self.matches(&layout.series[s]))
            .collect();
        if !hits.is_empty() {
            return Ok(hits);
        }
        let mut metrics: Vec<&str> = layout.series.iter().map(|s| s.metric.as_str()).collect();
        metrics.dedup();
        metrics.sort_unstable();
        metrics.dedup();
        let known = layout.series.iter().any(|s| s.metric == self.metric);
        Err(InvalidInput::Usage(if known {
            let keys: Vec<String> = layout
                .series
                .iter()
                .filter(|s| s.metric == self.metric)
                .map(|s| format!("{}:{}", s.commodity, s.key))
                .collect();
            format!(
                "no `{}` series for {}; it has (commodity:key): {}",
                self.metric,
                self.describe(),
                keys.join(", ")
            )
        } else {
            format!(
                "no metric `{}` in this scenario; metrics: {}",
                self.metric,
                metrics.join(", ")
            )
        }))
    }

    /// The one series it names: several matches are [`InvalidInput`]
    /// listing them, so the user can add `--commodity` or `--key`.
    pub fn one(&self, layout: &Layout) -> Result<usize, InvalidInput> {
        let hits = self.matching(layout)?;
        if let [one] = hits[..] {
            return Ok(one);
        }
        let list: Vec<String> = hits
            .iter()
            .take(40)
            .map(|&s| {
                let m = &layout.series[s];
                format!("{}:{}", quoted(&m.commodity), quoted(&m.key))
            })
            .collect();
        Err(InvalidInput::Usage(format!(
            "`{}` names {} series; pick one with --commodity C --key K, among (C:K): {}{}",
            self.metric,
            hits.len(),
            list.join(", "),
            if hits.len() > 40 { ", ..." } else { "" }
        )))
    }

    fn matches(&self, s: &SeriesMeta) -> bool {
        s.metric == self.metric
            && self.commodity.as_ref().is_none_or(|c| *c == s.commodity)
            && self.key.as_ref().is_none_or(|k| *k == s.key)
    }

    fn describe(&self) -> String {
        format!(
            "commodity `{}` and key `{}`",
            self.commodity.as_deref().unwrap_or("*"),
            self.key.as_deref().unwrap_or("*")
        )
    }
}

fn quoted(s: &str) -> String {
    if s.is_empty() {
        "''".into()
    } else {
        s.to_string()
    }
}

/// What to study.
#[derive(Debug, Clone)]
pub struct StudyConfig {
    /// Scenario file.
    pub scenario: PathBuf,
    /// The series whose horizon value is studied.
    pub series: SeriesPick,
    /// N: Saltelli's base sample (the screening runs 2N trials).
    pub trials: u64,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Sampling (default: the scenario's).
    pub sampling: Option<Sampling>,
    /// K: how many inputs (by |PRCC|) get Sobol indices.
    pub top: usize,
    /// Bootstrap resamples for the Sobol intervals.
    pub resamples: usize,
}

/// One input's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSensitivity {
    /// The uncertainty's name.
    pub input: String,
    /// Spearman rank correlation with the output.
    pub spearman: Option<f64>,
    /// Partial rank correlation.
    pub prcc: Option<f64>,
    /// Mean output when the input is in its lowest decile, and in its highest.
    pub deciles: Option<(f64, f64)>,
    /// Sobol indices (top K only).
    pub sobol: Option<Sobol>,
}

/// A resolved study: the scenario compiled, the series found.
pub struct Study {
    config: StudyConfig,
    model: CompiledModel,
    /// The screening's inputs: every uncertainty, then every policy's
    /// periods in force (`analysis::inputs::columns`).
    columns: Vec<String>,
    series: usize,
    layout: Layout,
    plan: Plan,
}

/// What a study found.
#[derive(Debug, Clone)]
pub struct StudyResult {
    /// The series studied.
    pub series: SeriesMeta,
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// N.
    pub trials: u64,
    /// Model evaluations (trials) run.
    pub evaluations: u64,
    /// Every uncertainty, by |PRCC| (largest first).
    pub inputs: Vec<InputSensitivity>,
}

impl Study {
    /// Loads and compiles the scenario and finds the series; a bad name or
    /// a scenario without uncertainties is [`InvalidInput`].
    pub fn new(config: StudyConfig) -> anyhow::Result<Study> {
        let sc = scenario::load(&config.scenario).map_err(InvalidInput::Scenario)?;
        let model = compile(&sc)
            .with_context(|| format!("cannot compile {}", config.scenario.display()))?;
        if model.uncertain.is_empty() {
            return Err(InvalidInput::Usage(format!(
                "{} has no named uncertainties (no parameter is a distribution): nothing to rank",
                config.scenario.display()
            ))
            .into());
        }
        let layout = montecarlo::layout(&model);
        let series = config.series.one(&layout)?;
        let columns = super::inputs::columns(&sc.file, &model)
            .into_iter()
            .map(|c| c.name)
            .collect();
        let n = config.trials;
        if n < 10 || n.saturating_mul(2 + config.top as u64) > crate::aggregate::MAX_TRIALS {
            return Err(InvalidInput::Usage(format!(
                "--trials {n}: a study needs at least 10 and at most {} (N × (top + 2) trials run)",
                crate::aggregate::MAX_TRIALS / (2 + config.top as u64)
            ))
            .into());
        }
        let mut plan = Plan {
            seed: config.seed.unwrap_or(model.default_seed),
            trials: 0..2 * n,
            sampling: config.sampling.unwrap_or(model.sampling),
            deterministic: false,
            threads: config
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        plan.threads = montecarlo::workers(&plan);
        Ok(Study {
            config,
            model,
            columns,
            series,
            layout,
            plan,
        })
    }

    /// The seed the study runs with.
    pub fn seed(&self) -> u64 {
        self.plan.seed
    }

    /// The scenario's name.
    pub fn scenario_name(&self) -> &str {
        &self.model.name
    }

    /// Trials the study runs: 2N for screening, K·N for Saltelli.
    pub fn evaluations(&self) -> u64 {
        self.config.trials * (2 + self.top() as u64)
    }

    fn top(&self) -> usize {
        self.config.top.min(self.model.uncertain.len())
    }

    /// Runs the study; `progress(n)` hears finished trials, `stop` ends it
    /// with [`Interrupted`].
    pub fn execute(
        self,
        stop: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> anyhow::Result<StudyResult> {
        let m = &self.model;
        let prep = Prepared::new(m).context("the baseline first period does not clear")?;
        let cell = self.layout.cell(self.series, self.layout.horizon());
        let len = montecarlo::record_len(m);
        let n = self.config.trials as usize;

        // Screening: 2N ordinary trials and their inputs.
        let mut y = Collect::new(cell, len, 2 * n);
        let out = montecarlo::run(m, &prep, &self.plan, stop, progress, &mut y)?;
        if out.interrupted {
            return Err(Interrupted("during the screening trials".into()).into());
        }
        // The named uncertainties, then the policies' periods in force:
        // those rank with the rest but cannot be set, so get no Sobol index.
        let k_all = self.columns.len();
        let settable = m.uncertain.len();
        let mut x = vec![Vec::with_capacity(2 * n); k_all];
        let mut deriver = InputDeriver::new(m, self.plan.seed, self.plan.sampling, false);
        let mut row = Vec::new();
        for t in 0..2 * n as u64 {
            deriver.derive(m, t, &mut row);
            for (xi, &v) in x.iter_mut().zip(&row) {
                xi.push(v);
            }
        }
        let y = y.values;
        let prcc = sensitivity::prcc(&x, &y);
        let mut inputs: Vec<InputSensitivity> = (0..k_all)
            .map(|i| InputSensitivity {
                input: self.columns[i].clone(),
                spearman: sensitivity::spearman(&x[i], &y),
                prcc: prcc[i],
                deciles: sensitivity::decile_means(&x[i], &y),
                sobol: None,
            })
            .collect();
        let mut order: Vec<usize> = (0..k_all).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| prcc[i].map_or(-1.0, f64::abs);
            key(b).total_cmp(&key(a))
        });
        let top: Vec<usize> = order
            .iter()
            .copied()
            // Inputs that vary (a Spearman exists), even with no PRCC.
            .filter(|&i| i < settable && inputs[i].spearman.is_some())
            .take(self.top())
            .collect();

        // Saltelli: A = trials 0..N, B = trials N..2N, A_B^i by given inputs.
        if !top.is_empty() {
            let slots: Vec<usize> = top.iter().map(|&i| m.uncertain[i].param).collect();
            let k = top.len();
            let mut given = Given {
                slots,
                trials: Vec::with_capacity(k * n),
                values: vec![f64::NAN; k * n * k],
            };
            for (a, &i) in top.iter().enumerate() {
                for j in 0..n {
                    let e = given.trials.len();
                    given.trials.push(j as u64);
                    given.values[e * k + a] = x[i][n + j];
                }
            }
            let plan = Plan {
                trials: 0..(k * n) as u64,
                ..self.plan.clone()
            };
            let mut fab = Collect::new(cell, len, k * n);
            let out = montecarlo::run_given(m, &prep, &plan, &given, stop, progress, &mut fab)?;
            if out.interrupted {
                return Err(Interrupted("during the Saltelli trials".into()).into());
            }
            let design = Saltelli {
                fa: y[..n].to_vec(),
                fb: y[n..].to_vec(),
                fab: fab.values.chunks(n).map(<[f64]>::to_vec).collect(),
            };
            let seed = self.plan.seed ^ 0x5a17_e11b_0075_7a9d;
            let sobol = design.indices(self.config.resamples, 0.95, seed);
            for (&i, s) in top.iter().zip(sobol) {
                inputs[i].sobol = s;
            }
        }
        let inputs = order.into_iter().map(|i| inputs[i].clone()).collect();
        Ok(StudyResult {
            series: self.layout.series[self.series].clone(),
            scenario: m.name.clone(),
            seed: self.plan.seed,
            trials: n as u64,
            evaluations: self.evaluations(),
            inputs,
        })
    }
}

/// Keeps one cell of every record, in trial order.
struct Collect {
    cell: usize,
    len: usize,
    values: Vec<f64>,
}

impl Collect {
    fn new(cell: usize, len: usize, n: usize) -> Self {
        Collect {
            cell,
            len,
            values: Vec::with_capacity(n),
        }
    }
}

impl Observer for Collect {
    fn wants_records(&self) -> bool {
        true
    }

    fn records(&mut self, first_trial: u64, records: &[f64]) -> anyhow::Result<()> {
        anyhow::ensure!(
            first_trial as usize == self.values.len(),
            "records of trial {first_trial} arrived after {} trials",
            self.values.len()
        );
        self.values
            .extend(records.chunks(self.len).map(|r| r[self.cell]));
        Ok(())
    }
}
