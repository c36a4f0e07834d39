"""Finite-difference checks: whole chains, every rule on its own, and wrong rules named."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd_lab as al
from autograd_lab import derivatives
from autograd_lab import math_ops as M
from autograd_lab.derivatives import Entry
from autograd_lab.verify import (
    check_gradients,
    check_op,
    clone_graph,
    finite_difference,
    numeric_gradient,
)
from autograd_lab.verify.tolerances import AGREEMENT, FINITE_DIFFERENCE, agreement


def _replace_rule(monkeypatch, op_type, rule):
    """Swap one entry of the derivative table for the duration of a test."""
    old = derivatives._TABLE[op_type]
    monkeypatch.setitem(
        derivatives._TABLE, op_type, Entry(op_type, rule, old.tf_op, "deliberately wrong")
    )


def test_import_does_not_import_tensorflow():
    code = (
        "import sys, autograd_lab, autograd_lab.verify, autograd_lab.tensorflow_bridge, "
        "autograd_lab.verify.cli; print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# ---- cloning --------------------------------------------------------------------------
def test_clone_graph_changes_float_dtypes_and_keeps_names():
    g = al.Graph()
    with g.as_default():
        x = al.placeholder(al.float32, (2,), name="x")
        n = al.placeholder(al.int32, (), name="n")
        y = al.sin(x) * al.cast(n, al.float32) + 0.1
    clone, mapping = clone_graph([y], al.float64)
    assert clone is not g
    assert mapping[y].dtype is al.float64
    assert mapping[x].dtype is al.float64 and mapping[x].op.name == "x"
    assert mapping[n].dtype is al.int32
    assert {op.name for op in clone.get_operations()} == {op.name for op in g.get_operations()}
    const = [op for op in clone.get_operations() if op.type == "Const"][0]
    assert const.attrs["value"].dtype == np.float64
    cast = [op for op in clone.get_operations() if op.type == "Cast"][0]
    assert cast.attrs["DstT"] is al.float64
    with al.Session(graph=clone) as sess:
        got = sess.run(mapping[y], {mapping[x]: [0.5, 1.0], mapping[n]: 3})
    # The constant keeps the value it had in float32; the arithmetic is now float64.
    np.testing.assert_allclose(got, np.sin([0.5, 1.0]) * 3 + float(np.float32(0.1)), rtol=1e-15)


def test_clone_graph_turns_variables_into_placeholders():
    g = al.Graph()
    with g.as_default():
        w = al.Variable([1.0, 2.0], name="w")
        y = al.reduce_sum(w * w)
    clone, mapping = clone_graph([y])
    assert mapping[w._as_tensor()].op.type == "Placeholder"
    assert mapping[w._as_tensor()].op.name == "w"


def test_clone_graph_refuses_random_ops_and_int_dtype():
    g = al.Graph()
    with g.as_default():
        y = al.random_normal((2,)) * 2.0
    with pytest.raises(ValueError, match="random op"):
        clone_graph([y])
    with pytest.raises(ValueError, match="float dtype"):
        clone_graph([y], al.int32)


# ---- whole checks ---------------------------------------------------------------------
def test_check_expression_passes_with_full_jacobian_and_op_rows():
    e = al.parse("sin(2*x) * exp(y) + reduce_sum(z * z) / x", shapes={"z": (3,)})
    report = check_gradients(e, at={"x": 0.3, "y": 2.0, "z": [1.0, -2.0, 3.0]})
    assert report.ok, str(report)
    assert report.dtype == "float64"
    chain = [r for r in report.rows if r.check == "jacobian"]
    assert [r.target for r in chain] == ["x", "y", "z"]
    op_types = {r.op_type for r in report.rows if r.check == "op"}
    assert {"Sin", "Exp", "Mul", "Sum", "RealDiv", "AddV2"} <= op_types
    assert report.failures == []
    assert "PASS" in str(report)
    assert report.to_dict()["ok"] is True


def test_large_inputs_use_random_directions():
    e = al.parse("reduce_sum(tanh(x) * x)", shapes={"x": (10, 10)})
    x = np.linspace(-1, 1, 100).reshape(10, 10)
    report = check_gradients(e, at={"x": x})
    assert report.ok, str(report)
    assert [r.check for r in report.rows if r.op_name is None] == ["directions"]


def test_second_order_checks_the_gradient_graph():
    e = al.parse("x * log(y) + sigmoid(x * y)")
    report = check_gradients(e, at={"x": 0.3, "y": 2.0}, second_order=True)
    assert report.ok, str(report)
    second = [r for r in report.rows if r.order == 2]
    assert any(r.check == "jacobian" for r in second)
    # The rules of the gradient's own ops (e.g. the RealDiv that Log's rule builds) ran.
    assert any(r.op_name and r.op_name.startswith("gradients") for r in second)


def test_checks_in_float32_use_float32_tolerances():
    e = al.parse("exp(x) * cos(x)", dtype=al.float32)
    report = check_gradients(e, at={"x": 0.7}, dtype=None)
    assert report.ok, str(report)
    assert report.dtype == "float32"
    assert report.tolerance == FINITE_DIFFERENCE["float32"]


def test_stop_gradient_is_held_constant_by_finite_differences():
    e = al.parse("x * stop_gradient(x * y)")
    report = check_gradients(e, at={"x": 1.5, "y": 0.5})
    assert report.ok, str(report)


def test_check_with_tensors_feed_dict_and_variables():
    g = al.Graph()
    with g.as_default():
        x = al.placeholder(al.float32, (3,), name="x")
        w = al.Variable(np.ones(3, np.float32), name="w")
        y = al.reduce_sum(al.square(x * w) - w)
    report = check_gradients(y, [x, w], {x: [1.0, 2.0, 3.0]}, variables={w: [0.5, -1.0, 2.0]})
    assert report.ok, str(report)
    assert [r.target for r in report.rows if r.check == "jacobian"] == ["x", "w"]


def test_unconnected_input_has_zero_gradient_row():
    e = al.parse("x * x + 0 * y")
    report = check_gradients(e, ["x"], at={"x": 2.0, "y": 1.0})
    assert report.ok
    assert [r.target for r in report.rows if r.check == "jacobian"] == ["x"]


def test_bad_arguments_give_clear_errors():
    e = al.parse("x * y")
    with pytest.raises(KeyError, match="no value given for y"):
        check_gradients(e, at={"x": 1.0})
    g = al.Graph()
    with g.as_default():
        n = al.placeholder(al.int32, (), name="n")
        y = al.cast(n, al.float32) * 2.0
    with pytest.raises(ValueError, match="gradients need floats"):
        check_gradients(y, [n], {n: 3})
    with pytest.raises(ValueError, match="static shape"):
        check_gradients(al.parse("x * y", shapes={"x": (3,)}), at={"x": [1.0, 2.0], "y": 1.0})


# ---- wrong rules are caught and named -------------------------------------------------
def test_broken_sin_rule_is_caught_and_named(monkeypatch):
    _replace_rule(monkeypatch, "Sin", lambda op, grad: [M.multiply(grad, M.sin(op.inputs[0]))])
    e = al.parse("sin(2*x) * exp(x)")
    report = check_gradients(e, at={"x": 0.3})
    assert not report.ok
    assert report.failing_ops() == [("Sin", "Sin")]
    chain = [r for r in report.failures if r.check == "jacobian"]
    assert chain and chain[0].target == "x"
    row = [r for r in report.failures if r.check == "op"][0]
    assert row.op_type == "Sin" and row.input_index == 0 and row.max_rel_error > 0.1
    # The message gives the input value at which the rule is wrong: sin's input is 2x.
    assert "0.6" in row.where
    text = str(report)
    assert "FAIL" in text and "wrong derivative rule: op 'Sin' of type Sin" in text


def test_broken_rule_used_only_by_the_gradient_is_caught_at_second_order(monkeypatch):
    # d sin = cos dx builds a Cos op; a wrong Cos rule only shows in the second derivative.
    _replace_rule(monkeypatch, "Cos", lambda op, grad: [M.multiply(grad, M.sin(op.inputs[0]))])
    e = al.parse("sin(x) * y")
    first = check_gradients(e, at={"x": 0.4, "y": 1.5})
    assert first.ok, str(first)
    second = check_gradients(e, at={"x": 0.4, "y": 1.5}, second_order=True)
    assert not second.ok
    assert [t for _, t in second.failing_ops()] == ["Cos"]


def test_broken_rule_of_one_input_names_that_input(monkeypatch):
    def mul_rule(op, grad):
        x, y = op.inputs
        return [M.multiply(grad, y), M.multiply(grad, y)]  # dy should be grad * x

    _replace_rule(monkeypatch, "Mul", mul_rule)
    g = al.Graph()
    with g.as_default():
        a = al.placeholder(al.float64, (2,), name="a")
        b = al.placeholder(al.float64, (2,), name="b")
        y = al.reduce_sum(al.multiply(a, b, name="product"))
    report = check_gradients(y, [a, b], {a: [1.0, 2.0], b: [3.0, -4.0]})
    bad = [(r.op_name, r.input_index, r.target) for r in report.failures if r.check == "op"]
    assert bad == [("product", 1, "b")]


def test_rule_returning_a_wrong_shape_is_reported(monkeypatch):
    _replace_rule(monkeypatch, "Exp", lambda op, grad: [M.reduce_sum(grad)])
    g = al.Graph()
    with g.as_default():
        x = al.placeholder(al.float64, (3,), name="x")
        y = al.exp(x)
    rows = check_op(
        y.op,
        [np.array([0.1, 0.2, 0.3])],
        finite_difference("float64"),
        np.random.default_rng(0),
    )
    assert len(rows) == 1 and not rows[0].ok
    assert "shape ()" in rows[0].where and "(3,)" in rows[0].where


# ---- pieces ---------------------------------------------------------------------------
def test_check_op_on_a_matmul_with_transposes():
    g = al.Graph()
    with g.as_default():
        a = al.placeholder(al.float64, (3, 2))
        b = al.placeholder(al.float64, (4, 3))
        y = al.matmul(a, b, transpose_a=True, transpose_b=True)
    rng = np.random.default_rng(1)
    rows = check_op(
        y.op,
        [rng.standard_normal((3, 2)), rng.standard_normal((4, 3))],
        finite_difference("float64"),
        rng,
    )
    assert [r.input_index for r in rows] == [0, 1]
    assert all(r.ok for r in rows), rows


def test_numeric_gradient_matches_the_analytic_one():
    e = al.parse("sin(2*x) * exp(x)")
    (g,) = numeric_gradient([e.output], [e.inputs["x"]], {e.inputs["x"]: 0.3})
    exact = 2 * np.cos(0.6) * np.exp(0.3) + np.sin(0.6) * np.exp(0.3)
    assert abs(float(g) - exact) < 1e-9


def test_tolerances_are_defined_per_dtype_with_reasons():
    for table in (FINITE_DIFFERENCE, AGREEMENT):
        assert set(table) == {"float16", "float32", "float64"}
        assert all(t.reason for t in table.values())
    assert finite_difference(al.float64).step == 2.0**-17
    assert agreement(np.float32).rtol > agreement("float64").rtol
    with pytest.raises(ValueError, match="floating dtypes only"):
        finite_difference("int32")
    tol = finite_difference("float64")
    assert tol.allclose([1.0, 2.0], [1.0 + 1e-7, 2.0]).all()
    assert not tol.allclose([1.0], [1.1]).any()


def test_rule_that_raises_is_reported_not_crashed(monkeypatch):
    def broken(op, grad):
        raise RuntimeError("this rule is broken")

    _replace_rule(monkeypatch, "Tanh", broken)
    e = al.parse("tanh(x) * x")
    report = check_gradients(e, at={"x": 0.5}, second_order=True)
    assert not report.ok
    assert report.failing_ops() == [("Tanh", "Tanh")]
    assert any("this rule is broken" in r.where for r in report.failures)
