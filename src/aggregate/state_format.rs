//! The `state.bin` format: the exact statistics of a run with their layout,
//! so that result folders of shards merge into the single-run result.
//!
//! The format lives here, beside the accumulator, because it is the
//! accumulator's state written out: it needs each cell's settled state,
//! which nothing outside `aggregate` sees. `output::StateFile` only names
//! the file and reads it from a result folder.
//!
//! # Format (version 3)
//!
//! All integers little-endian; postcard is the `postcard` crate's wire
//! format (varint lengths and integers).
//!
//! | bytes | content |
//! |---|---|
//! | 8 | the magic `CORRSTAT` |
//! | 4 | `u32` format version, 3 |
//! | 8 | `u64` length `L` of the layout |
//! | `L` | the postcard-encoded [`Layout`] |
//! | 8 | the accumulator's magic `CORRACC\0` |
//! | 4 | `u32` accumulator format version, 1 |
//! | rest but 32 | the postcard-encoded `Wire`: the trial count, then every cell's settled state, cells in record (period-major) order |
//! | 32 | SHA-256 of everything before it |
//!
//! A cell is `S1` (`i128`), `S2` (256 bits), min, max, the counts of zeros
//! and invalid values, and its non-empty histogram bins as
//! `[key delta, count, ...]` in ascending key order. Equal states give equal
//! bytes, whatever order the trials were added or merged in.
//!
//! A file whose checksum does not match (a flipped bit, a truncated copy) is
//! refused before anything is decoded; a file of another version is named
//! as such. Version history: 2 made cells period-major (version 1 was
//! series-major); 3 added the checksum.

use std::io::Write;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::accumulator::Settled;
use super::histogram::KEY_LIMIT;
use super::wide::U256;
use super::{Accumulator, AggregateError, Layout, MAX_TRIALS};

const MAGIC: &[u8; 8] = b"CORRSTAT";
const VERSION: u32 = 3;
/// Bytes of the checksum at the end of the file.
const CHECKSUM_LEN: usize = 32;
/// Magic, version and layout length.
const HEADER_LEN: usize = MAGIC.len() + 4 + 8;

/// The accumulator section's own header, which [`Accumulator::to_bytes`]
/// writes too.
const ACC_MAGIC: &[u8; 8] = b"CORRACC\0";
const ACC_VERSION: u32 = 1;

