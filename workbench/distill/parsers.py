"""Forgiving parsers of teacher answers.

Small teachers wrap JSON in prose, fence it in Markdown, nest it in objects, leave it
unfinished, or skip it for a numbered list. Each parser tries strict JSON first, then
looser readings, and returns nothing rather than raising: a caller records an unparseable
answer as a dropped sample with a reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

MIN_WORDS = 3
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.){8,})"')
_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\(?\d{1,3}[.):]|[A-Za-z]?\d{0,2}\s*[.):]|(?:text|sentence|example)\s*\d*\s*[:.-])\s*",
                     re.I)
_PREAMBLE = re.compile(r"^(?:here (?:are|is)|sure|certainly|ok(?:ay)?|of course|"
                       r"i(?: am|'m)? (?:have|will|can|cannot|can't|am unable|unable|sorry)|sorry|"
                       r"as an ai|below|the following|these are)\b", re.I)
# Keys whose values are the texts themselves in an object answer.
_TEXT_KEYS = ("text", "sentence", "content", "example", "texts", "sentences", "examples", "data", "items")
_LABEL_KEYS = ("label", "labels", "topic", "category", "class", "answer")
_TOKEN = re.compile(r"\w+(?:[-'.&]\w+)*|[^\w\s]", re.U)


@dataclass(frozen=True)
class Labelled:
    """A generated text with the label the teacher attached (no-separation ablation)."""

    text: str
    label: str | None
    entities: tuple[tuple[str, str], ...] = ()


# -- JSON extraction ------------------------------------------------------------------------
def _json_candidates(raw: str) -> list[Any]:
    """Every JSON value that can be read out of ``raw``, best first."""
    found: list[Any] = []
    pieces = [m.group(1) for m in _FENCE.finditer(raw)] + [raw]
    for piece in pieces:
        piece = piece.strip()
        try:
            found.append(json.loads(piece))
            continue
        except (json.JSONDecodeError, ValueError):
            pass
        for opener, closer in (("[", "]"), ("{", "}")):
            start = piece.find(opener)
            if start < 0:
                continue
            end = piece.rfind(closer)
            if end > start:
                try:
                    found.append(json.loads(piece[start:end + 1]))
                    continue
                except (json.JSONDecodeError, ValueError):
                    pass
            repaired = _repair_truncated(piece[start:])
            if repaired is not None:
                found.append(repaired)
    return found


def _repair_truncated(text: str) -> Any | None:
    """Close an answer cut off by max_tokens: drop the unfinished item, close brackets."""
    for cut in range(len(text), 0, -1):
        if text[cut - 1] not in ",]}\"":
            continue
        head = text[:cut].rstrip().rstrip(",")
        stack: list[str] = []
        in_str = esc = False
        for ch in head:
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch in "[{":
                stack.append("]" if ch == "[" else "}")
            elif ch in "]}" and stack:
                stack.pop()
        if in_str:
            continue
        try:
            return json.loads(head + "".join(reversed(stack)))
        except (json.JSONDecodeError, ValueError):
            continue
    return None


def _walk_strings(value: Any) -> Iterable[str]:
    """Texts in a JSON value: strings in lists, and the text-ish fields of objects."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)
    elif isinstance(value, dict):
        keys = {k.lower(): k for k in value}
        picked = [keys[k] for k in _TEXT_KEYS if k in keys]
        if picked:
            for k in picked:
                yield from _walk_strings(value[k])
        else:
            for v in value.values():
                yield from _walk_strings(v)


def _clean_text(text: str) -> str:
    text = " ".join(str(text).split())
    text = _BULLET.sub("", text, count=1) if _BULLET.match(text) else text
    return text.strip().strip('"').strip("'").strip()


def _enough_words(text: str, min_words: int = MIN_WORDS) -> bool:
    return len(text.split()) >= min_words


# -- generated texts ------------------------------------------------------------------------
def parse_texts(raw: str, min_words: int = MIN_WORDS) -> list[str]:
    """The generated texts in an answer: JSON list, quoted strings, or list lines."""
    raw = raw or ""
    for value in _json_candidates(raw):
        texts = [_clean_text(s) for s in _walk_strings(value)]
        texts = [t for t in texts if _enough_words(t, min_words)]
        if texts:
            return _unique(texts)
    quoted = [_clean_text(m.group(1)) for m in _QUOTED.finditer(raw)]
    quoted = [q for q in quoted if _enough_words(q, min_words) and ":" not in q[:12]]
    if quoted:
        return _unique(quoted)
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith(("{", "}", "[", "]", "```")):
            continue
        if _PREAMBLE.match(line) or (line.endswith(":") and len(line.split()) < 12):
            continue
        text = _clean_text(line)
        if _enough_words(text, min_words):
            lines.append(text)
    return _unique(lines)


