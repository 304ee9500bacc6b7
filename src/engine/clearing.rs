//! One period's market clearing: stage the LP's bounds and costs from the
//! trial state, solve it (or reuse the last solution when nothing changed),
//! and read the solution into the trial record.
//!
//! The LP (see `docs/model.md`): minimise production, processing, transport,
//! trade and stock costs minus the value of consumption, subject to balance
//! per region and commodity (its dual is the price), leg, hub and quota
//! capacity rows, and column bounds for bans, stocks and demand blocks.

use super::licence;
use super::prepared::Prepared;
use super::recent::lp_hash;
use super::Workspace;
use crate::model::{CapTarget, CompiledModel, CostRef, Effect};

const INF: f64 = f64::INFINITY;
/// Flows smaller than this (in commodity units per period) are recorded as 0.
const FLOW_NOISE: f64 = 1e-9;

/// Why a period could not be cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearingFailure {
    /// The solver reported the period's LP infeasible (a model bug: the zero
    /// flow is always feasible).
    Infeasible,
    /// The solver reported it unbounded (a negative cost cycle).
    Unbounded,
    /// The solver hit its iteration limit or lost precision.
    Solver,
    /// A bound, cost or solution value was not finite.
    NotFinite,
}

/// Writes period `t`'s bounds and costs into the workspace's staging arrays.
pub fn stage(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace, t: usize) {
    // Within a trial only policies, availability and stocks move: when every
    // policy is on or off as in the period staged last, the policy-driven
    // bounds and costs are still in place.
    let np = m.periods;
    let same_policies = ws.staged.is_some_and(|s| {
        (0..m.policies.len()).all(|i| ws.active[i * np + t] == ws.active[i * np + s])
    });
    if !same_policies {
        stage_policies(m, prep, ws, t);
    }
    ws.staged = Some(t);
    stage_stocks(m, ws);
    stage_capacities(m, ws, t);
    licence::stage(m, ws, t);
    let cf = &ws.cap_factor;
    let (ub, cost) = (&mut ws.col_upper, &mut ws.cost);
    ws.resp
        .stage(m, &ws.params, &ws.demand_width, &cf.dem_f, t, ub, cost);
}

/// Whether period 0 of the trial in `ws` is its undisturbed world (see
/// [`stage_undisturbed`]) as scheduled: only the standing policies on, no
/// licence queue (a quantity limit even when its friction stands) and full
/// availability.
pub fn first_period_undisturbed(m: &CompiledModel, prep: &Prepared, ws: &Workspace) -> bool {
    let np = m.periods;
    let policies = (0..m.policies.len()).all(|i| ws.active[i * np] == prep.standing[i])
        && ws.licence.policies.iter().all(|&i| !ws.active[i * np]);
    policies && (0..m.legs.len() + m.hubs.len()).all(|e| ws.avail[e * np] == 1.0)
}

/// Stages period 0 of the undisturbed world of the trial in `ws`: its own
/// parameters with only the standing policies on (`baseline::standing`;
/// a licence's friction, but its queue lifted) and full availability. It
/// is what fractional quotas and licence applications are measured in
/// (the baseline) and what the responses take their reference from (a
/// trial's). `ws.active` and `ws.avail` are left as scheduled, and the
/// next [`stage`] stages its policies from scratch.
pub fn stage_undisturbed(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace) {
    let np = m.periods;
    let (active, avail) = &mut ws.saved_first;
    for (i, &standing) in prep.standing.iter().enumerate() {
        active[i] = ws.active[i * np];
        ws.active[i * np] &= standing;
    }
    for (e, a) in avail.iter_mut().enumerate() {
        *a = std::mem::replace(&mut ws.avail[e * np], 1.0);
    }
    ws.staged = None;
    ws.licence.lifted = true;
    stage(m, prep, ws, 0);
    ws.licence.lifted = false;
    let (active, avail) = &ws.saved_first;
    for (i, &a) in active.iter().enumerate() {
        ws.active[i * np] = a;
    }
    for (e, &a) in avail.iter().enumerate() {
        ws.avail[e * np] = a;
    }
    ws.staged = None;
}

