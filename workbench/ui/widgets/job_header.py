"""The top of a job's screen: what it is, where it is, when it ends, how loaded the device is."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from workbench.jobs.monitor import format_eta, format_load
from workbench.ui.hints import bound_key

STATUS_STYLE = {"running": "bold green", "queued": "yellow", "done": "bold cyan", "failed": "bold red",
                "cancelled": "magenta", "interrupted": "bold red", "stalled": "bold yellow"}


def describe(options: dict[str, Any]) -> str:
    method = options.get("method", "evokd")
    if method == "evokd" and options.get("ablate"):
        method += " -" + ",".join(options["ablate"])
    teacher = "" if method == "none" else f" · teacher {options.get('teacher')}"
    budget = f" · budget {options['budget']} tok/round" if options.get("budget") else ""
    return (f"{method} · {options.get('dataset')} · {options.get('shots')}-shot · "
            f"{options.get('rounds')} rounds × {options.get('per_round')}{teacher}{budget}")


class JobHeader(Static):
    DEFAULT_CSS = """
    JobHeader { height: auto; padding: 0 1; background: $boost; }
    """

    def show(self, snap: Any) -> None:
        job, p = snap.job, snap.job.progress or {}
        line1 = Text()
        line1.append(f"job {job.id}  ", style="bold")
        line1.append(snap.status, style=STATUS_STYLE.get(snap.status, ""))
        line1.append(f"  {describe(snap.options)}")
        line2 = Text()
        if snap.status in ("running", "queued", "stalled"):
            frac = float(p.get("fraction") or 0.0)
            width = 24
            filled = int(round(frac * width))
            line2.append("█" * filled + "░" * (width - filled), style="green")
            line2.append(f" {frac * 100:4.0f}%  round {p.get('round', 0)}/{p.get('rounds', '?')}  "
                         f"{p.get('phase', '')}")
            if p.get("steps"):
                line2.append(f" {p.get('step', 0)}/{p['steps']}")
            line2.append(f"  ETA {format_eta(snap.eta_s)}", style="bold")
        elif snap.status == "failed":
            line2.append(f"failed: {job.error}", style="red")
        elif snap.status == "interrupted":
            key = bound_key(self.app, "job.resume", "ctrl+r")
            line2.append(f"the worker is gone (killed or crashed): press {key} to resume from the last "
                         "finished round", style="red")
        else:
            line2.append(f"{snap.status} {(job.finished or '')[:19].replace('T', ' ')}")
        active = snap.status in ("running", "queued", "stalled")
        line3 = Text(f"device: {format_load(p.get('load'))}" if active else
                     f"device: {snap.options.get('device', 'auto')} (the job is not running)", style="dim")
        self.update(Text("\n").join([line1, line2, line3]))
