//! Limits checked on each file right after it is parsed, before layering
//! and validation: ids follow the id alphabet, text holds no control or
//! bidirectional characters, and no list is longer than [`MAX_LIST_LEN`].
//!
//! These run first so that the checks after them (which echo ids in their
//! messages, look ids up and suggest near matches) only ever see short,
//! printable ids and lists of bounded length: a hostile file costs no more
//! time and memory than a large honest one. When a file breaks a limit, the
//! other checks do not run. The rules are documented in
//! `docs/scenarios.md` (conventions) and `docs/reliability.md`.

use super::diagnostic::{escape, is_unsafe_char, quote};
use super::recipe::ids;
use super::schema::*;
use super::span::{Loc, Sp};
use super::Diagnostic;

/// Longest id, in characters.
pub const MAX_ID_LEN: usize = 64;
/// Longest scenario name, in characters (the folder-name rule keeps at most
/// 100 bytes of it).
pub const MAX_NAME_LEN: usize = 100;
/// Longest display name or unit, in characters. (A description may be as
/// long as the file allows: it is never repeated in a message.)
pub const MAX_TEXT_LEN: usize = 2000;
/// Most entries in any one list: `[[legs]]`, a route's `legs`, a leg's
/// `carries`, an empirical distribution's `values`, ...
pub const MAX_LIST_LEN: usize = 10_000;
/// Most uncertainties in one correlation block (its matrix is this square).
pub const MAX_CORRELATION_NAMES: usize = 500;
/// Longest uncertainty name in a correlation block, in characters.
pub const MAX_UNCERTAINTY_NAME_LEN: usize = 3 * MAX_ID_LEN + 64;

const ID_HELP: &str = "an id is 1 to 64 characters, each an ASCII letter, a digit, `_` or `-` (e.g. `dostyk_rail`, `KZ`)";

/// What is wrong with `id` as an id, if anything.
pub fn id_problem(id: &str) -> Option<String> {
    let n = id.chars().count();
    if n == 0 {
        return Some("it is empty".into());
    }
    if n > MAX_ID_LEN {
        return Some(format!("it is {n} characters long, more than {MAX_ID_LEN}"));
    }
    let (i, c) = id
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))?;
    Some(format!(
        "{} (character {}) is not allowed",
        describe_char(c),
        i + 1
    ))
}

/// Whether `id` is a valid id.
pub fn is_id(id: &str) -> bool {
    id_problem(id).is_none()
}

/// `` `.` `` for a printable character, `` `\u{1b}` (a control character) `` otherwise.
fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".into()
    } else if c.is_control() {
        format!("`{}` (a control character)", escape(&c.to_string()))
    } else if is_unsafe_char(c) {
        format!(
            "`{}` (a bidirectional formatting character)",
            escape(&c.to_string())
        )
    } else {
        format!("`{c}`")
    }
}

/// Every limit problem in one parsed file, in file order.
pub fn check_file(f: &ScenarioFile) -> Vec<Diagnostic> {
    let mut cx = Limits { out: Vec::new() };
    cx.file(f);
    cx.out.sort_by_key(|d| d.loc.span.start);
    cx.out
}

struct Limits {
    out: Vec<Diagnostic>,
}

impl Limits {
    fn push(&mut self, loc: Loc, message: String, help: &str) {
        self.out.push(Diagnostic::new(loc, message).help(help));
    }

    /// A list of `len` entries: reported at the first entry over the limit.
    fn list(&mut self, path: &str, len: usize, first_over: impl FnOnce() -> Option<Loc>) -> bool {
        if len <= MAX_LIST_LEN {
            return true;
        }
        let loc = first_over().unwrap_or_default();
        self.push(
            loc,
            format!("{path}: {len} entries, more than the limit of {MAX_LIST_LEN}"),
            "a list may hold at most 10000 entries; a scenario that needs more is better split or aggregated",
        );
        false
    }

    fn entries<T>(&mut self, path: &str, v: &[Sp<T>]) -> bool {
        self.list(path, v.len(), || v.get(MAX_LIST_LEN).map(Sp::loc))
    }

