"""Follow a job from a terminal: its log lines and a progress bar, until it ends."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from sqlite_utils import Database

from workbench.store import jobs as store

from .launcher import reap
from .monitor import effective_status, eta_seconds, format_eta

ENDED = ("done", "failed", "cancelled", "interrupted")


def progress_line(job: store.JobRow, rows: list[store.RoundRow], width: int = 80) -> str:
    p = job.progress or {}
    fraction = float(p.get("fraction") or 0.0)
    if job.status == "done":
        fraction = 1.0
    bar_w = max(10, min(30, width - 60))
    filled = int(round(fraction * bar_w))
    bar = "#" * filled + "-" * (bar_w - filled)
    parts = [f"[{bar}] {fraction * 100:5.1f}%"]
    if p.get("rounds") is not None:
        parts.append(f"round {p.get('round', 0)}/{p.get('rounds')}")
    if p.get("phase"):
        phase = str(p["phase"])
        if p.get("steps"):
            phase += f" {p.get('step', 0)}/{p['steps']}"
        parts.append(phase)
    if rows:
        parts.append(f"acc {rows[-1].accuracy:.3f}")
    eta = eta_seconds(job, {r.round: r.seconds for r in rows})
    if job.status == "running":
        parts.append(f"ETA {format_eta(eta)}")
    line = " · ".join(parts)
    return line[:width - 1]


def follow(db: Database, job_id: int, *, out: TextIO | None = None, poll_s: float = 0.5,
           show_events: bool = True, from_start: bool = False) -> str:
    """Print events and progress until the job ends; returns its final (effective) status."""
    out = out or sys.stderr
    tty = out.isatty()
    width = shutil.get_terminal_size((100, 20)).columns
    after = 0
    if not from_start:
        recent = store.last_events(db, job_id, 5)
        after = recent[0].id - 1 if recent else 0
    last_plain = ""
    bar_shown = False
    while True:
        reap()
        job = store.get_job(db, job_id)
        if job is None:
            raise KeyError(job_id)
        status = effective_status(job, db)
        if show_events:
            for ev in store.events(db, job_id, after):
                after = ev.id
                if tty and bar_shown:
                    out.write("\r\x1b[2K")
                out.write(f"{ev.ts[11:19]} {ev.level:<7} {ev.message}\n")
                bar_shown = False
        rows = store.rounds(db, job_id)
        line = progress_line(job, rows, width)
        if tty:
            out.write("\r\x1b[2K" + line)
            bar_shown = True
        else:
            p = job.progress or {}
            plain = f"{p.get('round')}:{p.get('phase')}:{status}"  # a line per round/phase change
            if plain != last_plain:
                out.write(line + "\n")
                last_plain = plain
        out.flush()
        if status in ENDED:
            break
        time.sleep(poll_s)
    if tty:
        out.write("\n")
    if status == "interrupted":
        out.write(f"job {job_id}: the worker is gone (killed?); `workbench jobs resume {job_id}` continues it\n")
    out.flush()
    return status
