"""Training with Keras `fit`: checkpoints that resume, history on disk, atomic file writes."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras

from autograd_lab.files import atomic_write, write_json

from .results import TrainResult

log = logging.getLogger(__name__)


CHECKPOINT_NAME = "checkpoint.keras"
HISTORY_NAME = "history.json"
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "rmsprop")


def save_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """Save `model` as a `.keras` file, atomically."""
    return atomic_write(path, model.save)


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """An optimizer by name: sgd, momentum (SGD, 0.9), nesterov, adam or rmsprop."""
    name = name.lower()
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate, momentum=0.9)
    if name == "nesterov":
        return keras.optimizers.SGD(learning_rate, momentum=0.9, nesterov=True)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")


def read_history(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The `history.json` of a run directory, or None when there is none."""
    path = Path(out_dir) / HISTORY_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


class _Recorder(keras.callbacks.Callback):
    """Times epochs, keeps the metrics, and after each epoch saves checkpoint and history."""

    def __init__(self, result: TrainResult) -> None:
        super().__init__()
        self.result = result
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        res = self.result
        res.epoch_times.append(time.perf_counter() - self._start)
        for key, value in (logs or {}).items():
            res.history.setdefault(key, []).append(float(value))
        res.epochs_done = epoch + 1
        if res.out_dir is not None:
            save_model(self.model, res.out_dir / CHECKPOINT_NAME)
            write_json(res.out_dir / HISTORY_NAME, res.to_json())


def _restore(model: keras.Model, out_dir: Path, result: TrainResult) -> None:
    """Load the checkpoint's weights and optimizer state, and the history so far."""
    saved = read_history(out_dir)
    checkpoint = out_dir / CHECKPOINT_NAME
    if not saved or not checkpoint.is_file() or not saved.get("epochs_done"):
        return
    model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(checkpoint)
    except Exception as exc:
        raise ValueError(
            f"cannot resume from {checkpoint}: it does not fit this model ({exc}); "
            "use another output directory or resume=False"
        ) from exc
    result.history = {k: list(v) for k, v in saved["history"].items()}
    result.initial_epoch = result.epochs_done = int(saved["epochs_done"])
    result.epoch_times = [float(t) for t in saved.get("epoch_times", [])]
    log.info("resuming from %s after epoch %d", checkpoint, result.initial_epoch)


def _split(data: Sequence) -> tuple[tuple, tuple | None]:
    train = data[0]
    val = data[1] if len(data) > 1 else None
    return tuple(train), (tuple(val) if val is not None else None)


def train(
    model: keras.Model,
    data: Sequence,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    learning_rate: float = 0.1,
    batch_size: int = 128,
    epochs: int = 5,
    early_stopping: int | None = None,
    out_dir: str | os.PathLike | None = None,
    resume: bool = True,
    verbose: int = 1,
    seed: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> TrainResult:
    """Fit `model` on `data` = `(train, val[, test])` with cross-entropy, validating each epoch.

    With `out_dir`, a checkpoint and `history.json` are written after every epoch, and a later
    call with the same `out_dir` resumes after the last finished epoch (unless `resume=False`).
    `early_stopping` is a patience in epochs on the validation loss. A KeyboardInterrupt stops
    the run, still writes `history.json` (marked interrupted), and is raised again.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    (x_train, y_train), val = _split(data)
    opt = make_optimizer(optimizer, learning_rate) if isinstance(optimizer, str) else optimizer
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    out = Path(out_dir) if out_dir is not None else None
    result = TrainResult(
        history={},
        epoch_times=[],
        initial_epoch=0,
        epochs_done=0,
        samples_per_epoch=len(x_train),
        out_dir=out,
        config={
            "model": model.name,
            "optimizer": optimizer if isinstance(optimizer, str) else type(opt).__name__,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "epochs": epochs,
            "early_stopping": early_stopping,
            "seed": seed,
        },
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        if resume:
            _restore(model, out, result)
    if result.initial_epoch >= epochs:
        log.info("already trained for %d epochs in %s", result.initial_epoch, out)
        return result
    cbs: list[keras.callbacks.Callback] = [_Recorder(result)]
    stopper = None
    if early_stopping is not None:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss" if val is not None else "loss",
            patience=early_stopping,
            restore_best_weights=True,
        )
        cbs.append(stopper)
    cbs.extend(callbacks)
    try:
        model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            initial_epoch=result.initial_epoch,
            validation_data=val,
            callbacks=cbs,
            verbose=verbose,
        )
    except KeyboardInterrupt:
        result.interrupted = True
        log.warning("training interrupted after epoch %d", result.epochs_done)
        raise
    finally:
        result.stopped_early = bool(stopper is not None and stopper.stopped_epoch > 0)
        if out is not None:
            write_json(out / HISTORY_NAME, result.to_json())
    return result
