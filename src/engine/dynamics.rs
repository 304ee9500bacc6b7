//! Per-trial schedules: when each policy applies and how much of each leg
//! and hub is available in each period, plus the demand curves' blocks.
//!
//! Disruptions run in continuous time (exponential time to failure, sampled
//! repair days and remaining capacity), so a ten-day outage takes a third of
//! a monthly period's capacity rather than all or none of it. Policies
//! switch on whole periods. In expected-value mode there are no draws:
//! a disruption becomes its steady-state availability, a one-off policy
//! applies when its probability is at least one half, and a recurring one
//! does not apply.

use super::{Draws, Workspace};
use crate::model::{Activation, CompiledModel, DemandCurve, DisruptionSpec};
use crate::sampling::dist::quantile;

const DAYS_PER_YEAR: f64 = 365.25;

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
/// blocks between `floor·P0` and the choke price, with `P0` a breakpoint so
/// that the reference point lies on the curve, plus the essential block
/// `D(choke)` valued at the choke price. Widths are per year.
pub fn demand_blocks(d: &DemandCurve, params: &[f64], width: &mut [f64], value: &mut [f64]) {
    let q0 = params[d.quantity].max(0.0);
    let p0 = d.price;
    let pc = params[d.choke].max(p0);
    let n = d.blocks;
    let below = n / 3;
    let above = n - below;
    let demand_at = |p: f64| q0 * (p / p0).powf(d.elasticity);
    // Breakpoint i of n+1, geometric within [floor·P0, P0] and [P0, choke].
    let point = |i: usize| {
        if i <= below && below > 0 {
            let lo = d.floor * p0;
            lo * (p0 / lo).powf(i as f64 / below as f64)
        } else {
            p0 * (pc / p0).powf((i - below) as f64 / above as f64)
        }
    };
    for j in 0..n {
        let (a, b) = (point(j), point(j + 1));
        width[j] = (demand_at(a) - demand_at(b)).max(0.0);
        value[j] = (a * b).sqrt();
    }
    width[n] = demand_at(pc);
    value[n] = pc;
}

fn periods_of(months: f64, m: &CompiledModel) -> usize {
    (months / m.months_per_period()).round().max(0.0) as usize
}

fn policy_schedule(
    m: &CompiledModel,
    a: &Activation,
    params: &[f64],
    flags: &mut [bool],
    draws: &mut impl Draws,
) {
    flags.fill(false);
    let t_len = flags.len();
    match a {
        Activation::Once {
            start,
            delay_months,
            duration_months,
            probability,
            stream,
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
            let first = start + delay_months.map_or(0, |s| periods_of(params[s], m));
            let end = duration_months.map_or(t_len, |s| first + periods_of(params[s], m).max(1));
            for f in flags.iter_mut().take(end.min(t_len)).skip(first.min(t_len)) {
                *f = true;
            }
        }
        Activation::Recurring {
            start,
            annual_probability,
            duration_months,
            stream,
        } => {
            if draws.expected_mode() {
                return;
            }
            // Chance of a start in one period, from the chance per year.
            let hazard = 1.0 - (1.0 - annual_probability).powf(m.dt());
            let mut t = *start;
            while t < t_len {
                if draws.uniform(*stream) < hazard {
                    let len = match duration_months {
                        Some(d) => periods_of(quantile(d, draws.uniform(*stream)), m).max(1),
                        None => t_len,
                    };
                    let end = (t + len).min(t_len);
                    flags[t..end].fill(true);
                    t = end;
                } else {
                    t += 1;
                }
            }
        }
    }
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
    fn inelastic_demand_is_all_essential() {
        let d = curve(0.0, 4);
        let (mut w, mut v) = (vec![0.0; 5], vec![0.0; 5]);
        demand_blocks(&d, &[500.0, 900.0], &mut w, &mut v);
        assert_eq!(&w[..4], &[0.0; 4]);
        assert_eq!(w[4], 500.0);
    }
}
