"""Compare two runs of the same studies (e.g. before and after a refactoring), wall-clock timings
aside: the quick demo's JSON files and report metrics, and the event study's numbers and figures.

    python3 bench/compare_studies.py BEFORE AFTER [--added-baseline NAME ...]

where each directory was made by the same commands (see BENCHMARKS.md, "Restructuring").
``--added-baseline NAME`` leaves out AFTER's IG scorecard rows of a baseline that BEFORE did not
score (issue 31 made the scorecard take every registered baseline, which added ``uniform``);
how many rows were left out is printed, so the comparison says what it did not compare.
"""

import hashlib
import json
import sys
from pathlib import Path

TIMINGS = ("seconds", "jets_per_second", "training_jets_per_second")
b, a = Path(sys.argv[1]), Path(sys.argv[2])
ADDED = [sys.argv[i + 1] for i, arg in enumerate(sys.argv) if arg == "--added-baseline"]
left_out = 0


def added(x):
    """Whether ``x`` is an IG scorecard row of an added baseline."""
    return isinstance(x, dict) and x.get("method") == "ig" and x.get("baseline") in ADDED


def clean(x, root):
    if isinstance(x, dict):
        return {k: clean(v, root) for k, v in x.items() if k not in TIMINGS}
    if isinstance(x, list):
        global left_out
        kept = [v for v in x if not (root == a and added(v))]
        left_out += len(x) - len(kept)
        return [clean(v, root) for v in kept]
    if isinstance(x, str):
        return x.replace(str(root), "ROOT")
    return x


def load(p):
    return json.loads(p.read_text())


print(
    "demo report/metrics.json identical (timings aside):",
    clean(load(b / "demo/report/metrics.json"), b)
    == clean(load(a / "demo/report/metrics.json"), a),
)
for f in sorted((b / "demo").rglob("*.json")):
    rel = f.relative_to(b / "demo")
    g = a / "demo" / rel
    same = g.exists() and clean(load(f), b) == clean(load(g), a)
    if not same:
        print("  differs:", rel)
# the event study's numbers moved from study.json to results.json in the restructuring
results_b = b / "study" / ("results.json" if (b / "study/results.json").exists() else "study.json")
same = clean(load(results_b), b) == clean(load(a / "study/results.json"), a)
print("event study numbers identical (timings aside):", same)
pngs = sorted((b / "study/figures").glob("*.png"))
same = [
    hashlib.sha256(p.read_bytes()).digest()
    == hashlib.sha256((a / "study/figures" / p.name).read_bytes()).digest()
    for p in pngs
]
print(f"event study figures byte-identical: {sum(same)} of {len(pngs)}")
if ADDED:
    print(f"left out: {left_out} IG scorecard rows of {', '.join(ADDED)} in AFTER's JSON files")
