# %% [markdown]
# # Chapter 7: Inspecting weights and layer outputs
#
# A single accuracy number hides a lot. Which digits does the model confuse? Which images
# fool it? What do its hidden units respond to? This chapter trains an MLP and opens it up:
# the **confusion matrix** counts, for every true digit, what the model said; the worst
# mistakes show what is hard; and a **layer-output model** (a second Keras model that
# stops at a hidden layer) shows what the network computes on the way.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch07_inspecting_weights_and_outputs.py"))
    sys.path.insert(0, str(_HERE.resolve().parents[2]))

from examples.chapters import (  # noqa: E402
    Chapter,
    Exercise,
    epochs,
    load_digits,
    new_figure,
    parse_args,
    require,
    run_exercises,
    save_figure,
    section,
)

TITLE = "inspecting weights and layer outputs"


# %% [markdown]
# ## 7.1 Train a model to look at
#
# An MLP with 128 hidden units, trained with Adam. Any trained model would do.


# %%
def train_model(ch: Chapter, data: Any) -> Any:
    """Train a 128-unit MLP quietly and return it."""
    section("7.1 Train a model to look at")
    from keras_models.models import create_mlp
    from keras_models.training import train

    model = create_mlp(hidden=128)
    result = train(
        model,
        data,
        optimizer="adam",
        learning_rate=2e-3,
        batch_size=64,
        epochs=epochs(ch, 8, quick=2),
        seed=0,
        verbose=0 if ch.quick else 2,
    )
    print(
        f"  validation accuracy {result.history['val_accuracy'][-1]:.3f} after "
        f"{result.epochs_done} epochs"
    )
    return model


# %% [markdown]
# ## 7.2 The confusion matrix
#
# Row `t`, column `p` counts the test images of digit `t` that the model called `p`. A
# perfect model has numbers only on the diagonal. Off the diagonal, the largest cells are
# the pairs that look alike to the model: 4 and 9, 3 and 5, 7 and 2 are the usual
# suspects. Reading a row tells you a digit's *recall* (the share of its images found);
# reading a column tells you the *precision* of a prediction.


# %%
def confusion(ch: Chapter, model: Any, data: Any) -> dict[str, Any]:
    """Predict the test set, build, print and draw the confusion matrix."""
    section("7.2 The confusion matrix")
    from keras_models.inspection import (
        confusion_matrix,
        most_confused_pairs,
        plot_confusion_matrix,
        predict_classes,
    )

    images, labels = data.test
    predicted = predict_classes(model, images)
    cm = confusion_matrix(labels, predicted)
    recall = np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
    print(
        f"  accuracy {np.trace(cm) / cm.sum():.3f}; recall per digit "
        + " ".join(f"{d}:{r:.2f}" for d, r in enumerate(recall))
    )
    for true, said, count in most_confused_pairs(cm, k=3):
        print(f"  {count:>3} images of a {true} were read as a {said}")
    ch.wrote(plot_confusion_matrix(cm, ch.path("confusion_matrix.png")), "confusion matrix")
    return {"cm": cm, "predicted": predicted}


# %% [markdown]
# ## 7.3 The worst mistakes
#
# Among the misread images, the ones the model was most sure about are the most telling:
# some are sloppy handwriting, a few are arguably mislabelled, and some show a real blind
# spot of the model.


