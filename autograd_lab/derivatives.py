"""The derivative table: one rule per op type, each building its derivative out of graph ops.

A rule receives the forward `op` and `grad`, the gradient of the final output with respect to
the op's output, and returns one entry per input of the op: the gradient with respect to that
input, or None where none flows. An entry may also be a function of no arguments; the chain
rule calls it only when that input lies on a path to the tensors being differentiated, so no
ops are built for inputs such as constants. The first line of each docstring is the formula.

Vocabulary: `x`, `y` are inputs, `ans` is the op's output, `grad` is the incoming gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import array_ops as A
from . import math_ops as M
from . import nn
from .errors import LookupGradientError
from .graph import Operation, Tensor

Rule = Callable[[Operation, Tensor], list[Any]]


@dataclass(frozen=True)
class Entry:
    """One row of the table: the op type, its rule (None: no derivative), its TF counterpart."""

    op_type: str
    rule: Rule | None
    tf_op: str
    formula: str


_TABLE: dict[str, Entry] = {}


def _formula(rule: Rule | None, default: str) -> str:
    doc = (rule.__doc__ or "").strip().splitlines() if rule else []
    return doc[0].strip() if doc else default


def derivative(op_type: str, tf_op: str | None = None) -> Callable[[Rule], Rule]:
    """Register `rule` as the derivative of `op_type` (like `tf.RegisterGradient`)."""

    def register(rule: Rule) -> Rule:
        _TABLE[op_type] = Entry(op_type, rule, tf_op or op_type, _formula(rule, "user rule"))
        return rule

    return register


RegisterGradient = derivative


def not_differentiable(*op_types: str, reason: str = "no derivative") -> None:
    """Declare op types through which no gradient flows (like `tf.no_gradient`)."""
    for op_type in op_types:
        _TABLE[op_type] = Entry(op_type, None, op_type, reason)


NotDifferentiable = not_differentiable


def lookup(op_type: str) -> Entry:
    """The table entry of an op type; a clear error if it has none."""
    try:
        return _TABLE[op_type]
    except KeyError:
        raise LookupGradientError(
            f"No gradient defined for operation type {op_type!r}. Register one with "
            f"@autograd_lab.RegisterGradient({op_type!r}) or declare it with "
            f"autograd_lab.NotDifferentiable({op_type!r})."
        ) from None


def derivative_table() -> list[Entry]:
    """Every entry, rules first, as (op type, rule, TensorFlow op, formula)."""
    return sorted(_TABLE.values(), key=lambda e: (e.rule is None, e.op_type))


# ---- helpers shared by the rules ------------------------------------------------------
def unbroadcast(grad: Tensor, x: Tensor, other: Tensor | None = None) -> Tensor:
    """Sum `grad` over the axes along which `x` was broadcast, so it takes `x`'s shape.

    `other` is the op's other operand: a scalar there cannot have broadcast `x`.
    """
    gs, xs = grad.shape, x.shape
    if other is not None and other.shape.rank == 0:
        return grad
    if xs.rank == 0 and gs.rank != 0:
        return M.reduce_sum(grad)
    if gs.is_fully_defined() and xs.is_fully_defined():
        if gs.dims == xs.dims:
            return grad
        lead = len(gs.dims) - len(xs.dims)
        axes = list(range(lead)) + [
            lead + i for i, d in enumerate(xs.dims) if d == 1 and gs.dims[lead + i] != 1
        ]
        summed = M.reduce_sum(grad, axes, keepdims=True) if axes else grad
        return A.reshape(summed, xs.dims) if summed.shape.dims != xs.dims else summed
    # Unknown sizes: only a run can tell whether x was broadcast (a batch of 1 against 128).
    return A.sum_to_shape_of(grad, x)


def _restore_reduced_axes(grad: Tensor, op: Operation) -> Tensor:
    """The gradient of a reduction's output, with the reduced axes back as length 1."""
    x = op.inputs[0]
    axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    if keepdims:
        return grad
    if axis is None:
        rank = x.shape.rank
        return grad if rank is None else A.reshape(grad, [1] * rank)
    for a in axis:
        grad = A.expand_dims(grad, a)
    return grad


