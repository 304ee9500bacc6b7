//! Stepped constant-elasticity curves: where the blocks of a demand or a
//! supply curve begin and end.
//!
//! A curve `Q(p) = Q0 (p/P0)^ε` is cut at breakpoints: `coarse` geometric
//! blocks over the whole range (a third of them below the reference price,
//! the rest above), and optionally a [`Band`] of fine geometric steps around
//! `P0`, so that a price can move by a step of the band (1%, say) near the
//! reference while far from it a few coarse blocks suffice. Every block is
//! an LP column, paid for in every period of every trial, hence the two
//! resolutions.
//!
//! On a demand curve `P0` is a breakpoint: at `P0` the curve consumes
//! exactly `Q0`. On a supply curve the band is shifted by half a step, so
//! one block costs exactly `P0` and spans `Q0`: where a demand and a supply
//! curve meet near the reference, one of them has a block partly used and
//! the price is that block's value, not an arbitrary point between two
//! breakpoints, and the two grids together resolve half a step.

/// Fine geometric steps of ratio `ratio` around the reference price:
/// `below` steps under it and `above` over it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Price ratio between neighbouring breakpoints (1 + step).
    pub ratio: f64,
    /// Steps below the reference price.
    pub below: usize,
    /// Steps above the reference price.
    pub above: usize,
}

impl Band {
    /// The scenario's band (`scenario::schema::Band::steps` counts its steps).
    pub fn new(b: &crate::scenario::schema::Band) -> Band {
        let (below, above) = b.steps();
        Band {
            ratio: 1.0 + b.step.value,
            below,
            above,
        }
    }
}

/// The breakpoints of a stepped curve over `[lo, hi]`.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    lo: f64,
    hi: f64,
    p0: f64,
    coarse_below: usize,
    coarse_above: usize,
    band: Option<Band>,
    /// Breakpoints of the band are `P0 · ratio^(j − below − shift)`.
    shift: f64,
}

impl Grid {
    /// A demand curve's grid: `P0` is a breakpoint.
    pub fn demand(p0: f64, lo: f64, hi: f64, coarse: usize, band: Option<Band>) -> Grid {
        Grid::new(p0, lo, hi, coarse, band, 0.0)
    }

    /// A supply curve's grid: with a band, one block is centred on `P0`
    /// (its cost), so the band is shifted by half a step.
    pub fn supply(p0: f64, lo: f64, hi: f64, coarse: usize, band: Option<Band>) -> Grid {
        Grid::new(p0, lo, hi, coarse, band, 0.5)
    }

    fn new(p0: f64, lo: f64, hi: f64, coarse: usize, band: Option<Band>, shift: f64) -> Grid {
        let coarse_below = coarse / 3;
        Grid {
            lo,
            hi,
            p0,
            coarse_below,
            coarse_above: coarse - coarse_below,
            band,
            shift: if band.is_some() { shift } else { 0.0 },
        }
    }

    /// Blocks in the band (with its half-step shift, one more).
    fn fine(&self) -> usize {
        self.band
            .map_or(0, |b| b.below + b.above + (2.0 * self.shift) as usize)
    }

    /// Number of blocks: `points` has one more breakpoint.
    pub fn blocks(&self) -> usize {
        self.coarse_below + self.fine() + self.coarse_above
    }

    /// Breakpoint `j` of the band (0 is its bottom).
    fn band_point(&self, j: usize) -> f64 {
        match self.band {
            Some(b) => self.p0 * b.ratio.powf(j as f64 - b.below as f64 - self.shift),
            None => self.p0,
        }
    }

    /// Breakpoint `i` of `blocks() + 1`, rising from `lo` (when there are
    /// coarse blocks below the band) and never above `hi`: blocks beyond
    /// `hi` are empty.
    pub fn point(&self, i: usize) -> f64 {
        let (cb, nf) = (self.coarse_below, self.fine());
        let p = if i < cb {
            let bottom = self.band_point(0);
            self.lo * (bottom / self.lo).powf(i as f64 / cb as f64)
        } else if i <= cb + nf {
            self.band_point(i - cb)
        } else {
            let top = self.band_point(nf);
            let k = (i - cb - nf) as f64 / self.coarse_above as f64;
            top * (self.hi / top).powf(k)
        };
        p.min(self.hi)
    }
}

/// Blocks of a constant-elasticity supply curve `S(p) = Q0 (p/P0)^ε`
/// capped at `capacity`, as (width per year, cost): first the base block
/// `S(lowest breakpoint)` at the lowest breakpoint's price, then one block
/// per step of `grid` at the geometric mean of its ends. Together they add
/// up to `S` at the top of the grid.
pub fn supply_blocks(
    q0: f64,
    p0: f64,
    elasticity: f64,
    capacity: f64,
    grid: &Grid,
) -> Vec<(f64, f64)> {
    let s = |p: f64| (q0 * (p / p0).powf(elasticity)).min(capacity);
    let mut out = vec![(s(grid.point(0)), grid.point(0))];
    for j in 0..grid.blocks() {
        let (a, b) = (grid.point(j), grid.point(j + 1));
        out.push(((s(b) - s(a)).max(0.0), (a * b).sqrt()));
    }
    out
}

