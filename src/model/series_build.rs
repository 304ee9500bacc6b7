//! The list of output series of a compiled model, and the index tables the
//! engine uses to write them without any lookup.

use super::*;

/// Where each quantity of a period is recorded: indices into the series list.
#[derive(Debug, Clone, Default)]
pub struct SeriesIndex {
    /// Per (region × commodities + commodity) with a market: consumption,
    /// shortfall, consumption gap, price, production, imports, exports.
    pub market: Vec<Option<[usize; 7]>>,
    /// Per flow: (route flow, corridor flow, import_from, export_via).
    pub flow: Vec<[usize; 4]>,
    /// Per leg: (flow, utilisation, rent, availability).
    pub leg: Vec<[usize; 4]>,
    /// Per plant: output.
    pub process: Vec<usize>,
    /// Per stockpile: (level, release).
    pub stock: Vec<[usize; 2]>,
    /// Welfare, system cost, shortfall value.
    pub totals: [usize; 3],
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
            idx.market[r * nk + k] = Some([
                add(
                    Metric::Consumption,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                add(
                    Metric::Shortfall,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                add(
                    Metric::ConsumptionGap,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                add(
                    Metric::Price,
                    Some(k),
                    region.clone(),
                    price_unit,
                    Horizon::Mean,
                ),
                add(
                    Metric::Production,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                add(
                    Metric::Imports,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
                add(
                    Metric::Exports,
                    Some(k),
                    region.clone(),
                    unit(k),
                    Horizon::Sum,
                ),
            ]);
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
        idx.flow.push([route, corridor, pair, via]);
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
                Horizon::Ratio { num, den: ix[5] },
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
                Horizon::Ratio { num, den: ix[6] },
            );
        }
    }

    for leg in &m.legs {
        idx.leg.push([
            add(
                Metric::LegFlow,
                None,
                leg.id.clone(),
                "t".into(),
                Horizon::Sum,
            ),
            add(
                Metric::LegUtilisation,
                None,
                leg.id.clone(),
                "share".into(),
                Horizon::Mean,
            ),
            add(
                Metric::LegRent,
                None,
                leg.id.clone(),
                "USD/t".into(),
                Horizon::Mean,
            ),
            add(
                Metric::LegAvailability,
                None,
                leg.id.clone(),
                "share".into(),
                Horizon::Mean,
            ),
        ]);
    }
    for p in &m.processing {
        idx.process.push(add(
            Metric::ProcessingOutput,
            Some(p.output),
            p.id.clone(),
            unit(p.output),
            Horizon::Sum,
        ));
    }
    for s in &m.stockpiles {
        idx.stock.push([
            add(
                Metric::StockLevel,
                Some(s.commodity),
                s.id.clone(),
                unit(s.commodity),
                Horizon::Last,
            ),
            add(
                Metric::StockRelease,
                Some(s.commodity),
                s.id.clone(),
                unit(s.commodity),
                Horizon::Sum,
            ),
        ]);
    }
    idx.totals = [
        add(
            Metric::Welfare,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
        add(
            Metric::SystemCost,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
        add(
            Metric::ShortfallValue,
            None,
            "world".into(),
            "MUSD".into(),
            Horizon::Sum,
        ),
    ];
    (out, idx)
}
