//! Eligibility: who sells a commodity to an importer. Each list names
//! known regions once, not the importer itself, at most one list per
//! importer and commodity, and leaves the importer at least one route
//! that can carry the commodity in from an eligible seller.

use super::ids::{reference, COMMODITY, REGION};
use super::Ctx;
use crate::scenario::schema::{Eligibility, Leg, Route};
use crate::scenario::span::Loc;
use crate::scenario::Diagnostic;
use std::collections::HashMap;

/// Whether route `r` can carry commodity `k`: it lists `k`, or it lists
/// nothing and every leg carries `k` (the compiler's rule).
fn carries(cx: &Ctx, r: &Route, k: &str) -> bool {
    match &r.commodities {
        Some(list) => list.iter().any(|c| c.value == k),
        None => r.legs.iter().all(|l| {
            cx.legs
                .get(l.value.as_str())
                .is_some_and(|leg: &&Leg| leg.carries.iter().any(|c| c.value == k))
        }),
    }
}

/// Every `[[eligibility]]` list is well formed and leaves a way in.
pub(super) fn check_eligibility(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<(&str, &str), Loc> = HashMap::new();
    for e in &cx.f.eligibility {
        let key = format!("eligibility.{}.{}", e.importer.value, e.commodity.value);
        reference(
            out,
            &format!("{key}.importer"),
            &e.importer,
            REGION,
            &cx.regions,
        );
        reference(
            out,
            &format!("{key}.commodity"),
            &e.commodity,
            COMMODITY,
            &cx.commodities,
        );
        let pair = (e.importer.value.as_str(), e.commodity.value.as_str());
        if let Some(at) = first.get(&pair) {
            out.push(
                Diagnostic::new(
                    e.importer.loc(),
                    format!(
                        "eligibility: duplicate list for importer `{}` and commodity `{}`",
                        pair.0, pair.1
                    ),
                )
                .help(format!(
                    "the first is at {}; give one list of sellers per importer and commodity",
                    cx.position(at)
                )),
            );
        } else {
            first.insert(pair, e.importer.loc());
        }
        check_sellers(cx, e, &key, out);
        // With an unknown id the list is reported already; a route check
        // on top would only repeat it.
        let known = cx.is_region(&e.importer)
            && cx.commodities.contains(&e.commodity.value)
            && e.sellers.iter().all(|s| cx.is_region(s));
        if known {
            check_a_way_in(cx, e, &key, out);
        }
    }
}

/// Sellers are known regions, each listed once, and not the importer.
fn check_sellers(cx: &Ctx, e: &Eligibility, key: &str, out: &mut Vec<Diagnostic>) {
    let path = format!("{key}.sellers");
    let mut seen: HashMap<&str, Loc> = HashMap::new();
    for s in &e.sellers {
        reference(out, &path, s, REGION, &cx.regions);
        if s.value == e.importer.value {
            out.push(
                Diagnostic::new(
                    s.loc(),
                    format!("{path}: `{}` is the importer itself", s.value),
                )
                .help("list the regions that sell to it; its own production needs no route"),
            );
        }
        match seen.get(s.value.as_str()) {
            Some(at) => out.push(
                Diagnostic::new(s.loc(), format!("{path}: `{}` is listed twice", s.value))
                    .help(format!("the first is at {}; remove one", cx.position(at))),
            ),
            None => {
                seen.insert(&s.value, s.loc());
            }
        }
    }
}

/// Some route carries the commodity into the importer from a seller:
/// otherwise the list would stop every import, which a scenario says with
/// an export ban or a closure, not with the world's trade pattern.
fn check_a_way_in(cx: &Ctx, e: &Eligibility, key: &str, out: &mut Vec<Diagnostic>) {
    let k = e.commodity.value.as_str();
    let into: Vec<&Route> =
        cx.f.routes
            .iter()
            .map(|r| &r.value)
            .filter(|r| r.to.value == e.importer.value && carries(cx, r, k))
            .collect();
    let eligible = |r: &&Route| e.sellers.iter().any(|s| s.value == r.from.value);
    if into.iter().any(eligible) {
        return;
    }
    let mut origins: Vec<&str> = into.iter().map(|r| r.from.value.as_str()).collect();
    origins.sort_unstable();
    origins.dedup();
    let help = if origins.is_empty() {
        format!(
            "no route carries `{k}` into `{}` at all; add one",
            e.importer.value
        )
    } else {
        let shown: Vec<String> = origins.iter().take(8).map(|o| format!("`{o}`")).collect();
        format!(
            "routes carry it in from {}; add one of them to `sellers`, or a route from a seller",
            shown.join(", ")
        )
    };
    out.push(
        Diagnostic::new(
            e.importer.loc(),
            format!(
                "{key}: no route carries `{k}` to `{}` from any of its sellers",
                e.importer.value
            ),
        )
        .help(help),
    );
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, problems, with};

    fn list(importer: &str, sellers: &str) -> String {
        with(&format!(
            "[[eligibility]]\nimporter = \"{importer}\"\ncommodity = \"oil\"\nsellers = [{sellers}]\n"
        ))
    }

    #[test]
    fn a_list_that_leaves_a_route_in_is_valid() {
        assert_eq!(problems(&list("CN", "\"KZ\"")), []);
    }

    #[test]
    fn check_eligibility_unknown_ids() {
        let d = fails_with(
            &list("CN", "\"KX\""),
            "eligibility.CN.oil.sellers: unknown region `KX`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `KZ`?"));
        fails_with(
            &list("CM", "\"KZ\""),
            "eligibility.CM.oil.importer: unknown region `CM`",
        );
        fails_with(
            &with("[[eligibility]]\nimporter = \"CN\"\ncommodity = \"oill\"\nsellers = [\"KZ\"]\n"),
            "eligibility.CN.oill.commodity: unknown commodity `oill`",
        );
    }

    #[test]
    fn check_eligibility_duplicates() {
        let d = fails_with(
            &list("CN", "\"KZ\", \"KZ\""),
            "eligibility.CN.oil.sellers: `KZ` is listed twice",
        );
        assert!(d.help.unwrap().ends_with("remove one"));
        let twice = list("CN", "\"KZ\"")
            + "[[eligibility]]\nimporter = \"CN\"\ncommodity = \"oil\"\nsellers = [\"KZ\"]\n";
        fails_with(
            &twice,
            "eligibility: duplicate list for importer `CN` and commodity `oil`",
        );
        fails_with(
            &list("CN", "\"KZ\", \"CN\""),
            "eligibility.CN.oil.sellers: `CN` is the importer itself",
        );
    }

    #[test]
    fn check_eligibility_needs_a_route_from_a_seller() {
        let d = fails_with(
            &list("CN", ""),
            "eligibility.CN.oil: no route carries `oil` to `CN` from any of its sellers",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("routes carry it in from `KZ`; add one of them to `sellers`, or a route from a seller")
        );
        let d = fails_with(
            &list("KZ", "\"CN\""),
            "eligibility.KZ.oil: no route carries `oil` to `KZ` from any of its sellers",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("no route carries `oil` into `KZ` at all; add one")
        );
    }
}
