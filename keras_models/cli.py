"""`train` command: fit a Keras model on MNIST, then write the model, curves and a summary."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

# Kept in step with keras_models.models.MODELS (a test checks); listed here so that building
# the parser does not import Keras before a device is chosen.
MODEL_NAMES = ("perceptron", "mlp", "cnn", "resnet")
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adam", "rmsprop")

# Settings that reach the benchmark's targets on full MNIST (see benchmarks/keras_mnist.py).
DEFAULTS: dict[str, dict[str, Any]] = {
    "perceptron": {"optimizer": "momentum", "lr": 0.05, "epochs": 10, "batch_size": 128},
    "mlp": {"optimizer": "momentum", "lr": 0.05, "epochs": 10, "batch_size": 128},
    "cnn": {"optimizer": "momentum", "lr": 0.05, "epochs": 12, "batch_size": 128},
    "resnet": {"optimizer": "adam", "lr": 0.001, "epochs": 5, "batch_size": 128},
}


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the `train` options; unset ones take the per-model values of `DEFAULTS`."""
    parser.add_argument("model", choices=MODEL_NAMES, help="which network to train")
    parser.add_argument("--epochs", type=int, help="epochs in all (default: per model)")
    parser.add_argument("--batch-size", type=int, help="images per gradient step (default 128)")
    parser.add_argument("--lr", type=float, help="learning rate (default: per model)")
    parser.add_argument("--optimizer", choices=OPTIMIZER_NAMES, help="default: per model")
    parser.add_argument("--data", metavar="PATH", help="MNIST .npz in the Keras layout")
    parser.add_argument("--out", metavar="DIR", help="output directory (default runs/<model>)")
    parser.add_argument(
        "--nval",
        type=int,
        help="validation images split off the training set "
        "(default 5000 of 60000; 500 of the shipped sample)",
    )
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--gpu", type=int, metavar="N", help="train on GPU N only")
    parser.add_argument(
        "--early-stopping",
        type=int,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better validation loss",
    )
    parser.add_argument("--seed", type=int, help="random seed for weights and shuffling")
    parser.add_argument(
        "--no-resume", action="store_true", help="start afresh even if DIR holds a checkpoint"
    )
    parser.add_argument(
        "--engine",
        choices=("keras", "autograd-lab"),
        default="keras",
        help="train with Keras (default) or with the autograd-lab engine",
    )
    return parser


def _setting(args: argparse.Namespace, name: str) -> Any:
    value = getattr(args, name, None)
    return DEFAULTS[args.model][name] if value is None else value


def run_train(args: argparse.Namespace) -> int:
    """Run the `train` command; returns the exit status."""
    if args.engine == "autograd-lab":
        try:
            from autograd_lab.training import train_from_cli
        except ImportError as exc:
            print(f"error: the autograd-lab engine cannot train here: {exc}", file=sys.stderr)
            return 2
        return train_from_cli(args)

    from keras_models.devices import DeviceError, select_device

    try:
        device = select_device(args.gpu)
    except DeviceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"device: {device}")

    from keras_models import inspection
    from keras_models.data import MnistFileError, load_mnist
    from keras_models.models import build_model
    from keras_models.results import write_summary
    from keras_models.training import save_model, train

    try:
        data = load_mnist(nval=args.nval, path=args.data, limit=args.limit)
    except (MnistFileError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    (x_train, _), (x_val, _), (x_test, y_test) = data
    print(f"data: {data.source}")
    if "shipped sample" in data.source:
        print("      (a small part of MNIST; pass --data PATH to train on all of it)")
    print(f"      {len(x_train)} training, {len(x_val)} validation, {len(x_test)} test images")

    out = Path(args.out or Path("runs") / args.model)
    model = build_model(args.model)
    settings = {k: _setting(args, k) for k in ("optimizer", "lr", "epochs", "batch_size")}
    print(f"model: {model.name}, {model.count_params():,} parameters; output in {out}/")
    started = time.perf_counter()
    try:
        result = train(
            model,
            data,
            optimizer=settings["optimizer"],
            learning_rate=settings["lr"],
            batch_size=settings["batch_size"],
            epochs=settings["epochs"],
            early_stopping=args.early_stopping,
            out_dir=out,
            resume=not args.no_resume,
            seed=args.seed,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: history so far is in {out}/history.json; "
            "run the same command again to resume"
        )
        return 130
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - started
    if result.initial_epoch:
        print(f"resumed after epoch {result.initial_epoch}")

    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    predicted = inspection.predict_classes(model, x_test)
    cm = inspection.confusion_matrix(y_test, predicted)
    pairs = inspection.most_confused_pairs(cm, k=5)

    files = [
        save_model(model, out / "model.keras"),
        inspection.plot_history(result, out / "curves.png"),
        inspection.plot_confusion_matrix(cm, out / "confusion.png"),
    ]
    if args.model in ("perceptron", "mlp"):
        files.append(inspection.plot_perceptron_weights(model, out / "weights.png"))
    conv_layers = [layer.name for layer in model.layers if "conv" in layer.name][:2]
    for name in conv_layers:
        files.append(
            inspection.plot_feature_maps(model, x_test[0], name, out / f"features_{name}.png")
        )
    try:
        files.append(inspection.plot_model_graph(model, out / "model.png"))
    except inspection.GraphvizMissingError as exc:
        print(f"note: no model.png ({exc})")

    write_summary(
        out,
        result,
        files,
        test_loss=test_loss,
        test_accuracy=test_acc,
        most_confused=pairs,
        wall_time=wall,
        model=args.model,
        parameters=model.count_params(),
        device=device,
        data=data.source,
        train_images=len(x_train),
        **settings,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: `python -m keras_models.cli MODEL [options]`."""
    parser = argparse.ArgumentParser(prog="python -m keras_models.cli", description=__doc__)
    add_train_arguments(parser)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run_train(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
