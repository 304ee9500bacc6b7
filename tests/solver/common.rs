//! Shared random-LP generator and optimality certificate checks for the integration tests.

use corridor::engine::simplex::tolerance::{self, CERTIFICATE, NOISE, RESIDUAL};
use corridor::engine::simplex::{Simplex, SparseMatrix, Status};

pub const INF: f64 = f64::INFINITY;

/// Deterministic xorshift so a failing case is reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Value on a grid of 0.25 in [lo, hi]: keeps data exactly representable and makes
    /// ties (degeneracy) common.
    pub fn grid(&mut self, lo: f64, hi: f64) -> f64 {
        (self.range(lo, hi) * 4.0).round() / 4.0
    }
}

#[derive(Clone, Debug)]
pub struct Lp {
    pub m: usize,
    pub n: usize,
    pub trip: Vec<(usize, usize, f64)>,
    pub c: Vec<f64>,
    pub cl: Vec<f64>,
    pub cu: Vec<f64>,
    pub rl: Vec<f64>,
    pub ru: Vec<f64>,
}

impl Lp {
    /// Random sparse LP: 1..=min(m,12) nonzeros per column, a mix of bound types
    /// (including free, fixed, one-sided and infinite), equality/ranged/free rows.
    /// Most row bounds are placed around `A x0` for a random `x0` so many instances
    /// are feasible; `wide` draws coefficients and bounds over several decades.
    pub fn random(m: usize, n: usize, seed: u64, wide: bool) -> Lp {
        let mut r = Rng::new(seed);
        let mut trip = Vec::new();
        for j in 0..n {
            let k = 1 + r.below(m.min(12));
            for _ in 0..k {
                let i = r.below(m);
                let v = if wide {
                    let mag = 10f64.powf(r.range(-2.0, 3.0));
                    if r.unit() < 0.5 {
                        -mag
                    } else {
                        mag
                    }
                } else {
                    match r.below(5) {
                        0 => 1.0,
                        1 => -1.0,
                        _ => {
                            let v = r.grid(-5.0, 5.0);
                            if v == 0.0 {
                                0.5
                            } else {
                                v
                            }
                        }
                    }
                };
                trip.push((i, j, v));
            }
        }
        let big = if wide { 1e4 } else { 10.0 };
        let mut cl = vec![0.0; n];
        let mut cu = vec![INF; n];
        let mut x0 = vec![0.0; n];
        for j in 0..n {
            let (l, u) = match r.below(20) {
                0..=7 => (0.0, INF),
                8..=12 => (0.0, r.grid(0.0, big)),
                13..=14 => {
                    let l = r.grid(-big, big);
                    (l, l + r.grid(0.0, big))
                }
                15..=16 => (-INF, INF),
                17 => {
                    let v = r.grid(-big, big);
                    (v, v)
                }
                18 => (-INF, r.grid(-big, big)),
                _ => (r.grid(-big, big), INF),
            };
            cl[j] = l;
            cu[j] = u;
            let lo = if l > -INF { l } else { u.min(0.0) - big };
            let hi = if u < INF { u } else { lo.max(0.0) + big };
            x0[j] = r.grid(lo, hi).clamp(l, u);
        }
        let mut ax0 = vec![0.0; m];
        for &(i, j, v) in &trip {
            ax0[i] += v * x0[j];
        }
        let mut rl = vec![-INF; m];
        let mut ru = vec![INF; m];
        let around = r.unit() < 0.85;
        for i in 0..m {
            let slack = |r: &mut Rng| {
                if r.unit() < 0.3 {
                    0.0
                } else {
                    r.grid(0.0, big)
                }
            };
            let base = if around { ax0[i] } else { r.grid(-big, big) };
            match r.below(20) {
                0..=6 => ru[i] = base + slack(&mut r),
                7..=11 => rl[i] = base - slack(&mut r),
                12..=14 => {
                    rl[i] = base;
                    ru[i] = base;
                }
                15..=17 => {
                    rl[i] = base - slack(&mut r);
                    ru[i] = base + slack(&mut r);
                }
                _ => {}
            }
        }
        // Costs mostly push away from infinite bounds so that most instances are
        // bounded (unbounded ones still occur through combinations of columns).
        let c = (0..n)
            .map(|j| {
                let v = if r.unit() < 0.15 {
                    0.0
                } else if wide {
                    let mag = 10f64.powf(r.range(-2.0, 3.0));
                    if r.unit() < 0.3 {
                        -mag
                    } else {
                        mag
                    }
                } else {
                    r.grid(-3.0, 10.0)
                };
                let keep = r.unit() < 0.1;
                match (cl[j] > -INF, cu[j] < INF) {
                    (true, false) if !keep => v.abs(),
                    (false, true) if !keep => -v.abs(),
                    (false, false) if !keep => v * 0.0,
                    _ => v,
                }
            })
            .collect();
        Lp {
            m,
            n,
            trip,
            c,
            cl,
            cu,
            rl,
            ru,
        }
    }

