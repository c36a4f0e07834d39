"""The chain rule, step by step: what reverse mode does at each op on the way back.

`explain(y, x, at={"x": 0.5})` walks the ops between `x` and `y` from the output back, as
`autograd_lab.gradients` does, and records for each op the rule from the derivative table,
the gradient flowing in, the local derivative, their product, and the sums where a tensor
feeds several ops. The walk runs on a copy of the graph, so the user's graph is untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lab.formulas import to_text

from .graphviz_render import evaluate, format_value, resolve_feed

__all__ = ["Explanation", "InputStep", "Step", "backward_values", "copy_graph", "explain"]


@dataclass
class InputStep:
    """What one input of an op receives: the local derivative and the product."""

    input_name: str
    local: str
    product: str
    local_value: Any = None
    product_value: Any = None
    local_tensor: Any = field(default=None, repr=False)
    product_tensor: Any = field(default=None, repr=False)


@dataclass
class Step:
    """One op of the backward pass, from the output towards the inputs."""

    index: int
    op_name: str
    op_type: str
    forward: str
    rule: str
    grad_in: str
    grad_in_value: Any = None
    partials: list[str] = field(default_factory=list)
    partial_values: list[Any] = field(default_factory=list)
    inputs: list[InputStep] = field(default_factory=list)
    is_target: bool = False
    forward_value: Any = None
    grad_tensor: Any = field(default=None, repr=False)
    partial_tensors: list[Any] = field(default_factory=list, repr=False)

    @property
    def summed(self) -> bool:
        """True where the tensor fans out and the gradients of its uses are added."""
        return len(self.partials) > 1


def _v(value: Any) -> str:
    return "" if value is None else f" = {format_value(value, digits=6)}"


@dataclass
class Explanation:
    """The steps of the backward pass of `y` in `xs`, with values when a point is given."""

    y_name: str
    x_names: list[str]
    steps: list[Step]
    at: dict[str, Any]
    result: dict[str, str]
    result_values: dict[str, Any]
    graph: Any = field(default=None, repr=False)
    forward_ops: list[Any] = field(default_factory=list, repr=False)

    def gradient(self, x: str | None = None) -> Any:
        """The value of dy/dx at the point (the only x if none is named)."""
        name = x if x is not None else self.x_names[0]
        return self.result_values.get(name)

    def _header(self) -> str:
        point = ", ".join(f"{k} = {format_value(v, 6)}" for k, v in self.at.items())
        wrt = ", ".join(self.x_names)
        head = f"Backward pass of {self.y_name} with respect to {wrt}"
        return head + (f" at {point}" if point else "")

    def step_lines(self, step: Step) -> list[str]:
        """The readable lines of one step."""
        d = f"d{self.y_name}"
        lines = [
            f"Step {step.index}: {step.op_type} '{step.op_name}' = {step.forward}"
            + _v(step.forward_value)
        ]
        if step.summed:
            terms = " + ".join(f"({p})" for p in step.partials)
            lines.append(f"  sum of {len(step.partials)} paths: {terms}")
            if step.partial_values and all(v is not None for v in step.partial_values):
                nums = " + ".join(format_value(v, 6) for v in step.partial_values)
                lines.append(f"    = {nums}")
        lines.append(
            f"  gradient in   {d}/d{step.op_name} = {step.grad_in}" + _v(step.grad_in_value)
        )
        if step.is_target:
            lines.append(f"  => {d}/d{step.op_name} = {step.grad_in}" + _v(step.grad_in_value))
            return lines
        lines.append(f"  rule          {step.rule}")
        for inp in step.inputs:
            lines.append(
                f"  local         d{step.op_name}/d{inp.input_name} = {inp.local}"
                + _v(inp.local_value)
            )
            lines.append(
                f"  product       {d}/d{inp.input_name} += ({step.grad_in}) * "
                f"({inp.local}) = {inp.product}" + _v(inp.product_value)
            )
        return lines

    def __str__(self) -> str:
        out = [self._header(), ""]
        for step in self.steps:
            out.extend(self.step_lines(step))
            out.append("")
        for x in self.x_names:
            out.append(
                f"d{self.y_name}/d{x} = {self.result.get(x, '0 (no path)')}"
                + _v(self.result_values.get(x))
            )
        return "\n".join(out)

    def to_markdown(self) -> str:
        """The steps as a Markdown table, one row per local derivative."""
        rows = [
            f"### {self._header()}",
            "",
            "| step | op | rule | gradient in | local derivative | product |",
            "|---|---|---|---|---|---|",
        ]

        def cell(text: str, value: Any = None) -> str:
            body = f"`{text}`" + (f" = {format_value(value, 6)}" if value is not None else "")
            return body.replace("|", "\\|")

        for step in self.steps:
            grad_in = cell(step.grad_in, step.grad_in_value)
            if step.summed:
                grad_in = "sum " + " + ".join(cell(p) for p in step.partials) + " → " + grad_in
            op = f"{step.op_type} `{step.op_name}`"
            if step.is_target or not step.inputs:
                rule = "(input reached)" if step.is_target else cell(step.rule)
                rows.append(f"| {step.index} | {op} | {rule} | {grad_in} | | |")
                continue
            for i, inp in enumerate(step.inputs):
                lead = (
                    f"| {step.index} | {op} | {cell(step.rule)} | {grad_in} "
                    if i == 0
                    else "| | | | "
                )
                rows.append(
                    lead + f"| d/d{inp.input_name}: {cell(inp.local, inp.local_value)} "
                    f"| {cell(inp.product, inp.product_value)} |"
                )
        rows.append("")
        for x in self.x_names:
            rows.append(
                f"**d{self.y_name}/d{x} = `{self.result.get(x, '0')}`**"
                + _v(self.result_values.get(x))
            )
        return "\n".join(rows) + "\n"


# ---- copying a graph ----------------------------------------------------------------
def copy_graph(ops: Sequence[Any]) -> tuple[Any, dict[Any, Any]]:
    """A new Graph with copies of `ops` (same names, types, attrs); returns the op mapping."""
    from autograd_lab.graph import Graph, Operation

    graph = Graph()
    mapping: dict[Any, Any] = {}
    for op in sorted(ops, key=lambda o: o._id):
        inputs = [mapping[t.op].outputs[t.value_index] for t in op.inputs]
        attrs = {
            k: mapping.get(v, v) if isinstance(v, Operation) else v for k, v in op.attrs.items()
        }
        out = op.outputs[0] if op.outputs else None
        name = graph.unique_name(op.name)
        mapping[op] = graph.create_op(
            op.type,
            inputs,
            name=name + "/",
            default_name=op.type,
            dtype=out.dtype if out is not None else None,
            shape=out.shape if out is not None else None,
            attrs=attrs,
            stateful=op.stateful,
        )
    return graph, mapping


def _ancestors(tensor: Any) -> list[Any]:
    seen: set[Any] = set()
    stack = [tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
    return sorted(seen, key=lambda o: o._id)


def _as_tensor(value: Any) -> Any:
    if hasattr(value, "output") and hasattr(value, "inputs") and hasattr(value, "text"):
        return value.output  # an Expression
    return value._as_tensor() if hasattr(value, "_as_tensor") else value


def _resolve_x(graph: Any, x: Any) -> Any:
    if isinstance(x, str):
        name = x if ":" in x else f"{x}:0"
        try:
            return graph.get_tensor_by_name(name)
        except (KeyError, ValueError):
            raise KeyError(f"no tensor named {x!r} in the graph of y") from None
    x = _as_tensor(x)
    if x.graph is not graph:
        raise ValueError(f"{x.name} is not in the graph of y")
    return x


# ---- the walk ---------------------------------------------------------------------------
class _Walk:
    """The backward pass on a copy of the graph, keeping every intermediate gradient."""

    def __init__(self, y: Any, xs: list[Any] | None) -> None:
        from autograd_lab.gradients import _ops_between

        y = _as_tensor(y)
        if y is None or not hasattr(y, "op"):
            raise TypeError(f"explain needs a tensor y, got {type(y).__name__}")
        self.original_graph = y.graph
        forward = _ancestors(y)
        self.graph, self.mapping = copy_graph(forward)
        self.y = self.mapping[y.op].outputs[y.value_index]
        if xs is None:
            self.xs = [
                t for op in self.mapping.values() for t in op.outputs if t.dtype.is_floating
            ]
        else:
            self.xs = []
            for x in xs:
                x = _resolve_x(self.original_graph, x)
                if x.op not in self.mapping:
                    raise ValueError(f"{x.name} does not lie before {y.name}: no path")
                self.xs.append(self.mapping[x.op].outputs[x.value_index])
        self.forward_ops = [self.mapping[op] for op in forward]
        self.between = _ops_between([self.y], self.xs, set())
        self.steps: list[Step] = []
        self.grad_of: dict[str, Any] = {}
        self._run()

    def _run(self) -> None:
        from autograd_lab import array_ops, math_ops
        from autograd_lab.derivatives import lookup

        g = self.graph
        x_set = set(self.xs)
        with g.as_default(), g.name_scope("explain"):
            pending: dict[Any, list[Any]] = {}
            if self.y.op in self.between:
                pending[self.y] = [array_ops.ones_like(self.y, name="seed")]
            for op in sorted(self.between, key=lambda o: o._id, reverse=True):
                out = op.outputs[0] if op.outputs else None
                partials = pending.pop(out, None)
                if not partials:
                    continue
                grad = partials[0] if len(partials) == 1 else math_ops.add_n(partials)
                self.grad_of[out.name] = grad
                entry = lookup(op.type)
                step = Step(
                    index=len(self.steps) + 1,
                    op_name=op.name,
                    op_type=op.type,
                    forward=to_text(out),
                    rule=entry.formula,
                    grad_in="",
                    is_target=out in x_set and not any(t.op in self.between for t in op.inputs),
                    grad_tensor=grad,
                    partial_tensors=list(partials) if len(partials) > 1 else [],
                )
                self.steps.append(step)
                if step.is_target or entry.rule is None:
                    continue
                with g.name_scope(f"{op.name}_grad") as grad_scope:
                    in_grads = entry.rule(op, grad)
                with g.name_scope(f"{op.name}_local") as local_scope:
                    local_grads = entry.rule(op, array_ops.ones_like(out, name="one"))
                for t, gr, lo in zip(op.inputs, in_grads, local_grads):
                    if t.op not in self.between or not t.dtype.is_floating:
                        continue
                    with g.name_scope(grad_scope):
                        gr = gr() if callable(gr) else gr
                    with g.name_scope(local_scope):
                        lo = lo() if callable(lo) else lo
                    if gr is None:
                        continue
                    pending.setdefault(t, []).append(gr)
                    step.inputs.append(
                        InputStep(t.op.name, "", "", local_tensor=lo, product_tensor=gr)
                    )

    def fill_text(self, names: Mapping[str, str] | None = None) -> None:
        """Formulas of every recorded tensor, in terms of the graph's inputs."""
        for step in self.steps:
            step.grad_in = to_text(step.grad_tensor, names)
            step.partials = [to_text(p, names) for p in step.partial_tensors]
            for inp in step.inputs:
                inp.local = (
                    to_text(inp.local_tensor, names) if inp.local_tensor is not None else "0"
                )
                inp.product = to_text(inp.product_tensor, names)

    def fill_values(self, at: Mapping[Any, Any] | None, session: Any = None) -> None:
        """Values of every recorded tensor at the point `at` (variables from `session`)."""
        feed = self._feed(at, session)
        wanted = []
        for step in self.steps:
            wanted.append(step.grad_tensor)
            wanted.extend(step.partial_tensors)
            op = self.graph.get_operation_by_name(step.op_name)
            wanted.extend(op.outputs)
            for inp in step.inputs:
                wanted.extend(
                    t for t in (inp.local_tensor, inp.product_tensor) if t is not None
                )
        values = evaluate(self.graph, wanted, feed)
        for step in self.steps:
            step.grad_in_value = values.get(step.grad_tensor.name)
            step.partial_values = [values.get(p.name) for p in step.partial_tensors]
            step.forward_value = values.get(f"{step.op_name}:0")
            for inp in step.inputs:
                if inp.local_tensor is not None:
                    inp.local_value = values.get(inp.local_tensor.name)
                inp.product_value = values.get(inp.product_tensor.name)

    def _feed(self, at: Mapping[Any, Any] | None, session: Any) -> dict[Any, Any]:
        feed: dict[Any, Any] = {}
        for key, value in resolve_feed(self.original_graph, at).items():
            if key.op not in self.mapping:
                continue  # a fed tensor that y does not depend on
            feed[self.mapping[key.op].outputs[key.value_index]] = value
        if session is not None:
            variables = [op for op in self.mapping if op.type == "VariableV2"]
            if variables:
                values = session.run([op.outputs[0] for op in variables])
                for op, value in zip(variables, values):
                    feed.setdefault(self.mapping[op].outputs[0], value)
        return feed


