//! Licensing as throughput and delay: the approval queue of each licence
//! policy with a lag ([`Effect::Licence`]) and the per-period bound it
//! puts on the controlled flows.
//!
//! While the regime is in force, exporters file applications at the rate
//! of the controlled routes' baseline flow B (per period, the base a
//! `quota_fraction` multiplies). An application filed in period `s` (spread
//! evenly over the period) may be released `lag` periods later, so a
//! fractional lag splits it between periods `s + ⌊lag⌋` and `s + ⌊lag⌋ + 1`.
//! Releases are processed first come, first served, at most `throughput` a
//! period; what is eligible but not processed waits in the backlog. The
//! approvals released in a period bound the sum of the controlled flows in
//! that period, and unused approvals expire with it: demand in this model
//! does not wait (a buyer left unserved buys elsewhere or goes short), so
//! an approval not shipped in its period has no order behind it later.
//! That is also why the queue does not depend on the period's solution:
//! it is run through the horizon once per trial, from the trial's schedule
//! and parameters, like the disruption schedules, and each period only
//! stages its bound. Before the regime starts nothing is queued; when it
//! ends the bound is lifted and the queue is emptied, so a regime that
//! starts again starts from nothing.

use super::dynamics::{window_start, DAYS_PER_YEAR};
use super::prepared::Prepared;
use super::Workspace;
use crate::model::{CompiledModel, Effect};

/// One queue's numbers, per period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queue {
    /// Applications filed per period while the regime is in force.
    pub filed: f64,
    /// Most approvals released per period (infinite: no limit).
    pub throughput: f64,
    /// Periods from filing to release.
    pub lag: f64,
}

/// Periods a regime in force at the horizon start has run before it are
/// replayed (filed, queued and released) up to this many, so that its queue
/// is full rather than starting empty; beyond it only the reported backlog
/// would grow (a century of monthly periods).
const MAX_BEFORE: f64 = 1200.0;

/// Runs every licence queue of the trial through the horizon into
/// `ws.licence`, from `ws.params`, `ws.active` and the baseline flows.
pub fn schedule(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace) {
    let (np, dt) = (m.periods, m.dt());
    let q = &mut ws.licence;
    for (n, &i) in q.policies.iter().enumerate() {
        let Effect::Licence {
            lag_days,
            throughput,
            fraction,
            ..
        } = m.policies[i].effect
        else {
            continue;
        };
        let base = prep.quota_base[i].max(0.0);
        let per_period = if fraction { base } else { dt };
        let queue = Queue {
            filed: base,
            throughput: throughput.map_or(f64::INFINITY, |s| ws.params[s].max(0.0) * per_period),
            lag: ws.params[lag_days].max(0.0) / (DAYS_PER_YEAR * dt),
        };
        // Whole periods the window had run before the horizon, by the
        // half-period rule of `dynamics::cover`.
        let opened = window_start(&m.policies[i].activation, &ws.params).unwrap_or(0.0);
        let before = (-opened / m.months_per_period() + 0.5)
            .floor()
            .clamp(0.0, MAX_BEFORE) as usize;
        let span = n * np..(n + 1) * np;
        run(
            queue,
            before,
            &ws.active[i * np..(i + 1) * np],
            &mut q.release[span.clone()],
            &mut q.backlog[span],
        );
    }
}

