//! A sweep: one scenario run at every point of a grid of `--set` values,
//! with common random numbers, into one table (`corridor sweep`).
//!
//! Each `--set PATH=V1,V2,...` is an axis; the grid is their full factorial
//! (the last axis varying fastest) or, zipped, their values side by side.
//! Every point is an ordinary run ([`run::run_scenario`] with the point's
//! overrides) with the same seed and trial indices, so the draws of every
//! uncertainty the points share are the same trial by trial: a point equal
//! to the first gives identical per-trial values and a difference of
//! exactly 0, and differences between points are paired
//! ([`output::sweep::paired_diffs`], from the points' `trials.parquet`,
//! with `compare`'s interval). The sweep
//! folder holds each point's result folder under `points/<i>` (its manifest
//! records its overrides, so each point re-runs on its own) and
//! `sweep.csv`; it is written like a result folder, under a temporary name
//! renamed into place at the end.

use std::path::PathBuf;

use crate::aggregate::{CellStats, SeriesMeta};
use crate::error::InvalidInput;
use crate::output::sweep::{paired_diffs, trial_values, PointRows, SweepCsv, TrialValues};
use crate::output::{folder_name, RunDir};
use crate::run::{self, Run, RunConfig, RunObserver, TrialCount};
use crate::scenario::Sampling;

/// Most grid points one sweep may have.
pub const MAX_POINTS: usize = 1000;

/// What to sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepConfig {
    /// Scenario file.
    pub scenario: PathBuf,
    /// The axes, each `PATH=V1,V2,...` (one value: a fixed override).
    pub sets: Vec<String>,
    /// Pair the axes' values side by side instead of the full factorial.
    pub zip: bool,
    /// Trials per point (default: the scenario's).
    pub trials: Option<u64>,
    /// Seed of every point (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// How uncertain inputs are drawn (default: the scenario's).
    pub sampling: Option<Sampling>,
    /// Sweep folder (default `outputs/<name>-sweep-s<seed>-n<trials>`).
    pub out: Option<PathBuf>,
    /// Replace the sweep folder if it exists.
    pub force: bool,
    /// The command line, recorded in every point's manifest.
    pub command: Vec<String>,
}

/// One axis: a path and its values (each a TOML value, as `--set` takes).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The field, as `--set` names it.
    pub path: String,
    /// Its values, in order.
    pub values: Vec<String>,
}

/// Splits a list of values on its top-level commas: a comma inside `{}`,
/// `[]` or a quoted string belongs to the value, so distributions and
/// arrays can be swept (`{ dist = "uniform", min = 1, max = 2 },3`).
pub fn split_list(list: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in list.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '{' | '[' => depth += 1,
                '}' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(list[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(list[start..].trim());
    out
}

/// Reads one `--set PATH=V1,V2,...` of a sweep.
pub fn axis(arg: &str) -> Result<Axis, InvalidInput> {
    let usage = |why: String| {
        InvalidInput::Usage(format!(
            "--set {}: {why}",
            crate::scenario::diagnostic::escape(arg)
        ))
    };
    let (path, list) = arg
        .split_once('=')
        .filter(|(p, _)| !p.trim().is_empty())
        .ok_or_else(|| {
            usage("expected PATH=V1,V2,... such as `policies.<id>.duration_months=6,12,24`".into())
        })?;
    let values = split_list(list);
    if let Some(i) = values.iter().position(|v| v.is_empty()) {
        return Err(usage(format!(
            "value {} of the list is empty; values are separated by commas (commas inside {{...}}, [...] or quotes do not separate)",
            i + 1
        )));
    }
    Ok(Axis {
        path: path.trim().to_string(),
        values: values.into_iter().map(String::from).collect(),
    })
}

/// The grid: for each point, the index of its value on each axis. Full
/// factorial with the last axis varying fastest; zipped, point `i` takes
/// value `i` of every axis (an axis of one value goes with every point).
pub fn grid(axes: &[Axis], zip: bool) -> Result<Vec<Vec<usize>>, InvalidInput> {
    if axes.is_empty() {
        return Err(InvalidInput::Usage(
            "a sweep needs at least one `--set PATH=V1,V2,...`".into(),
        ));
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.path == a.path) {
            return Err(InvalidInput::Usage(format!(
                "--set {} is given twice; give its values in one list",
                a.path
            )));
        }
    }
    let lens: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    if zip {
        let n = lens.iter().copied().max().unwrap_or(1);
        if let Some(a) = axes
            .iter()
            .find(|a| a.values.len() != n && a.values.len() != 1)
        {
            return Err(InvalidInput::Usage(format!(
                "--zip pairs the lists value by value, but `{}` has {} values and another list {n}; give every list {n} values (or one)",
                a.path,
                a.values.len()
            )));
        }
        let pick = |len: usize, i: usize| if len == 1 { 0 } else { i };
        return Ok((0..n)
            .map(|i| lens.iter().map(|&l| pick(l, i)).collect())
            .collect());
    }
    let total = lens
        .iter()
        .try_fold(1usize, |acc, &l| acc.checked_mul(l))
        .filter(|&t| t <= MAX_POINTS);
    let Some(total) = total else {
        return Err(InvalidInput::Usage(format!(
            "the grid has more than {MAX_POINTS} points ({}); sweep fewer values, or use --zip",
            lens.iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" x ")
        )));
    };
    let mut points = Vec::with_capacity(total);
    for mut k in 0..total {
        let mut idx = vec![0; lens.len()];
        for (slot, &len) in idx.iter_mut().zip(&lens).rev() {
            *slot = k % len;
            k /= len;
        }
        points.push(idx);
    }
    Ok(points)
}

