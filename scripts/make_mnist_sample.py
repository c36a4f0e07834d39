"""Rebuild `keras_models/data/mnist_sample.npz` from the full MNIST set.

For each digit, the first 600 training and the first 100 test images of the standard order;
then each split is shuffled with a fixed seed, so that any slice of it (a validation set
split off the end, a `--limit` of the first images) holds every digit in about equal parts.

    python scripts/make_mnist_sample.py ../shared/data/mnist.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "keras_models" / "data" / "mnist_sample.npz"


def first_per_digit(labels: np.ndarray, count: int) -> np.ndarray:
    """Indices of the first `count` images of each digit, in the set's order."""
    return np.sort(np.concatenate([np.flatnonzero(labels == d)[:count] for d in range(10)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("full", type=Path, help="the full MNIST .npz (Keras layout)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with np.load(args.full) as full:
        train = first_per_digit(full["y_train"], 600)
        test = first_per_digit(full["y_test"], 100)
        train, test = rng.permutation(train), rng.permutation(test)
        arrays = {
            "x_train": full["x_train"][train],
            "y_train": full["y_train"][train],
            "x_test": full["x_test"][test],
            "y_test": full["y_test"][test],
        }
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT}: {len(train)} training and {len(test)} test images")


if __name__ == "__main__":
    main()
