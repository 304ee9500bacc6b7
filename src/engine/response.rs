//! The responses that link periods, run between the period LPs:
//!
//! - **Demand adjustment (Nerlove).** An adjusting curve is the short-run
//!   curve scaled by `s_t = Q_t / Q0`. After period `t` cleared at price
//!   `p`, `ln s ← ln s + a (ln s*(p) − ln s)` with
//!   `ln s*(p) = (ε_L − ε_S) ln(p / P_ref)` and `a = 1 − 2^(−Δ/h)` (`h` the
//!   half-life, `Δ` the period, in months), so under a price held at `p`
//!   consumption tends to the long-run curve `Q0 (p/P_ref)^ε_L` through the
//!   undisturbed point. `P_ref` is the market's price in the trial's own
//!   undisturbed first period (the caller solves it: same parameters,
//!   standing policies only, full availability), so a market nothing
//!   happened to keeps `s = 1` exactly and its LP stays bit-identical.
//!   Within [`DEADBAND`] of its target `ln s` snaps to it, and the curve is
//!   scaled by `ln s` rounded to a grid of [`DEADBAND`], so after a shock
//!   the periods become identical again after a finite time and a slow
//!   adjustment changes the LP only every few periods.
//! - **Supply response.** A response counts the months its market's price
//!   has been at or above its trigger without a break; when they reach
//!   `sustain_months` it is committed (once per trial: the investment is
//!   sunk and stays), and its column's bound is `capacity × ramp(τ)`, with
//!   `ramp` 0 before `lead_months` have passed since the end of the
//!   committing period, then rising linearly over `ramp_months` to 1,
//!   evaluated at the middle of each period.
//! - **Recycling.** A column whose bound is `share` of the market's
//!   consumption `lag_months` before the period's start (`1 + round(lag/Δ)`
//!   periods back); before the horizon, consumption is the trial's
//!   undisturbed first-period consumption (in the first period itself, the
//!   reference quantity). The consumption used moves only
//!   by more than [`DEADBAND`] (relative), so a market whose consumption
//!   wobbles at rounding level keeps one LP.
//!
//! Nothing here allocates after [`ResponseState::new`].

use crate::model::{CompiledModel, Responses};

/// Relative band (in logarithms for demand, in shares for recycling)
/// within which a state snaps to its target: 1%, below the resolution of
/// the stepped demand curves (a block spans a fifth or more of the price).
pub const DEADBAND: f64 = 0.01;

/// The responses' state in one trial.
#[derive(Debug, Clone)]
pub struct ResponseState {
    /// Per demand curve: the scale of its blocks, `Q_t / Q0` with `ln` on
    /// a grid of [`DEADBAND`] (1 when it does not adjust).
    pub scale: Vec<f64>,
    /// Per demand curve: `ln (Q_t / Q0)`, of which `scale` is the rounded
    /// exponential.
    ln_scale: Vec<f64>,
    /// Per adjustment: the reference price `P_ref`.
    p_ref: Vec<f64>,
    /// Per supply response: months its price has been high without a break.
    high_months: Vec<f64>,
    /// Per supply response: month (from the horizon start) of its first
    /// output, infinite while uncommitted.
    online: Vec<f64>,
    /// Per recycling tranche and period: consumption, `tranche * periods + t`.
    consumed: Vec<f64>,
    /// Per recycling tranche: consumption in a period before the horizon.
    before: Vec<f64>,
    /// Per recycling tranche: the consumption its current bound is a share of.
    basis: Vec<f64>,
}

impl ResponseState {
    /// Allocates the state of `m`'s responses.
    pub fn new(m: &CompiledModel) -> Self {
        let r = &m.responses;
        ResponseState {
            scale: vec![1.0; m.demand.len()],
            ln_scale: vec![0.0; m.demand.len()],
            p_ref: vec![0.0; r.adjust.len()],
            high_months: vec![0.0; r.supply.len()],
            online: vec![f64::INFINITY; r.supply.len()],
            consumed: vec![0.0; r.recycling.len() * m.periods],
            before: vec![0.0; r.recycling.len()],
            basis: vec![0.0; r.recycling.len()],
        }
    }

