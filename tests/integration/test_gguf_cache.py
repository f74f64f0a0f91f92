"""The converted copy of a GGUF model: same tensors and answers as the GGUF file, written
once, never half-written, ignored when broken, and off on request."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from workbench.models import gguf_cache
from workbench.models.local import _load_gguf, builtin_gguf_path


def test_the_folder_name_follows_the_file_dtype_and_version(tmp_path, monkeypatch):
    monkeypatch.setenv(gguf_cache.CACHE_ENV, str(tmp_path / "cache"))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 32)
    first = gguf_cache.converted_dir(gguf, "torch.float32", "5.0")
    assert first.parent == tmp_path / "cache" and first.name.startswith("m-")
    assert gguf_cache.converted_dir(gguf, "torch.float32", "5.0") == first
    assert gguf_cache.converted_dir(gguf, "torch.bfloat16", "5.0") != first
    assert gguf_cache.converted_dir(gguf, "torch.float32", "5.1") != first
    os.utime(gguf, ns=(1, 1))  # the file was replaced
    assert gguf_cache.converted_dir(gguf, "torch.float32", "5.0") != first
    monkeypatch.setenv(gguf_cache.CACHE_ENV, "off")
    assert gguf_cache.converted_dir(gguf, "torch.float32", "5.0") is None


def test_a_new_conversion_replaces_older_ones_and_dead_writers_leftovers(tmp_path):
    old = tmp_path / "m-abc-111"
    old.mkdir()
    other_file = tmp_path / "m-def-111"  # another GGUF with the same name: kept
    other_file.mkdir()
    dead_tmp = tmp_path / ".m-abc-000.tmp-99999"
    dead_tmp.mkdir()
    os.utime(dead_tmp, (1, 1))
    live_tmp = tmp_path / ".m-abc-222.tmp-1"  # a writer at work right now: kept
    live_tmp.mkdir()
    orphan = tmp_path / "n-123-111"  # made from a file in a checkout since deleted
    orphan.mkdir()
    (orphan / gguf_cache.SOURCE_FILE).write_text('{"gguf": "%s"}' % (tmp_path / "gone" / "n.gguf"))
    alive = tmp_path / "k-456-111"
    alive.mkdir()
    (tmp_path / "k.gguf").write_bytes(b"GGUF")
    (alive / gguf_cache.SOURCE_FILE).write_text('{"gguf": "%s"}' % (tmp_path / "k.gguf"))
    gguf_cache._remove_stale(tmp_path / "m-abc-222")
    assert not old.exists() and not dead_tmp.exists() and not orphan.exists()
    assert other_file.exists() and live_tmp.exists() and alive.exists()


@pytest.mark.slow
def test_the_copy_has_the_gguf_tensors_and_answers_the_same(tmp_path, monkeypatch):
    import torch
    import transformers

    monkeypatch.setenv(gguf_cache.CACHE_ENV, str(tmp_path / "cache"))
    path = builtin_gguf_path()
    from_gguf, tok_gguf = _load_gguf(path, torch.float32)  # converts and writes the copy
    folder = gguf_cache.converted_dir(path, str(torch.float32), transformers.__version__)
    assert (folder / "model.safetensors").is_file()
    assert json.loads((folder / gguf_cache.SOURCE_FILE).read_text())["gguf"] == str(path.resolve())
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary left

    from_copy, tok_copy = _load_gguf(path, torch.float32)
    assert getattr(from_copy, "hf_quantizer", None) is None  # really read from the copy
    a, b = from_gguf.state_dict(), from_copy.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert from_copy.lm_head.weight.data_ptr() == from_copy.model.embed_tokens.weight.data_ptr()

    msgs = [{"role": "user", "content": "What is the capital of France? 用一句话回答。"}]
    outs = []
    for model, tok in ((from_gguf, tok_gguf), (from_copy, tok_copy)):
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt")
        ids = ids if isinstance(ids, torch.Tensor) else ids["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=12, do_sample=False)
        outs.append((ids.tolist(), tok.decode(out[0][ids.shape[1]:])))
    assert outs[0] == outs[1]

    # A broken copy (a truncated file) is dropped and the model loads from the GGUF again.
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    with open(broken / "model.safetensors", "r+b") as fh:
        fh.truncate(1000)
    assert gguf_cache.load_converted(broken, torch.float32) is None
    assert not broken.exists()


def test_an_unwritable_cache_only_costs_the_speed_up(tmp_path):
    class Config:
        tie_word_embeddings = False

        def to_dict(self):
            return {}

    class Model:
        config = Config()

        def state_dict(self):
            return {}

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert gguf_cache.save_converted(blocker / "m-abc-111", Model(), object()) is False
    assert not (blocker.parent / ".m-abc-111.tmp").exists()
