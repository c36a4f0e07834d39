# %% [markdown]
# # Chapter 5: The multi-layer perceptron, and overfitting
#
# The perceptron can only match one template per digit. Put a **hidden layer** in between,
# `h = relu(x W₁ + b₁)`, and the output layer combines 256 learned features instead of raw
# pixels. That is the multi-layer perceptron (MLP). It is far more capable, and that
# capability has a price: with enough weights, a network can memorise its training images,
# noise and all, instead of learning what makes a 3 a 3. That is **overfitting**: training
# loss keeps falling while validation loss stops falling, then rises.
#
# This chapter provokes overfitting on purpose, by training a big MLP on few images, reads
# it in the curves, and tries three cures: fewer hidden units, dropout, early stopping.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch05_mlp_and_overfitting.py")).resolve().parent
    sys.path.insert(0, str(_HERE.parents[1]))

from examples.chapters import (  # noqa: E402
    Chapter,
    Exercise,
    load_digits,
    new_figure,
    parse_args,
    require,
    run_exercises,
    save_figure,
    section,
)

TITLE = "the multi-layer perceptron and overfitting"


# %% [markdown]
# ## 5.1 The model and its size
#
# `create_mlp()` stacks Flatten → Dense(256, relu) → Dense(10, softmax). The hidden layer
# has 784·256 weights and 256 biases; the output layer 256·10 weights and 10 biases. That is
# 26 times the perceptron's 7,850 parameters.


# %%
def build_mlp() -> Any:
    """Create the MLP and account for every one of its parameters."""
    section("5.1 The model and its size")
    from keras_models.models import create_mlp

    model = create_mlp()
    for layer in model.layers:
        shapes = [tuple(w.shape) for w in layer.weights]
        print(
            f"  {layer.name:<8} {type(layer).__name__:<8} weights {shapes} "
            f"-> {layer.count_params():,}"
        )
    print(f"  in all {model.count_params():,} = (784*256 + 256) + (256*10 + 10)")
    return model


# %% [markdown]
# ## 5.2 Overfitting, on purpose
#
# We train the MLP on a small slice of the training images for many epochs, with Adam (a
# gradient descent that adapts its step size per weight). Watch the two loss curves: the
# training loss dives towards zero, while the validation loss bottoms out after a few
# epochs and then climbs. Two numbers sum it up: the *gap* between validation and training
# loss (what was memorised and does not carry over) and the *climb* of the validation loss
# from its lowest point (the sign that more training now makes the model worse).


# %%
def overfitting_setup(ch: Chapter, data: Any) -> tuple[Any, int]:
    """The small training slice and the number of epochs that make overfitting show."""
    n, n_epochs = (300, 10) if ch.quick else (1000, 40)
    (x, y), val = data.train, data.val
    return ((x[:n], y[:n]), val), n_epochs


def fit(model: Any, data: Any, n_epochs: int, early_stopping: int | None = None) -> Any:
    """Train with Adam and a fixed seed, quietly; return the TrainResult."""
    from keras_models.training import train

    return train(
        model,
        data,
        optimizer="adam",
        learning_rate=3e-3,
        batch_size=64,
        epochs=n_epochs,
        early_stopping=early_stopping,
        seed=0,
        verbose=0,
    )


def gap(history: dict[str, list[float]]) -> float:
    """Validation loss minus training loss after the last epoch: how much was memorised."""
    return history["val_loss"][-1] - history["loss"][-1]


def climb(history: dict[str, list[float]]) -> float:
    """How far the validation loss rose from its lowest point by the last epoch."""
    return history["val_loss"][-1] - min(history["val_loss"])


def provoke_overfitting(ch: Chapter, small: Any, n_epochs: int) -> dict[str, Any]:
    """Train the 256-unit MLP long on few images; plot the diverging curves."""
    section("5.2 Overfitting, on purpose")
    from keras_models.inspection import plot_history
    from keras_models.models import create_mlp

    result = fit(create_mlp(hidden=256), small, n_epochs)
    hist = result.history
    best = int(np.argmin(hist["val_loss"])) + 1
    print(f"  {len(small[0][0])} training images, {n_epochs} epochs")
    print(
        f"  final training loss {hist['loss'][-1]:.3f}, validation loss "
        f"{hist['val_loss'][-1]:.3f} (gap {gap(hist):.3f}, climb {climb(hist):.3f}); "
        f"validation loss was lowest after epoch {best}"
    )
    ch.wrote(plot_history(result, ch.path("mlp_overfitting.png")), "the overfitting curves")
    return hist


# %% [markdown]
# ## 5.3 Three cures
#
# * **Fewer hidden units.** A narrower layer has fewer weights to memorise with, which is
#   the textbook cure. Watch whether it works here: on the quick slice (300 images, 10
#   epochs) 8 units climb less than 256, but on 1,000 or 5,500 images over 40 epochs of
#   Adam the 8- and 16-unit layers climbed *more* than the 256-unit one (0.08 and 0.18
#   against 0.06 and 0.08) and reached a worse best validation loss. Wide networks often
#   generalise better than their weight count suggests; capacity is not the whole story.
# * **Dropout.** During training, each hidden unit is switched off with probability 0.5 at
#   every step, so no unit can rely on another being there; at test time all units work.
#   Dropout slows memorising rather than forbidding it: its best validation loss is lower
#   than the plain model's, but trained long enough on so few images it climbs as well.
# * **Early stopping.** Watch the validation loss; when it has not improved for a few
#   epochs, stop and go back to the best weights. Of the three it is the only one that
#   guarantees no climb, since it keeps the best epoch.
#
# The picture puts the four runs side by side: read each one's gap and climb, and see
# which cure does what on this data rather than taking the list above on trust.


