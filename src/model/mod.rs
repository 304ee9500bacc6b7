//! Compiled model: a validated [`Scenario`](crate::scenario::Scenario) turned
//! into dense indices, parameter slots and a fixed LP layout.
//!
//! `compile` runs once per run; the result is shared read-only by every
//! trial. Names become indices here so the engine never touches a string.
//! Every number that a scenario may give as a distribution lives in one
//! slot of `params`; a trial overwrites the slots of its sampled
//! uncertainties and the engine reads only slots. Pure: no I/O.

mod build;
pub mod curve;
pub mod headline;
mod response;
mod series;
mod series_build;

pub use build::compile;
pub use response::{Adjustment, RecyclingCol, Responses, SupplyResponseCol};
pub use series::{Horizon, Metric, Series};
pub use series_build::{
    FlowSeries, LegSeries, LicenceSeries, MarketSeries, ProcessSeries, SeriesIndex, StockSeries,
    TotalSeries,
};

use crate::dist::Dist;
use crate::scenario::PeriodLength;

/// Index of a parameter slot in [`CompiledModel::params`].
pub type ParamId = usize;

/// The source of in-trial random draws: the interface through which the
/// engine asks for the draws of the model's processes (`streams`), which
/// sampling implements.
pub trait Draws {
    /// A uniform draw in (0, 1) from stream `stream` (an index into
    /// [`CompiledModel::streams`]).
    fn uniform(&mut self, stream: usize) -> f64;

    /// True for `--deterministic` runs: processes take their expected
    /// values and no draw is made.
    fn expected_mode(&self) -> bool {
        false
    }
}

/// A named uncertain parameter.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    /// Path-like name, e.g. `legs.cpc.capacity`.
    pub name: String,
    /// Its distribution.
    pub dist: Dist,
    /// The slot it fills.
    pub param: ParamId,
}

/// A Gaussian-copula block over some uncertainties.
#[derive(Debug, Clone)]
pub struct CorrelationBlock {
    /// Indices into [`CompiledModel::uncertain`].
    pub members: Vec<usize>,
    /// Lower Cholesky factor of the correlation matrix, row-major.
    pub cholesky: Vec<f64>,
}

/// A commodity.
#[derive(Debug, Clone)]
pub struct CommodityInfo {
    /// Identifier.
    pub id: String,
    /// Unit of quantity.
    pub unit: String,
    /// Freight tonnes per unit.
    pub tonnes_per_unit: f64,
    /// Reference price, USD per unit.
    pub reference_price: f64,
}

/// A two-state up/down process.
#[derive(Debug, Clone)]
pub struct DisruptionSpec {
    /// Index into [`CompiledModel::streams`] of its draws (`legs.cpc.disruption`).
    pub stream: usize,
    /// Failures per year while up.
    pub failure_rate: f64,
    /// Repair time in days.
    pub repair_days: Dist,
    /// Fraction of capacity kept while down.
    pub remaining: Dist,
}

/// A capacity element: leg or hub.
#[derive(Debug, Clone)]
pub struct Element {
    /// Identifier.
    pub id: String,
    /// Capacity, tonnes per year (`None`: unlimited, hubs only).
    pub capacity: Option<ParamId>,
    /// LP row of its capacity constraint.
    pub row: Option<usize>,
    /// Its disruption process.
    pub disruption: Option<DisruptionSpec>,
}

/// A route.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// Identifier.
    pub id: String,
    /// Index into [`CompiledModel::corridors`].
    pub corridor: usize,
    /// Origin region.
    pub from: usize,
    /// Destination region.
    pub to: usize,
    /// Legs in order.
    pub legs: Vec<usize>,
    /// Hubs passed (each once).
    pub hubs: Vec<usize>,
    /// Regions passed between origin and destination, through their hubs
    /// or their region node (each once).
    pub transit: Vec<usize>,
    /// Sum of the legs' transit days.
    pub transit_days: f64,
}

