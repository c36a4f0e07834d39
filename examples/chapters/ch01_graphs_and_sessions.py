# %% [markdown]
# # Chapter 1: Computation graphs and sessions
#
# Before any neural network, one idea: **build first, run later**. In the TensorFlow 1
# style that `autograd_lab` follows, `a + b` does not add anything. It adds a *node* to a
# *graph*: a record that says "there will be an addition here, of whatever `a` and `b` turn
# out to be". Numbers flow only when a `Session` runs the graph and you *feed* values in.
#
# Why go to this trouble? Because a graph is a thing you can look at, draw, and, in the next
# chapter, differentiate: the derivative of a graph is just more graph.
#
# Run this chapter with `python examples/chapters/ch01_graphs_and_sessions.py`
# (add `--out DIR` to choose where the pictures go).

# %%
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch01_graphs_and_sessions.py")).resolve().parent
    sys.path.insert(0, str(_HERE.parents[1]))

import autograd_lab as tf  # noqa: E402
from examples.chapters import (  # noqa: E402
    Chapter,
    Exercise,
    parse_args,
    require,
    run_exercises,
    section,
)

TITLE = "computation graphs and sessions"


# %% [markdown]
# ## 1.1 Two placeholders and an addition
#
# A `placeholder` is a promise of a value to come. Adding two of them gives a `Tensor`,
# the symbolic output of an operation. Printing it shows a name, a shape and a type, but
# no number: there is none yet. A `Session` runs the graph; `feed_dict` fills the promises.
# The same graph works for a pair of numbers and for a pair of lists.


# %%
def two_placeholders() -> dict[str, Any]:
    """Build `a + b`, print the symbolic tensor, then run it on numbers and on lists."""
    section("1.1 Two placeholders and an addition")
    graph = tf.Graph()
    with graph.as_default():
        a = tf.placeholder(tf.float32, name="a")
        b = tf.placeholder(tf.float32, name="b")
        adder = a + b
        print(f"  adder is {adder}")
        with tf.Session() as sess:
            single = sess.run(adder, {a: 3, b: 4.5})
            pair = sess.run(adder, {a: [1, 3], b: [2, 4]})
            try:
                sess.run(adder, {a: 1.0})
            except tf.InvalidArgumentError as exc:
                print(f"  forgetting to feed b is an error, and says so: {exc}")
    print(f"  sess.run(adder, {{a: 3, b: 4.5}})         -> {single}")
    print(f"  sess.run(adder, {{a: [1, 3], b: [2, 4]}}) -> {pair}")
    return {"graph": graph, "adder": adder, "single": float(single), "pair": pair}


# %% [markdown]
# ## 1.2 What is inside a graph
#
# A graph is a list of operations. Each has a *type* (TensorFlow's own names: `Placeholder`,
# `AddV2`, `Mul`, ...), a *name* (unique within the graph), and *inputs*: the tensors it
# reads. Following inputs backwards from an output walks the whole computation. A picture
# makes it plain: ovals are operations, arrows carry tensors, and when the graph is run at a
# point each node also shows its value.


# %%
def inside_the_graph(ch: Chapter, graph: Any, adder: Any) -> Path:
    """List the operations of the `a + b` graph and draw it with its values."""
    section("1.2 What is inside a graph")
    for op in graph.get_operations():
        inputs = ", ".join(t.name for t in op.inputs) or "-"
        print(f"  {op.name:<6} type {op.type:<12} inputs {inputs}")
    from viz.graphviz_render import render

    a = graph.get_tensor_by_name("a:0")
    b = graph.get_tensor_by_name("b:0")
    path = ch.path("adder.svg")
    render(adder, path, feed_dict={a: 3.0, b: 4.5}, title="adder = a + b at a = 3, b = 4.5")
    return ch.wrote(path, "the graph of a + b with its values")


# %% [markdown]
# ## 1.3 Variables: values that stay between runs
#
# Placeholders forget their values after each run. A `Variable` keeps its value in the
# session, which is what a model's weights need. Variables start empty: you run an
# initializer first (forgetting to is a clear error). Below, a small linear model
# `y = W x + b` is built from two variables. Running `assign` ops changes them, the way a
# training step will in later chapters.


# %%
def linear_model(ch: Chapter) -> dict[str, Any]:
    """A linear model from two Variables: initialise, evaluate, reassign, evaluate again."""
    section("1.3 Variables: values that stay between runs")
    graph = tf.Graph()
    with graph.as_default():
        W = tf.Variable([0.3], dtype=tf.float32, name="W")
        b = tf.Variable([-0.3], dtype=tf.float32, name="b")
        x = tf.placeholder(tf.float32, name="x")
        y = W * x + b
        xs = [1.0, 2.0, 3.0, 4.0]
        with tf.Session() as sess:
            try:
                sess.run(y, {x: xs})
            except tf.FailedPreconditionError as exc:
                print(f"  before initialising: {exc}")
            sess.run(tf.global_variables_initializer())
            before = sess.run(y, {x: xs})
            sess.run([tf.assign(W, [-1.0]), tf.assign(b, [1.0])])
            after = sess.run(y, {x: xs})
    print(f"  W = 0.3, b = -0.3: y({xs}) = {before}")
    print(f"  W = -1,  b = 1:    y({xs}) = {after}")
    from viz.graphviz_render import render

    path = ch.path("linear_model.svg")
    render(y, path, title="y = W * x + b")
    ch.wrote(path, "the linear model's graph")
    return {"before": before, "after": after}


