# %% [markdown]
# # Chapter 8: Deeper architectures: residual nets, batch norm, dropout
#
# Why not just stack more layers? Because the gradient has to travel back through all of
# them, and the chain rule *multiplies* one local derivative per layer. Multiply forty
# numbers a bit below one and almost nothing is left: the first layers stop learning
# (the *vanishing gradient*). Three ideas made deep networks trainable:
#
# * **Residual connections** compute `x + f(x)` instead of `f(x)`. The rule for addition,
#   `d(x + y) = dx + dy`, passes the gradient through unchanged, so every layer has a
#   direct line to the loss.
# * **Batch normalisation** rescales each feature to mean 0 and variance 1 over the batch,
#   keeping values (and gradients) in a healthy range.
# * **Dropout** (chapter 5) keeps a big network from memorising.
#
# We measure the first with `autograd_lab`, look at the other two in Keras, and then train
# the small residual network of `keras_models`.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch08_deeper_architectures.py")).resolve().parent
    sys.path.insert(0, str(_HERE.parents[1]))

import autograd_lab as tf  # noqa: E402
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

TITLE = "deeper architectures"
WIDTH = 16


# %% [markdown]
# ## 8.1 Vanishing gradients, measured
#
# A stack of `depth` layers `h ← σ(h W)` (plain) or `h ← h + σ(h W)` (residual), with
# the same random weights. The sigmoid's slope is at most 1/4, so each plain layer
# multiplies the gradient by a factor well below one. We ask the engine for the gradient
# of `sum(h_out)` with respect to the input and print its length: the plain stack's
# shrinks geometrically with depth; the residual one's does not, because the identity
# path `h + ...` carries the gradient past every layer.


# %%
def stack_weights(depth: int, seed: int = 0) -> list[np.ndarray]:
    """`depth` random WIDTH x WIDTH matrices, scaled by 1/sqrt(WIDTH)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH) for _ in range(depth)]


def input_gradient_norm(
    weights: Sequence[np.ndarray], residual: bool, x0: np.ndarray | None = None
) -> float:
    """|d sum(h_out) / d h_in| for the plain or the residual sigmoid stack, by the engine."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [1, WIDTH], name="x")
        h = x
        for i, w in enumerate(weights):
            step = tf.sigmoid(tf.matmul(h, tf.constant(w, name=f"W{i}")))
            h = h + step if residual else step
        (grad,) = tf.gradients(tf.reduce_sum(h), x)
        start = np.full((1, WIDTH), 0.5) if x0 is None else x0
        with tf.Session() as sess:
            return float(np.linalg.norm(sess.run(grad, {x: start})))


def vanishing_gradients(ch: Chapter) -> dict[str, list[float]]:
    """Plot the input gradient's size against depth, with and without skip connections."""
    section("8.1 Vanishing gradients, measured")
    depths = [1, 2, 4, 8, 12, 16, 24] if ch.quick else [1, 2, 4, 8, 12, 16, 24, 32, 48]
    weights = stack_weights(max(depths))
    plain = [input_gradient_norm(weights[:d], residual=False) for d in depths]
    skip = [input_gradient_norm(weights[:d], residual=True) for d in depths]
    for d, p, s in zip(depths, plain, skip, strict=True):
        print(f"  depth {d:>2}: plain {p:10.3e}   residual {s:10.3e}")
    fig = new_figure(6.5, 4)
    ax = fig.subplots()
    ax.semilogy(depths, plain, "o-", label="plain: h = σ(h W)")
    ax.semilogy(depths, skip, "s-", label="residual: h = h + σ(h W)")
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel("|gradient at the input|")
    ax.set_title("how much gradient reaches the first layer")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ch.wrote(save_figure(fig, ch.path("gradient_vs_depth.png")), "gradient size vs depth")
    return {"depths": depths, "plain": plain, "residual": skip}


# %% [markdown]
# ## 8.2 Batch normalisation and dropout behave differently in training
#
# Both layers have two modes. In training, `BatchNormalization` uses the batch's own mean
# and variance; at inference it uses running averages gathered during training (at first
# 0 and 1, so it barely changes anything). `Dropout(0.5)` in training zeroes about half the
# values and doubles the rest, keeping the mean; at inference it does nothing. Keras picks
# the mode from `training=` (`fit` sets it for you).