    /// Puts the state at the start of a trial; recycling's first bound is a
    /// share of the reference quantity, and its consumption before the
    /// horizon is that too until [`Self::set_reference`] replaces it.
    pub fn begin(&mut self, m: &CompiledModel, params: &[f64]) {
        self.scale.fill(1.0);
        self.ln_scale.fill(0.0);
        self.p_ref.fill(0.0);
        self.high_months.fill(0.0);
        self.online.fill(f64::INFINITY);
        self.consumed.fill(0.0);
        for (i, rc) in m.responses.recycling.iter().enumerate() {
            let q0 = params[m.demand[rc.demand].quantity].max(0.0) * m.dt();
            (self.before[i], self.basis[i]) = (q0, q0);
        }
    }

    /// Takes the reference from the solution `(x, y)` of the trial's
    /// undisturbed first period: each adjusting market's price and each
    /// recycling market's consumption.
    pub fn set_reference(&mut self, m: &CompiledModel, x: &[f64], y: &[f64]) {
        for (a, p) in m.responses.adjust.iter().zip(self.p_ref.iter_mut()) {
            *p = price(
                m,
                m.demand[a.demand].region,
                m.demand[a.demand].commodity,
                y,
            );
        }
        for (i, rc) in m.responses.recycling.iter().enumerate() {
            let c = consumption(m, rc.demand, x);
            // The first period keeps the reference quantity's bound (it is
            // the reference LP itself when nothing disturbs it); later
            // periods that look back before the horizon see `c`.
            self.before[i] = c;
        }
    }

    /// Overwrites the bounds and costs the responses set in period `t`:
    /// adjusting demand blocks (`width × Δ × shock factor × scale`), supply
    /// response and recycling columns. Called after the rest of the period
    /// is staged.
    #[allow(clippy::too_many_arguments)]
    pub fn stage(
        &self,
        m: &CompiledModel,
        params: &[f64],
        demand_width: &[f64],
        dem_f: &[f64],
        t: usize,
        col_upper: &mut [f64],
        cost: &mut [f64],
    ) {
        let dt = m.dt();
        let r: &Responses = &m.responses;
        for a in &r.adjust {
            let d = &m.demand[a.demand];
            let f = dem_f[a.demand] * self.scale[a.demand];
            for j in 0..=d.blocks {
                col_upper[d.first_col + j] = demand_width[a.width_offset + j] * dt * f;
            }
        }
        let mpp = m.months_per_period();
        let mid = (t as f64 + 0.5) * mpp;
        for (i, s) in r.supply.iter().enumerate() {
            let ramp = s.ramp.map_or(0.0, |p| params[p].max(0.0));
            let since = mid - self.online[i];
            let share = if since < 0.0 || since.is_nan() {
                0.0
            } else if ramp > 0.0 {
                (since / ramp).min(1.0)
            } else {
                1.0
            };
            col_upper[s.col] = params[s.capacity].max(0.0) * share * dt;
            cost[s.col] = params[s.cost];
        }
        for (i, rc) in r.recycling.iter().enumerate() {
            col_upper[rc.col] = params[rc.share].clamp(0.0, 1.0) * self.basis[i];
            cost[rc.col] = params[rc.cost];
        }
    }

