//! The list of output series of a compiled model, and the index tables the
//! engine uses to write them without any lookup.

use super::*;

/// Where each quantity of a period is recorded: indices into the series list.
#[derive(Debug, Clone, Default)]
pub struct SeriesIndex {
    /// Per (region × commodities + commodity) with a market.
    pub market: Vec<Option<MarketSeries>>,
    /// Per flow.
    pub flow: Vec<FlowSeries>,
    /// Per leg.
    pub leg: Vec<LegSeries>,
    /// Per plant and output, in plant order: what its output is recorded as.
    pub process: Vec<ProcessSeries>,
    /// Per disposal column: the amount disposed of.
    pub disposal: Vec<usize>,
    /// Per stockpile.
    pub stock: Vec<StockSeries>,
    /// Per licence queue, in policy order.
    pub licence: Vec<LicenceSeries>,
    /// The world totals.
    pub totals: TotalSeries,
}

/// The series of one market (a region's commodity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarketSeries {
    /// Units consumed.
    pub consumption: usize,
    /// Essential demand not met.
    pub shortfall: usize,
    /// The demands' reference quantity less consumption, when positive.
    pub consumption_gap: usize,
    /// The balance row's dual.
    pub price: usize,
    /// Imports at the exporters' prices plus route costs, million USD, for
    /// a market with demand that a route reaches.
    pub import_bill: Option<usize>,
    /// Supply produced in the market.
    pub production: usize,
    /// Route flows entering the market.
    pub imports: usize,
    /// Route flows leaving the market.
    pub exports: usize,
}

/// The series one flow adds its value to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowSeries {
    /// Its route's flow.
    pub route: usize,
    /// Its corridor's flow of the commodity.
    pub corridor: usize,
    /// Imports of the market it enters from the region it leaves.
    pub import_from: usize,
    /// Exports of the region it leaves through its corridor.
    pub export_via: usize,
}

/// The series of one leg.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegSeries {
    /// Tonnes carried.
    pub flow: usize,
    /// Tonnes carried over capacity.
    pub utilisation: usize,
    /// The capacity row's dual (scarcity rent).
    pub rent: usize,
    /// Available fraction of capacity.
    pub availability: usize,
}

/// One output of a plant: its series is the plant's activity (LP column
/// `col`) times `amount`, the output's units per unit of activity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessSeries {
    /// The `processing_output` series of (plant, commodity).
    pub series: usize,
    /// The plant's LP column.
    pub col: usize,
    /// Units of the output per unit of activity (1 in the shorthand).
    pub amount: f64,
}

/// The series of one stockpile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockSeries {
    /// Level at the end of the period.
    pub level: usize,
    /// Units released.
    pub release: usize,
}

/// The series of one licence queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LicenceSeries {
    /// Approvals released.
    pub release: usize,
    /// Applications filed, not yet released.
    pub backlog: usize,
}

/// The world series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TotalSeries {
    /// Value of consumption minus costs.
    pub welfare: usize,
    /// Costs of production, processing, transport, trade and stocks.
    pub system_cost: usize,
    /// Value of the essential demand not met.
    pub shortfall_value: usize,
}

