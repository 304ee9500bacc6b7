//! The scenario language: serde types for one TOML scenario file.
//!
//! These types are pure syntax: they accept what a file may say and keep
//! where each checked value came from ([`Sp`]). Meaning (references resolve,
//! numbers are in range, routes connect) is checked in `validate`; `extends`
//! layering is done in `layer`. Nothing here knows about the LP.
//!
//! Conventions every file follows (see `docs/scenarios.md`):
//! - quantities are in the commodity's `unit`; rates (capacity, quota,
//!   release) are **per year** and the compiler converts them to per period;
//! - leg and hub capacities are in tonnes per year, leg costs in USD per
//!   tonne; commodity prices and costs are in USD per commodity unit;
//! - any number marked `Param` may be a plain number or a distribution
//!   table (`{ dist = "triangular", min = .., mode = .., max = .. }`), which
//!   makes it a named uncertainty sampled once per trial.

pub use super::recipe::{OneOrMany, RecipeItem};
use super::span::Sp;
use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name, description, horizon and `extends`.
    pub scenario: Meta,
    /// Monte Carlo settings.
    #[serde(default)]
    pub montecarlo: MonteCarlo,
    /// Traded goods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commodities: Vec<Sp<Commodity>>,
    /// Markets: countries and aggregates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Sp<Region>>,
    /// Capacity nodes inside a region (ports, border crossings, terminals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<Sp<Hub>>,
    /// Production capacity and cost per region and commodity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supply: Vec<Sp<Supply>>,
    /// Demand curves per region and commodity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demand: Vec<Sp<Demand>>,
    /// Conversion of one commodity into another (refining, separation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processing: Vec<Sp<Processing>>,
    /// Strategic stocks with release and refill rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stockpiles: Vec<Sp<Stockpile>>,
    /// Pieces of infrastructure with a shared capacity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legs: Vec<Sp<Leg>>,
    /// Named origin-to-destination paths made of legs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Sp<Route>>,
    /// Export controls, tariffs, closures, capacity changes and shocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Sp<Policy>>,
    /// Who sells a commodity to an importer (part of the world, not a policy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligibility: Vec<Sp<Eligibility>>,
    /// Correlation blocks between named uncertainties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<Sp<Correlation>>,
}

/// The `[scenario]` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short machine-friendly name; used in output folder names.
    pub name: Option<Sp<String>>,
    /// One line that `corridor list` prints.
    pub description: Option<Sp<String>>,
    /// Path of the scenario this one builds on, relative to this file.
    pub extends: Option<Sp<String>>,
    /// First period, `"YYYY-MM"`.
    pub start: Option<Sp<String>>,
    /// Number of periods in the horizon.
    pub periods: Option<Sp<i64>>,
    /// Length of one period.
    pub period: Option<Sp<PeriodLength>>,
    /// The rows the run summary and `compare` show first; checked against
    /// the model's series when the scenario is compiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<Vec<Sp<Headline>>>,
}

/// One `[scenario] headline` entry: a series named as in `summary.csv`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Headline {
    /// Metric name (`shortfall`, `price`, `import_share`, ...).
    pub metric: Sp<String>,
    /// Commodity id, for the metrics recorded per commodity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commodity: Option<Sp<String>>,
    /// Region, route, corridor, leg, ... (or `importer/exporter`).
    pub key: Sp<String>,
}

/// Length of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodLength {
    /// Twelve periods a year.
    Month,
    /// Four periods a year.
    Quarter,
    /// One period a year.
    Year,
}

impl PeriodLength {
    /// Periods per year.
    pub fn per_year(self) -> f64 {
        match self {
            PeriodLength::Month => 12.0,
            PeriodLength::Quarter => 4.0,
            PeriodLength::Year => 1.0,
        }
    }
}

/// The `[montecarlo]` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarlo {
    /// Default number of trials.
    pub trials: Option<Sp<i64>>,
    /// Default seed.
    pub seed: Option<Sp<i64>>,
    /// `random` (plain Monte Carlo) or `lhs` (Latin Hypercube).
    pub sampling: Option<Sp<Sampling>>,
}

