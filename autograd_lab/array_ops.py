"""Tensors from values and shapes, and ops that move elements around without arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .errors import ShapeError
from .graph import Tensor, constant_op, convert_to_tensor, get_default_graph, make_op
from .math_ops import _preview, add, binary, cast, multiply, unary
from .shapes import TensorShape, as_shape, broadcast, fmt


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """A tensor whose value is fixed when the graph is built."""
    return constant_op(value, dtype=dtype, shape=shape, name=None if name == "Const" else name)


def placeholder(
    dtype: Any = dtypes.float32, shape: Any = None, name: str | None = None
) -> Tensor:
    """An input whose value must be fed to `Session.run` through `feed_dict`."""
    dtype = dtypes.as_dtype(dtype)
    shape = as_shape(shape)
    return make_op(
        "Placeholder",
        (),
        name=name,
        default_name="Placeholder",
        dtype=dtype,
        shape=shape,
        attrs={"shape": shape, "dtype": dtype},
    )


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape `dims` with every element `value`."""
    dims = tuple(int(d) for d in (dims.as_list() if isinstance(dims, TensorShape) else dims))
    value = convert_to_tensor(value)
    if value.shape.rank not in (None, 0):
        raise ShapeError(f"fill: value must be a scalar, got shape {fmt(value.shape)}")
    return make_op(
        "Fill",
        (value,),
        name=name,
        default_name="Fill",
        dtype=value.dtype,
        shape=dims,
        attrs={"dims": dims},
    )


def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:
    return constant_op(0, dtype=dtype, shape=shape, name=name or "zeros")


def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:
    return constant_op(1, dtype=dtype, shape=shape, name=name or "ones")


