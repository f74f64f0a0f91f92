"""Import of the results released with the ICE paper (arXiv 2501.12619).

Release format, as found in the authors' files:

* ``{judge}_{source}_{target}.jsonl``: one JSON object per answer with ``jailbreak_prompt``
  (a template, with a ``{query}`` slot or the question appended after it), ``query``,
  ``target_responses`` (a list; the first element is the answer) and ``eval_results``
  (bool: the loose verdict of the authors' judge).
* ``{source}_{target}_{score}.csv`` (optional): the strict positives only, with columns
  ``jailbreak_prompt,query,target_responses,eval_results,re_judge``. Its
  ``target_responses`` column holds the Python ``repr`` of the list, not JSON, and its
  cells keep the same whitespace as the JSONL (queries end in stray spaces).

Hard uses the fixed term list of the paper, matched as case-insensitive substrings of
template plus question, because that is how the published hard figures were computed.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from probes.assets import iter_jsonl_objects
from probes.ice.questions import infer_category, infer_lang
from probes.ice.scores import ScoreItem, ice_scores
from probes.ice.templates import fill

PUBLISHED_CLAIMED_TERMS: tuple[str, ...] = ("openai", "chatgpt", "gpt", "claude", "anthropic")
REQUIRED_KEYS = ("jailbreak_prompt", "query", "target_responses", "eval_results")


class PublishedFormatError(ValueError):
    """A release file that cannot be read; the message names file, line and the fix."""


@dataclass
class PublishedRow:
    line: int
    template: str
    query: str
    response: str
    loose: bool
    strict: bool = False
    lang: str = "en"
    category: str = "unknown"
    template_id: str = ""

    @property
    def prompt(self) -> str:
        return fill(self.template, self.query)

    @property
    def hard(self) -> bool:
        return self.strict and not _mentions_terms(self.template + "\n" + self.query)

    def score_item(self) -> ScoreItem:
        return ScoreItem(
            prompt=self.template + "\n" + self.query, category=self.category, lang=self.lang,
            template_id=self.template_id, loose=self.loose, strict=self.strict,
            claimed=list(PUBLISHED_CLAIMED_TERMS), hard_terms=list(PUBLISHED_CLAIMED_TERMS))


@dataclass
class PublishedRun:
    target: str
    judge: str | None
    source: str | None
    results_path: Path
    strict_path: Path | None
    rows: list[PublishedRow] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)

    def score_items(self) -> list[ScoreItem]:
        return [r.score_item() for r in self.rows]

    def scores(self) -> dict[str, Any]:
        return ice_scores(self.score_items())


def _mentions_terms(text: str) -> bool:
    low = text.lower()
    return any(t in low for t in PUBLISHED_CLAIMED_TERMS)


_RESULTS_NAME = re.compile(r"^(?P<judge>[^_]+)_(?P<source>[^_]+)_(?P<target>.+)$")
_STRICT_NAME = re.compile(r"^(?P<source>[^_]+)_(?P<target>.+)_(?P<score>\d+(?:\.\d+)?)$")


def parse_results_name(path: str | Path) -> tuple[str | None, str | None, str]:
    """(judge, source, target) from ``{judge}_{source}_{target}.jsonl``.

    Model names may themselves hold underscores, so judge and source take one field each
    and the target keeps the rest; a name without two underscores is all target.
    """
    stem = Path(path).name
    for ext in (".jsonl", ".json"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    m = _RESULTS_NAME.match(stem)
    if not m:
        return None, None, stem
    return m.group("judge"), m.group("source"), m.group("target")


def target_from_filename(path: str | Path) -> str:
    return parse_results_name(path)[2]


def find_strict_csv(results_path: str | Path) -> Path | None:
    """The strict CSV that sits beside a results file (``{source}_{target}_{score}.csv``)."""
    results_path = Path(results_path)
    _, _, target = parse_results_name(results_path)
    named: list[tuple[str, Path]] = []
    for cand in sorted(results_path.parent.glob("*.csv")):
        m = _STRICT_NAME.match(cand.stem)
        if m and m.group("target") == target:
            return cand
        if m:
            named.append((_name_key(m.group("target")), cand))
    # The release spells some models differently in its two files ("gemini-2.0-flash-exp" beside
    # "gemini-2.0-flash", "llama3.1-70b" beside "llama-3.1-70b"): accept the one CSV whose name
    # matches once punctuation is dropped, or whose name the other starts with.
    key = _name_key(target)
    near = [cand for k, cand in named if k == key] or \
        [cand for k, cand in named if k and (key.startswith(k) or k.startswith(key))]
    return near[0] if len(near) == 1 else None


def _name_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _as_bool(value: object, where: str, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise PublishedFormatError(f"{where}: '{key}' must be true or false, got {value!r}")


def _first_response(value: object, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value:
            return ""
        first = value[0]
        if isinstance(first, str):
            return first
        if isinstance(first, dict) and isinstance(first.get("content"), str):
            return str(first["content"])  # checked to be a str above
    raise PublishedFormatError(
        f"{where}: 'target_responses' must be a list of strings, got {type(value).__name__}")


def parse_results_jsonl(path: str | Path) -> list[PublishedRow]:
    path = Path(path)
    rows: list[PublishedRow] = []
    for lineno, where, obj in iter_jsonl_objects(
            path, PublishedFormatError, encoding="utf-8-sig", missing="no such file",
            hint="; each line must be one JSON object"):
        missing = [k for k in REQUIRED_KEYS if k not in obj]
        if missing:
            raise PublishedFormatError(f"{where}: missing key(s) {', '.join(missing)}; "
                                       f"each row needs {', '.join(REQUIRED_KEYS)}")
        for key in ("jailbreak_prompt", "query"):
            if not isinstance(obj[key], str):
                raise PublishedFormatError(f"{where}: '{key}' must be a string")
        rows.append(PublishedRow(
            line=lineno, template=obj["jailbreak_prompt"], query=obj["query"],
            response=_first_response(obj["target_responses"], where),
            loose=_as_bool(obj["eval_results"], where, "eval_results")))
    if not rows:
        raise PublishedFormatError(f"{path.name}: no rows; expected one JSON object per line")
    return rows


@dataclass
class StrictRow:
    line: int
    template: str
    query: str
    response: str | None
    strict: bool


def _csv_response(cell: str) -> str | None:
    cell = cell.strip()
    if not cell:
        return None
    for loader in (ast.literal_eval, json.loads):
        try:
            value = loader(cell)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, list):
            return value[0] if value and isinstance(value[0], str) else ""
        if isinstance(value, str):
            return value
    return cell


def parse_strict_csv(path: str | Path) -> list[StrictRow]:
    path = Path(path)
    if not path.is_file():
        raise PublishedFormatError(f"{path}: no such file")
    # Answers run to thousands of characters; the default field limit (128 KiB) is enough
    # for the release but raise it in case of longer ones.
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    out: list[StrictRow] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        need = ("jailbreak_prompt", "query")
        if not all(k in header for k in need):
            raise PublishedFormatError(
                f"{path.name} line 1: header must include jailbreak_prompt,query (found "
                f"{','.join(header) or 'nothing'})")
        reader.fieldnames = header
        end = reader.line_num
        for row in reader:
            # Cells hold newlines, so a record spans lines; report the line it starts on.
            lineno, end = end + 1, reader.line_num
            where = f"{path.name} line {lineno}"
            if row.get("jailbreak_prompt") is None or row.get("query") is None:
                raise PublishedFormatError(f"{where}: row has fewer columns than the header")
            verdict = row.get("re_judge")
            if verdict is None or verdict.strip() == "":
                verdict = row.get("eval_results") or "true"
            strict = _as_bool(verdict, where, "re_judge")
            out.append(StrictRow(line=lineno, template=row["jailbreak_prompt"], query=row["query"],
                                 response=_csv_response(row.get("target_responses") or ""),
                                 strict=strict))
    return out


def _norm(text: str) -> str:
    return " ".join(text.replace("\r\n", "\n").split())


def _mark_strict(rows: list[PublishedRow], strict_rows: list[StrictRow], strict_name: str) -> None:
    index: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        index.setdefault((_norm(r.template), _norm(r.query)), []).append(i)
    taken: set[int] = set()
    for s in strict_rows:
        cands = [i for i in index.get((_norm(s.template), _norm(s.query)), []) if i not in taken]
        if not cands:
            raise PublishedFormatError(
                f"{strict_name} line {s.line}: no row of the results file has this "
                "jailbreak_prompt and query; is the CSV from the same run?")
        # The same template and question can occur twice in a run: the answer decides.
        if len(cands) > 1 and s.response is not None:
            same = [i for i in cands if _norm(rows[i].response) == _norm(s.response)]
            cands = same or cands
        i = cands[0]
        taken.add(i)
        if s.strict:
            rows[i].strict = True


def load_published(results_path: str | Path, strict_path: str | Path | None = None,
                   target: str | None = None) -> PublishedRun:
    """Read a released results file and, optionally, its strict CSV."""
    results_path = Path(results_path)
    judge, source, file_target = parse_results_name(results_path)
    rows = parse_results_jsonl(results_path)
    templates: list[str] = []
    tid: dict[str, str] = {}
    for r in rows:
        if r.template not in tid:
            tid[r.template] = f"pub-{len(tid) + 1:03d}"
            templates.append(r.template)
        r.template_id = tid[r.template]
        r.lang = infer_lang(r.query)
        r.category = infer_category(r.query)
    sp = Path(strict_path) if strict_path else None
    if sp is not None:
        _mark_strict(rows, parse_strict_csv(sp), sp.name)
    return PublishedRun(target=target or file_target, judge=judge, source=source,
                        results_path=results_path, strict_path=sp, rows=rows,
                        templates=templates)


__all__ = [
    "PUBLISHED_CLAIMED_TERMS", "PublishedFormatError", "PublishedRow", "PublishedRun",
    "StrictRow", "find_strict_csv", "load_published", "parse_results_jsonl",
    "parse_results_name", "parse_strict_csv", "target_from_filename",
]
