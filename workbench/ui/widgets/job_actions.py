"""Cancel, resume and start jobs from the TUI, off the UI thread.

The job process outlives the app (its own session), so closing the TUI never stops it;
reopening the Jobs screen re-attaches by reading the same SQLite rows.
"""

from __future__ import annotations

from typing import Any

from textual import work


class JobActions:
    """Mixin for screens that act on jobs; needs ``self.app`` (a WorkbenchApp)."""

    app: Any

    def after_job_action(self) -> None:
        """Hook: refresh the screen once an action finished."""

    @work(thread=True, group="job-actions", name="cancel job")
    def cancel_job(self, job_id: int) -> None:
        from workbench.jobs.launcher import JobError, cancel

        db = self.app.open_db()
        try:
            self.app.call_from_thread(self.app.notify, f"cancelling job {job_id}…", timeout=3)
            status = cancel(db, job_id)
            self.app.call_from_thread(self.app.notify, f"job {job_id}: {status}")
        except JobError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="warning")
        finally:
            db.close()
        self.app.call_from_thread(self.after_job_action)

    @work(thread=True, group="job-actions", name="resume job")
    def resume_job(self, job_id: int) -> None:
        from workbench.jobs.launcher import JobError, resume

        db = self.app.open_db()
        try:
            proc = resume(db, self.app.db_path, job_id)
            self.app.call_from_thread(self.app.notify, f"job {job_id} resumed (pid {proc.pid})")
        except JobError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="warning")
        finally:
            db.close()
        self.app.call_from_thread(self.after_job_action)

    @work(thread=True, group="job-actions", name="start job")
    def start_job(self, options: dict[str, Any]) -> None:
        from workbench.jobs.launcher import submit

        db = self.app.open_db()
        try:
            config_path = self.app.config_path
            job_id, proc = submit(db, self.app.db_path, "evokd", {
                "options": options,
                "config_path": str(config_path.resolve()) if config_path.exists() else None})
            self.app.call_from_thread(self.app.notify, f"job {job_id} started (pid {proc.pid})")
        finally:
            db.close()
        self.app.call_from_thread(self.after_job_action)
