//! Hand-checked clearing cases with answers worked out on paper (one
//! period of one year, so per-year figures are per-period figures).

use crate::props::{clear, Cleared};

const HEAD: &str =
    "[scenario]\nname = \"case\"\nstart = \"2026-01\"\nperiods = 1\nperiod = \"year\"\n\
[[commodities]]\nid = \"x\"\nunit = \"t\"\nreference_price = 50\n\
[[regions]]\nid = \"A\"\n[[regions]]\nid = \"B\"\n[[regions]]\nid = \"C\"\n";

fn supply(region: &str, commodity: &str, cap: f64, cost: f64) -> String {
    format!("[[supply]]\nregion = \"{region}\"\ncommodity = \"{commodity}\"\ncapacity = {cap}\ncost = [{cost}, {cost}]\nblocks = 1\n")
}

fn demand(region: &str, commodity: &str, q: f64, choke: f64) -> String {
    format!("[[demand]]\nregion = \"{region}\"\ncommodity = \"{commodity}\"\nquantity = {q}\nprice = 50\nelasticity = 0\nchoke_price = {choke}\n")
}

fn leg(id: &str, from: &str, to: &str, cap: f64, cost: f64, carries: &str) -> String {
    format!(
        "[[legs]]\nid = \"{id}\"\nfrom = \"{from}\"\nto = \"{to}\"\nmode = \"rail\"\ncapacity = {cap}\ncost = {cost}\ncarries = [{carries}]\n\
[[routes]]\nid = \"r_{id}\"\nfrom = \"{from}\"\nto = \"{to}\"\nlegs = [\"{id}\"]\ncorridor = \"c\"\n"
    )
}

fn price(c: &Cleared, region: &str, commodity: &str) -> f64 {
    let (r, k) = (
        c.m.region(region).unwrap(),
        c.m.commodity(commodity).unwrap(),
    );
    c.ws.solution().1[c.m.lp.balance_row[r * c.m.commodities.len() + k].unwrap()]
}

fn route_flow(c: &Cleared, route: &str, commodity: &str) -> f64 {
    let k = c.m.commodity(commodity).unwrap();
    c.m.flows
        .iter()
        .filter(|f| c.m.routes[f.route].id == route && f.commodity == k)
        .map(|f| c.ws.solution().0[f.col])
        .sum()
}

fn shortfall(c: &Cleared, region: &str, commodity: &str) -> f64 {
    let (r, k) = (
        c.m.region(region).unwrap(),
        c.m.commodity(commodity).unwrap(),
    );
    let d =
        c.m.demand
            .iter()
            .find(|d| d.region == r && d.commodity == k)
            .unwrap();
    let ess = d.first_col + d.blocks;
    c.ws.col_upper[ess] - c.ws.solution().0[ess]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-7 * (1.0 + b.abs())
}

#[test]
fn one_route_prices_at_source_cost_plus_transport() {
    let text = format!(
        "{HEAD}{}{}{}",
        supply("A", "x", 100.0, 10.0),
        demand("B", "x", 60.0, 100.0),
        leg("ab", "A", "B", 1000.0, 5.0, "\"x\"")
    );
    let c = clear(&text, false, |_| {});
    assert!(close(route_flow(&c, "r_ab", "x"), 60.0));
    assert!(close(price(&c, "A", "x"), 10.0), "{}", price(&c, "A", "x"));
    assert!(close(price(&c, "B", "x"), 15.0), "{}", price(&c, "B", "x"));
    assert!(close(shortfall(&c, "B", "x"), 0.0));
}

#[test]
fn two_routes_fill_the_cheap_one_first_and_price_the_dear_one() {
    let text = format!(
        "{HEAD}{}{}{}{}",
        supply("A", "x", 100.0, 10.0),
        demand("B", "x", 60.0, 100.0),
        leg("cheap", "A", "B", 40.0, 5.0, "\"x\""),
        leg("dear", "A", "B", 1000.0, 8.0, "\"x\"")
    );
    let c = clear(&text, false, |_| {});
    assert!(close(route_flow(&c, "r_cheap", "x"), 40.0));
    assert!(close(route_flow(&c, "r_dear", "x"), 20.0));
    assert!(close(price(&c, "B", "x"), 18.0), "{}", price(&c, "B", "x"));
    // The cheap leg earns the cost difference as congestion rent.
    let row = c.m.legs[0].row.unwrap();
    assert!(
        close(-c.ws.solution().1[row], 3.0),
        "{}",
        c.ws.solution().1[row]
    );
}

