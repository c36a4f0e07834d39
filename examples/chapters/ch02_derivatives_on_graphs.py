# %% [markdown]
# # Chapter 2: Derivatives on graphs
#
# Chapter 1 built graphs and ran them. Now the key trick of every deep-learning library:
# `tf.gradients(y, x)` builds **the derivative of y with respect to x as more graph**. It
# does not compute a number, and it does not approximate: it adds operations whose output,
# once run, is the exact derivative at whatever point you feed.
#
# This chapter shows that for `2*x`, for `sin(x)`, for a function of two variables, and
# for a derivative of a derivative. Chapter 3 opens the machine up to show how it works.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch02_derivatives_on_graphs.py")).resolve().parent
    sys.path.insert(0, str(_HERE.parents[1]))

import autograd_lab as tf  # noqa: E402
from examples.chapters import (  # noqa: E402
    Chapter,
    Exercise,
    parse_args,
    require,
    run_exercises,
    section,
)

TITLE = "derivatives on graphs"


# %% [markdown]
# ## 2.1 The derivative of 2*x is more graph
#
# Watch the graph before and after `tf.gradients`. The new operations live under the name
# scope `gradients/`: one makes the starting gradient (dy/dy = 1, shaped like `y`), one
# multiplies it by the local derivative of `2*x`. Because the result is a graph, one call
# of `run` evaluates it at a single point or at a million points at once.


# %%
def derivative_of_2x(ch: Chapter) -> dict[str, Any]:
    """Differentiate 2*x, list the ops that appear, evaluate at one and at a million points."""
    section("2.1 The derivative of 2*x is more graph")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, name="x")
        y = 2 * x
        before = len(graph.get_operations())
        (grad,) = tf.gradients(y, x)
        added = graph.get_operations()[before:]
        for op in added:
            print(f"  new op {op.name:<24} type {op.type}")
        points = np.linspace(-10, 10, 1_000_000)
        with tf.Session() as sess:
            at_three = sess.run(grad, {x: 3.0})
            many = sess.run(grad, {x: points})
    print(f"  dy/dx at x = 3: {at_three}")
    print(
        f"  at a million points in [-10, 10]: shape {many.shape}, "
        f"min {many.min()}, max {many.max()}"
    )
    from viz.graphviz_render import render

    path = ch.path("derivative_2x.svg")
    render(
        [y, grad],
        path,
        gradients=True,
        feed_dict={x: 3.0},
        title="y = 2*x and the ops tf.gradients added, at x = 3",
    )
    ch.wrote(path, "2*x with its derivative ops")
    return {
        "at_three": float(at_three),
        "added": [op.type for op in added],
        "many_min": float(many.min()),
        "many_max": float(many.max()),
    }


# %% [markdown]
# ## 2.2 The derivative of sin is cos
#
# For `sin(x)` the derivative table (chapter 3) says `d sin(x) = cos(x) dx`, so the
# gradient graph contains a `Cos` op. The picture compares three curves: the derivative
# the engine built, a finite-difference estimate `(f(x+h) - f(x-h)) / 2h`, and `cos(x)`
# itself. The lower panel shows how far apart they are: the engine matches `cos` to the
# last bits of float64, while finite differences carry an error of about `h²`.


# %%
def derivative_of_sin(ch: Chapter) -> dict[str, Any]:
    """Plot sin with its derivative by the engine, by finite differences and as cos."""
    section("2.2 The derivative of sin is cos")
    from autograd_lab.formulas import to_text
    from viz.plots import derivative_curves, plot_derivative

    expr = tf.parse("sin(x)")
    (grad,) = tf.gradients(expr.output, expr.inputs["x"])
    print(f"  tf.gradients(sin(x), x) reads {to_text(grad)}")
    curves = derivative_curves("sin(x)")
    error = float(np.max(np.abs(curves.dy - np.cos(curves.x))))
    print(f"  max |engine - cos| over {curves.x.size} points: {error:.2e}")
    path = plot_derivative("sin(x)", path=ch.path("sin_derivative.png"))
    ch.wrote(path, "sin, its derivative, and the checks")
    return {"formula": to_text(grad), "max_error": error}


# %% [markdown]
# ## 2.3 Several variables: partial derivatives
#
# With two inputs, `tf.gradients(y, [x, y])` returns one tensor per input: the partial
# derivatives. For `f = sin(2x) exp(y)` they are `2 cos(2x) exp(y)` and
# `sin(2x) exp(y)`. The engine's graphs print as formulas, so you can compare them with
# what you would write by hand, and run them to compare numbers.


