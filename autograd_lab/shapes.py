"""Static shapes: known ranks with possibly unknown dimensions, as `shape=[None, 784]`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .errors import ShapeError

Dims = tuple[int | None, ...]


class TensorShape:
    """A static shape; `dims is None` when even the rank is unknown."""

    __slots__ = ("dims",)

    def __init__(self, dims: Any = None) -> None:
        if isinstance(dims, TensorShape):
            dims = dims.dims
        elif dims is not None:
            if isinstance(dims, int):
                dims = (dims,)
            dims = tuple(None if d is None or d == -1 else int(d) for d in dims)
        self.dims: Dims | None = dims

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    ndims = rank

    def is_fully_defined(self) -> bool:
        return self.dims is not None and all(d is not None for d in self.dims)

    def as_list(self) -> list[int | None]:
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self.dims:  # type: ignore[union-attr]
            n *= d  # type: ignore[operator]
        return n

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        if self.dims is None or other.dims is None:
            return True
        if len(self.dims) != len(other.dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.dims, other.dims))

    def __iter__(self):
        return iter(self.dims or ())

    def __len__(self) -> int:
        if self.dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self.dims)

    def __getitem__(self, index):
        return self.dims[index]  # type: ignore[index]

    def __eq__(self, other: object) -> bool:
        try:
            return self.dims == TensorShape(other).dims
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.dims)

    def __repr__(self) -> str:
        return (
            f"TensorShape({list(self.dims)!r})"
            if self.dims is not None
            else "TensorShape(None)"
        )

    def __str__(self) -> str:
        if self.dims is None:
            return "<unknown>"
        dims = ["?" if d is None else str(d) for d in self.dims]
        if len(dims) == 1:
            return f"({dims[0]},)"
        return "(" + ", ".join(dims) + ")"


def as_shape(value: Any) -> TensorShape:
    return value if isinstance(value, TensorShape) else TensorShape(value)


def broadcast(a: TensorShape, b: TensorShape, op_name: str = "") -> TensorShape:
    """NumPy's broadcasting on static shapes; ShapeError names the op and both shapes."""
    if a.dims is None or b.dims is None:
        return TensorShape(None)
    da, db = a.dims, b.dims
    n = max(len(da), len(db))
    da = (1,) * (n - len(da)) + da
    db = (1,) * (n - len(db)) + db
    out: list[int | None] = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        else:
            raise ShapeError(
                f"Dimensions must be equal, but are {x} and {y} for '{op_name}' "
                f"with input shapes: {fmt(a)}, {fmt(b)}."
            )
    return TensorShape(out)


def fmt(shape: TensorShape | Sequence[int | None] | None) -> str:
    """TensorFlow's way of writing a shape in messages: `[?,784]`."""
    shape = as_shape(shape)
    if shape.dims is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


def normalize_axes(axis: int | Iterable[int] | None, rank: int | None, op_name: str) -> tuple:
    """Axes as sorted non-negative ints; None means all axes (needs a known rank)."""
    if axis is None:
        if rank is None:
            return ()
        return tuple(range(rank))
    axes = (axis,) if isinstance(axis, int) else tuple(int(a) for a in axis)
    if rank is None:
        if any(a < 0 for a in axes):
            raise ShapeError(f"'{op_name}': negative axis {axes} needs a known rank")
        return tuple(sorted(set(axes)))
    for a in axes:
        if not -rank <= a < rank:
            raise ShapeError(f"'{op_name}': axis {a} is out of range for rank {rank}")
    return tuple(sorted({a % rank for a in axes}))