/// An LP column moving commodity `commodity` along `route`.
#[derive(Debug, Clone)]
pub struct FlowCol {
    /// Route.
    pub route: usize,
    /// Commodity.
    pub commodity: usize,
    /// LP column.
    pub col: usize,
    /// Per-unit cost without policies: legs (per tonne × tonnes per unit) plus route extra.
    pub cost_params: Vec<(ParamId, f64)>,
}

/// A supply block column.
#[derive(Debug, Clone)]
pub struct SupplyCol {
    /// Region.
    pub region: usize,
    /// Commodity.
    pub commodity: usize,
    /// LP column.
    pub col: usize,
    /// Capacity per year = params[cap] × `share`.
    pub cap: ParamId,
    /// Fraction of `cap` in this block.
    pub share: f64,
    /// Fraction of a capacity change's `delta` this block gets: each supply
    /// entry gets the whole delta once, spread over its blocks (evenly over
    /// a linear curve's blocks; by expected capacity over explicit steps).
    pub delta_share: f64,
    /// Marginal cost: a fixed value or a parameter.
    pub cost: CostRef,
}

/// A cost given as a number or a parameter slot.
#[derive(Debug, Clone, Copy)]
pub enum CostRef {
    /// Fixed number.
    Value(f64),
    /// Parameter slot.
    Param(ParamId),
}

/// A demand curve: its blocks are shaped per trial from its parameters.
#[derive(Debug, Clone)]
pub struct DemandCurve {
    /// Region.
    pub region: usize,
    /// Commodity.
    pub commodity: usize,
    /// Reference quantity per year.
    pub quantity: ParamId,
    /// Reference price.
    pub price: f64,
    /// Elasticity (≤ 0).
    pub elasticity: f64,
    /// Choke price.
    pub choke: ParamId,
    /// Floor as a fraction of price.
    pub floor: f64,
    /// First LP column; block `j` is `first_col + j`; the last block is the
    /// essential one valued at the choke price.
    pub first_col: usize,
    /// Number of priced blocks (the essential block comes on top): the
    /// coarse ones and those of `band`.
    pub blocks: usize,
    /// Fine blocks around `price`, if any.
    pub band: Option<curve::Band>,
}

/// A processing plant column: its activity, which takes `amount` of each
/// input from the region's balance rows and gives `amount` of each output.
#[derive(Debug, Clone)]
pub struct ProcessCol {
    /// Identifier.
    pub id: String,
    /// Region.
    pub region: usize,
    /// (commodity, units per unit of activity) consumed.
    pub inputs: Vec<(usize, f64)>,
    /// (commodity, units per unit of activity) produced.
    pub outputs: Vec<(usize, f64)>,
    /// LP column (units of activity; output units in the shorthand).
    pub col: usize,
    /// Activity capacity per year.
    pub cap: ParamId,
    /// Cost per unit of activity.
    pub cost: ParamId,
}

/// Free disposal of a joint product: a column that takes any amount of the
/// commodity off its balance row at no cost, so a by-product nobody buys
/// does not force its plant down or its price below 0.
#[derive(Debug, Clone)]
pub struct DisposalCol {
    /// Region.
    pub region: usize,
    /// Commodity.
    pub commodity: usize,
    /// LP column.
    pub col: usize,
}

/// A stockpile: two columns (release, refill) and a level carried over.
#[derive(Debug, Clone)]
pub struct StockInfo {
    /// Identifier.
    pub id: String,
    /// Region.
    pub region: usize,
    /// Commodity.
    pub commodity: usize,
    /// Release column.
    pub release_col: usize,
    /// Refill column.
    pub refill_col: usize,
    /// Initial level.
    pub initial: ParamId,
    /// Largest level.
    pub capacity: f64,
    /// Release per year.
    pub release_rate: f64,
    /// Release price.
    pub release_price: f64,
    /// Refill per year.
    pub refill_rate: f64,
    /// Refill price.
    pub refill_price: f64,
}

