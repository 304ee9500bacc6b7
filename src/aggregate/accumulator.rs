//! The streaming per-cell accumulator: exact, order-independent and
//! mergeable, with memory that does not grow with the number of trials.
//!
//! A *cell* is one (series, period) slot of a trial record. For every cell the
//! accumulator keeps:
//!
//! * the exact minimum and maximum;
//! * the fixed-point sums `S1 = Σq` and `S2 = Σq²` (`fixed`);
//! * a log-bin histogram of the non-zero values (`histogram`), exact zeros
//!   counted apart;
//! * the number of values that could not be used (non-finite or
//!   `|x| >= 2^62`).
//!
//! Every piece is an integer sum or a min/max, so the state after a set of
//! trials is the same whatever the order they arrive in, however they are
//! split between workers or shards, and `state_format` writes it in one
//! canonical form. The statistics (`stats`) are pure functions of that
//! state. Exactness holds for up to [`MAX_TRIALS`] (`u32::MAX`) trials:
//! [`Accumulator::merge`] refuses to go past that.
//!
//! # How trials are added
//!
//! Trials arrive in batches ([`Accumulator::add_trials`], a worker's chunk of
//! 64 records laid end to end), and one sweep over the cells takes each
//! cell's values from all records of the batch while that cell's state is
//! in cache: the state is read and written once per batch, not once per
//! trial, and the records are read as a few forward streams. Within the
//! sweep a value equal to the cell's previous value (zeros, constants,
//! capacity-bound flows) costs one comparison: each cell keeps the current
//! *run* of identical values, and its sums, extremes and histogram are
//! updated only when the run ends.
//!
//! Per cell: 16 bytes of run state, 48 of sums and extremes, 64 of other
//! state, plus 2 bytes per histogram bin in the cell's window (about 128
//! bins per binary octave spanned). A constant or zero cell uses at most 16
//! bins; nothing grows with the trial count.

use super::fixed::{self, normalised_bits, Sums, ABS_MASK};
use super::histogram::{self, Histograms};
use super::stats::CellStats;
use super::wide::U256;

/// The largest number of trials one accumulator can hold exactly.
pub const MAX_TRIALS: u64 = u32::MAX as u64;

/// Bit pattern of -0.0, which never starts a run (signed zeros are
/// normalised to +0.0), so it marks "no run yet".
const NO_VALUE: u64 = 1 << 63;

/// Why an accumulator could not be merged or decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AggregateError {
    /// The two accumulators describe different record layouts.
    #[error("accumulators have different sizes ({0} and {1} cells)")]
    CellCountMismatch(usize, usize),
    /// Parts of one set of cells hold different numbers of trials.
    #[error("cannot join statistics of {0} and {1} trials")]
    TrialCountMismatch(u64, u64),
    /// Merging would exceed [`MAX_TRIALS`].
    #[error("{0} trials exceed the {MAX_TRIALS} one accumulator can hold exactly")]
    TooManyTrials(u64),
    /// The bytes do not start with the accumulator header.
    #[error("not a corridor accumulator state (bad header)")]
    BadHeader,
    /// The bytes were written by an incompatible version.
    #[error("accumulator state format version {found} is not supported (this build reads version {expected})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The bytes decode but are inconsistent.
    #[error("corrupt accumulator state: {0}")]
    Corrupt(String),
}

/// The run of identical values a cell is in: touched for every value, so it
/// is kept small (16 bytes; 40k cells fit in a 1 MiB L2 cache).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct Run {
    /// Bits of the run's value (zeros normalised to +0.0), or `NO_VALUE`.
    bits: u64,
    /// Length of the run (0 with `NO_VALUE`).
    len: u32,
    /// Whether a run ended in the cell's last batch: only then are its
    /// bins worth prefetching for the next one (a hint, never state).
    moved: bool,
}

impl Run {
    const EMPTY: Run = Run {
        bits: NO_VALUE,
        len: 0,
        moved: true,
    };
}

/// What `len` copies of one value add to a cell.
enum Contribution {
    Zero,
    Invalid,
    Value {
        x: f64,
        sum: i128,
        sq: U256,
        key: u32,
    },
}

