//! Picking series out of a tidy table (`summary.csv`, `sweep.csv`,
//! `sensitivity.csv`: columns `metric`, `commodity`, `key`, `unit`) by the
//! `--metric`, `--commodity` and `--key` a user gave, with a suggestion
//! when a name matches nothing.

use crate::error::InvalidInput;
use crate::output::table::Table;
use crate::scenario::diagnostic::{did_you_mean, quote};

/// One series of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id {
    /// Metric.
    pub metric: String,
    /// Commodity (empty for metrics that are not per commodity).
    pub commodity: String,
    /// Key.
    pub key: String,
    /// Unit.
    pub unit: String,
}

impl Id {
    /// `metric commodity key`, empty parts left out.
    pub fn label(&self) -> String {
        [&self.metric, &self.commodity, &self.key]
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The distinct series of `t` (in order of first appearance) that match the
/// filters; a filter naming a value no remaining row has is a usage error
/// with a did-you-mean. The row of each series is given to `rows`.
pub fn matching(
    t: &Table,
    metric: Option<&str>,
    commodity: Option<&str>,
    key: Option<&str>,
) -> anyhow::Result<Vec<Id>> {
    let [cm, cc, ck, cu] = ["metric", "commodity", "key", "unit"].map(|c| t.col(c));
    let (cm, cc, ck, cu) = (cm?, cc?, ck?, cu?);
    let mut rows: Vec<usize> = (0..t.rows.len()).collect();
    for (flag, col, wanted) in [
        ("--metric", cm, metric),
        ("--commodity", cc, commodity),
        ("--key", ck, key),
    ] {
        let Some(w) = wanted else { continue };
        let kept: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| t.text(r, col) == w)
            .collect();
        if kept.is_empty() {
            let mut have: Vec<&str> = Vec::new();
            for &r in &rows {
                let v = t.text(r, col);
                if !v.is_empty() && !have.contains(&v) {
                    have.push(v);
                }
            }
            return Err(unknown(flag, w, &have, t));
        }
        rows = kept;
    }
    let mut out: Vec<Id> = Vec::new();
    for r in rows {
        let id = Id {
            metric: t.text(r, cm).to_string(),
            commodity: t.text(r, cc).to_string(),
            key: t.text(r, ck).to_string(),
            unit: t.text(r, cu).to_string(),
        };
        if out.last() != Some(&id) && !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Exactly one series, or a usage error listing the candidates.
pub fn one(
    t: &Table,
    metric: Option<&str>,
    commodity: Option<&str>,
    key: Option<&str>,
) -> anyhow::Result<Id> {
    if metric.is_none() {
        let metrics = matching(t, None, None, None)?;
        let mut names: Vec<&str> = Vec::new();
        for m in &metrics {
            if !names.contains(&m.metric.as_str()) {
                names.push(&m.metric);
            }
        }
        return Err(InvalidInput::Usage(format!(
            "--metric is required for this chart; {} has: {}",
            t.path.display(),
            list(&names)
        ))
        .into());
    }
    let mut found = matching(t, metric, commodity, key)?;
    if found.len() == 1 {
        return Ok(found.remove(0));
    }
    let labels: Vec<String> = found.iter().map(Id::label).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    Err(InvalidInput::Usage(format!(
        "{} series match; add --commodity and/or --key to pick one: {}",
        found.len(),
        list(&refs)
    ))
    .into())
}

/// The one series the filters leave; unlike [`one`], without `--metric`
/// when the table holds a single series (a sweep or sensitivity of one
/// metric).
pub fn single(
    t: &Table,
    metric: Option<&str>,
    commodity: Option<&str>,
    key: Option<&str>,
) -> anyhow::Result<Id> {
    let mut ids = matching(t, metric, commodity, key)?;
    if ids.len() == 1 {
        return Ok(ids.remove(0));
    }
    one(t, metric, commodity, key)
}

/// The rows of series `id`, in file order.
pub fn rows_of(t: &Table, id: &Id) -> anyhow::Result<Vec<usize>> {
    let [cm, cc, ck] = ["metric", "commodity", "key"].map(|c| t.col(c));
    let (cm, cc, ck) = (cm?, cc?, ck?);
    Ok((0..t.rows.len())
        .filter(|&r| {
            t.text(r, cm) == id.metric && t.text(r, cc) == id.commodity && t.text(r, ck) == id.key
        })
        .collect())
}

fn unknown(flag: &str, wanted: &str, have: &[&str], t: &Table) -> anyhow::Error {
    let hint = match did_you_mean(wanted, have.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if have.is_empty() => "no series is left to choose from".to_string(),
        None => format!("there are: {}", list(have)),
    };
    InvalidInput::Usage(format!(
        "{flag} {}: no such series in {}; {hint}",
        quote(wanted),
        t.path.display()
    ))
    .into()
}

/// The first dozen names, then how many more.
fn list(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut s = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(", and {} more", names.len() - SHOWN));
    }
    s
}
