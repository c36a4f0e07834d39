"""The course: eight chapters, each a script that reads as a notebook (`# %%` cells).

This module holds what every chapter shares: its command line, the output folder, atomic
writes of pictures, printing the solutions, and running the exercises against their checks.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_lab.files import save_figure

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "examples" / "solutions"


@dataclass
class Chapter:
    """What a chapter's command line asked for: where pictures go and how long to train."""

    number: int
    out: Path
    quick: bool

    def path(self, name: str) -> Path:
        """A file in the output folder (created on demand)."""
        self.out.mkdir(parents=True, exist_ok=True)
        return self.out / name

    def wrote(self, path: str | os.PathLike, what: str) -> Path:
        """Tell the reader where a picture went, and hand its path back."""
        path = Path(path)
        print(f"  [picture] {what}: {path}")
        return path


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


def parse_args(number: int, title: str, argv: Sequence[str] | None) -> Chapter | None:
    """Parse `--out DIR`, `--quick` and `--solutions`; None when the solutions were printed.

    Inside Jupyter the kernel's own arguments are ignored, so the last cell can call main().
    """
    if argv is None and _in_notebook():
        argv = []
    parser = argparse.ArgumentParser(
        prog=f"ch{number:02d}", description=f"Chapter {number}: {title}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("chapter-output") / f"ch{number:02d}",
        help="folder for this chapter's pictures (default: chapter-output/chNN)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="train on a small slice for 1-2 epochs"
    )
    parser.add_argument(
        "--solutions", action="store_true", help="print the worked answers and exit"
    )
    args = parser.parse_args(argv)
    if args.solutions:
        print(solution_source(number))
        return None
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} exists and is not a folder")
    os.environ.setdefault("AUTOGRAD_LAB_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(f"Chapter {number}: {title}")
    print(f"  pictures go to {args.out.resolve()}")
    return Chapter(number, args.out, args.quick)


def solution_source(number: int) -> str:
    """The text of this chapter's solutions file, kept apart so it is read only on purpose."""
    path = SOLUTIONS / f"ch{number:02d}_solutions.py"
    if not path.is_file():
        raise FileNotFoundError(f"chapter {number} has no solutions file at {path}")
    return path.read_text(encoding="utf-8")


def section(title: str) -> None:
    """Print a heading, so the output of a plain run reads like the notebook."""
    print(f"\n== {title} ==")


def new_figure(width: float, height: float) -> Any:
    """A matplotlib Figure drawn by Agg: no window, no pyplot state to clean up."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


@dataclass
class Exercise:
    """One exercise: its label, the reader's function, the inputs it gets, and the check."""

    label: str
    attempt: Callable[..., Any]
    check: Callable[..., Any]
    args: tuple = ()


def run_exercises(number: int, exercises: Sequence[Exercise]) -> dict[str, str]:
    """Run each exercise; say which are still to do, which pass and which fail, and why."""
    section("Your exercises")
    status: dict[str, str] = {}
    for ex in exercises:
        try:
            answer = ex.attempt(*ex.args)
        except NotImplementedError as exc:
            print(f"  {ex.label}: not done yet ({exc})")
            status[ex.label] = "todo"
            continue
        try:
            ex.check(answer, *ex.args)
        except AssertionError as exc:
            print(f"  {ex.label}: not quite: {exc}")
            status[ex.label] = "wrong"
            continue
        print(f"  {ex.label}: correct")
        status[ex.label] = "correct"
    if any(s != "correct" for s in status.values()):
        print(
            f"  Stuck? `python examples/chapters/ch{number:02d}_*.py --solutions` "
            "prints worked answers."
        )
    return status


def require(condition: bool, message: str) -> None:
    """An exercise check: raise AssertionError with a hint when `condition` is false.

    A plain `assert` would vanish under `python -O`; a check must always run.
    """
    if not condition:
        raise AssertionError(message)


def load_digits(ch: Chapter, quick_images: int = 512, limit: int | None = None) -> Any:
    """MNIST for a chapter: a small slice with `--quick`, else all of it (offline: the sample).

    Returns `keras_models.data.MnistData`: `(train, val, test)` pairs of images and one-hot
    labels, plus `.source`.
    """
    from keras_models.data import load_mnist

    if ch.quick:
        data = load_mnist(nval=200, limit=quick_images)
    else:
        data = load_mnist(nval=500, limit=limit)
    print(
        f"  MNIST from {data.source}: {len(data.train[0])} training, "
        f"{len(data.val[0])} validation, {len(data.test[0])} test images"
    )
    return data


def epochs(ch: Chapter, full: int, quick: int = 1) -> int:
    """How many epochs to train: `quick` under `--quick`, else `full`."""
    return quick if ch.quick else full