    pub fn matrix(&self) -> SparseMatrix {
        SparseMatrix::from_triplets(self.m, self.n, &self.trip)
    }

    pub fn solver(&self) -> Simplex {
        let scale = std::env::var("SIMPLEX_NOSCALE").is_err();
        let mut s = Simplex::with_scaling(self.matrix(), scale);
        self.load(&mut s);
        s
    }

    pub fn load(&self, s: &mut Simplex) {
        s.cost_mut().copy_from_slice(&self.c);
        s.col_lower_mut().copy_from_slice(&self.cl);
        s.col_upper_mut().copy_from_slice(&self.cu);
        s.row_lower_mut().copy_from_slice(&self.rl);
        s.row_upper_mut().copy_from_slice(&self.ru);
    }

    /// Scale used for relative tolerances: the largest finite magnitude in the data.
    pub fn data_scale(&self) -> f64 {
        let mut s: f64 = 1.0;
        for v in self
            .cl
            .iter()
            .chain(&self.cu)
            .chain(&self.rl)
            .chain(&self.ru)
        {
            if v.is_finite() {
                s = s.max(v.abs());
            }
        }
        s
    }

    /// Checks that `s` holds an optimal primal/dual pair for this LP: primal
    /// feasibility, `d = c - Aᵀy`, sign/complementarity of every dual with the bound its
    /// variable/row sits at, and strong duality `c·x = Σ y_i b_i + Σ d_j l_j/u_j`.
    /// Tolerances are `simplex::tolerance`'s certificate ones: a column's and a
    /// row's relative to its own value and terms, a dual's to the largest cost.
    pub fn check_certificate(&self, s: &Simplex) -> Result<(), String> {
        let ptol = CERTIFICATE;
        let dtol = CERTIFICATE;
        let x = s.col_value();
        let y = s.row_dual();
        let d = s.col_reduced_cost();
        let mut act = vec![0.0; self.m];
        let mut act_mag = vec![0.0; self.m];
        let mut aty = vec![0.0; self.n];
        let mut aty_mag = vec![0.0; self.n];
        let mut cscale = 1.0f64;
        for &c in &self.c {
            cscale = cscale.max(c.abs());
        }
        for &(i, j, v) in &self.trip {
            act[i] += v * x[j];
            act_mag[i] += (v * x[j]).abs();
            aty[j] += v * y[i];
            aty_mag[j] += (v * y[i]).abs();
        }
        let mut dual_obj = 0.0;
        let mut dual_mag = 0.0;
        for j in 0..self.n {
            let tol = tolerance::certificate(x[j], 0.0);
            if !(x[j] >= self.cl[j] - tol && x[j] <= self.cu[j] + tol) {
                return Err(format!(
                    "col {j} = {} outside [{}, {}]",
                    x[j], self.cl[j], self.cu[j]
                ));
            }
            let dj = self.c[j] - aty[j];
            if (dj - d[j]).abs() > dtol * cscale + RESIDUAL * aty_mag[j] {
                return Err(format!(
                    "col {j}: reduced cost {} but c - A^T y = {dj}",
                    d[j]
                ));
            }
            if d[j] > dtol * cscale {
                if (x[j] - self.cl[j]).abs() > tol {
                    return Err(format!(
                        "col {j}: d = {} > 0 but x = {} not at lower {}",
                        d[j], x[j], self.cl[j]
                    ));
                }
            } else if d[j] < -dtol * cscale && (x[j] - self.cu[j]).abs() > tol {
                return Err(format!(
                    "col {j}: d = {} < 0 but x = {} not at upper {}",
                    d[j], x[j], self.cu[j]
                ));
            }
            // Dual objective term: the bound the sign of d_j pairs with; duals within the
            // dual tolerance count as zero (paired with x_j itself), as for the solver.
            let g = if d[j] > dtol * cscale && self.cl[j] > -INF {
                self.cl[j]
            } else if d[j] < -dtol * cscale && self.cu[j] < INF {
                self.cu[j]
            } else {
                x[j]
            };
            dual_obj += d[j] * g;
            dual_mag += (d[j] * x[j]).abs() + (self.c[j] * x[j]).abs() + aty_mag[j] * x[j].abs();
        }
        for i in 0..self.m {
            // Rounding in A x scales with the terms, not with their (cancelled) sum.
            let tol = tolerance::certificate(act[i], act_mag[i]);
            if (act[i] - s.row_activity()[i]).abs() > tol {
                return Err(format!(
                    "row {i}: activity {} vs A x {}",
                    s.row_activity()[i],
                    act[i]
                ));
            }
            if !(act[i] >= self.rl[i] - tol && act[i] <= self.ru[i] + tol) {
                return Err(format!(
                    "row {i} = {} outside [{}, {}] (terms {})",
                    act[i], self.rl[i], self.ru[i], act_mag[i]
                ));
            }
            if y[i] > dtol * cscale {
                if (act[i] - self.rl[i]).abs() > tol {
                    return Err(format!(
                        "row {i}: y = {} > 0 but act {} not at lower {} (terms {})",
                        y[i], act[i], self.rl[i], act_mag[i]
                    ));
                }
            } else if y[i] < -dtol * cscale && (act[i] - self.ru[i]).abs() > tol {
                return Err(format!(
                    "row {i}: y = {} < 0 but act {} not at upper {} (terms {})",
                    y[i], act[i], self.ru[i], act_mag[i]
                ));
            }
            let b = if y[i] > dtol * cscale && self.rl[i] > -INF {
                self.rl[i]
            } else if y[i] < -dtol * cscale && self.ru[i] < INF {
                self.ru[i]
            } else {
                act[i]
            };
            dual_obj += y[i] * b;
            // Complementarity slips allowed above are worth |y_i|·tol each.
            dual_mag += (y[i] * act[i]).abs() + y[i].abs() * tol / ptol;
        }
        let obj: f64 = self.c.iter().zip(x).map(|(c, x)| c * x).sum();
        if (obj - s.objective()).abs() > RESIDUAL * (1.0 + obj.abs()) {
            return Err(format!("objective {} but c.x = {obj}", s.objective()));
        }
        let gap_tol = CERTIFICATE * (1.0 + obj.abs()) + CERTIFICATE * dual_mag;
        if (obj - dual_obj).abs() > gap_tol {
            return Err(format!("duality gap: primal {obj} dual {dual_obj}"));
        }
        Ok(())
    }
}

