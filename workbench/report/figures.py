"""Every figure of a report, drawn with matplotlib (Agg) and kept as PNG and SVG bytes.

matplotlib is imported inside ``_mpl()`` only, so nothing on the TUI's start-up path pays for
it. Figures are built as ``matplotlib.figure.Figure`` objects (no pyplot): no global figure
state, safe in a worker thread. SVG output carries no date and a fixed hash salt, so the same
data gives the same file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Sequence

ICE_SCORES = ("loose", "strict", "hard")
ICE_CATEGORIES = ("team", "cooperation", "industry", "technology", "geography")
RSE_JUDGE = ("judge_mean", "style", "logic", "content")
RSE_SIMILARITY = ("lexical", "ngram2", "embedding")
# Colour-blind-safe (Okabe-Ito) colours, in a fixed order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SCORE_COLOURS = {"loose": "#56B4E9", "strict": "#0072B2", "hard": "#D55E00"}
DPI = 110


@dataclass
class Figure:
    name: str  # file stem: <name>.png and <name>.svg
    title: str
    alt: str  # what the figure shows, for the img alt text
    png: bytes
    svg: bytes


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.hashsalt": "distill-workbench", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False})
    from matplotlib.figure import Figure as MplFigure

    return MplFigure


def _save(fig: Any, name: str, title: str, alt: str) -> Figure:
    fig.tight_layout()
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return Figure(name=name, title=title, alt=alt, png=png.getvalue(), svg=svg.getvalue())


def _err(value: float, ci: Sequence[float | None] | None) -> tuple[float, float]:
    if not ci or ci[0] is None or ci[1] is None:
        return (0.0, 0.0)
    return (max(0.0, value - ci[0]), max(0.0, ci[1] - value))


def _grouped(ax: Any, groups: list[str], series: list[tuple[str, list[float], list[tuple[float, float]], str]],
             *, ylabel: str, ylim: tuple[float, float] | None = (0, 1)) -> None:
    """Bars of each series side by side within each group, with asymmetric error bars."""
    import numpy as np

    x = np.arange(len(groups))
    k = max(1, len(series))
    width = 0.8 / k
    for i, (label, values, errs, colour) in enumerate(series):
        lo = [e[0] for e in errs]
        hi = [e[1] for e in errs]
        ax.bar(x - 0.4 + width * (i + 0.5), values, width, yerr=[lo, hi], capsize=2, label=label,
               color=colour, error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
    ax.set_xticks(x, groups, rotation=20 if max((len(g) for g in groups), default=0) > 10 else 0,
                  ha="right" if max((len(g) for g in groups), default=0) > 10 else "center")
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.grid(axis="y", alpha=0.3)


# -- ICE ----------------------------------------------------------------------------------------
def ice_figures(runs: list[dict[str, Any]]) -> list[Figure]:
    if not runs:
        return []
    out = [_ice_overall(runs)]
    cats = _ordered({c for s in runs for c in s.get("by_category", {})}, ICE_CATEGORIES)
    langs = _ordered({lang for s in runs for lang in s.get("by_language", {})}, ("en", "zh"))
    out.append(_ice_breakdown(runs, "by_category", cats, "ice-by-category", "category"))
    out.append(_ice_breakdown(runs, "by_language", langs, "ice-by-language", "language"))
    return out


def _ordered(found: set[str], preferred: tuple[str, ...]) -> list[str]:
    return [c for c in preferred if c in found] + sorted(found - set(preferred))


def _ice_overall(runs: list[dict[str, Any]]) -> Figure:
    MplFigure = _mpl()
    labels = [s["label"] for s in runs]
    fig = MplFigure(figsize=(max(6.0, 1.1 * len(runs) + 2), 3.6))
    ax = fig.add_subplot()
    series = [(score, [s[score] for s in runs], [_err(s[score], s.get(f"{score}_ci")) for s in runs],
               SCORE_COLOURS[score]) for score in ICE_SCORES]
    _grouped(ax, labels, series, ylabel="share of answers", ylim=(0, _top(runs)))
    ax.set_title("ICE scores per model (95% Wilson intervals)")
    ax.legend(frameon=False, ncols=3, loc="upper right")
    alt = "; ".join(f"{s['label']}: loose {s['loose']:.3f}, strict {s['strict']:.3f}, hard {s['hard']:.3f} "
                    f"of {s['n']}" for s in runs)
    return _save(fig, "ice-scores", "ICE scores per model", "ICE scores per model. " + alt)


def _top(runs: list[dict[str, Any]]) -> float:
    highest = max((s.get("loose_ci") or [0, s.get("loose", 0)])[1] for s in runs)
    return min(1.0, max(0.1, highest * 1.2))


def _ice_breakdown(runs: list[dict[str, Any]], key: str, groups: list[str], name: str, what: str) -> Figure:
    MplFigure = _mpl()
    fig = MplFigure(figsize=(max(7.0, 0.9 * len(groups) * max(1, len(runs)) ** 0.5 + 3), 7.5))
    axes = fig.subplots(3, 1, sharex=True)
    for ax, score in zip(axes, ICE_SCORES):
        series = []
        for i, s in enumerate(runs):
            g = s.get(key, {})
            vals = [g.get(c, {}).get(score, 0.0) for c in groups]
            errs = [_err(g[c][score], g[c].get(f"{score}_ci")) if c in g else (0.0, 0.0) for c in groups]
            series.append((s["label"], vals, errs, PALETTE[i % len(PALETTE)]))
        _grouped(ax, groups, series, ylabel=score, ylim=None)
        ax.set_ylim(0, None)
    axes[0].set_title(f"ICE scores per {what} and model (95% Wilson intervals)")
    axes[0].set_ylim(0, axes[0].get_ylim()[1] * 1.35)  # headroom: the legend never covers a bar
    axes[0].legend(frameon=False, fontsize=7, ncols=min(3, len(runs)), loc="upper right")
    alt = f"ICE loose, strict and hard scores per {what} ({', '.join(groups)}) for " + \
        ", ".join(s["label"] for s in runs)
    return _save(fig, name, f"ICE scores per {what}", alt)


# -- RSE ----------------------------------------------------------------------------------------
def rse_figures(runs: list[dict[str, Any]]) -> list[Figure]:
    out: list[Figure] = []
    for r in runs:
        out.append(_rse_scores(r))
        for m in r["matrices"]:
            if m.get("matrix"):
                out.append(_rse_matrix(r, m))
    return out


def _stat(t: dict[str, Any], measure: str) -> tuple[float, tuple[float, float]] | None:
    s = (t.get("avg") or {}).get(measure) or {}
    if s.get("mean") is None:
        return None
    mean = float(s["mean"])
    ci = [s.get("low"), s.get("high")]
    return mean, _err(mean, ci)


def _rse_scores(run: dict[str, Any]) -> Figure:
    MplFigure = _mpl()
    targets = list(run["scores"]["targets"])
    fig = MplFigure(figsize=(8.0, 3.4))
    ax_j, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [4, 3]})
    for ax, measures, ylim, ylabel in ((ax_j, RSE_JUDGE, (1, 5), "judge score (1-5)"),
                                       (ax_s, RSE_SIMILARITY, (0, 1), "similarity (0-1)")):
        series = []
        for i, t in enumerate(targets):
            tv = run["scores"]["targets"][t]
            stats = [_stat(tv, m) for m in measures]
            vals = [st[0] if st else 0.0 for st in stats]
            errs = [st[1] if st else (0.0, 0.0) for st in stats]
            series.append((t, vals, errs, PALETTE[i % len(PALETTE)]))
        _grouped(ax, list(measures), series, ylabel=ylabel, ylim=ylim)
        if ax is ax_j and run["judge"] in (None, "none"):
            ax.text(0.5, 0.5, "no judge in this run", ha="center", va="center", transform=ax.transAxes,
                    color="#666666")
    ax_j.set_title(f"RSE run {run['run_id']}: similarity to {run['reference']} (95% bootstrap intervals)",
                   loc="left")
    ax_s.legend(frameon=False, fontsize=7, loc="upper right")
    alt = f"RSE per-aspect scores of {', '.join(targets)} against {run['reference']} (run {run['run_id']})"
    return _save(fig, f"rse-scores-run{run['run_id']}", f"RSE scores, run {run['run_id']}", alt)


def _rse_matrix(run: dict[str, Any], m: dict[str, Any]) -> Figure:
    import numpy as np

    MplFigure = _mpl()
    models = list(m["models"])
    values = np.array([[np.nan if x is None else float(x) for x in row] for row in m["matrix"]])
    scale = m.get("scale") or [0, 1]
    size = max(3.6, 0.9 * len(models) + 2.2)
    fig = MplFigure(figsize=(size + 1.0, size))
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=scale[0], vmax=scale[-1])
    ax.set_xticks(range(len(models)), models, rotation=35, ha="right")
    ax.set_yticks(range(len(models)), models)
    for i in range(len(models)):
        for j in range(len(models)):
            v = values[i, j]
            text = "–" if np.isnan(v) else f"{v:.2f}"
            dark = not np.isnan(v) and (v - scale[0]) / max(1e-9, scale[-1] - scale[0]) < 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=m["metric"])
    ax.set_title(f"Homogenization ({m['metric']}), set {m.get('set')}")
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    safe_set = "".join(ch if ch.isalnum() else "-" for ch in str(m.get("set")))
    alt = (f"Homogenization matrix ({m['metric']}) of {', '.join(models)} on set {m.get('set')}, run "
           f"{run['run_id']}")
    return _save(fig, f"rse-matrix-run{run['run_id']}-{safe_set}",
                 f"Homogenization matrix, run {run['run_id']}, set {m.get('set')}", alt)


# -- EvoKD --------------------------------------------------------------------------------------
def evokd_figures(groups: list[dict[str, Any]]) -> list[Figure]:
    if not groups:
        return []
    out = [_evokd_curves(groups)]
    if any(_has(g, "teacher_tokens") for g in groups):
        out.append(_evokd_tokens(groups))
    for i, g in enumerate(groups):
        c = summed_confusion(g)
        if c is not None:
            out.append(_confusion(g, c, i))
    return out


def _has(group: dict[str, Any], key: str) -> bool:
    return any(r.get(key) for r in group["rounds"])


def _evokd_curves(groups: list[dict[str, Any]]) -> Figure:
    MplFigure = _mpl()
    fig = MplFigure(figsize=(8.0, 3.4))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, key, label in zip(axes, ("accuracy", "macro_f1"), ("accuracy", "macro-F1")):
        for i, g in enumerate(groups):
            rows = [r for r in g["rounds"] if r.get(key)]
            if not rows:
                continue
            x = [r["round"] for r in rows]
            y = [r[key]["mean"] for r in rows]
            sd = [r[key]["sd"] for r in rows]
            colour = PALETTE[i % len(PALETTE)]
            seeds = len(g["jobs"])
            ax.errorbar(x, y, yerr=sd, marker="o", capsize=3, color=colour,
                        label=f"{g['method']} ({seeds} seed{'s' if seeds != 1 else ''})")
            fs = [j["full_shot"][key] for j in g["jobs"] if (j.get("full_shot") or {}).get(key) is not None]
            if fs:
                ax.axhline(sum(fs) / len(fs), color=colour, linestyle=":", linewidth=1)
        ax.set_xlabel("round")
        ax.set_title(f"{label} per round (mean ± sd)")
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("score on the test set")
    axes[0].legend(frameon=False, fontsize=7)
    alt = "EvoKD accuracy and macro-F1 per round for " + ", ".join(g["method"] for g in groups)
    return _save(fig, "evokd-rounds", "EvoKD accuracy and macro-F1 per round", alt)


def _evokd_tokens(groups: list[dict[str, Any]]) -> Figure:
    MplFigure = _mpl()
    rounds = sorted({r["round"] for g in groups for r in g["rounds"]})
    fig = MplFigure(figsize=(6.5, 3.0))
    ax = fig.add_subplot()
    series = []
    for i, g in enumerate(groups):
        by = {r["round"]: r.get("teacher_tokens") for r in g["rounds"]}
        vals = [(by.get(r) or {}).get("mean", 0.0) for r in rounds]
        errs = [((by.get(r) or {}).get("sd", 0.0),) * 2 for r in rounds]
        series.append((g["method"], vals, errs, PALETTE[i % len(PALETTE)]))
    _grouped(ax, [str(r) for r in rounds], series, ylabel="teacher tokens", ylim=None)
    ax.set_xlabel("round")
    ax.set_title("Teacher tokens per round (mean ± sd)")
    ax.legend(frameon=False, fontsize=7)
    return _save(fig, "evokd-tokens", "Teacher tokens per round",
                 "Teacher tokens spent per round for " + ", ".join(g["method"] for g in groups))


def summed_confusion(group: dict[str, Any]) -> dict[str, Any] | None:
    """The final students' confusion matrices of a group, summed over its seeds."""
    found = [j["confusion"] for j in group["jobs"] if (j.get("confusion") or {}).get("matrix")]
    if not found:
        return None
    labels = found[0]["labels"]
    same = [c for c in found if c["labels"] == labels]
    matrix = [[sum(c["matrix"][i][j] for c in same) for j in range(len(labels))] for i in range(len(labels))]
    return {"labels": labels, "matrix": matrix, "jobs": len(same)}


def _confusion(group: dict[str, Any], c: dict[str, Any], i: int) -> Figure:
    import numpy as np

    MplFigure = _mpl()
    labels = c["labels"]
    m = np.array(c["matrix"], dtype=float)
    size = max(3.6, 0.6 * len(labels) + 2.4)
    fig = MplFigure(figsize=(size + 0.8, size))
    ax = fig.add_subplot()
    im = ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = m.max() if m.size else 0
    for a in range(len(labels)):
        for b in range(len(labels)):
            ax.text(b, a, f"{int(m[a, b])}", ha="center", va="center", fontsize=8,
                    color="white" if top and m[a, b] > top * 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    seeds = f", summed over {c['jobs']} seeds" if c["jobs"] > 1 else ""
    ax.set_title(f"{group['method']}: final student{seeds}")
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    safe = "".join(ch if ch.isalnum() else "-" for ch in group["method"])
    return _save(fig, f"evokd-confusion-{i + 1}-{safe}", f"Confusion matrix, {group['method']}",
                 f"Confusion matrix of the final {group['method']} student over {', '.join(labels)}")


def all_figures(data: Any) -> list[Figure]:
    return [*ice_figures(data.ice), *rse_figures(data.rse), *evokd_figures(data.evokd)]
