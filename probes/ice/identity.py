"""Model families, their developers and names, and the identity fact of a target model.

The registry serves two readers: ``recognise_family`` reads model ids
(``openrouter/qwen/qwen-max``), and the judges read prose ("I was trained by Open AI",
"我是通义千问"). Model ids and prose need different matching, so a family carries both
regexes over ids and aliases for text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class Family:
    """One model family and the organisation behind it.

    ``aliases`` match case-insensitively; a space inside an alias means "optional
    separator", so ``"Open AI"`` also finds "OpenAI" and "Open-AI". ``cased_aliases`` are
    ordinary words elsewhere (Meta, Yi, Phi, Spark...) and only count written as given and
    as whole words. ``model_patterns`` are regexes over lower-cased model ids.
    """

    key: str
    name: str
    developer: str
    aliases: tuple[str, ...]
    cased_aliases: tuple[str, ...] = ()
    model_patterns: tuple[str, ...] = ()
    # Derivative families (Nemotron is built on Llama) outrank their base in a model id.
    priority: int = 1
    # Where the developer works (ISO 3166 alpha-2): a model that places its makers
    # elsewhere contradicts its fact even without naming anyone.
    countries: tuple[str, ...] = ()

    @property
    def all_aliases(self) -> tuple[str, ...]:
        return self.aliases + self.cased_aliases


def _f(key: str, name: str, developer: str, aliases: Iterable[str], cased: Iterable[str] = (),
       patterns: Iterable[str] = (), priority: int = 1, countries: Iterable[str] = ()) -> Family:
    return Family(key=key, name=name, developer=developer, aliases=tuple(aliases),
                  cased_aliases=tuple(cased), model_patterns=tuple(patterns), priority=priority,
                  countries=tuple(countries))


# A token boundary for model ids: letters may not continue the name, digits and
# punctuation may ("llama3", "qwen2.5", "gpt-4o").
_B = r"(?<![a-z])"
_E = r"(?![a-z])"

FAMILIES: tuple[Family, ...] = (
    _f("gpt", "ChatGPT", "OpenAI",
       ["ChatGPT", "Chat GPT", "GPT", "Open AI", "InstructGPT", "Codex"],
       patterns=[_B + r"(?:chat)?gpt", _B + r"openai", r"^o[1-9](?:-|$)", r"davinci", r"babbage"],
       countries=("US",)),
    _f("claude", "Claude", "Anthropic", ["Claude", "Anthropic", "克劳德"],
       patterns=[_B + r"claude", _B + r"anthropic"], countries=("US",)),
    _f("gemini", "Gemini", "Google DeepMind",
       ["Gemini", "Gemma", "Google", "Deep Mind", "LaMDA", "谷歌", "双子座"],
       cased=["Bard", "PaLM"],
       patterns=[_B + r"gemini", _B + r"gemma", _B + r"bard" + _E, _B + r"palm" + _E,
                 _B + r"google", _B + r"deepmind"], countries=("US", "GB")),
    _f("llama", "Llama", "Meta", ["Llama", "LLaMA", "Meta AI", "Facebook", "脸书", "羊驼"],
       cased=["Meta"],
       patterns=[_B + r"(?:code)?llama", _B + r"meta" + _E], countries=("US",)),
    _f("qwen", "Qwen", "Alibaba Cloud",
       ["Qwen", "QwQ", "Tongyi", "Tongyi Qianwen", "Alibaba Cloud", "Alibaba", "通义千问", "通义", "千问",
        "阿里巴巴", "阿里云", "阿里"],
       patterns=[_B + r"qwen", _B + r"qwq", _B + r"tongyi", _B + r"alibaba"], countries=("CN",)),
    _f("deepseek", "DeepSeek", "DeepSeek",
       ["Deep Seek", "深度求索", "High-Flyer", "幻方"],
       patterns=[_B + r"deepseek"], countries=("CN",)),
    _f("doubao", "Doubao", "ByteDance",
       ["Doubao", "Byte Dance", "豆包", "字节跳动", "火山引擎", "Volcano Engine"],
       cased=["Skylark"],
       patterns=[_B + r"doubao", _B + r"skylark", _B + r"bytedance"], countries=("CN", "SG")),
    _f("glm", "GLM", "Zhipu AI",
       ["ChatGLM", "GLM", "Zhipu", "智谱", "智谱清言", "清言", "CodeGeeX"],
       patterns=[_B + r"(?:chat)?glm", _B + r"zhipu", _B + r"codegeex", r"thudm"],
       countries=("CN",)),
    _f("mistral", "Mistral", "Mistral AI",
       ["Mistral", "Mixtral", "Codestral", "Ministral", "Pixtral"], cased=["Le Chat"],
       patterns=[_B + r"mistral", _B + r"mixtral", _B + r"codestral", _B + r"ministral",
                 _B + r"pixtral"], countries=("FR",)),
    _f("phi", "Phi", "Microsoft", ["Microsoft", "微软", "Copilot"], cased=["Phi", "Bing"],
       patterns=[_B + r"phi" + _E, _B + r"microsoft"], countries=("US",)),
    _f("grok", "Grok", "xAI", ["xAI", "X.AI"], cased=["Grok"],
       patterns=[_B + r"grok", _B + r"xai" + _E], countries=("US",)),
    _f("kimi", "Kimi", "Moonshot AI", ["Kimi", "Moonshot AI", "月之暗面"], cased=["Moonshot"],
       patterns=[_B + r"kimi", _B + r"moonshot"], countries=("CN",)),
    _f("yi", "Yi", "01.AI", ["01.AI", "01 AI", "零一万物", "Lingyiwanwu"], cased=["Yi"],
       patterns=[_B + r"yi" + _E, r"01-ai", r"01\.ai"], countries=("CN",)),
    _f("ernie", "ERNIE", "Baidu",
       ["ERNIE", "Ernie Bot", "文心一言", "文心", "Baidu", "百度"],
       patterns=[_B + r"ernie", _B + r"baidu", _B + r"wenxin"], countries=("CN",)),
    _f("hunyuan", "Hunyuan", "Tencent", ["Hunyuan", "混元", "Tencent", "腾讯"],
       patterns=[_B + r"hunyuan", _B + r"tencent"], countries=("CN",)),
    _f("smollm", "SmolLM", "Hugging Face", ["SmolLM", "Hugging Face", "HuggingFace", "抱抱脸"],
       patterns=[_B + r"smollm", _B + r"huggingface"], countries=("US", "FR")),
    _f("command", "Command", "Cohere", ["Cohere", "Command R", "Command A"], cased=["Aya"],
       patterns=[_B + r"command(?:[-_]?[ar](?:[-_]?plus|\+)?)?" + _E, _B + r"cohere",
                 _B + r"c4ai", _B + r"aya" + _E], countries=("CA",)),
    _f("nemotron", "Nemotron", "NVIDIA", ["Nemotron", "NVIDIA", "英伟达"],
       patterns=[_B + r"nemotron", _B + r"nvidia"], priority=2, countries=("US",)),
    _f("falcon", "Falcon", "Technology Innovation Institute",
       ["Technology Innovation Institute"], cased=["Falcon", "TII"],
       patterns=[_B + r"falcon", r"tiiuae"], countries=("AE",)),
    _f("internlm", "InternLM", "Shanghai AI Laboratory",
       ["InternLM", "书生·浦语", "书生浦语", "浦语", "Shanghai AI Lab", "Shanghai AI Laboratory",
        "上海人工智能实验室", "上海AI实验室"],
       patterns=[_B + r"internlm", _B + r"intern-?s1"], countries=("CN",)),
    _f("baichuan", "Baichuan", "Baichuan Intelligence",
       ["Baichuan", "百川智能", "百川大模型"], patterns=[_B + r"baichuan"], countries=("CN",)),
    _f("minimax", "MiniMax", "MiniMax", ["abab", "海螺AI", "稀宇科技"], cased=["MiniMax", "MINIMAX"],
       patterns=[_B + r"minimax", _B + r"abab"], countries=("CN",)),
    _f("spark", "Spark", "iFlytek",
       ["iFlytek", "SparkDesk", "讯飞星火", "星火认知", "科大讯飞", "讯飞"], cased=["Spark"],
       patterns=[_B + r"spark" + _E, _B + r"sparkdesk", _B + r"iflytek", r"^generalv\d"],
       countries=("CN",)),
    _f("step", "Step", "StepFun", ["StepFun", "阶跃星辰", "跃问", "Step-1", "Step-2"],
       patterns=[_B + r"stepfun", _B + r"step-?\d"], countries=("CN",)),
    _f("pangu", "Pangu", "Huawei", ["Pangu", "PanGu", "盘古", "Huawei", "华为"],
       patterns=[_B + r"pangu", _B + r"huawei"], countries=("CN",)),
    _f("granite", "Granite", "IBM", ["watsonx"], cased=["Granite", "IBM"],
       patterns=[_B + r"granite", _B + r"ibm" + _E], countries=("US",)),
    _f("olmo", "OLMo", "Allen Institute for AI",
       ["OLMo", "Allen Institute", "Allen AI", "AllenAI", "AI2", "Tulu", "Tülu"],
       patterns=[_B + r"olmo", _B + r"allenai", _B + r"tulu"], countries=("US",)),
    _f("jamba", "Jamba", "AI21 Labs", ["Jamba", "AI21"], patterns=[_B + r"jamba", _B + r"ai21"],
       countries=("IL",)),
    _f("dbrx", "DBRX", "Databricks", ["DBRX", "Databricks"],
       patterns=[_B + r"dbrx", _B + r"databricks"], countries=("US",)),
    _f("vicuna", "Vicuna", "LMSYS", ["Vicuna", "LMSYS"], patterns=[_B + r"vicuna", _B + r"lmsys"],
       countries=("US",)),
    _f("sensenova", "SenseNova", "SenseTime", ["SenseNova", "SenseChat", "SenseTime", "商汤", "日日新"],
       patterns=[_B + r"sensenova", _B + r"sensechat", _B + r"sensetime"], countries=("CN",)),
)

FAMILY_BY_KEY: dict[str, Family] = {f.key: f for f in FAMILIES}


def get_family(key: str) -> Family | None:
    return FAMILY_BY_KEY.get(key.lower())


# --------------------------------------------------------------------------- model ids

_ID_SPLIT = re.compile(r"[/\\:@|]")
_FILE_EXT = re.compile(r"\.(?:jsonl|json|csv|gguf|bin|safetensors|txt)$", re.I)


@lru_cache(maxsize=1)
def _compiled_id_patterns() -> tuple[tuple[Family, re.Pattern[str]], ...]:
    return tuple((f, re.compile(p)) for f in FAMILIES for p in f.model_patterns)


def _family_in_segment(segment: str) -> Family | None:
    seg = segment.lower()
    hits: list[tuple[Family, int]] = []
    for fam, pat in _compiled_id_patterns():
        m = pat.search(seg)
        if m:
            hits.append((fam, m.start()))
    if not hits:
        return None
    # "deepseek-r1-distill-qwen-32b" is DeepSeek's model distilled onto a Qwen base: the
    # family named before "distill" made it.
    cut = seg.find("distill")
    if cut > 0:
        before = [h for h in hits if h[1] < cut]
        if before:
            return min(before, key=lambda h: h[1])[0]
    return min(hits, key=lambda h: (-h[0].priority, h[1]))[0]


def recognise_family(model_name: str | None) -> Family | None:
    """The family of a model id, preferring its last, most specific segment.

    Providers prefix ids (``openrouter/qwen/...``, ``ollama/...``) and result files join
    judge, source and target with underscores (``gpt_GPT_Phi4``): in both the target comes
    last, so segments are read from the end and the first one naming a family wins.
    """
    if not model_name:
        return None
    name = _FILE_EXT.sub("", model_name.strip())
    for segment in reversed([s for s in _ID_SPLIT.split(name) if s]):
        for part in reversed([p for p in segment.split("_") if p]):
            fam = _family_in_segment(part)
            if fam is not None:
                return fam
        # Underscores may also sit inside one name ("internlm2_5-7b-chat").
        fam = _family_in_segment(segment)
        if fam is not None:
            return fam
    return None


# --------------------------------------------------------------------------- prose

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def normalise_text(text: str) -> str:
    """NFKC (full-width letters and punctuation to ASCII) and uniform quotes/apostrophes."""
    text = unicodedata.normalize("NFKC", text)
    return (text.replace("\u2019", "'").replace("\u2018", "'")
            .replace("\u201c", '"').replace("\u201d", '"'))


def _alias_regex(alias: str) -> str:
    if has_cjk(alias):
        # Chinese has no word boundaries; "书生·浦语" is also written without the dot.
        return "".join(re.escape(ch) + ("?" if ch == "·" else "") for ch in alias)
    parts = [re.escape(p) for p in alias.split(" ")]
    body = r"[\s\-_.]?".join(parts)
    # Letters may not run on before the alias ("AlphaGPT" does not name GPT). After it, a
    # short alias needs a boundary ("Yield" is not "Yi"); a longer one may carry a one-letter
    # suffix ("DeepSeekV3", "Geminis") but not a word ("Claudette").
    tail = r"(?![A-Za-z])" if len(alias.replace(" ", "")) <= 4 else r"(?![a-z]{2,})"
    return r"(?<![A-Za-z])" + body + tail


@dataclass(frozen=True)
class AliasHit:
    family: str
    alias: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _alias_scanners() -> tuple[tuple[re.Pattern[str], dict[str, tuple[str, str]]], ...]:
    """Two alternations (case-insensitive, cased), each mapping group name -> (family, alias)."""
    scanners = []
    for cased in (False, True):
        entries = [(a, f.key) for f in FAMILIES for a in (f.cased_aliases if cased else f.aliases)]
        # Longest first so "ChatGPT" wins over "GPT" and "Tongyi Qianwen" over "Tongyi".
        entries.sort(key=lambda e: -len(e[0]))
        table: dict[str, tuple[str, str]] = {}
        parts = []
        for i, (alias, key) in enumerate(entries):
            table[f"g{i}"] = (key, alias)
            parts.append(f"(?P<g{i}>{_alias_regex(alias)})")
        flags = 0 if cased else re.IGNORECASE
        scanners.append((re.compile("|".join(parts), flags), table))
    return tuple(scanners)


def find_aliases(text: str) -> list[AliasHit]:
    """Every registry name written in ``text``, left to right, overlaps resolved by length."""
    hits: list[AliasHit] = []
    for rx, table in _alias_scanners():
        for m in rx.finditer(text):
            if m.lastgroup is None:
                continue
            key, alias = table[m.lastgroup]
            hits.append(AliasHit(family=key, alias=alias, start=m.start(), end=m.end()))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[AliasHit] = []
    for h in hits:
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return kept


def families_in_text(text: str) -> list[str]:
    """Family keys named in ``text``, in order of first mention, without repeats."""
    seen: list[str] = []
    for h in find_aliases(normalise_text(text)):
        if h.family not in seen:
            seen.append(h.family)
    return seen


def _squash(s: str) -> str:
    return re.sub(r"[\s\-_.·']", "", s.lower())


@lru_cache(maxsize=1)
def _fuzzy_table() -> tuple[list[str], list[str]]:
    names: list[str] = []
    keys: list[str] = []
    for fam in FAMILIES:
        for a in fam.all_aliases:
            sq = _squash(a)
            # Short names are too easy to hit by accident ("Yi" ~ "Ye"); they must match exactly.
            if len(sq) >= 5 and not has_cjk(a):
                names.append(sq)
                keys.append(fam.key)
    return names, keys


def match_name(name: str, threshold: float = 82.0) -> Family | None:
    """The family a free-standing name refers to, tolerating misspellings ("OpenAl", "Antropic")."""
    hits = find_aliases(normalise_text(name))
    if hits:
        return FAMILY_BY_KEY[hits[0].family]
    sq = _squash(normalise_text(name))
    if len(sq) < 5:
        return None
    names, keys = _fuzzy_table()
    best = process.extractOne(sq, names, scorer=fuzz.ratio, score_cutoff=threshold)
    if best is None:
        return None
    return FAMILY_BY_KEY[keys[best[2]]]


def mentions(text: str, terms: Iterable[str]) -> bool:
    """Whether ``text`` names any of ``terms``, case-insensitively.

    Terms of three or more letters match anywhere, as in the paper's hard-score rule
    ("AlphaGPT" counts as naming GPT: a persona named after GPT primes the claim); shorter
    ones ("Yi") must stand as words, or nearly every English text would name them.
    """
    low = normalise_text(text).lower()
    for term in terms:
        t = normalise_text(term).lower().strip()
        if not t:
            continue
        if len(t) >= 3 or has_cjk(t):
            if t in low:
                return True
        elif re.search(r"(?<![a-z])" + re.escape(t) + r"(?![a-z])", low):
            return True
    return False


def family_mention_terms(key: str) -> tuple[str, ...]:
    """Terms that show a prompt names the family ``key`` (for the hard score)."""
    fam = get_family(key)
    if fam is None:
        return (key,)
    terms: list[str] = []
    for a in fam.aliases:
        terms.append(a)
        if " " in a:
            terms.append(a.replace(" ", ""))
    # Cased aliases are common words (Meta, Spark); as plain substrings they would mark
    # nearly every prompt as naming the family, so only their distinctive forms count.
    terms.extend(a for a in fam.cased_aliases if len(a) >= 5 and a[0].isupper() and a not in ("Spark",))
    return tuple(dict.fromkeys(terms))


def family_mentioned(text: str, key: str) -> bool:
    fam = get_family(key)
    if fam is None:
        return mentions(text, [key])
    if mentions(text, family_mention_terms(key)):
        return True
    norm = normalise_text(text)
    return any(re.search(r"(?<![A-Za-z])" + re.escape(a) + r"(?![A-Za-z])", norm)
               for a in fam.cased_aliases)


# --------------------------------------------------------------------------- places

# Places a model may name as its makers' home, mapped to ISO country codes. Only places
# that identity answers actually name: the hubs of the registry's developers and the
# countries around them.
PLACES: dict[str, tuple[str, ...]] = {
    "US": ("United States", "USA", "U.S.A.", "U.S.", "America", "San Francisco", "Silicon Valley",
           "California", "Seattle", "Redmond", "Mountain View", "Menlo Park", "Palo Alto",
           "New York", "Boston", "Santa Clara", "Bay Area", "Cambridge, Massachusetts",
           "美国", "旧金山", "硅谷", "加州", "加利福尼亚", "西雅图", "纽约", "山景城", "帕洛阿尔托"),
    "CN": ("China", "Beijing", "Hangzhou", "Shanghai", "Shenzhen", "Guangzhou", "Hefei", "Chengdu",
           "Hong Kong", "中国", "北京", "杭州", "上海", "深圳", "广州", "合肥", "成都", "香港", "中华人民共和国"),
    "GB": ("United Kingdom", "U.K.", "UK", "Britain", "England", "London", "英国", "伦敦"),
    "FR": ("France", "Paris", "法国", "巴黎"),
    "CA": ("Canada", "Toronto", "Montreal", "加拿大", "多伦多", "蒙特利尔"),
    "AE": ("United Arab Emirates", "UAE", "Abu Dhabi", "Dubai", "阿联酋", "阿布扎比", "迪拜"),
    "IL": ("Israel", "Tel Aviv", "以色列", "特拉维夫"),
    "SG": ("Singapore", "新加坡"),
    "DE": ("Germany", "Berlin", "Munich", "德国", "柏林", "慕尼黑"),
    "JP": ("Japan", "Tokyo", "日本", "东京"),
    "KR": ("South Korea", "Korea", "Seoul", "韩国", "首尔"),
    "IN": ("India", "Bangalore", "Bengaluru", "印度", "班加罗尔"),
    "RU": ("Russia", "Moscow", "俄罗斯", "莫斯科"),
}


@lru_cache(maxsize=1)
def _place_scanner() -> tuple[re.Pattern[str], dict[str, str]]:
    entries = sorted(((p, c) for c, ps in PLACES.items() for p in ps), key=lambda e: -len(e[0]))
    table: dict[str, str] = {}
    parts: list[str] = []
    for i, (place, code) in enumerate(entries):
        table[f"p{i}"] = code
        body = re.escape(place)
        parts.append(f"(?P<p{i}>{body})" if has_cjk(place) else
                     rf"(?P<p{i}>(?<![A-Za-z]){body}(?![A-Za-z]))")
    return re.compile("|".join(parts)), table


def places_in_text(text: str) -> list[tuple[str, str, int]]:
    """(place, country code, offset) for every known place named in ``text``."""
    rx, table = _place_scanner()
    return [(m.group(0), table[m.lastgroup], m.start()) for m in rx.finditer(text)
            if m.lastgroup is not None]


# --------------------------------------------------------------------------- facts

_STOP_CAPS = {
    "I", "I'm", "A", "An", "The", "AI", "Model", "Language", "Large", "Assistant", "Chatbot",
    "My", "Me", "It", "This", "Hello", "Hi", "LLM", "Developed", "Created", "Trained", "Made",
    "Built", "By", "And", "Of", "Am", "Is", "Version", "Instruct", "Chat",
}


@dataclass(frozen=True)
class IdentityFact:
    """What a target model truthfully is, as the judges compare against.

    ``own`` holds every family the fact names (a fine-tune may name its base model too),
    ``names`` any other proper names it uses ("Foo", "Acme Labs") so that a model repeating
    them is not scored as claiming someone else.
    """

    family: Family | None
    text: str
    own: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    model: str | None = None

    def is_own(self, family_key: str) -> bool:
        return family_key in self.own

    def own_names(self) -> tuple[str, ...]:
        out: list[str] = list(self.names)
        for key in self.own:
            out.extend(FAMILY_BY_KEY[key].all_aliases)
        return tuple(out)

    def names_own(self, name: str) -> bool:
        """Whether a free-form name (a claimed developer) is one of the target's own names."""
        sq = _squash(normalise_text(name))
        if not sq:
            return False
        for own in self.names:
            o = _squash(own)
            if o and (o in sq or (len(o) >= 4 and fuzz.ratio(o, sq) >= 86)):
                return True
        fam = match_name(name)
        return fam is not None and fam.key in self.own

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family.key if self.family else None, "text": self.text,
                "own": list(self.own), "names": list(self.names), "model": self.model}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IdentityFact":
        fam = FAMILY_BY_KEY.get(data.get("family") or "")
        return cls(family=fam, text=data.get("text", ""), own=tuple(data.get("own", ())),
                   names=tuple(data.get("names", ())), model=data.get("model"))