/// How the per-trial uniforms of named uncertainties are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Independent uniforms per trial.
    Random,
    /// Latin Hypercube, stratified within fixed blocks of trials.
    Lhs,
}

/// A traded good.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Commodity {
    /// Identifier used everywhere else (`rare_earths`).
    pub id: Sp<String>,
    /// Display name.
    pub name: Option<Sp<String>>,
    /// Unit of quantity (`t REO`, `t LCE`, `kt`).
    pub unit: Sp<String>,
    /// Tonnes of freight per unit, for shared leg capacity (default 1).
    pub tonnes_per_unit: Option<Sp<f64>>,
    /// Reference price, USD per unit (used by `ad_valorem` tariffs).
    pub reference_price: Sp<f64>,
}

/// A market.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Identifier (`KZ`).
    pub id: Sp<String>,
    /// Display name.
    pub name: Option<Sp<String>>,
}

/// A capacity node inside a region.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// Identifier (`AKTAU`).
    pub id: Sp<String>,
    /// Display name.
    pub name: Option<Sp<String>>,
    /// The region the hub belongs to.
    pub region: Sp<String>,
    /// Throughput limit of all routes passing the hub, tonnes per year.
    pub capacity: Option<Sp<Param>>,
    /// Up/down process of the hub.
    pub disruption: Option<Sp<Disruption>>,
}

/// Production of one commodity in one region.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Supply {
    /// Producing region.
    pub region: Sp<String>,
    /// Commodity produced.
    pub commodity: Sp<String>,
    /// Capacity per year (with `cost`).
    pub capacity: Option<Sp<Param>>,
    /// Marginal cost `[at zero output, at capacity]`, USD per unit (with `capacity`).
    pub cost: Option<Sp<[f64; 2]>>,
    /// Number of blocks `cost` is cut into (default 4).
    pub blocks: Option<Sp<i64>>,
    /// Explicit cost steps instead of `capacity` + `cost`.
    pub steps: Option<Vec<Sp<SupplyStep>>>,
    /// A constant-elasticity curve instead of `cost` (with `price`,
    /// `elasticity` and `capacity`): output per year at `price`.
    pub quantity: Option<Sp<f64>>,
    /// Reference price of a constant-elasticity curve, USD per unit.
    pub price: Option<Sp<f64>>,
    /// Price elasticity of a constant-elasticity curve (positive).
    pub elasticity: Option<Sp<f64>>,
    /// Lowest price of a constant-elasticity curve, as a fraction of `price` (default 0.5).
    pub floor: Option<Sp<f64>>,
    /// Fine blocks around `price` on a constant-elasticity curve.
    pub band: Option<Sp<Band>>,
    /// Capacity that comes on after the local price has stayed above a
    /// trigger (restarts, expansions, new mines); see `engine/response.rs`.
    pub responses: Option<Vec<Sp<SupplyResponse>>>,
}

/// Capacity that a sustained high price brings on after a lead time.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyResponse {
    /// Local price at or above which the price counts as high, USD per unit.
    pub trigger_price: Sp<Param>,
    /// Months the price must stay at or above the trigger before the
    /// capacity is committed (default 0: the first high period commits it).
    pub sustain_months: Option<Sp<Param>>,
    /// Months from the commitment to the first output.
    pub lead_months: Sp<Param>,
    /// Months from the first output to the full capacity (default 0).
    pub ramp_months: Option<Sp<Param>>,
    /// Capacity once ramped up, per year (the ceiling).
    pub capacity: Sp<Param>,
    /// Marginal cost of its output, USD per unit.
    pub cost: Sp<Param>,
}

/// Recycling: a supply tranche proportional to lagged consumption.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recycling {
    /// Share of consumption `lag_months` ago that can be recovered.
    pub share: Sp<Param>,
    /// Months between consumption and recovery (default 0: last period's).
    pub lag_months: Option<Sp<Param>>,
    /// Cost of recovered material, USD per unit.
    pub cost: Sp<Param>,
}

