"""NumPy kernels: how each op type computes its output from its inputs' values.

`KERNELS[op_type](op)` returns a plain function of the input values with the op's attributes
already bound, so that a session's compiled plan is a flat list of function calls.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Kernel = Callable[..., Any]
KernelFactory = Callable[[Any], Kernel]

KERNELS: dict[str, KernelFactory] = {}


def kernel(*op_types: str) -> Callable[[KernelFactory], KernelFactory]:
    """Register a kernel factory for one or more op types."""

    def register(factory: KernelFactory) -> KernelFactory:
        for t in op_types:
            KERNELS[t] = factory
        return factory

    return register


def _same(fn: Kernel) -> KernelFactory:
    return lambda op: fn


# Arithmetic and comparisons use Python's operators: on arrays they call the same NumPy
# ufuncs, and on NumPy scalars (what 0-d results are) they skip the ufunc machinery, which
# is most of the cost of a scalar op.
for _type, _fn in {
    "AddV2": operator.add,
    "Sub": operator.sub,
    "Mul": operator.mul,
    "RealDiv": operator.truediv,
    "Pow": operator.pow,
    "Maximum": np.maximum,
    "Minimum": np.minimum,
    "Neg": operator.neg,
    "Square": np.square,
    "Sqrt": np.sqrt,
    "Exp": np.exp,
    "Log": np.log,
    "Sin": np.sin,
    "Cos": np.cos,
    "Tan": np.tan,
    "Tanh": np.tanh,
    "Abs": np.abs,
    "Sign": np.sign,
    "Less": operator.lt,
    "LessEqual": operator.le,
    "Greater": operator.gt,
    "GreaterEqual": operator.ge,
    "Equal": np.equal,
    "NotEqual": np.not_equal,
    "LogicalAnd": np.logical_and,
    "LogicalOr": np.logical_or,
    "LogicalNot": np.logical_not,
    "SelectV2": np.where,
    "Identity": lambda x: x,
    "StopGradient": lambda x: x,
    "ZerosLike": np.zeros_like,
    "OnesLike": np.ones_like,
    "NoOp": lambda *_: None,
}.items():
    KERNELS[_type] = _same(_fn)


def _sigmoid(x: Any) -> Any:
    # Written with tanh so that large |x| neither overflows nor loses the small side.
    return 0.5 * np.tanh(0.5 * x) + 0.5


KERNELS["Sigmoid"] = _same(_sigmoid)
KERNELS["Relu"] = _same(lambda x: np.maximum(x, 0))


@kernel("Cast")
def _cast(op: Any) -> Kernel:
    target = op.attrs["DstT"].np
    return lambda x: np.asarray(x).astype(target)


@kernel("AddN")
def _add_n(op: Any) -> Kernel:
    if len(op.inputs) == 2:
        return operator.add
    return lambda *xs: reduce(operator.add, xs)


@kernel("Fill")
def _fill(op: Any) -> Kernel:
    dims = op.attrs["dims"]
    return lambda value: np.full(dims, value)


@kernel("Size")
def _size(op: Any) -> Kernel:
    dtype = op.outputs[0].dtype.np
    return lambda x: dtype.type(np.size(x))


@kernel("BroadcastTo")
def _broadcast_to(op: Any) -> Kernel:
    return lambda x, like: np.broadcast_to(x, np.shape(like))


def sum_to_shape(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum `x` over the axes that broadcasting to its shape from `shape` added or stretched."""
    x_shape = np.shape(x)
    if x_shape == shape:
        return x
    lead = len(x_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x_shape[lead + i] != 1
    )
    return np.sum(x, axis=axes, keepdims=True).reshape(shape)


@kernel("SumToShape")
def _sum_to_shape(op: Any) -> Kernel:
    return lambda x, like: sum_to_shape(x, np.shape(like))


# ---- reductions -----------------------------------------------------------------------
def _reduction(fn: Callable) -> KernelFactory:
    def factory(op: Any) -> Kernel:
        axis, keepdims = op.attrs["axis"], op.attrs["keepdims"]
        return lambda x: fn(x, axis=axis, keepdims=keepdims)

    return factory


KERNELS["Sum"] = _reduction(np.sum)
KERNELS["Mean"] = _reduction(np.mean)
KERNELS["Max"] = _reduction(np.max)
KERNELS["Min"] = _reduction(np.min)


