"""The chain rule: each table entry against central differences, broadcasting, higher order,
unconnected inputs, and a chain of 100,000 ops."""

import numpy as np
import pytest

import autograd_lab as tf
from autograd_lab.derivatives import derivative_table
from autograd_lab.shapes import TensorShape
from autograd_lab.verify.tolerances import finite_difference

rng = np.random.default_rng(1)
TOL = finite_difference("float64")
RTOL, ATOL, EPS = TOL.rtol, TOL.atol, TOL.step


def numeric_vjp(fn, values, weights):
    """d/dv sum(weights * fn(values)) by central differences, for each value."""
    grads = []
    for k, v in enumerate(values):
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus = [u.copy() for u in values]
            minus = [u.copy() for u in values]
            plus[k][idx] += EPS
            minus[k][idx] -= EPS
            g[idx] = np.sum(weights * (fn(*plus) - fn(*minus))) / (2 * EPS)
        grads.append(g)
    return grads


def check(build, *values):
    """Our gradients of sum(w * build(...)) against central differences, w random."""
    tf.reset_default_graph()
    values = [np.asarray(v, dtype=np.float64) for v in values]
    phs = [tf.placeholder(tf.float64, v.shape) for v in values]
    out = build(*phs)
    sess = tf.Session()
    forward = lambda *vs: np.asarray(sess.run(out, dict(zip(phs, vs))), dtype=np.float64)  # noqa: E731
    weights = rng.normal(size=np.shape(forward(*values)))
    loss = tf.reduce_sum(out * tf.constant(weights))
    grads = tf.gradients(loss, phs)
    got = sess.run(grads, dict(zip(phs, values)))
    want = numeric_vjp(forward, values, weights)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    return out


A = rng.normal(size=(3, 4))
B = rng.normal(size=(4,))
P = rng.uniform(0.5, 2.0, size=(3, 4))
FAR = A + np.sign(A) * 0.3  # away from the kinks of abs, relu and max at 0
X4 = rng.normal(size=(2, 6, 6, 2))
W4 = rng.normal(size=(3, 3, 2, 3))


def shape_unknown(t):
    """`t` with its static shape forgotten, as for a tensor whose shape only a run knows."""
    t = tf.identity(t)
    t.op.outputs[0]._shape = TensorShape([None, None])
    return t


