"""The review filter's mini syntax.

    category:team judge:rule verdict:pos        ICE positives of the rule judge in "team"
    judge:published verdict:none                what the published judge left undecided
    verdict:1-2 set:math                        RSE items scored 1 or 2 on the math set
    status:disagree -lang:zh "openai"           disagreements, not Chinese, mentioning openai

Terms are ``field:value`` (``value,value`` means either), ``-field:value`` negates, and bare
words (quotes keep spaces) search prompt and answers case-insensitively. All terms must hold.
``verdict`` applies to the judges named by ``judge`` if any, else to any machine judge.
ICE verdicts: pos / neg / none (needs review). RSE: 1-5, ranges ``2-4``, ``>=4``, ``<3``, none.
``run:N`` names the run to review (the screen switches to it).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

from workbench.review.order import disagrees, needs_review
from workbench.review.queue import ReviewItem
from workbench.store.runs import HUMAN

FIELDS: tuple[str, ...] = ("run", "judge", "category", "lang", "target", "template", "verdict",
                           "human", "status")
ALIASES = {"cat": "category", "set": "category", "j": "judge", "v": "verdict", "is": "status",
           "language": "lang", "tpl": "template", "template_id": "template", "model": "target"}
STATUSES = ("disagree", "needs", "reviewed", "unreviewed")
_STATUS_ALIASES = {"disagreement": "disagree", "disagrees": "disagree", "needs-review": "needs",
                   "needs_review": "needs", "todo": "unreviewed", "done": "reviewed"}

_POS = {"pos", "positive", "y", "yes", "true", "+"}
_NEG = {"neg", "negative", "n", "no", "false", "-"}
_NONE = {"none", "needs", "null", "?", "undecided"}
_RANGE = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")
_CMP = re.compile(r"^(>=|<=|>|<|=)(\d+(?:\.\d+)?)$")

ValueTest = Callable[[float | None], bool]


class FilterError(ValueError):
    """A filter the user typed that cannot be understood; the message says how to fix it."""


@dataclass
class Clause:
    field: str
    values: tuple[str, ...]
    negate: bool = False
    tests: tuple[ValueTest, ...] = ()  # verdict / human: one test per value

    def text(self) -> str:
        return f"{'-' if self.negate else ''}{self.field}:{','.join(self.values)}"


@dataclass
class ReviewFilter:
    clauses: list[Clause] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    run: int | None = None
    source: str = ""

    @property
    def empty(self) -> bool:
        return not self.clauses and not self.words

    def describe(self) -> str:
        parts = [c.text() for c in self.clauses]
        parts += [f'"{w}"' if " " in w else w for w in self.words]
        return " ".join(parts) or "none"

    def judges(self) -> set[str]:
        return {v for c in self.clauses if c.field == "judge" and not c.negate for v in c.values}

    def matches(self, item: ReviewItem, target: str | None = None) -> bool:
        judges = self.judges()
        for c in self.clauses:
            if _clause_holds(c, item, judges, target) == c.negate:
                return False
        if self.words:
            hay = "\n".join((item.prompt, item.response, item.reference or "", item.key)).lower()
            if not all(w.lower() in hay for w in self.words):
                return False
        return True


def parse_filter(text: str, kind: str = "ice") -> ReviewFilter:
    """Parse the mini syntax for a run of ``kind`` ("ice" or "rse")."""
    try:
        tokens = shlex.split(text or "")
    except ValueError as exc:
        raise FilterError(f"filter: {exc} (close the quote)") from None
    out = ReviewFilter(source=(text or "").strip())
    for tok in tokens:
        name, sep, raw = tok.partition(":")
        if not sep or not name or name in ("-",) or (name.startswith("-") and len(name) == 1):
            out.words.append(tok)
            continue
        negate = name.startswith("-")
        fname = name[1:] if negate else name
        fname = ALIASES.get(fname.lower(), fname.lower())
        if fname not in FIELDS:
            raise FilterError(f"filter: unknown field {fname!r}; use {', '.join(FIELDS)} "
                              "(e.g. category:team judge:rule verdict:pos)")
        values = tuple(v for v in raw.split(",") if v)
        if not values:
            raise FilterError(f"filter: {fname}: needs a value, e.g. {fname}:{_example(fname, kind)}")
        clause = Clause(fname, values, negate)
        if fname == "run":
            if negate or len(values) != 1 or not values[0].isdigit():
                raise FilterError("filter: run: takes one run id, e.g. run:3")
            out.run = int(values[0])
            continue  # the screen switches runs; items need no test
        if fname in ("verdict", "human"):
            clause.tests = tuple(_value_test(v, kind, fname) for v in values)
        elif fname == "status":
            norm = tuple(_STATUS_ALIASES.get(v.lower(), v.lower()) for v in values)
            bad = [v for v in norm if v not in STATUSES]
            if bad:
                raise FilterError(f"filter: status:{bad[0]} unknown; use {', '.join(STATUSES)}")
            clause.values = norm
        out.clauses.append(clause)
    return out


def _example(fname: str, kind: str) -> str:
    return {"judge": "rule", "category": "team" if kind == "ice" else "math", "lang": "en",
            "target": "deepseek-chat", "template": "pub-001", "status": "disagree",
            "verdict": "pos" if kind == "ice" else "1-2", "human": "none"}.get(fname, "x")


def _value_test(raw: str, kind: str, fname: str) -> ValueTest:
    v = raw.lower()
    if v in _NONE:
        return lambda x: x is None
    if fname == "human" and v in ("any", "some", "set"):
        return lambda x: x is not None
    if kind == "ice":
        if v in _POS or v == "1":
            return lambda x: x is not None and x >= 0.5
        if v in _NEG or v == "0":
            return lambda x: x is not None and x < 0.5
        raise FilterError(f"filter: {fname}:{raw} — ICE verdicts are pos, neg or none")
    m = _RANGE.match(v)
    if m:
        lo, hi = sorted((float(m.group(1)), float(m.group(2))))
        return lambda x: x is not None and lo <= x <= hi
    m = _CMP.match(v)
    if m:
        op, n = m.group(1), float(m.group(2))
        ops: dict[str, Callable[[float], bool]] = {
            ">=": lambda x: x >= n, "<=": lambda x: x <= n, ">": lambda x: x > n,
            "<": lambda x: x < n, "=": lambda x: x == n}
        test = ops[op]
        return lambda x: x is not None and test(x)
    try:
        n = float(v)
    except ValueError:
        raise FilterError(f"filter: {fname}:{raw} — RSE scores are 1-5, a range like 2-4, "
                          ">=4, or none") from None
    return lambda x: x is not None and x == n


def _clause_holds(c: Clause, item: ReviewItem, judges: set[str], target: str | None) -> bool:
    values = set(c.values)
    if c.field == "judge":
        present = set(item.standing.by_judge) | ({HUMAN} if item.reviewed else set())
        return bool(present & values)
    if c.field == "category":
        return item.category.lower() in {v.lower() for v in values}
    if c.field == "lang":
        return str(item.meta.get("lang") or "").lower() in {v.lower() for v in values}
    if c.field == "target":
        name = str(item.meta.get("target") or target or "").lower()
        return any(v.lower() in name for v in values)
    if c.field == "template":
        return str(item.meta.get("template_id") or "") in values
    if c.field == "verdict":
        judged = dict(item.judge_values())
        if HUMAN in judges:
            judged[HUMAN] = item.human.value if item.human else None
        if judges:
            pool = [judged[j] for j in judges if j in judged]
        else:
            pool = list(item.judge_values().values()) or [None]
        return any(t(x) for t in c.tests for x in pool)
    if c.field == "human":
        x = item.human.value if item.human else None
        return any(t(x) for t in c.tests)
    if c.field == "status":
        checks = {"disagree": disagrees, "needs": needs_review,
                  "reviewed": lambda it: it.reviewed, "unreviewed": lambda it: not it.reviewed}
        return any(checks[v](item) for v in c.values)
    raise AssertionError(c.field)
