"""Sessions: run the part of a graph that the fetches need, with NumPy kernels.

The first `run` with a given set of fetches and fed tensors compiles a *plan*: the ops the
fetches depend on, in topological order, each turned into a kernel call on numbered slots.
While compiling, constant sub-graphs and shape-only ops are folded, repeated sub-expressions
are shared, multiplications by a constant one are dropped and ops whose values nobody uses
are pruned. A small plan becomes one generated Python function of straight-line kernel calls
(print `plan.source` to read it); a large one runs in a loop over its steps. Later runs with
the same fetches and feeds reuse the plan.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .errors import (
    AutogradLabError,
    FailedPreconditionError,
    GraphMismatchError,
    InvalidArgumentError,
    SessionClosedError,
)
from .graph import Graph, Operation, Tensor, get_default_graph, pause_gc
from .kernels import KERNELS, RANDOM_SAMPLERS, STATEFUL_OPS
from .shapes import fmt

# Plans of up to this many steps become generated straight-line functions; compiling Python
# source costs far more per line than a loop step, so larger plans run in the loop.
CODEGEN_MAX_STEPS = 256
# Intermediate values with at least this many elements are released after their last use.
_FREE_MIN_ELEMENTS = 4096
# Ops whose output may share memory with their first input (views and pass-throughs).
_VIEW_OPS = frozenset(
    {
        "Identity",
        "StopGradient",
        "Reshape",
        "ReshapeLike",
        "Transpose",
        "ExpandDims",
        "Squeeze",
        "StridedSlice",
        "BroadcastTo",
        "SumToShape",
    }
)
# Ops whose value depends only on the static shape and dtype of their input.
_SHAPE_ONLY_OPS = {"OnesLike": np.ones, "ZerosLike": np.zeros}
_ALIAS_OPS = frozenset({"Identity", "StopGradient", "Mul"})
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class Plan:
    """A compiled run: kernel calls on slots, the slots of the feeds and of the fetches.

    `steps` holds `(kernel, input slots, output slot, op)` in run order; `source` is the
    generated function (empty when the plan runs in the step loop).
    """

    __slots__ = (
        "steps",
        "initial",
        "feed_slots",
        "fetch_slots",
        "copy_fetch",
        "ops",
        "source",
        "function",
        "feeds",
        "converters",
        "free",
        "_lines",
        "_keep",
    )

    def __init__(
        self,
        steps: list,
        initial: list,
        feeds: list[Tensor],
        fetch_slots: tuple,
        copy_fetch: tuple,
        ops: list[Operation],
        free: list[tuple[int, ...]],
    ) -> None:
        self.steps = steps
        self.initial = initial
        self.feeds = feeds
        self.feed_slots = tuple(range(len(feeds)))
        self.fetch_slots = fetch_slots
        self.copy_fetch = copy_fetch
        self.ops = ops
        self.free = free
        self.converters = [_feed_converter(t) for t in feeds]
        self.source = ""
        self.function: Callable | None = None
        self._lines: dict[int, int] = {}
        self._keep: list[Any] = []

    def __repr__(self) -> str:
        mode = "generated function" if self.function else "step loop"
        return f"<Plan: {len(self.steps)} steps, {len(self.feeds)} feeds, {mode}>"


_default_sessions: list[Session] = []


class Session:
    """Runs graph fragments: `sess.run(fetches, feed_dict)`, as `tf.compat.v1.Session`."""

    def __init__(
        self, target: str = "", graph: Graph | None = None, config: Any = None
    ) -> None:
        self.graph = graph or get_default_graph()
        self._closed = False
        self._variables: dict[Operation, np.ndarray] = {}
        self._rngs: dict[Operation, np.random.Generator] = {}
        self._plans: dict[tuple, Plan] = {}

    # ---- running -----------------------------------------------------------------------
    def run(
        self,
        fetches: Any,
        feed_dict: dict | None = None,
        options: Any = None,
        run_metadata: Any = None,
    ) -> Any:
        """Values of `fetches` (a tensor, op, name, or nested list/tuple/dict of them)."""
        if self._closed:
            raise SessionClosedError("Attempted to use a closed Session.")
        # Fast path: a tensor or a flat list of tensors, fed by tensors, looked up by the ids
        # of those objects. A cached plan keeps its fetches and feeds alive, so no live object
        # can share an id with them: a lookup with other objects in the list simply misses.
        kind = type(fetches)
        if kind is Tensor:
            fetch_key: Any = id(fetches)
        elif kind is list or kind is tuple:
            fetch_key = (kind, *map(id, fetches))
        else:
            fetch_key = None
        if fetch_key is not None:
            key = (fetch_key, tuple(map(id, feed_dict)) if feed_dict else ())
            plan = self._plans.get(key)
            if plan is None:
                plan = self._compile_flat(key, fetches, feed_dict)
            if plan is not None:
                values = self._execute(plan, feed_dict.values() if feed_dict else ())
                if kind is Tensor:
                    return values[0]
                return values if kind is list else tuple(values)
        leaves: list[Any] = []
        template = _flatten(fetches, leaves, self.graph)
        feed_keys = [self._feed_key(k) for k in feed_dict] if feed_dict else []
        key = (tuple(map(id, leaves)), tuple(map(id, feed_keys)))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(leaves, feed_keys)
        return _rebuild(template, self._execute(plan, feed_dict.values() if feed_dict else ()))

    def _compile_flat(self, key: tuple, fetches: Any, feed_dict: dict | None) -> Plan | None:
        """Compile and cache a plan for a flat fetch of tensors fed by tensors, else None."""
        leaves = [fetches] if type(fetches) is Tensor else list(fetches)
        if not all(type(f) is Tensor for f in leaves):
            return None
        if feed_dict and not all(type(k) is Tensor for k in feed_dict):
            return None
        for leaf in leaves:
            _flatten(leaf, [], self.graph)  # checks that it belongs to this graph
        feed_keys = [self._feed_key(k) for k in feed_dict] if feed_dict else []
        plan = self._plans[key] = self._compile(leaves, feed_keys)
        return plan

    def _execute(self, plan: Plan, feed_values: Any) -> list[Any]:
        values = [convert(v) for convert, v in zip(plan.converters, feed_values, strict=True)]
        if plan.function is None:
            outs = self._loop(plan, values)
        else:
            try:
                outs = plan.function(*values)
            except AutogradLabError:
                raise
            except Exception as exc:
                raise _kernel_error_from_traceback(plan, exc) from exc
        results = []
        for value, copy in zip(outs, plan.copy_fetch, strict=True):
            if type(value) is np.ndarray:
                if copy:
                    value = value.copy()
                if value.ndim == 0:
                    value = value[()]
            results.append(value)
        return results

    def _loop(self, plan: Plan, values: list[Any]) -> list[Any]:
        """Run a plan step by step on a list of slots (plans too large to generate)."""
        slots = plan.initial.copy()
        slots[: len(values)] = values
        index, ins = 0, ()
        try:
            steps = zip(plan.steps, plan.free, strict=True)
            for index, ((fn, ins, out, _op), dead) in enumerate(steps):  # noqa: B007
                if len(ins) == 1:
                    slots[out] = fn(slots[ins[0]])
                elif len(ins) == 2:
                    slots[out] = fn(slots[ins[0]], slots[ins[1]])
                else:
                    slots[out] = fn(*[slots[i] for i in ins])
                for i in dead:
                    slots[i] = None
        except AutogradLabError:
            raise
        except Exception as exc:
            op = plan.steps[index][3]
            raise _kernel_error(op, [slots[i] for i in ins], exc) from exc
        return [None if s is None else slots[s] for s in plan.fetch_slots]

    def _feed_key(self, key: Any) -> Tensor:
        element = self.graph.as_graph_element(key) if not isinstance(key, Tensor) else key
        if not isinstance(element, Tensor):
            raise TypeError(
                f"Cannot feed an Operation ({element.name}); feed its output tensor"
            )
        if element.graph is not self.graph:
            raise GraphMismatchError(
                f"Cannot feed {element.name}: it belongs to another graph than this session's"
            )
        return element

    # ---- compiling ---------------------------------------------------------------------
    def _compile(self, leaves: list[Any], feeds: list[Tensor]) -> Plan:
        with pause_gc():
            plan = self._build_plan(leaves, feeds)
            if len(plan.steps) <= CODEGEN_MAX_STEPS:
                _generate(plan)
        return plan

    def _build_plan(self, leaves: list[Any], feeds: list[Tensor]) -> Plan:
        fed = {t: i for i, t in enumerate(feeds)}
        ops = _needed_ops(leaves, fed)
        slot_of: dict[Tensor, int] = dict(fed)
        initial: list[Any] = [None] * len(feeds)
        known: set[int] = set()
        external: set[int] = set(fed.values())  # slots that may hold a user's or state array
        shared: dict[tuple, int] = {}
        ones: set[int] = set()
        roots = {leaf for leaf in leaves if isinstance(leaf, Operation)}
        steps: list[tuple[Callable, tuple[int, ...], int, Operation]] = []
        for op in ops:
            op_type = op.type
            if op_type == "Placeholder":
                t = op.outputs[0]
                raise InvalidArgumentError(
                    f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                    f"{t.dtype.name} and shape {fmt(t.shape)}"
                )
            if op.control_inputs:
                roots.update(op.control_inputs)
            ins = tuple([slot_of[t] for t in op.inputs])
            out_tensor = op.outputs[0] if op.outputs else None
            out = len(initial)
            if op_type == "Const":
                value = op.attrs["value"]
                if value.ndim == 0:
                    value = value[()]  # a NumPy scalar: scalar arithmetic is much cheaper
                    is_one = value == 1
                else:
                    is_one = 0 < value.size < 4096 and bool((value == 1).all())
                initial.append(value)
                slot_of[out_tensor] = out
                known.add(out)
                if is_one:
                    ones.add(out)
                continue
            pure = (
                op_type not in STATEFUL_OPS
                and not op.stateful
                and not op.control_inputs
                and out_tensor is not None
            )
            cse_key = None
            if pure:
                if op_type in _ALIAS_OPS:
                    alias = _alias(op, ins, ones, initial)
                    if alias is not None:
                        slot_of[out_tensor] = alias
                        continue
                if op_type in _SHAPE_ONLY_OPS:
                    folded = _fold_shape_only(op)
                    if folded is not None:
                        initial.append(folded)
                        slot_of[out_tensor] = out
                        known.add(out)
                        if op_type == "OnesLike":
                            ones.add(out)
                        continue
                attrs = op.attrs
                cse_key = (
                    op_type,
                    ins,
                    tuple(sorted(attrs.items())) if attrs else (),
                    out_tensor.dtype.name,
                )
                try:
                    same = shared.get(cse_key)
                except TypeError:  # an unhashable attribute: do not share this op
                    same = cse_key = None
                if same is not None:
                    slot_of[out_tensor] = same
                    continue
            fn = self._kernel(op)
            initial.append(None)
            if out_tensor is not None:
                slot_of[out_tensor] = out
            if pure and ins and known.issuperset(ins):
                with contextlib.suppress(Exception):
                    initial[out] = fn(*[initial[i] for i in ins])
                    known.add(out)
                    continue
            if cse_key is not None:
                shared[cse_key] = out
            if not pure or (op_type in _VIEW_OPS and ins and ins[0] in external):
                external.add(out)
            steps.append((fn, ins, out, op))
        fetch_slots, copy_fetch = [], []
        for leaf in leaves:
            if isinstance(leaf, Operation):
                fetch_slots.append(None)
                copy_fetch.append(False)
            else:
                # Copy what the caller could otherwise change under the session: fed and
                # stored arrays, folded constants, and a value fetched twice.
                slot = slot_of[leaf]
                copy_fetch.append(slot in external or slot in known or slot in fetch_slots)
                fetch_slots.append(slot)
        steps, free = _prune(steps, fetch_slots, roots, known, len(feeds))
        return Plan(steps, initial, feeds, tuple(fetch_slots), tuple(copy_fetch), ops, free)

    def _kernel(self, op: Operation) -> Callable:
        if op.type in STATEFUL_OPS:
            return self._stateful_kernel(op)
        try:
            factory = KERNELS[op.type]
        except KeyError:
            raise NotImplementedError(
                f"No kernel for op type {op.type} (op '{op.name}')"
            ) from None
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
        raise GraphMismatchError(
            "Cannot use the given session to evaluate tensor: the "
            "tensor's graph is different from the session's graph."
        )
    return session


# ---- compiling helpers ----------------------------------------------------------------
def _alias(op: Operation, ins: tuple[int, ...], ones: set[int], initial: list) -> int | None:
    """The slot already holding this op's value: pass-throughs, and `x * 1` of x's shape."""
    if op.type in ("Identity", "StopGradient"):
        return ins[0]
    if op.type == "Mul" and len(ins) == 2:
        out = op.outputs[0]
        for one, other in ((ins[0], 1), (ins[1], 0)):
            if one in ones and initial[one].dtype == out.dtype.np:
                kept = op.inputs[other]
                if kept.shape.is_fully_defined() and kept.shape.dims == out.shape.dims:
                    return ins[other]
    return None


def _fold_shape_only(op: Operation) -> Any:
    """The value of ones_like/zeros_like when the input's static shape is fully known."""
    make = _SHAPE_ONLY_OPS.get(op.type)
    if make is None:
        return None
    out = op.outputs[0]
    if not out.shape.is_fully_defined():
        return None
    value = make(out.shape.dims, dtype=out.dtype.np)
    if value.ndim == 0:
        return value[()]
    value.setflags(write=False)
    return value