/// When a policy applies in a trial.
#[derive(Debug, Clone)]
pub enum Activation {
    /// One event: with `probability`, from `start + delay` for `duration`
    /// months; it covers the periods it overlaps by at least half of one.
    Once {
        /// Months from the horizon start to its `start` (negative: before).
        start: f64,
        /// Delay in months (slot).
        delay_months: Option<ParamId>,
        /// Duration in months (slot); `None` = to the end.
        duration_months: Option<ParamId>,
        /// Probability it happens (slot); `None` = certain.
        probability: Option<ParamId>,
        /// Stream deciding whether it happens.
        stream: usize,
    },
    /// Recurring: starts with a per-period hazard, lasts a sampled duration.
    Recurring {
        /// Months from the horizon start to its `start` (negative: before).
        start: f64,
        /// Chance per year of a start while inactive.
        annual_probability: f64,
        /// Duration in months, drawn at each start.
        duration_months: Option<Dist>,
        /// Stream of its draws.
        stream: usize,
    },
}

/// What a policy does, resolved to indices.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Affected flows carry nothing.
    Ban {
        /// Flow indices (into `flows`).
        flows: Vec<usize>,
    },
    /// Affected flows share a cap: absolute per year, or a fraction of the
    /// baseline flow (slot value; resolved against the deterministic
    /// baseline when `fraction`).
    Quota {
        /// Flow indices.
        flows: Vec<usize>,
        /// LP row of the quota.
        row: usize,
        /// Quota slot.
        amount: ParamId,
        /// `amount` is a fraction of the baseline flow, not units per year.
        fraction: bool,
    },
    /// Affected flows cost more per unit: `per_unit` plus `ad_valorem` ×
    /// the flow commodity's reference price.
    Friction {
        /// Flow indices.
        flows: Vec<usize>,
        /// USD per unit (slot).
        per_unit: Option<ParamId>,
        /// Fraction of the reference price (slot).
        ad_valorem: Option<ParamId>,
    },
    /// Affected flows need licences: approvals filed at the baseline flow,
    /// released `lag_days` after filing and at most `throughput` per
    /// period, bound their sum (`engine::licence`); `per_unit` is an
    /// optional friction on top. A licence policy without a lag is a
    /// [`Effect::Friction`].
    Licence {
        /// Flow indices.
        flows: Vec<usize>,
        /// LP row of the approvals' bound.
        row: usize,
        /// Days from filing to release (slot).
        lag_days: ParamId,
        /// Approvals processed (slot): units per year, or a fraction of
        /// the baseline flow per period when `fraction`; `None`: no limit.
        throughput: Option<ParamId>,
        /// `throughput` is a fraction of the baseline flow.
        fraction: bool,
        /// Friction, USD per unit (slot).
        per_unit: Option<ParamId>,
    },
    /// Legs and hubs shut.
    Closure {
        /// Leg indices.
        legs: Vec<usize>,
        /// Hub indices.
        hubs: Vec<usize>,
        /// Flows whose route uses a closed leg or passes a closed hub: they
        /// carry nothing, whether or not the leg or hub has a capacity row.
        flows: Vec<usize>,
    },
    /// Capacity multiplied by `factor` and/or increased by `delta`.
    Capacity {
        /// What changes.
        target: CapTarget,
        /// Multiplier slot.
        factor: Option<ParamId>,
        /// Additive slot, per year.
        delta: Option<ParamId>,
    },
    /// Demand multiplied.
    DemandShock {
        /// Demand curve indices.
        demands: Vec<usize>,
        /// Multiplier slot.
        factor: ParamId,
    },
}

/// Target of a capacity change.
#[derive(Debug, Clone)]
pub enum CapTarget {
    /// Legs.
    Legs(Vec<usize>),
    /// Hubs.
    Hubs(Vec<usize>),
    /// A processing plant.
    Process(usize),
    /// Supply blocks (indices into `supply`).
    Supply(Vec<usize>),
}

/// A policy.
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    /// Identifier.
    pub id: String,
    /// When.
    pub activation: Activation,
    /// What.
    pub effect: Effect,
}

/// The LP's fixed shape.
#[derive(Debug, Clone)]
pub struct LpLayout {
    /// Rows.
    pub nrows: usize,
    /// Columns.
    pub ncols: usize,
    /// Nonzeros `(row, col, value)`.
    pub triplets: Vec<(usize, usize, f64)>,
    /// Balance row of (region, commodity), if any column touches it.
    pub balance_row: Vec<Option<usize>>,
}

