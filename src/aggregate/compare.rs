//! Differences between two result folders, B − A, at the horizon.
//!
//! When both runs kept per-trial data (`trials.parquet`) for the same trial
//! indices, the differences are *paired*: trial `i` of B minus trial `i` of
//! A, whose spread is small when the runs share a seed (common random
//! numbers). Otherwise they are *unpaired*: the difference of the two means,
//! with the two standard errors combined as if the runs were independent.
//!
//! This module reads result folders but writes nothing; `output::compare`
//! formats the table.

use std::path::Path;

use std::sync::Arc;

use anyhow::{bail, Context};
// Named imports: the polars prelude's `PolarsContext` would clash with
// anyhow's `Context` methods.
use polars::prelude::{
    col, len, lit, CsvReadOptions, DataFrame, DataType, Field, IntoLazy, JoinArgs, JoinType,
    LazyFrame, MaintainOrderJoin, PlRefPath, ScanArgsParquet, Schema, SerReader, Series,
    UniqueKeepStrategy, NULL,
};

use super::HORIZON;

/// File names inside a result folder that a comparison reads.
const SUMMARY: &str = "summary.csv";
const TRIALS: &str = "trials.parquet";
const MANIFEST: &str = "manifest.toml";

/// Columns of the comparison table, in order.
pub const COMPARE_COLUMNS: [&str; 15] = [
    "metric",
    "commodity",
    "key",
    "unit",
    "period",
    "paired",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "diff",
    "sd_diff",
    "se",
    "ci_low",
    "ci_high",
];

/// The two-sided 95% normal quantile used for the confidence intervals.
pub const Z95: f64 = 1.96;

/// The result of [`compare_runs`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// One row per (metric, commodity, key) present in both runs, at the
    /// horizon, with columns [`COMPARE_COLUMNS`]: `diff = mean_b − mean_a`,
    /// `se` its standard error, `[ci_low, ci_high] = diff ± 1.96 se`;
    /// `sd_diff` is the standard deviation of the paired differences (null
    /// when unpaired). Rows follow run A's series order.
    pub frame: DataFrame,
    /// Whether the differences are paired trial by trial.
    pub paired: bool,
    /// Things the reader should know (different seeds, why not paired).
    pub notes: Vec<String>,
}

/// Compares run B with run A (both result folders written by `corridor run`
/// or `corridor merge`).
pub fn compare_runs(a: &Path, b: &Path) -> anyhow::Result<Comparison> {
    let mut notes = Vec::new();
    for dir in [a, b] {
        if !dir.join(SUMMARY).is_file() {
            bail!(
                "{} is not a result folder: it has no {SUMMARY}",
                dir.display()
            );
        }
    }
    let (seed_a, seed_b) = (read_seed(a)?, read_seed(b)?);
    match (&seed_a, &seed_b) {
        (Some(sa), Some(sb)) if sa != sb => notes.push(format!(
            "the runs have different seeds ({sa} and {sb}): they share no random draws, so the differences carry the full noise of both runs"
        )),
        (None, _) | (_, None) => notes.push("a run has no readable manifest.toml seed; cannot check that the seeds match".into()),
        _ => {}
    }
    let units =
        horizon_summary(&a.join(SUMMARY))?.select(["metric", "commodity", "key", "unit"])?;

    let (pa, pb) = (a.join(TRIALS), b.join(TRIALS));
    let paired = if pa.is_file() && pb.is_file() {
        if same_trials(&pa, &pb)? {
            true
        } else {
            notes.push(
                "the runs kept per-trial data for different trials; differences are unpaired"
                    .into(),
            );
            false
        }
    } else {
        notes.push(format!(
            "differences are unpaired (difference of means): pairing needs {TRIALS} in both folders (`corridor run --keep-trials`)"
        ));
        false
    };
    let frame = if paired {
        paired_frame(&pa, &pb, units)?
    } else {
        unpaired_frame(a, b, units)?
    };
    Ok(Comparison {
        frame,
        paired,
        notes,
    })
}

/// The seed in a result folder's manifest, as text, if there is one.
fn read_seed(dir: &Path) -> anyhow::Result<Option<String>> {
    let path = dir.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    Ok(table.get("seed").map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }))
}

/// Whether two trials.parquet files hold the same set of trial indices.
fn same_trials(pa: &Path, pb: &Path) -> anyhow::Result<bool> {
    let trials = |p: &Path| -> anyhow::Result<Series> {
        let df = scan(p)?
            .select([col("trial")])
            .unique_stable(None, UniqueKeepStrategy::First)
            .sort(["trial"], Default::default())
            .collect()
            .with_context(|| format!("cannot read {}", p.display()))?;
        Ok(df.column("trial")?.as_materialized_series().clone())
    };
    Ok(trials(pa)?.equals_missing(&trials(pb)?))
}

fn scan(p: &Path) -> anyhow::Result<LazyFrame> {
    let path = PlRefPath::try_from_path(p)?;
    LazyFrame::scan_parquet(path, ScanArgsParquet::default())
        .with_context(|| format!("cannot read {}", p.display()))
}