def _prune(steps: list, fetch_slots: list, roots: set, known: set[int], n_feeds: int):
    """Drop steps whose values nobody uses; list the big values to release after each step."""
    live = {s for s in fetch_slots if s is not None}
    kept = []
    for step in reversed(steps):
        fn, ins, out, op = step
        if out in live or op in roots or op.stateful or op.type in STATEFUL_OPS:
            kept.append(step)
            live.update(ins)
    kept.reverse()
    keep = set(fetch_slots) | set(range(n_feeds)) | known
    last_use: dict[int, int] = {}
    for index, (_, ins, _, _) in enumerate(kept):
        for i in ins:
            last_use[i] = index
    free: list[list[int]] = [[] for _ in kept]
    for _, _, out, op in kept:
        if out in keep or not op.outputs:
            continue
        n = op.outputs[0].shape.num_elements()
        if (n is None or n >= _FREE_MIN_ELEMENTS) and out in last_use:
            free[last_use[out]].append(out)
    return kept, [tuple(f) for f in free]


def _generate(plan: Plan) -> None:
    """Turn the plan into one Python function of straight-line kernel calls.

    The source is built only from integer slot numbers and op-table type names, never from
    user-given names or values; kernels and constants are passed in as the function's globals.
    """
    n_feeds = len(plan.feeds)
    names = {i: f"feed{i}" for i in range(n_feeds)}
    scope: dict[str, Any] = {"__builtins__": {}}
    lines = [f"def plan({', '.join(names[i] for i in range(n_feeds))}):"]

    def name(slot: int) -> str:
        if slot not in names:
            names[slot] = f"const{slot}"
            scope[names[slot]] = plan.initial[slot]
        return names[slot]

    for index, ((fn, ins, out, op), dead) in enumerate(zip(plan.steps, plan.free, strict=True)):
        scope[f"kernel{index}"] = fn
        args = ", ".join(name(i) for i in ins)
        names[out] = f"v{out}"
        label = op.type if _PLAIN_NAME.match(op.type) else "op"
        plan._lines[len(lines) + 1] = index
        lines.append(f"    v{out} = kernel{index}({args})  # {label}")
        if dead:
            lines.append(f"    {' = '.join(names[i] for i in dead)} = None")
    fetched = ", ".join("None" if s is None else name(s) for s in plan.fetch_slots)
    lines.append(f"    return ({fetched}{',' if len(plan.fetch_slots) == 1 else ''})")
    plan.source = "\n".join(lines) + "\n"
    exec(compile(plan.source, "<autograd_lab plan>", "exec"), scope)
    plan.function = scope["plan"]


