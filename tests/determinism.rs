//! Reproducibility and Monte Carlo properties: identical bytes for any
//! thread count or shard split, convergence to closed-form answers, LHS,
//! correlation and common random numbers.

use corridor::aggregate::Accumulator;
use corridor::engine::Prepared;
use corridor::model::{compile, CompiledModel, Metric};
use corridor::montecarlo::{self, Observer, Plan};
use corridor::sampling::ParamSampler;
use corridor::scenario::{load, load_str, Sampling};
use std::path::Path;
use std::sync::atomic::AtomicBool;

struct Keep {
    records: Vec<f64>,
}
impl Observer for Keep {
    fn wants_records(&self) -> bool {
        true
    }
    fn records(&mut self, _first: u64, r: &[f64]) -> anyhow::Result<()> {
        self.records.extend_from_slice(r);
        Ok(())
    }
}
struct Quiet;
impl Observer for Quiet {}

fn run(
    m: &CompiledModel,
    seed: u64,
    trials: std::ops::Range<u64>,
    threads: usize,
    sampling: Sampling,
) -> Accumulator {
    let prep = Prepared::new(m).unwrap();
    let plan = Plan {
        seed,
        trials,
        sampling,
        deterministic: false,
        threads,
    };
    montecarlo::run(
        m,
        &prep,
        &plan,
        &AtomicBool::new(false),
        &|_| {},
        &mut Quiet,
    )
    .unwrap()
    .acc
}

/// Horizon values of one series, one per trial, in trial order.
fn horizon_values(m: &CompiledModel, seed: u64, trials: u64, series: usize) -> Vec<f64> {
    let prep = Prepared::new(m).unwrap();
    let plan = Plan {
        seed,
        trials: 0..trials,
        sampling: Sampling::Random,
        deterministic: false,
        threads: 2,
    };
    let mut keep = Keep {
        records: Vec::new(),
    };
    montecarlo::run(m, &prep, &plan, &AtomicBool::new(false), &|_| {}, &mut keep).unwrap();
    let len = montecarlo::record_len(m);
    keep.records
        .chunks(len)
        .map(|r| r[horizon_cell(m, series)])
        .collect()
}

/// The record index of series `s`'s horizon value.
fn horizon_cell(m: &CompiledModel, s: usize) -> usize {
    montecarlo::layout(m).cell(s, m.periods)
}

fn ban_model() -> CompiledModel {
    let s =
        load(Path::new("scenarios/china-ree-export-ban.toml")).unwrap_or_else(|d| panic!("{d}"));
    compile(&s).unwrap()
}

#[test]
fn thread_count_does_not_change_a_single_byte() {
    let m = ban_model();
    let one = run(&m, 5, 0..96, 1, Sampling::Random).to_bytes();
    let two = run(&m, 5, 0..96, 2, Sampling::Random).to_bytes();
    let three = run(&m, 5, 0..96, 3, Sampling::Lhs).to_bytes();
    let three_again = run(&m, 5, 0..96, 1, Sampling::Lhs).to_bytes();
    assert!(one == two, "1 and 2 threads differ");
    assert!(three == three_again, "LHS differs across thread counts");
}

#[test]
fn shards_merge_into_exactly_the_single_run() {
    let m = ban_model();
    let whole = run(&m, 9, 0..90, 2, Sampling::Random);
    let mut merged = run(&m, 9, 50..90, 2, Sampling::Random);
    merged
        .merge(&run(&m, 9, 0..17, 1, Sampling::Random))
        .unwrap();
    merged
        .merge(&run(&m, 9, 17..50, 2, Sampling::Random))
        .unwrap();
    assert!(whole.to_bytes() == merged.to_bytes());
}

