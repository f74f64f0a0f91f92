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
    Indel normalised similarity over *word* sequences, 2·LCS/(|a|+|b|): the ROUGE-L F1
    of the two token sequences (1 when both are empty). Words, not characters, because
    two unrelated English answers already share about half of their characters in order
    (so a character ratio never falls much below 0.5), while order-aware word overlap
    spans the whole [0, 1] range and still rewards answers that say the same things in
    the same order. It equals rapidfuzz's ``Indel.normalized_similarity`` on the token
    lists, which the tests and the benchmark check.

``ngram2``
    Dice coefficient of the two *sets* of word bigrams, 2|A∩B|/(|A|+|B|). Dice rather
    than Jaccard because it is the F1 of bigram overlap and so sits on the same scale as
    ``lexical``. Each text is padded with start and end markers, so one-word answers
    ("42" vs "42") still compare, and an empty text equals only another empty text.

``embedding``
    Cosine of precomputed embedding vectors, clipped to [0, 1]: a negative cosine between
    sentence embeddings means "unrelated", and the clip keeps every measure on one scale.
    A zero vector has no direction and scores 0; a row with NaN or inf scores NaN (missing).

Speed: the inner loops are compiled with numba (``probes.similarity_kernels``): one pass
over the UTF-8 bytes of all texts finds and keys the tokens, a hash table gives them small
ids, and each pair is scored by a bit-parallel LCS and a bigram hash set. Large jobs are
cut into one slice per CPU (the kernels release the GIL). Tokens of up to eight bytes are
told apart exactly; longer ones by a 64-bit hash (see the kernels' module). ``tokenize``
is the plain reference tokeniser (one regex) that the tests and the benchmark check the
compiled path against.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

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
    "compile_kernels",
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

    def fill(self, cps: np.ndarray) -> None:
        """Classify the code points in ``cps`` not seen before."""
        missing = self.table[cps] == _UNKNOWN
        if missing.any():
            new = np.unique(cps[missing])
            values = np.fromiter((_char_class(c) for c in new.tolist()), np.uint8, new.size)
            with self._lock:
                self.table[new] = values


_CLASSES = _ClassTable()


def _prepare(text: str) -> str:
    # NFKC before case folding: NFKC can produce capitals (e.g. U+210C → "H"). The check
    # is a quick table scan; normalising text that is already normal still copies it.
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


# ---------------------------------------------------------------------------------------
# Reference tokeniser (plain regex): the definition the compiled path must reproduce.

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
# Compiled tokenisation and pair scores

_PARALLEL_BYTES = 1 << 18  # below this much text, one thread tokenises it all
_PARALLEL_PAIRS = 256  # below this many pairs, one thread scores them all
_kernels = None
_kernels_lock = threading.Lock()
_pool = None


def _compiled() -> ModuleType:
    """The numba kernels (``probes.similarity_kernels``), imported on first use."""
    global _kernels
    if _kernels is None:
        with _kernels_lock:
            if _kernels is None:
                from probes import similarity_kernels

                _kernels = similarity_kernels
    return _kernels


def compile_kernels() -> None:
    """Compile the kernels now (numba caches the machine code, so this is done once).

    The first compile takes several seconds; ``make install`` calls this so that the
    first comparison a user makes does not wait for it.
    """
    pair_similarity(["Warm up, the kernels.", "中文 text"], ["warm up", "中文"])


def _threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _run_sliced(fn: Callable[[int, int], None], n: int) -> None:
    """``fn(lo, hi)`` over ``0..n`` in one slice per CPU (the kernels release the GIL)."""
    global _pool
    parts = min(_threads(), n)
    if parts <= 1:
        fn(0, n)
        return
    with _kernels_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="similarity")
    edges = np.linspace(0, n, parts + 1).astype(np.int64).tolist()
    # The calling thread takes the last slice itself: it is running already, while a
    # pool thread may have to wait for an idle CPU to wake up.
    futures = [_pool.submit(fn, lo, hi) for lo, hi in zip(edges[:-2], edges[1:-1]) if hi > lo]
    fn(edges[-2], edges[-1])
    for f in futures:
        f.result()


