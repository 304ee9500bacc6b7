//! The scenario reference cannot go stale: every key the schema accepts is
//! documented in docs/scenarios.md.

use std::collections::BTreeSet;

/// Keys a scenario file may use, read from the serde types in
/// src/scenario/schema.rs, src/scenario/recipe.rs (a plant's recipe items)
/// and src/dist/mod.rs (the distributions): struct
/// fields (with `rename`), the fields of distribution variants, and the
/// values of `rename_all = "snake_case"` enums.
fn schema_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let read = |p: &str| std::fs::read_to_string(crate::common::root().join(p)).unwrap();
    let text = read("src/scenario/schema.rs")
        + "\n"
        + &read("src/scenario/recipe.rs")
        + "\n"
        + &read("src/dist/mod.rs");
    let (mut keys, mut values) = (BTreeSet::new(), BTreeSet::new());
    let mut rename: Option<String> = None;
    let mut snake_enum = false;
    let mut pending_snake = false;
    let mut in_enum = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(r) = t.strip_prefix("#[serde(rename = \"") {
            rename = r.split('"').next().map(str::to_string);
            continue;
        }
        if t.starts_with("#[serde(") && t.contains("rename_all = \"snake_case\"") {
            pending_snake = true;
            continue;
        }
        if t.starts_with("pub enum ") {
            in_enum = true;
            snake_enum = pending_snake;
            pending_snake = false;
            continue;
        }
        if t.starts_with("pub struct ") {
            pending_snake = false;
            continue;
        }
        if line == "}" {
            in_enum = false;
            continue;
        }
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if let Some(rest) = t.strip_prefix("pub ") {
            if let Some((name, _)) = rest.split_once(':') {
                if ident(name) {
                    keys.insert(rename.take().unwrap_or_else(|| name.to_string()));
                }
            }
            continue;
        }
        if in_enum && snake_enum {
            // A variant `Name {`, `Name,` or a variant field `name: type,`.
            if let Some((name, _)) = t.split_once(':') {
                if ident(name) && name.starts_with(|c: char| c.is_ascii_lowercase()) {
                    keys.insert(name.to_string());
                }
            } else {
                let name = t.trim_end_matches([',', '{', ' ']);
                if ident(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let mut snake = String::new();
                    for (i, c) in name.chars().enumerate() {
                        if c.is_ascii_uppercase() && i > 0 {
                            snake.push('_');
                        }
                        snake.push(c.to_ascii_lowercase());
                    }
                    values.insert(snake);
                }
            }
        }
        rename = None;
    }
    (keys, values)
}

#[test]
fn schema_parser_sees_the_schema() {
    let (keys, values) = schema_names();
    for k in [
        "extends",
        "yield",
        "type",
        "choke_price",
        "alpha",
        "lambda",
        "weights",
        "matrix",
        "amount",
    ] {
        assert!(keys.contains(k), "{k} missing from {keys:?}");
    }
    for v in [
        "export_control",
        "lognormal",
        "quarter",
        "lhs",
        "pipeline",
        "license",
    ] {
        assert!(values.contains(v), "{v} missing from {values:?}");
    }
    assert!(!keys.contains("yield_"));
}

#[test]
fn every_schema_key_is_documented() {
    let docs = std::fs::read_to_string(crate::common::root().join("docs/scenarios.md")).unwrap();
    let (keys, values) = schema_names();
    let documented = |k: &str| {
        ["`{k}`", "[{k}]", "[[{k}]]"]
            .iter()
            .any(|f| docs.contains(&f.replace("{k}", k)))
    };
    let missing: Vec<&String> = keys.iter().filter(|k| !documented(k)).collect();
    assert!(
        missing.is_empty(),
        "docs/scenarios.md does not document the keys {missing:?}"
    );
    let missing: Vec<&String> = values
        .iter()
        .filter(|v| !docs.contains(&format!("\"{v}\"")) && !docs.contains(&format!("`{v}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/scenarios.md does not document the values {missing:?}"
    );
}