/// One queue over the periods of `active` (the regime in force): the
/// approvals released and the backlog (filed, not yet released) at the
/// end of each period. A regime in force in the first period that had run
/// `before` periods before it is run through those first.
pub fn run(queue: Queue, before: usize, active: &[bool], release: &mut [f64], backlog: &mut [f64]) {
    let before = if active.first() == Some(&true) {
        before
    } else {
        0
    };
    let n = before + active.len();
    // Period `v` of the queue is period `v - before` of the horizon.
    let on = |v: usize| v < before || active[v - before];
    // A lag beyond the horizon releases nothing; saturating keeps the
    // index arithmetic in range.
    let whole = queue.lag.floor().min(n as f64);
    let split = (queue.lag - whole).clamp(0.0, 1.0);
    let whole = whole as usize;
    let (mut filed, mut eligible, mut released, mut since) = (0.0, 0.0, 0.0, 0);
    for v in 0..n {
        let t = v.wrapping_sub(before);
        if !on(v) {
            (filed, eligible, released) = (0.0, 0.0, 0.0);
            (release[t], backlog[t]) = (0.0, 0.0);
            continue;
        }
        if v == 0 || !on(v - 1) {
            since = v;
        }
        // Applications of this spell filed in period `s`.
        let filed_in = |s: Option<usize>| {
            if s.is_some_and(|s| s >= since) {
                queue.filed
            } else {
                0.0
            }
        };
        eligible += (1.0 - split) * filed_in(v.checked_sub(whole))
            + split * filed_in(v.checked_sub(whole + 1));
        filed += queue.filed;
        let r = queue.throughput.min(eligible - released).max(0.0);
        released += r;
        if v >= before {
            release[t] = r;
            backlog[t] = (filed - released).max(0.0);
        }
    }
}

/// Stages period `t`'s bound of every licence row: the approvals released,
/// or no bound while the regime is not in force.
pub fn stage(m: &CompiledModel, ws: &mut Workspace, t: usize) {
    let np = m.periods;
    for (n, &i) in ws.licence.policies.iter().enumerate() {
        if let Effect::Licence { row, .. } = m.policies[i].effect {
            ws.row_upper[row] = if ws.active[i * np + t] && !ws.licence.lifted {
                ws.licence.release[n * np + t]
            } else {
                f64::INFINITY
            };
        }
    }
}

