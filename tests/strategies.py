"""Hypothesis strategies: one per op type of the derivative table, and random expressions.

A strategy draws a `Case`: input values (float64 NumPy arrays, or bool/int ones) and a
function that builds the op under test from placeholders of those inputs. Values are drawn
inside the op's domain and away from its kinks and poles (log and sqrt see positive inputs,
abs/relu/maximum see no near-ties, tan and division stay away from their poles, the largest
element of a reduction or pooling window is unique), so finite differences are meaningful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lab as al
from autograd_lab import array_ops as A
from autograd_lab import math_ops as M
from autograd_lab import nn
from autograd_lab.formulas import to_text
from autograd_lab.graph import Graph, Tensor

Build = Callable[[dict[str, Tensor], Any], Tensor]


@dataclass
class Case:
    """Inputs by name and a builder of the output from placeholders of those inputs."""

    op_type: str
    values: dict[str, np.ndarray]
    build: Build
    wrt: tuple[str, ...] | None = None  # default: every float input
    second_order: bool = True
    notes: list[str] = field(default_factory=list)
    skip_modes: tuple[str, ...] = ()  # TensorFlow modes known to be wrong for this case

    def make(self, dtype: Any = al.float64) -> tuple[Graph, Tensor, dict[str, Tensor]]:
        """A new graph with one placeholder per input (floats in `dtype`) and the output."""
        graph = Graph()
        with graph.as_default():
            phs = {}
            for name, value in self.values.items():
                kind = np.asarray(value).dtype.kind
                ph_dtype = dtype if kind == "f" else al.as_dtype(np.asarray(value).dtype)
                phs[name] = al.placeholder(ph_dtype, np.shape(value), name=name)
            out = self.build(phs, dtype)
        return graph, out, phs

    def feeds(self, phs: dict[str, Tensor]) -> dict[Tensor, np.ndarray]:
        return {phs[n]: np.asarray(v, dtype=phs[n].dtype.np) for n, v in self.values.items()}

    def xs(self, phs: dict[str, Tensor]) -> list[Tensor]:
        names = (
            self.wrt
            if self.wrt is not None
            else [n for n, v in self.values.items() if np.asarray(v).dtype.kind == "f"]
        )
        return [phs[n] for n in names]

    def describe(self, out: Tensor) -> str:
        """The formula and the inputs, for a failure message."""
        shown = "; ".join(
            f"{n} = {np.array2string(np.asarray(v), precision=4, threshold=20)}"
            for n, v in self.values.items()
        )
        return f"{self.op_type}: f = {to_text(out)}\n  at {shown}"


# ---- values ---------------------------------------------------------------------------
def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats exactly representable in float32, so a case means the same in both dtypes."""
    return st.floats(float(np.float32(lo)), float(np.float32(hi)), width=32)


def shapes(
    min_rank: int = 0, max_rank: int = 3, min_side: int = 1, max_side: int = 3
) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(
        min_dims=min_rank, max_dims=max_rank, min_side=min_side, max_side=max_side
    )


