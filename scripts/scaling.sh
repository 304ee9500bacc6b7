#!/usr/bin/env bash
# The scaling curve of docs/performance.md: wall time and peak memory against
# trials (1e3 to 1e5; 1e6 with FULL=1, about 20 minutes on 2 cores), threads
# (1 and 2) and world size (scripts/grow_world.py: 1x, 2x, 4x, 8x the
# baseline at 200 trials). Writes docs/scaling.csv and the chart
# docs/scaling.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
csv=docs/scaling.csv
mkdir -p docs
echo "scenario,trials,threads,wall_s,trials_per_s,peak_rss_mb,user_s" > "$csv"
export CSV="$csv"
trials="1000 10000 100000"
[ -n "${FULL:-}" ] && trials="$trials 1000000"
for n in $trials; do scripts/bench.sh "$n" 2; done
scripts/bench.sh 10000 1
worlds=$(mktemp -d)
trap 'rm -rf "$worlds"' EXIT
for k in 1 2 4 8; do
    python3 scripts/grow_world.py "$k" > "$worlds/baseline-x$k.toml"
    SCENARIO="$worlds/baseline-x$k.toml" scripts/bench.sh 200 2
done
# Name the generated worlds by what they are, not by their temporary path.
sed -i "s|^$worlds/|generated/|" "$csv"
python3 scripts/chart.py "$csv" docs/scaling.svg
