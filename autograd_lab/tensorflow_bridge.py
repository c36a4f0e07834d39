"""Lower autograd-lab graphs to TensorFlow, to compare values and derivatives with the real one.

Each op type has a lowering in `LOWERINGS`: a function `(tf, op, inputs) -> tf tensor` that
builds the same computation from TensorFlow ops. Gradients are then taken three ways by
TensorFlow itself (`tf.GradientTape` eagerly and inside `tf.function`, and TF1's
`tf.compat.v1.gradients` in a `tf.compat.v1.Session`), plus second derivatives with nested
tapes. TensorFlow is imported only when one of these functions is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .graph import Graph, Operation, Tensor

Lowering = Callable[[Any, Operation, list[Any]], Any]

LOWERINGS: dict[str, Lowering] = {}

# Leaves of a graph: they become TensorFlow inputs (feeds, variable values) or constants.
LEAVES = frozenset({"Placeholder", "Const", "VariableV2"})

# Op types that have no lowering, and why comparing them with TensorFlow means nothing.
NOT_LOWERED: dict[str, str] = {
    "Assign": "a state update: it has no value as a function of its inputs to compare",
    "AssignAdd": "a state update: it has no value as a function of its inputs to compare",
    "AssignSub": "a state update: it has no value as a function of its inputs to compare",
    "NoOp": "has no output",
    "RandomStandardNormal": "a random sample: TensorFlow's generator draws other numbers",
    "RandomUniform": "a random sample: TensorFlow's generator draws other numbers",
    "TruncatedNormal": "a random sample: TensorFlow's generator draws other numbers",
}


def import_tensorflow() -> Any:
    """TensorFlow, imported on first use; ImportError says how to install it."""
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise ImportError(
            f"TensorFlow is not importable ({exc}); install it with "
            "`pip install 'autograd-lab[tensorflow]'` to compare against it"
        ) from exc
    return tf


def tensorflow_available() -> tuple[bool, str]:
    """Whether TensorFlow can be imported, and if not, why not."""
    try:
        import_tensorflow()
    except ImportError as exc:
        return False, str(exc)
    return True, ""


def lowering(*op_types: str) -> Callable[[Lowering], Lowering]:
    """Register `fn` as the lowering of the given op types."""

    def register(fn: Lowering) -> Lowering:
        for t in op_types:
            LOWERINGS[t] = fn
        return fn

    return register


def _simple(name: str) -> Lowering:
    """A lowering that calls `tf.<dotted name>(*inputs)`."""
    path = name.split(".")

    def lower(tf: Any, op: Operation, ins: list[Any]) -> Any:
        fn = tf
        for part in path:
            fn = getattr(fn, part)
        return fn(*ins)

    lower.__doc__ = f"tf.{name}"
    return lower


for _type, _name in {
    "AddV2": "math.add",
    "Sub": "math.subtract",
    "Mul": "math.multiply",
    "RealDiv": "math.truediv",
    "Pow": "math.pow",
    "Maximum": "math.maximum",
    "Minimum": "math.minimum",
    "Neg": "math.negative",
    "Square": "math.square",
    "Sqrt": "math.sqrt",
    "Exp": "math.exp",
    "Log": "math.log",
    "Sin": "math.sin",
    "Cos": "math.cos",
    "Tan": "math.tan",
    "Tanh": "math.tanh",
    "Sigmoid": "math.sigmoid",
    "Abs": "math.abs",
    "Sign": "math.sign",
    "Relu": "nn.relu",
    "Less": "math.less",
    "LessEqual": "math.less_equal",
    "Greater": "math.greater",
    "GreaterEqual": "math.greater_equal",
    "Equal": "math.equal",
    "NotEqual": "math.not_equal",
    "LogicalAnd": "math.logical_and",
    "LogicalOr": "math.logical_or",
    "LogicalNot": "math.logical_not",
    "SelectV2": "where",
    "Identity": "identity",
    "StopGradient": "stop_gradient",
    "ZerosLike": "zeros_like",
    "OnesLike": "ones_like",
    "Softmax": "nn.softmax",
    "LogSoftmax": "nn.log_softmax",
}.items():
    LOWERINGS[_type] = _simple(_name)


def _tf_dtype(tf: Any, dtype: Any) -> Any:
    return tf.as_dtype(dtype.name)


@lowering("Cast")
def _cast(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.cast(ins[0], _tf_dtype(tf, op.attrs["DstT"]))


@lowering("AddN")
def _add_n(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.math.add_n(ins)


@lowering("Fill")
def _fill(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.fill(list(op.attrs["dims"]), ins[0])


@lowering("Size")
def _size(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.size(ins[0], out_type=_tf_dtype(tf, op.outputs[0].dtype))


def _axis(op: Operation) -> list[int] | None:
    axis = op.attrs["axis"]
    return None if axis is None else list(axis)


@lowering("Sum", "Mean", "Max", "Min")
def _reduce(tf: Any, op: Operation, ins: list[Any]) -> Any:
    fn = {
        "Sum": tf.math.reduce_sum,
        "Mean": tf.math.reduce_mean,
        "Max": tf.math.reduce_max,
        "Min": tf.math.reduce_min,
    }[op.type]
    return fn(ins[0], axis=_axis(op), keepdims=op.attrs["keepdims"])


@lowering("ArgMax", "ArgMin")
def _arg(tf: Any, op: Operation, ins: list[Any]) -> Any:
    fn = tf.math.argmax if op.type == "ArgMax" else tf.math.argmin
    axis = op.attrs["axis"]
    return fn(
        ins[0], axis=axis[0] if axis else 0, output_type=_tf_dtype(tf, op.outputs[0].dtype)
    )


@lowering("MatMul", "BatchMatMulV2")
def _matmul(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.linalg.matmul(
        ins[0], ins[1], transpose_a=op.attrs["transpose_a"], transpose_b=op.attrs["transpose_b"]
    )


@lowering("Reshape")
def _reshape(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.reshape(ins[0], list(op.attrs["shape"]))


@lowering("ReshapeLike")
def _reshape_like(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.reshape(ins[0], tf.shape(ins[1]))


@lowering("Transpose")
def _transpose(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.transpose(ins[0], list(op.attrs["perm"]))


@lowering("ExpandDims")
def _expand_dims(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.expand_dims(ins[0], op.attrs["axis"])


@lowering("Squeeze")
def _squeeze(tf: Any, op: Operation, ins: list[Any]) -> Any:
    axes = list(op.attrs["axis"])
    # tf.squeeze with an empty axis list squeezes every length-1 axis; ours squeezes none.
    return tf.squeeze(ins[0], axes) if axes else tf.identity(ins[0])


@lowering("ConcatV2")
def _concat(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.concat(ins, op.attrs["axis"])


@lowering("Pack")
def _pack(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.stack(ins, op.attrs["axis"])


def strided_slice_args(index: tuple) -> dict[str, Any]:
    """A basic NumPy index tuple as TensorFlow's StridedSlice begin/end/strides and masks."""
    begin, end, strides = [], [], []
    masks = dict.fromkeys(
        ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), 0
    )
    for i, item in enumerate(index):
        bit = 1 << i
        if item is Ellipsis or item is None:
            first, last, step = 0, 0, 1
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        elif isinstance(item, int):
            first, last, step = item, item + 1, 1  # as TensorFlow's own x[i]
            masks["shrink_axis_mask"] |= bit
        else:
            first = 0 if item.start is None else item.start
            last = 0 if item.stop is None else item.stop
            step = 1 if item.step is None else item.step
            if item.start is None:
                masks["begin_mask"] |= bit
            if item.stop is None:
                masks["end_mask"] |= bit
        begin.append(first)
        end.append(last)
        strides.append(step)
    return {"begin": begin, "end": end, "strides": strides, **masks}