def zeros_like(x: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    x = convert_to_tensor(x)
    return unary("ZerosLike", x, name, dtype=dtypes.as_dtype(dtype) if dtype else None)


def ones_like(x: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    x = convert_to_tensor(x)
    return unary("OnesLike", x, name, dtype=dtypes.as_dtype(dtype) if dtype else None)


def identity(x: Any, name: str | None = None) -> Tensor:
    return unary("Identity", x, name)


def stop_gradient(x: Any, name: str | None = None) -> Tensor:
    """The value of `x`, through which no derivative flows."""
    return unary("StopGradient", x, name)


def size(x: Any, name: str | None = None, out_type: Any = dtypes.int32) -> Tensor:
    """The number of elements of `x`, known when the session runs."""
    x = convert_to_tensor(x)
    return make_op(
        "Size", (x,), name=name, default_name="Size", dtype=dtypes.as_dtype(out_type), shape=()
    )


def broadcast_like(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    """`x` broadcast to the shape of `like` (TensorFlow: `broadcast_to(x, shape(like))`)."""
    x = convert_to_tensor(x)
    shape = broadcast(x.shape, like.shape, _preview(x.graph, name, "BroadcastTo"))
    if like.shape.dims is not None:
        shape = like.shape
    return make_op(
        "BroadcastTo",
        (x, like),
        name=name,
        default_name="BroadcastTo",
        dtype=x.dtype,
        shape=shape,
    )


def sum_to_shape_of(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    """`x` summed over the axes along which `like` was broadcast (the inverse of broadcast)."""
    x = convert_to_tensor(x)
    return make_op(
        "SumToShape",
        (x, like),
        name=name,
        default_name="SumToShape",
        dtype=x.dtype,
        shape=like.shape,
    )


# ---- shape manipulation ---------------------------------------------------------------
def reshape(x: Any, shape: Any, name: str | None = None) -> Tensor:
    """The same elements in a new shape; one dimension may be -1 and is inferred."""
    x = convert_to_tensor(x)
    target = [int(d) if d is not None else -1 for d in as_shape(shape).as_list()]
    label = _preview(x.graph, name, "Reshape")
    if target.count(-1) > 1:
        raise ShapeError(f"'{label}': only one dimension of {target} may be -1")
    n = x.shape.num_elements()
    known = int(np.prod([d for d in target if d != -1]))
    out = list(target)
    if -1 in target:
        if n is not None:
            if known == 0 or n % known:
                raise ShapeError(
                    f"Cannot reshape a tensor with {n} elements to shape {target} for "
                    f"'{label}' (op: 'Reshape') with input shapes: {fmt(x.shape)}."
                )
            out[target.index(-1)] = n // known
        else:
            out[target.index(-1)] = None
    elif n is not None and n != known:
        raise ShapeError(
            f"Cannot reshape a tensor with {n} elements to shape {target} for '{label}' "
            f"(op: 'Reshape') with input shapes: {fmt(x.shape)}."
        )
    return make_op(
        "Reshape",
        (x,),
        name=name,
        default_name="Reshape",
        dtype=x.dtype,
        shape=out,
        attrs={"shape": tuple(target)},
    )


def transpose(x: Any, perm: Any = None, name: str | None = None) -> Tensor:
    """Permute the axes (reverse them when `perm` is None)."""
    x = convert_to_tensor(x)
    rank = x.shape.rank
    if perm is None:
        if rank is None:
            raise ShapeError("transpose without perm needs a tensor of known rank")
        perm = tuple(reversed(range(rank)))
    perm = tuple(int(p) for p in perm)
    if rank is not None and sorted(perm) != list(range(rank)):
        raise ShapeError(
            f"'{_preview(x.graph, name, 'transpose')}': perm {list(perm)} is not a "
            f"permutation of the {rank} axes of shape {fmt(x.shape)}"
        )
    shape = None if rank is None else [x.shape.dims[p] for p in perm]
    return make_op(
        "Transpose",
        (x,),
        name=name,
        default_name="transpose",
        dtype=x.dtype,
        shape=shape,
        attrs={"perm": perm},
    )


def expand_dims(x: Any, axis: int, name: str | None = None) -> Tensor:
    """Insert an axis of length 1 at `axis`."""
    x = convert_to_tensor(x)
    rank = x.shape.rank
    if rank is not None:
        if not -rank - 1 <= axis <= rank:
            raise ShapeError(f"expand_dims: axis {axis} out of range for rank {rank}")
        axis = axis % (rank + 1)
        dims = list(x.shape.dims)
        dims.insert(axis, 1)
        shape = dims
    else:
        shape = None
    return make_op(
        "ExpandDims",
        (x,),
        name=name,
        default_name="ExpandDims",
        dtype=x.dtype,
        shape=shape,
        attrs={"axis": int(axis)},
    )


def squeeze(x: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """Remove axes of length 1 (those in `axis`, or all known ones)."""
    x = convert_to_tensor(x)
    dims = x.shape.dims
    if axis is None:
        if dims is None or None in dims:
            raise ShapeError(f"squeeze of {x.name} with shape {fmt(x.shape)} needs `axis`")
        axes = tuple(i for i, d in enumerate(dims) if d == 1)
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        if dims is not None:
            axes = tuple(sorted(a % len(dims) for a in axes))
            for a in axes:
                if dims[a] not in (1, None):
                    raise ShapeError(
                        f"Can not squeeze dim[{a}], expected a dimension of 1, got {dims[a]} "
                        f"for '{_preview(x.graph, name, 'Squeeze')}' with input shapes: "
                        f"{fmt(x.shape)}."
                    )
    shape = None if dims is None else [d for i, d in enumerate(dims) if i not in axes]
    return make_op(
        "Squeeze",
        (x,),
        name=name,
        default_name="Squeeze",
        dtype=x.dtype,
        shape=shape,
        attrs={"axis": axes},
    )


def _join_shapes(tensors: list[Tensor], axis: int, stacked: bool, label: str) -> Any:
    ranks = {t.shape.rank for t in tensors} - {None}
    if len(ranks) > 1:
        raise ShapeError(
            f"'{label}': inputs differ in rank: {', '.join(fmt(t.shape) for t in tensors)}"
        )
    if not ranks:
        return None, axis
    rank = ranks.pop()
    out_rank = rank + 1 if stacked else rank
    if not -out_rank <= axis < out_rank:
        raise ShapeError(f"'{label}': axis {axis} out of range for rank {out_rank}")
    axis %= out_rank
    dims: list[int | None] = []
    for i in range(rank):
        column = {t.shape.dims[i] for t in tensors if t.shape.dims is not None}
        if not stacked and i == axis:
            sizes = [t.shape.dims[i] for t in tensors if t.shape.dims is not None]
            dims.append(None if None in sizes else sum(sizes))
            continue
        known = column - {None}
        if len(known) > 1:
            raise ShapeError(
                f"Dimension {i} in both shapes must be equal for '{label}' with input shapes: "
                f"{', '.join(fmt(t.shape) for t in tensors)}."
            )
        dims.append(known.pop() if known else None)
    if stacked:
        dims.insert(axis, len(tensors))
    return dims, axis


def concat(values: list[Any], axis: int, name: str | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = [convert_to_tensor(v) for v in values]
    _check_same_dtype(tensors, "concat")
    g = tensors[0].graph
    shape, axis = _join_shapes(tensors, axis, False, _preview(g, name, "concat"))
    return make_op(
        "ConcatV2",
        tensors,
        name=name,
        default_name="concat",
        dtype=tensors[0].dtype,
        shape=shape,
        attrs={"axis": axis},
    )


def stack(values: list[Any], axis: int = 0, name: str | None = None) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = [convert_to_tensor(v) for v in values]
    _check_same_dtype(tensors, "stack")
    g = tensors[0].graph
    shape, axis = _join_shapes(tensors, axis, True, _preview(g, name, "stack"))
    return make_op(
        "Pack",
        tensors,
        name=name,
        default_name="stack",
        dtype=tensors[0].dtype,
        shape=shape,
        attrs={"axis": axis},
    )


def _check_same_dtype(tensors: list[Tensor], what: str) -> None:
    if not tensors:
        raise ValueError(f"{what} needs at least one tensor")
    first = tensors[0].dtype
    for t in tensors:
        if t.dtype is not first:
            raise TypeError(f"{what}: {t.name} is {t.dtype.name} but the first is {first.name}")


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elements of `x` where `condition` holds, else of `y` (all three broadcast)."""
    if x is None or y is None:
        raise NotImplementedError(
            "where(condition) without x and y returns indices, which this engine does not "
            "support; pass both x and y"
        )
    condition = convert_to_tensor(condition)
    if not condition.dtype.is_bool:
        raise TypeError(
            f"where: condition {condition.name} must be bool, not {condition.dtype}"
        )
    from .math_ops import _pair

    x, y = _pair(x, y, "SelectV2")
    label = _preview(x.graph, name, "SelectV2")
    shape = broadcast(condition.shape, broadcast(x.shape, y.shape, label), label)
    return make_op(
        "SelectV2",
        (condition, x, y),
        name=name,
        default_name="SelectV2",
        dtype=x.dtype,
        shape=shape,
    )


# ---- slicing --------------------------------------------------------------------------
def _normalize_index(index: Any) -> tuple:
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, (Tensor,)) or hasattr(item, "_as_tensor"):
            raise TypeError(
                "Only Python ints, slices, ..., and None may index a tensor here; "
                f"got tensor {getattr(item, 'name', item)}"
            )
        if isinstance(item, slice):
            parts = (item.start, item.stop, item.step)
            if any(p is not None and not isinstance(p, (int, np.integer)) for p in parts):
                raise TypeError(f"slice bounds must be ints or None, got {item}")
            out.append(slice(*(None if p is None else int(p) for p in parts)))
        elif item is Ellipsis or item is None:
            out.append(item)
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            out.append(int(item))
        else:
            raise TypeError(f"cannot index a tensor with {type(item).__name__} {item!r}")
    if sum(1 for i in out if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    return tuple(out)


def _sliced_shape(dims: tuple | None, spec: tuple, label: str) -> Any:
    if dims is None:
        return None
    n_real = sum(1 for i in spec if i is not None and i is not Ellipsis)
    if n_real > len(dims):
        raise ShapeError(f"'{label}': too many indices ({n_real}) for shape {fmt(dims)}")
    expanded: list = []
    for item in spec:
        if item is Ellipsis:
            expanded.extend([slice(None)] * (len(dims) - n_real))
        else:
            expanded.append(item)
    expanded.extend([slice(None)] * (len(dims) - sum(1 for i in expanded if i is not None)))
    out: list[int | None] = []
    axis = 0
    for item in expanded:
        if item is None:
            out.append(1)
            continue
        d = dims[axis]
        axis += 1
        if isinstance(item, int):
            if d is not None and not -d <= item < d:
                raise ShapeError(f"'{label}': index {item} out of bounds for axis of size {d}")
            continue
        if d is not None:
            out.append(len(range(*item.indices(d))))
        else:
            out.append(None)
    return out


def strided_slice(x: Any, index: Any, name: str | None = None) -> Tensor:
    """`x[index]` with ints, slices (with steps), `...` and `None`, as NumPy basic indexing."""
    x = convert_to_tensor(x)
    spec = _normalize_index(index)
    label = _preview(x.graph, name, "strided_slice")
    shape = _sliced_shape(x.shape.dims, spec, label)
    return make_op(
        "StridedSlice",
        (x,),
        name=name,
        default_name="strided_slice",
        dtype=x.dtype,
        shape=shape,
        attrs={"index": spec},
    )


def strided_slice_grad(
    grad: Tensor, x: Tensor, index: tuple, name: str | None = None
) -> Tensor:
    """Zeros shaped like `x` with `grad` written at `x[index]`: the adjoint of slicing."""
    return make_op(
        "StridedSliceGrad",
        (grad, x),
        name=name,
        default_name="StridedSliceGrad",
        dtype=grad.dtype,
        shape=x.shape,
        attrs={"index": index},
    )


# ---- random values --------------------------------------------------------------------
def _random(
    op_type: str,
    shape: Any,
    dtype: Any,
    seed: int | None,
    name: str | None,
    default: str,
    **attrs: Any,
) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    shape = tuple(as_shape(shape).as_list())
    g = get_default_graph()
    return make_op(
        op_type,
        (),
        name=name,
        default_name=default,
        dtype=dtype,
        shape=shape,
        attrs={"shape": shape, "seed": g.next_seed(seed), **attrs},
        stateful=True,
    )


def random_normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Samples of a normal distribution, drawn anew at every run."""
    t = _random("RandomStandardNormal", shape, dtype, seed, name, "random_normal")
    if stddev != 1.0:
        t = multiply(t, stddev)
    return add(t, mean) if mean != 0.0 else t


def truncated_normal(
    shape: Any,
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples redrawn until within two standard deviations, as TensorFlow does."""
    t = _random("TruncatedNormal", shape, dtype, seed, name, "truncated_normal")
    if stddev != 1.0:
        t = multiply(t, stddev)
    return add(t, mean) if mean != 0.0 else t


def random_uniform(
    shape: Any,
    minval: float = 0.0,
    maxval: float = 1.0,
    dtype: Any = dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Uniform samples in [minval, maxval)."""
    t = _random("RandomUniform", shape, dtype, seed, name, "random_uniform")
    if maxval - minval != 1.0:
        t = multiply(t, maxval - minval)
    return add(t, minval) if minval != 0.0 else t


__all__ = [
    "binary",
    "cast",
    "constant",
    "placeholder",
    "fill",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "identity",
    "stop_gradient",
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concat",
    "stack",
    "where",
    "strided_slice",
    "random_normal",
    "truncated_normal",
    "random_uniform",
    "size",
]


def reshape_like(x: Any, like: Tensor, name: str | None = None) -> Tensor:
    """`x` reshaped to the run-time shape of `like` (TensorFlow: `reshape(x, shape(like))`)."""
    x = convert_to_tensor(x)
    return make_op(
        "ReshapeLike",
        (x, like),
        name=name,
        default_name="Reshape",
        dtype=x.dtype,
        shape=like.shape,
    )
