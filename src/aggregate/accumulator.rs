//! The streaming per-cell accumulator: exact, order-independent and
//! mergeable, with memory that does not grow with the number of trials.
//!
//! A *cell* is one (series, period) slot of a trial record. For every cell the
//! accumulator keeps:
//!
//! * the exact minimum and maximum;
//! * `S1 = Σq` and `S2 = Σq²` where `q = trunc(x · 2^32)` is the value in
//!   signed fixed point with 32 fractional bits (`i128` and 256-bit integers,
//!   so adding is exact and associative);
//! * a histogram with one bin per (sign, binary exponent, top 7 mantissa
//!   bits) of the value, exact zeros counted apart;
//! * the number of values that could not be used (non-finite or
//!   `|x| >= 2^62`).
//!
//! Every piece is an integer sum or a min/max, so the state after a set of
//! trials is the same whatever the order they arrive in, however they are
//! split between workers or shards, and [`Accumulator::to_bytes`] writes it in
//! one canonical form. The statistics are pure functions of that state.
//!
//! # Accuracy
//!
//! * `n`, `min`, `max`, `p_any` are exact.
//! * `mean` is the exact mean of the fixed-point values, rounded once: values
//!   with `|x| >= 2^21` are represented exactly, smaller ones are truncated
//!   towards zero to a multiple of `2^-32` (≈ 2.3e-10), so
//!   `|mean - true mean| < 2^-32 + 2 ulp`. It is clamped into `[min, max]`,
//!   so a constant series gets its exact value.
//! * `std` (sample, `n - 1`) is computed as `sqrt((n·S2 - S1²) / (n(n-1)))`
//!   with the numerator exact in integers, so there is no cancellation: its
//!   only errors are the fixed-point truncation above (< 2^-32 absolute) and
//!   a few ulp.
//! * `p05`, `p50`, `p95` use the inverse-CDF definition: the `k`-th smallest
//!   value with `k = ceil(p·n)`. The estimate is the midpoint of the
//!   histogram bin holding that order statistic, clamped into `[min, max]`,
//!   so `|estimate - x_(k)| <= 2^-8 · |x_(k)|` (≈ 0.39%) for normal
//!   (non-subnormal) values; zeros, and anything in the bin of the minimum or
//!   maximum that clamps to it, come out exact.
//! * `cvar95` is the mean of the `n - k95 + 1` largest values
//!   (`k95 = ceil(0.95·n)`), each replaced by its bin estimate, so it is within
//!   0.39% of the exact tail mean when the tail has one sign.
//!
//! Exactness holds for up to [`MAX_TRIALS`] (`u32::MAX`) trials:
//! [`Accumulator::merge`] refuses to go past that.
//!
//! # Speed and memory
//!
//! Trials arrive in batches ([`Accumulator::add_trials`], a worker's chunk of
//! 32 records laid end to end), and one sweep over the cells takes each
//! cell's values from all records of the batch while that cell's state is
//! in cache: the state is read and written once per batch, not once per
//! trial, and the records are read as a few forward streams. Within the
//! sweep a value equal to the cell's previous value (zeros, constants,
//! capacity-bound flows) costs one comparison: each cell keeps the current
//! *run* of identical values, and its sums, extremes and histogram are
//! updated only when the run ends.
//!
//! Per cell: 16 bytes of run state, 48 of sums and extremes, 64 of other
//! state, plus 2 bytes per histogram bin in the cell's window (a
//! window covers the bins between the smallest and largest values of one
//! sign, with up to 25% slack; about 128 bins per binary octave spanned).
//! A constant or zero cell uses at most 16 bins; nothing grows with the
//! trial count.

use std::collections::BTreeMap;

use super::wide::U256;

/// Fractional bits of the fixed-point representation used for the sums.
pub const FRACTION_BITS: u32 = 32;
/// The largest number of trials one accumulator can hold exactly.
pub const MAX_TRIALS: u64 = u32::MAX as u64;

