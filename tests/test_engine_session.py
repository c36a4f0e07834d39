"""Sessions: feeds, fetch structures, variables, plan reuse and run-time errors."""

from collections import namedtuple

import numpy as np
import pytest

import autograd_lab as tf
from autograd_lab.errors import (
    FailedPreconditionError,
    GraphMismatchError,
    InvalidArgumentError,
    SessionClosedError,
)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_feeds_scalars_lists_and_arrays():
    a = tf.placeholder(tf.float32)
    b = tf.placeholder(tf.float32)
    adder = a + b
    with tf.Session() as sess:
        assert sess.run(adder, {a: 3, b: 4.5}) == np.float32(7.5)
        np.testing.assert_array_equal(sess.run(adder, {a: [1, 3], b: [2, 4]}), [3.0, 7.0])
        out = sess.run(adder, {a: np.ones((2, 2)), b: 1.0})
        assert out.dtype == np.float32 and out.shape == (2, 2)


def test_million_point_feed_is_vectorised():
    x = tf.placeholder(tf.float32)
    (g,) = tf.gradients(2 * x, x)
    with tf.Session() as sess:
        out = sess.run(g, {x: np.linspace(-10, 10, 1_000_000)})
        lst = sess.run(g, {x: np.linspace(-10, 10, 1_000_000).tolist()})
    assert out.shape == (1_000_000,) and out.dtype == np.float32
    assert np.all(out == 2.0) and np.all(lst == 2.0)


def test_nested_fetches_keep_their_structure():
    x = tf.placeholder(tf.float32, name="x")
    y, z = x * 2.0, x + 1.0
    Pair = namedtuple("Pair", "double inc")
    with tf.Session() as sess:
        out = sess.run({"a": [y, (z, y)], "b": Pair(y, z), "c": "mul:0"}, {x: 3.0})
    assert out["a"][0] == 6.0 and out["a"][1] == (4.0, 6.0)
    assert isinstance(out["b"], Pair) and out["b"].inc == 4.0
    assert out["c"] == 6.0


def test_only_the_needed_subgraph_runs():
    x = tf.placeholder(tf.float32)
    unused = tf.placeholder(tf.float32)
    y = x * 3.0
    _ = unused * 2.0
    with tf.Session() as sess:
        assert sess.run(y, {x: 2.0}) == 6.0  # no feed for `unused` needed


def test_plan_is_compiled_once_per_fetch_and_feed_set():
    x = tf.placeholder(tf.float32)
    y = tf.sin(x) * 2.0
    with tf.Session() as sess:
        for v in range(5):
            sess.run(y, {x: float(v)})
        sess.run([y, x], {x: 1.0})
        assert len(sess.list_plans()) == 2


def test_constants_are_folded_into_the_plan():
    x = tf.placeholder(tf.float32)
    y = x * (tf.constant(2.0) * tf.constant(3.0))
    with tf.Session() as sess:
        assert sess.run(y, {x: 1.0}) == 6.0
        (plan,) = sess.list_plans()
    assert [op.type for _, _, _, op in plan.steps] == ["Mul"]


def test_missing_feed_names_the_placeholder():
    x = tf.placeholder(tf.float32, [None, 784], name="images")
    with (
        tf.Session() as sess,
        pytest.raises(InvalidArgumentError, match="'images'.*\\[\\?,784\\]"),
    ):
        sess.run(x * 2.0)


def test_wrong_shape_fed_names_both_shapes():
    x = tf.placeholder(tf.float32, [None, 784], name="images")
    with (
        tf.Session() as sess,
        pytest.raises(InvalidArgumentError, match=r"\(3,\).*images.*784"),
    ):
        sess.run(x * 2.0, {x: [1.0, 2.0, 3.0]})


def test_wrong_dtype_fed_is_refused():
    n = tf.placeholder(tf.int32, name="count")
    with tf.Session() as sess, pytest.raises(InvalidArgumentError, match="count"):
        sess.run(n + 1, {n: 1.5})
    with tf.Session() as sess, pytest.raises(InvalidArgumentError, match="count"):
        sess.run(n + 1, {n: "three"})


def test_kernel_failure_names_the_op_and_shapes():
    a = tf.placeholder(tf.float32, name="a")
    b = tf.placeholder(tf.float32, name="b")
    c = tf.add(a, b, name="total")
    with (
        tf.Session() as sess,
        pytest.raises(InvalidArgumentError, match=r"'total'.*\[3\], \[4\]"),
    ):
        sess.run(c, {a: np.ones(3), b: np.ones(4)})


def test_fetch_from_another_graph_is_refused():
    g = tf.Graph()
    with g.as_default():
        other = tf.constant(1.0)
    with tf.Session() as sess, pytest.raises(GraphMismatchError):
        sess.run(other)


def test_closed_session_is_refused():
    sess = tf.Session()
    y = tf.constant(1.0) + 1.0
    sess.close()
    with pytest.raises(SessionClosedError):
        sess.run(y)


def test_variables_initialise_assign_and_refuse_uninitialised_use():
    v = tf.Variable([1.0, 2.0], name="v")
    doubled = v * 2.0
    add_one = v.assign_add([1.0, 1.0])
    reset = tf.assign(v, [0.0, 0.0])
    with tf.Session() as sess:
        with pytest.raises(FailedPreconditionError, match="uninitialized value v"):
            sess.run(doubled)
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(doubled), [2.0, 4.0])
        np.testing.assert_array_equal(sess.run(add_one), [2.0, 3.0])
        np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])
        sess.run(reset)
        np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])
        fetched = sess.run(v)
        fetched += 5  # the session's copy is not touched
        np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])


def test_eval_and_run_use_the_default_session():
    v = tf.Variable(3.0)
    y = v * v
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        assert y.eval() == 9.0
        assert tf.get_default_session() is sess
    with pytest.raises(ValueError, match="No default session"):
        y.eval()


def test_seeded_random_ops_repeat_across_sessions():
    tf.set_random_seed(42)
    r = tf.random_normal([3], seed=1)
    with tf.Session() as s1:
        first = s1.run(r)
        second = s1.run(r)
    with tf.Session() as s2:
        again = s2.run(r)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)
    u = tf.random_uniform([1000], -2.0, 2.0, seed=3)
    t = tf.truncated_normal([1000], stddev=0.5, seed=4)
    with tf.Session() as s:
        uv, tv = s.run([u, t])
    assert uv.min() >= -2.0 and uv.max() < 2.0
    assert np.abs(tv).max() <= 1.0


def test_interactive_session_is_default():
    sess = tf.InteractiveSession()
    try:
        assert (tf.constant(2.0) * 4.0).eval() == 8.0
    finally:
        sess.close()
    assert tf.get_default_session() is None
