"""What the teacher's samples were like in EvoKD benchmark jobs, read from their databases.

For each method (EvoKD, static, the ablations) and each kind of sample (hard, easy, static):
how many were kept, how many of those the student already labelled right *before* training on
them (EvoKD tests every round's fresh samples first; a hard sample it gets right was not
hard for it), how many the separate labelling call labelled differently from the label the
teacher meant when it wrote the text, and the labels the kept samples carry.

Run:  python benchmarks/evokd_samples.py /tmp/bench-evokd-*/bench.db [more databases]
      (the `--work` folders of `benchmarks/bench_evokd.py`; the job options say the method)
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path


def method_of(options: dict) -> str:
    if options.get("method") != "evokd":
        return str(options.get("method"))
    return "evokd" + "".join(f"-{a}" for a in sorted(options.get("ablate") or []))


def collect(paths: list[Path]) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(lambda: {"jobs": 0, "kinds": defaultdict(Counter), "labels": Counter()})
    for path in paths:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        jobs = db.execute("select id, config, status from jobs where kind = 'evokd'").fetchall()
        for job_id, config, status in jobs:
            if status != "done":
                continue
            options = (json.loads(config or "{}") or {}).get("options") or {}
            m = out[method_of(options)]
            m["jobs"] += 1
            rows = db.execute("select kind, kept, label, intended, predicted from evokd_samples "
                              "where job_id = ? and round > 0", [job_id]).fetchall()
            for kind, kept, label, intended, predicted in rows:
                c = m["kinds"][kind]
                c["generated"] += 1
                if not kept:
                    continue
                c["kept"] += 1
                m["labels"][label] += 1
                c["relabelled"] += int(intended is not None and intended != label)
                if predicted is not None:
                    c["tested"] += 1
                    c["right_before_training"] += int(predicted == label)
        db.close()
    return out


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv if Path(a).is_file()]
    if not paths:
        print(__doc__)
        return 2
    for method, m in sorted(collect(paths).items()):
        print(f"{method}: {m['jobs']} jobs; kept labels: "
              + ", ".join(f"{k} {v}" for k, v in m["labels"].most_common()))
        for kind, c in sorted(m["kinds"].items()):
            right = (f"; student right before training {c['right_before_training']}/{c['tested']}"
                     f" ({c['right_before_training'] / c['tested']:.2f})" if c["tested"] else "")
            print(f"  {kind}: generated {c['generated']}, kept {c['kept']}, relabelled {c['relabelled']}"
                  f" ({c['relabelled'] / max(1, c['kept']):.2f}){right}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
