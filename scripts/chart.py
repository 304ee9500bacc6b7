#!/usr/bin/env python3
"""Draws docs/scaling.svg from docs/scaling.csv (scripts/scaling.sh):
left, wall time and peak memory against trials; right, time per trial and
peak memory against world size. Plain SVG, no plotting library needed."""

import csv
import math
import sys

W, H, PAD = 360, 260, 50


def panel(x0, title, xs, series, xlabel, xfmt):
    """Log-log panel: series is [(label, colour, ys)]."""
    out = [f'<g transform="translate({x0},0)">',
           f'<text x="{W/2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>']
    lx = [math.log10(x) for x in xs]
    ally = [y for _, _, ys in series for y in ys]
    ly0, ly1 = math.floor(math.log10(min(ally))), math.ceil(math.log10(max(ally)))
    ly1 = max(ly1, ly0 + 1)
    lx0, lx1 = min(lx), max(lx)
    if lx1 == lx0:
        lx1 = lx0 + 1
    px = lambda v: PAD + (math.log10(v) - lx0) / (lx1 - lx0) * (W - 2 * PAD)
    py = lambda v: H - PAD - (math.log10(v) - ly0) / (ly1 - ly0) * (H - 2 * PAD)
    out.append(f'<rect x="{PAD}" y="{PAD}" width="{W-2*PAD}" height="{H-2*PAD}" fill="none" stroke="#888"/>')
    for e in range(ly0, ly1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{PAD}" x2="{W-PAD}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{PAD-4}" y="{y+4}" text-anchor="end" font-size="10">1e{e}</text>')
    for x in xs:
        out.append(f'<text x="{px(x)}" y="{H-PAD+14}" text-anchor="middle" font-size="10">{xfmt(x)}</text>')
    out.append(f'<text x="{W/2}" y="{H-PAD+30}" text-anchor="middle" font-size="11">{xlabel}</text>')
    for i, (label, colour, ys) in enumerate(series):
        pts = " ".join(f"{px(x)},{py(y)}" for x, y in zip(xs, ys))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in zip(xs, ys):
            out.append(f'<circle cx="{px(x)}" cy="{py(y)}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{PAD+6}" y="{PAD+14+14*i}" font-size="11" fill="{colour}">{label}</text>')
    out.append("</g>")
    return out


def main(src, dst):
    rows = list(csv.DictReader(open(src)))
    ref = [r for r in rows if "china-ree-export-ban" in r["scenario"] and r["threads"] == "2"]
    ref.sort(key=lambda r: int(r["trials"]))
    worlds = [r for r in rows if "baseline-x" in r["scenario"]]
    worlds.sort(key=lambda r: int(r["scenario"].rsplit("-x", 1)[1].split(".")[0]))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2*W}" height="{H}" font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>']
    xs = [int(r["trials"]) for r in ref]
    out += panel(0, "Reference workload, 2 threads", xs,
                 [("wall time, s", "#1f77b4", [float(r["wall_s"]) for r in ref]),
                  ("peak RSS, MB", "#d62728", [float(r["peak_rss_mb"]) for r in ref])],
                 "trials", lambda x: f"1e{round(math.log10(x))}")
    ks = [int(r["scenario"].rsplit("-x", 1)[1].split(".")[0]) for r in worlds]
    out += panel(W, "World size, 200 trials, 2 threads", ks,
                 [("ms per trial", "#1f77b4", [1000 * float(r["wall_s"]) / int(r["trials"]) for r in worlds]),
                  ("peak RSS, MB", "#d62728", [float(r["peak_rss_mb"]) for r in worlds])],
                 "copies of the baseline world", lambda x: f"{x}x")
    out.append("</svg>")
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(*(sys.argv[1:3] if len(sys.argv) > 2 else ("docs/scaling.csv", "docs/scaling.svg")))
