//! A policy's `commodity` given as a list: not empty, each id once, and
//! only where the policy acts on each listed commodity's flows, supply or
//! demand one by one. A quota, a licence queue and a capacity `delta` are
//! amounts in one commodity's units, so over several commodities they
//! would add tonnes of oxide to numbers of magnets: they take one
//! commodity, and a group gets one policy per commodity.

use super::Ctx;
use crate::scenario::recipe::{ids, is_list};
use crate::scenario::schema::{ControlMode, PolicyKind};
use crate::scenario::Diagnostic;
use std::collections::HashSet;

/// Lists are well formed and used only where each commodity is acted on alone.
pub(super) fn check_commodity_lists(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.policies {
        let Some(field) = p.commodity.as_ref().filter(|_| is_list(&p.commodity)) else {
            continue;
        };
        let key = format!("policies.{}.commodity", p.id.value);
        let list = ids(&p.commodity);
        if list.is_empty() {
            out.push(
                Diagnostic::new(field.loc(), format!("{key}: the list is empty")).help(
                    "name at least one commodity, or leave `commodity` out to cover them all",
                ),
            );
            continue;
        }
        let mut seen = HashSet::new();
        for c in list.iter().filter(|c| !seen.insert(c.value.as_str())) {
            out.push(
                Diagnostic::new(c.loc(), format!("{key}: `{}` is listed twice", c.value))
                    .help("give each commodity once"),
            );
        }
        if seen.len() < 2 {
            continue;
        }
        let quota = p
            .mode
            .as_ref()
            .is_some_and(|m| m.value == ControlMode::Quota);
        let amount = match p.kind.value {
            PolicyKind::ExportControl if quota => Some("a quota caps"),
            PolicyKind::ExportControl if p.lag_days.is_some() => {
                Some("a licence queue (`lag_days`) releases")
            }
            PolicyKind::CapacityChange if p.delta.is_some() => Some("a capacity `delta` adds"),
            _ => None,
        };
        if let Some(what) = amount {
            out.push(
                Diagnostic::new(
                    field.loc(),
                    format!("{key}: {what} an amount in one commodity's units, so it cannot cover a list of commodities"),
                )
                .help("write one policy per commodity (a ban, a friction-only licence, a tariff, a shock or a capacity `factor` may take a list)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, problems, with};

    /// The fixture world with a second commodity `gas` and policy `p`.
    fn two(body: &str) -> String {
        with(&format!("[[commodities]]\nid = \"gas\"\nunit = \"t\"\nreference_price = 1\n[[policies]]\nid = \"p\"\n{body}"))
    }

    #[test]
    fn a_list_is_accepted_where_each_commodity_is_acted_on_alone() {
        for body in [
            "type = \"export_control\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nmode = \"ban\"\n",
            "type = \"export_control\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nmode = \"license\"\nfriction = 5\n",
            "type = \"tariff\"\nimporter = \"CN\"\ncommodity = [\"oil\", \"gas\"]\nad_valorem = 0.1\n",
            "type = \"demand_shock\"\nregion = \"CN\"\ncommodity = [\"oil\", \"gas\"]\nfactor = 0.9\n",
            "type = \"supply_shock\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nfactor = 0.9\n",
            "type = \"capacity_change\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nfactor = 0.9\n",
            // One commodity in a list is the single form.
            "type = \"export_control\"\nregion = \"KZ\"\ncommodity = [\"oil\"]\nmode = \"quota\"\nquota = 5\n",
        ] {
            assert_eq!(problems(&two(body)), [], "{body}");
        }
    }

    #[test]
    fn a_list_is_refused_where_it_would_add_different_units() {
        let msg = |what: &str| {
            format!("policies.p.commodity: {what} an amount in one commodity's units, so it cannot cover a list of commodities")
        };
        let d = fails_with(
            &two("type = \"export_control\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nmode = \"quota\"\nquota = 5\n"),
            &msg("a quota caps"),
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("write one policy per commodity"));
        fails_with(
            &two("type = \"export_control\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\nmode = \"license\"\nlag_days = 60\n"),
            &msg("a licence queue (`lag_days`) releases"),
        );
        fails_with(
            &two("type = \"capacity_change\"\nregion = \"KZ\"\ncommodity = [\"oil\", \"gas\"]\ndelta = 5\n"),
            &msg("a capacity `delta` adds"),
        );
    }

    #[test]
    fn a_list_is_not_empty_has_each_id_once_and_known_ids() {
        let ban = |list: &str| {
            two(&format!(
                "type = \"export_control\"\nregion = \"KZ\"\ncommodity = {list}\nmode = \"ban\"\n"
            ))
        };
        fails_with(&ban("[]"), "policies.p.commodity: the list is empty");
        fails_with(
            &ban("[\"oil\", \"gas\", \"oil\"]"),
            "policies.p.commodity: `oil` is listed twice",
        );
        let d = fails_with(
            &ban("[\"oil\", \"gass\"]"),
            "policies.p.commodity: unknown commodity `gass`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `gas`?"));
        fails_with(
            &ban("[\"oil\", 3]"),
            "invalid type: integer `3`, expected a string",
        );
        fails_with(
            &ban("3"),
            "invalid type: integer `3`, expected a commodity id or a list of them, e.g. \"oil\" or [\"heavy_ree\", \"ndfeb_magnets\"]",
        );
    }
}
