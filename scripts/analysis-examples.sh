#!/usr/bin/env bash
# The worked examples of docs/analysis.md, end to end: every command, its
# terminal table (into OUT/*.txt) and its chart (OUT/*.svg, OUT/*.png).
#
#   scripts/analysis-examples.sh [TRIALS=2000] [OUT=outputs/examples]
#
# docs/analysis.md quotes a run with the defaults; CI runs it with few
# trials to prove the commands and charts work. Every command fails the
# script (set -e), so a worked example that stops working stops CI.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-2000}
out=${2:-outputs/examples}
seed=20260101
bin="${CARGO_TARGET_DIR:-target}/release/corridor"
[ -x "$bin" ] || cargo build --release --locked --quiet --bin corridor
mkdir -p "$out"
run() { "$bin" run "$1" --trials "$trials" --seed "$seed" --keep-trials --quiet --force --out "$out/$2"; }
say() { echo "== $*"; }

say "1. A Chinese ban on rare-earth exports to the US, against the baseline"
run scenarios/baseline.toml baseline
run scenarios/china-ree-export-ban.toml ban
"$bin" compare "$out/baseline" "$out/ban" --key US --top 12 | tee "$out/ban-vs-baseline.txt"
"$bin" plot "$out/ban" --against "$out/baseline" --metric shortfall --commodity ndfeb_magnets --key US --force --out "$out/ban-magnet-shortfall-us.svg"
"$bin" plot "$out/ban" --against "$out/baseline" --metric price --commodity ndfeb_magnets --key US --format png --force --out "$out/ban-magnet-price-us.png"
"$bin" sensitivity scenarios/china-ree-export-ban.toml --metric shortfall --commodity ndfeb_magnets --key US \
    --trials "$((trials / 2))" --seed "$seed" --top 3 --force --out "$out/ban-sensitivity" | tee "$out/ban-sensitivity.txt"
"$bin" plot "$out/ban-sensitivity" --force --out "$out/ban-tornado.svg"

say "2. What Middle Corridor investment is worth: avoided shortfall over a grid of port and feeder capacity"
"$bin" sweep scenarios/middle-corridor-expansion.toml \
    --set policies.aktau_feeders_x3.factor=1,2,3 --set policies.aktau_kuryk_plus50.factor=1,1.5 \
    --trials "$((trials / 2))" --seed "$seed" --metric shortfall --commodity other_cargo --key EU \
    --force --out "$out/corridor-sweep" | tee "$out/corridor-sweep.txt"
"$bin" plot "$out/corridor-sweep" --metric shortfall --commodity other_cargo --key EU --force --out "$out/corridor-sweep.svg"

say "3. A CPC outage and Israel's crude"
run scenarios/cpc-disruption.toml cpc
"$bin" compare "$out/baseline" "$out/cpc" --commodity oil --top 12 | tee "$out/cpc-vs-baseline.txt"
"$bin" plot "$out/cpc" --against "$out/baseline" --metric price --commodity oil --key IL --force --out "$out/cpc-price-il.svg"
"$bin" plot "$out/cpc" --against "$out/baseline" --chart flows --metric corridor_flow --commodity oil --force --out "$out/cpc-corridors.svg"
say "done: $out"
