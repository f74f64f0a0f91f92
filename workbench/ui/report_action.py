"""'Report of ...' from the TUI: the runs a screen shows, written as a report in a worker.

The report goes to a new folder in ``config.reports_dir()`` ($WORKBENCH_REPORTS, else reports/
in the data dir); the app says where when it is done, or says in one line why not. The worker
opens its own database connection and touches no widget (``call_from_thread``).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Callable


def screen_refs(screen: Any) -> list[Any]:
    """The run or job the screen shows: an ICE or RSE run, or an EvoKD job."""
    from workbench.report import Ref

    refs = getattr(screen, "report_refs", None)
    if callable(refs):
        return list(refs())
    run_id = getattr(screen, "view_run_id", None) or getattr(screen, "run_id", None)
    if isinstance(run_id, int):
        return [Ref("run", run_id)]
    job_id = getattr(screen, "job_id", None)
    selected = getattr(screen, "selected_job", None)  # the Jobs list: the highlighted job
    if job_id is None and callable(selected):
        try:
            job_id = selected()
        except Exception:  # noqa: BLE001 - a list not composed yet has no selection
            job_id = None
    if isinstance(job_id, int):
        return [Ref("job", job_id)]
    return []


def describe(refs: list[Any]) -> str:
    return ", ".join(str(r) for r in refs)


def report_folder(refs: list[Any]) -> Path:
    from workbench.config import reports_dir

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    what = "-".join(f"{r.kind}{r.id}" for r in refs[:6]) + ("-more" if len(refs) > 6 else "")
    return reports_dir() / f"report-{what}-{stamp}"


HELP = "figures and tables as report.html and report.md, in the reports folder"


def palette_entries(app: Any, run: Any = None, job: Any = None, *, screen: Any = None
                    ) -> list[tuple[str, str, Callable[[], Any]]]:
    """Palette entries: the report of what ``screen`` shows, or of a run and job found by id."""
    from workbench.report import Ref

    refs: list[Any] = screen_refs(screen) if screen is not None else []
    items: list[tuple[str, str, Callable[[], Any]]] = (
        [(f"Report of {describe(refs)}", HELP, partial(start_report, app, refs))] if refs else [])
    if run is not None and run.kind in ("ice", "rse"):
        items.append((f"Report of {run.kind.upper()} run {run.id}", HELP,
                      partial(start_report, app, [Ref("run", run.id)])))
    if job is not None:
        items.append((f"Report of job {job.id}", HELP, partial(start_report, app, [Ref("job", job.id)])))
    return items


def start_report(app: Any, refs: list[Any]) -> None:
    """Build the report of ``refs`` in a thread; notify where it went (or why not)."""
    if not refs:
        app.notify("no run shown here: open an ICE or RSE run, or a job, then ask for its report",
                   severity="warning")
        return
    out = report_folder(refs)
    app.notify(f"writing the report of {describe(refs)}…", timeout=4)
    app.run_worker(lambda: _build(app, refs, out), thread=True, group="report", name="report")


def _build(app: Any, refs: list[Any], out: Path) -> None:
    from workbench.report import ReportError
    from workbench.report.build import build_report
    from workbench.store import open_db

    db = open_db(app.db_path)
    try:
        config = getattr(app, "config", None)
        result = build_report(db, app.db_path, refs, out, config=config)
    except ReportError as exc:
        app.call_from_thread(app.notify, f"no report: {exc}", severity="error", timeout=10)
        return
    except Exception as exc:  # noqa: BLE001 - the app stays up; the message says what failed
        msg = " ".join(str(exc).split())[:200] or type(exc).__name__
        app.call_from_thread(app.notify, f"the report failed: {msg}", severity="error", timeout=10)
        return
    finally:
        db.close()
    app.report_written = result.html  # where the last report went (tests, the status line)
    app.call_from_thread(app.notify, f"report written: {result.html}", title="Report", timeout=12)
