#!/usr/bin/env bash
# Property-test soak: runs every property test (every `proptest!` function in
# tests/) over fresh random seeds with many cases, round after round.
#
#   scripts/soak.sh [ROUNDS] [CASES]      # defaults: 10 rounds, 2000 cases
#   nice -n 10 scripts/soak.sh 6 5000     # what the closing note of #13 ran
#
# `cargo test --release` runs the same property tests from one fixed seed
# (tests/proptest_config.rs); this script sets PROPTEST_RNG_SEED to a random
# u64 and PROPTEST_CASES=CASES for each round (each property test runs CASES
# cases per round). A failing case is appended by proptest to the test file's
# `.proptest-regressions` file (check it in: every later run replays it) and
# the script stops with the command that reproduces the round. A round that
# fails also leaves its log in ${TMPDIR:-/tmp}/soak-<seed>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-10}"
cases="${2:-2000}"
export CARGO_TERM_COLOR=never

# Property tests are the functions with `name(x in strategy)` arguments.
mapfile -t props < <(grep -rhoE 'fn [a-z0-9_]+\([a-z0-9_]+ in ' tests src |
  sed -E 's/^fn ([a-z0-9_]+)\(.*/\1/' | sort -u)
echo "soak: ${#props[@]} property tests (${props[*]})"
echo "soak: $rounds rounds x $cases cases per test"

cargo test --release --locked --no-run

start=$(date +%s)
for round in $(seq 1 "$rounds"); do
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  log="$(mktemp)"
  echo "== round $round/$rounds: PROPTEST_RNG_SEED=$seed PROPTEST_CASES=$cases"
  t0=$(date +%s)
  set +e
  PROPTEST_RNG_SEED="$seed" PROPTEST_CASES="$cases" \
    cargo test --release --locked --lib --test integration -- "${props[@]}" >"$log" 2>&1
  status=$?
  set -e
  grep -E '^test .* \.\.\. |^test result:|^proptest seed:' "$log" || true
  if [ "$status" -ne 0 ]; then
    kept="${TMPDIR:-/tmp}/soak-$seed.log"
    cp "$log" "$kept"
    echo "soak: round $round FAILED (log $kept); reproduce with"
    echo "  PROPTEST_RNG_SEED=$seed PROPTEST_CASES=$cases cargo test --release -- ${props[*]}"
    echo "soak: the failing case is persisted in tests/**/*.proptest-regressions (git diff tests/)"
    exit 1
  fi
  rm -f "$log"
  echo "   round $round passed in $(($(date +%s) - t0)) s"
done
total=$((rounds * cases * ${#props[@]}))
echo "soak: passed: $rounds rounds x $cases cases x ${#props[@]} property tests = $total cases in $(($(date +%s) - start)) s"