def _zero_where(mask: Tensor, grad: Tensor) -> Tensor:
    return A.where(mask, grad, A.zeros_like(grad))


# ---- arithmetic -----------------------------------------------------------------------
@derivative("AddV2")
def _add(op, grad):
    """d(x + y) = dx + dy"""
    x, y = op.inputs
    return [lambda: unbroadcast(grad, x, y), lambda: unbroadcast(grad, y, x)]


@derivative("Sub")
def _sub(op, grad):
    """d(x - y) = dx - dy"""
    x, y = op.inputs
    return [lambda: unbroadcast(grad, x, y), lambda: unbroadcast(M.negative(grad), y, x)]


@derivative("Mul")
def _mul(op, grad):
    """d(x * y) = y dx + x dy"""
    x, y = op.inputs
    return [
        lambda: unbroadcast(M.multiply(grad, y), x, y),
        lambda: unbroadcast(M.multiply(grad, x), y, x),
    ]


@derivative("RealDiv")
def _real_div(op, grad):
    """d(x / y) = dx / y - (x / y) dy / y"""
    x, y = op.inputs
    ans = op.outputs[0]
    return [
        lambda: unbroadcast(M.divide(grad, y), x, y),
        lambda: unbroadcast(M.negative(M.divide(M.multiply(grad, ans), y)), y, x),
    ]


@derivative("Pow")
def _pow(op, grad):
    """d(x ** y) = y x**(y-1) dx + x**y log(x) dy  (log(x) taken as 0 where x <= 0)"""
    x, y = op.inputs
    ans = op.outputs[0]

    def d_base():
        return unbroadcast(M.multiply(grad, M.multiply(y, M.pow(x, M.subtract(y, 1)))), x, y)

    def d_exponent():
        positive = M.greater(x, 0)
        safe_x = A.where(positive, x, A.ones_like(x))
        log_x = A.where(positive, M.log(safe_x), A.zeros_like(x))
        return unbroadcast(M.multiply(grad, M.multiply(ans, log_x)), y, x)

    return [d_base, d_exponent]


@derivative("Maximum")
def _maximum(op, grad):
    """d max(x, y) = dx where x >= y, else dy"""
    x, y = op.inputs
    x_wins = M.greater_equal(x, y)
    return [
        lambda: unbroadcast(_zero_where(x_wins, grad), x),
        lambda: unbroadcast(_zero_where(M.logical_not(x_wins), grad), y),
    ]


@derivative("Minimum")
def _minimum(op, grad):
    """d min(x, y) = dx where x <= y, else dy"""
    x, y = op.inputs
    x_wins = M.less_equal(x, y)
    return [
        lambda: unbroadcast(_zero_where(x_wins, grad), x),
        lambda: unbroadcast(_zero_where(M.logical_not(x_wins), grad), y),
    ]


@derivative("Neg")
def _neg(op, grad):
    """d(-x) = -dx"""
    return [M.negative(grad)]


@derivative("AddN")
def _add_n(op, grad):
    """d(x1 + ... + xn) = dx1 + ... + dxn"""
    return [grad] * len(op.inputs)


# ---- elementwise functions ------------------------------------------------------------
@derivative("Square")
def _square(op, grad):
    """d x² = 2x dx"""
    x = op.inputs[0]
    return [M.multiply(grad, M.multiply(2.0, x))]


@derivative("Sqrt")
def _sqrt(op, grad):
    """d sqrt(x) = dx / (2 sqrt(x))"""
    ans = op.outputs[0]
    return [M.divide(M.multiply(grad, 0.5), ans)]


@derivative("Exp")
def _exp(op, grad):
    """d exp(x) = exp(x) dx"""
    return [M.multiply(grad, op.outputs[0])]


@derivative("Log")
def _log(op, grad):
    """d log(x) = dx / x"""
    return [M.divide(grad, op.inputs[0])]


@derivative("Sin")
def _sin(op, grad):
    """d sin(x) = cos(x) dx"""
    return [M.multiply(grad, M.cos(op.inputs[0]))]


@derivative("Cos")
def _cos(op, grad):
    """d cos(x) = -sin(x) dx"""
    return [M.multiply(grad, M.negative(M.sin(op.inputs[0])))]


