# %% [markdown]
# # Chapter 6: Convolutional networks
#
# The MLP of chapter 5 treats an image as 784 unrelated numbers: shift a digit by one pixel
# and, to the MLP, it is a different input. A **convolution** looks at small windows
# instead: it slides a 3×3 *filter* over the image and, at every position, takes the
# weighted sum of the 9 pixels under it. The same 9 weights are used everywhere, so a
# filter that detects an edge detects it anywhere. **Max pooling** then keeps the largest
# value of each 2×2 block, halving the size and tolerating small shifts.
#
# We first run one convolution by hand in `autograd_lab` (its `Conv2D` op has a row in the
# derivative table like any other, and the checker verifies it), then train Keras' small
# convnet and look at what its filters learned.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch06_convolutional_networks.py")).resolve().parent
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

TITLE = "convolutional networks"

# Two edge detectors: a vertical edge (dark to light, left to right) and a horizontal one.
VERTICAL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
HORIZONTAL = VERTICAL.T.copy()


# %% [markdown]
# ## 6.1 One convolution, by the engine
#
# `tf.nn.conv2d` takes images shaped `(batch, height, width, channels)` and filters shaped
# `(height, width, in_channels, out_channels)`. With two 3×3 edge filters, one digit
# becomes two *feature maps*, each 26×26 (a 3×3 window fits 26 times across 28 pixels).
# The gradient of the output with respect to the filters is what training will use; the
# checker confirms the `Conv2D` rule against finite differences.


# %%
def engine_convolution(ch: Chapter, image: np.ndarray) -> dict[str, Any]:
    """Convolve one digit with two edge filters in autograd_lab; check the Conv2D rule."""
    section("6.1 One convolution, by the engine")
    from autograd_lab.verify import check_gradients

    filters = np.stack([VERTICAL, HORIZONTAL], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [1, 28, 28, 1], name="image")
        w = tf.placeholder(tf.float64, [3, 3, 1, 2], name="filters")
        maps = tf.nn.conv2d(x, w, strides=1, padding="VALID")
        with tf.Session() as sess:
            out = sess.run(maps, {x: image[None], w: filters})
        print(f"  image {image.shape[:2]} * filters {filters.shape} -> maps {out.shape}")
        small = tf.placeholder(tf.float64, [1, 6, 6, 1], name="patch")
        loss = tf.reduce_sum(tf.square(tf.nn.conv2d(small, w, strides=1, padding="VALID")))
        report = check_gradients(
            loss, [small, w], {small: image[None, 10:16, 10:16], w: filters}
        )
    print(
        f"  gradient check of Conv2D on a 6x6 patch: {'PASS' if report.ok else 'FAIL'} "
        f"({len(report.rows)} rows)"
    )
    fig = new_figure(9, 3.2)
    axes = fig.subplots(1, 3)
    panels = [
        (image[..., 0], "the digit", "gray_r"),
        (out[0, ..., 0], "vertical edges", "seismic"),
        (out[0, ..., 1], "horizontal edges", "seismic"),
    ]
    for ax, (picture, title, cmap) in zip(axes, panels, strict=True):
        limit = np.abs(picture).max() or 1.0
        vmin = -limit if cmap == "seismic" else 0.0
        ax.imshow(picture, cmap=cmap, vmin=vmin, vmax=limit)
        ax.set_title(title)
        ax.axis("off")
    ch.wrote(save_figure(fig, ch.path("edge_filters.png")), "a digit and two edge maps")
    return {"maps": out, "check_ok": report.ok}


# %% [markdown]
# ## 6.2 The convnet
#
# `create_cnn()` stacks two convolution + pooling stages (32 then 64 filters), flattens,
# applies dropout, and ends with a softmax layer. Compare its size with the MLP: 34,826
# parameters instead of 203,530, because a 3×3 filter is shared across the whole image.
# Fewer weights, used more cleverly, and it usually wins on accuracy too.


# %%
def build_and_train(ch: Chapter, data: Any) -> tuple[Any, dict[str, Any]]:
    """Create the CNN, print layer shapes and sizes, train it, plot the curves."""
    section("6.2 The convnet")
    from keras_models.inspection import plot_history
    from keras_models.models import create_cnn
    from keras_models.training import train

    model = create_cnn()
    for layer in model.layers:
        print(
            f"  {layer.name:<10} {type(layer).__name__:<13} output "
            f"{str(tuple(layer.output.shape)):<18} params {layer.count_params():,}"
        )
    print(f"  in all {model.count_params():,} parameters")
    result = train(
        model,
        data,
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=64,
        epochs=epochs(ch, 6),
        seed=0,
        verbose=0 if ch.quick else 2,
    )
    ch.wrote(plot_history(result, ch.path("cnn_history.png")), "the convnet's curves")
    _, test_acc = model.evaluate(*data.test, verbose=0)
    print(f"  test accuracy {test_acc:.3f}")
    return model, {"params": model.count_params(), "test_accuracy": float(test_acc)}


# %% [markdown]
# ## 6.3 What the first layer learned
#
# The 32 filters of `conv1` are 3×3 images; drawn side by side, many look like small edge
# and corner detectors, like the ones we wrote by hand in 6.1 (after a short `--quick`
# run they are still mostly noise). The feature maps show what each filter responds to in
# one digit.


