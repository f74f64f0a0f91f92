"""Run messages are stored in the CLI's words; on a screen, name the key that does the same."""

from __future__ import annotations

import re

_RESUME_COMMAND = re.compile(r"resume with `workbench (?:ice|rse) run --resume \d+`")


def bound_key(app: object, binding_id: str, default: str) -> str:
    """The key that runs a binding in this app: the first one the user's keymap gives it
    (``[workbench.keymap]`` in models.toml, ``"id" = "key1,key2"``), else ``default``."""
    keymap = getattr(getattr(app, "config", None), "keymap", None) or {}
    keys = [k.strip() for k in str(keymap.get(binding_id, "")).split(",") if k.strip()]
    return keys[0] if keys else default


def with_resume_key(text: str, key: str) -> str:
    """``...; resume with `workbench ice run --resume 3``` becomes ``...; press KEY to resume``."""
    return _RESUME_COMMAND.sub(f"press {key} to resume", text)


_FLAG = re.compile(r"(?:pass )?--([a-z][a-z-]*)")


def in_form_words(text: str, labels: dict[str, str] | None = None) -> str:
    """A message that names CLI flags, reworded for a form: ``--per-round`` becomes
    ``per round``, and ``pass --flag`` of a checkbox becomes ``tick 'its label'``."""
    labels = labels or {}

    def reword(m: re.Match[str]) -> str:
        flag = m.group(1)
        if flag in labels:
            return f"tick '{labels[flag]}'" if m.group(0).startswith("pass ") else labels[flag]
        return flag.replace("-", " ")

    return _FLAG.sub(reword, text)