/// What a caller hears while a sweep runs.
pub trait SweepObserver {
    /// Point `index` of `count` is about to run with these overrides.
    fn point_started(&mut self, index: usize, count: usize, overrides: &[String]) {
        let _ = (index, count, overrides);
    }
    /// The observer of each point's run (progress, the stop flag).
    fn run(&mut self) -> &mut dyn RunObserver;
}

/// One point of a finished sweep.
pub struct PointResult {
    /// The value of each axis at this point.
    pub values: Vec<String>,
    /// Every series' horizon statistics, in record order.
    pub horizon: Vec<(SeriesMeta, CellStats)>,
    /// Paired difference against the first point for each series of
    /// `horizon` (mean, low, high of its 95% interval), `None` where the
    /// point's series differ from the first point's.
    pub diffs: Vec<Option<(f64, f64, f64)>>,
}

/// A finished sweep.
pub struct SweepResult {
    /// The swept paths.
    pub paths: Vec<String>,
    /// The points in grid order.
    pub points: Vec<PointResult>,
    /// Seed of every point.
    pub seed: u64,
    /// Trials of the first point.
    pub trials: u64,
    /// Things the reader should know.
    pub notes: Vec<String>,
    /// The sweep folder.
    pub path: PathBuf,
}

/// Runs the sweep: every point validated first (a bad value stops it
/// before anything runs, exit status 2), then run one after another into
/// `points/<i>` of the sweep folder, then `sweep.csv`.
pub fn run_sweep(cfg: SweepConfig, obs: &mut dyn SweepObserver) -> anyhow::Result<SweepResult> {
    let axes = cfg
        .sets
        .iter()
        .map(|s| axis(s))
        .collect::<Result<Vec<_>, _>>()?;
    let grid = grid(&axes, cfg.zip)?;
    let points: Vec<Vec<String>> = grid
        .iter()
        .map(|idx| {
            axes.iter()
                .zip(idx)
                .map(|(a, &i)| format!("{}={}", a.path, a.values[i]))
                .collect()
        })
        .collect();
    for p in &points {
        run::load_scenario_with(&cfg.scenario, p)?;
    }
    let first = Run::new(point_config(&cfg, &points[0], None))?;
    let (seed, trials) = (first.plan().seed, first.plan().trials.end);
    let out = cfg.out.clone().unwrap_or_else(|| {
        let name = folder_name(&first.model().name);
        PathBuf::from("outputs").join(format!("{name}-sweep-s{seed}-n{trials}"))
    });
    drop(first);
    let dir = RunDir::create(&out, cfg.force)?;
    let width = (points.len() - 1).to_string().len();
    let folder = |i: usize| dir.path().join("points").join(format!("{i:0width$}"));
    let mut results: Vec<PointResult> = Vec::with_capacity(points.len());
    let mut notes = Vec::new();
    // The first point's per-trial values, which every point is paired with.
    let mut first_values: Option<TrialValues> = None;
    for (i, p) in points.iter().enumerate() {
        obs.point_started(i, points.len(), p);
        let r = run::run_scenario(point_config(&cfg, p, Some(folder(i))), obs.run())?;
        let values = trial_values(&folder(i))?;
        let n = r.horizon.len();
        let paired = match (&first_values, results.first()) {
            // The first point against itself: exactly 0.
            (None, _) | (_, None) => paired_diffs(&values, &values, n),
            (Some(first), Some(f)) if same_series(&f.horizon, &r.horizon) => {
                paired_diffs(first, &values, n)
            }
            (Some(_), Some(_)) => Err(anyhow::anyhow!("it records other series than point 0")),
        };
        let diffs = paired.unwrap_or_else(|e| {
            notes.push(format!("point {i}: no paired differences: {e:#}"));
            vec![None; n]
        });
        first_values.get_or_insert(values);
        results.push(PointResult {
            values: grid[i]
                .iter()
                .zip(&axes)
                .map(|(&k, a)| a.values[k].clone())
                .collect(),
            horizon: r.horizon,
            diffs,
        });
    }
    let paths: Vec<String> = axes.into_iter().map(|a| a.path).collect();
    dir.write(&SweepCsv {
        paths: &paths,
        points: results
            .iter()
            .map(|p| PointRows {
                values: &p.values,
                horizon: &p.horizon,
                diffs: &p.diffs,
            })
            .collect(),
    })?;
    if obs
        .run()
        .stop_flag()
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        return Err(
            crate::error::Interrupted("while the sweep folder was being written".into()).into(),
        );
    }
    let path = dir.commit()?;
    Ok(SweepResult {
        paths,
        points: results,
        seed,
        trials,
        notes,
        path,
    })
}

