"""Locate the data files under ``assets/`` (probe sets, templates, styles)."""

from __future__ import annotations

from pathlib import Path

# assets/ sits beside the probes package at the repo root; the build ships it as package
# data in the same relative place, so one lookup serves both a checkout and an install.
_ASSETS = Path(__file__).resolve().parent.parent / "assets"


def assets_root() -> Path:
    return _ASSETS


def asset_path(*parts: str) -> Path:
    """Path of ``assets/<parts...>``; it is not checked for existence."""
    return _ASSETS.joinpath(*parts)
