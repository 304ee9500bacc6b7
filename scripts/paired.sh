#!/usr/bin/env bash
# Paired comparison of two corridor binaries on the reference workload: the
# two alternate, run after run, so a slow spell of the (shared, noisy) host
# hits both. Prints each one's min/median wall time and the quartiles of
# the per-pair ratio B/A of wall and user CPU time.
#
#   scripts/paired.sh REPS TRIALS THREADS BIN_A BIN_B
#   e.g. scripts/paired.sh 4 10000 2 /tmp/corridor-old target/release/corridor
#
# SCENARIO=... picks another scenario (default: the China rare-earth ban).
set -euo pipefail
[ $# -eq 5 ] || { sed -n 2,9p "$0" >&2; exit 2; }
reps=$1 trials=$2 threads=$3 a=$4 b=$5
cd "$(dirname "$0")/.."
scenario=${SCENARIO:-scenarios/china-ree-export-ban.toml}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$reps"); do
    for bin in "$a" "$b"; do
        /usr/bin/time -f "%e %U" -o "$work/time" "$bin" run "$scenario" \
            --trials "$trials" --threads "$threads" --quiet --out "$work/run" --force
        printf '%s ' "$(cat "$work/time")"
    done
    echo
done | python3 -c '
import statistics as st, sys
rows = [list(map(float, line.split())) for line in sys.stdin]
wa, ua, wb, ub = (list(c) for c in zip(*rows))
def quartiles(r):
    r = sorted(r)
    return r[len(r) // 4], st.median(r), r[(3 * len(r)) // 4]
print("A wall min %.2f median %.2f s | B wall min %.2f median %.2f s"
      % (min(wa), st.median(wa), min(wb), st.median(wb)))
print("B/A wall q1 %.3f median %.3f q3 %.3f | user q1 %.3f median %.3f q3 %.3f"
      % (quartiles([y / x for x, y in zip(wa, wb)]) + quartiles([y / x for x, y in zip(ua, ub)])))
'
