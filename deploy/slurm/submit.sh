#!/usr/bin/env bash
# Submit a sharded corridor run to Slurm: a job array with one task per shard,
# then a merge job that starts only when every shard succeeded.
#
#   deploy/slurm/submit.sh SCENARIO TRIALS SEED SHARDS OUTDIR
#
# OUTDIR receives shard-<i>/ (one per array task), merged/ (the result, the
# same bytes as one `corridor run` with all the trials) and logs/ (the jobs'
# output). Prints two lines, `array <id>` and `merge <id>`, for squeue/scancel.
# Run it from the folder that relative scenario paths start from: the jobs
# inherit the working directory and the environment, including CORRIDOR_BIN
# (the corridor binary the jobs run; default `corridor` on PATH).
# Extra sbatch options (partition, account, time limit, ...) can be given in
# SBATCH_EXTRA, e.g. SBATCH_EXTRA="--partition=short --time=00:30:00".
set -euo pipefail

if [ "$#" -ne 5 ]; then
  echo "usage: $0 SCENARIO TRIALS SEED SHARDS OUTDIR" >&2
  exit 2
fi
SCENARIO=$1 TRIALS=$2 SEED=$3 SHARDS=$4 OUTDIR=$5
case "$SHARDS" in
  '' | *[!0-9]* | 0) echo "submit.sh: SHARDS must be a positive integer, got '$SHARDS'" >&2; exit 2 ;;
esac
[ -f "$SCENARIO" ] || { echo "submit.sh: no scenario file '$SCENARIO'" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$OUTDIR/logs"          # Slurm does not create the folder of --output
RUNS="$(cd "$OUTDIR" && pwd)"    # absolute: the jobs may start elsewhere
export SCENARIO TRIALS SEED SHARDS RUNS
export MERGED="$RUNS/merged"
export CORRIDOR_BIN="${CORRIDOR_BIN:-corridor}"

# shellcheck disable=SC2086 # SBATCH_EXTRA is a list of options
array_id="$(sbatch --parsable ${SBATCH_EXTRA:-} \
  --array="0-$((SHARDS - 1))" \
  --output="$RUNS/logs/%x-%A_%a.out" \
  "$here/corridor-array.sbatch")"
array_id="${array_id%%;*}"       # --parsable prints id[;cluster]

# kill-on-invalid-dep: if a shard fails, cancel the merge instead of leaving
# it pending forever (DependencyNeverSatisfied).
# shellcheck disable=SC2086
if ! merge_id="$(sbatch --parsable ${SBATCH_EXTRA:-} \
  --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
  --output="$RUNS/logs/%x-%j.out" \
  "$here/corridor-merge.sbatch")"; then
  echo "submit.sh: submitting the merge failed; cancelling array $array_id" >&2
  scancel "$array_id" || true
  exit 1
fi
merge_id="${merge_id%%;*}"

echo "array $array_id"
echo "merge $merge_id"
