"""Queue orders: where a reviewer's next key press does the most good.

``triage`` (the default) puts first the items whose machine judges disagree (largest
disagreement first), then those a judge could not decide ("needs review"), then everything
else as a random sample. Random positions come from a hash of seed and item id, so they are
stable across sessions and do not move when a filter hides other items.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

from workbench.review.queue import ReviewItem

ORDERS: tuple[str, ...] = ("triage", "random", "run")
ORDER_LABELS: dict[str, str] = {
    "triage": "disagreements → needs review → random sample",
    "random": "random sample (seeded)",
    "run": "run order",
}
DEFAULT_SEED = 0

# Triage groups, in queue order.
DISAGREE, NEEDS_REVIEW, SAMPLE = 0, 1, 2
GROUP_NAMES = {DISAGREE: "judges disagree", NEEDS_REVIEW: "needs review", SAMPLE: "random sample"}


def spread(item: ReviewItem) -> float | None:
    """Largest difference between two machine judges' values; None with fewer than two values."""
    values = [v for v in item.judge_values().values() if v is not None]
    if len(values) < 2:
        return None
    return max(values) - min(values)


def disagrees(item: ReviewItem) -> bool:
    s = spread(item)
    return s is not None and s > 0


def needs_review(item: ReviewItem) -> bool:
    """A machine judge could not decide, or no machine judge has looked at it at all."""
    values = item.judge_values()
    return not values or any(v is None for v in values.values())


def triage_group(item: ReviewItem) -> int:
    group = item.cache.get("group")
    if group is None:
        group = DISAGREE if disagrees(item) else NEEDS_REVIEW if needs_review(item) else SAMPLE
        item.cache["group"] = group
    return group


def sample_key(seed: int, item_id: int) -> str:
    return hashlib.blake2b(f"{seed}:{item_id}".encode(), digest_size=8).hexdigest()


def order_items(items: Iterable[ReviewItem], order: str = "triage", seed: int = DEFAULT_SEED) -> list[ReviewItem]:
    items = list(items)
    if order == "run":
        return sorted(items, key=lambda it: it.id)
    if order == "random":
        return sorted(items, key=lambda it: sample_key(seed, it.id))
    if order == "triage":
        def key(it: ReviewItem) -> tuple:
            group = triage_group(it)
            # Within the disagreement group the widest gaps (RSE 1 vs 5) come first.
            wide = -(spread(it) or 0.0) if group == DISAGREE else 0.0
            return (group, wide, sample_key(seed, it.id))
        return sorted(items, key=key)
    raise ValueError(f"unknown order {order!r}: use one of {', '.join(ORDERS)}")


def next_order(order: str) -> str:
    return ORDERS[(ORDERS.index(order) + 1) % len(ORDERS)]


def group_counts(items: Sequence[ReviewItem]) -> dict[str, int]:
    counts = {name: 0 for name in GROUP_NAMES.values()}
    for it in items:
        counts[GROUP_NAMES[triage_group(it)]] += 1
    return counts
