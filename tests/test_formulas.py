"""Readable formulas of graph tensors, checked against SymPy's derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lab as ag
from autograd_lab.formulas import to_latex, to_text

sympy = pytest.importorskip("sympy")


def _grad(text: str, wrt: str = "x"):
    expr = ag.parse(text)
    with expr.graph.as_default():
        (g,) = ag.gradients(expr.output, expr.inputs[wrt])
    return expr, g


def test_sin_2x_gradient_reads_2_cos_2x() -> None:
    _, g = _grad("sin(2*x)")
    assert to_text(g) in ("2*cos(2*x)", "cos(2*x)*2")
    assert to_latex(g) == r"2 \cdot \cos\left(2 \cdot x\right)"


def test_trivial_parts_are_dropped() -> None:
    expr = ag.parse("identity(x) * 1 + 0")
    assert to_text(expr.output) == "x"
    _, g = _grad("x * 3 * 2")
    assert to_text(g) == "6"
    _, g = _grad("x / 4")
    assert to_text(g) == "0.25"


def test_forward_formulas_and_precedence() -> None:
    assert to_text(ag.parse("(x + y) * (x - y)").output) == "(x + y)*(x - y)"
    assert to_text(ag.parse("x - (y - x)").output) == "x - (y - x)"
    assert to_text(ag.parse("(-x) ** 2").output) == "(-x)**2"
    assert to_text(ag.parse("x / (y * x)").output) == "x/(y*x)"
    assert to_text(ag.parse("reduce_sum(x * x, axis=0)").output) == "sum(x*x, axis=(0,))"
    assert to_latex(ag.parse("sqrt(x) / exp(y)").output) == r"\frac{\sqrt{x}}{e^{y}}"


def test_unknown_ops_print_as_calls() -> None:
    g = ag.Graph()
    with g.as_default():
        x = ag.placeholder(ag.float32, (), name="x")
        odd = g.create_op(
            "MysteryOp", (x,), name=None, default_name="MysteryOp", dtype=ag.float32, shape=()
        ).outputs[0]
    assert to_text(odd * 2.0) == "2*MysteryOp(x)"


def test_none_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no path"):
        to_text(None)


# ---- against SymPy ---------------------------------------------------------------------
_UNARY = ["sin", "cos", "exp", "tanh", "sigmoid", "square", "log_abs", "sqrt_sq", "neg"]
_BINARY = ["+", "-", "*", "/", "**"]


@st.composite
def formulas(draw, depth: int = 3) -> str:
    """Random smooth formulas of x and y, safe to evaluate on the test points."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["x", "y", "c"]))
        if leaf == "c":
            return repr(draw(st.sampled_from([0.5, 1.5, 2.0, 3.0, -1.25])))
        return leaf
    if draw(st.booleans()):
        fn = draw(st.sampled_from(_UNARY))
        inner = draw(formulas(depth - 1))
        if fn == "log_abs":
            return f"log(1 + {inner}*{inner})"
        if fn == "sqrt_sq":
            return f"sqrt(2 + square({inner}))"
        if fn == "neg":
            return f"-({inner})"
        if fn == "exp":
            return f"exp(tanh({inner}))"
        return f"{fn}({inner})"
    op = draw(st.sampled_from(_BINARY))
    left, right = draw(formulas(depth - 1)), draw(formulas(depth - 1))
    if op == "/":
        return f"({left}) / (1.5 + sin({right}))"
    if op == "**":
        return f"(2 + tanh({left})) ** {draw(st.sampled_from(['2', '3', '0.5']))}"
    return f"({left}) {op} ({right})"


_SYMPY_NAMES = {
    "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
    "square": lambda z: z**2,
    "tanh": sympy.tanh,
    "abs": sympy.Abs,
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas(), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5), st.sampled_from(["x", "y"]))
def test_gradient_formula_matches_sympy(text: str, x0: float, y0: float, wrt: str) -> None:
    expr = ag.parse(text, dtype=ag.float64)
    if wrt not in expr.inputs:
        return
    with expr.graph.as_default():
        (g,) = ag.gradients(expr.output, expr.inputs[wrt])
    ours = to_text(g)
    x, y = sympy.symbols("x y")
    reference = sympy.diff(sympy.sympify(text, locals={**_SYMPY_NAMES}), {"x": x, "y": y}[wrt])
    parsed = sympy.sympify(ours, locals={**_SYMPY_NAMES, "x": x, "y": y})
    point = {x: x0, y: y0}
    want = complex(reference.evalf(subs=point))
    got = complex(parsed.evalf(subs=point))
    assert math.isclose(got.real, want.real, rel_tol=1e-6, abs_tol=1e-6), (text, ours)
    # The formula also agrees with what the engine computes.
    feed = {k: v for k, v in {"x": x0, "y": y0}.items() if k in expr.inputs}
    value = expr.evaluate(feed, g)
    assert np.isclose(float(value), want.real, rtol=1e-6, atol=1e-6), (text, ours)
