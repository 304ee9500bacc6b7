//! `corridor validate`: check scenario files and report every problem.

use super::stream::{err, flush, outln, printable};
use crate::error::InvalidInput;
use crate::scenario;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  corridor validate scenarios/*.toml

Every file is checked, even after one fails. Problems go to stderr with the
file, line and column, a snippet and a suggested fix; each valid file gets an
`ok:` line on stdout. The exit status is 2 if any file has a problem.";

/// Arguments of `corridor validate`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// Scenario files to check (`extends` is followed).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Overrides, applied to every file.
    #[command(flatten)]
    pub set: super::SetOpts,
}

/// `1 region`, `2 regions`.
pub(crate) fn count(n: usize, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "policy") => format!("{n} policies"),
        _ => format!("{n} {what}s"),
    }
}

/// Runs `corridor validate`.
pub fn execute(args: &ValidateArgs) -> anyhow::Result<()> {
    let color = super::stderr_color();
    let mut failed = 0;
    for path in &args.files {
        // The headline list names series, which only the compiled model knows.
        let loaded = scenario::load_with(path, &args.set.set).and_then(|s| {
            let items = crate::model::headline::check(&s);
            if items.is_empty() {
                Ok(s)
            } else {
                Err(scenario::Diagnostics {
                    items,
                    sources: s.sources,
                })
            }
        });
        match loaded {
            Ok(s) => {
                let f = &s.file;
                outln!(
                    "ok: {} ({}, {}, {}, {})",
                    printable(&path.display().to_string()),
                    count(f.regions.len(), "region"),
                    count(f.legs.len(), "leg"),
                    count(f.routes.len(), "route"),
                    count(f.policies.len(), "policy"),
                )?;
            }
            Err(d) => {
                flush()?;
                err(format_args!("{}", d.render(color)));
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(InvalidInput::Usage(format!(
            "problems in {failed} of {}",
            count(args.files.len(), "scenario file")
        ))
        .into());
    }
    Ok(())
}