/// Writes period `t`'s approvals and backlog of every queue into `out`.
pub fn record(m: &CompiledModel, ws: &Workspace, t: usize, out: &mut [f64]) {
    let np = m.periods;
    for (n, s) in m.index.licence.iter().enumerate() {
        out[s.release] = ws.licence.release[n * np + t];
        out[s.backlog] = ws.licence.backlog[n * np + t];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 12;

    /// The releases and backlogs of `queue` over `active`.
    fn queue(q: Queue, active: &[bool]) -> (Vec<f64>, Vec<f64>) {
        let (mut r, mut b) = (vec![f64::NAN; active.len()], vec![f64::NAN; active.len()]);
        run(q, 0, active, &mut r, &mut b);
        (r, b)
    }

    fn from(start: usize) -> Vec<bool> {
        (0..N).map(|t| t >= start).collect()
    }

    fn cumulative(v: &[f64]) -> Vec<f64> {
        v.iter()
            .scan(0.0, |acc, x| {
                *acc += x;
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn what_is_released_never_exceeds_what_was_filed() {
        for (throughput, lag) in [
            (f64::INFINITY, 0.0),
            (70.0, 2.07),
            (30.0, 0.5),
            (150.0, 4.0),
        ] {
            let q = Queue {
                filed: 100.0,
                throughput,
                lag,
            };
            let (r, b) = queue(q, &from(3));
            let mut filed = 0.0;
            for t in 0..N {
                filed += if t >= 3 { 100.0 } else { 0.0 };
                let released: f64 = r[..=t].iter().sum();
                assert!(
                    r[t] >= 0.0 && r[t] <= throughput,
                    "{q:?} period {t}: {}",
                    r[t]
                );
                assert!(released <= filed + 1e-9, "{q:?} period {t}");
                assert!((b[t] - (filed - released)).abs() < 1e-9, "{q:?} period {t}");
            }
        }
    }

    #[test]
    fn a_zero_lag_and_full_throughput_release_what_is_filed() {
        for throughput in [f64::INFINITY, 100.0, 250.0] {
            let q = Queue {
                filed: 100.0,
                throughput,
                lag: 0.0,
            };
            let (r, b) = queue(q, &from(2));
            let want: Vec<f64> = (0..N).map(|t| if t >= 2 { 100.0 } else { 0.0 }).collect();
            assert_eq!(r, want);
            assert!(b.iter().all(|&x| x == 0.0));
        }
    }

    #[test]
    fn a_longer_lag_delays_and_never_advances_the_flow() {
        let lags = [0.0, 0.3, 1.0, 1.5, 2.07, 3.0, 20.0];
        for throughput in [f64::INFINITY, 80.0] {
            for w in lags.windows(2) {
                let at = |lag| {
                    let (r, _) = queue(
                        Queue {
                            filed: 100.0,
                            throughput,
                            lag,
                        },
                        &from(1),
                    );
                    cumulative(&r)
                };
                let (short, long) = (at(w[0]), at(w[1]));
                for t in 0..N {
                    assert!(long[t] <= short[t] + 1e-9, "lags {w:?}, period {t}");
                }
                assert!(long != short, "lags {w:?} release the same");
            }
        }
    }

    #[test]
    fn a_fractional_lag_splits_an_application_between_two_periods() {
        let (r, _) = queue(
            Queue {
                filed: 100.0,
                throughput: f64::INFINITY,
                lag: 1.25,
            },
            &from(0),
        );
        assert_eq!(r[0], 0.0);
        assert!((r[1] - 75.0).abs() < 1e-12, "{r:?}");
        assert!(r[2..].iter().all(|&x| (x - 100.0).abs() < 1e-12), "{r:?}");
    }

    #[test]
    fn a_limited_throughput_builds_a_backlog_that_clears_first_come_first_served() {
        // Throughput below the filings: nothing through the lag, then the
        // throughput every period.
        let (r, b) = queue(
            Queue {
                filed: 100.0,
                throughput: 70.0,
                lag: 2.0,
            },
            &from(0),
        );
        assert_eq!(&r[..3], &[0.0, 0.0, 70.0]);
        assert!(r[2..].iter().all(|&x| x == 70.0));
        // Each period files 100 and releases 70: the backlog grows by 30.
        assert!((b[N - 1] - (b[N - 2] + 30.0)).abs() < 1e-9);
    }

    #[test]
    fn a_regime_that_ends_empties_its_queue_and_starts_again_from_nothing() {
        let active: Vec<bool> = (0..N).map(|t| !(4..6).contains(&t)).collect();
        let q = Queue {
            filed: 100.0,
            throughput: 60.0,
            lag: 1.0,
        };
        let (r, b) = queue(q, &active);
        assert_eq!(&r[4..6], &[0.0, 0.0]);
        assert_eq!(&b[4..6], &[0.0, 0.0]);
        // The second spell repeats the first: its backlog is not carried.
        assert_eq!(&r[6..10], &r[0..4]);
        assert_eq!(&b[6..10], &b[0..4]);
    }

    #[test]
    fn a_regime_in_force_before_the_horizon_has_a_full_queue() {
        let q = Queue {
            filed: 100.0,
            throughput: 70.0,
            lag: 2.5,
        };
        let (mut r, mut b) = (vec![0.0; N], vec![0.0; N]);
        run(q, 6, &from(0), &mut r, &mut b);
        // The whole run from six periods before, seen from the horizon on.
        let (whole_r, whole_b) = queue(q, &from(0));
        assert_eq!(&r[..N - 6], &whole_r[6..]);
        assert_eq!(&b[..N - 6], &whole_b[6..]);
        assert!(r.iter().all(|&x| x == 70.0), "{r:?}");
        // A regime that starts later is not affected by `before`.
        run(q, 6, &from(2), &mut r, &mut b);
        assert_eq!((r.clone(), b.clone()), queue(q, &from(2)));
    }

    #[test]
    fn a_lag_beyond_the_horizon_releases_nothing() {
        for lag in [N as f64, 1e300, f64::INFINITY] {
            let (r, b) = queue(
                Queue {
                    filed: 100.0,
                    throughput: f64::INFINITY,
                    lag,
                },
                &from(0),
            );
            assert!(r.iter().all(|&x| x == 0.0), "lag {lag}");
            assert_eq!(b[N - 1], 100.0 * N as f64);
        }
    }
}
