//! `corridor list`: the scenarios in a folder, with their descriptions.

use super::stream::{errln, out, printable};
use crate::error::InvalidInput;
use crate::scenario;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor list
  corridor list tests/fixtures/valid

Files that do not load are listed as `(invalid: N problems)`; run
`corridor validate FILE` to see the problems.";

/// Arguments of `corridor list`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ListArgs {
    /// Folder to list the `*.toml` scenario files of.
    #[arg(value_name = "DIR", default_value = "scenarios")]
    pub dir: PathBuf,
}

/// Runs `corridor list`.
pub fn execute(args: &ListArgs) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(&args.dir).map_err(|e| {
        InvalidInput::Usage(format!(
            "cannot list scenarios in {}: {e}",
            args.dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    if files.is_empty() {
        errln!(
            "no scenario files (*.toml) in {}",
            printable(&args.dir.display().to_string())
        );
        return Ok(());
    }
    let rows: Vec<[String; 3]> = files.iter().map(|p| row(p)).collect();
    out(format_args!("{}", table(&rows)))?;
    Ok(())
}

/// File, name and one-line description of one scenario file, with control
/// characters escaped (they come from files and names anyone may write).
fn row(path: &std::path::Path) -> [String; 3] {
    row_raw(path).map(|field| printable(&field).into_owned())
}

fn row_raw(path: &std::path::Path) -> [String; 3] {
    let file = path.display().to_string();
    match scenario::load(path) {
        Ok(s) => {
            let description = s
                .file
                .scenario
                .description
                .as_ref()
                .map(|d| d.value.as_str())
                .unwrap_or("");
            [
                file,
                s.name(),
                description.lines().next().unwrap_or("").trim().to_string(),
            ]
        }
        Err(d) => {
            // The name as written, if the file at least parses (from the
            // text already read, within the loader's size limit).
            let name = d
                .sources
                .files
                .first()
                .filter(|f| f.view == scenario::SourceView::Lines)
                .and_then(|f| scenario::parse_str(&f.text, 0).ok())
                .and_then(|f| f.scenario.name.map(|n| n.value))
                .unwrap_or_else(|| "-".into());
            [
                file,
                name,
                format!(
                    "(invalid: {})",
                    super::validate::count(d.items.len(), "problem")
                ),
            ]
        }
    }
}

/// Left-aligned columns under a header, separated by two spaces.
fn table(rows: &[[String; 3]]) -> String {
    let header = ["FILE", "NAME", "DESCRIPTION"].map(String::from);
    let all: Vec<&[String; 3]> = std::iter::once(&header).chain(rows).collect();
    let width = |c: usize| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for r in all {
        let line = format!("{:w0$}  {:w1$}  {}", r[0], r[1], r[2]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = [
            [
                "a.toml".to_string(),
                "alpha".to_string(),
                "first".to_string(),
            ],
            ["long_name.toml".to_string(), "b".to_string(), String::new()],
        ];
        assert_eq!(
            table(&rows),
            "FILE            NAME   DESCRIPTION\n\
             a.toml          alpha  first\n\
             long_name.toml  b\n"
        );
    }
}
