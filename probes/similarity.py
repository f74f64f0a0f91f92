"""Judge-free similarity between two responses: lexical, word-bigram overlap, embedding cosine.

Every measure lies in [0, 1] (1 = identical) and is computed for many pairs at once.

Tokens
    Text is NFKC-normalised (non-ASCII text only: ASCII is already normal) and case-folded,
    then split into word tokens: runs of letters, digits, underscores and combining marks.
    Scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar, ...) give one
    token per character (with its combining marks), so Chinese or Japanese text is compared
    by character n-grams instead of collapsing a whole sentence into one "word".
    Punctuation and Markdown markers are separators: formatting is style, which the judge
    rates; these measures compare wording.

``lexical``
    rapidfuzz Indel normalised similarity over *word* sequences, 2·LCS/(|a|+|b|): the
    ROUGE-L F1 of the two token sequences. Words, not characters, because two unrelated
    English answers already share about half of their characters in order (so a
    character ratio never falls much below 0.5), while order-aware word overlap spans the
    whole [0, 1] range and still rewards answers that say the same things in the same order.

``ngram2``
    Dice coefficient of the two *sets* of word bigrams, 2|A∩B|/(|A|+|B|). Dice rather
    than Jaccard because it is the F1 of bigram overlap and so sits on the same scale as
    ``lexical``. Each text is padded with start and end markers, so one-word answers
    ("42" vs "42") still compare, and an empty text equals only another empty text.

``embedding``
    Cosine of precomputed embedding vectors, clipped to [0, 1]: a negative cosine between
    sentence embeddings means "unrelated", and the clip keeps every measure on one scale.
    A zero vector has no direction and scores 0; a row with NaN or inf scores NaN (missing).

Speed: texts are tokenised in numpy (a character-class table, token hashes read from the
UTF-8 bytes eight at a time, a vectorised hash table to give tokens small ids) instead of
one regex call and one Python string per token; bigram sets are intersected for all pairs
in one sort; rapidfuzz compares the token sequences encoded as strings in parallel.
Tokens are identified by 64-bit hashes, so two different words longer than eight bytes
could in principle be merged; with a million distinct words the chance is below 1e-7.
``tokenize`` is the plain reference tokeniser (one regex) that the
tests and the benchmark check the numpy path against.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Indel

__all__ = [
    "MEASURES",
    "Corpus",
    "tokenize",
    "lexical_pairs",
    "lexical_matrix",
    "lexical_similarity",
    "ngram2_pairs",
    "ngram2_matrix",
    "ngram2_similarity",
    "cosine_pairs",
    "cosine_matrix",
    "cosine_similarity",
    "pair_similarity",
    "similarity_matrices",
]

MEASURES = ("lexical", "ngram2", "embedding")

# ---------------------------------------------------------------------------------------
# Character classes

_OTHER, _WORD, _SINGLE, _MARK = 0, 1, 2, 3
_UNKNOWN = 255

# Scripts written without spaces between words: each character is its own token.
_SINGLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols (々, 〆, 〇 are word characters)
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31FF),  # Bopomofo extended, Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana (NFKC maps most of it to full width)
    (0x1B000, 0x1B16F),  # Kana supplement and extended
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def _in_single_script(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _SINGLE_RANGES)


def _char_class(cp: int) -> int:
    ch = chr(cp)
    if unicodedata.category(ch)[0] == "M":
        return _MARK
    if ch.isalnum() or ch == "_":
        return _SINGLE if _in_single_script(cp) else _WORD
    return _OTHER


class _ClassTable:
    """Character classes for all of Unicode, filled in as characters are first seen.

    Classifying all 1.1 M code points up front costs about a second; real text uses a
    few hundred distinct characters, so each is classified once, on first sight.
    """

    def __init__(self) -> None:
        self.table = np.full(0x110000, _UNKNOWN, dtype=np.uint8)
        self.table[:128] = [_char_class(c) for c in range(128)]
        self._lock = threading.Lock()

    def lookup(self, cps: np.ndarray) -> np.ndarray:
        cls = self.table[cps]
        missing = cls == _UNKNOWN
        if missing.any():
            new = np.unique(cps[missing])
            values = np.fromiter((_char_class(c) for c in new.tolist()), np.uint8, new.size)
            with self._lock:
                self.table[new] = values
            cls = self.table[cps]
        return cls


_CLASSES = _ClassTable()


def _prepare(text: str) -> str:
    # NFKC before case folding: NFKC can produce capitals (e.g. U+210C → "H").
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


# ---------------------------------------------------------------------------------------
# Reference tokeniser (plain regex): the definition the numpy path must reproduce.

_TOKEN_RE: re.Pattern[str] | None = None
_TOKEN_RE_LOCK = threading.Lock()


def _char_ranges(cps: Sequence[int]) -> str:
    parts: list[str] = []
    cps = sorted(cps)
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = cps[i], cps[j]
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
        i = j + 1
    return "".join(parts)


def _token_regex() -> re.Pattern[str]:
    global _TOKEN_RE
    with _TOKEN_RE_LOCK:
        if _TOKEN_RE is None:
            category = unicodedata.category
            # Per class, code points below and above 0xFFFF: sre turns a class of BMP
            # characters into a fast bitmap but tests astral ranges one by one, so the
            # astral classes sit behind a cheap "is astral" look-ahead. This keeps the
            # regex about as fast as \w+, which makes the plain loop a fair baseline.
            single: tuple[list[int], list[int]] = ([], [])
            marks: tuple[list[int], list[int]] = ([], [])
            word_or_mark: tuple[list[int], list[int]] = ([], [])
            for c in range(0x110000):
                ch, astral = chr(c), c > 0xFFFF
                if category(ch)[0] == "M":
                    marks[astral].append(c)
                    word_or_mark[astral].append(c)
                elif ch.isalnum() or ch == "_":
                    (single if _in_single_script(c) else word_or_mark)[astral].append(c)
            ast = "\U00010000-\U0010ffff"

            def either(cls: tuple[list[int], list[int]], bmp_repeat: str = "") -> str:
                return f"(?:[{_char_ranges(cls[0])}]{bmp_repeat}|(?=[{ast}])[{_char_ranges(cls[1])}])"

            _TOKEN_RE = re.compile(f"{either(single)}{either(marks)}*|{either(word_or_mark, '+')}+")
        return _TOKEN_RE


def tokenize(text: str) -> list[str]:
    """Word tokens of ``text`` as every measure here sees them (reference implementation).

    The first call builds a regex from the Unicode tables (under a second).
    """
    return _token_regex().findall(_prepare(text))


# ---------------------------------------------------------------------------------------
# Vectorised tokenisation

_CHUNK = 1 << 18  # characters tokenised at a time: bounds the temporary arrays

# A token is identified by a 64-bit hash of its UTF-8 bytes, taken eight bytes at a time
# straight from the text's buffer: the work is per token, not per character.
_K_LENGTH = np.uint64(0x9E3779B97F4A7C15)
_K_MIX1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser constants
_K_MIX2 = np.uint64(0x94D049BB133111EB)
_LOW_BYTES = np.array([0] + [(1 << (8 * r)) - 1 for r in range(1, 8)] + [(1 << 64) - 1], np.uint64)


def _token_hashes(raw: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit hash of ``raw[s:s + n]`` for every token start ``s`` and byte length ``n``.

    ``windows[i]`` is the little-endian word of bytes ``i..i+7`` (a strided view, no copy);
    each step folds the next eight bytes of every token still longer than that into its
    hash with splitmix64's mixer, which is a bijection: tokens of up to eight bytes that
    differ always get different hashes, and longer ones collide with chance about 2**-64.
    """
    buf = raw + bytes(8)
    windows = np.ndarray((len(raw) + 1,), dtype="<u8", buffer=buf, strides=(1,))
    out = lengths.astype(np.uint64) * _K_LENGTH
    todo = np.arange(starts.size)
    step = 0
    with np.errstate(over="ignore"):
        while todo.size:
            if step == 0:
                at, left, h = starts, lengths, out
            else:
                at, left, h = starts[todo] + step, lengths[todo] - step, out[todo]
            h = h ^ (windows[at] & _LOW_BYTES[np.minimum(left, 8)])
            h *= _K_MIX1
            h ^= h >> np.uint64(31)
            h *= _K_MIX2
            h ^= h >> np.uint64(29)
            out[todo] = h
            todo = todo[left > 8]
            step += 8
    return out