def parse_labelled(raw: str, labels: Sequence[str], min_words: int = MIN_WORDS) -> list[Labelled]:
    """Texts with their labels when one call writes both (the no-separation ablation)."""
    out: list[Labelled] = []
    for value in _json_candidates(raw or ""):
        value = _unwrap_list(value)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                keys = {k.lower(): k for k in item}
                text_key = next((keys[k] for k in ("text", "sentence", "content", "example") if k in keys), None)
                if text_key is None:
                    continue
                text = _clean_text(item[text_key])
                if not _enough_words(text, min_words):
                    continue
                label_key = next((keys[k] for k in _LABEL_KEYS if k in keys), None)
                label = parse_label(str(item[label_key]), labels) if label_key else None
                ents: tuple[tuple[str, str], ...] = ()
                if "entities" in keys:
                    found = parse_entities_answer(json.dumps({"entities": item[keys["entities"]]}), labels)
                    if found is None:
                        continue
                    ents = tuple(found)
                    label = "ner"  # the intended annotation, possibly no entities at all
                out.append(Labelled(text, label, ents))
            elif isinstance(item, str) and _enough_words(_clean_text(item), min_words):
                out.append(Labelled(_clean_text(item), None))
        if out:
            return out
    # "text - label" or "text (label)" lines.
    for text in parse_texts(raw, min_words):
        m = re.match(r"(.*?)[\s]*(?:[-–|:]\s*|\()\s*(\w[\w ]*)\)?\s*$", text)
        if m and parse_label(m.group(2), labels, strict=True):
            out.append(Labelled(m.group(1).strip(), parse_label(m.group(2), labels, strict=True)))
        else:
            out.append(Labelled(text, None))
    return out


def _unwrap_list(value: Any) -> Any:
    """{"samples": [...]} (the schema's shape) and similar one-key wrappers -> the list."""
    if isinstance(value, dict):
        keys = {k.lower(): k for k in value}
        for k in ("samples", "items", "data", "examples", "texts", "sentences"):
            if k in keys and isinstance(value[keys[k]], list):
                return value[keys[k]]
    return value


def _unique(texts: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in texts:
        key = t.lower()
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


# -- labels ---------------------------------------------------------------------------------
def _label_forms(label: str) -> list[str]:
    base = label.lower().strip()
    forms = {base, base.replace("_", " "), base.replace("-", " ")}
    if base.endswith("s") and len(base) > 3:
        forms.add(base[:-1])
    else:
        forms.add(base + "s")
    return sorted(forms, key=len, reverse=True)


def parse_label(raw: str, labels: Sequence[str], strict: bool = False) -> str | None:
    """The label an answer names: JSON field, exact word, plural/singular, or word prefix.

    When several labels appear, the earliest mention wins ("business, not politics").
    """
    raw = raw or ""
    for value in _json_candidates(raw):
        if isinstance(value, dict):
            keys = {k.lower(): k for k in value}
            for k in _LABEL_KEYS:
                if k in keys and isinstance(value[keys[k]], str):
                    hit = parse_label(value[keys[k]], labels, strict=True)
                    if hit:
                        return hit
        elif isinstance(value, str):
            hit = parse_label(value, labels, strict=True)
            if hit:
                return hit
    text = raw.lower()
    best: tuple[int, int, str] | None = None
    for label in labels:
        for form in _label_forms(label):
            m = re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text)
            if m and (best is None or (m.start(), -len(form)) < (best[0], best[1])):
                best = (m.start(), -len(form), label)
    if best is not None:
        return best[2]
    if strict:
        return None
    # A word that starts with a label's first five letters ("entertain", "technolog").
    for word in re.findall(r"[a-z][a-z-]{3,}", text):
        for label in labels:
            lab = label.lower()
            stem = lab[:5] if len(lab) >= 5 else lab
            if len(stem) >= 4 and (word.startswith(stem) or (lab.startswith(word) and len(word) >= 4)):
                return label
    return None


# -- NER ------------------------------------------------------------------------------------
_TYPE_ALIASES = {"PERSON": "PER", "PEOPLE": "PER", "NAME": "PER", "LOCATION": "LOC", "PLACE": "LOC",
                 "GPE": "LOC", "CITY": "LOC", "COUNTRY": "LOC", "ORGANIZATION": "ORG",
                 "ORGANISATION": "ORG", "COMPANY": "ORG", "MISCELLANEOUS": "MISC"}


