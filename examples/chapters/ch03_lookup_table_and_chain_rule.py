# %% [markdown]
# # Chapter 3: How the lookup table and the chain rule compute derivatives
#
# `tf.gradients` knows no calculus beyond one line per operation type. That line lives in
# **the derivative table** (`autograd_lab/derivatives.py`): for `Sin` it says
# `d sin(x) = cos(x) dx`, for `Mul` it says `d(x * y) = y dx + x dy`, and so on. The
# **chain rule** does the rest: starting from the output with gradient 1, it walks the graph
# backwards, and at each operation it looks up the rule and multiplies the gradient arriving
# from above by the operation's local derivative. Where paths meet, it adds.
#
# At the end of the chapter you will add a row to the table yourself, for an operation the
# engine has never heard of, and let the gradient checker tell you whether it is right.

# %%
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script or a notebook: make `examples` importable
    _HERE = Path(globals().get("__file__", "ch03_lookup_table_and_chain_rule.py")).resolve()
    sys.path.insert(0, str(_HERE.parents[2]))

import autograd_lab as tf  # noqa: E402
from autograd_lab import math_ops  # noqa: E402
from autograd_lab.kernels import KERNELS  # noqa: E402
from examples.chapters import (  # noqa: E402
    Chapter,
    Exercise,
    parse_args,
    require,
    run_exercises,
    section,
)

TITLE = "the lookup table and the chain rule"


# %% [markdown]
# ## 3.1 The table
#
# Every entry pairs an op type with a rule. The rule's first docstring line is its formula,
# so the table reads like a page of a calculus book. Some op types have no rule on purpose:
# comparisons give booleans, `ArgMax` gives integers, `StopGradient` exists to block the
# flow. Asking for the derivative through an op type with no entry at all is an error that
# tells you how to add one.


# %%
def the_table() -> dict[str, Any]:
    """Print a few rows of the derivative table and count rules and non-rules."""
    section("3.1 The table")
    table = tf.derivative_table()
    with_rule = [e for e in table if e.rule is not None]
    print(
        f"  {len(table)} op types: {len(with_rule)} with a rule, "
        f"{len(table) - len(with_rule)} declared not differentiable"
    )
    by_type = {e.op_type: e for e in table}
    for op_type in ("AddV2", "Mul", "Sin", "Exp", "Tanh", "MatMul", "Relu", "ArgMax"):
        if op_type in by_type:
            print(f"  {op_type:<8} {by_type[op_type].formula}")
    return {"size": len(table), "sin": by_type["Sin"].formula}


# %% [markdown]
# ## 3.2 The chain rule, one step at a time
#
# Take `y = sin(2x)` at `x = 0.5`. The walk starts at `Sin` with gradient 1. The table says
# the local derivative of `sin(u)` is `cos(u)`, so the gradient reaching `u = 2x` is
# `1 · cos(2x)`. Then `Mul` contributes its local derivative 2, so `dy/dx = 2 cos(2x)`,
# about 1.0806 at `x = 0.5`. `viz.explain` narrates exactly this; the picture shows the
# gradient next to each node's value.
#
# When a variable is used twice, as in `x*x + sin(x)`, each use is a separate path to it.
# The chain rule adds the contributions of all paths: `x + x + cos(x)`.


# %%
def chain_rule(ch: Chapter) -> dict[str, float]:
    """Narrate the backward pass of sin(2x) and of x*x + sin(x), and draw the first."""
    section("3.2 The chain rule, one step at a time")
    from viz.explain import explain
    from viz.graphviz_render import render

    expr = tf.parse("sin(2*x)", dtype=tf.float64)
    story = explain(expr.output, "x", at={"x": 0.5})
    print("  " + str(story).replace("\n", "\n  "))
    merged = explain(tf.parse("x*x + sin(x)", dtype=tf.float64).output, "x", at={"x": 0.5})
    print(f"  x*x + sin(x): dy/dx = {merged.result['x']} = {float(merged.gradient()):.6f}")
    path = ch.path("chain_rule.svg")
    render(
        expr,
        path,
        feed_dict=expr.feed_dict({"x": 0.5}),
        grads_of=expr.output,
        gradients=False,
        title="sin(2x) at x = 0.5: values and dy/d(node)",
    )
    ch.wrote(path, "values and gradients of sin(2x), node by node")
    return {"sin2x": float(story.gradient()), "merged": float(merged.gradient())}


