//! The import rules of docs/ARCHITECTURE.md ("Invariants"), checked on the
//! source text: which modules may name polars, which may not name which
//! others, and that the top-level modules and the engine's files depend on
//! each other one way (no cycle).
//!
//! A dependency is a path written in code: `crate::X` (also inside
//! `use crate::{X, ...}`) between top-level modules, `super::X` between the
//! engine's files. Comments are not code, and neither are tests: a file's
//! `mod tests` and the files a module declares under `#[cfg(test)]` may use
//! any module to build their inputs. `cargo test --release --locked --test
//! integration architecture -- --nocapture` prints the module graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module graph: each module and the modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// One source file under `src/`: its path there (`engine/clearing.rs`) and
/// its code without comments and tests.
struct Source {
    path: PathBuf,
    code: String,
}

impl Source {
    /// The top-level module the file belongs to (`engine`, `mem`).
    fn top(&self) -> String {
        stem(self.path.components().next().unwrap().as_os_str())
    }

    /// Whether the file is in module `dir` (`engine`, `scenario`).
    fn is_in(&self, dir: &str) -> bool {
        self.top() == dir
    }
}

fn stem(name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_string()
}

/// Every non-test source file of the library.
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let test_only = test_only_files(&root, &files);
    files
        .into_iter()
        .filter(|f| !test_only.iter().any(|t| f.starts_with(t)))
        .filter(|f| f.file_name().is_some_and(|n| n != "main.rs"))
        .map(|f| Source {
            code: code_of(&std::fs::read_to_string(&f).unwrap()),
            path: f.strip_prefix(&root).unwrap().to_path_buf(),
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Files and folders that their parent declares under `#[cfg(test)]`
/// (`#[cfg(test)] pub mod fixture;`).
fn test_only_files(root: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().unwrap();
        if name != "mod.rs" && name != "lib.rs" {
            continue;
        }
        let dir = f.parent().unwrap_or(root);
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let declared = pair[1]
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|m| m.strip_suffix(';'));
            if let (true, Some(m)) = (pair[0] == "#[cfg(test)]", declared) {
                out.push(dir.join(format!("{m}.rs")));
                out.push(dir.join(m));
            }
        }
    }
    out
}

/// The code of a file: without comment lines, and without its test module
/// (`#[cfg(test)]` then `mod tests {`, to the end of the file).
fn code_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim() == "mod tests {")
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path that starts with `prefix` (`crate::`,
/// `super::`), including each item of a group (`crate::{a::B, c}`).
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        // `super::super::x` and `crate::` inside a longer word are not
        // what this looks for.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(ident(&item));
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|s| !s.is_empty() && s != "self");
    out
}

/// The top-level modules and the other top-level modules each names.
fn module_graph(sources: &[Source]) -> Graph {
    let modules: BTreeSet<String> = sources
        .iter()
        .map(Source::top)
        .filter(|m| m != "lib")
        .collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for s in sources.iter().filter(|s| s.top() != "lib") {
        let to = named_after(&s.code, "crate::");
        let edges = graph.get_mut(&s.top()).unwrap();
        edges.extend(
            to.into_iter()
                .filter(|m| modules.contains(m) && *m != s.top()),
        );
    }
    graph
}

/// A cycle of `graph`, if it has one, as the path round it.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    // Depth-first: a node reached again while on the stack closes a cycle.
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

fn show(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(m, to)| {
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            format!("  {m} -> {}\n", to.join(", "))
        })
        .collect()
}

#[test]
fn only_aggregate_and_output_use_polars() {
    let users: Vec<String> = sources()
        .iter()
        .filter(|s| !s.is_in("aggregate") && !s.is_in("output"))
        .filter(|s| s.code.contains("polars"))
        .map(|s| s.path.display().to_string())
        .collect();
    assert!(
        users.is_empty(),
        "polars named outside aggregate and output: {users:?}"
    );
}

