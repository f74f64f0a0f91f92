"""The EvoKD benchmark's report: means and spread over seeds, and the hand-written SVG plot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from benchmarks import bench_evokd
from benchmarks.svg_plot import Reference, Series, line_chart

KEY = {"dataset": "bbc-news", "shots": 1, "rounds": 2, "per_round": 10, "budget": 2000,
       "teacher": "local/t", "test_limit": None, "full_shot_epochs": 1}


def job(accs, tokens=0, kept=(0, 0, 0), full=None):
    rounds = [{"round": i, "accuracy": a, "macro_f1": a - 0.01, "kept": k, "teacher_tokens": 0}
              for i, (a, k) in enumerate(zip(accs, kept))]
    return {"rounds": rounds, "teacher_tokens": tokens, "full_shot": full}


def test_results_are_kept_per_job_and_reported_as_mean_and_spread(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    runs = {("evokd", 0): job([0.7, 0.8, 0.9], 4000, (0, 3, 5)), ("evokd", 1): job([0.6, 0.7, 0.7], 4100, (0, 2, 2)),
            ("static", 0): job([0.7, 0.7, 0.8], 4000, (0, 6, 6)), ("static", 1): job([0.6, 0.6, 0.6], 4050, (0, 5, 5)),
            ("none", 0): job([0.7], full={"accuracy": 0.9, "macro_f1": 0.9}),
            ("none", 1): job([0.6], full={"accuracy": 1.0, "macro_f1": 1.0})}
    for (method, seed), result in runs.items():
        path = bench_evokd.result_path(out, method, seed, KEY)
        path.write_text(json.dumps({"settings": KEY, "method": method, "seed": seed, "result": result}))
    other = dict(KEY, budget=999)  # another configuration is not mixed in
    bench_evokd.result_path(out, "evokd", 2, other).write_text(json.dumps(
        {"settings": other, "method": "evokd", "seed": 2, "result": job([0.1, 0.1, 0.1])}))

    found = bench_evokd.load_results(out, KEY)
    assert {m: sorted(v) for m, v in found.items()} == {"evokd": [0, 1], "static": [0, 1], "none": [0, 1]}
    text, svg = bench_evokd.report(found, KEY, "make bench-evokd")
    rows: dict[str, str] = {}
    for line in text.splitlines():  # the first table: one row per method
        if line.startswith("| "):
            rows.setdefault(line.split(" | ")[0], line)
    # Final accuracy 0.9 and 0.7: mean 0.800, sample sd 0.141; of full-shot 0.9 and 1.0: 100% and 70%.
    assert "| 0.800 ± 0.141 |" in rows["| EvoKD"] and "| 85 ± 21% |" in rows["| EvoKD"]
    assert "| 4050 ± 71 |" in rows["| EvoKD"] and "| 6.0 ± 2.8 |" in rows["| EvoKD"]
    assert "| 0.700 ± 0.141 |" in rows["| static"]
    assert "| 0.950 ± 0.071 |" in rows["| full-shot"]
    assert "`make bench-evokd`" in text
    assert "| EvoKD | 0.650 ± 0.071 | 0.750 ± 0.071 | 0.800 ± 0.141 |" in text  # accuracy by round

    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 3  # one line per method
    assert any(e.get("stroke-dasharray") for e in root.findall(f"{ns}line"))  # the full-shot line
    labels = [e.text for e in root.findall(f"{ns}text")]
    assert "EvoKD" in labels and "static" in labels and "full-shot (0.950)" in labels


def test_line_chart_places_points_inside_the_plot():
    svg = line_chart([Series("a", [0.0, 1.0], [0.5, 1.0], [0.4, 0.9], [0.6, 1.0])], title="t <&>",
                     x_label="x", y_label="y", references=[Reference("ref", 0.75)], y_range=(0.0, 1.0))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    cx = [float(c.get("cx")) for c in root.findall(f"{ns}circle")]
    cy = [float(c.get("cy")) for c in root.findall(f"{ns}circle")]
    assert cx[0] < cx[1] and cy[0] > cy[1]  # later x to the right, higher y further up
    assert root.find(f"{ns}polygon") is not None  # the min-max band
    assert any(e.text == "t <&>" for e in root.findall(f"{ns}text"))  # escaped, then parsed back
