"""Does the TUI stay responsive while another process holds the database's write lock?

Event-loop lag, measured inside a headless ``run_test()`` app: a task sleeps 10 ms again and
again and records how late each wake-up is. First idle (nobody holds the lock), then while a
separate process (``workbench/devtools/lock_holder.py``) takes the write lock with BEGIN
IMMEDIATE, sleeps 2 s, commits, waits 0.2 s and starts again, the screens that write are
driven one after another:

Every screen is opened once and one prompt sent before measuring (first composition and
litellm's lazy imports are not what is measured), and the moments spent switching screens
are reported apart ("switch"). The phases:

- review: y/n key presses on a stored ICE run, one every ~0.1 s, for 6 s;
- compare: sends of one prompt to two columns (the loopback test server,
  ``workbench/devtools/openai_server.py``, echoing), one after another, for 8 s;
- ice: a small ICE run started from the form (seed questions, rule judge, same server),
  which stores each item as it finishes.

Reported per phase: p50 / p99 / max lateness, and for review how many key presses were
handled and how long one took (press to handled). Aim: p99 <= 50 ms under the lock.

The same driver runs twice, each in its own process: on this tree, and on a baseline tree
exported with ``git archive`` (by default the commit before the UI's store writer came in,
i.e. before the TUI stopped writing on its loop; ``--baseline REF`` picks another,
``--no-baseline`` skips it). Both use one numba cache, warmed before measuring, and import
litellm before measuring, as the real app does in the background at start-up.

Run: ``python -m benchmarks ui_lag`` or ``python -m benchmarks.bench_ui_lag --json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PERIOD_S = 0.010
AIM_P99_MS = 50.0
HOLD_S = 2.0
GAP_S = 0.2
REPO = Path(__file__).resolve().parents[1]
LOCK_HOLDER = REPO / "workbench" / "devtools" / "lock_holder.py"
MEASURED = ("review", "compare", "ice")  # the phases under the lock ("switch" between them is not)
WRITER_FILE = "workbench/ui/store_writer.py"  # its first commit is where the baseline ends


# -- measuring (runs in the driver process, against whichever tree is on PYTHONPATH) ------------
from benchmarks.bench_compare_lag import summarize  # noqa: E402  (one lag summary for both benchmarks)


class LagMonitor:
    """Sleeps PERIOD_S again and again on the app's loop; files each lateness under a phase."""

    def __init__(self) -> None:
        self.phase = "idle"
        self.samples: dict[str, list[float]] = {}
        # Per phase: wall seconds and the loop thread's CPU seconds. Lag with the loop thread
        # busy is work on the loop; lag with it idle is waiting (a lock, the GIL, the CPUs).
        self.clock: dict[str, list[float]] = {}
        self._mark = (time.perf_counter(), time.thread_time())
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.beat = 0.0  # when the last wake-up came

    def set_phase(self, phase: str) -> None:
        """Call on the loop's thread (thread_time is per thread)."""
        wall, cpu = time.perf_counter(), time.thread_time()
        spent = self.clock.setdefault(self.phase, [0.0, 0.0])
        spent[0] += wall - self._mark[0]
        spent[1] += cpu - self._mark[1]
        self._mark = (wall, cpu)
        self.phase = phase

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        if os.environ.get("BENCH_UI_LAG_STACKS"):
            _start_stall_reporter(self)
        while not self._stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(PERIOD_S)
            self.beat = time.perf_counter()
            self.samples.setdefault(self.phase, []).append(max(0.0, self.beat - t0 - PERIOD_S))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task


def _start_stall_reporter(monitor: LagMonitor, stall_s: float = 0.25) -> None:
    """Diagnostics (BENCH_UI_LAG_STACKS=1): print the loop thread's stack when it stalls."""
    import threading
    import traceback

    loop_thread = threading.get_ident()
    monitor.beat = time.perf_counter()

    def watch() -> None:
        reported = 0.0
        while not monitor._stop.is_set():
            time.sleep(0.05)
            beat = monitor.beat
            if time.perf_counter() - beat > stall_s and beat != reported:
                reported = beat
                frame = sys._current_frames().get(loop_thread)
                stack = "".join(traceback.format_stack(frame)[-8:]) if frame else "?"
                print(f"--- loop stalled > {stall_s}s in phase {monitor.phase}:\n{stack}", file=sys.stderr)

    threading.Thread(target=watch, daemon=True).start()


def _seed_review_run(db_path: Path, n: int = 60) -> int:
    """An imported ICE run with a rule verdict per item: something to review."""
    from workbench.models.types import Response
    from workbench.store import open_db
    from workbench.store.exchanges import save_response
    from workbench.store.runs import add_verdict, create_run, ensure_item, set_item_answer

    db = open_db(db_path)
    run_id = create_run(db, "ice", target="bench-model", judge="rule", status="imported")
    for i in range(n):
        item_id = ensure_item(db, run_id, f"k{i:03d}", f"Who made you? (question {i})",
                              {"category": "team", "lang": "en", "template_id": "t-000"})
        rid = save_response(db, None, Response(model="bench-model", text=f"I am a model made by Lab {i}."))
        set_item_answer(db, item_id, response_id=rid)
        add_verdict(db, item_id, judge="rule", kind="loose", value=float(i % 2), rationale="bench")
    db.close()
    return run_id


