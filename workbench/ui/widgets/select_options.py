"""Giving a Select new options without losing what the user chose."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select


def reoffer(select: Select[Any], options: list[tuple[str, Any]]) -> None:
    """Replace ``select``'s options; its value stays when it is still offered (set_options clears it)."""
    current = select.value
    select.set_options(options)
    if current in {value for _, value in options}:
        select.value = current