# One case per differentiable op type of the table (the key), building that op.
RULE_CASES = {
    "AddV2": (lambda a, b: a + b, (A, B)),
    "Sub": (lambda a, b: a - b, (A, B)),
    "Mul": (lambda a, b: a * b, (A, B)),
    "RealDiv": (lambda a, b: a / b, (A, P)),
    "Pow": (lambda a, b: a**b, (P, A)),
    "Maximum": (tf.maximum, (FAR, B + 0.05)),
    "Minimum": (tf.minimum, (FAR, B + 0.05)),
    "Neg": (tf.negative, (A,)),
    "AddN": (lambda a, b: tf.add_n([a, b, a]), (A, P)),
    "Square": (tf.square, (A,)),
    "Sqrt": (tf.sqrt, (P,)),
    "Exp": (tf.exp, (A,)),
    "Log": (tf.log, (P,)),
    "Sin": (tf.sin, (A,)),
    "Cos": (tf.cos, (A,)),
    "Tan": (tf.tan, (A * 0.4,)),
    "Tanh": (tf.tanh, (A,)),
    "Sigmoid": (tf.sigmoid, (A,)),
    "Abs": (tf.abs, (FAR,)),
    "Relu": (tf.nn.relu, (FAR,)),
    "SelectV2": (lambda a, b: tf.where(a > 0, a * b, b), (FAR, P)),
    "Identity": (tf.identity, (A,)),
    "Cast": (lambda a: tf.cast(tf.cast(a, tf.float32), tf.float64), (A,)),
    "Sum": (lambda a: tf.reduce_sum(a, 1), (A,)),
    "Mean": (lambda a: tf.reduce_mean(a, 0, keepdims=True), (A,)),
    "Max": (lambda a: tf.reduce_max(a, 1), (A,)),
    "Min": (tf.reduce_min, (A,)),
    "MatMul": (lambda a, b: tf.matmul(a, b, transpose_b=True), (A, P)),
    "BatchMatMulV2": (tf.matmul, (np.stack([A, P]), A.T)),
    "Reshape": (lambda a: tf.reshape(a, [2, 6]), (A,)),
    "ReshapeLike": (
        lambda a: tf.gradients(tf.reduce_sum(tf.reshape(shape_unknown(a), [-1]) ** 3), a)[0],
        (A,),
    ),
    "Transpose": (lambda a: tf.transpose(a) * tf.constant(P.T), (A,)),
    "ExpandDims": (lambda a: tf.expand_dims(a, 1), (A,)),
    "Squeeze": (lambda a: tf.squeeze(a, 1), (A[:, :1],)),
    "ConcatV2": (lambda a, b: tf.concat([a, b], 1), (A, P)),
    "Pack": (lambda a, b: tf.stack([a, b], 2), (A, P)),
    "StridedSlice": (lambda a: a[1:, ::2] * a[0, 1], (A,)),
    "StridedSliceGrad": (lambda a: tf.gradients(tf.reduce_sum(a[1:] ** 3), a)[0], (A,)),
    "BroadcastTo": (lambda a: tf.gradients(tf.reduce_sum(a * a, 0), a)[0], (A,)),
    "SumToShape": (lambda a: tf.gradients(tf.reduce_sum(a * tf.sin(a)), a)[0], (B,)),
    "Fill": (lambda a: tf.fill([2, 3], tf.reduce_sum(a)), (B,)),
    "Softmax": (tf.nn.softmax, (A,)),
    "LogSoftmax": (tf.nn.log_softmax, (A,)),
    "SoftmaxCrossEntropyWithLogits": (
        lambda p, z: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z),
        (P, A),
    ),
    "Conv2D": (lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"), (X4, W4)),
    "Conv2DBackpropInput": (
        lambda x, w: tf.gradients(tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID") ** 2), x)[0],
        (X4, W4),
    ),
    "Conv2DBackpropFilter": (
        lambda x, w: tf.gradients(tf.reduce_sum(tf.nn.conv2d(x, w, 2, "SAME") ** 2), w)[0],
        (X4, W4),
    ),
    "MaxPool": (lambda x: tf.nn.max_pool2d(x, 2, 2, "SAME"), (X4,)),
    "MaxPoolGrad": (
        lambda x: tf.gradients(tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID") ** 3), x)[0],
        (X4,),
    ),
    "MaxPoolGradGrad": (
        lambda x: tf.gradients(
            tf.reduce_sum(
                tf.gradients(tf.reduce_sum(tf.nn.max_pool2d(x, 3, 2, "VALID") ** 3), x)[0] ** 2
            ),
            x,
        )[0],
        (X4,),
    ),
}


@pytest.mark.parametrize("op_type", sorted(RULE_CASES))
def test_rule_matches_central_differences(op_type):
    build, values = RULE_CASES[op_type]
    out = check(build, *values)
    types = {op.type for op in out.graph.get_operations()}
    assert op_type in types, f"the case for {op_type} does not build that op"


def test_every_differentiable_entry_has_a_case():
    rules = {e.op_type for e in derivative_table() if e.rule is not None}
    assert rules - set(RULE_CASES) == set()


def test_each_entry_has_a_formula_and_tensorflow_name():
    for e in derivative_table():
        assert e.formula and e.tf_op, e
        if e.rule is not None:
            assert "d" in e.formula, e


def test_broadcasting_is_undone_by_summing():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, [3, 1])
    b = tf.placeholder(tf.float32, [4])
    c = tf.placeholder(tf.float32, [None, 4])
    ga, gb, gc = tf.gradients(tf.reduce_sum(a * b + c), [a, b, c])
    assert ga.shape.as_list() == [3, 1] and gb.shape.as_list() == [4]
    with tf.Session() as sess:
        va, vb = np.arange(3.0).reshape(3, 1), np.arange(4.0)
        out = sess.run([ga, gb, gc], {a: va, b: vb, c: np.zeros((3, 4))})
    np.testing.assert_allclose(out[0], np.full((3, 1), vb.sum()))
    np.testing.assert_allclose(out[1], np.full(4, va.sum()))
    np.testing.assert_allclose(out[2], np.ones((3, 4)))


def test_gradients_are_new_tensors_under_a_gradients_scope():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, name="x")
    y = tf.sin(2 * x)
    (g,) = tf.gradients(y, x)
    assert g.name.startswith("gradients/")
    (g2,) = tf.gradients(g, x)
    assert g2.name.startswith("gradients_1/")
    with tf.Session() as sess:
        got, got2 = sess.run([g, g2], {x: 0.5})
    assert got == pytest.approx(2 * np.cos(1.0), rel=1e-6)
    assert got2 == pytest.approx(-4 * np.sin(1.0), rel=1e-6)