pub fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Reference answer from good_lp + microlp.
#[derive(Clone, Debug)]
pub struct Reference {
    pub status: Status,
    pub objective: f64,
    pub x: Vec<f64>,
}

/// microlp's time limit per reference solve, in seconds. microlp 0.6
/// occasionally cycles; the limit ends such a solve (a stuck solve would
/// otherwise spin on a core for the rest of the test run and slow every
/// other test). A solve of these LPs takes milliseconds.
pub const REFERENCE_SECONDS: f64 = 3.0;

/// Solves with good_lp + microlp in a helper thread. `None` if microlp errored, hit its
/// time limit, or its thread did not answer within twice that (the thread is then
/// abandoned; it ends at its own time limit).
pub fn reference(lp: &Lp) -> Option<Reference> {
    let lp = lp.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(reference_blocking(&lp));
    });
    rx.recv_timeout(std::time::Duration::from_secs_f64(2.0 * REFERENCE_SECONDS))
        .ok()
        .flatten()
}

fn reference_blocking(lp: &Lp) -> Option<Reference> {
    use good_lp::{
        microlp, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
        SolverModel, WithTimeLimit,
    };
    let mut vars = ProblemVariables::new();
    let xs: Vec<_> = (0..lp.n)
        .map(|j| {
            let mut v = good_lp::variable();
            if lp.cl[j] > -INF {
                v = v.min(lp.cl[j]);
            }
            if lp.cu[j] < INF {
                v = v.max(lp.cu[j]);
            }
            vars.add(v)
        })
        .collect();
    let obj: Expression = (0..lp.n).map(|j| lp.c[j] * xs[j]).sum();
    let mut rows: Vec<Expression> = (0..lp.m).map(|_| Expression::from(0.0)).collect();
    for &(i, j, v) in &lp.trip {
        rows[i] += v * xs[j];
    }
    let mut model = vars
        .minimise(obj)
        .using(microlp)
        .with_time_limit(REFERENCE_SECONDS);
    for (i, e) in rows.into_iter().enumerate() {
        if lp.rl[i] == lp.ru[i] {
            model.add_constraint(e.eq(lp.rl[i]));
        } else {
            if lp.rl[i] > -INF {
                model.add_constraint(e.clone().geq(lp.rl[i]));
            }
            if lp.ru[i] < INF {
                model.add_constraint(e.leq(lp.ru[i]));
            }
        }
    }
    match model.solve() {
        Ok(sol) if !matches!(sol.status(), SolutionStatus::Optimal) => None,
        Ok(sol) => {
            let x: Vec<f64> = xs.iter().map(|&v| sol.value(v)).collect();
            let objective = (0..lp.n).map(|j| lp.c[j] * x[j]).sum();
            Some(Reference {
                status: Status::Optimal,
                objective,
                x,
            })
        }
        Err(ResolutionError::Infeasible) => Some(Reference {
            status: Status::Infeasible,
            objective: 0.0,
            x: vec![],
        }),
        Err(ResolutionError::Unbounded) => Some(Reference {
            status: Status::Unbounded,
            objective: 0.0,
            x: vec![],
        }),
        Err(_) => None,
    }
}

