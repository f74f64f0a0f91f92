"""Judge-only vs human-adjusted scores and per-judge agreement, refreshed after every review."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


def _num(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if kind == "ice" else f"{value:.2f}"


def render_stats(stats: dict[str, Any] | None) -> Text:
    out = Text()
    if not stats:
        return out
    kind = stats["kind"]
    what = "loose share" if kind == "ice" else "mean overall 1-5"
    out.append(f"Scores ({what}, {stats['n']} items)\n", style="bold underline")
    out.append(f"  {'judge':<12} {'judge-only':>10} {'adjusted':>9}\n", style="dim")
    for judge in stats["judges"]:
        sc = stats["scores"][judge]
        mark = "*" if judge == stats["judge"] else " "
        out.append(f" {mark}{judge:<12.12} {_num(sc['judge_score'], kind):>10} ")
        changed = sc["adjusted_score"] != sc["judge_score"]
        out.append(f"{_num(sc['adjusted_score'], kind):>9}\n", style="bold" if changed else "")
    if not stats["judges"]:
        out.append("  no machine verdicts\n", style="dim")
    out.append(f"  reviewed {stats['reviewed']} · remaining {stats['remaining']}", style="dim")
    if stats["retractions"]:
        out.append(f" · {stats['retractions']} undone", style="dim")
    out.append("\n\n")
    out.append("Agreement with the human labels\n", style="bold underline")
    for judge, a in stats["agreement"].items():
        kappa = "—" if a["kappa"] is None else f"{a['kappa']:.2f}"
        if kind == "ice":
            c = a["confusion"]
            out.append(f"  {judge:<12.12} ", style="bold")
            out.append(f"κ {kappa:>5}  n {a['n']}\n")
            prec = "—" if a["precision"] is None else f"{a['precision']:.2f}"
            rec = "—" if a["recall"] is None else f"{a['recall']:.2f}"
            out.append(f"    tp {c['tp']} fp {c['fp']} fn {c['fn']} tn {c['tn']}  P {prec} R {rec}\n", style="dim")
        else:
            rho = "—" if a["spearman"] is None else f"{a['spearman']:.2f}"
            mae = "—" if a["mae"] is None else f"{a['mae']:.2f}"
            out.append(f"  {judge:<12.12} ", style="bold")
            out.append(f"κw {kappa:>5}  ρ {rho:>5}  n {a['n']}\n")
            out.append(f"    mean abs diff {mae}\n", style="dim")
        pop = a.get("population") or {}
        if pop.get("kappa") is not None:
            out.append(f"    run-wide κ≈ {pop['kappa']:.2f} (queue groups reweighted)\n", style="cyan")
        elif pop.get("missing") and a["n"]:
            out.append(f"    run-wide κ: review some of {', '.join(pop['missing'])}\n", style="dim")
        if a.get("judge_undecided"):
            out.append(f"    {a['judge_undecided']} you decided that it left open\n", style="dim")
    if not stats["agreement"]:
        out.append("  —\n", style="dim")
    return out


class ReviewStatsPanel(Static):
    DEFAULT_CSS = "ReviewStatsPanel { height: auto; padding: 0 1; margin-top: 1; }"

    def show(self, stats: dict[str, Any] | None) -> None:
        self.update(render_stats(stats))