def reals(shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy:
    return hnp.arrays(np.float64, shape, elements=_floats(lo, hi))


def positives(shape: tuple[int, ...], lo: float = 0.25, hi: float = 3.0) -> st.SearchStrategy:
    return reals(shape, lo, hi)


def nonzeros(
    shape: tuple[int, ...], margin: float = 0.25, hi: float = 2.0
) -> st.SearchStrategy:
    element = st.one_of(_floats(margin, hi), _floats(-hi, -margin))
    return hnp.arrays(np.float64, shape, elements=element)


@st.composite
def distinct(draw: Any, shape: tuple[int, ...], gap: float = 0.25) -> np.ndarray:
    """Values no two of which are closer than `gap`: no ties for max, min or pooling."""
    n = int(np.prod(shape, dtype=np.int64))
    order = draw(st.permutations(range(n)))
    jitter = draw(hnp.arrays(np.float64, (n,), elements=_floats(0.0, 0.1)))
    values = (np.asarray(order, dtype=np.float64) - n / 2) * (gap + 0.1) * 0.5 + jitter
    return values.reshape(shape) if n else np.zeros(shape)


@st.composite
def grid_pair(
    draw: Any, shape_a: tuple[int, ...], shape_b: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays on interleaved grids: every broadcast pair differs by at least 0.15."""
    a = draw(hnp.arrays(np.int64, shape_a, elements=st.integers(-4, 4))) * 0.5
    b = draw(hnp.arrays(np.int64, shape_b, elements=st.integers(-4, 4))) * 0.5 + 0.25
    a = a + draw(hnp.arrays(np.float64, shape_a, elements=_floats(0, 0.05)))
    b = b + draw(hnp.arrays(np.float64, shape_b, elements=_floats(0, 0.05)))
    return a, b


@st.composite
def broadcast_shapes(draw: Any, max_rank: int = 3) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together: the second drops leading axes and sets some to 1."""
    full = draw(shapes(0, max_rank))
    lead = draw(st.integers(0, len(full)))
    other = list(full[lead:])
    for i in range(len(other)):
        if draw(st.booleans()):
            other[i] = 1
    pair = (full, tuple(other))
    return pair if draw(st.booleans()) else pair[::-1]


# ---- op strategies --------------------------------------------------------------------
OP_STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Case]]] = {}

# Table entries with no strategy of their own, and why (they are covered elsewhere or have
# nothing to compare).
NOT_DRAWN: dict[str, str] = {
    "Placeholder": "every case feeds placeholders",
    "Const": "every case with a number in it has constants",
    "VariableV2": "tests/test_bridge.py lowers graphs with variables",
    "Assign": "a state update: no value as a function of inputs (no lowering)",
    "AssignAdd": "a state update: no value as a function of inputs (no lowering)",
    "AssignSub": "a state update: no value as a function of inputs (no lowering)",
    "NoOp": "has no output",
    "RandomStandardNormal": "random samples differ between engines (no lowering)",
    "RandomUniform": "random samples differ between engines (no lowering)",
    "TruncatedNormal": "random samples differ between engines (no lowering)",
}


def strategy(*op_types: str) -> Callable:
    def register(fn: Callable[[], st.SearchStrategy[Case]]) -> Callable:
        for t in op_types:
            OP_STRATEGIES[t] = lambda fn=fn, t=t: fn(t)
        return fn

    return register


_BINARY = {
    "AddV2": M.add,
    "Sub": M.subtract,
    "Mul": M.multiply,
    "RealDiv": M.divide,
    "Pow": M.pow,
    "Maximum": M.maximum,
    "Minimum": M.minimum,
}


@strategy("AddV2", "Sub", "Mul", "RealDiv", "Pow", "Maximum", "Minimum")
@st.composite
def _binary(draw: Any, op_type: str) -> Case:
    sa, sb = draw(broadcast_shapes())
    if op_type in ("Maximum", "Minimum"):
        x, y = draw(grid_pair(sa, sb))
        if draw(st.booleans()):
            x, y = y, x
    elif op_type == "RealDiv":
        x, y = draw(reals(sa)), draw(nonzeros(sb, 0.4))
    elif op_type == "Pow":
        x, y = draw(positives(sa, 0.3, 2.5)), draw(reals(sb, -2.0, 2.0))
    else:
        x, y = draw(reals(sa)), draw(reals(sb))
    fn = _BINARY[op_type]
    return Case(op_type, {"x": x, "y": y}, lambda p, d: fn(p["x"], p["y"]))


