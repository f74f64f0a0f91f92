"""Why EvoKD does or does not beat `static`: measurements behind the benchmark's table.

1. Teacher label accuracy on real bbc-news test articles (one labelling call per article with
   the label names as a JSON-schema enum, as the jobs label), for each offline teacher installed.
2. The quality of what each method kept, from the benchmark's own jobs: kept / generated,
   why the rest was dropped, and how often the teacher's label on a kept sample agrees
   with a judge student trained on all 1816 train articles (the full-shot checkpoint of a
   `none` job, about 0.94 test accuracy): the nearest thing to gold labels for made-up texts.

Run:  .venv/bin/python benchmarks/evokd_diagnose.py [--work DIR] [--articles 100]
      (after `make bench-evokd`; --work is the benchmark's folder with bench.db)
Writes a Markdown section to stdout and, with --write, to docs/evokd-diagnosis.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
DOC = REPO / "docs" / "evokd-diagnosis.md"
# bbc-news topics and the words the teacher writes for them, singular ("sports" -> "sport").
TOPIC_WORDS = {"business", "entertainment", "politic", "sport", "tech", "technology"}


def teacher_label_accuracy(model: str, n: int) -> dict[str, Any]:
    """The teacher labels real test articles exactly as a job labels its samples: one gateway
    call per text, the answer a JSON schema's enum of the label names (greedy)."""
    import asyncio

    from workbench.config import load_config
    from workbench.distill.data import load_dataset
    from workbench.distill.prompts import TaskInfo
    from workbench.distill.teacher import Teacher
    from workbench.models.gateway import Gateway

    ds = load_dataset("bbc-news", test_limit=n, seed=0)
    info = TaskInfo(task="classification", labels=ds.labels, description="BBC news articles")
    teacher = Teacher(Gateway(load_config(None)), model, info)
    t0 = time.perf_counter()
    results = asyncio.run(teacher.label_all([ex.text for ex in ds.test], seed=0))
    preds = [r.label or "(none)" for r in results]
    right = sum(p == ex.label for p, ex in zip(preds, ds.test))
    return {"model": model, "articles": len(ds.test), "accuracy": right / len(ds.test),
            "predicted": dict(Counter(preds)), "seconds": round(time.perf_counter() - t0, 1),
            "tokens": teacher.usage.tokens}


