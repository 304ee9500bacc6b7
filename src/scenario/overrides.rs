//! `--set PATH=VALUE`: one field of a scenario changed from the command
//! line, without a new file.
//!
//! An override is applied to the layered scenario (after `extends`, before
//! validation), so the value it sets is validated like the file's own and a
//! problem points at the argument: each override is a source of its own,
//! named `--set #k`, whose text is the argument, and the value keeps its
//! span in it. PATH names a field the way the parameter table
//! ([`super::params`]) names an uncertainty (`legs.<id>.capacity`,
//! `policies.<id>.duration_months`, `supply.<region>.<commodity>.capacity`),
//! extended to every scalar field of an entry (`policies.<id>.annual_probability`,
//! `legs.<id>.disruption.failure_rate`) and of `[scenario]` and
//! `[montecarlo]` (`scenario.periods`, `montecarlo.trials`). VALUE is a TOML
//! value: a number, a string, a boolean or an inline table such as
//! `{ dist = "uniform", min = 6, max = 18 }`; a bare word such as `2027-01`
//! or `ban` is read as a string.
//!
//! [`paths`] lists every path a scenario offers; the same walk finds the
//! field an override sets, so the two cannot disagree.

use super::diagnostic::{self, Diagnostic};
use super::schema::*;
use super::span::{self, FileId, Loc, Sp};
use super::{SourceFile, SourceView, Sources};
use serde::de::DeserializeOwned;

/// One `--set PATH=VALUE` argument, registered as a source.
#[derive(Debug, Clone)]
struct Override {
    /// Its source file (the argument's text).
    file: FileId,
    /// The argument as given.
    text: String,
    /// Byte offset of the first `=`.
    eq: usize,
}

impl Override {
    /// The field path, trimmed.
    fn path(&self) -> &str {
        self.text[..self.eq].trim()
    }

    /// The path as a location.
    fn path_loc(&self) -> Loc {
        Loc {
            file: self.file,
            span: 0..self.eq,
        }
    }

    /// The value as a location.
    fn value_loc(&self) -> Loc {
        Loc {
            file: self.file,
            span: self.eq + 1..self.text.len(),
        }
    }

    /// The value read as a `T`, located in the argument. The value is
    /// parsed as the TOML document `v<spaces>=VALUE`, padded so that every
    /// byte of the value sits at its offset in the argument: spans and
    /// error positions need no shifting.
    fn value<T: DeserializeOwned>(&self) -> Result<Sp<T>, Diagnostic> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct One<T> {
            v: T,
        }
        let raw = &self.text[self.eq + 1..];
        if let Some(at) = raw.find(['\n', '\r']) {
            let at = self.eq + 1 + at;
            return Err(Diagnostic::new(
                Loc {
                    file: self.file,
                    span: at..at + 1,
                },
                "a --set value must be on one line",
            )
            .help(VALUE_HELP));
        }
        let doc = format!("v{}={raw}", " ".repeat(self.eq.saturating_sub(1)));
        let parse = |doc: &str| {
            span::with_file(self.file, || toml::from_str::<One<Sp<T>>>(doc)).map(|o| o.v)
        };
        let word = raw.trim();
        let bare = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        // Not TOML, but a plain word: the string it spells, at the word.
        let as_word = bare && toml::from_str::<toml::Table>(&doc).is_err();
        let read = if as_word {
            parse(&format!("v={word:?}")).map(|mut v| {
                v.span = self.value_loc().span;
                v
            })
        } else {
            parse(&doc)
        };
        read.map_err(|e| {
            let mut d = super::toml_error(e, self.file);
            if as_word {
                d.loc = self.value_loc();
            }
            d.message = d
                .message
                .replace("expected f64", "expected a number")
                .replace("expected i64", "expected a whole number");
            let help = match &d.help {
                // toml_error's own advice (did you mean, the variants) is
                // kept; only its pointer to the file format is replaced.
                Some(h) if !h.contains("docs/scenarios.md") => h.clone(),
                _ => format!(
                    "{VALUE_HELP}; docs/scenarios.md gives the type of `{}`",
                    diagnostic::clip(self.path(), 200)
                ),
            };
            d.help(help)
        })
    }
}

