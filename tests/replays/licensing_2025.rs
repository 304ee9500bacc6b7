//! Replay (b): China's April 2025 rare-earth licensing regime and the May
//! 2025 collapse of its exports to the US (`docs/validation.md` (b)).
//!
//! Observed (China customs, RE magnets to the US): 46.4 t in May 2025,
//! −93.3% y/y; 353 t in June. Since #18 the model's series is the same
//! product: US imports of NdFeB magnets from China, against the model's own
//! pre-regime level (the three months before April). Bands: the first full
//! month of the regime at least 75% below that level; back to at least half
//! of it 2 to 5 months after the regime starts; never more shipped than the
//! queue released; and the light oxides, which the licences do not name,
//! keep flowing.

use super::{months_between, Path};

const SCENARIO: &str = "scenarios/replay-2025-ree-licensing.toml";
const REGIME: &str = "2025-04";
const FIRST_FULL_MONTH: &str = "2025-05";

#[test]
fn licensing_2025_collapses_then_recovers_as_licences_come_through() {
    let path = Path::run(SCENARIO);
    let flow = path.series("import_from", "ndfeb_magnets", "US/CN");
    let release = path.series(
        "licence_release",
        "ndfeb_magnets",
        "cn_ree_licensing_magnets_us",
    );
    let before: Vec<f64> = flow
        .iter()
        .filter(|(p, _)| months_between(p, REGIME) > 0)
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(before.len(), 3, "three months before the regime");
    let pre = before.iter().sum::<f64>() / before.len() as f64;
    assert!(pre > 0.0, "China ships magnets to the US before the regime");

    // Direction and depth: observed −93% y/y in May 2025.
    let may = path.at("import_from", "ndfeb_magnets", "US/CN", FIRST_FULL_MONTH);
    assert!(
        may <= 0.25 * pre,
        "{FIRST_FULL_MONTH}: {may:.1} t against {pre:.1} t before the regime: a cut of {:.0}%, the band is at least 75%",
        100.0 * (1.0 - may / pre)
    );

    // Recovery: observed 353 t in June 2025, two months after the start.
    let back = flow
        .iter()
        .find(|(p, v)| months_between(REGIME, p) > 0 && *v >= 0.5 * pre)
        .map(|(p, _)| months_between(REGIME, p));
    assert!(
        back.is_some_and(|m| (2..=5).contains(&m)),
        "back to half of the pre-regime {pre:.1} t after {back:?} months; the band is 2 to 5: {flow:?}"
    );

    // The queue bounds the flow while the regime is in force.
    for ((p, f), (q, r)) in flow.iter().zip(&release) {
        assert_eq!(p, q);
        if months_between(REGIME, p) >= 0 {
            assert!(
                *f <= r + 1e-9 * r.max(1.0),
                "{p}: {f} t shipped, {r} t of licences released"
            );
        }
    }

    // Not licensed: China's light oxides to the US keep flowing in May,
    // cut far less than the licensed magnets. They do fall (by ~21% in the
    // deterministic run): with its magnet exports held up, China separates
    // less and makes less La/Ce alongside its NdPr (joint production).
    let light = path.series("import_from", "light_ree", "US/CN");
    let light_pre = light
        .iter()
        .filter(|(p, _)| months_between(p, REGIME) > 0)
        .map(|(_, v)| *v)
        .sum::<f64>()
        / 3.0;
    let light_may = path.at("import_from", "light_ree", "US/CN", FIRST_FULL_MONTH);
    assert!(
        light_pre > 0.0 && light_may >= 0.6 * light_pre && light_may / light_pre > 2.0 * may / pre,
        "light oxides {light_may:.1} t in May against {light_pre:.1} t before"
    );
}
