//! The comparison as a person reads it: the headline rows first, then the
//! largest changes ranked so that different units never compete, with
//! values in plain notation and a note where a mean alone misleads.
//!
//! Ranking. `Relative` (the default) orders rows by
//! `|B − A| / max(|A|, |B|)`, a share between 0 and 2 that any unit
//! shares; rows whose 95% interval holds zero (no detectable change) come
//! after those whose interval excludes it. `Absolute` orders by `|B − A|`
//! only within one unit: each unit is its own block.
//!
//! The "mean misleads" rule. A run's mean is flagged when it lies outside
//! that run's interquartile range `[p25, p75]` (from `summary.csv` at the
//! horizon) and differs from its median by more than a tenth of the larger
//! of the two: then at least three quarters of the trials lie on one side
//! of the mean, which a minority of trials carries, and by enough to
//! matter (a price held flat in most trials with rare spikes a fraction of
//! a percent above it is not flagged). That is what an event
//! that happens in some trials only does (a ban that starts in a quarter
//! of the trials: median near the baseline, mean far above it), and a
//! heavy tail too; either way the median and the quantiles say more than
//! the mean. The quartiles are those of each run's full set of trials.

use std::collections::HashMap;

use super::Comparison;
use crate::error::InvalidInput;
use crate::output::plain::{number, percent_change, with_unit};

/// How to rank the rows after the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rank {
    /// By `|B − A| / max(|A|, |B|)`, detectable changes first.
    #[default]
    Relative,
    /// By `|B − A|`, within each unit.
    Absolute,
}

/// What the table shows.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// Only these metrics (empty: all).
    pub metrics: Vec<String>,
    /// Only these commodities (empty: all).
    pub commodities: Vec<String>,
    /// Only these keys (empty: all).
    pub keys: Vec<String>,
    /// Ranking of the rows after the headline.
    pub rank: Rank,
    /// Rows ranked after the headline (per unit with `Rank::Absolute`).
    pub top: usize,
}

/// How far from the median, relative to the larger of the mean's and the
/// median's magnitudes, a mean outside the quartiles must be to be flagged.
pub const FAR: f64 = 0.1;

/// A run's horizon quartiles and mean for one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Mean.
    pub mean: f64,
    /// Lower quartile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// Upper quartile.
    pub p75: f64,
}

impl Shape {
    /// Whether the mean lies outside `[p25, p75]` and more than
    /// [`FAR`] of the larger magnitude away from the median (the module's
    /// rule).
    pub fn mean_misleads(&self) -> bool {
        let Shape {
            mean,
            p25,
            p50,
            p75,
        } = *self;
        [mean, p25, p50, p75].iter().all(|v| v.is_finite())
            && (mean < p25 || mean > p75)
            && (mean - p50).abs() > FAR * mean.abs().max(p50.abs())
    }
}

/// One compared series, read from the comparison's frame.
struct Row {
    id: [String; 3],
    unit: String,
    mean_a: f64,
    mean_b: f64,
    diff: f64,
    lo: f64,
    hi: f64,
}

impl Row {
    fn relative(&self) -> f64 {
        let scale = self.mean_a.abs().max(self.mean_b.abs());
        if scale > 0.0 && self.diff.is_finite() {
            self.diff.abs() / scale
        } else {
            0.0
        }
    }

    /// Whether the 95% interval excludes zero.
    fn detectable(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }

