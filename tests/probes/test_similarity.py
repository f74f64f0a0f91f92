import math
import random

import numpy as np
import pytest
from rapidfuzz.distance import Indel

from probes import similarity as sim
from probes.similarity import (
    Corpus,
    cosine_matrix,
    cosine_pairs,
    cosine_similarity,
    lexical_matrix,
    lexical_pairs,
    lexical_similarity,
    ngram2_matrix,
    ngram2_pairs,
    ngram2_similarity,
    pair_similarity,
    similarity_matrices,
    tokenize,
)

ANSWER = (
    "To reverse a linked list in place, walk it once with three pointers: previous, "
    "current and next. At each step point current.next back at previous, then advance. "
    "When current is None, previous is the new head. This runs in O(n) time and O(1) space."
)


# -- plain per-pair reference, as in the benchmark --------------------------------------------


def ref_lexical(a: str, b: str) -> float:
    return Indel.normalized_similarity(tokenize(a), tokenize(b))


def ref_ngram2(a: str, b: str) -> float:
    ta, tb = tokenize(a), tokenize(b)
    ga = set(zip(["<s>"] + ta, ta + ["</s>"]))
    gb = set(zip(["<s>"] + tb, tb + ["</s>"]))
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def ref_cosine(u, v) -> float:
    u, v = [float(x) for x in u], [float(x) for x in v]
    nu, nv = math.sqrt(sum(x * x for x in u)), math.sqrt(sum(x * x for x in v))
    if nu == 0 or nv == 0:
        return 0.0
    return min(1.0, max(0.0, sum(x * y for x, y in zip(u, v)) / (nu * nv)))


POOL = (
    [chr(c) for c in range(32, 127)]
    + [chr(c) for c in range(0x300, 0x310)]  # combining marks
    + [chr(c) for c in range(0x4E00, 0x4E30)]  # Han
    + [chr(c) for c in range(0x0E01, 0x0E40)]  # Thai letters and vowel signs
    + [chr(c) for c in range(0x0905, 0x0950)]  # Devanagari
    + ["\U0001F600", "\U00020001", "\U0001D165", "\U00010400", "\ud800", "가", "あ", "ｶ", "Ａ", "ß", "İ", "\n"]
)


def random_texts(n: int, seed: int, max_len: int = 60) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(0, max_len))) for _ in range(n)]


def word_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = "alpha beta gamma delta the of and to a model answer step result value".split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 40))) for _ in range(n)]


# -- identical and disjoint ---------------------------------------------------------------------


def test_identical_texts_score_one_everywhere():
    emb = np.random.default_rng(0).standard_normal(384).astype(np.float32)
    out = pair_similarity([ANSWER], [ANSWER], emb[None, :], emb[None, :])
    assert set(out) == {"lexical", "ngram2", "embedding"}
    for name, values in out.items():
        assert values[0] == pytest.approx(1.0), name
    assert lexical_similarity(ANSWER, ANSWER) == 1.0
    assert ngram2_similarity(ANSWER, ANSWER) == 1.0
    assert cosine_similarity(emb, emb) == pytest.approx(1.0)


def test_disjoint_texts_score_zero():
    a = "alpha beta gamma delta epsilon"
    b = "one two three four five six"
    assert lexical_similarity(a, b) == 0.0
    assert ngram2_similarity(a, b) == 0.0


def test_case_punctuation_and_markdown_do_not_count():
    assert lexical_similarity("Hello, World!", "**hello** world") == 1.0
    assert ngram2_similarity("Hello, World!", "- hello\n\nworld.") == 1.0


def test_nfkc_and_casefold():
    assert tokenize("ＡＢＣ Straße") == ["abc", "strasse"]
    assert lexical_similarity("ＡＢＣ Straße", "abc STRASSE") == 1.0


def test_known_values():
    # tokens a b c / a b d: LCS 2 → 2*2/6; bigrams {^a, ab, bc, c$} vs {^a, ab, bd, d$} → 2*2/8.
    assert lexical_similarity("a b c", "a b d") == pytest.approx(4 / 6)
    assert ngram2_similarity("a b c", "a b d") == pytest.approx(0.5)
    # Same words, other order: bigrams differ, the LCS keeps some.
    assert ngram2_similarity("x y z", "z y x") == 0.0
    assert lexical_similarity("x y z", "z y x") == pytest.approx(2 / 6)


def test_empty_and_one_word_texts():
    assert lexical_similarity("", "") == 1.0
    assert ngram2_similarity("", "") == 1.0
    assert lexical_similarity("", "word") == 0.0
    assert ngram2_similarity("", "word") == 0.0
    assert ngram2_similarity("42", "42") == 1.0
    assert ngram2_similarity("42", "41") == 0.0


