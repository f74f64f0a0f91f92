"""Facts about running jobs, for the CLI and the TUI alike: liveness, device load, ETA.

A data API with no UI in it (the split nvitop makes): screens and commands render these.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import Any, Literal, TypeGuard

from workbench.store.jobs import TERMINAL, JobRow, JobStatus, get_job

# The status a user sees: the stored one, or what the process table says instead.
JobState = JobStatus | Literal["interrupted", "stalled"]

# A worker beats every HEARTBEAT_S; after STALE_S of silence it is presumed dead.
HEARTBEAT_S = 2.0
STALE_S = 60.0
WORKER_MODULE = "workbench.jobs.worker"


def _age_s(ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        then = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return (datetime.now(timezone.utc) - then).total_seconds()


def pid_is_worker(pid: int | None, job_id: int | None = None) -> TypeGuard[int]:
    """True when ``pid`` is a live (not zombie) job worker, for ``job_id`` when given
    (so a pid it accepts is an int: a TypeGuard tells mypy)."""
    if not pid:
        return False
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        cmd = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    if WORKER_MODULE not in " ".join(cmd):
        return False  # the pid was reused by something else
    if job_id is not None and "--job" in cmd:
        i = cmd.index("--job")
        return i + 1 < len(cmd) and cmd[i + 1] == str(job_id)
    return True


def effective_status(job: JobRow, db: Any = None) -> JobState:
    """The stored status, corrected by what the process table says.

    ``interrupted``: marked queued/running but its worker is gone (killed, crashed, reboot);
    ``stalled``: the worker is alive but silent for STALE_S (stopped, or hung).
    Give ``db`` wherever there is one: see below.
    """
    if job.status in TERMINAL:
        return job.status
    alive = pid_is_worker(job.pid, job.id)
    if not alive and db is not None:
        # A worker records its final status and then exits. A row read just before that
        # write, checked against the process table just after the exit, would call a
        # finished job interrupted; the row read again now has the final word.
        fresh = get_job(db, job.id)
        if fresh is not None and fresh.status in TERMINAL:
            return fresh.status
    if job.status == "queued":
        # The launcher writes the pid right after the process starts; allow for that gap.
        young = (_age_s(job.heartbeat or job.created) or 0.0) < STALE_S
        return "queued" if alive or (job.pid is None and young) else "interrupted"
    if not alive:
        return "interrupted"
    age = _age_s(job.heartbeat)
    if age is not None and age > STALE_S:
        return "stalled"
    return job.status


def is_active(status: JobState) -> bool:
    return status in ("queued", "running", "stalled")


# -- device load ----------------------------------------------------------------------------
def sample_load(device: str | None = None, pid: int | None = None) -> dict[str, Any]:
    """CPU and RAM of this machine and of ``pid`` (default: this process); GPU when on CUDA."""
    import psutil

    out: dict[str, Any] = {"cpu_percent": psutil.cpu_percent(None),
                           "ram_percent": psutil.virtual_memory().percent,
                           "ram_used_gb": round(psutil.virtual_memory().used / 2**30, 2)}
    try:
        proc = _process(pid or os.getpid())
        out["proc_cpu_percent"] = proc.cpu_percent(None)
        out["proc_rss_gb"] = round(proc.memory_info().rss / 2**30, 2)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass
    if device == "cuda":
        out.update(gpu_load())
    return out


_PROCESSES: dict[int, Any] = {}


def _process(pid: int) -> Any:
    """One psutil.Process per pid, kept: cpu_percent(None) measures since the *same object's*
    previous call, so a fresh object each heartbeat always read 0% (the worker's CPU shown
    as 0% whatever it did)."""
    import psutil

    proc = _PROCESSES.get(pid)
    if proc is None or not proc.is_running():
        proc = _PROCESSES[pid] = psutil.Process(pid)
        proc.cpu_percent(None)  # prime: the first reading of an object is always 0.0
    return proc


def gpu_load() -> dict[str, Any]:
    """GPU utilisation and memory through torch.cuda (and NVML when it is installed)."""
    torch = sys.modules.get("torch")  # only where torch is loaded already (the worker)
    if torch is None or not torch.cuda.is_available():
        return {}
    out: dict[str, Any] = {"gpu_name": torch.cuda.get_device_name(0)}
    try:
        free, total = torch.cuda.mem_get_info(0)
        out["gpu_mem_used_gb"] = round((total - free) / 2**30, 2)
        out["gpu_mem_total_gb"] = round(total / 2**30, 2)
    except RuntimeError:
        pass
    try:
        out["gpu_util_percent"] = float(torch.cuda.utilization(0))  # needs pynvml / nvidia-ml-py
    except Exception:  # no NVML: memory alone is still worth showing
        pass
    return out


def format_load(load: dict[str, Any] | None) -> str:
    if not load:
        return "no load reported yet"
    parts = []
    if "gpu_util_percent" in load or "gpu_mem_used_gb" in load:
        if "gpu_util_percent" in load:
            parts.append(f"GPU {load['gpu_util_percent']:.0f}%")
        if "gpu_mem_used_gb" in load:
            parts.append(f"GPU mem {load['gpu_mem_used_gb']:.1f}/{load.get('gpu_mem_total_gb', 0):.0f} GB")
    parts.append(f"CPU {load.get('cpu_percent', 0):.0f}%")
    if "proc_cpu_percent" in load:
        parts.append(f"worker {load['proc_cpu_percent']:.0f}%")
    parts.append(f"RAM {load.get('ram_percent', 0):.0f}%")
    if "proc_rss_gb" in load:
        parts.append(f"worker RSS {load['proc_rss_gb']:.2f} GB")
    return " · ".join(parts)


# -- ETA ------------------------------------------------------------------------------------
def eta_seconds(job: JobRow, round_seconds: dict[int, float]) -> float | None:
    """Seconds left, measured, or None ("estimating") while there is nothing to measure yet.

    Teacher rounds: the remaining rounds at the mean time of the finished teacher rounds,
    minus the current round's elapsed time. Full-shot training: its elapsed time per step
    times the steps left. Before the first teacher round ends there is no estimate: the
    job's overall fraction is not proportional to time (loading the teacher, round 0 and a
    round's phases take very different times; it once read 20 min at 2% for a 1.5 min job).
    """
    p = job.progress or {}
    if job.status in TERMINAL:
        return 0.0
    phase = p.get("phase")
    if phase in ("full-shot training", "full-shot evaluating"):
        step, steps = int(p.get("step") or 0), int(p.get("steps") or 0)
        elapsed = _age_s(p.get("phase_started"))
        if phase == "full-shot training" and step > 0 and steps >= step and elapsed:
            return max(0.0, elapsed * (steps - step) / step)
        return None
    total_rounds = int(p.get("rounds") or 0)
    current = int(p.get("round") or 0)
    teacher_rounds = [s for r, s in round_seconds.items() if r >= 1]
    if not teacher_rounds:
        return _first_round_eta(p, total_rounds, current)
    mean = sum(teacher_rounds) / len(teacher_rounds)
    if current in round_seconds:
        return max(0.0, (total_rounds - current) * mean)
    elapsed_round = _age_s(p.get("round_started")) or 0.0
    return max(0.0, (total_rounds - current + 1) * mean - elapsed_round)


def _first_round_eta(p: dict[str, Any], total_rounds: int, current: int) -> float | None:
    """Before any teacher round has finished: once the first one is training its student,
    its length is measured up to here plus the training steps left at their measured pace;
    every round left is taken to last as long (later rounds train on more data, so this is
    a lower bound that tightens as rounds finish)."""
    if current < 1 or p.get("phase") != "training student":
        return None
    step, steps = int(p.get("step") or 0), int(p.get("steps") or 0)
    in_round, in_phase = _age_s(p.get("round_started")), _age_s(p.get("phase_started"))
    if step <= 0 or steps < step or not in_round or not in_phase:
        return None
    this_round = in_round + in_phase * (steps - step) / step
    return max(0.0, this_round * (total_rounds - current + 1) - in_round)


def format_eta(seconds: float | None) -> str:
    """ETA for people: a measured time, or 'estimating' while there is none."""
    return "estimating" if seconds is None else format_seconds(seconds)


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
