"""Teacher prompts for EvoKD, short on purpose.

The default teacher is a 135M-parameter model: long instructions drown it, so every prompt
is a few lines, names the label set, and asks for the simplest possible answer format
(a JSON list of strings; one label word; a JSON object of entities). Larger teachers follow
the same prompts well. The parsers in ``parsers.py`` accept far looser answers than these
prompts ask for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

# Texts quoted back to the teacher are cut: analysis prompts stay short for small models.
QUOTE_CHARS = 160
ANALYSIS_CHARS = 500


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


def analysis_prompt(info: TaskInfo, wrong: Sequence[Mistake], correct: Sequence[Mistake]) -> list[dict]:
    """Ask for a short weakness analysis from the student's wrong (and right) answers."""
    lines = [info.header(), "A small student model was tested."]
    if wrong:
        lines.append("It got these wrong:")
        lines += [f'- "{quote(m.text)}" is {m.gold}, student said {m.predicted}' for m in wrong]
    else:
        lines.append("It got every test text right.")
    if correct:
        lines.append("It got these right:")
        lines += [f'- "{quote(m.text)}" is {m.gold}' for m in correct]
    lines.append("In two or three sentences: what does the student confuse, and what kind of "
                 "texts should it practise?")
    return user("\n".join(lines))


def _wants(n: int, info: TaskInfo) -> str:
    what = "sentences that mention named entities" if info.task == "ner" else "texts"
    return f"Write {n} new short {what} (one or two sentences each)."


def hard_prompt(info: TaskInfo, n: int, analysis: str, focus: Sequence[str],
                with_labels: bool = False) -> list[dict]:
    """New texts aimed at the weaknesses named in ``analysis``."""
    lines = [info.header()]
    if analysis.strip():
        lines.append(f"Weakness of the student: {quote(analysis, ANALYSIS_CHARS)}")
    lines.append(_wants(n, info) + " Make them hard for this student, about what it gets wrong.")
    if focus:
        lines.append(f"Focus on: {', '.join(focus)}.")
    lines.append(_format(info, with_labels))
    return user("\n".join(lines))


def easy_prompt(info: TaskInfo, n: int, focus: Sequence[str], with_labels: bool = False) -> list[dict]:
    """Clear, typical texts that keep the basics in the student's training data."""
    lines = [info.header(), _wants(n, info) + " Make them clear and typical."]
    if focus:
        lines.append(f"Cover: {', '.join(focus)}.")
    lines.append(_format(info, with_labels))
    return user("\n".join(lines))


def static_prompt(info: TaskInfo, n: int, focus: Sequence[str], with_labels: bool = False) -> list[dict]:
    """The non-adaptive baseline: the same request with no analysis and no feedback."""
    lines = [info.header(), _wants(n, info) + " Make them varied."]
    if focus:
        lines.append(f"Cover: {', '.join(focus)}.")
    lines.append(_format(info, with_labels))
    return user("\n".join(lines))


def _format(info: TaskInfo, with_labels: bool) -> str:
    if with_labels and info.task == "ner":
        return ('Answer with a JSON list like [{"text": "...", "entities": {"TYPE": ["..."]}}].')
    if with_labels:
        return 'Answer with a JSON list like [{"text": "...", "label": "..."}].'
    return 'Answer with a JSON list of strings: ["...", "..."].'


def label_prompt(info: TaskInfo, text: str) -> list[dict]:
    """Label one text (classification) or list its entities (NER)."""
    if info.task == "ner":
        return user(f"{info.header()}\nSentence: \"{quote(text, 600)}\"\n"
                    'List its entities as JSON: {"TYPE": ["entity", ...]}.')
    return user(f"Text: \"{quote(text, 600)}\"\n"
                f"Which label fits this text: {info.label_list()}?\n"
                "Answer with the label only.")


def score_prompt(info: TaskInfo, text: str) -> list[dict]:
    """For scoring each label's likelihood: the answer starts right after this prompt.

    Question first, text last: with SmolLM2-135M this order labelled bbc-news articles
    better than the labelling-call prompt (48% against 37% on 80 test articles).
    """
    return user(f"What is the topic of this text? Choose one of: {info.label_list()}.\n\n"
                f"Text: {quote(text, 400)}")
