#!/usr/bin/env bash
# Where the reference workload spends its time: `perf record` with DWARF
# call graphs on one thread, a flat report by self time and a flamegraph
# (inferno, installed with `cargo install` on first use), in
# outputs/profile/.
#
#   scripts/profile.sh [TRIALS=2000]
#
# The release profile keeps line tables for this crate, so samples are
# attributed to source lines without a special build.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-2000}
command -v perf > /dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
if ! command -v inferno-flamegraph > /dev/null; then
    cargo install --locked --quiet inferno
fi
cargo build --release --locked --quiet --bin corridor
bin="${CARGO_TARGET_DIR:-target}/release/corridor"
out=outputs/profile
mkdir -p "$out"
perf record --quiet -F 499 --call-graph dwarf,16384 -o "$out/perf.data" \
    "$bin" run scenarios/china-ree-export-ban.toml --trials "$trials" --threads 1 \
    --quiet --force --out "$out/run"
perf report -i "$out/perf.data" --no-children --percent-limit 0.5 --stdio \
    2> /dev/null > "$out/report.txt"
perf script -i "$out/perf.data" 2> /dev/null | inferno-collapse-perf > "$out/stacks.txt"
inferno-flamegraph --title "corridor run, $trials trials, 1 thread" \
    < "$out/stacks.txt" > "$out/flamegraph.svg"
echo "wrote $out/report.txt (self time by function) and $out/flamegraph.svg"
