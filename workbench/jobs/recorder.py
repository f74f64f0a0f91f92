"""The worker's side of the store: an EvoKD ``Recorder`` backed by SQLite."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workbench.store import jobs as store
from workbench.store.db import now

from .paths import job_dir

FULL_SHOT_PREFIX = "full_shot."


class SQLiteRecorder:
    """Writes a job's rounds, samples, metrics, events and progress; reads them back to resume."""

    def __init__(self, db: Database, db_path: str | Path, job_id: int,
                 stop: threading.Event | None = None):
        self.db = db
        self.job_id = job_id
        self.dir = job_dir(db_path, job_id)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stop = stop or threading.Event()
        self._round: int | None = None
        self._phase: str | None = None
        self._session_id: int | None = None

    # -- control --------------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self.stop.is_set()

    # -- writes ---------------------------------------------------------------------------
    def event(self, level: str, message: str, data: dict[str, Any] | None = None) -> None:
        store.add_event(self.db, self.job_id, level, message, data)

    def metric(self, name: str, value: float, round: int | None = None, step: int | None = None) -> None:
        store.add_metric(self.db, self.job_id, name, value, round, step)

    def progress(self, **fields: Any) -> None:
        r = fields.get("round")
        if r is not None and r != self._round:
            # Start of a round: the ETA measures the current round from here.
            self._round = r
            fields["round_started"] = now()
        phase = fields.get("phase")
        if phase is not None and phase != self._phase:
            # Start of a phase: a long uniform one (full-shot training) is timed from here.
            self._phase = phase
            fields["phase_started"] = now()
        fields.setdefault("step", None)
        fields.setdefault("steps", None)
        fields["updated"] = now()
        store.merge_progress(self.db, self.job_id, fields)

    def samples(self, round: int, records: list[Any]) -> None:
        store.add_samples(self.db, self.job_id, (
            {"round": s.round, "text": s.text, "label": s.label, "kind": s.kind, "kept": s.kept,
             "reason": s.reason, "intended": s.intended, "predicted": s.predicted} for s in records))

    def round_done(self, result: Any) -> None:
        store.save_round(self.db, self.job_id, vars(result))

    def checkpoint_dir(self, name: str) -> Path:
        return self.dir / name

    def checkpoint_pruned(self, round: int) -> None:
        store.set_round_checkpoint(self.db, self.job_id, round, None)

    def teacher_exchange(self, purpose: str, messages: list[dict], response: Any) -> None:
        """Keep every teacher prompt and answer, browsable like any other exchange."""
        from workbench.store.exchanges import create_exchange, create_session, save_response

        if self._session_id is None:
            title = f"EvoKD job {self.job_id}: teacher"
            # A resumed job keeps adding to the session its first worker opened.
            found = list(self.db.query("select id from sessions where kind = 'evokd' and title = ? "
                                       "order by id limit 1", [title]))
            self._session_id = found[0]["id"] if found else create_session(self.db, "evokd", title)
        prompt = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
        exchange_id = create_exchange(self.db, self._session_id, f"[{purpose}] {prompt}", messages)
        save_response(self.db, exchange_id, response)

    # -- reads for resume -----------------------------------------------------------------
    def finished_rounds(self) -> list[Any]:
        from workbench.distill.recorder import RoundResult

        return [RoundResult(round=r.round, train_size=r.train_size, generated=r.generated, kept=r.kept,
                            teacher_tokens=r.teacher_tokens, teacher_cost_usd=r.teacher_cost_usd or 0.0,
                            accuracy=r.accuracy, macro_f1=r.macro_f1, loss=r.loss, seconds=r.seconds,
                            analysis=r.analysis, checkpoint=r.checkpoint)
                for r in store.rounds(self.db, self.job_id)]

    def round_metrics(self, round: int) -> dict[str, float]:
        """The last value of each metric recorded for ``round`` (no per-step ones)."""
        return {m.name: m.value for m in store.metrics(self.db, self.job_id)
                if m.round == round and m.step is None}

    def kept_samples(self, up_to_round: int) -> list[Any]:
        from workbench.distill.recorder import SampleRecord

        return [SampleRecord(round=s.round, text=s.text, label=s.label, kind=s.kind, kept=True,
                             intended=s.intended, predicted=s.predicted)
                for s in store.samples(self.db, self.job_id, kept=True, up_to_round=up_to_round)]

    def discard_after(self, round: int) -> None:
        store.delete_after_round(self.db, self.job_id, round)
        if round < 0 or self.full_shot() is None:
            store.delete_metrics_named(self.db, self.job_id, "full_shot%")

    def full_shot(self) -> dict[str, Any] | None:
        return full_shot_result(self.db, self.job_id)

    def save_full_shot(self, result: dict[str, Any]) -> None:
        for key, value in result.items():
            if isinstance(value, (int, float)):
                store.add_metric(self.db, self.job_id, FULL_SHOT_PREFIX + key, float(value))


def full_shot_result(db: Database, job_id: int) -> dict[str, Any] | None:
    values = store.metric_values(db, job_id, FULL_SHOT_PREFIX)
    if "accuracy" not in values:
        return None
    out: dict[str, Any] = {k: values[k] for k in ("accuracy", "macro_f1", "train_size", "epochs",
                                                  "train_samples_per_s", "seconds") if k in values}
    for k in ("train_size", "epochs"):
        if k in out:
            out[k] = int(out[k])
    return out
