#!/usr/bin/env bash
# Coverage-guided fuzzing of the scenario loader, validator and compiler
# with cargo-fuzz (libFuzzer): the cargo-fuzz target in fuzz/, with the
# stable fuzz test's property (tests/fuzz/oracle.rs).
#
#   scripts/fuzz.sh [SECONDS]        # default 600
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and
# `cargo install cargo-fuzz`. The corpus starts from the shipped scenarios
# and fixtures and grows in ~/.cache/corridor/fuzz-corpus; a failing input
# is saved under fuzz/artifacts/scenario/ (reproduce it with
# `cargo +nightly fuzz run scenario <file>`). The first build compiles the
# crate and polars with coverage instrumentation (tens of minutes on two
# cores); later runs are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
command -v cargo-fuzz >/dev/null ||
  { echo "needs cargo-fuzz: cargo install cargo-fuzz" >&2; exit 2; }
corpus=${CORRIDOR_FUZZ_CORPUS:-$HOME/.cache/corridor/fuzz-corpus}
mkdir -p "$corpus"
cp scenarios/*.toml tests/fixtures/valid/*.toml "$corpus"/
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/corridor/target-fuzz}
# -timeout: seconds one input may take; -rss_limit_mb: the memory cap;
# -max_len: inputs up to 128 KiB (the largest shipped scenario, baseline.toml,
# is 89 KB).
exec cargo +nightly fuzz run scenario "$corpus" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
  -print_final_stats=1