# %%
def cures(
    ch: Chapter, small: Any, n_epochs: int, overfit: dict[str, list[float]]
) -> dict[str, dict[str, float]]:
    """Train the three cures, print their gaps and climbs, and draw the four runs."""
    section("5.3 Three cures")
    from keras_models.models import create_mlp

    runs = {"256 hidden units": (overfit, None)}
    fewer = fit(create_mlp(hidden=16), small, n_epochs)
    runs["16 hidden units"] = (fewer.history, None)
    dropout = fit(create_mlp(hidden=256, dropout=0.5), small, n_epochs)
    runs["256 units, dropout 0.5"] = (dropout.history, None)
    stopped = fit(create_mlp(hidden=256), small, n_epochs, early_stopping=2)
    best = int(np.argmin(stopped.history["val_loss"]))
    runs["256 units, early stopping"] = (stopped.history, best)
    fig = new_figure(13, 3.4)
    axes = fig.subplots(1, 4, sharey=True)
    found: dict[str, dict[str, float]] = {}
    for ax, (name, (hist, kept)) in zip(axes, runs.items(), strict=True):
        steps = range(1, len(hist["loss"]) + 1)
        ax.plot(steps, hist["loss"], "o-", ms=3, label="training")
        ax.plot(steps, hist["val_loss"], "s--", ms=3, label="validation")
        if kept is not None:  # early stopping keeps the best epoch's weights
            ax.axvline(kept + 1, color="grey", lw=1, ls=":", label="weights kept")
            hist = {key: values[: kept + 1] for key, values in hist.items()}
        found[name] = {"gap": gap(hist), "climb": climb(hist)}
        ax.set_title(f"{name}\ngap {gap(hist):.2f}, climb {climb(hist):.2f}", fontsize=9)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("cross-entropy loss")
    axes[0].legend(fontsize=8)
    for name, numbers in found.items():
        print(f"  {name:<27} gap {numbers['gap']:.3f}, climb {numbers['climb']:.3f}")
    ch.wrote(save_figure(fig, ch.path("overfitting_cures.png")), "four runs side by side")
    return found


# %% [markdown]
# ## Exercises
#
# **Exercise 5.1.** Count the trainable weights of `create_mlp()` from its layer sizes,
# without calling `count_params`, and return the number.
#
# **Exercise 5.2.** See overfitting and try to cure it with fewer hidden units. Given a small
# training set `data` and a number of epochs, train `create_mlp(hidden=256)` and an MLP
# with fewer hidden units of your choice, and return `{hidden_units: climb}`, the climb
# being the final validation loss minus the lowest validation loss of the run. Which
# model got worse on new images the longer it trained?


# %%
def exercise_1() -> int:
    raise NotImplementedError("Exercise 5.1: count the MLP's weights by hand")


def exercise_2(data: Any, n_epochs: int) -> dict[int, float]:
    raise NotImplementedError("Exercise 5.2: the climb with 256 and with fewer hidden units")


def check_exercise_1(answer: int) -> None:
    """784*256 + 256 + 256*10 + 10 = 203,530, which is what Keras counts too."""
    from keras_models.models import create_mlp

    want = sum(int(np.prod(w.shape)) for w in create_mlp().trainable_weights)
    require(int(answer) == want, f"expected {want:,}, got {int(answer):,}")


def check_exercise_2(answer: dict[int, float], data: Any, n_epochs: int) -> None:
    """Both runs are there and measured; the 256-unit MLP overfits. Which climbs less is
    for you to read: it depends on the data and on how long you train."""
    climbs = {int(k): float(v) for k, v in answer.items()}
    require(256 in climbs, "include the 256-unit MLP")
    smaller = [k for k in climbs if k < 256]
    require(bool(smaller), "include an MLP with fewer than 256 hidden units")
    require(
        all(0 <= c < 10 for c in climbs.values()),
        "a climb is final minus lowest validation loss: never negative, and small",
    )
    require(climbs[256] > 0.005, f"the 256-unit MLP should overfit (climb {climbs[256]:.3f})")
    least = min(smaller)
    verdict = "less" if climbs[least] < climbs[256] else "not less"
    print(
        f"  {least} units climbed {climbs[least]:.3f}: {verdict} than 256 units' "
        f"{climbs[256]:.3f}"
    )


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 5 top to bottom; return its key results."""
    ch = parse_args(5, TITLE, argv)
    if ch is None:
        return {}
    model = build_mlp()
    data = load_digits(ch, quick_images=300)
    small, n_epochs = overfitting_setup(ch, data)
    overfit = provoke_overfitting(ch, small, n_epochs)
    found = cures(ch, small, n_epochs, overfit)
    results: dict[str, Any] = {"params": model.count_params(), "cures": found}
    results["exercises"] = run_exercises(
        5,
        [
            Exercise("Exercise 5.1", exercise_1, check_exercise_1),
            Exercise("Exercise 5.2", exercise_2, check_exercise_2, (small, n_epochs)),
        ],
    )
    return results


if __name__ == "__main__":
    main()
