//! Replay (b): China's April 2025 rare-earth licensing regime and the May
//! 2025 collapse of its exports to the US (`docs/validation.md` (b)).
//!
//! Observed (China customs, RE magnets to the US): 46.4 t in May 2025,
//! −93.3% y/y; 353 t in June. The model's proxy is US imports of separated
//! rare earths from China, against its own pre-regime level (the three
//! months before April). Bands: the first full month of the regime at least
//! 75% below that level; back to at least half of it 2 to 5 months after
//! the regime starts; and never more shipped than the queue released.

use super::{months_between, Path};

const SCENARIO: &str = "scenarios/replay-2025-ree-licensing.toml";
const REGIME: &str = "2025-04";
const FIRST_FULL_MONTH: &str = "2025-05";

#[test]
fn licensing_2025_collapses_then_recovers_as_licences_come_through() {
    let path = Path::run(SCENARIO);
    let flow = path.series("import_from", "rare_earths", "US/CN");
    let release = path.series("licence_release", "rare_earths", "cn_ree_licensing_us");
    let before: Vec<f64> = flow
        .iter()
        .filter(|(p, _)| months_between(p, REGIME) > 0)
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(before.len(), 3, "three months before the regime");
    let pre = before.iter().sum::<f64>() / before.len() as f64;
    assert!(
        pre > 0.0,
        "China ships rare earths to the US before the regime"
    );

    // Direction and depth: observed −93% y/y in May 2025.
    let may = path.at("import_from", "rare_earths", "US/CN", FIRST_FULL_MONTH);
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
}
