"""MNIST classifiers trained by this engine: the perceptron and MLP as graphs of `Variable`s.

The history comes out in Keras' `History.history` layout (loss, accuracy, val_loss,
val_accuracy), so the Keras path's plots and numbers can be set beside ours unchanged.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_models.results import TrainResult as KerasLayoutResult

from . import array_ops, math_ops, nn
from . import train as optimizers
from .dtypes import float32
from .files import atomic_write, write_json
from .graph import Graph
from .session import Session
from .variables import Variable, global_variables, global_variables_initializer

log = logging.getLogger(__name__)

N_PIXELS = 28 * 28
N_CLASSES = 10
HISTORY_NAME = "history.json"
CHECKPOINT_NAME = "checkpoint.npz"
WEIGHTS_NAME = "weights.npz"
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adam")

# Dense layers per model as (name, inputs, outputs), named as the Keras models' layers are.
ARCHITECTURES: dict[str, tuple[tuple[str, int, int], ...]] = {
    "perceptron": (("output", N_PIXELS, N_CLASSES),),
    "mlp": (("hidden", N_PIXELS, 256), ("output", 256, N_CLASSES)),
}


# ---- weights ----------------------------------------------------------------------------
def _layers(model: str) -> tuple[tuple[str, int, int], ...]:
    try:
        return ARCHITECTURES[model]
    except KeyError:
        raise ValueError(
            f"the autograd-lab engine has no model {model!r}; choose one of: "
            f"{', '.join(ARCHITECTURES)}"
        ) from None


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Keras' default kernel initialiser: uniform on ±sqrt(6 / (fan_in + fan_out))."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def initial_weights(model: str, seed: int | None = None) -> dict[str, np.ndarray]:
    """Glorot-uniform kernels and zero biases, as Keras' Dense layers start, by `layer/part`."""
    rng = np.random.default_rng(seed)
    weights: dict[str, np.ndarray] = {}
    for layer, n_in, n_out in _layers(model):
        weights[f"{layer}/kernel"] = glorot_uniform(n_in, n_out, rng)
        weights[f"{layer}/bias"] = np.zeros(n_out, dtype=np.float32)
    return weights


def _check_weights(model: str, weights: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The weights as float32 arrays; a clear error for missing, extra or misshapen ones."""
    expected = {
        **{f"{name}/kernel": (n_in, n_out) for name, n_in, n_out in _layers(model)},
        **{f"{name}/bias": (n_out,) for name, _, n_out in _layers(model)},
    }
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        raise ValueError(
            f"weights for {model!r} need exactly {sorted(expected)}; "
            f"missing {missing}, unexpected {extra}"
        )
    arrays = {}
    for key, shape in expected.items():
        array = np.asarray(weights[key], dtype=np.float32)
        if array.shape != shape:
            raise ValueError(
                f"weight {key!r} of {model!r} has shape {array.shape}, not {shape}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"weight {key!r} of {model!r} holds NaN or infinite values")
        arrays[key] = array
    return arrays


def make_optimizer(name: str, learning_rate: float) -> optimizers.Optimizer:
    """The engine's counterpart of keras_models' optimiser `name`, with Keras' constants."""
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"learning rate must be a positive number, got {learning_rate!r}")
    name = name.lower()
    if name == "sgd":
        return optimizers.GradientDescentOptimizer(learning_rate)
    if name in ("momentum", "nesterov"):
        return optimizers.MomentumOptimizer(learning_rate, 0.9, use_nesterov=name == "nesterov")
    if name == "adam":
        return optimizers.AdamOptimizer(learning_rate, 0.9, 0.999, epsilon=1e-7)
    raise ValueError(
        f"optimizer {name!r} is not available in the autograd-lab engine; choose one of: "
        f"{', '.join(OPTIMIZER_NAMES)}"
    )


