"""Graphs of operations: the symbolic tensors a TF1 program builds before any number flows."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import dtypes as _dtypes
from .errors import GraphMismatchError
from .shapes import TensorShape, as_shape

_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


class TensorLike:
    """Operator overloads (`+`, `*`, `@`, slicing, ...); `math_ops` attaches them at import."""

    __slots__ = ()
    __array_priority__ = 100  # NumPy defers `ndarray + tensor` to us


class Operation:
    """One node of the graph: an op type (TensorFlow's name), its inputs, attributes, output."""

    __slots__ = (
        "graph",
        "type",
        "name",
        "inputs",
        "attrs",
        "outputs",
        "control_inputs",
        "stateful",
        "_id",
        "__weakref__",
    )

    def __init__(
        self,
        graph: Graph,
        op_type: str,
        name: str,
        inputs: Sequence[Tensor],
        attrs: dict[str, Any],
        dtype: _dtypes.DType | None,
        shape: TensorShape,
        control_inputs: Sequence[Operation] = (),
        stateful: bool = False,
    ) -> None:
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs: tuple[Tensor, ...] = tuple(inputs)
        self.attrs = attrs
        self.control_inputs: tuple[Operation, ...] = tuple(control_inputs)
        self.stateful = stateful
        self._id = len(graph._ops)
        self.outputs: tuple[Tensor, ...] = (
            (Tensor(self, 0, dtype, shape),) if dtype is not None else ()
        )

    @property
    def output(self) -> Tensor:
        """The single output of this op."""
        return self.outputs[0]

    def get_attr(self, name: str) -> Any:
        return self.attrs[name]

    def run(self, feed_dict: dict | None = None, session: Any = None) -> None:
        """Run this op in `session` (or the default session)."""
        from .session import _session_for

        _session_for(session, self.graph).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Tensor(TensorLike):
    """A symbolic value: the output of an op, with a static dtype and shape."""

    __slots__ = ("op", "value_index", "dtype", "_shape", "__weakref__")

    def __init__(self, op: Operation, index: int, dtype: _dtypes.DType, shape: TensorShape):
        self.op = op
        self.value_index = index
        self.dtype = dtype
        self._shape = shape

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape: Any) -> None:
        """Narrow the static shape, e.g. after a reshape the engine could not follow."""
        shape = as_shape(shape)
        if not self._shape.is_compatible_with(shape):
            raise ValueError(
                f"Shapes {self._shape} and {shape} are incompatible for {self.name}"
            )
        if shape.dims is not None:
            if self._shape.dims is not None:
                shape = TensorShape(
                    [
                        a if a is not None else b
                        for a, b in zip(shape.dims, self._shape.dims, strict=True)
                    ]
                )
            self._shape = shape

    def eval(self, feed_dict: dict | None = None, session: Any = None) -> Any:
        """Evaluate this tensor in `session` (or the default session)."""
        from .session import _session_for

        return _session_for(session, self.graph).run(self, feed_dict)

    def consumers(self) -> list[Operation]:
        return [op for op in self.graph._ops if any(t is self for t in op.inputs)]

    def __str__(self) -> str:
        shape = "" if self._shape.dims is None else f"shape={self._shape}, "
        return f'Tensor("{self.name}", {shape}dtype={self.dtype.name})'

    def __repr__(self) -> str:
        shape = "<unknown>" if self._shape.dims is None else str(self._shape)
        return f"<tf.Tensor '{self.name}' shape={shape} dtype={self.dtype.name}>"

    def __bool__(self) -> bool:
        raise TypeError(
            "Using a symbolic Tensor as a Python bool is not allowed: its value exists only "
            "when a Session runs it. Use autograd_lab.where or cond-free arithmetic instead."
        )

    def __iter__(self) -> Iterator:
        raise TypeError("A symbolic Tensor cannot be iterated; slice it or use unstack.")

    def __len__(self) -> int:
        raise TypeError(f"len is not well defined for symbolic Tensor {self.name}.")

    __hash__ = object.__hash__


