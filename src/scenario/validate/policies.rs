//! Policies: the fields a policy's `type` needs and no field it does not
//! use, and its activation (`start`, `annual_probability`).

use super::numbers::{check_month, check_number, UNIT_BELOW_ONE};
use super::Ctx;
use crate::scenario::schema::*;
use crate::scenario::span::{Loc, Sp};
use crate::scenario::Diagnostic;

/// The policy fields present, with where they are.
fn policy_fields(p: &Policy) -> Vec<(&'static str, Loc)> {
    let fallback = p.kind.loc();
    let s = |v: &Option<Sp<String>>| v.as_ref().map(Sp::loc);
    let n = |v: &Option<Sp<Param>>| v.as_ref().map(Sp::loc);
    let list = |v: &Option<Vec<Sp<String>>>| {
        v.as_ref()
            .map(|l| l.first().map_or_else(|| fallback.clone(), Sp::loc))
    };
    let fields = [
        ("region", s(&p.region)),
        ("commodity", p.commodity.as_ref().map(Sp::loc)),
        ("to", list(&p.to)),
        ("importer", s(&p.importer)),
        ("exporter", s(&p.exporter)),
        ("legs", list(&p.legs)),
        ("hubs", list(&p.hubs)),
        ("processing", s(&p.processing)),
        ("mode", p.mode.as_ref().map(Sp::loc)),
        ("quota", n(&p.quota)),
        ("quota_fraction", n(&p.quota_fraction)),
        ("friction", n(&p.friction)),
        ("lag_days", n(&p.lag_days)),
        ("throughput", n(&p.throughput)),
        ("throughput_fraction", n(&p.throughput_fraction)),
        ("transit", p.transit.as_ref().map(Sp::loc)),
        ("per_unit", n(&p.per_unit)),
        ("ad_valorem", n(&p.ad_valorem)),
        ("delta", n(&p.delta)),
        ("factor", n(&p.factor)),
    ];
    fields
        .into_iter()
        .filter_map(|(name, loc)| loc.map(|l| (name, l)))
        .collect()
}

/// The `type = "..."` spelling of a policy kind.
fn kind_name(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::ExportControl => "export_control",
        PolicyKind::Tariff => "tariff",
        PolicyKind::Closure => "closure",
        PolicyKind::CapacityChange => "capacity_change",
        PolicyKind::DemandShock => "demand_shock",
        PolicyKind::SupplyShock => "supply_shock",
    }
}

/// The target and effect fields a policy kind uses (activation fields are
/// common to all).
fn used_fields(k: PolicyKind) -> &'static [&'static str] {
    match k {
        PolicyKind::ExportControl => &[
            "region",
            "commodity",
            "to",
            "mode",
            "quota",
            "quota_fraction",
            "friction",
            "lag_days",
            "throughput",
            "throughput_fraction",
            "transit",
        ],
        PolicyKind::Tariff => &[
            "importer",
            "exporter",
            "commodity",
            "per_unit",
            "ad_valorem",
        ],
        PolicyKind::Closure => &["legs", "hubs", "region", "to"],
        PolicyKind::CapacityChange => &[
            "legs",
            "hubs",
            "processing",
            "region",
            "commodity",
            "delta",
            "factor",
        ],
        PolicyKind::DemandShock | PolicyKind::SupplyShock => &["region", "commodity", "factor"],
    }
}

