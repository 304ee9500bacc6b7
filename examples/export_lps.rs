//! Writes the period LPs of a few Monte Carlo trials as JSON, exactly as the
//! engine stages them, so that other solvers can be timed on the same model
//! (`scripts/python_baseline.py` does it with scipy's HiGHS and highspy).
//!
//! ```text
//! cargo run --release --example export_lps -- scenarios/china-ree-export-ban.toml 5 > lps.json
//! ```
//!
//! The JSON holds the constraint matrix once (`rows`, `cols`, `triplets`),
//! the row lower bounds (0 for balance rows, -inf for capacity rows; column
//! lower bounds are all 0), and per trial and period the column upper
//! bounds, costs and row upper bounds, plus the objective `corridor` found.
//! The trials use the scenario's seed and sampling, trial indices 0, 1, ...

use corridor::engine::{clearing, trial, Prepared, Workspace};
use corridor::model::compile;
use corridor::sampling::{ParamSampler, TrialDraws};
use std::fmt::Write;
use std::path::Path;

fn num(x: f64) -> String {
    if x == f64::INFINITY {
        "Infinity".into()
    } else if x == f64::NEG_INFINITY {
        "-Infinity".into()
    } else {
        format!("{x:?}")
    }
}

fn list(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|&x| num(x)).collect();
    format!("[{}]", items.join(","))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "scenarios/china-ree-export-ban.toml".into());
    let trials: u64 = args.next().map_or(Ok(3), |s| s.parse())?;
    let scenario =
        corridor::scenario::load(Path::new(&path)).map_err(|d| anyhow::anyhow!("{d}"))?;
    let m = compile(&scenario)?;
    let prep = Prepared::new(&m)?;
    let mut ws = Workspace::new(&m);
    let mut draws = TrialDraws::new(&m, m.default_seed);
    let mut sampler = ParamSampler::new(&m, m.default_seed, m.sampling);
    let mut row = vec![0.0; m.series.len()];

    let mut out = String::new();
    let triplets: Vec<String> =
        m.lp.triplets
            .iter()
            .map(|&(r, c, v)| format!("[{r},{c},{}]", num(v)))
            .collect();
    let mut row_lower = vec![f64::NEG_INFINITY; m.lp.nrows];
    for r in m.lp.balance_row.iter().flatten() {
        row_lower[*r] = 0.0;
    }
    write!(
        out,
        "{{\"scenario\":{:?},\"rows\":{},\"cols\":{},\"triplets\":[{}],\"row_lower\":{},\"trials\":[",
        m.name,
        m.lp.nrows,
        m.lp.ncols,
        triplets.join(","),
        list(&row_lower)
    )?;
    for trial in 0..trials {
        ws.params.copy_from_slice(&m.params);
        sampler.fill(&m, trial, &mut ws.params);
        draws.reset(trial);
        trial::begin(&m, &prep, &mut ws, &mut draws);
        out.push_str(if trial == 0 { "[" } else { ",[" });
        for t in 0..m.periods {
            clearing::stage(&m, &prep, &mut ws, t);
            clearing::solve(&mut ws).map_err(|f| anyhow::anyhow!("period {t}: {f:?}"))?;
            write!(
                out,
                "{}{{\"col_upper\":{},\"cost\":{},\"row_upper\":{},\"objective\":{}}}",
                if t == 0 { "" } else { "," },
                list(&ws.col_upper),
                list(&ws.cost),
                list(&ws.row_upper),
                num(ws
                    .cost
                    .iter()
                    .zip(ws.solution().0)
                    .map(|(c, x)| c * x)
                    .sum())
            )?;
            clearing::record(&m, &prep, &mut ws, t, &mut row)
                .map_err(|f| anyhow::anyhow!("period {t}: {f:?}"))?;
        }
        out.push(']');
    }
    out.push_str("]}\n");
    print!("{out}");
    Ok(())
}
