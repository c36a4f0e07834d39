"""Loading MNIST for the Keras models: from a file, Keras' cache, a download, or the sample."""

from __future__ import annotations

import logging
import os
import socket
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

N_CLASSES = 10
IMAGE_SHAPE = (28, 28)
KEYS = ("x_train", "y_train", "x_test", "y_test")
SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "mnist_sample.npz"
OFFLINE_ENV = "AUTOGRAD_LAB_OFFLINE"
DOWNLOAD_HOST = ("storage.googleapis.com", 443)

Split = tuple[np.ndarray, np.ndarray]


class MnistFileError(ValueError):
    """A file that should hold MNIST in the Keras layout does not."""


class MnistData(tuple):
    """`(train, val, test)`, each `(images, labels)`, plus `source`: where they came from."""

    source: str

    def __new__(cls, train: Split, val: Split, test: Split, source: str) -> MnistData:
        obj = super().__new__(cls, (train, val, test))
        obj.source = source
        return obj

    @property
    def train(self) -> Split:
        return self[0]

    @property
    def val(self) -> Split:
        return self[1]

    @property
    def test(self) -> Split:
        return self[2]


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read and check an MNIST `.npz` in the Keras layout; `MnistFileError` if it is not."""
    path = Path(path)
    expected = (
        "keys x_train, y_train, x_test, y_test; x_* uint8 of shape (n, 28, 28), "
        "y_* integer labels 0..9 of shape (n,)"
    )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise MnistFileError(
                    f"{path}: missing arrays {missing} (found {sorted(npz.files)}); "
                    f"expected {expected}"
                )
            arrays = {k: np.asarray(npz[k]) for k in KEYS}
    except MnistFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise MnistFileError(
            f"{path}: not a readable .npz file ({type(exc).__name__}: {exc}); "
            f"expected {expected}"
        ) from exc
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE or x.dtype != np.uint8:
            raise MnistFileError(
                f"{path}: x_{part} has shape {x.shape} and dtype {x.dtype}; "
                f"expected uint8 of shape (n, 28, 28)"
            )
        if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
            raise MnistFileError(
                f"{path}: y_{part} has shape {y.shape} and dtype {y.dtype}; "
                f"expected integer labels of shape ({x.shape[0]},)"
            )
        if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
            raise MnistFileError(f"{path}: y_{part} holds labels outside 0..9")
    return arrays


def keras_cache_path() -> Path:
    """Where `keras.datasets.mnist.load_data()` keeps its download."""
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(base) / "datasets" / "mnist.npz"


def _online(timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(DOWNLOAD_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _download() -> dict[str, np.ndarray] | None:
    """Try Keras' own download; give up fast (and return None) when offline."""
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        log.info("%s is set: not trying to download MNIST", OFFLINE_ENV)
        return None
    if not _online():
        log.info("no connection to %s: not trying to download MNIST", DOWNLOAD_HOST[0])
        return None
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # any failure falls through to the shipped sample
        log.warning("downloading MNIST failed (%s: %s)", type(exc).__name__, exc)
        return None
    finally:
        socket.setdefaulttimeout(old_timeout)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _find_arrays(path: str | os.PathLike | None) -> tuple[dict[str, np.ndarray], str]:
    if path is not None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"MNIST file not found: {path}")
        return read_npz(path), str(path)
    cache = keras_cache_path()
    if cache.is_file():
        try:
            return read_npz(cache), str(cache)
        except MnistFileError as exc:
            log.warning("ignoring the Keras cache file: %s", exc)
    arrays = _download()
    if arrays is not None:
        return arrays, "keras.datasets.mnist download"
    return read_npz(SAMPLE_PATH), f"{SAMPLE_PATH} (shipped sample)"


def _prepare(
    x: np.ndarray, y: np.ndarray, scale: bool, one_hot: bool, channel_axis: bool
) -> Split:
    images = x.astype(np.float32)
    if scale:
        images /= 255.0
    if channel_axis:
        images = images[..., np.newaxis]
    if one_hot:
        labels = np.eye(N_CLASSES, dtype=np.float32)[y.astype(np.int64)]
    else:
        labels = y.astype(np.int64)
    return images, labels


def load_mnist(
    nval: int | None = 5000,
    path: str | os.PathLike | None = None,
    scale: bool = True,
    one_hot: bool = True,
    channel_axis: bool = True,
    limit: int | None = None,
) -> MnistData:
    """Load MNIST as float32 `(train, val, test)`; the last `nval` training images form `val`.

    Pixels are scaled to [0, 1]: raw 0..255 inputs give huge logits that saturate the softmax,
    and each confidently wrong prediction then costs up to -log(1e-7) = 16, so losses sit near
    10 instead of starting at ln(10) = 2.3.
    Sources, first found wins: `path`, Keras' cache file, a Keras download (skipped when
    AUTOGRAD_LAB_OFFLINE=1), then the 6,000/1,000-image sample shipped in this package.
    `nval=None` takes a twelfth of the training set (5,000 of 60,000; 500 of the sample);
    `limit` keeps only the first `limit` images of what is left for training.
    """
    arrays, source = _find_arrays(path)
    log.info("MNIST source: %s", source)
    x_train, y_train = arrays["x_train"], arrays["y_train"]
    n = len(x_train)
    if nval is None:
        nval = n // 12
    if not 0 <= nval < n:
        raise ValueError(f"nval={nval} must be in 0..{n - 1}: {source} has {n} training images")
    x_fit, y_fit = x_train[: n - nval], y_train[: n - nval]
    if limit is not None:
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        x_fit, y_fit = x_fit[:limit], y_fit[:limit]
    opts = {"scale": scale, "one_hot": one_hot, "channel_axis": channel_axis}
    return MnistData(
        _prepare(x_fit, y_fit, **opts),
        _prepare(x_train[n - nval :], y_train[n - nval :], **opts),
        _prepare(arrays["x_test"], arrays["y_test"], **opts),
        source,
    )
