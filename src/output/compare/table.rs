//! Formats for a comparison of two runs: `compare.csv` and a terminal table.

use std::path::Path;

use super::Comparison;
use crate::output::csv::frame_to_csv;
use crate::output::write_file_atomic;

/// The comparison table as CSV bytes (same dialect as `summary.csv`).
pub fn compare_csv(c: &Comparison) -> anyhow::Result<Vec<u8>> {
    Ok(frame_to_csv(&c.frame)?)
}

/// Writes the comparison table to `path` (atomically); an existing file is
/// replaced only with `force`.
pub fn write_compare_csv(c: &Comparison, path: &Path, force: bool) -> anyhow::Result<()> {
    write_file_atomic(path, &compare_csv(c)?, force)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::compare::{compare_runs, render, ViewOptions};
    use crate::output::Manifest;

    /// A result folder of trials `0..n`, each value scaled by `scale` and
    /// shifted by `shift`, with the given seed.
    fn write_run(dir: &Path, n: u64, scale: f64, shift: f64, seed: u64, keep_trials: bool) {
        let mut m: Manifest = crate::output::manifest::tests::example();
        (m.seed, m.trials, m.trial_end) = (seed, n, n);
        crate::output::fixture::write_run(dir, 0..n, keep_trials, |v| v * scale + shift, &m);
    }

    #[test]
    fn paired_differences_of_a_shift_are_exact_and_tight() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 200, 1.0, 0.0, 1, true);
        write_run(&b, 200, 1.0, 10.0, 1, true);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(c.paired);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!(c.frame.height(), 3);
        let diff = c.frame.column("diff").unwrap().f64().unwrap();
        let sd = c.frame.column("sd_diff").unwrap().f64().unwrap();
        for i in 0..3 {
            assert!((diff.get(i).unwrap() - 10.0).abs() < 1e-6);
            assert!(sd.get(i).unwrap() < 1e-6, "a constant shift has no spread");
        }
        let n = c.frame.column("n_a").unwrap().u64().unwrap();
        assert_eq!(n.get(0), Some(200));
        let unit = c.frame.column("unit").unwrap().str().unwrap();
        assert_eq!(unit.get(1), Some("USD/bbl"));
        let csv = String::from_utf8(compare_csv(&c).unwrap()).unwrap();
        assert!(csv.starts_with(
            "metric,commodity,key,unit,period,paired,n_a,n_b,mean_a,mean_b,diff,sd_diff,se,ci_low,ci_high\n"
        ));
        assert!(
            csv.contains("total_cost,\"\",world,USD,horizon,true,200,200,"),
            "{csv}"
        );
        let table = render(
            &c,
            &ViewOptions {
                top: 2,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            table.starts_with(
                "B - A at the horizon, paired differences (trial by trial, 200 pairs)"
            ),
            "{table}"
        );
    }

    #[test]
    fn runs_of_other_trials_are_paired_on_the_indices_both_hold() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 200, 1.0, 0.0, 1, true);
        let mut m: Manifest = crate::output::manifest::tests::example();
        (m.seed, m.trials, m.trial_start, m.trial_end) = (1, 300, 150, 300);
        crate::output::fixture::write_run(&b, 150..300, true, |v| v + 10.0, &m);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(c.paired);
        assert_eq!(c.pairs, 50);
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(
            c.notes[0]
                .contains("paired on the 50 trial indices both hold (A: 0..200, B: 150..300)"),
            "{:?}",
            c.notes
        );
        let n = c.frame.column("n_b").unwrap().u64().unwrap();
        let diff = c.frame.column("diff").unwrap().f64().unwrap();
        let sd = c.frame.column("sd_diff").unwrap().f64().unwrap();
        for i in 0..3 {
            assert_eq!(n.get(i), Some(50));
            assert!((diff.get(i).unwrap() - 10.0).abs() < 1e-6);
            assert!(sd.get(i).unwrap() < 1e-6, "trial i against trial i");
        }
        assert!(render(
            &c,
            &ViewOptions {
                top: 3,
                ..Default::default()
            }
        )
        .unwrap()
        .starts_with("B - A at the horizon, paired differences (trial by trial, 50 pairs)"));
    }

    #[test]
    fn unpaired_without_trials_and_notes_on_seeds() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 100, 1.0, 0.0, 1, false);
        write_run(&b, 100, 2.0, 0.0, 2, true);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert!(!c.paired);
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
        assert!(c.notes[0].contains("different seeds"));
        let f = &c.frame;
        let (ma, mb, d, se) = (
            f.column("mean_a").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("mean_b").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("diff").unwrap().f64().unwrap().get(0).unwrap(),
            f.column("se").unwrap().f64().unwrap().get(0).unwrap(),
        );
        assert_eq!(d, mb - ma);
        assert!(se > 0.0);
        assert_eq!(f.column("sd_diff").unwrap().null_count(), 3);
        let out = root.path().join("cmp").join("compare.csv");
        write_compare_csv(&c, &out, false).unwrap();
        assert!(std::fs::read_to_string(&out).unwrap().contains(",false,"));
        let again = write_compare_csv(&c, &out, false).unwrap_err();
        assert!(format!("{again:#}").contains("use --force"), "{again:#}");
        assert_eq!(crate::error::exit_code(&again), crate::error::EXIT_INVALID);
        write_compare_csv(&c, &out, true).unwrap();
        let folder = write_compare_csv(&c, out.parent().unwrap(), true).unwrap_err();
        assert!(format!("{folder:#}").contains("is a folder"), "{folder:#}");
        assert_eq!(
            std::fs::read_dir(out.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(compare_runs(&a, &root.path().join("nope"), Default::default()).is_err());
    }

    /// A run whose manifest names headline rows.
    fn write_run_with_headline(
        dir: &Path,
        n: u64,
        value: impl Fn(f64) -> f64,
        headline: &[[&str; 3]],
    ) {
        let mut m: Manifest = crate::output::manifest::tests::example();
        (m.seed, m.trials, m.trial_end) = (1, n, n);
        m.headline = headline.iter().map(|h| h.map(String::from)).collect();
        crate::output::fixture::write_run(dir, 0..n, true, value, &m);
    }

    #[test]
    fn the_table_leads_with_the_headline_and_filters_and_ranks_within_units() {
        use crate::output::compare::Rank;
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run_with_headline(&a, 100, |v| v, &[]);
        write_run_with_headline(&b, 100, |v| v * 1.5 + 1.0, &[["price", "oil", "israel"]]);
        let c = compare_runs(&a, &b, Default::default()).unwrap();
        assert_eq!(
            c.headline,
            vec![["price", "oil", "israel"].map(String::from)]
        );
        let view = |v: ViewOptions| render(&c, &ViewOptions { top: 20, ..v }).unwrap();
        let table = view(Default::default());
        let lines: Vec<&str> = table.lines().collect();
        let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
        // The headline block comes first and holds the named row.
        assert!(
            at("headline (the runs' headline rows)") < at("price oil israel"),
            "{table}"
        );
        assert!(
            at("price oil israel") < at("largest relative changes"),
            "{table}"
        );
        // Values carry their units in plain notation.
        assert!(table.contains(" USD/bbl"), "{table}");
        // Filters.
        let only = view(ViewOptions {
            metrics: vec!["shortfall".into()],
            ..Default::default()
        });
        assert!(
            only.contains("shortfall rare_earths united_states"),
            "{only}"
        );
        assert!(!only.contains("price oil"), "{only}");
        assert!(only.contains("1 of 3 series selected"), "{only}");
        let keyed = view(ViewOptions {
            keys: vec!["world".into()],
            ..Default::default()
        });
        assert!(
            keyed.contains("total_cost world") && !keyed.contains("israel"),
            "{keyed}"
        );
        let typo = render(
            &c,
            &ViewOptions {
                metrics: vec!["pricee".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            format!("{typo:#}").contains("did you mean `price`?"),
            "{typo:#}"
        );
        assert_eq!(crate::error::exit_code(&typo), crate::error::EXIT_INVALID);
        // Absolute ranking: one block per unit, never mixed.
        let abs = view(ViewOptions {
            rank: Rank::Absolute,
            ..Default::default()
        });
        for unit in ["t", "USD"] {
            assert!(
                abs.contains(&format!("largest changes in {unit} (1 rows")),
                "{abs}"
            );
        }
        assert!(
            !abs.contains("largest changes in USD/bbl"),
            "the headline row is not ranked again: {abs}"
        );
    }

    #[test]
    fn a_mean_outside_the_interquartile_range_gets_a_note() {
        use crate::output::compare::Shape;
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_run(&a, 50, 1.0, 0.0, 1, true);
        write_run(&b, 50, 1.0, 1.0, 1, true);
        let mut c = compare_runs(&a, &b, Default::default()).unwrap();
        // The summaries carry quartiles, and a fixture price sits inside them.
        let price = ["price", "oil", "israel"].map(String::from);
        let (sa, sb) = c.shapes[&price];
        assert!(sa.is_some() && sb.is_some());
        assert!(!sb.unwrap().mean_misleads(), "{sb:?}");
        // The ban's price: median near the baseline, mean far above it.
        let ban = Shape {
            mean: 300.0,
            p25: 80.0,
            p50: 82.0,
            p75: 90.0,
        };
        assert!(ban.mean_misleads());
        assert!(!Shape { mean: 85.0, ..ban }.mean_misleads());
        // Outside the quartiles but close to the median: a flat price
        // with rare small spikes.
        assert!(!Shape {
            mean: 82.5,
            p25: 82.0,
            p50: 82.0,
            p75: 82.0
        }
        .mean_misleads());
        // Shortfall in a fifth of the trials.
        assert!(Shape {
            mean: 40.0,
            p25: 0.0,
            p50: 0.0,
            p75: 0.0
        }
        .mean_misleads());
        c.shapes.insert(price, (sa, Some(ban)));
        let table = render(
            &c,
            &ViewOptions {
                top: 20,
                ..Default::default()
            },
        )
        .unwrap();
        let row = table
            .lines()
            .find(|l| l.contains("price oil israel"))
            .unwrap();
        assert!(row.trim_end().ends_with('*'), "{table}");
        assert!(
            table.contains("in B the mean 300.0 USD/bbl lies above the middle half (80.00 to 90.00), median 82.00 USD/bbl"),
            "{table}"
        );
    }

    /// The paired 95% intervals cover a known difference at their nominal
    /// rate: B is A plus `DELTA` plus zero-mean noise that a hash of each
    /// value draws, over many independent fixtures (other trials, other
    /// noise); deterministic, so the rate is a fixed number that must lie
    /// within a binomial allowance of 95%.
    #[test]
    fn paired_intervals_cover_a_known_difference_at_their_nominal_rate() {
        const DELTA: f64 = 5.0;
        const RUNS: u64 = 150;
        const TRIALS: u64 = 60;
        // A uniform in [0, 1) from a 64-bit hash (SplitMix64's finaliser).
        let unit = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let root = tempfile::tempdir().unwrap();
        let (mut covered, mut total) = (0, 0);
        for run in 0..RUNS {
            let (a, b) = (
                root.path().join(format!("a{run}")),
                root.path().join(format!("b{run}")),
            );
            let trials = run * TRIALS..(run + 1) * TRIALS;
            let mut m: Manifest = crate::output::manifest::tests::example();
            (m.seed, m.trials, m.trial_start, m.trial_end) =
                (1, (run + 1) * TRIALS, trials.start, trials.end);
            crate::output::fixture::write_run(&a, trials.clone(), true, |v| v, &m);
            // Noise: the sum of four uniforms minus 2 (mean 0, sd 0.58), times 20.
            let noise = |v: f64| {
                let h = v.to_bits() ^ run.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                (0..4).map(|k| unit(h.wrapping_add(k))).sum::<f64>() - 2.0
            };
            crate::output::fixture::write_run(
                &b,
                trials,
                true,
                |v| v + DELTA + 20.0 * noise(v),
                &m,
            );
            let c = compare_runs(&a, &b, Default::default()).unwrap();
            assert!(c.paired);
            let lo = c.frame.column("ci_low").unwrap().f64().unwrap().clone();
            let hi = c.frame.column("ci_high").unwrap().f64().unwrap().clone();
            let metric = c.frame.column("metric").unwrap().str().unwrap().clone();
            for i in 0..c.frame.height() {
                // The shortfall's many zeros share one noise draw per run,
                // so its trials are not independent: only the continuous
                // price is checked (total_cost is the same in every trial).
                if metric.get(i) != Some("price") {
                    continue;
                }
                let truth = DELTA;
                total += 1;
                if lo.get(i).unwrap() <= truth && truth <= hi.get(i).unwrap() {
                    covered += 1;
                }
            }
        }
        let rate = covered as f64 / total as f64;
        // Binomial sd at 150 intervals is 1.8%; z = 1.96 with 60 pairs is
        // a little narrow (t would be 2.00), so about 94.5% is expected.
        assert!(
            (0.90..=0.985).contains(&rate),
            "coverage {rate} over {total} intervals"
        );
    }
}
