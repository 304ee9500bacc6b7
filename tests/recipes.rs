//! Processing recipes and policy commodity lists (#18) in a trial's
//! outputs, on the toy rare-earth chain of `tests/fixtures/recipes/`: a
//! plant's outputs are one activity times each amount, every market
//! balances in every period with the plants' inputs and outputs (on the
//! deterministic path and on sampled trials), a capacity change on a
//! recipe plant is in units of activity, and a policy over a list of
//! commodities acts on each listed commodity and on no other.

use crate::policies::{path, value};
use corridor::engine::{run_trial, Prepared, Workspace};
use corridor::model::{compile, CapTarget, CompiledModel, Effect, Metric};
use corridor::montecarlo;
use corridor::sampling::{ParamSampler, TrialDraws};
use corridor::scenario::load_str;

const CHAIN: &str = include_str!("fixtures/recipes/ree-chain.toml");

fn compiled(text: &str) -> CompiledModel {
    compile(&load_str(text).unwrap_or_else(|d| panic!("{d}"))).unwrap()
}

/// The chain with `extra` TOML appended.
fn chain(extra: &str) -> CompiledModel {
    compiled(&format!("{CHAIN}\n{extra}"))
}

/// Value of series `s` in period `t` of a record.
fn at(m: &CompiledModel, rec: &[f64], s: usize, t: usize) -> f64 {
    rec[montecarlo::layout(m).cell(s, t)]
}

/// Each plant's activity per period, read back from its recorded outputs;
/// asserts that every output of a plant gives the same activity, i.e. that
/// output k is recorded as activity × amount_k.
fn activities(m: &CompiledModel, rec: &[f64]) -> Vec<Vec<f64>> {
    m.processing
        .iter()
        .map(|p| {
            let outs: Vec<_> = m.index.process.iter().filter(|s| s.col == p.col).collect();
            assert_eq!(
                outs.len(),
                p.outputs.len(),
                "{}: one series per output",
                p.id
            );
            (0..m.periods)
                .map(|t| {
                    let a = at(m, rec, outs[0].series, t) / outs[0].amount;
                    for s in &outs {
                        let v = at(m, rec, s.series, t);
                        assert!(
                            (v - a * s.amount).abs() <= 1e-9 * (1.0 + v.abs()),
                            "{} period {t}: output {v} is not activity {a} × {}",
                            p.id,
                            s.amount
                        );
                    }
                    a
                })
                .collect()
        })
        .collect()
}

/// Every market of a record balances in every period: production + plant
/// outputs + imports + stock release = consumption + plant inputs + exports
/// + stock refill (the level's rise plus the release) + disposal.
fn assert_balanced(m: &CompiledModel, rec: &[f64], params: &[f64]) {
    let nk = m.commodities.len();
    let act = activities(m, rec);
    for t in 0..m.periods {
        let mut net = vec![0.0; m.regions.len() * nk];
        let mut scale = vec![1.0; net.len()];
        for (cell, s) in m.index.market.iter().enumerate() {
            let Some(s) = s else { continue };
            let [prod, imp, cons, exp] =
                [s.production, s.imports, s.consumption, s.exports].map(|x| at(m, rec, x, t));
            net[cell] += prod + imp - cons - exp;
            scale[cell] += prod + imp + cons + exp;
        }
        for (i, st) in m.stockpiles.iter().enumerate() {
            let s = &m.index.stock[i];
            let before = if t == 0 {
                params[st.initial]
            } else {
                at(m, rec, s.level, t - 1)
            };
            let release = at(m, rec, s.release, t);
            let refill = at(m, rec, s.level, t) - before + release;
            net[st.region * nk + st.commodity] += release - refill;
        }
        for (d, &s) in m.disposal.iter().zip(&m.index.disposal) {
            net[d.region * nk + d.commodity] -= at(m, rec, s, t);
        }
        for (p, a) in m.processing.iter().zip(&act) {
            for &(k, amount) in &p.inputs {
                net[p.region * nk + k] -= a[t] * amount;
            }
            for &(k, amount) in &p.outputs {
                net[p.region * nk + k] += a[t] * amount;
            }
        }
        for (cell, v) in net.iter().enumerate() {
            assert!(
                v.abs() <= 1e-6 * scale[cell],
                "period {t}: market {}/{} out of balance by {v}",
                m.regions[cell / nk],
                m.commodities[cell % nk].id
            );
        }
    }
}

