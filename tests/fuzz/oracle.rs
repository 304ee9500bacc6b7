//! The fuzzing property, shared by the stable fuzz test (`tests/fuzz`) and
//! the cargo-fuzz target (`fuzz/fuzz_targets/scenario.rs`, which includes
//! this file by path): one input is loaded, validated and either compiled
//! (when valid) or its problems rendered. It fails when a scenario that
//! validates does not compile (the binary would exit 1 instead of 0 or 2),
//! when a failed load reports no problem, or when rendered problems hold a
//! raw control or bidirectional character. Panics propagate: each driver
//! turns them into a failure its own way.

use corridor::scenario::{self, Diagnostics};
use std::path::Path;

/// Checks one input; `dir` is a scratch folder holding copies of the files
/// an input may extend (`baseline.toml`, `base.toml`). Returns whether the
/// input was a valid scenario.
pub fn check(input: &[u8], dir: &Path) -> Result<bool, String> {
    let text = std::str::from_utf8(input).ok();
    let loaded = match text {
        Some(t) if !t.contains("extends") => scenario::load_str(t),
        // Through a file: `extends` resolves beside it, and a byte that is
        // not UTF-8 must be reported at its line and column.
        _ => {
            let path = dir.join("case.toml");
            std::fs::write(&path, input).map_err(|e| e.to_string())?;
            scenario::load(&path)
        }
    };
    match loaded {
        Ok(s) => corridor::model::compile(&s)
            .map(|_| true)
            .map_err(|e| format!("validated but does not compile (exit 1): {e}")),
        Err(d) => check_rendering(&d).map(|()| false),
    }
}

fn check_rendering(d: &Diagnostics) -> Result<(), String> {
    if d.items.is_empty() {
        return Err("a failed load with no problem to report".into());
    }
    let text = d.render(false);
    if let Some(c) = raw_control(&text) {
        return Err(format!(
            "raw U+{:04X} in the rendered problems:\n{text}",
            c as u32
        ));
    }
    if let Some(c) = raw_control(&d.to_string()) {
        return Err(format!("raw U+{:04X} in the problems' Display", c as u32));
    }
    Ok(())
}

/// A raw control (C0 or C1 but newline and tab, DEL) or bidirectional
/// formatting character in text, if any: what a terminal would act on.
pub fn raw_control(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}