/// The contribution of `len` copies of the value with (normalised) bits
/// `bits`.
fn contribution(bits: u64, len: u32) -> Contribution {
    if bits & ABS_MASK == 0 {
        return Contribution::Zero;
    }
    if !fixed::is_valid(bits) {
        return Contribution::Invalid;
    }
    let (sum, sq) = fixed::sums_of(bits, len);
    Contribution::Value {
        x: f64::from_bits(bits),
        sum,
        sq,
        key: histogram::key(bits),
    }
}

/// One cell's complete state with nothing pending: what is serialised and
/// what the statistics are computed from.
#[derive(Clone, Debug)]
pub(super) struct Settled {
    /// `S1`.
    pub sum: i128,
    /// `S2`.
    pub sq: U256,
    /// Smallest value (zeros included); `+inf` when there is none.
    pub min: f64,
    /// Largest value (zeros included); `-inf` when there is none.
    pub max: f64,
    /// Exact zeros.
    pub zeros: u64,
    /// Values left out (non-finite or too large).
    pub invalid: u64,
    /// Non-empty histogram bins `(key, count)` in ascending key order:
    /// positive values by magnitude, then negative ones by magnitude.
    pub bins: Vec<(u32, u64)>,
}

impl Settled {
    fn add(&mut self, c: Contribution, len: u32) {
        match c {
            Contribution::Zero => {
                self.zeros += len as u64;
                self.min = self.min.min(0.0);
                self.max = self.max.max(0.0);
            }
            Contribution::Invalid => self.invalid += len as u64,
            Contribution::Value { x, sum, sq, key } => {
                self.sum += sum;
                self.sq = self.sq.add(sq);
                self.min = self.min.min(x);
                self.max = self.max.max(x);
                self.add_bin(key, len as u64);
            }
        }
    }

    fn add_bin(&mut self, key: u32, count: u64) {
        match self.bins.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(pos) => self.bins[pos].1 += count,
            Err(pos) => self.bins.insert(pos, (key, count)),
        }
    }
}

/// Exact, order-independent, mergeable statistics for a fixed number of
/// cells. See the module documentation for the guarantees.
#[derive(Clone, Debug)]
pub struct Accumulator {
    trials: u64,
    runs: Vec<Run>,
    sums: Vec<Sums>,
    /// High 128 bits of `S2` per cell.
    sq_hi: Vec<u128>,
    /// Per cell: exact zeros whose runs have ended.
    zeros: Vec<u64>,
    /// Per cell: values left out (non-finite or too large).
    invalid: Vec<u64>,
    bins: Histograms,
}

impl Accumulator {
    /// An empty accumulator for records of `n_cells` values.
    pub fn new(n_cells: usize) -> Self {
        Accumulator {
            trials: 0,
            runs: vec![Run::EMPTY; n_cells],
            sums: vec![Sums::EMPTY; n_cells],
            sq_hi: vec![0; n_cells],
            zeros: vec![0; n_cells],
            invalid: vec![0; n_cells],
            bins: Histograms::new(n_cells),
        }
    }

    /// An empty accumulator holding `trials` trials, to add settled cells
    /// to (when decoding).
    pub(super) fn with_trials(n_cells: usize, trials: u64) -> Self {
        let mut acc = Accumulator::new(n_cells);
        acc.trials = trials;
        acc
    }

    /// Number of cells per record.
    pub fn n_cells(&self) -> usize {
        self.runs.len()
    }

    /// Number of trials added or merged in.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Total number of values left out because they were non-finite or
    /// `|x| >= 2^62`, over all cells.
    pub fn invalid_total(&self) -> u64 {
        (0..self.n_cells())
            .map(|i| self.trials - self.cell(i).n)
            .sum()
    }

    /// Adds one trial's record: `rec[i]` is the value of cell `i`.
    ///
    /// # Panics
    ///
    /// If `rec.len() != self.n_cells()` (a caller bug, not a data problem).
    pub fn add_trial(&mut self, rec: &[f64]) {
        assert_eq!(
            rec.len(),
            self.runs.len(),
            "record length does not match the accumulator"
        );
        self.add_trials(rec);
    }

