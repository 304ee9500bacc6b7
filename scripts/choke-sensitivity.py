#!/usr/bin/env python3
"""Sensitivity of the China-ban headline results to the rare-earth choke prices.

Writes three copies of scenarios/china-ree-export-ban.toml's world (via
baseline.toml) with every rare-earth demand's choke price scaled by 0.5, 1
and 2 (a triangular distribution has min, mode and max scaled), runs each
with the same seed and trials, and prints the horizon mean of US shortfall
and the mean US price from summary.csv.

    python3 scripts/choke-sensitivity.py [TRIALS] [CORRIDOR_BINARY]
"""
import csv, os, re, subprocess, sys, tempfile

trials = sys.argv[1] if len(sys.argv) > 1 else "1000"
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/corridor"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
base = open(os.path.join(root, "scenarios/baseline.toml")).read()
ban = open(os.path.join(root, "scenarios/china-ree-export-ban.toml")).read()


def scaled(text, k):
    out, in_ree = [], False
    for line in text.splitlines():
        if line.startswith("commodity = "):
            in_ree = line.strip() == 'commodity = "rare_earths"'
        if in_ree and line.startswith("choke_price"):
            line = re.sub(r"(\d[\d_]*)", lambda m: str(int(m.group(1).replace("_", "")) * k), line.split("#")[0])
        out.append(line)
    return "\n".join(out) + "\n"


def value(rows, metric, key):
    for r in rows:
        if r["metric"] == metric and r["commodity"] == "rare_earths" and r["key"] == key and r["period"] == "horizon":
            return float(r["mean"])
    raise KeyError(metric)


print("| choke × | US shortfall, 60 months (t REO, mean) | US price (USD/t, mean over months and trials) |")
print("|---|---|---|")
with tempfile.TemporaryDirectory() as d:
    for k in (0.5, 1, 2):
        open(os.path.join(d, "baseline.toml"), "w").write(scaled(base, k))
        open(os.path.join(d, "ban.toml"), "w").write(ban)
        out = os.path.join(d, f"out-{k}")
        subprocess.run([binary, "run", os.path.join(d, "ban.toml"), "--trials", trials, "--quiet", "--out", out], check=True)
        rows = list(csv.DictReader(open(os.path.join(out, "summary.csv"))))
        print(f"| {k} | {value(rows, 'shortfall', 'US'):,.0f} | {value(rows, 'price', 'US'):,.0f} |")
