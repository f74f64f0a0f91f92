"""What a GGUF file says about itself: architecture, quantisation, context, layer shapes.

Only the header and the metadata block are read (standard library). ``gguf.GGUFReader``
maps and describes every tensor too: 2.4 s of CPU for the 98 MB built-in model, too slow
for `workbench models`, which describes every local model. A file that is not a complete
GGUF header raises :class:`GGUFError` with one line naming the file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"GGUF"
# GGUF value types (ggml's gguf.h): fixed-size scalars, 8 = string, 9 = array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# More keys than any real model has: a larger count means the header is garbage.
_MAX_KV = 1 << 16
_MAX_STRING = 1 << 26


class GGUFError(Exception):
    """Not a readable GGUF file; the message names the file and what to do."""


@dataclass
class GGUFInfo:
    path: Path
    size_bytes: int
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    @property
    def architecture(self) -> str:
        return str(self.get("general.architecture", "unknown"))

    def arch_value(self, key: str, default: Any = None) -> Any:
        return self.get(f"{self.architecture}.{key}", default)

    @property
    def context_length(self) -> int | None:
        value = self.arch_value("context_length")
        return int(value) if value is not None else None

    @property
    def quantisation(self) -> str:
        """The file type as llama.cpp names it (Q4_K_M, Q4_1, F16, ...)."""
        ftype = self.get("general.file_type")
        if ftype is None:
            return "unknown"
        try:
            import gguf  # the enum of llama.cpp's file types; light to import

            return gguf.LlamaFileType(int(ftype)).name.removeprefix("MOSTLY_")
        except (ImportError, ValueError):
            return f"file type {ftype}"

    def kv_bytes_per_token(self) -> int:
        """Bytes of f16 K and V cache one token takes over all layers (0 when unknown)."""
        layers = self.arch_value("block_count")
        embd = self.arch_value("embedding_length")
        heads = self.arch_value("attention.head_count")
        kv_heads = self.arch_value("attention.head_count_kv", heads)
        if not (layers and embd and heads and kv_heads):
            return 0
        head_dim = self.arch_value("attention.key_length") or int(embd) // int(heads)
        return int(layers) * 2 * int(kv_heads) * int(head_dim) * 2


def read_gguf_info(path: Path) -> GGUFInfo:
    """The header and metadata of ``path``; GGUFError when it is not a whole GGUF file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            return _read(f, path, size)
    except GGUFError:
        raise
    except FileNotFoundError as exc:
        raise GGUFError(f"{path} does not exist: fix the path or reinstall the model") from exc
    except OSError as exc:
        raise GGUFError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (struct.error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise GGUFError(f"{path} is corrupt or truncated (bad GGUF metadata): "
                        "download or reinstall the model file") from exc


def _read(f: BinaryIO, path: Path, size: int) -> GGUFInfo:
    magic = f.read(4)
    if magic != MAGIC:
        raise GGUFError(f"{path} is not a GGUF file (it does not start with 'GGUF'): point path "
                        "at a .gguf model, or reinstall it if it was one")
    (version,) = _unpack(f, "<I")
    if version not in (2, 3):
        raise GGUFError(f"{path} is GGUF version {version}; llama.cpp reads versions 2 and 3: "
                        "convert the model again with a current llama.cpp")
    tensor_count, kv_count = _unpack(f, "<QQ")
    if kv_count > _MAX_KV or tensor_count > _MAX_KV:
        raise GGUFError(f"{path} is corrupt (impossible header counts): download or reinstall the model file")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = _string(f)
        (vtype,) = _unpack(f, "<I")
        metadata[key] = _value(f, vtype)
    if f.tell() > size:
        raise struct.error("past the end")
    return GGUFInfo(path=path, size_bytes=size, version=version, tensor_count=tensor_count,
                    metadata=metadata)


def _unpack(f: BinaryIO, fmt: str) -> tuple:
    n = struct.calcsize(fmt)
    data = f.read(n)
    if len(data) != n:
        raise struct.error("truncated")
    return struct.unpack(fmt, data)


def _string(f: BinaryIO) -> str:
    (n,) = _unpack(f, "<Q")
    if n > _MAX_STRING:
        raise ValueError("string too long")
    data = f.read(n)
    if len(data) != n:
        raise struct.error("truncated")
    return data.decode("utf-8")


def _value(f: BinaryIO, vtype: int) -> Any:
    if vtype in _SCALARS:
        return _unpack(f, _SCALARS[vtype])[0]
    if vtype == _STRING:
        return _string(f)
    if vtype == _ARRAY:
        item_type, count = _unpack(f, "<IQ")
        # Arrays are vocabularies and merges: skipped, only their length is kept.
        if item_type in _SCALARS:
            f.seek(count * struct.calcsize(_SCALARS[item_type]), 1)
        elif item_type == _STRING:
            for _ in range(count):
                (n,) = _unpack(f, "<Q")
                if n > _MAX_STRING:
                    raise ValueError("string too long")
                f.seek(n, 1)
        else:
            raise ValueError(f"unsupported array item type {item_type}")
        return _ArrayLength(count)
    raise ValueError(f"unknown GGUF value type {vtype}")


class _ArrayLength(int):
    """Stands for a skipped array; its value is the array's length."""
