//! Warm starts: after random bound/cost changes the warm re-solve must agree with a cold
//! solve of the modified problem, over long sequences of changes, including
//! save/restore of bases.

use super::common::{check_unbounded, rel_close, Lp, Rng};
use corridor::engine::simplex::tolerance::CERTIFICATE;
use corridor::engine::simplex::{BasisState, Simplex, Status};
use proptest::prelude::*;

fn compare(lp: &Lp, warm: &mut Simplex, step: usize) -> Result<Status, TestCaseError> {
    lp.load(warm);
    let st = warm
        .solve()
        .map_err(|e| TestCaseError::fail(format!("step {step}: warm solve failed: {e}")))?;
    let mut cold = lp.solver();
    let cst = cold
        .solve()
        .map_err(|e| TestCaseError::fail(format!("step {step}: cold solve failed: {e}")))?;
    prop_assert_eq!(st, cst, "step {}: warm vs cold status", step);
    match st {
        Status::Optimal => {
            lp.check_certificate(warm)
                .map_err(|e| TestCaseError::fail(format!("step {step}: {e}")))?;
            prop_assert!(
                rel_close(warm.objective(), cold.objective(), CERTIFICATE),
                "step {}: warm objective {} vs cold {}",
                step,
                warm.objective(),
                cold.objective()
            );
        }
        Status::Unbounded => check_unbounded(lp, warm)
            .map_err(|e| TestCaseError::fail(format!("step {step}: {e}")))?,
        Status::Infeasible => {}
    }
    Ok(st)
}

/// `steps` rounds of random changes to `base`, every `around`-th one drifting
/// back towards it, each re-solved warm and compared with a cold solve;
/// with `bounds_only` the costs stay those of `base`.
fn warm_sequence(
    base: Lp,
    seed: u64,
    steps: usize,
    around: usize,
    bounds_only: bool,
) -> Result<(), TestCaseError> {
    let mut lp = base.clone();
    let mut r = Rng::new(seed);
    let mut warm = lp.solver();
    compare(&lp, &mut warm, 0)?;
    for step in 1..=steps {
        if step % around == 0 {
            lp.mutate_around(&base, &mut r)
        } else {
            lp.mutate(&mut r)
        }
        if bounds_only {
            lp.c.clone_from(&base.c);
        }
        compare(&lp, &mut warm, step)?;
    }
    Ok(())
}

proptest! {
    // The shared configuration (fixed seed, persisted failures), unshrunk.
    #![proptest_config(ProptestConfig { max_shrink_iters: 0, ..crate::proptest_config::config(300) })]

    /// 25 consecutive rounds of 1-5 bound/cost changes, each re-solved warm.
    #[test]
    fn warm_resolve_matches_cold(m in 1usize..40, n in 1usize..60, seed in any::<u64>()) {
        warm_sequence(Lp::random(m, n, seed, false), seed ^ 0xABCD, 25, 2, false)?;
    }

    /// Only bounds change, as from period to period of a trial (capacity
    /// shifts, closures and reopenings, stock limits): the re-solve from the
    /// last optimum by moving nonbasics to their new bounds must agree with a
    /// cold solve after every change, over 30 consecutive changes.
    #[test]
    fn bound_only_changes_match_cold(m in 1usize..40, n in 1usize..60, seed in any::<u64>()) {
        warm_sequence(Lp::random(m, n, seed, false), seed ^ 0xB0B0, 30, 3, true)?;
    }

    /// The Monte Carlo pattern: solve period 0, save its basis, then every trial
    /// restores it and runs a few periods of changes.
    #[test]
    fn restore_saved_basis_then_warm(m in 1usize..40, n in 1usize..60, seed in any::<u64>()) {
        let base = Lp::random(m, n, seed, false);
        let mut r = Rng::new(seed ^ 0x5EED);
        let mut warm = base.solver();
        compare(&base, &mut warm, 0)?;
        let mut saved = BasisState::new();
        warm.save_basis(&mut saved);
        for trial in 0..4 {
            warm.restore_basis(&saved);
            let mut lp = base.clone();
            for period in 1..=5 {
                lp.mutate(&mut r);
                compare(&lp, &mut warm, trial * 10 + period)?;
            }
            if trial == 2 {
                // A stale basis from a different problem state must also work.
                warm.save_basis(&mut saved);
            }
        }
        // Restoring the period-0 basis onto the period-0 problem needs no pivots
        // (only possible when period 0 was optimal and the saved basis is that one).
        let mut fresh = base.solver();
        if fresh.solve() == Ok(Status::Optimal) {
            let mut s0 = BasisState::new();
            fresh.save_basis(&mut s0);
            fresh.reset_basis();
            fresh.restore_basis(&s0);
            prop_assert_eq!(fresh.solve(), Ok(Status::Optimal));
            prop_assert_eq!(fresh.iterations(), 0);
        }
    }
}

/// Costs only (primal simplex path) and bounds only (dual simplex path), long runs.
#[test]
fn long_sequences_of_single_kind_changes() {
    let mut total_optimal = 0;
    for seed in 0..40u64 {
        let mut lp = Lp::random(30, 50, seed, false);
        let mut r = Rng::new(seed);
        let mut warm = lp.solver();
        let mut optimal = 0;
        for step in 0..60 {
            if step % 2 == 0 {
                let j = r.below(lp.n);
                lp.c[j] = r.grid(-3.0, 10.0);
            } else {
                let j = r.below(lp.n);
                if lp.cu[j] < INF_ {
                    lp.cu[j] = lp.cl[j] + r.grid(0.0, 10.0);
                }
                let i = r.below(lp.m);
                if lp.ru[i] < INF_ && lp.rl[i] < lp.ru[i] {
                    lp.ru[i] += r.grid(-1.0, 1.0);
                    if lp.ru[i] < lp.rl[i] {
                        lp.ru[i] = lp.rl[i];
                    }
                }
            }
            lp.load(&mut warm);
            let st = warm.solve().unwrap();
            let mut cold = lp.solver();
            assert_eq!(st, cold.solve().unwrap(), "seed {seed} step {step}");
            if st == Status::Optimal {
                lp.check_certificate(&warm).unwrap();
                assert!(
                    rel_close(warm.objective(), cold.objective(), CERTIFICATE),
                    "seed {seed} step {step}"
                );
                optimal += 1;
            }
        }
        total_optimal += optimal;
    }
    assert!(total_optimal > 500, "only {total_optimal} optimal solves");
}

const INF_: f64 = f64::INFINITY;