const SCALE: f64 = 4_294_967_296.0; // 2^FRACTION_BITS
const INV_SCALE: f64 = 1.0 / SCALE;
const INV_SCALE_SQ: f64 = INV_SCALE * INV_SCALE;
const ABS_MASK: u64 = !(1u64 << 63);
/// Bit pattern of 2^31: below it `x * 2^32` fits an `i64`.
const FAST_LIMIT_BITS: u64 = 0x41E0_0000_0000_0000;
/// Bit pattern of 2^62: values at or above it (and non-finite ones) are not
/// aggregated, which keeps `S1 < 2^126` and `S2 < 2^220` for `MAX_TRIALS`.
const VALID_LIMIT_BITS: u64 = 0x43D0_0000_0000_0000;
/// Bit pattern of -0.0, which never starts a run (signed zeros are
/// normalised to +0.0), so it marks "no run yet".
const NO_VALUE: u64 = 1 << 63;

/// Mantissa bits kept in a histogram key.
const MANT_KEPT: u32 = 7;
const KEY_SHIFT: u32 = 52 - MANT_KEPT;
/// Bits of a key's magnitude part (exponent and kept mantissa); the next bit
/// up is the sign.
const MAG_BITS: u32 = 11 + MANT_KEPT;
const MAG_MASK: u32 = (1 << MAG_BITS) - 1;
/// Every histogram key is below this.
pub(super) const KEY_LIMIT: u32 = 1 << (MAG_BITS + 1);
/// Largest dense window of one cell and sign, in bins (8 KiB of counts,
/// 32 binary octaves).
const WINDOW_CAP: u32 = 4096;
/// Smallest window, and the least a window grows by.
const WINDOW_MIN: u32 = 16;

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

/// Summary statistics of one cell (one series in one period) over the trials.
///
/// Statistics that are undefined are NaN: everything but `n` when `n == 0`,
/// `std` and `se` when `n < 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellStats {
    /// Number of trials with a usable (finite, `|x| < 2^62`) value.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (`n - 1` denominator).
    pub std: f64,
    /// Standard error of the mean, `std / sqrt(n)`.
    pub se: f64,
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Fraction of trials with a value `> 0`: for shortfall rows, the
    /// probability of any shortfall.
    pub p_any: f64,
    /// Mean of the values at or above the 95th percentile (expected shortfall
    /// of the upper tail, CVaR 95%).
    pub cvar95: f64,
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

/// Sums and extremes of the non-zero values whose runs have ended (zeros
/// are only counted; [`Accumulator::settled`] puts them into the extremes).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct Sums {
    /// `Σq`.
    sum: i128,
    /// Low 128 bits of `Σq²`; carries go to `Accumulator::sq_hi`.
    sq_lo: u128,
    min: f64,
    max: f64,
}

