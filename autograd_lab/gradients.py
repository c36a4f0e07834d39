"""The chain rule: reverse-mode differentiation that adds the derivative to the graph.

`gradients(ys, xs)` walks the ops between `xs` and `ys` from the outputs back to the inputs,
looks up each op's rule in the derivative table and sums the contributions where a tensor
feeds several ops. The result is new tensors in the same graph, so it can be run, drawn, or
differentiated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import array_ops, math_ops
from .derivatives import lookup
from .graph import Operation, Tensor, convert_to_tensor, pause_gc


def _as_tensors(values: Any) -> list[Tensor]:
    if not isinstance(values, (list, tuple)):
        values = [values]
    return [convert_to_tensor(v) for v in values]


def _ops_between(ys: list[Tensor], xs: list[Tensor], stops: set[Operation]) -> set[Operation]:
    """Ops on some path from an x to a y (the xs' own ops included), found without recursion."""
    ancestors: set[Operation] = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in ancestors:
            continue
        ancestors.add(op)
        if op not in stops:
            stack.extend(t.op for t in op.inputs if t.op not in ancestors)
    x_ops = {x.op for x in xs}
    reached: set[Operation] = set()
    for op in sorted(ancestors, key=lambda o: o._id):
        if op in x_ops or (op not in stops and any(t.op in reached for t in op.inputs)):
            reached.add(op)
    return reached


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    colocate_gradients_with_ops: bool = False,
    gate_gradients: bool = False,
    aggregation_method: Any = None,
    stop_gradients: Sequence[Any] | None = None,
    unconnected_gradients: str = "none",
) -> list[Tensor | None]:
    """Symbolic d(sum ys)/dx for each x in xs, as `tf.gradients`: new tensors in the graph."""
    ys, xs = _as_tensors(ys), _as_tensors(xs)
    mode = getattr(unconnected_gradients, "value", unconnected_gradients)
    if mode not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {mode!r}")
    graph = ys[0].graph
    stops = {t.op for t in _as_tensors(stop_gradients or [])}
    if grad_ys is not None:
        grad_ys = grad_ys if isinstance(grad_ys, (list, tuple)) else [grad_ys]
        if len(grad_ys) != len(ys):
            raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")

    with pause_gc(), graph.name_scope(name):
        between = _ops_between(ys, xs, stops)
        pending: dict[Tensor, list[Tensor]] = {}
        for i, y in enumerate(ys):
            if y.op not in between:
                continue
            if grad_ys is not None and grad_ys[i] is not None:
                seed = convert_to_tensor(grad_ys[i], dtype=y.dtype)
            else:
                seed = array_ops.ones_like(y, name=f"grad_ys_{i}")
            pending.setdefault(y, []).append(seed)

        x_set = set(xs)
        found: dict[Tensor, Tensor] = {}
        for op in sorted(between, key=lambda o: o._id, reverse=True):
            out = op.outputs[0] if op.outputs else None
            partials = pending.pop(out, None)
            if not partials:
                continue
            grad = partials[0] if len(partials) == 1 else math_ops.add_n(partials)
            if out in x_set:
                found[out] = grad
            if op in stops or not any(t.op in between for t in op.inputs):
                continue
            entry = lookup(op.type)
            if entry.rule is None:
                continue
            # The scope `<op>_grad/`, set directly: a context manager per op costs more
            # than the rule itself in long chains.
            outer, graph._scope = graph._scope, graph.unique_name(f"{op.name}_grad") + "/"
            try:
                in_grads = entry.rule(op, grad)
                if len(in_grads) != len(op.inputs):
                    raise ValueError(
                        f"The gradient rule of {op.type} returned {len(in_grads)} gradients "
                        f"for '{op.name}', which has {len(op.inputs)} inputs"
                    )
                for t, g in zip(op.inputs, in_grads, strict=True):
                    if t.op not in between or not t.dtype.is_floating:
                        continue
                    if callable(g):
                        g = g()
                    if g is not None:
                        pending.setdefault(t, []).append(g)
            finally:
                graph._scope = outer

        result: list[Tensor | None] = []
        for x in xs:
            g = found.get(x)
            if g is None and mode == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
    return result


def hessian_vector_product(y: Tensor, x: Tensor, v: Any) -> Tensor | None:
    """H v for the Hessian H of scalar `y` in `x`, as the gradient of (dy/dx · v)."""
    (g,) = gradients(y, x)
    if g is None:
        return None
    (hv,) = gradients(math_ops.reduce_sum(math_ops.multiply(g, v)), x)
    return hv


def hessians(y: Tensor, x: Tensor) -> Tensor:
    """The full Hessian of scalar `y` in a vector `x` of static length n, row by row."""
    n = x.shape.num_elements()
    if n is None or x.shape.rank != 1:
        raise ValueError(f"hessians needs a rank-1 x of static length, got {x.shape}")
    (g,) = gradients(y, x)
    rows = []
    for i in range(n):
        (row,) = gradients(g[i], x, unconnected_gradients="zero")
        rows.append(row)
    return array_ops.stack(rows)
