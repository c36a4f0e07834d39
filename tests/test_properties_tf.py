"""Property tests: every op of the derivative table against TensorFlow and finite differences.

For random inputs in each op's domain: forward values equal TensorFlow's; our gradients equal
`tf.GradientTape`'s and TF1 `tf.gradients`'; they agree with central finite differences (and
each rule on the way does, see `check_gradients`); second derivatives equal nested tapes'.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import NOT_DRAWN, OP_STRATEGIES, Case, expressions

import autograd_lab as al
from autograd_lab import tensorflow_bridge as bridge
from autograd_lab.derivatives import derivative_table
from autograd_lab.verify import agreement, check_gradients

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.tensorflow

# The table as the library ships it, taken when this module is collected: tests elsewhere
# (the course chapters) register their own op types, which need no strategy or lowering.
LIBRARY_TABLE = derivative_table()

# Examples per op type: a fifth of the profile's budget, so ci stays within minutes.
PER_OP = max(3, settings.default.max_examples // 5)
DTYPES = st.sampled_from([al.float32, al.float64])


def _close(name: str, ours, theirs, dtype, context: str) -> None:
    """Assert two results agree (None is a zero gradient); the message shows the case."""
    tol = agreement(dtype)
    if ours is None and theirs is None:
        return
    a = np.zeros_like(np.asarray(theirs)) if ours is None else np.asarray(ours, np.float64)
    b = np.zeros_like(a) if theirs is None else np.asarray(theirs, np.float64)
    assert a.shape == b.shape, f"{name}: shapes {a.shape} vs {b.shape}\n{context}"
    bad = ~tol.allclose(a, b)
    if bad.any():
        i = int(np.argmax(np.abs(a - b) * bad))
        raise AssertionError(
            f"{name}: autograd-lab {a.ravel()[i]!r} vs TensorFlow {b.ravel()[i]!r} at flat "
            f"index {i} (max |diff| {np.max(np.abs(a - b)):.3g}, atol {tol.atol}, "
            f"rtol {tol.rtol})\n{context}"
        )


def _run(graph, fetches, feeds):
    with al.Session(graph=graph) as sess:
        return sess.run(fetches, feeds)


def verify_case(
    case: Case, dtype, second_order: bool = True, finite_differences: bool = True
) -> None:
    """Values, gradients and second derivatives against TensorFlow; gradients against FD."""
    graph, out, phs = case.make(dtype)
    feeds, xs = case.feeds(phs), case.xs(phs)
    context = case.describe(out) + f"\n  dtype {dtype.name}"
    firsts = al.gradients(out, xs)
    live = [g for g in firsts if g is not None]
    value, got = _run(graph, [out, live], feeds)
    it = iter(got)
    ours = [None if g is None else next(it) for g in firsts]

    tape = bridge.tape_gradients(out, xs, feeds)
    _close("forward value", value, tape.values[0], dtype, context)
    for x, g, t in zip(xs, ours, tape.gradients):
        _close(f"d/d{x.op.name} by tf.GradientTape", g, t, dtype, context)
    if "tf.gradients" not in case.skip_modes:
        v1 = bridge.v1_gradients(out, xs, feeds)
        _close("forward value (tf.Session)", value, v1.values[0], dtype, context)
        for x, g, t1 in zip(xs, ours, v1.gradients):
            _close(f"d/d{x.op.name} by tf.gradients", g, t1, dtype, context)

    if finite_differences:
        # Second order too in float64: the gradient graph's own rules against differences.
        report = check_gradients(out, xs, feeds, second_order=dtype is al.float64)
        assert report.ok, f"{context}\n{report}"

    if second_order and case.second_order and live:
        seconds = al.gradients(live, xs)
        fetch = [s for s in seconds if s is not None]
        it2 = iter(_run(graph, fetch, feeds))
        ours2 = [None if s is None else next(it2) for s in seconds]
        nested = bridge.nested_tape_second_order(out, xs, feeds)
        for x, s, t in zip(xs, ours2, nested.second):
            _close(f"second derivative in {x.op.name} (nested tapes)", s, t, dtype, context)


def test_every_table_entry_has_a_strategy():
    """A differentiable op without a strategy fails; the others are drawn or listed."""
    missing = [
        e.op_type
        for e in LIBRARY_TABLE
        if e.op_type not in OP_STRATEGIES and (e.rule is not None or e.op_type not in NOT_DRAWN)
    ]
    assert not missing, f"no Hypothesis strategy in tests/strategies.py for {missing}"
    differentiable_listed = [
        e.op_type for e in LIBRARY_TABLE if e.rule is not None and e.op_type in NOT_DRAWN
    ]
    assert not differentiable_listed


@settings(max_examples=PER_OP)
@pytest.mark.parametrize("op_type", sorted(OP_STRATEGIES))
@given(data=st.data(), dtype=DTYPES)
def test_op_matches_tensorflow_and_finite_differences(op_type, data, dtype):
    case = data.draw(OP_STRATEGIES[op_type](), label=op_type)
    graph, _, _ = case.make(dtype)
    built = {op.type for op in graph.get_operations()}
    assert op_type in built, f"the strategy for {op_type} builds only {sorted(built)}"
    verify_case(case, dtype)


@settings(max_examples=max(10, settings.default.max_examples))
@given(case=expressions(), dtype=DTYPES)
def test_random_expressions_match_tensorflow_and_finite_differences(case, dtype):
    verify_case(case, dtype)


@settings(max_examples=2)
@pytest.mark.parametrize("op_type", sorted(OP_STRATEGIES))
@given(data=st.data())
def test_tf_function_tape_matches(op_type, data):
    """The same gradients from a tape traced inside tf.function (slow to trace: few cases)."""
    case = data.draw(OP_STRATEGIES[op_type](), label=op_type)
    graph, out, phs = case.make(al.float64)
    feeds, xs = case.feeds(phs), case.xs(phs)
    eager = bridge.tape_gradients(out, xs, feeds)
    traced = bridge.function_gradients(out, xs, feeds)
    context = case.describe(out)
    _close("forward value", eager.values[0], traced.values[0], al.float64, context)
    for x, a, b in zip(xs, eager.gradients, traced.gradients):
        _close(f"d/d{x.op.name}", a, b, al.float64, context)
