//! The lithium chain (#18): the baseline's conversion shares and prices,
//! and the mechanism that gives a Kazakh conversion plant its value — under
//! China's lithium-chemical controls its hydroxide leaves westward over the
//! Middle Corridor (never through China), and without them the Kazakh ore
//! goes to Chinese converters instead.

use super::policies::{model, path, value};
use corridor::model::{CompiledModel, Metric};

/// Plants that turn mined spodumene into a chemical (not the carbonate-to-
/// hydroxide step, which would count the same lithium twice).
const SPODUMENE_PLANTS: [(&str, &str); 6] = [
    ("cn_li_carbonate", "li_carbonate"),
    ("cn_li_hydroxide", "li_hydroxide"),
    ("au_li_hydroxide", "li_hydroxide"),
    ("row_li_hydroxide", "li_hydroxide"),
    ("eu_li_hydroxide", "li_hydroxide"),
    ("kz_li_conversion", "li_hydroxide"),
];
/// Regions whose brine is converted to carbonate at the well.
const BRINE: [&str; 3] = ["LATAM", "CN", "US"];

fn at(m: &CompiledModel, r: &[f64], metric: Metric, k: &str, key: &str, t: usize) -> f64 {
    value(m, r, metric, Some(k), key, t)
}

#[test]
fn china_converts_two_thirds_of_the_worlds_lithium_near_the_2024_price() {
    let m = model("scenarios/baseline.toml");
    let r = path(&m);
    let plant = |id: &str, k: &str| at(&m, &r, Metric::ProcessingOutput, k, id, 0);
    let brine = |reg: &str| at(&m, &r, Metric::Production, "li_carbonate", reg, 0);
    let world: f64 = SPODUMENE_PLANTS
        .iter()
        .map(|(id, k)| plant(id, k))
        .sum::<f64>()
        + BRINE.iter().map(|g| brine(g)).sum::<f64>();
    let china = plant("cn_li_carbonate", "li_carbonate")
        + plant("cn_li_hydroxide", "li_hydroxide")
        + brine("CN");
    // Chemicals made = chemicals consumed (no lithium stock): the chain closes.
    let consumed: f64 = ["CN", "US", "EU", "JP", "ROW"]
        .iter()
        .flat_map(|g| ["li_carbonate", "li_hydroxide"].map(|k| (g, k)))
        .map(|(g, k)| at(&m, &r, Metric::Consumption, k, g, 0))
        .sum();
    assert!(
        (world - consumed).abs() < 1e-6 * world,
        "made {world}, used {consumed}"
    );
    let share = china / world;
    assert!(
        (0.63..=0.72).contains(&share),
        "China's share of lithium chemical output {share:.3}, sources say ~65–70%"
    );
    // T6: carbonate near Argus's 9.1–9.4 US$/kg CIF China (±15%); the US
    // buys its carbonate from Chile/Argentina (98% of its salts, Argus 2024).
    let cn = at(&m, &r, Metric::Price, "li_carbonate", "CN", 0);
    assert!(
        (9_250.0 * 0.85..=9_250.0 * 1.15).contains(&cn),
        "carbonate {cn}"
    );
    let us = at(&m, &r, Metric::ImportShare, "li_carbonate", "US/LATAM", 0);
    assert!(us > 0.95, "US carbonate from LATAM {us}");
}