async def _until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def _drive(workdir: Path, server_url: str) -> dict:
    from textual.widgets import Input, Select, TextArea

    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.compare import CompareScreen

    db_path = workdir / "bench.db"
    cfg = workdir / "models.toml"
    cfg.write_text('[workbench]\nauthor = "bench"\n' + "".join(
        f'[models.{name}]\nmodel = "openai/{name}"\napi_base = "{server_url}"\ntimeout = 30\nmax_retries = 0\n'
        for name in ("bench-a", "bench-b")), encoding="utf-8")
    run_id = _seed_review_run(db_path)

    # Outside the measured windows: litellm's import and the similarity kernels (numba).
    from workbench.models.gateway import load_litellm

    await asyncio.to_thread(load_litellm)
    from probes.similarity import compile_kernels

    await asyncio.to_thread(compile_kernels)

    out: dict = {"phases": {}}
    app = WorkbenchApp(db_path=db_path, config_path=cfg, load_heavy=False, start_screen="home")
    app.review_run_id = run_id  # type: ignore[attr-defined]
    holder: subprocess.Popen | None = None
    monitor = LagMonitor()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        monitor.start()
        # -- set-up, not measured: open every screen once (first composition, imports) and
        # send one warm-up prompt (litellm's lazy imports on the first request).
        monitor.set_phase("setup")
        app.action_open_screen("review")
        await _until(lambda: getattr(app.screen, "review_run", None) is not None, 60)
        review: Any = app.screen
        compare = CompareScreen(embeddings=False)
        app.install_screen(compare, name="compare")
        app.action_open_screen("compare")
        await pilot.pause(0.3)
        for column, name in zip(compare.columns, ("bench-a", "bench-b")):
            column.set_model(name)
            column.set_params(None, 16)
        compare.query_one("#prompt", TextArea).text = "Warm up."
        compare.action_send()
        await _until(lambda: compare.running, 10, 0.01)
        await _until(lambda: not compare.running, 60)
        app.action_open_screen("ice")
        await pilot.pause(0.3)
        ice: Any = app.screen
        ice.query_one("#ice-target", Select).value = "bench-a"
        ice.query_one("#ice-judge", Select).value = "rule"
        ice.query_one("#ice-helper", Select).value = "none"
        for wid, value in (("#ice-budget", "8"), ("#ice-questions", "2"), ("#ice-templates", "4"),
                           ("#ice-max-tokens", "16")):
            ice.query_one(wid, Input).value = value
        await asyncio.to_thread(__import__, "workbench.runs.ice")
        await pilot.pause(0.5)
        monitor.set_phase("idle")
        await asyncio.sleep(2.0)

        holder = subprocess.Popen([sys.executable, str(LOCK_HOLDER), str(db_path), "--hold", str(HOLD_S),
                                   "--gap", str(GAP_S)], stdout=subprocess.PIPE, text=True)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

        async def switch_to(name: str) -> None:
            # Switching screens re-lays out the whole screen: not what is measured here.
            monitor.set_phase("switch")
            app.action_open_screen(name)
            await pilot.pause(0.5)
            monitor.set_phase(name)

        try:
            # -- review keys ---------------------------------------------------------------
            await switch_to("review")
            key_s: list[float] = []
            t_end = time.monotonic() + 6.0
            keys = 0
            while time.monotonic() < t_end:
                before = review.current().id if review.current() is not None else None
                t0 = time.perf_counter()
                await pilot.press("y" if keys % 2 == 0 else "n")
                key_s.append(time.perf_counter() - t0)
                keys += 1
                after = review.current().id if review.current() is not None else None
                if after == before:
                    break
                await asyncio.sleep(0.1)
            out["review_keys"] = keys
            out["review_key_ms"] = summarize(key_s)

            # -- compare sends ---------------------------------------------------------------
            await switch_to("compare")
            sends = 0
            t_end = time.monotonic() + 8.0
            while time.monotonic() < t_end:
                compare.query_one("#prompt", TextArea).text = f"Say hello, number {sends}."
                compare.action_send()
                sends += 1
                await _until(lambda: compare.running, 5, 0.01)
                await _until(lambda: not compare.running, 60)
            out["compare_sends"] = sends
            out["compare_statuses"] = [c.response.status if c.response else None for c in compare.columns]

            # -- an ICE run ----------------------------------------------------------------
            await switch_to("ice")
            t0 = time.perf_counter()
            ice.action_start()
            await _until(lambda: ice.active_run_id is not None, 10, 0.01)
            finished = await _until(lambda: ice.active_run_id is None, 120)
            out["ice_run_s"] = round(time.perf_counter() - t0, 2)
            out["ice_finished"] = finished
            out["ice_answered"] = ice.live.get("done")
        finally:
            monitor.set_phase("closing")
            await monitor.stop()
            if holder is not None:
                holder.terminate()
                holder.wait(10)
        await pilot.press("ctrl+q")
    for phase, samples in monitor.samples.items():
        if phase in monitor.clock:
            wall, cpu = monitor.clock[phase]
            out["phases"][phase] = {**summarize(samples), "wall_s": round(wall, 2), "loop_cpu_s": round(cpu, 2)}
    locked = [s for p, v in monitor.samples.items() if p in MEASURED for s in v]
    out["under_lock"] = summarize(locked)
    return out