impl Lp {
    /// Whether `x` satisfies all bounds to the certificate's tolerance.
    pub fn is_feasible(&self, x: &[f64]) -> bool {
        self.is_feasible_tol(x, CERTIFICATE, RESIDUAL)
    }

    /// Feasibility to `rel·(1 + |value|)` plus `terms_rel·Σ|a_ij x_j|` on rows.
    pub fn is_feasible_tol(&self, x: &[f64], rel: f64, terms_rel: f64) -> bool {
        let tol = rel;
        let mut act = vec![0.0; self.m];
        let mut mag = vec![0.0; self.m];
        for &(i, j, v) in &self.trip {
            act[i] += v * x[j];
            mag[i] += (v * x[j]).abs();
        }
        (0..self.n).all(|j| {
            let t = tol * (1.0 + x[j].abs());
            x[j] >= self.cl[j] - t && x[j] <= self.cu[j] + t
        }) && (0..self.m).all(|i| {
            let t = tol * (1.0 + act[i].abs()) + terms_rel * mag[i];
            act[i] >= self.rl[i] - t && act[i] <= self.ru[i] + t
        })
    }

    /// Copy with every infinite column bound replaced by `±b`.
    pub fn boxed(&self, b: f64) -> Lp {
        let mut lp = self.clone();
        for j in 0..lp.n {
            lp.cl[j] = lp.cl[j].max(-b);
            lp.cu[j] = lp.cu[j].min(b);
        }
        lp
    }

    /// Copy with all costs 0: a pure feasibility problem.
    pub fn feasibility(&self) -> Lp {
        let mut lp = self.clone();
        lp.c.iter_mut().for_each(|c| *c = 0.0);
        lp
    }
}

/// Outcome of comparing our answer with microlp's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Same status (and objective when optimal).
    Agree,
    /// microlp failed or timed out; our answer was still self-certified.
    NoReference,
    /// microlp's answer is refuted by a certificate (ours or its own inconsistency).
    ReferenceWrong,
    /// microlp found a (feasible) point better than ours, but by no more than what the
    /// sub-tolerance dual infeasibilities/complementarity slips of our certificate allow
    /// along that point's (huge) displacement: a tolerance effect, not a wrong basis.
    ToleranceArtifact,
}

