//! `state.bin`: the exact aggregation state with its layout, so result
//! folders of shards can be merged into the single-run result.
//!
//! Format: the magic `CORRSTAT`, a little-endian `u32` format version, a
//! little-endian `u64` length `L`, `L` bytes of the postcard-encoded
//! [`Layout`], then the accumulator's own bytes
//! ([`Accumulator::to_bytes`], which carry their own header).

use anyhow::{bail, Context};

use super::{Artifact, STATE_FILE};
use crate::aggregate::{Accumulator, Layout};

const MAGIC: &[u8; 8] = b"CORRSTAT";
/// 2: cells are period-major (version 1 was series-major).
const VERSION: u32 = 2;

/// The content of `state.bin`.
pub struct StateFile<'a> {
    /// What the accumulator's cells are.
    pub layout: &'a Layout,
    /// The statistics state.
    pub accumulator: &'a Accumulator,
}

impl Artifact for StateFile<'_> {
    fn file_name(&self) -> &'static str {
        STATE_FILE
    }

    fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.layout.n_cells() == self.accumulator.n_cells(),
            "the layout has {} cells but the accumulator {}",
            self.layout.n_cells(),
            self.accumulator.n_cells()
        );
        let layout = postcard::to_stdvec(self.layout).context("cannot encode the layout")?;
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        out.write_all(&(layout.len() as u64).to_le_bytes())?;
        out.write_all(&layout)?;
        self.accumulator.write_to(out)?;
        Ok(())
    }
}

impl StateFile<'_> {
    /// Decodes `state.bin` bytes into the layout and accumulator.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<(Layout, Accumulator)> {
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            bail!("not a corridor state file (bad header)");
        };
        if rest.len() < 12 {
            bail!("truncated state file");
        }
        let version = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        if version != VERSION {
            bail!(
                "state file format version {version} is not supported (this build reads version \
                 {VERSION}); re-run that result with this build of corridor to merge it"
            );
        }
        let len = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
        let rest = &rest[12..];
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= rest.len())
            .context("truncated state file")?;
        let layout: Layout =
            postcard::from_bytes(&rest[..len]).context("corrupt layout in state file")?;
        let accumulator = Accumulator::from_bytes(&rest[len..])?;
        if layout.n_cells() != accumulator.n_cells() {
            bail!(
                "corrupt state file: the layout has {} cells but the state {}",
                layout.n_cells(),
                accumulator.n_cells()
            );
        }
        Ok((layout, accumulator))
    }

    /// Reads `state.bin` from a result folder.
    pub fn read(dir: &std::path::Path) -> anyhow::Result<(Layout, Accumulator)> {
        let path = dir.join(STATE_FILE);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        StateFile::parse(&bytes).with_context(|| format!("cannot read {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture;

    #[test]
    fn round_trip_and_rejects_garbage() {
        let layout = fixture::layout();
        let mut acc = Accumulator::new(layout.n_cells());
        for t in 0..20 {
            acc.add_trial(&fixture::record(t));
        }
        let bytes = StateFile {
            layout: &layout,
            accumulator: &acc,
        }
        .serialize()
        .unwrap();
        let (l2, a2) = StateFile::parse(&bytes).unwrap();
        assert_eq!(l2, layout);
        assert_eq!(a2.to_bytes(), acc.to_bytes());
        assert!(StateFile::parse(b"CORRSTAT").is_err());
        assert!(StateFile::parse(&bytes[..bytes.len() / 2]).is_err());
        let mut wrong = bytes.clone();
        wrong[8] = 9;
        assert!(format!("{:#}", StateFile::parse(&wrong).unwrap_err()).contains("version 9"));
    }
}