    /// Moves the state on after period `t` cleared with solution `(x, y)`
    /// and adds the responses' output to the production series of `row`.
    pub fn after(
        &mut self,
        m: &CompiledModel,
        params: &[f64],
        t: usize,
        (x, y): (&[f64], &[f64]),
        row: &mut [f64],
    ) {
        let r: &Responses = &m.responses;
        let mpp = m.months_per_period();
        for (a, &p_ref) in r.adjust.iter().zip(&self.p_ref) {
            let d = &m.demand[a.demand];
            let p = price(m, d.region, d.commodity, y);
            if !(p > 0.0 && p_ref > 0.0) {
                // No price signal (a market nothing clears in): no move.
                continue;
            }
            let target = a.shift_elasticity * (p / p_ref).ln();
            let h = params[a.half_life];
            let speed = if h > 0.0 {
                1.0 - (-mpp / h).exp2()
            } else {
                1.0
            };
            let ln = &mut self.ln_scale[a.demand];
            let moved = *ln + speed * (target - *ln);
            *ln = if (moved - target).abs() < DEADBAND {
                target
            } else {
                moved
            };
            // The curve gets `ln s` on a grid of DEADBAND: a slow adjustment
            // moves it by a fraction of a step a month, so consecutive
            // periods share one LP and reuse its solution.
            self.scale[a.demand] = ((*ln / DEADBAND).round() * DEADBAND).exp();
        }
        let nk = m.commodities.len();
        for (i, s) in r.supply.iter().enumerate() {
            if let Some(slot) = &m.index.market[s.region * nk + s.commodity] {
                row[slot.production] += x[s.col];
            }
            if self.online[i].is_finite() {
                continue;
            }
            let high = price(m, s.region, s.commodity, y) >= params[s.trigger];
            self.high_months[i] = if high { self.high_months[i] + mpp } else { 0.0 };
            let sustain = s.sustain.map_or(0.0, |p| params[p].max(0.0));
            if high && self.high_months[i] >= sustain {
                self.online[i] = (t + 1) as f64 * mpp + params[s.lead].max(0.0);
            }
        }
        for (i, rc) in r.recycling.iter().enumerate() {
            let d = &m.demand[rc.demand];
            if let Some(slot) = &m.index.market[d.region * nk + d.commodity] {
                row[slot.production] += x[rc.col];
            }
            let hist = &mut self.consumed[i * m.periods..(i + 1) * m.periods];
            hist[t] = consumption(m, rc.demand, x);
            // The next period recycles what was consumed `lag` before it starts.
            let back = 1.0 + (rc.lag.map_or(0.0, |p| params[p].max(0.0)) / mpp).round();
            let source = (t + 1) as f64 - back;
            let c = if source >= 0.0 {
                hist[source as usize]
            } else {
                self.before[i]
            };
            if (c - self.basis[i]).abs() > DEADBAND * self.basis[i].abs().max(f64::MIN_POSITIVE) {
                self.basis[i] = c;
            }
        }
    }
}

/// The price (balance-row dual) of a market, 0 if nothing touches it.
fn price(m: &CompiledModel, region: usize, commodity: usize, y: &[f64]) -> f64 {
    m.lp.balance_row[region * m.commodities.len() + commodity].map_or(0.0, |r| y[r])
}

/// What demand curve `d` consumed in a period.
fn consumption(m: &CompiledModel, d: usize, x: &[f64]) -> f64 {
    let c = &m.demand[d];
    x[c.first_col..=c.first_col + c.blocks].iter().sum()
}

#[cfg(test)]
mod tests {
    use crate::engine::{run_trial, ExpectedValues, Prepared, Workspace};
    use crate::model::{compile, CompiledModel, Metric};
    use crate::scenario::fixture::patch;
    use crate::scenario::load_str;

    /// A two-year monthly fixture world, with `edits` made.
    fn world(edits: &[(&str, &str)]) -> CompiledModel {
        long_world(24, edits)
    }

    /// The fixture world over `periods` months, with `edits` made.
    fn long_world(periods: usize, edits: &[(&str, &str)]) -> CompiledModel {
        let n = format!("periods = {periods}");
        let mut all = vec![("periods = 12", n.as_str())];
        all.extend_from_slice(edits);
        let text = patch(&all);
        compile(&load_str(&text).unwrap_or_else(|d| panic!("{d}"))).unwrap()
    }

    /// Halves Kazakh supply from month 3 for `months` months.
    fn shock(months: u32) -> String {
        format!(
            "corridor = \"china_direct\"\n\n[[policies]]\nid = \"cut\"\ntype = \"supply_shock\"\nregion = \"KZ\"\ncommodity = \"oil\"\nfactor = 0.3\nstart = \"2026-03\"\nduration_months = {months}\n"
        )
    }