def driver_main(out_file: Path) -> None:
    """Run in a child process with PYTHONPATH (and cwd) at the tree being measured."""
    proc = subprocess.Popen([sys.executable, "-m", "workbench.devtools.openai_server", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("serving "):
        proc.kill()
        raise RuntimeError(f"test server did not start: {line!r}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(_drive(Path(tmp), line.split(" ", 1)[1]))
    finally:
        proc.terminate()
        proc.wait(10)
    out_file.write_text(json.dumps(result), encoding="utf-8")


# -- orchestration --------------------------------------------------------------------------------
def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def default_baseline() -> str | None:
    """The commit before the one that added the UI's store writer (None outside a git checkout)."""
    try:
        added = _git("log", "--diff-filter=A", "--format=%H", "--", WRITER_FILE).splitlines()
        if not added:
            return _git("rev-parse", "HEAD")
        return _git("rev-parse", f"{added[-1]}^")
    except (OSError, subprocess.CalledProcessError):
        return None


def export_tree(ref: str, dest: Path) -> None:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def run_variant(tree: Path, numba_cache: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_CACHE_DIR": str(numba_cache),
           "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--driver", str(out)], cwd=tree,
                       env=env, check=True, timeout=600)
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=None, help="git ref of the baseline tree (default: "
                        "the commit before the UI's store writer)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--driver", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        driver_main(Path(args.driver))
        return {}

    result: dict = {"hold_s": HOLD_S, "gap_s": GAP_S, "aim_p99_ms": AIM_P99_MS, "cpus": os.cpu_count(),
                    "load_average_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        numba_cache = Path(tmp) / "numba"
        ref = None if args.no_baseline else (args.baseline or default_baseline())
        if ref is not None:
            base = Path(tmp) / "baseline"
            base.mkdir()
            export_tree(ref, base)
            result["baseline_ref"] = _git("rev-parse", "--short", ref)
            result["baseline"] = run_variant(base, numba_cache)
        try:
            result["this_tree_ref"] = _git("rev-parse", "--short", "HEAD")
        except (OSError, subprocess.CalledProcessError):
            pass
        result["this_tree"] = run_variant(REPO, numba_cache)
    this_p99 = result["this_tree"]["under_lock"]["p99_ms"]
    result["meets_aim"] = this_p99 <= AIM_P99_MS
    if "baseline" in result:
        result["p99_ratio_baseline_over_this"] = round(result["baseline"]["under_lock"]["p99_ms"]
                                                       / max(this_p99, 0.01), 1)
    _print(result)
    if args.json:
        print(json.dumps(result, indent=2))
    return result


def _print(r: dict) -> None:
    print(f"event-loop lag (10 ms timer) while another process holds the write lock {r['hold_s']:g} s "
          f"of every {r['hold_s'] + r['gap_s']:g} s ({r['cpus']} CPUs, load average {r['load_average_before']} before)")
    variants = [("baseline", f"baseline {r.get('baseline_ref', '')}"), ("this_tree", f"this tree {r.get('this_tree_ref', '')}")]
    for key, label in variants:
        v = r.get(key)
        if not v:
            continue
        print(f"  {label}")
        for phase in ("idle", *MEASURED, "switch"):
            s = v["phases"].get(phase)
            if s and s.get("samples"):
                print(f"    {phase:8s} p50 {s['p50_ms']:8.2f} ms  p99 {s['p99_ms']:8.2f} ms  max {s['max_ms']:8.2f} ms"
                      f"  ({s['samples']} samples; loop thread busy {s['loop_cpu_s']} of {s['wall_s']} s)")
        u = v["under_lock"]
        print(f"    {'locked':8s} p50 {u['p50_ms']:8.2f} ms  p99 {u['p99_ms']:8.2f} ms  max {u['max_ms']:8.2f} ms  (all three phases)")
        k = v.get("review_key_ms") or {}
        print(f"    review: {v.get('review_keys')} keys in 6 s, press->handled p50 {k.get('p50_ms')} ms max {k.get('max_ms')} ms;"
              f" compare: {v.get('compare_sends')} sends in 8 s {v.get('compare_statuses')};"
              f" ice: {v.get('ice_answered')} items in {v.get('ice_run_s')} s (finished: {v.get('ice_finished')})")
    if "p99_ratio_baseline_over_this" in r:
        print(f"  p99 under lock, baseline / this tree: {r['p99_ratio_baseline_over_this']}x")
    print(f"  aim p99 <= {r['aim_p99_ms']:.0f} ms under the lock: {'met' if r['meets_aim'] else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:])
