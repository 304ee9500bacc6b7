//! `extends` layering: a child file overrides or adds to its base.
//!
//! Rules (documented in `docs/scenarios.md`): `[scenario]` and
//! `[montecarlo]` merge key by key; list entries with the same key (`id`,
//! or `region` + `commodity` for supply and demand) replace the base entry
//! in place; new entries are appended; correlation blocks are appended.

use super::schema::*;
use super::span::Sp;

/// Layers files given base first.
pub fn layer(chain: Vec<ScenarioFile>) -> ScenarioFile {
    let mut it = chain.into_iter();
    let mut out = it.next().unwrap_or_default();
    for child in it {
        merge(&mut out, child);
    }
    out
}

fn merge(base: &mut ScenarioFile, child: ScenarioFile) {
    let m = &mut base.scenario;
    let c = child.scenario;
    m.name = c.name.or(m.name.take());
    m.description = c.description.or(m.description.take());
    m.extends = c.extends.or(m.extends.take());
    m.start = c.start.or(m.start.take());
    m.periods = c.periods.or(m.periods.take());
    m.period = c.period.or(m.period.take());
    // A child's headline list replaces its base's whole.
    m.headline = c.headline.or(m.headline.take());
    let mc = &mut base.montecarlo;
    mc.trials = child.montecarlo.trials.or(mc.trials.take());
    mc.seed = child.montecarlo.seed.or(mc.seed.take());
    mc.sampling = child.montecarlo.sampling.or(mc.sampling.take());

    by_key(&mut base.commodities, child.commodities, |x| {
        x.id.value.clone()
    });
    by_key(&mut base.regions, child.regions, |x| x.id.value.clone());
    by_key(&mut base.hubs, child.hubs, |x| x.id.value.clone());
    by_key(&mut base.supply, child.supply, |x| {
        format!("{}/{}", x.region.value, x.commodity.value)
    });
    by_key(&mut base.demand, child.demand, |x| {
        format!("{}/{}", x.region.value, x.commodity.value)
    });
    by_key(&mut base.processing, child.processing, |x| {
        x.id.value.clone()
    });
    by_key(&mut base.stockpiles, child.stockpiles, |x| {
        x.id.value.clone()
    });
    by_key(&mut base.legs, child.legs, |x| x.id.value.clone());
    by_key(&mut base.routes, child.routes, |x| x.id.value.clone());
    by_key(&mut base.policies, child.policies, |x| x.id.value.clone());
    by_key(&mut base.eligibility, child.eligibility, |x| {
        format!("{}/{}", x.importer.value, x.commodity.value)
    });
    base.correlations.extend(child.correlations);
}

fn by_key<T>(base: &mut Vec<Sp<T>>, child: Vec<Sp<T>>, key: impl Fn(&T) -> String) {
    let mut seen = std::collections::HashSet::new();
    for item in child {
        let k = key(&item.value);
        // A key the child itself repeats is kept twice, so that validation
        // reports the duplicate instead of the later entry silently winning.
        let slot = if seen.insert(k.clone()) {
            base.iter_mut().find(|b| key(&b.value) == k)
        } else {
            None
        };
        match slot {
            Some(slot) => *slot = item,
            None => base.push(item),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    #[test]
    fn child_replaces_by_id_and_appends_new() {
        let base = parse_str(
            "[scenario]\nname=\"base\"\nperiods=60\n[[regions]]\nid=\"KZ\"\nname=\"Kazakhstan\"\n[[regions]]\nid=\"CN\"\n",
            0,
        )
        .unwrap();
        let child =
            parse_str("[scenario]\nname=\"child\"\n[[regions]]\nid=\"KZ\"\nname=\"Qazaqstan\"\n[[regions]]\nid=\"US\"\n", 1)
                .unwrap();
        let out = layer(vec![base, child]);
        assert_eq!(out.scenario.name.unwrap().value, "child");
        assert_eq!(out.scenario.periods.unwrap().value, 60);
        let ids: Vec<_> = out.regions.iter().map(|r| r.id.value.as_str()).collect();
        assert_eq!(ids, ["KZ", "CN", "US"]);
        assert_eq!(
            out.regions[0].name.as_ref().map(|n| n.value.as_str()),
            Some("Qazaqstan")
        );
        assert_eq!(out.regions[0].id.file, 1);
    }

    #[test]
    fn a_key_repeated_within_the_child_is_kept_twice() {
        let base = parse_str("[scenario]\n[[regions]]\nid=\"KZ\"\n", 0).unwrap();
        let child = parse_str(
            "[scenario]\n[[regions]]\nid=\"KZ\"\n[[regions]]\nid=\"KZ\"\n",
            1,
        )
        .unwrap();
        let out = layer(vec![base, child]);
        let files: Vec<_> = out.regions.iter().map(|r| r.id.file).collect();
        assert_eq!(files, [1, 1]);
    }
}
