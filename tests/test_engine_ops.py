"""Every op's forward value against NumPy, broadcasting included."""

import numpy as np
import pytest

import autograd_lab as tf
from autograd_lab.kernels import KERNELS

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(4,))
P = rng.uniform(0.5, 2.0, size=(3, 4))


def run(fn, *values):
    tf.reset_default_graph()
    phs = [tf.placeholder(tf.float64, np.shape(v)) for v in values]
    out = fn(*phs)
    with tf.Session() as sess:
        return sess.run(out, dict(zip(phs, values)))


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, (A, B)),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, (A, B)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, (A, B)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, (A, P)),
    "pow": (lambda a, b: a**b, np.power, (P, B)),
    "rpow": (lambda a: 2.0**a, lambda a: 2.0**a, (A,)),
    "neg": (lambda a: -a, np.negative, (A,)),
    "square": (tf.square, np.square, (A,)),
    "sqrt": (tf.sqrt, np.sqrt, (P,)),
    "exp": (tf.exp, np.exp, (A,)),
    "log": (tf.log, np.log, (P,)),
    "sin": (tf.sin, np.sin, (A,)),
    "cos": (tf.cos, np.cos, (A,)),
    "tan": (tf.tan, np.tan, (A,)),
    "tanh": (tf.tanh, np.tanh, (A,)),
    "abs": (tf.abs, np.abs, (A,)),
    "sign": (tf.sign, np.sign, (A,)),
    "maximum": (tf.maximum, np.maximum, (A, B)),
    "minimum": (tf.minimum, np.minimum, (A, B)),
    "where": (lambda a, b: tf.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b), (A, B)),
    "less": (tf.less, np.less, (A, B)),
    "equal": (tf.equal, np.equal, (A, A)),
    "matmul": (tf.matmul, np.matmul, (A, A.T)),
    "matmul_t": (lambda a, b: tf.matmul(a, b, transpose_b=True), lambda a, b: a @ b.T, (A, A)),
    "matmul_at": (lambda a, b: a @ b, lambda a, b: a @ b, (A.T, A)),
    "batch_matmul": (tf.matmul, np.matmul, (np.stack([A, A]), A.T)),
    "transpose": (tf.transpose, np.transpose, (A,)),
    "reshape": (lambda a: tf.reshape(a, [2, -1]), lambda a: a.reshape(2, -1), (A,)),
    "expand_dims": (lambda a: tf.expand_dims(a, 1), lambda a: a[:, None], (A,)),
    "squeeze": (lambda a: tf.squeeze(a, 0), lambda a: a[0], (A[None],)),
    "concat": (lambda a, b: tf.concat([a, b], 0), lambda a, b: np.concatenate([a, b]), (A, P)),
    "stack": (lambda a, b: tf.stack([a, b], 1), lambda a, b: np.stack([a, b], 1), (A, P)),
    "slice": (lambda a: a[1:, ::2], lambda a: a[1:, ::2], (A,)),
    "index": (lambda a: a[-1, 2], lambda a: a[-1, 2], (A,)),
    "sum": (lambda a: tf.reduce_sum(a, 1), lambda a: a.sum(1), (A,)),
    "sum_all": (tf.reduce_sum, np.sum, (A,)),
    "mean": (
        lambda a: tf.reduce_mean(a, 0, keepdims=True),
        lambda a: a.mean(0, keepdims=True),
        (A,),
    ),
    "max": (lambda a: tf.reduce_max(a, -1), lambda a: a.max(-1), (A,)),
    "min": (tf.reduce_min, np.min, (A,)),
    "argmax": (lambda a: tf.argmax(a, 1), lambda a: a.argmax(1), (A,)),
    "cast": (lambda a: tf.cast(a, tf.int32), lambda a: a.astype(np.int32), (A * 10,)),
    "identity": (tf.identity, lambda a: a, (A,)),
    "stop_gradient": (tf.stop_gradient, lambda a: a, (A,)),
    "add_n": (lambda a, b: tf.add_n([a, b, a]), lambda a, b: 2 * a + b, (A, P)),
    "zeros_like": (tf.zeros_like, np.zeros_like, (A,)),
    "fill": (
        lambda a: tf.fill([2, 3], tf.reduce_sum(a)),
        lambda a: np.full((2, 3), a.sum()),
        (B,),
    ),
    "relu": (tf.nn.relu, lambda a: np.maximum(a, 0), (A,)),
    "sigmoid": (tf.nn.sigmoid, lambda a: 1 / (1 + np.exp(-a)), (A,)),
    "softmax": (tf.nn.softmax, softmax, (A,)),
    "log_softmax": (tf.nn.log_softmax, lambda a: np.log(softmax(a)), (A,)),
    "xent": (
        lambda p, z: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z),
        lambda p, z: -(p * np.log(softmax(z))).sum(-1),
        (softmax(P), A),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_numpy(name):
    ours, reference, values = CASES[name]
    got = run(ours, *values)
    want = reference(*values)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def conv_reference(x, w, stride, padding):
    """A direct loop over output positions: slow, obviously right."""
    n, h, wd, _ = x.shape
    kh, kw, _, co = w.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-wd // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - wd, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv2d_matches_a_direct_loop(padding, stride):
    x = rng.normal(size=(2, 7, 8, 3))
    w = rng.normal(size=(3, 2, 3, 4))
    got = run(lambda a, b: tf.nn.conv2d(a, b, stride, padding), x, w)
    np.testing.assert_allclose(got, conv_reference(x, w, stride, padding), atol=1e-10)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_max_pool_matches_a_direct_loop(padding):
    x = rng.normal(size=(2, 5, 7, 3))
    got = run(lambda a: tf.nn.max_pool2d(a, 2, 2, padding), x)
    pad = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-np.inf)
    src = pad if padding == "SAME" else x
    oh, ow = (3, 4) if padding == "SAME" else (2, 3)
    want = np.array(
        [
            [
                [src[n, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max((0, 1)) for j in range(ow)]
                for i in range(oh)
            ]
            for n in range(2)
        ]
    )
    np.testing.assert_array_equal(got, want)


def test_every_op_in_the_table_has_a_kernel():
    from autograd_lab.derivatives import derivative_table

    leaves = {
        "Placeholder",
        "VariableV2",
        "Assign",
        "AssignAdd",
        "AssignSub",
        "Const",
        "RandomStandardNormal",
        "RandomUniform",
        "TruncatedNormal",
    }
    missing = [
        e.op_type
        for e in derivative_table()
        if e.op_type not in KERNELS and e.op_type not in leaves
    ]
    assert missing == []