/// Everything a trial needs, by index.
#[derive(Debug, Clone)]
pub struct CompiledModel {
    /// Scenario name.
    pub name: String,
    /// Periods in the horizon.
    pub periods: usize,
    /// Length of one period.
    pub period: PeriodLength,
    /// First period as (year, month 1-12).
    pub start: (i32, u32),
    /// Default trials and seed from the scenario.
    pub default_trials: u64,
    /// Default seed.
    pub default_seed: u64,
    /// Default sampling.
    pub sampling: crate::scenario::Sampling,
    /// Commodities.
    pub commodities: Vec<CommodityInfo>,
    /// Region ids.
    pub regions: Vec<String>,
    /// Corridor tags.
    pub corridors: Vec<String>,
    /// Legs.
    pub legs: Vec<Element>,
    /// Hubs.
    pub hubs: Vec<Element>,
    /// Routes.
    pub routes: Vec<RouteInfo>,
    /// Flow columns.
    pub flows: Vec<FlowCol>,
    /// Flows no eligible seller ships (`[[eligibility]]`), ascending: held
    /// at zero in every period, as part of the world.
    pub ineligible: Vec<usize>,
    /// Supply block columns.
    pub supply: Vec<SupplyCol>,
    /// Demand curves.
    pub demand: Vec<DemandCurve>,
    /// Processing plants.
    pub processing: Vec<ProcessCol>,
    /// Disposal of joint products, one per (region, commodity) that a
    /// plant with several outputs makes.
    pub disposal: Vec<DisposalCol>,
    /// Stockpiles.
    pub stockpiles: Vec<StockInfo>,
    /// Responses that link periods (adjusting demand, supply, recycling).
    pub responses: Responses,
    /// Policies.
    pub policies: Vec<PolicyInfo>,
    /// Base parameter values (expected values for uncertain ones).
    pub params: Vec<f64>,
    /// Uncertain parameters.
    pub uncertain: Vec<Uncertainty>,
    /// Names of the random streams of in-trial processes (disruptions,
    /// recurring policies); a stream's draws depend only on (seed, trial,
    /// name), which gives common random numbers across scenarios.
    pub streams: Vec<String>,
    /// Correlation blocks.
    pub correlations: Vec<CorrelationBlock>,
    /// LP shape.
    pub lp: LpLayout,
    /// Output series.
    pub series: Vec<Series>,
    /// Where the engine writes each series.
    pub index: SeriesIndex,
}

impl CompiledModel {
    /// Fraction of a year one period lasts.
    pub fn dt(&self) -> f64 {
        1.0 / self.period.per_year()
    }

    /// Months in one period.
    pub fn months_per_period(&self) -> f64 {
        12.0 / self.period.per_year()
    }

    /// Label of period `t` (`2026-01`), or `horizon` for `t == periods`.
    pub fn period_label(&self, t: usize) -> String {
        if t >= self.periods {
            return "horizon".into();
        }
        let months = (t as f64 * self.months_per_period()) as i64;
        let m0 = self.start.0 as i64 * 12 + (self.start.1 as i64 - 1) + months;
        format!("{:04}-{:02}", m0 / 12, m0 % 12 + 1)
    }

    /// Index of a region by id.
    pub fn region(&self, id: &str) -> Option<usize> {
        self.regions.iter().position(|r| r == id)
    }

    /// Index of a commodity by id.
    pub fn commodity(&self, id: &str) -> Option<usize> {
        self.commodities.iter().position(|c| c.id == id)
    }

    /// Index of a series by (metric, commodity id, key).
    pub fn series_index(
        &self,
        metric: Metric,
        commodity: Option<&str>,
        key: &str,
    ) -> Option<usize> {
        let k = commodity.and_then(|c| self.commodity(c));
        self.series
            .iter()
            .position(|s| s.metric == metric && s.commodity == k && s.key == key)
    }
}
