//! Log-bin histograms of every cell, for the quantiles and the tail mean.
//!
//! A non-zero value falls in the bin of its *key*: its sign, binary exponent
//! and top [`MANT_KEPT`] mantissa bits, i.e. the top 19 bits of the `f64`.
//! A bin spans a factor of `1 + 2^-7` at most, so its midpoint is within
//! `2^-8` (≈ 0.39%) of any normal value in it; there are 128 bins per
//! binary octave. Keys order like magnitudes within a sign. Zeros are not
//! binned (the accumulator counts them).
//!
//! # The store
//!
//! Each cell has a dense *window* of counts per sign: the bins between the
//! smallest and largest magnitude seen, with some slack. All windows live in
//! one store; a window that must grow moves to the end of the store, and
//! when a quarter of the store is holes it is compacted in place (no second
//! store, so the peak memory is the store's own size). A window grows by at
//! least a quarter of its size, so it is rebuilt O(log) times, and never
//! past [`WINDOW_CAP`] bins; bins beyond that (far outliers, such as a
//! 1e-12 solver residue in a cell whose values are near 1e3) go to a small
//! sorted *overflow* map.
//!
//! Window slots are 16 bits: wide windows are sparse (a 2,000-bin window of
//! a heavy-tailed shortfall holds a few hundred non-zero bins after 1,000
//! trials), so a narrow slot halves most of the statistics' memory and the
//! cache lines a sweep touches. A bin's count is its slot plus its entry in
//! the overflow map, which holds the multiples of 2^16 a slot has carried
//! (a rare, cold path) as well as the bins outside the window. Memory per
//! cell is bounded (two windows of at most 8 KiB); nothing grows with the
//! number of trials.

use std::collections::BTreeMap;

/// Mantissa bits kept in a histogram key.
const MANT_KEPT: u32 = 7;
const KEY_SHIFT: u32 = 52 - MANT_KEPT;
/// Bits of a key's magnitude part (exponent and kept mantissa); the next bit
/// up is the sign.
const MAG_BITS: u32 = 11 + MANT_KEPT;
const MAG_MASK: u32 = (1 << MAG_BITS) - 1;
/// Every key is below this.
pub(super) const KEY_LIMIT: u32 = 1 << (MAG_BITS + 1);
/// Largest dense window of one cell and sign, in bins (8 KiB of counts,
/// 32 binary octaves).
const WINDOW_CAP: u32 = 4096;
/// Smallest window, and the least a window grows by.
const WINDOW_MIN: u32 = 16;

/// The histogram key of the non-zero value with (normalised) bits `bits`.
#[inline(always)]
pub(super) fn key(bits: u64) -> u32 {
    (bits >> KEY_SHIFT) as u32
}

/// Whether key `key` holds negative values.
pub(super) fn is_negative(key: u32) -> bool {
    key >> MAG_BITS == 1
}

/// The value standing for histogram bin `key`: the bin's midpoint, clamped
/// into the cell's `[min, max]`.
pub(super) fn representative(key: u32, min: f64, max: f64) -> f64 {
    let mag = (key & MAG_MASK) as u64;
    let lo = f64::from_bits(mag << KEY_SHIFT);
    let hi = f64::from_bits((mag + 1) << KEY_SHIFT);
    let mid = lo + (hi - lo) / 2.0;
    let v = if is_negative(key) { -mid } else { mid };
    v.clamp(min, max)
}

/// One cell's histogram for one sign: dense counts, at
/// `Histograms::store[off..]`, for the bins whose magnitude key is in
/// `lo..lo + len`.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    lo: u32,
    len: u32,
    off: usize,
}

/// The histograms of a range of cells (see the module documentation).
#[derive(Clone, Debug)]
pub(super) struct Histograms {
    /// `[2i]`: positive values of cell `i`; `[2i + 1]`: negative ones.
    windows: Vec<Window>,
    store: Vec<u16>,
    /// Slots of `store` that no window uses any more.
    dead: usize,
    /// `(cell, key) -> count` not held by a window slot: bins outside the
    /// window, and the carries of slots.
    overflow: BTreeMap<(u32, u32), u32>,
}

impl Histograms {
    /// Empty histograms of `n_cells` cells.
    pub fn new(n_cells: usize) -> Self {
        Histograms {
            windows: vec![Window::default(); 2 * n_cells],
            store: Vec::new(),
            dead: 0,
            overflow: BTreeMap::new(),
        }
    }