    /// An id that names the entry it is in.
    fn id_def(&mut self, table: &str, id: &Sp<String>) {
        if let Some(why) = id_problem(&id.value) {
            self.push(
                id.loc(),
                format!("{table}: `{}` is not a valid id: {why}", quote(&id.value)),
                ID_HELP,
            );
        }
    }

    /// An id that refers to another entry.
    fn id_ref(&mut self, path: &str, id: &Sp<String>) {
        if let Some(why) = id_problem(&id.value) {
            self.push(
                id.loc(),
                format!("{path}: `{}` is not a valid id: {why}", quote(&id.value)),
                ID_HELP,
            );
        }
    }

    fn opt_ref(&mut self, path: &str, id: &Option<Sp<String>>) {
        if let Some(id) = id {
            self.id_ref(path, id);
        }
    }

    fn refs(&mut self, path: &str, ids: &[Sp<String>]) {
        if self.entries(path, ids) {
            for id in ids {
                self.id_ref(path, id);
            }
        }
    }

    /// Display text: printable, at most `max` characters, line breaks and
    /// tabs only where `multiline`.
    fn text(&mut self, path: &str, v: &Option<Sp<String>>, max: usize, multiline: bool) {
        let Some(v) = v else { return };
        let n = v.value.chars().count();
        if n > max {
            self.push(
                v.loc(),
                format!("{path}: {n} characters, more than the limit of {max}"),
                "shorten the text",
            );
            return;
        }
        let bad = v
            .value
            .chars()
            .enumerate()
            .find(|(_, c)| is_unsafe_char(*c) && !(multiline && matches!(c, '\n' | '\t')));
        if let Some((i, c)) = bad {
            self.push(
                v.loc(),
                format!(
                    "{path}: {} (character {}) is not allowed in text",
                    describe_char(c),
                    i + 1
                ),
                if multiline {
                    "text may hold any printable character, line breaks and tabs, but no other control or bidirectional formatting characters (ESC, BEL, U+202E, ...)"
                } else {
                    "text may hold any printable character, but no control or bidirectional formatting characters (line breaks, tabs, ESC, BEL, U+202E, ...)"
                },
            );
        }
    }

    /// The entry's key for messages: `legs.<id>` when its id is valid, else
    /// `legs[<index>]` (counted from 0).
    fn key(table: &str, id: &Sp<String>, i: usize) -> String {
        if is_id(&id.value) {
            format!("{table}.{}", id.value)
        } else {
            format!("{table}[{i}]")
        }
    }

    /// `supply.<region>.<commodity>` when both are valid ids, else `supply[<index>]`.
    fn pair_key(table: &str, region: &Sp<String>, commodity: &Sp<String>, i: usize) -> String {
        if is_id(&region.value) && is_id(&commodity.value) {
            format!("{table}.{}.{}", region.value, commodity.value)
        } else {
            format!("{table}[{i}]")
        }
    }

    fn param(&mut self, path: &str, p: &Option<&Sp<Param>>) {
        let Some(p) = p else { return };
        if let Param::Dist(Dist::Empirical { values, weights }) = &p.value {
            let loc = p.loc();
            let n = values.len().max(weights.as_ref().map_or(0, Vec::len));
            self.list(&format!("{path}.values"), n, || Some(loc));
        }
    }

    /// The sampled parts of a hub's or a leg's disruption.
    fn disruption(&mut self, key: &str, d: &Option<Sp<Disruption>>) {
        if let Some(d) = d {
            let key = format!("{key}.disruption");
            self.param(&format!("{key}.repair_days"), &Some(&d.repair_days));
            self.param(&format!("{key}.remaining"), &d.remaining.as_ref());
        }
    }