    /// One deterministic trial: a series of `m` by period, and the LP work.
    fn run(m: &CompiledModel, metric: Metric, region: &str) -> (Vec<f64>, u64) {
        run_with(m, metric, region, &[])
    }

    /// [`run`] with some parameter slots set to other values, as a sampled
    /// trial would have them.
    fn run_with(
        m: &CompiledModel,
        metric: Metric,
        region: &str,
        set: &[(usize, f64)],
    ) -> (Vec<f64>, u64) {
        let prep = Prepared::new(m).unwrap();
        let mut ws = Workspace::new(m);
        for &(slot, v) in set {
            ws.params[slot] = v;
        }
        let mut rec = vec![0.0; (m.periods + 1) * m.series.len()];
        run_trial(m, &prep, &mut ws, &mut ExpectedValues, &mut rec).unwrap();
        let s = m.series_index(metric, Some("oil"), region).unwrap();
        let path = (0..m.periods)
            .map(|t| rec[t * m.series.len() + s])
            .collect();
        (path, ws.stats.solves)
    }

    const CHOKE: &str = "choke_price = 5000.0";
    const ADJUST: &str = "choke_price = 5000.0\nlong_run_elasticity = -0.9\nhalf_life_months = 3";

    /// A market nothing happens to is untouched by adjustment: the same
    /// bits every period, and no more solves.
    #[test]
    fn an_undisturbed_market_does_not_drift() {
        let plain = run(&world(&[]), Metric::Consumption, "CN");
        let adjusting = run(&world(&[(CHOKE, ADJUST)]), Metric::Consumption, "CN");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&plain.0), bits(&adjusting.0));
        assert_eq!(adjusting.1, plain.1, "solves");
    }

    /// The reference is the trial's own undisturbed price, not the
    /// baseline's: a trial whose sampled supply clears at another price
    /// than the expected one does not drift, and adjusts to a shock that is
    /// on from its very first period (whose LP is then not the reference).
    #[test]
    fn the_reference_is_the_trials_own_undisturbed_price() {
        let adjusting = world(&[(CHOKE, ADJUST)]);
        let cap = adjusting.supply[0].cap;
        let less = [(cap, 60.0)];
        let (p_base, _) = run(&adjusting, Metric::Price, "CN");
        let (p_less, _) = run_with(&adjusting, Metric::Price, "CN", &less);
        assert!(p_less[0] > p_base[0], "scarcer supply, dearer: {p_less:?}");
        let (c_less, _) = run_with(&adjusting, Metric::Consumption, "CN", &less);
        let (c_plain, _) = run_with(&world(&[]), Metric::Consumption, "CN", &less);
        assert_eq!(c_less, c_plain, "no drift at the trial's own price");
        // A cut on from the first month: demand still adjusts to it.
        let cut = shock(30).replace("2026-03", "2026-01");
        let edit = ("corridor = \"china_direct\"\n", cut.as_str());
        let (p_cut, _) = run(&world(&[edit]), Metric::Price, "CN");
        let (p_cut_adj, _) = run(&world(&[edit, (CHOKE, ADJUST)]), Metric::Price, "CN");
        assert!(p_cut_adj[12] < p_cut[12], "{p_cut_adj:?} vs {p_cut:?}");
    }

    /// While a supply cut holds the price up, demand is destroyed month by
    /// month (the cut market's price falls back from the choke); once the
    /// cut ends consumption comes back only gradually, as demand returns,
    /// and in the end snaps back to its reference exactly: the last months
    /// are the undisturbed ones bit for bit. Without adjustment the cut
    /// months all look alike and consumption returns at once.
    #[test]
    fn demand_is_destroyed_while_the_price_is_high_and_recovers_after() {
        let cut = shock(8);
        let edit = ("corridor = \"china_direct\"\n", cut.as_str());
        let plain = long_world(60, &[edit]);
        let adjusting = long_world(60, &[edit, (CHOKE, ADJUST)]);
        let (p_plain, _) = run(&plain, Metric::Price, "CN");
        let (p_adj, _) = run(&adjusting, Metric::Price, "CN");
        // Months 2..10 are cut.
        assert!(
            p_plain[3..10].windows(2).all(|w| w[0] == w[1]),
            "{p_plain:?}"
        );
        assert!(p_adj[9] < p_adj[3] && p_adj[9] < p_plain[9], "{p_adj:?}");
        let (c_plain, _) = run(&plain, Metric::Consumption, "CN");
        let (c_adj, _) = run(&adjusting, Metric::Consumption, "CN");
        let (undisturbed, _) = run(&long_world(60, &[]), Metric::Consumption, "CN");
        assert_eq!(c_plain[10], undisturbed[10], "without adjustment, at once");
        assert!(
            c_adj[10] < c_adj[12] && c_adj[12] < c_plain[12],
            "{c_adj:?}"
        );
        assert_eq!(c_adj[59].to_bits(), undisturbed[59].to_bits(), "{c_adj:?}");
    }

    /// Capacity answers a sustained high price after its lead time, never
    /// before, and not at all when the price never reaches the trigger.
    #[test]
    fn supply_responds_after_its_lead_time_to_a_sustained_price() {
        let cut = shock(20);
        let edit = ("corridor = \"china_direct\"\n", cut.as_str());
        let response = |trigger: f64| {
            format!("cost = [100.0, 300.0]\nresponses = [{{ trigger_price = {trigger}, sustain_months = 2, lead_months = 4, capacity = 60, cost = 350 }}]")
        };
        let on = response(600.0);
        let m = world(&[edit, ("cost = [100.0, 300.0]", &on)]);
        let (prod, _) = run(&m, Metric::Production, "KZ");
        let (base, _) = run(&world(&[edit]), Metric::Production, "KZ");
        let (price, _) = run(&world(&[edit]), Metric::Price, "CN");
        assert!(price[2] >= 600.0 && price[1] < 600.0, "{price:?}");
        // High from month 2; committed after month 3 (two months high);
        // first output from month 3 + 1 + 4 = 8.
        assert_eq!(&prod[..8], &base[..8]);
        assert!(prod[8] > base[8] + 1.0, "{prod:?} vs {base:?}");
        let (p_on, _) = run(&m, Metric::Price, "CN");
        assert!(p_on[20] < price[20], "{p_on:?}");
        // A trigger above every price never commits.
        let off = response(1e9);
        let (never, _) = run(
            &world(&[edit, ("cost = [100.0, 300.0]", &off)]),
            Metric::Production,
            "KZ",
        );
        assert_eq!(never, base);
    }

    /// Recycling supplies up to its share of lagged consumption, at its
    /// cost: used when the price is above that cost, and idle otherwise.
    #[test]
    fn recycling_supplies_a_share_of_lagged_consumption() {
        let cut = shock(20);
        let edit = ("corridor = \"china_direct\"\n", cut.as_str());
        let rec = "choke_price = 5000.0\nrecycling = { share = 0.1, lag_months = 2, cost = 550 }";
        let m = world(&[edit, (CHOKE, rec)]);
        let (prod, _) = run(&m, Metric::Production, "CN");
        let (cons, _) = run(&m, Metric::Consumption, "CN");
        let (base_short, _) = run(&world(&[edit]), Metric::Shortfall, "CN");
        let (short, _) = run(&m, Metric::Shortfall, "CN");
        // CN produces nothing itself: its production is recycling.
        assert_eq!(prod[0], 0.0, "idle at the normal price: {prod:?}");
        for t in 6..24 {
            assert!(
                prod[t] <= 0.1 * cons[t - 3] * (1.0 + super::DEADBAND) + 1e-9,
                "{t}"
            );
        }
        assert!(
            prod[10] > 0.0 && short[10] < base_short[10],
            "{prod:?} {short:?}"
        );
        let idle = "choke_price = 5000.0\nrecycling = { share = 0.1, lag_months = 2, cost = 1e9 }";
        let (none, _) = run(&world(&[edit, (CHOKE, idle)]), Metric::Production, "CN");
        assert!(none.iter().all(|&p| p == 0.0));
    }
}