@derivative("Tan")
def _tan(op, grad):
    """d tan(x) = (1 + tan²(x)) dx"""
    ans = op.outputs[0]
    return [M.multiply(grad, M.add(M.square(ans), 1.0))]


@derivative("Tanh")
def _tanh(op, grad):
    """d tanh(x) = (1 - tanh²(x)) dx"""
    ans = op.outputs[0]
    return [M.multiply(grad, M.subtract(1.0, M.square(ans)))]


@derivative("Sigmoid")
def _sigmoid(op, grad):
    """d σ(x) = σ(x) (1 - σ(x)) dx"""
    ans = op.outputs[0]
    return [M.multiply(grad, M.multiply(ans, M.subtract(1.0, ans)))]


@derivative("Abs")
def _abs(op, grad):
    """d |x| = sign(x) dx"""
    return [M.multiply(grad, M.sign(op.inputs[0]))]


@derivative("Relu")
def _relu(op, grad):
    """d relu(x) = dx where x > 0, else 0"""
    # A product with the 0/1 mask: NumPy does it several times faster than a select.
    active = M.cast(M.greater(op.outputs[0], 0.0), grad.dtype)
    return [M.multiply(grad, active)]


@derivative("SelectV2")
def _select(op, grad):
    """d where(c, x, y) = dx where c, else dy"""
    c, x, y = op.inputs
    return [
        None,
        lambda: unbroadcast(_zero_where(c, grad), x),
        lambda: unbroadcast(_zero_where(M.logical_not(c), grad), y),
    ]


@derivative("Identity")
def _identity(op, grad):
    """d identity(x) = dx"""
    return [grad]


@derivative("Cast")
def _cast(op, grad):
    """d cast(x) = cast(dx) between float types; nothing flows to or from integers"""
    x = op.inputs[0]
    if x.dtype.is_floating and grad.dtype.is_floating:
        return [M.cast(grad, x.dtype)]
    return [None]


# ---- reductions -----------------------------------------------------------------------
@derivative("Sum")
def _sum(op, grad):
    """d sum(x) = broadcast(dsum) over the reduced axes"""
    return [A.broadcast_like(_restore_reduced_axes(grad, op), op.inputs[0])]


