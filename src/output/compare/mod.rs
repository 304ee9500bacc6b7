//! Differences between two result folders, B − A, at the horizon.
//!
//! The runs must describe the same thing: the same periods (so the same
//! horizon) and the same series with the same units; otherwise the
//! comparison is refused, saying what differs (or, on request, restricted
//! to the series both record, saying which were left out).
//!
//! When both runs kept per-trial data (`trials.parquet`) and share at least
//! two trial indices, the differences are *paired*: trial `i` of B minus
//! trial `i` of A over the trial indices both hold (all of them when the
//! runs have the same trials; the overlap, reported, when not), whose
//! spread is small when the runs share a seed (common random numbers).
//! Otherwise they are *unpaired*: the difference of the two means, with the
//! two standard errors combined as if the runs were independent.
//!
//! It reads result folders, as `merge` does, and writes nothing; `table`
//! formats the comparison as `compare.csv` and as a terminal table.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
// Named imports: the polars prelude's `PolarsContext` would clash with
// anyhow's `Context` methods.
use polars::prelude::{
    col, len, lit, BooleanChunked, CsvReadOptions, DataFrame, DataType, Field, IntoLazy, JoinArgs,
    JoinType, LazyFrame, MaintainOrderJoin, NewChunkedArray, PlRefPath, ScanArgsParquet, Schema,
    SerReader, UniqueKeepStrategy, NULL,
};

mod table;
mod view;

pub use table::{compare_csv, write_compare_csv};
pub use view::{render, Rank, Shape, ViewOptions};

use crate::aggregate::HORIZON;
use crate::error::InvalidInput;
// The files of a result folder that a comparison reads.
use super::{MANIFEST_FILE as MANIFEST, SUMMARY_FILE as SUMMARY, TRIALS_FILE as TRIALS};

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
    /// One row per (metric, commodity, key) compared, at the horizon, with
    /// columns [`COMPARE_COLUMNS`]: `diff = mean_b − mean_a`, `se` its
    /// standard error, `[ci_low, ci_high] = diff ± 1.96 se`; `sd_diff` is
    /// the standard deviation of the paired differences (null when
    /// unpaired). When paired, `n_a = n_b` is the number of pairs and the
    /// means are over the paired trials. Rows follow run A's series order.
    pub frame: DataFrame,
    /// Whether the differences are paired trial by trial.
    pub paired: bool,
    /// How many trial pairs the paired differences use (0 when unpaired).
    pub pairs: u64,
    /// Things the reader should know (different seeds, why not paired, on
    /// which trials the runs were paired, series left out).
    pub notes: Vec<String>,
    /// The headline rows the runs' manifests name, B's first, as (metric,
    /// commodity, key); empty for runs whose manifests name none.
    pub headline: Vec<[String; 3]>,
    /// Each series' horizon mean and quartiles in A and in B (from their
    /// summaries; `None` for a summary without quartile columns).
    pub shapes: HashMap<[String; 3], (Option<Shape>, Option<Shape>)>,
}

/// How to compare.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompareOptions {
    /// Compare the series both runs record, leaving out (and naming) those
    /// only one records, rather than refusing runs whose series differ.
    pub shared_series: bool,
}

