//! Scenario language: TOML text → a resolved [`Scenario`].
//!
//! Reading ([`load`]) follows the `extends` chain, parses each file into the
//! serde types of [`schema`], layers them ([`layer`]) and validates the
//! result ([`validate`]), returning every problem found as [`Diagnostics`].
//! This module knows nothing about LPs or sampling.

pub mod diagnostic;
#[cfg(test)]
pub(crate) mod fixture;
pub mod layer;
pub mod schema;
pub mod span;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use schema::*;
pub use span::{FileId, Loc, Sp};

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The text of one scenario file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (or as resolved from `extends`).
    pub path: PathBuf,
    /// Full text.
    pub text: String,
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
    let scenario = Scenario { file, sources };
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
    let sources = Sources {
        files: vec![SourceFile {
            path: "<inline>".into(),
            text: text.to_string(),
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
    let scenario = Scenario { file, sources };
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

/// Reads `path` and its `extends` ancestors; returns the files base first.
fn read_chain(
    path: &Path,
    sources: &mut Sources,
    problems: &mut Vec<Diagnostic>,
) -> Vec<ScenarioFile> {
    let mut chain = Vec::new();
    let mut next = Some((
        path.to_path_buf(),
        Loc {
            file: FileId::MAX,
            span: 0..0,
        },
    ));
    while let Some((p, from)) = next.take() {
        let canonical = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if sources
            .files
            .iter()
            .any(|f| std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()) == canonical)
        {
            problems.push(
                Diagnostic::new(
                    from,
                    format!(
                        "`extends` cycle: {} is already part of this scenario",
                        p.display()
                    ),
                )
                .help("a scenario may extend a chain of files, but no file twice"),
            );
            break;
        }
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) => {
                problems.push(
                    Diagnostic::new(from, format!("cannot read scenario {}: {e}", p.display()))
                        .help("paths in `extends` are relative to the file that names them"),
                );
                break;
            }
        };
        let id = sources.files.len();
        sources.files.push(SourceFile {
            path: p.clone(),
            text,
        });
        match parse_str(&sources.files[id].text, id) {
            Ok(file) => {
                if let Some(ext) = &file.scenario.extends {
                    let base = p.parent().unwrap_or(Path::new("."));
                    next = Some((base.join(&ext.value), ext.loc()));
                }
                chain.push(file);
            }
            Err(d) => problems.push(d),
        }
    }
    chain.reverse();
    chain
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