# %%
def training_modes(ch: Chapter) -> dict[str, float]:
    """Run BatchNormalization and Dropout in both modes on the same batch; draw histograms."""
    section("8.2 Batch normalisation and dropout behave differently in training")
    import keras

    rng = np.random.default_rng(0)
    batch = rng.normal(5.0, 3.0, size=(512, 4)).astype(np.float32)
    norm = keras.layers.BatchNormalization()
    trained = np.asarray(norm(batch, training=True))
    inferred = np.asarray(norm(batch, training=False))
    drop = keras.layers.Dropout(0.5, seed=0)
    ones = np.ones((1, 10_000), dtype=np.float32)
    dropped = np.asarray(drop(ones, training=True))
    print(f"  input: mean {batch.mean():.2f}, std {batch.std():.2f}")
    print(f"  batch norm, training:  mean {trained.mean():.3f}, std {trained.std():.3f}")
    print(f"  batch norm, inference: mean {inferred.mean():.3f}, std {inferred.std():.3f}")
    print(
        f"  dropout 0.5, training: {np.mean(dropped == 0):.1%} zeros, others "
        f"{dropped.max():.1f}, mean {dropped.mean():.3f}; at inference: unchanged"
    )
    fig = new_figure(9, 3.2)
    axes = fig.subplots(1, 2)
    axes[0].hist(batch[:, 0], bins=40, alpha=0.6, label="input")
    axes[0].hist(trained[:, 0], bins=40, alpha=0.6, label="batch norm (training)")
    axes[0].legend(fontsize=8)
    axes[0].set_title("one feature before and after batch norm")
    axes[1].bar(["0", "2"], [np.mean(dropped == 0), np.mean(dropped == 2)])
    axes[1].set_title("dropout(0.5) on ones: values taken")
    ch.wrote(save_figure(fig, ch.path("batchnorm_dropout.png")), "the two training modes")
    return {"bn_std": float(trained.std()), "dropped": float(np.mean(dropped == 0))}


# %% [markdown]
# ## 8.3 The residual network
#
# `create_resnet()` puts it all together: a convolution stem, then residual blocks of
# conv → batch norm → ReLU → conv → batch norm, added to a shortcut (a 1×1 convolution
# where the shape changes), global average pooling, dropout and a softmax. The picture of
# its layer graph shows the shortcuts as the edges that skip ahead. (With `--quick` a
# narrower version trains for two epochs on a few hundred images, so expect little.)


# %%
def residual_network(ch: Chapter, data: Any) -> dict[str, Any]:
    """Build the ResNet, draw its layer graph, train it briefly, plot its curves."""
    section("8.3 The residual network")
    from keras_models.inspection import GraphvizMissingError, plot_history, plot_model_graph
    from keras_models.models import create_resnet
    from keras_models.training import train

    filters = (8, 16) if ch.quick else (16, 32, 64)
    model = create_resnet(filters=filters)
    adds = [layer.name for layer in model.layers if "add" in layer.name]
    norms = sum("BatchNormalization" in type(layer).__name__ for layer in model.layers)
    print(
        f"  filters {filters}: {model.count_params():,} parameters, {len(model.layers)} "
        f"layers, {norms} batch norms, residual additions {adds}"
    )
    try:
        ch.wrote(plot_model_graph(model, ch.path("resnet_graph.png")), "the ResNet's layers")
    except GraphvizMissingError as exc:
        print(f"  layer graph skipped: {exc}")
    result = train(
        model,
        data,
        optimizer="adam",
        learning_rate=2e-3,
        batch_size=64,
        epochs=epochs(ch, 5, quick=2),
        seed=0,
        verbose=0 if ch.quick else 2,
    )
    ch.wrote(plot_history(result, ch.path("resnet_history.png")), "the ResNet's curves")
    print(f"  validation accuracy {result.history['val_accuracy'][-1]:.3f}")
    return {"params": model.count_params(), "additions": len(adds)}


