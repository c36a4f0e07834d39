"""TensorFlow's own graphs, drawn in the same style, to set beside autograd-lab's.

Draws a `tf.compat.v1.Graph`, a `tf.function` (its concrete function's graph) or a
ConcreteFunction. `side_by_side("sin(2*x)")` builds the formula in both engines, adds the
gradient graph with each one's `gradients`, and draws both in one picture. TensorFlow is
imported only when these functions run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .graphviz_render import (
    GRADIENT_ROOT,
    GraphPicture,
    OpInfo,
    TensorInfo,
    build_digraph,
    describe_ops,
    evaluate,
    select_ops,
    shape_text,
)

__all__ = ["describe_tf_graph", "render_tf", "side_by_side", "to_tensorflow"]


def _tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise ImportError(
            "drawing TensorFlow graphs needs TensorFlow: pip install 'autograd-lab[tensorflow]'"
        ) from exc
    return tf


def _tf_graph(target: Any, args: Sequence[Any] = ()) -> Any:
    """The graph behind a tf.Graph, a FuncGraph, a ConcreteFunction or a tf.function."""
    tf = _tf()
    if isinstance(target, tf.Graph):
        return target
    if hasattr(target, "graph") and hasattr(target, "structured_outputs"):
        return target.graph  # a ConcreteFunction
    if hasattr(target, "get_concrete_function"):
        try:
            return target.get_concrete_function(*args).graph
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "this tf.function needs example inputs or an input_signature to be traced; "
                "pass them as args=(tf.TensorSpec([], tf.float32),)"
            ) from exc
    raise TypeError(
        f"expected a tf.Graph, a tf.function or a ConcreteFunction, got {type(target).__name__}"
    )


def load_graphdef(path: str | os.PathLike) -> Any:
    """A tf.Graph from a saved GraphDef: binary (`.pb`) or text (`.pbtxt`, `.pbtext`)."""
    tf = _tf()
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the GraphDef {path}: {exc}") from exc
    graph_def = tf.compat.v1.GraphDef()
    try:
        if path.suffix in (".pbtxt", ".pbtext", ".txt"):
            from google.protobuf import text_format

            text_format.Parse(data.decode("utf-8"), graph_def)
        else:
            graph_def.ParseFromString(data)
    except Exception as exc:  # protobuf raises its own DecodeError/ParseError types
        raise ValueError(
            f"{path} is not a TensorFlow GraphDef ({type(exc).__name__}: {exc}); expected a "
            "binary .pb or a text .pbtxt written by tf.io.write_graph"
        ) from exc
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    return graph


def describe_tf_graph(graph: Any, gradients: bool | str = True) -> list[OpInfo]:
    """OpInfo for the ops of a TensorFlow graph (constants carry their value)."""
    tf = _tf()
    infos = []
    for op in graph.get_operations():
        is_grad = bool(GRADIENT_ROOT.match(op.name))
        if (gradients is False and is_grad) or (gradients == "only" and not is_grad):
            continue
        inputs = [
            TensorInfo(t.name, t.op.name, t.dtype.name, shape_text(t.shape)) for t in op.inputs
        ]
        value = None
        if op.type == "Const":
            with contextlib.suppress(Exception):
                value = tf.make_ndarray(op.get_attr("value"))
        infos.append(
            OpInfo(op.name, op.type, inputs, value=value, outputs=[t.name for t in op.outputs])
        )
    return infos


def _tf_values(graph: Any, feed: Mapping[str, Any]) -> dict[str, Any]:
    """Values of the float tensors of a compat.v1 graph at `feed` ({name: value})."""
    tf = _tf()
    tensors = [
        t
        for op in graph.get_operations()
        for t in op.outputs
        if t.dtype.is_floating and op.type != "Placeholder"
    ]
    feed_dict = {
        graph.get_tensor_by_name(k if ":" in k else f"{k}:0"): v for k, v in feed.items()
    }
    out = {k if ":" in k else f"{k}:0": v for k, v in feed.items()}
    with tf.compat.v1.Session(graph=graph) as sess:
        for t in tensors:
            with contextlib.suppress(Exception):
                out[t.name] = sess.run(t, feed_dict)
    return out


def render_tf(
    target: Any,
    path: str | os.PathLike | None = None,
    *,
    args: Sequence[Any] = (),
    gradients: bool | str = True,
    at: Mapping[str, Any] | None = None,
    **options: Any,
) -> GraphPicture:
    """Draw a TensorFlow graph (tf.Graph, tf.function, ConcreteFunction) in this style."""
    graph = _tf_graph(target, args)
    infos = describe_tf_graph(graph, gradients)
    values = _tf_values(graph, at) if at else {}
    picture = GraphPicture(build_digraph(infos, values=values, **options))
    if path is not None:
        picture.save(path)
    return picture


# ---- one formula, two engines ----------------------------------------------------------
def _translators(tf: Any) -> dict[str, Any]:
    unary = {
        "Neg": tf.negative,
        "Square": tf.square,
        "Sqrt": tf.sqrt,
        "Exp": tf.exp,
        "Log": tf.math.log,
        "Sin": tf.sin,
        "Cos": tf.cos,
        "Tan": tf.tan,
        "Tanh": tf.tanh,
        "Sigmoid": tf.sigmoid,
        "Abs": tf.abs,
        "Sign": tf.sign,
        "Relu": tf.nn.relu,
        "Identity": tf.identity,
        "StopGradient": tf.stop_gradient,
        "Softmax": tf.nn.softmax,
        "LogSoftmax": tf.nn.log_softmax,
        "LogicalNot": tf.logical_not,
    }
    binary = {
        "AddV2": tf.add,
        "Sub": tf.subtract,
        "Mul": tf.multiply,
        "RealDiv": tf.math.truediv,
        "Pow": tf.pow,
        "Maximum": tf.maximum,
        "Minimum": tf.minimum,
        "Less": tf.less,
        "LessEqual": tf.less_equal,
        "Greater": tf.greater,
        "GreaterEqual": tf.greater_equal,
        "Equal": tf.equal,
        "NotEqual": tf.not_equal,
    }
    reductions = {
        "Sum": tf.reduce_sum,
        "Mean": tf.reduce_mean,
        "Max": tf.reduce_max,
        "Min": tf.reduce_min,
    }
    table: dict[str, Any] = {}
    for k, fn in unary.items():
        table[k] = lambda op, ins, fn=fn: fn(ins[0], name=op.name)
    for k, fn in binary.items():
        table[k] = lambda op, ins, fn=fn: fn(ins[0], ins[1], name=op.name)
    for k, fn in reductions.items():
        table[k] = lambda op, ins, fn=fn: fn(
            ins[0], axis=op.attrs["axis"], keepdims=op.attrs["keepdims"], name=op.name
        )
    table["SelectV2"] = lambda op, ins: tf.where(ins[0], ins[1], ins[2], name=op.name)
    table["AddN"] = lambda op, ins: tf.add_n(list(ins), name=op.name)
    table["MatMul"] = lambda op, ins: tf.matmul(
        ins[0],
        ins[1],
        transpose_a=op.attrs["transpose_a"],
        transpose_b=op.attrs["transpose_b"],
        name=op.name,
    )
    table["Transpose"] = lambda op, ins: tf.transpose(ins[0], op.attrs["perm"], name=op.name)
    return table


def to_tensorflow(expression: Any) -> tuple[Any, Any, dict[str, Any]]:
    """The same forward graph in TensorFlow: (tf.Graph, output, {name: placeholder})."""
    tf = _tf()
    table = _translators(tf)
    graph = tf.compat.v1.Graph()
    made: dict[Any, Any] = {}
    placeholders: dict[str, Any] = {}
    from viz.explain import _ancestors

    with graph.as_default():
        for op in _ancestors(expression.output):
            ins = [made[t] for t in op.inputs]
            out = op.outputs[0]
            if op.type == "Placeholder":
                shape = None if out.shape.dims is None else list(out.shape.dims)
                result = tf.compat.v1.placeholder(out.dtype.name, shape, name=op.name)
                placeholders[op.name] = result
            elif op.type == "Const":
                result = tf.constant(op.attrs["value"], name=op.name)
            elif op.type in table:
                result = table[op.type](op, ins)
            else:
                raise NotImplementedError(
                    f"no TensorFlow counterpart is wired up for op type {op.type} "
                    f"('{op.name}'); the side-by-side view covers elementwise ops, "
                    "reductions and matmul"
                )
            made[out] = result
    return graph, made[expression.output], placeholders


def side_by_side(
    text: str = "sin(2*x)",
    path: str | os.PathLike | None = None,
    *,
    wrt: Sequence[str] | None = None,
    at: Mapping[str, Any] | None = None,
    **options: Any,
) -> GraphPicture:
    """One picture: autograd-lab's gradient graph of `text` beside TensorFlow's."""
    import graphviz

    from autograd_lab import gradients as ag_gradients
    from autograd_lab import parse

    tf = _tf()
    expr = parse(text)
    names = list(wrt) if wrt is not None else list(expr.inputs)
    unknown = [n for n in names if n not in expr.inputs]
    if unknown:
        raise KeyError(
            f"{', '.join(unknown)} not in {text!r} (its names: "
            f"{', '.join(expr.inputs) or 'none'})"
        )
    with expr.graph.as_default():
        ours = ag_gradients(expr.output, [expr.inputs[n] for n in names])
    tf_graph, tf_y, tf_inputs = to_tensorflow(expr)
    with tf_graph.as_default():
        tf.compat.v1.gradients(tf_y, [tf_inputs[n] for n in names])

    roots = [expr.output.op] + [g.op for g in ours if g is not None]
    our_ops = select_ops(expr.graph, roots, True)
    our_values: dict[str, Any] = {}
    tf_values: dict[str, Any] = {}
    if at:
        our_values = evaluate(expr.graph, [t for op in our_ops for t in op.outputs], at)
        tf_values = _tf_values(tf_graph, at)

    top = graphviz.Digraph(name="side_by_side")
    top.attr(
        rankdir=options.pop("rankdir", "LR"),
        compound="true",
        fontname="Helvetica",
        label=f"d/d{', '.join(names)} of {text}: autograd-lab and TensorFlow side by side",
        labelloc="t",
        fontsize="18",
    )
    top.attr("node", fontname="Helvetica", fontsize="11")
    top.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
    build_digraph(
        describe_ops(our_ops),
        digraph=top,
        prefix="ag_",
        title=f"autograd-lab: {len(our_ops)} ops",
        values=our_values,
        known_names=[op.name for op in expr.graph.get_operations()],
        **options,
    )
    tf_infos = describe_tf_graph(tf_graph)
    build_digraph(
        tf_infos,
        digraph=top,
        prefix="tf_",
        title=f"TensorFlow {tf.__version__} (tf.compat.v1.gradients): {len(tf_infos)} ops",
        values=tf_values,
        **options,
    )
    picture = GraphPicture(top)
    if path is not None:
        picture.save(path)
    return picture
