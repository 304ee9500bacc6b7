//! Diagnostics: what is wrong in a scenario, where, and how to fix it.
//!
//! Checks produce [`Diagnostic`]s that name a location ([`Loc`]) and
//! describe the problem; rendering with file, line, column and a snippet is
//! done here once, with `miette`, so no check formats positions itself.

use super::span::Loc;
use super::{SourceView, Sources};
use std::borrow::Cow;
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
    /// `path:line:col` of a location, 1-based (only `path` for a file that
    /// could not be read). The path is [`escape`]d.
    pub fn position(&self, loc: &Loc) -> String {
        match self.sources.files.get(loc.file) {
            Some(f) if f.view == SourceView::Name => {
                escape(&f.path.display().to_string()).into_owned()
            }
            Some(f) => {
                let (line, col) = line_col(&f.text, loc.span.start);
                format!("{}:{}:{}", escape(&f.path.display().to_string()), line, col)
            }
            None => "<scenario>".to_string(),
        }
    }

    /// Renders the first [`MAX_SHOWN`] diagnostics, each with a source
    /// snippet where its file may be shown (no colour when `color` is false,
    /// for logs and tests), then one line counting the rest.
    ///
    /// This is the one place where scenario problems become text, so it is
    /// where user text is made safe for a terminal: messages, help and
    /// paths are [`escape`]d and clipped to [`MAX_MESSAGE_CHARS`]; a snippet
    /// shows at most a few lines of at most [`SNIPPET_WIDTH`] characters
    /// around the problem, with control and bidirectional characters
    /// escaped.
    pub fn render(&self, color: bool) -> String {
        use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut out = String::new();
        let mut cursors: Vec<Cursor> = self
            .sources
            .files
            .iter()
            .map(|f| Cursor::new(&f.text))
            .collect();
        for d in self.items.iter().take(MAX_SHOWN) {
            let message = clip(&escape(&d.message), MAX_MESSAGE_CHARS);
            let help = d
                .help
                .as_deref()
                .map(|h| clip(&escape(h), MAX_MESSAGE_CHARS));
            let file = self.sources.files.get(d.loc.file);
            let at = cursors
                .get_mut(d.loc.file)
                .map(|c| c.seek(d.loc.span.start));
            let position = match (file, at) {
                (Some(f), Some(at)) if f.view != SourceView::Name => format!(
                    "{}:{}:{}",
                    escape(&f.path.display().to_string()),
                    at.line,
                    at.col
                ),
                _ => self.position(&d.loc),
            };
            out.push_str(&format!("error: {position}: {message}\n"));
            match (file, at) {
                (Some(f), Some(at)) if f.view == SourceView::Lines => {
                    let snippet = Snippet::new(f, &d.loc.span, at);
                    let mut md = MietteDiagnostic::new(message)
                        .with_label(LabeledSpan::at(snippet.span.clone(), "here"));
                    if let Some(h) = help {
                        md = md.with_help(h);
                    }
                    let report = miette::Report::new(md).with_source_code(snippet);
                    let mut s = String::new();
                    if handler.render_report(&mut s, report.as_ref()).is_ok() {
                        out.push_str(&s);
                        out.push('\n');
                    }
                }
                _ => {
                    if let Some(h) = help {
                        out.push_str(&format!("  help: {h}\n"));
                    }
                }
            }
        }
        let n = self.items.len();
        if n > MAX_SHOWN {
            out.push_str(&format!(
                "... and {} more problem{} not shown; fix these and run `corridor validate` again\n",
                n - MAX_SHOWN,
                if n - MAX_SHOWN == 1 { "" } else { "s" }
            ));
        }
        out.push_str(&format!(
            "{n} problem{} found\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.items.iter().take(MAX_SHOWN) {
            let message = clip(&escape(&d.message), MAX_MESSAGE_CHARS);
            write!(f, "{}: {message}", self.position(&d.loc))?;
            if let Some(h) = &d.help {
                write!(f, " (help: {})", clip(&escape(h), MAX_MESSAGE_CHARS))?;
            }
            writeln!(f)?;
        }
        if self.items.len() > MAX_SHOWN {
            writeln!(f, "... and {} more problems", self.items.len() - MAX_SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Most diagnostics rendered for one scenario; the rest are counted in one
/// final line.
pub const MAX_SHOWN: usize = 200;
/// Longest message or help rendered, in characters; a longer one is cut
/// with `…`.
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// Widest source line shown in a snippet, in characters; a longer line is
/// cropped to a window around the problem, marked with `…`.
pub const SNIPPET_WIDTH: usize = 160;
/// Most lines of one problem's span shown in a snippet (plus one line of
/// context either side).
pub const SNIPPET_SPAN_LINES: usize = 6;

/// Whether `c` must not reach a terminal raw: a control character (C0, DEL,
/// C1), a bidirectional formatting character (which can make text read
/// differently from its bytes) or a line or paragraph separator.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every [`is_unsafe_char`] written as a Rust-style escape
/// (`\u{1b}`), so text from a scenario cannot move the cursor, change
/// colours, set a window title, reorder what is shown or start a new line.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    if is_unsafe_char(c) {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// `s` cut to at most `max` characters, ending with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((end, _)) => {
            let mut out = s[..end].to_string();
            out.push('…');
            out
        }
    }
}

/// `value` for a message: escaped, and cut to 40 characters with its length
/// given when longer (a value can be megabytes long).
pub fn quote(value: &str) -> String {
    const MAX: usize = 40;
    let n = value.chars().count();
    if n > MAX {
        format!(
            "{}… ({n} characters)",
            escape(&clip(value, MAX)).trim_end_matches('…')
        )
    } else {
        escape(value).into_owned()
    }
}

/// The few lines of a source file around one span, cropped and escaped,
/// as miette reads them: line numbers and the position in the header are
/// those of the whole file.
struct Snippet {
    /// The escaped file name.
    name: String,
    /// The lines shown, cropped and escaped.
    text: String,
    /// Line number (0-based) of the first line of `text` in the file.
    first_line: usize,
    /// The span within `text`.
    span: std::ops::Range<usize>,
    /// Line and column (0-based) of the span's start in the file.
    start: (usize, usize),
}

impl Snippet {
    /// The snippet of `f` around `span`, whose start is at `at`.
    ///
    /// The work is bounded whatever the file: a window of at most
    /// [`SNIPPET_WIDTH`] characters of at most `SNIPPET_SPAN_LINES + 2`
    /// lines is copied, and lines are found with byte searches.
    fn new(f: &super::SourceFile, span: &std::ops::Range<usize>, at: Position) -> Snippet {
        let text = f.text.as_str();
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = at.offset;
        let end = floor(span.end).max(start);
        let eol = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
        // The columns shown: from the first, or (when the start lies far to
        // the right) from a quarter of the width before the start; other
        // lines of the span are cut at the same byte offset (context lines
        // are shown from their start).
        let lead = SNIPPET_WIDTH / 4;
        let win = if at.col - 1 + lead < SNIPPET_WIDTH {
            at.line_start
        } else {
            let mut w = start;
            for _ in 0..lead {
                w = floor(w - 1);
            }
            w
        };
        let skip = win - at.line_start;
        let window = |from: usize, to: usize| floor((from + skip).min(to));
        // (line start, first byte shown, line end, part of the span): one
        // line of context before, the span's lines (at most
        // SNIPPET_SPAN_LINES), one line after.
        let mut lines = Vec::new();
        if at.line_start > 0 {
            let to = at.line_start - 1;
            let from = text[..to].rfind('\n').map_or(0, |i| i + 1);
            lines.push((from, from, to, false));
        }
        let first_line = at.line - 1 - lines.len();
        let mut from = at.line_start;
        let mut n = 0;
        loop {
            let to = eol(from);
            let shown = if from == at.line_start {
                win
            } else {
                window(from, to)
            };
            lines.push((from, shown, to, true));
            n += 1;
            if end <= to + 1 || to == text.len() || n == SNIPPET_SPAN_LINES {
                if to < text.len() {
                    let next = to + 1;
                    let next_end = eol(next);
                    lines.push((next, next, next_end, false));
                }
                break;
            }
            from = to + 1;
        }
        let mut out = String::new();
        let (mut new_start, mut new_end) = (None, None);
        for (k, &(from, shown, to, in_span)) in lines.iter().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            if shown > from {
                out.push('…');
            }
            if in_span && new_end.is_none() && end <= shown {
                new_end = Some(out.len());
            }
            let body = &text[shown..to];
            let body = body.strip_suffix('\r').unwrap_or(body);
            for (i, (off, c)) in body.char_indices().enumerate() {
                let off = shown + off;
                if in_span {
                    if new_start.is_none() && off >= start {
                        new_start = Some(out.len());
                    }
                    if new_end.is_none() && off >= end {
                        new_end = Some(out.len());
                    }
                }
                if i == SNIPPET_WIDTH {
                    out.push('…');
                    break;
                }
                push_escaped(&mut out, c);
            }
            if in_span {
                new_start.get_or_insert(out.len());
                let last_in_span = lines.get(k + 1).is_none_or(|l| !l.3);
                if last_in_span || end <= to {
                    new_end.get_or_insert(out.len());
                }
            }
        }
        let new_start = new_start.unwrap_or(out.len());
        let new_end = new_end.unwrap_or(out.len()).max(new_start);
        Snippet {
            name: escape(&f.path.display().to_string()).into_owned(),
            text: out,
            first_line,
            span: new_start..new_end,
            start: (at.line - 1, at.col - 1),
        }
    }
}