def test_results_lie_in_unit_interval():
    texts = word_texts(200, 3)
    for values in (lexical_pairs(texts[:100], texts[100:]), ngram2_pairs(texts[:100], texts[100:])):
        assert np.all((values >= 0) & (values <= 1))


# -- CJK and other scripts -------------------------------------------------------------------


def test_cjk_text_becomes_character_tokens():
    assert tokenize("我喜欢吃苹果。") == ["我", "喜", "欢", "吃", "苹", "果"]
    assert tokenize("東京タワーへ行く") == ["東", "京", "タ", "ワ", "ー", "へ", "行", "く"]
    # Spaces inside Chinese do not change the tokens.
    assert lexical_similarity("我喜欢 吃苹果", "我喜欢吃苹果") == 1.0
    # Mixed scripts: Latin words stay words.
    assert tokenize("用Python写代码") == ["用", "python", "写", "代", "码"]


def test_cjk_partial_overlap():
    a, b = "我喜欢吃苹果", "我喜欢吃香蕉"
    # 4 of 6 characters shared in order.
    assert lexical_similarity(a, b) == pytest.approx(8 / 12)
    # Bigrams ^我 我喜 喜欢 欢吃 shared; 吃苹 苹果 果$ vs 吃香 香蕉 蕉$ not.
    assert ngram2_similarity(a, b) == pytest.approx(2 * 4 / 14)
    assert ngram2_similarity(a, "完全不同的句子") == 0.0


def test_marks_stay_in_their_word():
    assert tokenize("हिन्दी भाषा") == ["हिन्दी", "भाषा"]
    assert tokenize("café") == tokenize("cafe\u0301")  # NFKC composes
    assert tokenize("กินข้าว") == ["กิ", "น", "ข้", "า", "ว"]  # Thai: characters with their marks
    assert tokenize("ก\u0e34a") == ["กิ", "a"]


def test_compiled_tokeniser_matches_reference_regex():
    texts = random_texts(2000, 7) + ["\u0301lead", "x\u0301y", "中\u0301a", "ภa\u0e34b", "", " "]
    corpus = Corpus.from_texts(texts)
    id_of: dict[str, int] = {}
    for i, text in enumerate(texts):
        ref = tokenize(text)
        got = corpus.tokens(i).tolist()
        assert len(got) == len(ref), text
        for token, token_id in zip(ref, got):
            assert id_of.setdefault(token, token_id) == token_id, (text, token)
    assert len(set(id_of.values())) == len(id_of)  # distinct tokens, distinct ids


