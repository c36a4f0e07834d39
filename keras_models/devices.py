"""Choosing the GPU (or CPU) Keras trains on, for the TensorFlow, JAX and torch backends."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


class DeviceError(RuntimeError):
    """The requested GPU is not there."""


def keras_backend() -> str:
    """The Keras backend in use, found without importing Keras when it is not loaded yet."""
    if "keras" in sys.modules:
        import keras

        return keras.config.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    config = Path(base) / "keras.json"
    try:
        return json.loads(config.read_text())["backend"]
    except (OSError, ValueError, KeyError, TypeError):
        return "tensorflow"


def select_device(gpu: int | None = None) -> str:
    """Make only GPU `gpu` visible (None: the backend's default) and describe what is used.

    Returns e.g. "CPU" or "GPU 0: NVIDIA H100". Raises `DeviceError` for a GPU that is absent.
    Call it before building models: devices cannot be changed once the runtime has started.
    """
    if gpu is not None and gpu < 0:
        raise DeviceError(f"GPU index must be 0 or more, got {gpu}")
    backend = keras_backend()
    if backend == "tensorflow":
        return _select_tensorflow(gpu)
    if backend == "jax":
        return _select_jax(gpu)
    if backend == "torch":
        return _select_torch(gpu)
    log.info("backend %s: leaving device choice to it", backend)
    return f"{backend} default device"


def _hide_other_gpus(gpu: int | None, module: str) -> bool:
    """Set CUDA_VISIBLE_DEVICES to `gpu` if `module` is not imported yet; True if it was set."""
    if gpu is None:
        return False
    if module in sys.modules:
        log.warning("%s is already loaded: cannot restrict it to GPU %d", module, gpu)
        return False
    os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    return True


def _select_tensorflow(gpu: int | None) -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        if gpu is not None:
            raise DeviceError(f"GPU {gpu} requested, but TensorFlow sees no GPU")
        return "CPU"
    index = 0 if gpu is None else gpu
    if index >= len(gpus):
        raise DeviceError(f"GPU {index} requested, but TensorFlow sees only {len(gpus)} GPU(s)")
    chosen = gpus[index]
    try:
        tf.config.set_visible_devices([chosen], "GPU")
        tf.config.experimental.set_memory_growth(chosen, True)
    except RuntimeError as exc:  # the runtime was initialised before this call
        log.warning("could not change TensorFlow's visible GPUs: %s", exc)
    details = tf.config.experimental.get_device_details(chosen)
    return f"GPU {index}: {details.get('device_name', chosen.name)}"


def _select_jax(gpu: int | None) -> str:
    set_env = _hide_other_gpus(gpu, "jax")
    import jax

    devices = jax.devices()
    first = devices[0]
    if first.platform == "cpu":
        if gpu is not None:
            raise DeviceError(f"GPU {gpu} requested, but JAX sees no GPU")
        return "CPU"
    if gpu is not None and not set_env and gpu >= len(devices):
        raise DeviceError(f"GPU {gpu} requested, but JAX sees only {len(devices)} GPU(s)")
    index = 0 if gpu is None else gpu
    device = first if set_env or gpu is None else devices[gpu]
    return f"GPU {index}: {device.device_kind}"


def _select_torch(gpu: int | None) -> str:
    set_env = _hide_other_gpus(gpu, "torch")
    import torch

    if not torch.cuda.is_available():
        if gpu is not None:
            raise DeviceError(f"GPU {gpu} requested, but torch sees no GPU")
        return "CPU"
    index = 0 if gpu is None else gpu
    local = 0 if set_env or gpu is None else gpu
    if local >= torch.cuda.device_count():
        raise DeviceError(f"GPU {gpu} requested, but torch sees {torch.cuda.device_count()}")
    torch.cuda.set_device(local)
    return f"GPU {index}: {torch.cuda.get_device_name(local)}"