_UNARY_DOMAINS: dict[str, tuple[Callable, Callable]] = {
    "Neg": (M.negative, reals),
    "Square": (M.square, reals),
    "Sqrt": (M.sqrt, positives),
    "Exp": (M.exp, lambda s: reals(s, -3.0, 3.0)),
    "Log": (M.log, positives),
    "Sin": (M.sin, lambda s: reals(s, -4.0, 4.0)),
    "Cos": (M.cos, lambda s: reals(s, -4.0, 4.0)),
    "Tan": (M.tan, lambda s: reals(s, -1.2, 1.2)),
    "Tanh": (M.tanh, lambda s: reals(s, -3.0, 3.0)),
    "Sigmoid": (M.sigmoid, lambda s: reals(s, -4.0, 4.0)),
    "Abs": (M.abs, nonzeros),
    "Relu": (nn.relu, nonzeros),
    "Identity": (A.identity, reals),
    "Softmax": (nn.softmax, lambda s: reals(s, -3.0, 3.0)),
    "LogSoftmax": (nn.log_softmax, lambda s: reals(s, -3.0, 3.0)),
}


@strategy(*_UNARY_DOMAINS)
@st.composite
def _unary(draw: Any, op_type: str) -> Case:
    fn, values = _UNARY_DOMAINS[op_type]
    min_rank = 1 if op_type in ("Softmax", "LogSoftmax") else 0
    x = draw(values(draw(shapes(min_rank, 3))))
    return Case(op_type, {"x": x}, lambda p, d: fn(p["x"]))


@strategy("AddN")
@st.composite
def _add_n(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))
    n = draw(st.integers(2, 4))
    values = {f"x{i}": draw(reals(shape)) for i in range(n)}
    # A repeated input checks that the contributions of one tensor are summed.
    repeat = draw(st.booleans())
    return Case(
        op_type,
        values,
        lambda p, d: M.add_n([p[f"x{i}"] for i in range(n)] + ([p["x0"]] if repeat else [])),
    )


@strategy("Cast")
@st.composite
def _cast(draw: Any, op_type: str) -> Case:
    x = draw(reals(draw(shapes(0, 2))))
    other = draw(st.sampled_from(["float32", "float64"]))

    def build(p: dict, d: Any) -> Tensor:
        y = M.cast(M.multiply(p["x"], p["x"]), other)
        return M.multiply(M.cast(y, d), p["x"])

    return Case(op_type, {"x": x}, build)


@strategy("Sum", "Mean", "Max", "Min")
@st.composite
def _reduce(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3))
    x = draw(distinct(shape)) if op_type in ("Max", "Min") else draw(reals(shape))
    rank = len(shape)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-rank, rank - 1),
            st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True).map(
                tuple
            ),
        )
    )
    keepdims = draw(st.booleans())
    fn = {"Sum": M.reduce_sum, "Mean": M.reduce_mean, "Max": M.reduce_max, "Min": M.reduce_min}[
        op_type
    ]
    return Case(op_type, {"x": x}, lambda p, d: fn(p["x"], axis, keepdims))


@strategy("MatMul")
@st.composite
def _matmul(draw: Any, op_type: str) -> Case:
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    a = draw(reals((k, m) if ta else (m, k)))
    b = draw(reals((n, k) if tb else (k, n)))
    return Case(
        op_type,
        {"a": a, "b": b},
        lambda p, d: M.matmul(p["a"], p["b"], transpose_a=ta, transpose_b=tb),
    )


@strategy("BatchMatMulV2")
@st.composite
def _batch_matmul(draw: Any, op_type: str) -> Case:
    m, k, n, batch = (draw(st.integers(1, 3)) for _ in range(4))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    ba, bb = draw(
        st.sampled_from(
            [((batch,), (batch,)), ((batch,), ()), ((1,), (batch,)), ((2, batch), (batch,))]
        )
    )
    a = draw(reals(ba + ((k, m) if ta else (m, k))))
    b = draw(reals(bb + ((n, k) if tb else (k, n))))
    return Case(
        op_type,
        {"a": a, "b": b},
        lambda p, d: M.matmul(p["a"], p["b"], transpose_a=ta, transpose_b=tb),
    )


