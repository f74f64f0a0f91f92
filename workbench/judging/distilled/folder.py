"""A judge's folder on disk: refusing to overwrite what is not a judge, and the atomic save."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import META_FILE, JudgeError
from .encoder import Encoder
from .head import HEAD_FILE, Head
from .judge import _loaded


def check_out(out: str | Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier judge."""
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / META_FILE).is_file())):
        raise JudgeError(f"{out} exists and is not a distilled judge: choose another --out "
                         "(an earlier judge there would be replaced)")


def save(out: str | Path, encoder: Any, head: Head, meta: dict) -> Path:
    """Write the judge folder atomically (a temporary sibling renamed into place)."""
    import shutil

    from safetensors.torch import save_file

    out = Path(out).expanduser()
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    if "embedding" in meta["features"] and isinstance(encoder, Encoder):
        encoder.model.save_pretrained(str(tmp), safe_serialization=True)
        encoder.tokenizer.save_pretrained(str(tmp))
    save_file(head.tensors(), str(tmp / HEAD_FILE))
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if out.exists():
        try:
            check_out(out)
        except JudgeError:
            shutil.rmtree(tmp)
            raise
        shutil.rmtree(out)
    tmp.rename(out)
    _loaded.pop(str(out.resolve()), None)
    return out
