"""The chain rule step by step: numbers, fan-out sums, Markdown, playback, command line."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

import autograd_lab as ag
from autograd_lab.cli import main
from viz.cli import parse_at
from viz.explain import backward_values, explain

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def test_sin_2x_at_half_gives_2_cos_1() -> None:
    expr = ag.parse("sin(2*x)")
    before = len(expr.graph.get_operations())
    result = explain(expr.output, "x", at={"x": 0.5})
    assert [s.op_type for s in result.steps] == ["Sin", "Mul", "Placeholder"]
    sin, mul, x = result.steps
    assert sin.rule == "d sin(x) = cos(x) dx"
    assert sin.grad_in == "1" and float(sin.grad_in_value) == 1.0
    assert sin.inputs[0].local == "cos(2*x)"
    assert float(sin.inputs[0].local_value) == pytest.approx(math.cos(1.0), rel=1e-6)
    assert mul.inputs[0].input_name == "x" and mul.inputs[0].local == "2"
    assert float(mul.inputs[0].product_value) == pytest.approx(2 * math.cos(1.0), rel=1e-6)
    assert x.is_target and x.grad_in == "2*cos(2*x)"
    assert float(result.gradient("x")) == pytest.approx(2 * math.cos(1.0), rel=1e-6)
    assert result.result == {"x": "2*cos(2*x)"}
    assert len(expr.graph.get_operations()) == before  # the user's graph is untouched
    text = str(result)
    assert "d sin(x) = cos(x) dx" in text and "1.0806" in text and "0.5403" in text


def test_fan_out_gradients_are_summed() -> None:
    expr = ag.parse("x*x + y*x")
    result = explain(expr.output, ["x", "y"], at={"x": 3.0, "y": 2.0})
    x_step = next(s for s in result.steps if s.op_name == "x")
    assert x_step.summed and len(x_step.partials) == 3
    assert sorted(float(v) for v in x_step.partial_values) == [2.0, 3.0, 3.0]
    assert float(result.gradient("x")) == 8.0 and float(result.gradient("y")) == 3.0
    assert "sum of 3 paths" in str(result)


def test_without_a_point_only_formulas() -> None:
    expr = ag.parse("exp(x) * x")
    result = explain(expr.output, expr.inputs["x"])
    assert all(s.grad_in_value is None for s in result.steps)
    assert result.result["x"] in ("x*exp(x) + exp(x)", "exp(x)*x + exp(x)", "exp(x) + x*exp(x)")


def test_markdown_table() -> None:
    expr = ag.parse("sin(2*x)")
    md = explain(expr.output, "x", at={"x": 0.5}).to_markdown()
    assert "| step | op | rule | gradient in | local derivative | product |" in md
    assert "| 1 | Sin `Sin` | `d sin(x) = cos(x) dx` |" in md
    assert "**dSin/dx = `2*cos(2*x)`** = 1.0806046" in md


def test_bad_arguments() -> None:
    expr = ag.parse("x * y")
    with pytest.raises(KeyError, match="no tensor named 'z'"):
        explain(expr.output, "z")
    other = ag.parse("x + 1")
    with pytest.raises(ValueError, match="not in the graph"):
        explain(expr.output, other.inputs["x"])
    with pytest.raises(TypeError, match="needs a tensor"):
        explain(3.0, "x")


def test_backward_values_for_every_tensor() -> None:
    expr = ag.parse("sin(2*x)")
    grads = backward_values(expr.output, {"x": 0.5})
    assert grads["Sin:0"] == 1.0
    assert np.isclose(grads["Mul:0"], math.cos(1.0))
    assert np.isclose(grads["x:0"], 2 * math.cos(1.0))


def test_variables_take_values_from_the_session() -> None:
    g = ag.Graph()
    with g.as_default():
        w = ag.Variable(3.0, name="w")
        x = ag.placeholder(ag.float32, (), name="x")
        y = ag.square(w * x)
        with ag.Session() as sess:
            sess.run(ag.global_variables_initializer())
            result = explain(y, "w", at={"x": 2.0}, session=sess)
    assert float(result.gradient("w")) == pytest.approx(2 * 3.0 * 2.0 * 2.0)


@needs_dot
@pytest.mark.graphviz
def test_playback_html_and_gif(tmp_path) -> None:
    from PIL import Image

    from viz.playback import frames, playback

    expr = ag.parse("sin(2*x)")
    result = playback(
        expr.output,
        "x",
        at={"x": 0.5},
        html_path=tmp_path / "p.html",
        gif_path=tmp_path / "p.gif",
    )
    pictures = frames(result)
    assert len(pictures) == len(result.steps) + 1
    assert "penwidth=3" in pictures[2][0].source  # the active op is highlighted
    page = (tmp_path / "p.html").read_text()
    assert page.count('<div class="frame"') == 4 and page.count("<svg") == 4
    assert "<?xml" not in page and 'id="next"' in page and "<script>" in page
    with Image.open(tmp_path / "p.gif") as gif:
        assert gif.n_frames == 4


def test_parse_at() -> None:
    assert parse_at(["x=0.5", "y=[1, 2]"]) == {"x": 0.5, "y": [1, 2]}
    assert parse_at(["x=0.5,y=[1, 2.5]"]) == {"x": 0.5, "y": [1, 2.5]}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_at(["0.5"])
    with pytest.raises(ValueError, match="not a number"):
        parse_at(["x=__import__('os')"])
    with pytest.raises(ValueError, match="expected a number"):
        parse_at(["x='a'"])


def test_cli_explain(capsys, tmp_path) -> None:
    assert main(["explain", "sin(2*x)", "--wrt", "x", "--at", "x=0.5"]) == 0
    out = capsys.readouterr().out
    assert "dSin/dx = 2*cos(2*x) = 1.0806046" in out
    assert main(["explain", "x*y", "--at", "x=1"]) == 2
    assert "no value given for y" in capsys.readouterr().err
    assert main(["explain", "sin(2*x", "--at", "x=1"]) == 2
    assert "never closed" in capsys.readouterr().err


@needs_dot
@pytest.mark.graphviz
def test_cli_render_and_html(capsys, tmp_path) -> None:
    svg = tmp_path / "graph.svg"
    assert main(["render", "sin(2*x)", "-o", str(svg), "--gradients", "--at", "x=0.5"]) == 0
    text = svg.read_text()
    assert "Sin_grad" in text and "1.0806" in text
    html = tmp_path / "out.html"
    assert main(["explain", "sin(2*x)", "--at", "x=0.5", "--html", str(html)]) == 0
    assert html.stat().st_size > 1000
    assert (
        main(["render", "sin(2*x)", "-o", str(tmp_path / "g.svg"), "--wrt", "q", "--gradients"])
        == 2
    )
    assert "q not in" in capsys.readouterr().err
