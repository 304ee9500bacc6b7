//! Replay (a): China's 2010 export-quota cut and the 2010-2015 rare-earth
//! price path (`scenarios/replay-2010-ree-quota.toml`; the observed series
//! and the band are in `docs/validation.md` (a)).

use super::{months_between, peak, Path};

/// The REO basket rose ">1,100%" from end-2009 to Q3 2011 (Metal-Pages via
/// Rare Element Resources 10-K 2014, DATA §7c): ×12.
const OBSERVED_PEAK_RATIO: f64 = 12.0;
/// Mid-2011: Dy oxide's monthly peak was Aug 2011 (Mining.com, DATA §1d),
/// the basket's Q3 2011.
const OBSERVED_PEAK: &str = "2011-07";

#[test]
fn the_2010_quota_cut_gives_the_observed_rise_peak_and_fall_outside_china() {
    let path = Path::run("scenarios/replay-2010-ree-quota.toml");
    let price = path.series("price", "rare_earths", "ROW");
    let before = path.at("price", "rare_earths", "ROW", "2009-12");
    // Direction: the quota cut raises the price outside China, and the
    // rise is not one jump: a year after the cut it is still climbing.
    let (when, top) = peak(&price);
    assert!(top > before, "no rise: {price:?}");
    let a_year_in = path.at("price", "rare_earths", "ROW", "2010-12");
    assert!(before < a_year_in && a_year_in < top, "{price:?}");
    // Peak within a factor of two of the observed ratio.
    let ratio = top / before;
    assert!(
        (OBSERVED_PEAK_RATIO / 2.0..=OBSERVED_PEAK_RATIO * 2.0).contains(&ratio),
        "peak ×{ratio:.2} at {when}, observed ×{OBSERVED_PEAK_RATIO}"
    );
    // Peak within four months of mid-2011.
    let off = months_between(OBSERVED_PEAK, when);
    assert!(
        off.abs() <= 4,
        "peak at {when}, {off} months from {OBSERVED_PEAK}"
    );
    // A fall of at least half from the peak in 2014 while the quota still
    // stands (observed: Q4 2014 85% below the 2011 peak).
    let low_2014 = price
        .iter()
        .filter(|(p, _)| p.starts_with("2014"))
        .map(|(_, v)| *v)
        .fold(f64::INFINITY, f64::min);
    assert!(low_2014 <= 0.5 * top, "2014 low {low_2014} vs peak {top}");
    let quota_2014 = path.at("exports", "rare_earths", "CN", "2014-06");
    assert!(quota_2014 > 0.0 && quota_2014 <= 30_611.0 / 12.0 * (1.0 + 1e-9));
}

/// The fall comes from the responses: without demand adjustment, stocks
/// and supply response the price stays at the choke through 2014 (this
/// checks the band above is not met by the quotas alone).
#[test]
fn without_the_responses_the_price_does_not_fall_while_quotas_stand() {
    let text = std::fs::read_to_string("scenarios/replay-2010-ree-quota.toml").unwrap();
    let plain: String = text
        .lines()
        .filter(|l| {
            !l.starts_with("long_run_elasticity")
                && !l.starts_with("half_life_months")
                && !l.starts_with("recycling")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let plain = plain.replace("trigger_price = 20_000", "trigger_price = 1e12");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replay-no-responses.toml");
    std::fs::write(&file, plain).unwrap();
    let path = Path::run(file.to_str().unwrap());
    let price = path.series("price", "rare_earths", "ROW");
    let (_, top) = peak(&price);
    let late = path.at("price", "rare_earths", "ROW", "2014-06");
    assert_eq!(late, top, "{price:?}");
}
