#!/usr/bin/env bash
# Property-test soak: runs every property test (every `proptest!` function in
# tests/ and src/) over fresh random seeds with many cases, round after round.
#
#   scripts/soak.sh [ROUNDS] [CASES]      # defaults: 10 rounds, 2000 cases
#   nice -n 10 scripts/soak.sh 6 5000     # what the closing note of #13 ran
#
# `cargo test --release` runs the same property tests from one fixed seed
# (tests/proptest_config.rs); this script sets PROPTEST_RNG_SEED to a random
# u64 and PROPTEST_CASES=CASES for each round (each property test runs CASES
# cases per round; the library's distribution tests, which draw 20,000
# values a case, run CASES/10). A failing case is appended by proptest to the test file's
# `.proptest-regressions` file (check it in: every later run replays it) and
# the script stops with the command that reproduces the round. A round that
# fails also leaves its log in ${TMPDIR:-/tmp}/soak-<seed>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-10}"
cases="${2:-2000}"
export CARGO_TERM_COLOR=never

# Property tests are the functions with `name(x in strategy)` arguments
# (the arguments may start on the next line: grep -z reads whole files).
mapfile -t props < <(grep -rhPzo 'fn [a-z0-9_]+\(\s*[a-z0-9_]+ in ' tests src |
  tr '\0' '\n' | grep -oE '^fn [a-z0-9_]+' | sed 's/^fn //' | sort -u)
echo "soak: ${#props[@]} property tests (${props[*]})"
lib_cases=$(( (cases + 9) / 10 ))
echo "soak: $rounds rounds x $cases cases per test ($lib_cases for the library's distribution tests)"

cargo test --release --locked --no-run

start=$(date +%s)
for round in $(seq 1 "$rounds"); do
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  log="$(mktemp)"
  echo "== round $round/$rounds: PROPTEST_RNG_SEED=$seed PROPTEST_CASES=$cases"
  t0=$(date +%s)
  set +e
  # The library's distribution tests draw 20,000 values a case: a tenth of
  # the cases (still 20 times CI's) keeps a round within minutes.
  PROPTEST_RNG_SEED="$seed" PROPTEST_CASES="$lib_cases" \
    cargo test --release --locked --lib -- "${props[@]}" >"$log" 2>&1 &&
    PROPTEST_RNG_SEED="$seed" PROPTEST_CASES="$cases" \
      cargo test --release --locked --test integration -- "${props[@]}" >>"$log" 2>&1
  status=$?
  set -e
  grep -E '^test .* \.\.\. |^test result:|^proptest seed:' "$log" || true
  if [ "$status" -ne 0 ]; then
    kept="${TMPDIR:-/tmp}/soak-$seed.log"
    cp "$log" "$kept"
    echo "soak: round $round FAILED (log $kept); reproduce with"
    echo "  PROPTEST_RNG_SEED=$seed PROPTEST_CASES=$cases cargo test --release --test integration -- ${props[*]}"
    echo "  PROPTEST_RNG_SEED=$seed PROPTEST_CASES=$lib_cases cargo test --release --lib -- ${props[*]}"
    echo "soak: the failing case is persisted in a .proptest-regressions file beside its test (git diff)"
    exit 1
  fi
  rm -f "$log"
  echo "   round $round passed in $(($(date +%s) - t0)) s"
done
echo "soak: passed: $rounds rounds x $cases cases per property test ($lib_cases for the library's) in $(($(date +%s) - start)) s"
