//! `state.bin`: the exact aggregation state with its layout, so result
//! folders of shards can be merged into the single-run result. The bytes
//! are defined in `aggregate::state_format`; this is the file.

use anyhow::Context;

use super::{Artifact, STATE_FILE};
use crate::aggregate::{state_format, Accumulator, Layout};

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
        state_format::write(self.layout, self.accumulator, out)
    }
}

impl StateFile<'_> {
    /// Decodes `state.bin` bytes into the layout and accumulator, after
    /// checking the format version and the checksum.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<(Layout, Accumulator)> {
        state_format::parse(bytes)
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
    fn the_file_holds_the_state_format() {
        let (layout, acc) = fixture::accumulated(20);
        let file = StateFile {
            layout: &layout,
            accumulator: &acc,
        };
        let bytes = file.serialize().unwrap();
        let mut direct = Vec::new();
        state_format::write(&layout, &acc, &mut direct).unwrap();
        assert_eq!(bytes, direct);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file.file_name()), &bytes).unwrap();
        let (l2, a2) = StateFile::read(dir.path()).unwrap();
        assert_eq!((l2, a2.to_bytes()), (layout, acc.to_bytes()));
        let err = StateFile::read(&dir.path().join("missing")).unwrap_err();
        assert!(format!("{err:#}").contains("cannot read"));
    }
}