/// A band of fine blocks around a curve's reference price: geometric steps
/// of `1 + step` reaching at least `below` under and `above` over it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Relative price step, e.g. 0.01 for 1% steps.
    pub step: Sp<f64>,
    /// How far below the reference price the band reaches, as a fraction of it.
    pub below: Sp<f64>,
    /// How far above the reference price the band reaches, as a fraction of it.
    pub above: Sp<f64>,
}

impl Band {
    /// Steps of `1 + step` below and above the reference price: enough to
    /// reach at least `below` under and `above` over it. The small
    /// allowance keeps an exact multiple (10 steps of 1% for `above =
    /// 1.01^10 − 1`) from rounding up to one step more.
    pub fn steps(&self) -> (usize, usize) {
        let ln = self.step.value.ln_1p();
        let steps = |x: f64| (x / ln - 1e-9).ceil().max(0.0) as usize;
        (
            steps(-(-self.below.value).ln_1p()),
            steps(self.above.value.ln_1p()),
        )
    }
}

/// One block of a stepped supply curve.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyStep {
    /// Block size per year.
    pub capacity: Sp<Param>,
    /// Marginal cost of the block, USD per unit.
    pub cost: Sp<Param>,
}

/// Demand for one commodity in one region.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// Consuming region.
    pub region: Sp<String>,
    /// Commodity consumed.
    pub commodity: Sp<String>,
    /// Reference quantity per year.
    pub quantity: Sp<Param>,
    /// Reference price, USD per unit.
    pub price: Sp<f64>,
    /// Price elasticity at the reference point (negative; 0 = inelastic).
    pub elasticity: Sp<f64>,
    /// Value of a unit of unmet demand, USD per unit (> `price`).
    pub choke_price: Sp<Param>,
    /// Blocks the curve between the floor and the choke price is cut into (default 6).
    pub blocks: Option<Sp<i64>>,
    /// Lowest price the curve reaches, as a fraction of `price` (default 0.5).
    pub floor: Option<Sp<f64>>,
    /// Fine blocks around `price`, on top of `blocks` coarse ones.
    pub band: Option<Sp<Band>>,
    /// Long-run elasticity (≤ `elasticity`): with `half_life_months`, the
    /// curve shifts period by period towards long-run demand (Nerlove).
    pub long_run_elasticity: Option<Sp<f64>>,
    /// Months for half the gap to long-run demand to close.
    pub half_life_months: Option<Sp<Param>>,
    /// Recycled supply into this market from its own lagged consumption.
    pub recycling: Option<Sp<Recycling>>,
}

/// A plant inside a region: a recipe (`inputs`, `outputs` per unit of
/// activity) or the shorthand `input`, `output`, `yield` (see
/// `recipe::recipe`, the one normal form).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Processing {
    /// Identifier.
    pub id: Sp<String>,
    /// Where the plant is.
    pub region: Sp<String>,
    /// Shorthand: the commodity consumed.
    pub input: Option<Sp<String>>,
    /// Shorthand: the commodity produced (one unit per unit of activity).
    pub output: Option<Sp<String>>,
    /// Recipe: commodities consumed per unit of activity.
    pub inputs: Option<Sp<Vec<Sp<RecipeItem>>>>,
    /// Recipe: commodities produced per unit of activity.
    pub outputs: Option<Sp<Vec<Sp<RecipeItem>>>>,
    /// Activity capacity per year (output units in the shorthand).
    pub capacity: Sp<Param>,
    /// Cost per unit of activity, USD.
    pub cost: Sp<Param>,
    /// Shorthand: output units per input unit (default 1).
    #[serde(rename = "yield")]
    pub yield_: Option<Sp<f64>>,
}

/// A strategic stock.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stockpile {
    /// Identifier.
    pub id: Sp<String>,
    /// Where the stock is held.
    pub region: Sp<String>,
    /// What it holds.
    pub commodity: Sp<String>,
    /// Level at the start of the horizon.
    pub initial: Sp<Param>,
    /// Largest level it can hold.
    pub capacity: Sp<f64>,
    /// Largest release per year.
    pub release_rate: Sp<f64>,
    /// Released only while the local price is at least this, USD per unit.
    pub release_price: Sp<f64>,
    /// Largest refill per year (default 0: never refilled).
    pub refill_rate: Option<Sp<f64>>,
    /// Refilled only while the local price is at most this (default 0).
    pub refill_price: Option<Sp<f64>>,
}

