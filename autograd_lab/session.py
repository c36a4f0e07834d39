"""Sessions: run the part of a graph that the fetches need, with NumPy kernels.

The first `run` with a given set of fetches and fed tensors compiles a *plan*: the ops the
fetches depend on, in topological order, each turned into a kernel call on numbered slots,
with constant sub-graphs folded. Later runs with the same fetches and feeds reuse it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .errors import (
    AutogradLabError,
    FailedPreconditionError,
    GraphMismatchError,
    InvalidArgumentError,
    SessionClosedError,
)
from .graph import Graph, Operation, Tensor, get_default_graph
from .kernels import KERNELS, RANDOM_SAMPLERS, STATEFUL_OPS
from .shapes import fmt


class Plan(NamedTuple):
    """A compiled run: kernel calls on slots, the slots of the feeds and of the fetches."""

    steps: list[tuple[Callable, tuple[int, ...], int, Operation]]
    initial: list[Any]
    feed_slots: tuple[int, ...]
    fetch_slots: tuple[int | None, ...]
    copy_fetch: tuple[bool, ...]
    ops: list[Operation]


_default_sessions: list[Session] = []


class Session:
    """Runs graph fragments: `sess.run(fetches, feed_dict)`, as `tf.compat.v1.Session`."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None) -> None:
        self.graph = graph or get_default_graph()
        self._closed = False
        self._variables: dict[Operation, np.ndarray] = {}
        self._rngs: dict[Operation, np.random.Generator] = {}
        self._plans: dict[tuple, Plan] = {}

    # ---- running -----------------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: dict | None = None, options: Any = None,
            run_metadata: Any = None) -> Any:
        """Values of `fetches` (a tensor, op, name, or nested list/tuple/dict of them)."""
        if self._closed:
            raise SessionClosedError("Attempted to use a closed Session.")
        leaves: list[Any] = []
        template = _flatten(fetches, leaves, self.graph)
        feed_keys: list[Tensor] = []
        feed_values: list[Any] = []
        if feed_dict:
            for key, value in feed_dict.items():
                tensor = self._feed_key(key)
                feed_keys.append(tensor)
                feed_values.append(_convert_feed(tensor, value))
        key = (tuple(map(id, leaves)), tuple(map(id, feed_keys)))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(leaves, feed_keys)
        return _rebuild(template, self._execute(plan, feed_values))

    def _execute(self, plan: Plan, feed_values: list[Any]) -> list[Any]:
        slots = plan.initial.copy()
        for slot, value in zip(plan.feed_slots, feed_values):
            slots[slot] = value
        try:
            for fn, ins, out, _op in plan.steps:
                slots[out] = fn(*[slots[i] for i in ins])
        except AutogradLabError:
            raise
        except Exception as exc:
            op = _op  # the op whose kernel failed
            shapes = ", ".join(fmt(np.shape(slots[i])) for i in ins)
            raise InvalidArgumentError(
                f"{type(exc).__name__} in op '{op.name}' ({op.type}) with input shapes "
                f"{shapes}: {exc}"
            ) from exc
        results = []
        for slot, copy in zip(plan.fetch_slots, plan.copy_fetch):
            if slot is None:
                results.append(None)
                continue
            value = slots[slot]
            if isinstance(value, np.ndarray):
                value = value.copy() if copy else value
                if value.ndim == 0:
                    value = value[()]
            results.append(value)
        return results

    def _feed_key(self, key: Any) -> Tensor:
        element = self.graph.as_graph_element(key) if not isinstance(key, Tensor) else key
        if not isinstance(element, Tensor):
            raise TypeError(f"Cannot feed an Operation ({element.name}); feed its output tensor")
        if element.graph is not self.graph:
            raise GraphMismatchError(
                f"Cannot feed {element.name}: it belongs to another graph than this session's"
            )
        return element

    # ---- compiling ---------------------------------------------------------------------
    def _compile(self, leaves: list[Any], feeds: list[Tensor]) -> Plan:
        fed = {t: i for i, t in enumerate(feeds)}
        ops = _needed_ops(leaves, fed)
        slot_of: dict[Tensor, int] = dict(fed)
        initial: list[Any] = [None] * len(feeds)
        known: dict[int, bool] = {}
        steps = []
        for op in ops:
            if op.type == "Placeholder":
                t = op.outputs[0]
                raise InvalidArgumentError(
                    f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                    f"{t.dtype.name} and shape {fmt(t.shape)}"
                )
            ins = tuple(slot_of[t] for t in op.inputs)
            out = len(initial)
            initial.append(None)
            if op.outputs:
                slot_of[op.outputs[0]] = out
            if op.type == "Const":
                initial[out], known[out] = op.attrs["value"], True
                continue
            fn = self._kernel(op)
            if (op.type not in STATEFUL_OPS and not op.control_inputs
                    and ins and all(known.get(i) for i in ins)):
                with contextlib.suppress(Exception):
                    initial[out], known[out] = fn(*[initial[i] for i in ins]), True
                    continue
            steps.append((fn, ins, out, op))
        fetch_slots, copy_fetch = [], []
        for leaf in leaves:
            if isinstance(leaf, Operation):
                fetch_slots.append(None)
                copy_fetch.append(False)
            else:
                fetch_slots.append(slot_of[leaf])
                copy_fetch.append(leaf.op.type in STATEFUL_OPS or leaf in fed)
        return Plan(steps, initial, tuple(range(len(feeds))), tuple(fetch_slots),
                    tuple(copy_fetch), ops)

    def _kernel(self, op: Operation) -> Callable:
        if op.type in STATEFUL_OPS:
            return self._stateful_kernel(op)
        try:
            factory = KERNELS[op.type]
        except KeyError:
            raise NotImplementedError(f"No kernel for op type {op.type} (op '{op.name}')") from None
        return factory(op)

    def _stateful_kernel(self, op: Operation) -> Callable:
        store = self._variables
        if op.type == "VariableV2":

            def read() -> np.ndarray:
                try:
                    return store[op]
                except KeyError:
                    raise FailedPreconditionError(
                        f"Attempting to use uninitialized value {op.name}: run its initializer "
                        "(e.g. global_variables_initializer()) first"
                    ) from None

            return read
        if op.type in ("Assign", "AssignAdd", "AssignSub"):
            var = op.attrs["variable"]
            sign = {"Assign": 0, "AssignAdd": 1, "AssignSub": -1}[op.type]

            def update(value: Any) -> np.ndarray:
                if sign == 0:
                    return self._store_variable(var, value)
                if var not in store:
                    raise FailedPreconditionError(
                        f"Attempting to use uninitialized value {var.name} in '{op.name}'"
                    )
                new = store[var] + value if sign > 0 else store[var] - value
                store[var] = new = np.asarray(new, dtype=var.outputs[0].dtype.np)
                return new

            return update
        sampler = RANDOM_SAMPLERS[op.type]
        shape, dtype = op.attrs["shape"], op.outputs[0].dtype.np
        if op not in self._rngs:
            self._rngs[op] = np.random.default_rng(op.attrs["seed"])
        rng = self._rngs[op]
        return lambda: sampler(rng, shape).astype(dtype)

    def _store_variable(self, var: Operation, value: Any) -> np.ndarray:
        t = var.outputs[0]
        array = np.array(value, dtype=t.dtype.np)
        if t.shape.dims is not None and not t.shape.is_compatible_with(array.shape):
            raise InvalidArgumentError(
                f"Assign requires shapes of both tensors to match. lhs shape= {fmt(t.shape)} "
                f"rhs shape= {fmt(array.shape)} (variable '{var.name}')"
            )
        self._variables[var] = array
        return array

    # ---- lifetime ----------------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        self._variables.clear()
        self._plans.clear()

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Session]:
        """Make this the session that `Tensor.eval()` and `Operation.run()` use."""
        _default_sessions.append(self)
        try:
            yield self
        finally:
            _default_sessions.remove(self)

    def __enter__(self) -> Session:
        _default_sessions.append(self)
        self._graph_context = self.graph.as_default()
        self._graph_context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._graph_context.__exit__(*exc)
        if self in _default_sessions:
            _default_sessions.remove(self)
        self.close()

    def list_plans(self) -> list[Plan]:
        return list(self._plans.values())