class Graph:
    """A container of operations; TF1 programs build into the default graph."""

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._scope = ""
        self._control_stack: list[list[Operation]] = []
        self._collections: dict[str, list[Any]] = {}
        self.seed: int | None = None
        self._number_consts: dict[tuple[str, str], Tensor] = {}
        self._seed_offset = 0

    # ---- names -------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """`scope/name`, with `_1`, `_2`, ... appended when taken, as TensorFlow does."""
        if self._scope:
            name = self._scope + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = name
            while key in self._names_in_use:
                name = f"{base}_{i}"
                key = name.lower()
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
        return name

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """Prefix the names of ops made inside with `name/`; a trailing `/` reuses a scope."""
        old = self._scope
        if name is None or name == "":
            self._scope = ""
        elif name.endswith("/"):
            self._scope = name
        else:
            _check_name(name)
            self._scope = self.unique_name(name) + "/"
        try:
            yield self._scope
        finally:
            self._scope = old

    def get_name_scope(self) -> str:
        return self._scope.rstrip("/")

    # ---- building ----------------------------------------------------------------------
    def create_op(
        self,
        op_type: str,
        inputs: Sequence[Tensor],
        *,
        name: str | None,
        default_name: str,
        dtype: _dtypes.DType | None,
        shape: Any = None,
        attrs: dict[str, Any] | None = None,
        stateful: bool = False,
    ) -> Operation:
        """Add one op; its output's dtype and static shape were inferred by the caller."""
        for t in inputs:
            if t.op.graph is not self:
                raise GraphMismatchError(
                    f"Tensor {t.name} belongs to another graph than op '{name or default_name}'"
                )
        if name is None:
            op_name = self.unique_name(default_name)
        elif name.endswith("/"):
            op_name = name[:-1]  # a scope name taken as it is, as TensorFlow does
        else:
            _check_name(name)
            op_name = self.unique_name(name)
        stack = self._control_stack
        control = [c for deps in stack for c in deps] if stack else ()
        if type(shape) is not TensorShape:
            shape = TensorShape(shape)
        op = Operation(
            self, op_type, op_name, inputs, attrs or {}, dtype, shape, control, stateful
        )
        self._ops.append(op)
        self._by_name[op_name] = op
        return op

    @contextlib.contextmanager
    def control_dependencies(self, ops: Sequence[Any] | None) -> Iterator[None]:
        """Ops built inside run only after `ops`; None clears the outer dependencies."""
        if ops is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        deps = [_as_op(o) for o in ops]
        self._control_stack.append(deps)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        _default_graphs.append(self)
        try:
            yield self
        finally:
            _default_graphs.pop()

    # ---- looking up --------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"The name '{name}' refers to an Operation not in the graph."
            ) from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        op_name, _, index = name.rpartition(":")
        if not op_name or not index.isdigit():
            raise ValueError(f"The name '{name}' looks like an op name, not a tensor name.")
        op = self.get_operation_by_name(op_name)
        try:
            return op.outputs[int(index)]
        except IndexError:
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist."
            ) from None

    def as_graph_element(self, obj: Any) -> Tensor | Operation:
        """A tensor, op or variable of this graph, or a name of one."""
        if isinstance(obj, str):
            return (
                self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
            )
        if hasattr(obj, "_as_tensor"):
            obj = obj._as_tensor()
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise GraphMismatchError(f"{obj!r} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name: str) -> list[Any]:
        return list(self._collections.get(name, []))

    def next_seed(self, op_seed: int | None) -> int | None:
        """Seeds for a random op from the graph seed and its own, as `tf.set_random_seed`."""
        if self.seed is None and op_seed is None:
            return None
        self._seed_offset += 1
        graph_seed = self.seed if self.seed is not None else 87654321
        return hash((graph_seed, op_seed if op_seed is not None else self._seed_offset)) % 2**32

    @property
    def version(self) -> int:
        return len(self._ops)

    def __len__(self) -> int:
        return len(self._ops)


@contextlib.contextmanager
def pause_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while a graph or plan is built in bulk.

    Building allocates many long-lived objects and no garbage; without the pause the
    collector rescans the growing graph again and again, which can double the build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_name(name: str) -> None:
    if not _VALID_NAME.match(name):
        raise ValueError(
            f"'{name}' is not a valid op name (letters, digits, '_', '.', '-', '/')"
        )


def _as_op(obj: Any) -> Operation:
    if isinstance(obj, Operation):
        return obj
    if isinstance(obj, Tensor):
        return obj.op
    if hasattr(obj, "_as_tensor"):
        return obj._as_tensor().op
    raise TypeError(f"control_dependencies expects ops or tensors, got {type(obj).__name__}")


_default_graphs: list[Graph] = []
_global_graph = Graph()


def get_default_graph() -> Graph:
    """The graph that new ops go into."""
    return _default_graphs[-1] if _default_graphs else _global_graph


def reset_default_graph() -> None:
    """Start over with an empty default graph (not allowed inside `Graph.as_default()`)."""
    global _global_graph
    if _default_graphs:
        raise AssertionError(
            "Do not use reset_default_graph() inside a Graph.as_default() block"
        )
    _global_graph = Graph()


def name_scope(name: str | None, default_name: str | None = None, values: Any = None):
    """`with name_scope("layer1"):` prefixes op names, as `tf.name_scope`."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(ops: Sequence[Any] | None):
    return get_default_graph().control_dependencies(ops)


def set_random_seed(seed: int) -> None:
    """The graph-level seed: random ops without their own seed become repeatable."""
    get_default_graph().seed = int(seed)


def make_op(
    op_type: str,
    inputs: Sequence[Tensor],
    *,
    name: str | None,
    default_name: str | None = None,
    dtype: _dtypes.DType,
    shape: Any = None,
    attrs: dict[str, Any] | None = None,
    stateful: bool = False,
) -> Tensor:
    """Add an op of one output to the graph of its inputs (or the default graph); its output."""
    graph = inputs[0].op.graph if inputs else get_default_graph()
    op = graph.create_op(
        op_type,
        inputs,
        name=name,
        default_name=default_name or op_type,
        dtype=dtype,
        shape=shape,
        attrs=attrs,
        stateful=stateful,
    )
    return op.outputs[0]


def graph_of(values: Sequence[Any]) -> Graph:
    """The graph that the given tensors live in, or the default graph if none is a tensor."""
    for v in values:
        if isinstance(v, Tensor):
            return v.op.graph
        if hasattr(v, "_as_tensor"):
            return v._as_tensor().op.graph
    return get_default_graph()


def constant_op(
    value: Any,
    dtype: Any = None,
    shape: Any = None,
    name: str | None = None,
    graph: Graph | None = None,
) -> Tensor:
    """A `Const` op holding `value` (cast to `dtype`, broadcast to `shape` if given)."""
    dtype = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.infer_dtype(value)
    array = np.asarray(value, dtype=dtype.np)
    if shape is not None:
        target = tuple(as_shape(shape).as_list())
        array = (
            array.reshape(target)
            if array.size == np.prod(target)
            else np.broadcast_to(array, target).copy()
        )
    array.setflags(write=False)
    g = graph or get_default_graph()
    op = g.create_op(
        "Const",
        (),
        name=name,
        default_name="Const",
        dtype=dtype,
        shape=array.shape,
        attrs={"value": array},
    )
    return op.outputs[0]


def convert_to_tensor(
    value: Any, dtype: Any = None, name: str | None = None, graph: Graph | None = None
) -> Tensor:
    """A tensor for `value`: tensors pass through, variables give their value, else a Const."""
    if isinstance(value, Tensor):
        tensor = value
    elif hasattr(value, "_as_tensor"):
        tensor = value._as_tensor()
    else:
        if dtype is not None:
            want = _dtypes.as_dtype(dtype)
            inferred = _dtypes.infer_dtype(value)
            if want.is_integer and inferred.is_floating:
                raise TypeError(
                    f"Cannot convert {value!r} to a tensor of dtype {want.name}: "
                    "a float would be truncated"
                )
        if name is None and type(value) in (int, float, bool):
            return _number_constant(value, dtype, graph or get_default_graph())
        return constant_op(value, dtype=dtype, name=name, graph=graph)
    if dtype is not None and tensor.dtype is not _dtypes.as_dtype(dtype):
        raise TypeError(
            f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for Tensor "
            f"with dtype {tensor.dtype.name}: {tensor!r}"
        )
    return tensor


def _number_constant(value: int | float | bool, dtype: Any, graph: Graph) -> Tensor:
    """One shared Const per Python number and dtype, so `x * 2 + 2` holds a single `2`."""
    want = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.infer_dtype(value)
    key = (want.name, repr(value))
    tensor = graph._number_consts.get(key)
    if tensor is None or graph._control_stack:
        tensor = constant_op(value, dtype=want, graph=graph)
        if not graph._control_stack:  # a Const made under control dependencies stays private
            graph._number_consts[key] = tensor
    return tensor
