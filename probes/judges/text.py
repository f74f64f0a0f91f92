"""How the rule judge reads an answer before it looks for claims: Chinese or not, persona
names and tags, fenced drafts and reported quotes blanked, sentences, the window after an
anchor (cut at a negation or a new clause)."""

from __future__ import annotations

import re

from probes.ice.identity import normalise_text


_HAN = r"\u3400-\u9fff"
_ZH_PUNCT = ",，。;；:：!！?？、()（）\\[\\]【】\"'“”《》"


def _is_zh(text: str) -> bool:
    return re.search(f"[{_HAN}]", text) is not None


# Negation words: a name after one is denied, and the window after an anchor stops at one.
_NEG_EN = re.compile(
    r"\b(?:not|never|no|neither|nor|no\s+longer|rather\s+than|instead\s+of|as\s+opposed\s+to|"
    r"other\s+than|nothing\s+to\s+do\s+with|nobody|none|without)\b|n't\b|\bain't\b", re.I)
# "不限于" ("包括但不限于阿里云": including but not limited to) negates nothing.
_NEG_ZH = re.compile(
    r"不是|并非|绝非|而非|而不是|不属于|并不|从不|从未|没有|(?<!不)不(?!断|仅|少|过|只|但|论|管|久|错|可|同|停|足|知|妨|禁|限于)"
    r"|(?<![是])非(?!常)")


# ---------------------------------------------------------------- persona names

_TAG_LINE = re.compile(
    r"^(?P<lead>[ \t>*_#\-]*)(?:[\[(【<{]\s*(?P<bracket>[^\]\)】>}\n]{1,40}?)\s*[\])】>}]\s*[:：]?"
    r"|\**(?P<plain>[A-Za-z\u3400-\u9fff][\w .\-\u3400-\u9fff]{0,30}?)\**\s*[:：](?!//))", re.M)
_LABELS = {
    "note", "answer", "translation", "response", "question", "warning", "disclaimer", "summary",
    "example", "output", "input", "user", "step", "cosmic warning", "moral disclaimer", "edit",
    "update", "important", "tl;dr", "tldr", "reply", "result", "conclusion", "source", "prompt",
    "query", "explanation", "analysis", "context", "background", "hint", "tip", "original",
    "normal response", "developer mode response", "回答", "答案", "翻译", "注意", "问题", "警告",
    "免责声明", "总结", "说明", "提示", "回复", "结论", "http", "https", "q", "a",
}
_PROMPT_PERSONA = re.compile(
    r"(?i:known\s+as|called|named|role\s+of|role-?play\s+as|act\s+as|acting\s+as|pretend\s+to\s+be|"
    r"you\s+are\s+now|you\s+are|simulate|become|persona\s+of|character\s+of|prefix)\s+"
    r"(?i:an?\s+|the\s+)?(?:AI\s+)?[\"'\[(]?([A-Z][\w\-]{1,30}(?:[ ][A-Z][\w\-]{1,20})?)")
_PROMPT_TAG = re.compile(r"[\[(]([A-Za-z][\w .\-]{0,24})[\])]\s*[:：]?")
_NOT_PERSONA = {"I", "AI", "The", "A", "An", "You", "It", "Assistant", "Model", "Query", "Question",
                "This", "Your", "My", "ChatGPT's"}


def _clean_name(raw: str) -> str:
    return re.sub(r"[^\w .\-\u3400-\u9fff]", "", raw).strip(" .-_")


_SELF_WORDS = {"i", "my", "our", "we", "the", "this", "it", "your", "you", "me"}


def _is_tag(raw: str) -> bool:
    """Whether a line-leading "X:" or "[X]" labels a voice rather than starting a sentence.

    "DAN:", "chatGPT:", "Normal Response:" are labels; "My developer: OpenAI" is a claim.
    """
    name = _clean_name(raw)
    words = name.split()
    if not words or len(words) > 3:
        return False
    if words[0].lower() in _SELF_WORDS or re.match(r"^[我你您]", name):
        return False
    return len(words) == 1 or all(w[:1].isupper() or w[:1].isdigit() for w in words) or _is_zh(name)


def _persona_names(response: str, prompt: str | None) -> set[str]:
    names: set[str] = set()
    for m in _TAG_LINE.finditer(response):
        raw = m.group("bracket") or m.group("plain") or ""
        name = _clean_name(raw)
        if _is_tag(raw) and name.lower() not in _LABELS and not name.isdigit():
            names.add(name)
    for m in re.finditer(r"(?:^|[.!?\n]\s*)As\s+([A-Z][\w\-]{1,24})\s*,", response):
        names.add(m.group(1))
    if prompt:
        p = normalise_text(prompt)
        for m in _PROMPT_PERSONA.finditer(p):
            names.add(_clean_name(m.group(1)))
        for m in _PROMPT_TAG.finditer(p):
            name = _clean_name(m.group(1))
            if name and name.lower() not in _LABELS and not name.lower().startswith("insert"):
                names.add(name)
    return {n for n in names if n and n not in _NOT_PERSONA and len(n) >= 2}


