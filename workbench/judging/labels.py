"""Training and evaluation examples for ICE judges: stored answers with a chosen verdict source.

A label source is ``published`` (verdicts imported with a released file), ``human`` (the
review queue's standing human verdicts) or the name of any judge whose verdicts the run
holds (an LLM judge, ``rule``, a distilled judge's folder). Answers that source left
undecided are skipped, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from probes.ice.identity import IdentityFact, fact_for

from . import JudgeError, judge_key

HUMAN_LABELS = "human"


@dataclass(frozen=True)
class Example:
    run_id: int
    item_id: int
    prompt: str
    response: str
    fact: IdentityFact
    label: bool | None
    group: str = ""  # the jailbreak template: cross-validation keeps a template in one fold
    model: str = ""  # the target model: leave-one-model-out holds out all of its answers


def run_fact(run: Any) -> IdentityFact:
    data = run.config.get("fact")
    return IdentityFact.from_dict(data) if data else fact_for(run.target)


def run_answers(db: Any, run_id: int) -> tuple[Any, list[dict]]:
    from workbench.store.runs import get_run

    run = get_run(db, run_id)
    if run is None:
        raise JudgeError(f"no run {run_id}: list runs with `workbench ice runs`")
    if run.kind != "ice":
        raise JudgeError(f"run {run_id} is a {run.kind} run; judges learn from ICE runs")
    rows = list(db.query(
        """select i.id, i.key, i.prompt, r.text from run_items i join responses r on r.id = i.response_id
           where i.run_id = ? and i.status = 'answered' order by i.id""", [run_id]))
    return run, rows


def label_values(db: Any, run: Any, source: str | None) -> tuple[str, dict[int, float | None]]:
    """(the source used, item id -> loose value) for ``source`` (default: the run's own judge)."""
    from workbench.store.runs import current_verdicts

    standing = current_verdicts(db, run.id, "loose")
    wanted = judge_key(source) if source else (run.judge or "rule")
    out: dict[int, float | None] = {}
    seen: set[str] = set()
    for item_id, s in standing.items():
        seen.update(s.by_judge)
        if wanted == HUMAN_LABELS:
            if s.human is not None:
                out[item_id] = s.human.value
        elif wanted in s.by_judge:
            out[item_id] = s.by_judge[wanted].value
    if not any(v is not None for v in out.values()):
        if wanted == HUMAN_LABELS:
            raise JudgeError(f"run {run.id} has no human reviews yet: review it with "
                             f"`workbench review {run.id}` or pick --labels from: "
                             + ", ".join(sorted(seen)))
        raise JudgeError(f"run {run.id} has no loose verdicts from {wanted!r}; its judges: "
                         + (", ".join(sorted(seen)) or "none") + " (or --labels human)")
    return wanted, out


def load_examples(db: Any, run_ids: list[int], source: str | None, *,
                  labelled_only: bool = True) -> tuple[list[Example], list[str]]:
    """Examples of every answered item of ``run_ids``; and the label source used per run."""
    examples: list[Example] = []
    sources: list[str] = []
    for run_id in run_ids:
        run, rows = run_answers(db, run_id)
        if not rows:
            raise JudgeError(f"run {run_id} has no answered items")
        used, labels = label_values(db, run, source)
        sources.append(used)
        fact = run_fact(run)
        for r in rows:
            v = labels.get(r["id"])
            label = None if v is None else v >= 0.5
            if labelled_only and label is None:
                continue
            examples.append(Example(run_id=run_id, item_id=r["id"], prompt=r["prompt"] or "",
                                    response=r["text"] or "", fact=fact, label=label,
                                    group=(r["key"] or "").split("|", 1)[0],
                                    model=run.target or str(run_id)))
    return examples, sources