impl Sums {
    const EMPTY: Sums = Sums {
        sum: 0,
        sq_lo: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
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
/// `bits`. `x · 2^32` is exact in `f64`; for `|x| < 2^31` it is truncated
/// towards zero by `as i64`, above that it is an integer below 2^94, built
/// from the bits.
fn contribution(bits: u64, len: u32) -> Contribution {
    let abs = bits & ABS_MASK;
    if abs == 0 {
        return Contribution::Zero;
    }
    if abs >= VALID_LIMIT_BITS {
        return Contribution::Invalid;
    }
    let x = f64::from_bits(bits);
    let q: u128 = if abs < FAST_LIMIT_BITS {
        (x * SCALE).abs() as u64 as u128
    } else {
        let mantissa = (abs & ((1u64 << 52) - 1)) | (1u64 << 52);
        let shift = (abs >> 52) as i32 - 1075 + FRACTION_BITS as i32;
        (mantissa as u128) << shift
    };
    let sum = q as i128 * len as i128;
    Contribution::Value {
        x,
        sum: if bits >> 63 == 1 { -sum } else { sum },
        sq: U256::square(q).mul_u64(len as u64),
        key: (bits >> KEY_SHIFT) as u32,
    }
}

/// One cell's histogram for one sign: dense counts, at `Bins::store[off..]`,
/// for the bins whose magnitude key is in `lo..lo + len`.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    lo: u32,
    len: u32,
    off: usize,
}

/// All histograms of an accumulator.
///
/// Each cell has a dense window of counts per sign, all in one store; a
/// window that grows moves to the end of the store, and when a quarter of
/// the store is holes it is compacted in place. A window grows geometrically to cover
/// new bins, up to `WINDOW_CAP` bins; bins beyond that (far outliers, such as
/// a 1e-12 solver residue in a cell whose values are near 1e3) go to a small
/// sorted overflow map.
///
/// Window slots are 16 bits: wide cells are sparse (a 2,000-bin window of a
/// heavy-tailed shortfall holds a few hundred non-zero bins after 1,000
/// trials), so halving the slot halves most of the accumulator's memory and
/// the cache lines the sweep touches. A bin's count is its slot plus its
/// entry in the overflow map, which holds the multiples of 2^16 a slot has
/// carried (a rare, cold path) as well as the bins outside the window.
#[derive(Clone, Debug)]
struct Bins {
    /// `[2i]`: positive values of cell `i`; `[2i + 1]`: negative ones.
    windows: Vec<Window>,
    store: Vec<u16>,
    /// Slots of `store` that no window uses any more.
    dead: usize,
    /// `(cell, key) -> count` not held by a window slot: bins outside the
    /// window, and the carries of slots.
    overflow: BTreeMap<(u32, u32), u32>,
}

impl Bins {
    fn new(n_cells: usize) -> Self {
        Bins {
            windows: vec![Window::default(); 2 * n_cells],
            store: Vec::new(),
            dead: 0,
            overflow: BTreeMap::new(),
        }
    }

    /// Asks the processor to start loading the bins that the values of cell
    /// `cell` in a batch of `k` records of `n` cells will update (a hint with
    /// no effect on results).
    #[inline]
    fn prefetch(&self, cell: usize, records: &[f64], stride: usize, k: usize) {
        let mut prev = NO_VALUE;
        for t in 0..k {
            let bits = normalised_bits(records[t * stride + cell]);
            if bits == prev || bits == 0 {
                continue;
            }
            prev = bits;
            let key = (bits >> KEY_SHIFT) as u32;
            let w = self.windows[2 * cell + (key >> MAG_BITS) as usize];
            let at = (key & MAG_MASK).wrapping_sub(w.lo);
            if at < w.len {
                crate::mem::prefetch(&self.store[w.off + at as usize]);
            }
        }
    }

    /// Adds `count` values with (non-zero) histogram key `key` to cell `cell`.
    #[inline]
    fn bump(&mut self, cell: usize, key: u32, count: u32) {
        let w = self.windows[2 * cell + (key >> MAG_BITS) as usize];
        let at = (key & MAG_MASK).wrapping_sub(w.lo);
        if at < w.len {
            let slot = &mut self.store[w.off + at as usize];
            let v = *slot as u32 + count;
            *slot = v as u16;
            if v > u16::MAX as u32 {
                self.carry(cell, key, v & !0xFFFF);
            }
        } else {
            self.bump_outside(cell, key, count);
        }
    }

    /// Moves `excess` (a multiple of 2^16 a slot could not hold) to the
    /// overflow map.
    #[cold]
    #[inline(never)]
    fn carry(&mut self, cell: usize, key: u32, excess: u32) {
        *self.overflow.entry((cell as u32, key)).or_insert(0) += excess;
    }

