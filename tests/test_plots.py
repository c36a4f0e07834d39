"""Plots of a function and its derivative, headless with the Agg backend."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lab as ag
from viz.plots import derivative_curves, plot_derivative


def test_curves_of_sin_match_cos() -> None:
    curves = derivative_curves("sin(x)", (-3.0, 3.0), num=61)
    assert curves.formula == "cos(x)"
    np.testing.assert_allclose(curves.dy, np.cos(curves.x), atol=1e-12)
    np.testing.assert_allclose(curves.finite_difference, np.cos(curves.x), atol=1e-8)


def test_callable_and_png(tmp_path) -> None:
    path = plot_derivative(lambda x: ag.tanh(x) * x, (-2, 2), tmp_path / "d.png", num=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = plot_derivative("sin(x)", num=50)  # no path: the Figure comes back
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "reference: cos(x)" in labels and "finite differences (central)" in labels


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="one variable"):
        derivative_curves("x*y")
    with pytest.raises(ValueError, match="x_range"):
        derivative_curves("sin(x)", (1.0, 1.0))
    with pytest.raises(TypeError, match="formula string"):
        derivative_curves(3)
    with pytest.raises(TypeError, match="reference"):
        plot_derivative("sin(x)", reference=5)