/// Paired differences from the two per-trial files.
fn paired_frame(pa: &Path, pb: &Path, units: DataFrame) -> anyhow::Result<DataFrame> {
    let keys = [col("trial"), col("metric"), col("commodity"), col("key")];
    let side = |p: &Path, name: &str| -> anyhow::Result<LazyFrame> {
        Ok(scan(p)?.select([
            col("trial"),
            col("metric"),
            col("commodity"),
            col("key"),
            col("value").alias(name),
        ]))
    };
    // Keep run A's row order (series order within each trial, trials
    // ascending) through the join and the grouping, so the result does not
    // depend on how polars schedules the work.
    let joined = side(pa, "value_a")?.join(
        side(pb, "value_b")?,
        keys.clone(),
        keys,
        ordered_join(JoinType::Inner),
    );
    let n = col("n_a").cast(DataType::Float64);
    let frame = joined
        .with_column((col("value_b") - col("value_a")).alias("d"))
        .group_by_stable([col("metric"), col("commodity"), col("key")])
        .agg([
            len().cast(DataType::UInt64).alias("n_a"),
            col("value_a").mean().alias("mean_a"),
            col("value_b").mean().alias("mean_b"),
            col("d").mean().alias("diff"),
            col("d").std(1).alias("sd_diff"),
        ])
        .with_columns([
            col("n_a").alias("n_b"),
            (col("sd_diff") / n.sqrt()).alias("se"),
            lit(true).alias("paired"),
        ])
        .collect()
        .context("cannot compute the paired differences")?;
    finish(frame, units)
}

/// Join arguments that keep the left frame's row order.
fn ordered_join(how: JoinType) -> JoinArgs {
    let mut args = JoinArgs::new(how);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}

/// Unpaired differences from the two summary tables.
fn unpaired_frame(a: &Path, b: &Path, units: DataFrame) -> anyhow::Result<DataFrame> {
    let side = |dir: &Path, suffix: &str| -> anyhow::Result<LazyFrame> {
        let df = horizon_summary(&dir.join(SUMMARY))?;
        Ok(df.lazy().select([
            col("metric"),
            col("commodity"),
            col("key"),
            col("n").cast(DataType::UInt64).alias(format!("n_{suffix}")),
            col("mean").alias(format!("mean_{suffix}")),
            col("se").alias(format!("se_{suffix}")),
        ]))
    };
    let keys = [col("metric"), col("commodity"), col("key")];
    let frame = side(a, "a")?
        .join(
            side(b, "b")?,
            keys.clone(),
            keys,
            ordered_join(JoinType::Inner),
        )
        .with_columns([
            (col("mean_b") - col("mean_a")).alias("diff"),
            lit(NULL).cast(DataType::Float64).alias("sd_diff"),
            (col("se_a") * col("se_a") + col("se_b") * col("se_b"))
                .sqrt()
                .alias("se"),
            lit(false).alias("paired"),
        ])
        .collect()
        .context("cannot compute the differences of means")?;
    finish(frame, units)
}

/// Adds unit, period and confidence interval, and orders the columns.
fn finish(frame: DataFrame, units: DataFrame) -> anyhow::Result<DataFrame> {
    let keys = [col("metric"), col("commodity"), col("key")];
    let out = frame
        .lazy()
        .join(
            units.lazy(),
            keys.clone(),
            keys,
            ordered_join(JoinType::Left),
        )
        .with_columns([
            lit(HORIZON).alias("period"),
            (col("diff") - lit(Z95) * col("se")).alias("ci_low"),
            (col("diff") + lit(Z95) * col("se")).alias("ci_high"),
        ])
        .select(COMPARE_COLUMNS.map(col))
        .collect()
        .context("cannot assemble the comparison table")?;
    Ok(out)
}

/// The horizon rows of a summary.csv, with text columns read as text (empty
/// commodity stays `""`, not null, so it joins).
fn horizon_summary(path: &Path) -> anyhow::Result<DataFrame> {
    let text = ["metric", "commodity", "key", "unit", "period"];
    let overwrite: Schema = text
        .iter()
        .map(|&c| Field::new(c.into(), DataType::String))
        .collect();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema_overwrite(Some(Arc::new(overwrite)))
        .map_parse_options(|o| o.with_missing_is_null(false))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .with_context(|| format!("cannot read {}", path.display()))?;
    for c in [
        "metric",
        "commodity",
        "key",
        "unit",
        "period",
        "n",
        "mean",
        "se",
    ] {
        if df.column(c).is_err() {
            bail!(
                "{} has no `{c}` column; is it a corridor summary?",
                path.display()
            );
        }
    }
    // Statistics that are empty in the file (undefined) must still be f64.
    let df = df
        .lazy()
        .filter(col("period").eq(lit(HORIZON)))
        .with_columns([
            col("mean").cast(DataType::Float64),
            col("se").cast(DataType::Float64),
        ])
        .collect()?;
    Ok(df)
}