def _kernel_error_from_traceback(plan: Plan, exc: Exception) -> Exception:
    """Name the op whose kernel failed, found from the line of the generated function."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not plan.function.__code__:
        tb = tb.tb_next
    if tb is None:
        return exc
    _, ins, _, op = plan.steps[plan._lines[tb.tb_lineno]]
    local = tb.tb_frame.f_locals
    inputs = []
    for i in ins:
        name = f"feed{i}" if i < len(plan.feeds) else f"v{i}"
        inputs.append(local[name] if name in local else plan.initial[i])
    return _kernel_error(op, inputs, exc)


def _kernel_error(op: Operation, inputs: list[Any], exc: Exception) -> InvalidArgumentError:
    shapes = ", ".join(fmt(np.shape(v)) for v in inputs)
    return InvalidArgumentError(
        f"{type(exc).__name__} in op '{op.name}' ({op.type}) with input shapes {shapes}: {exc}"
    )


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
        for t in op.inputs:
            if t not in fed and t.op not in seen:
                stack.append(t.op)
        stack.extend(op.control_inputs)
    if not seen:
        return []
    # An op's _id is its index in its graph's list, so sorting ids sorts the ops.
    all_ops = next(iter(seen)).graph._ops
    return [all_ops[i] for i in sorted([op._id for op in seen])]


def _feed_converter(tensor: Tensor) -> Callable[[Any], Any]:
    """A checker for values fed to `tensor`, with a quick path for the common cases."""
    want = tensor.dtype.np
    dims = tensor.shape.dims
    exact = dims if dims is not None and None not in dims else None
    scalar = want.type if want.kind == "f" and exact == () else None

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is np.ndarray:
            if value.shape == exact and value.dtype == want:
                return value
        elif kind is float and scalar is not None:
            return scalar(value)
        return _convert_feed(tensor, value)

    return convert


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
            raise InvalidArgumentError(
                f"Cannot convert the value fed to {tensor.name}: {exc}"
            ) from exc
        if (
            array.dtype.kind in "fc"
            and tensor.dtype.is_integer
            and not np.all(np.mod(array, 1) == 0)
        ):
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
        array.ndim != len(dims)
        or any(d is not None and d != s for d, s in zip(dims, array.shape, strict=True))
    ):
        raise InvalidArgumentError(
            f"Cannot feed value of shape {tuple(array.shape)} for Tensor {tensor.name}, which "
            f"has shape {fmt(tensor.shape)}"
        )
    return array
