"""Arithmetic, elementwise functions, comparisons, reductions and matmul, plus `+ - * / @`."""

from __future__ import annotations

from typing import Any

from . import dtypes
from .errors import ShapeError
from .graph import Graph, Tensor, TensorLike, convert_to_tensor, make_op
from .shapes import TensorShape, broadcast, fmt, normalize_axes


def _is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _pair(x: Any, y: Any, op_type: str) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype; a Python number takes the other side's dtype."""
    if _is_tensor(x):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if _is_tensor(y) else x.dtype, graph=x.graph)
    elif _is_tensor(y):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype, graph=y.graph)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
    if x.dtype is not y.dtype:
        raise TypeError(
            f"Input 'y' of '{op_type}' Op has type {y.dtype.name} that does not match type "
            f"{x.dtype.name} of argument 'x'."
        )
    return x, y


def _preview(graph: Graph, name: str | None, default: str) -> str:
    return graph.unique_name(name or default, mark_as_used=False)


def unary(
    op_type: str,
    x: Any,
    name: str | None = None,
    default_name: str | None = None,
    dtype: dtypes.DType | None = None,
    **attrs: Any,
) -> Tensor:
    """An elementwise op of one input: output shape is the input's."""
    x = convert_to_tensor(x)
    return make_op(
        op_type,
        (x,),
        name=name,
        default_name=default_name or op_type,
        dtype=dtype or x.dtype,
        shape=x.shape,
        attrs=attrs,
    )


def _float_unary(op_type: str, x: Any, name: str | None) -> Tensor:
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(
            f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed values for "
            f"'{op_type}': it needs a float tensor (cast {x.name} first)."
        )
    return unary(op_type, x, name)


def binary(
    op_type: str,
    x: Any,
    y: Any,
    name: str | None = None,
    default_name: str | None = None,
    dtype: dtypes.DType | None = None,
) -> Tensor:
    """An elementwise op of two inputs with NumPy broadcasting."""
    x, y = _pair(x, y, op_type)
    g = x.graph
    shape = broadcast(x.shape, y.shape, _preview(g, name, default_name or op_type))
    return make_op(
        op_type,
        (x, y),
        name=name,
        default_name=default_name or op_type,
        dtype=dtype or x.dtype,
        shape=shape,
    )


# ---- arithmetic -----------------------------------------------------------------------
def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("AddV2", x, y, name, "Add")


