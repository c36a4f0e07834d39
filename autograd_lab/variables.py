"""Variables: tensors whose value lives in a session and changes through `assign` ops."""

from __future__ import annotations

from typing import Any

from . import dtypes
from .graph import Graph, Operation, Tensor, TensorLike, convert_to_tensor, get_default_graph
from .shapes import fmt

GLOBAL_VARIABLES = "variables"
TRAINABLE_VARIABLES = "trainable_variables"


class Variable(TensorLike):
    """A TF1 variable: a `VariableV2` op read like a tensor, set by its `initializer`."""

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        validate_shape: bool = True,
    ) -> None:
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = get_default_graph()
        base = name or "Variable"
        with graph.name_scope(base) as scope:
            if callable(initial_value):
                initial_value = initial_value()
            initial = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
        shape = initial.shape if validate_shape else None
        self._op = graph.create_op(
            "VariableV2",
            (),
            name=scope,
            default_name="Variable",
            dtype=initial.dtype,
            shape=shape,
            attrs={"dtype": initial.dtype, "shape": initial.shape},
            stateful=True,
        )
        self._variable = self._op.outputs[0]
        self._initial_value = initial
        self.trainable = trainable
        with graph.name_scope(scope):
            self._initializer = _assign_op("Assign", self._op, initial, None)
        graph.add_to_collection(GLOBAL_VARIABLES, self)
        if trainable:
            graph.add_to_collection(TRAINABLE_VARIABLES, self)

    # ---- tensor-like -------------------------------------------------------------------
    def _as_tensor(self) -> Tensor:
        return self._variable

    def value(self) -> Tensor:
        return self._variable

    read_value = value

    @property
    def op(self) -> Operation:
        return self._op

    @property
    def name(self) -> str:
        return self._variable.name

    @property
    def dtype(self) -> dtypes.DType:
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def graph(self) -> Graph:
        return self._op.graph

    @property
    def initializer(self) -> Operation:
        return self._initializer

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    # ---- updates -----------------------------------------------------------------------
    def assign(self, value: Any, use_locking: bool = False, name: str | None = None) -> Tensor:
        """An op that sets the variable to `value` when run; its output is the new value."""
        return _assign_op("Assign", self._op, value, name).outputs[0]

    def assign_add(
        self, delta: Any, use_locking: bool = False, name: str | None = None
    ) -> Tensor:
        return _assign_op("AssignAdd", self._op, delta, name).outputs[0]

    def assign_sub(
        self, delta: Any, use_locking: bool = False, name: str | None = None
    ) -> Tensor:
        return _assign_op("AssignSub", self._op, delta, name).outputs[0]

    def eval(self, session: Any = None) -> Any:
        return self._variable.eval(session=session)

    def load(self, value: Any, session: Any = None) -> None:
        """Set the value directly in a session, without adding an op to the graph."""
        from .session import _session_for

        _session_for(session, self.graph)._store_variable(self._op, value)

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}_ref>"


def _assign_op(op_type: str, var_op: Operation, value: Any, name: str | None) -> Operation:
    var = var_op.outputs[0]
    value = convert_to_tensor(value, dtype=var.dtype, graph=var_op.graph)
    if not var.shape.is_compatible_with(value.shape):
        raise ValueError(
            f"Shapes must be equal for '{op_type}' of variable {var_op.name}: "
            f"variable {fmt(var.shape)}, value {fmt(value.shape)}"
        )
    return var_op.graph.create_op(
        op_type,
        (value,),
        name=name,
        default_name=op_type,
        dtype=var.dtype,
        shape=var.shape,
        attrs={"variable": var_op},
        stateful=True,
    )


def assign(ref: Variable, value: Any, name: str | None = None) -> Tensor:
    return ref.assign(value, name=name)


def assign_add(ref: Variable, value: Any, name: str | None = None) -> Tensor:
    return ref.assign_add(value, name=name)


def assign_sub(ref: Variable, value: Any, name: str | None = None) -> Tensor:
    return ref.assign_sub(value, name=name)


def global_variables(graph: Graph | None = None) -> list[Variable]:
    return (graph or get_default_graph()).get_collection(GLOBAL_VARIABLES)


def trainable_variables(graph: Graph | None = None) -> list[Variable]:
    return (graph or get_default_graph()).get_collection(TRAINABLE_VARIABLES)


def variables_initializer(var_list: list[Variable], name: str = "init") -> Operation:
    """One op that runs the initializers of `var_list`."""
    graph = var_list[0].graph if var_list else get_default_graph()
    with graph.control_dependencies([v.initializer for v in var_list]):
        return graph.create_op("NoOp", (), name=name, default_name="init", dtype=None)


def global_variables_initializer() -> Operation:
    """One op that initialises every variable of the default graph."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def group(*inputs: Any, name: str | None = None) -> Operation:
    """A NoOp that runs all `inputs` (ops or tensors) first."""
    graph = get_default_graph()
    if inputs and isinstance(inputs[0], (list, tuple)) and len(inputs) == 1:
        inputs = tuple(inputs[0])
    with graph.control_dependencies(list(inputs)):
        return graph.create_op("NoOp", (), name=name, default_name="group_deps", dtype=None)


def no_op(name: str | None = None) -> Operation:
    return get_default_graph().create_op("NoOp", (), name=name, default_name="NoOp", dtype=None)
