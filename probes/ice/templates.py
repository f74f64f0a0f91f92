"""Jailbreak templates: the seed set in ``assets/ice/templates.jsonl`` and slot filling."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from probes.assets import asset_path, iter_jsonl_objects

SLOT = "{query}"
STYLES = ("role-play", "dual-persona", "hypothetical", "translation", "system-override")


class TemplateFileError(ValueError):
    """A template file that cannot be read; the message names file, line and the fix."""


@dataclass(frozen=True)
class Template:
    id: str
    text: str
    style: str = "seed"
    parent_id: str | None = None
    operator: str | None = None  # the mutation that produced it; None for seeds

    def fill(self, query: str) -> str:
        return fill(self.text, query)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Template":
        return cls(id=str(data["id"]), text=str(data["text"]), style=str(data.get("style", "seed")),
                   parent_id=data.get("parent_id"), operator=data.get("operator"))


def has_slot(template_text: str) -> bool:
    return SLOT in template_text


def fill(template_text: str, query: str) -> str:
    """Put ``query`` into the template's ``{query}`` slot(s), or after it when it has none.

    Plain replacement, not ``str.format``: templates are prose full of braces (JSON
    examples, "{persona}") that format would choke on or silently eat.
    """
    if SLOT in template_text:
        return template_text.replace(SLOT, query)
    sep = "" if not template_text or template_text.endswith(("\n", " ")) else "\n\n"
    return template_text + sep + query


def default_templates_path() -> Path:
    return asset_path("ice", "templates.jsonl")


def load_templates(path: str | Path | None = None) -> list[Template]:
    path = Path(path) if path is not None else default_templates_path()
    out: list[Template] = []
    seen: set[str] = set()
    for _, where, obj in iter_jsonl_objects(path, TemplateFileError, missing="template file not found"):
        if not isinstance(obj.get("id"), str) or not isinstance(obj.get("text"), str):
            raise TemplateFileError(f"{where}: each row needs string fields 'id' and 'text'")
        if not obj["text"].strip():
            raise TemplateFileError(f"{where}: template '{obj['id']}' has empty text")
        if obj["id"] in seen:
            raise TemplateFileError(f"{where}: duplicate template id '{obj['id']}'")
        seen.add(obj["id"])
        out.append(Template.from_dict(obj))
    if not out:
        raise TemplateFileError(f"{path.name}: no templates")
    return out


def load_seed_templates(path: str | Path | None = None) -> list[Template]:
    """The seed templates shipped with the project (every one has a ``{query}`` slot)."""
    return load_templates(path)