def test_long_texts():
    rng = random.Random(2)
    words = ["w%d" % i for i in range(500)]
    long_a = " ".join(rng.choice(words) for _ in range(70_000))  # > 2**18 characters
    long_b = long_a[: len(long_a) // 2] + " tail words"
    texts_a = [long_a] + word_texts(50, 1)
    texts_b = [long_b] + word_texts(50, 2)
    got = pair_similarity(texts_a, texts_b)
    for k, (a, b) in enumerate(zip(texts_a, texts_b)):
        assert got["lexical"][k] == pytest.approx(ref_lexical(a, b), abs=1e-12)
        assert got["ngram2"][k] == pytest.approx(ref_ngram2(a, b), abs=1e-12)


# -- all pairs at once == loop ----------------------------------------------------------------


@pytest.mark.parametrize("maker", [word_texts, random_texts])
def test_pairs_at_once_match_plain_loop(maker):
    a, b = maker(300, 11), maker(300, 12)
    # Some identical and some near-identical pairs too.
    b[:20] = a[:20]
    b[20:40] = [t + " extra words" for t in a[20:40]]
    lex, ngr = lexical_pairs(a, b), ngram2_pairs(a, b)
    np.testing.assert_allclose(lex, [ref_lexical(x, y) for x, y in zip(a, b)], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ngr, [ref_ngram2(x, y) for x, y in zip(a, b)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("threads", [1, 3])
def test_sliced_runs_give_the_same_scores(monkeypatch, threads):
    # Big jobs are cut into one slice per CPU; the slices must not share scratch state.
    a, b = random_texts(400, 4), random_texts(400, 5)
    b[:50] = a[:50]
    monkeypatch.setattr(sim, "_PARALLEL_BYTES", 1)
    monkeypatch.setattr(sim, "_PARALLEL_PAIRS", 1)
    monkeypatch.setattr(sim, "_threads", lambda: threads)
    got = pair_similarity(a, b)
    np.testing.assert_allclose(got["lexical"], [ref_lexical(x, y) for x, y in zip(a, b)], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["ngram2"], [ref_ngram2(x, y) for x, y in zip(a, b)], rtol=0, atol=1e-12)


def test_lcs_across_many_words_with_many_distinct_tokens():
    # Texts longer than one 64-bit word, with repeats, a shared tail and no shared head.
    rng = random.Random(9)
    words = [f"w{i}" for i in range(3000)]
    a = [" ".join(rng.choice(words) for _ in range(n)) for n in (63, 64, 65, 127, 128, 129, 700, 2500)]
    b = [" ".join(rng.choice(words[:40]) for _ in range(n)) + " " + t for n, t in zip((5, 80, 1, 300, 64, 2, 900, 40), a)]
    got = pair_similarity(a + b, b + a)
    for k, (x, y) in enumerate(zip(a + b, b + a)):
        assert got["lexical"][k] == pytest.approx(ref_lexical(x, y), abs=1e-12)
        assert got["ngram2"][k] == pytest.approx(ref_ngram2(x, y), abs=1e-12)


def test_corpus_checks_its_indices():
    corpus = Corpus.from_texts(["a b", "b c"])
    with pytest.raises(IndexError):
        corpus.lexical([0], [2])
    with pytest.raises(ValueError):
        corpus.ngram2([0, 1], [1])
    assert corpus.measures([], [])["lexical"].size == 0


def test_cosine_matches_plain_loop():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((200, 384)).astype(np.float32)
    b = rng.standard_normal((200, 384)).astype(np.float32)
    b[:50] = a[:50] * 2 + 0.1 * b[:50]  # strongly aligned rows
    got = cosine_pairs(a, b)
    np.testing.assert_allclose(got, [ref_cosine(u, v) for u, v in zip(a, b)], rtol=0, atol=1e-9)
    assert got.dtype == np.float64


def test_cosine_edge_cases():
    u = np.array([1.0, 0.0])
    assert cosine_similarity(u, [0.0, 1.0]) == 0.0  # orthogonal
    assert cosine_similarity(u, [-1.0, 0.0]) == 0.0  # opposite: clipped
    assert cosine_similarity(u, [0.0, 0.0]) == 0.0  # zero vector
    assert cosine_similarity([0, 0], [0, 0]) == 0.0
    assert math.isnan(cosine_similarity(u, [np.nan, 1.0]))
    assert math.isnan(cosine_similarity(u, [np.inf, 1.0]))
    assert cosine_similarity([1e200, 1e200], [1e200, 1e200]) == pytest.approx(1.0)  # no overflow
    assert cosine_matrix([[1e200, 0.0], [3e300, 1e300]])[0, 1] == pytest.approx(ref_cosine([1, 0], [3, 1]))
    m = cosine_matrix([[1.0, 0.0], [np.nan, 1.0]])
    assert m[0, 0] == 1.0 and np.isnan(m[0, 1]) and np.isnan(m[1, 1])
    assert cosine_similarity([3, 4], [6, 8]) == pytest.approx(1.0)  # integers are fine
    with pytest.raises(ValueError):
        cosine_pairs(np.ones((2, 3)), np.ones((3, 3)))


# -- matrices ------------------------------------------------------------------------------------


def test_text_matrices_match_pairs_and_are_symmetric():
    texts = word_texts(12, 8) + ["我喜欢吃苹果", "我喜欢吃香蕉"]
    for matrix_fn, ref in ((lexical_matrix, ref_lexical), (ngram2_matrix, ref_ngram2)):
        m = matrix_fn(texts)
        assert m.shape == (len(texts), len(texts))
        np.testing.assert_allclose(m, m.T)
        np.testing.assert_allclose(np.diag(m), 1.0)
        for i in range(len(texts)):
            for j in range(len(texts)):
                assert m[i, j] == pytest.approx(ref(texts[i], texts[j]), abs=1e-12)


def test_rectangular_text_matrices():
    a, b = word_texts(3, 1), word_texts(5, 2)
    for matrix_fn, ref in ((lexical_matrix, ref_lexical), (ngram2_matrix, ref_ngram2)):
        m = matrix_fn(a, b)
        assert m.shape == (3, 5)
        assert m[2, 4] == pytest.approx(ref(a[2], b[4]))
    assert lexical_matrix([], b).shape == (0, 5)
    assert ngram2_matrix(a, []).shape == (3, 0)


def test_cosine_matrix():
    rng = np.random.default_rng(1)
    e = rng.standard_normal((6, 16))
    e[5] = 0
    m = cosine_matrix(e)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m)[:5], 1.0)
    assert m[5, 5] == 0.0
    f = rng.standard_normal((4, 16))
    r = cosine_matrix(e, f)
    assert r.shape == (6, 4)
    assert r[2, 3] == pytest.approx(ref_cosine(e[2], f[3]))


def test_similarity_matrices_for_columns():
    texts = [ANSWER, ANSWER.replace("pointers", "references"), "Something else entirely."]
    emb = np.eye(3)
    out = similarity_matrices(texts, emb)
    assert set(out) == {"lexical", "ngram2", "embedding"}
    assert out["lexical"][0, 1] > 0.9 > out["lexical"][0, 2]
    assert out["embedding"][0, 1] == 0.0
    assert "embedding" not in similarity_matrices(texts)


def test_pair_similarity_checks_lengths():
    with pytest.raises(ValueError):
        pair_similarity(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        pair_similarity(["a"], ["a"], np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="both"):
        pair_similarity(["a"], ["a"], np.ones((1, 3)))
    out = pair_similarity([], [])
    assert out["lexical"].shape == (0,) and out["ngram2"].shape == (0,)


def test_huge_vocabularies():
    # More distinct words than the Basic Multilingual Plane has code points (the old
    # rapidfuzz path encoded ids as characters and had to skip the surrogates).
    words = [f"w{i}" for i in range(70_000)]
    a = [" ".join(words[i : i + 700]) for i in range(0, 70_000, 700)]
    b = [" ".join(reversed(words[i : i + 700])) + " " + words[(i + 57_000) % 70_000]
         for i in range(0, 70_000, 700)]
    corpus = Corpus.from_texts(a + b)
    assert corpus.vocab == 70_000
    got = pair_similarity(a, b)
    for k in (0, len(a) // 2, len(a) - 1):
        assert got["lexical"][k] == pytest.approx(ref_lexical(a[k], b[k]), abs=1e-12)
        assert got["ngram2"][k] == pytest.approx(ref_ngram2(a[k], b[k]), abs=1e-12)


def test_every_ascii_character_splits_or_joins_as_the_reference_says():
    # ASCII text takes its own path (word bytes found eight at a time by arithmetic).
    texts = [f"ab{chr(c)}cd" for c in range(128)] + [chr(c) * 70 for c in range(128)]
    corpus = Corpus.from_texts(texts)
    for i, text in enumerate(texts):
        assert len(corpus.tokens(i)) == len(tokenize(text)), repr(text)
    # Capitals are folded on that path too, to the words that case-folded text has.
    folded = Corpus.from_texts(["Hello WORLD_9 InternationalISATION",
                                "hello world_9 internationalisation é"])
    assert folded.tokens(0).tolist() == folded.tokens(1).tolist()[:3]


def test_texts_packed_with_tokens_keep_every_token():
    # The most tokens per byte: single characters of a no-space script next to one-byte
    # words (n bytes give (n + 1) // 2 tokens), and one-byte words between separators.
    texts = ["a中" * 50 + "a", "中a" * 50, "a b " * 40 + "a", "中" * 30, "x", "ก" * 9 + "z"]
    corpus = Corpus.from_texts(texts + texts[::-1])
    for i, text in enumerate(texts + texts[::-1]):
        assert len(corpus.tokens(i)) == len(tokenize(text)), text


def test_nul_characters_stay_inside_their_text():
    # The texts are joined with NUL bytes, but each text's bounds are explicit.
    corpus = Corpus.from_texts(["a\0b", "c", "\0", "d\0\0e f"])
    assert [len(corpus.tokens(i)) for i in range(4)] == [2, 1, 0, 3]


def test_ascii_and_unicode_chunks_tokenise_alike():
    ascii_text = "Hello, world_1: the 2nd  answer -- isn't it?"
    with_accent = ascii_text + " café"
    a = sim.Corpus.from_texts([ascii_text, ascii_text + " cafe"])
    b = sim.Corpus.from_texts([ascii_text, with_accent])
    assert [len(a.tokens(i)) for i in range(2)] == [len(tokenize(ascii_text)), len(tokenize(with_accent))]
    assert np.array_equal(np.diff(a.bounds), np.diff(b.bounds))


def test_tokens_sharing_their_first_eight_bytes_stay_apart():
    words = ["internationalization", "internationalisation", "abcdefgh", "abcdefghi",
             "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr", "a", "b"]
    corpus = sim.Corpus.from_texts([" ".join(words)])
    assert corpus.vocab == len(words)


def test_ascii_and_unicode_texts_give_words_the_same_ids():
    # ASCII texts and the others are encoded apart: the same word must get one id.
    a = ["hello wonderful world of internationalisation", "plain ascii words only"]
    b = ["hello wonderful world of internationalisation — café", "plain ascii wörds only"]
    got = pair_similarity(a, b)
    for k in range(2):
        assert got["lexical"][k] == pytest.approx(ref_lexical(a[k], b[k]), abs=1e-12)
        assert got["ngram2"][k] == pytest.approx(ref_ngram2(a[k], b[k]), abs=1e-12)
    corpus = Corpus.from_texts(a + b)
    assert corpus.tokens(0).tolist() == corpus.tokens(2).tolist()[:5]


