//! Scratch memory of one worker, allocated once and reused across periods
//! and trials (it holds no state that outlives a trial).

use super::recent::RecentLps;
use super::response::ResponseState;
use super::simplex::{BasisState, Simplex, SparseMatrix};
use crate::model::CompiledModel;

/// Per-worker scratch: the LP solver and the per-trial schedules.
pub struct Workspace {
    /// The LP solver, warm-started period to period.
    pub lp: Simplex,
    /// This trial's parameter values.
    pub params: Vec<f64>,
    /// Demand block widths per year (by column offset from the curve's first column).
    pub demand_width: Vec<f64>,
    /// Demand block values, USD per unit.
    pub demand_value: Vec<f64>,
    /// Per flow: transport, handling and trade cost per unit before policies.
    pub flow_cost: Vec<f64>,
    /// Policy active flags, `policy * periods + t`.
    pub active: Vec<bool>,
    /// Available fraction of capacity, `element * periods + t` (legs, then hubs).
    pub avail: Vec<f64>,
    /// Stock levels.
    pub stock: Vec<f64>,
    /// The licence queues' approvals and backlogs (`engine::licence`).
    pub licence: LicenceQueues,
    /// Staged column upper bounds for the next solve.
    pub col_upper: Vec<f64>,
    /// Staged costs.
    pub cost: Vec<f64>,
    /// Staged row upper bounds.
    pub row_upper: Vec<f64>,
    /// Capacity multipliers and additions per leg, hub, plant, supply block
    /// and demand curve for the current period.
    pub cap_factor: CapScratch,
    /// Whether the solver holds an optimal solution of the problem it last
    /// solved (its own bounds and costs).
    pub solved: bool,
    /// Solutions of this trial's recent distinct LPs.
    pub recent: RecentLps,
    /// Where the current period's solution is: the solver (`None`) or a
    /// slot of `recent`.
    pub from_recent: Option<usize>,
    /// The period whose policy state the staged policy-driven bounds and
    /// costs reflect (`None`: nothing staged in this trial yet).
    pub staged: Option<usize>,
    /// Solves and reuses in the last trial, for benchmarks.
    pub stats: SolveStats,
    /// The current period's record row (one value per series).
    pub row: Vec<f64>,
    /// Running horizon totals per series.
    pub total: Vec<f64>,
    /// State of the responses that link periods (`response.rs`).
    pub resp: ResponseState,
    /// Scratch of `clearing::stage_undisturbed`: period 0's policy flags
    /// and availability while the undisturbed world is staged.
    pub saved_first: (Vec<bool>, Vec<f64>),
}

/// Capacity multipliers (`*_f`) and additions (`*_d`, per year) of one period.
#[derive(Debug, Clone, Default)]
pub struct CapScratch {
    /// Legs.
    pub leg_f: Vec<f64>,
    /// Legs.
    pub leg_d: Vec<f64>,
    /// Hubs.
    pub hub_f: Vec<f64>,
    /// Hubs.
    pub hub_d: Vec<f64>,
    /// Plants.
    pub proc_f: Vec<f64>,
    /// Plants.
    pub proc_d: Vec<f64>,
    /// Supply blocks.
    pub sup_f: Vec<f64>,
    /// Supply blocks (already divided by block share).
    pub sup_d: Vec<f64>,
    /// Demand curves.
    pub dem_f: Vec<f64>,
    /// Legs shut by a closure.
    pub leg_closed: Vec<bool>,
    /// Hubs shut by a closure.
    pub hub_closed: Vec<bool>,
    /// Flow bans.
    pub banned: Vec<bool>,
    /// Extra per-unit cost of flows.
    pub friction: Vec<f64>,
}

/// The trial's licence queues, one per policy with an
/// [`Effect::Licence`](crate::model::Effect::Licence), run through by
/// `engine::licence`.
#[derive(Debug, Clone, Default)]
pub struct LicenceQueues {
    /// The policies with a queue, in policy order.
    pub policies: Vec<usize>,
    /// Approvals released, `queue * periods + t`, units per period.
    pub release: Vec<f64>,
    /// Applications filed and not yet released at the end of the period.
    pub backlog: Vec<f64>,
    /// While set, no queue bounds its flows: the undisturbed world (the
    /// baseline and a trial's reference period) has a standing regime's
    /// friction but not its queue, which is a quantity limit.
    pub lifted: bool,
}

