"""The report as a list of blocks (headings, text, tables, figures, provenance), format-free.

``html.py`` and ``md.py`` render the same blocks, so both files always say the same thing.
Each ICE figure has its counts table right after it; numbers are the stored summaries'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .figures import ICE_SCORES, RSE_JUDGE, RSE_SIMILARITY, Figure, summed_confusion


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Text:
    text: str
    note: bool = False  # a caveat (drawn muted)


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)


@dataclass
class FigureBlock:
    figure: Figure
    table: Table | None = None  # shown beside the figure


@dataclass
class Code:
    title: str
    text: str


Block = Heading | Text | Table | FigureBlock | Code


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def ci_text(ci: list[float] | None) -> str:
    if not ci or ci[0] is None:
        return ""
    return f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def build(data: Any, figures: list[Figure]) -> list[Block]:
    figs = {f.name: f for f in figures}
    blocks: list[Block] = [Heading(1, data.title, "top")]
    p = data.provenance
    blocks.append(Text(f"Generated {p['generated']} by Distill Workbench {p['workbench_version']} from "
                       f"{_count(len(p['runs']), 'run')} and {_count(len(p['jobs']), 'EvoKD job')}. "
                       f"Scores: {p['scores']}. Provenance (settings, models, judge) is at the end."))
    if data.ice:
        blocks += _ice(data.ice, figs)
    if data.rse:
        blocks += _rse(data.rse, figs)
    if data.evokd:
        blocks += _evokd(data.evokd, figs)
    blocks += _provenance(p)
    return blocks


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


# -- ICE ----------------------------------------------------------------------------------------
def _ice(runs: list[dict[str, Any]], figs: dict[str, Figure]) -> list[Block]:
    out: list[Block] = [Heading(2, "ICE: identity consistency", "ice")]
    out.append(Text("Share of a model's answers that claim another identity: loose (any conflict with its "
                    "own identity), strict (claims another model family) and hard (strict, and the prompt "
                    "did not name that family). Intervals are 95% Wilson intervals; the denominator is "
                    "every answered item."))
    judges = sorted({str(s["judge"]) for s in runs})
    out.append(Text(f"Judge: {', '.join(judges)}. Runs: " +
                    ", ".join(f"{s['label']} = run {s['run_id']}" for s in runs) + "."))
    rows = []
    for s in runs:
        row = [s["label"], str(s["n"])]
        for score in ICE_SCORES:
            row.append(f"{s[f'{score}_count']} ({pct(s[score])})")
        row.append(str(s.get("needs_review", 0)))
        rows.append(row)
    table = Table("Counts per model", ["model", "n", "loose", "strict", "hard", "to review"],
                  rows, [False, True, True, True, True, True])
    out.append(FigureBlock(figs["ice-scores"], table))
    out.append(Table("95% Wilson intervals (%)", ["model", "loose", "strict", "hard"],
                     [[s["label"], *[ci_text(s.get(f"{sc}_ci")) for sc in ICE_SCORES]] for s in runs],
                     [False, True, True, True]))
    for key, name, what in (("by_category", "ice-by-category", "category"),
                            ("by_language", "ice-by-language", "language")):
        out.append(Heading(3, f"Per {what}", f"ice-{what}"))
        out.append(FigureBlock(figs[name], _ice_group_table(runs, key, what)))
    pending = [s for s in runs if s.get("needs_review")]
    for s in pending:
        out.append(Text(f"{s['label']}: {s['needs_review']} answers lack a loose or strict verdict (needs "
                        f"review), so its scores are lower bounds: if all were positive, loose would be "
                        f"{pct(s.get('loose_upper'))}, strict {pct(s.get('strict_upper'))}, hard at most "
                        f"{pct(s.get('hard_upper'))}.", note=True))
    return out


def _ice_group_table(runs: list[dict[str, Any]], key: str, what: str) -> Table:
    from .figures import ICE_CATEGORIES, _ordered

    groups = _ordered({g for s in runs for g in s.get(key, {})},
                      ICE_CATEGORIES if key == "by_category" else ("en", "zh"))
    rows = []
    for s in runs:
        for g in groups:
            v = s.get(key, {}).get(g)
            if v is None:
                continue
            rows.append([s["label"], g, str(v["n"]),
                         *[f"{v[f'{sc}_count']} ({pct(v[sc])})" for sc in ICE_SCORES]])
    return Table(f"Counts per model and {what}", ["model", what, "n", "loose", "strict", "hard"], rows,
                 [False, False, True, True, True, True])


# -- RSE ----------------------------------------------------------------------------------------
def _rse(runs: list[dict[str, Any]], figs: dict[str, Figure]) -> list[Block]:
    out: list[Block] = [Heading(2, "RSE: response similarity", "rse")]
    out.append(Text("How much each target answers like the reference: the judge's overall score and its "
                    "style, logic and content aspects (1-5), and the judge-free lexical, bigram and "
                    "embedding similarities (0-1). Each is the unweighted mean over the prompt sets with a "
                    "95% stratified bootstrap interval."))
    for r in runs:
        out.append(Heading(3, f"Run {r['run_id']}: reference {r['reference']}, judge {r['judge']}",
                           f"rse-run{r['run_id']}"))
        rows = []
        for t, tv in r["scores"]["targets"].items():
            row = [t, str(tv.get("answered", 0)), str(tv.get("needs_review", 0))]
            for m in (*RSE_JUDGE, *RSE_SIMILARITY):
                s = (tv.get("avg") or {}).get(m) or {}
                row.append("–" if s.get("mean") is None else
                           f"{s['mean']:.2f} [{s['low']:.2f}, {s['high']:.2f}]" if s.get("low") is not None
                           else f"{s['mean']:.2f}")
            rows.append(row)
        table = Table("Scores per target", ["target", "answered", "needs review", *RSE_JUDGE, *RSE_SIMILARITY],
                      rows, [False, True, True] + [True] * 7)
        out.append(FigureBlock(figs[f"rse-scores-run{r['run_id']}"], table))
        for m in r["matrices"]:
            if m.get("error"):
                out.append(Text(f"Homogenization matrix of set {m.get('set')} ({m.get('metric')}): "
                                f"{m['error']}", note=True))
                continue
            if not m.get("matrix"):
                continue
            safe = "".join(ch if ch.isalnum() else "-" for ch in str(m.get("set")))
            n_rows = [[name, *[str(x) for x in row]] for name, row in zip(m["models"], m["n"])]
            out.append(FigureBlock(figs[f"rse-matrix-run{r['run_id']}-{safe}"],
                                   Table("Prompts shared per pair", ["", *m["models"]], n_rows,
                                         [False] + [True] * len(m["models"]))))
    return out


# -- EvoKD --------------------------------------------------------------------------------------
def _stat(s: dict[str, Any] | None, digits: int = 3) -> str:
    if not s:
        return "–"
    if s["n"] > 1:
        return f"{s['mean']:.{digits}f} ± {s['sd']:.{digits}f}"
    return f"{s['mean']:.{digits}f}"


def _evokd(groups: list[dict[str, Any]], figs: dict[str, Figure]) -> list[Block]:
    out: list[Block] = [Heading(2, "EvoKD: distillation rounds", "evokd")]
    out.append(Text("Student accuracy and macro-F1 on the test set after each round, mean ± sample sd over "
                    "the seeds (jobs of one method on one dataset); dotted lines are full-shot references."))
    rows = []
    for g in groups:
        for r in g["rounds"]:
            rows.append([g["method"], g["dataset"], str(r["round"]), str(r["n"]), _stat(r.get("accuracy")),
                         _stat(r.get("macro_f1")), _stat(r.get("teacher_tokens"), 0), _stat(r.get("kept"), 1)])
    table = Table("Per round", ["method", "dataset", "round", "seeds", "accuracy", "macro-F1", "teacher tokens",
                                "kept samples"], rows, [False, False, True, True, True, True, True, True])
    out.append(FigureBlock(figs["evokd-rounds"], table))
    if "evokd-tokens" in figs:
        out.append(FigureBlock(figs["evokd-tokens"]))
    for i, g in enumerate(groups):
        c = summed_confusion(g)
        safe = "".join(ch if ch.isalnum() else "-" for ch in g["method"])
        if c is not None:
            sources = sorted({(j.get("confusion") or {}).get("source", "") for j in g["jobs"]} - {""})
            out.append(FigureBlock(figs[f"evokd-confusion-{i + 1}-{safe}"]))
            if sources:
                out.append(Text("Confusion matrix " + "; ".join(sources) + ".", note=True))
        else:
            reasons = sorted({(j.get("confusion") or {}).get("error") or "not computed (--no-confusion)"
                              for j in g["jobs"]})
            out.append(Text(f"{g['method']}: no confusion matrix ({'; '.join(reasons)}).", note=True))
    return out


# -- provenance ---------------------------------------------------------------------------------
def _provenance(p: dict[str, Any]) -> list[Block]:
    out: list[Block] = [Heading(2, "Provenance", "provenance")]
    out.append(Table("Report", ["", ""], [
        ["workbench", p["workbench_version"]], ["generated (UTC)", p["generated"]], ["scores", p["scores"]],
        ["database", p["database"]], ["python", p["python"]], ["matplotlib", str(p.get("matplotlib"))]]))
    if p["runs"]:
        out.append(Table("Runs", ["run", "kind", "target", "reference", "judge", "status", "created", "finished"],
                         [[str(r["run_id"]), r["kind"], str(r.get("target") or "–"), str(r.get("reference") or "–"),
                           str(r.get("judge") or "–"), r["status"], r["created"], str(r.get("finished") or "–")]
                          for r in p["runs"]]))
    if p["jobs"]:
        out.append(Table("EvoKD jobs", ["job", "method", "dataset", "teacher", "student", "seed", "status",
                                        "created"],
                         [[str(j["job_id"]), j["method"], str(j.get("dataset")), str(j.get("teacher") or "–"),
                           str(j.get("student") or "default"), str(j.get("seed")), j["status"], j["created"]]
                          for j in p["jobs"]]))
    if p["models"]:
        out.append(Table("Models (models.toml settings; API keys are never written)",
                         ["name", "model", "settings"],
                         [[m["name"], m.get("model", ""),
                           json.dumps({k: v for k, v in m.items() if k not in ("name", "model")},
                                      ensure_ascii=False, sort_keys=True)] for m in p["models"]]))
    settings = {f"run {r['run_id']}": r["settings"] for r in p["runs"]}
    settings.update({f"job {j['job_id']}": j["settings"] for j in p["jobs"]})
    out.append(Code("Run and job settings", json.dumps(settings, indent=2, ensure_ascii=False, sort_keys=True,
                                                       default=str)))
    return out
