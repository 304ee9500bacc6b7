//! Output series: what a trial records, one value per period plus a horizon value.

/// What a series measures. The CSV `metric` column is [`Metric::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Quantity consumed (region).
    Consumption,
    /// Essential demand not served, valued at the choke price (region).
    Shortfall,
    /// Reference demand minus consumption, at least 0 (region).
    ConsumptionGap,
    /// Market price: dual of the balance row, USD per unit (region).
    Price,
    /// Landed import bill: each import at its exporter's price plus its
    /// route's cost, million USD (region with demand that a route reaches).
    ImportBill,
    /// Quantity produced by mines/wells (region).
    Production,
    /// Quantity arriving by route (region).
    Imports,
    /// Quantity leaving by route (region).
    Exports,
    /// Imports of `importer` from `exporter` (key `importer/exporter`).
    ImportFrom,
    /// Share of `importer`'s imports that came from `exporter` (key `importer/exporter`).
    ImportShare,
    /// Exports of `exporter` on a corridor (key `exporter/corridor`).
    ExportVia,
    /// Share of `exporter`'s exports on a corridor (key `exporter/corridor`).
    ExportShare,
    /// Flow on a route.
    RouteFlow,
    /// Flow on a corridor.
    CorridorFlow,
    /// Tonnes on a leg (all commodities).
    LegFlow,
    /// Leg tonnes over its realised capacity.
    LegUtilisation,
    /// Shadow price of leg capacity, USD per tonne.
    LegRent,
    /// Realised capacity of a leg as a fraction of its nominal capacity.
    LegAvailability,
    /// Output of a processing plant (key: plant, per output commodity).
    ProcessingOutput,
    /// A joint product thrown away or stored outside the market (region;
    /// only markets where a plant makes several products).
    Disposal,
    /// Stock level at the end of the period (stockpile).
    StockLevel,
    /// Stock released in the period (stockpile).
    StockRelease,
    /// Total welfare, million USD.
    Welfare,
    /// Production, processing, transport and trade costs, million USD.
    SystemCost,
    /// Value of shortfall at choke prices, million USD.
    ShortfallValue,
    /// Licences released in the period (licence queue, key: policy id).
    LicenceRelease,
    /// Licence applications filed and not yet released (licence queue).
    LicenceBacklog,
}

impl Metric {
    /// Name in output files.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Consumption => "consumption",
            Metric::Shortfall => "shortfall",
            Metric::ConsumptionGap => "consumption_gap",
            Metric::Price => "price",
            Metric::ImportBill => "import_bill",
            Metric::Production => "production",
            Metric::Imports => "imports",
            Metric::Exports => "exports",
            Metric::ImportFrom => "import_from",
            Metric::ImportShare => "import_share",
            Metric::ExportVia => "export_via",
            Metric::ExportShare => "export_share",
            Metric::RouteFlow => "route_flow",
            Metric::CorridorFlow => "corridor_flow",
            Metric::LegFlow => "leg_flow",
            Metric::LegUtilisation => "leg_utilisation",
            Metric::LegRent => "leg_rent",
            Metric::LegAvailability => "leg_availability",
            Metric::ProcessingOutput => "processing_output",
            Metric::Disposal => "disposal",
            Metric::StockLevel => "stock_level",
            Metric::StockRelease => "stock_release",
            Metric::Welfare => "welfare",
            Metric::SystemCost => "system_cost",
            Metric::ShortfallValue => "shortfall_value",
            Metric::LicenceRelease => "licence_release",
            Metric::LicenceBacklog => "licence_backlog",
        }
    }

    /// Every metric, for parsing names back.
    pub const ALL: [Metric; 27] = [
        Metric::Consumption,
        Metric::Shortfall,
        Metric::ConsumptionGap,
        Metric::Price,
        Metric::ImportBill,
        Metric::Production,
        Metric::Imports,
        Metric::Exports,
        Metric::ImportFrom,
        Metric::ImportShare,
        Metric::ExportVia,
        Metric::ExportShare,
        Metric::RouteFlow,
        Metric::CorridorFlow,
        Metric::LegFlow,
        Metric::LegUtilisation,
        Metric::LegRent,
        Metric::LegAvailability,
        Metric::ProcessingOutput,
        Metric::Disposal,
        Metric::StockLevel,
        Metric::StockRelease,
        Metric::Welfare,
        Metric::SystemCost,
        Metric::ShortfallValue,
        Metric::LicenceRelease,
        Metric::LicenceBacklog,
    ];

    /// The metric with this output name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// How the horizon value of a series is formed from its period values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    /// Sum over periods (quantities, money).
    Sum,
    /// Mean over periods (prices, rates).
    Mean,
    /// Value in the last period (levels).
    Last,
    /// Ratio of the horizon sums of two other series (shares).
    Ratio {
        /// Numerator series.
        num: usize,
        /// Denominator series.
        den: usize,
    },
}

/// One output series.
#[derive(Debug, Clone)]
pub struct Series {
    /// What it measures.
    pub metric: Metric,
    /// Commodity index, if the metric is per commodity.
    pub commodity: Option<usize>,
    /// Region, route, corridor, leg, plant or stockpile id (or a pair `a/b`).
    pub key: String,
    /// Unit of the values.
    pub unit: String,
    /// Horizon rule.
    pub horizon: Horizon,
}
