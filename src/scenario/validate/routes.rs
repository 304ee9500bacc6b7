//! The route graph: a route's legs form a path from its origin to its
//! destination, and they carry the route's commodities.

use super::Ctx;
use crate::scenario::schema::Leg;
use crate::scenario::Diagnostic;

/// A route's legs form a path from its origin to its destination.
///
/// The path starts at `from` or one of its hubs; each leg starts where the
/// previous one ended (a leg with `bidirectional = true` may be travelled
/// backwards, and after a leg that ends at a region the next may start at
/// one of that region's hubs); the last leg ends at `to` or one of its hubs.
/// Legs are oriented greedily, forward first, as the model compiler does.
pub(super) fn check_routes_connect(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for r in &cx.f.routes {
        let key = format!("routes.{}", r.id.value);
        if r.legs.is_empty() {
            out.push(
                Diagnostic::new(r.id.loc(), format!("{key}.legs: a route needs at least one leg"))
                    .help("list the legs in travel order, e.g. legs = [\"khorgos_rail\", \"caspian_ferry\"]"),
            );
            continue;
        }
        if r.from.value == r.to.value {
            out.push(
                Diagnostic::new(
                    r.to.loc(),
                    format!("{key}: starts and ends at `{}`", r.from.value),
                )
                .help("a route moves goods between two different regions"),
            );
        }
        // Unknown ids are reported by `check_references`; a path through
        // them cannot be followed.
        let legs: Option<Vec<&Leg>> = r
            .legs
            .iter()
            .map(|l| cx.legs.get(l.value.as_str()).copied())
            .collect();
        let Some(legs) = legs else { continue };
        if !cx.is_region(&r.from)
            || legs
                .iter()
                .any(|l| cx.region_of(&l.from).is_none() || cx.region_of(&l.to).is_none())
        {
            continue;
        }
        let mut here: &str = &r.from.value;
        let mut broken = false;
        for (i, leg) in legs.iter().enumerate() {
            let meets =
                |n: &str| n == here || (cx.is_region(here) && cx.region_of(n) == Some(here));
            let bidirectional = leg.bidirectional.as_ref().is_some_and(|b| b.value);
            let next = if meets(&leg.from) {
                Some(leg.to.value.as_str())
            } else if bidirectional && meets(&leg.to) {
                Some(leg.from.value.as_str())
            } else {
                None
            };
            if let Some(next) = next {
                here = next;
                continue;
            }
            let at = r.legs[i].loc();
            let name = &leg.id.value;
            let starts = if bidirectional {
                format!(
                    "runs between {} and {}",
                    cx.describe_node(&leg.from),
                    cx.describe_node(&leg.to)
                )
            } else {
                format!("starts at {}", cx.describe_node(&leg.from))
            };
            let reversed = !bidirectional && meets(&leg.to);
            let d = if i == 0 {
                Diagnostic::new(
                    at,
                    format!(
                        "{key}.legs: first leg `{name}` {starts}, not at the route's origin `{}` or one of its hubs",
                        r.from.value
                    ),
                )
                .help(if reversed {
                    format!(
                        "`{name}` runs towards `{}`; set `bidirectional = true` on it to travel it backwards",
                        leg.to.value
                    )
                } else {
                    format!("start the route with a leg that leaves `{}` or one of its hubs", r.from.value)
                })
            } else {
                let prev = &legs[i - 1].id.value;
                Diagnostic::new(
                    at,
                    format!("{key}.legs: legs `{prev}` and `{name}` do not meet: `{prev}` ends at {}, but `{name}` {starts}", cx.describe_node(here)),
                )
                .help(if reversed {
                    format!("`{name}` runs towards `{here}`; set `bidirectional = true` on it to travel it backwards")
                } else {
                    format!("add a leg from `{here}` to `{}` between them, or check the order of `legs`", leg.from.value)
                })
            };
            out.push(d);
            broken = true;
            break;
        }
        if broken || !cx.is_region(&r.to) {
            continue;
        }
        if here != r.to.value && cx.region_of(here) != Some(r.to.value.as_str()) {
            let last = r.legs.last().map_or_else(|| r.to.loc(), |l| l.loc());
            let name = &legs[legs.len() - 1].id.value;
            out.push(
                Diagnostic::new(
                    last,
                    format!(
                        "{key}.legs: last leg `{name}` ends at {}, not at the route's destination `{}` or one of its hubs",
                        cx.describe_node(here),
                        r.to.value
                    ),
                )
                .help(format!("add legs from `{here}` to `{}`, or change `to`", r.to.value)),
            );
        }
    }
}

