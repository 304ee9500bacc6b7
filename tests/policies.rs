//! Policies mean what the scenario files say: the base a `quota_fraction`
//! multiplies, closures of hubs without a capacity, a supply `delta` on
//! explicit steps, deterministic mode's rule for events, and shipped
//! scenarios that move their answer.

use corridor::engine::dynamics::expected_schedule;
use corridor::engine::{run_trial, ExpectedValues, Prepared, Workspace};
use corridor::model::{compile, CompiledModel, Effect, Metric};
use corridor::montecarlo;
use corridor::scenario::{load, load_str};
use std::path::Path;

pub(crate) fn model(path: &str) -> CompiledModel {
    let s = load(Path::new(path)).unwrap_or_else(|d| panic!("{d}"));
    compile(&s).unwrap()
}

/// The deterministic path of `m`: one record, period-major.
pub(crate) fn path(m: &CompiledModel) -> Vec<f64> {
    let prep = Prepared::new(m).unwrap();
    let mut ws = Workspace::new(m);
    ws.params.copy_from_slice(&m.params);
    let mut rec = vec![0.0; montecarlo::record_len(m)];
    run_trial(m, &prep, &mut ws, &mut ExpectedValues, &mut rec).unwrap();
    rec
}

/// Value of series (metric, commodity, key) in period `t` of a record.
pub(crate) fn value(
    m: &CompiledModel,
    rec: &[f64],
    metric: Metric,
    k: Option<&str>,
    key: &str,
    t: usize,
) -> f64 {
    let s = m
        .series_index(metric, k, key)
        .unwrap_or_else(|| panic!("no series {metric:?} {k:?} {key}"));
    rec[montecarlo::layout(m).cell(s, t)]
}

#[test]
fn quota_fraction_multiplies_the_calibrated_baseline_flow() {
    // The pre-#18 ban quota at its calibrated mode lets through 6.7% of the
    // magnets the calibrated baseline (standing tariffs and licence friction
    // in force) ships from China to the US: a cut of 93.3%, not of 87.5% as when the
    // base was the policy-free world.
    let base = model("scenarios/baseline.toml");
    let ban = model("tests/fixtures/policies/ban-at-mode.toml");
    let (b, q) = (path(&base), path(&ban));
    let flow = |m: &CompiledModel, r: &[f64]| {
        value(m, r, Metric::ImportFrom, Some("ndfeb_magnets"), "US/CN", 0)
            + value(m, r, Metric::ImportFrom, Some("ndfeb_magnets"), "US/KZ", 0)
    };
    let (before, after) = (flow(&base, &b), flow(&ban, &q));
    assert!(
        before > 0.0,
        "the baseline ships magnets from China to the US"
    );
    let cut = 1.0 - after / before;
    assert!(
        (cut - 0.933).abs() < 1e-6,
        "applied cut {cut}, stated 0.933"
    );
}

#[test]
fn closing_a_hub_without_a_capacity_stops_its_flows() {
    let base = model("scenarios/baseline.toml");
    let shut = model("tests/fixtures/policies/ceyhan-closed.toml");
    let ceyhan = shut.hubs.iter().position(|h| h.id == "CEYHAN").unwrap();
    assert!(
        shut.hubs[ceyhan].row.is_none(),
        "the fixture's point: no capacity row"
    );
    let through: Vec<&str> = shut
        .routes
        .iter()
        .filter(|r| r.hubs.contains(&ceyhan))
        .map(|r| r.id.as_str())
        .collect();
    assert!(!through.is_empty());
    let (b, s) = (path(&base), path(&shut));
    let total = |m: &CompiledModel, rec: &[f64]| -> f64 {
        let mut sum = 0.0;
        for route in &through {
            for k in &m.commodities {
                if m.series_index(Metric::RouteFlow, Some(&k.id), route)
                    .is_some()
                {
                    for t in 0..m.periods {
                        sum += value(m, rec, Metric::RouteFlow, Some(&k.id), route, t);
                    }
                }
            }
        }
        sum
    };
    assert!(total(&base, &b) > 0.0, "the baseline uses Ceyhan");
    assert_eq!(total(&shut, &s), 0.0, "flows through a closed Ceyhan");
}

