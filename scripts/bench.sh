#!/usr/bin/env bash
# The reference workload as a user runs it: builds the release binary, runs
# `corridor run scenarios/china-ree-export-ban.toml --trials N` (summary CSV
# included) and prints wall time, trials per second and peak memory.
#
#   scripts/bench.sh [TRIALS=10000] [THREADS=2]
#   SCENARIO=scenarios/cpc-outage.toml scripts/bench.sh 1000
#
# Prints one line; with CSV=FILE also appends
# `scenario,trials,threads,wall_s,trials_per_s,peak_rss_mb,user_s` to FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-10000}
threads=${2:-2}
scenario=${SCENARIO:-scenarios/china-ree-export-ban.toml}
bin="${CARGO_TARGET_DIR:-target}/release/corridor"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cargo build --release --locked --quiet --bin corridor
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -f "%e %M %U" -o "$out/time" \
    "$bin" run "$scenario" --trials "$trials" --threads "$threads" --quiet --out "$out/run"
read -r wall rss_kb user < "$out/time"
rate=$(awk -v n="$trials" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
rss=$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')
echo "$scenario: $trials trials, $threads threads: ${wall} s wall, $rate trials/s, peak RSS $rss MB (user ${user} s)"
if [ -n "${CSV:-}" ]; then
    echo "$scenario,$trials,$threads,$wall,$rate,$rss,$user" >> "$CSV"
fi
