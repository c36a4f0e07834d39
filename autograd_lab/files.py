"""Writing files so that a failure leaves the old file whole: write beside it, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, data: bytes | str | Callable[[str], Any]) -> Path:
    """Write `data` (bytes, text, or a function given a temporary path) to `path` atomically.

    The temporary file sits in the same folder with the same suffix, so writers that look at
    the suffix (matplotlib, NumPy) behave; `os.replace` then swaps it in, in one step.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, _mode_for(path))  # mkstemp makes the file private
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, or the default for a new one (0666 less umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _json_default(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()  # NumPy scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """`data` as indented JSON (NumPy values and paths included), written atomically."""
    return atomic_write(path, json.dumps(data, indent=2, default=_json_default) + "\n")


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 100) -> Path:
    """A matplotlib figure as a file (format from the suffix), written atomically."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches="tight"))
