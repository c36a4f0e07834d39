"""MNIST loading: the shipped sample, the full set, and clear errors for bad files."""

from __future__ import annotations

import os

os.environ["AUTOGRAD_LAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_models import data as mnist  # noqa: E402
from keras_models.data import MnistFileError, load_mnist, read_npz  # noqa: E402

pytestmark = pytest.mark.keras

FULL_MNIST = Path(__file__).resolve().parents[1].parent / "shared/data/mnist.npz"


@pytest.fixture
def no_keras_cache(tmp_path, monkeypatch):
    """Point Keras' cache at an empty folder so the shipped sample is the source."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return tmp_path


def test_sample_file_layout():
    arrays = read_npz(mnist.SAMPLE_PATH)
    assert arrays["x_train"].shape == (6000, 28, 28)
    assert arrays["x_test"].shape == (1000, 28, 28)
    assert arrays["x_train"].dtype == np.uint8
    assert np.bincount(arrays["y_train"], minlength=10).tolist() == [600] * 10
    assert np.bincount(arrays["y_test"], minlength=10).tolist() == [100] * 10
    assert mnist.SAMPLE_PATH.stat().st_size < 5_000_000
    assert (mnist.SAMPLE_PATH.parent / "MNIST-LICENSE.md").is_file()


def test_sample_is_the_fallback_with_shapes_dtypes_scaling(no_keras_cache):
    data = load_mnist(nval=1000)
    assert "shipped sample" in data.source
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data
    assert x_train.shape == (5000, 28, 28, 1) and x_val.shape == (1000, 28, 28, 1)
    assert x_test.shape == (1000, 28, 28, 1)
    for x, y in data:
        assert x.dtype == np.float32 and y.dtype == np.float32
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert y.shape == (len(x), 10)
        np.testing.assert_array_equal(y.sum(axis=1), 1.0)
    assert data.train is data[0] and data.test is data[2]
    # The mean of scaled training pixels of MNIST is about 0.13.
    assert 0.1 < x_train.mean() < 0.16


def test_validation_is_the_end_of_the_training_set(no_keras_cache):
    raw = read_npz(mnist.SAMPLE_PATH)
    data = load_mnist(nval=700, scale=False, one_hot=False, channel_axis=False)
    (x_train, y_train), (x_val, y_val), _ = data
    np.testing.assert_array_equal(x_val, raw["x_train"][-700:].astype(np.float32))
    np.testing.assert_array_equal(y_val, raw["y_train"][-700:])
    np.testing.assert_array_equal(x_train, raw["x_train"][:-700].astype(np.float32))
    assert x_train.max() == 255.0 and y_train.dtype == np.int64


def test_default_nval_and_limit(no_keras_cache):
    (x_train, _), (x_val, _), _ = load_mnist(nval=None, limit=1234)
    assert len(x_val) == 500 and len(x_train) == 1234
    with pytest.raises(ValueError, match="nval"):
        load_mnist(nval=6000)


def test_explicit_path_wins_and_is_reported(tmp_path):
    path = tmp_path / "tiny.npz"
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_train=np.arange(30, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )
    data = load_mnist(nval=10, path=path)
    assert data.source == str(path)
    assert len(data.train[0]) == 20
    np.testing.assert_array_equal(data.test[1].argmax(axis=1), np.arange(10))


def test_keras_cache_file_is_used(no_keras_cache):
    cache = mnist.keras_cache_path()
    cache.parent.mkdir(parents=True)
    arrays = read_npz(mnist.SAMPLE_PATH)
    np.savez(cache, **{k: v[:100] for k, v in arrays.items()})
    data = load_mnist(nval=20)
    assert data.source == str(cache)
    assert len(data.train[0]) == 80


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_mnist(path=tmp_path / "nowhere.npz")


def test_corrupt_file_names_the_file(tmp_path):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(MnistFileError, match="corrupt.npz") as info:
        load_mnist(path=path)
    assert "x_train" in str(info.value)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "truncated.npz"
    path.write_bytes(mnist.SAMPLE_PATH.read_bytes()[:50_000])
    with pytest.raises(MnistFileError, match="truncated.npz"):
        load_mnist(path=path)


def test_wrong_shape_names_file_and_expectation(tmp_path):
    path = tmp_path / "wrong_shape.npz"
    np.savez(
        path,
        x_train=np.zeros((10, 784), np.uint8),
        y_train=np.zeros(10, np.uint8),
        x_test=np.zeros((5, 28, 28), np.uint8),
        y_test=np.zeros(5, np.uint8),
    )
    with pytest.raises(MnistFileError, match="wrong_shape.npz") as info:
        load_mnist(path=path, nval=2)
    assert "(10, 784)" in str(info.value) and "(n, 28, 28)" in str(info.value)


def test_wrong_dtype_and_missing_keys(tmp_path):
    floats = tmp_path / "floats.npz"
    np.savez(
        floats,
        x_train=np.zeros((10, 28, 28), np.float64),
        y_train=np.zeros(10, np.uint8),
        x_test=np.zeros((5, 28, 28), np.uint8),
        y_test=np.zeros(5, np.uint8),
    )
    with pytest.raises(MnistFileError, match="uint8"):
        read_npz(floats)
    keys = tmp_path / "keys.npz"
    np.savez(keys, images=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(MnistFileError, match=r"keys.npz: missing arrays"):
        read_npz(keys)


def test_offline_env_skips_the_download(no_keras_cache, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("no connection may be tried when offline")

    monkeypatch.setattr(mnist, "_online", fail)
    assert "shipped sample" in load_mnist(nval=100).source


def test_unreachable_download_falls_through_fast(no_keras_cache, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LAB_OFFLINE", "0")
    monkeypatch.setattr(mnist, "DOWNLOAD_HOST", ("127.0.0.1", 9))  # nothing listens there
    data = load_mnist(nval=100)
    assert "shipped sample" in data.source


@pytest.mark.slow
@pytest.mark.skipif(not FULL_MNIST.is_file(), reason="full MNIST not at ../shared/data")
def test_full_mnist():
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_mnist(path=FULL_MNIST)
    assert x_train.shape == (55000, 28, 28, 1) and x_val.shape == (5000, 28, 28, 1)
    assert x_test.shape == (10000, 28, 28, 1)
    counts = y_train.sum(axis=0) + y_val.sum(axis=0)
    expected = "5923 6742 5958 6131 5842 5421 5918 6265 5851 5949"
    assert " ".join(str(int(c)) for c in counts) == expected
    # Training pixels average 33.3 on the 0..255 scale.
    assert abs(float(np.concatenate([x_train, x_val]).mean()) * 255 - 33.3) < 0.05
