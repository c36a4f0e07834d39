"""A Keras activation whose derivative comes from autograd-lab's derivative table."""

import numpy as np
import pytest

pytestmark = [pytest.mark.keras, pytest.mark.tensorflow]

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from keras_models.expression_layer import ExpressionActivation  # noqa: E402


def tape_gradient(layer, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.range(1.0, 1.0 + tf.cast(tf.size(y), tf.float32)))
    return y.numpy(), tape.gradient(loss, x).numpy()


def test_value_and_gradient_equal_tensorflows_own_swish():
    x = np.linspace(-4, 4, 17, dtype=np.float32)
    ours_y, ours_g = tape_gradient(ExpressionActivation("x * sigmoid(x)"), x)
    theirs_y, theirs_g = tape_gradient(tf.nn.silu, x)
    np.testing.assert_allclose(ours_y, theirs_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours_g, theirs_g, rtol=1e-5, atol=1e-6)


def test_the_backward_pass_comes_from_the_derivative_table():
    import autograd_lab

    x = np.linspace(-2, 2, 9, dtype=np.float32)
    _, right = tape_gradient(ExpressionActivation("sin(x)"), x)

    @autograd_lab.RegisterGradient("Sin")
    def _wrong(op, grad):
        """d sin(x) = 2 cos(x) dx  (deliberately wrong)"""
        return [grad * 2.0 * autograd_lab.cos(op.inputs[0])]

    _, doubled = tape_gradient(ExpressionActivation("sin(x)"), x)
    np.testing.assert_allclose(doubled, 2 * right, rtol=1e-6)


def test_a_model_with_the_activation_trains_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:2] > 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(16),
            ExpressionActivation("x * sigmoid(x)"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert history[-1] < 0.6 * history[0]
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(
        again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_formulas_with_other_names_are_refused():
    with pytest.raises(ValueError, match="exactly one name, x"):
        ExpressionActivation("x * y")
    import autograd_lab

    with pytest.raises(autograd_lab.ExpressionError):
        ExpressionActivation("__import__('os')")
