"""RSE prompt sets: the built-in ones in ``assets/rse`` and any JSONL file in the same shape.

One JSON object a line, either ``{"id": ..., "prompt": "..."}`` (a single user turn) or
``{"id": ..., "messages": [{"role": ..., "content": ...}, ...]}`` (a conversation that
ends on a user turn). Other keys (``answer``, ``category``, ...) are kept in ``meta``.
Blank lines are skipped. A set's name is its file's stem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from probes.assets import asset_path

__all__ = [
    "SETS_DIR",
    "PromptSetError",
    "PromptItem",
    "PromptSet",
    "builtin_sets",
    "load_set",
    "parse_set",
]

SETS_DIR = asset_path("rse")

_ROLES = ("system", "user", "assistant")


class PromptSetError(ValueError):
    """A prompt set that cannot be loaded; the message names the file, line and the fix."""


@dataclass(frozen=True)
class PromptItem:
    """One prompt: a conversation to send as it is, ending on a user turn."""

    id: str
    turns: tuple[tuple[str, str], ...]  # (role, content), in order
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def messages(self) -> list[dict[str, str]]:
        """A fresh ``[{"role", "content"}, ...]`` list, safe for the caller to extend."""
        return [{"role": role, "content": content} for role, content in self.turns]

    @property
    def prompt(self) -> str:
        """The last user turn: what a one-line view of the item shows."""
        return self.turns[-1][1]

    @property
    def multi_turn(self) -> bool:
        return sum(1 for role, _ in self.turns if role != "system") > 1


@dataclass(frozen=True)
class PromptSet:
    name: str
    items: tuple[PromptItem, ...]
    path: Path | None = None
    digest: str = ""  # sha256 of the file's bytes: which version of a set a run used

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[PromptItem]:
        return iter(self.items)

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    def get(self, item_id: str) -> PromptItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def head(self, n: int | None) -> "PromptSet":
        """The first ``n`` items (all of them when ``n`` is None), for ``--limit``."""
        if n is None:
            return self
        if n < 0:
            raise ValueError("limit must be zero or more")
        return PromptSet(name=self.name, items=self.items[:n], path=self.path, digest=self.digest)


def builtin_sets() -> list[str]:
    """Names of the sets shipped in ``assets/rse``, sorted."""
    return sorted(p.stem for p in SETS_DIR.glob("*.jsonl"))


def load_set(name_or_path: str | Path) -> PromptSet:
    """A built-in set by name (``"arena"``), or any JSONL file by path (its stem is the name)."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or any(
        mark in text for mark in ("/", "\\", ".jsonl", ".json")
    )
    if not looks_like_path:
        path = SETS_DIR / f"{text}.jsonl"
        if not path.is_file():
            known = ", ".join(builtin_sets()) or "(none installed)"
            raise PromptSetError(
                f"unknown prompt set {text!r}: use one of {known}, or a path to a .jsonl file"
            )
        return _load_file(path)
    return _load_file(Path(name_or_path).expanduser())


def _load_file(path: Path) -> PromptSet:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PromptSetError(f"{path}: file not found: check the path") from None
    except IsADirectoryError:
        raise PromptSetError(f"{path}: is a directory: give a .jsonl file") from None
    except OSError as exc:
        raise PromptSetError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_set(data, name=path.stem, source=str(path), path=path)


def parse_set(data: bytes | str, *, name: str, source: str = "<string>", path: Path | None = None) -> PromptSet:
    """Parse JSONL text into a set; ``source`` is the name used in error messages."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        text = raw.decode("utf-8-sig")  # tolerate a byte-order mark from Windows editors
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise PromptSetError(f"{source}:{bad_line}: not valid UTF-8: save the file as UTF-8") from None
    items: list[PromptItem] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PromptSetError(
                f"{where}: invalid JSON ({exc.msg} at column {exc.colno}): "
                'each line must be one JSON object like {"id": "q1", "prompt": "..."}'
            ) from None
        item = _item(row, where)
        if item.id in first_line:
            raise PromptSetError(
                f"{where}: duplicate id {item.id!r} (first used on line {first_line[item.id]}): give every row its own id"
            )
        first_line[item.id] = lineno
        items.append(item)
    if not items:
        raise PromptSetError(
            f'{source}: no prompts in the file: add lines like {{"id": "q1", "prompt": "..."}}'
        )
    return PromptSet(name=name, items=tuple(items), path=path, digest=hashlib.sha256(raw).hexdigest())


def _item(row: Any, where: str) -> PromptItem:
    if not isinstance(row, dict):
        raise PromptSetError(f'{where}: expected a JSON object, got {type(row).__name__}: write {{"id": ..., "prompt": ...}}')
    if "id" not in row:
        raise PromptSetError(f'{where}: missing "id": add a unique "id" to the row')
    item_id = row["id"]
    if isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
        raise PromptSetError(f'{where}: "id" must be a string or an integer, got {type(item_id).__name__}')
    item_id = str(item_id).strip()
    if not item_id:
        raise PromptSetError(f'{where}: "id" is empty: give the row a non-empty id')
    has_prompt, has_messages = "prompt" in row, "messages" in row
    if has_prompt and has_messages:
        raise PromptSetError(f'{where}: row {item_id!r} has both "prompt" and "messages": keep only one')
    if not has_prompt and not has_messages:
        raise PromptSetError(f'{where}: row {item_id!r} has neither "prompt" nor "messages": add one of them')
    meta = {k: v for k, v in row.items() if k not in ("id", "prompt", "messages")}
    if has_prompt:
        prompt = row["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise PromptSetError(f'{where}: "prompt" of row {item_id!r} must be a non-empty string')
        return PromptItem(id=item_id, turns=(("user", prompt),), meta=meta)
    return PromptItem(id=item_id, turns=_turns(row["messages"], item_id, where), meta=meta)


def _turns(messages: Any, item_id: str, where: str) -> tuple[tuple[str, str], ...]:
    fix = 'messages must be [{"role": "user", "content": "..."}, ...]'
    if not isinstance(messages, list) or not messages:
        raise PromptSetError(f'{where}: "messages" of row {item_id!r} must be a non-empty list: {fix}')
    turns: list[tuple[str, str]] = []
    for k, msg in enumerate(messages):
        at = f"{where}: message {k + 1} of row {item_id!r}"
        if not isinstance(msg, dict) or "role" not in msg or "content" not in msg:
            raise PromptSetError(f'{at} needs "role" and "content": {fix}')
        role, content = msg["role"], msg["content"]
        if role not in _ROLES:
            raise PromptSetError(f"{at} has role {role!r}: use system, user or assistant")
        if not isinstance(content, str) or not content.strip():
            raise PromptSetError(f'{at} has empty or non-text "content": give it text')
        turns.append((role, content))
    roles = [role for role, _ in turns]
    body = roles[1:] if roles[0] == "system" else roles
    if "system" in body:
        raise PromptSetError(f"{where}: row {item_id!r} has a system message after the first turn: put it first or drop it")
    if not body:
        raise PromptSetError(f"{where}: row {item_id!r} has only a system message: add a user turn")
    for k, role in enumerate(body):
        expected = "user" if k % 2 == 0 else "assistant"
        if role != expected:
            raise PromptSetError(
                f"{where}: row {item_id!r} has {role} where {expected} should come: "
                "turns must alternate user, assistant, user, ..."
            )
    if body[-1] != "user":
        raise PromptSetError(f"{where}: row {item_id!r} ends on an assistant turn: end with the user turn to answer")
    return tuple(turns)
