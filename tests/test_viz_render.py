"""Graphviz pictures of graphs: DOT content, files, values, large graphs, missing `dot`."""

from __future__ import annotations

import shutil

import pytest

import autograd_lab as ag
from viz import graphviz_render as gr
from viz.graphviz_render import GraphPicture, GraphvizMissingError, gradient_group, render

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@pytest.fixture()
def sin2x():
    expr = ag.parse("sin(2*x)")
    with expr.graph.as_default():
        (g,) = ag.gradients(expr.output, expr.inputs["x"])
    return expr, g


def test_forward_dot_has_ops_and_labelled_edges(sin2x) -> None:
    expr, _ = sin2x
    dot = render(expr.output, gradients=False).source
    for node in ("Sin", "Mul", "x", "Const"):
        assert f"\t{node} [" in dot
    assert "Mul -> Sin" in dot and "x -> Mul" in dot and "Const -> Mul" in dot
    assert 'label="Mul:0\nfloat32 ?"' in dot
    assert "shape=ellipse" in dot and "shape=note" in dot  # placeholder, constant
    assert "gradients" not in dot


def test_gradient_ops_are_clustered_and_linked(sin2x) -> None:
    expr, _ = sin2x
    dot = render(expr.output).source
    assert "subgraph cluster_gradients {" in dot
    assert 'subgraph "cluster_gradients/Sin_grad" {' in dot
    assert "d sin(x) = cos(x) dx" in dot  # the rule from the table labels the cluster
    assert '"gradients/Sin_grad/Cos" -> Sin [' in dot
    assert "style=dashed" in dot and 'ltail="cluster_gradients/Sin_grad"' in dot


def test_gradients_only_shows_forward_inputs_as_ghosts(sin2x) -> None:
    _, g = sin2x
    dot = render(g, gradients="only").source
    assert "\tSin [" in dot and 'style="rounded,dashed"' in dot
    assert 'subgraph "cluster_gradients/Mul_grad" {' in dot


def test_gradient_group_names_the_forward_op() -> None:
    known = {"Sin", "layer/MatMul", "gradients/Sin_grad/Cos"}
    assert gradient_group("gradients/Sin_grad/Cos", known) == ("gradients/Sin_grad", "Sin")
    assert gradient_group("gradients/layer/MatMul_grad/MatMul", known) == (
        "gradients/layer/MatMul_grad",
        "layer/MatMul",
    )
    assert gradient_group("gradients_1/gradients/Sin_grad/Cos_grad/Neg", known) == (
        "gradients_1/gradients/Sin_grad/Cos_grad",
        "gradients/Sin_grad/Cos",
    )
    assert gradient_group("gradients/grad_ys_0", known) == ("gradients", None)
    assert gradient_group("Sin", known) is None


def test_values_and_gradients_are_written_on_nodes(sin2x) -> None:
    expr, _ = sin2x
    dot = render(
        expr.output, gradients=False, feed_dict={"x": 0.5}, grads_of=expr.output
    ).source
    assert "value = 0.841471" in dot  # sin(1)
    assert "grad = 1.0806" in dot  # 2 cos(1) at x
    assert "grad = 0.540302" in dot  # cos(1) at Mul
    arrays = render(
        ag.parse("x * 2", shapes={"x": [3]}).output, feed_dict={"x": [1.0, -2.0, 4.0]}
    ).source
    assert "value = (3,) min -4 max 8" in arrays


def test_format_value() -> None:
    assert gr.format_value(0.5) == "0.5"
    assert gr.format_value([[1.0, 3.0]]) == "(1, 2) min 1 max 3"
    assert gr.format_value(True) == "True"


def test_collapse_scopes_and_max_nodes() -> None:
    g = ag.Graph()
    with g.as_default():
        x = ag.placeholder(ag.float32, (), name="x")
        h = x
        for i in range(4):
            with ag.name_scope(f"layer{i}"):
                h = ag.tanh(h * 1.5 + 0.1)
    dot = render(h, collapse_scopes=True).source
    assert '"layer0/" [label="layer0/\n(5 ops)"' in dot
    assert '"layer0/" -> "layer1/"' in dot
    with pytest.warns(UserWarning, match="max_nodes=5"):
        small = render(h, max_nodes=5).source
    assert "more ops" in small
    nodes = [line for line in small.splitlines() if "[label=" in line and "->" not in line]
    assert len(nodes) == 6  # five ops and the "more ops" node