/// A policy has the fields its `type` needs and no field it does not use.
pub(super) fn check_policy_fields(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.policies {
        let key = format!("policies.{}", p.id.value);
        let kind = p.kind.value;
        let name = kind_name(kind);
        let fields = policy_fields(p);
        let has = |f: &str| fields.iter().any(|(n, _)| *n == f);
        let loc_of = |f: &str| fields.iter().find(|(n, _)| *n == f).map(|(_, l)| l.clone());
        let used = used_fields(kind);
        for (field, loc) in &fields {
            if !used.contains(field) {
                out.push(
                    Diagnostic::new(
                        loc.clone(),
                        format!("{key}: field `{field}` is not used by a `{name}` policy"),
                    )
                    .help(format!(
                        "a `{name}` policy uses {}",
                        used.iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
        let need = |out: &mut Vec<Diagnostic>, what: &str, help: &str| {
            out.push(
                Diagnostic::new(
                    p.kind.loc(),
                    format!("{key}: a `{name}` policy needs {what}"),
                )
                .help(help),
            );
        };
        let both = |out: &mut Vec<Diagnostic>, a: &str, b: &str, help: &str| {
            if let (true, Some(loc)) = (has(a), loc_of(b)) {
                out.push(
                    Diagnostic::new(loc, format!("{key}: `{a}` and `{b}` cannot both be given"))
                        .help(help),
                );
                true
            } else {
                false
            }
        };
        match kind {
            PolicyKind::ExportControl => {
                let mode = p.mode.as_ref().map(|m| m.value);
                let mode_fields: [(&str, ControlMode, &str); 6] = [
                    ("quota", ControlMode::Quota, "quota"),
                    ("quota_fraction", ControlMode::Quota, "quota"),
                    ("friction", ControlMode::License, "license"),
                    ("lag_days", ControlMode::License, "license"),
                    ("throughput", ControlMode::License, "license"),
                    ("throughput_fraction", ControlMode::License, "license"),
                ];
                if let Some(mode) = mode {
                    let mode_name = match mode {
                        ControlMode::Ban => "ban",
                        ControlMode::Quota => "quota",
                        ControlMode::License => "license",
                    };
                    for (field, wants, wants_name) in mode_fields {
                        if let (Some(loc), true) = (loc_of(field), mode != wants) {
                            out.push(
                                Diagnostic::new(
                                    loc,
                                    format!(
                                        "{key}: field `{field}` is not used in `{mode_name}` mode"
                                    ),
                                )
                                .help(format!("`{field}` applies with mode = \"{wants_name}\"")),
                            );
                        }
                    }
                }
                both(out, "quota", "quota_fraction", "give the quota either in units per year (`quota`) or as a fraction of the baseline flow (`quota_fraction`)");
                both(out, "throughput", "throughput_fraction", "give the licences processed either in units per year (`throughput`) or as a fraction of the baseline flow per period (`throughput_fraction`)");
                licence_queue(out, &key, &fields);
                if !has("region") {
                    need(
                        out,
                        "`region`, the exporting region",
                        "add e.g. region = \"CN\"",
                    );
                }
                match mode {
                    None => need(out, "`mode`", "add mode = \"ban\", \"quota\" or \"license\""),
                    Some(ControlMode::Quota) if !has("quota") && !has("quota_fraction") => need(
                        out,
                        "`quota` or `quota_fraction` in `quota` mode",
                        "add quota = <units per year>, or quota_fraction = <share of the baseline flow>",
                    ),
                    Some(ControlMode::License) if !has("friction") && !has("lag_days") => need(
                        out,
                        "`friction` or `lag_days` in `license` mode",
                        "add friction = <licensing cost, USD per unit>, or lag_days = <days from filing to release> for a queue of approvals",
                    ),
                    _ => {}
                }
            }
            PolicyKind::Tariff => {
                if !has("importer") {
                    need(
                        out,
                        "`importer`, the importing region",
                        "add e.g. importer = \"US\"",
                    );
                }
                if !has("per_unit") && !has("ad_valorem") {
                    need(
                        out,
                        "`per_unit` or `ad_valorem`",
                        "add per_unit = <USD per unit>, or ad_valorem = <share of the reference price>",
                    );
                }
            }
            PolicyKind::Closure => {
                if !has("legs") && !has("hubs") && !has("region") {
                    need(
                        out,
                        "`legs`, `hubs` or `region`",
                        "name what is closed, e.g. legs = [\"cpc_pipeline\"]",
                    );
                }
            }
            PolicyKind::CapacityChange => {
                let targets: Vec<&str> = [
                    ("legs", has("legs")),
                    ("hubs", has("hubs")),
                    ("processing", has("processing")),
                ]
                .into_iter()
                .filter(|(_, h)| *h)
                .map(|(n, _)| n)
                .chain((has("region") || has("commodity")).then_some("region"))
                .collect();
                match targets.len() {
                    0 => need(
                        out,
                        "a target: `legs`, `hubs`, `processing`, or `region` with `commodity`",
                        "add e.g. legs = [\"trans_caspian_rail\"]",
                    ),
                    1 => {
                        if targets[0] == "region" && !(has("region") && has("commodity")) {
                            let missing = if has("region") { "commodity" } else { "region" };
                            need(out,
                                &format!("`{missing}` too: a supply target is a `region` with a `commodity`"),
                                "name the mine's region and commodity, e.g. region = \"KZ\", commodity = \"rare_earths\"",
                            );
                        }
                    }
                    _ => {
                        let list: Vec<String> = targets
                            .iter()
                            .map(|t| {
                                if *t == "region" {
                                    "`region`/`commodity`".to_string()
                                } else {
                                    format!("`{t}`")
                                }
                            })
                            .collect();
                        out.push(
                            Diagnostic::new(
                                p.kind.loc(),
                                format!(
                                    "{key}: a `{name}` policy has one target, found {}",
                                    list.join(", ")
                                ),
                            )
                            .help("split it into one policy per target"),
                        );
                    }
                }
                if !both(
                    out,
                    "delta",
                    "factor",
                    "give either `delta` (capacity added per year) or `factor` (capacity multiplied)",
                ) && !has("delta")
                    && !has("factor")
                {
                    out.push(
                        Diagnostic::new(p.kind.loc(), format!("{key}: a `{name}` policy needs `delta` or `factor`"))
                            .help("add delta = <capacity added per year>, or factor = <multiplier>"),
                    );
                }
            }
            PolicyKind::DemandShock | PolicyKind::SupplyShock => {
                if !has("region") {
                    need(
                        out,
                        "`region`, the shocked region",
                        "add e.g. region = \"US\"",
                    );
                }
                if !has("factor") {
                    need(out, "`factor`", "add e.g. factor = 0.8 for a 20% cut");
                }
            }
        }
    }
}

/// A licence queue is defined by its lag: a throughput without
/// `lag_days` is refused rather than read as a quota.
fn licence_queue(out: &mut Vec<Diagnostic>, key: &str, fields: &[(&'static str, Loc)]) {
    if fields.iter().any(|(n, _)| *n == "lag_days") {
        return;
    }
    for (field, loc) in fields {
        if *field == "throughput" || *field == "throughput_fraction" {
            out.push(
                Diagnostic::new(
                    loc.clone(),
                    format!("{key}: `{field}` needs `lag_days`, the licences' processing lag"),
                )
                .help("add lag_days = <days from filing to release>, e.g. 63 for 45 working days; for a cap without a delay use mode = \"quota\""),
            );
        }
    }
}

/// Activation: `start` is a month; `annual_probability` is a chance per
/// year below 1 and replaces `probability` and `delay_months`.
pub(super) fn check_policy_activation(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.policies {
        let key = format!("policies.{}", p.id.value);
        check_month(out, &format!("{key}.start"), &p.start);
        let Some(a) = &p.annual_probability else {
            continue;
        };
        check_number(
            out,
            &format!("{key}.annual_probability"),
            a,
            UNIT_BELOW_ONE,
            Some("a chance per year below 1, e.g. 0.4; an event that surely happens is a one-off policy without `annual_probability`"),
        );
        for (field, v) in [
            ("probability", &p.probability),
            ("delay_months", &p.delay_months),
        ] {
            if let Some(v) = v {
                out.push(
                    Diagnostic::new(v.loc(), format!("{key}: `annual_probability` cannot be combined with `{field}`")).help(
                        "`annual_probability` makes the policy recur; `probability` and `delay_months` describe a one-off event; keep one",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, policy, problems};

    #[test]
    fn check_policy_fields_unused_field() {
        let d = fails_with(
            &policy("type = \"tariff\"\nimporter = \"CN\"\nper_unit = 5\nquota = 10\n"),
            "policies.p: field `quota` is not used by a `tariff` policy",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("a `tariff` policy uses `importer`, `exporter`, `commodity`, `per_unit`, `ad_valorem`")
        );
    }

    #[test]
    fn check_policy_fields_export_control() {
        let found: Vec<String> = problems(&policy("type = \"export_control\"\n"))
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert_eq!(
            found,
            [
                "policies.p: a `export_control` policy needs `region`, the exporting region",
                "policies.p: a `export_control` policy needs `mode`"
            ]
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\n"),
            "policies.p: a `export_control` policy needs `quota` or `quota_fraction` in `quota` mode",
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"quota\"\nquota = 5\nquota_fraction = 0.5\n"),
            "policies.p: `quota` and `quota_fraction` cannot both be given",
        );
        fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\n"),
            "policies.p: a `export_control` policy needs `friction` or `lag_days` in `license` mode",
        );
        let d = fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"ban\"\nfriction = 5\n"),
            "policies.p: field `friction` is not used in `ban` mode",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("`friction` applies with mode = \"license\"")
        );
    }

    #[test]
    fn check_policy_fields_licence_queue() {
        let lic = |body: &str| {
            policy(&format!(
                "type = \"export_control\"\nregion = \"KZ\"\nmode = \"license\"\n{body}"
            ))
        };
        // A lag alone is a queue without a throughput limit; with a
        // friction both apply.
        assert_eq!(problems(&lic("lag_days = 63\n")), []);
        assert_eq!(
            problems(&lic(
                "lag_days = 63\nthroughput_fraction = 0.7\nfriction = 500\n"
            )),
            []
        );
        let d = fails_with(
            &lic("friction = 500\nthroughput_fraction = 0.7\n"),
            "policies.p: `throughput_fraction` needs `lag_days`, the licences' processing lag",
        );
        assert!(d.help.unwrap().contains("mode = \"quota\""));
        let found: Vec<String> = problems(&lic("throughput = 100\n"))
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert_eq!(
            found,
            [
                "policies.p: a `export_control` policy needs `friction` or `lag_days` in `license` mode",
                "policies.p: `throughput` needs `lag_days`, the licences' processing lag",
            ]
        );
        fails_with(
            &lic("lag_days = 63\nthroughput = 100\nthroughput_fraction = 0.5\n"),
            "policies.p: `throughput` and `throughput_fraction` cannot both be given",
        );
        let d = fails_with(
            &policy("type = \"export_control\"\nregion = \"KZ\"\nmode = \"ban\"\nlag_days = 63\n"),
            "policies.p: field `lag_days` is not used in `ban` mode",
        );
        assert_eq!(
            d.help.as_deref(),
            Some("`lag_days` applies with mode = \"license\"")
        );
        fails_with(
            &lic("lag_days = -5\n"),
            "policies.p.lag_days: must be at least 0, found -5",
        );
        fails_with(
            &lic("lag_days = 63\nthroughput_fraction = -0.5\n"),
            "policies.p.throughput_fraction: must be at least 0, found -0.5",
        );
        fails_with(
            &policy("type = \"tariff\"\nimporter = \"CN\"\nper_unit = 5\nlag_days = 10\n"),
            "policies.p: field `lag_days` is not used by a `tariff` policy",
        );
    }

    #[test]
    fn check_policy_fields_tariff_closure_shocks() {
        fails_with(
            &policy("type = \"tariff\"\nper_unit = 5\n"),
            "policies.p: a `tariff` policy needs `importer`, the importing region",
        );
        fails_with(
            &policy("type = \"tariff\"\nimporter = \"CN\"\n"),
            "policies.p: a `tariff` policy needs `per_unit` or `ad_valorem`",
        );
        fails_with(
            &policy("type = \"closure\"\n"),
            "policies.p: a `closure` policy needs `legs`, `hubs` or `region`",
        );
        fails_with(
            &policy("type = \"demand_shock\"\nregion = \"CN\"\n"),
            "policies.p: a `demand_shock` policy needs `factor`",
        );
        fails_with(
            &policy("type = \"supply_shock\"\nfactor = 0.5\n"),
            "policies.p: a `supply_shock` policy needs `region`, the shocked region",
        );
    }

    #[test]
    fn check_policy_fields_capacity_change() {
        fails_with(
            &policy("type = \"capacity_change\"\nfactor = 2\n"),
            "policies.p: a `capacity_change` policy needs a target: `legs`, `hubs`, `processing`, or `region` with `commodity`",
        );
        fails_with(
            &policy(
                "type = \"capacity_change\"\nlegs = [\"pipe\"]\nregion = \"KZ\"\ncommodity = \"oil\"\nfactor = 2\n",
            ),
            "policies.p: a `capacity_change` policy has one target, found `legs`, `region`/`commodity`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nregion = \"KZ\"\nfactor = 2\n"),
            "policies.p: a `capacity_change` policy needs `commodity` too: a supply target is a `region` with a `commodity`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nlegs = [\"pipe\"]\n"),
            "policies.p: a `capacity_change` policy needs `delta` or `factor`",
        );
        fails_with(
            &policy("type = \"capacity_change\"\nlegs = [\"pipe\"]\ndelta = 5\nfactor = 2\n"),
            "policies.p: `delta` and `factor` cannot both be given",
        );
        assert_eq!(
            problems(&policy(
                "type = \"capacity_change\"\nregion = \"KZ\"\ncommodity = \"oil\"\ndelta = -50\n"
            )),
            []
        );
    }

    #[test]
    fn check_policy_activation() {
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nstart = \"27-01\"\n"),
            "policies.p.start: expected a month \"YYYY-MM\", found \"27-01\"",
        );
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 1\n"),
            "policies.p.annual_probability: must be at least 0 and below 1, found 1",
        );
        let d = fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 0.2\nprobability = 0.5\n"),
            "policies.p: `annual_probability` cannot be combined with `probability`",
        );
        assert!(d.help.unwrap().contains("keep one"));
        fails_with(
            &policy("type = \"closure\"\nlegs = [\"pipe\"]\nannual_probability = 0.2\nlead_months = 3\n"),
            "policies.p: `annual_probability` cannot be combined with `delay_months`",
        );
    }
}