    /// The rare case of [`Bins::bump`]: grow the window, or use the overflow.
    #[cold]
    #[inline(never)]
    fn bump_outside(&mut self, cell: usize, key: u32, count: u32) {
        let sign = (key >> MAG_BITS) as usize;
        let mag = key & MAG_MASK;
        let w = self.windows[2 * cell + sign];
        let (old_lo, old_hi) = if w.len == 0 {
            (mag, mag + 1)
        } else {
            (w.lo, w.lo + w.len)
        };
        let (need_lo, need_hi) = (old_lo.min(mag), old_hi.max(mag + 1));
        if need_hi - need_lo > WINDOW_CAP {
            *self.overflow.entry((cell as u32, key)).or_insert(0) += count;
            return;
        }
        // Grow by at least a quarter of the current size (at least WINDOW_MIN bins)
        // on the side the new bin is, so a window is rebuilt O(log) times.
        let slack = (w.len / 4).max(WINDOW_MIN);
        let (mut lo, mut hi) = (need_lo, need_hi);
        if w.len == 0 {
            lo = mag.saturating_sub(WINDOW_MIN / 2);
            hi = (lo + WINDOW_MIN).min(MAG_MASK + 1);
        } else if mag < old_lo {
            lo = need_lo
                .saturating_sub(slack)
                .max(need_hi.saturating_sub(WINDOW_CAP));
        } else {
            hi = (need_hi + slack)
                .min(need_lo + WINDOW_CAP)
                .min(MAG_MASK + 1);
        }
        let off = self.store.len();
        self.store.resize(off + (hi - lo) as usize, 0);
        if w.len != 0 {
            let at = off + (old_lo - lo) as usize;
            self.store.copy_within(w.off..w.off + w.len as usize, at);
            self.dead += w.len as usize;
        }
        // Move what fits of the overflow bins the wider window now covers
        // into its slots (those of the old window hold less than 2^16).
        let base = (sign as u32) << MAG_BITS;
        let (new_lo, new_hi) = (base | lo, base | hi);
        let (old_lo, old_hi) = if w.len == 0 {
            (new_hi, new_hi)
        } else {
            (base | w.lo, base | (w.lo + w.len))
        };
        let covered: Vec<_> = self
            .overflow
            .range((cell as u32, new_lo)..(cell as u32, new_hi))
            .filter(|(&(_, k), _)| k < old_lo || k >= old_hi)
            .map(|(&k, &c)| (k, c))
            .collect();
        for ((_, k), c) in covered {
            self.store[off + ((k & MAG_MASK) - lo) as usize] = (c & 0xFFFF) as u16;
            if c > u16::MAX as u32 {
                self.overflow.insert((cell as u32, k), c & !0xFFFF);
            } else {
                self.overflow.remove(&(cell as u32, k));
            }
        }
        self.windows[2 * cell + sign] = Window {
            lo,
            len: hi - lo,
            off,
        };
        self.bump(cell, key, count);
        if self.dead > self.store.len() / 4 {
            self.compact();
        }
    }

    /// Closes the holes in the store in place: each window slides down to
    /// the end of the one before it (in store order), so compacting needs no
    /// second store and the peak memory is the store's own size.
    fn compact(&mut self) {
        let mut order: Vec<u32> = (0..self.windows.len() as u32)
            .filter(|&i| self.windows[i as usize].len != 0)
            .collect();
        order.sort_unstable_by_key(|&i| self.windows[i as usize].off);
        let mut end = 0;
        for i in order {
            let w = &mut self.windows[i as usize];
            self.store.copy_within(w.off..w.off + w.len as usize, end);
            w.off = end;
            end += w.len as usize;
        }
        self.store.truncate(end);
        self.store.shrink_to_fit();
        self.dead = 0;
    }

