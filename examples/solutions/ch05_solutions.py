"""Chapter 5 answers: the MLP's weight count, and the gap with many and with few units."""

from __future__ import annotations

from typing import Any


def exercise_1() -> int:
    """Each Dense layer has inputs * outputs weights plus one bias per output."""
    hidden = 28 * 28 * 256 + 256
    output = 256 * 10 + 10
    return hidden + output  # 200,960 + 2,570 = 203,530


def exercise_2(data: Any, n_epochs: int) -> dict[int, float]:
    """Same data, seed and optimiser; only the width changes, so the gap shows its effect."""
    from keras_models.models import create_mlp
    from keras_models.training import train

    gaps = {}
    for hidden in (256, 8):
        result = train(
            create_mlp(hidden=hidden),
            data,
            optimizer="adam",
            learning_rate=3e-3,
            batch_size=64,
            epochs=n_epochs,
            seed=0,
            verbose=0,
        )
        gaps[hidden] = result.history["val_loss"][-1] - result.history["loss"][-1]
    return gaps