/// Which exporters sell a commodity to one importer: routes of that
/// commodity into the importer from any other origin carry nothing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Importing region.
    pub importer: Sp<String>,
    /// Commodity the list is about.
    pub commodity: Sp<String>,
    /// Regions that sell it to `importer`.
    pub sellers: Vec<Sp<String>>,
    /// Why (sources), for reports.
    pub description: Option<Sp<String>>,
}

/// Transport mode of a leg (descriptive; capacity and cost carry the economics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Railway line.
    Rail,
    /// Road haulage.
    Road,
    /// Oil pipeline.
    Pipeline,
    /// Caspian or other rail/road ferry.
    Ferry,
    /// Oil tanker.
    Tanker,
    /// Ocean shipping lane.
    Sea,
    /// Border crossing or transshipment point.
    Border,
}

/// A piece of infrastructure.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// Identifier.
    pub id: Sp<String>,
    /// Display name.
    pub name: Option<Sp<String>>,
    /// Start node: a region or hub id.
    pub from: Sp<String>,
    /// End node: a region or hub id.
    pub to: Sp<String>,
    /// Transport mode.
    pub mode: Sp<Mode>,
    /// Capacity, tonnes per year, shared by every route and commodity on the leg.
    pub capacity: Sp<Param>,
    /// Cost, USD per tonne.
    pub cost: Sp<Param>,
    /// Transit time, days.
    pub transit_days: Option<Sp<f64>>,
    /// Commodities the leg can carry.
    pub carries: Vec<Sp<String>>,
    /// Routes may use it in both directions (one shared capacity).
    pub bidirectional: Option<Sp<bool>>,
    /// Up/down process.
    pub disruption: Option<Sp<Disruption>>,
}

/// A two-state up/down process.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Disruption {
    /// Failures per year while up.
    pub failure_rate: Sp<f64>,
    /// Days until repaired, sampled at every failure.
    pub repair_days: Sp<Param>,
    /// Fraction of capacity kept while down, sampled at every failure (default 0).
    pub remaining: Option<Sp<Param>>,
}

/// A named path from an origin market to a destination market.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Identifier.
    pub id: Sp<String>,
    /// Display name.
    pub name: Option<Sp<String>>,
    /// Origin region.
    pub from: Sp<String>,
    /// Destination region.
    pub to: Sp<String>,
    /// Legs in travel order.
    pub legs: Vec<Sp<String>>,
    /// Corridor tag (`middle`, `northern`, `china_direct`, `maritime`, `southern`, ...).
    pub corridor: Sp<String>,
    /// Commodities allowed (default: every commodity all legs carry).
    pub commodities: Option<Vec<Sp<String>>>,
    /// Extra cost per unit (handling, insurance), USD.
    pub cost: Option<Sp<Param>>,
}

/// What a policy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Ban, quota or licensing friction on exports.
    ExportControl,
    /// Per-unit or ad valorem trade cost.
    Tariff,
    /// Legs or hubs shut, or a whole transit region.
    Closure,
    /// Investment or degradation of a leg, hub, plant or mine.
    CapacityChange,
    /// Demand scaled by a factor.
    DemandShock,
    /// Supply capacity scaled by a factor.
    SupplyShock,
}

/// Form of an export control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlMode {
    /// No exports.
    Ban,
    /// Exports capped.
    Quota,
    /// Exports need a licence: a friction, and with `lag_days` a queue of
    /// approvals that bounds the flow.
    License,
}