# %%
def show_filters(ch: Chapter, model: Any, image: np.ndarray) -> None:
    """Draw the learned conv1 filters and the conv1 feature maps of one digit."""
    section("6.3 What the first layer learned")
    from keras_models.inspection import plot_feature_maps

    kernel = model.get_layer("conv1").get_weights()[0]  # (3, 3, 1, 32)
    fig = new_figure(9, 4.6)
    axes = fig.subplots(4, 8)
    limit = float(np.abs(kernel).max()) or 1.0
    for i, ax in enumerate(axes.flat):
        ax.imshow(kernel[:, :, 0, i], cmap="seismic", vmin=-limit, vmax=limit)
        ax.set_title(str(i), fontsize=7)
        ax.axis("off")
    fig.suptitle("conv1 filters (red: positive, blue: negative)")
    ch.wrote(save_figure(fig, ch.path("conv1_filters.png")), "the 32 learned filters")
    path = plot_feature_maps(model, image, "conv1", ch.path("conv1_feature_maps.png"))
    ch.wrote(path, "what each conv1 filter sees in one digit")


# %% [markdown]
# ## Exercises
#
# **Exercise 6.1.** Work out, without running the model, the output shape of each layer of
# `create_cnn()` for one 28×28×1 image: conv1, pool1, conv2, pool2 and flatten. Return the
# five shapes as tuples without the batch axis, e.g. `(26, 26, 32)` for conv1.
#
# **Exercise 6.2.** Count the parameters of `conv1`, `conv2` and `output` by formula (a
# filter has height × width × input channels weights, and each filter has one bias). Return
# `{"conv1": ..., "conv2": ..., "output": ...}`.
#
# **Exercise 6.3.** Convolve a 2-D `image` with a 3×3 `kernel` in plain NumPy, the way
# `Conv2D` does with padding "VALID" (no flipping of the kernel: it is a cross-correlation).
# Return the `(h - 2, w - 2)` result; the check compares it with the engine's
# `tf.nn.conv2d`.


# %%
def exercise_1() -> list[tuple[int, ...]]:
    raise NotImplementedError("Exercise 6.1: the CNN's layer output shapes, by hand")


def exercise_2() -> dict[str, int]:
    raise NotImplementedError("Exercise 6.2: parameters of conv1, conv2 and output")


def exercise_3(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    raise NotImplementedError("Exercise 6.3: a VALID 3x3 cross-correlation in NumPy")


def _cnn() -> Any:
    from keras_models.models import create_cnn

    return create_cnn()


def check_exercise_1(answer: Sequence[tuple[int, ...]]) -> None:
    """The shapes equal the model's, layer by layer."""
    model = _cnn()
    names = ["conv1", "pool1", "conv2", "pool2", "flatten"]
    flatten = next(layer for layer in model.layers if "flatten" in layer.name)
    want = [tuple(model.get_layer(n).output.shape[1:]) for n in names[:4]]
    want.append(tuple(flatten.output.shape[1:]))
    got = [tuple(int(d) for d in s) for s in answer]
    require(got == want, f"expected {want}, got {got}")


def check_exercise_2(answer: dict[str, int]) -> None:
    """The counts equal Keras' own."""
    model = _cnn()
    want = {n: model.get_layer(n).count_params() for n in ("conv1", "conv2", "output")}
    got = {k: int(v) for k, v in answer.items()}
    require(got == want, f"expected {want}, got {got}")


def check_exercise_3(answer: np.ndarray, image: np.ndarray, kernel: np.ndarray) -> None:
    """The NumPy result equals tf.nn.conv2d's with padding VALID."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(np.asarray(image, np.float64)[None, :, :, None])
        w = tf.constant(np.asarray(kernel, np.float64)[:, :, None, None])
        with tf.Session() as sess:
            want = sess.run(tf.nn.conv2d(x, w, strides=1, padding="VALID"))[0, :, :, 0]
    got = np.asarray(answer)
    require(got.shape == want.shape, f"expected shape {want.shape}, got {got.shape}")
    require(np.allclose(got, want), "values differ from Conv2D's (is the kernel flipped?)")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 6 top to bottom; return its key results."""
    ch = parse_args(6, TITLE, argv)
    if ch is None:
        return {}
    data = load_digits(ch, quick_images=256)
    image = data.test[0][0].astype(np.float64)
    results: dict[str, Any] = {"engine": engine_convolution(ch, image)}
    model, trained = build_and_train(ch, data)
    results.update(trained)
    show_filters(ch, model, data.test[0][0])
    rng = np.random.default_rng(0)
    results["exercises"] = run_exercises(
        6,
        [
            Exercise("Exercise 6.1", exercise_1, check_exercise_1),
            Exercise("Exercise 6.2", exercise_2, check_exercise_2),
            Exercise(
                "Exercise 6.3",
                exercise_3,
                check_exercise_3,
                (image[..., 0], rng.normal(size=(3, 3))),
            ),
        ],
    )
    return results


if __name__ == "__main__":
    main()
