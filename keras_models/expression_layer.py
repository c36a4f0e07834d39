"""A Keras activation defined by a formula, differentiated by autograd-lab's derivative table.

`ExpressionActivation("x * sigmoid(x)")` parses the formula with the engine's safe parser.
Its forward pass is the formula lowered to TensorFlow ops; its backward pass is the graph that
`autograd_lab.gradients` builds from the derivative table, also lowered to TensorFlow, and
handed to TensorFlow through `tf.custom_gradient`. So a Keras model trains, on a GPU if there
is one, with derivatives that the teaching engine produced. Needs the TensorFlow backend.
"""

from __future__ import annotations

from typing import Any

import keras

import autograd_lab
from autograd_lab.tensorflow_bridge import import_tensorflow, lower


@keras.saving.register_keras_serializable(package="autograd_lab")
class ExpressionActivation(keras.layers.Layer):
    """An elementwise activation `f(x)` given as a formula in one free name, `x`."""

    def __init__(self, formula: str = "x * sigmoid(x)", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(
                "ExpressionActivation lowers its graphs to TensorFlow and needs "
                f"KERAS_BACKEND=tensorflow, not {keras.backend.backend()!r}"
            )
        self.formula = formula
        expr = autograd_lab.parse(formula, dtype=autograd_lab.float32)
        if list(expr.inputs) != ["x"]:
            raise ValueError(
                f"an activation formula must use exactly one name, x; {formula!r} uses "
                f"{', '.join(expr.inputs) or 'none'}"
            )
        with expr.graph.as_default():
            self._x = expr.inputs["x"]
            self._upstream = autograd_lab.placeholder(autograd_lab.float32, name="upstream")
            (self._dx,) = autograd_lab.gradients(
                expr.output, self._x, grad_ys=self._upstream, unconnected_gradients="zero"
            )
        self._y = expr.output
        self.derivative_graph_ops = len(expr.graph.get_operations())

    def call(self, inputs: Any) -> Any:
        tf = import_tensorflow()
        x_ph, y, dx, up_ph = self._x, self._y, self._dx, self._upstream

        @tf.custom_gradient
        def activation(x: Any) -> Any:
            value = lower(tf, [y], {x_ph: x})[y]

            def backward(upstream: Any) -> Any:
                return lower(tf, [dx], {x_ph: x, up_ph: upstream})[dx]

            return value, backward

        return activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "formula": self.formula}