/// Where a byte offset lies: the offset (on a char boundary), its 1-based
/// line and column, and the offset its line starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    offset: usize,
    line: usize,
    col: usize,
    line_start: usize,
}

/// Finds [`Position`]s in one text, resuming from the last one when the
/// offsets come in increasing order (as sorted diagnostics do), so
/// locating many problems on one long line costs one pass, not one each.
struct Cursor<'t> {
    text: &'t str,
    at: Position,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Self {
        Cursor {
            text,
            at: Position {
                offset: 0,
                line: 1,
                col: 1,
                line_start: 0,
            },
        }
    }

    fn seek(&mut self, offset: usize) -> Position {
        let text = self.text;
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        if off < self.at.offset {
            *self = Cursor::new(text);
        }
        let seg = &text[self.at.offset..off];
        match seg.rfind('\n') {
            Some(i) => {
                self.at.line += seg.bytes().filter(|b| *b == b'\n').count();
                self.at.line_start = self.at.offset + i + 1;
                self.at.col = text[self.at.line_start..off].chars().count() + 1;
            }
            None => self.at.col += seg.chars().count(),
        }
        self.at.offset = off;
        self.at
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        let (line, column) = if span.offset() == self.span.start && before == 0 && after == 0 {
            self.start
        } else {
            (inner.line() + self.first_line, inner.column())
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

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

/// Longest word (in characters) that [`did_you_mean`] looks for a match
/// of; a longer one is not a typo of anything a scenario defines.
pub const MAX_SUGGEST_CHARS: usize = 256;
/// Edit-distance cells [`did_you_mean`] may compute between two calls of
/// [`reset_suggestion_budget`] (one scenario load): about 0.1 s of work.
/// Past it, suggestions are not looked for, so thousands of unknown names
/// cost no more than a few hundred.
pub const SUGGESTION_BUDGET: u64 = 50_000_000;

thread_local! {
    static SUGGESTION_WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(SUGGESTION_BUDGET) };
}

/// Restores the full [`SUGGESTION_BUDGET`]; called at the start of each load.
pub fn reset_suggestion_budget() {
    SUGGESTION_WORK.with(|c| c.set(SUGGESTION_BUDGET));
}

/// The candidate closest to `word` by edit distance, if close enough to be
/// a plausible typo: at most a third of the longer length (at least 1).
/// The first of equally close candidates wins.
///
/// Cheap whatever the input: candidates whose length differs by more than
/// the allowed distance are skipped, the distance is computed only up to
/// the allowed one, a word over [`MAX_SUGGEST_CHARS`] gets no suggestion,
/// and all calls of one load share [`SUGGESTION_BUDGET`].
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w: Vec<char> = word.chars().take(MAX_SUGGEST_CHARS + 1).collect();
    if w.len() > MAX_SUGGEST_CHARS {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    let mut row = Vec::new();
    for c in candidates {
        let n = c.chars().count();
        let allowed = (n.max(w.len()) / 3).max(1);
        // Only strictly closer candidates can win.
        let allowed = best.map_or(allowed, |(d, _)| allowed.min(d.saturating_sub(1)));
        if n.abs_diff(w.len()) > allowed || n > MAX_SUGGEST_CHARS {
            continue;
        }
        let cost = ((w.len() + 1) * (n + 1)) as u64;
        let left = SUGGESTION_WORK.with(|b| {
            let left = b.get();
            b.set(left.saturating_sub(cost));
            left
        });
        if left < cost {
            break;
        }
        if let Some(d) = bounded_edit_distance(&w, c, allowed, &mut row) {
            best = Some((d, c));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance between `a` and `b` if it is at most `max`.
fn bounded_edit_distance(a: &[char], b: &str, max: usize, prev: &mut Vec<usize>) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    prev.clear();
    prev.extend(0..=b.len());
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
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