@kernel("ArgMax", "ArgMin")
def _arg(op: Any) -> Kernel:
    fn = np.argmax if op.type == "ArgMax" else np.argmin
    axis = op.attrs["axis"]
    axis = axis[0] if axis else 0
    dtype = op.outputs[0].dtype.np
    return lambda x: fn(x, axis=axis).astype(dtype)


@kernel("MatMul", "BatchMatMulV2")
def _matmul(op: Any) -> Kernel:
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not (ta or tb):
        return np.matmul
    return lambda a, b: np.matmul(
        np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b
    )


# ---- moving elements ------------------------------------------------------------------
@kernel("Reshape")
def _reshape(op: Any) -> Kernel:
    shape = op.attrs["shape"]
    return lambda x: np.reshape(x, shape)


@kernel("Transpose")
def _transpose(op: Any) -> Kernel:
    perm = op.attrs["perm"]
    return lambda x: np.transpose(x, perm)


@kernel("ExpandDims")
def _expand_dims(op: Any) -> Kernel:
    axis = op.attrs["axis"]
    return lambda x: np.expand_dims(x, axis)


@kernel("Squeeze")
def _squeeze(op: Any) -> Kernel:
    axis = op.attrs["axis"]
    return lambda x: np.squeeze(x, axis)


@kernel("ConcatV2")
def _concat(op: Any) -> Kernel:
    axis = op.attrs["axis"]
    return lambda *xs: np.concatenate(xs, axis)


@kernel("Pack")
def _pack(op: Any) -> Kernel:
    axis = op.attrs["axis"]
    return lambda *xs: np.stack(xs, axis)


@kernel("StridedSlice")
def _strided_slice(op: Any) -> Kernel:
    index = op.attrs["index"]
    return lambda x: np.asarray(x)[index]


@kernel("StridedSliceGrad")
def _strided_slice_grad(op: Any) -> Kernel:
    index = op.attrs["index"]

    def scatter(grad: Any, x: Any) -> Any:
        out = np.zeros(np.shape(x), dtype=np.result_type(grad))
        out[index] = grad
        return out

    return scatter


# ---- softmax --------------------------------------------------------------------------
def log_softmax(x: Any) -> Any:
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(x: Any) -> Any:
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


KERNELS["Softmax"] = _same(softmax)
KERNELS["LogSoftmax"] = _same(log_softmax)
KERNELS["SoftmaxCrossEntropyWithLogits"] = _same(
    lambda labels, logits: -np.sum(labels * log_softmax(logits), axis=-1)
)


# ---- convolution and pooling (NHWC input, HWIO filter) --------------------------------
def padding_amounts(size: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros added before and after one spatial axis, by TensorFlow's SAME/VALID rules."""
    if padding == "VALID":
        return 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _windows(x: Any, kh: int, kw: int, strides: tuple, padding: str, fill: float = 0.0):
    """All (kh, kw) windows of x, padded: shape (n, oh, ow, c, kh, kw), and the padding."""
    _, h, w, _ = x.shape
    sh, sw = strides
    pads = padding_amounts(h, kh, sh, padding), padding_amounts(w, kw, sw, padding)
    if any(pads[0]) or any(pads[1]):
        x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    oh = (x.shape[1] - kh) // sh + 1
    ow = (x.shape[2] - kw) // sw + 1
    view = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, : oh * sh : sh, : ow * sw : sw]
    return view, pads


def conv2d(x: Any, w: Any, strides: tuple, padding: str) -> Any:
    view, _ = _windows(x, w.shape[0], w.shape[1], strides, padding)
    return np.tensordot(view, w, axes=([3, 4, 5], [2, 0, 1]))


