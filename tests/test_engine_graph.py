"""Graph building: names, printing, dtypes, static shapes, scopes and build-time errors."""

import numpy as np
import pytest

import autograd_lab as tf
from autograd_lab.errors import GraphMismatchError, ShapeError


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_names_follow_tensorflow():
    a = tf.placeholder(tf.float32)
    b = tf.placeholder(tf.float32)
    assert (a + b).name == "add:0"
    assert (a + b).name == "add_1:0"
    assert (a * b).name == "mul:0"
    assert tf.sin(a).name == "Sin:0"
    assert tf.sin(a).name == "Sin_1:0"
    assert tf.matmul(tf.ones([2, 2]), tf.ones([2, 2])).name == "MatMul:0"
    assert (a / b).name == "truediv:0"
    assert (-a).name == "Neg:0"
    assert tf.reduce_sum(a).name == "Sum:0"
    assert tf.add(a, b, name="total").name == "total:0"
    assert tf.add(a, b, name="total").name == "total_1:0"


def test_printed_tensor_matches_tensorflow():
    a = tf.placeholder(tf.float32)
    b = tf.placeholder(tf.float32)
    assert str(a + b) == 'Tensor("add:0", dtype=float32)'
    x = tf.placeholder(tf.float32, shape=[None, 784])
    assert str(x) == 'Tensor("Placeholder_2:0", shape=(?, 784), dtype=float32)'
    assert repr(x) == "<tf.Tensor 'Placeholder_2:0' shape=(?, 784) dtype=float32>"
    assert repr(a) == "<tf.Tensor 'Placeholder:0' shape=<unknown> dtype=float32>"
    assert str(tf.constant(3.0)) == 'Tensor("Const:0", shape=(), dtype=float32)'
    v = tf.Variable(tf.zeros([784, 10]))
    assert repr(v) == "<tf.Variable 'Variable:0' shape=(784, 10) dtype=float32_ref>"


def test_name_scopes_nest_and_uniquify():
    x = tf.placeholder(tf.float32, name="x")
    with tf.name_scope("layer"):
        y = tf.sin(x)
        with tf.name_scope("inner"):
            z = y * 2.0
    with tf.name_scope("layer"):
        w = tf.exp(x)
    assert y.name == "layer/Sin:0"
    assert z.name == "layer/inner/mul:0"
    assert w.name == "layer_1/Exp:0"


def test_default_dtypes_follow_tensorflow():
    assert tf.constant(1.5).dtype is tf.float32
    assert tf.constant(3).dtype is tf.int32
    assert tf.constant(True).dtype is tf.bool
    assert tf.constant(np.float64(1.0)).dtype is tf.float64
    x = tf.placeholder(tf.float64)
    assert (2 * x).dtype is tf.float64  # a Python scalar takes the tensor's dtype


def test_static_shapes_are_inferred():
    x = tf.placeholder(tf.float32, [None, 784])
    w = tf.ones([784, 10])
    b = tf.zeros([10])
    logits = tf.matmul(x, w) + b
    assert logits.shape.as_list() == [None, 10]
    assert tf.reduce_sum(logits, 1).shape.as_list() == [None]
    assert tf.reduce_mean(logits, 1, keepdims=True).shape.as_list() == [None, 1]
    assert tf.reshape(x, [-1, 28, 28, 1]).shape.as_list() == [None, 28, 28, 1]
    assert tf.transpose(w).shape.as_list() == [10, 784]
    assert tf.expand_dims(b, 0).shape.as_list() == [1, 10]
    assert tf.concat([w, w], 1).shape.as_list() == [784, 20]
    assert tf.stack([b, b, b]).shape.as_list() == [3, 10]
    assert x[:, 3:10:2].shape.as_list() == [None, 4]
    assert x[0].shape.as_list() == [784]
    assert x[..., None].shape.as_list() == [None, 784, 1]
    img = tf.placeholder(tf.float32, [None, 28, 28, 1])
    conv = tf.nn.conv2d(img, tf.ones([5, 5, 1, 32]), strides=1, padding="SAME")
    assert conv.shape.as_list() == [None, 28, 28, 32]
    pool = tf.nn.max_pool2d(conv, 2, 2, "VALID")
    assert pool.shape.as_list() == [None, 14, 14, 32]
    valid = tf.nn.conv2d(img, tf.ones([5, 5, 1, 8]), strides=2, padding="VALID")
    assert valid.shape.as_list() == [None, 12, 12, 8]


def test_incompatible_shapes_name_the_op_and_both_shapes():
    a = tf.ones([2, 3])
    b = tf.ones([4, 5])
    with pytest.raises(ShapeError, match=r"'MatMul'.*\[2,3\], \[4,5\]"):
        tf.matmul(a, b)
    with pytest.raises(ShapeError, match=r"'add'.*\[2,3\], \[4,5\]"):
        _ = a + b
    with pytest.raises(ShapeError, match="Cannot reshape a tensor with 6 elements"):
        tf.reshape(a, [4])


def test_mixed_dtypes_are_refused():
    with pytest.raises(TypeError, match="float64.*float32|float32.*float64"):
        _ = tf.placeholder(tf.float32) + tf.placeholder(tf.float64)
    with pytest.raises(TypeError):
        tf.sin(tf.constant(3))


def test_tensors_of_two_graphs_do_not_mix():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        b = tf.constant(2.0)
    with pytest.raises(GraphMismatchError):
        _ = a + b


def test_symbolic_tensor_is_not_a_bool():
    with pytest.raises(TypeError, match="bool"):
        bool(tf.placeholder(tf.float32) > 0)


def test_lookup_by_name():
    x = tf.placeholder(tf.float32, name="x")
    y = tf.sin(x, name="y")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("y:0") is y
    assert g.get_operation_by_name("x") is x.op
    with pytest.raises(KeyError):
        g.get_operation_by_name("nope")
