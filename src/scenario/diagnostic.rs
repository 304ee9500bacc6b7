//! Diagnostics: what is wrong in a scenario, where, and how to fix it.
//!
//! Checks produce [`Diagnostic`]s that name a location ([`Loc`]) and
//! describe the problem; rendering with file, line, column and a snippet is
//! done here once, with `miette`, so no check formats positions itself.

use super::span::Loc;
use super::Sources;
use std::fmt;

/// One problem found in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub loc: Loc,
    /// What is wrong, lower-case, no final period.
    pub message: String,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `loc`.
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            loc,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every problem found while loading one scenario. This is the error type
/// of [`super::load`]; the CLI maps it to exit status 2.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The problems, in file order.
    pub items: Vec<Diagnostic>,
    /// The files they point into.
    pub sources: Sources,
}

impl Diagnostics {
    /// `path:line:col` of a location, 1-based.
    pub fn position(&self, loc: &Loc) -> String {
        match self.sources.files.get(loc.file) {
            Some(f) => {
                let (line, col) = line_col(&f.text, loc.span.start);
                format!("{}:{}:{}", f.path.display(), line, col)
            }
            None => "<scenario>".to_string(),
        }
    }

    /// Renders every diagnostic with a source snippet (no colour when
    /// `color` is false, for logs and tests).
    pub fn render(&self, color: bool) -> String {
        use miette::{
            GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
        };
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut out = String::new();
        for d in &self.items {
            out.push_str(&format!(
                "error: {}: {}\n",
                self.position(&d.loc),
                d.message
            ));
            if let Some(f) = self.sources.files.get(d.loc.file) {
                let start = d.loc.span.start.min(f.text.len());
                let len = d
                    .loc
                    .span
                    .end
                    .saturating_sub(d.loc.span.start)
                    .min(f.text.len() - start);
                let mut md = MietteDiagnostic::new(d.message.clone())
                    .with_label(LabeledSpan::at(start..start + len, "here"));
                if let Some(h) = &d.help {
                    md = md.with_help(h.clone());
                }
                let report = miette::Report::new(md).with_source_code(NamedSource::new(
                    f.path.display().to_string(),
                    f.text.clone(),
                ));
                let mut s = String::new();
                if handler.render_report(&mut s, report.as_ref()).is_ok() {
                    out.push_str(&s);
                    out.push('\n');
                }
            } else if let Some(h) = &d.help {
                out.push_str(&format!("  help: {h}\n"));
            }
        }
        let n = self.items.len();
        out.push_str(&format!(
            "{n} problem{} found\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            write!(f, "{}: {}", self.position(&d.loc), d.message)?;
            if let Some(h) = &d.help {
                write!(f, " (help: {h})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // The char boundary at or before `offset` (`str::floor_char_boundary`
    // needs Rust 1.91; the crate supports 1.85).
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The candidate closest to `word` by edit distance, if close enough to be
/// a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        // Columns count characters; an offset inside one rounds down to it.
        assert_eq!(line_col("é=1\nü=2", 5), (2, 1));
        assert_eq!(line_col("é=1\nü=2", 6), (2, 1));
        assert_eq!(line_col("é=1\nü=2", 7), (2, 2));
        assert_eq!(line_col("é", 99), (1, 2));
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        assert_eq!(
            did_you_mean("capcity", ["capacity", "cost"]),
            Some("capacity")
        );
        assert_eq!(did_you_mean("zzz", ["capacity", "cost"]), None);
    }
}
