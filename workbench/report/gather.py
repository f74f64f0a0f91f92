"""What a report shows, read from the store through the functions the CLI and TUI already use.

ICE scores come from ``runs.ice_summary.summarize``, RSE scores from ``runs.rse.summarize``
and its matrix from ``runs.rse_matrix.run_matrix``, EvoKD rounds from
``jobs.results.job_result``. Nothing here recomputes a score those functions give; this
module only groups runs (several EvoKD seeds of one method) and collects provenance.
"""

from __future__ import annotations

import math
import platform
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class ReportError(Exception):
    """A report that cannot be made as asked (bad id, empty run); the message is one line."""


@dataclass(frozen=True)
class Ref:
    """A run (``kind="run"``: ICE or RSE) or an EvoKD job (``kind="job"``) by id."""

    kind: str
    id: int

    def __str__(self) -> str:
        return f"run {self.id}" if self.kind == "run" else f"job {self.id}"


def parse_ref(text: str) -> Ref:
    """``12`` is probe run 12; ``job:3`` (or ``j3``) is EvoKD job 3."""
    t = str(text).strip().lower()
    m = re.fullmatch(r"(?:(job|j|run|r)\s*:?\s*)?(\d+)", t)
    if not m:
        raise ReportError(f"{text!r} is not a run id: use a number (a probe run) or job:N (an EvoKD job)")
    kind = "job" if m.group(1) in ("job", "j") else "run"
    return Ref(kind, int(m.group(2)))


@dataclass
class ReportData:
    ice: list[dict[str, Any]] = field(default_factory=list)
    rse: list[dict[str, Any]] = field(default_factory=list)
    evokd: list[dict[str, Any]] = field(default_factory=list)  # groups of jobs (one per method)
    provenance: dict[str, Any] = field(default_factory=dict)
    human: bool = False  # scores with standing human reviews applied

    @property
    def title(self) -> str:
        parts = [name for name, rows in (("ICE", self.ice), ("RSE", self.rse), ("EvoKD", self.evokd)) if rows]
        return "Distill Workbench report: " + ", ".join(parts)