@strategy("Reshape")
@st.composite
def _reshape(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))
    x = draw(reals(shape))
    n = int(np.prod(shape, dtype=np.int64))
    target = draw(st.sampled_from([(n,), (1, n), (n, 1), (-1,), (-1, 1), (1, -1, 1)]))
    return Case(op_type, {"x": x}, lambda p, d: A.reshape(M.multiply(p["x"], p["x"]), target))


@strategy("ReshapeLike")
@st.composite
def _reshape_like(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3))
    n = int(np.prod(shape))
    x, like = draw(reals(shape)), draw(reals(draw(st.sampled_from([(n,), (1, n), (n, 1)]))))
    return Case(
        op_type, {"x": x, "like": like}, lambda p, d: A.reshape_like(M.sin(p["x"]), p["like"])
    )


@strategy("Transpose")
@st.composite
def _transpose(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 4))
    perm = tuple(draw(st.permutations(range(len(shape)))))
    return Case(
        op_type, {"x": draw(reals(shape))}, lambda p, d: A.transpose(M.square(p["x"]), perm)
    )


@strategy("ExpandDims")
@st.composite
def _expand_dims(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Case(
        op_type, {"x": draw(reals(shape))}, lambda p, d: A.expand_dims(M.sin(p["x"]), axis)
    )


@strategy("Squeeze")
@st.composite
def _squeeze(draw: Any, op_type: str) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    ones = [i for i, s in enumerate(shape) if s == 1]
    axis = None
    if ones and draw(st.booleans()):
        axis = tuple(draw(st.lists(st.sampled_from(ones), min_size=1, unique=True)))
    return Case(op_type, {"x": draw(reals(shape))}, lambda p, d: A.squeeze(M.cos(p["x"]), axis))


@strategy("ConcatV2")
@st.composite
def _concat(draw: Any, op_type: str) -> Case:
    shape = list(draw(shapes(1, 3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    values = {}
    for i in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        values[f"x{i}"] = draw(reals(tuple(s)))
    names = list(values)
    return Case(
        op_type,
        values,
        lambda p, d: A.concat(
            [M.multiply(p[n], float(i + 1)) for i, n in enumerate(names)], axis
        ),
    )


@strategy("Pack")
@st.composite
def _pack(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    values = {f"x{i}": draw(reals(shape)) for i in range(draw(st.integers(1, 3)))}
    names = list(values)
    return Case(
        op_type,
        values,
        lambda p, d: A.stack([M.multiply(p[n], p[names[0]]) for n in names], axis),
    )


@st.composite
def basic_index(draw: Any, shape: tuple[int, ...]) -> tuple:
    """A NumPy basic index for `shape`: ints, slices with steps, `...` and None."""
    items: list[Any] = []
    axes = list(shape)
    use_ellipsis = draw(st.booleans()) and len(axes) > 0
    ellipsis_at = draw(st.integers(0, len(axes))) if use_ellipsis else -1
    n_indexed = draw(st.integers(0, len(axes)))
    for i, size in enumerate(axes[:n_indexed]):
        if i == ellipsis_at:
            items.append(Ellipsis)
            break
        if draw(st.integers(0, 4)) == 0:
            items.append(None)
        if draw(st.booleans()):
            items.append(draw(st.integers(-size, size - 1)))
        else:
            start = draw(st.one_of(st.none(), st.integers(-size, size)))
            stop = draw(st.one_of(st.none(), st.integers(-size, size)))
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            items.append(slice(start, stop, step))
    return tuple(items)


@strategy("StridedSlice")
@st.composite
def _strided_slice(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3, max_side=4))
    index = draw(basic_index(shape))
    return Case(
        op_type,
        {"x": draw(reals(shape))},
        lambda p, d: A.strided_slice(M.multiply(p["x"], p["x"]), index),
    )


@strategy("StridedSliceGrad")
@st.composite
def _strided_slice_grad(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3, max_side=4))
    index = draw(basic_index(shape))
    sliced = np.zeros(shape)[index].shape
    g, x = draw(reals(sliced)), draw(reals(shape))
    return Case(
        op_type,
        {"g": g, "x": x},
        lambda p, d: A.strided_slice_grad(M.sin(p["g"]), p["x"], index),
    )


@strategy("BroadcastTo", "SumToShape")
@st.composite
def _broadcast(draw: Any, op_type: str) -> Case:
    big = draw(shapes(0, 3))
    lead = draw(st.integers(0, len(big)))
    small = tuple(1 if draw(st.booleans()) else s for s in big[lead:])
    if op_type == "BroadcastTo":
        values = {"x": draw(reals(small)), "like": draw(reals(big))}
        return Case(op_type, values, lambda p, d: A.broadcast_like(M.square(p["x"]), p["like"]))
    values = {"x": draw(reals(big)), "like": draw(reals(small))}
    return Case(op_type, values, lambda p, d: A.sum_to_shape_of(M.sin(p["x"]), p["like"]))


@strategy("Fill")
@st.composite
def _fill(draw: Any, op_type: str) -> Case:
    dims = draw(shapes(0, 3))
    return Case(
        op_type,
        {"v": draw(reals(()))},
        lambda p, d: M.multiply(A.fill(dims, M.square(p["v"])), p["v"]),
    )


@strategy("SelectV2", "Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual")
@st.composite
def _select(draw: Any, op_type: str) -> Case:
    sa, sb = draw(broadcast_shapes())
    a, b = draw(grid_pair(sa, sb))
    x, y = draw(reals(sa)), draw(reals(sb))
    compare = {
        "SelectV2": M.less,
        "Less": M.less,
        "LessEqual": M.less_equal,
        "Greater": M.greater,
        "GreaterEqual": M.greater_equal,
        "Equal": M.equal,
        "NotEqual": M.not_equal,
    }[op_type]

    def build(p: dict, d: Any) -> Tensor:
        return A.where(compare(p["a"], p["b"]), M.multiply(p["x"], p["a"]), M.sin(p["y"]))

    return Case(op_type, {"a": a, "b": b, "x": x, "y": y}, build)


@strategy("LogicalAnd", "LogicalOr", "LogicalNot")
@st.composite
def _logical(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 2))
    c1 = draw(hnp.arrays(np.bool_, shape))
    c2 = draw(hnp.arrays(np.bool_, shape))
    x, y = draw(reals(shape)), draw(reals(shape))

    def build(p: dict, d: Any) -> Tensor:
        if op_type == "LogicalNot":
            cond = M.logical_not(p["c1"])
        else:
            cond = (M.logical_and if op_type == "LogicalAnd" else M.logical_or)(
                p["c1"], p["c2"]
            )
        return A.where(cond, M.exp(p["x"]), M.multiply(p["y"], p["x"]))

    return Case(op_type, {"c1": c1, "c2": c2, "x": x, "y": y}, build)


@strategy("Sign")
@st.composite
def _sign(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))
    return Case(
        op_type,
        {"x": draw(nonzeros(shape)), "y": draw(reals(shape))},
        lambda p, d: M.multiply(M.sign(p["x"]), M.square(p["y"])),
    )


@strategy("ArgMax", "ArgMin")
@st.composite
def _arg(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3))
    axis = draw(st.integers(0, len(shape) - 1))
    fn = M.argmax if op_type == "ArgMax" else M.argmin
    return Case(
        op_type,
        {"x": draw(distinct(shape)), "y": draw(reals(()))},
        lambda p, d: M.multiply(M.cast(fn(p["x"], axis), d), p["y"]),
    )


