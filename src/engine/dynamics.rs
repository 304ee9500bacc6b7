//! Per-trial schedules: when each policy applies and how much of each leg
//! and hub is available in each period, plus the demand curves' blocks.
//!
//! Disruptions run in continuous time (exponential time to failure, sampled
//! repair days and remaining capacity), so a ten-day outage takes a third of
//! a monthly period's capacity rather than all or none of it. Policies
//! cover the periods their window overlaps by at least half a period. In
//! expected-value mode there are no draws: a disruption becomes its
//! steady-state availability, a one-off policy applies (over its expected
//! window) when its probability is at least one half, and a recurring one
//! follows its expected cycle (see [`expected_schedule`]).

use super::Workspace;
use crate::dist::quantile;
use crate::model::curve::Grid;
use crate::model::{Activation, CompiledModel, DemandCurve, DisruptionSpec, Draws};

/// Days in a year, for durations given in days.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Fills `ws.demand_*`, `ws.flow_cost`, `ws.active` and `ws.avail` for one
/// trial from `ws.params` and `draws`.
pub fn schedule(m: &CompiledModel, ws: &mut Workspace, draws: &mut impl Draws) {
    for (cost, fl) in ws.flow_cost.iter_mut().zip(&m.flows) {
        *cost = fl
            .cost_params
            .iter()
            .map(|&(s, mult)| ws.params[s] * mult)
            .sum::<f64>();
    }
    let mut offset = 0;
    for d in &m.demand {
        demand_blocks(
            d,
            &ws.params,
            &mut ws.demand_width[offset..offset + d.blocks + 1],
            &mut ws.demand_value[offset..offset + d.blocks + 1],
        );
        offset += d.blocks + 1;
    }
    let t_len = m.periods;
    for (p, pol) in m.policies.iter().enumerate() {
        let flags = &mut ws.active[p * t_len..(p + 1) * t_len];
        policy_schedule(m, &pol.activation, &ws.params, flags, draws);
    }
    let elements = m.legs.iter().chain(m.hubs.iter());
    for (e, el) in elements.enumerate() {
        let avail = &mut ws.avail[e * t_len..(e + 1) * t_len];
        avail.fill(1.0);
        if let Some(spec) = &el.disruption {
            disruption_schedule(m, spec, avail, draws);
        }
    }
}

/// Splits a constant-elasticity demand curve `D(p) = Q0 (p/P0)^ε` into
/// blocks between `floor·P0` and the choke price (with its fine band, if
/// any: see `model::curve`), with `P0` a breakpoint so that the reference
/// point lies on the curve, plus the essential block `D(choke)` valued at
/// the choke price. Widths are per year.
pub fn demand_blocks(d: &DemandCurve, params: &[f64], width: &mut [f64], value: &mut [f64]) {
    let q0 = params[d.quantity].max(0.0);
    let p0 = d.price;
    let pc = params[d.choke].max(p0);
    let n = d.blocks;
    let coarse = n - d.band.map_or(0, |b| b.below + b.above);
    let grid = Grid::demand(p0, d.floor * p0, pc, coarse, d.band);
    let demand_at = |p: f64| q0 * (p / p0).powf(d.elasticity);
    for j in 0..n {
        let (a, b) = (grid.point(j), grid.point(j + 1));
        width[j] = (demand_at(a) - demand_at(b)).max(0.0);
        value[j] = (a * b).sqrt();
    }
    width[n] = demand_at(pc);
    value[n] = pc;
}

/// Marks the periods that the event `[from, to)` (months from the horizon
/// start) overlaps by at least half a period: the one rounding rule for
/// every policy window, so a window of under half a period covers nothing
/// and 1 and 4 months on quarterly periods cover 0 and 1 quarters.
/// Works in floating point throughout, so huge or infinite ends saturate
/// instead of wrapping.
pub fn cover(from: f64, to: f64, months_per_period: f64, flags: &mut [bool]) {
    let half = 0.5 * months_per_period;
    if !(to - from >= half) {
        return;
    }
    // Only periods whose midpoint lies in (from - half, to + half) can
    // overlap by half; clamping in f64 keeps the casts in range.
    let n = flags.len() as f64;
    let first = (from / months_per_period - 0.5).floor().clamp(0.0, n) as usize;
    let last = (to / months_per_period + 0.5).ceil().clamp(0.0, n) as usize;
    for (t, f) in flags.iter_mut().enumerate().take(last).skip(first) {
        let lo = from.max(t as f64 * months_per_period);
        let hi = to.min((t + 1) as f64 * months_per_period);
        if hi - lo >= half {
            *f = true;
        }
    }
}