# Config keys whose values could be secrets; redacted wherever run or job settings are shown.
_SECRET_KEY = re.compile(r"(api[_-]?key|secret|password|passwd|authorization|bearer|credential|"
                         r"access[_-]?token|auth[_-]?token)", re.I)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-looking keys blanked and long strings cut."""
    if isinstance(value, dict):
        return {k: ("[redacted]" if _SECRET_KEY.search(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value[:50]]
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def gather(db: Any, db_path: str, refs: list[Ref], *, config: Any = None, matrix_metric: str = "embedding",
           confusion: bool = True, human: bool = False) -> ReportData:
    """Read every run and job in ``refs`` (in order, duplicates once) into a ``ReportData``."""
    if not refs:
        raise ReportError("name at least one run: --run ID (ICE or RSE) or --job ID (EvoKD)")
    seen: list[Ref] = []
    for r in refs:
        if r not in seen:
            seen.append(r)
    data = ReportData()
    runs_prov: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    for ref in seen:
        if ref.kind == "run":
            runs_prov.append(_gather_run(db, ref.id, data, matrix_metric, human))
        else:
            jobs.append(_gather_job(db, db_path, ref.id, confusion))
    data.evokd = group_jobs(jobs)
    _label_ice(data.ice)
    configured = set(getattr(config, "models", None) or {})
    # Judges are models only when models.toml names them (not rule, published or a judge folder).
    judges = {p["judge"] for p in runs_prov if p.get("judge") in configured}
    models = sorted({m for p in runs_prov for m in p.get("models", [])} | judges |
                    {m for j in jobs for m in (j.get("teacher"),) if m})
    data.human = human
    data.provenance = {
        "scores": "human-adjusted (standing human reviews replace judge verdicts)" if human else "judge only",
        "workbench_version": _version(),
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": str(db_path),
        "python": platform.python_version(),
        "matplotlib": _matplotlib_version(),
        "runs": runs_prov,
        "jobs": [j["provenance"] for j in jobs],
        "models": _model_settings(config, models),
    }
    return data


def _gather_run(db: Any, run_id: int, data: ReportData, matrix_metric: str, human: bool) -> dict[str, Any]:
    from workbench.store.runs import get_run

    run = get_run(db, run_id)
    if run is None:
        raise ReportError(f"no run {run_id}: list runs with `workbench ice runs` or `workbench rse runs`")
    answered = next(iter(db.query(
        "select count(*) as n from run_items where run_id = ? and status = 'answered'", [run_id])))["n"]
    if not answered:
        raise ReportError(f"run {run_id} ({run.kind}) has no answered items yet: nothing to report")
    prov = {"run_id": run.id, "kind": run.kind, "target": run.target, "reference": run.reference,
            "judge": run.judge, "status": run.status, "created": run.created, "finished": run.finished,
            "settings": redact(run.config)}
    if run.kind == "ice":
        from workbench.runs.ice_summary import summarize

        summary = summarize(db, run_id, human=human)
        data.ice.append(summary)
        prov["models"] = [m for m in (run.target, summary.get("helper")) if m]
    elif run.kind == "rse":
        data.rse.append(_gather_rse(db, run_id, matrix_metric, human))
        prov["settings"] = redact({k: v for k, v in run.config.items() if k != "set_info"})
        prov["models"] = [m for m in (run.reference, *data.rse[-1]["targets"]) if m]
    else:
        raise ReportError(f"run {run_id} is a {run.kind} run: reports cover ICE and RSE runs and EvoKD jobs")
    return prov


def _gather_rse(db: Any, run_id: int, metric: str, human: bool) -> dict[str, Any]:
    from workbench.runs.rse import run_report, set_order
    from workbench.runs.rse_matrix import run_matrix
    from workbench.store.runs import get_run

    report = run_report(db, run_id)
    run = get_run(db, run_id)
    matrices = []
    sets = set_order(run) or list(dict.fromkeys(
        str(r["s"]) for r in db.query("select json_extract(meta, '$.set') as s from run_items "
                                      "where run_id = ? order by id", [run_id]) if r["s"] is not None))
    set_names: list[str | None] = [*sets] if sets else [None]
    for set_name in set_names:
        try:
            m = run_matrix(db, run_id, set_name=set_name, metric=metric, human=human)
        except Exception as exc:  # noqa: BLE001 - a matrix the run cannot give is a note, not a failure
            matrices.append({"set": set_name, "metric": metric, "error": _one_line(exc)})
            continue
        matrices.append(m)
    return {"run_id": run_id, "reference": report["reference"], "targets": report["targets"],
            "judge": report["judge"], "sets": report["sets"], "status": report["status"],
            "scores": report["human_adjusted" if human else "judge_only"], "matrices": matrices}


def _gather_job(db: Any, db_path: str, job_id: int, confusion: bool) -> dict[str, Any]:
    from workbench.jobs.results import job_result
    from workbench.store import jobs as store

    job = store.get_job(db, job_id)
    if job is None:
        raise ReportError(f"no job {job_id}: list jobs with `workbench jobs list`")
    result = job_result(db, db_path, job_id)
    if not result["rounds"]:
        raise ReportError(f"job {job_id} has no finished round yet: nothing to report")
    opts = (job.config or {}).get("options", {}) or {}
    result["seed"] = opts.get("seed")
    result["options"] = opts
    result["provenance"] = {"job_id": job_id, "kind": job.kind, "status": result["status"],
                            "created": job.created, "finished": job.finished, "method": result["method"],
                            "dataset": result.get("dataset"), "teacher": result.get("teacher"),
                            "student": opts.get("student"), "seed": opts.get("seed"),
                            "settings": redact(opts)}
    result["confusion"] = recorded_confusion(db, job_id)
    if result["confusion"] is None and confusion:
        from .confusion import checkpoint_confusion

        result["confusion"] = checkpoint_confusion(result, opts)
    return result


def recorded_confusion(db: Any, job_id: int) -> dict[str, Any] | None:
    """A confusion matrix the job recorded itself (an event whose data has ``confusion``)."""
    from workbench.store.db import loads

    rows = list(db.query("select data from job_events where job_id = ? and data like '%\"confusion\"%' "
                         "order by id desc limit 1", [job_id]))
    if not rows:
        return None
    data = loads(rows[0]["data"], {}) or {}
    c = data.get("confusion")
    n = len(c.get("labels") or []) if isinstance(c, dict) else 0
    matrix = c.get("matrix") if isinstance(c, dict) else None
    if (isinstance(c, dict) and n and isinstance(matrix, list) and len(matrix) == n
            and all(isinstance(r, list) and len(r) == n for r in matrix)):
        return {"labels": list(c["labels"]), "matrix": c["matrix"], "source": "recorded by the job",
                "round": data.get("round")}
    return None


def group_jobs(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Jobs of one method on one dataset are seeds of one experiment: mean and sd per round."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for j in jobs:
        groups.setdefault((j["method"], str(j.get("dataset"))), []).append(j)
    out = []
    for (method, dataset), members in groups.items():
        out.append({"method": method, "dataset": dataset, "jobs": members,
                    "job_ids": [j["job_id"] for j in members],
                    "seeds": [j.get("seed") for j in members],
                    "rounds": round_stats(members)})
    return out


def round_stats(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per round: n jobs, mean and sample sd of accuracy, macro-F1 and teacher tokens.

    Fields a job did not record (older jobs, other tasks) are skipped, not counted as zero.
    """
    by_round: dict[int, list[dict[str, Any]]] = {}
    for j in jobs:
        for r in j["rounds"]:
            by_round.setdefault(int(r["round"]), []).append(r)
    rows = []
    for rnd in sorted(by_round):
        rs = by_round[rnd]
        row: dict[str, Any] = {"round": rnd, "n": len(rs)}
        for key in ("accuracy", "macro_f1", "teacher_tokens", "kept", "train_size"):
            vals = [float(r[key]) for r in rs if isinstance(r.get(key), (int, float))]
            row[key] = _mean_sd(vals)
        rows.append(row)
    return rows