pub(super) fn build_series(m: &CompiledModel) -> (Vec<Series>, SeriesIndex) {
    let mut out: Vec<Series> = Vec::new();
    let mut add =
        |metric: Metric, commodity: Option<usize>, key: String, unit: String, horizon: Horizon| {
            out.push(Series {
                metric,
                commodity,
                key,
                unit,
                horizon,
            });
            out.len() - 1
        };
    let nk = m.commodities.len();
    let unit = |k: usize| m.commodities[k].unit.clone();
    let mut idx = SeriesIndex {
        market: vec![None; m.regions.len() * nk],
        ..Default::default()
    };

    for (r, region) in m.regions.iter().enumerate() {
        for k in 0..nk {
            if m.lp.balance_row[r * nk + k].is_none() {
                continue;
            }
            let price_unit = format!("USD/{}", m.commodities[k].unit);
            // The import bill exists where someone buys from elsewhere: a
            // market with demand that a route reaches.
            let consumes = m.demand.iter().any(|d| d.region == r && d.commodity == k);
            let reached = m
                .flows
                .iter()
                .any(|f| f.commodity == k && m.routes[f.route].to == r);
            idx.market[r * nk + k] = Some(MarketSeries {
                consumption: add(
                    Metric::Consumption,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                shortfall: add(
                    Metric::Shortfall,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                consumption_gap: add(
                    Metric::ConsumptionGap,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                price: add(
                    Metric::Price,
                    Some(k),
                    region.clone(),
                    price_unit,
                    Horizon::Mean,
                ),
                import_bill: (consumes && reached).then(|| {
                    add(
                        Metric::ImportBill,
                        Some(k),
                        region.clone(),
                        "MUSD".into(),
                        Horizon::Sum,
                    )
                }),
                production: add(
                    Metric::Production,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                imports: add(
                    Metric::Imports,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                exports: add(
                    Metric::Exports,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
            });
        }
    }

    let mut corridor_series: Vec<Option<usize>> = vec![None; m.corridors.len() * nk];
    let mut pair_series: std::collections::BTreeMap<(usize, usize, usize), usize> =
        Default::default();
    let mut via_series: std::collections::BTreeMap<(usize, usize, usize), usize> =
        Default::default();
    for fl in &m.flows {
        let r = &m.routes[fl.route];
        let k = fl.commodity;
        let route = add(
            Metric::RouteFlow,
            Some(k),
            r.id.clone(),
            unit(k),
            Horizon::Sum,
        );
        let corridor = *corridor_series[r.corridor * nk + k].get_or_insert_with(|| {
            add(
                Metric::CorridorFlow,
                Some(k),
                m.corridors[r.corridor].clone(),
                unit(k),
                Horizon::Sum,
            )
        });
        let pair = *pair_series.entry((r.to, r.from, k)).or_insert_with(|| {
            add(
                Metric::ImportFrom,
                Some(k),
                format!("{}/{}", m.regions[r.to], m.regions[r.from]),
                unit(k),
                Horizon::Sum,
            )
        });
        let via = *via_series
            .entry((r.from, r.corridor, k))
            .or_insert_with(|| {
                add(
                    Metric::ExportVia,
                    Some(k),
                    format!("{}/{}", m.regions[r.from], m.corridors[r.corridor]),
                    unit(k),
                    Horizon::Sum,
                )
            });
        idx.flow.push(FlowSeries {
            route,
            corridor,
            import_from: pair,
            export_via: via,
        });
    }
    // Shares are ratios of series recorded above; their horizon value is the
    // ratio of horizon sums, not a mean of period ratios.
    for (&(to, from, k), &num) in &pair_series {
        if let Some(ix) = idx.market[to * nk + k] {
            let key = format!("{}/{}", m.regions[to], m.regions[from]);
            add(
                Metric::ImportShare,
                Some(k),
                key,
                "share".into(),
                Horizon::Ratio {
                    num,
                    den: ix.imports,
                },
            );
        }
    }
    for (&(from, c, k), &num) in &via_series {
        if let Some(ix) = idx.market[from * nk + k] {
            let key = format!("{}/{}", m.regions[from], m.corridors[c]);
            add(
                Metric::ExportShare,
                Some(k),
                key,
                "share".into(),
                Horizon::Ratio {
                    num,
                    den: ix.exports,
                },
            );
        }
    }

    for leg in &m.legs {
        idx.leg.push(LegSeries {
            flow: add(
                Metric::LegFlow,
                None,
                leg.id.clone(),
                "t".into(),
                Horizon::Sum,
            ),
            utilisation: add(
                Metric::LegUtilisation,
                None,
                leg.id.clone(),
                "share".into(),
                Horizon::Mean,
            ),
            rent: add(
                Metric::LegRent,
                None,
                leg.id.clone(),
                "USD/t".into(),
                Horizon::Mean,
            ),
            availability: add(
                Metric::LegAvailability,
                None,
                leg.id.clone(),
                "share".into(),
                Horizon::Mean,
            ),
        });
    }
    for p in &m.processing {
        for &(k, amount) in &p.outputs {
            idx.process.push(ProcessSeries {
                series: add(
                    Metric::ProcessingOutput,
                    Some(k),
                    p.id.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                col: p.col,
                amount,
            });
        }
    }
    for d in &m.disposal {
        idx.disposal.push(add(
            Metric::Disposal,
            Some(d.commodity),
            m.regions[d.region].clone(),
            unit(d.commodity),
            Horizon::Sum,
        ));
    }
    for s in &m.stockpiles {
        idx.stock.push(StockSeries {
            level: add(
                Metric::StockLevel,
                Some(s.commodity),
                s.id.clone(),
                unit(s.commodity),
                Horizon::Last,
            ),
            release: add(
                Metric::StockRelease,
                Some(s.commodity),
                s.id.clone(),
                unit(s.commodity),
                Horizon::Sum,
            ),
        });
    }
    for p in &m.policies {
        let Effect::Licence { flows, .. } = &p.effect else {
            continue;
        };
        // Per commodity when every controlled flow carries the same one.
        let k = flows.first().map(|&f| m.flows[f].commodity);
        let k = k.filter(|&k| flows.iter().all(|&f| m.flows[f].commodity == k));
        let u = k.map_or_else(|| "units".to_string(), unit);
        idx.licence.push(LicenceSeries {
            release: add(
                Metric::LicenceRelease,
                k,
                p.id.clone(),
                u.clone(),
                Horizon::Sum,
            ),
            backlog: add(Metric::LicenceBacklog, k, p.id.clone(), u, Horizon::Last),
        });
    }
    idx.totals = TotalSeries {
        welfare: add(
            Metric::Welfare,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
        system_cost: add(
            Metric::SystemCost,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
        shortfall_value: add(
            Metric::ShortfallValue,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
    };
    (out, idx)
}
