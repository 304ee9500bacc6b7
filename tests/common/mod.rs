//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};

/// The `corridor` binary built for these tests, run from the crate root with
/// a clean environment (no user config, no colour, no inherited variables).
pub fn corridor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("corridor"));
    cmd.current_dir(root()).env_clear();
    cmd
}

/// The crate root, where `scenarios/`, `docs/` and `tests/fixtures/` live.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/`, relative to the crate root (as the tests
/// pass it to the binary).
pub fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures").join(name)
}

/// The shipped scenarios (`scenarios/*.toml`), relative to the crate root,
/// sorted.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| Path::new("scenarios").join(p.file_name().expect("a file name")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no shipped scenarios");
    files
}

/// A CSV file of the project's one dialect, read by hand (independently of
/// the polars writer): a header and rows of text fields, empty fields and
/// `""` both read as empty text.
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of fields, as many as the header.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads and splits `path`.
    pub fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        Csv::parse(&text)
    }

    /// Splits CSV text (quoted fields with `""` escapes, no line breaks
    /// inside fields).
    pub fn parse(text: &str) -> Csv {
        let mut lines = text.lines().map(split_csv_line);
        let header = lines.next().expect("a header line");
        let rows: Vec<Vec<String>> = lines.collect();
        for r in &rows {
            assert_eq!(r.len(), header.len(), "a row of the wrong width: {r:?}");
        }
        Csv { header, rows }
    }

    /// Index of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The number in column `name` of row `r`, `None` for an empty field.
    pub fn num(&self, r: usize, name: &str) -> Option<f64> {
        let field = &self.rows[r][self.col(name)];
        (!field.is_empty()).then(|| {
            field
                .parse()
                .unwrap_or_else(|e| panic!("`{field}` in column {name} is not a number: {e}"))
        })
    }

    /// The text in column `name` of row `r`.
    pub fn text(&self, r: usize, name: &str) -> &str {
        &self.rows[r][self.col(name)]
    }
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("a field");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => field.push(c),
        }
    }
    fields
}