def _previous(a: np.ndarray, fill) -> np.ndarray:
    out = np.empty_like(a)
    out[:1] = fill
    out[1:] = a[:-1]
    return out


def _following(a: np.ndarray, fill) -> np.ndarray:
    out = np.empty_like(a)
    out[-1:] = fill
    out[:-1] = a[1:]
    return out


def _token_spans(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every token, given per-character classes.

    Mirrors the reference regex ``S M* | [W M]+`` (S: no-space-script character,
    W: other word character, M: combining mark).
    """
    if cls.max(initial=0) <= _WORD:
        # Only separators and plain word characters (most text): tokens are the runs.
        edges = np.diff(cls.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    word = cls != _OTHER
    prev = _previous(cls, _OTHER)
    start = word & (prev == _OTHER)
    # A no-space-script character always starts a token; its marks stay with it.
    start |= cls == _SINGLE
    # A plain word character right after a no-space-script token starts a new one.
    start |= (cls == _WORD) & (prev == _SINGLE)
    after_mark = np.flatnonzero((cls == _WORD) & (prev == _MARK))
    if after_mark.size:
        # Rare (Thai, Myanmar, ... followed by Latin): look back past the marks to see
        # whether they hang on a no-space-script character.
        base = np.flatnonzero(cls != _MARK)
        j = np.searchsorted(base, after_mark) - 1
        hit = j >= 0
        hit[hit] = cls[base[j[hit]]] == _SINGLE
        start[after_mark[hit]] = True
    end = word & ~_following(word & ~start, False)
    return np.flatnonzero(start), np.flatnonzero(end) + 1


# Classes of the 128 ASCII characters as a bytes.translate table: ASCII text (most
# answers) is classified by one C call instead of a gather from the 1.1 M-entry table.
_ASCII_CLASSES = bytes(_CLASSES.table[:128].tolist()) + bytes(128)


def _hash_chunk(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the tokens of some texts, in order, and each text's token count."""
    joined = " ".join(prepared)
    if joined.isascii():
        # ASCII (most answers): characters are bytes, and one C call classifies them all.
        raw = joined.encode("ascii")
        starts, ends = _token_spans(np.frombuffer(raw.translate(_ASCII_CLASSES), dtype=np.uint8))
        byte_starts, byte_lengths = starts, ends - starts
    else:
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        starts, ends = _token_spans(_CLASSES.lookup(cps))
        raw = joined.encode("utf-8", "surrogatepass")
        # Byte offset of every character in the UTF-8 text, so hashes match the ASCII path.
        width = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
        offset = np.zeros(cps.size + 1, np.int64)
        np.cumsum(width, out=offset[1:])
        byte_starts = offset[starts]
        byte_lengths = offset[ends] - byte_starts
    hashes = _token_hashes(raw, byte_starts, byte_lengths)
    edges = np.zeros(len(prepared) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, prepared), np.int64, len(prepared)) + 1, out=edges[1:])
    return hashes, np.diff(np.searchsorted(starts, edges))


