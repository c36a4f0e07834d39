# %% [markdown]
# # Chapter 4: The perceptron in Keras
#
# Everything so far ran on `autograd_lab`, small enough to read. From here on we use Keras
# on TensorFlow, which does the same things at scale: it builds a graph of operations
# (`MatMul`, `AddV2`, `Softmax`, ...), differentiates it with a table of rules just like
# chapter 3's, and nudges the weights downhill.
#
# The first model is the simplest classifier of handwritten digits: a **perceptron** (softmax
# regression). It flattens a 28×28 image into 784 numbers `x`, computes ten scores
# `z = x W + b`, and turns them into probabilities with the softmax. Training adjusts `W`
# and `b` to make the right digit's probability large.
#
# The data is MNIST. Offline, the chapter uses the 6,000-image sample shipped with the
# project; with `--quick` it trains on a few hundred images for one epoch.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch04_perceptron_keras.py")).resolve().parent
    sys.path.insert(0, str(_HERE.parents[1]))

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

TITLE = "the perceptron in Keras"


# %% [markdown]
# ## 4.1 The data
#
# Each image is 28×28 grey levels, scaled to [0, 1]; each label is *one-hot*: a vector of
# ten numbers with a 1 at the digit's place. A validation set, held out from training, tells
# us how well the model does on images it has not learned from.


# %%
def show_digits(ch: Chapter, data: Any, count: int = 20) -> Path:
    """Draw the first training images with their labels."""
    section("4.1 The data")
    images, labels = data.train
    fig = new_figure(10, 2.4)
    axes = fig.subplots(2, count // 2)
    for i, ax in enumerate(axes.flat):
        ax.imshow(images[i, ..., 0], cmap="gray_r")
        ax.set_title(str(int(labels[i].argmax())), fontsize=9)
        ax.axis("off")
    fig.suptitle("the first training images and their labels")
    return ch.wrote(save_figure(fig, ch.path("digits.png")), "sample digits")


# %% [markdown]
# ## 4.2 The model
#
# `Dense(10, activation="softmax")` holds a 784×10 weight matrix and 10 biases:
# 784·10 + 10 = 7,850 numbers to learn. Its output is `softmax(x W + b)`.


# %%
def build_perceptron() -> Any:
    """Create the perceptron and print its layers and parameter count."""
    section("4.2 The model")
    from keras_models.models import create_perceptron

    model = create_perceptron()
    for layer in model.layers:
        print(f"  {layer.name:<10} {type(layer).__name__:<8} params {layer.count_params():,}")
    print(f"  in all: {model.count_params():,} (784 * 10 + 10 = {784 * 10 + 10:,})")
    return model


# %% [markdown]
# ## 4.3 Training
#
# Training minimises the *cross-entropy*, `-log p(correct digit)`, averaged over a batch,
# by stochastic gradient descent: compute the gradient of the loss with respect to `W` and
# `b` (Keras asks TensorFlow, whose table has the same rules as ours), step against it,
# repeat. One pass over the training set is an *epoch*. The curves show the loss and the
# accuracy on the training and validation sets after each epoch.


# %%
def train_perceptron(ch: Chapter, model: Any, data: Any) -> dict[str, float]:
    """Train with SGD, plot the curves, and report the test accuracy."""
    section("4.3 Training")
    from keras_models.inspection import plot_history
    from keras_models.training import train

    result = train(
        model,
        data,
        optimizer="sgd",
        learning_rate=0.5,
        batch_size=64,
        epochs=epochs(ch, 10),
        seed=0,
        verbose=0 if ch.quick else 2,
    )
    hist = result.history
    print(
        f"  after {result.epochs_done} epoch(s): training accuracy "
        f"{hist['accuracy'][-1]:.3f}, validation accuracy {hist['val_accuracy'][-1]:.3f}"
    )
    ch.wrote(plot_history(result, ch.path("perceptron_history.png")), "loss and accuracy")
    test_loss, test_acc = model.evaluate(*data.test, verbose=0)
    print(f"  test accuracy {test_acc:.3f} on {len(data.test[0])} images")
    return {"val_accuracy": hist["val_accuracy"][-1], "test_accuracy": float(test_acc)}


# %% [markdown]
# ## 4.4 What the weights look like
#
# Each digit's column of `W` has one weight per pixel, so it can be drawn as an image.
# Red pixels raise that digit's score when inked, blue ones lower it. After training, the
# maps look like blurred templates of the digits: a perceptron matches the image against
# one template per class, and that is all it can do.


# %%
def show_weights(ch: Chapter, model: Any) -> Path:
    """Draw the ten weight maps of the trained perceptron."""
    section("4.4 What the weights look like")
    from keras_models.inspection import plot_perceptron_weights

    path = plot_perceptron_weights(model, ch.path("perceptron_weights.png"))
    return ch.wrote(path, "one weight map per digit")


# %% [markdown]
# ## Exercises
#
# **Exercise 4.1.** Compute the perceptron's output yourself. Given the trained `model` and
# a batch of `images`, read the weights with `model.get_layer("output").get_weights()`,
# flatten the images, compute `softmax(x W + b)` with NumPy, and return the probabilities
# (shape `(n, 10)`). The check compares them with `model.predict`.
#
# **Exercise 4.2.** Return the model's accuracy on `(images, labels)` (labels one-hot):
# the fraction of images whose most probable digit is the true one.


# %%
def exercise_1(model: Any, images: np.ndarray) -> np.ndarray:
    raise NotImplementedError("Exercise 4.1: softmax(x W + b) with NumPy")


def exercise_2(model: Any, images: np.ndarray, labels: np.ndarray) -> float:
    raise NotImplementedError("Exercise 4.2: the accuracy, from predictions and labels")


def check_exercise_1(answer: np.ndarray, model: Any, images: np.ndarray) -> None:
    """The NumPy probabilities equal Keras' predictions."""
    got = np.asarray(answer)
    want = model.predict(images, verbose=0)
    require(got.shape == want.shape, f"expected shape {want.shape}, got {got.shape}")
    require(np.allclose(got.sum(axis=1), 1, atol=1e-5), "each row should sum to 1")
    error = float(np.max(np.abs(got - want)))
    require(error < 1e-4, f"differs from model.predict by up to {error:.2e}")


def check_exercise_2(answer: float, model: Any, images: np.ndarray, labels: np.ndarray) -> None:
    """The accuracy equals the one Keras computes."""
    _, want = model.evaluate(images, labels, verbose=0)
    require(0.0 <= float(answer) <= 1.0, f"an accuracy is between 0 and 1, got {answer}")
    require(abs(float(answer) - want) < 1e-6, f"expected {want:.4f}, got {float(answer):.4f}")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 4 top to bottom; return its key results."""
    ch = parse_args(4, TITLE, argv)
    if ch is None:
        return {}
    data = load_digits(ch)
    show_digits(ch, data)
    model = build_perceptron()
    results: dict[str, Any] = {"params": model.count_params()}
    results.update(train_perceptron(ch, model, data))
    show_weights(ch, model)
    images, labels = data.test[0][:256], data.test[1][:256]
    results["exercises"] = run_exercises(
        4,
        [
            Exercise("Exercise 4.1", exercise_1, check_exercise_1, (model, images)),
            Exercise("Exercise 4.2", exercise_2, check_exercise_2, (model, images, labels)),
        ],
    )
    results["model"] = model
    return results


if __name__ == "__main__":
    main()
