"""Which generated texts to keep: drops empty, too short, too long and near-duplicate ones.

Near-duplicates are found with rapidfuzz against everything the student already has (seed
data, earlier rounds) and against the texts kept earlier in the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process, utils

DUPLICATE_SCORE = 90.0  # rapidfuzz ratio (0-100) at or above which two texts are the same
MIN_WORDS = 3
MAX_CHARS = 2000
REPEAT_RATIO = 0.4  # distinct words / words below this: the text loops
ECHO_SCORE = 92.0  # rapidfuzz partial_ratio against the prompt at or above this: an echo


@dataclass
class Verdict:
    text: str
    reason: str | None  # None: keep


class NearDuplicateFilter:
    """Remembers every text seen so far; ``check`` says whether a new one adds anything."""

    def __init__(self, existing: Iterable[str] = (), threshold: float = DUPLICATE_SCORE,
                 min_words: int = MIN_WORDS, max_chars: int = MAX_CHARS):
        self.threshold = threshold
        self.min_words = min_words
        self.max_chars = max_chars
        self.pool: list[str] = []
        for text in existing:
            key = utils.default_process(text)
            if key:
                self.pool.append(key)

    def check(self, text: str, remember: bool = True, prompt: str | None = None) -> Verdict:
        """Keep (reason None) or drop ``text``; ``prompt`` is the request that produced it."""
        text = " ".join((text or "").split())
        if not text:
            return Verdict(text, "empty")
        words = text.split()
        if len(words) < self.min_words:
            return Verdict(text, "too short")
        if len(text) > self.max_chars:
            return Verdict(text, "too long")
        if len(words) >= 8 and len({w.lower() for w in words}) / len(words) < REPEAT_RATIO:
            return Verdict(text, "repetitive")  # a small model stuck in a loop
        key = utils.default_process(text)
        if not key:
            return Verdict(text, "empty")
        if prompt and fuzz.partial_ratio(key, utils.default_process(prompt)) >= ECHO_SCORE:
            return Verdict(text, "echoes the prompt")  # copied the instructions or the example
        if self.pool:
            hit = process.extractOne(key, self.pool, scorer=fuzz.ratio, processor=None,
                                     score_cutoff=self.threshold)
            if hit is not None:
                return Verdict(text, "near-duplicate")
        if remember:
            self.pool.append(key)
        return Verdict(text, None)

    def remember(self, text: str) -> None:
        key = utils.default_process(text)
        if key:
            self.pool.append(key)