def explain(
    y: Any, x: Any, at: Mapping[Any, Any] | None = None, session: Any = None
) -> Explanation:
    """Narrate the backward pass of `y` with respect to `x` (a tensor, a name, or a list).

    `at` maps placeholders (tensors or names) to values; then each step shows numbers too.
    Variables take their values from `session` when one is given.
    """
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    walk = _Walk(y, xs)
    walk.fill_text()
    at_display: dict[str, Any] = {}
    if at is not None:
        walk.fill_values(at, session)
        for key, value in resolve_feed(walk.original_graph, at).items():
            at_display[key.op.name] = value
    elif session is not None:
        walk.fill_values({}, session)
    result, result_values = {}, {}
    for t in walk.xs:
        grad = walk.grad_of.get(t.name)
        if grad is None:
            continue
        result[t.op.name] = to_text(grad)
        step = next((s for s in walk.steps if s.op_name == t.op.name), None)
        if step is not None:
            result_values[t.op.name] = step.grad_in_value
    return Explanation(
        y_name=walk.y.op.name,
        x_names=[t.op.name for t in walk.xs],
        steps=walk.steps,
        at=at_display,
        result=result,
        result_values=result_values,
        graph=walk.graph,
        forward_ops=walk.forward_ops,
    )


def backward_values(
    y: Any, feed_dict: Mapping[Any, Any] | None = None, session: Any = None
) -> dict[str, Any]:
    """dy/dt for every float tensor t that y depends on, by tensor name, at `feed_dict`."""
    walk = _Walk(y, None)
    feed = walk._feed(feed_dict, session)
    names = list(walk.grad_of)
    values = evaluate(walk.graph, [walk.grad_of[n] for n in names], feed)
    return {n: values[walk.grad_of[n].name] for n in names if walk.grad_of[n].name in values}
