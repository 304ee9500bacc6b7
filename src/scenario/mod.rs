//! Scenario language: TOML text → a resolved [`Scenario`].
//!
//! Reading ([`load`]) follows the `extends` chain, parses each file into the
//! serde types of [`schema`], layers them ([`layer`]) and validates the
//! result ([`validate`]), returning every problem found as [`Diagnostics`].
//! This module knows nothing about LPs or sampling.
//!
//! Reading is defensive (see `docs/reliability.md`): only regular files are
//! opened, at most [`MAX_SCENARIO_BYTES`] are read for a whole chain of at
//! most [`MAX_EXTENDS_DEPTH`] files, and a file reached through `extends`
//! shows nothing of its content in an error until it is known to be a
//! scenario (a TOML document with a `[scenario]` table).

pub mod diagnostic;
#[cfg(test)]
pub(crate) mod fixture;
pub mod layer;
pub mod limits;
pub mod overrides;
pub mod params;
pub mod recipe;
pub mod schema;
pub mod span;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use schema::*;
pub use span::{FileId, Loc, Sp};

use diagnostic::escape;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Most bytes read for one scenario: the named file and every file it
/// extends, together (4 MiB, about 45 times the shipped baseline world,
/// which parses in about 0.1 s and 200 MB at this size).
pub const MAX_SCENARIO_BYTES: u64 = 4 * 1024 * 1024;
/// Most files in one `extends` chain, the named file included.
pub const MAX_EXTENDS_DEPTH: usize = 16;

/// The text of one scenario file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (or as resolved from `extends`).
    pub path: PathBuf,
    /// Full text (for a file that is not UTF-8, the part before the first
    /// invalid byte; for a file that could not be read, empty).
    pub text: String,
    /// How much of the file a diagnostic may show.
    pub view: SourceView,
}

/// How much of a source file a diagnostic pointing into it may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceView {
    /// `path:line:col` and a snippet of the lines around the problem.
    Lines,
    /// `path:line:col` only: the file is not a scenario (not UTF-8 or not
    /// TOML), so its lines are not echoed.
    Position,
    /// The path only: the file could not be read.
    Name,
}

/// Every file a scenario was read from, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Files in the order they were read (the named file first).
    pub files: Vec<SourceFile>,
}

/// A scenario after `extends` layering and validation.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The layered content.
    pub file: ScenarioFile,
    /// The files it came from.
    pub sources: Sources,
}

impl Scenario {
    /// Scenario name (`[scenario] name`, else the file stem).
    pub fn name(&self) -> String {
        match &self.file.scenario.name {
            Some(n) => n.value.clone(),
            None => self
                .sources
                .files
                .first()
                .and_then(|f| f.path.file_stem())
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned()),
        }
    }

    /// SHA-256 of the resolved scenario's content: its canonical TOML (what
    /// `corridor show` prints, with `extends` resolved). It does not depend
    /// on file names, paths, comments or formatting, only on what the
    /// scenario says; a run's manifest records it so that `corridor merge`
    /// refuses shards of different scenarios and a reader can tell whether
    /// a scenario changed since.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        match self.canonical_toml() {
            Ok(text) => h.update(text.as_bytes()),
            // Not expected (the scenario was parsed from TOML); never hash
            // an error message, which would be the same for any scenario.
            Err(_) => {
                for f in &self.sources.files {
                    h.update(f.text.as_bytes());
                    h.update([0]);
                }
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The resolved scenario as one canonical TOML document.
    fn canonical_toml(&self) -> Result<String, toml::ser::Error> {
        let mut file = self.file.clone();
        file.scenario.extends = None;
        toml::to_string_pretty(&file)
    }

    /// The resolved scenario as one TOML document (`corridor show`).
    pub fn to_toml(&self) -> String {
        self.canonical_toml()
            .unwrap_or_else(|e| format!("# cannot print scenario: {e}\n"))
    }
}

/// Reads, layers and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    load_with(path, &[])
}

/// Reads and layers the scenario at `path`, applies the `--set PATH=VALUE`
/// overrides `sets` (see [`overrides`]), and validates the result.
pub fn load_with(path: &Path, sets: &[String]) -> Result<Scenario, Diagnostics> {
    diagnostic::reset_suggestion_budget();
    let mut sources = Sources::default();
    let mut problems = Vec::new();
    let chain = read_chain(path, &mut sources, &mut problems);
    if !problems.is_empty() {
        return Err(Diagnostics {
            items: problems,
            sources,
        });
    }
    let file = layer::layer(chain);
    with_overrides(Scenario { file, sources }, sets)
}

