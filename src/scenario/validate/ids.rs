//! Ids: unique within their list, and every reference names something the
//! scenario defines (with a did-you-mean when it does not).

use super::{Ctx, Ids};
use crate::scenario::diagnostic::did_you_mean;
use crate::scenario::recipe::{ids, named_commodities};
use crate::scenario::span::{Loc, Sp};
use crate::scenario::Diagnostic;
use std::collections::HashMap;

/// Ids are unique within each list, hub and region ids share one node
/// namespace, and each (region, commodity) has at most one supply and one demand.
pub(super) fn check_duplicate_ids(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    fn unique<'a>(
        cx: &Ctx,
        out: &mut Vec<Diagnostic>,
        table: &str,
        ids: impl IntoIterator<Item = &'a Sp<String>>,
    ) {
        let mut first: HashMap<&str, Loc> = HashMap::new();
        for id in ids {
            match first.get(id.value.as_str()) {
                Some(at) => out.push(
                    Diagnostic::new(id.loc(), format!("{table}: duplicate id `{}`", id.value))
                        .help(format!(
                            "`{}` is first defined at {}; rename or remove one of them",
                            id.value,
                            cx.position(at)
                        )),
                ),
                None => {
                    first.insert(&id.value, id.loc());
                }
            }
        }
    }
    let f = cx.f;
    unique(cx, out, "commodities", f.commodities.iter().map(|x| &x.id));
    unique(cx, out, "regions", f.regions.iter().map(|x| &x.id));
    unique(cx, out, "hubs", f.hubs.iter().map(|x| &x.id));
    unique(cx, out, "processing", f.processing.iter().map(|x| &x.id));
    unique(cx, out, "stockpiles", f.stockpiles.iter().map(|x| &x.id));
    unique(cx, out, "legs", f.legs.iter().map(|x| &x.id));
    unique(cx, out, "routes", f.routes.iter().map(|x| &x.id));
    unique(cx, out, "policies", f.policies.iter().map(|x| &x.id));
    for h in &f.hubs {
        if cx.is_region(&h.id) {
            out.push(
                Diagnostic::new(h.id.loc(), format!("hubs: id `{}` is also a region id", h.id.value)).help(format!(
                    "regions and hubs share one namespace of node ids (legs name either); rename the hub, e.g. `{}_HUB`",
                    h.id.value
                )),
            );
        }
    }
    fn pairs<'a>(
        cx: &Ctx,
        out: &mut Vec<Diagnostic>,
        table: &str,
        help: &str,
        items: impl IntoIterator<Item = (&'a Sp<String>, &'a Sp<String>)>,
    ) {
        let mut first: HashMap<(&str, &str), Loc> = HashMap::new();
        for (r, c) in items {
            let key = (r.value.as_str(), c.value.as_str());
            match first.get(&key) {
                Some(at) => out.push(
                    Diagnostic::new(
                        r.loc(),
                        format!(
                            "{table}: duplicate entry for region `{}` and commodity `{}`",
                            r.value, c.value
                        ),
                    )
                    .help(format!("the first is at {}; {help}", cx.position(at))),
                ),
                None => {
                    first.insert(key, r.loc());
                }
            }
        }
    }
    pairs(
        cx,
        out,
        "supply",
        "give one entry per region and commodity, with `steps` for a cost curve of several parts",
        f.supply.iter().map(|s| (&s.region, &s.commodity)),
    );
    pairs(
        cx,
        out,
        "demand",
        "give one entry per region and commodity",
        f.demand.iter().map(|d| (&d.region, &d.commodity)),
    );
}

/// The help for an unknown id: a did-you-mean, else the valid ids.
fn suggest(word: &str, valid: &Ids, plural: &str) -> String {
    let valid = &valid.order;
    if let Some(best) = did_you_mean(word, valid.iter().copied()) {
        return format!("did you mean `{best}`?");
    }
    if valid.is_empty() {
        return format!("the scenario defines no {plural}");
    }
    let shown: Vec<String> = valid.iter().take(8).map(|v| format!("`{v}`")).collect();
    let more = if valid.len() > 8 { ", ..." } else { "" };
    format!("expected one of: {}{more}", shown.join(", "))
}