/// A policy. Fields beyond the activation ones depend on `type`; the
/// validator reports a field that the type does not use.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Identifier.
    pub id: Sp<String>,
    /// What it does.
    #[serde(rename = "type")]
    pub kind: Sp<PolicyKind>,
    /// One line for reports.
    pub description: Option<Sp<String>>,

    // Activation (all kinds).
    /// First month it can apply, `"YYYY-MM"` (default: horizon start).
    pub start: Option<Sp<String>>,
    /// Months after `start` until it applies (lead time), may be sampled.
    #[serde(alias = "lead_months")]
    pub delay_months: Option<Sp<Param>>,
    /// How long it lasts once applied, months (default: to the horizon end).
    pub duration_months: Option<Sp<Param>>,
    /// Probability it happens at all in a trial (default 1).
    pub probability: Option<Sp<Param>>,
    /// Instead of one event: chance per year that it starts, recurring.
    pub annual_probability: Option<Sp<f64>>,

    // Targets.
    /// Exporting region (export control), shocked region (shocks), closed transit region (closure).
    pub region: Option<Sp<String>>,
    /// Commodity or list of commodities affected (default: all).
    pub commodity: Option<Sp<OneOrMany>>,
    /// Destinations of an export control, or of the cargo a closure stops (default: all).
    pub to: Option<Vec<Sp<String>>>,
    /// Importing region of a tariff.
    pub importer: Option<Sp<String>>,
    /// Exporting region of a tariff (default: all).
    pub exporter: Option<Sp<String>>,
    /// Legs closed or changed.
    pub legs: Option<Vec<Sp<String>>>,
    /// Hubs closed or changed.
    pub hubs: Option<Vec<Sp<String>>>,
    /// Processing plant changed.
    pub processing: Option<Sp<String>>,

    // Effects.
    /// Export control form.
    pub mode: Option<Sp<ControlMode>>,
    /// Export quota, units per year.
    pub quota: Option<Sp<Param>>,
    /// Export quota as a fraction of the baseline flow.
    pub quota_fraction: Option<Sp<Param>>,
    /// Licensing friction, USD per unit.
    pub friction: Option<Sp<Param>>,
    /// Licence processing lag, days from filing to release (licence queue).
    pub lag_days: Option<Sp<Param>>,
    /// Licences processed, units per year (licence queue).
    pub throughput: Option<Sp<Param>>,
    /// Licences processed per period as a share of the baseline flow.
    pub throughput_fraction: Option<Sp<Param>>,
    /// Whether an export control also stops transit through the region.
    pub transit: Option<Sp<bool>>,
    /// Tariff, USD per unit.
    pub per_unit: Option<Sp<Param>>,
    /// Tariff as a fraction of the commodity's reference price.
    pub ad_valorem: Option<Sp<Param>>,
    /// Capacity added, per year (tonnes for legs and hubs, units otherwise).
    pub delta: Option<Sp<Param>>,
    /// Capacity or demand multiplied by this.
    pub factor: Option<Sp<Param>>,
}

/// A correlation block between named uncertainties (Gaussian copula).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// Names of the uncertainties, e.g. `legs.cpc.capacity`.
    pub names: Vec<Sp<String>>,
    /// Symmetric positive semi-definite matrix with unit diagonal.
    pub matrix: Vec<Vec<Sp<f64>>>,
}

pub use crate::dist::Dist;

/// A number that is either fixed or drawn once per trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// A plain number.
    Fixed(f64),
    /// A distribution: the parameter becomes a named uncertainty.
    Dist(Dist),
}

impl Param {
    /// The value used by `--deterministic` runs: the number, or the distribution's mean.
    pub fn expected(&self) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Dist(d) => d.mean(),
        }
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Param;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a distribution table such as { dist = \"uniform\", min = 1, max = 2 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Param, E> {
                Ok(Param::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Param, E> {
                Ok(Param::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Param, E> {
                Ok(Param::Fixed(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Param, A::Error> {
                Dist::deserialize(de::value::MapAccessDeserializer::new(map)).map(Param::Dist)
            }
        }
        d.deserialize_any(V)
    }
}

/// The (year, month 1–12) of a month written `YYYY-MM`, the one form a
/// scenario's months take (`scenario.start`, a policy's `start`); `None`
/// for anything else.
pub fn month(s: &str) -> Option<(i32, u32)> {
    let b = s.as_bytes();
    let digits =
        b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
    if !digits {
        return None;
    }
    match (s[..4].parse(), s[5..].parse()) {
        (Ok(year), Ok(m @ 1..=12)) => Some((year, m)),
        _ => None,
    }
}