/// Writes `state.bin` for `layout` and `acc` to `out`, streamed: the
/// accumulator is encoded a cell at a time, never held twice.
pub fn write(layout: &Layout, acc: &Accumulator, out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::ensure!(
        layout.n_cells() == acc.n_cells(),
        "the layout has {} cells but the accumulator {}",
        layout.n_cells(),
        acc.n_cells()
    );
    let layout = postcard::to_stdvec(layout).context("cannot encode the layout")?;
    let mut out = Hashing {
        out,
        hash: Sha256::new(),
    };
    out.write_all(MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    out.write_all(&(layout.len() as u64).to_le_bytes())?;
    out.write_all(&layout)?;
    acc.write_to(&mut out)?;
    let checksum = out.hash.finalize();
    out.out.write_all(&checksum)?;
    Ok(())
}

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

/// The accumulator section after its header.
#[derive(Serialize, Deserialize)]
struct Wire {
    trials: u64,
    cells: Vec<CellWire>,
}

/// One cell of [`Wire`]: its settled state.
#[derive(Serialize, Deserialize)]
struct CellWire {
    sum: i128,
    sq: U256,
    min: f64,
    max: f64,
    zeros: u64,
    invalid: u64,
    /// Non-empty bins in ascending key order, flattened as
    /// `[key delta, count, key delta, count, ...]`.
    bins: Vec<u32>,
}

impl CellWire {
    fn new(s: Settled) -> CellWire {
        let mut bins = Vec::with_capacity(2 * s.bins.len());
        let mut prev = 0;
        for (key, count) in s.bins {
            bins.push(key - prev);
            bins.push(count as u32);
            prev = key;
        }
        CellWire {
            sum: s.sum,
            sq: s.sq,
            min: s.min,
            max: s.max,
            zeros: s.zeros,
            invalid: s.invalid,
            bins,
        }
    }

    /// The settled state of cell `i` of a state of `trials` trials, after
    /// checking that it is consistent.
    fn settled(self, i: usize, trials: u64) -> Result<Settled, AggregateError> {
        let corrupt = |what: &str| AggregateError::Corrupt(format!("cell {i}: {what}"));
        let c = self;
        if c.bins.len() % 2 != 0 {
            return Err(corrupt("odd bin list"));
        }
        let mut settled = Settled {
            sum: c.sum,
            sq: c.sq,
            min: c.min,
            max: c.max,
            zeros: c.zeros,
            invalid: c.invalid,
            bins: Vec::with_capacity(c.bins.len() / 2),
        };
        let mut total = c
            .zeros
            .checked_add(c.invalid)
            .ok_or_else(|| corrupt("count overflow"))?;
        let mut key: u32 = 0;
        for (j, pair) in c.bins.chunks_exact(2).enumerate() {
            if j > 0 && pair[0] == 0 || pair[1] == 0 {
                return Err(corrupt("bins out of order or empty"));
            }
            key = key
                .checked_add(pair[0])
                .filter(|&k| k < KEY_LIMIT)
                .ok_or_else(|| corrupt("bin key out of range"))?;
            total += pair[1] as u64;
            settled.bins.push((key, pair[1] as u64));
        }
        if total != trials {
            return Err(corrupt("counts do not add up to the trial count"));
        }
        let n = trials - c.invalid;
        let extremes_ok = if n == 0 {
            c.min == f64::INFINITY && c.max == f64::NEG_INFINITY
        } else {
            c.min <= c.max && c.min.is_finite() && c.max.is_finite()
        };
        if !extremes_ok {
            return Err(corrupt("min and max inconsistent"));
        }
        Ok(settled)
    }
}

impl Accumulator {
    /// The state in its canonical binary form (the accumulator section of
    /// `state.bin`): a header (magic and format version) and a postcard
    /// body. Equal states give equal bytes, whatever order the trials were
    /// added or merged in.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out)
            .expect("postcard serialisation into a Vec");
        out
    }

    /// Writes [`Accumulator::to_bytes`]'s bytes to `out` without holding them.
    pub fn write_to(&self, mut out: &mut dyn Write) -> std::io::Result<()> {
        let encode = |e: postcard::Error| std::io::Error::other(e);
        out.write_all(ACC_MAGIC)?;
        out.write_all(&ACC_VERSION.to_le_bytes())?;
        // The bytes of one `Wire`, written cell by cell so that the state is
        // never held twice: postcard writes a struct as its fields in order
        // and a sequence as its length (a varint, like a usize) then its items.
        out = postcard::to_io(&self.trials(), out).map_err(encode)?;
        out = postcard::to_io(&self.n_cells(), out).map_err(encode)?;
        // Each cell is encoded into one reused buffer and written at once:
        // postcard's writer would otherwise call `out` once per byte.
        let mut buf = Vec::new();
        for i in 0..self.n_cells() {
            buf.clear();
            buf = postcard::to_extend(&CellWire::new(self.settled(i)), buf).map_err(encode)?;
            out.write_all(&buf)?;
        }
        Ok(())
    }

    /// Reads a state written by [`Accumulator::to_bytes`], checking its
    /// header and internal consistency.
    pub fn from_bytes(bytes: &[u8]) -> Result<Accumulator, AggregateError> {
        let body = bytes
            .strip_prefix(ACC_MAGIC.as_slice())
            .ok_or(AggregateError::BadHeader)?;
        if body.len() < 4 {
            return Err(AggregateError::BadHeader);
        }
        let found = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
        if found != ACC_VERSION {
            return Err(AggregateError::UnsupportedVersion {
                found,
                expected: ACC_VERSION,
            });
        }
        let (wire, rest): (Wire, _) = postcard::take_from_bytes(&body[4..])
            .map_err(|e| AggregateError::Corrupt(e.to_string()))?;
        if !rest.is_empty() {
            return Err(AggregateError::Corrupt(format!(
                "{} trailing bytes",
                rest.len()
            )));
        }
        if wire.trials > MAX_TRIALS {
            return Err(AggregateError::TooManyTrials(wire.trials));
        }
        let mut acc = Accumulator::with_trials(wire.cells.len(), wire.trials);
        for (i, c) in wire.cells.into_iter().enumerate() {
            acc.add_settled(i, &c.settled(i, wire.trials)?);
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture::{self, accumulate, mixed_records};

    /// `state.bin` of the fixture layout after 20 trials.
    fn state_bytes() -> (Layout, Accumulator, Vec<u8>) {
        let (layout, acc) = fixture::accumulated(20);
        let mut bytes = Vec::new();
        write(&layout, &acc, &mut bytes).unwrap();
        (layout, acc, bytes)
    }

    #[test]
    fn round_trip_and_rejects_garbage() {
        let (layout, acc, bytes) = state_bytes();
        let (l2, a2) = parse(&bytes).unwrap();
        assert_eq!(l2, layout);
        assert_eq!(a2.to_bytes(), acc.to_bytes());
        assert!(parse(b"CORRSTAT").is_err());
        assert!(parse(&bytes[..bytes.len() / 2]).is_err());
        let mut wrong = bytes.clone();
        wrong[8] = 9;
        assert!(format!("{:#}", parse(&wrong).unwrap_err()).contains("version 9"));
        assert!(write(&layout, &Accumulator::new(3), &mut Vec::new()).is_err());
    }

    #[test]
    fn every_flipped_bit_and_every_truncation_is_refused() {
        let (_, _, bytes) = state_bytes();
        // One bit of every byte (a different bit each time), so the sums,
        // bins, layout, header and checksum are all hit.
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << (i % 8);
            let err = parse(&bad).map(|_| ()).unwrap_err();
            let err = format!("{err:#}");
            assert!(
                i < MAGIC.len() + 4 || err.contains("checksum does not match"),
                "byte {i}: {err}"
            );
        }
        for len in 0..bytes.len() {
            assert!(parse(&bytes[..len]).is_err(), "truncated to {len} bytes");
        }
    }

    #[test]
    fn streamed_bytes_are_one_postcard_wire() {
        let acc = accumulate(&mixed_records(500, 3));
        let wire = Wire {
            trials: acc.trials(),
            cells: (0..acc.n_cells())
                .map(|i| CellWire::new(acc.settled(i)))
                .collect(),
        };
        let mut expected = ACC_MAGIC.to_vec();
        expected.extend_from_slice(&ACC_VERSION.to_le_bytes());
        expected.extend(postcard::to_stdvec(&wire).unwrap());
        assert_eq!(acc.to_bytes(), expected);
    }

    #[test]
    fn bad_accumulator_bytes_are_rejected() {
        let acc = accumulate(&mixed_records(10, 5));
        let bytes = acc.to_bytes();
        assert_eq!(
            Accumulator::from_bytes(b"nonsense").unwrap_err(),
            AggregateError::BadHeader
        );
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(matches!(
            Accumulator::from_bytes(&v2),
            Err(AggregateError::UnsupportedVersion { found: 2, .. })
        ));
        assert!(matches!(
            Accumulator::from_bytes(&bytes[..bytes.len() - 3]),
            Err(AggregateError::Corrupt(_))
        ));
    }
}
