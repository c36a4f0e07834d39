"""Optimisers as graph ops (`tf.train`): each step is a group of assign ops on variables.

`minimize(loss)` calls `gradients(loss, variables)` and adds the update rule of the
optimiser as more graph; running the returned op once takes one step.
"""

from __future__ import annotations

from typing import Any

from . import array_ops as A
from . import math_ops as M
from .gradients import gradients
from .graph import Operation, Tensor, get_default_graph
from .variables import Variable, group, trainable_variables


class Optimizer:
    """Base class: gradients of a loss, then one update op per variable."""

    name = "Optimizer"

    def __init__(self, learning_rate: float, name: str | None = None) -> None:
        self.learning_rate = learning_rate
        self.name = name or self.name
        self._slots: dict[tuple[Variable, str], Variable] = {}

    def compute_gradients(
        self, loss: Tensor, var_list: list[Variable] | None = None
    ) -> list[tuple[Tensor | None, Variable]]:
        var_list = var_list if var_list is not None else trainable_variables(loss.graph)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list)
        return list(zip(grads, var_list))

    def apply_gradients(
        self,
        grads_and_vars: list[tuple[Tensor | None, Variable]],
        global_step: Variable | None = None,
        name: str | None = None,
    ) -> Operation:
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError(
                "No gradients provided for any variable: "
                + ", ".join(v.name for _, v in grads_and_vars)
            )
        graph = get_default_graph()
        with graph.name_scope(name or self.name):
            self._prepare()
            updates = [self._apply(g, v) for g, v in pairs]
            updates += self._finish()
            if global_step is not None:
                updates.append(global_step.assign_add(1))
            return group(*updates)

    def minimize(
        self,
        loss: Tensor,
        global_step: Variable | None = None,
        var_list: list[Variable] | None = None,
        name: str | None = None,
    ) -> Operation:
        """One op that computes the gradients of `loss` and updates the variables."""
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)

    # ---- what each optimiser defines ---------------------------------------------------
    def _prepare(self) -> None:
        pass

    def _apply(self, grad: Tensor, var: Variable) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define _apply")

    def _finish(self) -> list[Any]:
        return []

    def _slot(self, var: Variable, slot: str) -> Variable:
        """A zero-initialised variable shaped like `var`, e.g. a momentum accumulator."""
        if (var, slot) not in self._slots:
            with get_default_graph().name_scope(None):
                base = var.op.name
                self._slots[var, slot] = Variable(
                    A.zeros(var.shape.as_list(), var.dtype),
                    trainable=False,
                    name=f"{base}/{slot}",
                )
        return self._slots[var, slot]

    def variables(self) -> list[Variable]:
        return list(self._slots.values())


class GradientDescentOptimizer(Optimizer):
    """w ← w − η ∇L"""

    name = "GradientDescent"

    def _apply(self, grad: Tensor, var: Variable) -> Tensor:
        return var.assign_sub(M.multiply(grad, self.learning_rate))


class MomentumOptimizer(Optimizer):
    """v ← μ v + ∇L;  w ← w − η v  (Nesterov: w ← w − η (∇L + μ v))"""

    name = "Momentum"

    def __init__(
        self,
        learning_rate: float,
        momentum: float,
        use_nesterov: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        self.momentum = momentum
        self.use_nesterov = use_nesterov

    def _apply(self, grad: Tensor, var: Variable) -> Tensor:
        accum = self._slot(var, self.name)
        new_accum = accum.assign(M.add(M.multiply(accum, self.momentum), grad))
        step = (
            M.add(grad, M.multiply(new_accum, self.momentum))
            if self.use_nesterov
            else new_accum
        )
        return var.assign_sub(M.multiply(step, self.learning_rate))


class AdamOptimizer(Optimizer):
    """m ← β₁m + (1−β₁)∇L;  v ← β₂v + (1−β₂)∇L²;  w ← w − η √(1−β₂ᵗ)/(1−β₁ᵗ) m/(√v + ε)"""

    name = "Adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self._powers: tuple[Variable, Variable] | None = None

    def _prepare(self) -> None:
        if self._powers is None:
            with get_default_graph().name_scope(None):
                self._powers = (
                    Variable(self.beta1, trainable=False, name="beta1_power"),
                    Variable(self.beta2, trainable=False, name="beta2_power"),
                )

    def _apply(self, grad: Tensor, var: Variable) -> Tensor:
        b1_power, b2_power = self._powers  # type: ignore[misc]
        m, v = self._slot(var, "Adam"), self._slot(var, "Adam_1")
        lr = M.divide(
            M.multiply(self.learning_rate, M.sqrt(M.subtract(1.0, b2_power))),
            M.subtract(1.0, b1_power),
        )
        lr = M.cast(lr, var.dtype)
        new_m = m.assign(M.add(M.multiply(m, self.beta1), M.multiply(grad, 1 - self.beta1)))
        new_v = v.assign(
            M.add(M.multiply(v, self.beta2), M.multiply(M.square(grad), 1 - self.beta2))
        )
        step = M.divide(new_m, M.add(M.sqrt(new_v), self.epsilon))
        return var.assign_sub(M.multiply(lr, step))

    def _finish(self) -> list[Any]:
        b1_power, b2_power = self._powers  # type: ignore[misc]
        return [
            b1_power.assign(M.multiply(b1_power, self.beta1)),
            b2_power.assign(M.multiply(b2_power, self.beta2)),
        ]


def get_or_create_global_step() -> Variable:
    graph = get_default_graph()
    existing = graph.get_collection("global_step")
    if existing:
        return existing[0]
    with graph.name_scope(None):
        step = Variable(0, trainable=False, name="global_step")
    graph.add_to_collection("global_step", step)
    return step