    fn file(&mut self, f: &ScenarioFile) {
        let m = &f.scenario;
        // `/`, `\\`, `..` and an empty name are left to the folder-name
        // rule (`output::folder_name`), which makes any printable name a
        // plain folder name.
        self.text("scenario.name", &m.name, MAX_NAME_LEN, false);
        self.text("scenario.description", &m.description, usize::MAX, true);
        if let Some(e) = m.extends.as_ref().filter(|e| e.value.is_empty()) {
            self.push(
                e.loc(),
                "scenario.extends: the path is empty".into(),
                "name the scenario this one builds on, relative to this file, e.g. \"baseline.toml\"; or leave `extends` out",
            );
        }

        if let Some(h) = &m.headline {
            self.entries("scenario.headline", h);
        }
        if self.entries("commodities", &f.commodities) {
            for c in &f.commodities {
                self.id_def("commodities", &c.id);
            }
            for (i, c) in f.commodities.iter().enumerate() {
                let key = Self::key("commodities", &c.id, i);
                self.text(&format!("{key}.name"), &c.name, MAX_TEXT_LEN, false);
                self.text(
                    &format!("{key}.unit"),
                    &Some(c.unit.clone()),
                    MAX_TEXT_LEN,
                    false,
                );
            }
        }
        if self.entries("regions", &f.regions) {
            for (i, r) in f.regions.iter().enumerate() {
                self.id_def("regions", &r.id);
                let key = Self::key("regions", &r.id, i);
                self.text(&format!("{key}.name"), &r.name, MAX_TEXT_LEN, false);
            }
        }
        if self.entries("hubs", &f.hubs) {
            for (i, h) in f.hubs.iter().enumerate() {
                self.id_def("hubs", &h.id);
                let key = Self::key("hubs", &h.id, i);
                self.text(&format!("{key}.name"), &h.name, MAX_TEXT_LEN, false);
                self.id_ref(&format!("{key}.region"), &h.region);
                self.param(&format!("{key}.capacity"), &h.capacity.as_ref());
                self.disruption(&key, &h.disruption);
            }
        }
        if self.entries("supply", &f.supply) {
            for (i, s) in f.supply.iter().enumerate() {
                let key = Self::pair_key("supply", &s.region, &s.commodity, i);
                self.id_ref(&format!("{key}.region"), &s.region);
                self.id_ref(&format!("{key}.commodity"), &s.commodity);
                self.param(&format!("{key}.capacity"), &s.capacity.as_ref());
                if let Some(steps) = &s.steps {
                    if self.entries(&format!("{key}.steps"), steps) {
                        for (i, st) in steps.iter().enumerate() {
                            self.param(&format!("{key}.steps.{i}.capacity"), &Some(&st.capacity));
                            self.param(&format!("{key}.steps.{i}.cost"), &Some(&st.cost));
                        }
                    }
                }
                if let Some(rs) = &s.responses {
                    if self.entries(&format!("{key}.responses"), rs) {
                        for (j, r) in rs.iter().enumerate() {
                            let key = format!("{key}.responses.{j}");
                            for (field, p) in [
                                ("trigger_price", Some(&r.trigger_price)),
                                ("sustain_months", r.sustain_months.as_ref()),
                                ("lead_months", Some(&r.lead_months)),
                                ("ramp_months", r.ramp_months.as_ref()),
                                ("capacity", Some(&r.capacity)),
                                ("cost", Some(&r.cost)),
                            ] {
                                self.param(&format!("{key}.{field}"), &p);
                            }
                        }
                    }
                }
            }
        }
        if self.entries("demand", &f.demand) {
            for (i, d) in f.demand.iter().enumerate() {
                let key = Self::pair_key("demand", &d.region, &d.commodity, i);
                self.id_ref(&format!("{key}.region"), &d.region);
                self.id_ref(&format!("{key}.commodity"), &d.commodity);
                self.param(&format!("{key}.quantity"), &Some(&d.quantity));
                self.param(&format!("{key}.choke_price"), &Some(&d.choke_price));
                self.param(
                    &format!("{key}.half_life_months"),
                    &d.half_life_months.as_ref(),
                );
                if let Some(r) = &d.recycling {
                    self.param(&format!("{key}.recycling.share"), &Some(&r.share));
                    self.param(
                        &format!("{key}.recycling.lag_months"),
                        &r.lag_months.as_ref(),
                    );
                    self.param(&format!("{key}.recycling.cost"), &Some(&r.cost));
                }
            }
        }
        if self.entries("processing", &f.processing) {
            for (i, p) in f.processing.iter().enumerate() {
                self.id_def("processing", &p.id);
                let key = Self::key("processing", &p.id, i);
                self.id_ref(&format!("{key}.region"), &p.region);
                self.opt_ref(&format!("{key}.input"), &p.input);
                self.opt_ref(&format!("{key}.output"), &p.output);
                for (field, items) in [("inputs", &p.inputs), ("outputs", &p.outputs)] {
                    let path = format!("{key}.{field}");
                    if let Some(items) = items.as_ref().filter(|v| self.entries(&path, &v.value)) {
                        for item in &items.value {
                            self.id_ref(&path, &item.commodity);
                        }
                    }
                }
                self.param(&format!("{key}.capacity"), &Some(&p.capacity));
                self.param(&format!("{key}.cost"), &Some(&p.cost));
            }
        }
        if self.entries("stockpiles", &f.stockpiles) {
            for (i, s) in f.stockpiles.iter().enumerate() {
                self.id_def("stockpiles", &s.id);
                let key = Self::key("stockpiles", &s.id, i);
                self.id_ref(&format!("{key}.region"), &s.region);
                self.id_ref(&format!("{key}.commodity"), &s.commodity);
                self.param(&format!("{key}.initial"), &Some(&s.initial));
            }
        }
        if self.entries("legs", &f.legs) {
            for (i, l) in f.legs.iter().enumerate() {
                self.id_def("legs", &l.id);
                let key = Self::key("legs", &l.id, i);
                self.text(&format!("{key}.name"), &l.name, MAX_TEXT_LEN, false);
                self.id_ref(&format!("{key}.from"), &l.from);
                self.id_ref(&format!("{key}.to"), &l.to);
                self.refs(&format!("{key}.carries"), &l.carries);
                self.param(&format!("{key}.capacity"), &Some(&l.capacity));
                self.param(&format!("{key}.cost"), &Some(&l.cost));
                self.disruption(&key, &l.disruption);
            }
        }
        if self.entries("routes", &f.routes) {
            for (i, r) in f.routes.iter().enumerate() {
                self.id_def("routes", &r.id);
                let key = Self::key("routes", &r.id, i);
                self.text(&format!("{key}.name"), &r.name, MAX_TEXT_LEN, false);
                self.id_ref(&format!("{key}.from"), &r.from);
                self.id_ref(&format!("{key}.to"), &r.to);
                self.refs(&format!("{key}.legs"), &r.legs);
                self.id_ref(&format!("{key}.corridor"), &r.corridor);
                if let Some(cs) = &r.commodities {
                    self.refs(&format!("{key}.commodities"), cs);
                }
                self.param(&format!("{key}.cost"), &r.cost.as_ref());
            }
        }
        if self.entries("policies", &f.policies) {
            for (i, p) in f.policies.iter().enumerate() {
                self.id_def("policies", &p.id);
                let key = Self::key("policies", &p.id, i);
                self.text(
                    &format!("{key}.description"),
                    &p.description,
                    usize::MAX,
                    true,
                );
                for (field, v) in [
                    ("region", &p.region),
                    ("importer", &p.importer),
                    ("exporter", &p.exporter),
                    ("processing", &p.processing),
                ] {
                    self.opt_ref(&format!("{key}.{field}"), v);
                }
                match p.commodity.as_ref().map(|c| &c.value) {
                    Some(OneOrMany::Many(v)) => self.refs(&format!("{key}.commodity"), v),
                    Some(OneOrMany::One(_)) => {
                        self.opt_ref(&format!("{key}.commodity"), &ids(&p.commodity).pop())
                    }
                    None => {}
                }
                for (field, v) in [("to", &p.to), ("legs", &p.legs), ("hubs", &p.hubs)] {
                    if let Some(v) = v {
                        self.refs(&format!("{key}.{field}"), v);
                    }
                }
                for (field, v) in [
                    ("delay_months", &p.delay_months),
                    ("duration_months", &p.duration_months),
                    ("probability", &p.probability),
                    ("quota", &p.quota),
                    ("quota_fraction", &p.quota_fraction),
                    ("friction", &p.friction),
                    ("per_unit", &p.per_unit),
                    ("ad_valorem", &p.ad_valorem),
                    ("delta", &p.delta),
                    ("factor", &p.factor),
                ] {
                    self.param(&format!("{key}.{field}"), &v.as_ref());
                }
            }
        }
        if self.entries("eligibility", &f.eligibility) {
            for (i, e) in f.eligibility.iter().enumerate() {
                let key = Self::pair_key("eligibility", &e.importer, &e.commodity, i);
                self.id_ref(&format!("{key}.importer"), &e.importer);
                self.id_ref(&format!("{key}.commodity"), &e.commodity);
                self.refs(&format!("{key}.sellers"), &e.sellers);
                self.text(
                    &format!("{key}.description"),
                    &e.description,
                    usize::MAX,
                    true,
                );
            }
        }
        if self.entries("correlations", &f.correlations) {
            for (b, c) in f.correlations.iter().enumerate() {
                self.correlation(b + 1, c);
            }
        }
    }