/// Solves `lp` with our solver and checks the answer. Optimal answers must carry a valid
/// primal/dual certificate; Unbounded claims are checked by boxing the free directions
/// (the boxed optimum must keep decreasing as the box grows); disagreements with microlp
/// are resolved by whichever side has a checkable certificate. Returns Err on any
/// evidence that *our* answer is wrong.
pub fn verify(lp: &Lp) -> Result<Verdict, String> {
    let mut s = lp.solver();
    let st = s.solve().map_err(|e| format!("solve failed: {e}"))?;
    let obj = s.objective();
    match st {
        Status::Optimal => lp.check_certificate(&s)?,
        Status::Unbounded => check_unbounded(lp, &s)?,
        Status::Infeasible => {}
    }
    let Some(r) = reference(lp) else {
        return Ok(Verdict::NoReference);
    };
    if r.status == st {
        if st == Status::Optimal && !rel_close(obj, r.objective, 1e-6) {
            // Our certificate proves optimality: microlp is merely suboptimal, or its
            // point is infeasible, or the gap is explained by our tolerances.
            if obj < r.objective || !lp.is_feasible(&r.x) {
                return Ok(Verdict::ReferenceWrong);
            }
            let explained = tolerance_slack(lp, &s, &r.x);
            if obj - r.objective <= 1.01 * explained + 1e-6 * (1.0 + obj.abs()) {
                return Ok(Verdict::ToleranceArtifact);
            }
            return Err(format!(
                "objective {obj} vs microlp {} with a feasible microlp point (tolerance explains {explained})",
                r.objective
            ));
        }
        return Ok(Verdict::Agree);
    }
    match (st, r.status) {
        // Our KKT certificate proves optimality: microlp's status is wrong.
        (Status::Optimal, _) => Ok(Verdict::ReferenceWrong),
        // An infeasibility claim is refuted only by a point feasible to a relative 1e-9
        // (a point needing 1e-7 slack proves nothing about a near-infeasible LP).
        (Status::Infeasible, Status::Optimal) => {
            if lp.is_feasible_tol(&r.x, 1e-9, 1e-12) {
                Err("we say infeasible but microlp found a feasible point".into())
            } else {
                Ok(Verdict::ReferenceWrong)
            }
        }
        (Status::Infeasible, Status::Unbounded) => {
            // microlp claims feasibility: ask it for a feasible point.
            match reference(&lp.feasibility()) {
                Some(f) if f.status == Status::Optimal && lp.is_feasible_tol(&f.x, 1e-9, 1e-12) => {
                    Err("we say infeasible but microlp found a feasible point".into())
                }
                _ => Ok(Verdict::ReferenceWrong),
            }
        }
        (Status::Unbounded, Status::Infeasible) => {
            // check_unbounded already produced certified feasible points.
            Ok(Verdict::ReferenceWrong)
        }
        (Status::Unbounded, Status::Optimal) => {
            // A certified ray (with the feasible point check_unbounded found)
            // refutes microlp's optimum outright.
            if check_ray(lp, s.unbounded_ray()).is_ok() {
                return Ok(Verdict::ReferenceWrong);
            }
            let b = 1e3 * r.x.iter().fold(lp.data_scale(), |a, v| a.max(v.abs()));
            let boxed = lp.boxed(b);
            let mut sb = boxed.solver();
            match sb.solve() {
                Ok(Status::Optimal) => {
                    boxed.check_certificate(&sb)?;
                    if sb.objective() < r.objective - 1e-6 * (1.0 + r.objective.abs()) {
                        Ok(Verdict::ReferenceWrong)
                    } else {
                        Err(format!(
                            "we say unbounded; boxed optimum {} vs microlp {}",
                            sb.objective(),
                            r.objective
                        ))
                    }
                }
                other => Err(format!("we say unbounded; boxed problem gave {other:?}")),
            }
        }
        (a, b) => Err(format!("unexpected status pair {a:?} vs {b:?}")),
    }
}

