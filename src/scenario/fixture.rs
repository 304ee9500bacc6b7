//! Test builders: a minimal valid world and helpers to patch it.
//!
//! Invalid-input tests start from [`WORLD`], change one thing with
//! [`patch`] or [`with`], and assert the exact diagnostic with
//! [`fails_with`] (MUSE2's `assert_validate_fails_with_simple!` pattern).

use super::{load_str, Diagnostic};

/// Two regions, one commodity, one leg, one route: the smallest valid world.
pub const WORLD: &str = r#"[scenario]
name = "toy"
description = "two regions, one pipeline"
start = "2026-01"
periods = 12
period = "month"

[montecarlo]
trials = 10
seed = 1

[[commodities]]
id = "oil"
unit = "kt"
reference_price = 500.0

[[regions]]
id = "KZ"

[[regions]]
id = "CN"

[[supply]]
region = "KZ"
commodity = "oil"
capacity = 100.0
cost = [100.0, 300.0]

[[demand]]
region = "CN"
commodity = "oil"
quantity = 80.0
price = 500.0
elasticity = -0.3
choke_price = 5000.0

[[legs]]
id = "pipe"
from = "KZ"
to = "CN"
mode = "pipeline"
capacity = 1000.0
cost = 20.0
carries = ["oil"]

[[routes]]
id = "direct"
from = "KZ"
to = "CN"
legs = ["pipe"]
corridor = "china_direct"
"#;

/// [`WORLD`] with each `(old, new)` replacement made; `old` must occur exactly once.
pub fn patch(edits: &[(&str, &str)]) -> String {
    let mut text = WORLD.to_string();
    for (old, new) in edits {
        assert_eq!(
            text.matches(old).count(),
            1,
            "`{old}` must occur once in the fixture world"
        );
        text = text.replacen(old, new, 1);
    }
    text
}

/// [`WORLD`] with TOML appended (new list entries such as `[[policies]]`).
pub fn with(extra: &str) -> String {
    format!("{WORLD}\n{extra}")
}

/// [`WORLD`] with its leg capacity, leg cost and supply capacity uncertain,
/// followed by `correlations`.
pub fn uncertain_world(correlations: &str) -> String {
    let text = patch(&[
        (
            "capacity = 1000.0",
            "capacity = { dist = \"uniform\", min = 500, max = 1500 }",
        ),
        (
            "cost = 20.0",
            "cost = { dist = \"triangular\", min = 10, mode = 20, max = 40 }",
        ),
        (
            "capacity = 100.0",
            "capacity = { dist = \"normal\", mean = 100, sd = 10, min = 0 }",
        ),
    ]);
    format!("{text}\n{correlations}")
}

/// The head of a policy with id `p`, for [`policy`].
pub const POLICY: &str = "[[policies]]\nid = \"p\"\n";

/// [`WORLD`] with a policy `p` whose fields are `body`.
pub fn policy(body: &str) -> String {
    with(&format!("{POLICY}{body}"))
}

/// Every problem found loading `text` (parse errors included).
pub fn problems(text: &str) -> Vec<Diagnostic> {
    match load_str(text) {
        Ok(_) => Vec::new(),
        Err(d) => d.items,
    }
}

/// Asserts that `text` has exactly one problem, with this message, and returns it.
#[track_caller]
pub fn fails_with(text: &str, message: &str) -> Diagnostic {
    let found = problems(text);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, [message], "problems: {found:#?}");
    found
        .into_iter()
        .next()
        .unwrap_or_else(|| Diagnostic::new(Default::default(), ""))
}

/// 1-based line of a diagnostic in `text`.
pub fn line(text: &str, d: &Diagnostic) -> usize {
    super::diagnostic::line_col(text, d.loc.span.start).0
}