    fn correlation(&mut self, block: usize, c: &Sp<Correlation>) {
        let label = format!("correlation block {block}");
        let help = "a correlation block may relate at most 500 uncertainties; split it into independent blocks";
        if c.names.len() > MAX_CORRELATION_NAMES {
            let loc = c.names[MAX_CORRELATION_NAMES].loc();
            self.push(
                loc,
                format!(
                    "{label}: {} names, more than the limit of {MAX_CORRELATION_NAMES}",
                    c.names.len()
                ),
                help,
            );
            return;
        }
        if c.matrix.len() > MAX_CORRELATION_NAMES
            || c.matrix.iter().any(|r| r.len() > MAX_CORRELATION_NAMES)
        {
            let loc = c
                .matrix
                .iter()
                .flatten()
                .next()
                .map_or_else(|| c.loc(), Sp::loc);
            self.push(
                loc,
                format!("{label}: the matrix is larger than {MAX_CORRELATION_NAMES} × {MAX_CORRELATION_NAMES}"),
                help,
            );
            return;
        }
        for name in &c.names {
            let n = name.value.chars().count();
            let bad = name
                .value
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
            let why = if n > MAX_UNCERTAINTY_NAME_LEN {
                Some(format!(
                    "it is {n} characters long, more than {MAX_UNCERTAINTY_NAME_LEN}"
                ))
            } else {
                bad.map(|c| format!("{} is not allowed", describe_char(c)))
            };
            if let Some(why) = why {
                self.push(
                    name.loc(),
                    format!("{label}: `{}` is not an uncertainty name: {why}", quote(&name.value)),
                    "an uncertainty name is a key path such as `legs.dostyk_rail.capacity`: ids and field names joined by `.`",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_alphabet_and_length() {
        assert!(is_id("dostyk_rail"));
        assert!(is_id("KZ"));
        assert!(is_id("a-b_9"));
        assert_eq!(id_problem("").as_deref(), Some("it is empty"));
        assert_eq!(
            id_problem("a b").as_deref(),
            Some("a space (character 2) is not allowed")
        );
        assert_eq!(
            id_problem("a\u{1b}[31m").as_deref(),
            Some("`\\u{1b}` (a control character) (character 2) is not allowed")
        );
        assert_eq!(
            id_problem("x\u{202e}").as_deref(),
            Some("`\\u{202e}` (a bidirectional formatting character) (character 2) is not allowed")
        );
        assert_eq!(
            id_problem("legs.a").as_deref(),
            Some("`.` (character 5) is not allowed")
        );
        assert!(is_id(&"a".repeat(MAX_ID_LEN)));
        assert_eq!(
            id_problem(&"a".repeat(MAX_ID_LEN + 1)).as_deref(),
            Some("it is 65 characters long, more than 64")
        );
    }
}
