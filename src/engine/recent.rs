//! The solutions of a trial's recent distinct LPs, found by the LP's bits.
//!
//! Why: a trial's periods often return to an earlier state (a leg back in
//! service, a ban lifted, stocks full again). Such a period's LP equals,
//! bit for bit, one solved a few periods before, and taking that optimum
//! is far cheaper than pivoting back to it; a hash of the staged bounds and
//! costs finds it without comparing every slot. A ring is enough because
//! returns happen within a few periods, and a trial starts with it empty
//! (a trial must not see another's LPs).

use super::simplex::Simplex;

/// How many distinct LPs a trial remembers.
const SLOTS: usize = 16;

/// A ring of the last [`SLOTS`] distinct solved LPs of a trial: each slot
/// holds the staged column upper bounds, costs and row upper bounds it was
/// solved for, their hash, the primal values and the row duals.
pub struct RecentLps {
    key_len: usize,
    n: usize,
    m: usize,
    hash: Vec<u64>,
    keys: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    filled: usize,
    next: usize,
}

impl RecentLps {
    /// An empty ring for LPs of `n` columns and `m` rows.
    pub(super) fn new(n: usize, m: usize) -> Self {
        let (slots, key_len) = (SLOTS, 2 * n + m);
        RecentLps {
            key_len,
            n,
            m,
            hash: vec![0; slots],
            keys: vec![0.0; slots * key_len],
            x: vec![0.0; slots * n],
            y: vec![0.0; slots * m],
            filled: 0,
            next: 0,
        }
    }

    /// Forgets every slot (a new trial must not see another's LPs).
    pub fn clear(&mut self) {
        self.filled = 0;
        self.next = 0;
    }

    /// The slot holding the LP `key` hashes to `hash`, if any (compared bit
    /// for bit, so a hit is the same LP).
    pub(crate) fn find(&self, hash: u64, key: [&[f64]; 3]) -> Option<usize> {
        (0..self.filled).find(|&s| {
            let mut stored = &self.keys[s * self.key_len..(s + 1) * self.key_len];
            self.hash[s] == hash
                && key.iter().all(|part| {
                    let (head, rest) = stored.split_at(part.len());
                    stored = rest;
                    part.iter()
                        .zip(head)
                        .all(|(a, b)| a.to_bits() == b.to_bits())
                })
        })
    }

    /// Remembers the solution `(x, y)` of the LP `key`, over the oldest slot
    /// once all are filled; returns its slot.
    pub(crate) fn insert(&mut self, hash: u64, key: [&[f64]; 3], x: &[f64], y: &[f64]) -> usize {
        let s = self.next;
        self.next = (s + 1) % self.hash.len();
        self.filled = (self.filled + 1).min(self.hash.len());
        self.hash[s] = hash;
        let mut stored = &mut self.keys[s * self.key_len..(s + 1) * self.key_len];
        for part in key {
            let (head, rest) = stored.split_at_mut(part.len());
            head.copy_from_slice(part);
            stored = rest;
        }
        self.x[s * self.n..(s + 1) * self.n].copy_from_slice(x);
        self.y[s * self.m..(s + 1) * self.m].copy_from_slice(y);
        s
    }

    /// The primal values and row duals of `slot`, or the solver's.
    pub fn solution<'a>(&'a self, lp: &'a Simplex, slot: Option<usize>) -> (&'a [f64], &'a [f64]) {
        match slot {
            None => (lp.col_value(), lp.row_dual()),
            Some(s) => (
                &self.x[s * self.n..(s + 1) * self.n],
                &self.y[s * self.m..(s + 1) * self.m],
            ),
        }
    }
}

/// A hash of the staged LP (its bits), in four independent lanes so that it
/// costs about a cycle per value.
pub(crate) fn lp_hash(key: [&[f64]; 3]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = [K, K.rotate_left(16), K.rotate_left(32), K.rotate_left(48)];
    for part in key {
        let mut chunks = part.chunks_exact(4);
        for c in &mut chunks {
            for l in 0..4 {
                h[l] = ((h[l] ^ c[l].to_bits()).wrapping_mul(K)).rotate_left(29);
            }
        }
        for (l, v) in chunks.remainder().iter().enumerate() {
            h[l] = ((h[l] ^ v.to_bits()).wrapping_mul(K)).rotate_left(29);
        }
    }
    (h[0] ^ h[1].rotate_left(13) ^ h[2].rotate_left(27) ^ h[3].rotate_left(41)).wrapping_mul(K)
}