/// The bounds and costs that depend on the trial's parameters and on which
/// policies are on in period `t`: capacity factors, quotas, supply, demand,
/// processing and flows.
fn stage_policies(m: &CompiledModel, prep: &Prepared, ws: &mut Workspace, t: usize) {
    let dt = m.dt();
    let p = &ws.params;
    let cf = &mut ws.cap_factor;
    cf.leg_f.fill(1.0);
    cf.leg_d.fill(0.0);
    cf.hub_f.fill(1.0);
    cf.hub_d.fill(0.0);
    cf.proc_f.fill(1.0);
    cf.proc_d.fill(0.0);
    cf.sup_f.fill(1.0);
    cf.sup_d.fill(0.0);
    cf.dem_f.fill(1.0);
    cf.leg_closed.fill(false);
    cf.hub_closed.fill(false);
    cf.banned.fill(false);
    // Eligibility is part of the world: ineligible flows are shut whatever
    // the policies.
    m.ineligible.iter().for_each(|&f| cf.banned[f] = true);
    cf.friction.fill(0.0);
    let row_upper = &mut ws.row_upper;
    for (i, pol) in m.policies.iter().enumerate() {
        let on = ws.active[i * m.periods + t];
        match &pol.effect {
            Effect::Quota {
                row,
                amount,
                fraction,
                ..
            } => {
                row_upper[*row] = match (on, fraction) {
                    (false, _) => INF,
                    (true, true) => p[*amount].max(0.0) * prep.quota_base[i],
                    (true, false) => p[*amount].max(0.0) * dt,
                };
            }
            _ if !on => {}
            Effect::Ban { flows } => flows.iter().for_each(|&f| cf.banned[f] = true),
            Effect::Friction {
                flows,
                per_unit,
                ad_valorem,
            } => {
                for &f in flows {
                    let k = m.flows[f].commodity;
                    cf.friction[f] += per_unit.map_or(0.0, |s| p[s])
                        + ad_valorem.map_or(0.0, |s| p[s] * m.commodities[k].reference_price);
                }
            }
            // Its queue's bound is staged every period (`licence::stage`).
            Effect::Licence {
                flows, per_unit, ..
            } => {
                let extra = per_unit.map_or(0.0, |s| p[s]);
                flows.iter().for_each(|&f| cf.friction[f] += extra);
            }
            Effect::Closure { legs, hubs, flows } => {
                legs.iter().for_each(|&l| cf.leg_closed[l] = true);
                hubs.iter().for_each(|&h| cf.hub_closed[h] = true);
                flows.iter().for_each(|&f| cf.banned[f] = true);
            }
            Effect::Capacity {
                target,
                factor,
                delta,
            } => {
                let f = factor.map_or(1.0, |s| p[s]);
                let d = delta.map_or(0.0, |s| p[s]);
                match target {
                    CapTarget::Legs(ls) => ls.iter().for_each(|&l| {
                        cf.leg_f[l] *= f;
                        cf.leg_d[l] += d;
                    }),
                    CapTarget::Hubs(hs) => hs.iter().for_each(|&h| {
                        cf.hub_f[h] *= f;
                        cf.hub_d[h] += d;
                    }),
                    CapTarget::Process(i) => {
                        cf.proc_f[*i] *= f;
                        cf.proc_d[*i] += d;
                    }
                    CapTarget::Supply(bs) => bs.iter().for_each(|&b| {
                        cf.sup_f[b] *= f;
                        cf.sup_d[b] += d * m.supply[b].delta_share;
                    }),
                }
            }
            Effect::DemandShock { demands, factor } => {
                demands.iter().for_each(|&d| cf.dem_f[d] *= p[*factor])
            }
        }
    }

    let (ub, cost) = (&mut ws.col_upper, &mut ws.cost);
    for (b, s) in m.supply.iter().enumerate() {
        ub[s.col] = (p[s.cap] * s.share * cf.sup_f[b] + cf.sup_d[b]).max(0.0) * dt;
        cost[s.col] = match s.cost {
            CostRef::Value(v) => v,
            CostRef::Param(i) => p[i],
        };
    }
    let mut offset = 0;
    for (i, d) in m.demand.iter().enumerate() {
        for j in 0..=d.blocks {
            ub[d.first_col + j] = ws.demand_width[offset + j] * dt * cf.dem_f[i];
            cost[d.first_col + j] = -ws.demand_value[offset + j];
        }
        offset += d.blocks + 1;
    }
    for (i, pr) in m.processing.iter().enumerate() {
        ub[pr.col] = (p[pr.cap] * cf.proc_f[i] + cf.proc_d[i]).max(0.0) * dt;
        cost[pr.col] = p[pr.cost];
    }
    for d in &m.disposal {
        (ub[d.col], cost[d.col]) = (INF, 0.0);
    }
    for (f, fl) in m.flows.iter().enumerate() {
        ub[fl.col] = if cf.banned[f] { 0.0 } else { INF };
        cost[fl.col] = ws.flow_cost[f] + cf.friction[f];
    }
    for r in m.lp.balance_row.iter().flatten() {
        row_upper[*r] = 0.0;
    }
}

