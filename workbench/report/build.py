"""``build_report``: gather, draw, render, check for secrets, write atomically."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Set
from typing import Any

from .gather import Ref, ReportError, gather


@dataclass
class ReportResult:
    out: Path
    html: Path
    md: Path
    figures: list[str]  # relative paths of the PNG and SVG files
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "html": str(self.html), "md": str(self.md),
                "figures": [str(self.out / f) for f in self.figures], **self.summary}


def build_report(db: Any, db_path: str | Path, refs: list[Ref], out: str | Path, *, config: Any = None,
                 matrix_metric: str = "embedding", confusion: bool = True, human: bool = False) -> ReportResult:
    from . import html, md
    from .document import build
    from .figures import all_figures
    from .write import check_target, write_atomically

    target = check_target(Path(out))  # a wrong --out is said before any work
    data = gather(db, str(db_path), refs, config=config, matrix_metric=matrix_metric, confusion=confusion,
                  human=human)
    figures = all_figures(data)
    blocks = build(data, figures)
    html_text = html.render(blocks, data.title)
    md_text = md.render(blocks)
    key_vars = {spec.api_key_env for spec in (getattr(config, "models", None) or {}).values()
                if getattr(spec, "api_key_env", None)}
    _refuse_secrets(html_text, md_text, key_vars=key_vars)
    files: dict[str, bytes] = {}
    for f in figures:
        files[f"{md.FIGURES_DIR}/{f.name}.png"] = f.png
        files[f"{md.FIGURES_DIR}/{f.name}.svg"] = f.svg
    files["report.md"] = md_text.encode("utf-8")
    files["report.html"] = html_text.encode("utf-8")
    written = write_atomically(target, files)
    return ReportResult(out=written, html=written / "report.html", md=written / "report.md",
                        figures=[k for k in files if k.startswith(md.FIGURES_DIR + "/")],
                        summary=summary(data))


def summary(data: Any) -> dict[str, Any]:
    return {
        "ice": [{"run_id": s["run_id"], "model": s["target"], "judge": s["judge"], "n": s["n"],
                 "loose_count": s["loose_count"], "strict_count": s["strict_count"],
                 "hard_count": s["hard_count"]} for s in data.ice],
        "rse": [{"run_id": r["run_id"], "reference": r["reference"], "targets": r["targets"],
                 "judge": r["judge"]} for r in data.rse],
        "evokd": [{"method": g["method"], "dataset": g["dataset"], "jobs": g["job_ids"],
                   "rounds": len(g["rounds"])} for g in data.evokd],
        "provenance": {k: data.provenance[k] for k in ("workbench_version", "generated")},
    }


_SECRET_ENV = re.compile(r"(API_KEY|_TOKEN|SECRET|PASSWORD)$", re.I)


def _refuse_secrets(*texts: str, key_vars: Set[str] = frozenset()) -> None:
    """Last line of defence: no value of a key-like environment variable, nor of a variable
    models.toml names as ``api_key_env``, may be in a report."""
    for name, value in os.environ.items():
        if len(value) >= 8 and (_SECRET_ENV.search(name) or name in key_vars) and any(value in t for t in texts):
            raise ReportError(f"the report would contain the value of ${name}; nothing was written "
                              "(remove it from the run's settings)")
