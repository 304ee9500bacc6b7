//! The responses that link periods: each adjusting demand curve becomes an
//! [`Adjustment`] of its blocks, each supply response and each recycling
//! tranche one column on its market's balance row.

use super::{Builder, CompileError};
use crate::model::*;
use crate::scenario::params::{At, RecyclingField, ResponseField};

impl Builder<'_> {
    /// The responses of the scenario; `demand` are the compiled curves, in
    /// the order of the scenario's `[[demand]]` entries.
    pub(super) fn responses(&mut self, demand: &[DemandCurve]) -> Result<Responses, CompileError> {
        let f = self.f;
        let mut out = Responses::default();
        let mut width_offset = 0;
        for (i, (d, curve)) in f.demand.iter().zip(demand).enumerate() {
            if let (Some(long_run), Some(half_life)) =
                (&d.long_run_elasticity, self.slot(At::DemandHalfLife(i)))
            {
                out.adjust.push(Adjustment {
                    demand: i,
                    width_offset,
                    shift_elasticity: (long_run.value - d.elasticity.value).min(0.0),
                    half_life,
                });
            }
            width_offset += curve.blocks + 1;
            if d.recycling.is_some() {
                let row = self.balance(curve.region, curve.commodity);
                let col = self.new_col();
                self.triplets.push((row, col, 1.0));
                let at = |field| At::Recycling(i, field);
                out.recycling.push(RecyclingCol {
                    demand: i,
                    col,
                    share: self.need(at(RecyclingField::Share))?,
                    lag: self.slot(at(RecyclingField::LagMonths)),
                    cost: self.need(at(RecyclingField::Cost))?,
                });
            }
        }
        for (i, s) in f.supply.iter().enumerate() {
            let Some(list) = &s.responses else { continue };
            let (region, commodity) = (self.region(&s.region)?, self.commodity(&s.commodity)?);
            for j in 0..list.len() {
                let row = self.balance(region, commodity);
                let col = self.new_col();
                self.triplets.push((row, col, 1.0));
                let at = |field| At::Response(i, j, field);
                use ResponseField as F;
                out.supply.push(SupplyResponseCol {
                    region,
                    commodity,
                    col,
                    trigger: self.need(at(F::TriggerPrice))?,
                    sustain: self.slot(at(F::SustainMonths)),
                    lead: self.need(at(F::LeadMonths))?,
                    ramp: self.slot(at(F::RampMonths)),
                    capacity: self.need(at(F::Capacity))?,
                    cost: self.need(at(F::Cost))?,
                });
            }
        }
        Ok(out)
    }
}
