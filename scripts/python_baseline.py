#!/usr/bin/env python3
"""Times the same period LPs the way a Python modeller would solve them.

Reads the JSON written by `cargo run --release --example export_lps` (the
LPs `corridor` staged for each period of a few Monte Carlo trials) and
solves every period

* with scipy.optimize.linprog(method="highs"), a fresh LP per period, and
* with highspy, one model whose bounds and costs are changed from period to
  period so that HiGHS re-solves warm from the previous basis.

Every optimum is checked against the objective `corridor` found (relative
1e-6), so this is also a cross-check of the engine against HiGHS. Prints
seconds per trial (60 periods) for each way.

    pip install scipy highspy numpy
    python3 scripts/python_baseline.py lps.json
"""

import json
import sys
import time
from importlib.metadata import version

import highspy
import numpy as np
import scipy
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

REL = 1e-6


def close(a, b):
    return abs(a - b) <= REL * max(1.0, abs(a), abs(b))


def main(path):
    d = json.load(open(path))
    m, n = d["rows"], d["cols"]
    r, c, v = zip(*d["triplets"])
    a = csr_matrix((v, (r, c)), shape=(m, n))
    row_lower = np.array(d["row_lower"], dtype=float)
    eq = np.where(row_lower == 0.0)[0]
    ub = np.where(row_lower != 0.0)[0]
    a_eq, a_ub = a[eq], a[ub]
    trials = d["trials"]
    periods = sum(len(t) for t in trials)

    # scipy: a new LP every period.
    mismatches = 0
    start = time.perf_counter()
    for trial in trials:
        for p in trial:
            rub = np.array(p["row_upper"], dtype=float)[ub]
            keep = np.isfinite(rub)
            res = linprog(
                np.array(p["cost"], dtype=float),
                A_ub=a_ub[keep],
                b_ub=rub[keep],
                A_eq=a_eq,
                b_eq=np.zeros(len(eq)),
                bounds=np.column_stack([np.zeros(n), np.array(p["col_upper"], dtype=float)]),
                method="highs",
            )
            if res.status != 0 or not close(res.fun, p["objective"]):
                mismatches += 1
    scipy_s = (time.perf_counter() - start) / len(trials)

    # highspy: one model, bounds and costs changed per period, warm re-solve.
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.full(n, inf)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -inf)
    lp.row_upper_ = np.full(m, inf)
    csc = a.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    h.passModel(lp)
    cols = np.arange(n, dtype=np.int32)
    rows = np.arange(m, dtype=np.int32)
    lower = np.zeros(n)
    rlow = lp.row_lower_
    start = time.perf_counter()
    for trial in trials:
        for p in trial:
            h.changeColsBounds(n, cols, lower, np.minimum(np.array(p["col_upper"], dtype=float), inf))
            h.changeColsCost(n, cols, np.array(p["cost"], dtype=float))
            h.changeRowsBounds(m, rows, rlow, np.minimum(np.array(p["row_upper"], dtype=float), inf))
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not close(
                h.getInfo().objective_function_value, p["objective"]
            ):
                mismatches += 1
    highspy_s = (time.perf_counter() - start) / len(trials)

    print(f"LP {m} rows x {n} columns, {len(trials)} trials x {periods // len(trials)} periods")
    print(f"scipy {scipy.__version__} linprog(method='highs'), cold per period: {scipy_s * 1e3:.1f} ms per trial")
    print(f"highspy {version('highspy')}, warm re-solve per period:      {highspy_s * 1e3:.1f} ms per trial")
    print(f"optima differing from corridor's (rel {REL}): {mismatches} of {2 * periods}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "lps.json"))
