"""Teacher prompts for EvoKD, short on purpose.

Offline teachers are small (135M-1.5B parameters): long instructions drown them, so every
prompt is a few lines and names the label set. Answers are JSON with a schema (``*_schema``),
sent as the OpenAI-style ``response_format``; llama.cpp enforces it with a grammar, other
servers may ignore it, so the parsers in ``parsers.py`` accept far looser answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

# Texts quoted back to the teacher are cut: analysis prompts stay short for small models.
QUOTE_CHARS = 160
ANALYSIS_CHARS = 500
HISTORY_ROUNDS = 3  # earlier rounds the teacher is reminded of
HISTORY_CHARS = 160


@dataclass(frozen=True)
class TaskInfo:
    """What the teacher is told about the task."""

    task: str  # classification | ner
    labels: list[str]  # class names, or entity types for NER
    description: str  # e.g. "BBC news articles, one topic each"

    def label_list(self) -> str:
        return ", ".join(self.labels)

    def header(self) -> str:
        if self.task == "ner":
            return (f"Task: find named entities in {self.description}. "
                    f"Entity types: {self.label_list()}.")
        return f"Task: label {self.description} as one of: {self.label_list()}."


@dataclass(frozen=True)
class Mistake:
    text: str
    gold: str
    predicted: str


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " ..."
    return text.replace('"', "'")


def user(content: str) -> list[dict]:
    return [{"role": "user", "content": content}]


@dataclass(frozen=True)
class RoundNote:
    """What the teacher is reminded of about an earlier round."""

    round: int
    correct: int  # the student's right answers on that round's fresh samples (before training)
    total: int
    analysis: str


def history_lines(history: Sequence[RoundNote], limit: int = HISTORY_ROUNDS) -> list[str]:
    """A short history of the earlier rounds: the score on fresh samples and the analysis."""
    notes = list(history)[-limit:]
    if not notes:
        return []
    lines = ["Earlier rounds (the student's score on that round's new texts, before training on them):"]
    for n in notes:
        score = f"{n.correct}/{n.total} right" if n.total else "no new texts"
        lines.append(f"- round {n.round}: {score}. Analysis: {quote(n.analysis, HISTORY_CHARS) or '(none)'}")
    return lines


def error_rate_lines(error_rates: dict[str, tuple[int, int]]) -> list[str]:
    """Per class: how many of the fresh samples of that (teacher) label the student got wrong."""
    if not error_rates:
        return []
    parts = [f"{label} {wrong}/{total} wrong" for label, (wrong, total) in error_rates.items() if total]
    return ["Error rate per class on these new texts: " + "; ".join(parts) + "."]


def analysis_prompt(info: TaskInfo, wrong: Sequence[Mistake], correct: Sequence[Mistake],
                    error_rates: dict[str, tuple[int, int]] | None = None,
                    history: Sequence[RoundNote] = (), fresh: int = 0) -> list[dict]:
    """Ask for a short weakness analysis from the student's mistakes on this round's *fresh*
    samples: texts it had never trained on, labelled by the teacher."""
    lines = [info.header(), *history_lines(history),
             f"A small student model labelled {fresh or len(wrong) + len(correct)} new texts "
             "before training on them."]
    if wrong:
        lines.append("It got these wrong (text; correct label; student's label):")
        lines += [f'- "{quote(m.text)}"; {m.gold}; {m.predicted}' for m in wrong]
    else:
        lines.append("It got every new text right.")
    if correct:
        lines.append("It got these right:")
        lines += [f'- "{quote(m.text)}" is {m.gold}' for m in correct]
    lines += error_rate_lines(error_rates or {})
    lines.append("In two or three sentences: which labels does the student confuse, and what kind of "
                 "texts should it practise next?")
    return user("\n".join(lines))


def _wants(n: int, info: TaskInfo) -> str:
    if info.task == "ner":
        return (f"Write {n} new short sentences (some with named entities, some with none), "
                "one or two sentences each.")
    # Written as the texts themselves: a 0.5B teacher otherwise wrote about them ("The BBC news
    # article about ... is labeled as 'business'"), leaking the label into the text.
    return (f"Write {n} new short {info.description}, one or two sentences each, written as the "
            "texts themselves. Never name the label in a text.")


def hard_prompt(info: TaskInfo, n: int, analysis: str, focus: Sequence[str],
                history: Sequence[RoundNote] = ()) -> list[dict]:
    """New texts aimed at the weaknesses named in ``analysis``, each with its intended label."""
    lines = [info.header(), *history_lines(history)]
    if analysis.strip():
        lines.append(f"Latest analysis of the student (a note for you, not a text to copy): "
                     f"{quote(analysis, ANALYSIS_CHARS)}")
    lines.append(_wants(n, info) + " Make them hard for this student: aimed at what it gets wrong.")
    if focus:
        lines.append(f"Focus on: {', '.join(focus)}.")
    lines.append(_format(info))
    return user("\n".join(lines))


def easy_prompt(info: TaskInfo, n: int, focus: Sequence[str], history: Sequence[RoundNote] = ()
                ) -> list[dict]:
    """Clear, typical texts near the weaknesses, that keep the basics in the training data."""
    lines = [info.header(), _wants(n, info) + " Make them clear and typical."]
    if focus:
        lines.append(f"Cover: {', '.join(focus)}.")
    lines.append(_format(info))
    return user("\n".join(lines))


def static_prompt(info: TaskInfo, n: int, focus: Sequence[str]) -> list[dict]:
    """The non-adaptive baseline: the same request with no analysis, history or feedback."""
    lines = [info.header(), _wants(n, info) + " Make them varied."]
    if focus:
        lines.append(f"Cover: {', '.join(focus)}.")
    lines.append(_format(info))
    return user("\n".join(lines))


def _format(info: TaskInfo) -> str:
    if info.task == "ner":
        return ('Answer with JSON: {"samples": [{"text": "...", "entities": '
                '[{"text": "...", "type": "..."}]}]} (entities: every name in the text, [] if none).')
    return ('Answer with JSON: {"samples": [{"text": "...", "label": "..."}]}, '
            'each label the one the text is meant to have.')


def label_prompt(info: TaskInfo, text: str) -> list[dict]:
    """Label one text (classification) or list its entities (NER)."""
    if info.task == "ner":
        return user(f"{info.header()}\nSentence: \"{quote(text, 600)}\"\n"
                    'List its entities as JSON: {"entities": [{"text": "...", "type": "..."}]} '
                    '([] if it has none).')
    return user(f"Text: \"{quote(text, 600)}\"\n"
                f"Which label fits this text: {info.label_list()}?\n"
                'Answer with JSON: {"label": "..."}.')


# -- JSON schemas (OpenAI-style response_format; a grammar enforces them on llama.cpp) --------
def response_format(name: str, schema: dict) -> dict:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def _entities_schema(info: TaskInfo) -> dict:
    return {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["text", "type"],
        "properties": {"text": {"type": "string"}, "type": {"type": "string", "enum": list(info.labels)}}}}


def generation_schema(info: TaskInfo, n: int) -> dict:
    """{"samples": [n items of text + intended label (or entities)]}."""
    if info.task == "ner":
        item = {"type": "object", "additionalProperties": False, "required": ["text", "entities"],
                "properties": {"text": {"type": "string"}, "entities": _entities_schema(info)}}
    else:
        item = {"type": "object", "additionalProperties": False, "required": ["text", "label"],
                "properties": {"text": {"type": "string"},
                               "label": {"type": "string", "enum": list(info.labels)}}}
    return response_format("samples", {
        "type": "object", "additionalProperties": False, "required": ["samples"],
        "properties": {"samples": {"type": "array", "items": item, "minItems": 1, "maxItems": n}}})


def label_schema(info: TaskInfo) -> dict:
    """One label from the enum of label names, or the entities of a sentence."""
    if info.task == "ner":
        return response_format("entities", {
            "type": "object", "additionalProperties": False, "required": ["entities"],
            "properties": {"entities": _entities_schema(info)}})
    return response_format("label", {
        "type": "object", "additionalProperties": False, "required": ["label"],
        "properties": {"label": {"type": "string", "enum": list(info.labels)}}})