    /// Calls `f(key, count)` for every non-empty bin of one cell and sign, in
    /// ascending key (= ascending magnitude) order.
    fn for_each(&self, cell: usize, sign: usize, mut f: impl FnMut(u32, u32)) {
        let w = self.windows[2 * cell + sign];
        let base = (sign as u32) << MAG_BITS;
        let c = cell as u32;
        let mut extra = self
            .overflow
            .range((c, base)..(c, base + (1 << MAG_BITS)))
            .map(|(&(_, k), &n)| (k, n))
            .peekable();
        while let Some((k, n)) = extra.next_if(|&(k, _)| k < base | w.lo) {
            f(k, n);
        }
        for (offset, &slot) in self.store[w.off..w.off + w.len as usize].iter().enumerate() {
            let key = base | (w.lo + offset as u32);
            let n = slot as u32 + extra.next_if(|&(k, _)| k == key).map_or(0, |(_, n)| n);
            if n != 0 {
                f(key, n);
            }
        }
        for (k, n) in extra {
            f(k, n);
        }
    }
}

/// One cell's complete state with nothing pending: what is serialised and
/// what the statistics are computed from.
#[derive(Clone, Debug)]
pub(super) struct Settled {
    /// `Σq`.
    pub sum: i128,
    /// `Σq²`.
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
    /// High 128 bits of `Σq²` per cell.
    sq_hi: Vec<u128>,
    /// Per cell: exact zeros whose runs have ended.
    zeros: Vec<u64>,
    /// Per cell: values left out (non-finite or too large).
    invalid: Vec<u64>,
    bins: Bins,
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
            bins: Bins::new(n_cells),
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
                self.bins.prefetch(i + AHEAD, records, stride, k);
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
            let first = acc.n_cells() as u32;
            let off = acc.bins.store.len();
            acc.runs.extend_from_slice(&p.runs);
            acc.sums.extend_from_slice(&p.sums);
            acc.sq_hi.extend_from_slice(&p.sq_hi);
            acc.zeros.extend_from_slice(&p.zeros);
            acc.invalid.extend_from_slice(&p.invalid);
            acc.bins.store.extend_from_slice(&p.bins.store);
            acc.bins.dead += p.bins.dead;
            acc.bins
                .windows
                .extend(p.bins.windows.iter().map(|w| Window {
                    off: w.off + off,
                    ..*w
                }));
            acc.bins.overflow.extend(
                p.bins
                    .overflow
                    .iter()
                    .map(|(&(cell, key), &count)| ((first + cell, key), count)),
            );
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
        stats(self.trials, &self.settled(i))
    }
}

/// The bits of `x`, with both signed zeros mapped to +0.0.
#[inline(always)]
fn normalised_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits & ABS_MASK == 0 {
        0
    } else {
        bits
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
    bins: &mut Bins,
    cell: usize,
    bits: u64,
    len: u32,
) {
    let abs = bits & ABS_MASK;
    if abs == 0 {
        // Zeros enter the extremes when the cell is settled, so a cell
        // that goes idle does not have to fetch its sums here.
        *zeros += len as u64;
        return;
    }
    let x = f64::from_bits(bits);
    if len == 1 && abs < FAST_LIMIT_BITS {
        // The common case of a value that changes every trial.
        if x < s.min {
            s.min = x;
        }
        if x > s.max {
            s.max = x;
        }
        let q = (x * SCALE) as i64;
        s.sum += q as i128;
        let m = q.unsigned_abs() as u128;
        let (lo, carry) = s.sq_lo.overflowing_add(m * m);
        s.sq_lo = lo;
        if carry {
            // Rare (at most once per 4 values, usually far less): keep the
            // high words out of the cache otherwise.
            carry_into(sq_hi);
        }
        bins.bump(cell, (bits >> KEY_SHIFT) as u32, 1);
        return;
    }
    match contribution(bits, len) {
        Contribution::Zero => unreachable!("zeros are handled above"),
        Contribution::Invalid => *invalid += len as u64,
        Contribution::Value { x, sum, sq, key } => {
            s.min = s.min.min(x);
            s.max = s.max.max(x);
            s.sum += sum;
            let total = U256 {
                hi: *sq_hi,
                lo: s.sq_lo,
            }
            .add(sq);
            s.sq_lo = total.lo;
            *sq_hi = total.hi;
            bins.bump(cell, key, len);
        }
    }
}

#[cold]
#[inline(never)]
fn carry_into(hi: &mut u128) {
    *hi += 1;
}

