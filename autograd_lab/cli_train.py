"""`autograd-lab train`: train an MNIST model with Keras or with this engine."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from keras_models.cli import add_train_arguments

    p = subparsers.add_parser("train", help="train a model on MNIST and write its pictures")
    add_train_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from keras_models.cli import run_train

    return run_train(args)