# %%
def partial_derivatives(ch: Chapter) -> dict[str, float]:
    """The two partial derivatives of sin(2x) exp(y), as formulas and as numbers."""
    section("2.3 Several variables: partial derivatives")
    from autograd_lab.formulas import to_text
    from viz.graphviz_render import render

    expr = tf.parse("sin(2*x)*exp(y)", dtype=tf.float64)
    x, y = expr.inputs["x"], expr.inputs["y"]
    with expr.graph.as_default():
        dx, dy = tf.gradients(expr.output, [x, y])
    at = {"x": 0.3, "y": -0.5}
    with tf.Session(graph=expr.graph) as sess:
        vdx, vdy = sess.run([dx, dy], expr.feed_dict(at))
    hand_dx = 2 * np.cos(0.6) * np.exp(-0.5)
    hand_dy = np.sin(0.6) * np.exp(-0.5)
    print(f"  df/dx = {to_text(dx)} = {vdx:.10f} (by hand {hand_dx:.10f})")
    print(f"  df/dy = {to_text(dy)} = {vdy:.10f} (by hand {hand_dy:.10f})")
    path = ch.path("partials.svg")
    render(
        [expr.output, dx, dy],
        path,
        gradients=True,
        feed_dict=expr.feed_dict(at),
        title="f = sin(2x) exp(y) with df/dx and df/dy at x = 0.3, y = -0.5",
    )
    ch.wrote(path, "both partial derivatives in one graph")
    return {"dx": float(vdx), "dy": float(vdy)}


# %% [markdown]
# ## 2.4 Derivatives of derivatives
#
# Since a derivative is a graph, it can be differentiated again with the same call. The
# second derivative of `sin` is `-sin`; of `x³` it is `6x`. Nothing new is needed.


# %%
def second_derivatives() -> dict[str, str]:
    """Apply tf.gradients twice to sin(x) and to x**3, and print the formulas."""
    section("2.4 Derivatives of derivatives")
    from autograd_lab.formulas import to_text

    found = {}
    for text in ("sin(x)", "x**3"):
        expr = tf.parse(text, dtype=tf.float64)
        x = expr.inputs["x"]
        with expr.graph.as_default():
            (first,) = tf.gradients(expr.output, x)
            (second,) = tf.gradients(first, x)
        found[text] = to_text(second)
        print(f"  d/dx {text} = {to_text(first)};  d²/dx² {text} = {to_text(second)}")
    return found


# %% [markdown]
# ## Exercises
#
# **Exercise 2.1.** Show that the derivative of `2*x` is 2 everywhere you look: evaluate it
# at a million evenly spaced points in [-10, 10] and return the array of derivatives.
#
# **Exercise 2.2.** Plot the derivative of `sin` over at least [-π, π]: write a PNG to the
# path you are given (`viz.plots.plot_derivative` helps, or draw your own with matplotlib)
# and return the points and the derivative the engine computed there.
#
# **Exercise 2.3.** Return the second derivative of `sin` at the points `xs` you are given,
# computed by calling `tf.gradients` twice (no finite differences).


# %%
def exercise_1() -> np.ndarray:
    raise NotImplementedError("Exercise 2.1: the derivative of 2*x at a million points")


def exercise_2(path: Path) -> tuple[np.ndarray, np.ndarray]:
    raise NotImplementedError("Exercise 2.2: plot the derivative of sin into `path`")


def exercise_3(xs: np.ndarray) -> np.ndarray:
    raise NotImplementedError("Exercise 2.3: the second derivative of sin, by the engine")


def check_exercise_1(answer: np.ndarray) -> None:
    """A million values, every one exactly 2."""
    answer = np.asarray(answer)
    require(answer.shape == (1_000_000,), f"expected shape (1000000,), got {answer.shape}")
    require(bool(np.all(answer == 2)), f"not all 2: min {answer.min()}, max {answer.max()}")


def check_exercise_2(answer: tuple[np.ndarray, np.ndarray], path: Path) -> None:
    """A PNG was written, the points cover [-π, π], and the derivative there is cos."""
    xs, dsin = (np.asarray(a, dtype=np.float64) for a in answer)
    require(Path(path).is_file(), f"no picture at {path}")
    require(Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    require(xs.shape == dsin.shape and xs.size >= 50, "give at least 50 points and values")
    require(xs.min() <= -np.pi + 1e-6 and xs.max() >= np.pi - 1e-6, "cover at least [-π, π]")
    error = float(np.max(np.abs(dsin - np.cos(xs))))
    require(error < 1e-5, f"the derivative differs from cos by up to {error:.2e}")


def check_exercise_3(answer: np.ndarray, xs: np.ndarray) -> None:
    """The second derivative of sin is -sin."""
    got = np.asarray(answer, dtype=np.float64)
    require(got.shape == np.shape(xs), f"expected shape {np.shape(xs)}, got {got.shape}")
    error = float(np.max(np.abs(got + np.sin(xs))))
    require(error < 1e-5, f"expected -sin(x); off by up to {error:.2e}")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 2 top to bottom; return its key results."""
    ch = parse_args(2, TITLE, argv)
    if ch is None:
        return {}
    results: dict[str, Any] = {
        "2x": derivative_of_2x(ch),
        "sin": derivative_of_sin(ch),
        "partials": partial_derivatives(ch),
        "second": second_derivatives(),
    }
    xs = np.linspace(-3, 3, 61)
    results["exercises"] = run_exercises(
        2,
        [
            Exercise("Exercise 2.1", exercise_1, check_exercise_1),
            Exercise(
                "Exercise 2.2",
                exercise_2,
                check_exercise_2,
                (ch.path("exercise_sin_derivative.png"),),
            ),
            Exercise("Exercise 2.3", exercise_3, check_exercise_3, (xs,)),
        ],
    )
    return results


if __name__ == "__main__":
    main()