# ---- the model as a graph ---------------------------------------------------------------
class EngineModel:
    """A dense softmax classifier built as an autograd-lab graph, with its own session."""

    def __init__(
        self,
        model: str = "mlp",
        weights: Mapping[str, Any] | None = None,
        optimizer: str = "momentum",
        learning_rate: float = 0.05,
        seed: int | None = None,
    ) -> None:
        layers = _layers(model)
        weights = _check_weights(
            model, weights if weights is not None else initial_weights(model, seed)
        )
        self.name = model
        self.optimizer_name = optimizer
        self.learning_rate = learning_rate
        self.graph = Graph()
        self.weights: dict[str, Variable] = {}
        with self.graph.as_default():
            self.images = array_ops.placeholder(float32, [None, N_PIXELS], name="images")
            self.labels = array_ops.placeholder(float32, [None, N_CLASSES], name="labels")
            h = self.images
            for i, (layer, _, _) in enumerate(layers):
                kernel = Variable(weights[f"{layer}/kernel"], name=f"{layer}/kernel")
                bias = Variable(weights[f"{layer}/bias"], name=f"{layer}/bias")
                self.weights[f"{layer}/kernel"], self.weights[f"{layer}/bias"] = kernel, bias
                h = math_ops.add(math_ops.matmul(h, kernel), bias, name=f"{layer}/logits")
                if i < len(layers) - 1:
                    h = nn.relu(h, name=f"{layer}/relu")
            self.logits = h
            per_example = nn.softmax_cross_entropy_with_logits(labels=self.labels, logits=h)
            self.loss = math_ops.reduce_mean(per_example, name="loss")
            self.loss_sum = math_ops.reduce_sum(per_example, name="loss_sum")
            hits = math_ops.equal(math_ops.argmax(h, 1), math_ops.argmax(self.labels, 1))
            self.correct = math_ops.reduce_sum(math_ops.cast(hits, float32), name="correct")
            self.probabilities = nn.softmax(h, name="probabilities")
            self.optimizer = make_optimizer(optimizer, learning_rate)
            self.train_op = self.optimizer.minimize(
                self.loss, var_list=list(self.weights.values())
            )
            init = global_variables_initializer()
        self.session = Session(graph=self.graph)
        self.session.run(init)

    def count_params(self) -> int:
        """Number of trainable numbers, as Keras' `count_params`."""
        return sum(int(np.prod(v.shape.as_list())) for v in self.weights.values())

    def train_step(self, images: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One optimiser step on a batch; returns its loss and correct count before the step."""
        _, loss, correct = self.session.run(
            [self.train_op, self.loss, self.correct],
            {self.images: _flat(images), self.labels: labels},
        )
        return float(loss), int(correct)

    def evaluate(
        self, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000
    ) -> tuple[float, float]:
        """Mean cross-entropy and accuracy over a data set, a chunk at a time."""
        n = len(images)
        if n == 0 or len(labels) != n:
            raise ValueError(
                f"evaluate needs as many labels as images, got {n} and {len(labels)}"
            )
        total = correct = 0.0
        for start in range(0, n, batch_size):
            chunk = slice(start, start + batch_size)
            loss_sum, hits = self.session.run(
                [self.loss_sum, self.correct],
                {self.images: _flat(images[chunk]), self.labels: labels[chunk]},
            )
            total += float(loss_sum)
            correct += float(hits)
        return total / n, correct / n

    def predict(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities for each image."""
        parts = [
            self.session.run(
                self.probabilities, {self.images: _flat(images[s : s + batch_size])}
            )
            for s in range(0, len(images), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, N_CLASSES), np.float32)

    def get_weights(self) -> dict[str, np.ndarray]:
        """The trained weights by `layer/part` (e.g. `hidden/kernel`)."""
        return {k: np.asarray(v) for k, v in self.session.run(dict(self.weights)).items()}

    def set_weights(self, weights: Mapping[str, Any]) -> None:
        """Replace all weights (not the optimiser's state) with the given arrays."""
        for key, value in _check_weights(self.name, weights).items():
            self.weights[key].load(value, self.session)

    def state(self) -> dict[str, np.ndarray]:
        """Every variable, the optimiser's accumulators included, by op name: a checkpoint."""
        variables = global_variables(self.graph)
        return {v.op.name: np.asarray(self.session.run(v)) for v in variables}

    def load_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a `state()` checkpoint; a clear error if it belongs to another model."""
        variables = {v.op.name: v for v in global_variables(self.graph)}
        if set(state) != set(variables):
            raise ValueError(
                f"checkpoint does not fit model {self.name!r} with optimizer "
                f"{self.optimizer_name!r}: it holds {sorted(state)}, the model has "
                f"{sorted(variables)}"
            )
        for key, value in state.items():
            variables[key].load(value, self.session)


def _flat(images: np.ndarray) -> np.ndarray:
    """Images of any shape (n, 28, 28[, 1]) as contiguous float32 rows of 784 pixels."""
    images = np.asarray(images, dtype=np.float32)
    if images.size != len(images) * N_PIXELS:
        raise ValueError(f"expected images of 28x28 = 784 pixels, got shape {images.shape}")
    return np.ascontiguousarray(images.reshape(len(images), N_PIXELS))


# ---- batches and the training loop --------------------------------------------------------
def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """Shuffled index batches of one epoch, a function of (seed, epoch) alone.

    Depending on the epoch number rather than on a running generator lets a resumed run,
    and a second framework given the same seed, see exactly the same batches.
    """
    if batch_size <= 0:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    if n <= 0:
        raise ValueError("no training images")
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@dataclass
class TrainResult(KerasLayoutResult):
    """What `fit` did: the shared run record plus the loss of every training step."""

    step_losses: list[float] = field(default_factory=list)


def fit(
    model: EngineModel,
    data: Sequence,
    epochs: int = 5,
    batch_size: int = 128,
    seed: int = 0,
    progress: bool = True,
    early_stopping: int | None = None,
    result: TrainResult | None = None,
    on_epoch_end: Callable[[TrainResult], None] | None = None,
) -> TrainResult:
    """Train on `data` = `(train, val[, test])`, each `(images, one-hot labels)`, by minibatch.

    Each epoch shuffles by `epoch_batches(n, batch_size, seed, epoch)`, shows a tqdm bar and
    records the mean training loss/accuracy and the validation ones. Passing the `result` of
    an earlier run continues after its last epoch. `early_stopping` is a patience in epochs
    on the validation loss; the best weights are restored when it stops.
    """
    from tqdm.auto import tqdm

    (x_train, y_train), val = tuple(data[0]), (tuple(data[1]) if len(data) > 1 else None)
    if val is not None and len(val[0]) == 0:
        val = None
    if len(x_train) != len(y_train):
        raise ValueError(f"{len(x_train)} training images but {len(y_train)} labels")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if early_stopping is not None and val is None:
        raise ValueError("early stopping watches the validation loss: give validation data")
    x_train = _flat(x_train)
    y_train = np.asarray(y_train, dtype=np.float32)
    result = result or TrainResult()
    result.samples_per_epoch = len(x_train)
    best = (math.inf, None, 0)  # validation loss, weights, epoch
    for epoch in range(result.epochs_done, epochs):
        started = time.perf_counter()
        batches = epoch_batches(len(x_train), batch_size, seed, epoch)
        loss_sum = correct = 0.0
        seen = 0
        bar = tqdm(
            total=len(batches),
            desc=f"epoch {epoch + 1}/{epochs}",
            unit="batch",
            disable=not progress,
            leave=True,
            file=sys.stderr,
        )
        for step, index in enumerate(batches):
            loss, hits = model.train_step(x_train[index], y_train[index])
            if not math.isfinite(loss):
                bar.close()
                raise FloatingPointError(
                    f"the training loss became {loss} at epoch {epoch + 1}, step {step + 1}; "
                    f"try a smaller learning rate than {model.learning_rate}"
                )
            result.step_losses.append(loss)
            loss_sum += loss * len(index)
            correct += hits
            seen += len(index)
            bar.update()
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
        metrics = {"loss": loss_sum / seen, "accuracy": correct / seen}
        if val is not None:
            metrics["val_loss"], metrics["val_accuracy"] = model.evaluate(*val)
        bar.set_postfix({k: f"{v:.4f}" for k, v in metrics.items()})
        bar.close()
        for key, value in metrics.items():
            result.history.setdefault(key, []).append(float(value))
        result.epoch_times.append(time.perf_counter() - started)
        result.epochs_done = epoch + 1
        if on_epoch_end is not None:
            on_epoch_end(result)
        if early_stopping is not None:
            if metrics["val_loss"] < best[0]:
                best = (metrics["val_loss"], model.get_weights(), epoch)
            elif epoch - best[2] >= early_stopping:
                log.info("no better validation loss for %d epochs: stopping", early_stopping)
                model.set_weights(best[1])
                result.stopped_early = True
                break
    return result


# ---- files ------------------------------------------------------------------------------
def save_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> Path:
    """Arrays by name as an `.npz`, atomically (np.load gives them back)."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    return atomic_write(path, write)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` file by name."""
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _resume(model: EngineModel, out: Path, config: dict[str, Any]) -> TrainResult:
    """The run so far in `out` if it is this engine's with the same settings, else a new one."""
    result = TrainResult(config=config)
    history_path, checkpoint = out / HISTORY_NAME, out / CHECKPOINT_NAME
    if not (history_path.is_file() and checkpoint.is_file()):
        return result
    saved = json.loads(history_path.read_text(encoding="utf-8"))
    old = dict(saved.get("config", {}))
    same = {k: v for k, v in old.items() if k != "epochs"} == {
        k: v for k, v in config.items() if k != "epochs"
    }
    if not same:
        raise ValueError(
            f"{out} holds a run with other settings ({old}); use another --out or --no-resume"
        )
    model.load_state(load_npz(checkpoint))
    result.history = {k: list(v) for k, v in saved["history"].items()}
    result.epoch_times = [float(t) for t in saved.get("epoch_times", [])]
    result.initial_epoch = result.epochs_done = int(saved["epochs_done"])
    return result


# ---- the command ------------------------------------------------------------------------
def train_from_cli(args: argparse.Namespace) -> int:
    """`autograd-lab train MODEL --engine autograd-lab`: train, then write the Keras outputs."""
    from keras_models.cli import DEFAULTS
    from keras_models.data import MnistFileError, load_mnist

    if args.model not in ARCHITECTURES:
        print(
            f"error: the autograd-lab engine trains {' and '.join(ARCHITECTURES)} only; "
            f"train {args.model} with --engine keras",
            file=sys.stderr,
        )
        return 2
    if getattr(args, "gpu", None) is not None:
        print("note: the autograd-lab engine runs on the CPU (NumPy); --gpu is ignored")
    settings = {
        k: (
            getattr(args, k, None)
            if getattr(args, k, None) is not None
            else DEFAULTS[args.model][k]
        )
        for k in ("optimizer", "lr", "epochs", "batch_size")
    }
    seed = args.seed if getattr(args, "seed", None) is not None else 0
    try:
        if settings["epochs"] < 1 or settings["batch_size"] < 1:
            raise ValueError("--epochs and --batch-size must be at least 1")
        data = load_mnist(nval=args.nval, path=args.data, limit=args.limit)
        model = EngineModel(
            args.model, optimizer=settings["optimizer"], learning_rate=settings["lr"], seed=seed
        )
    except (MnistFileError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    (x_train, _), (x_val, _), (x_test, y_test) = data
    print(f"data: {data.source}")
    print(f"      {len(x_train)} training, {len(x_val)} validation, {len(x_test)} test images")
    out = Path(args.out or Path("runs") / f"{args.model}-autograd-lab")
    print(
        f"model: {args.model} (autograd-lab engine), {model.count_params():,} parameters; "
        f"output in {out}/"
    )
    config = {
        "model": args.model,
        "engine": "autograd-lab",
        **settings,
        "seed": seed,
        "train_images": len(x_train),
        "data": data.source,
    }
    try:
        result = TrainResult(config=config) if args.no_resume else _resume(model, out, config)
    except (ValueError, OSError, KeyError) as exc:
        print(f"error: cannot resume from {out}: {exc}", file=sys.stderr)
        return 2
    if result.initial_epoch:
        print(f"resuming after epoch {result.initial_epoch}")

    def checkpoint(res: TrainResult) -> None:
        save_npz(out / CHECKPOINT_NAME, model.state())
        write_json(out / HISTORY_NAME, res.to_json())

    started = time.perf_counter()
    try:
        fit(
            model,
            data,
            epochs=settings["epochs"],
            batch_size=settings["batch_size"],
            seed=seed,
            early_stopping=args.early_stopping,
            result=result,
            on_epoch_end=checkpoint,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: history so far is in {out}/{HISTORY_NAME}; "
            "run the same command again to resume"
        )
        return 130
    except (FloatingPointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - started
    return _write_outputs(args.model, model, data, result, out, wall)


def _write_outputs(
    name: str, model: EngineModel, data: Any, result: TrainResult, out: Path, wall: float
) -> int:
    """Evaluate on the test set and write weights, history, pictures and summary; print them."""
    from keras_models import inspection
    from keras_models.results import write_summary

    x_test, y_test = data.test
    test_loss, test_acc = model.evaluate(x_test, y_test)
    cm = inspection.confusion_matrix(y_test, model.predict(x_test).argmax(axis=1))
    pairs = inspection.most_confused_pairs(cm, k=5)
    weights = model.get_weights()
    files = [
        save_npz(out / WEIGHTS_NAME, weights),
        write_json(out / HISTORY_NAME, result.to_json()),
        inspection.plot_history(result, out / "curves.png"),
        inspection.plot_confusion_matrix(cm, out / "confusion.png"),
    ]
    first_layer = "output" if name == "perceptron" else "hidden"
    files.append(
        inspection.plot_weight_maps(weights[f"{first_layer}/kernel"], out / "weights.png")
    )
    write_summary(
        out,
        result,
        files,
        test_loss=test_loss,
        test_accuracy=test_acc,
        most_confused=pairs,
        wall_time=wall,
        **result.config,
        parameters=model.count_params(),
        device="cpu (NumPy kernels)",
    )
    return 0


def iter_batches(
    images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, epoch: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The `(images, labels)` batches of one epoch, in the order `fit` trains on them."""
    for index in epoch_batches(len(images), batch_size, seed, epoch):
        yield _flat(images[index]), np.asarray(labels[index], dtype=np.float32)