    /// Adds a batch of trial records laid end to end: value `i` of record `k`
    /// is `records[k * n_cells + i]`. The result is the same as adding them
    /// one by one (in any order), but each cell's state is visited once.
    ///
    /// # Panics
    ///
    /// If `records.len()` is not a multiple of `self.n_cells()`, or the batch
    /// would take the accumulator past [`MAX_TRIALS`] (caller bugs).
    pub fn add_trials(&mut self, records: &[f64]) {
        let n = self.runs.len();
        if n == 0 {
            assert!(records.is_empty(), "records for an accumulator of no cells");
            return;
        }
        self.add_trials_of(records, n, 0);
    }

    /// Adds a batch of records of `stride` values laid end to end, of which
    /// this accumulator holds cells `first..first + self.n_cells()`: its cell
    /// `i` of record `k` is `records[k * stride + first + i]`. Accumulators of
    /// consecutive cell ranges (see [`Accumulator::concat`]) let threads share
    /// the statistics of a run instead of each keeping a copy.
    ///
    /// # Panics
    ///
    /// If `records.len()` is not a multiple of `stride`, the cells do not
    /// fit in a record, or the batch would take the accumulator past
    /// [`MAX_TRIALS`] (caller bugs).
    pub fn add_trials_of(&mut self, records: &[f64], stride: usize, first: usize) {
        let n = self.runs.len();
        assert!(
            stride > 0 && records.len() % stride == 0 && first + n <= stride,
            "record length does not match the accumulator"
        );
        let k = records.len() / stride;
        assert!(
            self.trials + k as u64 <= MAX_TRIALS,
            "more than {MAX_TRIALS} trials in one accumulator"
        );
        self.trials += k as u64;
        if n == 0 || k == 0 {
            return;
        }
        // Cell i of record t is records[t * stride + i] from here on.
        let records = &records[first..];
        // Histogram windows are large and the bins a cell's values hit are
        // scattered: ask for them a few cells ahead so that the misses overlap.
        const AHEAD: usize = 4;
        // The k records are k forward streams far apart; fetch each a few
        // cache lines ahead (once per line of 8 values).
        const LINES_AHEAD: usize = 8 * 4;
        for i in 0..n {
            if i % 8 == 0 && i + LINES_AHEAD < n {
                for t in 0..k {
                    crate::mem::prefetch(&records[t * stride + i + LINES_AHEAD]);
                }
            }
            if i + AHEAD < n && self.runs[i + AHEAD].moved {
                self.prefetch_bins(i + AHEAD, records, stride, k);
            }
            let mut run = self.runs[i];
            run.moved = false;
            for t in 0..k {
                let bits = normalised_bits(records[t * stride + i]);
                if bits == run.bits {
                    run.len += 1;
                    continue;
                }
                if run.len != 0 {
                    end_run(
                        &mut self.sums[i],
                        &mut self.sq_hi[i],
                        &mut self.zeros[i],
                        &mut self.invalid[i],
                        &mut self.bins,
                        i,
                        run.bits,
                        run.len,
                    );
                }
                run = Run {
                    bits,
                    len: 1,
                    moved: true,
                };
            }
            self.runs[i] = run;
        }
    }

    /// Asks the processor to start loading the histogram bins that the
    /// values of cell `cell` in a batch of `k` records will update (a hint
    /// with no effect on results).
    #[inline]
    fn prefetch_bins(&self, cell: usize, records: &[f64], stride: usize, k: usize) {
        let mut prev = NO_VALUE;
        for t in 0..k {
            let bits = normalised_bits(records[t * stride + cell]);
            if bits == prev || bits == 0 {
                continue;
            }
            prev = bits;
            self.bins.prefetch(cell, histogram::key(bits));
        }
    }

    /// Joins accumulators of consecutive cell ranges, each fed the same
    /// trials (see [`Accumulator::add_trials_of`]), into one accumulator of
    /// all their cells, in order. Each part is freed as soon as it is
    /// appended, so joining needs little more memory than the parts.
    pub fn concat(parts: Vec<Accumulator>) -> Result<Accumulator, AggregateError> {
        // Each part's store is compacted first: up to a quarter of a store
        // can be holes, and the joined state lives on while the summary is
        // built (the peak of a run's memory).
        let mut parts = parts.into_iter().map(|mut p| {
            p.bins.compact();
            p
        });
        let Some(mut acc) = parts.next() else {
            return Ok(Accumulator::new(0));
        };
        for p in parts {
            if p.trials != acc.trials {
                return Err(AggregateError::TrialCountMismatch(acc.trials, p.trials));
            }
            acc.runs.extend_from_slice(&p.runs);
            acc.sums.extend_from_slice(&p.sums);
            acc.sq_hi.extend_from_slice(&p.sq_hi);
            acc.zeros.extend_from_slice(&p.zeros);
            acc.invalid.extend_from_slice(&p.invalid);
            acc.bins.append(&p.bins);
        }
        Ok(acc)
    }