@derivative("Mean")
def _mean(op, grad):
    """d mean(x) = broadcast(dmean) / n, n the number of elements averaged"""
    x, ans = op.inputs[0], op.outputs[0]
    spread = A.broadcast_like(_restore_reduced_axes(grad, op), x)
    n_in, n_out = x.shape.num_elements(), ans.shape.num_elements()
    if n_in is not None and n_out is not None:
        return [M.divide(spread, float(n_in // max(n_out, 1)))]
    ratio = M.divide(M.cast(A.size(ans), x.dtype), M.cast(A.size(x), x.dtype))
    return [M.multiply(spread, ratio)]


def _extremum_rule(op, grad):
    x = op.inputs[0]
    ans = _restore_reduced_axes(op.outputs[0], op)
    chosen = M.cast(M.equal(x, ans), grad.dtype)
    count = M.reduce_sum(chosen, op.attrs["axis"], keepdims=True)
    return [M.multiply(M.divide(chosen, count), _restore_reduced_axes(grad, op))]


@derivative("Max")
def _max(op, grad):
    """d max(x) = dmax at the largest elements, shared equally among ties"""
    return _extremum_rule(op, grad)


@derivative("Min")
def _min(op, grad):
    """d min(x) = dmin at the smallest elements, shared equally among ties"""
    return _extremum_rule(op, grad)


# ---- matrix product -------------------------------------------------------------------
@derivative("MatMul")
def _matmul(op, grad):
    """d(A @ B) = dA @ B + A @ dB, so dA = grad @ Bᵀ and dB = Aᵀ @ grad"""
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        da = lambda: M.matmul(grad, b, transpose_b=True)
        db = lambda: M.matmul(a, grad, transpose_a=True)
    elif not ta and tb:
        da = lambda: M.matmul(grad, b)
        db = lambda: M.matmul(grad, a, transpose_a=True)
    elif ta and not tb:
        da = lambda: M.matmul(b, grad, transpose_b=True)
        db = lambda: M.matmul(a, grad)
    else:
        da = lambda: M.matmul(b, grad, transpose_a=True, transpose_b=True)
        db = lambda: M.matmul(grad, a, transpose_a=True, transpose_b=True)
    return [lambda: unbroadcast(da(), a), lambda: unbroadcast(db(), b)]


derivative("BatchMatMulV2")(_matmul)


# ---- moving elements ------------------------------------------------------------------
@derivative("Reshape")
def _reshape(op, grad):
    """d reshape(x) = reshape(dy) back to the shape of x"""
    x = op.inputs[0]
    dims = x.shape.dims
    if dims is not None and sum(d is None for d in dims) <= 1:
        return [A.reshape(grad, [-1 if d is None else d for d in dims])]
    return [A.reshape_like(grad, x)]


@derivative("ReshapeLike", tf_op="Reshape")
def _reshape_like(op, grad):
    """d reshape(x, shape(t)) = reshape(dy) back to the shape of x"""
    return [A.reshape_like(grad, op.inputs[0]), None]


@derivative("Transpose")
def _transpose(op, grad):
    """d transpose(x, p) = transpose(dy, p⁻¹)"""
    perm = op.attrs["perm"]
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return [A.transpose(grad, inverse)]


@derivative("ExpandDims")
def _expand_dims(op, grad):
    """d expand_dims(x, a) = squeeze(dy, a)"""
    return [A.squeeze(grad, op.attrs["axis"])]


@derivative("Squeeze")
def _squeeze(op, grad):
    """d squeeze(x) = dy with the squeezed axes put back"""
    x = op.inputs[0]
    if x.shape.dims is not None and sum(d is None for d in x.shape.dims) <= 1:
        return [A.reshape(grad, [-1 if d is None else d for d in x.shape.dims])]
    return [A.reshape_like(grad, x)]


@derivative("ConcatV2")
def _concat(op, grad):
    """d concat(x1, ..., xn) = the matching slices of dy"""
    axis = op.attrs["axis"]
    grads, start = [], 0
    for x in op.inputs:
        size = x.shape.dims[axis] if x.shape.dims is not None else None
        if size is None:
            raise NotImplementedError(
                f"gradient of '{op.name}' (ConcatV2) needs the static size of {x.name} along "
                f"axis {axis}; it is unknown (shape {x.shape})"
            )
        index = (slice(None),) * axis + (slice(start, start + size),)
        grads.append(A.strided_slice(grad, index))
        start += size
    return grads


@derivative("Pack")
def _pack(op, grad):
    """d stack(x1, ..., xn) = the n slices of dy along the new axis"""
    axis = op.attrs["axis"]
    return [A.strided_slice(grad, (slice(None),) * axis + (i,)) for i in range(len(op.inputs))]


@derivative("StridedSlice")
def _strided_slice(op, grad):
    """d x[i] = dy written at [i] of zeros shaped like x"""
    return [A.strided_slice_grad(grad, op.inputs[0], op.attrs["index"])]


@derivative("StridedSliceGrad")
def _strided_slice_grad(op, grad):
    """d scatter(g, i) = dy[i]"""
    return [A.strided_slice(grad, op.attrs["index"]), None]


@derivative("BroadcastTo")
def _broadcast_to(op, grad):
    """d broadcast(x) = dy summed back to the shape of x"""
    return [A.sum_to_shape_of(grad, op.inputs[0]), None]


@derivative("SumToShape", tf_op="Sum")
def _sum_to_shape(op, grad):
    """d unbroadcast(x) = dy broadcast back to the shape of x"""
    return [A.broadcast_like(grad, op.inputs[0]), None]


@derivative("Fill")
def _fill(op, grad):
    """d fill(dims, v) = sum(dy) dv"""
    return [M.reduce_sum(grad)]


# ---- neural-network ops ---------------------------------------------------------------
@derivative("Softmax")
def _softmax(op, grad):
    """d softmax(x) = (dy - sum(dy * s)) * s, with s = softmax(x), along the last axis"""
    s = op.outputs[0]
    inner = M.reduce_sum(M.multiply(grad, s), -1, keepdims=True)
    return [M.multiply(M.subtract(grad, inner), s)]


@derivative("LogSoftmax")
def _log_softmax(op, grad):
    """d log_softmax(x) = dy - sum(dy) * exp(log_softmax(x)), along the last axis"""
    total = M.reduce_sum(grad, -1, keepdims=True)
    return [M.subtract(grad, M.multiply(total, M.exp(op.outputs[0])))]


@derivative("SoftmaxCrossEntropyWithLogits")
def _softmax_cross_entropy(op, grad):
    """d xent(p, z) = (softmax(z) Σp - p) dz - log_softmax(z) dp  (Σp = 1 for a distribution)

    TensorFlow's kernel returns softmax(z) - p, which equals this only when each row of
    labels sums to 1; the factor Σp keeps the rule right for any labels.
    """
    labels, logits = op.inputs
    g = A.expand_dims(grad, -1)

    def d_logits():
        mass = M.reduce_sum(labels, -1, keepdims=True)
        return M.multiply(g, M.subtract(M.multiply(nn.softmax(logits), mass), labels))

    return [lambda: M.multiply(g, M.negative(nn.log_softmax(logits))), d_logits]


@derivative("Conv2D")
def _conv2d(op, grad):
    """d conv(x, w) = conv_transpose(dy, w) dx + correlate(x, dy) dw"""
    x, w = op.inputs
    s, p = op.attrs["strides"], op.attrs["padding"]
    return [
        lambda: nn.conv2d_backprop_input(x, w, grad, s, p),
        lambda: nn.conv2d_backprop_filter(x, w, grad, s, p),
    ]


@derivative("Conv2DBackpropInput")
def _conv2d_backprop_input(op, grad):
    """d conv_transpose(g, w) = correlate(dy, g) dw + conv(dy, w) dg"""
    x, w, g = op.inputs
    s, p = op.attrs["strides"], op.attrs["padding"]
    return [
        None,
        lambda: nn.conv2d_backprop_filter(grad, w, g, s, p),
        lambda: nn.conv2d(grad, w, s, p),
    ]


@derivative("Conv2DBackpropFilter")
def _conv2d_backprop_filter(op, grad):
    """d correlate(x, g) = conv_transpose(g, dy) dx + conv(x, dy) dg"""
    x, w, g = op.inputs
    s, p = op.attrs["strides"], op.attrs["padding"]
    return [
        lambda: nn.conv2d_backprop_input(x, grad, g, s, p),
        None,
        lambda: nn.conv2d(x, grad, s, p),
    ]


@derivative("MaxPool")
def _max_pool(op, grad):
    """d maxpool(x) = dy routed to the maximum of each window"""
    return [nn.max_pool_grad(op.inputs[0], op.outputs[0], grad, op.attrs)]


@derivative("MaxPoolGrad")
def _max_pool_grad(op, grad):
    """d route(g) = dy picked at the maximum of each window"""
    x, y, _ = op.inputs
    return [None, None, nn.max_pool_grad_grad(x, y, grad, op.attrs)]


@derivative("MaxPoolGradGrad")
def _max_pool_grad_grad(op, grad):
    """d pick(g) = dy routed to the maximum of each window"""
    x, y, _ = op.inputs
    return [None, None, nn.max_pool_grad(x, y, grad, op.attrs)]


# ---- ops with no derivative -----------------------------------------------------------
not_differentiable(
    "Less",
    "LessEqual",
    "Greater",
    "GreaterEqual",
    "Equal",
    "NotEqual",
    "LogicalAnd",
    "LogicalOr",
    "LogicalNot",
    reason="boolean output: no derivative",
)
not_differentiable("Sign", reason="derivative is 0 almost everywhere (TensorFlow: zeros)")
not_differentiable("ArgMax", "ArgMin", "Size", reason="integer output: no derivative")
not_differentiable("ZerosLike", "OnesLike", reason="output does not depend on the values")
not_differentiable("StopGradient", reason="blocks the derivative on purpose")
not_differentiable("Placeholder", "Const", "VariableV2", reason="a leaf of the graph")
not_differentiable("Assign", "AssignAdd", "AssignSub", "NoOp", reason="a state update")
not_differentiable(
    "RandomStandardNormal", "RandomUniform", "TruncatedNormal", reason="a random sample"
)