#[test]
fn lower_layers_do_not_name_higher_ones() {
    let rules: [(&str, &[&str]); 4] = [
        (
            "engine",
            &["cli", "output", "aggregate", "montecarlo", "run"],
        ),
        (
            "model",
            &["cli", "output", "aggregate", "montecarlo", "run", "engine"],
        ),
        (
            "scenario",
            &[
                "cli",
                "output",
                "aggregate",
                "montecarlo",
                "run",
                "engine",
                "model",
            ],
        ),
        ("montecarlo", &["cli", "output", "run"]),
    ];
    let graph = module_graph(&sources());
    for (module, forbidden) in rules {
        let bad: Vec<&String> = graph[module]
            .iter()
            .filter(|m| forbidden.contains(&m.as_str()))
            .collect();
        assert!(bad.is_empty(), "{module} names {bad:?}\n{}", show(&graph));
    }
}

/// The scenario language uses `dist` for distributions, never the sampler.
#[test]
fn scenario_does_not_name_sampling() {
    let graph = module_graph(&sources());
    assert!(
        !graph["scenario"].contains("sampling"),
        "scenario names sampling\n{}",
        show(&graph)
    );
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = module_graph(&sources());
    println!("module -> the modules it names:\n{}", show(&graph));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}\n{}", cycle.join(" -> "), show(&graph));
    }
}

/// The engine's files (a folder such as `simplex/` counts as one) name each
/// other one way, through `super::` and through the names `engine/mod.rs`
/// re-exports from them.
#[test]
fn engine_files_form_no_cycle() {
    let sources = sources();
    let engine: Vec<&Source> = sources.iter().filter(|s| s.is_in("engine")).collect();
    let node = |s: &Source| stem(s.path.components().nth(1).unwrap().as_os_str());
    let files: BTreeSet<String> = engine
        .iter()
        .map(|s| node(s))
        .filter(|n| n != "mod")
        .collect();
    // `pub use file::{A, B};` in engine/mod.rs: `super::A` is `file`.
    let mod_rs = engine.iter().find(|s| node(s) == "mod").unwrap();
    let mut reexport: BTreeMap<String, String> = BTreeMap::new();
    for line in mod_rs.code.lines().map(str::trim) {
        let Some(path) = line.strip_prefix("pub use ") else {
            continue;
        };
        let (file, names) = path.split_once("::").unwrap_or((path, ""));
        for name in names
            .trim_end_matches(';')
            .trim_matches(['{', '}'])
            .split(',')
        {
            let name = name.trim().rsplit("::").next().unwrap_or("").to_string();
            if !name.is_empty() {
                reexport.insert(name, file.to_string());
            }
        }
    }
    let mut graph: Graph = files.iter().map(|f| (f.clone(), BTreeSet::new())).collect();
    for s in engine.iter().filter(|s| files.contains(&node(s))) {
        let from = node(s);
        let named = named_after(&s.code, "super::")
            .into_iter()
            .chain(named_after(&s.code, "crate::engine::"));
        for to in named {
            let to = reexport.get(&to).cloned().unwrap_or(to);
            if files.contains(&to) && to != from {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    println!("engine file -> the files it names:\n{}", show(&graph));
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle in engine/: {}\n{}",
            cycle.join(" -> "),
            show(&graph)
        );
    }
}

/// The scanner itself: groups, nesting, comments and tests.
#[test]
fn paths_are_read_from_code_only() {
    let code = code_of(
        "use crate::{model::{A, B}, engine::C, self};\n\
         // crate::cli in a comment\n\
         fn f() { crate::mem::prefetch(&x); super::super::y(); }\n\
         #[cfg(test)]\nmod tests {\n use crate::output;\n}\n",
    );
    let named: Vec<String> = named_after(&code, "crate::").into_iter().collect();
    assert_eq!(named, ["engine", "mem", "model"]);
    let mut g = Graph::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&g), None);
    g.get_mut("c").unwrap().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
}
