"""One rule for a request's sampling parameters, everywhere (ask, Compare, ICE, RSE, EvoKD).

A value given on the command line (or typed in a form) wins; else the model's ``params`` in
models.toml; else the command's default. Every chosen value keeps where it came from, so a
run can record what it sent and why: a command's default never silently overrides the
temperature a models.toml entry sets for a sampled variant of a model.

Also the one check of a value's range: out-of-range numbers and NaN are refused with a
line that names the flag, before anything is stored or sent. Light module: no litellm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from .types import MAX_TEMPERATURE, MAX_TOKENS_LIMIT

FLAG = "flag"
CONFIG = "models.toml"
DEFAULT = "default"


@dataclass(frozen=True)
class ChosenParams:
    """The values a request sends, and for each one its source (flag, models.toml, default)."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value": v, "source": s}}``: what a run stores about its parameters."""
        return {k: {"value": v, "source": self.sources[k]} for k, v in sorted(self.values.items())}

    @classmethod
    def from_record(cls, record: Mapping[str, Mapping[str, Any]]) -> "ChosenParams":
        return cls({k: r["value"] for k, r in record.items()},
                   {k: r.get("source", FLAG) for k, r in record.items()})


def choose_params(model_params: Mapping[str, Any] | None, flags: Mapping[str, Any] | None = None,
                  defaults: Mapping[str, Any] | None = None) -> ChosenParams:
    """flag given (not None) > the model's models.toml params > the command's default."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, given in ((DEFAULT, defaults), (CONFIG, model_params), (FLAG, flags)):
        for name, value in (given or {}).items():
            if value is not None:
                values[name] = value
                sources[name] = source
    return ChosenParams(values, sources)


def check_temperature(value: float | None, flag: str = "--temperature") -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or not 0.0 <= value <= MAX_TEMPERATURE:
        raise ValueError(f"{flag} must be between 0 and {MAX_TEMPERATURE:g} (got {value})")
    return float(value)


def check_count(value: int | None, flag: str, *, low: int = 1, high: int | None = None) -> int | None:
    """A whole number in [low, high]; None (not given) passes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise ValueError(f"{flag} must be {span} (got {value})")
    return value


def check_max_tokens(value: int | None, flag: str = "--max-tokens") -> int | None:
    return check_count(value, flag, low=1, high=MAX_TOKENS_LIMIT)


def check_top_p(value: float | None, flag: str = "--top-p") -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise ValueError(f"{flag} must be above 0 and at most 1 (got {value})")
    return float(value)


def check_params(values: Mapping[str, Any], where: str = "") -> None:
    """Range-check the sampling values a request would send (from any source)."""
    prefix = f"{where} " if where else ""
    check_temperature(values.get("temperature"), f"{prefix}temperature")
    check_max_tokens(values.get("max_tokens"), f"{prefix}max_tokens")
    check_top_p(values.get("top_p"), f"{prefix}top_p")