    /// The complete state of cell `i`, pending runs included.
    pub(super) fn settled(&self, i: usize) -> Settled {
        let s = &self.sums[i];
        let mut out = Settled {
            sum: s.sum,
            sq: U256 {
                hi: self.sq_hi[i],
                lo: s.sq_lo,
            },
            min: s.min,
            max: s.max,
            zeros: self.zeros[i],
            invalid: self.invalid[i],
            bins: Vec::new(),
        };
        for sign in 0..2 {
            self.bins
                .for_each(i, sign, |key, count| out.bins.push((key, count as u64)));
        }
        let run = &self.runs[i];
        if run.len != 0 {
            out.add(contribution(run.bits, run.len), run.len);
        }
        if out.zeros > 0 {
            out.min = out.min.min(0.0);
            out.max = out.max.max(0.0);
        }
        out
    }

    /// Adds everything `other` holds, exactly as if its trials had been added
    /// here.
    pub fn merge(&mut self, other: &Accumulator) -> Result<(), AggregateError> {
        if self.n_cells() != other.n_cells() {
            return Err(AggregateError::CellCountMismatch(
                self.n_cells(),
                other.n_cells(),
            ));
        }
        let trials = self.trials + other.trials;
        if trials > MAX_TRIALS {
            return Err(AggregateError::TooManyTrials(trials));
        }
        self.trials = trials;
        for i in 0..self.n_cells() {
            self.add_settled(i, &other.settled(i));
        }
        Ok(())
    }

    /// Adds a settled cell state to cell `i`.
    pub(super) fn add_settled(&mut self, i: usize, o: &Settled) {
        let s = &mut self.sums[i];
        s.sum += o.sum;
        let sq = U256 {
            hi: self.sq_hi[i],
            lo: s.sq_lo,
        }
        .add(o.sq);
        s.sq_lo = sq.lo;
        self.sq_hi[i] = sq.hi;
        s.min = s.min.min(o.min);
        s.max = s.max.max(o.max);
        self.zeros[i] += o.zeros;
        self.invalid[i] += o.invalid;
        for &(key, count) in &o.bins {
            // A bin never holds more than MAX_TRIALS values.
            self.bins.bump(i, key, count as u32);
        }
    }

    /// The statistics of cell `i`.
    pub fn cell(&self, i: usize) -> CellStats {
        CellStats::of(self.trials, &self.settled(i))
    }
}