/// The price at which a supply curve reaches its capacity, cut at
/// `MAX_SUPPLY_PRICE` times the reference price (a curve with a tiny
/// elasticity would otherwise reach it only at astronomical prices).
pub fn supply_top(q0: f64, p0: f64, elasticity: f64, capacity: f64) -> f64 {
    let top = p0 * (capacity / q0).powf(1.0 / elasticity);
    if top.is_finite() {
        top.clamp(p0, MAX_SUPPLY_PRICE * p0)
    } else {
        MAX_SUPPLY_PRICE * p0
    }
}

/// Above this multiple of its reference price a supply curve is cut.
pub const MAX_SUPPLY_PRICE: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::span::Sp;

    /// A band from its scenario numbers.
    pub(crate) fn band(step: f64, below: f64, above: f64) -> Band {
        let sp = |v: f64| Sp {
            value: v,
            file: 0,
            span: 0..0,
        };
        Band::new(&crate::scenario::schema::Band {
            step: sp(step),
            below: sp(below),
            above: sp(above),
        })
    }

    #[test]
    fn a_band_has_enough_steps_to_reach_its_ends() {
        let b = band(0.01, 0.05, 0.10);
        assert_eq!((b.below, b.above), (6, 10));
        assert!(1.01f64.powi(-6) <= 0.95 && 1.01f64.powi(-5) > 0.95);
        // An exact multiple does not round up.
        let b = band(0.01, 0.0, 1.01f64.powi(10) - 1.0);
        assert_eq!((b.below, b.above), (0, 10));
    }

    #[test]
    fn without_a_band_the_grid_is_the_old_one() {
        let g = Grid::demand(100.0, 50.0, 1000.0, 6, None);
        assert_eq!(g.blocks(), 6);
        assert_eq!(g.point(0), 50.0);
        assert_eq!(g.point(2), 100.0);
        assert!((g.point(6) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn a_demand_band_steps_by_its_ratio_through_the_reference_price() {
        let band = band(0.01, 0.05, 0.10);
        let g = Grid::demand(100.0, 50.0, 400.0, 6, Some(band));
        assert_eq!(g.blocks(), 6 + 16);
        // Coarse 0..2, band 2..=18 with P0 at breakpoint 2 + 6.
        assert!((g.point(8) - 100.0).abs() < 1e-9);
        for i in 2..18 {
            assert!((g.point(i + 1) / g.point(i) - 1.01).abs() < 1e-12);
        }
        assert_eq!(g.point(0), 50.0);
        assert!((g.point(22) - 400.0).abs() < 1e-9);
        assert!((1..=22).all(|i| g.point(i) > g.point(i - 1)));
    }

    #[test]
    fn a_supply_band_centres_a_block_on_the_reference_price() {
        let band = Band {
            ratio: 1.01,
            below: 3,
            above: 3,
        };
        let g = Grid::supply(100.0, 50.0, 200.0, 3, Some(band));
        assert_eq!(g.blocks(), 1 + 7 + 2);
        // Block 1 + 3 spans P0 and costs it.
        let (a, b) = (g.point(4), g.point(5));
        assert!(a < 100.0 && b > 100.0 && ((a * b).sqrt() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn breakpoints_above_the_top_are_cut_to_it() {
        let band = band(0.01, 0.0, 0.10);
        let g = Grid::demand(100.0, 50.0, 105.0, 3, Some(band));
        assert!((0..=g.blocks()).all(|i| g.point(i) <= 105.0));
        assert_eq!(g.point(g.blocks()), 105.0);
    }

    /// The stepped supply curve passes through the reference point and
    /// stays within one step of the constant-elasticity curve inside the
    /// band: at every block's cost the stepped output lies between the
    /// curve's output half a step below and half a step above.
    #[test]
    fn stepped_supply_follows_the_curve_within_a_step() {
        let (q0, p0, e, cap) = (1000.0, 100.0, 0.1, 1100.0);
        let band = band(0.01, 0.05, 0.10);
        let top = supply_top(q0, p0, e, cap);
        let g = Grid::supply(p0, 0.5 * p0, top, 4, Some(band));
        let blocks = supply_blocks(q0, p0, e, cap, &g);
        let s = |p: f64| (q0 * (p / p0).powf(e)).min(cap);
        // Output offered at price p: the blocks costing at most p.
        let offered = |p: f64| -> f64 { blocks.iter().filter(|b| b.1 <= p).map(|b| b.0).sum() };
        let (lo, hi) = (offered(p0 * (1.0 - 1e-12)), offered(p0 * (1.0 + 1e-12)));
        assert!(lo < q0 && q0 < hi, "{lo} < {q0} < {hi}");
        for k in -5..=9 {
            let p = p0 * 1.01f64.powi(k);
            let (lo, hi) = (offered(p * (1.0 - 1e-12)), offered(p * (1.0 + 1e-12)));
            assert!((lo - s(p / 1.01f64.sqrt())).abs() < 1e-6 * q0, "{k}");
            assert!((hi - s(p * 1.01f64.sqrt())).abs() < 1e-6 * q0, "{k}");
        }
        // All of the capacity is on the curve, none beyond it.
        let total: f64 = blocks.iter().map(|b| b.0).sum();
        assert!((total - cap).abs() < 1e-6 * cap, "{total}");
        assert!((top - p0 * 1.1f64.powf(10.0)).abs() < 1e-6 * top);
    }

    #[test]
    fn a_nearly_vertical_curve_is_cut_at_the_top_price() {
        assert_eq!(supply_top(100.0, 10.0, 1e-6, 200.0), 1000.0);
        assert_eq!(supply_top(100.0, 10.0, 1.0, 100.0), 10.0);
    }
}