/// Counters of LP work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SolveStats {
    /// Periods that needed a solve.
    pub solves: u64,
    /// Periods whose LP equalled the previous one's.
    pub reused: u64,
    /// Periods whose LP equalled an earlier period's of the same trial.
    pub recalled: u64,
    /// Simplex pivots.
    pub pivots: u64,
}

impl std::ops::AddAssign for SolveStats {
    fn add_assign(&mut self, o: SolveStats) {
        self.solves += o.solves;
        self.reused += o.reused;
        self.recalled += o.recalled;
        self.pivots += o.pivots;
    }
}

impl LicenceQueues {
    fn new(m: &CompiledModel) -> Self {
        let policies: Vec<usize> = (0..m.policies.len())
            .filter(|&i| matches!(m.policies[i].effect, crate::model::Effect::Licence { .. }))
            .collect();
        let n = policies.len() * m.periods;
        LicenceQueues {
            policies,
            release: vec![0.0; n],
            backlog: vec![0.0; n],
            lifted: false,
        }
    }
}

impl Workspace {
    /// Allocates everything a trial of `m` needs.
    pub fn new(m: &CompiledModel) -> Self {
        let mut lp = Simplex::new(SparseMatrix::from_triplets(
            m.lp.nrows,
            m.lp.ncols,
            &m.lp.triplets,
        ));
        // Balance rows are equalities; capacity and quota rows have no lower bound.
        let lower = lp.row_lower_mut();
        lower.fill(f64::NEG_INFINITY);
        for r in m.lp.balance_row.iter().flatten() {
            lower[*r] = 0.0;
        }
        let blocks: usize = m.demand.iter().map(|d| d.blocks + 1).sum();
        let n_el = m.legs.len() + m.hubs.len();
        Workspace {
            lp,
            params: m.params.clone(),
            demand_width: vec![0.0; blocks],
            demand_value: vec![0.0; blocks],
            flow_cost: vec![0.0; m.flows.len()],
            active: vec![false; m.policies.len() * m.periods],
            avail: vec![1.0; n_el * m.periods],
            stock: vec![0.0; m.stockpiles.len()],
            licence: LicenceQueues::new(m),
            col_upper: vec![0.0; m.lp.ncols],
            cost: vec![0.0; m.lp.ncols],
            row_upper: vec![0.0; m.lp.nrows],
            cap_factor: CapScratch {
                leg_f: vec![1.0; m.legs.len()],
                leg_d: vec![0.0; m.legs.len()],
                hub_f: vec![1.0; m.hubs.len()],
                hub_d: vec![0.0; m.hubs.len()],
                proc_f: vec![1.0; m.processing.len()],
                proc_d: vec![0.0; m.processing.len()],
                sup_f: vec![1.0; m.supply.len()],
                sup_d: vec![0.0; m.supply.len()],
                dem_f: vec![1.0; m.demand.len()],
                leg_closed: vec![false; m.legs.len()],
                hub_closed: vec![false; m.hubs.len()],
                banned: vec![false; m.flows.len()],
                friction: vec![0.0; m.flows.len()],
            },
            solved: false,
            recent: RecentLps::new(m.lp.ncols, m.lp.nrows),
            from_recent: None,
            staged: None,
            stats: SolveStats::default(),
            row: vec![0.0; m.series.len()],
            total: vec![0.0; m.series.len()],
            resp: ResponseState::new(m),
            saved_first: (
                vec![false; m.policies.len()],
                vec![1.0; m.legs.len() + m.hubs.len()],
            ),
        }
    }

    /// Restores a saved basis (the prepared warm start) before a trial.
    pub fn restore(&mut self, basis: &BasisState) {
        self.lp.restore_basis(basis);
        self.solved = false;
        self.recent.clear();
        self.from_recent = None;
        self.staged = None;
    }

    /// The current period's primal values (per column) and row duals.
    pub fn solution(&self) -> (&[f64], &[f64]) {
        self.recent.solution(&self.lp, self.from_recent)
    }
}