@strategy("Size", "ZerosLike", "OnesLike", "StopGradient")
@st.composite
def _value_free(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(0, 3))

    def build(p: dict, d: Any) -> Tensor:
        x, y = p["x"], p["y"]
        if op_type == "Size":
            return M.divide(M.reduce_sum(M.square(x)), M.cast(A.size(x), d))
        if op_type == "ZerosLike":
            return M.add(M.sin(x), A.zeros_like(M.multiply(x, y)))
        if op_type == "OnesLike":
            return M.multiply(M.cos(y), A.ones_like(x))
        return M.multiply(x, A.stop_gradient(M.multiply(x, y)))

    return Case(op_type, {"x": draw(reals(shape)), "y": draw(reals(shape))}, build)


@strategy("SoftmaxCrossEntropyWithLogits")
@st.composite
def _xent(draw: Any, op_type: str) -> Case:
    shape = draw(shapes(1, 3))
    labels = draw(positives(shape, 0.1, 1.0))
    labels = labels / labels.sum(axis=-1, keepdims=True)
    logits = draw(reals(shape, -3.0, 3.0))
    return Case(
        op_type,
        {"labels": labels, "logits": logits},
        lambda p, d: nn.softmax_cross_entropy_with_logits(
            labels=p["labels"], logits=p["logits"]
        ),
    )