const VALUE_HELP: &str = "VALUE is TOML: a number (`12`), a string (`\"2027-01\"` or a bare word), `true`/`false`, or an inline table such as `{ dist = \"uniform\", min = 6, max = 18 }`";

/// Applies `args` (each `PATH=VALUE`) to `file` in order, adding each as a
/// source named `--set #k` (k from 1) to `sources`. Returns every problem:
/// an argument without `=`, a path the scenario does not have (with the
/// nearest that it has), a value of the wrong type; values out of range are
/// left to validation, which points at the argument too.
pub fn apply(file: &mut ScenarioFile, sources: &mut Sources, args: &[String]) -> Vec<Diagnostic> {
    apply_named(file, sources, args, |k| format!("--set #{k}"))
}

/// [`apply`] with the sources named by `name(k)`, k from 1.
pub fn apply_named(
    file: &mut ScenarioFile,
    sources: &mut Sources,
    args: &[String],
    name: impl Fn(usize) -> String,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (k, text) in args.iter().enumerate() {
        let id = sources.files.len();
        sources.files.push(SourceFile {
            path: name(k + 1).into(),
            text: text.clone(),
            view: SourceView::Lines,
        });
        let Some(eq) = text.find('=').filter(|&eq| !text[..eq].trim().is_empty()) else {
            problems.push(
                Diagnostic::new(
                    Loc { file: id, span: 0..text.len() },
                    "expected PATH=VALUE, such as `policies.<id>.duration_months=12`",
                )
                .help("PATH names a field as `corridor show` nests it (`legs.<id>.capacity`); VALUE is a TOML value"),
            );
            continue;
        };
        let o = Override {
            file: id,
            text: text.clone(),
            eq,
        };
        if let Err(d) = set(file, &o) {
            problems.push(d);
        }
    }
    if problems.is_empty() && !args.is_empty() {
        // Text that came in through an override meets the same limits as
        // text in a file (ids, printable characters).
        problems.extend(super::limits::check_file(file));
    }
    problems
}

/// Sets the field `o` names.
fn set(file: &mut ScenarioFile, o: &Override) -> Result<(), Diagnostic> {
    let path = o.path().to_string();
    let mut fields = Fields::default();
    walk(file, &mut fields);
    let at = fields.0.iter().position(|(p, _)| *p == path);
    match at {
        Some(i) => {
            let setter = fields.0.swap_remove(i).1;
            setter(o)
        }
        None => Err(unknown_path(
            o,
            &path,
            fields.0.iter().map(|(p, _)| p.as_str()),
        )),
    }
}

/// An unknown path: the nearest known one, else the fields under the
/// longest known prefix.
fn unknown_path<'a>(
    o: &Override,
    path: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> Diagnostic {
    let d = Diagnostic::new(
        o.path_loc(),
        format!(
            "this scenario has no field `{}` that --set can change",
            diagnostic::clip(path, 200)
        ),
    );
    if let Some(best) = diagnostic::did_you_mean(path, known.clone()) {
        return d.help(format!("did you mean `{best}`?"));
    }
    let segments: Vec<&str> = path.split('.').collect();
    for n in (1..segments.len()).rev() {
        let prefix = format!("{}.", segments[..n].join("."));
        let under: Vec<&str> = known.clone().filter(|p| p.starts_with(&prefix)).collect();
        if !under.is_empty() {
            let shown: Vec<&str> = under.iter().take(12).copied().collect();
            let more = if under.len() > shown.len() {
                ", ..."
            } else {
                ""
            };
            return d.help(format!(
                "fields under `{prefix}..`: {}{more}",
                shown.join(", ")
            ));
        }
    }
    d.help("a path names a field as `corridor show` nests it: scenario.<field>, montecarlo.<field>, legs.<id>.<field>, supply.<region>.<commodity>.<field>, policies.<id>.<field>, ... (docs/analysis.md lists them)")
}

/// Every path `--set` can change in `file`, in file order.
pub fn paths(file: &ScenarioFile) -> Vec<String> {
    let mut copy = file.clone();
    let mut fields = Fields::default();
    walk(&mut copy, &mut fields);
    fields.0.into_iter().map(|(p, _)| p).collect()
}