# %% [markdown]
# ## Exercises
#
# **Exercise 8.1.** With `weights = stack_weights(depth)`, build both sigmoid stacks of 8.1 in
# `autograd_lab` yourself and return `(plain, residual)`: the lengths of the gradient of
# `sum(h_out)` with respect to the input `x0` you are given.
#
# **Exercise 8.2.** Apply `keras.layers.Dropout(rate)` in training mode to an array of
# 10,000 ones and return the output. What values does it contain, and why?
#
# **Exercise 8.3.** Batch normalisation by hand: return `(batch - mean) / sqrt(var + eps)`
# with the mean and variance of each column, `eps = 0.001` (Keras' default). The check
# compares it with `BatchNormalization()(batch, training=True)`.


# %%
def exercise_1(depth: int, x0: np.ndarray) -> tuple[float, float]:
    raise NotImplementedError("Exercise 8.1: the gradient through a plain and a residual stack")


def exercise_2(rate: float) -> np.ndarray:
    raise NotImplementedError("Exercise 8.2: dropout on ones, in training mode")


def exercise_3(batch: np.ndarray) -> np.ndarray:
    raise NotImplementedError("Exercise 8.3: normalise each column of the batch")


def check_exercise_1(answer: tuple[float, float], depth: int, x0: np.ndarray) -> None:
    """Both norms match the chapter's stacks, and the residual one is far larger."""
    plain, residual = (float(v) for v in answer)
    weights = stack_weights(depth)
    want_plain = input_gradient_norm(weights, residual=False, x0=x0)
    want_residual = input_gradient_norm(weights, residual=True, x0=x0)
    require(np.isclose(plain, want_plain, rtol=1e-6), f"plain: {plain} != {want_plain}")
    require(
        np.isclose(residual, want_residual, rtol=1e-6),
        f"residual: {residual} != {want_residual}",
    )
    require(residual > 10 * plain, "the residual stack should pass far more gradient")


def check_exercise_2(answer: np.ndarray, rate: float) -> None:
    """Only zeros and 1/(1 - rate); about `rate` of them zeros; the mean stays near 1."""
    out = np.asarray(answer, dtype=np.float64).ravel()
    require(out.size == 10_000, f"expected 10,000 values, got {out.size}")
    kept = 1.0 / (1.0 - rate)
    require(
        bool(np.all(np.isclose(out, 0) | np.isclose(out, kept))),
        f"values should be 0 or {kept:g}: found {np.unique(out)[:5]}",
    )
    zeros = float(np.mean(np.isclose(out, 0)))
    require(abs(zeros - rate) < 0.03, f"{zeros:.1%} zeros; expected about {rate:.0%}")
    require(abs(out.mean() - 1.0) < 0.06, f"the mean should stay near 1, got {out.mean():.3f}")


def check_exercise_3(answer: np.ndarray, batch: np.ndarray) -> None:
    """Equal to Keras' batch normalisation in training mode (gamma 1, beta 0)."""
    import keras

    want = np.asarray(keras.layers.BatchNormalization()(batch, training=True))
    got = np.asarray(answer)
    require(got.shape == want.shape, f"expected shape {want.shape}, got {got.shape}")
    error = float(np.max(np.abs(got - want)))
    require(error < 1e-4, f"differs from Keras by up to {error:.2e} (which variance?)")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 8 top to bottom; return its key results."""
    ch = parse_args(8, TITLE, argv)
    if ch is None:
        return {}
    results: dict[str, Any] = {"vanishing": vanishing_gradients(ch)}
    results["modes"] = training_modes(ch)
    data = load_digits(ch, quick_images=256)
    results["resnet"] = residual_network(ch, data)
    batch = np.random.default_rng(1).normal(2.0, 4.0, size=(64, 3)).astype(np.float32)
    results["exercises"] = run_exercises(
        8,
        [
            Exercise(
                "Exercise 8.1", exercise_1, check_exercise_1, (24, np.full((1, WIDTH), 0.5))
            ),
            Exercise("Exercise 8.2", exercise_2, check_exercise_2, (0.5,)),
            Exercise("Exercise 8.3", exercise_3, check_exercise_3, (batch,)),
        ],
    )
    return results


if __name__ == "__main__":
    main()
