"""The comparison report and the `compare` / `check` command lines."""

from __future__ import annotations

import argparse
import io
import json

import numpy as np
import pytest

import autograd_lab as al
from autograd_lab import derivatives
from autograd_lab import math_ops as M
from autograd_lab import tensorflow_bridge as bridge
from autograd_lab.derivatives import Entry
from autograd_lab.verify import cli as verify_cli
from autograd_lab.verify import compare
from autograd_lab.verify.compare import COLUMNS

EXACT = 2 * np.cos(0.6) * np.exp(0.3) + np.sin(0.6) * np.exp(0.3)  # d/dx sin(2x) e^x at 0.3


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="autograd-lab")
    verify_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def _console():
    from rich.console import Console

    return Console(file=io.StringIO(), width=200, color_system=None)


@pytest.fixture
def no_tensorflow(monkeypatch):
    """Make the bridge behave as if TensorFlow were not installed."""

    def refuse():
        raise ImportError("TensorFlow is not importable (pretend); install it")

    monkeypatch.setattr(bridge, "import_tensorflow", refuse)


# ---- --at parsing ---------------------------------------------------------------------
def test_parse_at_reads_numbers_and_lists():
    assert verify_cli.parse_at("x=0.3,y=2") == {"x": 0.3, "y": 2}
    assert verify_cli.parse_at("x=[1, 2,3], y=[[1,2],[3,4]]") == {
        "x": [1, 2, 3],
        "y": [[1, 2], [3, 4]],
    }
    assert verify_cli.parse_at("x=-1e-3") == {"x": -1e-3}


@pytest.mark.parametrize(
    "text, message",
    [
        ("x", "NAME=VALUE"),
        ("=3", "NAME=VALUE"),
        ("1x=3", "not a valid input name"),
        ("x=__import__('os')", "number or a list of numbers"),
        ("x='a'", "number or a list of numbers"),
        ("x=True", "number or a list of numbers"),
        ("x=[]", "number or a list of numbers"),
        ("x=[1,2", "unbalanced"),
        ("x=1,x=2", "given twice"),
    ],
)
def test_parse_at_refuses_anything_else(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        verify_cli.parse_at(text)


# ---- the report without TensorFlow ----------------------------------------------------
def test_compare_without_tensorflow_marks_columns_unavailable(no_tensorflow):
    report = compare("sin(2*x) * exp(x)", at={"x": 0.3})
    assert report.tensorflow and "pretend" in report.tensorflow
    (row,) = report.rows
    assert set(row.unavailable) == {"tf.GradientTape", "tf.gradients", "tf.function tape"}
    assert abs(float(row.gradients["autograd-lab"]) - EXACT) < 1e-12
    assert abs(float(row.gradients["finite differences"]) - EXACT) < 1e-9
    assert report.ok and report.ops_added["tf.gradients"] is None
    console = _console()
    report.render(console)
    text = console.file.getvalue()
    assert "unavailable" in text and "pretend" in text and "PASS" in text


def test_check_command_needs_no_tensorflow(no_tensorflow, capsys):
    assert _main(["check", "x * log(y)", "--at", "x=0.3,y=2", "--second-order"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "Log (Log)" in out


def test_check_command_fails_and_names_a_broken_rule(monkeypatch, capsys):
    old = derivatives._TABLE["Sin"]
    monkeypatch.setitem(
        derivatives._TABLE,
        "Sin",
        Entry(
            "Sin", lambda op, grad: [M.multiply(grad, M.sin(op.inputs[0]))], old.tf_op, "wrong"
        ),
    )
    assert _main(["check", "sin(2*x) * exp(x)", "--at", "x=0.3"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "op 'Sin' of type Sin" in out


def test_check_command_with_lists_and_json(capsys):
    assert (
        _main(
            [
                "check",
                "reduce_sum(x * x) * y",
                "--at",
                "x=[1,2,3]",
                "--at",
                "y=2",
                "--wrt",
                "x",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert [r["target"] for r in data["rows"] if r["check"] == "jacobian"] == ["x"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "x * y", "--at", "x=1"], "no value given for y"),
        (["check", "x * 2", "--at", "x=1,z=2"], "z not in the formula"),
        (["check", "x * 2", "--at", "x=1", "--wrt", "q"], "does not use"),
        (["check", "x +* 2", "--at", "x=1"], "not a formula"),
        (["check", "x * 2", "--at", "x=1", "--at", "x=2"], "given twice"),
    ],
)
def test_command_errors_exit_2_with_a_message(argv, message, capsys):
    assert _main(argv) == 2
    assert message in capsys.readouterr().err


# ---- with TensorFlow ------------------------------------------------------------------
@pytest.mark.tensorflow
def test_compare_reports_every_method():
    pytest.importorskip("tensorflow")
    report = compare("sin(2*x) * exp(x)", at={"x": 0.3})
    assert report.ok and report.tensorflow is None
    (row,) = report.rows
    for col in COLUMNS:
        assert abs(float(row.gradients[col]) - EXACT) < 1e-8, col
    assert set(row.errors) == set(COLUMNS) - {"autograd-lab"}
    assert isinstance(report.ops_added["autograd-lab"], int)
    assert isinstance(report.ops_added["tf.gradients"], int)
    records = report.to_records()
    assert records[0]["input"] == "x" and records[0]["ok"] is True
    assert {"abs error tf.GradientTape", "rel error finite differences"} <= set(records[0])
    json.dumps(report.to_dict())
    console = _console()
    report.render(console)
    text = console.file.getvalue()
    for header in ("GradientTape", "tf.gradients", "tf.function", "finite diff."):
        assert header in text
    assert "2.9903607" in text and "ops added by the gradient" in text


@pytest.mark.tensorflow
def test_compare_tensors_with_arrays_and_wrt():
    pytest.importorskip("tensorflow")
    g = al.Graph()
    with g.as_default():
        x = al.placeholder(al.float32, (2, 2), name="x")
        b = al.placeholder(al.float32, (2,), name="b")
        y = al.reduce_sum(al.tanh(al.matmul(x, x) + b))
    at = {x: [[0.1, 0.2], [0.3, -0.4]], b: [0.5, -0.5]}
    report = compare(y, at=at, wrt=[b])
    assert [r.name for r in report.rows] == ["b"]
    assert report.dtype == "float32" and report.ok, str(report)
    assert len(g.get_operations()) == 6  # the caller's graph did not grow


@pytest.mark.tensorflow
def test_compare_command_prints_the_table(capsys):
    pytest.importorskip("tensorflow")
    from autograd_lab.cli import main

    assert main(["compare", "sin(2*x) * exp(x)", "--at", "x=0.3"]) == 0
    out = capsys.readouterr().out
    assert "GradientTape" in out and "2.9903607" in out and "PASS" in out
    assert _main(["compare", "x * y", "--at", "x=[1,2],y=3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0]["autograd-lab"] == [3.0, 3.0]
