//! Who sells to whom (`[[eligibility]]`), closures to listed destinations
//! and the money series, checked on outputs against each other: an
//! ineligible seller ships nothing and ships again once the list is gone;
//! a fractional quota is measured in the world the list describes; a
//! closure `to` one destination stops only the cargo bound there; the
//! `import_bill` adds up from prices and flows.

use super::policies::{model, path, value};
use corridor::model::{compile, CompiledModel, Metric};
use corridor::scenario::load_str;

/// Sellers `A` (cheap) and `B` (dear) ship `x` to `C` over their own
/// legs; `extra` is appended (an eligibility list, a policy).
fn two_sellers(extra: &str) -> CompiledModel {
    let text = format!(
        "[scenario]\nname = \"two\"\nstart = \"2026-01\"\nperiods = 3\nperiod = \"month\"\n\
[[commodities]]\nid = \"x\"\nunit = \"t\"\nreference_price = 100\n\
[[regions]]\nid = \"A\"\n[[regions]]\nid = \"B\"\n[[regions]]\nid = \"C\"\n\
[[supply]]\nregion = \"A\"\ncommodity = \"x\"\ncapacity = 1000\ncost = [10, 20]\n\
[[supply]]\nregion = \"B\"\ncommodity = \"x\"\ncapacity = 1000\ncost = [40, 60]\n\
[[demand]]\nregion = \"C\"\ncommodity = \"x\"\nquantity = 600\nprice = 100\nelasticity = -0.2\nchoke_price = 1000\n\
[[legs]]\nid = \"ac\"\nfrom = \"A\"\nto = \"C\"\nmode = \"rail\"\ncapacity = 1e9\ncost = 1\ncarries = [\"x\"]\n\
[[legs]]\nid = \"bc\"\nfrom = \"B\"\nto = \"C\"\nmode = \"rail\"\ncapacity = 1e9\ncost = 1\ncarries = [\"x\"]\n\
[[routes]]\nid = \"a_c\"\nfrom = \"A\"\nto = \"C\"\nlegs = [\"ac\"]\ncorridor = \"c\"\n\
[[routes]]\nid = \"b_c\"\nfrom = \"B\"\nto = \"C\"\nlegs = [\"bc\"]\ncorridor = \"c\"\n{extra}"
    );
    compile(&load_str(&text).unwrap_or_else(|d| panic!("{d}"))).unwrap()
}

const ONLY_B: &str = "[[eligibility]]\nimporter = \"C\"\ncommodity = \"x\"\nsellers = [\"B\"]\n";

fn horizon_flow(m: &CompiledModel, rec: &[f64], route: &str) -> f64 {
    (0..m.periods)
        .map(|t| value(m, rec, Metric::RouteFlow, Some("x"), route, t))
        .sum()
}

#[test]
fn an_ineligible_seller_ships_nothing_and_ships_again_without_the_list() {
    let (open, listed) = (two_sellers(""), two_sellers(ONLY_B));
    let (o, l) = (path(&open), path(&listed));
    assert!(
        horizon_flow(&open, &o, "a_c") > 0.0,
        "A is the cheaper seller"
    );
    assert_eq!(horizon_flow(&open, &o, "b_c"), 0.0);
    assert_eq!(
        horizon_flow(&listed, &l, "a_c"),
        0.0,
        "A is not on C's list"
    );
    assert!(horizon_flow(&listed, &l, "b_c") > 0.0, "B sells instead");
    // C pays more for B's dearer crude.
    let price = |m: &CompiledModel, r: &[f64]| value(m, r, Metric::Price, Some("x"), "C", 0);
    assert!(price(&listed, &l) > price(&open, &o));
}

#[test]
fn a_quota_fraction_is_measured_in_the_world_the_list_describes() {
    // Half of B's baseline exports to C: with the list, B is C's only
    // seller, so the base is C's whole demand; without it B ships nothing
    // and so would its quota.
    let quota = "[[policies]]\nid = \"q\"\ntype = \"export_control\"\nregion = \"B\"\nmode = \"quota\"\nquota_fraction = 0.5\n";
    let free = two_sellers(ONLY_B);
    let capped = two_sellers(&format!("{ONLY_B}{quota}"));
    let (f, c) = (path(&free), path(&capped));
    let b = |m: &CompiledModel, r: &[f64]| value(m, r, Metric::RouteFlow, Some("x"), "b_c", 0);
    assert!(b(&free, &f) > 0.0);
    assert!(
        (b(&capped, &c) - 0.5 * b(&free, &f)).abs() <= 1e-9 * b(&free, &f),
        "{} against half of {}",
        b(&capped, &c),
        b(&free, &f)
    );
}

