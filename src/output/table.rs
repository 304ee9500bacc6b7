//! A small reader of the project's own CSV files (`summary.csv`,
//! `path.csv`, `sweep.csv`, `sensitivity.csv`) for code that must not
//! depend on polars (`plot`): the header, the rows as text, and typed
//! access by column name. It reads the dialect `output::csv` writes (comma
//! separated, `"`-quoted fields with `""` escapes, no line breaks inside a
//! field) and nothing larger than [`MAX_BYTES`].

use std::path::{Path, PathBuf};

use crate::error::InvalidInput;

/// Largest file read (a summary of a long horizon and many series is tens
/// of megabytes).
pub const MAX_BYTES: u64 = 1 << 30;

/// A CSV file read whole.
#[derive(Debug, Clone)]
pub struct Table {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as many fields as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads `path`; a missing, oversized or ragged file is
    /// [`InvalidInput::Results`] naming the file and line.
    pub fn read(path: &Path) -> anyhow::Result<Table> {
        let bad =
            |msg: String| -> anyhow::Error { InvalidInput::Results(anyhow::anyhow!(msg)).into() };
        let bytes = crate::scenario::read_bounded(path, MAX_BYTES)
            .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| bad(format!("{} is not UTF-8 text", path.display())))?;
        let mut lines = text.lines();
        let header = fields(lines.next().unwrap_or(""));
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let f = fields(line);
            if f.len() != header.len() {
                return Err(bad(format!(
                    "{} line {}: {} fields where the header has {}",
                    path.display(),
                    i + 2,
                    f.len(),
                    header.len()
                )));
            }
            rows.push(f);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Index of column `name`, or an error naming the file.
    pub fn col(&self, name: &str) -> anyhow::Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            InvalidInput::Results(anyhow::anyhow!(
                "{} has no `{name}` column; is it a corridor result?",
                self.path.display()
            ))
            .into()
        })
    }

    /// Whether the file has column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    /// The text of row `r`, column `c`.
    pub fn text(&self, r: usize, c: usize) -> &str {
        &self.rows[r][c]
    }

    /// The number in row `r`, column `c`: NaN when empty or not a number
    /// (an undefined statistic).
    pub fn num(&self, r: usize, c: usize) -> f64 {
        self.rows[r][c].trim().parse().unwrap_or(f64::NAN)
    }
}

/// Splits one line into fields (quoted fields with `""` escapes).
pub(crate) fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = out.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_fields_and_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, "a,b,c\n\"x,y\",\"\",2.5\nq,\"say \"\"hi\"\"\",\n").unwrap();
        let t = Table::read(&p).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.text(0, 0), "x,y");
        assert_eq!(t.text(1, 1), "say \"hi\"");
        assert_eq!(t.num(0, 2), 2.5);
        assert!(t.num(1, 2).is_nan());
        assert!(t.col("nope").is_err());
        std::fs::write(&p, "a,b\n1\n").unwrap();
        let e = Table::read(&p).unwrap_err();
        assert!(format!("{e:#}").contains("line 2: 1 fields"), "{e:#}");
    }
}