#[test]
fn a_binding_leg_shared_by_two_commodities_serves_the_higher_value_per_tonne() {
    let head = HEAD.replacen(
        "[[regions]]",
        "[[commodities]]\nid = \"y\"\nunit = \"t\"\ntonnes_per_unit = 2\nreference_price = 50\n[[regions]]",
        1,
    );
    let text = format!(
        "{head}{}{}{}{}{}",
        supply("A", "x", 1000.0, 10.0),
        supply("A", "y", 1000.0, 10.0),
        demand("B", "x", 60.0, 100.0),
        demand("B", "y", 30.0, 300.0),
        leg("ab", "A", "B", 100.0, 5.0, "\"x\", \"y\"")
    );
    let c = clear(&text, false, |_| {});
    // y is worth 300/2 = 150 per tonne against x's 100: y ships in full.
    assert!(close(route_flow(&c, "r_ab", "y"), 30.0));
    assert!(close(route_flow(&c, "r_ab", "x"), 40.0));
    assert!(close(shortfall(&c, "B", "x"), 20.0));
    assert!(
        close(price(&c, "B", "x"), 100.0),
        "x priced at choke: {}",
        price(&c, "B", "x")
    );
    // Rent per tonne = 100 − 10 − 5 = 85; y pays two tonnes of cost and rent.
    assert!(
        close(price(&c, "B", "y"), 10.0 + 2.0 * 5.0 + 2.0 * 85.0),
        "{}",
        price(&c, "B", "y")
    );
}

#[test]
fn a_ban_shifts_supply_to_the_alternative_or_leaves_a_priced_shortfall() {
    let ban = "[[policies]]\nid = \"ban\"\ntype = \"export_control\"\nregion = \"A\"\nto = [\"B\"]\nmode = \"ban\"\n";
    let base = format!(
        "{HEAD}{}{}{}{}",
        supply("A", "x", 100.0, 10.0),
        demand("B", "x", 60.0, 100.0),
        leg("ab", "A", "B", 1000.0, 5.0, "\"x\""),
        ban
    );
    let with_alt = format!(
        "{base}{}{}",
        supply("C", "x", 100.0, 20.0),
        leg("cb", "C", "B", 1000.0, 5.0, "\"x\"")
    );
    let open = clear(&with_alt, false, |_| {});
    assert!(close(price(&open, "B", "x"), 15.0));
    let banned = clear(&with_alt, true, |_| {});
    assert!(close(route_flow(&banned, "r_ab", "x"), 0.0));
    assert!(close(route_flow(&banned, "r_cb", "x"), 60.0));
    assert!(
        close(price(&banned, "B", "x"), 25.0),
        "{}",
        price(&banned, "B", "x")
    );
    let alone = clear(&base, true, |_| {});
    assert!(close(shortfall(&alone, "B", "x"), 60.0));
    assert!(close(price(&alone, "B", "x"), 100.0));
}

#[test]
fn a_stock_release_fills_the_gap_at_its_release_price() {
    let stock = "[[stockpiles]]\nid = \"s\"\nregion = \"B\"\ncommodity = \"x\"\ninitial = 50\ncapacity = 50\nrelease_rate = 40\nrelease_price = 30\n";
    let text = format!(
        "{HEAD}{}{}{}{stock}",
        supply("A", "x", 100.0, 10.0),
        demand("B", "x", 60.0, 100.0),
        leg("ab", "A", "B", 30.0, 5.0, "\"x\"")
    );
    let c = clear(&text, false, |_| {});
    let s = &c.m.stockpiles[0];
    assert!(close(c.ws.solution().0[s.release_col], 30.0));
    assert!(close(price(&c, "B", "x"), 30.0), "{}", price(&c, "B", "x"));
    assert!(close(shortfall(&c, "B", "x"), 0.0));
}