/// `scenario` with `sets` applied, validated.
fn with_overrides(mut scenario: Scenario, sets: &[String]) -> Result<Scenario, Diagnostics> {
    let problems = overrides::apply(&mut scenario.file, &mut scenario.sources, sets);
    if !problems.is_empty() {
        return Err(Diagnostics {
            items: problems,
            sources: scenario.sources,
        });
    }
    validated(scenario)
}

/// `scenario` if it passes validation, else every problem found.
fn validated(scenario: Scenario) -> Result<Scenario, Diagnostics> {
    let problems = validate::validate(&scenario);
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(Diagnostics {
            items: problems,
            sources: scenario.sources,
        })
    }
}

/// Parses one scenario text (no `extends`, no validation); the unit of
/// parsing that tests use without touching the disk.
pub fn parse_str(text: &str, file: FileId) -> Result<ScenarioFile, Diagnostic> {
    span::with_file(file, || toml::from_str::<ScenarioFile>(text)).map_err(|e| toml_error(e, file))
}

/// Loads a scenario from text alone (tests, benches); `extends` is not allowed.
pub fn load_str(text: &str) -> Result<Scenario, Diagnostics> {
    load_str_with(text, &[])
}

/// [`load_str`] with `--set PATH=VALUE` overrides.
pub fn load_str_with(text: &str, sets: &[String]) -> Result<Scenario, Diagnostics> {
    diagnostic::reset_suggestion_budget();
    let sources = Sources {
        files: vec![SourceFile {
            path: "<inline>".into(),
            text: text.to_string(),
            view: SourceView::Lines,
        }],
    };
    let file = match parse_str(text, 0) {
        Ok(f) => f,
        Err(d) => {
            return Err(Diagnostics {
                items: vec![d],
                sources,
            })
        }
    };
    let problems = limits::check_file(&file);
    if !problems.is_empty() {
        return Err(Diagnostics {
            items: problems,
            sources,
        });
    }
    with_overrides(Scenario { file, sources }, sets)
}

/// Why a file could not be read as scenario text.
#[derive(Debug)]
pub enum ReadProblem {
    /// The operating system refused (missing, no permission, ...).
    Io(std::io::Error),
    /// A folder.
    Directory,
    /// A FIFO, device or socket: reading could block or never end.
    NotRegular,
    /// Larger than what is left of [`MAX_SCENARIO_BYTES`].
    TooLarge {
        /// Bytes the file holds (at least; it may have grown).
        size: u64,
        /// Bytes that were left to read.
        limit: u64,
    },
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::Io(e) => write!(f, "{e}"),
            ReadProblem::Directory => f.write_str("it is a folder, not a file"),
            ReadProblem::NotRegular => {
                f.write_str("it is not a regular file (a pipe, device or socket)")
            }
            ReadProblem::TooLarge { size, limit } if *limit == MAX_SCENARIO_BYTES => write!(
                f,
                "it is {size} bytes, more than the limit of {MAX_SCENARIO_BYTES} bytes (4 MiB)"
            ),
            ReadProblem::TooLarge { size, limit } => write!(
                f,
                "it is {size} bytes, but only {limit} of the {MAX_SCENARIO_BYTES} bytes (4 MiB) a scenario and the files it extends may hold together are left"
            ),
        }
    }
}

impl ReadProblem {
    fn help(&self) -> &'static str {
        match self {
            ReadProblem::Io(_) => "paths in `extends` are relative to the file that names them",
            ReadProblem::Directory | ReadProblem::NotRegular => {
                "a scenario is a regular TOML file; name the file itself"
            }
            ReadProblem::TooLarge { .. } => {
                "a scenario with the files it extends may be at most 4 MiB of text"
            }
        }
    }
}