/// Whether two runs record the same series in the same order.
fn same_series(a: &[(SeriesMeta, CellStats)], b: &[(SeriesMeta, CellStats)]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((x, _), (y, _))| {
            (&x.metric, &x.commodity, &x.key, &x.unit) == (&y.metric, &y.commodity, &y.key, &y.unit)
        })
}

/// The run of one point.
fn point_config(cfg: &SweepConfig, overrides: &[String], out: Option<PathBuf>) -> RunConfig {
    RunConfig {
        scenario: cfg.scenario.clone(),
        trials: cfg.trials.map_or(TrialCount::Scenario, TrialCount::Count),
        seed: cfg.seed,
        threads: cfg.threads,
        sampling: cfg.sampling,
        out,
        keep_trials: true,
        command: cfg.command.clone(),
        overrides: overrides.to_vec(),
        ..RunConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_top_level_commas_only() {
        assert_eq!(split_list("6, 12,24"), ["6", "12", "24"]);
        assert_eq!(
            split_list(r#"{ dist = "uniform", min = 6, max = 18 },12,"a,b",[1, 2]"#),
            [
                r#"{ dist = "uniform", min = 6, max = 18 }"#,
                "12",
                r#""a,b""#,
                "[1, 2]"
            ]
        );
        assert_eq!(split_list(r#""x\",y",z"#), [r#""x\",y""#, "z"]);
        assert!(axis("a.b=1,,2").is_err());
        assert!(axis("=1").is_err());
    }

    #[test]
    fn grids_are_factorial_or_zipped() {
        let a = |p: &str, n: usize| Axis {
            path: p.into(),
            values: (0..n).map(|i| i.to_string()).collect(),
        };
        let g = grid(&[a("x", 2), a("y", 3)], false).unwrap();
        assert_eq!(g, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
        let g = grid(&[a("x", 3), a("y", 1), a("z", 3)], true).unwrap();
        assert_eq!(g, [[0, 0, 0], [1, 0, 1], [2, 0, 2]]);
        assert!(grid(&[a("x", 2), a("y", 3)], true).is_err());
        assert!(grid(&[a("x", 2), a("x", 3)], false).is_err());
        assert!(grid(&[a("x", 40), a("y", 40)], false).is_err());
    }
}