def match_type(name: str, types: Sequence[str]) -> str | None:
    """An entity type named by the teacher, mapped onto the dataset's types."""
    key = re.sub(r"[^A-Za-z]", "", str(name)).upper()
    if not key:
        return None
    upper = {t.upper(): t for t in types}
    if key in upper:
        return upper[key]
    alias = _TYPE_ALIASES.get(key)
    if alias and alias in upper:
        return upper[alias]
    for t_up, t in upper.items():
        if len(key) >= 3 and (t_up.startswith(key[:3]) or key.startswith(t_up)):
            return t
    return None


def parse_entities(raw: str, types: Sequence[str]) -> list[tuple[str, str]]:
    """(entity text, type) pairs from ``{"TYPE": [...]}``, ``[{"text", "type"}]`` or lines."""
    raw = raw or ""
    out: list[tuple[str, str]] = []

    def add(text: Any, typ: Any) -> None:
        t = match_type(str(typ), types)
        s = " ".join(str(text).split()).strip(" \"'.,")
        if t and s and (s, t) not in out:
            out.append((s, t))

    for value in _json_candidates(raw):
        if isinstance(value, dict):
            if any(k.lower() in ("entities", "result") for k in value):
                inner = next(v for k, v in value.items() if k.lower() in ("entities", "result"))
                return parse_entities(json.dumps(inner), types)
            if {"text", "type"} <= {k.lower() for k in value}:
                keys = {k.lower(): k for k in value}
                add(value[keys["text"]], value[keys["type"]])
            else:
                for k, v in value.items():
                    for s in (v if isinstance(v, list) else [v]):
                        if isinstance(s, (str, int, float)):
                            add(s, k)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    keys = {k.lower(): k for k in item}
                    text_k = next((keys[k] for k in ("text", "entity", "name", "span") if k in keys), None)
                    type_k = next((keys[k] for k in ("type", "label", "tag", "category") if k in keys), None)
                    if text_k and type_k:
                        add(item[text_k], item[type_k])
                elif isinstance(item, list) and len(item) == 2:
                    add(item[0], item[1])
        if out:
            return out
    for line in raw.splitlines():
        line = _clean_text(line)
        m = re.match(r"^([A-Za-z]{2,15})\s*[:=-]\s*(.+)$", line)
        if m and match_type(m.group(1), types):
            for s in re.split(r"\s*[,;]\s*", m.group(2)):
                add(s, m.group(1))
            continue
        for m in re.finditer(r"([A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*)*)\s*[(\[]\s*([A-Za-z]{2,15})\s*[)\]]", line):
            add(m.group(1), m.group(2))
    return out


def parse_entities_answer(raw: str, types: Sequence[str]) -> list[tuple[str, str]] | None:
    """Entities of an answer; ``[]`` when it says the sentence has none (``{"entities": []}``,
    ``[]``, ``{}``), ``None`` when it cannot be read at all."""
    found = parse_entities(raw, types)
    if found:
        return found
    for value in _json_candidates(raw or ""):
        if value == [] or value == {}:
            return []
        if isinstance(value, dict):
            inner = next((v for k, v in value.items() if k.lower() in ("entities", "result")), None)
            if inner in ([], {}):
                return []
    if re.search(r"\b(?:no|none)\b.{0,20}\bentit", raw or "", re.I):
        return []
    return None


def tokenize(text: str) -> list[str]:
    """Words and punctuation: the token convention for generated NER sentences."""
    return _TOKEN.findall(text)


def spans_to_bio(tokens: Sequence[str], entities: Sequence[tuple[str, str]]) -> list[str] | None:
    """BIO tags for ``tokens`` marking *every* occurrence of each entity.

    Returns None when an entity does not occur in the sentence: the label is unreliable.
    An entity's occurrence that overlaps one already tagged (longer entities are placed
    first, so "New York City" wins over "York") is left to the longer one.
    """
    tags = ["O"] * len(tokens)
    lower = [t.lower() for t in tokens]
    for text, typ in sorted(entities, key=lambda e: -len(tokenize(e[0]))):
        span = [t.lower() for t in tokenize(text)]
        if not span:
            continue
        found = False
        for start in range(len(tokens) - len(span) + 1):
            if lower[start:start + len(span)] != span:
                continue
            found = True
            if all(t == "O" for t in tags[start:start + len(span)]):
                tags[start] = f"B-{typ}"
                for i in range(start + 1, start + len(span)):
                    tags[i] = f"I-{typ}"
        if not found:
            return None
    return tags