/// Ends a run of `len` copies of the value with bits `bits` in cell `cell`.
#[allow(clippy::too_many_arguments)]
#[inline]
fn end_run(
    s: &mut Sums,
    sq_hi: &mut u128,
    zeros: &mut u64,
    invalid: &mut u64,
    bins: &mut Histograms,
    cell: usize,
    bits: u64,
    len: u32,
) {
    if bits & ABS_MASK == 0 {
        // Zeros enter the extremes when the cell is settled, so a cell
        // that goes idle does not have to fetch its sums here.
        *zeros += len as u64;
        return;
    }
    if len == 1 && fixed::is_small(bits) {
        // The common case of a value that changes every trial.
        s.add_small(f64::from_bits(bits), sq_hi);
        bins.bump(cell, histogram::key(bits), 1);
        return;
    }
    match contribution(bits, len) {
        Contribution::Zero => unreachable!("zeros are handled above"),
        Contribution::Invalid => *invalid += len as u64,
        Contribution::Value { x, sum, sq, key } => {
            s.add(x, sum, sq, sq_hi);
            bins.bump(cell, key, len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture::{accumulate, mixed_records, Rng};

    #[test]
    fn any_split_merges_to_the_whole() {
        let recs = mixed_records(2000, 1);
        let whole = accumulate(&recs).to_bytes();
        for cuts in [vec![1], vec![700, 701, 1500], vec![10, 999, 1000, 1999]] {
            let mut parts = Vec::new();
            let mut start = 0;
            for &c in cuts.iter().chain(std::iter::once(&recs.len())) {
                parts.push(accumulate(&recs[start..c]));
                start = c;
            }
            // Merge in reverse to mix the order too.
            let mut merged = Accumulator::new(recs[0].len());
            for p in parts.iter().rev() {
                merged.merge(p).unwrap();
            }
            assert_eq!(merged.to_bytes(), whole, "cuts {cuts:?}");
            // Decoding and merging decoded parts gives the same bytes.
            let mut merged2 = Accumulator::from_bytes(&parts[0].to_bytes()).unwrap();
            for p in &parts[1..] {
                merged2
                    .merge(&Accumulator::from_bytes(&p.to_bytes()).unwrap())
                    .unwrap();
            }
            assert_eq!(merged2.to_bytes(), whole);
        }
    }

    #[test]
    fn merge_refuses_other_sizes() {
        let acc = accumulate(&mixed_records(10, 5));
        let mut other = Accumulator::new(3);
        assert_eq!(
            other.merge(&acc).unwrap_err(),
            AggregateError::CellCountMismatch(3, 8)
        );
    }

    #[test]
    fn cell_ranges_fed_in_chunks_join_to_the_whole() {
        let recs = mixed_records(3000, 7);
        let whole = accumulate(&recs).to_bytes();
        let n = recs[0].len();
        let flat: Vec<f64> = recs.concat();
        for bounds in [
            vec![0, n],
            vec![0, 1, n],
            vec![0, 3, 4, 7, n],
            vec![0, 0, 5, n],
        ] {
            let mut parts: Vec<Accumulator> = bounds
                .windows(2)
                .map(|b| Accumulator::new(b[1] - b[0]))
                .collect();
            // Chunks of 16 records, each part fed in its own order of chunks.
            let chunks: Vec<&[f64]> = flat.chunks(16 * n).collect();
            for (p, acc) in parts.iter_mut().enumerate() {
                let mut order: Vec<usize> = (0..chunks.len()).collect();
                order.rotate_left(p * 37 % chunks.len());
                for c in order {
                    acc.add_trials_of(chunks[c], n, bounds[p]);
                }
            }
            let joined = Accumulator::concat(parts).unwrap();
            assert_eq!(joined.to_bytes(), whole, "bounds {bounds:?}");
            for i in 0..n {
                assert_eq!(joined.cell(i), accumulate(&recs).cell(i));
            }
        }
        let mut a = Accumulator::new(2);
        a.add_trials_of(&flat[..n], n, 0);
        let b = Accumulator::new(3);
        assert!(matches!(
            Accumulator::concat(vec![a, b]),
            Err(AggregateError::TrialCountMismatch(1, 0))
        ));
    }

    #[test]
    fn batches_of_any_size_equal_single_trials() {
        let recs = mixed_records(2000, 5);
        let one_by_one = accumulate(&recs).to_bytes();
        let mut rng = Rng(17);
        let mut acc = Accumulator::new(recs[0].len());
        let mut at = 0;
        while at < recs.len() {
            let k = (1 + rng.next_u64() % 40) as usize;
            let batch: Vec<f64> = recs[at..(at + k).min(recs.len())].concat();
            acc.add_trials(&batch);
            at += k;
        }
        assert_eq!(acc.trials(), 2000);
        assert_eq!(acc.to_bytes(), one_by_one);
        acc.add_trials(&[]);
        assert_eq!(acc.to_bytes(), one_by_one, "an empty batch adds nothing");
    }

    #[test]
    fn shuffled_order_gives_identical_bytes() {
        let mut recs = mixed_records(3000, 2);
        let a = accumulate(&recs).to_bytes();
        let mut rng = Rng(99);
        for i in (1..recs.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            recs.swap(i, j);
        }
        let b = accumulate(&recs);
        assert_eq!(b.to_bytes(), a);
        for i in 0..b.n_cells() {
            let (x, y) = (b.cell(i), Accumulator::from_bytes(&a).unwrap().cell(i));
            assert_eq!(format!("{x:?}"), format!("{y:?}"));
        }
    }
}
