"""The Keras models: exact parameter counts, the registry, and the CLI's copy of its names."""

from __future__ import annotations

import os

os.environ["AUTOGRAD_LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

from keras_models import cli, models  # noqa: E402

pytestmark = pytest.mark.keras


def conv(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    return k * k * c_in * c_out + (c_out if bias else 0)


def dense(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


BN = 4  # gamma, beta, moving mean, moving variance per channel

EXPECTED = {
    "perceptron": dense(784, 10),
    "mlp": dense(784, 256) + dense(256, 10),
    # 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5: 5*5*64 = 1600 features.
    "cnn": conv(3, 1, 32) + conv(3, 32, 64) + dense(1600, 10),
    "resnet": (
        conv(3, 1, 16, False)
        + BN * 16
        + 2 * (conv(3, 16, 16, False) + BN * 16)
        + conv(3, 16, 32, False)
        + conv(3, 32, 32, False)
        + 2 * BN * 32
        + conv(1, 16, 32, False)
        + BN * 32
        + conv(3, 32, 64, False)
        + conv(3, 64, 64, False)
        + 2 * BN * 64
        + conv(1, 32, 64, False)
        + BN * 64
        + dense(64, 10)
    ),
}


def test_expected_counts_by_hand():
    assert EXPECTED == {"perceptron": 7850, "mlp": 203530, "cnn": 34826, "resnet": 78426}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameter_counts(name):
    model = models.build_model(name)
    assert model.count_params() == EXPECTED[name]
    assert model.output_shape == (None, 10)


def test_resnet_non_trainable_are_batchnorm_statistics():
    model = models.create_resnet()
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    bn_channels = 16 * 3 + 32 * 3 + 64 * 3
    assert non_trainable == 2 * bn_channels
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"BatchNormalization", "Dropout", "Add"} <= kinds


def test_mlp_options_change_the_model():
    assert models.create_mlp(hidden=32).count_params() == dense(784, 32) + dense(32, 10)
    with_dropout = models.create_mlp(dropout=0.2)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in with_dropout.layers)
    assert with_dropout.count_params() == 203530


def test_models_output_probabilities():
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    for name in models.MODELS:
        probs = np.asarray(models.build_model(name)(x, training=False))
        assert probs.shape == (3, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_other_input_and_output_sizes():
    model = models.build_model("cnn", input_shape=(32, 32, 3), n_outputs=5)
    assert model.output_shape == (None, 5)


def test_unknown_model_lists_the_names():
    with pytest.raises(ValueError, match="perceptron") as info:
        models.build_model("transformer")
    assert "transformer" in str(info.value) and "resnet" in str(info.value)


def test_cli_model_names_match_the_registry():
    assert set(cli.MODEL_NAMES) == set(models.MODELS) == set(cli.DEFAULTS)
