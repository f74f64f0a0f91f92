"""The EvoKD benchmark's report: means and spread over seeds, the aim check, and the figure."""

from __future__ import annotations

import json

from benchmarks import bench_evokd

KEY = {"dataset": "bbc-news", "shots": 1, "rounds": 2, "per_round": 10, "budget": 2000,
       "teacher": "local/t", "test_limit": None, "full_shot_epochs": 1, "lr": 1e-4, "epochs": 5,
       "batch_size": 8, "engine": None}


def job(accs, tokens=0, kept=(0, 0, 0), full=None, disagree=0):
    rounds = [{"round": i, "accuracy": a, "macro_f1": a - 0.01, "kept": k, "teacher_tokens": 0,
               "accounting": {"asked": 10, "parsed": 8, "echoed": 1, "unlabelled": 1, "kept": k,
                              "disagree": disagree, "prompt_tokens": 600, "completion_tokens": 400} if i else {}}
              for i, (a, k) in enumerate(zip(accs, kept))]
    return {"rounds": rounds, "teacher_tokens": tokens, "full_shot": full}


def write(out, method, seed, result, key=KEY):
    bench_evokd.result_path(out, method, seed, key).write_text(json.dumps(
        {"settings": key, "method": method, "seed": seed, "result": result}))


def test_results_are_kept_per_job_and_reported_as_mean_and_spread(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    runs = {("evokd", 0): job([0.7, 0.8, 0.9], 4000, (0, 3, 5)), ("evokd", 1): job([0.6, 0.7, 0.7], 4100, (0, 2, 2)),
            ("static", 0): job([0.7, 0.7, 0.8], 4000, (0, 6, 6)), ("static", 1): job([0.6, 0.6, 0.6], 4050, (0, 5, 5)),
            ("none", 0): job([0.7], full={"accuracy": 0.9, "macro_f1": 0.9}),
            ("none", 1): job([0.6], full={"accuracy": 1.0, "macro_f1": 1.0}),
            ("evokd-recipe", 0): job([0.7, 0.5, 0.6], 4000, (0, 3, 3))}
    for (method, seed), result in runs.items():
        write(out, method, seed, result)
    write(out, "evokd", 2, job([0.1, 0.1, 0.1]), dict(KEY, budget=999))  # other settings: not mixed in

    found = bench_evokd.load_results(out, KEY)
    assert {m: sorted(v) for m, v in found.items() if v} == {"evokd": [0, 1], "static": [0, 1], "none": [0, 1],
                                                             "evokd-recipe": [0]}
    text = bench_evokd.report(found, KEY, "make bench-evokd")
    rows: dict[str, str] = {}
    for line in text.splitlines():  # the first table: one row per method
        if line.startswith("| "):
            rows.setdefault(line.split(" | ")[0], line)
    # Final accuracy 0.9 and 0.7: mean 0.800, sample sd 0.141; of full-shot 0.9 and 1.0: 100% and 70%.
    assert "| 0.800 ± 0.141 |" in rows["| EvoKD"] and "| 85 ± 21% |" in rows["| EvoKD"]
    assert "| 4050 ± 71 |" in rows["| EvoKD"] and "| 6.0 ± 2.8 |" in rows["| EvoKD"]
    assert "| 0.700 ± 0.141 |" in rows["| static"]
    assert "| 0.950 ± 0.071 |" in rows["| full-shot"]
    assert "| 0.600 |" in rows["| EvoKD, old training recipe"]
    assert "`make bench-evokd`" in text
    assert "| EvoKD | 0.650 ± 0.071 | 0.750 ± 0.071 | 0.800 ± 0.141 |" in text  # accuracy by round
    assert "| EvoKD | 0.640 ± 0.071 | 0.740 ± 0.071 | 0.790 ± 0.141 |" in text  # macro-F1 by round
    # The aim, measured: 0.800 >= 0.700, no round below round 0, tokens 4050/4025 within 10%.
    assert "EvoKD >= static (per seed, EvoKD - static: +0.100, +0.100)" in text
    assert "no round below round 0" in text and "equal within 10%: yes" in text
    # Accounting, mean per job over its rounds: asked 10 a round, 2 rounds.
    assert "| EvoKD | 20.0 | 16.0 | 2.0 | 2.0 | 6.0 | 0.0 | 1200.0 | 800.0 |" in text
    # At equal kept samples: EvoKD kept 8 and 4 by round 2 (mean 6.0); static's means are 5.5
    # kept at 0.650 (round 1) and 11 at 0.700 (round 2): 0.650 + 0.05 * 0.5 / 5.5 = 0.655.
    assert "At equal kept samples (6.0, EvoKD's mean by its last round): EvoKD 0.800, static 0.655" in text
    # The ablation against EvoKD on its one seed: 0.9 - 0.6 = +0.300; lowest round - round 0: -0.2.
    assert "| EvoKD, old training recipe | 0 | 0.600 | 0.900 | +0.300 | -0.200 |" in text
    aims = bench_evokd.aims(found, 2)
    assert aims["evokd_ge_static"] and aims["no_round_below_round0"]


def test_the_figure_is_a_png_with_both_panels(tmp_path):
    found = {m: {} for m in bench_evokd.METHODS}
    found["evokd"] = {0: job([0.7, 0.8, 0.9], 4000, (0, 3, 5)), 1: job([0.6, 0.7, 0.7], 4000, (0, 2, 2))}
    found["none"] = {0: job([0.7], full={"accuracy": 0.9, "macro_f1": 0.9})}
    path = tmp_path / "fig.png"
    assert bench_evokd.plot(found, KEY, path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert bench_evokd._kept_by_round(found["evokd"][0], 2) == [0.0, 3.0, 8.0]  # the second panel's x
