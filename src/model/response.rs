//! The responses that link periods (`engine/response.rs` runs them):
//! demand that adjusts towards its long-run level, capacity that a
//! sustained high price brings on after a lead time, and recycling. Each
//! is a set of bounds the engine stages per period from state the trial
//! carries; the LP of a period stays one exact LP.

use super::ParamId;

/// Every response of the model.
#[derive(Debug, Clone, Default)]
pub struct Responses {
    /// Demand curves that adjust (partial adjustment, Nerlove).
    pub adjust: Vec<Adjustment>,
    /// Supply responses, one LP column each.
    pub supply: Vec<SupplyResponseCol>,
    /// Recycling tranches, one LP column each.
    pub recycling: Vec<RecyclingCol>,
}

impl Responses {
    /// Whether the trial needs the prices of its own undisturbed first
    /// period (the reference of adjusting demand and of recycling).
    pub fn need_reference(&self) -> bool {
        !self.adjust.is_empty() || !self.recycling.is_empty()
    }
}

/// A demand curve whose reference quantity moves towards long-run demand.
#[derive(Debug, Clone)]
pub struct Adjustment {
    /// Index into [`super::CompiledModel::demand`].
    pub demand: usize,
    /// Offset of the curve's blocks in the workspace's demand widths.
    pub width_offset: usize,
    /// Long-run elasticity minus the short-run one (≤ 0): the part of the
    /// long-run response the short-run curve does not already give.
    pub shift_elasticity: f64,
    /// Half-life of the adjustment, months (slot).
    pub half_life: ParamId,
}

/// Capacity brought on by a sustained high local price.
#[derive(Debug, Clone)]
pub struct SupplyResponseCol {
    /// Region.
    pub region: usize,
    /// Commodity.
    pub commodity: usize,
    /// LP column (on the region's balance row).
    pub col: usize,
    /// Price at or above which a period counts as high (slot).
    pub trigger: ParamId,
    /// Months of high prices before it is committed (slot; `None`: 0).
    pub sustain: Option<ParamId>,
    /// Months from commitment to first output (slot).
    pub lead: ParamId,
    /// Months from first output to full capacity (slot; `None`: 0).
    pub ramp: Option<ParamId>,
    /// Full capacity per year (slot).
    pub capacity: ParamId,
    /// Cost per unit (slot).
    pub cost: ParamId,
}

/// A recycling tranche of one demand's market.
#[derive(Debug, Clone)]
pub struct RecyclingCol {
    /// Index into [`super::CompiledModel::demand`].
    pub demand: usize,
    /// LP column (on the demand's balance row).
    pub col: usize,
    /// Share of lagged consumption recovered (slot).
    pub share: ParamId,
    /// Lag in months (slot; `None`: 0).
    pub lag: Option<ParamId>,
    /// Cost per unit (slot).
    pub cost: ParamId,
}