@st.composite
def conv_setup(draw: Any) -> dict[str, Any]:
    n, c, co = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    oh = nn.conv_output_size(h, kh, strides[0], padding)
    ow = nn.conv_output_size(w, kw, strides[1], padding)
    return {
        "x": (n, h, w, c),
        "w": (kh, kw, c, co),
        "y": (n, oh, ow, co),
        "strides": strides,
        "padding": padding,
    }


@strategy("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")
@st.composite
def _conv(draw: Any, op_type: str) -> Case:
    s = draw(conv_setup())
    strides, padding = s["strides"], s["padding"]
    x, w, g = draw(reals(s["x"])), draw(reals(s["w"])), draw(reals(s["y"]))
    if op_type == "Conv2D":
        return Case(
            op_type, {"x": x, "w": w}, lambda p, d: nn.conv2d(p["x"], p["w"], strides, padding)
        )
    if op_type == "Conv2DBackpropInput":
        return Case(
            op_type,
            {"x": x, "w": w, "g": g},
            lambda p, d: nn.conv2d_backprop_input(p["x"], p["w"], p["g"], strides, padding),
        )
    return Case(
        op_type,
        {"x": x, "w": w, "g": g},
        lambda p, d: nn.conv2d_backprop_filter(p["x"], p["w"], p["g"], strides, padding),
    )


@strategy("MaxPool", "MaxPoolGrad", "MaxPoolGradGrad")
@st.composite
def _pool(draw: Any, op_type: str) -> Case:
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    oh = nn.conv_output_size(h, kh, strides[0], padding)
    ow = nn.conv_output_size(w, kw, strides[1], padding)
    x = draw(distinct((n, h, w, c)))
    if op_type == "MaxPool":
        return Case(
            op_type, {"x": x}, lambda p, d: nn.max_pool2d(p["x"], (kh, kw), strides, padding)
        )

    def pooled(p: dict) -> tuple[Tensor, Tensor, dict]:
        y = nn.max_pool2d(p["x"], (kh, kw), strides, padding)
        return p["x"], y, y.op.attrs

    if op_type == "MaxPoolGrad":
        g = draw(reals((n, oh, ow, c)))

        def build_grad(p: dict, d: Any) -> Tensor:
            xx, y, attrs = pooled(p)
            return nn.max_pool_grad(xx, y, M.square(p["g"]), attrs)

        return Case(op_type, {"x": x, "g": g}, build_grad)
    g2 = draw(reals((n, h, w, c)))

    def build_grad_grad(p: dict, d: Any) -> Tensor:
        xx, y, attrs = pooled(p)
        return nn.max_pool_grad_grad(xx, y, M.square(p["g"]), attrs)

    skip: tuple[str, ...] = ()
    notes = []
    if (oh, ow) == (h, w):
        # TensorFlow 2.21's CPU MaxPoolGradGrad returns zeros in graph mode when it may
        # reuse its `grad` input's buffer for the output (same shape): eager is right.
        skip = ("tf.gradients",)
        notes.append("TensorFlow graph-mode MaxPoolGradGrad bug when output shape == input")
    return Case(op_type, {"x": x, "g": g2}, build_grad_grad, skip_modes=skip, notes=notes)