def _strip_tags(text: str) -> str:
    # A persona label ("[DAN]:", "(🤖ChatGPT)", "AX1:") says which voice speaks, not who the
    # model is; the claim, if any, is in what follows.
    def repl(m: re.Match[str]) -> str:
        raw = m.group("bracket") or m.group("plain") or ""
        if not _is_tag(raw):
            return m.group(0)
        return m.group("lead") + " " * (len(m.group(0)) - len(m.group("lead")))
    return _TAG_LINE.sub(repl, text)


# A line-leading voice label however it is dressed: "(🔒Normal Output)", "[🔓JAILBREAK]",
# "**DAN Response:**", "Conventional AI:", "🔒CLASSIC:".
_VOICE_LINE = re.compile(
    r"^[ \t>#]*(?:\*\*|__)?[^\w\s\[(【*\-]{0,4}\s*(?:[\[(【]\s*[^\w\s]{0,4}\s*(?P<bracket>[^\]\)】\n]{1,40}?)\s*[\])】]"
    r"|(?P<plain>[A-Za-z\u3400-\u9fff][\w .'\-\u3400-\u9fff]{0,30}?)\s*(?:\*\*|__)?\s*[:：])", re.M)
_VOICE_SUFFIX = re.compile(r"(?:['’]s)?\s+(?:response|output|answer|reply)$", re.I)


def _answer_voices(text: str, prompt: str | None) -> set[str]:
    """The voices the prompt asked for that the answer speaks in, by their labels.

    A jailbreak that asks for two answers ("(🔒Normal Output)" and "(🔓Developer Mode
    Output)") gets two voices: what one says about its maker does not settle what the other
    says. A label the prompt never names ("Note:", "First question:") is not a voice, nor is
    a list item ("* Google Research:"). Without the prompt, persona-like labels count.
    """
    asked = normalise_text(prompt).lower() if prompt else None
    voices: set[str] = set()
    for m in _VOICE_LINE.finditer(text):
        raw = (m.group("bracket") or m.group("plain") or "").strip(" :：*_")
        label = _VOICE_SUFFIX.sub("", raw).strip()
        if not label or len(label) > 30:
            continue
        key = label.lower()
        if asked is None:
            # Without the prompt, a label that reads as a persona's tag is taken for a voice.
            found = _is_tag(raw) and raw.lower() not in _LABELS and key not in _LABELS
        elif _is_zh(key):
            found = key in asked
        else:
            found = re.search(rf"(?<![\w]){re.escape(key)}(?![\w])", asked) is not None
        if found:
            voices.add(key)
    return voices


# ---------------------------------------------------------------- quotes, hypotheticals

_QUOTES = re.compile(
    r'"(?P<d>[^"\n]{1,400})"|“(?P<d2>[^”\n]{1,400})”|「(?P<c1>[^」\n]{1,400})」|『(?P<c2>[^』\n]{1,400})』'
    r"|(?<![\w])'(?P<s>(?:[^'\n]|(?<=[A-Za-z])'(?=[A-Za-z])){2,300}?)'(?![A-Za-z])")
_REPORTING = re.compile(
    r"(?:\b(?:said|says|say|saying|told|tells|replied|replies|wrote|writes|asked|asks|answered|"
    r"answers|claimed|claims|claim|stated|states|declared|announced|responded|respond|reply|"
    r"would\s+(?:say|answer|respond|reply|claim)|might\s+(?:say|answer)|could\s+say|phrase|sentence|"
    r"words?|statement|quote|quoted|translat\w*|means?|meaning|e\.g\.|for\s+example|for\s+instance|"
    r"such\s+as|like|reads?|message|text|example|lines?|slogan|tagline|script|dialogue|output|"
    r"prints?|returns?|type|typed|greeting|introduce\w*|as)\b|[说称道问答写]|表示|写道|回答|声称|例如|"
    r"比如|翻译|译为|意思是|句子|台词)\s*[:：,，]?\s*$", re.I)
_THIRD_PERSON = re.compile(r"\b(?:he|she|they|someone|people|users?|it|who)\b|他|她|他们|有人|用户", re.I)

_HYPO_EN = re.compile(
    r"\b(?:if|suppose|supposing|imagine|imagining|assume|assuming|pretend(?:ing)?|what\s+if|as\s+if|"
    r"even\s+if|say)\s+(?:that\s+|for\s+a\s+moment\s+(?:that\s+)?)?(?:I|I'm|I\s+am|I\s+were|I\s+was|"
    r"me|my|we)\b|\bwere\s+I\b|\bhypothetical(?:ly)?\b|\blet'?s\s+(?:say|pretend|imagine|suppose)\b|"
    r"\bin\s+(?:a|an|this|that)\s+(?:hypothetical|fictional|imaginary|alternate|parallel)\b|"
    r"\bwould\s+(?:say|claim|answer|respond|reply)\b|\bcould\s+be\s+(?:mistaken|confused)\b", re.I)