# %% [markdown]
# ## 3.3 A new operation: softplus
#
# `softplus(x) = log(1 + exp(x))` is a smooth cousin of ReLU. Its derivative is the
# sigmoid, `σ(x) = 1 / (1 + exp(-x))`. To teach it to the engine takes three pieces:
#
# 1. a **kernel**, which says how to compute the op's value with NumPy. `KERNELS[op_type]`
#    holds a factory: given the op (to read attributes), it returns the function of the
#    input values. `np.logaddexp(0, x)` computes `log(e⁰ + eˣ)` without overflowing;
# 2. a **rule**, registered with `@tf.RegisterGradient(op_type)`: given the op and the
#    incoming gradient, it returns one gradient per input, *built from graph ops*, so the
#    result can be differentiated again. Its docstring's first line becomes the formula;
# 3. a **builder** that adds the op to a graph: `math_ops.unary(op_type, x)`.
#
# We call the op type `MySoftplus`, so it cannot clash with a built-in. Then we let
# `check_gradients` compare the rule against finite differences: it checks the whole chain
# and every op on its own, so a wrong rule would be named in the report.


# %%
def register_softplus() -> None:
    """Teach the engine `MySoftplus`: a NumPy kernel and a derivative rule."""
    KERNELS["MySoftplus"] = lambda op: lambda x: np.logaddexp(0, x).astype(x.dtype)

    @tf.RegisterGradient("MySoftplus")
    def _softplus_rule(op, grad):
        """d softplus(x) = sigmoid(x) dx"""
        return [grad * tf.sigmoid(op.inputs[0])]


def softplus(x: Any, name: str | None = None) -> Any:
    """softplus(x) = log(1 + exp(x)), as one `MySoftplus` op."""
    return math_ops.unary("MySoftplus", x, name=name)


def new_operation(ch: Chapter) -> dict[str, Any]:
    """Register softplus, differentiate it, check the rule, draw and plot it."""
    section("3.3 A new operation: softplus")
    from autograd_lab.verify import check_gradients
    from viz.graphviz_render import render
    from viz.plots import plot_derivative

    register_softplus()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [7], name="x")
        y = tf.reduce_sum(softplus(x) * x)
        (grad,) = tf.gradients(y, x)
        points = np.linspace(-3, 3, 7)
        with tf.Session() as sess:
            got = sess.run(grad, {x: points})
    sig = 1 / (1 + np.exp(-points))
    by_hand = sig * points + np.logaddexp(0, points)
    print(f"  d/dx sum(softplus(x) * x) = {np.round(got, 5)}")
    print(f"  by hand, σ(x) x + softplus(x): {np.round(by_hand, 5)}")
    report = check_gradients(y, x, {x: points})
    print("  " + str(report).replace("\n", "\n  "))
    path = ch.path("softplus_gradient.svg")
    render(
        [y, grad],
        path,
        gradients=True,
        feed_dict={x: points},
        title="sum(softplus(x) * x) and its gradient",
    )
    ch.wrote(path, "the new op inside a gradient graph")
    plot = plot_derivative(
        softplus,
        (-6, 6),
        path=ch.path("softplus_derivative.png"),
        reference=lambda t: 1 / (1 + np.exp(-t)),
    )
    ch.wrote(plot, "softplus and its derivative, against the sigmoid")
    return {"report_ok": report.ok, "max_error": float(np.max(np.abs(got - by_hand)))}


# %% [markdown]
# ## 3.4 When a rule is wrong, the checker names it
#
# Suppose we slip and write the derivative of softplus as `exp(x)` (the derivative of the
# inside, forgetting the outside). The chain rule cannot know: it trusts the table. The
# gradient checker does not trust anything: it compares each op's rule with finite
# differences of that op alone, and names the op whose rule disagrees.


# %%
def wrong_rule() -> list[tuple[str, str]]:
    """Register a deliberately wrong softplus rule and show the checker's verdict."""
    section("3.4 When a rule is wrong, the checker names it")
    from autograd_lab.verify import check_gradients

    KERNELS["MyWrongSoftplus"] = KERNELS["MySoftplus"]

    @tf.RegisterGradient("MyWrongSoftplus")
    def _wrong_rule(op, grad):
        """d softplus(x) = exp(x) dx  (wrong on purpose)"""
        return [grad * tf.exp(op.inputs[0])]

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [5], name="x")
        y = tf.sin(math_ops.unary("MyWrongSoftplus", x, name="softplus"))
    report = check_gradients(y, x, {x: np.linspace(-2, 2, 5)})
    print("  " + str(report).replace("\n", "\n  "))
    return report.failing_ops()


