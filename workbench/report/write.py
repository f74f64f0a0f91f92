"""Writing a report folder atomically: a half-written report never replaces a good one.

Everything is written into a temporary folder beside the target, flushed, and only then
swapped in with renames (same file system). A failure at any point leaves the earlier report
as it was and removes the temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .gather import ReportError

MARKER = "report.html"  # a folder holding this is an earlier report and may be replaced


def check_target(out: Path) -> Path:
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file: --out takes a folder for report.html, report.md and figures/")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ReportError(f"{out} already holds other files: give --out a new or empty folder "
                          "(or an earlier report's folder, which is replaced)")
    return out


def write_atomically(out: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` (relative path -> bytes) as the folder ``out``, replacing an earlier report."""
    out = check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        for rel, payload in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a report folder is an ordinary one
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rename(out, old / "report")
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old / "report", out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