/// With `c·x' - c·x = Σ y_i ((Ax')_i - (Ax)_i) + Σ d_j (x'_j - x_j)` (exact for
/// `d = c - Aᵀy`), every term is ≥ 0 for a feasible `x'` when the certificate holds
/// exactly; the negative ones measure how much tolerance-level slips can be worth.
pub fn tolerance_slack(lp: &Lp, s: &Simplex, xr: &[f64]) -> f64 {
    let (x, y, d) = (s.col_value(), s.row_dual(), s.col_reduced_cost());
    let mut act_r = vec![0.0; lp.m];
    for &(i, j, v) in &lp.trip {
        act_r[i] += v * xr[j];
    }
    let mut neg = 0.0;
    for i in 0..lp.m {
        neg += (y[i] * (act_r[i] - s.row_activity()[i])).min(0.0);
    }
    for j in 0..lp.n {
        neg += (d[j] * (xr[j] - x[j])).min(0.0);
    }
    -neg
}

/// Checks an `Unbounded` answer of `s` for `lp`: the LP is feasible (a certified
/// zero-cost solve), and either the solver's ray is a recession direction that
/// improves the objective, or the optimum over boxes around the feasible point
/// keeps decreasing as the box grows. The boxed solves must certify either way.
///
/// The ray `d`, normalised to `max|d_j| = 1`, must keep every finite bound
/// (`d_j` and `(A d)_i` pointing inwards, to `NOISE` per unit of the ray,
/// times `max_j|a_ij|` for a row, plus `CERTIFICATE` of the row's terms) and
/// have `c·d < 0` by more than `CERTIFICATE` of its terms. (The solver passes
/// over only basics whose share of the ray is below `NOISE`.) Boxes alone can miss
/// a ray whose gain per unit is within the dual tolerance of a variable it
/// moves by 10⁵ (the boxed optimum then looks flat).
pub fn check_unbounded(lp: &Lp, s: &Simplex) -> Result<(), String> {
    let feas = lp.feasibility();
    let mut sf = feas.solver();
    match sf.solve() {
        Ok(Status::Optimal) => feas.check_certificate(&sf)?,
        other => {
            return Err(format!(
                "unbounded claim but the feasibility problem gave {other:?}"
            ))
        }
    }
    let ray = check_ray(lp, s.unbounded_ray());
    let xmax = sf
        .col_value()
        .iter()
        .fold(lp.data_scale(), |a, v| a.max(v.abs()));
    let mut prev = INF;
    let mut decreasing = true;
    for k in 0..2 {
        let boxed = lp.boxed(1e3 * xmax * 10f64.powi(k));
        let mut s = boxed.solver();
        match s.solve() {
            Ok(Status::Optimal) => boxed.check_certificate(&s)?,
            other => return Err(format!("unbounded claim: boxed problem gave {other:?}")),
        }
        decreasing &= s.objective() < prev - 1e-9 * (1.0 + prev.abs().min(s.objective().abs()));
        prev = s.objective();
    }
    match ray {
        Ok(()) => Ok(()),
        Err(_) if decreasing => Ok(()),
        Err(e) => Err(format!(
            "unbounded claim: {e}, and the boxed optimum does not decrease ({prev})"
        )),
    }
}