/// A world whose one supply is given as `supply` and is raised by a
/// capacity change of +400 t/y; the US takes all it can get.
fn production_with_delta(supply: &str) -> f64 {
    let text = format!(
        "[scenario]\nname = \"delta\"\nstart = \"2026-01\"\nperiods = 12\nperiod = \"month\"\n\
[[commodities]]\nid = \"x\"\nunit = \"t\"\nreference_price = 50\n\
[[regions]]\nid = \"A\"\n[[regions]]\nid = \"B\"\n\
[[supply]]\nregion = \"A\"\ncommodity = \"x\"\n{supply}\n\
[[demand]]\nregion = \"B\"\ncommodity = \"x\"\nquantity = 100000\nprice = 50\nelasticity = 0\nchoke_price = 5000\n\
[[legs]]\nid = \"ab\"\nfrom = \"A\"\nto = \"B\"\nmode = \"rail\"\ncapacity = 1e9\ncost = 1\ncarries = [\"x\"]\n\
[[routes]]\nid = \"r\"\nfrom = \"A\"\nto = \"B\"\nlegs = [\"ab\"]\ncorridor = \"c\"\n\
[[policies]]\nid = \"mine\"\ntype = \"capacity_change\"\nregion = \"A\"\ncommodity = \"x\"\ndelta = 400\n"
    );
    let m = compile(&load_str(&text).unwrap_or_else(|d| panic!("{d}"))).unwrap();
    let rec = path(&m);
    // Production per year: twelve monthly periods.
    (0..m.periods)
        .map(|t| value(&m, &rec, Metric::Production, Some("x"), "A", t))
        .sum()
}

#[test]
fn a_supply_delta_is_added_once_whatever_the_curve() {
    let linear = production_with_delta("capacity = 400\ncost = [10, 20]");
    let steps = production_with_delta(
        "steps = [{ capacity = 100, cost = 10 }, { capacity = 300, cost = 20 }]",
    );
    assert!((linear - 800.0).abs() < 1e-6, "linear: {linear}");
    assert!((steps - 800.0).abs() < 1e-6, "steps: {steps}");
}

#[test]
fn deterministic_mode_applies_a_recurring_ban_over_its_expected_cycle() {
    let m = model("scenarios/china-ree-export-ban.toml");
    let p = m
        .policies
        .iter()
        .position(|p| p.id == "cn_ree_ban_us")
        .unwrap();
    let flags = expected_schedule(&m);
    let on: Vec<usize> = (0..m.periods)
        .filter(|&t| flags[p * m.periods + t])
        .collect();
    // Independently: events at rate λ = −ln(1 − 0.4) per year while off,
    // so the first starts 12/λ = 23.49 months in, lasts E[U(6, 18)] = 12
    // months, and the next starts one more wait later (58.98 months).
    // A month is covered when overlapped by at least half.
    let wait = 12.0 / -(0.6f64).ln();
    let windows = [(wait, wait + 12.0), (2.0 * wait + 12.0, f64::INFINITY)];
    let expected: Vec<usize> = (0..m.periods)
        .filter(|&t| {
            windows.iter().any(|&(a, b)| {
                let lo = a.max(t as f64);
                let hi = b.min(t as f64 + 1.0);
                hi - lo >= 0.5
            })
        })
        .collect();
    assert_eq!(on, expected);
    assert_eq!(m.period_label(on[0]), "2027-12");
    // And the ban moves the deterministic answer: the US imports less from
    // China while it is in force than the baseline does.
    let base = model("scenarios/baseline.toml");
    let (b, r) = (path(&base), path(&m));
    let t = on[0];
    let cn = |m: &CompiledModel, rec: &[f64], t| {
        value(
            m,
            rec,
            Metric::ImportFrom,
            Some("ndfeb_magnets"),
            "US/CN",
            t,
        )
    };
    assert!(cn(&m, &r, t) < 0.5 * cn(&base, &b, t));
    let (with, without) = (cn(&m, &r, 0), cn(&base, &b, 0));
    assert!(
        (with - without).abs() <= 1e-9 * without,
        "before the first event: {with} vs {without}"
    );
}