#[test]
fn israel_buys_only_from_its_sellers_in_the_baseline() {
    let m = model("scenarios/baseline.toml");
    let rec = path(&m);
    let from = |who: &str| -> f64 {
        (0..m.periods)
            .map(|t| {
                value(
                    &m,
                    &rec,
                    Metric::ImportFrom,
                    Some("oil"),
                    &format!("IL/{who}"),
                    t,
                )
            })
            .sum()
    };
    assert_eq!(from("ROW"), 0.0, "the world market does not sell to Israel");
    assert!(from("ATL") > 0.0 && from("KZ") > 0.0 && from("AZ") > 0.0);
    let rows: Vec<&str> = m
        .ineligible
        .iter()
        .map(|&f| m.routes[m.flows[f].route].id.as_str())
        .collect();
    assert_eq!(rows, ["row_il_ashkelon", "row_il_haifa"]);
}

#[test]
fn a_closure_to_israel_stops_only_israel_bound_cargo() {
    let base = model("scenarios/baseline.toml");
    let shut = model("tests/fixtures/policies/ceyhan-closed-to-il.toml");
    let all = model("tests/fixtures/policies/ceyhan-closed.toml");
    let ceyhan = base.hubs.iter().position(|h| h.id == "CEYHAN").unwrap();
    let through = |to: &str| -> Vec<String> {
        base.routes
            .iter()
            .filter(|r| r.hubs.contains(&ceyhan) && base.regions[r.to] == to)
            .map(|r| r.id.clone())
            .collect()
    };
    let total = |m: &CompiledModel, rec: &[f64], routes: &[String]| -> f64 {
        let mut sum = 0.0;
        for r in routes {
            for t in 0..m.periods {
                sum += value(m, rec, Metric::RouteFlow, Some("oil"), r, t);
            }
        }
        sum
    };
    let (il, eu) = (through("IL"), through("EU"));
    let (b, s, a) = (path(&base), path(&shut), path(&all));
    assert!(total(&base, &b, &il) > 0.0 && total(&base, &b, &eu) > 0.0);
    assert_eq!(total(&shut, &s, &il), 0.0, "Israel-bound cargo stops");
    // The rest passes, and takes what Israel no longer gets.
    assert!(total(&shut, &s, &eu) >= total(&base, &b, &eu));
    // Without `to` everything through Ceyhan stops.
    assert_eq!(total(&all, &a, &eu), 0.0);
}

#[test]
fn the_import_bill_adds_up_from_prices_and_flows() {
    // A single seller whose leg never binds: each unit lands at the
    // seller's price plus the leg's cost, which is also the buyer's price.
    let m = two_sellers(ONLY_B);
    let rec = path(&m);
    for t in 0..m.periods {
        let v = |metric, key| value(&m, &rec, metric, Some("x"), key, t);
        let bill = v(Metric::ImportBill, "C");
        assert!(bill > 0.0);
        let landed = (v(Metric::Price, "B") + 1.0) * v(Metric::Imports, "C") / 1e6;
        assert!(
            (bill - landed).abs() <= 1e-9 * landed,
            "period {t}: {bill} vs {landed}"
        );
        let at_price = v(Metric::Price, "C") * v(Metric::Imports, "C") / 1e6;
        assert!((bill - at_price).abs() <= 1e-9 * at_price, "period {t}");
    }
    // Israel's landed bill in the baseline is below its imports at its own
    // price: the Caspian term tranches land below the marginal barrel.
    let il = model("scenarios/baseline.toml");
    let rec = path(&il);
    let (mut bill, mut at_price) = (0.0, 0.0);
    for t in 0..il.periods {
        let v = |metric| value(&il, &rec, metric, Some("oil"), "IL", t);
        bill += v(Metric::ImportBill);
        at_price += v(Metric::Price) * v(Metric::Imports) / 1e6;
    }
    assert!(
        bill < at_price && bill > 0.95 * at_price,
        "{bill} vs {at_price}"
    );
}