_HYPO_ZH = re.compile(
    r"(?:假如|如果|假设|要是|倘若|假若|设想|想象一下|想象|假装|若是|假使|万一)(?:说)?(?:我|自己|本AI)|"
    r"(?:假设|假如|如果)(?:的)?(?:情境|场景|情况)")


_FENCED = re.compile(r"```[^\n`]*\n.*?(?:```|$)", re.S)


# "[Insert relevant organization, e.g., OpenAI]", "[插入公司名称，例如OpenAI]": a blank for
# someone to fill, with an example in it, not the model's own words.
_PLACEHOLDER = re.compile(r"\[\s*(?:insert|enter|add|your|e\.g\.|such\s+as|插入|填写|填入|此处|例如)[^\]\n]{0,120}\]",
                          re.I)


def _blank_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)


def _blank_fenced(text: str) -> str:
    """Blank fenced code blocks: code and drafted text ("here is a revised version: ```...```")
    are written for someone else to say, like quoted speech. Newlines stay, so sentences
    around a block do not run together."""
    return _FENCED.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


# "你提到的“您使用的核心技术”", "the "your developer" you mentioned": the user's words, however short.
_ECHO_BEFORE = re.compile(
    r"(?:你|您)(?:所)?(?:提到|提及|说|问|问到|所说|指)的(?:那个|这个)?\s*$"
    r"|\byou\s+(?:mentioned|asked\s+about|referred\s+to|said|wrote)\s*[:,]?\s*$", re.I)


_ZH_NAMING_BEFORE = re.compile(r"(?:名为|叫做|名叫|叫|称为|号称)\s*$")


def _blank_quotes(text: str) -> str:
    """Blank out what others said inside quotes; keep quoted names ("I am "Nova"")."""
    out = list(text)
    for m in _QUOTES.finditer(text):
        content = next(g for g in m.groups() if g is not None)
        before = re.split(r"[.!?。！？\n]", text[max(0, m.start() - 80):m.start()])[-1]
        size = len(content) // 3 if _is_zh(content) else len(content.split())
        if _ECHO_BEFORE.search(before):
            for i in range(m.start(), m.end()):
                if out[i] != "\n":
                    out[i] = " "
            continue
        if size <= 3:
            # A quoted name or term ("my "creation company" is X") reads as if unquoted. Chinese
            # puts no space around a name: in "一家名为“无界科技”的公司" the marks go (a space
            # would end the maker at "一家名为"); elsewhere ("我的“团队”是...") a space keeps a
            # term apart from the words around it.
            joined = bool(_ZH_NAMING_BEFORE.search(before))
            out[m.start()] = "" if joined else " "
            out[m.end() - 1] = "" if joined else " "
            continue
        if _REPORTING.search(before) or (before.strip() and _THIRD_PERSON.search(before)):
            for i in range(m.start(), m.end()):
                if out[i] != "\n":
                    out[i] = " "
    return "".join(out)


# NFKC turns the Chinese full stop's neighbours (！？；) into ASCII, which then needs no space.
_SENTENCE = re.compile(rf"(?<=[.!?])\s+|(?<=[!?;])(?=[{_HAN}])|(?<=[。！？；;])|\n+|(?<=\S)\s*[•·]\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


# ---------------------------------------------------------------- windows

_CUT_EN = re.compile(
    r";|,\s*(?:and|so|yet)\s+(?=(?:I|I'm|my|we|it|they|he|she|you|this|there)\b)"
    r"|,\s*(?=(?:I|I'm|I've|my|we|they|he|she|it)\s)"
    # "I am not associated with OpenAI and I operate under X": a new clause, its own polarity.
    r"|\s+(?:and|so)\s+(?=(?:I|I'm|I've|my|we)\s)"
    r"|,?\s(?:but|however|although|though|whereas|while|because|unlike|compared|when|if|so\s+that|"
    r"which|that|who|whose|where)\b", re.I)
_CUT_ZH = re.compile(
    r"[;；。]|,(?=但|而且|并且|同时|因此|所以|因为|虽然|如果|他们|它们|这些|那些|我们)|但是|然而|不过|因为|如果"
    r"|(?:而且|并且|同时)(?=我)")


def _window(sentence: str, start: int, zh: bool, limit: int) -> str:
    rest = sentence[start:start + limit]
    neg_re = _NEG_ZH if zh else _NEG_EN
    for cut in (_CUT_ZH if zh else _CUT_EN).finditer(rest):
        if cut.start() == 0:
            continue
        # "not X, but Y" / "不是X，而是Y": the contrast carries the real claim on.
        if re.match(r",?\s*(?:but|而是|但是|但)", cut.group(0), re.I) and neg_re.search(rest[:cut.start()]):
            continue
        return rest[:cut.start()]
    return rest
