//! What the solver guarantees and what an independent check of its answers
//! accepts, in one place (`docs/model.md`, "Tolerances"). Every tolerance is
//! relative to the scale of what it bounds: a row's to its bound and to the
//! size of its terms `Σ|a_ij x_j|`, a dual's to the largest cost. A row of
//! 1e5 gets 1e5 times the absolute slack of a row of 1.

/// Primal feasibility: a column, or a row's activity, may lie outside its
/// bound `b` by `PRIMAL · (1 + |b|)` (user units; the solver's default,
/// see `Simplex::set_tolerances`).
pub const PRIMAL: f64 = 1e-9;
/// Dual feasibility (optimality): a reduced cost or a row dual may have
/// the wrong sign by `DUAL · max|c|`.
pub const DUAL: f64 = 1e-9;
/// Working precision of a computed sum: `Σ t_k` counts as zero when below
/// `RESIDUAL · (1 + Σ|t_k|)` (the residuals `A x − r` and `c_B − Bᵀy` the
/// solver checks before reporting an optimum).
pub const RESIDUAL: f64 = 1e-9;
/// Rounding noise of a computed value, relative to the terms it sums: a
/// violation no pivot can repair that is below `NOISE · Σ|α_rj x_j|` (from
/// fresh factors) is accepted for that solve, and only a basic whose
/// `|α_i|` is below `NOISE · max|α|` may be passed over before a primal ray
/// is called unbounded.
pub const NOISE: f64 = 1e-12;
/// An independent certificate of an optimum (primal and dual feasibility,
/// complementary slackness, duality gap) allows `CERTIFICATE` where the
/// solver works to `PRIMAL` and `DUAL`: 100 times more, for rounding in
/// recomputing `A x` and `c − Aᵀy` from the reported `x` and `y`, so a
/// failed certificate means a wrong answer.
pub const CERTIFICATE: f64 = 1e-7;

/// The certificate's feasibility tolerance of a value `v` (a column, or a
/// row activity) against its bounds, `terms = Σ|a_ij x_j|` for a row
/// (its own rounding), 0 for a column.
pub fn certificate(v: f64, terms: f64) -> f64 {
    CERTIFICATE * (1.0 + v.abs()) + RESIDUAL * terms
}