def conv2d_backprop_input(x_shape: tuple, w: Any, grad: Any, strides: tuple, padding: str):
    n, h, wd, c = x_shape
    kh, kw = w.shape[:2]
    sh, sw = strides
    (pt, pb), (pl, pr) = (
        padding_amounts(h, kh, sh, padding),
        padding_amounts(wd, kw, sw, padding),
    )
    out = np.zeros((n, h + pt + pb, wd + pl + pr, c), dtype=np.result_type(grad, w))
    cols = np.tensordot(grad, w, axes=([3], [3]))  # (n, oh, ow, kh, kw, c)
    oh, ow = grad.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            out[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += cols[:, :, :, i, j, :]
    return out[:, pt : pt + h, pl : pl + wd, :]


def conv2d_backprop_filter(x: Any, w_shape: tuple, grad: Any, strides: tuple, padding: str):
    view, _ = _windows(x, w_shape[0], w_shape[1], strides, padding)
    dw = np.tensordot(view, grad, axes=([0, 1, 2], [0, 1, 2]))  # (c, kh, kw, co)
    return np.transpose(dw, (1, 2, 0, 3))


@kernel("Conv2D")
def _conv2d(op: Any) -> Kernel:
    strides, padding = op.attrs["strides"], op.attrs["padding"]
    return lambda x, w: conv2d(x, w, strides, padding)


@kernel("Conv2DBackpropInput")
def _conv2d_backprop_input(op: Any) -> Kernel:
    strides, padding = op.attrs["strides"], op.attrs["padding"]
    return lambda x, w, grad: conv2d_backprop_input(np.shape(x), w, grad, strides, padding)


@kernel("Conv2DBackpropFilter")
def _conv2d_backprop_filter(op: Any) -> Kernel:
    strides, padding = op.attrs["strides"], op.attrs["padding"]
    return lambda x, w, grad: conv2d_backprop_filter(x, np.shape(w), grad, strides, padding)


def _argmax_windows(x: Any, attrs: dict):
    kh, kw = attrs["ksize"]
    view, pads = _windows(x, kh, kw, attrs["strides"], attrs["padding"], fill=-np.inf)
    flat = view.reshape(view.shape[:4] + (kh * kw,))
    return flat, np.argmax(flat, axis=-1), pads


@kernel("MaxPool")
def _max_pool(op: Any) -> Kernel:
    kh, kw = op.attrs["ksize"]
    attrs = op.attrs

    def pool(x: Any) -> Any:
        view, _ = _windows(x, kh, kw, attrs["strides"], attrs["padding"], fill=-np.inf)
        return view.max(axis=(4, 5))

    return pool


def max_pool_grad(x: Any, grad: Any, attrs: dict) -> Any:
    """Each window's gradient goes to its first maximal element (TensorFlow does the same)."""
    _, arg, ((pt, pb), (pl, pr)) = _argmax_windows(x, attrs)
    kh, kw = attrs["ksize"]
    sh, sw = attrs["strides"]
    n, h, w, c = x.shape
    out = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=np.result_type(grad))
    oh, ow = arg.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            hit = arg == i * kw + j
            out[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += np.where(hit, grad, 0)
    return out[:, pt : pt + h, pl : pl + w, :]


def max_pool_grad_grad(x: Any, grad: Any, attrs: dict) -> Any:
    """From `grad` (shaped like x), the element at each window's maximum."""
    _, arg, _ = _argmax_windows(x, attrs)
    kh, kw = attrs["ksize"]
    view, _ = _windows(grad, kh, kw, attrs["strides"], attrs["padding"])
    flat = view.reshape(view.shape[:4] + (kh * kw,))
    return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]


@kernel("MaxPoolGrad")
def _max_pool_grad(op: Any) -> Kernel:
    attrs = op.attrs
    return lambda x, y, grad: max_pool_grad(x, grad, attrs)


@kernel("MaxPoolGradGrad")
def _max_pool_grad_grad(op: Any) -> Kernel:
    attrs = op.attrs
    return lambda x, y, grad: max_pool_grad_grad(x, grad, attrs)


# ---- random values (stateful: the session passes its generator) -----------------------
def _truncated_normal(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out


RANDOM_SAMPLERS: dict[str, Callable[[np.random.Generator, tuple], np.ndarray]] = {
    "RandomStandardNormal": lambda rng, shape: rng.standard_normal(shape),
    "RandomUniform": lambda rng, shape: rng.random(shape),
    "TruncatedNormal": _truncated_normal,
}

# Ops whose value comes from a session's state rather than from their inputs alone.
STATEFUL_OPS = frozenset(
    {"Placeholder", "VariableV2", "Assign", "AssignAdd", "AssignSub", *RANDOM_SAMPLERS}
)


@kernel("ReshapeLike")
def _reshape_like(op: Any) -> Kernel:
    return lambda x, like: np.reshape(x, np.shape(like))