    fn label(&self) -> String {
        self.id
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The readable table: a line saying how the differences were taken, the
/// headline rows (the runs' manifests' `headline` lists, B's first; else
/// the shortfall and price rows that changed detectably), then the ranked
/// rows, then a note for every shown row whose mean misleads. A filter
/// that matches no row is [`InvalidInput`], naming what there is.
pub fn render(c: &Comparison, opts: &ViewOptions) -> anyhow::Result<String> {
    let all = rows(c)?;
    check_filter("--metric", &opts.metrics, all.iter().map(|r| &r.id[0]))?;
    check_filter(
        "--commodity",
        &opts.commodities,
        all.iter().map(|r| &r.id[1]),
    )?;
    check_filter("--key", &opts.keys, all.iter().map(|r| &r.id[2]))?;
    let keep = |r: &Row| {
        let ok = |list: &[String], v: &String| list.is_empty() || list.contains(v);
        ok(&opts.metrics, &r.id[0]) && ok(&opts.commodities, &r.id[1]) && ok(&opts.keys, &r.id[2])
    };
    let rows: Vec<&Row> = all.iter().filter(|r| keep(r)).collect();
    if rows.is_empty() {
        return Err(InvalidInput::Usage(
            "no compared series matches all of --metric, --commodity and --key together".into(),
        )
        .into());
    }

    let kind = if c.paired {
        format!("paired differences (trial by trial, {} pairs)", c.pairs)
    } else {
        "unpaired differences (of means)".to_string()
    };
    let mut out = format!(
        "B - A at the horizon, {kind}; {} of {} series selected\n",
        rows.len(),
        all.len()
    );

    let (headline, source) = headline(c, &rows);
    let mut shown: Vec<&Row> = Vec::new();
    if !headline.is_empty() {
        out.push_str(&format!("\nheadline ({source}):\n"));
        out.push_str(&table(&headline, c));
        shown.extend(&headline);
    }
    let rest: Vec<&Row> = rows
        .iter()
        .copied()
        .filter(|r| !headline.iter().any(|h| h.id == r.id))
        .collect();
    match opts.rank {
        Rank::Relative => {
            let mut ranked = rest;
            ranked.sort_by(|x, y| {
                y.detectable()
                    .cmp(&x.detectable())
                    .then(y.relative().total_cmp(&x.relative()))
            });
            ranked.truncate(opts.top);
            if !ranked.is_empty() {
                out.push_str(&format!(
                    "\nlargest relative changes ({} rows by |B - A| / max(|A|, |B|); changes whose 95% CI excludes 0 first):\n",
                    ranked.len()
                ));
                out.push_str(&table(&ranked, c));
            }
            shown.extend(ranked);
        }
        Rank::Absolute => {
            let mut units: Vec<&str> = Vec::new();
            for r in &rest {
                if !units.contains(&r.unit.as_str()) {
                    units.push(&r.unit);
                }
            }
            for unit in units {
                let mut block: Vec<&Row> =
                    rest.iter().copied().filter(|r| r.unit == unit).collect();
                block.sort_by(|x, y| y.diff.abs().total_cmp(&x.diff.abs()));
                block.truncate(opts.top);
                let unit_name = if unit.is_empty() { "no unit" } else { unit };
                out.push_str(&format!(
                    "\nlargest changes in {unit_name} ({} rows by |B - A|):\n",
                    block.len()
                ));
                out.push_str(&table(&block, c));
                shown.extend(block);
            }
        }
    }
    let notes = shape_notes(c, &shown);
    if !notes.is_empty() {
        out.push_str("\nwhere the mean alone misleads (mean outside the middle half of the trials, p25 to p75, and over 10% from the median):\n");
        for n in notes {
            out.push_str(&format!("  * {n}\n"));
        }
    }
    Ok(out)
}

/// The comparison's rows, in its order.
fn rows(c: &Comparison) -> anyhow::Result<Vec<Row>> {
    let df = &c.frame;
    let text = |name: &str| super::text_column(df, name);
    let num = |name: &str| -> anyhow::Result<Vec<f64>> {
        Ok(df
            .column(name)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    };
    let (metric, commodity, key, unit) = (
        text("metric")?,
        text("commodity")?,
        text("key")?,
        text("unit")?,
    );
    let (ma, mb, d, lo, hi) = (
        num("mean_a")?,
        num("mean_b")?,
        num("diff")?,
        num("ci_low")?,
        num("ci_high")?,
    );
    Ok((0..df.height())
        .map(|i| Row {
            id: [metric[i].clone(), commodity[i].clone(), key[i].clone()],
            unit: unit[i].clone(),
            mean_a: ma[i],
            mean_b: mb[i],
            diff: d[i],
            lo: lo[i],
            hi: hi[i],
        })
        .collect())
}

/// A filter value that names nothing compared is a usage error with a
/// suggestion.
fn check_filter<'a>(
    flag: &str,
    wanted: &[String],
    present: impl Iterator<Item = &'a String> + Clone,
) -> anyhow::Result<()> {
    for w in wanted {
        if present.clone().any(|p| p == w) {
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        for p in present.clone() {
            if !p.is_empty() && !names.contains(&p.as_str()) {
                names.push(p);
            }
        }
        let hint = match crate::scenario::diagnostic::did_you_mean(w, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => {
                const SHOWN: usize = 12;
                let more = names.len().saturating_sub(SHOWN);
                let mut t = format!(
                    "the runs have: {}",
                    names[..names.len().min(SHOWN)].join(", ")
                );
                if more > 0 {
                    t.push_str(&format!(", and {more} more"));
                }
                t
            }
        };
        return Err(InvalidInput::Usage(format!(
            "{flag} {}: no compared series has it; {hint}",
            crate::scenario::diagnostic::quote(w)
        ))
        .into());
    }
    Ok(())
}

/// The headline rows among `rows` and where they come from.
fn headline<'a>(c: &Comparison, rows: &[&'a Row]) -> (Vec<&'a Row>, &'static str) {
    let mut picked: Vec<&Row> = Vec::new();
    for id in &c.headline {
        if let Some(r) = rows.iter().find(|r| &r.id == id) {
            if !picked.iter().any(|p| p.id == r.id) {
                picked.push(r);
            }
        }
    }
    if !c.headline.is_empty() {
        return (picked, "the runs' headline rows");
    }
    // Runs written before manifests named a headline: the shortfalls and
    // prices that changed detectably, largest relative change first.
    let mut fallback: Vec<&Row> = rows
        .iter()
        .copied()
        .filter(|r| matches!(r.id[0].as_str(), "shortfall" | "price") && r.detectable())
        .collect();
    fallback.sort_by(|x, y| y.relative().total_cmp(&x.relative()));
    fallback.truncate(8);
    (fallback, "shortfall and price rows whose 95% CI excludes 0")
}

/// The rows as an aligned table with values in plain notation.
fn table(rows: &[&Row], c: &Comparison) -> String {
    let header = [
        "series", "mean A", "mean B", "B - A", "95% CI", "change", "",
    ]
    .map(String::from);
    let mut cells = vec![header];
    for r in rows {
        let u = r.unit.as_str();
        let flag = if shape_of(c, r).is_some_and(|(a, b)| {
            a.is_some_and(|s| s.mean_misleads()) || b.is_some_and(|s| s.mean_misleads())
        }) {
            "*"
        } else {
            ""
        };
        cells.push([
            r.label(),
            with_unit(r.mean_a, u),
            with_unit(r.mean_b, u),
            signed(r.diff, u),
            format!("[{}, {}]", number_of(r.lo, u), number_of(r.hi, u)),
            percent_change(r.mean_a, r.mean_b),
            flag.into(),
        ]);
    }
    let (lines, widths) = crate::output::plain::align(&cells);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&format!("  {line}\n"));
        if i == 0 {
            let rule: Vec<String> = widths.iter().take(6).map(|&w| "-".repeat(w)).collect();
            out.push_str(&format!("  {}\n", rule.join("  ")));
        }
    }
    out
}

