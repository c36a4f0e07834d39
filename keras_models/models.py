"""Four MNIST classifiers of rising capacity, built only from Keras layers (any backend)."""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

Shape = tuple[int, ...]


def create_perceptron(input_shape: Shape = (28, 28, 1), n_outputs: int = 10) -> keras.Model:
    """Softmax regression: one Dense layer on the flattened pixels (784*10 + 10 = 7,850)."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(n_outputs, activation="softmax", name="output"),
        ],
        name="perceptron",
    )


def create_mlp(
    input_shape: Shape = (28, 28, 1),
    n_outputs: int = 10,
    hidden: int = 256,
    dropout: float = 0.0,
) -> keras.Model:
    """One ReLU hidden layer (203,530 parameters for hidden=256), optional dropout after it."""
    stack: list[layers.Layer] = [
        keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(hidden, activation="relu", name="hidden"),
    ]
    if dropout > 0:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(n_outputs, activation="softmax", name="output"))
    return keras.Sequential(stack, name="mlp")


def create_cnn(
    input_shape: Shape = (28, 28, 1), n_outputs: int = 10, dropout: float = 0.5
) -> keras.Model:
    """The classic small convnet: two conv/max-pool stages, dropout, softmax (34,826 params)."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(),
            layers.Dropout(dropout),
            layers.Dense(n_outputs, activation="softmax", name="output"),
        ],
        name="cnn",
    )


# Batch norm's running statistics follow the batches with this momentum. Keras' default,
# 0.99, needs thousands of steps to forget its start (mean 0, variance 1); a few epochs of a
# small data set are a few hundred steps, after which inference with 0.99 is near chance.
BN_MOMENTUM = 0.9


def _residual_block(x: keras.KerasTensor, filters: int, stride: int, name: str):
    """conv-BN-ReLU-conv-BN plus a shortcut (1x1 conv when the shape changes), then ReLU."""
    shortcut = x
    y = layers.Conv2D(
        filters, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1"
    )(x)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn1")(y)
    y = layers.Activation("relu", name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn2")(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, strides=stride, use_bias=False, name=f"{name}_proj"
        )(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_proj_bn")(
            shortcut
        )
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.Activation("relu", name=f"{name}_out")(y)


def create_resnet(
    input_shape: Shape = (28, 28, 1),
    n_outputs: int = 10,
    filters: tuple[int, ...] = (16, 32, 64),
    dropout: float = 0.3,
) -> keras.Model:
    """A small functional-API ResNet: a conv stem, one residual block per width, global pool."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(filters[0], 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for i, width in enumerate(filters):
        x = _residual_block(x, width, stride=1 if i == 0 else 2, name=f"block{i + 1}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_outputs, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="resnet")


MODELS: dict[str, Callable[..., keras.Model]] = {
    "perceptron": create_perceptron,
    "mlp": create_mlp,
    "cnn": create_cnn,
    "resnet": create_resnet,
}


def build_model(name: str, **kwargs) -> keras.Model:
    """Build a registered model by name; an unknown name raises `ValueError` naming them all."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}"
        ) from None
    return factory(**kwargs)