# %%
def worst_mistakes(ch: Chapter, model: Any, data: Any, count: int = 12) -> Path:
    """Draw the misclassified test images with the highest confidence in the wrong answer."""
    section("7.3 The worst mistakes")
    images, labels = data.test
    probs = model.predict(images, verbose=0)
    said, true = probs.argmax(axis=1), labels.argmax(axis=1)
    wrong = np.flatnonzero(said != true)
    worst = wrong[np.argsort(-probs[wrong, said[wrong]])][:count]
    print(f"  {len(wrong)} of {len(images)} test images misread")
    fig = new_figure(10, 2.8)
    axes = fig.subplots(2, count // 2)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, worst, strict=False):
        ax.imshow(images[i, ..., 0], cmap="gray_r")
        ax.set_title(f"{true[i]} read as {said[i]}\n{probs[i, said[i]]:.0%} sure", fontsize=8)
    return ch.wrote(save_figure(fig, ch.path("worst_mistakes.png")), "confident mistakes")


# %% [markdown]
# ## 7.4 Inside the hidden layer
#
# `layer_output_model(model, "hidden")` is a model from the same input to the hidden
# layer's output: 128 ReLU activations per image. Averaging them per digit shows that each
# digit lights up its own pattern of units; many units are zero for most images (that is
# what ReLU does below its threshold). The hidden units' weights, drawn as 28×28 images,
# are the patterns they respond to.


# %%
def hidden_layer(ch: Chapter, model: Any, data: Any) -> dict[str, Any]:
    """Average hidden activations per digit; draw them and the first units' weights."""
    section("7.4 Inside the hidden layer")
    from keras_models.inspection import layer_output_model

    images, labels = data.test
    hidden = layer_output_model(model, "hidden").predict(images, verbose=0)
    digits = labels.argmax(axis=1)
    per_digit = np.stack([hidden[digits == d].mean(axis=0) for d in range(10)])
    zero = float(np.mean(hidden == 0))
    print(f"  hidden outputs {hidden.shape}; {zero:.0%} of them are exactly 0")
    fig = new_figure(10, 3.0)
    ax = fig.subplots()
    image = ax.imshow(per_digit, aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax)
    ax.set_xlabel("hidden unit")
    ax.set_ylabel("digit")
    ax.set_yticks(range(10))
    ax.set_title("mean activation of each hidden unit, per digit")
    ch.wrote(save_figure(fig, ch.path("hidden_activations.png")), "hidden units per digit")
    kernel = model.get_layer("hidden").get_weights()[0]
    fig = new_figure(10, 2.6)
    axes = fig.subplots(2, 8)
    for unit, ax in enumerate(axes.flat):
        limit = float(np.abs(kernel[:, unit]).max()) or 1.0
        ax.imshow(kernel[:, unit].reshape(28, 28), cmap="seismic", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {unit}", fontsize=7)
        ax.axis("off")
    ch.wrote(save_figure(fig, ch.path("hidden_weights.png")), "weights of 16 hidden units")
    return {"zero_fraction": zero, "per_digit": per_digit}


# %% [markdown]
# ## 7.5 The model as a graph
#
# `keras.utils.plot_model` draws the layers with their shapes (it needs Graphviz).


# %%
def model_graph(ch: Chapter, model: Any) -> Path | None:
    """Draw the layer graph, or say why it cannot be drawn here."""
    section("7.5 The model as a graph")
    from keras_models.inspection import GraphvizMissingError, plot_model_graph

    try:
        return ch.wrote(plot_model_graph(model, ch.path("mlp_graph.png")), "the layer graph")
    except GraphvizMissingError as exc:
        print(f"  skipped: {exc}")
        return None


# %% [markdown]
# ## Exercises
#
# **Exercise 7.1.** Build and read a confusion matrix. Given integer arrays `y_true` and
# `y_pred` (digits 0..9), return `(cm, pair)`: the 10×10 matrix of counts (row = true,
# column = predicted), built with NumPy only, and the `(true, predicted)` pair of
# different digits that was confused most often.
#
# **Exercise 7.2.** For the trained `model` and a batch of `images`, return the fraction of
# the hidden layer's outputs that are exactly zero. Use `layer_output_model`, or compute
# `relu(x W + b)` from the hidden layer's weights yourself.


# %%
def exercise_1(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    raise NotImplementedError("Exercise 7.1: a confusion matrix with NumPy, and its worst pair")


def exercise_2(model: Any, images: np.ndarray) -> float:
    raise NotImplementedError("Exercise 7.2: the share of hidden outputs that are zero")


def check_exercise_1(
    answer: tuple[np.ndarray, tuple[int, int]], y_true: np.ndarray, y_pred: np.ndarray
) -> None:
    """The matrix counts every (true, predicted) pair; the pair is its largest off-diagonal."""
    cm, pair = answer
    cm = np.asarray(cm)
    require(cm.shape == (10, 10), f"expected a 10x10 matrix, got {cm.shape}")
    want = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        want[t, p] += 1
    require(np.array_equal(cm, want), "some counts are off (row = true, column = predicted)")
    off = want.copy()
    np.fill_diagonal(off, 0)
    best = off.max()
    t, p = (int(v) for v in pair)
    require(t != p, "the pair should be two different digits")
    require(off[t, p] == best, f"({t}, {p}) was confused {off[t, p]} times; the most is {best}")


def check_exercise_2(answer: float, model: Any, images: np.ndarray) -> None:
    """The share matches relu(x W + b) computed from the hidden layer's weights."""
    kernel, bias = model.get_layer("hidden").get_weights()
    pre = images.reshape(len(images), -1) @ kernel + bias
    want = float(np.mean(pre <= 0))
    require(0.0 <= float(answer) <= 1.0, f"a fraction is between 0 and 1, got {answer}")
    require(abs(float(answer) - want) < 2e-3, f"expected about {want:.4f}, got {answer:.4f}")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 7 top to bottom; return its key results."""
    ch = parse_args(7, TITLE, argv)
    if ch is None:
        return {}
    data = load_digits(ch, quick_images=512)
    model = train_model(ch, data)
    found = confusion(ch, model, data)
    worst_mistakes(ch, model, data)
    inside = hidden_layer(ch, model, data)
    model_graph(ch, model)
    y_true = data.test[1].argmax(axis=1)
    results: dict[str, Any] = {"cm": found["cm"], "zero_fraction": inside["zero_fraction"]}
    results["exercises"] = run_exercises(
        7,
        [
            Exercise(
                "Exercise 7.1", exercise_1, check_exercise_1, (y_true, found["predicted"])
            ),
            Exercise("Exercise 7.2", exercise_2, check_exercise_2, (model, data.test[0][:256])),
        ],
    )
    results["model"] = model
    return results


if __name__ == "__main__":
    main()