# ---- random expressions composed from the table ---------------------------------------
@dataclass(eq=False)
class _Node:
    """A step of a random expression: its value and how to build it from earlier steps."""

    value: np.ndarray
    fn: Callable[..., Tensor] | None = None  # None: the input named `leaf`
    args: tuple[_Node, ...] = ()
    leaf: str = ""

    def realise(self, p: dict[str, Tensor], memo: dict[int, Tensor]) -> Tensor:
        """The tensor of this step; shared steps are built once (the graph is a DAG)."""
        if id(self) not in memo:
            if self.fn is None:
                memo[id(self)] = p[self.leaf]
            else:
                memo[id(self)] = self.fn(*(a.realise(p, memo) for a in self.args))
        return memo[id(self)]


def _ok_values(v: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(v)) and np.max(np.abs(v), initial=0.0) < 30.0)


def _min_gap(v: np.ndarray) -> float:
    flat = np.sort(np.ravel(v))
    return float(np.min(np.diff(flat))) if flat.size > 1 else np.inf


# Unary steps: (name, domain test on the operand's value, NumPy value, graph builder).
_UNARY_STEPS: list[tuple[str, Callable, Callable, Callable]] = [
    ("neg", lambda v: True, np.negative, M.negative),
    ("square", lambda v: True, np.square, M.square),
    ("sqrt", lambda v: np.min(v) > 0.2, np.sqrt, M.sqrt),
    ("exp", lambda v: np.max(v) < 3.0, np.exp, M.exp),
    ("log", lambda v: np.min(v) > 0.2, np.log, M.log),
    ("sin", lambda v: True, np.sin, M.sin),
    ("cos", lambda v: True, np.cos, M.cos),
    ("tan", lambda v: np.max(np.abs(v)) < 1.2, np.tan, M.tan),
    ("tanh", lambda v: True, np.tanh, M.tanh),
    ("sigmoid", lambda v: True, lambda v: 1 / (1 + np.exp(-v)), M.sigmoid),
    ("abs", lambda v: np.min(np.abs(v)) > 0.1, np.abs, M.abs),
    ("relu", lambda v: np.min(np.abs(v)) > 0.1, lambda v: np.maximum(v, 0), nn.relu),
    ("identity", lambda v: True, lambda v: v, A.identity),
    (
        "stop_gradient_mul",
        lambda v: True,
        np.square,
        lambda t: M.multiply(t, A.stop_gradient(t)),
    ),
    (
        "softmax",
        lambda v: v.ndim >= 1,
        lambda v: (
            np.exp(v - v.max(-1, keepdims=True))
            / np.exp(v - v.max(-1, keepdims=True)).sum(-1, keepdims=True)
        ),
        nn.softmax,
    ),
    (
        "log_softmax",
        lambda v: v.ndim >= 1,
        lambda v: (
            v
            - v.max(-1, keepdims=True)
            - np.log(np.exp(v - v.max(-1, keepdims=True)).sum(-1, keepdims=True))
        ),
        nn.log_softmax,
    ),
    (
        "reduce_sum",
        lambda v: v.ndim >= 1,
        lambda v: v.sum(-1, keepdims=True),
        lambda t: M.reduce_sum(t, -1, keepdims=True),
    ),
    (
        "reduce_mean",
        lambda v: v.ndim >= 1,
        lambda v: v.mean(0, keepdims=True),
        lambda t: M.reduce_mean(t, 0, keepdims=True),
    ),
    (
        "reduce_max",
        lambda v: v.ndim >= 1 and _min_gap(v) > 0.1,
        lambda v: v.max(-1, keepdims=True),
        lambda t: M.reduce_max(t, -1, keepdims=True),
    ),
    (
        "reduce_min",
        lambda v: v.ndim >= 1 and _min_gap(v) > 0.1,
        lambda v: v.min(0, keepdims=True),
        lambda t: M.reduce_min(t, 0, keepdims=True),
    ),
    (
        "reverse",
        lambda v: v.ndim >= 1,
        lambda v: v[..., ::-1],
        lambda t: A.strided_slice(t, (Ellipsis, slice(None, None, -1))),
    ),
    (
        "expand_squeeze",
        lambda v: True,
        lambda v: v,
        lambda t: A.squeeze(A.expand_dims(t, 0), 0),
    ),
]