/// The statistics of a settled cell out of `trials` trials.
fn stats(trials: u64, c: &Settled) -> CellStats {
    let n = trials - c.invalid;
    if n == 0 {
        let nan = f64::NAN;
        return CellStats {
            n,
            mean: nan,
            std: nan,
            se: nan,
            p05: nan,
            p50: nan,
            p95: nan,
            min: nan,
            max: nan,
            p_any: nan,
            cvar95: nan,
        };
    }
    let (min, max) = (c.min, c.max);
    let nf = n as f64;
    let mean = (c.sum as f64 / nf * INV_SCALE).clamp(min, max);
    let std = if n < 2 {
        f64::NAN
    } else {
        let num = c.sq.mul_u64(n).sub(U256::square(c.sum.unsigned_abs()));
        let den = (n as u128 * (n - 1) as u128) as f64;
        (num.to_f64() / den * INV_SCALE_SQ).sqrt()
    };
    let se = std / nf.sqrt();

    // Bins in ascending value order: negatives by descending magnitude,
    // zero, positives by ascending magnitude.
    let split = c.bins.partition_point(|&(k, _)| k >> MAG_BITS == 0);
    let (pos, neg) = c.bins.split_at(split);
    let mut ordered: Vec<(f64, u64)> = Vec::with_capacity(c.bins.len() + 1);
    ordered.extend(
        neg.iter()
            .rev()
            .map(|&(k, n)| (representative(k, min, max), n)),
    );
    if c.zeros > 0 {
        ordered.push((0.0, c.zeros));
    }
    ordered.extend(pos.iter().map(|&(k, n)| (representative(k, min, max), n)));
    let positives: u64 = pos.iter().map(|&(_, n)| n).sum();
    debug_assert_eq!(ordered.iter().map(|&(_, n)| n).sum::<u64>(), n);

    let quantile = |pct: u64| {
        let k = rank(pct, n);
        let mut cum = 0;
        for &(v, count) in &ordered {
            cum += count;
            if cum >= k {
                return v;
            }
        }
        max
    };
    let tail = n - rank(95, n) + 1;
    let mut left = tail;
    let mut tail_sum = 0.0;
    for &(v, count) in ordered.iter().rev() {
        let take = count.min(left);
        tail_sum += v * take as f64;
        left -= take;
        if left == 0 {
            break;
        }
    }
    CellStats {
        n,
        mean,
        std,
        se,
        p05: quantile(5),
        p50: quantile(50),
        p95: quantile(95),
        min,
        max,
        p_any: positives as f64 / nf,
        cvar95: (tail_sum / tail as f64).clamp(min, max),
    }
}

/// `ceil(pct · n / 100)`, at least 1: the rank of the `pct`-th percentile.
fn rank(pct: u64, n: u64) -> u64 {
    ((pct as u128 * n as u128).div_ceil(100) as u64).max(1)
}

