//! Correlations: blocks name distinct per-trial uncertainties, and their
//! matrices are square, symmetric, unit-diagonal and positive semi-definite.

use super::Ctx;
use crate::scenario::diagnostic::did_you_mean;
use crate::scenario::params::{sites, ParamSite};
use crate::scenario::schema::{Correlation, Param};
use crate::scenario::span::Sp;
use crate::scenario::Diagnostic;
use std::collections::HashMap;

/// Correlation blocks name distinct uncertainties, at most one block each,
/// and give a square, symmetric, unit-diagonal, positive semi-definite
/// matrix of entries in [-1, 1].
pub(super) fn check_correlations(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let params = sites(cx.f);
    let uncertain: Vec<&str> = params
        .iter()
        .filter(|p| matches!(p.param.value, Param::Dist(_)))
        .map(|p| p.name.as_str())
        .collect();
    // The first parameter of each name (a duplicate id repeats names).
    let mut by_name: HashMap<&str, &ParamSite> = HashMap::new();
    for p in &params {
        by_name.entry(p.name.as_str()).or_insert(p);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (b, block) in cx.f.correlations.iter().enumerate() {
        let label = format!("correlation block {}", b + 1);
        let names = &block.names;
        let n = names.len();
        if n < 2 {
            out.push(Diagnostic::new(block.loc(), format!("{label}: needs at least two names, found {n}")).help(
                "a block relates two or more uncertainties, e.g. names = [\"legs.a.capacity\", \"legs.b.capacity\"]",
            ));
        }
        for (i, name) in names.iter().enumerate() {
            let nm = name.value.as_str();
            match by_name.get(nm) {
                None => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: unknown uncertainty `{nm}`")).help(match did_you_mean(nm, uncertain.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None if uncertain.is_empty() => "no parameter of this scenario is a distribution; names are key paths such as `legs.<id>.capacity`".into(),
                        None => format!("names are key paths of parameters given as distributions: {}", {
                            let shown: Vec<String> = uncertain.iter().take(6).map(|u| format!("`{u}`")).collect();
                            shown.join(", ") + if uncertain.len() > 6 { ", ..." } else { "" }
                        }),
                    }),
                ),
                Some(p) if matches!(p.param.value, Param::Fixed(_)) => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` is a plain number, not an uncertainty"))
                        .help("give it a distribution to make it uncertain"),
                ),
                Some(p) if p.per_event => out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` is drawn anew at every event, not once per trial, so it cannot be correlated"))
                        .help("correlate per-trial parameters such as capacities, costs and policy probabilities"),
                ),
                Some(_) => {}
            }
            if names[..i].iter().any(|x| x.value == nm) {
                out.push(
                    Diagnostic::new(name.loc(), format!("{label}: `{nm}` appears twice"))
                        .help("list each uncertainty once"),
                );
            } else if let Some(other) = seen.get(nm) {
                out.push(
                    Diagnostic::new(
                        name.loc(),
                        format!("{label}: `{nm}` is already correlated in block {}", other + 1),
                    )
                    .help("an uncertainty may appear in at most one block; merge the two blocks into one matrix"),
                );
            } else {
                seen.insert(nm, b);
            }
        }
        check_matrix(&label, block, out);
    }
}