#[test]
fn plant_outputs_are_activity_times_amount_and_every_market_balances() {
    let m = chain("");
    let rec = path(&m);
    assert_balanced(&m, &rec, &m.params);
    // Not vacuous: every plant runs, and the separation plant's three
    // products are recorded as three series of one key.
    for (p, a) in m.processing.iter().zip(activities(&m, &rec)) {
        assert!(a.iter().all(|&a| a > 1.0), "{} idle: {a:?}", p.id);
    }
    for k in ["ndpr", "heavy", "light"] {
        assert!(value(&m, &rec, Metric::ProcessingOutput, Some(k), "cn_sep", 0) > 0.0);
    }
    // Sampled trials too (the plant's and a mine's capacities are drawn).
    let prep = Prepared::new(&m).unwrap();
    let mut ws = Workspace::new(&m);
    let mut draws = TrialDraws::new(&m, 3);
    let mut sampler = ParamSampler::new(&m, 3, m.sampling);
    let mut rec = vec![0.0; montecarlo::record_len(&m)];
    for trial in 0..8 {
        ws.params.copy_from_slice(&m.params);
        sampler.fill(&m, trial, &mut ws.params);
        draws.reset(trial);
        run_trial(&m, &prep, &mut ws, &mut draws, &mut rec).unwrap();
        let params = ws.params.clone();
        assert_balanced(&m, &rec, &params);
    }
}

#[test]
fn a_capacity_change_on_a_recipe_plant_is_in_units_of_activity() {
    let base = chain("");
    let cut = chain("[[policies]]\nid = \"cut\"\ntype = \"capacity_change\"\nprocessing = \"cn_sep\"\ndelta = -2000\n");
    let sep = |m: &CompiledModel| activities(m, &path(m))[0].clone();
    // The expected capacity is 3500 a year; 1500 after the change, which binds.
    assert!(
        sep(&base).iter().all(|&a| a > 1500.0 + 1e-6),
        "{:?}",
        sep(&base)
    );
    for a in sep(&cut) {
        assert!((a - 1500.0).abs() < 1e-6, "activity {a}, capacity 1500");
    }
    let rec = path(&cut);
    let ndpr = value(
        &cut,
        &rec,
        Metric::ProcessingOutput,
        Some("ndpr"),
        "cn_sep",
        0,
    );
    assert!((ndpr - 1500.0 * 0.2).abs() < 1e-6, "NdPr {ndpr}");
}

#[test]
fn a_joint_product_nobody_can_buy_is_disposed_of_and_its_plant_runs_on() {
    // China may not export heavy oxide or magnets: the heavy oxide its
    // separation plant makes beyond the magnet plant's needs has no buyer.
    let ban = chain("[[policies]]\nid = \"p\"\ntype = \"export_control\"\nregion = \"CN\"\nmode = \"ban\"\ncommodity = [\"heavy\", \"magnets\"]\n");
    let rec = path(&ban);
    assert_balanced(&ban, &rec, &ban.params);
    let disposed = |k: &str| value(&ban, &rec, Metric::Disposal, Some(k), "CN", 0);
    assert!(disposed("heavy") > 0.0, "no heavy oxide disposed of");
    let sep = activities(&ban, &rec)[0][0];
    assert!(sep > 1000.0, "separation fell to {sep}");
    let cn_heavy = value(&ban, &rec, Metric::Price, Some("heavy"), "CN", 0);
    assert!(
        cn_heavy.abs() < 1e-9,
        "a disposed product's price is 0, found {cn_heavy}"
    );
    // Markets without a joint product have no disposal series.
    assert!(ban
        .series_index(Metric::Disposal, Some("magnets"), "CN")
        .is_none());
}