/// Reads at most `limit` bytes of the regular file at `path`.
///
/// The path is checked before it is opened (so a FIFO or device is never
/// opened, which could block), the open file is checked again, and the read
/// is bounded with `Read::take`, so a file that grows, or lies about its
/// size (as some `/proc` files do), costs no more than `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadProblem> {
    use std::io::Read;
    let check = |meta: &std::fs::Metadata| {
        if meta.is_dir() {
            Err(ReadProblem::Directory)
        } else if !meta.is_file() {
            Err(ReadProblem::NotRegular)
        } else if meta.len() > limit {
            Err(ReadProblem::TooLarge {
                size: meta.len(),
                limit,
            })
        } else {
            Ok(())
        }
    };
    check(&std::fs::metadata(path).map_err(ReadProblem::Io)?)?;
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    check(&file.metadata().map_err(ReadProblem::Io)?)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadProblem::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Reads `path` and its `extends` ancestors; returns the files base first.
///
/// A problem in the file named on the command line is reported in that
/// file. A problem reading a file named by `extends` is reported at the
/// `extends` that names it, and says nothing of the file's content unless
/// the file is a scenario: TOML with a `[scenario]` table.
fn read_chain(
    path: &Path,
    sources: &mut Sources,
    problems: &mut Vec<Diagnostic>,
) -> Vec<ScenarioFile> {
    let mut chain = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut left = MAX_SCENARIO_BYTES;
    // Where the file was named: `None` for the command line.
    let mut next: Option<(PathBuf, Option<Loc>)> = Some((path.to_path_buf(), None));
    while let Some((p, from)) = next.take() {
        let shown = escape(&p.display().to_string()).into_owned();
        // A problem with the file as a whole: at the `extends` that names
        // it, or (for the named file) at the file, path only.
        let mut whole_file = |sources: &mut Sources, message: String, help: String| {
            let loc = from.clone().unwrap_or_else(|| {
                sources.files.push(SourceFile {
                    path: p.clone(),
                    text: String::new(),
                    view: SourceView::Name,
                });
                Loc {
                    file: sources.files.len() - 1,
                    span: 0..0,
                }
            });
            problems.push(Diagnostic::new(loc, message).help(help));
        };
        let canonical = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.contains(&canonical) {
            whole_file(
                sources,
                format!("`extends` cycle: {shown} is already part of this scenario"),
                "a scenario may extend a chain of files, but no file twice".into(),
            );
            break;
        }
        if seen.len() == MAX_EXTENDS_DEPTH {
            whole_file(
                sources,
                format!("`extends` chain too long: {shown} would be file {} of the chain, more than the limit of {MAX_EXTENDS_DEPTH}", seen.len() + 1),
                "a scenario may build on at most 15 others in one chain; flatten the chain".into(),
            );
            break;
        }
        seen.push(canonical);
        let bytes = match read_bounded(&p, left) {
            Ok(b) => b,
            Err(e) => {
                let help = match (&e, &from) {
                    (ReadProblem::Io(_), None) => {
                        "check the path; it is relative to the current folder"
                    }
                    _ => e.help(),
                };
                whole_file(
                    sources,
                    format!("cannot read scenario {shown}: {e}"),
                    help.into(),
                );
                break;
            }
        };
        left -= bytes.len() as u64;
        let id = sources.files.len();
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[valid];
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                let prefix = String::from_utf8(bytes).unwrap_or_default();
                let (line, col) = diagnostic::line_col(&prefix, valid);
                sources.files.push(SourceFile {
                    path: p.clone(),
                    text: prefix,
                    view: SourceView::Position,
                });
                problems.push(match from {
                    None => Diagnostic::new(
                        Loc { file: id, span: valid..valid },
                        format!("not UTF-8 text: the byte 0x{byte:02x} cannot appear here in UTF-8"),
                    )
                    .help("a scenario file is UTF-8 text; save it as UTF-8 (or replace the character with plain ASCII)"),
                    Some(loc) => Diagnostic::new(
                        loc,
                        format!("{shown} is not a scenario file: it is not UTF-8 text (invalid byte at line {line}, column {col})"),
                    )
                    .help("`extends` names another scenario TOML file, relative to the file that names it"),
                });
                break;
            }
        };
        sources.files.push(SourceFile {
            path: p.clone(),
            text,
            view: SourceView::Lines,
        });
        let text = &sources.files[id].text;
        match parse_str(text, id) {
            Ok(file) => {
                problems.extend(limits::check_file(&file));
                // An empty `extends` is reported by the limits.
                if let Some(ext) = file
                    .scenario
                    .extends
                    .as_ref()
                    .filter(|e| !e.value.is_empty())
                {
                    let base = p.parent().unwrap_or(Path::new("."));
                    next = Some((base.join(&ext.value), Some(ext.loc())));
                }
                chain.push(file);
            }
            Err(d) => {
                let named_toml = from.is_none() && p.extension().is_some_and(|x| x == "toml");
                let d = match not_a_scenario(text) {
                    Some((why, at)) if !named_toml => {
                        let (line, col) = diagnostic::line_col(text, at.start);
                        sources.files[id].view = SourceView::Position;
                        match from {
                            None => Diagnostic::new(
                                Loc { file: id, span: at },
                                format!("not a scenario file: {why}"),
                            )
                            .help("a scenario is a TOML file with a [scenario] table; docs/scenarios.md describes the format"),
                            Some(loc) => {
                                let (place, hint) = if why.starts_with("it is not") {
                                    (format!(" (line {line}, column {col})"), format!("; if it is meant to be one, `corridor validate {shown}` shows the problem"))
                                } else {
                                    (String::new(), String::new())
                                };
                                Diagnostic::new(
                                    loc,
                                    format!("{shown} is not a scenario file: {why}{place}"),
                                )
                                .help(format!("`extends` names another scenario TOML file, relative to the file that names it{hint}"))
                            }
                        }
                    }
                    _ => d,
                };
                problems.push(d);
            }
        }
    }
    chain.reverse();
    chain
}