/// Shape, entries, symmetry and positive semi-definiteness of one block's matrix.
fn check_matrix(label: &str, block: &Sp<Correlation>, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = block.names.iter().map(|n| n.value.as_str()).collect();
    let m = &block.matrix;
    let n = names.len();
    const SHAPE: &str =
        "give one row per name, each with one entry per name, in the order of `names`";
    if m.len() != n {
        let at = m
            .get(n)
            .and_then(|r| r.first())
            .map_or_else(|| block.loc(), Sp::loc);
        out.push(
            Diagnostic::new(
                at,
                format!("{label}: the matrix has {} rows for {n} names", m.len()),
            )
            .help(SHAPE),
        );
        return;
    }
    let mut bad_shape = false;
    for (i, row) in m.iter().enumerate() {
        if row.len() != n {
            let at = row.first().map_or_else(|| block.loc(), Sp::loc);
            out.push(
                Diagnostic::new(
                    at,
                    format!(
                        "{label}: row {} has {} entries for {n} names",
                        i + 1,
                        row.len()
                    ),
                )
                .help(SHAPE),
            );
            bad_shape = true;
        }
    }
    if bad_shape || n == 0 {
        return;
    }
    let mut bad = false;
    for (i, row) in m.iter().enumerate() {
        for (j, e) in row.iter().enumerate() {
            let v = e.value;
            let mirror = (i > j).then(|| m[j][i].value);
            if !v.is_finite() || !(-1.0..=1.0).contains(&v) {
                // A bad pair written symmetrically is reported once, at the upper entry.
                if mirror.is_some_and(|u| u.to_bits() == v.to_bits()) {
                    bad = true;
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: entry ({}, {}) is {v}, outside [-1, 1]",
                            i + 1,
                            j + 1
                        ),
                    )
                    .help("a correlation lies between -1 and 1"),
                );
                bad = true;
            } else if i == j && v != 1.0 {
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: diagonal entry ({}, {}) must be 1, found {v}",
                            i + 1,
                            j + 1
                        ),
                    )
                    .help("every uncertainty is perfectly correlated with itself"),
                );
                bad = true;
            } else if mirror.is_some_and(|u| u.is_finite() && (v - u).abs() > 1e-12) {
                out.push(
                    Diagnostic::new(
                        e.loc(),
                        format!(
                            "{label}: the matrix is not symmetric: entry ({}, {}) is {v} but entry ({}, {}) is {}",
                            i + 1,
                            j + 1,
                            j + 1,
                            i + 1,
                            m[j][i].value
                        ),
                    )
                    .help(format!(
                        "the correlation of `{}` with `{}` is one number; write it in both places",
                        names[i], names[j]
                    )),
                );
                bad = true;
            }
        }
    }
    if bad {
        return;
    }
    if let Some(d) = psd_problem(label, block) {
        out.push(d);
    }
}

/// Tolerance below zero for eigenvalues of a positive semi-definite matrix
/// (rounding in a singular but valid matrix); the model compiler uses the same.
const PSD_TOLERANCE: f64 = 1e-9;

