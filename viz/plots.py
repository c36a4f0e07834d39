"""Plots of a function and its derivative by the engine, next to finite differences.

`plot_derivative("sin(x)")` draws sin, the derivative that `autograd_lab.gradients` builds,
the central finite-difference estimate, and cos as a reference, with the differences below.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .graphviz_render import atomic_write

__all__ = ["KNOWN_DERIVATIVES", "DerivativeCurves", "derivative_curves", "plot_derivative"]

# Reference derivatives for a few one-function formulas, by their text.
KNOWN_DERIVATIVES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "sin(x)": ("cos(x)", np.cos),
    "cos(x)": ("-sin(x)", lambda x: -np.sin(x)),
    "exp(x)": ("exp(x)", np.exp),
    "tanh(x)": ("1 - tanh(x)**2", lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid(x)": ("σ(x)(1 - σ(x))", lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s)),
    "x**2": ("2*x", lambda x: 2 * x),
    "x*x": ("2*x", lambda x: 2 * x),
    "square(x)": ("2*x", lambda x: 2 * x),
    "abs(x)": ("sign(x)", np.sign),
    "sin(2*x)": ("2*cos(2*x)", lambda x: 2 * np.cos(2 * x)),
}


@dataclass
class DerivativeCurves:
    """Sample points, the function, its derivative by the engine and by finite differences."""

    label: str
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    finite_difference: np.ndarray
    formula: str | None = None


def _build(expr_or_fn: Any) -> tuple[Any, Any, Any, str]:
    """(graph, x placeholder, y, label) of a formula text, an Expression or a callable."""
    import autograd_lab as ag

    if isinstance(expr_or_fn, str):
        probe = ag.parse(expr_or_fn)
        if len(probe.inputs) != 1:
            raise ValueError(
                f"plot_derivative needs a formula of one variable; {expr_or_fn!r} has "
                f"{len(probe.inputs)} ({', '.join(probe.inputs) or 'none'})"
            )
        (name,) = probe.inputs
        expr = ag.parse(expr_or_fn, dtype=ag.float64, shapes={name: [None]})
        return expr.graph, expr.inputs[name], expr.output, expr_or_fn
    if callable(expr_or_fn):
        graph = ag.Graph()
        with graph.as_default():
            x = ag.placeholder(ag.float64, [None], name="x")
            y = expr_or_fn(x)
        label = getattr(expr_or_fn, "__name__", "f")
        return graph, x, ag.convert_to_tensor(y, graph=graph), f"{label}(x)"
    raise TypeError(
        f"plot_derivative takes a formula string or a function of a tensor, got "
        f"{type(expr_or_fn).__name__}"
    )


def derivative_curves(
    expr_or_fn: Any,
    x_range: tuple[float, float] = (-2 * math.pi, 2 * math.pi),
    num: int = 401,
    step: float = 1e-5,
) -> DerivativeCurves:
    """Sample the function and its derivative (by the engine and by finite differences)."""
    import autograd_lab as ag
    from autograd_lab.formulas import to_text

    lo, hi = (float(v) for v in x_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be two finite numbers, low < high; got {x_range}")
    if num < 2:
        raise ValueError(f"num must be at least 2, got {num}")
    graph, x, y, label = _build(expr_or_fn)
    if y.shape.dims is not None and y.shape.rank not in (0, 1):
        raise ValueError(f"{label} must be elementwise in x (got shape {y.shape})")
    with graph.as_default():
        (dy,) = ag.gradients(ag.reduce_sum(y), x)
    if dy is None:
        raise ValueError(f"{label} does not depend on its variable: no derivative to plot")
    xs = np.linspace(lo, hi, num)
    with ag.Session(graph=graph) as sess:
        ys, dys = sess.run([y, dy], {x: xs})
        up = sess.run(y, {x: xs + step})
        down = sess.run(y, {x: xs - step})
    shape = xs.shape
    fd = (np.broadcast_to(up, shape) - np.broadcast_to(down, shape)) / (2 * step)
    return DerivativeCurves(
        label,
        xs,
        np.broadcast_to(ys, shape).copy(),
        np.broadcast_to(dys, shape).copy(),
        fd,
        to_text(dy),
    )


def plot_derivative(
    expr_or_fn: Any,
    x_range: tuple[float, float] = (-2 * math.pi, 2 * math.pi),
    path: str | os.PathLike | None = None,
    *,
    reference: Callable[[np.ndarray], np.ndarray] | str | None = "auto",
    num: int = 401,
    title: str | None = None,
) -> Path | Any:
    """Plot f, f' by the engine, the finite-difference f' and a reference; write a PNG.

    `reference` is a NumPy function of x, None, or "auto" (a known derivative such as cos
    for sin). Returns the path written, or the matplotlib Figure when no path is given.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    curves = derivative_curves(expr_or_fn, x_range, num)
    ref_label, ref_fn = None, None
    if reference == "auto":
        known = KNOWN_DERIVATIVES.get(curves.label.replace(" ", ""))
        if known is not None:
            ref_label, ref_fn = known
    elif callable(reference):
        ref_label, ref_fn = getattr(reference, "__name__", "reference"), reference
    elif reference is not None:
        raise TypeError(f"reference must be a function, None or 'auto', got {reference!r}")

    fig = Figure(figsize=(8, 6), constrained_layout=True)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot(curves.x, curves.y, color="#444444", lw=1.5, label=f"f(x) = {curves.label}")
    top.plot(
        curves.x,
        curves.dy,
        color="#1f77b4",
        lw=2.5,
        label=f"f'(x) by autograd-lab: {curves.formula}",
    )
    top.plot(
        curves.x[::8],
        curves.finite_difference[::8],
        "o",
        ms=4,
        mfc="none",
        color="#ff7f0e",
        label="finite differences (central)",
    )
    if ref_fn is not None:
        top.plot(
            curves.x,
            ref_fn(curves.x),
            "--",
            color="#2ca02c",
            lw=1.2,
            label=f"reference: {ref_label}",
        )
    top.axhline(0, color="#bbbbbb", lw=0.8)
    top.legend(loc="best", fontsize=9)
    top.set_ylabel("value")
    top.set_title(title or f"{curves.label} and its derivative")
    with np.errstate(all="ignore"):
        error = np.abs(curves.dy - curves.finite_difference)
    bottom.semilogy(
        curves.x,
        np.maximum(error, 1e-17),
        color="#ff7f0e",
        lw=1,
        label="|engine - finite differences|",
    )
    if ref_fn is not None:
        with np.errstate(all="ignore"):
            ref_error = np.abs(curves.dy - ref_fn(curves.x))
        bottom.semilogy(
            curves.x,
            np.maximum(ref_error, 1e-17),
            color="#2ca02c",
            lw=1,
            label="|engine - reference|",
        )
    bottom.set_xlabel("x")
    bottom.set_ylabel("difference")
    bottom.legend(loc="best", fontsize=8)
    if path is None:
        return fig
    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".").lower() or "png", dpi=110)
    return atomic_write(path, buffer.getvalue())
