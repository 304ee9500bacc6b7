//! `manifest.toml`: what produced a result folder, enough to reproduce it.

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Artifact, MANIFEST_FILE};

/// This build's version, recorded in every manifest.
pub const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The manifest of a result folder.
///
/// `scenario_hash`, `seed`, `trials`, `sampling` and `deterministic`
/// determine the results; `started`, `wall_seconds`, `threads` and `command`
/// only describe how this run went and are the only fields that differ
/// between two runs of the same inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// `corridor` version that wrote the folder ([`CRATE_VERSION`]).
    pub version: String,
    /// Scenario file as given on the command line.
    pub scenario: String,
    /// Hash of the scenario's content (with `extends` resolved).
    pub scenario_hash: String,
    /// Seed of every random stream.
    #[serde(with = "seed_format")]
    pub seed: u64,
    /// Trials of the whole run (all shards together).
    pub trials: u64,
    /// First trial index in this folder.
    pub trial_start: u64,
    /// One past the last trial index in this folder.
    pub trial_end: u64,
    /// Sampling method (`random`, `lhs`).
    pub sampling: String,
    /// Whether this is the single deterministic trial (inputs at their means).
    pub deterministic: bool,
    /// When the run started, RFC 3339 in UTC.
    pub started: String,
    /// Wall-clock seconds the run took (for a merge: summed over shards).
    pub wall_seconds: f64,
    /// Worker threads used.
    pub threads: usize,
    /// The command line, one argument per element.
    pub command: Vec<String>,
    /// The rows the run summary and `compare` show first, as (metric,
    /// commodity, key): the scenario's `headline` list, or the markets its
    /// policies target (`model::headline`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headline: Vec<[String; 3]>,
    /// The `--set PATH=VALUE` overrides applied to the scenario file, in
    /// order (part of what `scenario_hash` hashes): with `scenario`, what
    /// re-runs it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// Shard folders this one was merged from, in trial order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Which shard of the trials this folder holds; absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
}

/// Shard `index` of `count` (from 0): trials
/// `[index·trials/count, (index+1)·trials/count)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// Which shard.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl Manifest {
    /// Reads a manifest from its TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Manifest> {
        toml::from_str(text).context("not a valid corridor manifest")
    }

    /// Reads `manifest.toml` from a result folder.
    pub fn read(dir: &std::path::Path) -> anyhow::Result<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Manifest::from_toml(&text).with_context(|| format!("cannot read {}", path.display()))
    }
}

impl Artifact for Manifest {
    fn file_name(&self) -> &'static str {
        MANIFEST_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let text = toml::to_string(self).context("cannot format the manifest")?;
        Ok(out.write_all(text.as_bytes())?)
    }
}

/// TOML integers are signed 64-bit: seeds above `i64::MAX` are written as
/// decimal strings, and either form is read back.
mod seed_format {
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &u64, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*seed) {
            Ok(v) => s.serialize_i64(v),
            Err(_) => s.serialize_str(&seed.to_string()),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Seed {
            Int(i64),
            Text(String),
        }
        match Seed::deserialize(d)? {
            Seed::Int(v) => {
                u64::try_from(v).map_err(|_| de::Error::custom("the seed must not be negative"))
            }
            Seed::Text(t) => t
                .parse()
                .map_err(|_| de::Error::custom(format!("`{t}` is not a seed"))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn example() -> Manifest {
        Manifest {
            version: CRATE_VERSION.into(),
            scenario: "scenarios/baseline.toml".into(),
            scenario_hash: "sha256:abc".into(),
            seed: 42,
            trials: 100,
            trial_start: 0,
            trial_end: 100,
            sampling: "random".into(),
            deterministic: false,
            started: "2026-01-01T00:00:00Z".into(),
            wall_seconds: 1.5,
            threads: 2,
            command: vec!["corridor".into(), "run".into()],
            headline: vec![],
            overrides: vec![],
            merged_from: vec![],
            shard: None,
        }
    }

    #[test]
    fn round_trips_and_handles_big_seeds() {
        let mut m = example();
        let text = String::from_utf8(Artifact::serialize(&m).unwrap()).unwrap();
        assert!(text.contains("seed = 42\n"), "{text}");
        assert!(!text.contains("shard"));
        assert_eq!(Manifest::from_toml(&text).unwrap(), m);
        m.seed = u64::MAX;
        m.shard = Some(ShardInfo { index: 1, count: 4 });
        m.merged_from = vec!["a".into()];
        m.headline = vec![["price".into(), "oil".into(), "US/KZ".into()]];
        m.overrides = vec!["legs.a.capacity={ dist = \"uniform\", min = 1, max = 2 }".into()];
        let text = String::from_utf8(Artifact::serialize(&m).unwrap()).unwrap();
        assert!(text.contains("seed = \"18446744073709551615\""), "{text}");
        assert_eq!(Manifest::from_toml(&text).unwrap(), m);
        assert!(Manifest::from_toml("seed = 1").is_err());
    }
}
