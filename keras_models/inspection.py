"""Looking inside trained models: curves, confusion matrices, weights, feature maps (PNGs)."""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograd_lab.files import atomic_write, save_figure

if TYPE_CHECKING:
    import keras


class GraphvizMissingError(RuntimeError):
    """`plot_model` needs the pydot package and Graphviz's `dot` program."""


def _history_dict(history: Any) -> Mapping[str, list[float]]:
    """Accept a Keras History, a TrainResult, or a plain dict of metric lists."""
    if isinstance(history, Mapping):
        inner = history.get("history", history)
        return inner if isinstance(inner, Mapping) else history
    inner = history.history
    return inner if isinstance(inner, Mapping) else {}


def _save(fig: Figure, path: str | os.PathLike) -> Path:
    """Write a PNG atomically. Figures are made without pyplot, so no GUI backend or global
    state is used (the Agg renderer draws them), and nothing needs closing afterwards."""
    return save_figure(fig, path)


def plot_history(history: Any, path: str | os.PathLike) -> Path:
    """Loss and accuracy per epoch, training against validation, side by side."""
    hist = _history_dict(history)
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for key, style in ((metric, "o-"), (f"val_{metric}", "s--")):
            values = hist.get(key)
            if values:
                label = "validation" if key.startswith("val_") else "training"
                ax.plot(range(1, len(values) + 1), values, style, label=label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def predict_classes(
    model: keras.Model, images: np.ndarray, batch_size: int = 512
) -> np.ndarray:
    """The most probable class of each image."""
    probs = model.predict(images, batch_size=batch_size, verbose=0)
    return np.asarray(probs).argmax(axis=-1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Counts `cm[t, p]` of images of class t predicted as p, in one `bincount` of `t*n + p`."""
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:  # one-hot labels
        y_true = y_true.argmax(axis=1)
    y_true = y_true.astype(np.int64)
    y_pred = np.asarray(y_pred).astype(np.int64)
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def most_confused_pairs(cm: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """The `k` largest off-diagonal cells as `(true, predicted, count)`, most frequent first."""
    off = np.array(cm, dtype=np.int64, copy=True)
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None, kind="stable")[::-1][:k]
    rows, cols = np.unravel_index(order, off.shape)
    pairs = [(int(t), int(p), int(off[t, p])) for t, p in zip(rows, cols, strict=True)]
    return [pair for pair in pairs if pair[2] > 0]


def plot_confusion_matrix(cm: np.ndarray, path: str | os.PathLike) -> Path:
    """The confusion matrix as a heat map with the counts written in the cells."""
    cm = np.asarray(cm)
    n = cm.shape[0]
    fig = Figure(figsize=(6.5, 5.5))
    ax = fig.subplots()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax)
    threshold = cm.max() / 2 if cm.size else 0
    for t in range(n):
        for p in range(n):
            color = "white" if cm[t, p] > threshold else "black"
            ax.text(p, t, str(cm[t, p]), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(f"confusion matrix (accuracy {accuracy:.4f})")
    return _save(fig, path)


def layer_weights(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """Each layer's weights (kernel, bias, ...) by layer name; weightless layers left out."""
    return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}


def plot_perceptron_weights(model: keras.Model, path: str | os.PathLike) -> Path:
    """The 28x28 weight maps of a Keras model's first Dense layer on the pixels.

    For a perceptron these are the ten digit templates; for an MLP, the first 16 hidden units.
    """
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError(f"model {model.name!r} has no Dense layer")
    return plot_weight_maps(dense[0].get_weights()[0], path)


def plot_weight_maps(kernel: np.ndarray, path: str | os.PathLike, max_maps: int = 16) -> Path:
    """The 28x28 map of each output (at most `max_maps`) of a kernel (784, n), red positive."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 2 or kernel.shape[0] != 28 * 28:
        raise ValueError(f"expected a kernel on 784 pixels, shape (784, n); got {kernel.shape}")
    count = min(kernel.shape[1], max_maps)
    cols = 5 if count <= 10 else 8
    rows = math.ceil(count / cols)
    limit = float(np.abs(kernel[:, :count]).max()) or 1.0
    fig = Figure(figsize=(2 * cols, 2.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for unit, ax in enumerate(axes.flat):
        ax.axis("off")
        if unit < count:
            ax.imshow(kernel[:, unit].reshape(28, 28), cmap="seismic", vmin=-limit, vmax=limit)
            ax.set_title(str(unit) if kernel.shape[1] <= 10 else f"unit {unit}", fontsize=9)
    what = (
        "output"
        if kernel.shape[1] <= 10
        else f"hidden unit (first {count} of {kernel.shape[1]})"
    )
    fig.suptitle(f"weights from the pixels to each {what} (red: positive, blue: negative)")
    return _save(fig, path)


def layer_output_model(model: keras.Model, layer_name: str) -> keras.Model:
    """A model from `model`'s inputs to the output of layer `layer_name`."""
    import keras

    return keras.Model(model.inputs, model.get_layer(layer_name).output)


def plot_feature_maps(
    model: keras.Model,
    image: np.ndarray,
    layer_name: str,
    path: str | os.PathLike,
    max_maps: int = 32,
) -> Path:
    """A conv layer's activations for one image, one panel per channel (at most `max_maps`)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[..., np.newaxis]
    maps = np.asarray(layer_output_model(model, layer_name).predict(image[None], verbose=0))[0]
    if maps.ndim != 3:
        raise ValueError(f"layer {layer_name!r} gives shape {maps.shape}; expected (h, w, c)")
    count = min(maps.shape[-1], max_maps)
    cols = min(8, count)
    rows = math.ceil(count / cols) + 1
    fig = Figure(figsize=(1.6 * cols, 1.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(image[..., 0], cmap="gray")
    axes[0, 0].set_title("input", fontsize=8)
    for i in range(count):
        ax = axes[1 + i // cols, i % cols]
        ax.imshow(maps[..., i], cmap="viridis")
        ax.set_title(f"{layer_name}[{i}]", fontsize=7)
    return _save(fig, path)


def plot_model_graph(model: keras.Model, path: str | os.PathLike) -> Path:
    """The layer graph with shapes via `keras.utils.plot_model`; needs pydot and Graphviz."""
    if importlib.util.find_spec("pydot") is None:
        raise GraphvizMissingError("plot_model needs pydot: pip install pydot")
    if shutil.which("dot") is None:
        raise GraphvizMissingError(
            "plot_model needs Graphviz's dot program: apt-get install graphviz "
            "(or brew install graphviz)"
        )
    import keras

    def draw(tmp: str) -> None:
        keras.utils.plot_model(model, to_file=tmp, show_shapes=True, show_layer_names=True)
        if not os.path.getsize(tmp):
            raise GraphvizMissingError(f"plot_model wrote nothing for {path}")

    return atomic_write(path, draw)