/// The same, end to end through the command line for every shipped
/// scenario: `corridor run --shard i/3` three times, then `corridor merge`,
/// gives the bytes of one `corridor run` of all the trials.
#[test]
fn merged_shard_folders_equal_the_single_run_folder_for_every_scenario() {
    use crate::common::{corridor, shipped_scenarios};
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--trials", "12", "--seed", "5", "--keep-trials", "--quiet"];
    for scenario in shipped_scenarios() {
        let dir = tmp.path().join(scenario.file_stem().unwrap());
        let run = |out: &Path, extra: &[&str]| {
            corridor()
                .arg("run")
                .arg(&scenario)
                .args(flags)
                .args(extra)
                .arg("--out")
                .arg(out)
                .assert()
                .success();
        };
        run(&dir.join("whole"), &[]);
        let shards: Vec<_> = (0..3)
            .map(|i| {
                let out = dir.join(format!("shard{i}"));
                run(&out, &["--shard", &format!("{i}/3")]);
                out
            })
            .collect();
        corridor()
            .arg("merge")
            .args(&shards)
            .arg("--out")
            .arg(dir.join("merged"))
            .assert()
            .success();
        for file in ["summary.csv", "state.bin", "trials.parquet"] {
            let read = |d: &str| std::fs::read(dir.join(d).join(file)).unwrap();
            assert!(
                read("whole") == read("merged"),
                "{}: merged {file} differs from the single run",
                scenario.display()
            );
        }
    }
}

const SIMPLE: &str = "[scenario]\nname = \"simple\"\nstart = \"2026-01\"\nperiods = 12\nperiod = \"month\"\n\
[montecarlo]\nsampling = \"random\"\n\
[[commodities]]\nid = \"x\"\nunit = \"t\"\nreference_price = 50\n\
[[regions]]\nid = \"A\"\n[[regions]]\nid = \"B\"\n\
[[supply]]\nregion = \"A\"\ncommodity = \"x\"\ncapacity = 10000\ncost = [10, 10]\nblocks = 1\n\
[[demand]]\nregion = \"B\"\ncommodity = \"x\"\nquantity = { dist = \"uniform\", min = 100, max = 200 }\nprice = 50\nelasticity = 0\nchoke_price = 500\n\
[[legs]]\nid = \"ab\"\nfrom = \"A\"\nto = \"B\"\nmode = \"rail\"\ncapacity = 100000\ncost = 5\ncarries = [\"x\"]\n\
[[routes]]\nid = \"r\"\nfrom = \"A\"\nto = \"B\"\nlegs = [\"ab\"]\ncorridor = \"c\"\n";

fn simple(extra: &str) -> CompiledModel {
    compile(&load_str(&format!("{SIMPLE}{extra}")).unwrap_or_else(|d| panic!("{d}"))).unwrap()
}

#[test]
fn the_mean_converges_to_the_closed_form_and_its_error_shrinks_like_one_over_root_n() {
    let m = simple("");
    let s = m.series_index(Metric::Consumption, Some("x"), "B").unwrap();
    let cell = horizon_cell(&m, s);
    // Inelastic demand is served in full: E[horizon consumption] = E[q] = 150.
    let small = run(&m, 3, 0..400, 2, Sampling::Random).cell(cell);
    let large = run(&m, 3, 0..6400, 2, Sampling::Random).cell(cell);
    for c in [&small, &large] {
        assert!(
            (c.mean - 150.0).abs() <= 4.0 * c.se,
            "mean {} ± {} misses 150",
            c.mean,
            c.se
        );
    }
    let ratio = small.se / large.se;
    assert!(
        (ratio - 4.0).abs() < 0.6,
        "se ratio {ratio} for 16× the trials, expected ≈ 4"
    );
    // Uniform(100, 200): sd = 100/√12.
    assert!(
        (large.std - 100.0 / 12f64.sqrt()).abs() < 1.0,
        "{}",
        large.std
    );
}

