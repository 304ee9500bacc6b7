//! Historical replays: each is a shipped scenario (`scenarios/replay-*.toml`)
//! run by the project's own command, `corridor run --deterministic`, whose
//! path must stay inside a band around an observed series (direction, peak
//! within a factor of two, timing of the peak, recovery). The observed
//! series, their sources and the bands are in `docs/validation.md`; a test
//! here asserts the same bands, so the doc and the tests say one thing.

mod cpc_2025;
mod ree_2010;

use crate::common::{corridor, Csv};

mod licensing_2025;

/// The deterministic path of a shipped scenario, run by the CLI into a
/// temporary folder: `path.csv`'s `(metric, commodity, key)` series by
/// period.
pub struct Path {
    csv: Csv,
    _dir: tempfile::TempDir,
}

impl Path {
    /// Runs `corridor run <scenario> --deterministic` and reads `path.csv`.
    pub fn run(scenario: &str) -> Path {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("run");
        corridor()
            .args(["run", scenario, "--deterministic", "--quiet", "--out"])
            .arg(&out)
            .assert()
            .success();
        Path {
            csv: Csv::read(&out.join("path.csv")),
            _dir: dir,
        }
    }

    /// The `(period, value)` pairs of one series in period order, without
    /// the horizon row; panics naming the series when it does not exist.
    pub fn series(&self, metric: &str, commodity: &str, key: &str) -> Vec<(String, f64)> {
        let rows: Vec<(String, f64)> = (0..self.csv.rows.len())
            .filter(|&r| {
                self.csv.text(r, "metric") == metric
                    && self.csv.text(r, "commodity") == commodity
                    && self.csv.text(r, "key") == key
                    && self.csv.text(r, "period") != "horizon"
            })
            .map(|r| {
                let v = self.csv.num(r, "value").expect("a number");
                (self.csv.text(r, "period").to_string(), v)
            })
            .collect();
        assert!(
            !rows.is_empty(),
            "no series {metric},{commodity},{key} in path.csv"
        );
        rows
    }

    /// The value of one series in one period (`YYYY-MM`).
    pub fn at(&self, metric: &str, commodity: &str, key: &str, period: &str) -> f64 {
        self.series(metric, commodity, key)
            .into_iter()
            .find(|(p, _)| p == period)
            .unwrap_or_else(|| panic!("no period {period} in {metric},{commodity},{key}"))
            .1
    }
}

/// The period and value of a series' maximum (the first, on ties).
pub fn peak(series: &[(String, f64)]) -> (&str, f64) {
    let mut best = (series[0].0.as_str(), series[0].1);
    for (p, v) in series {
        if *v > best.1 {
            best = (p.as_str(), *v);
        }
    }
    best
}

/// Months from `a` to `b` (`YYYY-MM`), negative when `b` is earlier.
pub fn months_between(a: &str, b: &str) -> i64 {
    let m = |s: &str| {
        let (y, mo) = corridor::scenario::schema::month(s).expect("a YYYY-MM month");
        i64::from(y) * 12 + i64::from(mo)
    };
    m(b) - m(a)
}

#[test]
fn peak_and_months_between_read_the_series_they_are_given() {
    let s = vec![
        ("2010-01".to_string(), 1.0),
        ("2011-07".to_string(), 9.0),
        ("2011-08".to_string(), 9.0),
    ];
    assert_eq!(peak(&s), ("2011-07", 9.0));
    assert_eq!(months_between("2010-01", "2011-07"), 18);
    assert_eq!(months_between("2011-07", "2010-01"), -18);
}