/// Stock release and refill bounds from the current levels.
fn stage_stocks(m: &CompiledModel, ws: &mut Workspace) {
    let dt = m.dt();
    let (ub, cost) = (&mut ws.col_upper, &mut ws.cost);
    for (i, s) in m.stockpiles.iter().enumerate() {
        let level = ws.stock[i];
        ub[s.release_col] = (s.release_rate * dt).min(level).max(0.0);
        cost[s.release_col] = s.release_price;
        ub[s.refill_col] = (s.refill_rate * dt).min(s.capacity - level).max(0.0);
        cost[s.refill_col] = -s.refill_price;
    }
}

/// Leg and hub capacity rows of period `t`: the policy factors times the
/// period's availability.
fn stage_capacities(m: &CompiledModel, ws: &mut Workspace, t: usize) {
    let dt = m.dt();
    let p = &ws.params;
    let cf = &ws.cap_factor;
    let row_upper = &mut ws.row_upper;
    let n_legs = m.legs.len();
    for (l, leg) in m.legs.iter().enumerate() {
        if let (Some(row), Some(cap)) = (leg.row, leg.capacity) {
            row_upper[row] = if cf.leg_closed[l] {
                0.0
            } else {
                (p[cap] * cf.leg_f[l] + cf.leg_d[l]).max(0.0) * dt * ws.avail[l * m.periods + t]
            };
        }
    }
    for (h, hub) in m.hubs.iter().enumerate() {
        if let (Some(row), Some(cap)) = (hub.row, hub.capacity) {
            row_upper[row] = if cf.hub_closed[h] {
                0.0
            } else {
                (p[cap] * cf.hub_f[h] + cf.hub_d[h]).max(0.0)
                    * dt
                    * ws.avail[(n_legs + h) * m.periods + t]
            };
        }
    }
}