def _encode(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All texts as UTF-8 in one zero-padded buffer of uint64, each text's byte start and
    end, and which texts are ASCII.

    ASCII texts (most answers) are joined and encoded by one C call each; the others are
    encoded one by one, and their characters classified before the kernel reads the table.
    """
    n = len(prepared)
    is_ascii = np.fromiter(map(str.isascii, prepared), bool, n)
    starts = np.zeros(n, np.int64)
    sizes = np.zeros(n, np.int64)
    chunks: list[bytes] = []
    offset = 0
    ascii_idx = np.flatnonzero(is_ascii)
    if ascii_idx.size:
        texts = [prepared[i] for i in ascii_idx.tolist()]
        sizes[ascii_idx] = np.fromiter(map(len, texts), np.int64, len(texts))
        starts[ascii_idx] = np.cumsum(sizes[ascii_idx] + 1) - (sizes[ascii_idx] + 1)
        chunks.append("\0".join(texts).encode("ascii"))
        offset = len(chunks[0]) + 1
    other_idx = np.flatnonzero(~is_ascii)
    if other_idx.size:
        texts = [prepared[i] for i in other_idx.tolist()]
        _CLASSES.fill(np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32))
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        sizes[other_idx] = np.fromiter(map(len, encoded), np.int64, len(encoded))
        starts[other_idx] = offset + np.cumsum(sizes[other_idx] + 1) - (sizes[other_idx] + 1)
        chunks.append(b"\0".join(encoded))
    # Whole words, and at least 64 zero bytes after the text: the kernels read eight
    # bytes at a time, and ASCII text in blocks of 64.
    used = sum(map(len, chunks)) + len(chunks)  # with the separator before the padding
    chunks.append(bytes(64 + (-(used + 64)) % 8))
    words = np.frombuffer(b"\0".join(chunks), np.uint64)
    return words, starts, starts + sizes, is_ascii


def _tokenise(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Token ids of all texts end to end, each text's token count, and the vocabulary size."""
    k = _compiled()
    words, starts, ends, is_ascii = _encode(prepared)
    n = len(prepared)
    key_starts = np.zeros(n + 1, np.int64)
    np.cumsum((ends - starts + 1) // 2, out=key_starts[1:])  # room for each text's most tokens
    keys = np.empty(max(1, int(key_starts[-1])), np.uint64)
    counts = np.zeros(n, np.int64)

    def scan(lo: int, hi: int) -> None:
        k.token_keys(words, starts, ends, is_ascii, _CLASSES.table, lo, hi, keys, key_starts, counts)

    if 8 * words.size >= _PARALLEL_BYTES:
        _run_sliced(scan, n)
    else:
        scan(0, n)
    ids, vocab = k.compact(keys, key_starts, counts)
    return ids, counts, int(vocab)


@dataclass
class Corpus:
    """Texts tokenised once, so any number of pairs among them can be scored.

    ``ids`` holds the token ids of all texts end to end; text ``i`` is
    ``ids[bounds[i]:bounds[i + 1]]``.
    """

    ids: np.ndarray
    bounds: np.ndarray
    vocab: int

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> "Corpus":
        # ASCII needs no NFKC, and the kernel folds ASCII capitals itself.
        ids, counts, vocab = _tokenise([t if t.isascii() else _prepare(t) for t in texts])
        bounds = np.zeros(len(texts) + 1, np.int64)
        np.cumsum(counts, out=bounds[1:])
        return cls(ids=ids, bounds=bounds, vocab=vocab)

    def __len__(self) -> int:
        return self.bounds.size - 1

    def tokens(self, i: int) -> np.ndarray:
        return self.ids[self.bounds[i] : self.bounds[i + 1]]

    def measures(
        self,
        ia: Sequence[int] | np.ndarray,
        ib: Sequence[int] | np.ndarray,
        lexical: bool = True,
        ngram2: bool = True,
    ) -> dict[str, np.ndarray]:
        """``lexical`` and/or ``ngram2`` of texts ``ia[k]`` and ``ib[k]`` for every k."""
        ia = np.ascontiguousarray(ia, np.int64).ravel()
        ib = np.ascontiguousarray(ib, np.int64).ravel()
        if ia.shape != ib.shape:
            raise ValueError("ia and ib must have the same length")
        n = len(self)
        if ia.size and (min(ia.min(), ib.min()) < 0 or max(ia.max(), ib.max()) >= n):
            raise IndexError(f"text index out of range for a corpus of {n} texts")
        lex = np.empty(ia.size, np.float64)
        ngr = np.empty(ia.size, np.float64)
        k = _compiled()

        def score(lo: int, hi: int) -> None:
            k.pair_scores(self.ids, self.bounds, self.vocab, ia, ib, lo, hi, lex, ngr, lexical, ngram2)

        if ia.size >= _PARALLEL_PAIRS:
            _run_sliced(score, ia.size)
        elif ia.size:
            score(0, ia.size)
        out = {}
        if lexical:
            out["lexical"] = lex
        if ngram2:
            out["ngram2"] = ngr
        return out

    def lexical(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        """Lexical similarity of texts ``ia[k]`` and ``ib[k]`` for every k."""
        return self.measures(ia, ib, ngram2=False)["lexical"]

    def ngram2(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        """Bigram Dice similarity of texts ``ia[k]`` and ``ib[k]`` for every k."""
        return self.measures(ia, ib, lexical=False)["ngram2"]

    def lexical_matrix(self, ia: Sequence[int] | np.ndarray, ib: Sequence[int] | np.ndarray) -> np.ndarray:
        """``M[i, j]`` = lexical similarity of texts ``ia[i]`` and ``ib[j]``."""
        ia, ib = np.asarray(ia, np.int64), np.asarray(ib, np.int64)
        return self.lexical(np.repeat(ia, ib.size), np.tile(ib, ia.size)).reshape(ia.size, ib.size)


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


def _matrix_corpus(texts_a: Sequence[str], texts_b: Sequence[str] | None) -> tuple[Corpus, np.ndarray, np.ndarray]:
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


def _as_rows(x: ArrayLike, name: str) -> np.ndarray:
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
        out: np.ndarray = np.divide(dot, denom, out=np.zeros(dot.shape), where=denom > 0)
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


def cosine_pairs(emb_a: ArrayLike, emb_b: ArrayLike) -> np.ndarray:
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


def cosine_matrix(emb_a: ArrayLike, emb_b: ArrayLike | None = None) -> np.ndarray:
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


def cosine_similarity(u: ArrayLike, v: ArrayLike) -> float:
    return float(cosine_pairs(u, v)[0])


# ---------------------------------------------------------------------------------------
# Everything at once


def pair_similarity(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    emb_a: ArrayLike | None = None,
    emb_b: ArrayLike | None = None,
) -> dict[str, np.ndarray]:
    """All judge-free measures for aligned pairs; ``embedding`` only when both embeddings are given.

    Texts are tokenised once for both text measures.
    """
    if (emb_a is None) != (emb_b is None):
        raise ValueError("give both emb_a and emb_b, or neither")
    corpus, ia, ib = _aligned(texts_a, texts_b)
    out = corpus.measures(ia, ib)
    if emb_a is not None and emb_b is not None:
        emb = cosine_pairs(emb_a, emb_b)
        if emb.size != len(texts_a):
            raise ValueError(f"{emb.size} embedding pairs for {len(texts_a)} text pairs")
        out["embedding"] = emb
    return out


def similarity_matrices(texts: Sequence[str], embeddings: ArrayLike | None = None) -> dict[str, np.ndarray]:
    """Every measure between every two of ``texts`` (e.g. the columns of a comparison)."""
    corpus = Corpus.from_texts(list(texts))
    idx = np.arange(len(texts))
    flat = corpus.measures(np.repeat(idx, idx.size), np.tile(idx, idx.size))
    out = {name: values.reshape(idx.size, idx.size) for name, values in flat.items()}
    if embeddings is not None:
        emb = cosine_matrix(embeddings)
        if emb.shape[0] != len(texts):
            raise ValueError(f"{emb.shape[0]} embeddings for {len(texts)} texts")
        out["embedding"] = emb
    return out