/// Compares run B with run A (both result folders written by `corridor run`
/// or `corridor merge`). Runs that cannot be compared (not result folders,
/// other periods or series) are [`InvalidInput`], exit status 2.
pub fn compare_runs(a: &Path, b: &Path, opts: CompareOptions) -> anyhow::Result<Comparison> {
    let mut notes = Vec::new();
    let plan = plan(a, b, opts, &mut notes).map_err(InvalidInput::Results)?;
    let frame = match &plan.pairing {
        Pairing::Paired { .. } => paired_frame(&a.join(TRIALS), &b.join(TRIALS), &plan.units)?,
        Pairing::Unpaired => unpaired_frame(a, b, &plan.units)?,
    };
    if frame.height() != plan.units.height() {
        return Err(InvalidInput::Results(anyhow::anyhow!(
            "{} of the {} series compared are missing from {} of {} or {}; is it a corridor result?",
            plan.units.height() - frame.height().min(plan.units.height()),
            plan.units.height(),
            if plan.pairing == Pairing::Unpaired { SUMMARY } else { TRIALS },
            a.display(),
            b.display()
        ))
        .into());
    }
    let pairs = match plan.pairing {
        Pairing::Paired { pairs } => pairs,
        Pairing::Unpaired => 0,
    };
    let (sa, sb) = (
        view::shapes(
            &read_summary(&a.join(SUMMARY))?
                .lazy()
                .filter(col("period").eq(lit(HORIZON)))
                .collect()?,
        )?,
        view::shapes(
            &read_summary(&b.join(SUMMARY))?
                .lazy()
                .filter(col("period").eq(lit(HORIZON)))
                .collect()?,
        )?,
    );
    let mut shapes: HashMap<[String; 3], (Option<Shape>, Option<Shape>)> = HashMap::new();
    for (id, s) in sa {
        shapes.entry(id).or_default().0 = Some(s);
    }
    for (id, s) in sb {
        shapes.entry(id).or_default().1 = Some(s);
    }
    Ok(Comparison {
        frame,
        paired: pairs > 0,
        pairs,
        notes,
        headline: plan.headline,
        shapes,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pairing {
    Paired { pairs: u64 },
    Unpaired,
}

/// What to compare, decided from the folders before any statistic.
struct Plan {
    /// (metric, commodity, key, unit) of the series compared, in A's order.
    units: DataFrame,
    pairing: Pairing,
    /// The manifests' headline rows, B's first.
    headline: Vec<[String; 3]>,
}

/// Checks that the folders can be compared and decides how.
fn plan(a: &Path, b: &Path, opts: CompareOptions, notes: &mut Vec<String>) -> anyhow::Result<Plan> {
    for dir in [a, b] {
        if !dir.join(SUMMARY).is_file() {
            bail!(
                "{} is not a result folder: it has no {SUMMARY}",
                dir.display()
            );
        }
    }
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    match (ma.as_ref().and_then(|m| m.seed.as_ref()), mb.as_ref().and_then(|m| m.seed.as_ref())) {
        (Some(sa), Some(sb)) if sa != sb => notes.push(format!(
            "the runs have different seeds ({sa} and {sb}): they share no random draws, so the differences carry the full noise of both runs"
        )),
        (None, _) | (_, None) => notes.push("a run has no readable manifest.toml seed; cannot check that the seeds match".into()),
        _ => {}
    }

    let (sa, sb) = (
        read_summary(&a.join(SUMMARY))?,
        read_summary(&b.join(SUMMARY))?,
    );
    let (la, lb) = (summary_layout(&sa)?, summary_layout(&sb)?);
    check_periods(&la, &lb, a, b)?;
    let kept = shared_series(&la, &lb, a, b, opts, notes)?;
    let horizon = horizon_rows(sa)?;
    if horizon.height() != la.series.len() {
        bail!(
            "{} has {} horizon rows for {} series; is it a corridor summary?",
            a.join(SUMMARY).display(),
            horizon.height(),
            la.series.len()
        );
    }
    let units = horizon
        .select(["metric", "commodity", "key", "unit"])?
        .filter(&BooleanChunked::from_slice("kept".into(), &kept))?;

    let deterministic = |m: &Option<ManifestFields>| m.as_ref().and_then(|m| m.deterministic);
    let (pa, pb) = (a.join(TRIALS), b.join(TRIALS));
    let pairing = if !(pa.is_file() && pb.is_file()) {
        notes.push(format!(
            "differences are unpaired (difference of means): pairing needs {TRIALS} in both folders (`corridor run --keep-trials`)"
        ));
        Pairing::Unpaired
    } else if deterministic(&ma) != deterministic(&mb) {
        notes.push(
            "differences are unpaired (difference of means): one run is deterministic and the other sampled, so their trials do not correspond".into(),
        );
        Pairing::Unpaired
    } else {
        let (ta, tb) = (trial_indices(&pa)?, trial_indices(&pb)?);
        let shared = count_shared(&ta, &tb);
        if shared < 2 {
            notes.push(format!(
                "differences are unpaired (difference of means): the runs share {shared} trial {} (A has {}, B {}), too few to pair",
                if shared == 1 { "index" } else { "indices" },
                ta.len(),
                tb.len()
            ));
            Pairing::Unpaired
        } else {
            if shared != ta.len() as u64 || shared != tb.len() as u64 {
                notes.push(format!(
                    "run A has {} trials and run B {}: paired on the {shared} trial indices both hold ({}); the means are over those trials",
                    ta.len(),
                    tb.len(),
                    describe_indices(&ta, &tb)
                ));
            }
            Pairing::Paired { pairs: shared }
        }
    };
    let mut headline: Vec<[String; 3]> = Vec::new();
    for m in [&mb, &ma].into_iter().flatten() {
        for id in &m.headline {
            if !headline.contains(id) {
                headline.push(id.clone());
            }
        }
    }
    Ok(Plan {
        units,
        pairing,
        headline,
    })
}

/// The manifest fields a comparison looks at.
struct ManifestFields {
    seed: Option<String>,
    deterministic: Option<bool>,
    headline: Vec<[String; 3]>,
}

/// The seed (as text) and mode in a result folder's manifest, if there is
/// one.
fn read_manifest(dir: &Path) -> anyhow::Result<Option<ManifestFields>> {
    let path = dir.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    Ok(Some(ManifestFields {
        seed: table.get("seed").map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        deterministic: table.get("deterministic").and_then(toml::Value::as_bool),
        // `[[metric, commodity, key], ...]`; anything else names no row.
        headline: table
            .get("headline")
            .and_then(toml::Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| {
                        let r = r.as_array()?;
                        let t = |i: usize| r.get(i)?.as_str().map(str::to_string);
                        Some([t(0)?, t(1)?, t(2)?])
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

/// The distinct trial indices of a trials.parquet, ascending.
fn trial_indices(p: &Path) -> anyhow::Result<Vec<u64>> {
    let df = scan(p)?
        .select([col("trial")])
        .unique_stable(None, UniqueKeepStrategy::First)
        .sort(["trial"], Default::default())
        .collect()
        .with_context(|| format!("cannot read {}", p.display()))?;
    let trials = df
        .column("trial")
        .and_then(|c| c.u64().cloned())
        .with_context(|| format!("{}: no u64 `trial` column", p.display()))?;
    Ok(trials.iter().flatten().collect())
}

/// How many values two ascending lists have in common.
fn count_shared(a: &[u64], b: &[u64]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                (i, j, n) = (i + 1, j + 1, n + 1);
            }
        }
    }
    n
}

/// The trial ranges of two runs, `A: 0..1000, B: 0..500`, for a note.
fn describe_indices(a: &[u64], b: &[u64]) -> String {
    let range = |t: &[u64]| match (t.first(), t.last()) {
        (Some(lo), Some(hi)) if hi - lo + 1 == t.len() as u64 => format!("{lo}..{}", hi + 1),
        (Some(lo), Some(hi)) => format!("{} indices in {lo}..{}", t.len(), hi + 1),
        _ => "none".into(),
    };
    format!("A: {}, B: {}", range(a), range(b))
}

/// Series (metric, commodity, key, unit) and periods of a summary table,
/// in order.
struct SummaryLayout {
    series: Vec<[String; 4]>,
    periods: Vec<String>,
}

fn summary_layout(df: &DataFrame) -> anyhow::Result<SummaryLayout> {
    let text = |c: &str| text_column(df, c);
    let (metric, commodity, key, unit, period) = (
        text("metric")?,
        text("commodity")?,
        text("key")?,
        text("unit")?,
        text("period")?,
    );
    let mut series: Vec<[String; 4]> = Vec::new();
    let mut periods: Vec<String> = Vec::new();
    for r in 0..df.height() {
        let s = [&metric[r], &commodity[r], &key[r], &unit[r]].map(String::clone);
        if series.last() != Some(&s) {
            series.push(s);
        }
        if series.len() == 1 {
            periods.push(period[r].clone());
        }
    }
    Ok(SummaryLayout { series, periods })
}

/// A text column as strings (null as empty).
fn text_column(df: &DataFrame, name: &str) -> anyhow::Result<Vec<String>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

/// The runs must cover the same periods: otherwise their horizon values
/// (sums and means over the periods) measure different things.
fn check_periods(la: &SummaryLayout, lb: &SummaryLayout, a: &Path, b: &Path) -> anyhow::Result<()> {
    if la.periods == lb.periods {
        return Ok(());
    }
    // The last label is the horizon row itself.
    let span = |l: &SummaryLayout| {
        let p = &l.periods[..l.periods.len().saturating_sub(1)];
        match (p.first(), p.last()) {
            (Some(first), Some(last)) => format!("{} periods, {first} to {last}", p.len()),
            _ => "no periods".into(),
        }
    };
    let what = if la.periods.len() != lb.periods.len() {
        "different horizons"
    } else {
        "different periods"
    };
    bail!(
        "cannot compare {} and {}: the runs have {what} (A: {}; B: {})",
        a.display(),
        b.display(),
        span(la),
        span(lb)
    )
}

/// Which of A's series are compared (a mask over them). Refuses runs whose
/// series differ, unless `opts.shared_series` (then the ones left out are
/// named in a note); a series both record in different units is always
/// refused.
fn shared_series(
    la: &SummaryLayout,
    lb: &SummaryLayout,
    a: &Path,
    b: &Path,
    opts: CompareOptions,
    notes: &mut Vec<String>,
) -> anyhow::Result<Vec<bool>> {
    use std::collections::HashMap;
    let id = |s: &[String; 4]| format!("{} {} {}", s[0], s[1], s[2]).replace("  ", " ");
    let index = |l: &SummaryLayout| -> HashMap<[String; 3], usize> {
        l.series
            .iter()
            .enumerate()
            .map(|(i, s)| ([s[0].clone(), s[1].clone(), s[2].clone()], i))
            .collect()
    };
    let (ia, ib) = (index(la), index(lb));
    let key = |s: &[String; 4]| [s[0].clone(), s[1].clone(), s[2].clone()];
    let mut units = Vec::new();
    let mut kept = Vec::with_capacity(la.series.len());
    let mut only_a = Vec::new();
    for s in &la.series {
        match ib.get(&key(s)) {
            Some(&j) if lb.series[j][3] == s[3] => kept.push(true),
            Some(&j) => {
                units.push(format!("{} ({} vs {})", id(s), s[3], lb.series[j][3]));
                kept.push(false);
            }
            None => {
                only_a.push(id(s));
                kept.push(false);
            }
        }
    }
    let only_b: Vec<String> = lb
        .series
        .iter()
        .filter(|s| !ia.contains_key(&key(s)))
        .map(id)
        .collect();
    let list = |v: &[String]| {
        const SHOWN: usize = 5;
        let mut text = v[..v.len().min(SHOWN)].join(", ");
        if v.len() > SHOWN {
            text.push_str(&format!(", and {} more", v.len() - SHOWN));
        }
        text
    };
    if !units.is_empty() {
        bail!(
            "cannot compare {} and {}: {} series have different units in the two runs: {}",
            a.display(),
            b.display(),
            units.len(),
            list(&units)
        );
    }
    if only_a.is_empty() && only_b.is_empty() {
        return Ok(kept);
    }
    let mut parts = Vec::new();
    if !only_a.is_empty() {
        parts.push(format!("{} only in A ({})", only_a.len(), list(&only_a)));
    }
    if !only_b.is_empty() {
        parts.push(format!("{} only in B ({})", only_b.len(), list(&only_b)));
    }
    let differ = parts.join("; ");
    if !opts.shared_series {
        bail!(
            "cannot compare {} and {}: the runs record different series: {differ}; \
             `--shared-series` compares the {} series both record",
            a.display(),
            b.display(),
            kept.iter().filter(|&&k| k).count()
        );
    }
    notes.push(format!(
        "compared the {} series both runs record; left out: {differ}",
        kept.iter().filter(|&&k| k).count()
    ));
    Ok(kept)
}

fn scan(p: &Path) -> anyhow::Result<LazyFrame> {
    let path = PlRefPath::try_from_path(p)?;
    LazyFrame::scan_parquet(path, ScanArgsParquet::default())
        .with_context(|| format!("cannot read {}", p.display()))
}

/// Paired differences from the two per-trial files, over the trial indices
/// both hold (an inner join on the trial index).
fn paired_frame(pa: &Path, pb: &Path, units: &DataFrame) -> anyhow::Result<DataFrame> {
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
fn unpaired_frame(a: &Path, b: &Path, units: &DataFrame) -> anyhow::Result<DataFrame> {
    let side = |dir: &Path, suffix: &str| -> anyhow::Result<LazyFrame> {
        let df = horizon_rows(read_summary(&dir.join(SUMMARY))?)?;
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

/// Keeps the series of `units` (in their order), adds unit, period and
/// confidence interval, and orders the columns.
fn finish(frame: DataFrame, units: &DataFrame) -> anyhow::Result<DataFrame> {
    let keys = [col("metric"), col("commodity"), col("key")];
    let out = units
        .clone()
        .lazy()
        .join(
            frame.lazy(),
            keys.clone(),
            keys,
            ordered_join(JoinType::Inner),
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

/// A summary.csv, with text columns read as text (empty commodity stays
/// `""`, not null, so it joins).
fn read_summary(path: &Path) -> anyhow::Result<DataFrame> {
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
    check_numbers(&df, &text, path)?;
    Ok(df)
}

/// Every statistic column must hold numbers (an empty field is an undefined
/// statistic). A column the CSV reader could only read as text holds a
/// value that is not a number: name the first one, where it is, rather than
/// let it become a silent null.
fn check_numbers(df: &DataFrame, text: &[&str], path: &Path) -> anyhow::Result<()> {
    for column in df.columns() {
        let name = column.name().as_str();
        if text.contains(&name) || column.dtype() != &DataType::String {
            continue;
        }
        let values = column.str()?;
        let bad = values
            .iter()
            .enumerate()
            .find(|(_, v)| v.is_some_and(|v| !v.is_empty() && v.trim().parse::<f64>().is_err()));
        if let Some((row, Some(value))) = bad {
            bail!(
                "{} line {}: column `{name}` holds \"{}\", expected a number (or an empty field for an undefined statistic); is it a corridor summary?",
                path.display(),
                row + 2,
                crate::scenario::diagnostic::quote(value)
            );
        }
    }
    Ok(())
}

/// The horizon rows of a summary table.
fn horizon_rows(df: DataFrame) -> anyhow::Result<DataFrame> {
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
