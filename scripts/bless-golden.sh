#!/usr/bin/env bash
# Rewrites tests/golden/ from the current code: every shipped scenario's
# deterministic path.csv and its 64-trial summary.csv (tests/golden.rs).
# Review `git diff tests/golden` and say in the commit why the outputs moved.
set -euo pipefail
cd "$(dirname "$0")/.."
CORRIDOR_BLESS=1 cargo test --release --locked --test integration -- golden::
git status --short tests/golden