@needs_dot
@pytest.mark.graphviz
def test_svg_png_pdf_and_dot_files(sin2x, tmp_path) -> None:
    expr, _ = sin2x
    picture = render(expr.output, feed_dict={"x": 0.5})
    svg = picture.save(tmp_path / "g.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "Sin_grad" in svg
    assert picture.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.save(tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert picture.save(tmp_path / "g.dot").read_text() == picture.source
    bundle = picture._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and bundle["text/plain"] == picture.source
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_dot_writes_dot_file_and_explains(sin2x, tmp_path, monkeypatch) -> None:
    expr, _ = sin2x
    monkeypatch.setattr(gr.shutil, "which", lambda name: None)
    picture = render(expr.output)
    with pytest.raises(GraphvizMissingError, match="apt-get install graphviz") as info:
        picture.save(tmp_path / "g.png")
    assert "brew install graphviz" in str(info.value) and "conda" in str(info.value)
    assert (tmp_path / "g.dot").read_text() == picture.source
    assert not (tmp_path / "g.png").exists()
    assert picture._repr_svg_() is None
    assert "image/svg+xml" not in picture._repr_mimebundle_()
    assert picture.source.startswith("digraph")  # DOT still works


def test_missing_executable_from_graphviz_is_translated(sin2x, monkeypatch) -> None:
    import graphviz

    expr, _ = sin2x
    picture = render(expr.output)

    def boom(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot",))

    monkeypatch.setattr(picture.digraph, "pipe", boom)
    with pytest.raises(GraphvizMissingError, match="Install Graphviz"):
        picture.pipe("svg")


def test_bad_input_errors(sin2x) -> None:
    expr, _ = sin2x
    with pytest.raises(TypeError, match="render\\(\\) draws"):
        render(42)
    with pytest.raises(ValueError, match="nothing to draw"):
        render([None])
    with pytest.raises(ValueError, match="gradients must be"):
        render(expr.output, gradients="sometimes")
    with pytest.raises(ValueError, match="max_nodes"):
        render(expr.output, max_nodes=0)


def test_whole_graph_and_expression_targets(sin2x) -> None:
    expr, _ = sin2x
    assert isinstance(render(expr), GraphPicture)
    assert "gradients/Mul_grad" in render(expr.graph).source


def test_atomic_write_keeps_normal_permissions(tmp_path) -> None:
    path = gr.atomic_write(tmp_path / "a" / "b.txt", "hello")
    assert path.read_text() == "hello"
    assert path.stat().st_mode & 0o044  # readable by others, like a plain open()


@pytest.mark.tensorflow
@needs_dot
def test_tensorflow_side_by_side(tmp_path) -> None:
    from viz.tensorflow_graphs import render_tf, side_by_side

    picture = side_by_side("sin(2*x)", tmp_path / "sbs.svg", at={"x": 0.5})
    dot = picture.source
    assert "cluster_ag_" in dot and "cluster_tf_" in dot
    assert "tf_gradients/Sin_grad/Cos" in dot and "ag_gradients/Sin_grad/Cos" in dot
    assert dot.count("value = 1.0806") >= 2  # both engines reach 2 cos(1)
    assert (tmp_path / "sbs.svg").stat().st_size > 1000

    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def f(x):
        return tf.sin(2.0 * x)

    tf_dot = render_tf(f).source
    assert "Sin" in tf_dot and "Placeholder" in tf_dot


@pytest.mark.tensorflow
def test_cli_renders_a_saved_tensorflow_graphdef(tmp_path):
    import tensorflow as tf

    from autograd_lab.cli import main

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, name="x")
        y = tf.sin(2.0 * x, name="y")
        tf.compat.v1.gradients(y, x)
    tf.io.write_graph(graph.as_graph_def(), str(tmp_path), "sin.pbtxt", as_text=True)
    tf.io.write_graph(graph.as_graph_def(), str(tmp_path), "sin.pb", as_text=False)
    for name in ("sin.pbtxt", "sin.pb"):
        out = tmp_path / f"{name}.dot"
        assert main(["render", "--graphdef", str(tmp_path / name), "-o", str(out)]) == 0
        dot = out.read_text()
        assert "Sin" in dot and "gradients" in dot
    (tmp_path / "bad.pb").write_bytes(b"not a graph")
    assert main(["render", "--graphdef", str(tmp_path / "bad.pb"), "-o", str(out)]) != 0
    assert main(["render", "-o", str(out)]) != 0
