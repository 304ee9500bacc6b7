//! Scratch memory of one worker, allocated once and reused across periods
//! and trials (it holds no state that outlives a trial).

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
    pub recent: Recent,
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
            recent: Recent::new(RECENT, m.lp.ncols, m.lp.nrows),
            from_recent: None,
            staged: None,
            stats: SolveStats::default(),
            row: vec![0.0; m.series.len()],
            total: vec![0.0; m.series.len()],
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

/// Distinct LPs of a trial remembered with their solutions. A trial's
/// periods often return to an earlier state (a leg back in service, a ban
/// lifted, stocks full again); that period then takes the earlier optimum
/// instead of pivoting back to it.
const RECENT: usize = 16;

/// A ring of the last few solved LPs of a trial: each slot holds the staged
/// column upper bounds, costs and row upper bounds it was solved for, their
/// hash, the primal values and the row duals.
pub struct Recent {
    key_len: usize,
    n: usize,
    m: usize,
    hash: Vec<u64>,
    keys: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    filled: usize,
    next: usize,
}

impl Recent {
    fn new(slots: usize, n: usize, m: usize) -> Self {
        let key_len = 2 * n + m;
        Recent {
            key_len,
            n,
            m,
            hash: vec![0; slots],
            keys: vec![0.0; slots * key_len],
            x: vec![0.0; slots * n],
            y: vec![0.0; slots * m],
            filled: 0,
            next: 0,
        }
    }

    /// Forgets every slot (a new trial must not see another's LPs).
    pub fn clear(&mut self) {
        self.filled = 0;
        self.next = 0;
    }

    /// The slot holding the LP `key` hashes to `hash`, if any (compared bit
    /// for bit, so a hit is the same LP).
    pub(crate) fn find(&self, hash: u64, key: [&[f64]; 3]) -> Option<usize> {
        (0..self.filled).find(|&s| {
            let mut stored = &self.keys[s * self.key_len..(s + 1) * self.key_len];
            self.hash[s] == hash
                && key.iter().all(|part| {
                    let (head, rest) = stored.split_at(part.len());
                    stored = rest;
                    part.iter()
                        .zip(head)
                        .all(|(a, b)| a.to_bits() == b.to_bits())
                })
        })
    }

    /// Remembers the solution `(x, y)` of the LP `key`, over the oldest slot
    /// once all are filled; returns its slot.
    pub(crate) fn insert(&mut self, hash: u64, key: [&[f64]; 3], x: &[f64], y: &[f64]) -> usize {
        let s = self.next;
        self.next = (s + 1) % self.hash.len();
        self.filled = (self.filled + 1).min(self.hash.len());
        self.hash[s] = hash;
        let mut stored = &mut self.keys[s * self.key_len..(s + 1) * self.key_len];
        for part in key {
            let (head, rest) = stored.split_at_mut(part.len());
            head.copy_from_slice(part);
            stored = rest;
        }
        self.x[s * self.n..(s + 1) * self.n].copy_from_slice(x);
        self.y[s * self.m..(s + 1) * self.m].copy_from_slice(y);
        s
    }

    /// The primal values and row duals of `slot`, or the solver's.
    pub fn solution<'a>(&'a self, lp: &'a Simplex, slot: Option<usize>) -> (&'a [f64], &'a [f64]) {
        match slot {
            None => (lp.col_value(), lp.row_dual()),
            Some(s) => (
                &self.x[s * self.n..(s + 1) * self.n],
                &self.y[s * self.m..(s + 1) * self.m],
            ),
        }
    }
}

/// A hash of the staged LP (its bits), in four independent lanes so that it
/// costs about a cycle per value.
pub(crate) fn lp_hash(key: [&[f64]; 3]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = [K, K.rotate_left(16), K.rotate_left(32), K.rotate_left(48)];
    for part in key {
        let mut chunks = part.chunks_exact(4);
        for c in &mut chunks {
            for l in 0..4 {
                h[l] = ((h[l] ^ c[l].to_bits()).wrapping_mul(K)).rotate_left(29);
            }
        }
        for (l, v) in chunks.remainder().iter().enumerate() {
            h[l] = ((h[l] ^ v.to_bits()).wrapping_mul(K)).rotate_left(29);
        }
    }
    (h[0] ^ h[1].rotate_left(13) ^ h[2].rotate_left(27) ^ h[3].rotate_left(41)).wrapping_mul(K)
}