/// A route carries at least one commodity, and only what all its legs carry.
pub(super) fn check_route_commodities(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for r in &cx.f.routes {
        let key = format!("routes.{}", r.id.value);
        let legs: Option<Vec<&Leg>> = r
            .legs
            .iter()
            .map(|l| cx.legs.get(l.value.as_str()).copied())
            .collect();
        let Some(legs) = legs else { continue };
        if legs.is_empty() {
            continue;
        }
        let carries = |l: &Leg, c: &str| l.carries.iter().any(|x| x.value == c);
        match &r.commodities {
            Some(list) if list.is_empty() => out.push(
                Diagnostic::new(r.id.loc(), format!("{key}.commodities: the list is empty"))
                    .help("omit `commodities` to allow every commodity all its legs carry"),
            ),
            Some(list) => {
                for c in list.iter().filter(|c| cx.commodities.contains(&c.value)) {
                    for l in legs.iter().filter(|l| !carries(l, &c.value)) {
                        out.push(
                            Diagnostic::new(
                                c.loc(),
                                format!(
                                    "{key}.commodities: leg `{}` does not carry `{}`",
                                    l.id.value, c.value
                                ),
                            )
                            .help(format!(
                                "add \"{}\" to `carries` of leg `{}`, or remove it from this route",
                                c.value, l.id.value
                            )),
                        );
                    }
                }
            }
            None => {
                // An empty or unknown `carries` is reported on the leg itself.
                let unclear = legs.iter().any(|l| {
                    l.carries.is_empty()
                        || l.carries.iter().any(|c| !cx.commodities.contains(&c.value))
                });
                let common = cx
                    .commodities
                    .order
                    .iter()
                    .any(|c| legs.iter().all(|l| carries(l, c)));
                if !common && !unclear {
                    let what: Vec<String> = legs
                        .iter()
                        .map(|l| {
                            let list: Vec<&str> =
                                l.carries.iter().map(|c| c.value.as_str()).collect();
                            format!("`{}` carries [{}]", l.id.value, list.join(", "))
                        })
                        .collect();
                    out.push(
                        Diagnostic::new(
                            r.id.loc(),
                            format!("{key}: its legs carry no commodity in common"),
                        )
                        .help(what.join("; ")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, patch, problems, with};

    #[test]
    fn check_routes_connect_consecutive_legs_meet() {
        let text = patch(&[("legs = [\"pipe\"]", "legs = [\"pipe\", \"spur\"]")])
            + "[[legs]]\nid = \"spur\"\nfrom = \"KZ\"\nto = \"CN\"\nmode = \"rail\"\ncapacity = 1\ncost = 1\ncarries = [\"oil\"]\n";
        let d = fails_with(
            &text,
            "routes.direct.legs: legs `pipe` and `spur` do not meet: `pipe` ends at `CN`, but `spur` starts at `KZ`",
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "`spur` runs towards `CN`; set `bidirectional = true` on it to travel it backwards"
            )
        );
    }

    #[test]
    fn check_routes_connect_first_leg_leaves_the_origin() {
        let text = patch(&[(
            "from = \"KZ\"\nto = \"CN\"\nlegs",
            "from = \"CN\"\nto = \"KZ\"\nlegs",
        )]);
        let d = fails_with(
            &text,
            "routes.direct.legs: first leg `pipe` starts at `KZ`, not at the route's origin `CN` or one of its hubs",
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "`pipe` runs towards `CN`; set `bidirectional = true` on it to travel it backwards"
            )
        );
        let both_ways = text.replace(
            "carries = [\"oil\"]",
            "carries = [\"oil\"]\nbidirectional = true",
        );
        assert_eq!(problems(&both_ways), []);
    }

    #[test]
    fn check_routes_connect_last_leg_reaches_the_destination() {
        let text = with("[[regions]]\nid = \"US\"\n").replace(
            "from = \"KZ\"\nto = \"CN\"\nlegs",
            "from = \"KZ\"\nto = \"US\"\nlegs",
        );
        let d = fails_with(
            &text,
            "routes.direct.legs: last leg `pipe` ends at `CN`, not at the route's destination `US` or one of its hubs",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("add legs from `CN` to `US`, or change `to`")
        );
    }

    #[test]
    fn check_routes_connect_through_hubs() {
        let text = patch(&[("from = \"KZ\"\nto = \"CN\"\nmode", "from = \"DOSTYK\"\nto = \"ALASHANKOU\"\nmode")])
            + "[[hubs]]\nid = \"DOSTYK\"\nregion = \"KZ\"\n[[hubs]]\nid = \"ALASHANKOU\"\nregion = \"CN\"\n";
        assert_eq!(problems(&text), []);
    }

    #[test]
    fn check_routes_connect_needs_a_leg() {
        fails_with(
            &patch(&[("legs = [\"pipe\"]", "legs = []")]),
            "routes.direct.legs: a route needs at least one leg",
        );
    }

    #[test]
    fn check_route_commodities_subset_of_every_leg() {
        let text = patch(&[(
            "corridor = \"china_direct\"",
            "corridor = \"china_direct\"\ncommodities = [\"oil\", \"li_carbonate\"]",
        )])
            + "[[commodities]]\nid = \"li_carbonate\"\nunit = \"t\"\nreference_price = 1\n";
        let d = fails_with(
            &text,
            "routes.direct.commodities: leg `pipe` does not carry `li_carbonate`",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("add \"li_carbonate\" to `carries` of leg `pipe`, or remove it from this route")
        );
    }

    #[test]
    fn check_route_commodities_legs_share_one() {
        let text = patch(&[("from = \"KZ\"\nto = \"CN\"\nlegs = [\"pipe\"]", "from = \"KZ\"\nto = \"US\"\nlegs = [\"pipe\", \"road\"]")])
            + "[[regions]]\nid = \"US\"\n[[commodities]]\nid = \"li_carbonate\"\nunit = \"t\"\nreference_price = 1\n"
            + "[[legs]]\nid = \"road\"\nfrom = \"CN\"\nto = \"US\"\nmode = \"sea\"\ncapacity = 1\ncost = 1\ncarries = [\"li_carbonate\"]\n";
        let d = fails_with(
            &text,
            "routes.direct: its legs carry no commodity in common",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("`pipe` carries [oil]; `road` carries [li_carbonate]")
        );
    }
}