@lowering("StridedSlice")
def _strided_slice(tf: Any, op: Operation, ins: list[Any]) -> Any:
    index = op.attrs["index"]
    if not index:
        return tf.identity(ins[0])
    return tf.raw_ops.StridedSlice(input=ins[0], **strided_slice_args(index))


@lowering("StridedSliceGrad")
def _strided_slice_grad(tf: Any, op: Operation, ins: list[Any]) -> Any:
    grad, x = ins
    index = op.attrs["index"]
    if not index:
        return tf.identity(grad)
    return tf.raw_ops.StridedSliceGrad(shape=tf.shape(x), dy=grad, **strided_slice_args(index))


@lowering("BroadcastTo")
def _broadcast_to(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.broadcast_to(ins[0], tf.shape(ins[1]))


@lowering("SumToShape")
def _sum_to_shape(tf: Any, op: Operation, ins: list[Any]) -> Any:
    # TensorFlow's own unbroadcast, as in its gradients of Add and Mul.
    x, like = ins
    _, axes = tf.raw_ops.BroadcastGradientArgs(s0=tf.shape(x), s1=tf.shape(like))
    return tf.reshape(tf.math.reduce_sum(x, axes), tf.shape(like))


@lowering("SoftmaxCrossEntropyWithLogits")
def _softmax_xent(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.nn.softmax_cross_entropy_with_logits(labels=ins[0], logits=ins[1])


def _nhwc(pair: Sequence[int]) -> list[int]:
    return [1, int(pair[0]), int(pair[1]), 1]


@lowering("Conv2D")
def _conv2d(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.nn.conv2d(
        ins[0], ins[1], strides=_nhwc(op.attrs["strides"]), padding=op.attrs["padding"]
    )


@lowering("Conv2DBackpropInput")
def _conv2d_backprop_input(tf: Any, op: Operation, ins: list[Any]) -> Any:
    x, w, grad = ins
    return tf.raw_ops.Conv2DBackpropInput(
        input_sizes=tf.shape(x),
        filter=w,
        out_backprop=grad,
        strides=_nhwc(op.attrs["strides"]),
        padding=op.attrs["padding"],
    )


@lowering("Conv2DBackpropFilter")
def _conv2d_backprop_filter(tf: Any, op: Operation, ins: list[Any]) -> Any:
    x, w, grad = ins
    return tf.raw_ops.Conv2DBackpropFilter(
        input=x,
        filter_sizes=tf.shape(w),
        out_backprop=grad,
        strides=_nhwc(op.attrs["strides"]),
        padding=op.attrs["padding"],
    )


def _pool_attrs(op: Operation) -> dict[str, Any]:
    return {
        "ksize": _nhwc(op.attrs["ksize"]),
        "strides": _nhwc(op.attrs["strides"]),
        "padding": op.attrs["padding"],
    }


@lowering("MaxPool")
def _max_pool(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.nn.max_pool2d(ins[0], **_pool_attrs(op))


@lowering("MaxPoolGrad")
def _max_pool_grad(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.raw_ops.MaxPoolGrad(
        orig_input=ins[0], orig_output=ins[1], grad=ins[2], **_pool_attrs(op)
    )


@lowering("MaxPoolGradGrad")
def _max_pool_grad_grad(tf: Any, op: Operation, ins: list[Any]) -> Any:
    return tf.raw_ops.MaxPoolGradGrad(
        orig_input=ins[0], orig_output=ins[1], grad=ins[2], **_pool_attrs(op)
    )


# ---- lowering a graph -----------------------------------------------------------------
def _as_tensor(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if hasattr(value, "_as_tensor"):
        return value._as_tensor()
    raise TypeError(f"expected an autograd-lab Tensor or Variable, got {type(value).__name__}")


def _tensor_list(values: Any) -> list[Tensor]:
    if not isinstance(values, (list, tuple)):
        values = [values]
    return [_as_tensor(v) for v in values]


def needed_ops(outputs: Sequence[Tensor], given: Any = ()) -> list[Operation]:
    """The ops the outputs depend on, stopping at `given` tensors, in topological order."""
    given = set(given)
    seen: set[Operation] = set()
    stack = [t.op for t in outputs if t not in given]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs if t not in given and t.op not in seen)
    return sorted(seen, key=lambda o: o._id)


def lower(
    tf: Any,
    outputs: Sequence[Tensor],
    sources: dict[Tensor, Any],
    on_tensor: Callable[[Tensor, Any], None] | None = None,
) -> dict[Tensor, Any]:
    """TensorFlow tensors for `outputs` (and every tensor on the way), built op by op.

    `sources` gives the TensorFlow value of each placeholder and variable (or of any tensor
    to cut the graph at); `on_tensor(ours, theirs)` is called as each tensor is made.
    """
    made: dict[Tensor, Any] = dict(sources)
    for op in needed_ops(outputs, sources):
        if not op.outputs:
            continue
        out = op.outputs[0]
        if op.type == "Const":
            value = tf.constant(op.attrs["value"], dtype=_tf_dtype(tf, out.dtype))
        elif op.type == "Placeholder":
            raise ValueError(f"no value given for placeholder '{op.name}' ({out.name})")
        elif op.type == "VariableV2":
            raise ValueError(f"no value given for variable '{op.name}'; pass variables=")
        else:
            fn = LOWERINGS.get(op.type)
            if fn is None:
                why = NOT_LOWERED.get(op.type, "no lowering is registered for it")
                raise NotImplementedError(
                    f"cannot lower op '{op.name}' ({op.type}) to TensorFlow: {why}"
                )
            value = fn(tf, op, [made[t] for t in op.inputs])
        made[out] = value
        if on_tensor is not None:
            on_tensor(out, value)
    return made


def resolve_feeds(
    graph: Graph, feed_dict: dict | None, variables: dict | None = None
) -> dict[Tensor, np.ndarray]:
    """Feeds and variable values as {tensor: array of its dtype}; keys may be names."""
    resolved: dict[Tensor, np.ndarray] = {}
    for source in (feed_dict or {}, variables or {}):
        for key, value in source.items():
            if isinstance(key, Operation):
                tensor = key.outputs[0]
            elif isinstance(key, str):
                element = graph.as_graph_element(key if ":" in key else key + ":0")
                tensor = element if isinstance(element, Tensor) else element.outputs[0]
            else:
                tensor = _as_tensor(key)
            array = np.asarray(value, dtype=tensor.dtype.np)
            if tensor.shape.dims is not None and not tensor.shape.is_compatible_with(
                array.shape
            ):
                raise ValueError(
                    f"value of shape {array.shape} given for {tensor.name}, which has static "
                    f"shape {tensor.shape}"
                )
            resolved[tensor] = array
    return resolved


@dataclass
class TFResult:
    """What TensorFlow computed: output values, gradients (None: no path), op counts."""

    mode: str
    values: list[np.ndarray]
    gradients: list[np.ndarray | None]
    gradient_ops: int | None = None
    second: list[np.ndarray | None] = field(default_factory=list)


def _numpy(value: Any) -> np.ndarray | None:
    return (
        None
        if value is None
        else np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    )


class _Problem:
    """The pieces every mode needs: outputs, xs, fed values, seeds, in a fixed order."""

    def __init__(
        self,
        ys: Any,
        xs: Any,
        feed_dict: dict | None,
        variables: dict | None,
        grad_ys: Sequence[Any] | None,
    ) -> None:
        self.ys = _tensor_list(ys)
        self.xs = _tensor_list(xs) if xs is not None else []
        self.graph = self.ys[0].graph
        self.feeds = resolve_feeds(self.graph, feed_dict, variables)
        self.fed = list(self.feeds)
        self.grad_ys = None
        if grad_ys is not None:
            if len(grad_ys) != len(self.ys):
                raise ValueError(f"{len(grad_ys)} grad_ys given for {len(self.ys)} outputs")
            self.grad_ys = [np.asarray(g, dtype=y.dtype.np) for g, y in zip(grad_ys, self.ys)]

    def sources(self, values: Sequence[Any]) -> dict[Tensor, Any]:
        """Map each fed tensor to its TensorFlow value, in the order of `self.fed`."""
        return dict(zip(self.fed, values))


def _constants(tf: Any, problem: _Problem) -> list[Any]:
    return [tf.constant(v, dtype=_tf_dtype(tf, t.dtype)) for t, v in problem.feeds.items()]


def _tape_run(tf: Any, problem: _Problem, values: Sequence[Any], seeds: Sequence[Any] | None):
    """Lower under a tape that watches every x; return output and gradient tensors."""
    sources = problem.sources(values)
    wanted = set(problem.xs)
    tf_xs: dict[Tensor, Any] = {}
    with tf.GradientTape(persistent=False) as tape:
        for t, v in sources.items():
            if t in wanted:
                tape.watch(v)
                tf_xs[t] = v

        def watch(ours: Tensor, theirs: Any) -> None:
            if ours in wanted:
                tape.watch(theirs)
                tf_xs[ours] = theirs

        made = lower(tf, problem.ys, sources, watch)
        outs = [made[y] for y in problem.ys]
    xs = [tf_xs.get(x) for x in problem.xs]
    live = [x for x in xs if x is not None]
    grads = tape.gradient(outs, live, output_gradients=seeds) if live else []
    by_x = dict(zip(map(id, live), grads))
    return outs, [None if x is None else by_x[id(x)] for x in xs]


def tape_gradients(
    ys: Any,
    xs: Any,
    feed_dict: dict | None = None,
    variables: dict | None = None,
    grad_ys: Sequence[Any] | None = None,
) -> TFResult:
    """Values and d(sum ys)/dxs by `tf.GradientTape`, executed eagerly."""
    tf = import_tensorflow()
    problem = _Problem(ys, xs, feed_dict, variables, grad_ys)
    seeds = None if problem.grad_ys is None else [tf.constant(g) for g in problem.grad_ys]
    outs, grads = _tape_run(tf, problem, _constants(tf, problem), seeds)
    return TFResult("tape", [_numpy(o) for o in outs], [_numpy(g) for g in grads])


def function_gradients(
    ys: Any,
    xs: Any,
    feed_dict: dict | None = None,
    variables: dict | None = None,
    grad_ys: Sequence[Any] | None = None,
) -> TFResult:
    """Values and d(sum ys)/dxs by `tf.GradientTape` inside a `tf.function` (a traced graph).

    The traced function is kept with the graph, per outputs, xs and fed tensors, so repeated
    calls with new values do not trace again.
    """
    tf = import_tensorflow()
    problem = _Problem(ys, xs, feed_dict, variables, grad_ys)
    key = (
        tuple(map(id, problem.ys)),
        tuple(map(id, problem.xs)),
        tuple(map(id, problem.fed)),
        problem.grad_ys is not None,
    )
    # Kept on the graph itself so that it goes away with the graph (a plain reference cycle).
    cache = problem.graph.__dict__.setdefault("_tensorflow_functions", {})
    entry = cache.get(key)
    if entry is None:
        traced: dict[str, list[bool]] = {}

        def run(values: list[Any], seeds: list[Any] | None) -> Any:
            outs, grads = _tape_run(tf, problem, values, seeds)
            traced["none"] = [g is None for g in grads]
            return outs, [tf.zeros((0,)) if g is None else g for g in grads]

        entry = cache[key] = (tf.function(run, reduce_retracing=True), traced)
    fn, traced = entry
    seeds = None if problem.grad_ys is None else [tf.constant(g) for g in problem.grad_ys]
    outs, grads = fn(_constants(tf, problem), seeds)
    return TFResult(
        "function",
        [_numpy(o) for o in outs],
        [None if none else _numpy(g) for g, none in zip(grads, traced["none"])],
    )


def v1_gradients(
    ys: Any,
    xs: Any,
    feed_dict: dict | None = None,
    variables: dict | None = None,
    grad_ys: Sequence[Any] | None = None,
) -> TFResult:
    """Values and d(sum ys)/dxs by TF1's `tf.compat.v1.gradients`, run in a v1 Session.

    `gradient_ops` is how many ops `tf.gradients` added to the TensorFlow graph.
    """
    tf = import_tensorflow()
    v1 = tf.compat.v1
    problem = _Problem(ys, xs, feed_dict, variables, grad_ys)
    graph = tf.Graph()
    with graph.as_default():
        placeholders = [
            v1.placeholder(_tf_dtype(tf, t.dtype), shape=v.shape, name=t.op.name)
            for t, v in problem.feeds.items()
        ]
        tf_xs: dict[Tensor, Any] = {}
        wanted = set(problem.xs)
        sources = problem.sources(placeholders)
        tf_xs.update({t: v for t, v in sources.items() if t in wanted})

        def note(ours: Tensor, theirs: Any) -> None:
            if ours in wanted:
                tf_xs[ours] = theirs

        made = lower(tf, problem.ys, sources, note)
        outs = [made[y] for y in problem.ys]
        live = [tf_xs[x] for x in problem.xs if x in tf_xs]
        seeds = None
        if problem.grad_ys is not None:
            seeds = [tf.constant(g) for g in problem.grad_ys]
        before = len(graph.get_operations())
        grads = v1.gradients(outs, live, grad_ys=seeds) if live else []
        added = len(graph.get_operations()) - before
        by_x = dict(zip(map(id, live), grads))
        per_x = [by_x.get(id(tf_xs[x])) if x in tf_xs else None for x in problem.xs]
        fetch = [outs, [g for g in per_x if g is not None]]
        with v1.Session(graph=graph) as sess:
            out_values, grad_values = sess.run(
                fetch, dict(zip(placeholders, problem.feeds.values()))
            )
    it = iter(grad_values)
    gradients = [None if g is None else np.asarray(next(it)) for g in per_x]
    return TFResult("tf.gradients", [np.asarray(v) for v in out_values], gradients, added)


def nested_tape_second_order(
    ys: Any,
    xs: Any,
    feed_dict: dict | None = None,
    variables: dict | None = None,
    directions: Sequence[Any] | None = None,
) -> TFResult:
    """Second derivatives by nested tapes: d/dxs of sum_k <v_k, d(sum ys)/dx_k>.

    With every v_k of ones (the default) this equals differentiating the list of first
    gradients again, as `gradients(gradients(ys, xs), xs)` does.
    """
    tf = import_tensorflow()
    problem = _Problem(ys, xs, feed_dict, variables, None)
    values = _constants(tf, problem)
    sources = problem.sources(values)
    wanted = set(problem.xs)
    tf_xs: dict[Tensor, Any] = {}
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            for t, v in sources.items():
                if t in wanted:
                    outer.watch(v)
                    inner.watch(v)
                    tf_xs[t] = v

            def watch(ours: Tensor, theirs: Any) -> None:
                if ours in wanted:
                    outer.watch(theirs)
                    inner.watch(theirs)
                    tf_xs[ours] = theirs

            made = lower(tf, problem.ys, sources, watch)
            outs = [made[y] for y in problem.ys]
        live = [tf_xs[x] for x in problem.xs if x in tf_xs]
        firsts = inner.gradient(outs, live) if live else []
        terms = []
        for k, g in enumerate(firsts):
            if g is None:
                continue
            v = (
                tf.ones_like(g)
                if directions is None
                else tf.constant(np.asarray(directions[k], dtype=g.dtype.as_numpy_dtype))
            )
            terms.append(tf.math.reduce_sum(g * v))
        target = tf.math.add_n(terms) if terms else None
    seconds = outer.gradient(target, live) if target is not None else [None] * len(live)
    by_first = dict(zip(map(id, live), firsts))
    by_second = dict(zip(map(id, live), seconds))
    first_list = [
        _numpy(by_first.get(id(tf_xs[x]))) if x in tf_xs else None for x in problem.xs
    ]
    second_list = [
        _numpy(by_second.get(id(tf_xs[x]))) if x in tf_xs else None for x in problem.xs
    ]
    return TFResult("nested tapes", [_numpy(o) for o in outs], first_list, None, second_list)


def evaluate(
    outputs: Any, feed_dict: dict | None = None, variables: dict | None = None
) -> list[np.ndarray]:
    """The values of `outputs` computed by TensorFlow (eagerly)."""
    tf = import_tensorflow()
    problem = _Problem(outputs, None, feed_dict, variables, None)
    made = lower(tf, problem.ys, problem.sources(_constants(tf, problem)))
    return [_numpy(made[y]) for y in problem.ys]


MODES: dict[str, Callable[..., TFResult]] = {
    "tape": tape_gradients,
    "function": function_gradients,
    "tf.gradients": v1_gradients,
}


def gradients(
    ys: Any,
    xs: Any,
    feed_dict: dict | None = None,
    mode: str = "tape",
    variables: dict | None = None,
    grad_ys: Sequence[Any] | None = None,
) -> TFResult:
    """d(sum ys)/dxs by TensorFlow: mode "tape", "function" or "tf.gradients"."""
    try:
        fn = MODES[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}") from None
    return fn(ys, xs, feed_dict, variables, grad_ys)