def test_third_derivative_and_hessian_vector_product():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(tf.exp(x) * tf.sin(x))
    d1 = tf.gradients(y, x)[0]
    d2 = tf.gradients(d1, x)[0]
    d3 = tf.gradients(d2, x)[0]
    v = np.array([1.0, -2.0, 0.5])
    hv = tf.hessian_vector_product(y, x, v)
    h = tf.hessians(y, x)
    xv = np.array([0.1, 0.7, -1.2])
    with tf.Session() as sess:
        a, b, c, d = sess.run([d2, d3, hv, h], {x: xv})
    np.testing.assert_allclose(a, 2 * np.exp(xv) * np.cos(xv), rtol=1e-12)
    np.testing.assert_allclose(b, 2 * np.exp(xv) * (np.cos(xv) - np.sin(xv)), rtol=1e-12)
    np.testing.assert_allclose(c, a * v, rtol=1e-12)
    np.testing.assert_allclose(d, np.diag(a), rtol=1e-12)


def test_unconnected_inputs_give_none_or_zeros():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2])
    z = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(tf.sin(x))
    assert tf.gradients(y, [x, z])[1] is None
    gz = tf.gradients(y, z, unconnected_gradients="zero")[0]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(gz, {z: [1.0, 2.0]}), [0.0, 0.0])


def test_fan_out_sums_the_paths():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64)
    y = x * x + tf.sin(x) * x
    (g,) = tf.gradients(y, x)
    with tf.Session() as sess:
        assert sess.run(g, {x: 0.3}) == pytest.approx(2 * 0.3 + np.cos(0.3) * 0.3 + np.sin(0.3))


def test_stop_gradient_and_int_paths_block_the_derivative():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32)
    (g,) = tf.gradients(tf.stop_gradient(x * 3.0) * x, x)
    (h,) = tf.gradients(tf.cast(tf.cast(x, tf.int32), tf.float32), x)
    (k,) = tf.gradients(x * tf.sign(x), x, stop_gradients=None)
    assert h is None
    with tf.Session() as sess:
        assert sess.run(g, {x: 2.0}) == 6.0
        assert sess.run(k, {x: -2.0}) == -1.0


def test_a_chain_of_100000_ops_has_no_recursion_limit():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    (g,) = tf.gradients(y, x)
    with tf.Session() as sess:
        value, grad = sess.run([y, g], {x: 2.0})
    assert value == pytest.approx(2.0 * 1.00001**100_000, rel=1e-9)
    assert grad == pytest.approx(1.00001**100_000, rel=1e-9)


def test_gradient_ops_are_built_only_for_inputs_on_the_path():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, name="x")
    y = tf.sin(x) * 3.0 + 1.0
    before = len(tf.get_default_graph().get_operations())
    tf.gradients(y, x)
    added = [op.type for op in tf.get_default_graph().get_operations()[before:]]
    # the seed (OnesLike), a Mul for d(3 sin)/d sin, Cos and Mul for the sine; nothing is
    # built for the constants 3 and 1, and no summing undoes a broadcast of a scalar
    assert sorted(added) == sorted(["OnesLike", "Mul", "Cos", "Mul"])


def test_user_registered_rule_is_used():
    from autograd_lab import kernels
    from autograd_lab.math_ops import unary

    kernels.KERNELS["Softplus"] = lambda op: lambda x: np.log1p(np.exp(x))

    @tf.RegisterGradient("Softplus")
    def _softplus_grad(op, grad):
        """d softplus(x) = sigmoid(x) dx"""
        return [grad * tf.sigmoid(op.inputs[0])]

    try:
        check(lambda a: unary("Softplus", a), A)
        assert any(
            e.op_type == "Softplus" and e.formula.startswith("d softplus")
            for e in derivative_table()
        )
    finally:
        from autograd_lab import derivatives

        derivatives._TABLE.pop("Softplus")
        kernels.KERNELS.pop("Softplus")


def test_missing_rule_names_the_op_type():
    from autograd_lab import kernels
    from autograd_lab.math_ops import unary

    kernels.KERNELS["Mystery"] = lambda op: lambda x: x
    try:
        tf.reset_default_graph()
        x = tf.placeholder(tf.float32)
        with pytest.raises(tf.LookupGradientError, match="'Mystery'"):
            tf.gradients(unary("Mystery", x), x)
    finally:
        kernels.KERNELS.pop("Mystery")


def test_broadcasting_that_only_a_run_reveals_is_undone():
    tf.reset_default_graph()
    a = tf.placeholder(tf.float64, [None, 3])
    b = tf.placeholder(tf.float64, [None, 3])
    ga, gb = tf.gradients(tf.reduce_sum(a * b), [a, b])
    with tf.Session() as sess:
        out_a, out_b = sess.run(
            [ga, gb], {a: np.ones((1, 3)), b: np.arange(12.0).reshape(4, 3)}
        )
    np.testing.assert_allclose(out_a, np.arange(12.0).reshape(4, 3).sum(0, keepdims=True))
    np.testing.assert_allclose(out_b, np.ones((4, 3)))
