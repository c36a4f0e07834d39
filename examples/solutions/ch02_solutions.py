"""Chapter 2 answers: d(2x)/dx at a million points, the derivative of sin, and sin''."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import autograd_lab as tf


def exercise_1() -> np.ndarray:
    """One run of the gradient graph evaluates it at every point fed, all at once."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, name="x")
        (grad,) = tf.gradients(2 * x, x)
        with tf.Session() as sess:
            return sess.run(grad, {x: np.linspace(-10, 10, 1_000_000)})


def exercise_2(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """`plot_derivative` draws the picture; `derivative_curves` gives the same numbers."""
    from viz.plots import derivative_curves, plot_derivative

    plot_derivative("sin(x)", (-2 * np.pi, 2 * np.pi), path=path)
    curves = derivative_curves("sin(x)", (-2 * np.pi, 2 * np.pi))
    return curves.x, curves.dy


def exercise_3(xs: np.ndarray) -> np.ndarray:
    """Differentiate the derivative: the second call reads the Cos op the first one built."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [None], name="x")
        (first,) = tf.gradients(tf.reduce_sum(tf.sin(x)), x)
        (second,) = tf.gradients(tf.reduce_sum(first), x)
        with tf.Session() as sess:
            return sess.run(second, {x: np.asarray(xs, dtype=np.float64)})