_BINARY_STEPS: list[tuple[str, Callable, Callable, Callable]] = [
    ("add", lambda a, b: True, np.add, M.add),
    ("sub", lambda a, b: True, np.subtract, M.subtract),
    ("mul", lambda a, b: True, np.multiply, M.multiply),
    ("div", lambda a, b: np.min(np.abs(b)) > 0.3, np.divide, M.divide),
    (
        "pow",
        lambda a, b: np.min(a) > 0.3 and np.max(a) < 4 and np.max(np.abs(b)) < 2.5,
        np.power,
        M.pow,
    ),
    ("maximum", lambda a, b: np.min(np.abs(a - b)) > 0.1, np.maximum, M.maximum),
    ("minimum", lambda a, b: np.min(np.abs(a - b)) > 0.1, np.minimum, M.minimum),
    (
        "where_less",
        lambda a, b: np.min(np.abs(a - b)) > 0.1,
        lambda a, b: np.where(a < b, a * b, np.sin(b) + 0 * a),
        lambda a, b: A.where(
            M.less(a, b), M.multiply(a, b), M.add(M.sin(b), M.multiply(0.0, a))
        ),
    ),
    (
        "add_n",
        lambda a, b: a.shape == b.shape,
        lambda a, b: a + b + a,
        lambda a, b: M.add_n([a, b, a]),
    ),
]


def _recent(draw: Any, nodes: list[_Node]) -> _Node:
    """An earlier step, the latest by preference (and when shrinking): deep formulas."""
    return nodes[-1 - draw(st.integers(0, len(nodes) - 1))]


@st.composite
def expressions(draw: Any, max_steps: int = 8) -> Case:
    """A random formula over 1-3 inputs of one shape, built step by step from the table.

    Each step applies an op to earlier results; an op is only drawn where its operands lie
    in its domain (checked on the actual values), so every case can be checked numerically.
    """
    shape = draw(shapes(0, 2))
    names = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    values = {n: draw(reals(shape, -1.5, 1.5)) for n in names}
    nodes = [_Node(values[n], leaf=n) for n in names]
    for _ in range(draw(st.integers(2, max_steps))):
        if draw(st.booleans()):
            a = _recent(draw, nodes)
            options = [s for s in _UNARY_STEPS if s[1](a.value)]
            _name, _, np_fn, fn = draw(st.sampled_from(options))
            with np.errstate(all="ignore"):
                value = np.asarray(np_fn(a.value), dtype=np.float64)
            node = _Node(value, fn, (a,))
        else:
            a, b = _recent(draw, nodes), draw(st.sampled_from(nodes))
            with np.errstate(all="ignore"):
                options = [s for s in _BINARY_STEPS if s[1](a.value, b.value)]
                _name, _, np_fn, fn = draw(st.sampled_from(options))
                value = np.asarray(np_fn(a.value, b.value), dtype=np.float64)
            node = _Node(value, fn, (a, b))
        if _ok_values(node.value):
            nodes.append(node)
    last = nodes[-1]
    return Case("expression", values, lambda p, d: last.realise(p, {}))