/// Whether a valid-looking correlation matrix is positive semi-definite,
/// tested by a Cholesky factorisation with a tiny diagonal shift; if not, a
/// diagnostic naming the three correlations that cannot hold together, or
/// else the smallest eigenvalue.
fn psd_problem(label: &str, block: &Sp<Correlation>) -> Option<Diagnostic> {
    use nalgebra::DMatrix;
    let n = block.names.len();
    let v = |i: usize, j: usize| block.matrix[i][j].value;
    let c = DMatrix::from_fn(n, n, v);
    let shifted = &c + DMatrix::identity(n, n) * PSD_TOLERANCE;
    if shifted.cholesky().is_some() {
        return None;
    }
    let smallest = c
        .clone()
        .symmetric_eigen()
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    if smallest >= -PSD_TOLERANCE {
        return None;
    }
    let names: Vec<&str> = block.names.iter().map(|x| x.value.as_str()).collect();
    // A 2x2 minor 1 - r² is never negative for |r| ≤ 1, so the smallest
    // conflict is a triple whose 3x3 minor is negative.
    let mut worst: Option<(f64, [usize; 3])> = None;
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (a, b, cc) = (v(i, j), v(i, k), v(j, k));
                let det = 1.0 + 2.0 * a * b * cc - a * a - b * b - cc * cc;
                if det < -PSD_TOLERANCE && worst.is_none_or(|(w, _)| det < w) {
                    worst = Some((det, [i, j, k]));
                }
            }
        }
    }
    Some(match worst {
        Some((_, [i, j, k])) => {
            let pairs = [(i, j), (i, k), (j, k)];
            let (si, sj) =
                pairs.iter().copied().max_by(|p, q| v(p.0, p.1).abs().total_cmp(&v(q.0, q.1).abs())).unwrap_or((i, j));
            let say = |(p, q): (usize, usize)| format!("`{}` with `{}` {}", names[p], names[q], v(p, q));
            Diagnostic::new(
                block.matrix[si][sj].loc(),
                format!(
                    "{label}: the matrix is not positive semi-definite: {}, {} and {} cannot hold together",
                    say(pairs[0]),
                    say(pairs[1]),
                    say(pairs[2])
                ),
            )
            .help(format!("weaken one of these three correlations (smallest eigenvalue {smallest:.3})"))
        }
        None => Diagnostic::new(
            block.loc(),
            format!("{label}: the matrix is not positive semi-definite (smallest eigenvalue {smallest:.3})"),
        )
        .help("weaken the strongest correlations until every eigenvalue is at least 0"),
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, problems, uncertain_world};

    #[test]
    fn check_correlations_valid_block() {
        let text = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, -0.5], [-0.5, 1]]\n",
        );
        assert_eq!(problems(&text), []);
        let perfect = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, 1], [1, 1]]\n",
        );
        assert_eq!(problems(&perfect), []);
    }

    #[test]
    fn check_correlations_names() {
        let block = |names: &str| {
            uncertain_world(&format!(
                "[[correlations]]\nnames = {names}\nmatrix = [[1, 0], [0, 1]]\n"
            ))
        };
        let d = fails_with(
            &block("[\"legs.pipe.capacity\", \"legs.pipe.cots\"]"),
            "correlation block 1: unknown uncertainty `legs.pipe.cots`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `legs.pipe.cost`?"));
        let d = fails_with(
            &block("[\"legs.pipe.capacity\", \"demand.CN.oil.quantity\"]"),
            "correlation block 1: `demand.CN.oil.quantity` is a plain number, not an uncertainty",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("give it a distribution to make it uncertain")
        );
        fails_with(
            &block("[\"legs.pipe.cost\", \"legs.pipe.cost\"]"),
            "correlation block 1: `legs.pipe.cost` appears twice",
        );
        let text = block("[\"legs.pipe.capacity\", \"legs.pipe.disruption.repair_days\"]")
            .replace("carries = [\"oil\"]", "carries = [\"oil\"]\ndisruption = { failure_rate = 1, repair_days = { dist = \"uniform\", min = 1, max = 9 } }");
        fails_with(
            &text,
            "correlation block 1: `legs.pipe.disruption.repair_days` is drawn anew at every event, not once per trial, so it cannot be correlated",
        );
        let two = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = [[1, 0], [0, 1]]\n\
             [[correlations]]\nnames = [\"legs.pipe.cost\", \"supply.KZ.oil.capacity\"]\nmatrix = [[1, 0], [0, 1]]\n",
        );
        fails_with(
            &two,
            "correlation block 2: `legs.pipe.cost` is already correlated in block 1",
        );
    }

    #[test]
    fn check_correlations_matrix_entries() {
        let block = |matrix: &str| {
            uncertain_world(&format!(
                "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\"]\nmatrix = {matrix}\n"
            ))
        };
        fails_with(
            &block("[[1, 0]]"),
            "correlation block 1: the matrix has 1 rows for 2 names",
        );
        fails_with(
            &block("[[1, 0], [0]]"),
            "correlation block 1: row 2 has 1 entries for 2 names",
        );
        fails_with(
            &block("[[1, 1.5], [1.5, 1]]"),
            "correlation block 1: entry (1, 2) is 1.5, outside [-1, 1]",
        );
        fails_with(
            &block("[[0.9, 0], [0, 1]]"),
            "correlation block 1: diagonal entry (1, 1) must be 1, found 0.9",
        );
        fails_with(
            &block("[[1, 0.5], [0.4, 1]]"),
            "correlation block 1: the matrix is not symmetric: entry (2, 1) is 0.4 but entry (1, 2) is 0.5",
        );
    }

    #[test]
    fn check_correlations_positive_semi_definite() {
        let text = uncertain_world(
            "[[correlations]]\nnames = [\"legs.pipe.capacity\", \"legs.pipe.cost\", \"supply.KZ.oil.capacity\"]\n\
             matrix = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]\n",
        );
        let d = fails_with(
            &text,
            "correlation block 1: the matrix is not positive semi-definite: `legs.pipe.capacity` with `legs.pipe.cost` 0.9, \
             `legs.pipe.capacity` with `supply.KZ.oil.capacity` 0.9 and `legs.pipe.cost` with `supply.KZ.oil.capacity` -0.9 cannot hold together",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("weaken one of these three correlations (smallest eigenvalue -0.800)")
        );
    }
}
