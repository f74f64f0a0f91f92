"""Run the benchmarks: `python -m benchmarks [NAME ...] [--json]`.

Without names it runs the quick set; `evokd` and `student_device` (minutes of training),
`local_engine` (three engines and the teachers' labelling), `kv_cache` (llama-server's two
KV cache layouts), `ice_paper_prompt` (an offline judge asked the ICE paper's loose question
and ours, 17 min) and `ui_lag` (the app twice, on this tree and on a baseline tree, under
another process's write lock) run only when named.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

QUICK = ("foundation", "first_frame", "similarity", "compare_lag", "ice_judge_agreement")
ALL = (*QUICK, "evokd", "student_device", "cli_start", "local_engine", "kv_cache", "ui_lag",
       "ice_paper_prompt")
# Benchmarks whose module is not called bench_<name>.
MODULES = {"ice_judge_agreement": "benchmarks.ice_judge_agreement",
           "ice_paper_prompt": "benchmarks.ice_paper_prompt"}


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    names = [a for a in argv if not a.startswith("-")] or list(QUICK)
    results = {}
    for name in names:
        if name not in ALL:
            print(f"unknown benchmark {name!r}; choose from {', '.join(ALL)}", file=sys.stderr)
            return 2
        try:
            module = importlib.import_module(MODULES.get(name, f"benchmarks.bench_{name}"))
        except ModuleNotFoundError as exc:
            print(f"benchmark {name} is not available: {exc}", file=sys.stderr)
            continue
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        results[name] = module.main([])
        print(f"({name}: {time.perf_counter() - t0:.1f}s)", flush=True)
    if as_json:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