/// A policy that touches no flow changes nothing, which in a shipped
/// scenario is a mistake (a Section 907 friction on US imports from
/// Azerbaijan, in a world with no such route, once moved no output).
#[test]
fn every_policy_of_every_shipped_scenario_reaches_a_flow_or_a_capacity() {
    let mut checked = 0;
    for file in super::golden::shipped() {
        let m = model(file.to_str().unwrap());
        for p in &m.policies {
            let reaches = match &p.effect {
                Effect::Ban { flows }
                | Effect::Quota { flows, .. }
                | Effect::Friction { flows, .. }
                | Effect::Licence { flows, .. } => !flows.is_empty(),
                Effect::Closure { legs, hubs, flows } => {
                    !(legs.is_empty() && hubs.is_empty() && flows.is_empty())
                }
                Effect::Capacity { .. } | Effect::DemandShock { .. } => true,
            };
            assert!(
                reaches,
                "{}: policy `{}` reaches no flow",
                file.display(),
                p.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} policies");
}

#[test]
fn every_shipped_scenario_moves_its_deterministic_path_against_its_parent() {
    let mut checked = 0;
    for file in super::golden::shipped() {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let Some(parent) = doc["scenario"].get("extends").and_then(|e| e.as_str()) else {
            continue;
        };
        let parent = file.parent().unwrap().join(parent);
        let (child, parent) = (
            model(file.to_str().unwrap()),
            model(parent.to_str().unwrap()),
        );
        let (a, b) = (path(&child), path(&parent));
        let (la, lb) = (montecarlo::layout(&child), montecarlo::layout(&parent));
        // Series the child adds (new routes, legs) count as moved too.
        let mut moved = 0;
        for (s, meta) in la.series.iter().enumerate() {
            let Some(q) = lb.series.iter().position(|x| x == meta) else {
                moved += 1;
                continue;
            };
            for t in 0..la.periods.len() {
                let (x, y) = (a[la.cell(s, t)], b[lb.cell(q, t)]);
                if (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0) {
                    moved += 1;
                }
            }
        }
        assert!(
            moved > 0,
            "{} changes nothing against its parent",
            file.display()
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} scenarios extend a parent");
}

#[test]
fn a_deterministic_run_says_which_policies_were_active() {
    let tmp = tempfile::tempdir().unwrap();
    let out = super::common::corridor()
        .args([
            "run",
            "scenarios/china-ree-export-ban.toml",
            "--deterministic",
            "--out",
        ])
        .arg(tmp.path().join("det"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("cn_ree_ban_us 2027-12..2028-11, 2030-12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("policies active (deterministic rule): cn_ree_licensing 2026-01..2030-12")
    );
}

/// A licence queue releases what is filed, the baseline flow, when it has
/// no lag and the whole flow as throughput: it binds nowhere, and the path
/// is the one of the same licence as a friction.
#[test]
fn a_licence_queue_without_lag_at_full_throughput_changes_nothing() {
    let (base, open) = (
        model("scenarios/baseline.toml"),
        model("tests/fixtures/policies/licence-open.toml"),
    );
    let (b, o) = (path(&base), path(&open));
    let (lb, lo) = (montecarlo::layout(&base), montecarlo::layout(&open));
    let mut compared = 0;
    for (s, meta) in lb.series.iter().enumerate() {
        let q = lo.series.iter().position(|x| x == meta).unwrap();
        for t in 0..lb.periods.len() {
            let (x, y) = (b[lb.cell(s, t)], o[lo.cell(q, t)]);
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                "{meta:?} period {t}: {x} without the queue, {y} with it"
            );
            compared += 1;
        }
    }
    assert!(compared > 1000);
    let release = value(
        &open,
        &o,
        Metric::LicenceRelease,
        Some("heavy_ree"),
        "cn_ree_licensing",
        0,
    );
    // China's heavy oxides all leave on licensed routes, so with no lag and
    // the whole flow as throughput the queue releases exactly what is
    // shipped: it is there (a positive release) and never short.
    let exports = value(&open, &o, Metric::Exports, Some("heavy_ree"), "CN", 0);
    assert!(
        exports > 0.0 && release >= exports * (1.0 - 1e-9),
        "the queue is there and slack: {release} >= {exports}"
    );
}

/// The queue's throughput multiplies the calibrated baseline flow of its
/// routes (standing tariffs and licence friction in force), its lag delays
/// the first approvals by 45 days (a month and 48% of one), and the flow
/// never exceeds what it released.
#[test]
fn a_licence_queue_delays_and_limits_the_calibrated_baseline_flow() {
    let (base, queue) = (
        model("scenarios/baseline.toml"),
        model("tests/fixtures/policies/licence-us-queue.toml"),
    );
    let (b, q) = (path(&base), path(&queue));
    let flow = |m: &CompiledModel, r: &[f64], t| {
        value(m, r, Metric::ImportFrom, Some("ndfeb_magnets"), "US/CN", t)
    };
    let baseline = flow(&base, &b, 0);
    assert!(baseline > 0.0);
    let lag = 45.0 / (365.25 / 12.0);
    let first = (2.0 - lag) * baseline; // month 1 gets 52% of month 0's filings
    let want = [
        0.0,
        first.min(0.6 * baseline),
        0.6 * baseline,
        0.6 * baseline,
    ];
    for (t, want) in want.into_iter().enumerate() {
        let got = flow(&queue, &q, t);
        assert!(
            (got - want).abs() <= 1e-6 * baseline,
            "period {t}: {got} t, want {want} t of a baseline {baseline} t"
        );
    }
    for t in 0..queue.periods {
        let release = value(
            &queue,
            &q,
            Metric::LicenceRelease,
            Some("ndfeb_magnets"),
            "cn_ree_licence_us",
            t,
        );
        let f = flow(&queue, &q, t);
        assert!(
            f <= release + 1e-9 * release.max(1.0),
            "period {t}: {f} > {release}"
        );
    }
    // In force since before the horizon: the queue is full from the start.
    let before = model("tests/fixtures/policies/licence-us-queue-before.toml");
    let p = path(&before);
    for t in 0..3 {
        let got = flow(&before, &p, t);
        assert!(
            (got - 0.6 * baseline).abs() <= 1e-6 * baseline,
            "period {t}: {got} t, want {} t",
            0.6 * baseline
        );
    }
}

#[test]
fn opec_spare_capacity_answers_a_large_loss_after_its_lead_time() {
    // A 3% loss of the rest of the world's crude for a year: the world price
    // jumps past baseline.toml's spare-capacity trigger (+5%); once the spare
    // capacity is on (one to two months later, 1.5 in deterministic mode) it
    // pulls the price back below the jump, while the same loss without the
    // response keeps the price up for the whole year.
    let path_to = "tests/fixtures/policies/world-oil-supply-loss.toml";
    let s = load(Path::new(path_to)).unwrap_or_else(|d| panic!("{d}"));
    let with = compile(&s).unwrap();
    let mut plain = s.clone();
    let row_oil = plain
        .file
        .supply
        .iter_mut()
        .find(|e| e.value.region.value == "ROW" && e.value.commodity.value == "oil")
        .expect("ROW oil supply in baseline.toml");
    assert!(
        row_oil.value.responses.take().is_some(),
        "no spare capacity"
    );
    let without = compile(&plain).unwrap();
    let (a, b) = (path(&with), path(&without));
    let price = |m: &CompiledModel, r: &[f64], t| value(m, r, Metric::Price, Some("oil"), "ROW", t);
    let reference = price(&with, &a, 0);
    // 2026-03 is period 2: the loss starts, neither has spare capacity yet.
    let jump = price(&with, &a, 2);
    assert_eq!(jump, price(&without, &b, 2));
    assert!(jump >= 1.05 * reference, "{jump} vs {reference}");
    // Period 5 (2026-06): the response is on, the loss still in force.
    let answered = price(&with, &a, 5);
    assert!(answered < jump, "{answered} vs {jump}");
    assert!(
        price(&without, &b, 5) >= jump,
        "without spare capacity the price stays up"
    );
}