def kept_quality(db_path: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Per method: generated, kept, drop reasons and (teacher label, text) of kept samples."""
    db = sqlite3.connect(db_path)
    jobs = {jid: json.loads(cfg)["options"] for jid, cfg in db.execute("select id, config from jobs where status = 'done'")}
    judge = None
    for jid, opts in jobs.items():
        folder = db_path.parent / "jobs" / str(jid) / "full-shot"
        if opts.get("full_shot") and (folder / "config.json").exists():
            judge = str(folder)
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"generated": 0, "kept": 0, "dropped": Counter(),
                                                          "samples": [], "jobs": 0})
    for jid, opts in jobs.items():
        if opts.get("method") not in ("evokd", "static"):
            continue
        m = out[opts["method"]]
        m["jobs"] += 1
        for text, label, kept, reason in db.execute(
                "select text, label, kept, reason from evokd_samples where job_id=? and round>0", (jid,)):
            m["generated"] += 1
            if kept:
                m["kept"] += 1
                m["samples"].append((label, text))
            else:
                m["dropped"][reason or "?"] += 1
    db.close()
    return dict(out), judge


def judge_agreement(judge: str, samples: list[tuple[str, str]]) -> tuple[float, dict[str, int]]:
    from workbench.distill.data import Example
    from workbench.distill.student import Student

    student = Student.from_checkpoint(judge, "classification", device="cpu", max_length=128)
    preds = student.predict([Example(text=t, label=lab) for lab, t in samples])
    agree = sum(p == lab for p, (lab, _) in zip(preds, samples))
    return agree / max(1, len(samples)), dict(Counter(lab for lab, _ in samples))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from workbench.config import BUILTIN_LOCAL_MODEL
    from workbench.models import packaged

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, action="append", default=None,
                        help="the benchmark's work folder(s), each with a bench.db (repeatable)")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--skip-teachers", action="store_true")
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv if argv is not None else [])
    lines = ["# EvoKD diagnosis", "", f"Made by `python benchmarks/evokd_diagnose.py {' '.join(argv or [])}`.", ""]
    summary: dict[str, Any] = {}
    if not args.skip_teachers:
        teachers = [BUILTIN_LOCAL_MODEL] + ([packaged.TEACHER_MODEL] if packaged.teacher_installed() else [])
        lines += [f"Teacher label accuracy (calibrated label scoring, as the jobs label) on {args.articles} "
                  "bbc-news test articles, 20 per topic (chance 0.20):", "",
                  "| teacher | accuracy | labels it gave | seconds |", "|---|---:|---|---:|"]
        for t in teachers:
            r = teacher_label_accuracy(t, args.articles)
            summary[t] = r
            print(r, flush=True)
            given = ", ".join(f"{k} {v}" for k, v in sorted(r["predicted"].items()))
            lines.append(f"| `{t}` | {r['accuracy']:.2f} | {given} | {r['seconds']} |")
        lines.append("")
    works = args.work or [Path(tempfile.gettempdir()) / f"bench-evokd-{os.getuid()}"]
    methods: dict[str, dict[str, Any]] = {}
    judge = None
    for work in works:
        if (work / "bench.db").exists():
            found, j = kept_quality(work / "bench.db")
            judge = judge or j
            for name, m in found.items():
                into = methods.setdefault(name, {"generated": 0, "kept": 0, "dropped": Counter(),
                                                 "samples": [], "jobs": 0})
                for k in ("generated", "kept", "jobs"):
                    into[k] += m[k]
                into["dropped"].update(m["dropped"])
                into["samples"] += m["samples"]
    if methods:
        lines += ["What the teacher rounds kept (all seeds of the benchmark together). Judge: a student "
                  f"trained on the whole train split (the `none` job {Path(judge).parent.name if judge else '-'}'s "
                  "full-shot checkpoint); agreement = its prediction equals the teacher's label:", "",
                  "| method | jobs | generated | kept | kept % | dropped (reason: count) | teacher label = judge | "
                  "kept labels | kept texts opening with a topic name (\"Sports: ...\") | words per kept text |",
                  "|---|---:|---:|---:|---:|---|---:|---|---:|---:|"]
        for name in ("evokd", "static"):
            m = methods.get(name)
            if not m:
                continue
            agree = judge_agreement(judge, m["samples"])[0] if judge and m["samples"] else None
            counts = dict(Counter(lab for lab, _ in m["samples"]))
            summary[f"kept:{name}"] = {"generated": m["generated"], "kept": m["kept"], "agreement": agree,
                                       "dropped": dict(m["dropped"]), "labels": counts}
            dropped = ", ".join(f"{k}: {v}" for k, v in m["dropped"].most_common())
            labels = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            texts = [t for _, t in m["samples"]]
            prefixed = sum(t.split(":", 1)[0].strip().lower().rstrip("s") in TOPIC_WORDS for t in texts if ":" in t[:20])
            words = sum(len(t.split()) for t in texts) / max(1, len(texts))
            summary[f"kept:{name}"].update(prefixed=prefixed, words=round(words, 1))
            lines.append(f"| {name} | {m['jobs']} | {m['generated']} | {m['kept']} | "
                         f"{100 * m['kept'] / max(1, m['generated']):.0f}% | {dropped} | "
                         f"{'-' if agree is None else f'{agree:.2f}'} | {labels} | "
                         f"{100 * prefixed / max(1, len(texts)):.0f}% | {words:.1f} |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.write:
        DOC.write_text(text, encoding="utf-8")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