/// When a one-off policy's window opens, in months from the horizon start
/// (negative: before it): `start` plus the trial's delay. `None` for a
/// recurring policy, whose events start inside the horizon.
pub fn window_start(a: &Activation, params: &[f64]) -> Option<f64> {
    match a {
        Activation::Once {
            start,
            delay_months,
            ..
        } => Some(start + delay_months.map_or(0.0, |s| params[s].max(0.0))),
        Activation::Recurring { .. } => None,
    }
}

fn policy_schedule(
    m: &CompiledModel,
    a: &Activation,
    params: &[f64],
    flags: &mut [bool],
    draws: &mut impl Draws,
) {
    flags.fill(false);
    let mpp = m.months_per_period();
    let t_len = flags.len();
    match a {
        Activation::Once {
            start,
            duration_months,
            probability,
            stream,
            ..
        } => {
            let p = probability.map_or(1.0, |s| params[s]);
            let happens = if draws.expected_mode() {
                p >= 0.5
            } else {
                p >= 1.0 || draws.uniform(*stream) < p
            };
            if !happens {
                return;
            }
            let from = window_start(a, params).unwrap_or(*start);
            let to = duration_months.map_or(f64::INFINITY, |s| from + params[s].max(0.0));
            cover(from, to, mpp, flags);
        }
        Activation::Recurring {
            start,
            annual_probability,
            duration_months,
            stream,
        } => {
            if draws.expected_mode() {
                expected_recurrence(*start, *annual_probability, duration_months, mpp, flags);
                return;
            }
            // Events start at period starts: the first eligible period is
            // the first with at least half of it after `start`.
            let first = (start / mpp - 0.5).ceil().clamp(0.0, t_len as f64) as usize;
            // Chance of a start in one period, from the chance per year.
            let hazard = 1.0 - (1.0 - annual_probability).powf(m.dt());
            let mut t = first;
            while t < t_len {
                if draws.uniform(*stream) < hazard {
                    let months = match duration_months {
                        Some(d) => quantile(d, draws.uniform(*stream)).max(0.0),
                        None => f64::INFINITY,
                    };
                    // Periods the event overlaps by at least half, counted
                    // in f64 so a huge duration saturates at the horizon.
                    let len = (months / mpp + 0.5).floor();
                    let end = if len >= (t_len - t) as f64 {
                        t_len
                    } else {
                        t + len as usize
                    };
                    flags[t..end].fill(true);
                    // A zero-length event still uses up its period.
                    t = end.max(t + 1);
                } else {
                    t += 1;
                }
            }
        }
    }
}

/// Deterministic mode's rule for a recurring policy: its expected cycle.
/// Events arrive at rate `λ = −ln(1 − a)` per year while it is inactive, so
/// the first starts one expected wait `1/λ` after `start` and lasts the
/// expected duration, and the cycle (wait, event) repeats to the horizon.
fn expected_recurrence(
    start: f64,
    annual_probability: f64,
    duration_months: &Option<crate::dist::Dist>,
    mpp: f64,
    flags: &mut [bool],
) {
    let rate = -(1.0 - annual_probability).ln();
    if rate.is_nan() || rate <= 0.0 {
        return;
    }
    let wait = 12.0 / rate;
    let length = duration_months
        .as_ref()
        .map_or(f64::INFINITY, |d| d.mean().max(0.0));
    let horizon = flags.len() as f64 * mpp;
    if wait <= 0.0 || length.is_infinite() {
        cover(start + wait, f64::INFINITY, mpp, flags);
        return;
    }
    let mut from = start + wait;
    while from < horizon {
        cover(from, from + length, mpp, flags);
        from += wait + length;
    }
}

