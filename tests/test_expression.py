"""The safe parser: formulas become graphs; anything else is an ExpressionError."""

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lab as tf
from autograd_lab import parse
from autograd_lab.errors import ExpressionError


def test_formula_becomes_a_graph_with_placeholders():
    expr = parse("sin(2*x) * exp(y)", dtype=tf.float64)
    assert list(expr.inputs) == ["x", "y"]
    assert expr.inputs["x"].op.type == "Placeholder"
    types = [op.type for op in expr.graph.get_operations()]
    assert "Sin" in types and "Exp" in types
    value = expr.evaluate({"x": 0.3, "y": -1.0})
    assert value == pytest.approx(math.sin(0.6) * math.exp(-1.0), rel=1e-12)


def test_formula_supports_powers_keywords_constants_and_comparisons():
    expr = parse("reduce_sum(x ** 2, axis=0) + pi", dtype=tf.float64, shapes={"x": [3]})
    assert expr.evaluate({"x": np.array([1.0, 2.0, 3.0])}) == pytest.approx(14 + math.pi)
    expr = parse("where(x > 0, x, -x) * e", dtype=tf.float64)
    assert expr.evaluate({"x": -2.0}) == pytest.approx(2 * math.e)


def test_gradient_of_a_parsed_formula():
    expr = parse("sin(2*x)", dtype=tf.float64)
    (g,) = tf.gradients(expr.output, expr.inputs["x"])
    assert expr.evaluate({"x": 0.5}, fetches=g) == pytest.approx(2 * math.cos(1.0))


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("__import__('os').system('true')", "only plain function names", 0),
        ("x.real", "Attribute is not allowed", 0),
        ("sin(x) + open('f')", "unknown function 'open'", 9),
        ("x[0]", "Subscript is not allowed", 0),
        ("lambda: 1", "Lambda is not allowed", 0),
        ("'text' * 2", "only numbers", 0),
        ("sin(x, axis=lambda: 0)", "keyword values", 12),
        ("sin(x", "not a formula", None),
        ("x if x else 1", "IfExp is not allowed", 0),
        ("sin", "is a function", 0),
        ("_secret + 1", "may not start with '_'", 0),
        ("", "empty", None),
        ("x +" + " x +" * 1000 + " x", "characters long", None),
        ("sin(" * 80 + "x" + ")" * 80, "nested deeper than 64", None),
    ],
)
def test_refused_input_points_at_the_culprit(text, message, column):
    with pytest.raises(ExpressionError, match=message) as info:
        parse(text)
    if column is not None:
        assert info.value.offset == column
        assert "^" in str(info.value)


def test_unknown_names_in_values_are_named():
    expr = parse("x * y")
    with pytest.raises(KeyError, match="no value given for y"):
        expr.feed_dict({"x": 1.0})
    with pytest.raises(KeyError, match="z not in"):
        expr.feed_dict({"x": 1.0, "y": 2.0, "z": 3.0})


ALPHABET = "xyz0123456789+-*/()., _=<>![]'\"abcdefghijklmnopqrstuvw@%&|^~:;{}\\\n\t"


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_random_text_raises_nothing_but_expression_error(text):
    with contextlib.suppress(ExpressionError):
        parse(text)


@given(st.text(max_size=40))
def test_random_unicode_raises_nothing_but_expression_error(text):
    with contextlib.suppress(ExpressionError):
        parse(text)


TOKENS = [
    "x",
    "y",
    "2",
    "0.5",
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    "sin(",
    "exp(",
    "log(",
    "relu(",
    "maximum(",
    ",",
    "reduce_sum(",
    "axis=0",
    "@",
    "<",
    "where(",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_soup_raises_nothing_but_expression_error(tokens):
    with contextlib.suppress(ExpressionError):
        parse(" ".join(tokens))