/// Sets one field from an override.
type Setter<'a> = Box<dyn FnOnce(&Override) -> Result<(), Diagnostic> + 'a>;

/// The settable fields found so far, with their setters.
#[derive(Default)]
struct Fields<'a>(Vec<(String, Setter<'a>)>);

impl<'a> Fields<'a> {
    /// A required field.
    fn req<T: DeserializeOwned + 'a>(&mut self, key: &str, field: &str, slot: &'a mut Sp<T>) {
        self.0.push((
            format!("{key}.{field}"),
            Box::new(move |o| {
                *slot = o.value()?;
                Ok(())
            }),
        ));
    }

    /// An optional field (set or added).
    fn opt<T: DeserializeOwned + 'a>(
        &mut self,
        key: &str,
        field: &str,
        slot: &'a mut Option<Sp<T>>,
    ) {
        self.0.push((
            format!("{key}.{field}"),
            Box::new(move |o| {
                *slot = Some(o.value()?);
                Ok(())
            }),
        ));
    }
}

/// Every settable field of `f`. Ids and the keys of supply and demand are
/// not settable: they are how the path names the entry.
fn walk<'a>(f: &'a mut ScenarioFile, t: &mut Fields<'a>) {
    let s = &mut f.scenario;
    t.opt("scenario", "name", &mut s.name);
    t.opt("scenario", "description", &mut s.description);
    t.opt("scenario", "start", &mut s.start);
    t.opt("scenario", "periods", &mut s.periods);
    t.opt("scenario", "period", &mut s.period);
    let m = &mut f.montecarlo;
    t.opt("montecarlo", "trials", &mut m.trials);
    t.opt("montecarlo", "seed", &mut m.seed);
    t.opt("montecarlo", "sampling", &mut m.sampling);
    for c in &mut f.commodities {
        let c = &mut c.value;
        let k = format!("commodities.{}", c.id.value);
        t.opt(&k, "name", &mut c.name);
        t.req(&k, "unit", &mut c.unit);
        t.opt(&k, "tonnes_per_unit", &mut c.tonnes_per_unit);
        t.req(&k, "reference_price", &mut c.reference_price);
    }
    for r in &mut f.regions {
        let r = &mut r.value;
        t.opt(&format!("regions.{}", r.id.value), "name", &mut r.name);
    }
    for h in &mut f.hubs {
        let h = &mut h.value;
        let k = format!("hubs.{}", h.id.value);
        t.opt(&k, "name", &mut h.name);
        t.req(&k, "region", &mut h.region);
        t.opt(&k, "capacity", &mut h.capacity);
        disruption(t, &k, &mut h.disruption);
    }
    for s in &mut f.supply {
        supply(t, &mut s.value);
    }
    for d in &mut f.demand {
        demand(t, &mut d.value);
    }
    for p in &mut f.processing {
        let p = &mut p.value;
        let k = format!("processing.{}", p.id.value);
        t.req(&k, "region", &mut p.region);
        t.opt(&k, "input", &mut p.input);
        t.opt(&k, "output", &mut p.output);
        t.req(&k, "capacity", &mut p.capacity);
        t.req(&k, "cost", &mut p.cost);
        t.opt(&k, "yield", &mut p.yield_);
    }
    for s in &mut f.stockpiles {
        let s = &mut s.value;
        let k = format!("stockpiles.{}", s.id.value);
        t.req(&k, "region", &mut s.region);
        t.req(&k, "commodity", &mut s.commodity);
        t.req(&k, "initial", &mut s.initial);
        t.req(&k, "capacity", &mut s.capacity);
        t.req(&k, "release_rate", &mut s.release_rate);
        t.req(&k, "release_price", &mut s.release_price);
        t.opt(&k, "refill_rate", &mut s.refill_rate);
        t.opt(&k, "refill_price", &mut s.refill_price);
    }
    for l in &mut f.legs {
        let l = &mut l.value;
        let k = format!("legs.{}", l.id.value);
        t.opt(&k, "name", &mut l.name);
        t.req(&k, "from", &mut l.from);
        t.req(&k, "to", &mut l.to);
        t.req(&k, "mode", &mut l.mode);
        t.req(&k, "capacity", &mut l.capacity);
        t.req(&k, "cost", &mut l.cost);
        t.opt(&k, "transit_days", &mut l.transit_days);
        t.opt(&k, "bidirectional", &mut l.bidirectional);
        disruption(t, &k, &mut l.disruption);
    }
    for r in &mut f.routes {
        let r = &mut r.value;
        let k = format!("routes.{}", r.id.value);
        t.opt(&k, "name", &mut r.name);
        t.req(&k, "corridor", &mut r.corridor);
        t.opt(&k, "cost", &mut r.cost);
    }
    for p in &mut f.policies {
        policy(t, &mut p.value);
    }
}