/// A difference with its sign and unit (`+1,200 t`).
fn signed(x: f64, unit: &str) -> String {
    let text = with_unit(x, unit);
    if x > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// A bound of an interval, in the unit's notation but without the unit.
fn number_of(x: f64, unit: &str) -> String {
    if crate::output::plain::is_share(unit) {
        with_unit(x, unit)
    } else {
        number(x)
    }
}

fn shape_of(c: &Comparison, r: &Row) -> Option<(Option<Shape>, Option<Shape>)> {
    let a = c.shapes.get(&r.id).and_then(|s| s.0);
    let b = c.shapes.get(&r.id).and_then(|s| s.1);
    (a.is_some() || b.is_some()).then_some((a, b))
}

/// One note per shown row whose mean (in A or B) lies outside its
/// interquartile range.
fn shape_notes(c: &Comparison, shown: &[&Row]) -> Vec<String> {
    let mut notes = Vec::new();
    for r in shown {
        let Some((a, b)) = shape_of(c, r) else {
            continue;
        };
        let u = r.unit.as_str();
        let mut parts = Vec::new();
        for (name, s) in [("A", a), ("B", b)] {
            let Some(s) = s.filter(Shape::mean_misleads) else {
                continue;
            };
            let side = if s.mean > s.p75 { "above" } else { "below" };
            parts.push(format!(
                "in {name} the mean {} lies {side} the middle half ({} to {}), median {}",
                with_unit(s.mean, u),
                number_of(s.p25, u),
                number_of(s.p75, u),
                with_unit(s.p50, u)
            ));
        }
        if !parts.is_empty() {
            notes.push(format!(
                "{}: {}; a minority of trials carries the mean (an event in some trials only, or a heavy tail)",
                r.label(),
                parts.join("; ")
            ));
        }
    }
    notes
}

/// The horizon shape of every series of a summary table, when it has the
/// quartile columns (summaries written before they existed have none).
pub(super) fn shapes(
    df: &polars::prelude::DataFrame,
) -> anyhow::Result<HashMap<[String; 3], Shape>> {
    let mut out = HashMap::new();
    let cols = ["mean", "p25", "p50", "p75"];
    if cols.iter().any(|c| df.column(c).is_err()) {
        return Ok(out);
    }
    let text = |name: &str| super::text_column(df, name);
    let num = |name: &str| -> anyhow::Result<Vec<f64>> {
        let c = df.column(name)?.cast(&polars::prelude::DataType::Float64)?;
        Ok(c.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    };
    let (m, k, key) = (text("metric")?, text("commodity")?, text("key")?);
    let [mean, p25, p50, p75] = cols.map(num);
    let (mean, p25, p50, p75) = (mean?, p25?, p50?, p75?);
    for i in 0..df.height() {
        out.insert(
            [m[i].clone(), k[i].clone(), key[i].clone()],
            Shape {
                mean: mean[i],
                p25: p25[i],
                p50: p50[i],
                p75: p75[i],
            },
        );
    }
    Ok(out)
}