/// The flows, demand curves or supply blocks a policy's effect targets.
fn targets(e: &Effect) -> Vec<usize> {
    let mut v = match e {
        Effect::Ban { flows } | Effect::Friction { flows, .. } => flows.clone(),
        Effect::DemandShock { demands, .. } => demands.clone(),
        Effect::Capacity {
            target: CapTarget::Supply(blocks),
            ..
        } => blocks.clone(),
        other => panic!("unexpected effect {other:?}"),
    };
    v.sort_unstable();
    v
}

#[test]
fn a_policy_over_a_commodity_list_is_the_policies_over_each_commodity() {
    let kinds = [
        "type = \"export_control\"\nregion = \"CN\"\nmode = \"ban\"\nstart = \"2027-01\"\n",
        "type = \"export_control\"\nregion = \"CN\"\nmode = \"license\"\nfriction = 40\n",
        "type = \"tariff\"\nimporter = \"US\"\nper_unit = 30\n",
        "type = \"demand_shock\"\nregion = \"US\"\nfactor = 0.5\n",
        "type = \"supply_shock\"\nregion = \"CN\"\nfactor = 0.5\n",
        "type = \"capacity_change\"\nregion = \"KZ\"\nfactor = 0.5\n",
    ];
    let policy = |id: &str, body: &str, commodity: &str| {
        format!("[[policies]]\nid = \"{id}\"\n{body}commodity = {commodity}\n")
    };
    let base = chain("");
    let base_path = path(&base);
    for body in kinds {
        // Two commodities where each kind reaches something: the shocks on
        // conc (supplied) and magnets or heavy (demanded).
        let (a, b) = if body.contains("supply") || body.contains("capacity") {
            ("conc", "ndpr")
        } else {
            ("heavy", "magnets")
        };
        let list = chain(&policy("p", body, &format!("[\"{a}\", \"{b}\"]")));
        let singles = chain(&format!(
            "{}{}",
            policy("p", body, &format!("\"{a}\"")),
            policy("q", body, &format!("\"{b}\""))
        ));
        let one =
            |c: &str| targets(&chain(&policy("p", body, &format!("\"{c}\""))).policies[0].effect);
        let mut union = [one(a), one(b)].concat();
        union.sort_unstable();
        assert_eq!(targets(&list.policies[0].effect), union, "{body}");
        assert!(!union.is_empty(), "{body}: reaches nothing");
        // The same world, bit for bit, as one policy per commodity.
        let (lp, sp) = (path(&list), path(&singles));
        assert!(
            lp.iter().zip(&sp).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{body}: the list and the single policies differ"
        );
        assert_ne!(lp, base_path, "{body}: changes nothing");
    }
    // The ban stops exactly the listed commodities' exports from China.
    let ban = chain(&policy("p", kinds[0], "[\"heavy\", \"magnets\"]"));
    let rec = path(&ban);
    let exports = |m: &CompiledModel, r: &[f64], k: &str, t: usize| {
        value(m, r, Metric::Exports, Some(k), "CN", t)
    };
    for k in ["heavy", "magnets"] {
        assert!(
            exports(&base, &base_path, k, 1) > 0.0,
            "{k}: no baseline exports"
        );
        assert_eq!(
            exports(&ban, &rec, k, 0),
            exports(&base, &base_path, k, 0),
            "{k} before the ban"
        );
        for t in 1..ban.periods {
            assert_eq!(exports(&ban, &rec, k, t), 0.0, "{k} exported in period {t}");
        }
    }
    let Effect::Ban { flows } = &ban.policies[0].effect else {
        unreachable!()
    };
    let (cn, listed) = (
        ban.region("CN").unwrap(),
        [
            ban.commodity("heavy").unwrap(),
            ban.commodity("magnets").unwrap(),
        ],
    );
    let expected: Vec<usize> = (0..ban.flows.len())
        .filter(|&f| {
            let fl = &ban.flows[f];
            ban.routes[fl.route].from == cn && listed.contains(&fl.commodity)
        })
        .collect();
    assert_eq!(flows, &expected, "only the listed commodities' flows");
}