/// Why `text`, which does not parse as a scenario, is not a scenario file
/// at all (and where), or `None` if it is one with mistakes in it: a TOML
/// document with a `[scenario]` table. The reason names no content.
fn not_a_scenario(text: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    match toml::from_str::<toml::Table>(text) {
        Err(e) => Some(("it is not valid TOML", e.span().unwrap_or(0..0))),
        Ok(t) if t.get("scenario").is_some_and(toml::Value::is_table) => None,
        Ok(_) => Some(("it has no [scenario] table", 0..0)),
    }
}

/// Turns a TOML/serde error into a diagnostic, adding a did-you-mean for
/// unknown keys and variants.
fn toml_error(e: toml::de::Error, file: FileId) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().trim_end_matches('.').to_string();
    let mut d = Diagnostic::new(Loc { file, span }, message.clone());
    // serde words these as "unknown field `x`, expected one of `a`, `b`".
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if let Some((bad, expected)) = quoted.split_first() {
        if message.starts_with("unknown") {
            if let Some(best) = diagnostic::did_you_mean(bad, expected.iter().copied()) {
                d = d.help(format!("did you mean `{best}`?"));
            } else if !expected.is_empty() {
                d = d.help(format!("expected one of: {}", expected.join(", ")));
            }
        } else if message.starts_with("missing field") {
            d = d.help(format!(
                "add `{bad} = ...` to this table; docs/scenarios.md lists what each table needs"
            ));
        }
    }
    if d.help.is_none() {
        if message.contains("invalid basic string") || message.contains("invalid literal string") {
            d = d.help("close the string with a quote on the same line, or use \"\"\"...\"\"\" for text over several lines");
        } else if message.contains("duplicate key") {
            d = d.help("a key may appear only once in a table");
        } else if message.contains("recurs") {
            d = d.help("tables and arrays nest too deeply for a scenario, which needs only a few levels; check the brackets");
        } else if message.contains("overflow") || message.contains("as i128") {
            d = d.help("numbers must fit in 64 bits: whole numbers up to about 9.2e18, others up to about 1.8e308");
        } else if message.starts_with("invalid type") {
            d = d.help("docs/scenarios.md gives the type of every key");
        } else {
            d = d.help("docs/scenarios.md describes the format of a scenario file");
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_gets_did_you_mean() {
        let text = "[scenario]\nname = \"x\"\n[[commodities]]\nid = \"oil\"\nunit = \"kt\"\nreference_prce = 1.0\n";
        let d = parse_str(text, 0).unwrap_err();
        assert!(
            d.message.contains("unknown field `reference_prce`"),
            "{}",
            d.message
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `reference_price`?"));
        assert_eq!(diagnostic::line_col(text, d.loc.span.start).0, 6);
    }

    #[test]
    fn param_accepts_number_or_distribution() {
        let text = r#"
[scenario]
name = "x"
[[legs]]
id = "a"
from = "X"
to = "Y"
mode = "rail"
capacity = { dist = "triangular", min = 1, mode = 2, max = 3 }
cost = 5
carries = ["oil"]
"#;
        let f = parse_str(text, 0).unwrap();
        let leg = &f.legs[0];
        assert_eq!(leg.cost.value, Param::Fixed(5.0));
        assert_eq!(
            leg.capacity.value,
            Param::Dist(Dist::Triangular {
                min: 1.0,
                mode: 2.0,
                max: 3.0
            })
        );
        assert!(leg.capacity.span.start > 0);
    }

    #[test]
    fn unknown_distribution_is_an_error() {
        let text = "[scenario]\n[[legs]]\nid=\"a\"\nfrom=\"X\"\nto=\"Y\"\nmode=\"rail\"\ncapacity={dist=\"lognormall\", mean=1, sd=1}\ncost=1\ncarries=[]\n";
        let d = parse_str(text, 0).unwrap_err();
        assert!(d.message.contains("lognormall"), "{}", d.message);
        assert_eq!(d.help.as_deref(), Some("did you mean `lognormal`?"));
    }
}
