"""Chapter 8 answers: gradients through deep stacks, dropout's values, batch norm by hand."""

from __future__ import annotations

import numpy as np

import autograd_lab as tf


def exercise_1(depth: int, x0: np.ndarray) -> tuple[float, float]:
    """The same weights twice; only `h + ...` differs, and the Add rule passes grad through."""
    from examples.chapters.ch08_deeper_architectures import WIDTH, stack_weights

    weights = stack_weights(depth)
    norms = []
    for residual in (False, True):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.placeholder(tf.float64, [1, WIDTH], name="x")
            h = x
            for w in weights:
                step = tf.sigmoid(tf.matmul(h, tf.constant(w)))
                h = h + step if residual else step
            (grad,) = tf.gradients(tf.reduce_sum(h), x)
            with tf.Session() as sess:
                norms.append(float(np.linalg.norm(sess.run(grad, {x: x0}))))
    return norms[0], norms[1]


def exercise_2(rate: float) -> np.ndarray:
    """Kept values are scaled by 1/(1 - rate), so the expected output equals the input."""
    import keras

    ones = np.ones((1, 10_000), dtype=np.float32)
    return np.asarray(keras.layers.Dropout(rate, seed=1)(ones, training=True))


def exercise_3(batch: np.ndarray) -> np.ndarray:
    """Per column: subtract the mean, divide by the standard deviation (biased variance)."""
    batch = np.asarray(batch, dtype=np.float64)
    mean = batch.mean(axis=0)
    var = batch.var(axis=0)  # divides by n, as batch norm does, not n - 1
    return (batch - mean) / np.sqrt(var + 1e-3)