/// Which policies are active in which period under deterministic mode's
/// rules, policy-major (`[policy * periods + t]`), for reporting.
pub fn expected_schedule(m: &CompiledModel) -> Vec<bool> {
    let mut flags = vec![false; m.policies.len() * m.periods];
    for (p, pol) in m.policies.iter().enumerate() {
        let f = &mut flags[p * m.periods..(p + 1) * m.periods];
        policy_schedule(m, &pol.activation, &m.params, f, &mut super::ExpectedValues);
    }
    flags
}

fn disruption_schedule(
    m: &CompiledModel,
    d: &DisruptionSpec,
    avail: &mut [f64],
    draws: &mut impl Draws,
) {
    let dt = m.dt();
    if draws.expected_mode() {
        // Steady state of the up/down process: up a fraction 1/(1 + rate·MTTR).
        let mttr = d.repair_days.mean() / DAYS_PER_YEAR;
        let up = 1.0 / (1.0 + d.failure_rate * mttr);
        let a = up + (1.0 - up) * d.remaining.mean().clamp(0.0, 1.0);
        avail.fill(a);
        return;
    }
    if d.failure_rate <= 0.0 {
        return;
    }
    let horizon = avail.len() as f64 * dt;
    let mut t = 0.0;
    loop {
        t += -draws.uniform(d.stream).ln() / d.failure_rate;
        if t >= horizon {
            break;
        }
        let repair = quantile(&d.repair_days, draws.uniform(d.stream)).max(0.0) / DAYS_PER_YEAR;
        let kept = quantile(&d.remaining, draws.uniform(d.stream)).clamp(0.0, 1.0);
        let end = (t + repair).min(horizon);
        // Take the lost share of each period the outage overlaps.
        let mut p = (t / dt) as usize;
        while p < avail.len() && (p as f64) * dt < end {
            let lo = t.max(p as f64 * dt);
            let hi = end.min((p + 1) as f64 * dt);
            if hi > lo {
                avail[p] -= (hi - lo) / dt * (1.0 - kept);
            }
            p += 1;
        }
        t = end;
    }
    for a in avail.iter_mut() {
        *a = a.max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DemandCurve;

    fn curve(elasticity: f64, blocks: usize) -> DemandCurve {
        DemandCurve {
            region: 0,
            commodity: 0,
            quantity: 0,
            price: 100.0,
            elasticity,
            choke: 1,
            floor: 0.5,
            first_col: 0,
            blocks,
            band: None,
        }
    }

    #[test]
    fn demand_blocks_put_the_reference_point_on_the_curve() {
        let d = curve(-0.5, 6);
        let params = [1000.0, 1000.0];
        let (mut w, mut v) = (vec![0.0; 7], vec![0.0; 7]);
        demand_blocks(&d, &params, &mut w, &mut v);
        // Blocks valued above the reference price add up to Q0.
        let at_p0: f64 = w
            .iter()
            .zip(&v)
            .filter(|(_, v)| **v > 100.0)
            .map(|(w, _)| w)
            .sum();
        assert!((at_p0 - 1000.0).abs() < 1e-9, "{at_p0}");
        // Essential demand is D(choke) = 1000 · 10^-0.5.
        assert!((w[6] - 1000.0 * 10f64.powf(-0.5)).abs() < 1e-9);
        assert_eq!(v[6], 1000.0);
        assert!(
            v.windows(2).all(|p| p[0] < p[1]),
            "values rise towards the choke price: {v:?}"
        );
    }

    #[test]
    fn a_band_steps_demand_by_one_percent_around_the_reference() {
        let mut d = curve(-0.3, 6 + 16);
        d.band = Some(crate::model::curve::Band {
            ratio: 1.01,
            below: 6,
            above: 10,
        });
        let params = [1000.0, 400.0];
        let (mut w, mut v) = (vec![0.0; 23], vec![0.0; 23]);
        demand_blocks(&d, &params, &mut w, &mut v);
        // Demand at the reference price is Q0, and one step up it is the
        // curve's D(1.01 P0): the band resolves a 1% move.
        let at = |p: f64| -> f64 {
            w.iter()
                .zip(&v)
                .filter(|(_, v)| **v > p)
                .map(|(w, _)| w)
                .sum()
        };
        assert!((at(100.0) - 1000.0).abs() < 1e-9, "{}", at(100.0));
        let one_up = 1000.0 * 1.01f64.powf(-0.3);
        assert!((at(100.0 * 1.01f64.powf(1.0)) - one_up).abs() < 1e-9);
        assert!(v.windows(2).all(|p| p[0] < p[1]), "{v:?}");
    }

    fn covered(from: f64, to: f64, months_per_period: f64, periods: usize) -> Vec<usize> {
        let mut flags = vec![false; periods];
        cover(from, to, months_per_period, &mut flags);
        (0..periods).filter(|&t| flags[t]).collect()
    }

    #[test]
    fn a_window_covers_the_periods_it_overlaps_by_half() {
        // Monthly: whole months; zero months cover nothing.
        assert_eq!(covered(2.0, 5.0, 1.0, 12), [2, 3, 4]);
        assert_eq!(covered(2.0, 2.0, 1.0, 12), Vec::<usize>::new());
        assert_eq!(covered(2.4, 3.6, 1.0, 12), [2, 3]);
        // Quarterly: 1 month covers nothing, 2 and 4 months one quarter,
        // 5 months two.
        assert_eq!(covered(0.0, 1.0, 3.0, 8), Vec::<usize>::new());
        assert_eq!(covered(0.0, 2.0, 3.0, 8), [0]);
        assert_eq!(covered(0.0, 4.0, 3.0, 8), [0]);
        assert_eq!(covered(0.0, 5.0, 3.0, 8), [0, 1]);
        // Starting mid-quarter: Feb–Jun covers Q1 (2 months) and Q2.
        assert_eq!(covered(1.0, 6.0, 3.0, 8), [0, 1]);
        // Before the horizon, to the end, and far beyond it: no wrap-around.
        assert_eq!(covered(-7.0, 2.0, 1.0, 4), [0, 1]);
        assert_eq!(covered(1.0, f64::INFINITY, 1.0, 4), [1, 2, 3]);
        assert_eq!(covered(1e300, f64::INFINITY, 1.0, 4), Vec::<usize>::new());
        assert_eq!(covered(0.0, 1e300, 1.0, 4), [0, 1, 2, 3]);
        assert_eq!(covered(f64::NAN, 3.0, 1.0, 4), Vec::<usize>::new());
    }

    /// Draws that always give `u`.
    struct Fixed(f64);
    impl Draws for Fixed {
        fn uniform(&mut self, _stream: usize) -> f64 {
            self.0
        }
    }

    fn recurring(months: f64, duration: f64, periods: usize, u: f64) -> Vec<usize> {
        let text = format!(
            "{}\n[[policies]]\nid = \"p\"\ntype = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 0.5\nduration_months = {duration:e}\n",
            crate::scenario::fixture::WORLD
                .replace("periods = 12", &format!("periods = {periods}"))
                .replace("period = \"month\"", if months == 3.0 { "period = \"quarter\"" } else { "period = \"month\"" })
        );
        let m = crate::model::compile(&crate::scenario::load_str(&text).unwrap()).unwrap();
        let mut flags = vec![false; periods];
        policy_schedule(
            &m,
            &m.policies[0].activation,
            &m.params,
            &mut flags,
            &mut Fixed(u),
        );
        (0..periods).filter(|&t| flags[t]).collect()
    }

    #[test]
    fn recurring_events_round_by_the_same_rule_and_saturate() {
        // u = 0 starts an event in every period it can.
        assert_eq!(recurring(1.0, 2.0, 4, 0.0), [0, 1, 2, 3]);
        // On quarters a 1-month event covers nothing; 4 months one quarter.
        assert_eq!(recurring(3.0, 1.0, 4, 0.0), Vec::<usize>::new());
        assert_eq!(recurring(3.0, 4.0, 4, 0.0), [0, 1, 2, 3]);
        // A huge duration lasts to the horizon without overflowing.
        assert_eq!(recurring(1.0, 1e300, 4, 0.0), [0, 1, 2, 3]);
        // No start: u above every hazard.
        assert_eq!(recurring(1.0, 2.0, 4, 0.999), Vec::<usize>::new());
    }

    #[test]
    fn inelastic_demand_is_all_essential() {
        let d = curve(0.0, 4);
        let (mut w, mut v) = (vec![0.0; 5], vec![0.0; 5]);
        demand_blocks(&d, &[500.0, 900.0], &mut w, &mut v);
        assert_eq!(&w[..4], &[0.0; 4]);
        assert_eq!(w[4], 500.0);
    }
}