#[test]
fn expected_delivery_through_a_leg_that_is_down_with_probability_p() {
    // The leg carries the whole demand when up and nothing when down; down
    // with probability 0.3 for the whole year: E[delivery] = 0.7 × 150.
    let m = simple(
        "[[policies]]\nid = \"outage\"\ntype = \"closure\"\nlegs = [\"ab\"]\nprobability = 0.3\n",
    );
    let s = m.series_index(Metric::RouteFlow, Some("x"), "r").unwrap();
    let c = run(&m, 8, 0..4000, 2, Sampling::Random).cell(horizon_cell(&m, s));
    assert!(
        (c.mean - 105.0).abs() <= 4.0 * c.se,
        "mean {} ± {} misses 105",
        c.mean,
        c.se
    );
}

#[test]
fn latin_hypercube_beats_plain_sampling_on_a_smooth_metric() {
    let m = simple("");
    let slot = m.uncertain[0].param;
    let variance_of_means = |sampling| {
        let means: Vec<f64> = (0..40u64)
            .map(|seed| {
                let mut sampler = ParamSampler::new(&m, seed, sampling);
                let mut p = m.params.clone();
                (0..256u64)
                    .map(|t| {
                        sampler.fill(&m, t, &mut p);
                        p[slot]
                    })
                    .sum::<f64>()
                    / 256.0
            })
            .collect();
        let mu = means.iter().sum::<f64>() / means.len() as f64;
        means.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (means.len() - 1) as f64
    };
    let (plain, lhs) = (
        variance_of_means(Sampling::Random),
        variance_of_means(Sampling::Lhs),
    );
    assert!(
        lhs * 10.0 < plain,
        "LHS variance {lhs} not well below plain {plain}"
    );
}

#[test]
fn sampled_correlations_match_the_requested_matrix() {
    let m = simple(
        "[[legs]]\nid = \"spare\"\nfrom = \"A\"\nto = \"B\"\nmode = \"rail\"\ncapacity = { dist = \"normal\", mean = 10, sd = 2, min = 0 }\ncost = 50\ncarries = [\"x\"]\n\
[[correlations]]\nnames = [\"demand.B.x.quantity\", \"legs.spare.capacity\"]\nmatrix = [[1, 0.7], [0.7, 1]]\n",
    );
    let find = |name: &str| m.uncertain.iter().find(|u| u.name == name).unwrap().param;
    let (sa, sb) = (find("demand.B.x.quantity"), find("legs.spare.capacity"));
    let mut sampler = ParamSampler::new(&m, 1, Sampling::Random);
    let mut p = m.params.clone();
    let n = 4000;
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for t in 0..n {
        sampler.fill(&m, t, &mut p);
        xs.push(p[sa]);
        ys.push(p[sb]);
    }
    // Spearman-free check on the normal scores: Pearson of the values is
    // close to 0.7 for a uniform and a normal margin (≈ 0.68).
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mx, my) = (mean(&xs), mean(&ys));
    let cov: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>();
    let (vx, vy): (f64, f64) = (
        xs.iter().map(|x| (x - mx).powi(2)).sum(),
        ys.iter().map(|y| (y - my).powi(2)).sum(),
    );
    let r = cov / (vx * vy).sqrt();
    assert!((r - 0.68).abs() < 0.05, "sample correlation {r}");
}

#[test]
fn common_random_numbers_tighten_paired_differences() {
    let base = simple("");
    let shocked = simple(
        "[[policies]]\nid = \"more\"\ntype = \"demand_shock\"\nregion = \"B\"\nfactor = 1.02\n",
    );
    let s = base
        .series_index(Metric::Consumption, Some("x"), "B")
        .unwrap();
    let a = horizon_values(&base, 4, 1000, s);
    let b_same = horizon_values(&shocked, 4, 1000, s);
    let b_other = horizon_values(&shocked, 99, 1000, s);
    let sd = |d: Vec<f64>| {
        let mu = d.iter().sum::<f64>() / d.len() as f64;
        (d.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (d.len() - 1) as f64).sqrt()
    };
    let paired = sd(a.iter().zip(&b_same).map(|(x, y)| y - x).collect());
    let independent = sd(a.iter().zip(&b_other).map(|(x, y)| y - x).collect());
    assert!(
        paired * 5.0 < independent,
        "paired sd {paired} vs independent {independent}"
    );
}