class InteractiveSession(Session):
    """A session that makes itself the default at once, for shells and notebooks."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None):
        super().__init__(target, graph, config)
        _default_sessions.append(self)

    def close(self) -> None:
        super().close()
        if self in _default_sessions:
            _default_sessions.remove(self)


def get_default_session() -> Session | None:
    return _default_sessions[-1] if _default_sessions else None


def _session_for(session: Session | None, graph: Graph) -> Session:
    session = session or get_default_session()
    if session is None:
        raise ValueError(
            "Cannot evaluate tensor using `eval()`: No default session is registered. Use "
            "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`"
        )
    if session.graph is not graph:
        raise GraphMismatchError("Cannot use the given session to evaluate tensor: the "
                                 "tensor's graph is different from the session's graph.")
    return session


# ---- helpers --------------------------------------------------------------------------
def _flatten(fetch: Any, leaves: list[Any], graph: Graph) -> Any:
    """Collect the leaves of a nested fetch into `leaves`; return a template to rebuild it."""
    if isinstance(fetch, (Tensor, Operation)):
        if fetch.graph is not graph:
            raise GraphMismatchError(
                f"Fetch argument {fetch!r} cannot be interpreted as a Tensor: it is not an "
                "element of this session's graph."
            )
        leaves.append(fetch)
        return len(leaves) - 1
    if isinstance(fetch, (list, tuple)):
        return (type(fetch), [_flatten(f, leaves, graph) for f in fetch])
    if isinstance(fetch, dict):
        return (type(fetch), {k: _flatten(v, leaves, graph) for k, v in fetch.items()})
    if fetch is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    return _flatten(graph.as_graph_element(fetch), leaves, graph)


def _rebuild(template: Any, values: list[Any]) -> Any:
    if isinstance(template, int):
        return values[template]
    kind, children = template
    if isinstance(children, dict):
        return kind({k: _rebuild(v, values) for k, v in children.items()})
    items = [_rebuild(c, values) for c in children]
    if kind is list:
        return items
    if kind is tuple:
        return tuple(items)
    return kind(*items)  # a namedtuple


def _needed_ops(leaves: list[Any], fed: dict[Tensor, int]) -> list[Operation]:
    """Ops the leaves depend on, stopping at fed tensors, in creation (topological) order."""
    seen: set[Operation] = set()
    stack: list[Operation] = []
    for leaf in leaves:
        if isinstance(leaf, Operation):
            stack.append(leaf)
        elif leaf not in fed:
            stack.append(leaf.op)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs if t not in fed and t.op not in seen)
        stack.extend(c for c in op.control_inputs if c not in seen)
    return sorted(seen, key=lambda op: op._id)


def _convert_feed(tensor: Tensor, value: Any) -> Any:
    """A fed value as an array of the tensor's dtype, checked against its static shape."""
    want = tensor.dtype.np
    if isinstance(value, np.ndarray) and value.dtype == want:
        array = value
    else:
        if isinstance(value, (Tensor, Operation)) or hasattr(value, "_as_tensor"):
            raise TypeError(
                f"The value of a feed cannot be a symbolic Tensor ({value!r}) for "
                f"{tensor.name}; feed NumPy arrays, lists or numbers."
            )
        try:
            array = np.asarray(value)
        except Exception as exc:
            raise InvalidArgumentError(f"Cannot convert the value fed to {tensor.name}: {exc}")
        if array.dtype.kind in "fc" and tensor.dtype.is_integer:
            if not np.all(np.mod(array, 1) == 0):
                raise InvalidArgumentError(
                    f"Cannot feed non-integer values of dtype {array.dtype} to "
                    f"{tensor.name}, which has dtype {tensor.dtype.name}"
                )
        if array.dtype.kind not in "biuf":
            raise InvalidArgumentError(
                f"Cannot feed a value of type {array.dtype} to {tensor.name} "
                f"(dtype {tensor.dtype.name})"
            )
        array = array.astype(want, copy=False)
    dims = tensor.shape.dims
    if dims is not None and (
        array.ndim != len(dims) or any(d is not None and d != s for d, s in zip(dims, array.shape))
    ):
        raise InvalidArgumentError(
            f"Cannot feed value of shape {tuple(array.shape)} for Tensor {tensor.name}, which "
            f"has shape {fmt(tensor.shape)}"
        )
    return array
