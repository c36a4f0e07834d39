"""Numerical gradient checks: every derivative against central finite differences.

`check_gradients` checks the whole chain (the Jacobian of the outputs, or random directional
derivatives when it is large) and then every op on the way on its own: the vector-Jacobian
product its rule in the derivative table builds, against finite differences of that op alone
at the input values it actually saw. A wrong rule is thus named, not just noticed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import dtypes as _dtypes
from ..array_ops import placeholder
from ..derivatives import lookup
from ..expression import Expression
from ..formulas import to_text
from ..gradients import gradients
from ..graph import Graph, Operation, Tensor
from ..kernels import KERNELS, RANDOM_SAMPLERS
from ..session import Session
from ..tensorflow_bridge import needed_ops
from .tolerances import Tolerance, finite_difference

MAX_JACOBIAN_ELEMENTS = 48  # inputs or outputs larger than this get random directions
DIRECTIONS = 4  # random directional derivatives per input when the Jacobian is large


# ---- cloning a graph in another dtype -------------------------------------------------
def clone_graph(
    outputs: Sequence[Any], dtype: Any = _dtypes.float64, variables_as_placeholders: bool = True
) -> tuple[Graph, dict[Tensor, Tensor]]:
    """A copy of the subgraph `outputs` need, with float tensors in `dtype` (None: kept).

    Op names, attributes and static shapes are kept; variables become placeholders of the
    same name, so their values can be fed. Returns the new graph and {old: new} tensors.
    """
    target = None if dtype is None else _dtypes.as_dtype(dtype)
    if target is not None and not target.is_floating:
        raise ValueError(f"clone_graph needs a float dtype, got {target.name}")
    tensors = [_as_tensor(o) for o in outputs]
    graph = Graph()
    mapping: dict[Tensor, Tensor] = {}
    for op in needed_ops(tensors):
        if op.type in RANDOM_SAMPLERS:
            raise ValueError(
                f"cannot clone '{op.name}' ({op.type}): a random op draws new values at each "
                "run, so finite differences through it mean nothing"
            )
        if not op.outputs:
            continue
        out = op.outputs[0]
        new_dtype = target if (target is not None and out.dtype.is_floating) else out.dtype
        attrs = dict(op.attrs)
        op_type = op.type
        if op_type == "Const" and out.dtype.is_floating:
            value = np.asarray(attrs["value"], dtype=new_dtype.np)
            value.setflags(write=False)
            attrs["value"] = value
        if op_type == "VariableV2" and variables_as_placeholders:
            op_type = "Placeholder"
            attrs = {"shape": out.shape, "dtype": new_dtype}
        for key in ("dtype", "DstT"):
            old = attrs.get(key)
            if isinstance(old, _dtypes.DType) and old.is_floating and target is not None:
                attrs[key] = target
        new_op = graph.create_op(
            op_type,
            [mapping[t] for t in op.inputs],
            name=op.name,
            default_name=op.type,
            dtype=new_dtype,
            shape=out.shape,
            attrs=attrs,
            stateful=op.stateful,
        )
        mapping[out] = new_op.outputs[0]
    return graph, mapping


def _as_tensor(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if hasattr(value, "_as_tensor"):
        return value._as_tensor()
    if isinstance(value, Expression):
        return value.output
    raise TypeError(f"expected a Tensor, Variable or Expression, got {type(value).__name__}")


def label(t: Tensor) -> str:
    """A short name for a tensor: its op's name when it is the op's only output."""
    return t.op.name if t.value_index == 0 else t.name


@dataclass
class CheckRow:
    """One comparison: an analytic derivative against its finite-difference estimate."""

    check: str  # "jacobian", "directions" (whole chain) or "op" (one rule on its own)
    order: int  # 1: gradient, 2: gradient of the gradient
    target: str  # the input differentiated (for "op": the op's input tensor)
    max_abs_error: float
    max_rel_error: float
    ok: bool
    where: str = ""
    op_name: str | None = None
    op_type: str | None = None
    input_index: int | None = None
    elements: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class GradientReport:
    """All rows of a check, with the tolerance used; `.ok` is True when every row passed."""

    rows: list[CheckRow]
    dtype: str
    tolerance: Tolerance
    formula: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[CheckRow]:
        return [r for r in self.rows if not r.ok]

    def failing_ops(self) -> list[tuple[str, str]]:
        """(name, type) of every op whose rule disagreed with finite differences."""
        seen: dict[tuple[str, str], None] = {}
        for r in self.failures:
            if r.check == "op" and r.op_name and r.op_type:
                seen[(r.op_name, r.op_type)] = None
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dtype": self.dtype,
            "formula": self.formula,
            "step": self.tolerance.step,
            "atol": self.tolerance.atol,
            "rtol": self.tolerance.rtol,
            "rows": [r.to_dict() for r in self.rows],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        tol = self.tolerance
        head = (
            f"gradient check in {self.dtype}: {'PASS' if self.ok else 'FAIL'} "
            f"({len(self.rows) - len(self.failures)}/{len(self.rows)} rows; step "
            f"{tol.step:.3g}, atol {tol.atol:g}, rtol {tol.rtol:g})"
        )
        lines = [head]
        if self.formula:
            lines.append(f"  f = {self.formula}")
        header = ("", "check", "n", "op (type)", "input", "max |err|", "max rel")
        table = [header]
        for r in self.rows:
            what = f"{r.op_name} ({r.op_type})" if r.op_name else "whole chain"
            target = r.target if r.input_index is None else f"#{r.input_index} {r.target}"
            table.append(
                (
                    "ok" if r.ok else "FAIL",
                    r.check,
                    str(r.order),
                    what,
                    target,
                    f"{r.max_abs_error:.2e}",
                    f"{r.max_rel_error:.2e}",
                )
            )
        widths = [min(max(len(row[c]) for row in table), 44) for c in range(len(header))]
        for row, r in zip(table, [None, *self.rows]):
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if r is not None and not r.ok and r.where:
                lines.append(f"        {r.where}")
        for f in self.failing_ops():
            lines.append(f"  wrong derivative rule: op '{f[0]}' of type {f[1]}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


# ---- comparing arrays -----------------------------------------------------------------
def errors(
    actual: np.ndarray, expected: np.ndarray, tol: Tolerance
) -> tuple[float, float, bool, int]:
    """Max abs and relative error, whether all elements pass, index of the worst element."""
    a = np.asarray(actual, dtype=np.float64).ravel()
    b = np.asarray(expected, dtype=np.float64).ravel()
    if a.size == 0:
        return 0.0, 0.0, True, 0
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        bad = int(np.argmax(~(np.isfinite(a) & np.isfinite(b))))
        return math.inf, math.inf, False, bad
    diff = np.abs(a - b)
    excess = diff - (tol.atol + tol.rtol * np.abs(b))
    worst = int(np.argmax(excess))
    rel = diff / np.maximum(np.abs(b), tol.atol)
    return float(diff.max()), float(rel.max()), bool(np.all(excess <= 0)), worst


def _index_str(shape: tuple, flat: int) -> str:
    if not shape:
        return ""
    return "[" + ", ".join(str(i) for i in np.unravel_index(flat, shape)) + "]"


# ---- finite differences ---------------------------------------------------------------
def _central(
    f: Callable[[np.ndarray], float], x: np.ndarray, direction: np.ndarray, step: float
) -> float:
    """(f(x + h d) - f(x - h d)) / 2h, with h scaled by the size of x."""
    scale = max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    h = step * scale
    plus = f((x + h * direction).astype(x.dtype))
    minus = f((x - h * direction).astype(x.dtype))
    return (plus - minus) / (2 * h)


def _unit(shape: tuple, flat: int, dtype: Any) -> np.ndarray:
    e = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=dtype)
    e[flat] = 1
    return e.reshape(shape)


# ---- checking one op's rule -----------------------------------------------------------
def check_op(
    op: Operation,
    inputs: Sequence[np.ndarray],
    tol: Tolerance,
    rng: np.random.Generator,
    max_elements: int = MAX_JACOBIAN_ELEMENTS,
    directions: int = DIRECTIONS,
) -> list[CheckRow]:
    """Check `op`'s rule at `inputs`: its vector-Jacobian product against finite differences.

    A random cotangent u is drawn; for every float input x, the rule's u·J is compared with
    central differences of u·op(x) element by element (or along random directions).
    """
    entry = lookup(op.type)
    if entry.rule is None:
        return []
    local = Graph()
    values = [np.asarray(v) for v in inputs]
    with local.as_default():
        phs = [
            placeholder(t.dtype, np.shape(v), name=f"input_{i}")
            for i, (t, v) in enumerate(zip(op.inputs, values))
        ]
        kernel = KERNELS[op.type](op)  # kernels read only the op's attributes and dtype
        out = np.asarray(kernel(*values))
        local_op = local.create_op(
            op.type,
            phs,
            name=op.name,
            default_name=op.type,
            dtype=op.outputs[0].dtype,
            shape=out.shape,
            attrs=op.attrs,
        )
        u = rng.standard_normal(out.shape).astype(out.dtype)
        seed = placeholder(op.outputs[0].dtype, out.shape, name="grad")
        wanted = [i for i, t in enumerate(op.inputs) if t.dtype.is_floating]
        try:
            raw = entry.rule(local_op, seed)
            if len(raw) != len(op.inputs):
                raise ValueError(
                    f"it returned {len(raw)} gradients for {len(op.inputs)} inputs"
                )
            built = {i: (raw[i]() if callable(raw[i]) else raw[i]) for i in wanted}
        except Exception as exc:  # a broken rule is a finding to report, not a crash
            where = f"the rule failed: {type(exc).__name__}: {exc}"
            target = label(op.inputs[0]) if op.inputs else op.name
            return [
                CheckRow("op", 1, target, math.inf, math.inf, False, where, op.name, op.type)
            ]
    fetch = {i: g for i, g in built.items() if g is not None}
    feed = {**dict(zip(phs, values)), seed: u}
    with Session(graph=local) as sess:
        analytic = sess.run(fetch, feed) if fetch else {}
    rows = []
    for i in wanted:
        x = values[i]
        name = label(op.inputs[i])
        got = analytic.get(i)
        got = np.zeros_like(x) if got is None else np.asarray(got)
        if got.shape != x.shape:
            rows.append(
                CheckRow(
                    "op",
                    1,
                    name,
                    math.inf,
                    math.inf,
                    False,
                    f"the rule's gradient has shape {got.shape}; input {i} has {x.shape}",
                    op.name,
                    op.type,
                    i,
                    x.size,
                )
            )
            continue

        def f(xi: np.ndarray, i: int = i) -> float:
            args = list(values)
            args[i] = xi
            return float(np.sum(np.asarray(kernel(*args), dtype=np.float64) * u))

        rows.append(
            _compare_vjp(f, x, got, tol, rng, max_elements, directions, name, op, i, values)
        )
    return rows


def _compare_vjp(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    vjp: np.ndarray,
    tol: Tolerance,
    rng: np.random.Generator,
    max_elements: int,
    directions: int,
    name: str,
    op: Operation | None,
    index: int | None,
    values: Sequence[np.ndarray] = (),
) -> CheckRow:
    """One row: the analytic u·J of input x against finite differences of f = u·op."""
    op_name = op.name if op is not None else None
    op_type = op.type if op is not None else None
    if x.size == 0:
        return CheckRow("op", 1, name, 0.0, 0.0, True, "empty input", op_name, op_type, index)
    if x.size <= max_elements:
        fd = np.array(
            [_central(f, x, _unit(x.shape, j, x.dtype), tol.step) for j in range(x.size)]
        ).reshape(x.shape)
        err, rel, ok, worst = errors(vjp, fd, tol)
        at = _index_str(x.shape, worst)
        where = (
            f"d/d {name}{at} at {name}{at} = {x.ravel()[worst]:.6g}: rule gives "
            f"{vjp.ravel()[worst]:.6g}, finite differences {fd.ravel()[worst]:.6g}"
        )
        check = "op"
    else:
        got, want = [], []
        for _ in range(directions):
            v = rng.standard_normal(x.shape).astype(x.dtype)
            got.append(float(np.sum(np.asarray(vjp, dtype=np.float64) * v)))
            want.append(_central(f, x, v, tol.step))
        err, rel, ok, worst = errors(np.array(got), np.array(want), tol)
        where = (
            f"along a random direction of {name} (shape {x.shape}): rule gives "
            f"{got[worst]:.6g}, finite differences {want[worst]:.6g}"
        )
        check = "op"
    if values and not ok:
        shown = "; ".join(f"input {k} = {_short(v)}" for k, v in enumerate(values))
        where += f" (inputs: {shown})"
    return CheckRow(check, 1, name, err, rel, ok, where, op_name, op_type, index, x.size)


def _short(value: np.ndarray, limit: int = 80) -> str:
    text = np.array2string(np.asarray(value), precision=4, threshold=8, separator=", ")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- checking the whole chain ---------------------------------------------------------
def hold_stopped(
    graph: Graph, ys: Sequence[Tensor], feeds: dict[Tensor, np.ndarray], session: Session
) -> dict[Tensor, np.ndarray]:
    """`feeds` plus the value of every `stop_gradient` output the ys need, held fixed.

    Finite differences then treat those outputs as constants, which is what stop_gradient
    asks of the derivative.
    """
    stopped = [op.outputs[0] for op in needed_ops(list(ys), feeds) if op.type == "StopGradient"]
    if not stopped:
        return feeds
    values = session.run(stopped, feeds)
    return {**feeds, **{t: np.asarray(v) for t, v in zip(stopped, values)}}


class _Problem:
    """The cloned graph with its outputs, inputs, feeds and a session to run it."""

    def __init__(
        self, graph: Graph, ys: list[Tensor], xs: list[Tensor], feeds: dict[Tensor, np.ndarray]
    ) -> None:
        self.graph, self.ys, self.xs = graph, ys, xs
        self.session = Session(graph=graph)
        self.feeds = hold_stopped(graph, ys, feeds, self.session)
        self.checked: set[Operation] = set()

    def run(self, fetches: Any, overrides: dict[Tensor, np.ndarray] | None = None) -> Any:
        return self.session.run(fetches, {**self.feeds, **(overrides or {})})

    def close(self) -> None:
        self.session.close()


def _chain_rows(
    p: _Problem,
    ys: list[Tensor],
    order: int,
    tol: Tolerance,
    rng: np.random.Generator,
    max_elements: int,
    directions: int,
) -> list[CheckRow]:
    """Rows for the Jacobian of `ys` in `p.xs`: analytic VJPs against finite differences."""
    y_values = [np.asarray(v) for v in p.run(ys)]
    x_values = [np.asarray(p.feeds[x]) for x in p.xs]
    with p.graph.as_default():
        seeds = [placeholder(y.dtype, v.shape, name="seed") for y, v in zip(ys, y_values)]
        grads = gradients(ys, p.xs, grad_ys=seeds)
    fetch = [g for g in grads if g is not None]

    def vjps(us: list[np.ndarray]) -> list[np.ndarray]:
        got = iter(p.run(fetch, dict(zip(seeds, us))) if fetch else [])
        return [
            np.zeros_like(x) if g is None else np.asarray(next(got))
            for g, x in zip(grads, x_values)
        ]

    def outputs_at(x: Tensor, value: np.ndarray) -> list[np.ndarray]:
        return [np.asarray(v, dtype=np.float64) for v in p.run(ys, {x: value})]

    n_out = sum(v.size for v in y_values)
    n_in = sum(v.size for v in x_values)
    rows = []
    if n_out <= max_elements and n_in <= max_elements:
        # The full Jacobian: one VJP per output element, two runs per input element.
        sizes = [v.size for v in y_values]
        rows_of_j = []
        for k in range(n_out):
            flat = np.zeros(n_out)
            flat[k] = 1
            parts = np.split(flat, np.cumsum(sizes)[:-1])
            us = [part.reshape(v.shape).astype(v.dtype) for part, v in zip(parts, y_values)]
            rows_of_j.append(vjps(us))
        for i, (x, xv) in enumerate(zip(p.xs, x_values)):
            analytic = np.array([r[i].ravel() for r in rows_of_j]).reshape(n_out, xv.size)
            numeric = np.zeros((n_out, xv.size))
            for j in range(xv.size):
                e = _unit(xv.shape, j, xv.dtype)
                scale = max(1.0, float(np.max(np.abs(xv))) if xv.size else 1.0)
                h = tol.step * scale
                plus = np.concatenate(
                    [v.ravel() for v in outputs_at(x, (xv + h * e).astype(xv.dtype))]
                )
                minus = np.concatenate(
                    [v.ravel() for v in outputs_at(x, (xv - h * e).astype(xv.dtype))]
                )
                numeric[:, j] = (plus - minus) / (2 * h)
            err, rel, ok, worst = errors(analytic, numeric, tol)
            k, j = divmod(worst, max(xv.size, 1))
            where = ""
            if analytic.size:
                where = (
                    f"d out[{k}] / d {label(x)}{_index_str(xv.shape, j)} at "
                    f"{label(x)} = {_short(xv)}: ours {analytic.ravel()[worst]:.6g}, "
                    f"finite differences {numeric.ravel()[worst]:.6g}"
                )
            rows.append(
                CheckRow(
                    "jacobian", order, label(x), err, rel, ok, where, elements=analytic.size
                )
            )
        return rows
    # Large: random cotangents u and directions v, comparing u·J·v both ways.
    for i, (x, xv) in enumerate(zip(p.xs, x_values)):
        got, want = [], []
        for _ in range(directions):
            us = [rng.standard_normal(v.shape).astype(v.dtype) for v in y_values]
            v = rng.standard_normal(xv.shape).astype(xv.dtype)
            got.append(float(np.sum(np.asarray(vjps(us)[i], dtype=np.float64) * v)))

            def f(value: np.ndarray, us: list[np.ndarray] = us, x: Tensor = x) -> float:
                return float(sum(np.sum(o * u) for o, u in zip(outputs_at(x, value), us)))

            want.append(_central(f, xv, v, tol.step))
        err, rel, ok, worst = errors(np.array(got), np.array(want), tol)
        where = (
            f"u·J·v along random directions of {label(x)} (shape {xv.shape}): ours "
            f"{got[worst]:.6g}, finite differences {want[worst]:.6g}"
        )
        rows.append(
            CheckRow("directions", order, label(x), err, rel, ok, where, elements=directions)
        )
    return rows


def _op_rows(
    p: _Problem,
    ys: list[Tensor],
    order: int,
    tol: Tolerance,
    rng: np.random.Generator,
    max_elements: int,
    directions: int,
) -> list[CheckRow]:
    """Rows for every differentiable op between `p.xs` and `ys`, each checked on its own."""
    from ..gradients import _ops_between

    ops = sorted(_ops_between(ys, p.xs, set()), key=lambda o: o._id)
    ops = [
        op
        for op in ops
        if op not in p.checked
        and op.type not in ("Placeholder", "Const", "VariableV2")
        and op.outputs
        and op.outputs[0].dtype.is_floating
        and lookup(op.type).rule is not None
    ]
    p.checked.update(ops)
    if not ops:
        return []
    inputs = p.run([list(op.inputs) for op in ops])
    rows = []
    for op, values in zip(ops, inputs):
        for row in check_op(op, values, tol, rng, max_elements, directions):
            row.order = order
            rows.append(row)
    return rows


def check_gradients(
    ys: Any,
    xs: Any = None,
    feed_dict: dict | None = None,
    *,
    at: dict[str, Any] | None = None,
    variables: dict | None = None,
    dtype: Any = _dtypes.float64,
    second_order: bool = False,
    per_op: bool = True,
    max_elements: int = MAX_JACOBIAN_ELEMENTS,
    directions: int = DIRECTIONS,
    seed: int = 0,
) -> GradientReport:
    """Check d(ys)/d(xs) and every op's rule on the way against central finite differences.

    `ys` is a tensor, a list of them or an `Expression` (then `at` gives values by name and
    `xs` may be names). The graph is cloned into `dtype` (float64 by default; None keeps it).
    With `second_order`, the gradients' own derivatives (and the rules they use) are checked
    too. Returns a `GradientReport`; its `.failures` name each op whose rule is wrong.
    """
    if isinstance(ys, Expression):
        expr = ys
        if feed_dict is None:
            feed_dict = expr.feed_dict(at or {})
        elif at:
            raise ValueError("give values either as feed_dict or as at=, not both")
        if xs is None:
            xs = list(expr.inputs.values())
        ys = [expr.output]
        names = expr.inputs
    else:
        names = {}
        if at:
            raise ValueError("at= works with an Expression; pass a feed_dict for tensors")
    outputs = [_as_tensor(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    if not outputs:
        raise ValueError("check_gradients needs at least one output")
    graph = outputs[0].graph
    feeds = _resolve(graph, {**(feed_dict or {}), **(variables or {})}, names)
    if xs is None:
        xs = [t for t in feeds if t.dtype.is_floating]
    x_list = [
        _resolve_one(graph, x, names) for x in (xs if isinstance(xs, (list, tuple)) else [xs])
    ]
    if not x_list:
        raise ValueError("nothing to differentiate: give xs or feed at least one float input")
    for t in outputs + x_list:
        if not t.dtype.is_floating:
            raise ValueError(f"{t.name} has dtype {t.dtype.name}; gradients need floats")
    clone, mapping = clone_graph(outputs + x_list, dtype)
    missing = [t.name for t in feeds if t not in mapping]
    feeds_c = {
        mapping[t]: np.asarray(v, dtype=mapping[t].dtype.np)
        for t, v in feeds.items()
        if t in mapping
    }
    xs_c = [mapping[x] for x in x_list]
    for xc in xs_c:
        if xc not in feeds_c:
            with Session(graph=clone) as sess:
                feeds_c[xc] = np.asarray(sess.run(xc, feeds_c))
    ys_c = [mapping[y] for y in outputs]
    eval_dtype = _lowest_precision([t.dtype for t in ys_c + xs_c])
    tol = finite_difference(eval_dtype)
    rng = np.random.default_rng(seed)
    problem = _Problem(clone, ys_c, xs_c, feeds_c)
    notes = [f"{m} is not needed by the outputs" for m in missing]
    try:
        rows = _guarded(_chain_rows, problem, ys_c, 1, tol, rng, max_elements, directions)
        if per_op:
            rows += _op_rows(problem, ys_c, 1, tol, rng, max_elements, directions)
        if second_order and rows and all(r.max_abs_error != math.inf for r in rows):
            with clone.as_default():
                firsts = [g for g in gradients(ys_c, xs_c) if g is not None]
            if firsts:
                rows += _chain_rows(problem, firsts, 2, tol, rng, max_elements, directions)
                if per_op:
                    rows += _op_rows(problem, firsts, 2, tol, rng, max_elements, directions)
            else:
                notes.append("no input reaches the outputs: no second derivative to check")
    finally:
        problem.close()
    formula = "; ".join(to_text(y) for y in outputs)
    return GradientReport(rows, eval_dtype.name, tol, formula, notes)


def _guarded(
    fn: Callable[..., list[CheckRow]], p: _Problem, ys: list[Tensor], order: int, *args: Any
) -> list[CheckRow]:
    """The chain rows, or one failing row when building the gradient raised (a broken rule:
    the op rows that follow name it)."""
    try:
        return fn(p, ys, order, *args)
    except Exception as exc:
        where = f"building the gradient failed: {type(exc).__name__}: {exc}"
        return [
            CheckRow(
                "jacobian",
                order,
                ", ".join(label(x) for x in p.xs),
                math.inf,
                math.inf,
                False,
                where,
            )
        ]


def _lowest_precision(types: list[_dtypes.DType]) -> _dtypes.DType:
    floats = [t for t in types if t.is_floating]
    return min(floats, key=lambda t: t.np.itemsize) if floats else _dtypes.float64


def _resolve_one(graph: Graph, key: Any, names: dict[str, Tensor]) -> Tensor:
    if isinstance(key, str):
        if key in names:
            return names[key]
        element = graph.as_graph_element(key if ":" in key else key + ":0")
        if isinstance(element, Operation):
            return element.outputs[0]
        return element
    if isinstance(key, Operation):
        return key.outputs[0]
    return _as_tensor(key)


def _resolve(graph: Graph, feeds: dict, names: dict[str, Tensor]) -> dict[Tensor, np.ndarray]:
    resolved = {}
    for key, value in feeds.items():
        t = _resolve_one(graph, key, names)
        array = np.asarray(value, dtype=np.float64 if t.dtype.is_floating else t.dtype.np)
        if t.shape.dims is not None and not t.shape.is_compatible_with(array.shape):
            raise ValueError(
                f"value of shape {array.shape} given for {t.name}, which has "
                f"static shape {t.shape}"
            )
        resolved[t] = array
    return resolved


def numeric_gradient(
    ys: Sequence[Tensor],
    xs: Sequence[Tensor],
    feed_dict: dict[Tensor, Any],
    dtype: Any = _dtypes.float64,
    step: float | None = None,
) -> list[np.ndarray]:
    """Central-difference estimates of d(sum of ys)/dx for each x, in `dtype` (a clone)."""
    ys, xs = [_as_tensor(y) for y in ys], [_as_tensor(x) for x in xs]
    clone, mapping = clone_graph(ys + xs, dtype)
    feeds = {
        mapping[t]: np.asarray(v, dtype=mapping[t].dtype.np)
        for t, v in _resolve(ys[0].graph, feed_dict, {}).items()
        if t in mapping
    }
    ys_c, xs_c = [mapping[y] for y in ys], [mapping[x] for x in xs]
    tol = finite_difference(_lowest_precision([t.dtype for t in ys_c + xs_c]))
    h0 = tol.step if step is None else step
    results = []
    with Session(graph=clone) as sess:
        feeds = hold_stopped(clone, ys_c, feeds, sess)
        for x in xs_c:
            base = feeds[x] if x in feeds else np.asarray(sess.run(x, feeds))

            def f(value: np.ndarray, x: Tensor = x) -> float:
                outs = sess.run(ys_c, {**feeds, x: value})
                return float(sum(np.sum(np.asarray(o, dtype=np.float64)) for o in outs))

            grad = np.array(
                [
                    _central(f, base, _unit(base.shape, j, base.dtype), h0)
                    for j in range(base.size)
                ]
            ).reshape(base.shape)
            results.append(grad)
    return results
