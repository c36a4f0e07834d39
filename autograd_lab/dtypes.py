"""The element types a tensor can hold, as TensorFlow names them."""

from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """One element type: its TensorFlow name and the NumPy type that stores it."""

    __slots__ = ("name", "np")

    def __init__(self, name: str, np_type: type) -> None:
        self.name = name
        self.np = np.dtype(np_type)

    @property
    def is_floating(self) -> bool:
        return self.np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self.np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self.np.kind == "b"

    @property
    def as_numpy_dtype(self) -> type:
        return self.np.type

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple:
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool_ = DType("bool", np.bool_)

ALL = (float16, float32, float64, int32, int64, bool_)
_BY_NAME = {d.name: d for d in ALL} | {"float": float32, "double": float64, "half": float16}
_BY_NP = {d.np: d for d in ALL}


def as_dtype(value: Any) -> DType:
    """Turn a DType, NumPy dtype, type or name into one of ours, or raise TypeError."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is bool:
        return bool_
    try:
        return _BY_NP[np.dtype(value)]
    except (TypeError, KeyError):
        names = ", ".join(d.name for d in ALL)
        raise TypeError(f"unsupported dtype {value!r}; expected one of {names}") from None


def infer_dtype(value: Any) -> DType:
    """The dtype TensorFlow gives a value: NumPy keeps its own, Python floats become float32."""
    if isinstance(value, (np.ndarray, np.generic)):
        return as_dtype(value.dtype)
    kind = np.asarray(value).dtype.kind
    if kind == "b":
        return bool_
    if kind in "iu":
        return int32
    if kind == "f":
        return float32
    raise TypeError(f"cannot make a tensor of {type(value).__name__} value {value!r}")