def subtract(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("Sub", x, y, name, "Sub")


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("Mul", x, y, name, "Mul")


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = _pair(x, y, "RealDiv")
    if not x.dtype.is_floating:
        x, y = cast(x, dtypes.float64), cast(y, dtypes.float64)
    return binary("RealDiv", x, y, name, "truediv")


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TensorFlow's name
    return binary("Pow", x, y, name, "Pow")


def maximum(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("Maximum", x, y, name)


def minimum(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("Minimum", x, y, name)


def negative(x: Any, name: str | None = None) -> Tensor:
    return unary("Neg", x, name)


def square(x: Any, name: str | None = None) -> Tensor:
    return unary("Square", x, name)


def sqrt(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Sqrt", x, name)


def exp(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Exp", x, name)


def log(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Log", x, name)


def sin(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Sin", x, name)


def cos(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Cos", x, name)


def tan(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Tan", x, name)


def tanh(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Tanh", x, name)


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    return _float_unary("Sigmoid", x, name)


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TensorFlow's name
    return unary("Abs", x, name)


def sign(x: Any, name: str | None = None) -> Tensor:
    return unary("Sign", x, name)


def add_n(inputs: list[Any], name: str | None = None) -> Tensor:
    """The sum of several tensors of one shape and dtype (the gradient sum at a fan-out)."""
    if not inputs:
        raise ValueError("add_n needs at least one input")
    tensors = [convert_to_tensor(t) for t in inputs]
    if len(tensors) == 1 and name is None:
        return tensors[0]
    first = tensors[0]
    shape = first.shape
    for t in tensors[1:]:
        if t.dtype is not first.dtype:
            raise TypeError(
                f"add_n: {t.name} is {t.dtype.name}, {first.name} is {first.dtype.name}"
            )
        if not shape.is_compatible_with(t.shape):
            raise ShapeError(
                f"Shapes must be equal for '{_preview(first.graph, name, 'AddN')}' "
                "(op: 'AddN') "
                f"with input shapes: {', '.join(fmt(u.shape) for u in tensors)}."
            )
        if shape.dims is None or (t.shape.dims is not None and not shape.is_fully_defined()):
            shape = t.shape if shape.dims is None else shape
    return make_op(
        "AddN", tensors, name=name, default_name="AddN", dtype=first.dtype, shape=shape
    )


# ---- comparisons and logic ------------------------------------------------------------
def _compare(op_type: str, x: Any, y: Any, name: str | None) -> Tensor:
    return binary(op_type, x, y, name, dtype=dtypes.bool_)


def less(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("Less", x, y, name)


def less_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("LessEqual", x, y, name)


def greater(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("Greater", x, y, name)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("GreaterEqual", x, y, name)


def equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("Equal", x, y, name)


def not_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _compare("NotEqual", x, y, name)


def logical_and(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("LogicalAnd", x, y, name)


def logical_or(x: Any, y: Any, name: str | None = None) -> Tensor:
    return binary("LogicalOr", x, y, name)


def logical_not(x: Any, name: str | None = None) -> Tensor:
    return unary("LogicalNot", x, name)


# ---- casts ----------------------------------------------------------------------------
def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Convert the element type; the derivative passes only between float types."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    return unary("Cast", x, name, dtype=dtype, DstT=dtype)


def to_float(x: Any, name: str | None = None) -> Tensor:
    return cast(x, dtypes.float32, name)


# ---- reductions -----------------------------------------------------------------------
def _reduce(
    op_type: str,
    x: Any,
    axis: Any,
    keepdims: bool,
    name: str | None,
    dtype: dtypes.DType | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """A reduction op; `reduction_indices` and `keep_dims` are TF1's older spellings."""
    axis = reduction_indices if axis is None else axis
    keepdims = keepdims if keep_dims is None else keep_dims
    x = convert_to_tensor(x)
    rank = x.shape.rank
    axes = normalize_axes(axis, rank, _preview(x.graph, name, op_type))
    if rank is None:
        shape = TensorShape(None)
    elif keepdims:
        shape = TensorShape([1 if i in axes else d for i, d in enumerate(x.shape.dims)])
    else:
        shape = TensorShape([d for i, d in enumerate(x.shape.dims) if i not in axes])
    all_axes = axis is None
    return make_op(
        op_type,
        (x,),
        name=name,
        default_name=op_type,
        dtype=dtype or x.dtype,
        shape=shape,
        attrs={"axis": None if all_axes else axes, "keepdims": bool(keepdims)},
    )


def reduce_sum(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """Sum over `axis` (all axes by default)."""
    return _reduce("Sum", x, axis, keepdims, name, None, reduction_indices, keep_dims)


def reduce_mean(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """Mean over `axis` (all axes by default)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = cast(x, dtypes.float32)
    return _reduce("Mean", x, axis, keepdims, name, None, reduction_indices, keep_dims)


def reduce_max(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """Largest element over `axis`; ties share the derivative equally, as in TensorFlow."""
    return _reduce("Max", x, axis, keepdims, name, None, reduction_indices, keep_dims)


def reduce_min(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
) -> Tensor:
    """Smallest element over `axis`; ties share the derivative equally."""
    return _reduce("Min", x, axis, keepdims, name, None, reduction_indices, keep_dims)


def argmax(
    x: Any,
    axis: int = 0,
    name: str | None = None,
    output_type: Any = dtypes.int64,
    dimension: int | None = None,
) -> Tensor:
    """Index of the largest element along one axis."""
    x = convert_to_tensor(x)
    axis = dimension if dimension is not None else axis
    t = _reduce("ArgMax", x, axis, False, name, dtype=dtypes.as_dtype(output_type))
    return t


def argmin(
    x: Any, axis: int = 0, name: str | None = None, output_type: Any = dtypes.int64
) -> Tensor:
    """Index of the smallest element along one axis."""
    return _reduce("ArgMin", x, axis, False, name, dtype=dtypes.as_dtype(output_type))


# ---- matrix product -------------------------------------------------------------------
def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    name: str | None = None,
    default_name: str | None = None,
) -> Tensor:
    """Matrix product of the last two axes; leading axes broadcast (BatchMatMulV2)."""
    a, b = _pair(a, b, "MatMul")
    g = a.graph
    ra, rb = a.shape.rank, b.shape.rank
    batched = (ra is not None and ra > 2) or (rb is not None and rb > 2)
    op_type = "BatchMatMulV2" if batched else "MatMul"
    default_name = default_name or op_type
    label = _preview(g, name, default_name)
    if (ra is not None and ra < 2) or (rb is not None and rb < 2):
        raise ShapeError(
            f"Shape must be rank 2 but is rank {min(r for r in (ra, rb) if r is not None)} for "
            f"'{label}' (op: '{op_type}') with input shapes: {fmt(a.shape)}, {fmt(b.shape)}."
        )
    shape = TensorShape(None)
    if ra is not None and rb is not None:
        m, ka = a.shape.dims[-2:] if not transpose_a else a.shape.dims[-2:][::-1]
        kb, n = b.shape.dims[-2:] if not transpose_b else b.shape.dims[-2:][::-1]
        if ka is not None and kb is not None and ka != kb:
            raise ShapeError(
                f"Dimensions must be equal, but are {ka} and {kb} for '{label}' "
                f"(op: '{op_type}') with input shapes: {fmt(a.shape)}, {fmt(b.shape)}."
            )
        batch = broadcast(TensorShape(a.shape.dims[:-2]), TensorShape(b.shape.dims[:-2]), label)
        shape = TensorShape(list(batch.dims) + [m, n])
    return make_op(
        op_type,
        (a, b),
        name=name,
        default_name=default_name,
        dtype=a.dtype,
        shape=shape,
        attrs={"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)},
    )


# ---- operator overloads ---------------------------------------------------------------
def _swap(fn):
    return lambda self, other: fn(other, self)


def _getitem(self: Any, index: Any) -> Tensor:
    from .array_ops import strided_slice

    return strided_slice(self, index)


_OPERATORS = {
    "__add__": lambda x, y: binary("AddV2", x, y, None, "add"),
    "__sub__": lambda x, y: binary("Sub", x, y, None, "sub"),
    "__mul__": lambda x, y: binary("Mul", x, y, None, "mul"),
    "__truediv__": lambda x, y: divide(x, y),
    "__pow__": lambda x, y: binary("Pow", x, y, None, "pow"),
    "__matmul__": lambda x, y: matmul(x, y, default_name="matmul"),
    "__lt__": less,
    "__le__": less_equal,
    "__gt__": greater,
    "__ge__": greater_equal,
    "__and__": logical_and,
    "__or__": logical_or,
}


def _install_operators() -> None:
    for dunder, fn in _OPERATORS.items():
        setattr(TensorLike, dunder, fn)
        if dunder not in ("__lt__", "__le__", "__gt__", "__ge__"):
            setattr(TensorLike, "__r" + dunder[2:], _swap(fn))
    TensorLike.__neg__ = lambda self: negative(self)
    TensorLike.__pos__ = lambda self: self
    TensorLike.__abs__ = lambda self: abs(self)
    TensorLike.__invert__ = lambda self: logical_not(self)
    TensorLike.__getitem__ = _getitem


_install_operators()
