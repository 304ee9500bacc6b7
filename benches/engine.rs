//! Criterion benchmarks: compile, one period's clearing (cold and warm), one
//! trial over the horizon, aggregation of a chunk of trial records, and the
//! reference workload (the China rare-earth
//! ban scenario, 10,000 trials × 60 months, aggregation and CSV included).
//!
//! `cargo bench` runs them all; `CORRIDOR_BENCH_TRIALS` shrinks the
//! reference workload for a quick look.

use corridor::engine::{clearing, dynamics, run_trial, ExpectedValues, Prepared, Workspace};
use corridor::model::compile;
use corridor::montecarlo::{self, Observer, Plan};
use corridor::sampling::{ParamSampler, TrialDraws};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const BAN: &str = "scenarios/china-ree-export-ban.toml";
const BASELINE: &str = "scenarios/baseline.toml";

struct Quiet;
impl Observer for Quiet {}

fn load(path: &str) -> corridor::model::CompiledModel {
    let s = corridor::scenario::load(Path::new(path)).unwrap_or_else(|d| panic!("{d}"));
    compile(&s).expect("compiles")
}

fn benches(c: &mut Criterion) {
    let scenario = corridor::scenario::load(Path::new(BAN)).unwrap_or_else(|d| panic!("{d}"));
    c.bench_function("compile/china-ree-export-ban", |b| {
        b.iter(|| compile(black_box(&scenario)).unwrap())
    });

    let m = load(BASELINE);
    let prep = Prepared::new(&m).unwrap();
    let mut ws = Workspace::new(&m);
    ws.params.copy_from_slice(&m.params);
    dynamics::schedule(&m, &mut ws, &mut ExpectedValues);
    c.bench_function("clearing/baseline period, cold start", |b| {
        b.iter(|| {
            ws.lp.reset_basis();
            ws.solved = false;
            ws.recent.clear();
            clearing::stage(&m, &prep, &mut ws, 0);
            clearing::solve(&mut ws).unwrap();
        })
    });
    // Warm: alternate two capacity states of the CPC leg, as a disruption does.
    let cpc = m.legs.iter().position(|l| l.id == "cpc").unwrap_or(0);
    let mut toggle = false;
    c.bench_function(
        "clearing/baseline period, warm start after a leg outage",
        |b| {
            b.iter(|| {
                toggle = !toggle;
                ws.avail[cpc * m.periods] = if toggle { 0.3 } else { 1.0 };
                // Measure the re-solve, not the recall of the state two back.
                ws.recent.clear();
                clearing::stage(&m, &prep, &mut ws, 0);
                clearing::solve(&mut ws).unwrap();
            })
        },
    );

    let m = load(BAN);
    let prep = Prepared::new(&m).unwrap();
    let mut ws = Workspace::new(&m);
    let mut draws = TrialDraws::new(&m, 1);
    let mut sampler = ParamSampler::new(&m, 1, m.sampling);
    let mut rec = vec![0.0; montecarlo::record_len(&m)];
    let mut trial = 0u64;
    c.bench_function("trial/china-ree-export-ban, 60 months", |b| {
        b.iter(|| {
            trial += 1;
            ws.params.copy_from_slice(&m.params);
            sampler.fill(&m, trial, &mut ws.params);
            draws.reset(trial);
            run_trial(&m, &prep, &mut ws, &mut draws, &mut rec).unwrap();
        })
    });

    // Aggregation of one worker chunk: 16 real trial records in one sweep.
    let len = montecarlo::record_len(&m);
    let chunk = montecarlo::CHUNK as usize;
    let mut batch = vec![0.0; chunk * len];
    for (k, rec) in batch.chunks_exact_mut(len).enumerate() {
        ws.params.copy_from_slice(&m.params);
        sampler.fill(&m, k as u64, &mut ws.params);
        draws.reset(k as u64);
        run_trial(&m, &prep, &mut ws, &mut draws, rec).unwrap();
    }
    let mut acc = corridor::aggregate::Accumulator::new(len);
    c.bench_function(
        &format!("aggregate/{chunk} trial records of {len} cells, one sweep"),
        |b| b.iter(|| acc.add_trials(black_box(&batch))),
    );

    let trials: u64 = std::env::var("CORRIDOR_BENCH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut group = c.benchmark_group("reference");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.bench_function(
        format!("china-ree-export-ban, {trials} trials, 2 threads, with summary CSV"),
        |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| {
                    let plan = Plan {
                        seed: 1,
                        trials: 0..trials,
                        sampling: m.sampling,
                        deterministic: false,
                        threads: 2,
                    };
                    let out = montecarlo::run(
                        &m,
                        &prep,
                        &plan,
                        &AtomicBool::new(false),
                        &|_| {},
                        &mut Quiet,
                    )
                    .unwrap();
                    let layout = montecarlo::layout(&m);
                    let frame = corridor::aggregate::summary_frame(&layout, &out.acc).unwrap();
                    // Written as `corridor run` writes it: streamed into the
                    // run folder, which appears on commit.
                    let run =
                        corridor::output::RunDir::create(&dir.path().join("run"), false).unwrap();
                    run.write(&corridor::output::SummaryCsv(&frame)).unwrap();
                    run.commit().unwrap();
                },
                BatchSize::PerIteration,
            )
        },
    );
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