/// Reports `id` unless it is one of `valid`.
pub(super) fn reference(
    out: &mut Vec<Diagnostic>,
    path: &str,
    id: &Sp<String>,
    kind: (&str, &str),
    valid: &Ids,
) {
    if !valid.contains(&id.value) {
        out.push(
            Diagnostic::new(
                id.loc(),
                format!("{path}: unknown {} `{}`", kind.0, id.value),
            )
            .help(suggest(&id.value, valid, kind.1)),
        );
    }
}

pub(super) const REGION: (&str, &str) = ("region", "regions");

pub(super) const COMMODITY: (&str, &str) = ("commodity", "commodities");

const HUB: (&str, &str) = ("hub", "hubs");

const LEG: (&str, &str) = ("leg", "legs");

const PLANT: (&str, &str) = ("processing plant", "processing plants");

const NODE: (&str, &str) = ("region or hub", "regions or hubs");

/// Every id a scenario uses names something it defines.
pub(super) fn check_references(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let f = cx.f;
    let (regions, commodities) = (&cx.regions, &cx.commodities);
    for h in &f.hubs {
        reference(
            out,
            &format!("hubs.{}.region", h.id.value),
            &h.region,
            REGION,
            regions,
        );
    }
    // Entries placed in a region that name commodities.
    let one = |field, c| vec![(field, c)];
    let placed = f
        .supply
        .iter()
        .map(|s| {
            let key = format!("supply.{}.{}", s.region.value, s.commodity.value);
            (key, &s.region, one("commodity", &s.commodity))
        })
        .chain(f.demand.iter().map(|d| {
            let key = format!("demand.{}.{}", d.region.value, d.commodity.value);
            (key, &d.region, one("commodity", &d.commodity))
        }))
        .chain(f.processing.iter().map(|p| {
            let key = format!("processing.{}", p.id.value);
            (key, &p.region, named_commodities(p))
        }))
        .chain(f.stockpiles.iter().map(|s| {
            let key = format!("stockpiles.{}", s.id.value);
            (key, &s.region, one("commodity", &s.commodity))
        }));
    for (key, region, named) in placed {
        reference(out, &format!("{key}.region"), region, REGION, regions);
        for (field, c) in named {
            reference(out, &format!("{key}.{field}"), c, COMMODITY, commodities);
        }
    }
    for l in &f.legs {
        let key = format!("legs.{}", l.id.value);
        reference(out, &format!("{key}.from"), &l.from, NODE, &cx.nodes);
        reference(out, &format!("{key}.to"), &l.to, NODE, &cx.nodes);
        for c in &l.carries {
            reference(out, &format!("{key}.carries"), c, COMMODITY, commodities);
        }
    }
    for r in &f.routes {
        let key = format!("routes.{}", r.id.value);
        for (field, end) in [("from", &r.from), ("to", &r.to)] {
            match cx.hub_region.get(end.value.as_str()) {
                Some(region) if !cx.is_region(end) => out.push(
                    Diagnostic::new(end.loc(), format!("{key}.{field}: `{}` is a hub, not a region", end.value)).help(
                        format!("routes run between regions; use `{region}`, the hub's region (its legs may start or end at the hub)"),
                    ),
                ),
                _ => reference(out, &format!("{key}.{field}"), end, REGION, regions),
            }
        }
        for l in &r.legs {
            reference(out, &format!("{key}.legs"), l, LEG, &cx.leg_ids);
        }
        for c in r.commodities.iter().flatten() {
            reference(
                out,
                &format!("{key}.commodities"),
                c,
                COMMODITY,
                commodities,
            );
        }
    }
    for p in &f.policies {
        let key = format!("policies.{}", p.id.value);
        let one =
            |out: &mut Vec<Diagnostic>, field: &str, v: &Option<Sp<String>>, kind, valid: &Ids| {
                if let Some(v) = v {
                    reference(out, &format!("{key}.{field}"), v, kind, valid);
                }
            };
        one(out, "region", &p.region, REGION, regions);
        for c in ids(&p.commodity) {
            reference(out, &format!("{key}.commodity"), &c, COMMODITY, commodities);
        }
        one(out, "importer", &p.importer, REGION, regions);
        one(out, "exporter", &p.exporter, REGION, regions);
        one(out, "processing", &p.processing, PLANT, &cx.processing);
        for (field, list, kind, valid) in [
            ("to", &p.to, REGION, regions),
            ("legs", &p.legs, LEG, &cx.leg_ids),
            ("hubs", &p.hubs, HUB, &cx.hubs),
        ] {
            for v in list.iter().flatten() {
                reference(out, &format!("{key}.{field}"), v, kind, valid);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, line, patch, policy, with};

    #[test]
    fn check_duplicate_ids_within_a_list() {
        let text = with("[[regions]]\nid = \"KZ\"\n");
        let d = fails_with(&text, "regions: duplicate id `KZ`");
        assert_eq!(
            d.help.as_deref(),
            Some("`KZ` is first defined at <inline>:18:6; rename or remove one of them")
        );
        assert_eq!(line(&text, &d), 54);
    }

    #[test]
    fn check_duplicate_ids_hub_and_region_share_a_namespace() {
        let d = fails_with(
            &with("[[hubs]]\nid = \"CN\"\nregion = \"CN\"\n"),
            "hubs: id `CN` is also a region id",
        );
        assert!(d.help.unwrap().contains("share one namespace"));
    }

    #[test]
    fn check_duplicate_ids_supply_per_region_and_commodity() {
        let d = fails_with(
            &with("[[supply]]\nregion = \"KZ\"\ncommodity = \"oil\"\nsteps = [{ capacity = 1, cost = 2 }]\n"),
            "supply: duplicate entry for region `KZ` and commodity `oil`",
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("the first is at <inline>:24:10;"));
    }

    #[test]
    fn check_references_unknown_ids_get_a_did_you_mean_or_the_valid_ids() {
        let cases = [
            (
                ("to = \"CN\"\nmode", "to = \"CNN\"\nmode"),
                "legs.pipe.to: unknown region or hub `CNN`",
                "did you mean `CN`?",
            ),
            (
                ("legs = [\"pipe\"]", "legs = [\"pipe\", \"rail\"]"),
                "routes.direct.legs: unknown leg `rail`",
                "expected one of: `pipe`",
            ),
            (
                ("carries = [\"oil\"]", "carries = [\"oill\"]"),
                "legs.pipe.carries: unknown commodity `oill`",
                "did you mean `oil`?",
            ),
        ];
        for (edit, message, help) in cases {
            let d = fails_with(&patch(&[edit]), message);
            assert_eq!(d.help.as_deref(), Some(help));
        }
    }

    #[test]
    fn check_references_route_end_is_a_region() {
        let text = with("[[hubs]]\nid = \"DOSTYK\"\nregion = \"KZ\"\n");
        let text = text.replace(
            "[[routes]]\nid = \"direct\"\nfrom = \"KZ\"",
            "[[routes]]\nid = \"direct\"\nfrom = \"DOSTYK\"",
        );
        let d = fails_with(&text, "routes.direct.from: `DOSTYK` is a hub, not a region");
        assert_eq!(
            d.help.as_deref(),
            Some("routes run between regions; use `KZ`, the hub's region (its legs may start or end at the hub)")
        );
    }

    #[test]
    fn check_references_policy_targets() {
        let text = policy("type = \"tariff\"\nimporter = \"CM\"\nper_unit = 5\n");
        let d = fails_with(&text, "policies.p.importer: unknown region `CM`");
        assert_eq!(d.help.as_deref(), Some("did you mean `CN`?"));
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipes\"]\n"),
            "policies.p.legs: unknown leg `pipes`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nprocessing = \"refinery\"\nfactor = 2\n"),
            "policies.p.processing: unknown processing plant `refinery`",
        );
    }
}
