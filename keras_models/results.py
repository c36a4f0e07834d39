"""The record of a training run, shared by the Keras path and the engine's own training."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class TrainResult:
    """Per-epoch metrics (Keras History layout), per-epoch wall times, and how the run ended."""

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch_times: list[float] = field(default_factory=list)
    initial_epoch: int = 0
    epochs_done: int = 0
    samples_per_epoch: int = 0
    stopped_early: bool = False
    interrupted: bool = False
    out_dir: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def epoch_time(self) -> float:
        """Median seconds per epoch (the median, since the first epoch includes tracing)."""
        return float(np.median(self.epoch_times)) if self.epoch_times else float("nan")

    @property
    def samples_per_second(self) -> float:
        """Training images per second at the median epoch time."""
        return self.samples_per_epoch / self.epoch_time if self.epoch_times else float("nan")

    def to_json(self) -> dict[str, Any]:
        """The layout of `history.json`."""
        return {
            "history": self.history,
            "epoch_times": self.epoch_times,
            "epochs_done": self.epochs_done,
            "initial_epoch": self.initial_epoch,
            "samples_per_epoch": self.samples_per_epoch,
            "stopped_early": self.stopped_early,
            "interrupted": self.interrupted,
            "config": self.config,
        }


def write_summary(
    out: Path,
    result: TrainResult,
    files: list[Path],
    *,
    test_loss: float,
    test_accuracy: float,
    most_confused: list[tuple[int, int, int]],
    wall_time: float,
    **fields: Any,
) -> None:
    """Write `summary.json` for a finished run (any engine) and print the short summary."""
    from autograd_lab.files import write_json

    summary = {
        **fields,
        "epochs_done": result.epochs_done,
        "stopped_early": result.stopped_early,
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "epoch_time_s": result.epoch_time,
        "samples_per_s": result.samples_per_second,
        "wall_time_s": wall_time,
        "most_confused": [{"true": t, "predicted": p, "count": c} for t, p, c in most_confused],
        "files": [str(f) for f in files],
    }
    files.append(write_json(out / "summary.json", summary))
    print(f"test accuracy {test_accuracy:.4f}  (loss {test_loss:.4f})")
    print(f"epoch time {result.epoch_time:.2f} s, {result.samples_per_second:,.0f} samples/s")
    if most_confused:
        confused = ", ".join(f"{t}->{p} ({c})" for t, p, c in most_confused)
        print(f"most confused (true->predicted): {confused}")
    print("wrote " + ", ".join(f.name for f in files))
