"""Chapter 3 answers: the chain rule by hand, a rule for softsign, and finding a wrong rule."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lab as tf
from autograd_lab import math_ops
from autograd_lab.kernels import KERNELS
from autograd_lab.verify import GradientReport, check_gradients


def exercise_1(x0: float) -> list[float]:
    """From y back to x: Sin contributes cos(2 x0), then Mul (2 * x) contributes 2."""
    return [float(np.cos(2 * x0)), 2.0]


def exercise_2() -> GradientReport:
    """A kernel, a rule built from graph ops, a graph using the op, and the checker's report.

    The rule could also be written with the output: 1 - |softsign(x)| equals 1/(1 + |x|),
    so the derivative is (1 - |y|)², which reuses the forward value.
    """
    KERNELS["MySoftsign"] = lambda op: lambda x: x / (1 + np.abs(x))

    @tf.RegisterGradient("MySoftsign")
    def _softsign_rule(op, grad):
        """d softsign(x) = dx / (1 + |x|)²"""
        return [grad / tf.square(1.0 + tf.abs(op.inputs[0]))]

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [6], name="x")
        y = tf.exp(math_ops.unary("MySoftsign", x, name="softsign"))
    # Points away from 0, where |x| has its kink and finite differences would straddle it.
    return check_gradients(y, x, {x: np.array([-3.0, -1.2, -0.4, 0.3, 0.9, 2.5])})


def exercise_3() -> list[tuple[str, str]]:
    """The checker compares each op's rule alone; MyCube's says 3x where it should say 3x²."""
    from examples.chapters.ch03_lookup_table_and_chain_rule import buggy_graph

    y, x, feed = buggy_graph()
    report: Any = check_gradients(y, x, feed)
    return report.failing_ops()