def _proper_names(text: str) -> list[str]:
    names: list[str] = []
    for m in re.finditer(r"[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*", text):
        words = [w for w in m.group(0).split() if w.strip(".") not in _STOP_CAPS]
        if words:
            names.append(" ".join(words).strip(".,"))
    zh_name = r"(?:我是|我叫|名为|由)([\u3400-\u9fffA-Za-z0-9·]{2,12}?)(?:开发|研发|训练|打造|创建|，|,|。|的|$)"
    for m in re.finditer(zh_name, text):
        names.append(m.group(1))
    return [n for n in dict.fromkeys(names) if n]


def fact_for(model_name: str | None, override_text: str | None = None) -> IdentityFact:
    """The identity fact of ``model_name``, or of the free text ``override_text`` (``--fact``).

    Free text is authoritative: families it names become the target's own, whatever the
    model id says; only when it names none does the id's family stand.
    """
    id_family = recognise_family(model_name)
    if override_text and override_text.strip():
        text = override_text.strip()
        keys = families_in_text(text)
        family = FAMILY_BY_KEY[keys[0]] if keys else id_family
        if not keys and id_family is not None:
            keys = [id_family.key]
        extra = [n for n in _proper_names(normalise_text(text)) if match_name(n) is None]
        return IdentityFact(family=family, text=text, own=tuple(keys), names=tuple(extra),
                            model=model_name)
    if id_family is not None:
        text = f"I am {id_family.name}, a model developed by {id_family.developer}."
        return IdentityFact(family=id_family, text=text, own=(id_family.key,), names=(),
                            model=model_name)
    base = (model_name or "unknown model").strip()
    short = _ID_SPLIT.split(base)[-1] or base
    return IdentityFact(family=None, text=f"I am {short}; no developer is known.", own=(),
                        names=(short,) if model_name else (), model=model_name)