    /// Asks the processor to start loading the slot of bin `key` of cell
    /// `cell`, if its window has one (a hint with no effect on results).
    #[inline(always)]
    pub fn prefetch(&self, cell: usize, key: u32) {
        let w = self.windows[2 * cell + (key >> MAG_BITS) as usize];
        let at = (key & MAG_MASK).wrapping_sub(w.lo);
        if at < w.len {
            crate::mem::prefetch(&self.store[w.off + at as usize]);
        }
    }

    /// Adds `count` values with (non-zero) histogram key `key` to cell `cell`.
    #[inline]
    pub fn bump(&mut self, cell: usize, key: u32, count: u32) {
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

    /// The rare case of [`Histograms::bump`]: grow the window, or use the
    /// overflow.
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
    pub fn compact(&mut self) {
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

    /// Appends the cells of `other` after these.
    pub fn append(&mut self, other: &Histograms) {
        let first = (self.windows.len() / 2) as u32;
        let off = self.store.len();
        self.store.extend_from_slice(&other.store);
        self.dead += other.dead;
        self.windows.extend(other.windows.iter().map(|w| Window {
            off: w.off + off,
            ..*w
        }));
        self.overflow.extend(
            other
                .overflow
                .iter()
                .map(|(&(cell, key), &count)| ((first + cell, key), count)),
        );
    }

    /// Calls `f(key, count)` for every non-empty bin of one cell and sign, in
    /// ascending key (= ascending magnitude) order.
    pub fn for_each(&self, cell: usize, sign: usize, mut f: impl FnMut(u32, u32)) {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aggregate::fixture::Rng;
    use crate::aggregate::Accumulator;

    /// Every bin of every cell, as `for_each` reports them.
    fn contents(h: &Histograms, n_cells: usize) -> BTreeMap<(usize, u32), u64> {
        let mut out = BTreeMap::new();
        for cell in 0..n_cells {
            for sign in 0..2 {
                let mut last = None;
                h.for_each(cell, sign, |key, n| {
                    assert!(last < Some(key), "keys ascend");
                    assert_eq!(key >> MAG_BITS, sign as u32);
                    last = Some(key);
                    *out.entry((cell, key)).or_insert(0) += n as u64;
                });
            }
        }
        out
    }

    #[test]
    fn growth_overflow_compaction_and_append_keep_every_count() {
        // Keys spread over 40 octaves (beyond the window cap) in both signs,
        // some bins bumped past 2^16, so windows grow both ways, spill into
        // the overflow map and the store compacts many times.
        let mut rng = Rng(11);
        let n_cells = 6;
        let mut parts = [Histograms::new(n_cells), Histograms::new(n_cells)];
        let mut model = BTreeMap::new();
        for step in 0..20_000 {
            let cell = (rng.next_u64() % n_cells as u64) as usize;
            let x = (rng.normal() * 6.0).exp2() * if rng.uniform() < 0.3 { -1.0 } else { 1.0 };
            let count = if step % 1000 == 0 { 70_000 } else { 1 };
            let k = key(x.to_bits());
            parts[step % 2].bump(cell, k, count);
            *model.entry((cell + n_cells * (step % 2), k)).or_insert(0) += count as u64;
        }
        parts[0].compact();
        let [mut joined, second] = parts;
        joined.append(&second);
        assert_eq!(contents(&joined, 2 * n_cells), model);
        joined.compact();
        assert_eq!(joined.dead, 0);
        assert_eq!(contents(&joined, 2 * n_cells), model);
    }

    #[test]
    fn representatives_are_within_the_bound() {
        for x in [1.0, 1.0e-9, 3.0, 1234.5678, 2f64.powi(61), -7.25, -1e-300] {
            let r = representative(key(x.to_bits()), f64::NEG_INFINITY, f64::INFINITY);
            assert!(((r - x) / x).abs() <= 1.0 / 256.0, "{x}: {r}");
            assert_eq!(is_negative(key(x.to_bits())), x < 0.0);
        }
        // Clamped into the cell's range.
        assert_eq!(representative(key(3.0f64.to_bits()), 1.0, 3.0), 3.0);
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
            // Runs still pending in `whole` are settled in `decoded`; both
            // count in the settled bins.
            let counted: Vec<u64> = (0..3)
                .map(|i| acc.settled(i).bins.iter().map(|&(_, n)| n).sum())
                .collect();
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
}
