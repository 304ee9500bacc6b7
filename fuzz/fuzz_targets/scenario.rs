//! libFuzzer target: any bytes as a scenario file. The property is the
//! stable fuzz test's (tests/fuzz/oracle.rs); libFuzzer adds coverage
//! guidance, its own timeout and memory limit, and reports panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[path = "../../tests/fuzz/oracle.rs"]
mod oracle;

/// A scratch folder with copies of the files an input may extend.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("corridor-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for name in ["scenarios/baseline.toml", "tests/fixtures/valid/base.toml"] {
            let from = root.join(name);
            std::fs::copy(&from, dir.join(from.file_name().unwrap())).expect("copy a base file");
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    if let Err(e) = oracle::check(data, scratch()) {
        panic!("{e}");
    }
});
