"""Human review of judge verdicts: the queue, its orders and filters, review actions,
agreement statistics and exports.

The data API lives here and imports no UI: the review screen and the ``workbench review``
commands are thin layers over it. Nothing here overwrites a verdict; a review or an undo
is a new row in ``verdicts`` (see ``workbench.store.runs``).
"""

from workbench.review.actions import ReviewActionError, last_review, record_review, retract_review
from workbench.review.filters import FilterError, ReviewFilter, parse_filter
from workbench.review.order import ORDERS, order_items
from workbench.review.queue import (
    REVIEW_KINDS,
    ReviewError,
    ReviewItem,
    ReviewRun,
    load_review_run,
    reload_item,
)
from workbench.review.stats import compute_stats, review_stats

__all__ = [
    "ORDERS", "REVIEW_KINDS", "FilterError", "ReviewActionError", "ReviewError", "ReviewFilter",
    "ReviewItem", "ReviewRun", "compute_stats", "last_review", "load_review_run", "order_items",
    "parse_filter", "record_review", "reload_item", "retract_review", "review_stats",
]