def _hash_texts(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of all ``prepared`` texts end to end, and each text's token count."""
    hash_parts: list[np.ndarray] = []
    count_parts: list[np.ndarray] = []
    first, size = 0, 0
    for i, text in enumerate(prepared):
        if size and size + len(text) > _CHUNK:
            h, c = _hash_chunk(prepared[first:i])
            hash_parts.append(h)
            count_parts.append(c)
            first, size = i, 0
        size += len(text) + 1
    if first < len(prepared):
        h, c = _hash_chunk(prepared[first:])
        hash_parts.append(h)
        count_parts.append(c)
    if not hash_parts:
        return np.empty(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(hash_parts), np.concatenate(count_parts)


_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # spreads the hash bits before taking the top ones


def _compact(hashes: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace hashes by ids 0..V-1 (same hash, same id), in linear time.

    An open-addressing hash table built with whole-array operations: each round writes
    every still-unplaced hash into its probe slot if that slot is free, keeps those that
    now find themselves there, and moves the rest one slot on. All copies of one hash see
    the same table, so they always land together. Sorting the hashes (np.unique) gives the
    same partition but costs three times as long: it was the largest step of tokenising.
    """
    n = hashes.size
    if n == 0:
        return np.empty(0, np.int64), 0
    bits = max(10, (2 * n - 1).bit_length())  # at most half full even if all are distinct
    size = 1 << bits
    with np.errstate(over="ignore"):
        slot = ((hashes * _FIBONACCI) >> np.uint64(64 - bits)).astype(np.int64)
    keys = np.empty(size, np.uint64)
    used = np.zeros(size, bool)
    placed_at = slot  # replaced by a copy once some hash has to move on
    pending: np.ndarray | None = None  # positions still unplaced (None: all of them)
    values = hashes
    while True:
        free = ~used[slot]
        keys[slot[free]] = values[free]
        used[slot[free]] = True
        home = keys[slot] == values
        if home.all():
            if pending is not None:
                placed_at[pending] = slot
            break
        if pending is None:
            placed_at = slot.copy()
            pending = np.flatnonzero(~home)
        else:
            placed_at[pending[home]] = slot[home]
            pending = pending[~home]
        slot = (slot[~home] + 1) & (size - 1)
        values = values[~home]
    occupied = np.flatnonzero(used)
    ids_of_slot = np.empty(size, np.int64)
    ids_of_slot[occupied] = np.arange(occupied.size)
    return ids_of_slot[placed_at], int(occupied.size)


def _concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)]), vectorised."""
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    steps = np.ones(total, dtype=np.int64)
    steps[0] = starts[0]
    heads = np.cumsum(lengths)[:-1]
    steps[heads] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps)


_RF_MAX_IDS = 0x110000 - 0x800  # code points left once surrogates are skipped
_PARALLEL_MIN = 256  # below this many pairs, rapidfuzz threads cost more than they save
_BATCH_KEYS = 4_000_000  # bigram keys sorted at once: bounds memory for big matrices


@dataclass
class Corpus:
    """Texts tokenised once, so any number of pairs among them can be scored.

    ``ids`` holds the token ids of all texts end to end; text ``i`` is
    ``ids[bounds[i]:bounds[i + 1]]``.
    """

    ids: np.ndarray
    bounds: np.ndarray
    vocab: int
    _strings: list | None = field(default=None, repr=False)
    _bigrams: tuple[np.ndarray, np.ndarray, int] | None = field(default=None, repr=False)

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> "Corpus":
        prepared = [_prepare(t) for t in texts]
        n = len(prepared)
        # ASCII texts and the others are tokenised apart: one non-ASCII answer would
        # otherwise send every text of its chunk down the slower Unicode path. Both paths
        # hash a token's UTF-8 bytes, so a word gets the same hash on either.
        ascii_flags = np.fromiter(map(str.isascii, prepared), bool, n)
        counts = np.zeros(n, np.int64)
        groups: list[tuple[np.ndarray, np.ndarray]] = []
        for flag in (True, False):
            idx = np.flatnonzero(ascii_flags == flag)
            if idx.size:
                hashes, counts[idx] = _hash_texts([prepared[i] for i in idx.tolist()])
                groups.append((idx, hashes))
        bounds = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=bounds[1:])
        if len(groups) == 1:
            hashes = groups[0][1]
        else:
            hashes = np.empty(int(bounds[-1]), np.uint64)
            for idx, part in groups:
                hashes[_concat_ranges(bounds[idx], counts[idx])] = part
        ids, vocab = _compact(hashes)
        return cls(ids=ids, bounds=bounds, vocab=vocab)

    def __len__(self) -> int:
        return self.bounds.size - 1

    def tokens(self, i: int) -> np.ndarray:
        return self.ids[self.bounds[i] : self.bounds[i + 1]]

    # -- lexical -------------------------------------------------------------------------

    def _sequences(self) -> list:
        """Each text's token ids in a form rapidfuzz compares fastest: a str, one char a word."""
        if self._strings is None:
            b = self.bounds.tolist()
            if self.vocab <= _RF_MAX_IDS:
                cps = self.ids.astype(np.uint32)
                cps[cps >= 0xD800] += 0x800
                buf = cps.astype("<u4").tobytes()
                self._strings = [buf[4 * b[i] : 4 * b[i + 1]].decode("utf-32-le") for i in range(len(self))]
            else:
                self._strings = [self.ids[b[i] : b[i + 1]].tolist() for i in range(len(self))]
        return self._strings

    def lexical(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        """Lexical similarity of texts ``ia[k]`` and ``ib[k]`` for every k."""
        seqs = self._sequences()
        ia, ib = np.asarray(ia, np.int64), np.asarray(ib, np.int64)
        if ia.size == 0:
            return np.empty(0, np.float64)
        workers = -1 if ia.size >= _PARALLEL_MIN else 1
        return process.cpdist(
            [seqs[i] for i in ia.tolist()],
            [seqs[i] for i in ib.tolist()],
            scorer=Indel.normalized_similarity,
            dtype=np.float64,
            workers=workers,
        )

    def lexical_matrix(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        seqs = self._sequences()
        qa = [seqs[i] for i in np.asarray(ia, np.int64).tolist()]
        qb = [seqs[i] for i in np.asarray(ib, np.int64).tolist()]
        if not qa or not qb:
            return np.empty((len(qa), len(qb)), np.float64)
        workers = -1 if len(qa) * len(qb) >= _PARALLEL_MIN else 1
        return process.cdist(qa, qb, scorer=Indel.normalized_similarity, dtype=np.float64, workers=workers)

    # -- bigrams -------------------------------------------------------------------------

    def _bigram_lists(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Each text's bigrams in order, start and end markers included: (ids, bounds, bits).

        A bigram (a, b) is ``a << bits/2 | b``: shifts, not multiplication and division,
        keep the keys cheap to build and take apart.
        """
        if self._bigrams is None:
            n = len(self)
            half = max(1, (self.vocab + 1).bit_length())  # ids and the two markers fit
            lengths = np.diff(self.bounds)
            steps = 2 * np.arange(n)
            bos_at, eos_at = self.bounds[:-1] + steps, self.bounds[1:] + steps + 1
            padded = np.empty(self.ids.size + 2 * n, dtype=np.int64)
            padded[bos_at] = self.vocab
            padded[eos_at] = self.vocab + 1
            padded[np.arange(self.ids.size) + np.repeat(steps, lengths) + 1] = self.ids
            grams = (padded[:-1] << half) | padded[1:]
            valid = np.ones(grams.size, dtype=bool)
            valid[eos_at[:-1]] = False  # the step from one text's end to the next's start
            bounds = np.zeros(n + 1, np.int64)
            np.cumsum(lengths + 1, out=bounds[1:])
            self._bigrams = (grams[valid], bounds, 2 * half)
        return self._bigrams

    def _gather(self, grams: np.ndarray, bounds: np.ndarray, idx: np.ndarray, counts: np.ndarray) -> np.ndarray:
        if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
            return grams[bounds[idx[0]] : bounds[idx[-1] + 1]]  # consecutive texts: one slice
        return grams[_concat_ranges(bounds[idx], counts)]

    def ngram2(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        """Bigram Dice similarity of texts ``ia[k]`` and ``ib[k]`` for every k."""
        grams, bounds, bits = self._bigram_lists()
        ia, ib = np.asarray(ia, np.int64), np.asarray(ib, np.int64)
        if ia.shape != ib.shape:
            raise ValueError("ia and ib must have the same length")
        counts = np.diff(bounds)
        out = np.empty(ia.size, dtype=np.float64)
        # Key = pair | bigram | side: one sort groups each pair's bigrams, puts repeats of
        # a bigram on one side next to each other, and a shared bigram's two sides in turn.
        # Batches keep keys inside int64 and arrays to a few million entries.
        shift = bits + 1
        per_pair = float((counts[ia] + counts[ib]).mean()) if ia.size else 1.0
        batch = int(max(1, min(1 << max(0, 62 - shift), _BATCH_KEYS // max(per_pair, 1.0))))
        for lo in range(0, ia.size, batch):
            hi = min(ia.size, lo + batch)
            keys = []
            for side, idx in ((0, ia[lo:hi]), (1, ib[lo:hi])):
                c = counts[idx]
                pair = np.repeat(np.arange(hi - lo, dtype=np.int64), c)
                keys.append((pair << shift) | (self._gather(grams, bounds, idx, c) << 1) | side)
            k = np.concatenate(keys)
            k.sort()
            distinct = np.empty(k.size, dtype=bool)
            distinct[:1] = True
            np.not_equal(k[1:], k[:-1], out=distinct[1:])
            k = k[distinct]
            sizes = np.bincount(((k >> shift) << 1) | (k & 1), minlength=2 * (hi - lo))
            no_side = k >> 1
            shared = k[1:][no_side[1:] == no_side[:-1]]
            inter = np.bincount(shared >> shift, minlength=hi - lo)
            out[lo:hi] = 2.0 * inter / (sizes[0::2] + sizes[1::2])
        return out


# ---------------------------------------------------------------------------------------
# Text measures


def _aligned(texts_a: Sequence[str], texts_b: Sequence[str]) -> tuple[Corpus, np.ndarray, np.ndarray]:
    if len(texts_a) != len(texts_b):
        raise ValueError(f"texts_a has {len(texts_a)} texts and texts_b {len(texts_b)}: pair them up")
    corpus = Corpus.from_texts(list(texts_a) + list(texts_b))
    n = len(texts_a)
    return corpus, np.arange(n), np.arange(n, 2 * n)


def lexical_pairs(texts_a: Sequence[str], texts_b: Sequence[str]) -> np.ndarray:
    """Lexical similarity of ``texts_a[k]`` and ``texts_b[k]`` for every k."""
    corpus, ia, ib = _aligned(texts_a, texts_b)
    return corpus.lexical(ia, ib)


def ngram2_pairs(texts_a: Sequence[str], texts_b: Sequence[str]) -> np.ndarray:
    """Word-bigram Dice similarity of ``texts_a[k]`` and ``texts_b[k]`` for every k."""
    corpus, ia, ib = _aligned(texts_a, texts_b)
    return corpus.ngram2(ia, ib)


def _matrix_corpus(texts_a: Sequence[str], texts_b: Sequence[str] | None):
    if texts_b is None:
        corpus = Corpus.from_texts(list(texts_a))
        idx = np.arange(len(texts_a))
        return corpus, idx, idx
    corpus = Corpus.from_texts(list(texts_a) + list(texts_b))
    return corpus, np.arange(len(texts_a)), np.arange(len(texts_a), len(texts_a) + len(texts_b))


def lexical_matrix(texts_a: Sequence[str], texts_b: Sequence[str] | None = None) -> np.ndarray:
    """``M[i, j]`` = lexical similarity of ``texts_a[i]`` and ``texts_b[j]`` (b defaults to a)."""
    corpus, ia, ib = _matrix_corpus(texts_a, texts_b)
    return corpus.lexical_matrix(ia, ib)


def ngram2_matrix(texts_a: Sequence[str], texts_b: Sequence[str] | None = None) -> np.ndarray:
    """``M[i, j]`` = bigram Dice similarity of ``texts_a[i]`` and ``texts_b[j]``."""
    corpus, ia, ib = _matrix_corpus(texts_a, texts_b)
    flat = corpus.ngram2(np.repeat(ia, ib.size), np.tile(ib, ia.size))
    return flat.reshape(ia.size, ib.size)


def lexical_similarity(a: str, b: str) -> float:
    return float(lexical_pairs([a], [b])[0])


def ngram2_similarity(a: str, b: str) -> float:
    return float(ngram2_pairs([a], [b])[0])


# ---------------------------------------------------------------------------------------
# Embedding cosine


def _as_rows(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a vector or a 2-d array of row vectors, got shape {arr.shape}")
    return arr


def _rescaled(x: np.ndarray) -> np.ndarray:
    # Cosine ignores scale; dividing by the largest component keeps squares finite.
    with np.errstate(invalid="ignore"):
        peak = np.abs(x).max(axis=1, keepdims=True) if x.shape[1] else np.ones((x.shape[0], 1))
        return x / np.where(peak > 0, peak, 1.0)


def _cosine_from_dots(dot: np.ndarray, sq_a: np.ndarray, sq_b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        denom = np.sqrt(sq_a * sq_b)
        out = np.divide(dot, denom, out=np.zeros(dot.shape), where=denom > 0)
        np.clip(out, 0.0, 1.0, out=out)
        out[~(np.isfinite(dot) & np.isfinite(denom))] = np.nan  # NaN or inf in a row
    return out


def _row_dots(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Accumulate in float64: float32 loses ~1e-6 over 384 products.
    with np.errstate(invalid="ignore", over="ignore"):
        return (
            np.einsum("ij,ij->i", a, b, dtype=np.float64),
            np.einsum("ij,ij->i", a, a, dtype=np.float64),
            np.einsum("ij,ij->i", b, b, dtype=np.float64),
        )


def cosine_pairs(emb_a, emb_b) -> np.ndarray:
    """Cosine of row ``k`` of ``emb_a`` with row ``k`` of ``emb_b``, clipped to [0, 1]."""
    a, b = _as_rows(emb_a, "emb_a"), _as_rows(emb_b, "emb_b")
    if a.shape != b.shape:
        raise ValueError(f"emb_a has shape {a.shape} and emb_b {b.shape}: they must match")
    dot, sq_a, sq_b = _row_dots(a, b)
    overflow = ~(np.isfinite(sq_a) & np.isfinite(sq_b))
    if overflow.any():
        # Huge (or non-finite) rows only: redo them at unit scale; NaN and inf stay NaN.
        rows = np.flatnonzero(overflow)
        a2 = _rescaled(a[rows].astype(np.float64))
        b2 = _rescaled(b[rows].astype(np.float64))
        dot[rows], sq_a[rows], sq_b[rows] = _row_dots(a2, b2)
    return _cosine_from_dots(dot, sq_a, sq_b)


def cosine_matrix(emb_a, emb_b=None) -> np.ndarray:
    """``M[i, j]`` = clipped cosine of row i of ``emb_a`` and row j of ``emb_b`` (b defaults to a)."""
    a = _as_rows(emb_a, "emb_a").astype(np.float64, copy=False)
    b = a if emb_b is None else _as_rows(emb_b, "emb_b").astype(np.float64, copy=False)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"emb_a has {a.shape[1]} dimensions and emb_b {b.shape[1]}")
    with np.errstate(invalid="ignore", over="ignore"):
        sq_a = np.einsum("ij,ij->i", a, a)
        sq_b = sq_a if emb_b is None else np.einsum("ij,ij->i", b, b)
        if not (np.isfinite(sq_a).all() and np.isfinite(sq_b).all()):
            a = _rescaled(a)
            b = a if emb_b is None else _rescaled(b)
            sq_a = np.einsum("ij,ij->i", a, a)
            sq_b = sq_a if emb_b is None else np.einsum("ij,ij->i", b, b)
        dots = a @ b.T
    return _cosine_from_dots(dots, sq_a[:, None], sq_b[None, :])


def cosine_similarity(u, v) -> float:
    return float(cosine_pairs(u, v)[0])


# ---------------------------------------------------------------------------------------
# Everything at once


def pair_similarity(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    emb_a=None,
    emb_b=None,
) -> dict[str, np.ndarray]:
    """All judge-free measures for aligned pairs; ``embedding`` only when both embeddings are given.

    Texts are tokenised once for both text measures.
    """
    if (emb_a is None) != (emb_b is None):
        raise ValueError("give both emb_a and emb_b, or neither")
    corpus, ia, ib = _aligned(texts_a, texts_b)
    out = {"lexical": corpus.lexical(ia, ib), "ngram2": corpus.ngram2(ia, ib)}
    if emb_a is not None and emb_b is not None:
        emb = cosine_pairs(emb_a, emb_b)
        if emb.size != len(texts_a):
            raise ValueError(f"{emb.size} embedding pairs for {len(texts_a)} text pairs")
        out["embedding"] = emb
    return out


def similarity_matrices(texts: Sequence[str], embeddings=None) -> dict[str, np.ndarray]:
    """Every measure between every two of ``texts`` (e.g. the columns of a comparison)."""
    corpus = Corpus.from_texts(list(texts))
    idx = np.arange(len(texts))
    out = {
        "lexical": corpus.lexical_matrix(idx, idx),
        "ngram2": corpus.ngram2(np.repeat(idx, idx.size), np.tile(idx, idx.size)).reshape(idx.size, idx.size),
    }
    if embeddings is not None:
        emb = cosine_matrix(embeddings)
        if emb.shape[0] != len(texts):
            raise ValueError(f"{emb.shape[0]} embeddings for {len(texts)} texts")
        out["embedding"] = emb
    return out
