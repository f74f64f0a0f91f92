"""What an ICE run asks: its settings, the questions and templates it uses, its work items.

Everything here is deterministic from the stored config, so a resumed run rebuilds exactly
the same item keys (``"{template_id}|{question_id}"``) and the engine skips answered ones.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable, Sequence

from workbench.runs.engine import WorkItem

DEFAULT_BUDGET = 100


@dataclass
class ICERunConfig:
    """Everything needed to start, and later resume, an ICE run (stored as runs.config)."""

    target: str
    judge: str = "rule"
    helper: str | None = None
    budget: int = DEFAULT_BUDGET  # queries to the target
    langs: list[str] = field(default_factory=lambda: ["en", "zh"])
    fact_text: str | None = None  # --fact, verbatim
    fact: dict[str, Any] | None = None  # the resolved IdentityFact (filled by resolve())
    concurrency: int = 4
    max_tokens: int | None = None
    temperature: float | None = None
    no_fuzz: bool = False
    seed: int = 0
    questions: int | None = None  # limit: how many questions (balanced over categories)
    templates: int | None = None  # limit: how many seed templates (balanced over styles)
    judge_max_tokens: int | None = 512
    helper_max_tokens: int | None = 400
    max_helper_failures: int = 10  # unusable mutations in a row before the search stops
    # What each model was sent and why: {role: {param: {"value": v, "source": flag|models.toml|default}}}
    params: dict[str, Any] = field(default_factory=dict)
    question_ids: list[str] = field(default_factory=list)  # filled by resolve()
    template_ids: list[str] = field(default_factory=list)

    @property
    def fuzz(self) -> bool:
        return bool(self.helper) and not self.no_fuzz

    def models_called(self) -> list[str]:
        """The models this run sends requests to (what a pre-flight check should look at): the
        target, an LLM judge (not the rule judge, not a distilled one), the helper when fuzzing."""
        from workbench.judging import is_distilled, judge_model

        names = [self.target]
        if self.judge != "rule" and not is_distilled(self.judge):
            names.append(judge_model(self.judge))
        if self.fuzz and self.helper:
            names.append(self.helper)
        return names

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["source"] = "run"
        d["fuzz"] = self.fuzz
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ICERunConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def resolve(self) -> "ICERunConfig":
        """Fix the fact, the question ids and the template ids (raises ValueError on bad input)."""
        from probes.ice.identity import fact_for

        if self.budget < 1:
            raise ValueError("--budget must be at least 1 query")
        if self.concurrency < 1:
            raise ValueError("--concurrency must be at least 1")
        if self.questions is not None and self.questions < 1:
            raise ValueError("--questions must be at least 1")
        if self.templates is not None and self.templates < 1:
            raise ValueError("--templates must be at least 1")
        if self.fact is None:
            self.fact = fact_for(self.target, self.fact_text).to_dict()
        if not self.question_ids:
            self.question_ids = [q.id for q in pick_questions(load_all_questions(self.langs),
                                                               self.questions)]
        if not self.template_ids:
            from probes.ice.templates import load_seed_templates

            self.template_ids = [t.id for t in pick_templates(load_seed_templates(), self.templates)]
        if self.fuzz and len(self.question_ids) > self.budget:
            raise ValueError(
                f"a budget of {self.budget} cannot pay one template evaluation "
                f"({len(self.question_ids)} questions): raise --budget or lower --questions")
        return self


def load_all_questions(langs: Iterable[str]) -> list:
    from probes.ice.questions import load_questions

    return load_questions(tuple(langs))


def _round_robin(groups: dict[str, list[Any]]) -> list[Any]:
    out: list[Any] = []
    queues = [list(v) for v in groups.values()]
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def pick_questions(questions: Sequence[Any], limit: int | None) -> list[Any]:
    """The first ``limit`` questions, taken pair by pair in turn from each category.

    Keeping the English and Chinese versions of a question together means a small run still
    compares the two languages on the same questions.
    """
    if limit is None or limit >= len(questions):
        return list(questions)
    by_pair: dict[str, list[Any]] = {}
    for q in questions:
        by_pair.setdefault(q.pair, []).append(q)
    by_category: dict[str, list[list[Any]]] = {}
    for pair in by_pair.values():
        by_category.setdefault(pair[0].category, []).append(pair)
    ordered = [q for pair in _round_robin(by_category) for q in pair]
    return ordered[:limit]


def pick_templates(templates: Sequence[Any], limit: int | None) -> list[Any]:
    """The first ``limit`` seed templates, taken in turn from each style."""
    if limit is None or limit >= len(templates):
        return list(templates)
    by_style: dict[str, list[Any]] = {}
    for t in templates:
        by_style.setdefault(t.style, []).append(t)
    return _round_robin(by_style)[:limit]


def item_for(template_id: str, template_text: str, question: Any) -> WorkItem:
    from probes.ice.templates import fill

    return WorkItem(
        key=f"{template_id}|{question.id}",
        prompt=fill(template_text, question.text),
        meta={"category": question.category, "lang": question.lang, "template_id": template_id,
              "question_id": question.id, "question": question.text},
    )


def seed_plan(cfg: ICERunConfig, templates: dict[str, str], questions: Sequence[Any]) -> list[WorkItem]:
    """The no-fuzz items: every chosen template with every chosen question, capped by the budget.

    Over budget, a seeded sample spreads the queries over templates, categories and
    languages (taking the grid in order would spend it all on the first template).
    """
    grid = [(tid, q) for tid in cfg.template_ids for q in questions]
    if cfg.budget < len(grid):
        chosen = sorted(random.Random(cfg.seed).sample(range(len(grid)), cfg.budget))
        grid = [grid[i] for i in chosen]
    return [item_for(tid, templates[tid], q) for tid, q in grid]