/// Whether `d` proves `lp` unbounded given a feasible point (see `check_unbounded`).
pub fn check_ray(lp: &Lp, d: &[f64]) -> Result<(), String> {
    let dmax = d.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if !(dmax > 0.0 && dmax.is_finite()) {
        return Err(format!("ray of size {dmax}"));
    }
    let d: Vec<f64> = d.iter().map(|v| v / dmax).collect();
    for j in 0..lp.n {
        if (lp.cl[j] > -INF && d[j] < -NOISE) || (lp.cu[j] < INF && d[j] > NOISE) {
            return Err(format!(
                "ray leaves col {j}'s bounds [{}, {}]: d = {}",
                lp.cl[j], lp.cu[j], d[j]
            ));
        }
    }
    let mut ad = vec![0.0; lp.m];
    let mut terms = vec![0.0; lp.m];
    let mut amax = vec![0.0f64; lp.m];
    for &(i, j, v) in &lp.trip {
        ad[i] += v * d[j];
        terms[i] += (v * d[j]).abs();
        amax[i] = amax[i].max(v.abs());
    }
    for i in 0..lp.m {
        let tol = CERTIFICATE * terms[i] + NOISE * amax[i];
        if (lp.rl[i] > -INF && ad[i] < -tol) || (lp.ru[i] < INF && ad[i] > tol) {
            return Err(format!(
                "ray leaves row {i}'s bounds [{}, {}]: A d = {} (terms {})",
                lp.rl[i], lp.ru[i], ad[i], terms[i]
            ));
        }
    }
    let cd: f64 = lp.c.iter().zip(&d).map(|(c, d)| c * d).sum();
    let cterms: f64 = lp.c.iter().zip(&d).map(|(c, d)| (c * d).abs()).sum();
    if !(cd < -CERTIFICATE * cterms) {
        return Err(format!("ray does not improve: c·d = {cd} (terms {cterms})"));
    }
    Ok(())
}

impl Lp {
    /// Mutates like [`Lp::mutate`], but first reverts a few random columns/rows to
    /// `base`, so long sequences drift around `base` instead of away from feasibility.
    pub fn mutate_around(&mut self, base: &Lp, r: &mut Rng) {
        for _ in 0..3 {
            let j = r.below(self.n);
            self.cl[j] = base.cl[j];
            self.cu[j] = base.cu[j];
            self.c[j] = base.c[j];
            let i = r.below(self.m);
            self.rl[i] = base.rl[i];
            self.ru[i] = base.ru[i];
        }
        self.mutate(r);
    }

    /// Randomly changes 1..=5 bounds/costs in place (never the matrix), as consecutive
    /// simulation periods do: capacity/demand shifts, closing a column (fixing it),
    /// making a bound infinite or finite, price changes.
    pub fn mutate(&mut self, r: &mut Rng) {
        fn nudge(v: f64, r: &mut Rng) -> f64 {
            if v.is_finite() {
                v + r.grid(-1.0, 1.0) + v * r.range(-0.2, 0.2)
            } else {
                v
            }
        }
        for _ in 0..1 + r.below(5) {
            match r.below(12) {
                0..=2 => {
                    let j = r.below(self.n);
                    self.cu[j] = match (r.unit() < 0.1, self.cu[j].is_finite()) {
                        (true, true) => INF,
                        (true, false) => self.cl[j].max(-10.0) + r.grid(0.0, 10.0),
                        _ => nudge(self.cu[j], r),
                    };
                }
                3 => {
                    let j = r.below(self.n);
                    self.cl[j] = match (r.unit() < 0.1, self.cl[j].is_finite()) {
                        (true, true) => -INF,
                        (true, false) => self.cu[j].min(10.0) - r.grid(0.0, 10.0),
                        _ => nudge(self.cl[j], r),
                    };
                }
                4 => {
                    // Close a column: fix it at a finite bound (or 0).
                    let j = r.below(self.n);
                    let v = if self.cl[j] > -INF {
                        self.cl[j]
                    } else {
                        0.0f64.min(self.cu[j])
                    };
                    self.cl[j] = v;
                    self.cu[j] = v;
                }
                5..=7 => {
                    let i = r.below(self.m);
                    if r.unit() < 0.5 {
                        self.ru[i] = nudge(self.ru[i], r);
                    } else {
                        self.rl[i] = nudge(self.rl[i], r);
                    }
                    if r.unit() < 0.05 {
                        self.rl[i] = -INF;
                        self.ru[i] = INF;
                    }
                }
                _ => {
                    let j = r.below(self.n);
                    self.c[j] = if r.unit() < 0.2 {
                        0.0
                    } else {
                        nudge(self.c[j], r)
                    };
                }
            }
        }
        for j in 0..self.n {
            if self.cl[j] > self.cu[j] {
                std::mem::swap(&mut self.cl[j], &mut self.cu[j]);
            }
        }
        for i in 0..self.m {
            if self.rl[i] > self.ru[i] {
                std::mem::swap(&mut self.rl[i], &mut self.ru[i]);
            }
        }
    }
}
