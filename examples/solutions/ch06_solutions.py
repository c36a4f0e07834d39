"""Chapter 6 answers: the convnet's shapes and sizes by hand, and a convolution in NumPy."""

from __future__ import annotations

import numpy as np


def exercise_1() -> list[tuple[int, ...]]:
    """A VALID 3x3 convolution loses 2 pixels per axis; a 2x2 pool halves, rounding down."""
    conv1 = (28 - 2, 28 - 2, 32)  # 26 x 26
    pool1 = (conv1[0] // 2, conv1[1] // 2, 32)  # 13 x 13
    conv2 = (pool1[0] - 2, pool1[1] - 2, 64)  # 11 x 11
    pool2 = (conv2[0] // 2, conv2[1] // 2, 64)  # 5 x 5
    flatten = (pool2[0] * pool2[1] * pool2[2],)  # 1600
    return [conv1, pool1, conv2, pool2, flatten]


def exercise_2() -> dict[str, int]:
    """Weights per filter times filters, plus one bias per filter (or per output unit)."""
    return {
        "conv1": 3 * 3 * 1 * 32 + 32,  # 320
        "conv2": 3 * 3 * 32 * 64 + 64,  # 18,496
        "output": 5 * 5 * 64 * 10 + 10,  # 16,010
    }


def exercise_3(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Sum, over the 9 kernel positions, the kernel weight times the shifted image."""
    image = np.asarray(image, dtype=np.float64)
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((h, w))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + h, j : j + w]
    return out
