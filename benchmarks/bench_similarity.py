"""Judge-free similarity of 1,000 response pairs: probes.similarity against a plain Python loop.

    python benchmarks/bench_similarity.py [--pairs N] [--repeats R] [--seed S] [--json]

Both sides compute the same three measures (lexical, word-bigram Dice, embedding cosine)
from the same texts and embedding arrays. The loop scores one pair at a time with the
reference tokeniser (one regex), a rapidfuzz call for the LCS (C++, so the baseline is
stricter than a pure-Python LCS), Python sets and a pure-Python cosine. probes.similarity
runs compiled kernels (numba) on all pairs at once, on every CPU. Results must agree; the
figure reported is the ratio of the two median times, measured in this run, and the same
ratio of CPU times (all threads counted), which does not credit the extra cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the repository importable without installing it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from rapidfuzz.distance import Indel

from probes.similarity import cosine_pairs, pair_similarity, tokenize

DIM = 384

_COMMON = (
    "the of and to a in is that for it as with was on be by this are or from at which an "
    "not have has can will but all if more one their they there been also its would so "
    "when what these each other into only your you we some use may such than then them "
    "because first most two how about over between both many well where much those very "
    "should could while however example result value function model data answer step "
    "number time way case first second third next finally note here thus therefore"
).split()
_SYLLABLES = "ka ri to mel an ser vo lin da pre tion gra con ex plo sta ment ic al ver".split()
_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"


def _sentence(rng: random.Random, topic: list[str]) -> list[str]:
    n = rng.randint(8, 22)
    words = [rng.choice(topic) if rng.random() < 0.35 else rng.choice(_COMMON) for _ in range(n)]
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), str(rng.randint(2, 9999)))
    return words


def _render(sentences: list[list[str]], rng: random.Random) -> str:
    out = []
    for words in sentences:
        s = " ".join(words)
        s = s[0].upper() + s[1:]
        if rng.random() < 0.1:
            s = "- **" + s + "**"
        out.append(s + rng.choice([".", ".", ".", "!", "?", ":"]))
        if rng.random() < 0.2:
            out.append("\n\n")
    return " ".join(out)


def _word_count(sentences: list[list[str]]) -> int:
    return sum(len(s) for s in sentences)


def make_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """``n`` deterministic (reference, target) response pairs of 100-300 words with mixed overlap."""
    rng = random.Random(seed)
    topics = [
        ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(40)]
        for _ in range(50)
    ]
    texts_a, texts_b, overlaps = [], [], []
    for _ in range(n):
        if rng.random() < 0.03:
            # A Chinese pair: the character-bigram path.
            base = [rng.choice(_HAN) for _ in range(rng.randint(150, 400))]
            keep = rng.random()
            other = [c if rng.random() < keep else rng.choice(_HAN) for c in base]
            texts_a.append("".join(base[i] + ("，" if i % 17 == 16 else "") for i in range(len(base))))
            texts_b.append("".join(other))
            overlaps.append(keep)
            continue
        topic = rng.choice(topics)
        target_len = rng.randint(100, 300)
        ref: list[list[str]] = []
        while _word_count(ref) < target_len:
            ref.append(_sentence(rng, topic))
        overlap = rng.choice([0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0])
        tgt: list[list[str]] = []
        for s in ref:
            if rng.random() < overlap:
                edited = [w if rng.random() > 0.08 else rng.choice(topic) for w in s]
                tgt.append(edited)
            else:
                tgt.append(_sentence(rng, topic))
        if overlap < 1.0 and rng.random() < 0.5:
            rng.shuffle(tgt)
        texts_a.append(_render(ref, rng))
        texts_b.append(_render(tgt, rng))
        overlaps.append(overlap)
    gen = np.random.default_rng(seed)
    emb_a = gen.standard_normal((n, DIM)).astype(np.float32)
    noise = gen.standard_normal((n, DIM)).astype(np.float32)
    q = np.asarray(overlaps, dtype=np.float32)[:, None]
    emb_b = (q * emb_a + (1 - q) * noise).astype(np.float32)
    return texts_a, texts_b, emb_a, emb_b


# -- the plain loop ------------------------------------------------------------------------


def _py_cosine(u: list[float], v: list[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v))
    nu = math.sqrt(sum(x * x for x in u))
    nv = math.sqrt(sum(y * y for y in v))
    if nu == 0 or nv == 0:
        return 0.0
    return min(1.0, max(0.0, dot / (nu * nv)))


def _py_text_measures(a: str, b: str) -> tuple[float, float]:
    ta, tb = tokenize(a), tokenize(b)
    lexical = Indel.normalized_similarity(ta, tb)
    ga = set(zip(["<s>"] + ta, ta + ["</s>"]))
    gb = set(zip(["<s>"] + tb, tb + ["</s>"]))
    return lexical, 2 * len(ga & gb) / (len(ga) + len(gb))


def loop_text(texts_a: list[str], texts_b: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lex, ngr = [], []
    for a, b in zip(texts_a, texts_b):
        x, y = _py_text_measures(a, b)
        lex.append(x)
        ngr.append(y)
    return np.array(lex), np.array(ngr)


def loop_embedding(lists_a: list[list[float]], lists_b: list[list[float]]) -> np.ndarray:
    return np.array([_py_cosine(u, v) for u, v in zip(lists_a, lists_b)])


# -- the run ----------------------------------------------------------------------------------


def _timed(fn, *args) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is steadier on a busy machine)."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - w0, time.process_time() - c0


def _vector_text(texts_a, texts_b):
    return pair_similarity(texts_a, texts_b)


def run(pairs: int = 1000, repeats: int = 7, seed: int = 0) -> dict:
    texts_a, texts_b, emb_a, emb_b = make_pairs(pairs, seed)
    lists_a, lists_b = emb_a.tolist(), emb_b.tolist()  # the loop's input form, built untimed

    # Warm-up (regex and lookup tables are built once per process), then check agreement.
    vec = _vector_text(texts_a, texts_b)
    vec_emb = cosine_pairs(emb_a, emb_b)
    ref_lex, ref_ngr = loop_text(texts_a, texts_b)
    ref_emb = loop_embedding(lists_a, lists_b)
    agree = {
        "lexical": bool(np.allclose(vec["lexical"], ref_lex, rtol=0, atol=1e-12)),
        "ngram2": bool(np.allclose(vec["ngram2"], ref_ngr, rtol=0, atol=1e-12)),
        "embedding": bool(np.allclose(vec_emb, ref_emb, rtol=0, atol=1e-9)),
    }

    wall: dict[str, list[float]] = {k: [] for k in ("vec_text", "vec_emb", "loop_text", "loop_emb")}
    cpu: dict[str, list[float]] = {k: [] for k in wall}
    for _ in range(repeats):
        for key, fn, args in (
            ("vec_text", _vector_text, (texts_a, texts_b)),
            ("vec_emb", cosine_pairs, (emb_a, emb_b)),
            ("loop_text", loop_text, (texts_a, texts_b)),
            ("loop_emb", loop_embedding, (lists_a, lists_b)),
        ):
            w, c = _timed(fn, *args)
            wall[key].append(w)
            cpu[key].append(c)

    def row(name: str, loop_keys: tuple[str, ...], vec_keys: tuple[str, ...]) -> dict:
        def med(times: dict[str, list[float]], keys: tuple[str, ...]) -> float:
            return statistics.median(sum(times[k][i] for k in keys) for i in range(repeats))

        loop_ms, vec_ms = med(wall, loop_keys) * 1e3, med(wall, vec_keys) * 1e3
        loop_cpu, vec_cpu = med(cpu, loop_keys), med(cpu, vec_keys)
        return {
            "measure": name,
            "loop_ms": loop_ms,
            "vectorised_ms": vec_ms,
            "speedup": loop_ms / vec_ms,
            "cpu_speedup": loop_cpu / vec_cpu if vec_cpu > 0 else None,
        }

    rows = [
        row("lexical + ngram2", ("loop_text",), ("vec_text",)),
        row("embedding", ("loop_emb",), ("vec_emb",)),
        row("all three", ("loop_text", "loop_emb"), ("vec_text", "vec_emb")),
    ]
    tokens = [len(tokenize(t)) for t in texts_a + texts_b]
    return {
        "pairs": pairs,
        "repeats": repeats,
        "seed": seed,
        "tokens_per_text": {"min": min(tokens), "median": statistics.median(tokens), "max": max(tokens)},
        "agree": agree,
        "rows": rows,
        "speedup": rows[-1]["speedup"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def _table(result: dict) -> str:
    tok = result["tokens_per_text"]
    lines = [
        f"{result['pairs']} response pairs, {tok['min']}-{tok['max']} tokens each (median {tok['median']:g}), "
        f"median of {result['repeats']} runs, {result['cpus']} CPUs",
        f"{'measure':<18}{'loop ms':>10}{'ours ms':>11}{'speed-up':>10}{'(CPU time)':>12}",
    ]
    for r in result["rows"]:
        cpu = f"{r['cpu_speedup']:.1f}x" if r["cpu_speedup"] else "-"
        lines.append(
            f"{r['measure']:<18}{r['loop_ms']:>10.1f}{r['vectorised_ms']:>11.1f}{r['speedup']:>9.1f}x{cpu:>12}"
        )
    ok = all(result["agree"].values())
    lines.append("results agree: " + ("yes" if ok else f"NO {result['agree']}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print the table (or JSON) and return the result.

    ``argv`` defaults to no arguments, so importing code gets the standard run.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args([] if argv is None else argv)
    result = run(args.pairs, args.repeats, args.seed)
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return result


if __name__ == "__main__":
    res = main(sys.argv[1:])
    sys.exit(0 if all(res["agree"].values()) else 1)
