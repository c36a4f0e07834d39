"""Chapter 1 answers: a graph of three placeholders, a Variable counter, counting op types."""

from __future__ import annotations

from collections import Counter
from typing import Any

import autograd_lab as tf


def exercise_1() -> tuple[Any, dict[str, Any]]:
    """(a + b) * c in its own graph; the placeholders are returned so a check can feed them."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf.placeholder(tf.float32, name="a")
        b = tf.placeholder(tf.float32, name="b")
        c = tf.placeholder(tf.float32, name="c")
        out = (a + b) * c
    return out, {"a": a, "b": b, "c": c}


def exercise_2(n: int) -> list[float]:
    """One session holds the counter's value, so each run of assign_add sees the last one.

    A new session per run would start from the initial value again and print 1.0 each time.
    """
    graph = tf.Graph()
    with graph.as_default():
        counter = tf.Variable(0.0, name="counter")
        increment = tf.assign_add(counter, 1.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [float(sess.run(increment)) for _ in range(n)]


def exercise_3(text: str) -> dict[str, int]:
    """Every op of the parsed graph, counted by its type."""
    return dict(Counter(op.type for op in tf.parse(text).graph.get_operations()))