/// Solves the staged LP, reusing the current solution when the staged
/// problem equals the one last solved, or an earlier period's when it equals
/// one of the trial's recent LPs.
pub fn solve(ws: &mut Workspace) -> Result<(), ClearingFailure> {
    let same = ws.solved
        && ws.lp.col_upper_mut() == ws.col_upper.as_slice()
        && ws.lp.cost_mut() == ws.cost.as_slice()
        && ws.lp.row_upper_mut() == ws.row_upper.as_slice();
    if same {
        ws.stats.reused += 1;
        ws.from_recent = None;
        return Ok(());
    }
    let key = [
        ws.col_upper.as_slice(),
        ws.cost.as_slice(),
        ws.row_upper.as_slice(),
    ];
    let hash = lp_hash(key);
    if let Some(slot) = ws.recent.find(hash, key) {
        // The solver keeps the LP it last solved: the next period warm-starts
        // from there as it would have without this period.
        ws.stats.recalled += 1;
        ws.from_recent = Some(slot);
        return Ok(());
    }
    ws.lp.col_upper_mut().copy_from_slice(&ws.col_upper);
    ws.lp.cost_mut().copy_from_slice(&ws.cost);
    ws.lp.row_upper_mut().copy_from_slice(&ws.row_upper);
    ws.solved = false;
    ws.from_recent = None;
    let status = ws.lp.solve();
    ws.stats.solves += 1;
    ws.stats.pivots += ws.lp.iterations() as u64;
    match status {
        Ok(super::simplex::Status::Optimal) => {
            ws.solved = true;
            let key = [
                ws.col_upper.as_slice(),
                ws.cost.as_slice(),
                ws.row_upper.as_slice(),
            ];
            ws.recent
                .insert(hash, key, ws.lp.col_value(), ws.lp.row_dual());
            Ok(())
        }
        Ok(super::simplex::Status::Infeasible) => Err(ClearingFailure::Infeasible),
        Ok(super::simplex::Status::Unbounded) => Err(ClearingFailure::Unbounded),
        // The solver refuses NaN bounds and non-finite costs itself; only
        // when it fails is it worth telling bad numbers from solver trouble.
        Err(_) if !ws.cost.iter().all(|c| c.is_finite()) => Err(ClearingFailure::NotFinite),
        Err(_) if ws.col_upper.iter().chain(&ws.row_upper).any(|u| u.is_nan()) => {
            Err(ClearingFailure::NotFinite)
        }
        Err(_) => Err(ClearingFailure::Solver),
    }
}

