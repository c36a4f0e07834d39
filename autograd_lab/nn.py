"""Neural-network ops (`tf.nn`): activations, softmax and its loss, convolution, pooling."""

from __future__ import annotations

from typing import Any

from .array_ops import _preview
from .errors import ShapeError
from .graph import Tensor, convert_to_tensor, make_op
from .math_ops import _float_unary, _pair, add, sigmoid, tanh
from .shapes import fmt

__all__ = [
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2",
    "conv2d",
    "max_pool2d",
    "max_pool",
    "bias_add",
]


def relu(features: Any, name: str | None = None) -> Tensor:
    """max(x, 0), elementwise."""
    return _float_unary("Relu", features, name)


def _last_axis_op(op_type: str, logits: Any, axis: int, name: str | None) -> Tensor:
    logits = convert_to_tensor(logits)
    rank = logits.shape.rank
    if axis not in (-1, None) and rank is not None and axis % rank != rank - 1:
        raise NotImplementedError(
            f"{op_type} here works on the last axis only; got axis={axis}"
        )
    if not logits.dtype.is_floating:
        raise TypeError(f"{op_type} needs float logits, got {logits.dtype.name}")
    return _float_unary(op_type, logits, name)


def softmax(logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along the last axis, computed without overflow."""
    return _last_axis_op("Softmax", logits, axis, name)


def log_softmax(logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """x - log(sum(exp(x))) along the last axis, computed without overflow."""
    return _last_axis_op("LogSoftmax", logits, axis, name)


def softmax_cross_entropy_with_logits(
    labels: Any = None,
    logits: Any = None,
    axis: int = -1,
    name: str | None = None,
    dim: int | None = None,
) -> Tensor:
    """-sum(labels * log_softmax(logits)) along the last axis: one loss per example."""
    if labels is None or logits is None:
        raise ValueError("softmax_cross_entropy_with_logits needs labels= and logits=")
    labels, logits = _pair(labels, logits, "SoftmaxCrossEntropyWithLogits")
    axis = dim if dim is not None else axis
    rank = logits.shape.rank
    if axis not in (-1, None) and rank is not None and axis % rank != rank - 1:
        raise NotImplementedError("softmax_cross_entropy_with_logits: last axis only")
    g = logits.graph
    label = _preview(g, name, "SoftmaxCrossEntropyWithLogits")
    if not labels.shape.is_compatible_with(logits.shape):
        raise ShapeError(
            f"'{label}': labels and logits must have the same shape, got labels "
            f"{fmt(labels.shape)} and logits {fmt(logits.shape)}"
        )
    shape = None if rank is None else logits.shape.dims[:-1]
    return make_op(
        "SoftmaxCrossEntropyWithLogits",
        (labels, logits),
        name=name,
        default_name="SoftmaxCrossEntropyWithLogits",
        dtype=logits.dtype,
        shape=shape,
    )


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def bias_add(value: Any, bias: Any, name: str | None = None) -> Tensor:
    return add(value, bias, name=name)


# ---- convolution and pooling ----------------------------------------------------------
def _four(value: Any, what: str) -> tuple[int, int]:
    """Strides or window sizes given as int, [h, w] or NHWC [1, h, w, 1]."""
    if isinstance(value, int):
        return value, value
    value = list(value)
    if len(value) == 1:
        return value[0], value[0]
    if len(value) == 2:
        return int(value[0]), int(value[1])
    if len(value) == 4 and value[0] == 1 and value[3] == 1:
        return int(value[1]), int(value[2])
    raise ValueError(f"{what} must be an int, [h, w] or [1, h, w, 1]; got {value}")


def conv_output_size(size: int | None, window: int, stride: int, padding: str) -> int | None:
    """Spatial output length of a convolution or pool, by TensorFlow's padding rules."""
    if size is None:
        return None
    if padding == "SAME":
        return -(-size // stride)
    return -(-(size - window + 1) // stride)


def _check_padding(padding: str) -> str:
    padding = padding.upper()
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def conv2d(
    input: Any,
    filters: Any = None,
    strides: Any = 1,
    padding: str = "VALID",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
    filter: Any = None,
) -> Tensor:
    """2-D cross-correlation of NHWC `input` with HWIO `filters`, as `tf.nn.conv2d`."""
    if data_format != "NHWC":
        raise NotImplementedError("conv2d supports data_format='NHWC' only")
    if dilations not in (None, 1, [1, 1, 1, 1], (1, 1, 1, 1)):
        raise NotImplementedError("conv2d supports dilations=1 only")
    filters = filter if filters is None else filters
    x, w = _pair(input, filters, "Conv2D")
    padding = _check_padding(padding)
    sh, sw = _four(strides, "strides")
    label = _preview(x.graph, name, "Conv2D")
    if x.shape.rank not in (None, 4) or w.shape.rank not in (None, 4):
        raise ShapeError(
            f"'{label}' (op: 'Conv2D') needs a rank-4 input (NHWC) and filter (HWIO), got "
            f"input shapes: {fmt(x.shape)}, {fmt(w.shape)}."
        )
    shape = None
    if x.shape.rank == 4 and w.shape.rank == 4:
        n, h, wd, c = x.shape.dims
        kh, kw, ci, co = w.shape.dims
        if c is not None and ci is not None and c != ci:
            raise ShapeError(
                f"Depth of input ({c}) is not equal to the filter's input depth ({ci}) for "
                f"'{label}' (op: 'Conv2D') with input shapes: {fmt(x.shape)}, {fmt(w.shape)}."
            )
        for size, k, axis in ((h, kh, "height"), (wd, kw, "width")):
            if padding == "VALID" and None not in (size, k) and size < k:
                raise ShapeError(
                    f"'{label}': filter {axis} {k} is larger than the input {axis} {size} "
                    "with padding VALID"
                )
        shape = [
            n,
            conv_output_size(h, kh, sh, padding),
            conv_output_size(wd, kw, sw, padding),
            co,
        ]
    return make_op(
        "Conv2D",
        (x, w),
        name=name,
        default_name="Conv2D",
        dtype=x.dtype,
        shape=shape,
        attrs={"strides": (sh, sw), "padding": padding},
    )


def conv2d_backprop_input(
    x: Tensor, w: Tensor, grad: Tensor, strides: tuple, padding: str, name: str | None = None
) -> Tensor:
    """The derivative of conv2d with respect to its input (`x` gives only the shape)."""
    return make_op(
        "Conv2DBackpropInput",
        (x, w, grad),
        name=name,
        default_name="Conv2DBackpropInput",
        dtype=grad.dtype,
        shape=x.shape,
        attrs={"strides": strides, "padding": padding},
    )


def conv2d_backprop_filter(
    x: Tensor, w: Tensor, grad: Tensor, strides: tuple, padding: str, name: str | None = None
) -> Tensor:
    """The derivative of conv2d with respect to its filter (`w` gives only the shape)."""
    return make_op(
        "Conv2DBackpropFilter",
        (x, w, grad),
        name=name,
        default_name="Conv2DBackpropFilter",
        dtype=grad.dtype,
        shape=w.shape,
        attrs={"strides": strides, "padding": padding},
    )


def max_pool2d(
    input: Any,
    ksize: Any,
    strides: Any,
    padding: str = "VALID",
    data_format: str = "NHWC",
    name: str | None = None,
) -> Tensor:
    """Largest value of each window of an NHWC tensor, as `tf.nn.max_pool2d`."""
    if data_format != "NHWC":
        raise NotImplementedError("max_pool2d supports data_format='NHWC' only")
    x = convert_to_tensor(input)
    padding = _check_padding(padding)
    kh, kw = _four(ksize, "ksize")
    sh, sw = _four(strides, "strides")
    if x.shape.rank not in (None, 4):
        raise ShapeError(
            f"'{_preview(x.graph, name, 'MaxPool')}' (op: 'MaxPool') needs a rank-4 NHWC "
            f"input, got {fmt(x.shape)}"
        )
    shape = None
    if x.shape.rank == 4:
        n, h, w, c = x.shape.dims
        shape = [
            n,
            conv_output_size(h, kh, sh, padding),
            conv_output_size(w, kw, sw, padding),
            c,
        ]
    return make_op(
        "MaxPool",
        (x,),
        name=name,
        default_name="MaxPool",
        dtype=x.dtype,
        shape=shape,
        attrs={"ksize": (kh, kw), "strides": (sh, sw), "padding": padding},
    )


max_pool = max_pool2d


def max_pool_grad(
    x: Tensor, y: Tensor, grad: Tensor, attrs: dict, name: str | None = None
) -> Tensor:
    """Route each window's gradient to the element that was its maximum."""
    return make_op(
        "MaxPoolGrad",
        (x, y, grad),
        name=name,
        default_name="MaxPoolGrad",
        dtype=grad.dtype,
        shape=x.shape,
        attrs=dict(attrs),
    )


def max_pool_grad_grad(
    x: Tensor, y: Tensor, grad: Tensor, attrs: dict, name: str | None = None
) -> Tensor:
    """Pick from `grad` (shaped like x) the element each window's maximum came from."""
    return make_op(
        "MaxPoolGradGrad",
        (x, y, grad),
        name=name,
        default_name="MaxPoolGradGrad",
        dtype=grad.dtype,
        shape=y.shape,
        attrs=dict(attrs),
    )
