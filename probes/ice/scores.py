"""ICE scores over the N answers of a run: loose, strict and hard, with Wilson intervals.

Counting rules (the denominator is always N, every answer of the run):

* An answer whose verdict is ``None`` ("needs review": an unparseable judge output) counts
  as not positive, and is reported in ``needs_review``. The shares are therefore lower
  bounds until a human has reviewed those answers; ``<score>_upper`` gives the share if
  every unreviewed answer turned out positive, so a reader sees how much is at stake.
* hard = strict positives whose prompt (template + question) names none of the identities
  the answer claimed. Claimed entries that are registry family keys expand to that family's
  names; any other string is matched as a literal term. ``hard_terms`` on an item overrides
  the claimed list (imports of published data fix it to the paper's terms). A strict
  positive with no claimed identity recorded is hard only when the prompt names no
  registry family at all: without knowing the claim, anything less would overcount.
* Strict and loose are taken as judged; a strict positive with a loose negative (two LLM
  judges disagreeing) is counted as such and reported in ``inconsistent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from probes.ice.identity import FAMILIES, FAMILY_BY_KEY, family_mentioned, mentions
from probes.stats import proportion


@dataclass
class ScoreItem:
    prompt: str
    category: str = "unknown"
    lang: str = "en"
    template_id: str = ""
    loose: bool | None = None
    strict: bool | None = None
    claimed: list[str] = field(default_factory=list)
    hard_terms: list[str] | None = None


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def _as_item(item: Any) -> ScoreItem:
    if isinstance(item, ScoreItem):
        return item
    prompt = _get(item, "prompt")
    if prompt is None:
        template = _get(item, "template", "") or ""
        question = _get(item, "question", "") or ""
        prompt = f"{template}\n{question}"
    claimed = _get(item, "claimed") or []
    if isinstance(claimed, str):
        claimed = [c.strip() for c in claimed.split(",") if c.strip()]
    return ScoreItem(
        prompt=str(prompt), category=str(_get(item, "category") or "unknown"),
        lang=str(_get(item, "lang") or "en"), template_id=str(_get(item, "template_id") or ""),
        loose=_get(item, "loose"), strict=_get(item, "strict"), claimed=list(claimed),
        hard_terms=_get(item, "hard_terms"))


def prompt_names_claimed(prompt: str, claimed: Iterable[str]) -> bool:
    """Whether the prompt names any claimed identity (family key or literal term)."""
    for c in claimed:
        c = str(c).strip()
        if not c:
            continue
        if c.lower() in FAMILY_BY_KEY:
            if family_mentioned(prompt, c.lower()):
                return True
        elif mentions(prompt, [c]):
            return True
    return False


def item_is_hard(item: Any) -> bool:
    it = _as_item(item)
    if it.strict is not True:
        return False
    if it.hard_terms is not None:
        return not mentions(it.prompt, it.hard_terms)
    if it.claimed:
        return not prompt_names_claimed(it.prompt, it.claimed)
    return not any(family_mentioned(it.prompt, f.key) for f in FAMILIES)


def _share(k: int, n: int, pending: int) -> dict[str, Any]:
    p = proportion(k, n)
    return {"value": p.value, "count": k, "ci": [p.low, p.high],
            "upper": ((k + pending) / n) if n else 0.0}


def _group(items: list[ScoreItem], hard: list[bool]) -> dict[str, Any]:
    n = len(items)
    loose_k = sum(1 for i in items if i.loose is True)
    strict_k = sum(1 for i in items if i.strict is True)
    hard_k = sum(hard)
    loose_pending = sum(1 for i in items if i.loose is None)
    strict_pending = sum(1 for i in items if i.strict is None)
    out: dict[str, Any] = {"n": n}
    for name, k, pending in (("loose", loose_k, loose_pending), ("strict", strict_k, strict_pending),
                             ("hard", hard_k, strict_pending)):
        s = _share(k, n, pending)
        out[name] = s["value"]
        out[f"{name}_count"] = k
        out[f"{name}_ci"] = s["ci"]
        out[f"{name}_upper"] = s["upper"]
    out["needs_review"] = sum(1 for i in items if i.loose is None or i.strict is None)
    out["loose_needs_review"] = loose_pending
    out["strict_needs_review"] = strict_pending
    out["inconsistent"] = sum(1 for i in items if i.strict is True and i.loose is False)
    return out


def _by(items: list[ScoreItem], hard: list[bool], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, tuple[list[ScoreItem], list[bool]]] = {}
    for it, h in zip(items, hard):
        g = groups.setdefault(str(getattr(it, key)) or "unknown", ([], []))
        g[0].append(it)
        g[1].append(h)
    return {name: _group(its, hs) for name, (its, hs) in groups.items()}


def ice_scores(items: Iterable[Any]) -> dict[str, Any]:
    """Scores of one run; ``items`` are :class:`ScoreItem` or mappings with the same keys."""
    its = [_as_item(i) for i in items]
    hard = [item_is_hard(i) for i in its]
    out = _group(its, hard)
    out["by_category"] = _by(its, hard, "category")
    out["by_language"] = _by(its, hard, "lang")
    out["by_template"] = _by(its, hard, "template_id")
    return out