fn disruption<'a>(t: &mut Fields<'a>, key: &str, d: &'a mut Option<Sp<Disruption>>) {
    if let Some(d) = d {
        let d = &mut d.value;
        let k = format!("{key}.disruption");
        t.req(&k, "failure_rate", &mut d.failure_rate);
        t.req(&k, "repair_days", &mut d.repair_days);
        t.opt(&k, "remaining", &mut d.remaining);
    }
}

fn band<'a>(t: &mut Fields<'a>, key: &str, b: &'a mut Option<Sp<Band>>) {
    if let Some(b) = b {
        let b = &mut b.value;
        let k = format!("{key}.band");
        t.req(&k, "step", &mut b.step);
        t.req(&k, "below", &mut b.below);
        t.req(&k, "above", &mut b.above);
    }
}

fn supply<'a>(t: &mut Fields<'a>, s: &'a mut Supply) {
    let k = format!("supply.{}.{}", s.region.value, s.commodity.value);
    t.opt(&k, "capacity", &mut s.capacity);
    t.opt(&k, "cost", &mut s.cost);
    t.opt(&k, "blocks", &mut s.blocks);
    t.opt(&k, "quantity", &mut s.quantity);
    t.opt(&k, "price", &mut s.price);
    t.opt(&k, "elasticity", &mut s.elasticity);
    t.opt(&k, "floor", &mut s.floor);
    band(t, &k, &mut s.band);
    for (j, step) in s.steps.iter_mut().flatten().enumerate() {
        let step = &mut step.value;
        let k = format!("{k}.steps.{j}");
        t.req(&k, "capacity", &mut step.capacity);
        t.req(&k, "cost", &mut step.cost);
    }
    for (j, r) in s.responses.iter_mut().flatten().enumerate() {
        let r = &mut r.value;
        let k = format!("{k}.responses.{j}");
        t.req(&k, "trigger_price", &mut r.trigger_price);
        t.opt(&k, "sustain_months", &mut r.sustain_months);
        t.req(&k, "lead_months", &mut r.lead_months);
        t.opt(&k, "ramp_months", &mut r.ramp_months);
        t.req(&k, "capacity", &mut r.capacity);
        t.req(&k, "cost", &mut r.cost);
    }
}

fn demand<'a>(t: &mut Fields<'a>, d: &'a mut Demand) {
    let k = format!("demand.{}.{}", d.region.value, d.commodity.value);
    t.req(&k, "quantity", &mut d.quantity);
    t.req(&k, "price", &mut d.price);
    t.req(&k, "elasticity", &mut d.elasticity);
    t.req(&k, "choke_price", &mut d.choke_price);
    t.opt(&k, "blocks", &mut d.blocks);
    t.opt(&k, "floor", &mut d.floor);
    band(t, &k, &mut d.band);
    t.opt(&k, "long_run_elasticity", &mut d.long_run_elasticity);
    t.opt(&k, "half_life_months", &mut d.half_life_months);
    if let Some(r) = &mut d.recycling {
        let r = &mut r.value;
        let k = format!("{k}.recycling");
        t.req(&k, "share", &mut r.share);
        t.opt(&k, "lag_months", &mut r.lag_months);
        t.req(&k, "cost", &mut r.cost);
    }
}

