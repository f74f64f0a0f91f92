"""Export a run's items with every verdict (JSONL) into the exports folder, from any screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def free_path(path: Path) -> Path:
    """``path``, or ``stem-2.ext``, ``stem-3.ext``… when it is taken: never overwrite an export."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def write_run_verdicts(db_path: Path | str, run_id: int, folder: Path) -> tuple[Path, int]:
    """Write run ``run_id`` as JSONL (the same file as `workbench review export`) into ``folder``."""
    from workbench.review.export import export_run
    from workbench.store import open_db

    db = open_db(db_path)
    try:
        text, count = export_run(db, run_id, "jsonl")
    finally:
        db.close()
    folder.mkdir(parents=True, exist_ok=True)
    path = free_path(folder / f"run-{run_id}-verdicts.jsonl")
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
    return path, count


def export_run_verdicts(screen: Any, run_id: int) -> None:
    """Write the file in a thread worker, then say where it went (or why it did not)."""
    from workbench.config import exports_dir

    app = screen.app

    def job() -> None:
        try:
            path, count = write_run_verdicts(app.db_path, run_id, exports_dir())
        except Exception as exc:  # an unwritable folder or an unknown run: one line
            app.call_from_thread(app.notify, f"export failed: {exc}", severity="error")
            return
        app.call_from_thread(app.notify, f"exported {count} items of run {run_id} to {path}", timeout=10)

    screen.run_worker(job, thread=True, group="run-export", name=f"export run {run_id}", exit_on_error=False)
