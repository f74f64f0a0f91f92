"""Run messages are stored in the CLI's words; on a screen, name the key that does the same."""

from __future__ import annotations

import re

_RESUME_COMMAND = re.compile(r"resume with `workbench (?:ice|rse) run --resume \d+`")


def with_resume_key(text: str, key: str) -> str:
    """``...; resume with `workbench ice run --resume 3``` becomes ``...; press KEY to resume``."""
    return _RESUME_COMMAND.sub(f"press {key} to resume", text)
