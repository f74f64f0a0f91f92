"""Loading a local model in-process with transformers: a Hugging Face folder, or a GGUF file
(through its converted copy, :mod:`workbench.models.gguf_cache`). CUDA when available, else CPU.

torch and transformers are imported inside the functions: this module is on the start-up path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .paths import LocalModelError


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def quiet_transformers() -> None:
    """Keep transformers' progress bars and warnings off the terminal behind the TUI."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF loader uses a bare tqdm bar
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        # The GGUF loader draws a bare tqdm bar that ignores the settings above.
        import functools

        from tqdm.auto import tqdm
        from transformers import modeling_gguf_pytorch_utils as gguf_utils

        gguf_utils.tqdm = functools.partial(tqdm, disable=True)
    except ImportError:
        pass


def _load(path: Path, device: str) -> tuple[Any, Any, str]:
    quiet_transformers()
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    try:
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise LocalModelError(f"{path} is a file but not a .gguf model: point path at a GGUF "
                                      "file or a Hugging Face model folder")
            model, tok = _load_gguf(path, dtype)
            kind = "causal"
        else:
            if not (path / "config.json").exists():
                raise LocalModelError(f"{path} is not a Hugging Face model folder (no config.json)")
            config = AutoConfig.from_pretrained(str(path))
            archs = " ".join(config.architectures or [])
            tok = AutoTokenizer.from_pretrained(str(path))
            auto: Any  # one of transformers' Auto* model classes, by the folder's architecture
            if "ForSequenceClassification" in archs:
                from transformers import AutoModelForSequenceClassification
                auto, kind = AutoModelForSequenceClassification, "sequence"
            elif "ForTokenClassification" in archs:
                from transformers import AutoModelForTokenClassification
                auto, kind = AutoModelForTokenClassification, "token"
            else:
                auto, kind = AutoModelForCausalLM, "causal"
            model = auto.from_pretrained(str(path), dtype=dtype)
    except LocalModelError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise LocalModelError(f"cannot load local model from {path}: {exc}") from exc
    model.to(device)
    model.eval()
    if kind == "causal" and tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model, tok, kind


def _load_gguf(path: Path, dtype: Any) -> tuple[Any, Any]:
    """A GGUF model, through its converted copy when there is one (see gguf_cache)."""
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from workbench.models import gguf_cache

    folder = gguf_cache.converted_dir(path, str(dtype), transformers.__version__)
    if folder is not None:
        loaded = gguf_cache.load_converted(folder, dtype)
        if loaded is not None:
            return loaded
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=dtype)
    if folder is not None:
        gguf_cache.save_converted(folder, model, tok, source=path)
    return model, tok
