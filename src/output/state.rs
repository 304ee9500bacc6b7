//! `state.bin`: the exact aggregation state with its layout, so result
//! folders of shards can be merged into the single-run result.
//!
//! Format: the magic `CORRSTAT`, a little-endian `u32` format version, a
//! little-endian `u64` length `L`, `L` bytes of the postcard-encoded
//! [`Layout`], the accumulator's own bytes ([`Accumulator::to_bytes`],
//! which carry their own header), then the SHA-256 of everything before it
//! (magic, version and payload). A file whose checksum does not match (a
//! flipped bit, a truncated copy) is refused before anything is decoded.

use std::io::Write;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use super::{Artifact, STATE_FILE};
use crate::aggregate::{Accumulator, Layout};

const MAGIC: &[u8; 8] = b"CORRSTAT";
/// 2: cells are period-major (version 1 was series-major).
/// 3: a SHA-256 checksum ends the file.
const VERSION: u32 = 3;
/// Bytes of the checksum at the end of the file.
const CHECKSUM_LEN: usize = 32;
/// Magic, version and layout length.
const HEADER_LEN: usize = MAGIC.len() + 4 + 8;

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
        let mut out = Hashing {
            out,
            hash: Sha256::new(),
        };
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        out.write_all(&(layout.len() as u64).to_le_bytes())?;
        out.write_all(&layout)?;
        self.accumulator.write_to(&mut out)?;
        let checksum = out.hash.finalize();
        out.out.write_all(&checksum)?;
        Ok(())
    }
}

/// Passes bytes on to `out` and hashes them on the way.
struct Hashing<'a> {
    out: &'a mut dyn Write,
    hash: Sha256,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl StateFile<'_> {
    /// Decodes `state.bin` bytes into the layout and accumulator, after
    /// checking the format version and the checksum.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<(Layout, Accumulator)> {
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            bail!("not a corridor state file (bad header)");
        };
        // The version first, so that a file of another version is named as
        // such rather than as damaged.
        let Some(version) = rest.get(..4) else {
            bail!("truncated state file ({} bytes)", bytes.len());
        };
        let version = u32::from_le_bytes(version.try_into().expect("4 bytes"));
        if version != VERSION {
            bail!(
                "state file format version {version} is not supported (this build reads version \
                 {VERSION}); re-run that result with this build of corridor to merge it"
            );
        }
        if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
            bail!("truncated state file ({} bytes)", bytes.len());
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if Sha256::digest(body).as_slice() != checksum {
            bail!(
                "corrupt state file: its checksum does not match its content (the file is \
                 truncated or was damaged or changed after it was written); re-run that result"
            );
        }
        let len = u64::from_le_bytes(body[12..HEADER_LEN].try_into().expect("8 bytes"));
        let rest = &body[HEADER_LEN..];
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= rest.len())
            .context("corrupt state file: the layout is longer than the file")?;
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

    #[test]
    fn every_flipped_bit_and_every_truncation_is_refused() {
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
        // One bit of every byte (a different bit each time), so the sums,
        // bins, layout, header and checksum are all hit.
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << (i % 8);
            let err = StateFile::parse(&bad).map(|_| ()).unwrap_err();
            let err = format!("{err:#}");
            assert!(
                i < MAGIC.len() + 4 || err.contains("checksum does not match"),
                "byte {i}: {err}"
            );
        }
        for len in 0..bytes.len() {
            assert!(
                StateFile::parse(&bytes[..len]).is_err(),
                "truncated to {len} bytes"
            );
        }
    }
}