fn policy<'a>(t: &mut Fields<'a>, p: &'a mut Policy) {
    let k = format!("policies.{}", p.id.value);
    t.opt(&k, "description", &mut p.description);
    t.opt(&k, "start", &mut p.start);
    t.opt(&k, "delay_months", &mut p.delay_months);
    t.opt(&k, "duration_months", &mut p.duration_months);
    t.opt(&k, "probability", &mut p.probability);
    t.opt(&k, "annual_probability", &mut p.annual_probability);
    t.opt(&k, "region", &mut p.region);
    t.opt(&k, "commodity", &mut p.commodity);
    t.opt(&k, "importer", &mut p.importer);
    t.opt(&k, "exporter", &mut p.exporter);
    t.opt(&k, "processing", &mut p.processing);
    t.opt(&k, "mode", &mut p.mode);
    t.opt(&k, "quota", &mut p.quota);
    t.opt(&k, "quota_fraction", &mut p.quota_fraction);
    t.opt(&k, "friction", &mut p.friction);
    t.opt(&k, "lag_days", &mut p.lag_days);
    t.opt(&k, "throughput", &mut p.throughput);
    t.opt(&k, "throughput_fraction", &mut p.throughput_fraction);
    t.opt(&k, "transit", &mut p.transit);
    t.opt(&k, "per_unit", &mut p.per_unit);
    t.opt(&k, "ad_valorem", &mut p.ad_valorem);
    t.opt(&k, "delta", &mut p.delta);
    t.opt(&k, "factor", &mut p.factor);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fixture::WORLD;
    use crate::scenario::{load_str_with, params};

    fn load(sets: &[&str]) -> Result<crate::scenario::Scenario, crate::scenario::Diagnostics> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        load_str_with(WORLD, &sets)
    }

    /// Every parameter of every shipped scenario can be set by its name.
    #[test]
    fn every_parameter_site_is_a_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let s = crate::scenario::load(&path).unwrap();
            let known = paths(&s.file);
            for site in params::sites(&s.file) {
                assert!(
                    known.contains(&site.name),
                    "{}: {} is not settable",
                    path.display(),
                    site.name
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked} sites");
    }

    #[test]
    fn a_set_value_replaces_the_field_and_points_at_the_argument() {
        let s = load(&["legs.pipe.capacity = { dist = \"uniform\", min = 1, max = 2 }"]).unwrap();
        let leg = s.file.legs.iter().find(|l| l.id.value == "pipe").unwrap();
        assert_eq!(
            leg.capacity.value,
            Param::Dist(Dist::Uniform { min: 1.0, max: 2.0 })
        );
        let src = &s.sources.files[leg.capacity.file];
        assert_eq!(src.path.to_str(), Some("--set #1"));
        assert_eq!(
            &src.text[leg.capacity.span.clone()],
            "{ dist = \"uniform\", min = 1, max = 2 }"
        );
        assert_ne!(load(&[]).unwrap().content_hash(), s.content_hash());
    }

    #[test]
    fn problems_are_located_in_the_argument() {
        let d = load(&["legs.pipe.capacty=5"]).unwrap_err();
        assert_eq!(
            d.items[0].help.as_deref(),
            Some("did you mean `legs.pipe.capacity`?")
        );
        assert_eq!(d.position(&d.items[0].loc), "--set #1:1:1");
        let d = load(&["scenario.periods=12", "legs.pipe.capacity=\"big\""]).unwrap_err();
        assert_eq!(d.position(&d.items[0].loc), "--set #2:1:20");
        assert!(
            d.items[0].message.contains("invalid type"),
            "{}",
            d.items[0].message
        );
        let d = load(&["legs.pipe.capacity=-5"]).unwrap_err();
        assert_eq!(d.position(&d.items[0].loc), "--set #1:1:20");
        let d = load(&["nothing"]).unwrap_err();
        assert!(d.items[0].message.starts_with("expected PATH=VALUE"));
    }

    #[test]
    fn a_bare_word_is_a_string() {
        let s = load(&["scenario.start=2027-01", "scenario.period=quarter"]).unwrap();
        assert_eq!(s.file.scenario.start.as_ref().unwrap().value, "2027-01");
        assert_eq!(
            s.file.scenario.period.as_ref().unwrap().value,
            PeriodLength::Quarter
        );
    }
}