# %% [markdown]
# ## 1.4 Formulas become graphs too
#
# Typing graphs by hand gets long, so `tf.parse` turns a formula into the same kind of
# graph, with one placeholder per variable. Every later chapter uses it. Note how
# `sin(2*x)*exp(y)` becomes seven operations, one per symbol, constant and variable.


# %%
def formula_graph(ch: Chapter) -> dict[str, int]:
    """Parse `sin(2*x)*exp(y)`, count its ops by type, run it, and draw it."""
    section("1.4 Formulas become graphs too")
    expr = tf.parse("sin(2*x)*exp(y)")
    counts = Counter(op.type for op in expr.graph.get_operations())
    print(f"  {expr.text}: {dict(sorted(counts.items()))}")
    with tf.Session(graph=expr.graph) as sess:
        value = sess.run(expr.output, expr.feed_dict({"x": 0.25, "y": 1.0}))
    print(f"  at x = 0.25, y = 1: {value:.6f} (NumPy: {np.sin(0.5) * np.e:.6f})")
    from viz.graphviz_render import render

    path = ch.path("formula.svg")
    render(expr, path, title=f"y = {expr.text}")
    ch.wrote(path, "the graph of sin(2*x)*exp(y)")
    return dict(counts)


# %% [markdown]
# ## Exercises
#
# **Exercise 1.1.** In a fresh `tf.Graph()`, build `(a + b) * c` from three float32
# placeholders named `a`, `b` and `c`. Return the output tensor and a dict of the three
# placeholders by name. The check runs your graph on arrays and looks at its op types.
#
# **Exercise 1.2.** Make a `tf.Variable` counter starting at 0.0 and an op that adds 1.0 to
# it (`tf.assign_add`). In one session, run that op `n` times and return the list of
# values it gave. What would happen if you opened a new session each time?
#
# **Exercise 1.3.** Count the operations, by type, in the graph that
# `tf.parse(text)` builds. Return a `dict` (or `Counter`) from op type to count.


# %%
def exercise_1() -> tuple[Any, dict[str, Any]]:
    raise NotImplementedError("Exercise 1.1: build (a + b) * c from three placeholders")


def exercise_2(n: int) -> list[float]:
    raise NotImplementedError("Exercise 1.2: a Variable counter, incremented n times")


def exercise_3(text: str) -> dict[str, int]:
    raise NotImplementedError("Exercise 1.3: count a parsed formula's ops by type")


def check_exercise_1(answer: Any) -> None:
    """The graph computes (a + b) * c elementwise, with an AddV2 and a Mul."""
    require(isinstance(answer, tuple) and len(answer) == 2, "return (output, placeholders)")
    out, placeholders = answer
    require(set(placeholders) == {"a", "b", "c"}, "the dict needs keys 'a', 'b' and 'c'")
    values = {
        "a": np.array([1.0, -2.0, 0.5]),
        "b": np.array([3.0, 4.0, 0.5]),
        "c": np.array([2.0, 0.5, -4.0]),
    }
    with tf.Session(graph=out.graph) as sess:
        got = sess.run(out, {placeholders[k]: v for k, v in values.items()})
    want = (values["a"] + values["b"]) * values["c"]
    require(np.allclose(got, want), f"expected {want}, the graph gave {got}")
    types = {op.type for op in out.graph.get_operations()}
    require({"AddV2", "Mul"} <= types, f"expected AddV2 and Mul ops, found {sorted(types)}")


def check_exercise_2(answer: Sequence[float], n: int) -> None:
    """One session keeps the variable: the values count 1, 2, ..., n."""
    got = [float(v) for v in answer]
    require(got == [float(i) for i in range(1, n + 1)], f"expected 1.0 .. {n}.0, got {got}")


def check_exercise_3(answer: dict[str, int], text: str) -> None:
    """The counts match the ops of the parsed graph, type by type."""
    want = Counter(op.type for op in tf.parse(text).graph.get_operations())
    require(dict(answer) == dict(want), f"expected {dict(want)}, got {dict(answer)}")


# %% [markdown]
# ## Run the chapter
#
# `main` runs every section in order, then your exercises. In a notebook, run this last
# cell; from a shell, run the file.


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 1 top to bottom; return its key results (for tests and the curious)."""
    ch = parse_args(1, TITLE, argv)
    if ch is None:
        return {}
    first = two_placeholders()
    inside_the_graph(ch, first["graph"], first["adder"])
    model = linear_model(ch)
    counts = formula_graph(ch)
    status = run_exercises(
        1,
        [
            Exercise("Exercise 1.1", exercise_1, check_exercise_1),
            Exercise("Exercise 1.2", exercise_2, check_exercise_2, (3,)),
            Exercise("Exercise 1.3", exercise_3, check_exercise_3, ("sin(2*x)*exp(y)",)),
        ],
    )
    return {
        "single": first["single"],
        "pair": first["pair"],
        "linear": model,
        "op_counts": counts,
        "exercises": status,
    }


if __name__ == "__main__":
    main()