def _mean_sd(vals: list[float]) -> dict[str, Any] | None:
    if not vals:
        return None
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
    return {"mean": mean, "sd": sd, "n": len(vals)}


def _label_ice(runs: list[dict[str, Any]]) -> None:
    """Each ICE run's label is its model; a model reported twice gets its run id too."""
    counts: dict[str, int] = {}
    for s in runs:
        counts[str(s.get("target"))] = counts.get(str(s.get("target")), 0) + 1
    for s in runs:
        t = str(s.get("target"))
        s["label"] = t if counts[t] == 1 else f"{t} (run {s['run_id']})"


def _model_settings(config: Any, names: list[str]) -> list[dict[str, Any]]:
    """models.toml settings of the models the runs used (never a key, nor the key's variable)."""
    out = []
    models = getattr(config, "models", None) or {}
    for name in names:
        spec = models.get(name)
        if spec is None:
            out.append({"name": name, "model": name, "configured": False})
            continue
        d = spec.public_dict()
        out.append(redact({k: d[k] for k in ("name", "model", "api_base", "params", "path", "description")
                           if d.get(k) not in (None, "", {})} | {"configured": True}))
    return out


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("distill-workbench")
    except Exception:  # noqa: BLE001 - a checkout without an install still has the module's own
        from workbench import __version__

        return __version__


def _matplotlib_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("matplotlib")
    except Exception:  # noqa: BLE001
        return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