# %% [markdown]
# ## Exercises
#
# **Exercise 3.1.** For `y = sin(2x)` at the point `x0` you are given, walk the chain rule
# by hand: return the list of local derivatives met on the way from `y` back to `x`
# (one number per op), whose product is `dy/dx`. The check compares the product with the
# engine's gradient.
#
# **Exercise 3.2.** Write the derivative rule of a new op, `MySoftsign`, with
# `softsign(x) = x / (1 + |x|)`. Register a kernel and a rule (your rule must build graph
# ops), build a graph that uses it, and return the `GradientReport` of `check_gradients`
# on that graph. Hint: `d softsign(x) = dx / (1 + |x|)²`.
#
# **Exercise 3.3.** `buggy_graph()` below builds `y = tanh(cube(x))` with an op type
# `MyCube` whose rule has a mistake. Run the checker on it and return the
# `(op name, op type)` pairs it blames (`report.failing_ops()`). Then, for your own
# satisfaction, find the mistake in `register_buggy_cube`.


# %%
def register_buggy_cube() -> None:
    """A cube op whose rule has a slip in it, for exercise 3.3."""
    KERNELS["MyCube"] = lambda op: lambda x: x**3

    @tf.RegisterGradient("MyCube")
    def _cube_rule(op, grad):
        """d x³ = 3x² dx"""
        x = op.inputs[0]
        return [grad * 3.0 * x]


def buggy_graph() -> tuple[Any, Any, dict[Any, np.ndarray]]:
    """`(y, x, feed_dict)` for y = tanh(cube(x)), cube's rule being wrong."""
    register_buggy_cube()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [4], name="x")
        y = tf.tanh(math_ops.unary("MyCube", x, name="cube"))
    return y, x, {x: np.array([-0.9, -0.2, 0.4, 0.8])}


def exercise_1(x0: float) -> list[float]:
    raise NotImplementedError("Exercise 3.1: the local derivatives along sin(2x)")


def exercise_2() -> Any:
    raise NotImplementedError("Exercise 3.2: register MySoftsign and check its rule")


def exercise_3() -> list[tuple[str, str]]:
    raise NotImplementedError("Exercise 3.3: let check_gradients find the wrong rule")


def check_exercise_1(answer: Sequence[float], x0: float) -> None:
    """Two local derivatives, cos(2 x0) and 2, multiplying to the engine's gradient."""
    values = [float(v) for v in answer]
    require(len(values) == 2, f"sin(2x) has two ops between y and x; got {len(values)}")
    expr = tf.parse("sin(2*x)", dtype=tf.float64)
    (grad,) = tf.gradients(expr.output, expr.inputs["x"])
    with tf.Session(graph=expr.graph) as sess:
        engine = float(sess.run(grad, expr.feed_dict({"x": x0})))
    require(np.isclose(np.prod(values), engine), f"product {np.prod(values)} != {engine}")
    require(
        np.allclose(sorted(values), sorted([np.cos(2 * x0), 2.0])),
        "one local derivative belongs to sin, the other to the multiplication by 2",
    )


def check_exercise_2(report: Any) -> None:
    """The checker passed, it checked MySoftsign on its own, and the rule gives 1/(1+|x|)²."""
    require(hasattr(report, "rows") and hasattr(report, "ok"), "return a GradientReport")
    require(report.ok, f"the checker found a problem:\n{report}")
    checked = {r.op_type for r in report.rows if r.check == "op"}
    require("MySoftsign" in checked, f"no MySoftsign op was checked (checked: {checked})")
    from autograd_lab.derivatives import lookup

    require(lookup("MySoftsign").rule is not None, "MySoftsign has no rule in the table")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [5], name="x")
        y = math_ops.unary("MySoftsign", x)
        (grad,) = tf.gradients(tf.reduce_sum(y), x)
        points = np.array([-4.0, -0.5, 0.1, 1.0, 3.0])
        with tf.Session() as sess:
            value, slope = sess.run([y, grad], {x: points})
    require(np.allclose(value, points / (1 + np.abs(points))), "the kernel is not softsign")
    require(np.allclose(slope, 1 / (1 + np.abs(points)) ** 2), f"wrong derivative: {slope}")


def check_exercise_3(answer: Sequence[tuple[str, str]]) -> None:
    """The checker blames the cube op, and only it."""
    pairs = [tuple(p) for p in answer]
    require(pairs == [("cube", "MyCube")], f"expected [('cube', 'MyCube')], got {pairs}")


# %% [markdown]
# ## Run the chapter


# %%
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run chapter 3 top to bottom; return its key results."""
    ch = parse_args(3, TITLE, argv)
    if ch is None:
        return {}
    results: dict[str, Any] = {
        "table": the_table(),
        "chain": chain_rule(ch),
        "softplus": new_operation(ch),
        "wrong": wrong_rule(),
    }
    results["exercises"] = run_exercises(
        3,
        [
            Exercise("Exercise 3.1", exercise_1, check_exercise_1, (0.5,)),
            Exercise("Exercise 3.2", exercise_2, check_exercise_2),
            Exercise("Exercise 3.3", exercise_3, check_exercise_3),
        ],
    )
    return results


if __name__ == "__main__":
    main()