/// Reads the solution of period `t` into `out` (one value per series) and
/// moves stocks.
pub fn record(
    m: &CompiledModel,
    prep: &Prepared,
    ws: &mut Workspace,
    t: usize,
    out: &mut [f64],
) -> Result<(), ClearingFailure> {
    out.fill(0.0);
    let (x, y) = ws.recent.solution(&ws.lp, ws.from_recent);
    let dt = m.dt();
    let nk = m.commodities.len();
    let ix = &m.index;

    for (cell, row) in m.lp.balance_row.iter().enumerate() {
        if let (Some(row), Some(s)) = (row, &ix.market[cell]) {
            out[s.price] = y[*row];
        }
    }
    let mut shortfall_value = 0.0;
    let mut offset = 0;
    for (i, d) in m.demand.iter().enumerate() {
        let Some(s) = &ix.market[d.region * nk + d.commodity] else {
            continue;
        };
        let f = ws.cap_factor.dem_f[i];
        let consumed: f64 = x[d.first_col..=d.first_col + d.blocks].iter().sum();
        // Demand a response destroyed is not short: scale the essential block.
        let essential = ws.demand_width[offset + d.blocks] * dt * (f * ws.resp.scale[i]);
        let short = (essential - x[d.first_col + d.blocks]).max(0.0);
        out[s.consumption] += consumed;
        out[s.shortfall] += short;
        out[s.consumption_gap] += (ws.params[d.quantity] * dt * f - consumed).max(0.0);
        shortfall_value += short * ws.demand_value[offset + d.blocks];
        offset += d.blocks + 1;
    }
    for sb in &m.supply {
        if let Some(s) = &ix.market[sb.region * nk + sb.commodity] {
            out[s.production] += x[sb.col];
        }
    }
    for fs in &prep.flow_slots {
        // Below the solver's tolerance a flow is rounding noise; recording it
        // would turn shares of a zero total into noise between 0 and 1.
        let v = x[fs.col as usize];
        if v.abs() < FLOW_NOISE {
            // Most flows are idle in a period; adding their zero would
            // change no sum (none is -0.0), and the adds to shared slots
            // form long store-to-load chains.
            continue;
        }
        for s in [fs.route, fs.corridor, fs.import_from, fs.export_via] {
            out[s.get()] += v;
        }
        for s in [fs.imports, fs.exports].into_iter().flatten() {
            out[s.get()] += v;
        }
        if let Some(bill) = fs.bill {
            // Landed: the exporter's price plus the route's cost (freight,
            // tariffs, frictions); a binding leg's rent stays with whoever
            // holds the capacity (a term tranche's buyer).
            let landed = y[fs.origin_row as usize] + ws.cost[fs.col as usize];
            out[bill.get()] += v * landed / 1e6;
        }
        let tonnes = v * fs.tonnes_per_unit;
        for s in &prep.leg_slots[fs.legs.start as usize..fs.legs.end as usize] {
            out[s.get()] += tonnes;
        }
    }
    for (l, leg) in m.legs.iter().enumerate() {
        let s = &ix.leg[l];
        if let Some(row) = leg.row {
            let cap = ws.row_upper[row];
            out[s.utilisation] = if cap > 0.0 { out[s.flow] / cap } else { 0.0 };
            out[s.rent] = (-y[row]).max(0.0);
        }
        out[s.availability] = ws.avail[l * m.periods + t];
    }
    for s in &ix.process {
        out[s.series] = x[s.col] * s.amount;
    }
    for (d, &s) in m.disposal.iter().zip(&ix.disposal) {
        out[s] = x[d.col];
    }
    for (i, s) in m.stockpiles.iter().enumerate() {
        let (release, refill) = (x[s.release_col], x[s.refill_col]);
        ws.stock[i] = (ws.stock[i] - release + refill).clamp(0.0, s.capacity.max(ws.stock[i]));
        out[ix.stock[i].level] = ws.stock[i];
        out[ix.stock[i].release] = release;
    }
    let (mut objective, mut system_cost) = (0.0, 0.0);
    for ((&c, &v), &value_col) in ws.cost.iter().zip(x).zip(&prep.is_value_col) {
        // Adding +0 for a value column is adding nothing (a sum that starts
        // at +0 never becomes -0), and a select is cheaper than a branch.
        let cv = c * v;
        objective += cv;
        system_cost += if value_col { 0.0 } else { cv };
    }
    out[ix.totals.welfare] = -objective / 1e6;
    out[ix.totals.system_cost] = system_cost / 1e6;
    out[ix.totals.shortfall_value] = shortfall_value / 1e6;
    licence::record(m, ws, t, out);
    if !objective.is_finite() {
        return Err(ClearingFailure::NotFinite);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Prepared, Workspace};
    use crate::model::compile;
    use crate::scenario::{fixture::WORLD, load_str};

    /// A period whose LP equals an earlier one of the trial takes that
    /// period's solution, bit for bit, without a solve; the solver keeps the
    /// LP it last solved; a new trial remembers nothing.
    #[test]
    fn an_earlier_state_is_recalled_not_solved() {
        let m = compile(&load_str(WORLD).unwrap()).unwrap();
        let prep = Prepared::new(&m).unwrap();
        let mut ws = Workspace::new(&m);
        crate::engine::trial::begin(&m, &prep, &mut ws, &mut crate::engine::ExpectedValues);
        let period = |ws: &mut Workspace, avail: f64| {
            // The pipeline at a fraction of its capacity, binding.
            ws.avail[0] = avail;
            stage(&m, &prep, ws, 0);
            solve(ws).unwrap();
            let (x, y) = ws.solution();
            (x.to_vec(), y.to_vec())
        };
        let full = period(&mut ws, 1.0);
        let cut = period(&mut ws, 0.01);
        assert_ne!(full.0, cut.0, "the outage moves the flows");
        let solves = ws.stats.solves;
        assert_eq!(period(&mut ws, 1.0), full);
        assert_eq!((ws.stats.solves, ws.stats.recalled), (solves, 1));
        assert_eq!(ws.from_recent.map(|_| ()), Some(()));
        // The solver still holds the outage LP: staging it again reuses it.
        assert_eq!(period(&mut ws, 0.01), cut);
        assert_eq!((ws.stats.reused, ws.from_recent), (1, None));
        ws.restore(&prep.basis);
        period(&mut ws, 1.0);
        assert_eq!(ws.stats.solves, solves + 1, "a new trial solves again");
    }

    /// Staging keeps the policy-driven bounds and costs of the period staged
    /// before only when every policy is in the same state: through policies
    /// switching on and off, outages and moving stocks, each period's staged
    /// LP equals one staged from scratch, bit for bit.
    #[test]
    fn incremental_staging_equals_staging_from_scratch() {
        let path = std::path::Path::new("scenarios/china-ree-export-ban.toml");
        let m = compile(&crate::scenario::load(path).unwrap()).unwrap();
        assert!(!m.policies.is_empty() && !m.stockpiles.is_empty());
        let prep = Prepared::new(&m).unwrap();
        let mut ws = Workspace::new(&m);
        crate::engine::trial::begin(&m, &prep, &mut ws, &mut crate::engine::ExpectedValues);
        let np = m.periods;
        for (i, _) in m.policies.iter().enumerate() {
            for t in 0..np {
                ws.active[i * np + t] = (t / (3 + i) + i) % 2 == 0;
            }
        }
        let mut fresh = Workspace::new(&m);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for t in 0..np {
            ws.avail[t] = if t % 5 == 0 { 0.5 } else { 1.0 };
            for s in ws.stock.iter_mut() {
                *s *= 0.9;
            }
            stage(&m, &prep, &mut ws, t);
            fresh.params.copy_from_slice(&ws.params);
            fresh.demand_width.copy_from_slice(&ws.demand_width);
            fresh.demand_value.copy_from_slice(&ws.demand_value);
            fresh.flow_cost.copy_from_slice(&ws.flow_cost);
            fresh.active.copy_from_slice(&ws.active);
            fresh.avail.copy_from_slice(&ws.avail);
            fresh.stock.copy_from_slice(&ws.stock);
            fresh.staged = None;
            stage(&m, &prep, &mut fresh, t);
            assert_eq!(bits(&ws.col_upper), bits(&fresh.col_upper), "period {t}");
            assert_eq!(bits(&ws.cost), bits(&fresh.cost), "period {t}");
            assert_eq!(bits(&ws.row_upper), bits(&fresh.row_upper), "period {t}");
        }
    }

    /// Bad numbers reaching the solver are reported as such, not as solver
    /// trouble, whichever array holds them.
    #[test]
    fn non_finite_inputs_are_not_finite_failures() {
        let m = compile(&load_str(WORLD).unwrap()).unwrap();
        let prep = Prepared::new(&m).unwrap();
        let cases: [(&str, fn(&mut Workspace)); 4] = [
            ("NaN cost", |ws| ws.cost[0] = f64::NAN),
            ("infinite cost", |ws| ws.cost[0] = f64::INFINITY),
            ("NaN column bound", |ws| ws.col_upper[0] = f64::NAN),
            ("NaN row bound", |ws| ws.row_upper[0] = f64::NAN),
        ];
        for (what, spoil) in cases {
            let mut ws = Workspace::new(&m);
            stage(&m, &prep, &mut ws, 0);
            assert_eq!(solve(&mut ws), Ok(()), "{what}: the clean period solves");
            spoil(&mut ws);
            assert_eq!(solve(&mut ws), Err(ClearingFailure::NotFinite), "{what}");
        }
    }
}
