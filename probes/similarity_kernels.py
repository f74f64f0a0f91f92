"""Compiled (numba) inner loops of ``probes.similarity``: tokenising and scoring pairs.

Kept apart so that importing ``probes.similarity`` stays cheap: numba and the machine code
(cached beside this file after the first compile) load on the first measurement.

All functions release the GIL, so the caller can run slices of one job on several threads.

Token keys
    A token of up to eight UTF-8 bytes is keyed by those bytes packed into a 64-bit word
    (no token contains a NUL byte, so the packing is one-to-one: such tokens never
    collide). A longer token is keyed by a 64-bit hash of its bytes (splitmix64's mixer
    folded over eight-byte words, with the length), so two longer tokens could in principle
    share a key; with a million distinct long words the chance is below 1e-7.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

# Character classes, as in probes.similarity.
OTHER, WORD, SINGLE, MARK = 0, 1, 2, 3

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always")
def _mix(h):
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(29)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(32)
    return h


@njit(inline="always")
def _decode(buf, i):
    """Code point and byte width of the multi-byte UTF-8 character at ``buf[i]``."""
    b0 = np.int64(buf[i])
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 6) | (np.int64(buf[i + 1]) & 0x3F), 2
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6) | (np.int64(buf[i + 2]) & 0x3F), 3
    return (
        ((b0 & 0x07) << 18)
        | ((np.int64(buf[i + 1]) & 0x3F) << 12)
        | ((np.int64(buf[i + 2]) & 0x3F) << 6)
        | (np.int64(buf[i + 3]) & 0x3F)
    ), 4


@njit(inline="always")
def _load(words, pos):
    """The eight bytes at ``pos`` as a little-endian word (``words``: the buffer as uint64)."""
    q = pos >> 3
    r = np.uint64(8 * (pos & 7))
    # (hi << 1) << (63 - r) is hi << (64 - r), and 0 when r == 0, with no branch.
    return (words[q] >> r) | ((words[q + 1] << np.uint64(1)) << (np.uint64(63) - r))


@njit(inline="always")
def _lower_ascii(x):
    """ASCII capitals in the eight bytes of ``x`` made small; every other byte kept."""
    low7 = x & np.uint64(0x7F7F7F7F7F7F7F7F)
    above_z = low7 + np.uint64(0x2525252525252525)  # high bit set where the byte > 'Z'
    from_a = low7 + np.uint64(0x3F3F3F3F3F3F3F3F)  # high bit set where the byte >= 'A'
    upper = (from_a ^ above_z) & ~x & np.uint64(0x8080808080808080)
    return x | (upper >> np.uint64(2))


@njit(inline="always")
def _key(words, lo, hi):
    """Key of the token in bytes ``lo .. hi-1``, ASCII letters folded to small."""
    n = hi - lo
    if n <= 8:
        return _lower_ascii(_load(words, lo)) & (~np.uint64(0) >> np.uint64(64 - 8 * n))
    h = np.uint64(n) * _GOLDEN
    while hi - lo > 8:
        h = _mix(h ^ _lower_ascii(_load(words, lo)))
        lo += 8
    last = _lower_ascii(_load(words, lo)) & (~np.uint64(0) >> np.uint64(64 - 8 * (hi - lo)))
    return _mix(h ^ last)


_HIGH = np.uint64(0x8080808080808080)


@njit(inline="always")
def _ascii_word_bits(x):
    """One bit per byte of ``x`` (bit k for byte k): is it a letter, a digit or ``_``?

    For ASCII bytes only (below 0x80), as in ASCII text and the zero padding: range tests
    by adding constants to all eight bytes at once, with no carry between bytes.
    """
    folded = x | np.uint64(0x2020202020202020)  # small letters; '_' becomes 0x7F
    letter = ((folded + np.uint64(0x1F1F1F1F1F1F1F1F)) & ~(folded + np.uint64(0x0505050505050505))) & _HIGH
    digit = ((x + np.uint64(0x5050505050505050)) & ~(x + np.uint64(0x4646464646464646))) & _HIGH
    y = x ^ np.uint64(0x5F5F5F5F5F5F5F5F)  # zero where the byte is '_'
    under = ~(((y & np.uint64(0x7F7F7F7F7F7F7F7F)) + np.uint64(0x7F7F7F7F7F7F7F7F)) | y) & _HIGH
    hits = (letter | digit | under) >> np.uint64(7)
    return (hits * np.uint64(0x0102040810204080)) >> np.uint64(56)  # byte k's bit to bit k


@njit(inline="always")
def _ascii_tokens(words, start, end, keys, out):
    """Keys of the tokens of the ASCII text in bytes ``start .. end-1``, from ``keys[out]`` on.

    ASCII has only word characters and separators, so tokens are the runs of word bytes.
    They are found 64 bytes at a time from a bit mask of the block (one bit per byte), so
    the work per token has no data-dependent branch, which a byte-by-byte scan pays for
    at every token edge.
    """
    open_lo = -1  # start of a token running on from the block before
    ones = ~np.uint64(0)
    for base in range(start, end, 64):
        m = np.uint64(0)
        for k in range(8):
            m |= _ascii_word_bits(_load(words, base + 8 * k)) << np.uint64(8 * k)
        if end - base < 64:
            # Bytes past the end may belong to a non-ASCII text, where the byte arithmetic
            # can carry; carries only run to later bytes, which are masked off here too.
            m &= (np.uint64(1) << np.uint64(end - base)) - np.uint64(1)
        if open_lo >= 0:
            if m == ones:
                continue
            e = trailing_zeros(~m)
            keys[out] = _key(words, open_lo, base + e)
            out += 1
            open_lo = -1
            m &= ones << np.uint64(e)
        while m != 0:
            j = trailing_zeros(m)
            run = ~(m >> np.uint64(j))
            n = 64 - j if run == 0 else trailing_zeros(run)
            if j + n == 64:
                open_lo = base + j
                break
            keys[out] = _key(words, base + j, base + j + n)
            out += 1
            m &= ~(((np.uint64(1) << np.uint64(n)) - np.uint64(1)) << np.uint64(j))
    if open_lo >= 0:
        keys[out] = _key(words, open_lo, end)
        out += 1
    return out


@njit(cache=True, nogil=True)
def token_keys(words, starts, ends, is_ascii, table, t0, t1, keys, key_starts, counts):
    """Keys of the tokens of texts ``t0 .. t1-1``.

    ``words`` holds the UTF-8 bytes of all texts, followed by at least 64 zero bytes, seen
    as uint64. Text ``t`` is bytes ``starts[t] .. ends[t]-1``; its keys go to
    ``keys[key_starts[t]:]`` and their number to ``counts[t]``. Text of n bytes has at most
    (n + 1) // 2 tokens: two tokens with nothing between them are a character of a
    no-space script (three bytes or more) and its neighbour. ASCII capitals are folded
    here, so ASCII text needs no case-folding before; other text comes case-folded and
    NFKC-normalised.
    ``table`` gives every code point's class. Tokens follow the reference regex
    ``S M* | [W M]+``: a no-space-script character with its combining marks, or a run of
    word characters and marks.
    """
    buf = words.view(np.uint8)
    for t in range(t0, t1):
        i = starts[t]
        end = ends[t]
        out = key_starts[t]
        if is_ascii[t]:
            counts[t] = _ascii_tokens(words, i, end, keys, out) - key_starts[t]
            continue
        while i < end:
            b0 = buf[i]
            if b0 < 0x80:
                c = np.int64(table[b0])
                w = 1
            else:
                cp, w = _decode(buf, i)
                c = np.int64(table[cp])
            if c == OTHER:
                i += w
                continue
            lo = i
            i += w
            if c == SINGLE:
                while i < end and buf[i] >= 0x80:
                    cp, w = _decode(buf, i)
                    if table[cp] != MARK:
                        break
                    i += w
            else:
                while i < end:
                    b0 = buf[i]
                    if b0 < 0x80:
                        if table[b0] != WORD:
                            break
                        i += 1
                    else:
                        cp, w = _decode(buf, i)
                        c = np.int64(table[cp])
                        if c != WORD and c != MARK:
                            break
                        i += w
            keys[out] = _key(words, lo, i)
            out += 1
        counts[t] = out - key_starts[t]


@njit(cache=True, nogil=True)
def _rehash(slots, bits):
    """The id table moved into ``2**bits`` slots. A slot is (key, id + 1); id + 1 == 0: free."""
    size = 1 << bits
    new = np.zeros((size, 2), np.uint64)
    shift = np.uint64(64 - bits)
    for q in range(slots.shape[0]):
        if slots[q, 1] != 0:
            s = np.int64((slots[q, 0] * _GOLDEN) >> shift)
            while new[s, 1] != 0:
                s = (s + 1) & (size - 1)
            new[s, 0] = slots[q, 0]
            new[s, 1] = slots[q, 1]
    return new


@njit(cache=True, nogil=True)
def _compact_text(keys, lo, hi, slots, bits, ids, n, vocab):
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    for k in range(lo, hi):
        key = keys[k]
        s = np.int64((key * _GOLDEN) >> shift)
        while True:
            v = slots[s, 1]
            if v == 0:
                slots[s, 0] = key
                vocab += 1
                slots[s, 1] = np.uint64(vocab)
                ids[n] = vocab - 1
                break
            if slots[s, 0] == key:
                ids[n] = np.int64(v) - 1
                break
            s = (s + 1) & mask
        n += 1
    return n, vocab


@njit(cache=True, nogil=True)
def compact(keys, key_starts, counts):
    """Token ids 0..V-1 for the keys (same key, same id), all texts end to end, and V."""
    total = 0
    for t in range(counts.size):
        total += counts[t]
    ids = np.empty(total, np.int64)
    # The table grows with the vocabulary (kept at most half full), not with the number
    # of tokens: real text repeats its words, and a small table stays in cache. A key and
    # its id share a cache line.
    bits = 12
    slots = np.zeros((1 << bits, 2), np.uint64)
    vocab = 0
    n = 0
    for t in range(counts.size):
        if 2 * (vocab + counts[t]) > (1 << bits):
            while 2 * (vocab + counts[t]) > (1 << bits):
                bits += 1
            slots = _rehash(slots, bits)
        n, vocab = _compact_text(keys, key_starts[t], key_starts[t] + counts[t], slots, bits, ids, n, vocab)
    return ids, vocab


@njit(inline="always")
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


_DENSE_WORDS = 1 << 16  # match masks of all of a's tokens kept at once up to this many words


@njit(inline="always")
def _add_carry(x, u, carry):
    """One word of V = (V + U) | (V & ~U) with U = V & M: the new word and the carry out."""
    s = x + u
    c1 = s < x
    s2 = s + carry
    c2 = s2 < s
    return s2 | (x & ~u), np.uint64(1) if (c1 or c2) else np.uint64(0)


@njit(inline="always")
def _lcs_step(v, masks, row, lo_w, words):
    """One token of b over all words of the state (``masks[row:]``: the token's match mask).

    Words below ``lo_w`` (the first match) add nothing and carry nothing, so they are
    skipped.
    """
    carry = np.uint64(0)
    for w in range(lo_w, words):
        v[w], carry = _add_carry(v[w], v[w] & masks[row + w], carry)


@njit(inline="always")
def _lcs_short(ids, a0, a1, b0, b1, local, dense):
    """``_lcs`` for ``|a| <= 256``: the four words of state stay in registers.

    Most answers are this short; the general loop keeps its state in memory, which
    costs about twice as much per token of b.
    """
    la = a1 - a0
    nd = 0
    for p in range(la):
        t = ids[a0 + p]
        if local[t] < 0:
            local[t] = nd
            for w in range(4):
                dense[4 * nd + w] = np.uint64(0)
            nd += 1
        dense[4 * local[t] + (p >> 6)] |= np.uint64(1) << np.uint64(p & 63)
    ones = ~np.uint64(0)
    v0, v1, v2, v3 = ones, ones, ones, ones
    for k in range(b0, b1):
        li = local[ids[k]]
        if li < 0:
            continue  # no match anywhere: the state does not change
        r = 4 * li
        v0, c = _add_carry(v0, v0 & dense[r], np.uint64(0))
        v1, c = _add_carry(v1, v1 & dense[r + 1], c)
        v2, c = _add_carry(v2, v2 & dense[r + 2], c)
        v3, c = _add_carry(v3, v3 & dense[r + 3], c)
    for p in range(la):
        local[ids[a0 + p]] = -1
    # Only the first la bits are positions of a; the words past them were all ones
    # and at most took carries.
    lcs = 0
    state = (v0, v1, v2, v3)
    for w in range(4):
        bits = min(64, max(0, la - 64 * w))
        if bits > 0:
            lcs += _popcount(~state[w] & (ones >> np.uint64(64 - bits)))
    return lcs


@njit(inline="always")
def _lcs(ids, a0, a1, b0, b1, local, first, nxt, dense, match, v):
    """Length of the longest common subsequence of ``ids[a0:a1]`` and ``ids[b0:b1]``.

    Bit-parallel (Hyyrö 2004): one bit per position of ``a``, one pass over ``b`` of
    ``ceil(|a|/64)`` word operations per token. Each distinct token of ``a`` has a match
    mask: all of them are built up front when they fit in ``dense``; otherwise a token's
    mask is built from the list of its positions when ``b`` needs it and cleared after, so
    memory stays linear in ``|a|`` however many distinct tokens a long text has.
    """
    la = a1 - a0
    words = (la + 63) >> 6
    nd = 0  # a's distinct tokens, numbered in order of first appearance from the end
    for p in range(la - 1, -1, -1):
        t = ids[a0 + p]
        li = local[t]
        if li < 0:
            li = nd
            local[t] = li
            first[li] = -1
            nd += 1
        nxt[p] = first[li]
        first[li] = p
    for w in range(words):
        v[w] = ~np.uint64(0)
    use_dense = nd * words <= dense.size
    if use_dense:
        for q in range(nd * words):
            dense[q] = np.uint64(0)
        for p in range(la):
            li = local[ids[a0 + p]]
            dense[li * words + (p >> 6)] |= np.uint64(1) << np.uint64(p & 63)
        for k in range(b0, b1):
            li = local[ids[k]]
            if li >= 0:  # else no match anywhere: the state does not change
                _lcs_step(v, dense, li * words, first[li] >> 6, words)
    else:
        for k in range(b0, b1):
            li = local[ids[k]]
            if li < 0:
                continue
            p = first[li]
            while p >= 0:
                match[p >> 6] |= np.uint64(1) << np.uint64(p & 63)
                p = nxt[p]
            _lcs_step(v, match, 0, first[li] >> 6, words)
            p = first[li]
            while p >= 0:
                match[p >> 6] = np.uint64(0)
                p = nxt[p]
    lcs = 0
    for w in range(words):
        x = ~v[w]
        if w == words - 1 and (la & 63) != 0:
            x &= (np.uint64(1) << np.uint64(la & 63)) - np.uint64(1)
        lcs += _popcount(x)
    for p in range(la):
        local[ids[a0 + p]] = -1
    return lcs


@njit(inline="always")
def _dice(ids, a0, a1, b0, b1, vocab, slot_keys, stamps, gen, bits):
    """Dice coefficient of the word-bigram sets of two texts, start and end markers included.

    ``stamps`` mark a slot as filled for this pair (``gen``: from a; ``gen + 1``: from b
    only; ``gen + 2``: from both), so the table needs no clearing between pairs.
    """
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    base = np.uint64(vocab + 2)
    n_a = 0
    n_b = 0
    shared = 0
    for side in range(2):
        s0 = a0 if side == 0 else b0
        s1 = a1 if side == 0 else b1
        prev = np.uint64(vocab)  # start marker
        for k in range(s0, s1 + 1):
            cur = np.uint64(ids[k]) if k < s1 else np.uint64(vocab + 1)  # end marker
            key = prev * base + cur
            prev = cur
            s = np.int64((key * _GOLDEN) >> shift)
            while True:
                st = stamps[s]
                if st < gen:
                    slot_keys[s] = key
                    if side == 0:
                        stamps[s] = gen
                        n_a += 1
                    else:
                        stamps[s] = gen + 1
                        n_b += 1
                    break
                if slot_keys[s] == key:
                    if side == 1 and st == gen:
                        stamps[s] = gen + 2
                        shared += 1
                        n_b += 1
                    break
                s = (s + 1) & mask
    return 2.0 * shared / (n_a + n_b)


@njit(cache=True, nogil=True)
def pair_scores(ids, bounds, vocab, ia, ib, lo, hi, lexical, ngram2, want_lexical, want_ngram2):
    """Lexical (2·LCS/(|a|+|b|)) and bigram Dice of texts ``ia[k]``, ``ib[k]`` for k in lo..hi-1."""
    longest = 1
    for k in range(lo, hi):
        longest = max(longest, bounds[ia[k] + 1] - bounds[ia[k]] + bounds[ib[k] + 1] - bounds[ib[k]])
    local = np.full(vocab, -1, np.int64)
    first = np.empty(longest, np.int64)
    nxt = np.empty(longest, np.int64)
    match = np.zeros((longest + 63) >> 6, np.uint64)
    dense = np.empty(min(_DENSE_WORDS, longest * max(4, (longest + 63) >> 6)), np.uint64)
    v = np.empty((longest + 63) >> 6, np.uint64)
    bits = 6
    while (1 << bits) < 2 * (longest + 2):
        bits += 1
    slot_keys = np.empty(1 << bits, np.uint64)
    stamps = np.zeros(1 << bits, np.int64)
    gen = 1
    for k in range(lo, hi):
        a0, a1 = bounds[ia[k]], bounds[ia[k] + 1]
        b0, b1 = bounds[ib[k]], bounds[ib[k] + 1]
        if want_lexical:
            total = a1 - a0 + b1 - b0
            # Bit-parallel over the shorter text (s0..s1), one pass over the longer.
            s0, s1, l0, l1 = (a0, a1, b0, b1) if a1 - a0 <= b1 - b0 else (b0, b1, a0, a1)
            if s1 == s0:
                lcs = 0
            elif s1 - s0 <= 256 and 4 * (s1 - s0) <= dense.size:
                lcs = _lcs_short(ids, s0, s1, l0, l1, local, dense)
            else:
                lcs = _lcs(ids, s0, s1, l0, l1, local, first, nxt, dense, match, v)
            lexical[k] = 1.0 if total == 0 else 2.0 * lcs / total
        if want_ngram2:
            ngram2[k] = _dice(ids, a0, a1, b0, b1, vocab, slot_keys, stamps, gen, bits)
            gen += 3