/// The value standing for histogram bin `key`: the bin's midpoint, clamped
/// into the cell's `[min, max]`.
fn representative(key: u32, min: f64, max: f64) -> f64 {
    let mag = (key & MAG_MASK) as u64;
    let lo = f64::from_bits(mag << KEY_SHIFT);
    let hi = f64::from_bits((mag + 1) << KEY_SHIFT);
    let mid = lo + (hi - lo) / 2.0;
    let v = if key >> MAG_BITS == 1 { -mid } else { mid };
    v.clamp(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::fixture::{accumulate, mixed_records, one_cell, Rng};

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

    /// Bins are 16-bit slots whose carries live in the overflow map: counts
    /// past 2^16 in a window, outside it, across merges and through bytes
    /// must all come out exact.
    #[test]
    fn bin_counts_past_two_to_the_sixteen_are_exact() {
        const N: usize = 140_000;
        // Cell 0: two values alternating (runs of one), 70,000 of each in one
        // bin. Cell 1: a far outlier beyond the window cap, 70,000 times.
        // Cell 2: one value, then 150,000 of another in runs of 3.
        let rec = |t: usize| {
            [
                if t % 2 == 0 { 1.0 } else { 3.0 },
                if t % 2 == 0 { 1.0e6 } else { 1.0e-9 },
                if t == 0 || t % 3 == 0 { 7.0 } else { 5.0 },
            ]
        };
        let mut whole = Accumulator::new(3);
        let mut halves = [Accumulator::new(3), Accumulator::new(3)];
        for t in 0..N {
            whole.add_trial(&rec(t));
            halves[t * 2 / N].add_trial(&rec(t));
        }
        let bytes = whole.to_bytes();
        let mut merged = Accumulator::from_bytes(&halves[1].to_bytes()).unwrap();
        merged.merge(&halves[0]).unwrap();
        assert_eq!(merged.to_bytes(), bytes);
        let decoded = Accumulator::from_bytes(&bytes).unwrap();
        assert_eq!(decoded.to_bytes(), bytes);
        for acc in [&whole, &decoded] {
            let mut counted = [0u64; 3];
            for (i, c) in counted.iter_mut().enumerate() {
                for sign in 0..2 {
                    acc.bins.for_each(i, sign, |_, n| *c += n as u64);
                }
                *c += acc.runs[i].len as u64 * (acc.runs[i].len > 0) as u64;
            }
            // Runs still pending in `whole` are settled in `decoded`.
            assert!(counted.iter().all(|&c| c == N as u64), "{counted:?}");
            // Quantiles are bin midpoints: within 2^-8 of the exact value.
            let near = |est: f64, exact: f64| ((est - exact) / exact).abs() <= 1.0 / 256.0;
            for (i, (lo, hi)) in [(1.0, 3.0), (1.0e-9, 1.0e6), (5.0, 7.0)]
                .into_iter()
                .enumerate()
            {
                let s = acc.cell(i);
                assert_eq!(s.n, N as u64);
                assert!(
                    near(s.p05, lo) && near(s.p50, lo) && near(s.p95, hi),
                    "{s:?}"
                );
            }
            assert_eq!(acc.cell(0).mean, 2.0);
        }
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

    /// Exact order statistic `x_(k)`, `k = ceil(p n)`.
    fn exact_quantile(sorted: &[f64], pct: u64) -> f64 {
        sorted[rank(pct, sorted.len() as u64) as usize - 1]
    }

    fn check_quantiles(values: &[f64]) {
        let s = one_cell(values).cell(0);
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        for (pct, est) in [(5, s.p05), (50, s.p50), (95, s.p95)] {
            let exact = exact_quantile(&sorted, pct);
            let rel = ((est - exact) / exact).abs();
            assert!(rel <= 1.0 / 256.0, "p{pct}: {est} vs {exact} ({rel})");
        }
        let tail = &sorted[rank(95, sorted.len() as u64) as usize - 1..];
        let exact_cvar = tail.iter().sum::<f64>() / tail.len() as f64;
        assert!(
            ((s.cvar95 - exact_cvar) / exact_cvar).abs() <= 1.0 / 256.0,
            "{} vs {exact_cvar}",
            s.cvar95
        );
        assert_eq!(s.min, sorted[0]);
        assert_eq!(s.max, *sorted.last().unwrap());
    }

    #[test]
    fn quantiles_of_uniform_and_lognormal_are_within_bound() {
        let mut rng = Rng(3);
        let uniform: Vec<f64> = (0..20_000).map(|_| 10.0 + 90.0 * rng.uniform()).collect();
        check_quantiles(&uniform);
        let lognormal: Vec<f64> = (0..20_000)
            .map(|_| (rng.normal() * 1.5 + 8.0).exp())
            .collect();
        check_quantiles(&lognormal);
        let negative: Vec<f64> = (0..5_000).map(|_| -(rng.normal() * 0.3).exp()).collect();
        let mut sorted = negative.clone();
        sorted.sort_by(f64::total_cmp);
        let s = one_cell(&negative).cell(0);
        for (pct, est) in [(5, s.p05), (50, s.p50), (95, s.p95)] {
            let exact = exact_quantile(&sorted, pct);
            assert!(
                ((est - exact) / exact).abs() <= 1.0 / 256.0,
                "p{pct}: {est} vs {exact}"
            );
        }
    }

    #[test]
    fn mean_and_std_match_a_high_precision_reference() {
        let mut rng = Rng(4);
        for (scale, offset) in [(1.0, 0.0), (1e-3, 1e6), (1e9, 1e12), (0.01, 0.5)] {
            let values: Vec<f64> = (0..10_001).map(|_| offset + scale * rng.normal()).collect();
            let s = one_cell(&values).cell(0);
            // Reference: exact rational arithmetic on the fixed-point values
            // would match bit for bit; here a two-pass mean and variance with
            // compensated sums is accurate to ~1e-15 relative.
            let n = values.len() as f64;
            let mean = neumaier(values.iter().copied()) / n;
            let var = neumaier(values.iter().map(|v| (v - mean) * (v - mean))) / (n - 1.0);
            let tol_mean = 2f64.powi(-32) + 4.0 * f64::EPSILON * mean.abs();
            assert!(
                (s.mean - mean).abs() <= tol_mean,
                "mean {} vs {mean}",
                s.mean
            );
            // Truncation to 2^-32 perturbs each value by < 2^-32.
            let tol_std = 2f64.powi(-31) + 1e-12 * var.sqrt();
            assert!(
                (s.std - var.sqrt()).abs() <= tol_std,
                "std {} vs {} (scale {scale})",
                s.std,
                var.sqrt()
            );
            assert_eq!(s.se, s.std / n.sqrt());
        }
    }

    fn neumaier(it: impl Iterator<Item = f64>) -> f64 {
        let (mut sum, mut c) = (0.0f64, 0.0f64);
        for x in it {
            let t = sum + x;
            c += if sum.abs() >= x.abs() {
                (sum - t) + x
            } else {
                (x - t) + sum
            };
            sum = t;
        }
        sum + c
    }

    #[test]
    fn constant_series_is_exact() {
        for v in [0.1, 1234.5678, -7.25, 3.3e15, 1e-300] {
            let s = one_cell(&[v; 1001]).cell(0);
            for stat in [s.mean, s.p05, s.p50, s.p95, s.min, s.max, s.cvar95] {
                assert_eq!(stat, v);
            }
            assert_eq!(s.std, 0.0);
            assert_eq!(s.se, 0.0);
            assert_eq!(s.p_any, if v > 0.0 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn zeros_and_shortfall_probability() {
        let mut acc = Accumulator::new(2);
        for t in 0..100 {
            let shortfall = if t % 10 == 0 { 5.0 + t as f64 } else { 0.0 };
            acc.add_trial(&[0.0, shortfall]);
        }
        let z = acc.cell(0);
        assert_eq!(
            (z.n, z.mean, z.std, z.p05, z.p50, z.p95, z.min, z.max, z.p_any, z.cvar95),
            (100, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        );
        let s = acc.cell(1);
        assert_eq!(s.p_any, 0.1);
        assert_eq!(s.p50, 0.0);
        assert_eq!(s.max, 95.0);
        assert_eq!(
            s.mean,
            (0..10).map(|k| 5.0 + 10.0 * k as f64).sum::<f64>() / 100.0
        );
        // p95 is rank 95 of 100; at or above it: 45, 55, 65, 75, 85, 95.
        assert!((s.cvar95 - 70.0).abs() <= 70.0 / 256.0, "{}", s.cvar95);
    }

    #[test]
    fn empty_single_and_invalid_values() {
        let mut acc = Accumulator::new(3);
        assert!(acc.cell(0).mean.is_nan());
        acc.add_trial(&[2.5, f64::NAN, 1e300]);
        let s = acc.cell(0);
        assert_eq!((s.n, s.mean, s.p50), (1, 2.5, 2.5));
        assert!(s.std.is_nan() && s.se.is_nan());
        assert_eq!(acc.cell(1).n, 0);
        assert_eq!(acc.cell(2).n, 0);
        assert_eq!(acc.invalid_total(), 2);
        let back = Accumulator::from_bytes(&acc.to_bytes()).unwrap();
        assert_eq!(back.to_bytes(), acc.to_bytes());
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
    fn large_values_use_the_wide_path_exactly() {
        // Sums of values in [2^31, 2^62) are integers in fixed point: the
        // mean of {2^40, 2^40 + 2} is exactly 2^40 + 1 and std is sqrt(2).
        let b = 2f64.powi(40);
        let s = one_cell(&[b, b + 2.0]).cell(0);
        assert_eq!(s.mean, b + 1.0);
        assert_eq!(s.std, 2f64.sqrt());
    }
}