#[test]
fn a_kazakh_plant_ships_west_over_the_middle_corridor_only_while_chinas_controls_bind() {
    // Mine and plant certain from 2027-01; the controls' deterministic window
    // is 2026-11 .. 2029-02 (corridor run --deterministic says so).
    let m = model("tests/fixtures/policies/li-kz-plant-under-controls.toml");
    let r = path(&m);
    let (during, after) = (24, 48); // 2028-01 and 2030-01
    let hyd = |metric, key: &str, t| at(&m, &r, metric, "li_hydroxide", key, t);
    let out = hyd(Metric::ProcessingOutput, "kz_li_conversion", during);
    assert!(
        out > 0.0,
        "the Kazakh plant runs while China's controls bind"
    );
    let middle = hyd(Metric::ExportVia, "KZ/middle", during);
    let northern = hyd(Metric::ExportVia, "KZ/northern", during);
    let via_china = hyd(Metric::ExportVia, "KZ/china_direct", during);
    assert!(
        middle > 0.5 * out,
        "most leaves over the Middle Corridor: {middle} of {out}"
    );
    assert_eq!(via_china, 0.0, "the controls stop transit through China");
    // Everything the plant makes is exported, and arrives in the EU or the US.
    let arrived =
        hyd(Metric::ImportFrom, "EU/KZ", during) + hyd(Metric::ImportFrom, "US/KZ", during);
    assert!(
        (middle + northern - out).abs() < 1e-6 * out,
        "exports {middle}+{northern} vs output {out}"
    );
    assert!(
        (arrived - out).abs() < 1e-6 * out,
        "arrivals {arrived} vs output {out}"
    );
    // Without the controls the dear plant stands idle and the ore goes to
    // Chinese converters (the legacy route): the control is what moves it.
    assert_eq!(
        hyd(Metric::ProcessingOutput, "kz_li_conversion", after),
        0.0
    );
    let ore = at(&m, &r, Metric::ImportFrom, "spodumene", "CN/KZ", after);
    assert!(
        ore > 0.0,
        "Kazakh spodumene goes to China when no control binds"
    );
    // The parent (controls, no Kazakh project) has no Kazakh hydroxide at all.
    let parent = model("scenarios/china-lithium-controls.toml");
    let p = path(&parent);
    assert_eq!(
        value(
            &parent,
            &p,
            Metric::Exports,
            Some("li_hydroxide"),
            "KZ",
            during
        ),
        0.0
    );
}

#[test]
fn chinas_hydroxide_control_reaches_the_us_through_the_world_price_not_its_carbonate() {
    // china-lithium-controls.toml's answer: while the control is in force
    // (deterministic window 2026-11 .. 2029-02) every market outside China
    // pays more for hydroxide, the US included, though China sells the US
    // almost none; the US's carbonate, all from Chile/Argentina, is
    // untouched (and a little cheaper, as China's converters need less ore).
    let (base, ctl) = (
        model("scenarios/baseline.toml"),
        model("scenarios/china-lithium-controls.toml"),
    );
    let (b, c) = (path(&base), path(&ctl));
    let t = 18; // 2027-07
    let both = |metric, k: &str, key: &str| {
        (
            at(&base, &b, metric, k, key, t),
            at(&ctl, &c, metric, k, key, t),
        )
    };
    let (us_before, us_after) = both(Metric::Price, "li_hydroxide", "US");
    assert!(
        us_after > 1.5 * us_before,
        "US hydroxide {us_before} -> {us_after}"
    );
    for ally in ["EU", "JP", "ROW"] {
        let (p0, p1) = both(Metric::Price, "li_hydroxide", ally);
        assert!(p1 > 1.5 * p0, "{ally} hydroxide {p0} -> {p1}");
    }
    let (cn0, cn1) = both(Metric::Price, "li_hydroxide", "CN");
    assert!(
        cn1 <= cn0 + 1e-6,
        "China's own hydroxide does not rise: {cn0} -> {cn1}"
    );
    let (c0, c1) = both(Metric::Price, "li_carbonate", "US");
    assert!(c1 <= c0 + 1e-6, "US carbonate does not rise: {c0} -> {c1}");
    let (i0, i1) = both(Metric::ImportFrom, "li_carbonate", "US/LATAM");
    assert!(
        (i1 - i0).abs() < 1e-6 * i0,
        "US carbonate imports from LATAM {i0} -> {i1}"
    );
    // China's hydroxide exports are held to the quota's share of the
    // baseline flow (a deterministic run takes the quota fraction's mean,
    // 0.2867 for triangular(0, 0.26, 0.6)).
    let (e0, e1) = both(Metric::Exports, "li_hydroxide", "CN");
    assert!(
        e1 <= 0.2867 * at(&base, &b, Metric::Exports, "li_hydroxide", "CN", 0) * (1.0 + 1e-9)
            && e1 < e0
    );
}
